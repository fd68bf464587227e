"""A dedicated bucket for Cloud Storage usage logs, hardened like every bucket, with logs expiring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from constructs import Construct

from ._bucket import abort_multipart_rule, check_bucket_props, delete_rule, grant_on_bucket, hardened_bucket
from ._props import require_range

#: The Google group that writes Cloud Storage usage logs; it needs to create objects in the log bucket.
USAGE_LOG_WRITER = "group:cloud-storage-analytics@google.com"
#: What it needs there: create objects (not read or delete them).
USAGE_LOG_WRITER_ROLE = "roles/storage.objectCreator"


@dataclass(frozen=True)
class GcsAccessLogBucketProps:
    """Props of :class:`GcsAccessLogBucket`.

    Attributes:
        name: Globally unique bucket name (3-63 lowercase letters, digits, ``-`` or ``_``).
        location: Region or multi-region; keep it where the logged buckets are.
        retention_days: Days a log object is kept; an overwritten or deleted one is kept as a
            noncurrent version for as long again. Default 90.
        soft_delete_retention_days: Days a deleted object can still be restored (0 or 7-90). Default 7.
        force_destroy: Let ``terraform destroy`` delete a non-empty bucket. Default ``False``: logs are kept.
        kms_key_name: Cloud KMS key for default encryption. Default ``None``: Google-managed keys.
        depends_on: Resources to create first. Default none.
        grant_usage_log_writer: Grant the usage logs' writer here. Default ``True``; ``False`` where the
            pipeline may change no IAM policy and the bootstrap grants it (``WorkloadGrants``).
    """

    name: str
    location: str
    retention_days: int = 90
    soft_delete_retention_days: int = 7
    force_destroy: bool = False
    kms_key_name: str | None = None
    depends_on: Sequence[ITerraformDependable] = ()
    grant_usage_log_writer: bool = True

    def __post_init__(self) -> None:
        check_bucket_props(self)
        require_range(self, "retention_days", 1, 3650, "days")


class GcsAccessLogBucket(Construct):
    """Receives the usage logs of other buckets (set their ``access_log_bucket`` to :attr:`name`).

    Same hardening as the data bucket (versioning, uniform access, public access prevention,
    soft delete); log objects are deleted after ``retention_days``. The only grant is
    ``roles/storage.objectCreator`` for ``cloud-storage-analytics@google.com``, the writer Google
    documents for usage logs: it can add log objects but not read or delete them. The bucket does not
    log its own access (a log bucket logging to itself would log its own log writes, without end).
    """

    def __init__(self, scope: Construct, id_: str, props: GcsAccessLogBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = hardened_bucket(
            self,
            name=props.name,
            location=props.location,
            soft_delete_retention_days=props.soft_delete_retention_days,
            force_destroy=props.force_destroy,
            kms_key_name=props.kms_key_name,
            depends_on=props.depends_on,
            lifecycle_rules=(
                delete_rule(age=props.retention_days),
                delete_rule(days_since_noncurrent_time=props.retention_days),
                abort_multipart_rule(1),
            ),
        )
        self.writer = grant_on_bucket(
            self, "usage_log_writer", self.bucket, role=USAGE_LOG_WRITER_ROLE, member=USAGE_LOG_WRITER
        ) if props.grant_usage_log_writer else None

    @property
    def name(self) -> str:
        """The bucket name."""
        return self.bucket.name
