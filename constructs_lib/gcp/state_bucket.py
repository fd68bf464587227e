"""A Cloud Storage bucket for Terraform state: versioned, uniform access, public access prevented, never destroyed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from constructs import Construct

from ._bucket import abort_multipart_rule, check_bucket_props, delete_rule, hardened_bucket
from ._props import REGION, REGION_RULE, require_match, require_range


@dataclass(frozen=True)
class GcsStateBucketProps:
    """Props of :class:`GcsStateBucket`.

    Attributes:
        name: The bucket's exact name (backends name it), 3-63 characters.
        location: Region of the bucket, e.g. ``us-central1``.
        noncurrent_version_expiration_days: Days an overwritten state version is kept for recovery. Default 90.
        soft_delete_retention_days: Days a deleted object can still be restored (0 or 7-90). Default 7.
        kms_key_name: Cloud KMS key of default encryption. Default ``None``: Google-managed keys.
        depends_on: Resources to create first, e.g. the ``storage.googleapis.com`` project service.
    """

    name: str
    location: str
    noncurrent_version_expiration_days: int = 90
    soft_delete_retention_days: int = 7
    kms_key_name: str | None = None
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        check_bucket_props(self)
        require_match(REGION, self, "location", REGION_RULE)
        require_range(self, "noncurrent_version_expiration_days", 1, 3650, "days")


class GcsStateBucket(Construct):
    """Versioning (every state write a version to restore), uniform bucket-level access, public access
    prevention ``enforced``, soft delete, noncurrent versions expiring, and ``prevent_destroy``."""

    def __init__(self, scope: Construct, id_: str, props: GcsStateBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = hardened_bucket(
            self, name=props.name, location=props.location,
            lifecycle_rules=(delete_rule(days_since_noncurrent_time=props.noncurrent_version_expiration_days),
                             abort_multipart_rule(7)),
            soft_delete_retention_days=props.soft_delete_retention_days, force_destroy=False,
            kms_key_name=props.kms_key_name, depends_on=props.depends_on, prevent_destroy=True,
        )

    @property
    def name(self) -> str:
        return self.bucket.name
