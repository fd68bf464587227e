"""No plan value reaches a log: the workflows' own plan, summary, seal and apply steps, run as the runner runs them.

A stack whose plan holds ``plaintext-token-XYZ`` (an input Terraform does not know to be sensitive, and an
output) is planned by the steps of ``terraform.yml``, ``pull-request.yml`` and ``drift.yml`` exactly as written
(their ``run`` scripts through bash, their ``env`` filled in), then applied by ``terraform.yml``'s apply step.
The token must be in the plan (the control: ``terraform show -json`` and Terraform's human-readable plan print
it) and in no step's output, job summary, step outputs or uploaded file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .helpers import PROJECT_ROOT
from .test_workflows import load

TOKEN = "plaintext-token-XYZ"
STACK = "duckdb-analytics-aws-dev"
WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
#: (workflow, job, the names (starts) of the steps that run, in order), from the plan to what is uploaded.
STEPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("terraform.yml", "plan", ("Plan", "Summary", "Seal the saved plan")),
    ("pull-request.yml", "plan", ("Plan", "Summary")),
    ("drift.yml", "plan", ("Plan with -detailed-exitcode",)),
    ("terraform.yml", "apply", ("Apply exactly the saved plans",)),
)
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _stack_json(workspace: Path) -> dict[str, Any]:
    return {
        "terraform": {"backend": {"local": {"path": str(workspace / "terraform.tfstate")}}},
        "variable": {"token": {"type": "string", "default": TOKEN}},
        "resource": {"terraform_data": {"app": {"input": {"TOKEN": "${var.token}", "name": "backend"}}}},
        "output": {"app": {"value": "${terraform_data.app.output}"}},
    }


def _workspace(workspace: Path) -> Path:
    """A checkout as the jobs see it: the delivery tools and what they import, and the synthesized stack."""
    workspace.mkdir(parents=True)
    for name in ("delivery", "config", "stacks", "constructs_lib"):
        (workspace / name).symlink_to(PROJECT_ROOT / name)
    stack = workspace / "cdktf.out" / "stacks" / STACK
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps(_stack_json(workspace)), encoding="utf-8")
    return workspace


class Runner:
    """Runs steps like GitHub's runner: ``bash -eo pipefail`` with the step's ``env``, outputs per step id."""

    def __init__(self, workspace: Path, temp: Path, values: dict[str, str]) -> None:
        self.workspace, self.temp, self.values = workspace, temp, values
        self.outputs: dict[str, dict[str, str]] = {}
        self.logs: list[str] = []
        self.summary = temp / "step_summary.md"
        self.summary.touch()
        (temp / "terraformrc").write_text("", encoding="utf-8")

    def _value(self, expression: str) -> str:
        step = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", expression)
        if step:
            return self.outputs.get(step[1], {}).get(step[2], "")
        assert expression in self.values, f"the test does not know ${{{{ {expression} }}}}: add it"
        return self.values[expression]

    def run(self, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        output = self.temp / "github_output"
        output.write_text("", encoding="utf-8")
        env = {key: _EXPRESSION.sub(lambda match: self._value(match[1]), str(value))
               for key, value in step.get("env", {}).items()}
        base = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "AWS_", "GITHUB_"))}
        python = Path(sys.base_prefix) / "bin"  # the runner's python3: this interpreter without the virtualenv
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=self.workspace,
            capture_output=True, text=True, timeout=300,
            env={**base, "PATH": f"{python}{os.pathsep}{base['PATH']}", "RUNNER_TEMP": str(self.temp),
                 "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(self.summary), "CHECKPOINT_DISABLE": "1",
                 "TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": str(self.temp / "terraformrc"), **env},
        )
        if "id" in step:
            self.outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        self.logs += [result.stdout, result.stderr, output.read_text()]
        return result


def _keys(directory: Path) -> tuple[str, str]:
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                    str(directory / "private.pem")], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", str(directory / "private.pem"), "-pubout", "-out",
                    str(directory / "public.pem")], check=True, capture_output=True)
    return (directory / "public.pem").read_text(), (directory / "private.pem").read_text()


def _run_workflow_steps(root: Path, workflow: str, job: str, names: tuple[str, ...], runner: Runner) -> list[str]:
    """The steps of ``job`` named ``names``, in order; each must succeed (drift: exit 0 or 2 inside)."""
    ran = []
    for name in names:
        [step] = [step for step in load(WORKFLOWS / workflow)["jobs"][job]["steps"] if str(step.get("name", "")).startswith(name)]
        result = runner.run(step)
        assert result.returncode == 0, (workflow, name, result.stdout, result.stderr)
        ran.append(f"{workflow}:{name}")
    return ran


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("terraform") is None or shutil.which("openssl") is None or shutil.which("jq") is None:
        pytest.skip("terraform, openssl or jq is not on PATH")
    root = tmp_path_factory.mktemp("plan-logs")
    public, private = _keys(root)
    logs: list[str] = []
    steps: list[str] = []
    uploaded: list[str] = []
    for workflow, job, names in STEPS:
        workspace = root / workflow.removesuffix(".yml") / job
        temp = workspace.parent / f"{job}-temp"
        if job == "apply":  # the bundles the plan job of terraform.yml sealed, as download-artifact lays them out
            workspace, temp = root / "terraform" / "plan", root / "terraform" / "plan-temp"
            shutil.copytree(temp / "bundle", temp / "bundles" / f"tfplan-{STACK}")
        else:
            temp.mkdir(parents=True)
            workspace = _workspace(workspace)
            subprocess.run(["terraform", f"-chdir={workspace}/cdktf.out/stacks/{STACK}", "init", "-input=false"],
                           check=True, capture_output=True, env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"})
        runner = Runner(workspace, temp, {
            "matrix.stack": STACK, "inputs.action": "apply", "inputs.environment": "dev", "steps.plan.outcome": "success",
            "vars[format('PLAN_PUBLIC_KEY_{0}', inputs.environment)]": public, "secrets.PLAN_PRIVATE_KEY": private,
            "needs.select.outputs.order": json.dumps([STACK]), "runner.temp": str(temp), "github.run_id": "1",
        })
        runner.outputs["settings"] = {"directory": f"cdktf.out/stacks/{STACK}", "state": "bucket", "cloud": "aws",
                                      "environment": "dev", "kind": "platform"}
        steps += _run_workflow_steps(root, workflow, job, names, runner)
        logs += runner.logs + [runner.summary.read_text()]
        for directory in ("summary", "drift"):
            uploaded += [path.read_text() for path in (workspace / directory).glob("*")] if (workspace / directory).is_dir() else []
        uploaded += [path.read_bytes().decode("latin-1") for path in (temp / "bundle").glob("*")] if (temp / "bundle").is_dir() else []
    plan_dir = root / "pull-request" / "plan" / "cdktf.out" / "stacks" / STACK  # never applied
    return {"logs": logs, "steps": steps, "uploaded": uploaded,
            "plan_json": (root / "terraform" / "plan-temp" / "plan.json").read_text(),
            "state": (root / "terraform" / "plan" / "terraform.tfstate").read_text(),
            "human_plan": subprocess.run(["terraform", f"-chdir={plan_dir}", "plan", "-input=false", "-refresh=false"],
                                         capture_output=True, text=True, env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"}).stdout}


@pytest.mark.slow  # terraform init, plan and apply, openssl
def test_the_plan_holds_the_value_and_terraform_alone_would_print_it(ran: dict[str, Any]) -> None:
    assert TOKEN in ran["plan_json"] and TOKEN in ran["human_plan"]
    assert TOKEN in ran["state"]  # the apply step applied the plan the plan job sealed
    assert ran["steps"] == ["terraform.yml:Plan", "terraform.yml:Summary", "terraform.yml:Seal the saved plan",
                            "pull-request.yml:Plan", "pull-request.yml:Summary",
                            "drift.yml:Plan with -detailed-exitcode", "terraform.yml:Apply exactly the saved plans"]


@pytest.mark.slow
def test_no_step_prints_or_uploads_a_plan_value(ran: dict[str, Any]) -> None:
    assert [log for log in ran["logs"] if TOKEN in log] == []
    assert [text for text in ran["uploaded"] if TOKEN in text] == []
    printed = "\n".join(ran["logs"])
    # What the log does show: addresses, actions and counts.
    assert "terraform_data.app: plan to create" in printed and "plan: 1 to add, 0 to change" in printed
    assert "terraform_data.app: create done" in printed and "outputs: 1 (values not shown)" in printed
