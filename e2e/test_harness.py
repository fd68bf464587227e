"""The harness itself, without Terraform: the permission mapping, the bridges' reason to exist, the lists' upkeep."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.aws.iam_evaluation import Request, document_from_terraform, explain
from constructs_lib.offline import AwsMirror

from . import workspace
from .authorization import Facts, requests_for
from .bridges import ANSWERS, MOTO_VERSION, PATCHES
from .emulator import Call
from .emulator_gaps import EMULATOR_DIFFS
from .round_trip import PROJECT_ROOT

ACCOUNT, KEY_ID = "111122223333", "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"


class KnownFacts(Facts):
    """One tagged key, one secret encrypted with it, one role with a boundary, one encrypted object."""

    def key_arn(self, call: Call, key: str) -> str | None:
        return KEY_ARN

    def key_tags(self, call: Call, key: str) -> dict[str, str]:
        return {"Environment": "dev"}

    def secret_key(self, call: Call, secret: str) -> tuple[str, str] | None:
        return f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:duckdb-analytics-dev/db-AbCdEf", KEY_ID

    def role_boundary(self, call: Call, role: str) -> str | None:
        return f"arn:aws:iam::{ACCOUNT}:policy/boundary"

    def object_key(self, call: Call, bucket: str, name: str) -> str | None:
        return KEY_ARN


def _call(service: str, operation: str, params: dict, path: str = "/", headers: dict | None = None,
          account: str = ACCOUNT) -> Call:
    return Call(phase="test", principal=f"arn:aws:sts::{account}:assumed-role/gha-deploy/session", service=service,
                region="us-east-1", operation=operation, params=params, status=0, path=path,
                request_headers=headers or {})


def _needs(call: Call) -> set[tuple[str, str]]:
    found = requests_for(call, KnownFacts())
    assert found is not None, f"{call.service}:{call.operation} is not mapped"
    return {(request.action, request.resource) for request in found}


def test_an_alias_needs_the_key_too() -> None:
    needs = _needs(_call("kms", "CreateAlias", {"AliasName": "alias/duckdb-analytics-dev", "TargetKeyId": KEY_ID}))
    assert needs == {("kms:CreateAlias", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/duckdb-analytics-dev"),
                     ("kms:CreateAlias", KEY_ARN)}


def test_a_key_request_carries_the_keys_tags() -> None:
    [request] = requests_for(_call("kms", "EnableKeyRotation", {"KeyId": KEY_ID}), KnownFacts()) or []
    assert request == Request("kms:EnableKeyRotation", KEY_ARN,
                              {"aws:RequestedRegion": "us-east-1", "aws:ResourceTag/Environment": "dev"})


def test_reading_a_secret_decrypts_with_its_key() -> None:
    assert ("kms:Decrypt", KEY_ARN) in _needs(_call("secretsmanager", "GetSecretValue", {"SecretId": "db"}))


def test_a_role_named_in_a_task_definition_is_passed_to_ecs_tasks() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/duckdb-analytics-dev-backend-execution"
    found = requests_for(_call("ecs", "RegisterTaskDefinition", {"family": "f", "executionRoleArn": role}), KnownFacts())
    assert Request("iam:PassRole", role, {"aws:RequestedRegion": "us-east-1",
                                          "iam:PassedToService": "ecs-tasks.amazonaws.com"}) in (found or [])


def test_tags_on_create_need_the_tagging_action() -> None:
    call = _call("logs", "CreateLogGroup", {"logGroupName": "/ecs/x", "tags": {"Environment": "dev"}})
    found = requests_for(call, KnownFacts()) or []
    assert [request.action for request in found] == ["logs:CreateLogGroup", "logs:TagResource"]
    assert found[0].context["aws:RequestTag/Environment"] == "dev" and found[0].context["aws:TagKeys"] == ("Environment",)


def test_a_role_changed_carries_its_boundary() -> None:
    call = _call("iam", "PutRolePolicy", {"RoleName": "duckdb-analytics-dev-task", "PolicyName": "p"})
    [request] = requests_for(call, KnownFacts()) or []
    assert request.context["iam:PermissionsBoundary"] == f"arn:aws:iam::{ACCOUNT}:policy/boundary"


def test_state_written_with_the_delivery_key_needs_the_key() -> None:
    call = _call("s3", "PUT", {"x-id": "PutObject"}, "/state-bucket/duckdb-analytics/dev/terraform.tfstate",
                 {"x-amz-server-side-encryption-aws-kms-key-id": "alias/duckdb-analytics-dev-delivery"})
    assert _needs(call) == {("s3:PutObject", "arn:aws:s3:::state-bucket/duckdb-analytics/dev/terraform.tfstate"),
                            ("kms:GenerateDataKey", KEY_ARN)}
    read = _call("s3", "GET", {"x-id": "GetObject"}, "/state-bucket/duckdb-analytics/dev/terraform.tfstate")
    assert ("kms:Decrypt", KEY_ARN) in _needs(read)


def test_a_bucket_configuration_call_is_its_own_action() -> None:
    assert _needs(_call("s3", "PUT", {"lifecycle": ""}, "/data")) == {("s3:PutLifecycleConfiguration", "arn:aws:s3:::data")}


def test_an_unknown_call_is_unmapped_not_allowed() -> None:
    assert requests_for(_call("route53", "GET", {}, "/2013-04-01/trafficpolicies"), KnownFacts()) is None
    assert requests_for(_call("cloudtrail", "CreateTrail", {"Name": "t"}), KnownFacts()) is None


def test_a_record_change_is_authorized_on_its_zone() -> None:
    call = _call("route53", "POST", {}, "/2013-04-01/hostedzone/Z0123456789EXAMPLE0AB/rrset/")
    assert _needs(call) == {("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z0123456789EXAMPLE0AB")}
    tags = _call("route53", "POST", {}, "/2013-04-01/tags/healthcheck/0f1e2d3c")
    assert _needs(tags) == {("route53:ChangeTagsForResource", "arn:aws:route53:::healthcheck/0f1e2d3c")}


def test_a_cross_region_replica_needs_its_source_and_a_grant() -> None:
    source = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:duckdb-analytics-prod"
    call = _call("rds", "CreateDBInstanceReadReplica", {"DBInstanceIdentifier": "duckdb-analytics-prod-standby",
                                                        "SourceDBInstanceIdentifier": source, "KmsKeyId": KEY_ARN})
    needs = _needs(call)
    assert ("rds:CreateDBInstanceReadReplica", source) in needs and ("kms:CreateGrant", KEY_ARN) in needs


def test_s3_replication_passes_its_role() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/duckdb-analytics-prod/replication"
    call = _call("s3", "PUT", {"replication": ""}, "/data")
    call.body = f"<ReplicationConfiguration><Role>{role}</Role></ReplicationConfiguration>"
    assert ("iam:PassRole", role) in _needs(call)


def _synthesize(environment: str, directory: Path) -> dict[str, dict]:
    """The environment's AWS stacks, by name."""
    subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "--clouds", "aws", "--environments", environment,
                    "--outdir", str(directory)], check=True, capture_output=True, cwd=PROJECT_ROOT)
    return {stack.name: json.loads((stack / "cdk.tf.json").read_text()) for stack in (directory / "stacks").iterdir()}


