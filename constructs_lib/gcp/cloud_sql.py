"""Cloud SQL for PostgreSQL on a private IP only, with backups, point-in-time recovery and a write-only password."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, ITerraformDependable, TerraformLocal, TerraformResourceLifecycle
from cdktf_cdktf_provider_google.sql_database import SqlDatabase
from cdktf_cdktf_provider_google.sql_database_instance import (
    SqlDatabaseInstance,
    SqlDatabaseInstanceSettings,
    SqlDatabaseInstanceSettingsBackupConfiguration,
    SqlDatabaseInstanceSettingsBackupConfigurationBackupRetentionSettings,
    SqlDatabaseInstanceSettingsDatabaseFlags,
    SqlDatabaseInstanceSettingsInsightsConfig,
    SqlDatabaseInstanceSettingsIpConfiguration,
    SqlDatabaseInstanceSettingsMaintenanceWindow,
)
from cdktf_cdktf_provider_google.sql_user import SqlUser
from constructs import Construct

from ..cloud_limits import POSTGRES_MAJOR_VERSIONS
from ._props import REGION, REGION_RULE, RESOURCE_NAME, RESOURCE_NAME_RULE, require, require_match, require_range

_TIER = re.compile(r"db-[a-z0-9-]+")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_LOCATION = re.compile(r"[a-z]+(-[a-z]+[0-9])?")
POSTGRES_PORT = 5432
#: Where a client finds the instance's server CA certificate (``DATABASE_URL``'s ``sslrootcert``, ``PGSSLROOTCERT``).
SERVER_CA_PATH = "/etc/cloudsql/server-ca.pem"
#: ``DATABASE_AUTH`` of a client: the password is an OAuth 2.0 access token of its service account.
IAM_AUTHENTICATION = "gcp-cloudsql-iam"
#: The flag that lets IAM users log in (with an access token as the password).
IAM_AUTHENTICATION_FLAG = ("cloudsql.iam_authentication", "on")

#: Server logging every instance gets (CIS benchmark for Cloud SQL PostgreSQL): connections,
#: disconnections, checkpoints, lock waits, temporary files, errors with their statement, and every
#: schema change (DDL). Statement durations are not logged (-1): query insights measure them.
LOGGING_FLAGS: tuple[tuple[str, str], ...] = (
    ("log_checkpoints", "on"),
    ("log_connections", "on"),
    ("log_disconnections", "on"),
    ("log_lock_waits", "on"),
    ("log_min_messages", "warning"),
    ("log_min_error_statement", "error"),
    ("log_temp_files", "0"),
    ("log_min_duration_statement", "-1"),
    ("log_statement", "ddl"),
)


def iam_user_name(service_account_email: str) -> str:
    """A service account's Cloud SQL IAM user: its email without ``.gserviceaccount.com``."""
    if "${" in service_account_email:  # a reference: Terraform trims it
        return Fn.trimsuffix(service_account_email, ".gserviceaccount.com")
    return service_account_email.removesuffix(".gserviceaccount.com")


