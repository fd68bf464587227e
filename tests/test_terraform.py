"""Terraform itself: every AWS stack passes `init`, `validate` and an offline `plan` (see terraform_offline.py)."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, stack_id
from .terraform_offline import AwsMirror, find_aws_mirror, offline_copy, terraform, write_cli_config

MIRROR = find_aws_mirror()
pytestmark = [
    pytest.mark.skipif(shutil.which("terraform") is None, reason="the terraform CLI is not on PATH"),
    pytest.mark.skipif(MIRROR is None, reason="no hashicorp/aws provider mirror found (set TERRAFORM_PROVIDER_MIRROR)"),
]


def _init_validate_plan(synthesized: Synthesized, mirror: AwsMirror, work: Path, environment: str) -> dict[str, Any]:
    name = stack_id("aws", environment)
    directory = offline_copy(synthesized.outdir / "stacks" / name / "cdk.tf.json", mirror, work / name)
    cli_config = write_cli_config(mirror, work)
    outcome: dict[str, Any] = {"name": name}
    init = terraform(directory, cli_config, "init", "-input=false", "-no-color")
    outcome["init"] = (init.returncode, init.stderr)
    if init.returncode:
        return outcome
    validate = terraform(directory, cli_config, "validate", "-json", "-no-color")
    outcome["validate"] = json.loads(validate.stdout or "{}")
    plan = terraform(directory, cli_config, "plan", "-refresh=false", "-lock=false", "-input=false", "-no-color", "-out=plan.bin")
    outcome["plan"] = (plan.returncode, plan.stderr)
    if plan.returncode == 0:
        shown = terraform(directory, cli_config, "show", "-json", "plan.bin")
        outcome["changes"] = json.loads(shown.stdout)["resource_changes"]
    return outcome


@pytest.fixture(scope="module")
def terraform_runs(synthesized: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    assert MIRROR is not None
    work = tmp_path_factory.mktemp("terraform")
    with ThreadPoolExecutor(max_workers=len(ENVIRONMENTS)) as pool:
        runs = pool.map(lambda environment: _init_validate_plan(synthesized, MIRROR, work, environment), ENVIRONMENTS)
        return {run["name"]: run for run in runs}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_init_and_validate(terraform_runs: dict[str, dict[str, Any]], environment: str) -> None:
    run = terraform_runs[stack_id("aws", environment)]
    assert run["init"][0] == 0, run["init"][1]
    assert run["validate"]["valid"] is True, run["validate"]["diagnostics"]
    assert run["validate"]["warning_count"] == 0, run["validate"]["diagnostics"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_offline_plan_creates_every_resource(
    synthesized: Synthesized, terraform_runs: dict[str, dict[str, Any]], environment: str
) -> None:
    run = terraform_runs[stack_id("aws", environment)]
    assert run["plan"][0] == 0, run["plan"][1]
    document = synthesized.stack("aws", environment)
    expected = {f"{kind}.{name}" for kind, group in document["resource"].items() for name in group}
    planned = {change["address"]: change["change"]["actions"] for change in run["changes"] if change["mode"] == "managed"}
    # Resources with for_each plan one instance per key: aws_route53_record.x["example.com"].
    assert {re.sub(r"\[.*\]$", "", address) for address in planned} == expected
    assert set(map(tuple, planned.values())) == {("create",)}
