"""What the Terraform providers and the clouds do with a changed attribute, and which resources hold data:
the one table the risk review reads, each entry with where the fact comes from.

Only checked facts are listed; an attribute that is not here is not claimed either way.

- ``REPLACEMENT_FACTS``: attributes that replace a stateful resource (its data goes);
- ``EDGE_REPLACEMENT_FACTS``: attributes that replace a load balancer, certificate, address or forwarding rule;
- ``OUTAGE_FACTS``: in-place changes that restart, interrupt or weaken a database, and when the cloud carries
  them out (RDS defers most to the maintenance window unless ``apply_immediately``; Cloud SQL does not defer);
- retention settings, minimum capacities, deletion protection and force-destroy names.

How the entries were checked:

- AWS (``hashicorp/aws``; the project's bindings pin 6.25.0): with ``hashicorp/aws`` 5.100.0 from the
  local provider mirror, ``terraform plan -refresh=false`` over a hand-written state holding the old
  value and a configuration holding the new one; the plan says ``# forces replacement`` (a
  ``replace_paths`` entry in ``terraform show -json``) or ``update in-place``. The provider's
  documentation page for the pinned version is cited with each entry so it can be read again; what RDS
  does with an in-place change (outage, maintenance window) is quoted from the ``modify-db-instance`` reference.
- Google (``hashicorp/google`` 6.50.0, the version the bindings pin): the resource's schema in
  terraform-provider-google at tag ``v6.50.0`` (``ForceNew: true``, or a ``CustomizeDiff`` that forces
  a new resource), file named with each entry; what Cloud SQL does with an in-place change, from the
  Cloud SQL documentation page named (not checked against a running instance).

Paths are attribute paths without list indices (``settings.disk_type`` matches ``settings[0].disk_type``).
A nested block is listed by its leaf attributes, because a block marked ``ForceNew`` replaces the
resource only when its own fields or its number of elements change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .changes import RiskKind

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


class Timing(Enum):
    """When the cloud carries out a change once Terraform has applied it."""

    #: As the apply runs.
    ON_APPLY = "on apply"
    #: RDS: in the instance's next maintenance window, unless ``apply_immediately`` is true.
    RDS_MAINTENANCE_WINDOW = "rds maintenance window"
    #: RDS: at once, whatever ``apply_immediately`` says.
    RDS_ALWAYS_IMMEDIATE = "rds immediate"
    #: Cloud SQL: at once (Cloud SQL has no deferral of a settings change to the maintenance window).
    CLOUD_SQL_IMMEDIATE = "cloud sql immediate"


@dataclass(frozen=True)
class AttributeFact:
    """What a change of one attribute of one resource type does when applied.

    Attributes:
        resource_type: e.g. ``aws_db_instance``.
        attribute: Path without list indices, e.g. ``settings.disk_type``.
        source: Where the fact comes from: documentation page and how it was checked.
        applies: For facts that hold only for some changes (a disk shrinking), tells from the old and
            new values whether this change is one of them. Default: every change.
        consequence: What happens, in a few words (in-place changes and replacements of stateless resources).
        kind: What the change can cost. Default: data loss (a stateful resource replaced).
        timing: When the cloud carries it out. Default: as the apply runs.
    """

    resource_type: str
    attribute: str
    source: str
    applies: Callable[[Any, Any], bool] | None = None
    consequence: str = ""
    kind: RiskKind = RiskKind.DATA_LOSS
    timing: Timing = Timing.ON_APPLY

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

_RDS_CLI = "https://awscli.amazonaws.com/v2/documentation/api/latest/reference/rds/modify-db-instance.html"
_CLOUD_SQL_SETTINGS = "https://cloud.google.com/sql/docs/postgres/instance-settings"
_CLOUD_SQL_PATCH = ("https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/patch "
                    "(\"Using this operation might cause your instance to restart\")")


def _rds(attribute: str, doc: str, consequence: str, *, kind: RiskKind = RiskKind.OUTAGE,
         timing: Timing = Timing.RDS_MAINTENANCE_WINDOW, applies: Callable[[Any, Any], bool] | None = None) -> AttributeFact:
    """An in-place change of ``aws_db_instance``, as ``terraform plan`` shows it and the RDS reference describes it."""
    source = f"{_aws_docs('aws_db_instance', attribute)}; {_AWS_PLAN}: update in-place; {doc}"
    return AttributeFact("aws_db_instance", attribute, source, applies, consequence, kind, timing)


def _cloud_sql(attribute: str, consequence: str, *, kind: RiskKind = RiskKind.OUTAGE,
               applies: Callable[[Any, Any], bool] | None = None, doc: str = _CLOUD_SQL_SETTINGS) -> AttributeFact:
    """An in-place change of ``google_sql_database_instance`` (no ForceNew in v6.50.0) that Cloud SQL applies at once."""
    source = (f"{_google_docs('google_sql_database_instance')}; {_GOOGLE_SOURCE} "
              f"google/services/sql/resource_sql_database_instance.go: no ForceNew, updated in place; {doc}")
    return AttributeFact("google_sql_database_instance", attribute, source, applies, consequence, kind,
                         Timing.CLOUD_SQL_IMMEDIATE)


def _turned_off(old: Any, new: Any) -> bool:
    return old is True and new is not True


def _from_regional(old: Any, new: Any) -> bool:
    return old == "REGIONAL" and new != "REGIONAL"


def _to_never(_old: Any, new: Any) -> bool:
    return new == "NEVER"


_RDS_RENAME = ("hashicorp/terraform-provider-aws#32687; "
               "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html")

#: Attributes changed in place, but with the service interrupted or weakened for a while, and when that happens.
OUTAGE_FACTS: tuple[AttributeFact, ...] = (
    *(
        _rds(attribute, f"{_RDS_CLI} (--new-db-instance-identifier); {_RDS_RENAME}",
             "RDS renames the instance in place: it reboots, its endpoint changes and it is unavailable "
             "until the new name is in effect")
        for attribute in ("identifier", "identifier_prefix")
    ),
    _rds("engine_version", f"{_RDS_CLI} (--engine-version: \"results in an outage\"); "
         "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.html",
         "RDS upgrades the engine in place and the database can be unavailable for minutes"),
    _rds("instance_class", f"{_RDS_CLI} (--db-instance-class: \"an outage occurs during the change\")",
         "RDS moves the database to the new class: it is unavailable during the change (with Multi-AZ, for a failover)"),
    _rds("db_subnet_group_name", f"{_RDS_CLI} (--db-subnet-group-name: \"causes an outage during the change\")",
         "RDS moves the instance to the new subnet group: it is unavailable during the change"),
    _rds("ca_cert_identifier", f"{_RDS_CLI} (--certificate-rotation-restart: restarted by default)",
         "RDS restarts the database to serve a certificate of the new authority; clients that trust only the old "
         "one fail to connect"),
    _rds("port", f"{_RDS_CLI} (--db-port-number: \"your database restarts regardless of ApplyImmediately\")",
         "RDS restarts the database on the new port; clients still using the old port fail",
         timing=Timing.RDS_ALWAYS_IMMEDIATE),
    _rds("storage_type", f"{_RDS_CLI} (--storage-type: the migration \"can take up to several days\")",
         "RDS migrates the storage: the database stays up but slower, backups are suspended and no other "
         "modification, reboot or deletion is possible until it finishes (typically under 24 hours)",
         kind=RiskKind.AVAILABILITY),
    _rds("multi_az", f"{_RDS_CLI} (--multi-az: no outage, applied in the maintenance window unless ApplyImmediately); "
         "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html",
         "Multi-AZ turned off: no standby in a second zone, so a zone failure or maintenance takes the database down",
         kind=RiskKind.AVAILABILITY, applies=_turned_off),
    _cloud_sql("database_version",
               "Cloud SQL upgrades the instance in place with downtime; a downgrade or another engine is refused",
               doc="in place since v4.34.0, commit e88fba17e0; "
               "https://cloud.google.com/sql/docs/postgres/upgrade-major-db-version-inplace"),
    _cloud_sql("settings.tier", "Cloud SQL restarts the instance on the new machine type: the database is "
               "unavailable for minutes", doc=f"{_CLOUD_SQL_SETTINGS}; {_CLOUD_SQL_PATCH}"),
    _cloud_sql("settings.availability_type", "Cloud SQL restarts the instance to change its availability type",
               doc=f"https://cloud.google.com/sql/docs/postgres/configure-ha; {_CLOUD_SQL_PATCH}"),
    _cloud_sql("settings.availability_type", "high availability turned off: no standby in a second zone, so a "
               "zone failure takes the database down", kind=RiskKind.AVAILABILITY, applies=_from_regional,
               doc="https://cloud.google.com/sql/docs/postgres/high-availability"),
    _cloud_sql("settings.edition", "Cloud SQL restarts the instance to change its edition",
               doc=f"https://cloud.google.com/sql/docs/postgres/upgrade-cloud-sql-instance-to-enterprise-plus; "
               f"{_CLOUD_SQL_PATCH}"),
    _cloud_sql("settings.activation_policy", "the instance is stopped (activation_policy NEVER): the database "
               "is down until the policy is ALWAYS again", applies=_to_never,
               doc=f"{_CLOUD_SQL_SETTINGS} (activation policy)"),
)

#: What replacing (or removing) a stateless resource of the edge does to the service in front of the data.
EDGE_CONSEQUENCES: dict[str, str] = {
    "aws_lb": "the load balancer gets a new DNS name: requests fail while the new one starts and its targets "
              "register, and until every DNS record points at it",
    "aws_acm_certificate": "the new certificate must pass DNS validation before a listener can use it, and ACM "
                           "refuses to delete a certificate a listener still uses",
    "google_compute_managed_ssl_certificate": "Google provisions the new certificate only after DNS points at the "
                                              "load balancer, which can take up to 60 minutes: HTTPS fails "
                                              "meanwhile, and a certificate a proxy uses cannot be deleted",
    "google_compute_global_address": "the load balancer's IP address changes: clients fail until the DNS A record "
                                     "points at the new one",
    "google_compute_global_forwarding_rule": "the load balancer stops answering between the delete and the create",
}


def _edge_replacements(resource_type: str, source: str, *attributes: str) -> tuple[AttributeFact, ...]:
    return tuple(AttributeFact(resource_type, attribute, source, consequence=EDGE_CONSEQUENCES[resource_type],
                               kind=RiskKind.OUTAGE) for attribute in attributes)


def _google_compute(resource_type: str) -> str:
    file = f"google/services/compute/resource_{resource_type.removeprefix('google_')}.go"
    return f"{_google_docs(resource_type)}; {_GOOGLE_SOURCE} {file}: ForceNew"


#: Attributes whose change replaces a load balancer, its certificate, address or forwarding rule (an outage).
EDGE_REPLACEMENT_FACTS: tuple[AttributeFact, ...] = (
    *_edge_replacements("aws_lb", f"{_aws_docs('aws_lb', 'name')}; {_AWS_PLAN}: forces replacement",
                        "name", "internal", "load_balancer_type"),
    *_edge_replacements("aws_acm_certificate",
                        f"{_aws_docs('aws_acm_certificate', 'domain_name')}; {_AWS_PLAN}: forces replacement",
                        "domain_name", "subject_alternative_names", "validation_method", "key_algorithm"),
    *_edge_replacements("google_compute_managed_ssl_certificate",
                        _google_compute("google_compute_managed_ssl_certificate"),
                        "name", "description", "type", "project", "managed.domains"),
    *_edge_replacements("google_compute_global_address", _google_compute("google_compute_global_address"),
                        "name", "address", "address_type", "description", "ip_version", "network", "prefix_length",
                        "purpose", "project"),
    *_edge_replacements("google_compute_global_forwarding_rule", _google_compute("google_compute_global_forwarding_rule"),
                        "name", "ip_address", "ip_protocol", "description", "ip_version", "network", "network_tier",
                        "port_range", "project"),
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
