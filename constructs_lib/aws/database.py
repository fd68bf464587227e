"""PostgreSQL on RDS in isolated subnets: encrypted, backed up, reachable only from allowed security groups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from cdktf import Fn, TerraformLocal, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret, SecretsmanagerSecretReplica
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ..cloud_limits import BACKUP_RETENTION_DAYS_RANGE, POSTGRES_MAJOR_VERSIONS
from .fargate_service import ContainerSecret
from .iam import Condition, Statement, policy_document
from .log_group import LogGroup, LogGroupProps

_IDENTIFIER = re.compile(r"[a-z][a-z0-9-]{0,52}[a-z0-9]")
_NO_PERFORMANCE_INSIGHTS = re.compile(r"db\.t[234]g?\.(micro|small)")
POSTGRES_PORT = 5432
LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
#: The RDS CA bundle of every region (AWS publishes it; it holds ``rds-ca-rsa2048-g1`` and the other RDS CAs).
CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
#: Where a client image ships :data:`CA_BUNDLE_URL` (``DATABASE_URL``'s ``sslrootcert`` and ``PGSSLROOTCERT``).
CA_BUNDLE_PATH = "/etc/ssl/certs/rds-global-bundle.pem"
#: ``DATABASE_AUTH`` of a client: the password is an IAM authentication token (``rds generate-db-auth-token``).
IAM_AUTHENTICATION = "aws-rds-iam"
#: The last part of the name of the secret holding a replicated master password (``<identifier>/<suffix>``).
PASSWORD_SECRET_SUFFIX = "database-password"


def final_snapshot_identifier(identifier: str, kms_key_arn: str) -> str:
    """``<identifier>-final-<first 8 characters of the key's ID>``: unique to the instance's life.

    A fixed name makes the second destroy of an environment fail (``DBSnapshotAlreadyExists``: the first
    destroy's snapshot is kept). The instance's key is created with it and replaced only with it (``kms_key_id``
    forces a new instance), so each instance the stack creates gets its own name, known at plan time and stable
    while the instance lives (no perpetual diff, unlike a timestamp).
    """
    return f"{identifier}-final-{Fn.substr(Fn.element(Fn.split('/', kms_key_arn), 1), 0, 8)}"


def connection_url(*, user: str, host: str, database_name: str) -> str:
    """``DATABASE_URL``: no password (an IAM token is), TLS with the server's certificate and host name verified."""
    return (f"postgresql://{user}@{host}:{POSTGRES_PORT}/{database_name}"
            f"?sslmode=verify-full&sslrootcert={CA_BUNDLE_PATH}")


def check_application_user(props: object) -> None:
    """``application_user``: a PostgreSQL name other than the master user's (the services' login role)."""
    user = getattr(props, "application_user")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", user) or user in ("postgres", "rdsadmin", getattr(props, "master_username")):
        raise ValueError(f"{type(props).__name__}.application_user {user!r}: must be a PostgreSQL name other than "
                         "postgres, rdsadmin and the master user")


def password_secret_name(identifier: str) -> str:
    """The name of the secret :class:`ReplicatedPassword` keeps the master password in, in every region it reaches."""
    return f"{identifier}/{PASSWORD_SECRET_SUFFIX}"


@dataclass(frozen=True)
class SecretReplica:
    """A region a secret is replicated to, and the KMS key there that encrypts the replica.

    Attributes:
        region: The region, e.g. ``us-west-2``.
        kms_key_id: A key of that region: key ID, ARN, alias name (``alias/x``) or alias ARN.
    """

    region: str
    kms_key_id: str


@dataclass(frozen=True)
class ReplicatedPassword:
    """The master password in a secret of the library's own that Secrets Manager replicates to other regions.

    An RDS-managed password lives in one region, and RDS rotates it: a standby in another region could not read
    it once that region is lost, and a copy would go stale. With this, Terraform generates the password (122
    random bits, Terraform's ``uuid()`` from the operating system's random source) during the apply that
    creates or rotates it and writes it to the database (``password_wo``) and to the secret
    (``secret_string_wo``, JSON ``username``/``password`` like an RDS-managed secret) as write-only arguments:
    it is in neither the configuration, the plan nor the state. Secrets Manager copies it to the replicas.

    Attributes:
        replicas: Where the secret is replicated to, each with its own region's key.
        version: Raise it to rotate: the next apply writes a new password to the database and the secret.
            Default 1.
    """

    replicas: tuple[SecretReplica, ...]
    version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "replicas", tuple(self.replicas))
        if not self.replicas:
            raise ValueError("ReplicatedPassword.replicas: name at least one region")
        if not 1 <= self.version <= 1_000_000:
            raise ValueError(f"ReplicatedPassword.version {self.version}: must be 1 to 1000000")


