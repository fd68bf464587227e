"""The analytics data bucket on Cloud Storage: versioned, private, uniform access, noncurrent versions expiring."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketEncryption,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketSoftDeletePolicy,
    StorageBucketVersioning,
)
from constructs import Construct

_BUCKET_NAME = re.compile(r"(?!goog)[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class GcsDataBucketProps:
    """Props of :class:`GcsDataBucket`.

    Attributes:
        name: Globally unique bucket name (3-63 lowercase letters, digits, ``-`` or ``_``).
        location: Region or multi-region, e.g. ``us-central1``.
        noncurrent_version_expiration_days: Days a replaced or deleted object version is kept. Default 90.
        kms_key_name: Cloud KMS key for default encryption. Default ``None``: Google-managed keys.
        abort_incomplete_multipart_upload_days: Days before unfinished XML multipart uploads are removed. Default 7.
        soft_delete_retention_days: Days a deleted object can still be restored (0 or 7-90). Default 7.
        force_destroy: Let ``terraform destroy`` delete a non-empty bucket. Default ``False``: data is kept.
    """

    name: str
    location: str
    noncurrent_version_expiration_days: int = 90
    kms_key_name: str | None = None
    abort_incomplete_multipart_upload_days: int = 7
    soft_delete_retention_days: int = 7
    force_destroy: bool = False

    def __post_init__(self) -> None:
        if not _BUCKET_NAME.fullmatch(self.name):
            raise ValueError(
                f"GcsDataBucketProps.name {self.name!r}: must be 3 to 63 lowercase letters, digits, '-' or '_'"
            )
        if not 1 <= self.noncurrent_version_expiration_days <= 3650:
            raise ValueError("GcsDataBucketProps.noncurrent_version_expiration_days must be 1 to 3650")
        if self.soft_delete_retention_days != 0 and not 7 <= self.soft_delete_retention_days <= 90:
            raise ValueError("GcsDataBucketProps.soft_delete_retention_days must be 0 or 7 to 90")


class GcsDataBucket(Construct):
    """A Cloud Storage bucket for analytics data.

    Versioning on; uniform bucket-level access (no object ACLs); public access prevention
    ``enforced``; lifecycle rules deleting noncurrent versions after the configured days and
    aborting stale multipart uploads; soft delete; optional CMEK.
    """

    def __init__(self, scope: Construct, id_: str, props: GcsDataBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = StorageBucket(
            self,
            "bucket",
            name=props.name,
            location=props.location,
            storage_class="STANDARD",
            force_destroy=props.force_destroy,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=StorageBucketVersioning(enabled=True),
            soft_delete_policy=StorageBucketSoftDeletePolicy(
                retention_duration_seconds=props.soft_delete_retention_days * 86400
            ),
            encryption=StorageBucketEncryption(default_kms_key_name=props.kms_key_name)
            if props.kms_key_name is not None
            else None,
            lifecycle_rule=[
                StorageBucketLifecycleRule(
                    action=StorageBucketLifecycleRuleAction(type="Delete"),
                    condition=StorageBucketLifecycleRuleCondition(
                        days_since_noncurrent_time=props.noncurrent_version_expiration_days,
                        with_state="ARCHIVED",
                    ),
                ),
                StorageBucketLifecycleRule(
                    action=StorageBucketLifecycleRuleAction(type="AbortIncompleteMultipartUpload"),
                    condition=StorageBucketLifecycleRuleCondition(age=props.abort_incomplete_multipart_upload_days),
                ),
            ],
        )

    @property
    def name(self) -> str:
        """The bucket name."""
        return self.bucket.name

    @property
    def url(self) -> str:
        """The ``gs://`` URL of the bucket."""
        return self.bucket.url
