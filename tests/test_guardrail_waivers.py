"""Waivers need a written reason and land in the synthesized JSON; violations stop the synthesis."""

from __future__ import annotations

from pathlib import Path

import pytest

from constructs_lib.policy import (
    MIN_REASON_LENGTH,
    Guardrails,
    Violation,
    Waived,
    apply_guardrails,
    collected_violations,
    waive,
)
from constructs_lib.policy.aspects import COLLECT_CONTEXT
from constructs_lib.analysis.review.changes import ABSENT, diff_documents

from .policy_apps import aws_stack, new_app, synthesize
from .test_guardrails import s3_bucket
from .test_snapshots import without_metadata

from cdktf import App, Aspects  # isort: skip
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup  # isort: skip
from constructs import Construct  # isort: skip

REASON = "Scratch copies, rebuilt nightly from the lake (ADR 12)"


def _bucket_body(document: dict, name: str = "bucket") -> dict:
    return next(body for key, body in document["resource"]["aws_s3_bucket"].items() if key.startswith(name))


def test_a_waiver_with_a_reason_lets_the_construct_pass_and_shows_in_the_output_snapshot_and_review() -> None:
    stack = aws_stack(new_app())
    bucket = s3_bucket(stack, versioned=None)
    guardrails = apply_guardrails(stack, production=False)
    waive(bucket, "bucket-versioning", reason=f"  {REASON}\n")
    document = synthesize(stack)
    assert guardrails.violations == ()
    assert guardrails.waived == (Waived("stack/bucket", "bucket-versioning",
                                        "not versioned: no aws_s3_bucket_versioning with status Enabled refers to it", REASON),)
    body = _bucket_body(document)
    assert body["//"]["waivers"] == {"bucket-versioning": REASON}
    assert without_metadata(body)["//"] == {"waivers": {"bucket-versioning": REASON}}
    before = {"resource": {"aws_s3_bucket": {"bucket": {key: value for key, value in body.items() if key != "//"}}}}
    after = {"resource": {"aws_s3_bucket": {"bucket": body}}}
    (change,) = diff_documents(before, after)
    assert [(a.dotted, a.old, a.new) for a in change.attributes] == [("//.waivers.bucket-versioning", ABSENT, REASON)]


@pytest.mark.parametrize("reason", ["", "   ", "because", "x" * (MIN_REASON_LENGTH - 1)])
def test_a_waiver_without_a_real_reason_is_refused(reason: str) -> None:
    stack = aws_stack(new_app())
    bucket = s3_bucket(stack, versioned=None)
    with pytest.raises(ValueError, match=r"waive\(stack/bucket, bucket-versioning\): the reason must say why, in at least 20"):
        waive(bucket, "bucket-versioning", reason=reason)


def test_a_waiver_of_an_unknown_rule_or_of_a_rule_that_checks_nothing_there_is_refused() -> None:
    stack = aws_stack(new_app())
    bucket = s3_bucket(stack)
    with pytest.raises(ValueError, match=r"waive: unknown rule 'bucket-versioned' \(rules: required-tags, "):
        waive(bucket, "bucket-versioned", reason=REASON)
    with pytest.raises(ValueError, match=r"waive\(stack/bucket, log-retention\): the rule checks no resource of this construct"):
        waive(bucket, "log-retention", reason=REASON)


def test_a_waiver_on_a_composite_lands_on_the_resources_the_rule_checks() -> None:
    stack = aws_stack(new_app())
    lake = Construct(stack, "lake")
    s3_bucket(lake, versioned=None)
    CloudwatchLogGroup(lake, "logs", name="lake", retention_in_days=30)
    guardrails = apply_guardrails(stack, production=False)
    waive(lake, "bucket-versioning", reason=REASON)
    document = synthesize(stack)
    assert guardrails.violations == ()
    assert _bucket_body(document, "lake_bucket")["//"]["waivers"] == {"bucket-versioning": REASON}
    (log_group,) = document["resource"]["aws_cloudwatch_log_group"].values()
    assert "waivers" not in log_group["//"]


def test_a_hand_written_waiver_without_a_reason_waives_nothing() -> None:
    stack = aws_stack(new_app())
    bucket = s3_bucket(stack, versioned=None)
    bucket.add_override("//.waivers.bucket-versioning", "ok")
    bucket.add_override("//.waivers.bucket-versionning", REASON)
    guardrails = apply_guardrails(stack, production=False)
    synthesize(stack)
    assert [(violation.rule, violation.message) for violation in guardrails.violations] == [
        ("bucket-versioning", "not versioned: no aws_s3_bucket_versioning with status Enabled refers to it"),
        ("waiver", "waiver of bucket-versioning needs a reason of at least 20 characters, got 'ok'"),
        ("waiver", "waiver of unknown rule 'bucket-versionning'"),
    ]


def test_a_violation_stops_app_synth_with_one_line_per_violation(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    stack = aws_stack(app)
    CloudwatchLogGroup(stack, "logs", name="a")
    s3_bucket(stack, versioned=None)
    apply_guardrails(stack, production=False)
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    lines = [line.strip() for line in str(raised.value).splitlines()]
    assert "[stack] stack/bucket: bucket-versioning: not versioned: no aws_s3_bucket_versioning with status Enabled " \
           "refers to it" in lines
    assert "[stack] stack/logs: log-retention: retention_in_days is not set: CloudWatch keeps these logs forever" in lines
    assert not (tmp_path / "out" / "stacks" / "stack" / "cdk.tf.json").exists()


def test_collecting_reports_the_violations_of_every_stack_at_once(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"), context={COLLECT_CONTEXT: True})
    for name in ("one", "two"):
        stack = aws_stack(app, name)
        CloudwatchLogGroup(stack, "logs", name=name)
        apply_guardrails(stack, production=False)
    app.synth()
    assert collected_violations(app) == [
        Violation(f"{name}/logs", "log-retention", "retention_in_days is not set: CloudWatch keeps these logs forever")
        for name in ("one", "two")
    ]


def test_one_instance_may_check_several_stacks_and_synthesizing_twice_reports_once() -> None:
    app = new_app()
    guardrails = Guardrails()
    stacks = [aws_stack(app, name) for name in ("one", "two")]
    for stack in stacks:
        CloudwatchLogGroup(stack, "logs", name=stack.node.id)
        Aspects.of(stack).add(guardrails)
    for stack in (*stacks, stacks[0]):
        synthesize(stack)
    assert [violation.path for violation in guardrails.violations] == ["one/logs", "two/logs"]
