"""Terraform itself: every AWS stack passes `init` and an offline `plan` (see terraform_offline.py).

`terraform plan` validates the configuration exactly as `terraform validate` does before it plans
(the local backend runs the same core validation walk for every plan), and its ``-json`` stream
carries that validation's diagnostics and every planned change. So one `plan -json` per stack is
the whole check: no error, no warning, every resource planned for creation.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .background import BackgroundJobs, Job, JobContext, background_job
from .conftest import Synthesized
from .helpers import ENVIRONMENTS, stack_id
from .terraform_offline import NEWER_THAN_MIRROR, AwsMirror, find_aws_mirror, offline_copy, terraform, write_cli_config

MIRROR = find_aws_mirror()
pytestmark = [
    pytest.mark.skipif(shutil.which("terraform") is None, reason="the terraform CLI is not on PATH"),
    pytest.mark.skipif(MIRROR is None, reason="no hashicorp/aws provider mirror found (set TERRAFORM_PROVIDER_MIRROR)"),
]


def diagnostics(plan_stream: str) -> list[dict[str, Any]]:
    """The error and warning diagnostics of a `terraform plan -json` stream, each once."""
    found: dict[str, dict[str, Any]] = {}
    for line in plan_stream.splitlines():
        message = json.loads(line)
        if message.get("type") == "diagnostic":
            diagnostic = message["diagnostic"]
            found.setdefault(json.dumps(diagnostic, sort_keys=True), diagnostic)
    return list(found.values())


def planned_actions(plan_stream: str) -> dict[str, list[str]]:
    """Managed resource address -> planned actions, from a `terraform plan -json` stream (data reads left out)."""
    actions: dict[str, list[str]] = {}
    for line in plan_stream.splitlines():
        message = json.loads(line)
        if message.get("type") == "planned_change":
            change = message["change"]
            if not change["resource"]["addr"].startswith("data."):
                actions[change["resource"]["addr"]] = [change["action"]]
    return actions


def plan_offline(stack_file: Path, mirror: AwsMirror, workdir: Path) -> dict[str, Any]:
    """`terraform init` and `terraform plan -json` of a stack's offline copy; what a test needs of them."""
    directory = offline_copy(stack_file, mirror, workdir / "stack")
    cli_config = write_cli_config(mirror, workdir)
    init = terraform(directory, cli_config, "init", "-input=false", "-no-color")
    if init.returncode:
        return {"init": (init.returncode, init.stderr)}
    plan = terraform(directory, cli_config, "plan", "-json", "-refresh=false", "-lock=false", "-input=false")
    return {
        "init": (0, ""),
        "plan": (plan.returncode, plan.stderr),
        "diagnostics": diagnostics(plan.stdout),
        "changes": planned_actions(plan.stdout),
    }


def _plan_job(environment: str) -> Job[dict[str, Any]]:
    name = stack_id("aws", environment)

    def plan(context: JobContext) -> dict[str, Any]:
        assert MIRROR is not None and context.synthesized_outdir is not None
        return plan_offline(context.synthesized_outdir / "stacks" / name / "cdk.tf.json", MIRROR, context.workdir)

    return background_job(f"terraform plan {name}", cost=14, after_synthesis=True)(plan)


PLANS = {environment: _plan_job(environment) for environment in ENVIRONMENTS}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_init_and_validation_pass_without_warnings(background: BackgroundJobs, environment: str) -> None:
    run = background.result(PLANS[environment])
    assert run["init"][0] == 0, run["init"][1]
    assert run["plan"][0] == 0, run["plan"][1]
    assert run["diagnostics"] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_offline_plan_creates_every_resource(
    synthesized: Synthesized, background: BackgroundJobs, environment: str
) -> None:
    run = background.result(PLANS[environment])
    assert run["plan"][0] == 0, run["plan"][1]
    document = synthesized.stack("aws", environment)
    expected = {f"{kind}.{name}" for kind, group in document["resource"].items() for name in group}
    planned = run["changes"]
    # Resources with for_each plan one instance per key: aws_route53_record.x["example.com"].
    assert {re.sub(r"\[.*\]$", "", address) for address in planned} == expected
    assert {tuple(actions) for actions in planned.values()} == {("create",)}


# A line of `terraform plan -json` as Terraform 1.11 writes a validation warning (trimmed).
_WARNING_LINE = json.dumps({
    "@level": "warn", "@message": "Warning: Argument is deprecated", "type": "diagnostic",
    "diagnostic": {"severity": "warning", "summary": "Argument is deprecated",
                   "detail": "acl is deprecated. Use the aws_s3_bucket_acl resource instead.",
                   "address": "aws_s3_bucket.b"},
})
_CHANGE_LINE = json.dumps({
    "@level": "info", "type": "planned_change",
    "change": {"resource": {"addr": "aws_s3_bucket.b", "resource_type": "aws_s3_bucket"}, "action": "create"},
})

_DATA_READ_LINE = json.dumps({
    "@level": "info", "type": "planned_change",
    "change": {"resource": {"addr": "data.aws_iam_policy_document.p", "resource_type": "aws_iam_policy_document"},
               "action": "read"},
})


def test_plan_stream_reading_catches_warnings_and_changes() -> None:
    """The readers above see what a real plan stream carries (validation repeats warnings: kept once)."""
    stream = "\n".join([_WARNING_LINE, _CHANGE_LINE, _DATA_READ_LINE, _WARNING_LINE])
    assert [diagnostic["summary"] for diagnostic in diagnostics(stream)] == ["Argument is deprecated"]
    assert planned_actions(stream) == {"aws_s3_bucket.b": ["create"]}


def test_every_argument_dropped_offline_is_one_our_output_uses(synthesized: Synthesized) -> None:
    """The exception list hides nothing our stacks do not need hidden (and names its source)."""
    import copy

    for argument in NEWER_THAN_MIRROR:
        used = [
            name for name, document in synthesized.documents.items()
            for body in document.get("resource", {}).get(argument.resource_type, {}).values()
            if argument.drop(copy.deepcopy(body))
        ]
        assert used, f"{argument.resource_type}.{'.'.join(argument.path)} is no longer used: remove it from the list"
        assert argument.introduced_in and "CHANGELOG" in argument.source
