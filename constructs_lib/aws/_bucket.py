"""Hardening every S3 bucket of the library gets: versioning, no public access, no ACLs, TLS-only policy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from .iam import Condition, Statement, policy_document

# bucket_prefix is at most 37 characters; Terraform appends a 26-character unique suffix.
BUCKET_PREFIX_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,35}-")
BUCKET_PREFIX_RULE = "must be 3 to 37 lowercase letters, digits or hyphens, ending with a hyphen"
# A whole bucket name (no dots: virtual-hosted TLS certificates do not cover them).
BUCKET_NAME_PATTERN = re.compile(r"(?!xn--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
BUCKET_NAME_RULE = "must be 3 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit"


class HardenedBucket(NamedTuple):
    """What :func:`harden_bucket` adds that others wait for."""

    policy: S3BucketPolicy
    versioning: S3BucketVersioningA


def secure_transport_statements(bucket_arn: str) -> tuple[Statement, ...]:
    """Deny statements for any request without TLS, or with TLS older than 1.2."""

    def deny_all_when(sid: str, condition: Condition) -> Statement:
        return Statement(
            sid=sid,
            effect="Deny",
            actions=("s3:*",),
            resources=(bucket_arn, f"{bucket_arn}/*"),
            principals=(("AWS", ("*",)),),
            conditions=(condition,),
        )

    return (
        deny_all_when("DenyInsecureTransport", Condition("Bool", "aws:SecureTransport", ("false",))),
        deny_all_when("DenyOutdatedTls", Condition("NumericLessThan", "s3:TlsVersion", ("1.2",))),
    )


def harden_bucket(
    scope: Construct,
    bucket: S3Bucket,
    *,
    kms_key_arn: str | None,
    extra_policy_statements: Sequence[Statement] = (),
) -> HardenedBucket:
    """Adds versioning, default encryption, the four public access blocks, BucketOwnerEnforced and a TLS-only policy.

    ``kms_key_arn`` ``None`` means SSE-S3 (AES-256), which is what services such as ALB log delivery require.
    """
    versioning = S3BucketVersioningA(
        scope,
        "versioning",
        bucket=bucket.id,
        versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
    )
    by_default = (
        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
        )
        if kms_key_arn is not None
        else S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(sse_algorithm="AES256")
    )
    S3BucketServerSideEncryptionConfigurationA(
        scope,
        "encryption",
        bucket=bucket.id,
        rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=by_default,
                bucket_key_enabled=kms_key_arn is not None,
            )
        ],
    )
    public_access_block = S3BucketPublicAccessBlock(
        scope,
        "public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    S3BucketOwnershipControls(
        scope,
        "ownership",
        bucket=bucket.id,
        rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
    )
    policy = policy_document(
        scope, "policy-document", (*secure_transport_statements(bucket.arn), *extra_policy_statements)
    )
    # After the public access block: S3 rejects policies while a block is being changed.
    return HardenedBucket(
        S3BucketPolicy(scope, "policy", bucket=bucket.id, policy=policy.json, depends_on=[public_access_block]),
        versioning,
    )
