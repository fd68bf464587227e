"""``python -m delivery <command>``: see the package docstring. Errors are one line on stderr, exit status 2;
``comment`` exits 3 when the comment is written but incomplete (a job failed or an input is missing)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from config import CLOUDS, ENVIRONMENTS, ConfigError, load_configuration
from stacks import KINDS

EXIT_INCOMPLETE = 3


def _settings(args: argparse.Namespace) -> int:
    from .settings import stack_settings

    for key, value in stack_settings(args.stack, os.environ).items():
        print(f"{key}={value}")
    return 0


def _clouds(choice: str | None) -> tuple[str, ...]:
    """``--cloud``: one cloud, or every cloud for ``both`` (or none given)."""
    return CLOUDS if choice in (None, "both") else (choice,)


def _stacks(args: argparse.Namespace) -> int:
    from .settings import select

    clouds = _clouds(args.cloud)
    environments = ENVIRONMENTS if args.environment is None else (args.environment,)
    kinds = KINDS if args.kind is None else tuple(args.kind)
    names = [ref.name for ref in select(os.environ, clouds=clouds, environments=environments, kinds=kinds)]
    print(json.dumps(names) if args.format == "json" else "\n".join(names))
    return 0


def _rollout(args: argparse.Namespace) -> int:
    from .settings import select

    if args.action == "destroy" and args.confirmation != f"destroy {args.environment}":
        raise _Usage(f"destroying {args.environment} needs the confirmation input 'destroy {args.environment}', "
                     f"got {args.confirmation!r}: nothing was planned")
    refs = select(os.environ, clouds=_clouds(args.cloud), environments=(args.environment,), kinds=("standby", "platform"))
    standby = [ref.name for ref in refs if ref.kind == "standby"]
    platform = [ref.name for ref in refs if ref.kind == "platform"]
    # The standby stacks are applied first (a primary replicates into what they create) and destroyed last.
    first, then = (platform, standby) if args.action == "destroy" else (standby, platform)
    clouds = sorted({ref.cloud for ref in refs})
    print(f"stacks={json.dumps([ref.name for ref in refs])}\norder={json.dumps(first + then)}\nclouds={json.dumps(clouds)}")
    return 0


def _verify_github(args: argparse.Namespace) -> int:
    from stacks.delivery_settings import DEPLOY_BRANCH

    from .github_checks import Expectation, api_fetch, problems

    configuration = load_configuration((args.environment,), environ=os.environ)
    github, config = configuration.project.github, configuration.environments[0]
    assert github is not None  # required by the configuration schema
    running_in = os.environ.get("GITHUB_REPOSITORY", "")
    if running_in.lower() != github.full_name.lower():
        raise _Usage(f"this runs in {running_in or 'no repository'} (GITHUB_REPOSITORY), config/project.toml [github] "
                     f"names {github.full_name}: the deploy identities trust that repository only")
    token = os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN")
    if not token:
        raise _Usage("GH_TOKEN is not set (the job's github.token with `actions: read`)")
    fetch = api_fetch(os.environ.get("GITHUB_API_URL", "https://api.github.com"), token)
    found = problems(fetch, Expectation(github.full_name, args.environment, DEPLOY_BRANCH, reviewers=config.production))
    for problem in found:
        print(f"::error title=GitHub settings::{problem}")
    if not found:
        print(f"The GitHub settings of {github.full_name} protect environment {args.environment}.")
    return 1 if found else 0


def _terraform_log(args: argparse.Namespace) -> int:
    from .terraform_log import value_free_lines

    with open(args.log, encoding="utf-8", errors="replace") as log:
        for line in value_free_lines(log):
            print(line)
    return 0


def _plan_summary(args: argparse.Namespace) -> int:
    from .plan_summary import PlanSummary, render, summarize

    if args.status in ("skipped", "failed"):
        summary = PlanSummary(args.stack, args.status, note=args.note or "")
    else:
        try:
            plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise _Usage(f"{args.plan}: not a `terraform show -json` plan ({error})") from None
        summary = summarize(args.stack, plan)
    if args.json:
        Path(args.json).write_text(json.dumps(summary.to_json(), indent=2), encoding="utf-8")
    print(render(summary))
    return 0


def _comment(args: argparse.Namespace) -> int:
    from .comment import compose
    from .comment_inputs import read_inputs

    inputs = read_inputs(args, os.environ)
    comment = compose(inputs, max_chars=args.max_chars, full_report=args.full_report)
    print(comment.body, end="")
    for problem in comment.problems:
        print(f"incomplete: {problem}", file=sys.stderr)
    return 0 if comment.complete else EXIT_INCOMPLETE


def _plan_matrix(args: argparse.Namespace) -> int:
    from .comment_inputs import read_json
    from .settings import select

    review = read_json(Path(args.review), "a review (main.py diff --format json)")
    changed = {stack["name"] for stack in review.get("stacks", ()) if stack.get("changed")}
    names = [ref.name for ref in select(os.environ) if ref.name in changed]
    print(f"stacks={json.dumps(names)}")
    return 0


def _database_setup(args: argparse.Namespace) -> int:
    from .database_setup import SetupError, database_setup

    try:
        print(database_setup(args.stack_dir))
    except SetupError as error:
        raise _Usage(str(error)) from None
    return 0


class _Usage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m delivery", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    settings = commands.add_parser("settings", help="key=value facts of one stack for $GITHUB_OUTPUT")
    settings.add_argument("stack")
    settings.set_defaults(run=_settings)
    stacks = commands.add_parser("stacks", help="the stacks main.py synthesizes for a selection")
    stacks.add_argument("--cloud", choices=(*CLOUDS, "both"))
    stacks.add_argument("--environment", choices=ENVIRONMENTS)
    stacks.add_argument("--kind", choices=KINDS, action="append",
                        help="a kind of stack (repeat for several; default: all); the order stays main.py's")
    stacks.add_argument("--format", choices=("json", "lines"), default="json")
    stacks.set_defaults(run=_stacks)
    rollout = commands.add_parser("rollout", help="stacks, order and clouds (JSON lists) for $GITHUB_OUTPUT: the "
                                  "platform and standby stacks of one environment, in the order the action applies them")
    rollout.add_argument("--environment", choices=ENVIRONMENTS, required=True)
    rollout.add_argument("--cloud", choices=(*CLOUDS, "both"), required=True)
    rollout.add_argument("--action", choices=("plan", "apply", "destroy"), required=True)
    rollout.add_argument("--confirmation", default="", help="destroy only: the typed text 'destroy <environment>'")
    rollout.set_defaults(run=_rollout)
    verify = commands.add_parser("verify-github", help="fail unless the GitHub settings the deploy trust rests on are in "
                                 "place (environment branch policy, reviewers, main's ruleset, OIDC subject)")
    verify.add_argument("--environment", choices=ENVIRONMENTS, required=True)
    verify.set_defaults(run=_verify_github)
    log = commands.add_parser("terraform-log", help="the value-free lines of a `terraform plan/apply -json` output file")
    log.add_argument("log")
    log.set_defaults(run=_terraform_log)
    summary = commands.add_parser("plan-summary", help="markdown (and --json) of `terraform show -json` output")
    summary.add_argument("plan", nargs="?", help="terraform show -json output (not with --status skipped/failed)")
    summary.add_argument("--stack", required=True)
    summary.add_argument("--status", choices=("planned", "skipped", "failed"), default="planned")
    summary.add_argument("--note", help="why the stack was skipped or failed")
    summary.add_argument("--json", help="also write the summary as JSON here (for `comment`)")
    summary.set_defaults(run=_plan_summary)
    comment = commands.add_parser("comment", help="the pull request comment (exit 3: written, but incomplete)")
    comment.add_argument("--summaries", required=True, help="directory searched for plan summary JSON files")
    comment.add_argument("--review", help="`main.py diff --format json` against the base")
    comment.add_argument("--cost", help="`main.py cost OLD NEW --format json`")
    comment.add_argument("--snapshots", help="`git diff --numstat` of tests/__snapshots__/")
    comment.add_argument("--jobs", help="this run's jobs: a JSON list of {name, conclusion, html_url}")
    comment.add_argument("--needs", default="{}", help="the comment job's `needs` context as JSON")
    comment.add_argument("--run-url", default="", help="the workflow run")
    comment.add_argument("--files-url", default="", help="the pull request's Files tab")
    comment.add_argument("--title", default="Infrastructure plan")
    comment.add_argument("--max-chars", type=int, default=65_000)
    comment.add_argument("--full-report", default="", help="where the whole report is (default: the run's job summaries)")
    comment.set_defaults(run=_comment)
    matrix = commands.add_parser("plan-matrix", help="stacks=[...] for $GITHUB_OUTPUT: the stacks main.py synthesizes "
                                 "whose synthesized JSON changed, from a review")
    matrix.add_argument("review", help="`main.py diff --format json` against the base")
    matrix.set_defaults(run=_plan_matrix)
    setup = commands.add_parser("database-setup", help="after an apply: run the stack's database setup job (the "
                                "application's PostgreSQL role; stack output database_setup), if it has one")
    setup.add_argument("stack_dir", help="the stack's Terraform directory (applied, initialized)")
    setup.set_defaults(run=_database_setup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "plan-summary" and (args.status == "planned") == (args.plan is None):
        print("error: plan-summary: give a plan file, or --status skipped/failed without one", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except ConfigError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except (_Usage, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
