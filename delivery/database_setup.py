"""``python -m delivery database-setup STACK_DIR``: run a platform stack's database setup job after an apply.

The job (AWS: an ECS task, ``constructs_lib/aws/database_setup.py``; GCP: a Cloud Run job,
``constructs_lib/gcp/database_setup.py``) creates the application's least-privilege PostgreSQL role as the
database administrator, from inside the private network; its SQL is idempotent, so every apply runs it again.
What to run comes from the stack output ``database_setup`` (a JSON string); a stack without it (no database, a
standby) has nothing to set up. The cloud CLIs (``aws``, ``gcloud``) run with the deploy identity's credentials.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

Run = Callable[[Sequence[str]], str]


class SetupError(Exception):
    """The job could not be started, or it ended without success."""


def run_command(command: Sequence[str]) -> str:
    """Runs ``command``, returns its standard output; a failure raises :class:`SetupError` with its error output."""
    result = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SetupError(f"{command[0]} {command[1]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def read_setup(stack_dir: str, run: Run = run_command) -> dict[str, Any] | None:
    """The stack's ``database_setup`` output, or ``None`` when it has none."""
    outputs = json.loads(run(["terraform", f"-chdir={stack_dir}", "output", "-json"]) or "{}")
    output = outputs.get("database_setup")
    if output is None:
        return None
    value = output["value"]
    setup = json.loads(value) if isinstance(value, str) else value
    if setup.get("cloud") not in ("aws", "gcp"):
        raise SetupError(f"database_setup of {stack_dir}: unknown cloud {setup.get('cloud')!r}")
    return setup


def run_aws(setup: dict[str, Any], run: Run = run_command) -> str:
    """Runs the ECS task, waits until it stops, and returns its task ARN; a non-zero exit code raises."""
    cluster, region = setup["cluster"], setup["region"]
    network = {"awsvpcConfiguration": {"subnets": setup["subnets"], "securityGroups": setup["security_groups"],
                                       "assignPublicIp": "DISABLED"}}
    started = json.loads(run([
        "aws", "ecs", "run-task", "--region", region, "--cluster", cluster, "--task-definition",
        setup["task_definition"], "--launch-type", "FARGATE", "--started-by", "database-setup",
        "--network-configuration", json.dumps(network), "--output", "json",
    ]))
    if started.get("failures") or not started.get("tasks"):
        raise SetupError(f"the setup task did not start: {started.get('failures')}")
    task = started["tasks"][0]["taskArn"]
    run(["aws", "ecs", "wait", "tasks-stopped", "--region", region, "--cluster", cluster, "--tasks", task])
    described = json.loads(run(["aws", "ecs", "describe-tasks", "--region", region, "--cluster", cluster,
                                "--tasks", task, "--output", "json"]))
    (stopped,) = described["tasks"]
    codes = [container.get("exitCode") for container in stopped.get("containers", ())]
    if codes != [0]:
        raise SetupError(f"the setup task {task} ended with {codes} ({stopped.get('stoppedReason', '')}); its output "
                         f"is in the log group {setup['log_group']}, stream setup/setup/{task.rsplit('/', 1)[-1]}")
    return task


def run_gcp(setup: dict[str, Any], run: Run = run_command) -> str:
    """Executes the Cloud Run job and waits for it; a failed execution raises. Returns the job's name."""
    run(["gcloud", "run", "jobs", "execute", setup["job"], f"--project={setup['project']}",
         f"--region={setup['region']}", "--wait", "--quiet"])
    return setup["job"]


def database_setup(stack_dir: str, run: Run = run_command) -> str:
    """Runs the setup job of the stack in ``stack_dir``; returns what was done, as one line."""
    setup = read_setup(stack_dir, run)
    if setup is None:
        return f"{stack_dir}: no database_setup output, nothing to set up"
    done = run_aws(setup, run) if setup["cloud"] == "aws" else run_gcp(setup, run)
    return f"{stack_dir}: the database roles are set up ({done})"
