"""The typed configuration model of the platform and the rules every value must satisfy.

``config/project.toml`` holds what all environments share (the project name); ``config/<env>.toml``
holds one environment. Every key is required and unknown keys are rejected, so a typo cannot silently
fall back to a default. Each rule states its limits in the error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from constructs_lib.rules import (
    BACKUP_RETENTION_DAYS_RANGE,
    LOG_RETENTION_DAYS,
    NAME_PATTERN,
    NAME_RULE,
    fargate_size_problem,
)

from .reader import Problems, TableReader, join_choices

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
CLOUDS: tuple[str, ...] = ("aws", "gcp")

AWS_REGION_PATTERN = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")
AWS_ACCOUNT_PATTERN = re.compile(r"[0-9]{12}")
GCP_REGION_PATTERN = re.compile(r"[a-z]+-[a-z]+[0-9]")
GCP_PROJECT_PATTERN = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
GCP_PROJECT_RULE = (
    "must be a Google Cloud project ID: 6 to 30 lowercase letters, digits or hyphens, "
    "starting with a letter and not ending with a hyphen"
)


@dataclass(frozen=True)
class AwsSettings:
    """Where the AWS stack of an environment is deployed."""

    region: str
    account_id: str


@dataclass(frozen=True)
class GcpSettings:
    """Where the GCP stack of an environment is deployed."""

    project_id: str
    region: str


@dataclass(frozen=True)
class ScalingSettings:
    """Horizontal scaling of each service: ECS tasks on AWS, Cloud Run instances on GCP."""

    min_capacity: int
    max_capacity: int
    target_cpu: int
    scale_out_cooldown: int
    scale_in_cooldown: int


@dataclass(frozen=True)
class ServiceSize:
    """Container size of one service in Fargate units: CPU units (1024 = 1 vCPU) and memory in MiB."""

    cpu: int
    memory: int


@dataclass(frozen=True)
class LoggingSettings:
    """How long logs are kept."""

    retention_days: int


@dataclass(frozen=True)
class StorageSettings:
    """The analytics data bucket."""

    noncurrent_version_expiration_days: int


@dataclass(frozen=True)
class DatabaseSettings:
    """The optional PostgreSQL database (RDS on AWS, Cloud SQL on GCP)."""

    enabled: bool
    backup_retention_days: int


@dataclass(frozen=True)
class AlertingSettings:
    """Thresholds of the alerts both clouds raise."""

    error_rate_percent: float
    response_time_seconds: float


@dataclass(frozen=True)
class EnvironmentConfig:
    """One environment of the platform, validated."""

    source: str
    project: str
    environment: str
    aws: AwsSettings
    gcp: GcpSettings
    scaling: ScalingSettings
    backend: ServiceSize
    frontend: ServiceSize
    logging: LoggingSettings
    storage: StorageSettings
    database: DatabaseSettings
    alerting: AlertingSettings


def read_project_name(problems: Problems, data: Mapping[str, Any]) -> str:
    """Reads ``config/project.toml``: the name every stack and resource name starts with."""
    root = TableReader(problems, data)
    name = root.string("name", pattern=NAME_PATTERN, rule=NAME_RULE)
    root.finish()
    return name or ""


def _read_aws(reader: TableReader, environ: Mapping[str, str]) -> AwsSettings:
    aws = reader.section("aws")
    region = aws.string("region", pattern=AWS_REGION_PATTERN, rule="must be an AWS region name such as us-east-1")
    account_rule = "must be a 12-digit AWS account ID (a string)"
    if aws.has("account_id"):
        account_id = aws.string("account_id", pattern=AWS_ACCOUNT_PATTERN, rule=account_rule)
    else:
        account_id = environ.get("AWS_ACCOUNT_ID")
        if account_id is None and not aws.absent:
            aws.problems.add(aws.key("account_id"), "required key is missing (or set AWS_ACCOUNT_ID)", show_value=False)
        elif not AWS_ACCOUNT_PATTERN.fullmatch(account_id):
            aws.problems.add(aws.key("account_id"), f"from AWS_ACCOUNT_ID {account_rule}", account_id)
            account_id = None
    aws.finish()
    return AwsSettings(region=region or "", account_id=account_id or "")


def _read_gcp(reader: TableReader, environ: Mapping[str, str]) -> GcpSettings:
    gcp = reader.section("gcp")
    if gcp.has("project_id"):
        project_id = gcp.string("project_id", pattern=GCP_PROJECT_PATTERN, rule=GCP_PROJECT_RULE)
    else:
        project_id = environ.get("GOOGLE_CLOUD_PROJECT")
        if project_id is None and not gcp.absent:
            gcp.problems.add(
                gcp.key("project_id"), "required key is missing (or set GOOGLE_CLOUD_PROJECT)", show_value=False
            )
        elif not GCP_PROJECT_PATTERN.fullmatch(project_id):
            gcp.problems.add(gcp.key("project_id"), f"from GOOGLE_CLOUD_PROJECT {GCP_PROJECT_RULE}", project_id)
            project_id = None
    region = gcp.string("region", pattern=GCP_REGION_PATTERN, rule="must be a Google Cloud region name such as us-central1")
    gcp.finish()
    return GcpSettings(project_id=project_id or "", region=region or "")


def _read_scaling(reader: TableReader) -> ScalingSettings:
    scaling = reader.section("scaling")
    settings = ScalingSettings(
        min_capacity=scaling.integer("min_capacity", minimum=0, maximum=100, unit="tasks"),
        max_capacity=scaling.integer("max_capacity", minimum=1, maximum=100, unit="tasks"),
        target_cpu=scaling.integer("target_cpu", minimum=10, maximum=90, unit="percent"),
        scale_out_cooldown=scaling.integer("scale_out_cooldown", minimum=0, maximum=3600, unit="seconds"),
        scale_in_cooldown=scaling.integer("scale_in_cooldown", minimum=0, maximum=3600, unit="seconds"),
    )
    scaling.finish()
    min_key, max_key = scaling.key("min_capacity"), scaling.key("max_capacity")
    if reader.problems.all_valid(min_key, max_key) and settings.min_capacity > settings.max_capacity:
        reader.problems.add(max_key, f"must be at least {min_key} ({settings.min_capacity})", settings.max_capacity)
    return settings


def _read_service_size(reader: TableReader, service: str) -> ServiceSize:
    table = reader.section(service)
    cpu = table.integer("cpu", minimum=256, maximum=16384, unit="CPU units")
    memory = table.integer("memory", minimum=512, maximum=122880, unit="MiB")
    table.finish()
    cpu_key, memory_key = table.key("cpu"), table.key("memory")
    if reader.problems.all_valid(cpu_key, memory_key):
        problem = fargate_size_problem(cpu, memory)
        if problem is not None:
            reader.problems.add(f"{cpu_key}/{memory_key}", problem, f"{cpu}/{memory}")
    return ServiceSize(cpu=cpu, memory=memory)


def _read_logging(reader: TableReader) -> LoggingSettings:
    logging = reader.section("logging")
    retention = logging.one_of(
        "retention_days",
        LOG_RETENTION_DAYS,
        rule=f"must be a retention CloudWatch Logs and Cloud Logging accept: {join_choices(LOG_RETENTION_DAYS)} days",
    )
    logging.finish()
    return LoggingSettings(retention_days=retention)


def _read_storage(reader: TableReader) -> StorageSettings:
    storage = reader.section("storage")
    days = storage.integer("noncurrent_version_expiration_days", minimum=1, maximum=3650, unit="days")
    storage.finish()
    return StorageSettings(noncurrent_version_expiration_days=days)


def _read_database(reader: TableReader) -> DatabaseSettings:
    database = reader.section("database")
    low, high = BACKUP_RETENTION_DAYS_RANGE
    settings = DatabaseSettings(
        enabled=database.boolean("enabled"),
        backup_retention_days=database.integer("backup_retention_days", minimum=low, maximum=high, unit="days"),
    )
    database.finish()
    return settings


def _read_alerting(reader: TableReader) -> AlertingSettings:
    alerting = reader.section("alerting")
    settings = AlertingSettings(
        error_rate_percent=alerting.number("error_rate_percent", above=0, maximum=100, unit="percent"),
        response_time_seconds=alerting.number("response_time_seconds", above=0, maximum=60, unit="seconds"),
    )
    alerting.finish()
    return settings


def read_environment(
    problems: Problems, data: Mapping[str, Any], *, project: str, environment: str, environ: Mapping[str, str]
) -> EnvironmentConfig:
    """Reads one environment file; every problem is added to ``problems``."""
    root = TableReader(problems, data)
    config = EnvironmentConfig(
        source=problems.source,
        project=project,
        environment=environment,
        aws=_read_aws(root, environ),
        gcp=_read_gcp(root, environ),
        scaling=_read_scaling(root),
        backend=_read_service_size(root, "backend"),
        frontend=_read_service_size(root, "frontend"),
        logging=_read_logging(root),
        storage=_read_storage(root),
        database=_read_database(root),
        alerting=_read_alerting(root),
    )
    root.finish()
    return config