def check_instance_props(props: object, identifiers: tuple[str, ...] = ("identifier",)) -> None:
    """The rules an instance's props share (PostgresDatabaseProps, StandbyDatabaseProps): identifiers, at least two
    subnets, the major version, backup days and storage; each ValueError names the props class and attribute."""
    owner = type(props).__name__
    for name in identifiers:
        value = getattr(props, name)
        if not _IDENTIFIER.fullmatch(value) or "--" in value:
            raise ValueError(f"{owner}.{name} {value!r}: must be a valid RDS identifier")
    if len(getattr(props, "subnet_ids")) < 2:
        raise ValueError(f"{owner}.subnet_ids must span at least two availability zones")
    if getattr(props, "postgres_major_version") not in POSTGRES_MAJOR_VERSIONS:
        raise ValueError(f"{owner}.postgres_major_version must be one of {POSTGRES_MAJOR_VERSIONS}")
    low, high = BACKUP_RETENTION_DAYS_RANGE
    if not low <= getattr(props, "backup_retention_days") <= high:
        raise ValueError(f"{owner}.backup_retention_days must be {low} to {high}")
    if not 20 <= getattr(props, "allocated_storage_gb") <= getattr(props, "max_allocated_storage_gb"):
        raise ValueError(f"{owner}: need 20 <= allocated_storage_gb <= max_allocated_storage_gb")


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
            Secrets Manager. Only the setup task (:class:`~constructs_lib.aws.database_setup.DatabaseSetupTask`)
            logs in as it. Default ``analytics_admin``.
        application_user: The role the clients log in as with IAM authentication (``rds_iam``, no password, no
            privileged attribute; the setup task creates it). Default ``app``.
        replicated_password: Keep the master password in a secret replicated to other regions (a standby
            there reads it) instead of the RDS-managed one. Default ``None``: RDS generates, keeps and rotates it.
        permissions_boundary_arn: IAM policy set as the permissions boundary of the enhanced-monitoring role
            (a deploy identity allowed to create roles only with it cannot grant more than it allows). Default ``None``.
        role_path: IAM path of the enhanced-monitoring role, e.g. ``/duckdb-analytics-prod/`` (a deploy identity may manage the roles
            under its path only). Default ``None``: the root path.
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
    application_user: str = "app"
    replicated_password: ReplicatedPassword | None = None
    permissions_boundary_arn: str | None = None
    role_path: str | None = None

    def __post_init__(self) -> None:
        check_instance_props(self)
        check_application_user(self)
        if _NO_PERFORMANCE_INSIGHTS.fullmatch(self.instance_class):
            raise ValueError(f"PostgresDatabaseProps.instance_class {self.instance_class}: has no Performance Insights")


