"""AWS stacks: what the configuration drives, per environment, and the hardening that never varies."""

from __future__ import annotations

import pytest

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, by_prefix, data_sources, only, reference, resources

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
    bucket_id, bucket = by_prefix(stack, "aws_s3_bucket", "data_bucket")
    bucket_ref = reference("aws_s3_bucket", bucket_id, "id")
    key_id, _ = only(stack, "aws_kms_key")
    assert bucket["bucket_prefix"] == f"duckdb-analytics-{environment}-data-"
    assert bucket["force_destroy"] is False

    _, versioning = by_prefix(stack, "aws_s3_bucket_versioning", "data_bucket")
    assert versioning["bucket"] == bucket_ref
    assert versioning["versioning_configuration"] == {"status": "Enabled"}

    _, encryption = by_prefix(stack, "aws_s3_bucket_server_side_encryption_configuration", "data_bucket")
    assert encryption["bucket"] == bucket_ref
    assert encryption["rule"] == [{
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms", "kms_master_key_id": reference("aws_kms_key", key_id, "arn"),
        },
        "bucket_key_enabled": True,
    }]

    _, block = by_prefix(stack, "aws_s3_bucket_public_access_block", "data_bucket")
    assert block == {**block, "bucket": bucket_ref, "block_public_acls": True, "block_public_policy": True,
                     "ignore_public_acls": True, "restrict_public_buckets": True}

    _, ownership = by_prefix(stack, "aws_s3_bucket_ownership_controls", "data_bucket")
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


def test_data_bucket_lifecycle_follows_the_environment(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    days = synthesized.configs[environment].storage.noncurrent_version_expiration_days
    _, lifecycle = by_prefix(stack, "aws_s3_bucket_lifecycle_configuration", "data_bucket")
    (rule,) = lifecycle["rule"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == [{"prefix": ""}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": days}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert rule["expiration"] == [{"expired_object_delete_marker": True}]


def test_data_bucket_policy_denies_requests_without_tls_1_2(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    bucket_id, _ = by_prefix(stack, "aws_s3_bucket", "data_bucket")
    _, policy = by_prefix(stack, "aws_s3_bucket_policy", "data_bucket")
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


def test_data_bucket_admits_the_backend_only_through_the_vpc_and_never_to_its_history(
        synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    bucket_id, _ = by_prefix(stack, "aws_s3_bucket", "data_bucket")
    endpoint_id, endpoint = by_prefix(stack, "aws_vpc_endpoint", "network_s3_endpoint")
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    _, policy = by_prefix(stack, "aws_s3_bucket_policy", "data_bucket")
    document_id = policy["policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    statements = {statement["sid"]: statement for statement in data_sources(stack, "aws_iam_policy_document")[document_id]["statement"]}
    arn = reference("aws_s3_bucket", bucket_id, "arn")
    # The backend's task role (by its name prefix: IAM appends a suffix), and no other role.
    _, task_role = by_prefix(stack, "aws_iam_role", "backend_service_task_role")
    backend = {"test": "ArnLike", "variable": "aws:PrincipalArn",
               "values": [f"arn:aws:iam::{config.aws.account_id}:role{task_role.get('path', '/')}{task_role['name_prefix']}*"]}
    outside = statements["DenyWorkloadsOutsideTheNetwork"]
    # Its credentials and the URLs it presigns work only through the VPC's S3 endpoint.
    assert (outside["effect"], outside["actions"], outside["resources"]) == ("Deny", ["s3:*"], [arn, f"{arn}/*"])
    assert outside["condition"] == [backend, {"test": "StringNotEquals", "variable": "aws:SourceVpce",
                                              "values": [reference("aws_vpc_endpoint", endpoint_id, "id")]}]
    history = statements["DenyWorkloadsTheHistory"]
    assert (history["effect"], history["condition"]) == ("Deny", [backend])
    assert set(history["actions"]) >= {"s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"}


def test_stateful_resources_keep_their_terraform_addresses(synthesized: Synthesized, environment: str) -> None:
    """Changing a construct id renames the Terraform address: destroy and create, losing the data."""
    stack = synthesized.stack("aws", environment)
    assert sorted(resources(stack, "aws_s3_bucket")) == ["data_bucket_51E298BF", "log_bucket_BB8B1AF7"]
    assert list(resources(stack, "aws_kms_key")) == ["platform_key_E02BB579"]
    # The image repositories moved to the bootstrap stack under the same addresses (tests/test_aws_bootstrap.py).
    assert resources(stack, "aws_ecr_repository") == {}
    database = synthesized.configs[environment].database.enabled
    replicated = database and synthesized.configs[environment].dr is not None
    assert list(resources(stack, "aws_db_instance")) == (["database_instance_D7FC2283"] if database else [])
    assert sorted(resources(stack, "aws_secretsmanager_secret")) == (
        (["database_password_secret_3F51E96B"] if replicated else []) + (["database_url_secret_E0FFC538"] if database else []))


def test_data_bucket_logs_server_access_to_the_log_bucket(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    data_id, _ = by_prefix(stack, "aws_s3_bucket", "data_bucket")
    log_id, _ = by_prefix(stack, "aws_s3_bucket", "log_bucket")
    _, logging = only(stack, "aws_s3_bucket_logging")
    assert logging == {**logging, "bucket": reference("aws_s3_bucket", data_id, "id"),
                       "target_bucket": reference("aws_s3_bucket", log_id, "bucket"), "target_prefix": "s3/data/"}
    # S3 checks at PutBucketLogging that the target's policy lets logging.s3.amazonaws.com write: policy first.
    policy_id, _ = by_prefix(stack, "aws_s3_bucket_policy", "log_bucket")
    assert logging["depends_on"] == [f"aws_s3_bucket_policy.{policy_id}"]


def test_log_bucket_is_hardened_and_writable_by_log_delivery_only(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    config = synthesized.configs[environment]
    log_id, bucket = by_prefix(stack, "aws_s3_bucket", "log_bucket")
    assert bucket["bucket_prefix"] == f"duckdb-analytics-{environment}-logs-"
    _, encryption = by_prefix(stack, "aws_s3_bucket_server_side_encryption_configuration", "log_bucket")
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    _, block = by_prefix(stack, "aws_s3_bucket_public_access_block", "log_bucket")
    assert all(block[key] is True for key in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                              "restrict_public_buckets"))
    _, lifecycle = by_prefix(stack, "aws_s3_bucket_lifecycle_configuration", "log_bucket")
    assert lifecycle["rule"][0]["expiration"] == [{"days": config.logging.retention_days}]
    _, policy = by_prefix(stack, "aws_s3_bucket_policy", "log_bucket")
    document_id = policy["policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    statements = {s["sid"]: s for s in data_sources(stack, "aws_iam_policy_document")[document_id]["statement"]}
    arn = reference("aws_s3_bucket", log_id, "arn")
    assert statements["LoadBalancerLogDelivery"]["principals"] == [
        {"type": "AWS", "identifiers": ["arn:aws:iam::127311923021:root"]}  # the ELB account of us-east-1
    ]
    assert statements["LoadBalancerLogDelivery"]["resources"] == [f"{arn}/alb/AWSLogs/{config.aws.account_id}/*"]
    assert statements["ServerAccessLogDelivery"]["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [config.aws.account_id]}
    ]
    assert {"DenyInsecureTransport", "DenyOutdatedTls"} <= set(statements)
    assert {s["effect"] for sid, s in statements.items() if sid.endswith("Delivery")} == {"Allow"}
