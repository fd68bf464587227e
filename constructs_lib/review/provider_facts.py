"""What the Terraform providers do with a changed attribute, and which resources hold data: the one table
the risk review reads, each entry with where the fact comes from.

Only checked facts are listed; an attribute that is not here is not claimed either way.

How the entries were checked:

- AWS (``hashicorp/aws``; the project's bindings pin 6.25.0): with ``hashicorp/aws`` 5.100.0 from the
  local provider mirror, ``terraform plan -refresh=false`` over a hand-written state holding the old
  value and a configuration holding the new one; the plan says ``# forces replacement`` (a
  ``replace_paths`` entry in ``terraform show -json``) or ``update in-place``. The provider's
  documentation page for the pinned version is cited with each entry so it can be read again.
- Google (``hashicorp/google`` 6.50.0, the version the bindings pin): the resource's schema in
  terraform-provider-google at tag ``v6.50.0`` (``ForceNew: true``, or a ``CustomizeDiff`` that forces
  a new resource), file named with each entry.

Paths are attribute paths without list indices (``settings.disk_type`` matches ``settings[0].disk_type``).
A nested block is listed by its leaf attributes, because a block marked ``ForceNew`` replaces the
resource only when its own fields or its number of elements change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_AWS_VERSION = "6.25.0"
_GOOGLE_VERSION = "6.50.0"
_AWS_PLAN = "terraform plan with hashicorp/aws 5.100.0"
_GOOGLE_SOURCE = f"terraform-provider-google v{_GOOGLE_VERSION}"

#: Resource types whose destruction loses data (objects, rows, log events, images, secret values, key material)
#: or, for the log bucket configuration, the retention that keeps the project's logs.
STATEFUL_RESOURCE_TYPES: frozenset[str] = frozenset({
    "aws_s3_bucket",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_cloudwatch_log_group",
    "aws_ecr_repository",
    "aws_secretsmanager_secret",
    "aws_kms_key",
    "aws_dynamodb_table",
    "google_storage_bucket",
    "google_sql_database_instance",
    "google_sql_database",
    "google_artifact_registry_repository",
    "google_secret_manager_secret",
    "google_kms_crypto_key",
    "google_logging_project_bucket_config",
})


@dataclass(frozen=True)
class AttributeFact:
    """What a change of one attribute of one resource type does when applied.

    Attributes:
        resource_type: e.g. ``aws_db_instance``.
        attribute: Path without list indices, e.g. ``settings.disk_type``.
        source: Where the fact comes from: documentation page and how it was checked.
        applies: For facts that hold only for some changes (a disk shrinking), tells from the old and
            new values whether this change is one of them. Default: every change.
        consequence: For in-place changes with an outage, what happens, in a few words.
    """

    resource_type: str
    attribute: str
    source: str
    applies: Callable[[Any, Any], bool] | None = None
    consequence: str = ""

    def holds_for(self, old: Any, new: Any) -> bool:
        """Whether the fact applies to a change from ``old`` to ``new``."""
        return self.applies is None or self.applies(old, new)


def _aws_docs(resource_type: str, attribute: str) -> str:
    page = resource_type.removeprefix("aws_")
    anchor = attribute.split(".")[0]
    return f"https://registry.terraform.io/providers/hashicorp/aws/{_AWS_VERSION}/docs/resources/{page}#{anchor}"


def _google_docs(resource_type: str) -> str:
    page = resource_type.removeprefix("google_")
    return f"https://registry.terraform.io/providers/hashicorp/google/{_GOOGLE_VERSION}/docs/resources/{page}"


def _aws_replacements(resource_type: str, *attributes: str) -> tuple[AttributeFact, ...]:
    return tuple(
        AttributeFact(resource_type, attribute, f"{_aws_docs(resource_type, attribute)}; {_AWS_PLAN}: forces replacement")
        for attribute in attributes
    )


def _google_replacements(resource_type: str, source_file: str, *attributes: str) -> tuple[AttributeFact, ...]:
    source = f"{_google_docs(resource_type)}; {_GOOGLE_SOURCE} {source_file}: ForceNew"
    return tuple(AttributeFact(resource_type, attribute, source) for attribute in attributes)


def is_number(value: Any) -> bool:
    """True for JSON numbers (not booleans, not strings such as Terraform interpolations)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decreased(old: Any, new: Any) -> bool:
    return is_number(old) and is_number(new) and new < old