@dataclass(frozen=True)
class PostgresDatabaseProps:
    """Props of :class:`PostgresDatabase`.

    Attributes:
        instance_name: Instance name (1-63 lowercase letters, digits or hyphens; not reusable for a
            week after deletion).
        region: Region of the instance, e.g. ``us-central1``.
        network_id: ID of the VPC network whose private service access gives the instance its private IP.
        allocated_ip_range: Name of the reserved range in that network to take the IP from. Default
            ``None``: any range reserved for private service access.
        tier: Machine type, e.g. ``db-custom-2-7680`` (Enterprise edition).
        postgres_major_version: PostgreSQL major version. Default 16.
        database_name: Database created for the application. Default ``app``.
        user_name: The built-in user with a generated password: the administrator (Cloud SQL makes every
            built-in user a member of ``cloudsqlsuperuser``, with ``CREATEROLE`` and ``CREATEDB``), for the
            setup job only. The applications log in as IAM users (:meth:`PostgresDatabase.add_iam_user`).
            Default ``app``.
        high_availability: Regional instance with a standby in another zone and automatic failover.
            Default ``False``: zonal.
        disk_size_gb: Initial SSD size. Default 20.
        disk_autoresize_limit_gb: Upper bound of automatic disk growth; 0 means no bound. Default 0.
        backup_retention_days: Daily automated backups kept (1-365). Default 7.
        backup_start_time: UTC start of the daily backup window, ``HH:MM``. Default ``03:00``.
        point_in_time_recovery: Keep write-ahead logs for point-in-time recovery (for
            ``min(7, backup_retention_days)`` days). Default ``True``.
        backup_location: Where backups are stored: a region or multi-region outside the instance's region
            keeps them through the loss of that region (a restore there needs nothing from it). Default
            ``None``: Cloud SQL's choice, the multi-region of the instance's region.
        deletion_protection: Refuse deletion, both in Terraform and in the Cloud SQL API. Default ``True``.
        query_insights: Record query performance (plans, latency, without client addresses). Default ``True``.
        maintenance_day: Day of the weekly maintenance window, 1 (Monday) to 7 (Sunday). Default 7.
        maintenance_hour: UTC hour of the maintenance window, 0-23. Default 4.
        password_version: Raise it to rotate the built-in user's password: the next apply generates a new one and
            writes it to the user (and wherever :attr:`PostgresDatabase.password` is handed, in the same apply).
            Default 1.
        depends_on: Resources to create first: the sqladmin project service and the private service
            access connection (without it the instance cannot get a private IP).
    """

    instance_name: str
    region: str
    network_id: str
    tier: str
    allocated_ip_range: str | None = None
    postgres_major_version: int = 16
    database_name: str = "app"
    user_name: str = "app"
    high_availability: bool = False
    disk_size_gb: int = 20
    disk_autoresize_limit_gb: int = 0
    backup_retention_days: int = 7
    backup_start_time: str = "03:00"
    point_in_time_recovery: bool = True
    backup_location: str | None = None
    deletion_protection: bool = True
    query_insights: bool = True
    maintenance_day: int = 7
    maintenance_hour: int = 4
    password_version: int = 1
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "instance_name", RESOURCE_NAME_RULE)
        require_match(REGION, self, "region", REGION_RULE)
        check_database_settings(self)
        require_match(_TIME, self, "backup_start_time", "be a UTC time HH:MM")
        if self.backup_location is not None:
            require_match(_LOCATION, self, "backup_location", "be a Google Cloud region or multi-region such as us-east1 or us")
        require_range(self, "maintenance_day", 1, 7)
        require_range(self, "maintenance_hour", 0, 23)
        require_range(self, "password_version", 1, 1_000_000)


def check_database_settings(props: object, owner: str | None = None) -> None:
    """Checks ``tier``, ``postgres_major_version``, ``database_name``, ``user_name``, the disk sizes and
    ``backup_retention_days`` of ``props`` against Cloud SQL's rules."""
    require_match(_TIER, props, "tier", "be a Cloud SQL tier such as db-custom-2-7680", owner)
    require(getattr(props, "postgres_major_version") in POSTGRES_MAJOR_VERSIONS, props, "postgres_major_version",
            f"be one of {', '.join(map(str, POSTGRES_MAJOR_VERSIONS))}", owner)
    for attribute in ("database_name", "user_name"):
        require_match(_IDENTIFIER, props, attribute, "be a PostgreSQL identifier: lowercase letters, digits, '_'", owner)
    require(getattr(props, "user_name") not in ("postgres", "cloudsqladmin", "cloudsqlsuperuser"), props, "user_name",
            "not be a user Cloud SQL reserves", owner)
    require_range(props, "disk_size_gb", 10, 65536, "GB", owner)
    disk_size_gb, limit = getattr(props, "disk_size_gb"), getattr(props, "disk_autoresize_limit_gb")
    require(isinstance(limit, int) and (limit == 0 or limit >= disk_size_gb), props, "disk_autoresize_limit_gb",
            f"be 0 (no limit) or at least disk_size_gb ({disk_size_gb})", owner)
    require_range(props, "backup_retention_days", 1, 365, "days", owner)