def _deploy_policies(bootstrap: dict) -> list[dict]:
    """The deploy role's policies as the bootstrap stack synthesizes them (Terraform references stand in)."""
    documents = bootstrap["data"]["aws_iam_policy_document"]
    stand_in = lambda text: re.sub(r"\$\{[^}]+\}", "arn:aws:e2e:::reference", text)  # noqa: E731
    return [document_from_terraform(block, stand_in) for name, block in documents.items()
            if name.startswith("deploy_role_") and "_trust_" not in name]


def test_whoever_applies_ecr_replication_may_start_it(tmp_path: Path) -> None:
    """[dr] (prod only, not applied by make e2e): the first replication configuration creates ECR's service-linked
    role as the caller (issue 22, finding 2). The stack holding it is applied by an administrator (bootstrap) or
    by the deploy role, whose synthesized policies must then allow every permission the call needs."""
    stacks = _synthesize("prod", tmp_path)
    replicating = [name for name, stack in stacks.items() if "aws_ecr_replication_configuration" in stack.get("resource", {})]
    assert replicating, "prod configures no ECR replication: this test has nothing to judge"
    call = _call("ecr", "PutReplicationConfiguration", {"replicationConfiguration": {}}, account="333344445555")
    policies = _deploy_policies(next(stack for name, stack in stacks.items() if name.endswith("-bootstrap")))
    denied = [f"{name}: {request.action} on {request.resource}" for name in replicating if not name.endswith("-bootstrap")
              for request in requests_for(call, KnownFacts()) or [] if not explain(policies, request).allowed]
    assert not denied, f"the prod deploy role applies ECR replication but may not: {denied}"


