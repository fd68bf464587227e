#!/usr/bin/env python3
"""Synthesizes the DuckDB Analytics Platform into Terraform JSON, one stack per cloud and environment.

    python main.py [--clouds aws,gcp] [--environments dev,staging,prod] [--stacks bootstrap,platform]
                   [--outdir DIR] [--config-dir DIR]
    python main.py diff OLD NEW | --base REF [NEW] [--snapshots] [--format text|markdown|json] [--max-chars N]
    python main.py cost [OUTDIR] | OLD NEW | --base REF [NEW] [--format text|markdown|json] [--prices FILE]

Without flags, PLATFORM_CLOUDS, PLATFORM_ENVIRONMENTS and PLATFORM_STACKS select (comma-separated, for
``cdktf synth`` users); without those, every stack is synthesized: per cloud and environment the
bootstrap stack (applied once by an administrator) and the platform stack (applied by the pipeline).
The output directory defaults to CDKTF_OUTDIR, then ``cdktf.out``. Configuration is validated before
anything is written, and every stack is checked against the guardrails (``constructs_lib.policy``)
while it is synthesized: every problem or violation is printed on its own line, the exit status is 2
and the output directory is left as it was. With both clouds selected on two or more cores each cloud is
synthesized in a process of its own at the same time (``stacks/parallel.py``), to the same bytes.

``diff`` compares two synthesized outputs and flags risky changes (see ``constructs_lib.analysis.review``); ``cost``
estimates each stack's monthly cost at minimum and maximum capacity from the price table in
``constructs_lib/analysis/cost/prices.toml``, or what a change does to it. Both read JSON only and import neither cdktf
nor a provider (without a directory they synthesize in a child process).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from config import CLOUDS, DEFAULT_CONFIG_DIR, ENVIRONMENTS, ConfigError, display_path, load_configuration
from stacks import KINDS

CLOUDS_VARIABLE = "PLATFORM_CLOUDS"
ENVIRONMENTS_VARIABLE = "PLATFORM_ENVIRONMENTS"
STACKS_VARIABLE = "PLATFORM_STACKS"
EXIT_USAGE = 2
PROJECT_ROOT = Path(__file__).resolve().parent


class SelectionError(ValueError):
    """An unknown or empty selection of clouds or environments."""


def parse_selection(text: str, allowed: Sequence[str], what: str, source: str) -> tuple[str, ...]:
    """``"gcp, aws"`` -> ``("aws", "gcp")``: known names, in canonical order, without duplicates."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise SelectionError(f"{source}: name at least one {what} ({', '.join(allowed)})")
    for name in names:
        if name not in allowed:
            raise SelectionError(f"{source}: unknown {what} {name!r} (choose from {', '.join(allowed)})")
    return tuple(name for name in allowed if name in names)


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Synthesize the DuckDB Analytics Platform stacks.")
    parser.add_argument("--clouds", help=f"comma-separated subset of {','.join(CLOUDS)} (env {CLOUDS_VARIABLE})")
    parser.add_argument(
        "--environments", help=f"comma-separated subset of {','.join(ENVIRONMENTS)} (env {ENVIRONMENTS_VARIABLE})"
    )
    parser.add_argument(
        "--stacks", help=f"comma-separated subset of {','.join(KINDS)}: which stacks of each cloud and environment "
                         f"(env {STACKS_VARIABLE})"
    )
    parser.add_argument("--outdir", type=Path, help="output directory (default: $CDKTF_OUTDIR, else cdktf.out)")
    parser.add_argument("--config-dir", type=Path, default=DEFAULT_CONFIG_DIR, help="directory of the TOML files")
    return parser


def _select(flag: str | None, environ: Mapping[str, str], variable: str, allowed: Sequence[str], what: str, option: str):
    if flag is not None:
        return parse_selection(flag, allowed, what, option)
    if variable in environ:
        return parse_selection(environ[variable], allowed, what, f"environment variable {variable}")
    return tuple(allowed)


def output_directory(flag: Path | None, environ: Mapping[str, str]) -> Path:
    """``--outdir``, else CDKTF_OUTDIR, else ``cdktf.out``; a SelectionError when it or a parent is not a directory."""
    source = "--outdir" if flag is not None else "environment variable CDKTF_OUTDIR"
    outdir = flag if flag is not None else Path(environ.get("CDKTF_OUTDIR") or "cdktf.out")
    if flag is None and not environ.get("CDKTF_OUTDIR"):
        source = "the output directory"
    for path in (outdir, *outdir.parents):
        if path.exists() and not path.is_dir():
            raise SelectionError(f"{source}: {display_path(path)} exists and is not a directory, got {str(outdir)!r}")
    return outdir


def _synthesize(configuration: Any, clouds: Sequence[str], outdir: Path, kinds: Sequence[str]) -> list[Any]:
    """Both clouds on two cores: a process each (stacks/parallel.py); otherwise here, importing cdktf only now.

    Raises:
        ViolationLines: Stacks break guardrails or validations, whichever way they were synthesized.
    """
    from stacks.parallel import ViolationLines, runs_in_parallel, synthesize_in_parallel

    if runs_in_parallel(clouds):
        return synthesize_in_parallel(configuration, clouds, outdir, kinds)
    from constructs_lib.provider_bindings import prepare_jsii_runtime

    prepare_jsii_runtime()  # before cdktf starts the jsii runtime: provider JavaScript loaded on demand
    from stacks.synthesis import SynthesisError, synthesize

    try:
        return synthesize(configuration, clouds, outdir, kinds)
    except SynthesisError as error:
        raise ViolationLines(error.problems) from error


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["diff"]:
        from constructs_lib.analysis.review.cli import main as review

        return review(arguments[1:], repository=PROJECT_ROOT, synth_command=(sys.executable, "main.py"),
                      program="main.py diff")
    if arguments[:1] == ["cost"]:
        from constructs_lib.analysis.cost.cli import main as cost

        return cost(arguments[1:], repository=PROJECT_ROOT, synth_command=(sys.executable, "main.py"),
                    program="main.py cost")
    environ = os.environ if environ is None else environ
    args = _argument_parser().parse_args(arguments)
    try:
        outdir = output_directory(args.outdir, environ)
        clouds = _select(args.clouds, environ, CLOUDS_VARIABLE, CLOUDS, "cloud", "--clouds")
        environments = _select(args.environments, environ, ENVIRONMENTS_VARIABLE, ENVIRONMENTS, "environment", "--environments")
        kinds = _select(args.stacks, environ, STACKS_VARIABLE, KINDS, "stack kind", "--stacks")
        configuration = load_configuration(environments, config_dir=args.config_dir, environ=environ, clouds=clouds)
    except SelectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(error.problems)} configuration problem(s); nothing was synthesized.", file=sys.stderr)
        return EXIT_USAGE

    from stacks.parallel import ViolationLines  # no cdktf import

    try:
        written = _synthesize(configuration, clouds, outdir, kinds)
    except ViolationLines as error:
        for line in error.lines:
            print(f"error: {line}", file=sys.stderr)
        print(f"{len(error.lines)} guardrail violation(s); nothing was synthesized.", file=sys.stderr)
        return EXIT_USAGE
    width = max(len(stack.name) for stack in written)
    print(f"Synthesized {len(written)} stack(s) into {display_path(outdir)}:")
    for stack in written:
        print(f"  {stack.name:<{width}}  {stack.resource_count:>4} resources  {display_path(stack.path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