class PostgresDatabase(Construct):
    """A Cloud SQL for PostgreSQL instance with one database, its administrator and IAM users.

    Private IP only (no public address, so no authorized networks); every connection must use TLS
    (``ssl_mode`` ``ENCRYPTED_ONLY``, no client certificate; clients verify the server with the instance's CA:
    ``sslmode=verify-ca``, see :attr:`connection_url`); IAM database authentication on (a service account
    logs in as its IAM user with an access token, :meth:`add_iam_user`);
    daily automated backups and point-in-time recovery; backups kept after the instance is deleted;
    server logging per :data:`LOGGING_FLAGS`; query insights; deletion protection in Terraform
    (``deletion_protection``) and in the API (``deletion_protection_enabled``) alike. The Enterprise
    edition is set explicitly: for PostgreSQL 16 and later Cloud SQL otherwise picks Enterprise Plus,
    which does not offer ``db-custom-*`` tiers.

    The user's password is generated during the apply that creates or rotates it (122 random bits, Terraform's
    ``uuid()``) and written as a write-only argument (``password_wo``): it is in neither the configuration, the
    plan nor the state; hand :attr:`password` in the same apply to a write-only secret
    (:class:`~constructs_lib.gcp.secrets.Secret` with ``write_only_version``). The database and the user are abandoned rather than
    dropped when they leave the configuration (dropping a user that owns objects fails, and dropping
    the database would lose data); deleting the instance removes both.
    """

    def __init__(self, scope: Construct, id_: str, props: PostgresDatabaseProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self.instance = SqlDatabaseInstance(
            self,
            "instance",
            # Cloud SQL grows the disk on its own; planning the configured size again would shrink it,
            # which the provider can only do by replacing the instance.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["settings[0].disk_size"]),
            name=props.instance_name,
            region=props.region,
            database_version=f"POSTGRES_{props.postgres_major_version}",
            deletion_protection=props.deletion_protection,
            settings=SqlDatabaseInstanceSettings(
                tier=props.tier,
                edition="ENTERPRISE",
                availability_type="REGIONAL" if props.high_availability else "ZONAL",
                disk_type="PD_SSD",
                disk_size=props.disk_size_gb,
                disk_autoresize=True,
                disk_autoresize_limit=props.disk_autoresize_limit_gb,
                deletion_protection_enabled=props.deletion_protection,
                retain_backups_on_delete=True,
                ip_configuration=self._private_ip(),
                backup_configuration=SqlDatabaseInstanceSettingsBackupConfiguration(
                    enabled=True,
                    location=props.backup_location,
                    start_time=props.backup_start_time,
                    point_in_time_recovery_enabled=props.point_in_time_recovery,
                    transaction_log_retention_days=min(7, props.backup_retention_days),
                    backup_retention_settings=SqlDatabaseInstanceSettingsBackupConfigurationBackupRetentionSettings(
                        retained_backups=props.backup_retention_days, retention_unit="COUNT"
                    ),
                ),
                insights_config=self._insights(),
                maintenance_window=self._maintenance_window(),
                database_flags=self._flags(),
            ),
            depends_on=list(props.depends_on) or None,
        )
        self.database = SqlDatabase(
            self, "database", name=props.database_name, instance=self.instance.name, deletion_policy="ABANDON"
        )
        # A local is evaluated once per Terraform run: the user and the secret get the same value.
        self.generated_password = TerraformLocal(self, "generated_password", Fn.uuid())
        self.user = SqlUser(
            self,
            "user",
            name=props.user_name,
            instance=self.instance.name,
            type="BUILT_IN",
            password_wo=self.generated_password.as_string,
            password_wo_version=props.password_version,
            deletion_policy="ABANDON",
        )

    def _insights(self) -> SqlDatabaseInstanceSettingsInsightsConfig:
        enabled = self._props.query_insights
        return SqlDatabaseInstanceSettingsInsightsConfig(query_insights_enabled=enabled, query_string_length=1024,
                                                         record_application_tags=enabled, record_client_address=False)

    def _private_ip(self) -> SqlDatabaseInstanceSettingsIpConfiguration:
        """A private IP only, from the reserved range of the network; connections must use TLS."""
        props = self._props
        return SqlDatabaseInstanceSettingsIpConfiguration(ipv4_enabled=False, private_network=props.network_id,
                                                          allocated_ip_range=props.allocated_ip_range,
                                                          ssl_mode="ENCRYPTED_ONLY")

    def _maintenance_window(self) -> SqlDatabaseInstanceSettingsMaintenanceWindow:
        props = self._props
        return SqlDatabaseInstanceSettingsMaintenanceWindow(day=props.maintenance_day, hour=props.maintenance_hour,
                                                           update_track="stable")

    @staticmethod
    def _flags() -> list[SqlDatabaseInstanceSettingsDatabaseFlags]:
        return [SqlDatabaseInstanceSettingsDatabaseFlags(name=name, value=value)
                for name, value in (*LOGGING_FLAGS, IAM_AUTHENTICATION_FLAG)]

    def add_iam_user(self, id_: str, service_account_email: str) -> SqlUser:
        """The IAM user of a service account: it logs in as ``<account>@<project>.iam`` with an access token (it
        needs ``roles/cloudsql.instanceUser`` too). Cloud SQL gives it no privilege: the setup job grants the
        application's (:mod:`constructs_lib.database_roles`)."""
        return SqlUser(self, id_, name=iam_user_name(service_account_email), instance=self.instance.name,
                       type="CLOUD_IAM_SERVICE_ACCOUNT", deletion_policy="ABANDON")

    def add_cross_region_replica(self, id_: str, *, instance_name: str, region: str) -> SqlDatabaseInstance:
        """A read replica of this instance in another region, ready to promote (``gcloud sql instances promote-replica``).

        Same tier, disk, logging flags, private IP in the same network and range (a VPC is global), TLS only,
        deletion protection; one zone (a replica takes no backups and has no standby of its own: promoting it
        is the moment to turn both on). No maintenance window: Cloud SQL refuses one on a replica (it follows
        its primary's), and the provider would show it as a change on every plan (terraform-provider-google#7609).
        It is created after the primary's database and user: while a cross-region replica is being created, the
        primary refuses other operations (terraform-google-sql-db#264). Cloud SQL replicates asynchronously: what a
        promotion loses is the replication lag.
        """
        props = self._props
        if not RESOURCE_NAME.fullmatch(instance_name) or region == props.region or not REGION.fullmatch(region):
            raise ValueError(f"PostgresDatabase.add_cross_region_replica: instance_name {instance_name!r} must be a "
                             f"resource name and region {region!r} another region than {props.region!r}")
        return SqlDatabaseInstance(
            self,
            id_,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["settings[0].disk_size"]),
            name=instance_name,
            region=region,
            database_version=f"POSTGRES_{props.postgres_major_version}",
            master_instance_name=self.instance.name,
            deletion_protection=props.deletion_protection,
            settings=SqlDatabaseInstanceSettings(
                tier=props.tier,
                edition="ENTERPRISE",
                availability_type="ZONAL",
                disk_type="PD_SSD",
                disk_size=props.disk_size_gb,
                disk_autoresize=True,
                disk_autoresize_limit=props.disk_autoresize_limit_gb,
                deletion_protection_enabled=props.deletion_protection,
                ip_configuration=self._private_ip(),
                insights_config=self._insights(),
                database_flags=self._flags(),
            ),
            depends_on=[self.database, self.user],
        )

    @property
    def instance_name(self) -> str:
        """The instance name."""
        return self._props.instance_name

    @property
    def private_ip_address(self) -> str:
        """The instance's private IP address."""
        return self.instance.private_ip_address

    @property
    def password(self) -> str:
        """The built-in user's password, known during the apply that writes it only: hand it to a write-only
        argument (a :class:`~constructs_lib.gcp.secrets.Secret` with ``write_only_version``), nothing else."""
        return self.generated_password.as_string

    @property
    def server_ca_certificate(self) -> str:
        """The PEM of the CA that signed the instance's server certificate (each instance has its own)."""
        return self.instance.server_ca_cert.get(0).cert

    @property
    def connection_url(self) -> str:
        """``postgresql://<private ip>:5432/<database>?sslmode=verify-ca&sslrootcert=<SERVER_CA_PATH>``: no user,
        no password. Each client sets ``PGUSER`` to its IAM user and sends its access token as the password.

        ``verify-ca``, not ``verify-full``: the server certificate names the instance (``<project>:<instance>``),
        not the private IP the client connects to; its CA is the instance's own, so only this instance holds a
        certificate it signed.
        """
        return (f"postgresql://{self.private_ip_address}:{POSTGRES_PORT}/{self._props.database_name}"
                f"?sslmode=verify-ca&sslrootcert={SERVER_CA_PATH}")

    @property
    def dependables(self) -> list[ITerraformDependable]:
        """The database and the user: what a client needs before it starts."""
        return [self.database, self.user]