#: Attributes whose change makes Terraform destroy the resource and create a new one.
REPLACEMENT_FACTS: tuple[AttributeFact, ...] = (
    *_aws_replacements("aws_s3_bucket", "bucket", "bucket_prefix", "object_lock_enabled"),
    # identifier and identifier_prefix no longer force replacement (PR #32687 fixed the docs): see OUTAGE_FACTS.
    *_aws_replacements(
        "aws_db_instance", "engine", "kms_key_id", "storage_encrypted", "username", "db_name", "availability_zone",
        "character_set_name", "nchar_character_set_name", "timezone", "snapshot_identifier",
    ),
    *_aws_replacements(
        "aws_rds_cluster", "cluster_identifier", "cluster_identifier_prefix", "engine", "engine_mode", "kms_key_id",
        "storage_encrypted", "master_username", "database_name", "db_subnet_group_name", "availability_zones",
        "snapshot_identifier",
    ),
    *_aws_replacements("aws_cloudwatch_log_group", "name", "name_prefix", "log_group_class"),
    *_aws_replacements(
        "aws_ecr_repository", "name", "encryption_configuration.encryption_type", "encryption_configuration.kms_key"
    ),
    *_aws_replacements("aws_kms_key", "customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id"),
    *_aws_replacements("aws_secretsmanager_secret", "name", "name_prefix"),
    *_aws_replacements("aws_dynamodb_table", "name", "hash_key", "range_key"),
    *_google_replacements(
        "google_storage_bucket", "google/services/storage/resource_storage_bucket.go",
        "name", "location", "project", "enable_object_retention", "custom_placement_config.data_locations",
        "hierarchical_namespace.enabled",
    ),
    # database_version is patched in place since v4.34.0 (see OUTAGE_FACTS): a downgrade is refused by the API,
    # it does not replace the instance.
    *_google_replacements(
        "google_sql_database_instance", "google/services/sql/resource_sql_database_instance.go",
        "name", "region", "project", "encryption_key_name", "settings.collation", "settings.disk_type",
    ),
    AttributeFact(
        "google_sql_database_instance", "settings.disk_size",
        f"{_google_docs('google_sql_database_instance')}; {_GOOGLE_SOURCE} "
        "google/services/sql/resource_sql_database_instance.go: "
        'customdiff.ForceNewIfChange("settings.0.disk_size", compute.IsDiskShrinkage)',
        applies=_decreased,
    ),
    *_google_replacements(
        "google_sql_database", "google/services/sql/resource_sql_database.go", "name", "instance", "project"
    ),
    *_google_replacements(
        "google_artifact_registry_repository", "google/services/artifactregistry/resource_artifact_registry_repository.go",
        "repository_id", "location", "format", "mode", "kms_key_name", "project",
    ),
    *_google_replacements(
        "google_secret_manager_secret", "google/services/secretmanager/resource_secret_manager_secret.go",
        "secret_id", "project", "tags", "replication.auto", "replication.user_managed.replicas.location",
    ),
    *_google_replacements(
        "google_kms_crypto_key", "google/services/kms/resource_kms_crypto_key.go",
        "name", "key_ring", "purpose", "import_only", "crypto_key_backend", "destroy_scheduled_duration",
        "version_template.protection_level",
    ),
    *_google_replacements(
        "google_logging_project_bucket_config", "google/services/logging/resource_logging_project_bucket_config.go",
        "project", "location", "bucket_id",
    ),
)

#: Attributes changed in place, but with the resource unavailable for a while.
OUTAGE_FACTS: tuple[AttributeFact, ...] = (
    *(
        AttributeFact(
            "aws_db_instance", attribute,
            f"{_aws_docs('aws_db_instance', attribute)}; {_AWS_PLAN}: update in-place; "
            "hashicorp/terraform-provider-aws#32687; "
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html",
            consequence="RDS renames the instance in place: it reboots, its endpoint changes and it is unavailable "
            "until the new name is in effect",
        )
        for attribute in ("identifier", "identifier_prefix")
    ),
    AttributeFact(
        "aws_db_instance", "engine_version",
        f"{_aws_docs('aws_db_instance', 'engine_version')}; {_AWS_PLAN}: update in-place; "
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.html",
        consequence="RDS upgrades the engine in place and the database can be unavailable for minutes",
    ),
    AttributeFact(
        "google_sql_database_instance", "database_version",
        f"{_google_docs('google_sql_database_instance')}; {_GOOGLE_SOURCE} "
        "google/services/sql/resource_sql_database_instance.go: no ForceNew, Update patches database_version "
        "(in place since v4.34.0, commit e88fba17e0); "
        "https://cloud.google.com/sql/docs/postgres/upgrade-major-db-version-inplace",
        consequence="Cloud SQL upgrades the instance in place with downtime; a downgrade or another engine is refused",
    ),
)

