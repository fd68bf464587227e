"""Hardening every Cloud Storage bucket of the library gets, and object-level grants on it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketCustomPlacementConfig,
    StorageBucketEncryption,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketLogging,
    StorageBucketSoftDeletePolicy,
    StorageBucketVersioning,
)
from cdktf_cdktf_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from ._props import require, require_match

BUCKET_NAME = re.compile(r"(?!goog)[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]")
BUCKET_NAME_RULE = "be 3 to 63 lowercase letters, digits, '-' or '_' (not starting with 'goog')"


def delete_rule(*, age: int | None = None, days_since_noncurrent_time: int | None = None) -> StorageBucketLifecycleRule:
    """A lifecycle rule deleting live objects older than ``age`` days or noncurrent versions after the given days."""
    return StorageBucketLifecycleRule(
        action=StorageBucketLifecycleRuleAction(type="Delete"),
        condition=StorageBucketLifecycleRuleCondition(age=age)
        if days_since_noncurrent_time is None
        else StorageBucketLifecycleRuleCondition(
            days_since_noncurrent_time=days_since_noncurrent_time, with_state="ARCHIVED"
        ),
    )


def abort_multipart_rule(days: int) -> StorageBucketLifecycleRule:
    """A lifecycle rule aborting XML multipart uploads left unfinished for ``days`` days."""
    return StorageBucketLifecycleRule(
        action=StorageBucketLifecycleRuleAction(type="AbortIncompleteMultipartUpload"),
        condition=StorageBucketLifecycleRuleCondition(age=days),
    )


def hardened_bucket(
    scope: Construct,
    *,
    name: str,
    location: str,
    lifecycle_rules: Sequence[StorageBucketLifecycleRule],
    soft_delete_retention_days: int,
    force_destroy: bool,
    kms_key_name: str | None,
    access_log_bucket: str | None = None,
    depends_on: Sequence[ITerraformDependable] = (),
    prevent_destroy: bool = False,
    data_locations: Sequence[str] = (),
    turbo_replication: bool = False,
) -> StorageBucket:
    """A bucket (construct id ``bucket``) with versioning, uniform access, public access prevention and soft delete.

    With ``access_log_bucket``, usage logs of this bucket are written there (prefix: the bucket name).
    With ``prevent_destroy``, a plan that would delete the bucket fails. With ``data_locations`` (two
    regions) the bucket is a configurable dual-region of the multi-region ``location``;
    ``turbo_replication`` sets its recovery point objective to ``ASYNC_TURBO``.
    """
    return StorageBucket(
        scope,
        "bucket",
        name=name,
        location=location,
        storage_class="STANDARD",
        force_destroy=force_destroy,
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning=StorageBucketVersioning(enabled=True),
        soft_delete_policy=StorageBucketSoftDeletePolicy(retention_duration_seconds=soft_delete_retention_days * 86400),
        encryption=StorageBucketEncryption(default_kms_key_name=kms_key_name) if kms_key_name is not None else None,
        logging=StorageBucketLogging(log_bucket=access_log_bucket, log_object_prefix=name)
        if access_log_bucket is not None
        else None,
        lifecycle_rule=list(lifecycle_rules),
        # Cloud Storage reports dual-region locations in upper case; written so, a plan finds no difference.
        custom_placement_config=StorageBucketCustomPlacementConfig(
            data_locations=[region.upper() for region in data_locations]) if data_locations else None,
        rpo="ASYNC_TURBO" if turbo_replication else None,
        depends_on=list(depends_on) or None,
        lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if prevent_destroy else None,
    )


def grant_on_bucket(scope: Construct, id_: str, bucket: StorageBucket, *, role: str, member: str) -> StorageBucketIamMember:
    """Grants ``role`` on ``bucket`` to ``member`` (additively: other members of the role are kept)."""
    return StorageBucketIamMember(scope, id_, bucket=bucket.name, role=role, member=member)


def check_bucket_props(props: object) -> None:
    """Checks the ``name`` and ``soft_delete_retention_days`` every bucket props class has."""
    require_match(BUCKET_NAME, props, "name", BUCKET_NAME_RULE)
    days = getattr(props, "soft_delete_retention_days")
    require(days == 0 or 7 <= days <= 90, props, "soft_delete_retention_days", "be 0 or 7 to 90")
