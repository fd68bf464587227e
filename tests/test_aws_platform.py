"""AWS stacks: what the configuration drives, per environment, and the hardening that never varies."""

from __future__ import annotations

import pytest

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, data_sources, only, reference, resources

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def test_provider_region_tags_and_account_guard(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    (provider,) = synthesized.stack("aws", environment)["provider"]["aws"]
    assert provider["region"] == config.aws.region
    assert provider["allowed_account_ids"] == [config.aws.account_id]
    assert provider["default_tags"] == [
        {"tags": {"Project": "duckdb-analytics", "Environment": environment, "ManagedBy": "cdktf"}}
    ]


def test_platform_key_rotates_and_has_an_explicit_policy(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    key_id, key = only(stack, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    (policy_id,) = [name for name in data_sources(stack, "aws_iam_policy_document") if name.startswith("platform_key")]
    assert key["policy"] == f"${{data.aws_iam_policy_document.{policy_id}.json}}"
    account = synthesized.configs[environment].aws.account_id
    statements = data_sources(stack, "aws_iam_policy_document")[policy_id]["statement"]
    assert statements[0]["principals"] == [{"type": "AWS", "identifiers": [f"arn:aws:iam::{account}:root"]}]
    _, alias = only(stack, "aws_kms_alias")
    assert alias == {**alias, "name": f"alias/duckdb-analytics-{environment}",
                     "target_key_id": reference("aws_kms_key", key_id, "key_id")}


def test_data_bucket_is_versioned_encrypted_private_and_owner_enforced(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    bucket_id, bucket = only(stack, "aws_s3_bucket")
    bucket_ref = reference("aws_s3_bucket", bucket_id, "id")
    key_id, _ = only(stack, "aws_kms_key")
    assert bucket["bucket_prefix"] == f"duckdb-analytics-{environment}-data-"
    assert bucket["force_destroy"] is False

    _, versioning = only(stack, "aws_s3_bucket_versioning")
    assert versioning["bucket"] == bucket_ref
    assert versioning["versioning_configuration"] == {"status": "Enabled"}

    _, encryption = only(stack, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["bucket"] == bucket_ref
    assert encryption["rule"] == [{
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms", "kms_master_key_id": reference("aws_kms_key", key_id, "arn"),
        },
        "bucket_key_enabled": True,
    }]

    _, block = only(stack, "aws_s3_bucket_public_access_block")
    assert block == {**block, "bucket": bucket_ref, "block_public_acls": True, "block_public_policy": True,
                     "ignore_public_acls": True, "restrict_public_buckets": True}

    _, ownership = only(stack, "aws_s3_bucket_ownership_controls")
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


def test_data_bucket_lifecycle_follows_the_environment(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    days = synthesized.configs[environment].storage.noncurrent_version_expiration_days
    _, lifecycle = only(stack, "aws_s3_bucket_lifecycle_configuration")
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == [{"prefix": ""}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": days}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert rule["expiration"] == [{"expired_object_delete_marker": True}]


def test_data_bucket_policy_denies_requests_without_tls_1_2(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    bucket_id, _ = only(stack, "aws_s3_bucket")
    _, policy = only(stack, "aws_s3_bucket_policy")
    assert policy["bucket"] == reference("aws_s3_bucket", bucket_id, "id")
    document_id = policy["policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    statements = {statement["sid"]: statement for statement in data_sources(stack, "aws_iam_policy_document")[document_id]["statement"]}
    arn = reference("aws_s3_bucket", bucket_id, "arn")
    for sid, condition in (
        ("DenyInsecureTransport", {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}),
        ("DenyOutdatedTls", {"test": "NumericLessThan", "variable": "s3:TlsVersion", "values": ["1.2"]}),
    ):
        statement = statements[sid]
        assert (statement["effect"], statement["actions"], statement["condition"]) == ("Deny", ["s3:*"], [condition])
        assert statement["resources"] == [arn, f"{arn}/*"]
        assert statement["principals"] == [{"type": "AWS", "identifiers": ["*"]}]


def test_stateful_resources_keep_their_terraform_addresses(synthesized: Synthesized, environment: str) -> None:
    """Changing a construct id renames the Terraform address: destroy and create, losing the data."""
    stack = synthesized.stack("aws", environment)
    assert list(resources(stack, "aws_s3_bucket")) == ["data_bucket_51E298BF"]
    assert list(resources(stack, "aws_kms_key")) == ["platform_key_E02BB579"]


def test_outputs_name_the_data_bucket(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    bucket_id, _ = only(stack, "aws_s3_bucket")
    assert stack["output"]["data_bucket_name"]["value"] == reference("aws_s3_bucket", bucket_id, "bucket")