def test_the_emulator_is_the_measured_version() -> None:
    installed = importlib.metadata.version("moto")
    assert installed == MOTO_VERSION, (f"moto {installed} is installed, the bridges and e2e/emulator_gaps.py were "
                                       f"measured with {MOTO_VERSION}: run make e2e and update them")
    assert all(entry.moto_version == MOTO_VERSION for entry in EMULATOR_DIFFS)


@pytest.fixture(scope="module")
def moto_gaps() -> dict[str, bool]:
    """Each bridge's gap, probed in a fresh interpreter (the patches change moto for a whole process)."""
    probe = ("import json; from e2e.bridges import gaps_still_there, moto_refuses_scoped_statements; "
             "print(json.dumps({**gaps_still_there(), 'moto-iam-resource-level': moto_refuses_scoped_statements()}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("bridge", [*(answer.name for answer in ANSWERS), *(name for name, _, _ in PATCHES),
                                    "moto-iam-resource-level"])
def test_bridge_still_needed(moto_gaps: dict[str, bool], bridge: str) -> None:
    assert moto_gaps[bridge], (f"moto {MOTO_VERSION} no longer shows the gap {bridge!r}: drop its bridge in "
                               "e2e/bridges.py (or, for moto-iam-resource-level, reconsider moto's own enforcement)")


def test_a_copy_talks_only_to_the_emulator_and_gives_up_quickly(tmp_path: Path) -> None:
    stack = tmp_path / "cdk.tf.json"
    stack.write_text(json.dumps({
        "terraform": {"required_providers": {"aws": {"source": "aws", "version": "6.25.0"}},
                      "backend": {"s3": {"bucket": "state", "key": "k", "region": "us-east-1"}}},
        "provider": {"aws": [{"region": "us-east-1", "allowed_account_ids": [ACCOUNT]}]},
        "resource": {}}))
    url = "http://127.0.0.1:4566"
    workspace.emulator_copy(stack, AwsMirror(tmp_path / "mirror", "5.100.0"), tmp_path / "copy", url)
    document = json.loads((tmp_path / "copy" / "cdk.tf.json").read_text())
    [provider] = document["provider"]["aws"]
    assert set(provider["endpoints"][0]) == set(workspace.SERVICES) and set(provider["endpoints"][0].values()) == {url}
    assert provider["allowed_account_ids"] == [ACCOUNT] and provider["max_retries"] == workspace.MAX_RETRIES
    assert not {"access_key", "secret_key"} & set(provider), "credentials come from the environment, as in the workflows"
    assert provider["http_proxy"] == url and provider["https_proxy"].startswith("http://127.0.0.1:")
    backend = document["terraform"]["backend"]["s3"]
    assert set(backend["endpoints"].values()) == {url} and backend["max_retries"] == workspace.MAX_RETRIES


def test_tags_on_a_requested_certificate_are_added_to_it() -> None:
    call = _call("acm", "RequestCertificate", {"DomainName": "analytics.example.com", "Tags": [
        {"Key": "Environment", "Value": "prod"}]})
    assert _needs(call) == {("acm:RequestCertificate", "*"),
                            ("acm:AddTagsToCertificate", f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/*")}