#: Sentinel for retention settings whose absence keeps the value the resource already has (Optional + Computed).
KEEPS_CURRENT = None


@dataclass(frozen=True)
class RetentionFact:
    """A retention setting, and what its absence (or zero) means.

    Attributes:
        resource_type: e.g. ``aws_cloudwatch_log_group``.
        attribute: Path without list indices.
        what: ``log`` or ``backup``, for the report.
        unit: ``days`` or ``backups``.
        when_absent: Retention when the attribute is not set: a number, ``math.inf`` (kept forever) or
            ``KEEPS_CURRENT`` (the provider keeps what the resource has, so nothing can be said).
        zero_is_forever: True when 0 means "never expire".
        source: Where the meaning of absent and zero comes from.
    """

    resource_type: str
    attribute: str
    what: str
    unit: str
    when_absent: float | None
    source: str
    zero_is_forever: bool = False


RETENTION_FACTS: tuple[RetentionFact, ...] = (
    RetentionFact(
        "aws_cloudwatch_log_group", "retention_in_days", "log", "days", math.inf,
        f"{_aws_docs('aws_cloudwatch_log_group', 'retention_in_days')}: 0 or unset keeps events forever "
        "(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html)",
        zero_is_forever=True,
    ),
    RetentionFact(
        "google_logging_project_bucket_config", "retention_days", "log", "days", 30,
        f"{_google_docs('google_logging_project_bucket_config')}; {_GOOGLE_SOURCE} "
        "google/services/logging/resource_logging_project_bucket_config.go: Default: 30",
    ),
    RetentionFact(
        "aws_db_instance", "backup_retention_period", "backup", "days", KEEPS_CURRENT,
        f"{_aws_docs('aws_db_instance', 'backup_retention_period')}: Optional + Computed",
    ),
    RetentionFact(
        "aws_rds_cluster", "backup_retention_period", "backup", "days", KEEPS_CURRENT,
        f"{_aws_docs('aws_rds_cluster', 'backup_retention_period')}: Optional + Computed",
    ),
    RetentionFact(
        "google_sql_database_instance", "settings.backup_configuration.backup_retention_settings.retained_backups",
        "backup", "backups", KEEPS_CURRENT,
        f"{_google_docs('google_sql_database_instance')}; {_GOOGLE_SOURCE} "
        "google/services/sql/resource_sql_database_instance.go: backup_retention_settings Optional + Computed",
    ),
    RetentionFact(
        "google_sql_database_instance", "settings.backup_configuration.transaction_log_retention_days",
        "transaction log", "days", KEEPS_CURRENT,
        f"{_google_docs('google_sql_database_instance')}; {_GOOGLE_SOURCE} "
        "google/services/sql/resource_sql_database_instance.go: Optional + Computed",
    ),
)

#: Minimum capacity settings of services (unset means 0 for all of them): lowering one in prod is a risk.
MINIMUM_CAPACITY_ATTRIBUTES: frozenset[tuple[str, str]] = frozenset({
    ("aws_appautoscaling_target", "min_capacity"),
    ("aws_ecs_service", "desired_count"),
    ("google_cloud_run_v2_service", "template.scaling.min_instance_count"),
    ("google_cloud_run_v2_service", "scaling.min_instance_count"),
})

#: Attribute names that turn deletion protection on, on any resource (RDS, ALB, Cloud SQL, Cloud Run, DynamoDB...).
DELETION_PROTECTION_NAMES: frozenset[str] = frozenset({
    "deletion_protection", "deletion_protection_enabled", "enable_deletion_protection",
})

#: Attribute names that make destroying a resource also delete its contents (bucket objects, repository images).
FORCE_DESTROY_NAMES: frozenset[str] = frozenset({"force_destroy", "force_delete"})
