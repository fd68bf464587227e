"""The analytics data bucket on Cloud Storage: versioned, private, uniform access, noncurrent versions expiring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from ._bucket import abort_multipart_rule, check_bucket_props, delete_rule, grant_on_bucket, hardened_bucket
from ..cloud_limits import gcs_dual_region_location
from ._props import require, require_range, require_strings

#: Read, create, overwrite and delete objects, old versions included (one permission, ``storage.objects.delete``,
#: covers every generation); no bucket or IAM administration.
OBJECT_USER_ROLE = "roles/storage.objectUser"
#: List and read objects; nothing else.
OBJECT_VIEWER_ROLE = "roles/storage.objectViewer"
#: Create objects (and multipart uploads); no read, no overwrite, no delete: with the viewer role, what a workload
#: may do without being able to purge the version history.
OBJECT_CREATOR_ROLE = "roles/storage.objectCreator"


@dataclass(frozen=True)
class GcsDataBucketProps:
    """Props of :class:`GcsDataBucket`.

    Attributes:
        name: Globally unique bucket name (3-63 lowercase letters, digits, ``-`` or ``_``).
        location: Region or multi-region, e.g. ``us-central1``; with ``data_locations`` the multi-region
            holding them (``US``, ``EU``, ``ASIA``).
        noncurrent_version_expiration_days: Days a replaced or deleted object version is kept. Default 90.
        kms_key_name: Cloud KMS key for default encryption. Default ``None``: Google-managed keys.
        abort_incomplete_multipart_upload_days: Days before unfinished XML multipart uploads are removed. Default 7.
        soft_delete_retention_days: Days a deleted object can still be restored (0 or 7-90). Default 7.
        force_destroy: Let ``terraform destroy`` delete a non-empty bucket. Default ``False``: data is kept.
        access_log_bucket: Name of the bucket that receives this bucket's usage logs (e.g. a
            :class:`~constructs_lib.gcp.access_log_bucket.GcsAccessLogBucket`). Default ``None``: no usage logs.
        depends_on: Resources to create first, e.g. the ``storage.googleapis.com`` project service. Default none.
        data_locations: Two regions of ``location`` that hold every object (a configurable dual-region: the
            bucket and its data survive the loss of either region). Default none: the one ``location``.
        turbo_replication: With ``data_locations``: turbo replication, every newly written object in both
            regions within 15 minutes (Cloud Storage's recovery point objective); without it, 99.9 % within an
            hour and all within 12 hours. Default ``False``.
    """

    name: str
    location: str
    noncurrent_version_expiration_days: int = 90
    kms_key_name: str | None = None
    abort_incomplete_multipart_upload_days: int = 7
    soft_delete_retention_days: int = 7
    force_destroy: bool = False
    access_log_bucket: str | None = None
    depends_on: Sequence[ITerraformDependable] = ()
    data_locations: tuple[str, ...] = ()
    turbo_replication: bool = False

    def __post_init__(self) -> None:
        check_bucket_props(self)
        locations = require_strings(self, "data_locations", "us-central1")
        if locations:
            require(len(locations) == 2 and gcs_dual_region_location(*locations) == self.location.upper(), self,
                    "data_locations", f"be two regions of the multi-region location {self.location!r} (US, EU or ASIA)")
        require(not self.turbo_replication or bool(locations), self, "turbo_replication",
                "go with data_locations (turbo replication is for dual-regions)")
        require_range(self, "noncurrent_version_expiration_days", 1, 3650, "days")
        require_range(self, "abort_incomplete_multipart_upload_days", 1, 3650, "days")
        require(self.access_log_bucket != self.name, self, "access_log_bucket", "name another bucket: a bucket cannot log to itself")


class GcsDataBucket(Construct):
    """A Cloud Storage bucket for analytics data.

    Versioning on; uniform bucket-level access (no object ACLs); public access prevention
    ``enforced``; lifecycle rules deleting noncurrent versions after the configured days and
    aborting stale multipart uploads; soft delete; optional CMEK and usage logs. Nobody has object
    access until :meth:`grant_object_viewer` (read), :meth:`grant_object_writer` (read and create, never delete) or
    :meth:`grant_object_user` (read, write and delete, old versions included) grants it.
    """

    def __init__(self, scope: Construct, id_: str, props: GcsDataBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = hardened_bucket(
            self,
            name=props.name,
            location=props.location,
            soft_delete_retention_days=props.soft_delete_retention_days,
            force_destroy=props.force_destroy,
            kms_key_name=props.kms_key_name,
            access_log_bucket=props.access_log_bucket,
            depends_on=props.depends_on,
            data_locations=props.data_locations,
            turbo_replication=props.turbo_replication,
            lifecycle_rules=(
                delete_rule(days_since_noncurrent_time=props.noncurrent_version_expiration_days),
                abort_multipart_rule(props.abort_incomplete_multipart_upload_days),
            ),
        )

    def grant_object_user(self, name: str, member: str) -> StorageBucketIamMember:
        """Lets ``member`` (e.g. ``serviceAccount:...``) read, write and delete objects, noncurrent versions included
        (it can purge the history); ``name`` keys the grant. A workload gets :meth:`grant_object_writer`."""
        return grant_on_bucket(self, f"{name}_object_user", self.bucket, role=OBJECT_USER_ROLE, member=member)

    def grant_object_writer(self, name: str, member: str) -> tuple[StorageBucketIamMember, StorageBucketIamMember]:
        """Lets ``member`` list, read and create objects, and nothing else: no overwrite and no delete (Cloud Storage
        needs ``storage.objects.delete`` for both, and that permission deletes old versions too); ``name`` keys the grants."""
        return (self.grant_object_viewer(name, member),
                grant_on_bucket(self, f"{name}_object_creator", self.bucket, role=OBJECT_CREATOR_ROLE, member=member))

    def grant_object_viewer(self, name: str, member: str) -> StorageBucketIamMember:
        """Lets ``member`` list and read objects, and nothing else; ``name`` keys the grant."""
        return grant_on_bucket(self, f"{name}_object_viewer", self.bucket, role=OBJECT_VIEWER_ROLE, member=member)

    @property
    def name(self) -> str:
        """The bucket name."""
        return self.bucket.name

    @property
    def url(self) -> str:
        """The ``gs://`` URL of the bucket."""
        return self.bucket.url
