"""An S3 bucket for Terraform state: exact name, versioned, KMS, private, TLS only, never destroyed by Terraform."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from constructs import Construct

from ._bucket import harden_bucket
from .iam import Statement


@dataclass(frozen=True)
class StateBucketProps:
    """Props of :class:`StateBucket`.

    Attributes:
        name: The bucket's exact name (the backends of the stacks name it), 3-63 characters.
        kms_key_arn: Customer-managed key for default encryption.
        noncurrent_version_expiration_days: Days an overwritten state version is kept for recovery. Default 90.
        extra_policy_statements: Added to the bucket policy after the TLS-only denies. Default none.
    """

    name: str
    kms_key_arn: str
    noncurrent_version_expiration_days: int = 90
    extra_policy_statements: tuple[Statement, ...] = ()

    def __post_init__(self) -> None:
        if not 3 <= len(self.name) <= 63:
            raise ValueError(f"StateBucketProps.name {self.name!r}: must be 3 to 63 characters")
        if not 1 <= self.noncurrent_version_expiration_days <= 3650:
            raise ValueError("StateBucketProps.noncurrent_version_expiration_days: must be 1-3650")


class StateBucket(Construct):
    """A state bucket: versioning (every state write is a version to restore), SSE-KMS with a bucket key,
    the four public access blocks, BucketOwnerEnforced, TLS 1.2+ only, and ``prevent_destroy``: a
    configuration that would delete it fails to plan. Noncurrent versions expire after the set days."""

    def __init__(self, scope: Construct, id_: str, props: StateBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = S3Bucket(self, "bucket", bucket=props.name, force_destroy=False,
                               lifecycle=TerraformResourceLifecycle(prevent_destroy=True))
        harden_bucket(self, self.bucket, kms_key_arn=props.kms_key_arn,
                      extra_policy_statements=props.extra_policy_statements)
        S3BucketLifecycleConfiguration(self, "lifecycle", bucket=self.bucket.id, rule=[
            S3BucketLifecycleConfigurationRule(
                id="expire-noncurrent-state-versions",
                status="Enabled",
                filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=props.noncurrent_version_expiration_days)],
                abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                    days_after_initiation=7)],
            ),
        ])

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def arn(self) -> str:
        return self.bucket.arn
