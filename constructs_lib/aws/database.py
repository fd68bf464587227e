"""PostgreSQL on RDS in isolated subnets: encrypted, backed up, reachable only from allowed security groups."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ..rules import BACKUP_RETENTION_DAYS_RANGE, POSTGRES_MAJOR_VERSIONS
from .fargate_service import ContainerSecret
from .iam import Condition, Statement, policy_document
from .log_group import LogGroup, LogGroupProps

_IDENTIFIER = re.compile(r"[a-z][a-z0-9-]{0,52}[a-z0-9]")
_NO_PERFORMANCE_INSIGHTS = re.compile(r"db\.t[234]g?\.(micro|small)")
POSTGRES_PORT = 5432
LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")


@dataclass(frozen=True)
class PostgresDatabaseProps:
    """Props of :class:`PostgresDatabase`.

    Attributes:
        identifier: Instance identifier, e.g. ``duckdb-analytics-prod``.
        vpc_id: The VPC.
        subnet_ids: Isolated subnets (no route to the internet), at least two zones.
        account_id: The account the monitoring role trusts deliveries for.
        instance_class: e.g. ``db.t4g.medium`` (micro/small classes have no Performance Insights).
        postgres_major_version: 14 to 17; minor versions are upgraded automatically.
        allocated_storage_gb: Initial storage.
        max_allocated_storage_gb: Storage autoscaling ceiling.
        backup_retention_days: Days automated backups (and point-in-time recovery) reach back, 1-35.
        multi_az: A synchronous standby in another zone. Default ``True``.
        deletion_protection: Refuse deletion. Default ``True``; a final snapshot is taken on deletion regardless.
        kms_key_arn: Key for storage, the managed master password, Performance Insights and logs. Default ``None``.
        log_retention_days: Days exported PostgreSQL logs are kept. Default 30.
        database_name: Name of the initial database. Default ``analytics``.
        master_username: Name of the master user; its password is generated and kept by RDS in
            Secrets Manager. Default ``analytics_admin``.
        permissions_boundary_arn: IAM policy set as the permissions boundary of the enhanced-monitoring role
            (a deploy identity allowed to create roles only with it cannot grant more than it allows). Default ``None``.
    """

    identifier: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    account_id: str
    instance_class: str
    postgres_major_version: int
    allocated_storage_gb: int
    max_allocated_storage_gb: int
    backup_retention_days: int
    multi_az: bool = True
    deletion_protection: bool = True
    kms_key_arn: str | None = None
    log_retention_days: int = 30
    database_name: str = "analytics"
    master_username: str = "analytics_admin"
    permissions_boundary_arn: str | None = None

    def __post_init__(self) -> None:
        if not _IDENTIFIER.fullmatch(self.identifier) or "--" in self.identifier:
            raise ValueError(f"PostgresDatabaseProps.identifier {self.identifier!r}: must be a valid RDS identifier")
        if len(self.subnet_ids) < 2:
            raise ValueError("PostgresDatabaseProps.subnet_ids must span at least two availability zones")
        if self.postgres_major_version not in POSTGRES_MAJOR_VERSIONS:
            raise ValueError(f"PostgresDatabaseProps.postgres_major_version must be one of {POSTGRES_MAJOR_VERSIONS}")
        low, high = BACKUP_RETENTION_DAYS_RANGE
        if not low <= self.backup_retention_days <= high:
            raise ValueError(f"PostgresDatabaseProps.backup_retention_days must be {low} to {high}")
        if not 20 <= self.allocated_storage_gb <= self.max_allocated_storage_gb:
            raise ValueError("PostgresDatabaseProps: need 20 <= allocated_storage_gb <= max_allocated_storage_gb")
        if _NO_PERFORMANCE_INSIGHTS.fullmatch(self.instance_class):
            raise ValueError(f"PostgresDatabaseProps.instance_class {self.instance_class}: has no Performance Insights")


class PostgresDatabase(Construct):
    """An RDS PostgreSQL instance for the platform.

    Isolated subnets and no public address; TLS enforced (``rds.force_ssl``); storage, backups,
    Performance Insights and logs encrypted; the master password generated, stored and rotated by
    RDS in Secrets Manager; automated backups with point-in-time recovery; enhanced monitoring;
    PostgreSQL and upgrade logs exported to CloudWatch with a retention; a final snapshot on deletion.
    Nothing can connect until :meth:`allow_from` admits a security group.

    ``url_secret_arn`` is a Secrets Manager secret holding ``postgresql://<user>@<host>:<port>/<db>?sslmode=require``
    (no password); ``master_secret_arn`` is the RDS-managed secret whose ``password`` key completes it.
    """

    def __init__(self, scope: Construct, id_: str, props: PostgresDatabaseProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self.security_group = SecurityGroup(
            self, "security_group", name_prefix=f"{props.identifier}-db-", vpc_id=props.vpc_id,
            description=f"{props.identifier} database: PostgreSQL from admitted clients only",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        subnet_group = DbSubnetGroup(self, "subnet_group", name=props.identifier, subnet_ids=list(props.subnet_ids),
                                     description=f"Isolated subnets of {props.identifier}")
        parameters = DbParameterGroup(
            self, "parameters", name_prefix=f"{props.identifier}-pg{props.postgres_major_version}-",
            family=f"postgres{props.postgres_major_version}",
            description=f"{props.identifier}: TLS only, slow statements and connections logged",
            parameter=[
                DbParameterGroupParameter(name="rds.force_ssl", value="1"),
                DbParameterGroupParameter(name="log_min_duration_statement", value="2000"),
                DbParameterGroupParameter(name="log_connections", value="1"),
                DbParameterGroupParameter(name="log_disconnections", value="1"),
            ],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        log_groups = [
            LogGroup(self, f"{kind}_logs", LogGroupProps(
                name=f"/aws/rds/instance/{props.identifier}/{kind}", retention_days=props.log_retention_days,
                kms_key_arn=props.kms_key_arn,
            ))
            for kind in LOG_EXPORTS
        ]
        monitoring_role, monitoring_policy = self._monitoring_role(props)

        self.instance = DbInstance(
            self, "instance",
            identifier=props.identifier,
            engine="postgres",
            engine_version=str(props.postgres_major_version),
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            instance_class=props.instance_class,
            allocated_storage=props.allocated_storage_gb,
            max_allocated_storage=props.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=props.kms_key_arn,
            db_name=props.database_name,
            username=props.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=props.kms_key_arn,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            multi_az=props.multi_az,
            ca_cert_identifier="rds-ca-rsa2048-g1",
            backup_retention_period=props.backup_retention_days,
            backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=props.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{props.identifier}-final",
            performance_insights_enabled=True,
            performance_insights_kms_key_id=props.kms_key_arn,
            performance_insights_retention_period=7,
            monitoring_interval=60,
            monitoring_role_arn=monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            apply_immediately=False,
            depends_on=[*(group.log_group for group in log_groups), monitoring_policy],
        )

        self.url_secret = SecretsmanagerSecret(
            self, "url_secret", name=f"{props.identifier}/database-url", kms_key_id=props.kms_key_arn,
            description=f"Connection URL of {props.identifier} without the password (PGPASSWORD supplies it)",
            recovery_window_in_days=7,
        )
        self.url_secret_value = SecretsmanagerSecretVersion(
            self, "url_secret_value", secret_id=self.url_secret.id,
            secret_string=(
                f"postgresql://{props.master_username}@{self.instance.address}:{POSTGRES_PORT}/"
                f"{props.database_name}?sslmode=require"
            ),
        )

    def _monitoring_role(self, props: PostgresDatabaseProps) -> tuple[IamRole, IamRolePolicyAttachment]:
        trust = policy_document(self, "monitoring_trust", (Statement(
            sid="EnhancedMonitoringAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
            principals=(("Service", ("monitoring.rds.amazonaws.com",)),),
            conditions=(Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),),
        ),))
        # name_prefix allows 38 characters.
        role = IamRole(self, "monitoring_role", name_prefix=f"{props.identifier[:28]}-rds-mon-",
                       assume_role_policy=trust.json, description=f"{props.identifier} enhanced monitoring",
                       permissions_boundary=props.permissions_boundary_arn)
        attachment = IamRolePolicyAttachment(
            self, "monitoring_policy", role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        return role, attachment

    def allow_from(self, id_: str, security_group_id: str, description: str) -> None:
        """Admits PostgreSQL connections from ``security_group_id``."""
        VpcSecurityGroupIngressRule(
            self, id_, security_group_id=self.security_group.id, ip_protocol="tcp", from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT, referenced_security_group_id=security_group_id, description=description,
        )

    def client_secrets(self) -> tuple[ContainerSecret, ...]:
        """A client container's ``DATABASE_URL`` (no password inside) and ``PGPASSWORD`` (libpq combines them)."""
        return (
            ContainerSecret("DATABASE_URL", self.url_secret_arn),
            ContainerSecret("PGPASSWORD", self.master_secret_arn, json_key="password"),
        )

    def client_statements(self, region: str) -> tuple[Statement, ...]:
        """IAM statements letting a client read both secrets at run time, e.g. again after RDS rotated the password."""
        statements = [Statement(
            sid="ReadDatabaseSecrets", actions=("secretsmanager:GetSecretValue",),
            resources=(self.url_secret_arn, self.master_secret_arn),
        )]
        if self._props.kms_key_arn is not None:
            statements.append(Statement(
                sid="DecryptDatabaseSecrets", actions=("kms:Decrypt",), resources=(self._props.kms_key_arn,),
                conditions=(Condition("StringEquals", "kms:ViaService", (f"secretsmanager.{region}.amazonaws.com",)),),
            ))
        return tuple(statements)

    @property
    def security_group_id(self) -> str:
        """The database's security group (see :meth:`allow_from`)."""
        return self.security_group.id

    @property
    def address(self) -> str:
        """The instance's host name."""
        return self.instance.address

    @property
    def master_secret_arn(self) -> str:
        """The RDS-managed secret with the master ``username`` and ``password``."""
        return self.instance.master_user_secret.get(0).secret_arn

    @property
    def url_secret_arn(self) -> str:
        """The secret holding the connection URL (no password)."""
        return self.url_secret.arn

    @property
    def identifier(self) -> str:
        """The instance identifier (the CloudWatch metric dimension)."""
        return self.instance.identifier