class DatabaseClientAccess(Construct):
    """What the clients of a PostgreSQL instance get: its security group, ``DATABASE_URL`` and the permission to log in.

    Shared by :class:`PostgresDatabase` and :class:`~constructs_lib.aws.standby_database.StandbyDatabase`.
    Subclasses set :attr:`security_group`, :attr:`url_secret` and :attr:`url_secret_value` and give
    :meth:`password_secret` (the master password: a :class:`ContainerSecret` reading the JSON key ``password``,
    for the setup task only) and :attr:`login_resource_id` (the instance's ``DbiResourceId`` IAM authentication names).
    Clients never get the master credential: they log in as ``application_user`` with an IAM token.
    """

    security_group: SecurityGroup
    url_secret: SecretsmanagerSecret
    url_secret_value: SecretsmanagerSecretVersion

    def __init__(self, scope: Construct, id_: str, kms_key_arn: str | None) -> None:
        super().__init__(scope, id_)
        self._kms_key_arn = kms_key_arn

    def _add_parts(self, props: InstanceProps) -> _InstanceParts:
        """Security group, subnet group, parameter group, log groups and monitoring role of ``props.identifier``."""
        kms_key_arn = self._kms_key_arn
        identifier, vpc_id, subnet_ids = props.identifier, props.vpc_id, props.subnet_ids
        postgres_major_version, account_id = props.postgres_major_version, props.account_id
        log_retention_days = props.log_retention_days
        self.security_group = SecurityGroup(
            self, "security_group", name_prefix=f"{identifier}-db-", vpc_id=vpc_id,
            description=f"{identifier} database: PostgreSQL from admitted clients only",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        subnet_group = DbSubnetGroup(self, "subnet_group", name=identifier, subnet_ids=list(subnet_ids),
                                     description=f"Isolated subnets of {identifier}")
        parameters = DbParameterGroup(
            self, "parameters", name_prefix=f"{identifier}-pg{postgres_major_version}-",
            family=f"postgres{postgres_major_version}",
            description=f"{identifier}: TLS only, slow statements and connections logged",
            parameter=[
                DbParameterGroupParameter(name="rds.force_ssl", value="1"),
                # The one password (the master user's) is stored and checked as SCRAM, never MD5.
                DbParameterGroupParameter(name="password_encryption", value="scram-sha-256"),
                DbParameterGroupParameter(name="log_min_duration_statement", value="2000"),
                DbParameterGroupParameter(name="log_connections", value="1"),
                DbParameterGroupParameter(name="log_disconnections", value="1"),
            ],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        log_groups = tuple(
            LogGroup(self, f"{kind}_logs", LogGroupProps(
                name=f"/aws/rds/instance/{identifier}/{kind}", retention_days=log_retention_days,
                kms_key_arn=kms_key_arn,
            ))
            for kind in LOG_EXPORTS
        )
        trust = policy_document(self, "monitoring_trust", (Statement(
            sid="EnhancedMonitoringAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
            principals=(("Service", ("monitoring.rds.amazonaws.com",)),),
            conditions=(Condition("StringEquals", "aws:SourceAccount", (account_id,)),),
        ),))
        # name_prefix allows 38 characters.
        role = IamRole(self, "monitoring_role", name_prefix=f"{identifier[:28]}-rds-mon-",
                       assume_role_policy=trust.json, description=f"{identifier} enhanced monitoring",
                       permissions_boundary=props.permissions_boundary_arn, path=props.role_path)
        attachment = IamRolePolicyAttachment(
            self, "monitoring_policy", role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        return _InstanceParts(subnet_group, parameters, log_groups, role, attachment)

    def _instance_settings(self, props: InstanceProps, parts: _InstanceParts) -> dict[str, Any]:
        """What every instance of the library gets (primary or read replica): gp3, encrypted with the key, isolated
        subnets behind the security group, TLS parameters, IAM authentication, Performance Insights, enhanced
        monitoring, logs exported, deletion protection as asked; changes wait for the maintenance window."""
        kms_key_arn = self._kms_key_arn
        return dict(
            instance_class=props.instance_class,
            allocated_storage=props.allocated_storage_gb,
            max_allocated_storage=props.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            auto_minor_version_upgrade=True,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            db_subnet_group_name=parts.subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parts.parameters.name,
            publicly_accessible=False,
            ca_cert_identifier=CA_CERTIFICATE,
            copy_tags_to_snapshot=True,
            deletion_protection=props.deletion_protection,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=kms_key_arn,
            performance_insights_retention_period=7,
            monitoring_interval=60,
            monitoring_role_arn=parts.monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            apply_immediately=False,
            depends_on=[*(group.log_group for group in parts.log_groups), parts.monitoring_policy],
        )

    def _add_url_secret(self, *, identifier: str, user: str, host: str, database_name: str,
                        value_set_outside: bool = False) -> None:
        """The ``DATABASE_URL`` secret of ``host``; ``value_set_outside``: later values come from a runbook, not Terraform."""
        self._application_user = user
        self.url_secret = SecretsmanagerSecret(
            self, "url_secret", name=f"{identifier}/database-url", kms_key_id=self._kms_key_arn,
            description=f"Connection URL of {identifier} as {user} without a password (an IAM token is the password)",
            recovery_window_in_days=7,
        )
        self.url_secret_value = SecretsmanagerSecretVersion(
            self, "url_secret_value", secret_id=self.url_secret.id,
            secret_string=connection_url(user=user, host=host, database_name=database_name),
            lifecycle=TerraformResourceLifecycle(ignore_changes=["secret_string"]) if value_set_outside else None,
        )

    def password_secret(self) -> ContainerSecret:
        """``PGPASSWORD``: the ``password`` key of the secret with the master credentials (the setup task's)."""
        raise NotImplementedError

    @property
    def login_resource_id(self) -> str:
        """The ``DbiResourceId`` in the ARN ``rds-db:connect`` names, or ``*`` when the instance is not known yet."""
        raise NotImplementedError

    def allow_from(self, id_: str, security_group_id: str, description: str) -> None:
        """Admits PostgreSQL connections from ``security_group_id``."""
        VpcSecurityGroupIngressRule(
            self, id_, security_group_id=self.security_group.id, ip_protocol="tcp", from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT, referenced_security_group_id=security_group_id, description=description,
        )

    def client_secrets(self) -> tuple[ContainerSecret, ...]:
        """A client container's ``DATABASE_URL``: the application user, no password, TLS verified."""
        return (ContainerSecret("DATABASE_URL", self.url_secret_arn),)

    def client_environment(self) -> dict[str, str]:
        """A client container's plain variables: how it authenticates (``DATABASE_AUTH``: an IAM token it signs in
        its own region, ``AWS_REGION``) and the CA bundle libpq verifies the server with (``PGSSLROOTCERT``)."""
        return {"DATABASE_AUTH": IAM_AUTHENTICATION, "PGSSLROOTCERT": CA_BUNDLE_PATH}

    def client_statements(self, region: str) -> tuple[Statement, ...]:
        """The task role's one database permission: log in as the application user (``rds-db:connect``). ECS reads
        ``DATABASE_URL`` for the task when it starts (execution role); the task reads no secret itself."""
        return (Statement(
            sid="ConnectAsApplicationUser", actions=("rds-db:connect",),
            resources=(f"arn:aws:rds-db:{region}:{self._props.account_id}:dbuser:{self.login_resource_id}/"
                       f"{self._application_user}",),
        ),)

    @property
    def security_group_id(self) -> str:
        """The database's security group (see :meth:`allow_from`)."""
        return self.security_group.id

    @property
    def master_secret_arn(self) -> str:
        """The secret with the master ``username`` and ``password`` (where a client re-reads it after a change)."""
        return self.password_secret().secret_arn

    @property
    def url_secret_arn(self) -> str:
        """The secret holding the connection URL (no password)."""
        return self.url_secret.arn


class InstanceProps(Protocol):
    """What :class:`DatabaseClientAccess` reads of an instance's props."""

    identifier: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    postgres_major_version: int
    account_id: str
    log_retention_days: int
    instance_class: str
    allocated_storage_gb: int
    max_allocated_storage_gb: int
    deletion_protection: bool
    permissions_boundary_arn: str | None
    role_path: str | None


@dataclass(frozen=True)
class _InstanceParts:
    subnet_group: DbSubnetGroup
    parameters: DbParameterGroup
    log_groups: tuple[LogGroup, ...]
    monitoring_role: IamRole
    monitoring_policy: IamRolePolicyAttachment


class PostgresDatabase(DatabaseClientAccess):
    """An RDS PostgreSQL instance for the platform.

    Isolated subnets and no public address; TLS enforced (``rds.force_ssl``); storage, backups,
    Performance Insights and logs encrypted; the master password generated, stored and rotated by
    RDS in Secrets Manager (or, with ``replicated_password``, kept in a secret replicated to other
    regions); automated backups with point-in-time recovery; enhanced monitoring; PostgreSQL and upgrade
    logs exported to CloudWatch with a retention; a final snapshot on deletion.
    Nothing can connect until :meth:`allow_from` admits a security group.

    ``url_secret_arn`` is a Secrets Manager secret holding
    ``postgresql://<application_user>@<host>:<port>/<db>?sslmode=verify-full&sslrootcert=<CA_BUNDLE_PATH>``
    (no password: the client signs an IAM token); ``master_secret_arn`` is the secret with the master credentials,
    which only the setup task reads.
    """

    def __init__(self, scope: Construct, id_: str, props: PostgresDatabaseProps) -> None:
        super().__init__(scope, id_, props.kms_key_arn)
        self._props = props
        parts = self._add_parts(props)
        self.replicated_password_secret: SecretsmanagerSecret | None = None
        credentials: dict[str, object]
        if props.replicated_password is None:
            credentials = {"manage_master_user_password": True, "master_user_secret_kms_key_id": props.kms_key_arn}
        else:
            credentials = {"password_wo": self._replicated_password(props),
                           "password_wo_version": props.replicated_password.version}

        self.instance = DbInstance(
            self, "instance",
            identifier=props.identifier,
            engine="postgres",
            engine_version=str(props.postgres_major_version),
            allow_major_version_upgrade=False,
            db_name=props.database_name,
            username=props.master_username,
            **credentials,
            multi_az=props.multi_az,
            backup_retention_period=props.backup_retention_days,
            backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            delete_automated_backups=False,
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot_identifier(props.identifier, props.kms_key_arn),
            **self._instance_settings(props, parts),
        )
        self._add_url_secret(identifier=props.identifier, user=props.application_user, host=self.instance.address,
                             database_name=props.database_name)

    def _replicated_password(self, props: PostgresDatabaseProps) -> str:
        """The secret with its replicas and its write-only value; returns the password expression for the instance."""
        replicated = props.replicated_password
        assert replicated is not None
        # A local is evaluated once per Terraform run: the database and the secret get the same value.
        password = TerraformLocal(self, "generated_password", Fn.uuid())
        credentials = TerraformLocal(self, "generated_credentials", Fn.jsonencode(
            {"username": props.master_username, "password": password.as_string}))
        self.replicated_password_secret = SecretsmanagerSecret(
            self, "password_secret", name=password_secret_name(props.identifier), kms_key_id=props.kms_key_arn,
            description=f"Master password of {props.identifier} (replicated for the standby region)",
            recovery_window_in_days=7,
            replica=[SecretsmanagerSecretReplica(region=replica.region, kms_key_id=replica.kms_key_id)
                     for replica in replicated.replicas],
        )
        SecretsmanagerSecretVersion(
            self, "password_secret_value", secret_id=self.replicated_password_secret.id,
            secret_string_wo=credentials.as_string, secret_string_wo_version=replicated.version,
        )
        return password.as_string

    def password_secret(self) -> ContainerSecret:
        if self.replicated_password_secret is not None:
            return ContainerSecret("PGPASSWORD", self.replicated_password_secret.arn, json_key="password")
        return ContainerSecret("PGPASSWORD", self.instance.master_user_secret.get(0).secret_arn, json_key="password")

    @property
    def login_resource_id(self) -> str:
        return self.instance.resource_id

    @property
    def address(self) -> str:
        """The instance's host name."""
        return self.instance.address

    @property
    def identifier(self) -> str:
        """The instance identifier (the CloudWatch metric dimension)."""
        return self.instance.identifier
