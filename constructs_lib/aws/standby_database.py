"""The standby region's side of an RDS PostgreSQL database: replicated backups, and a read replica ready to promote."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_instance_automated_backups_replication import DbInstanceAutomatedBackupsReplication
from constructs import Construct

from ..cloud_limits import AWS_ACCOUNT_PATTERN, AWS_REGION_PATTERN
from .database import DatabaseClientAccess, check_application_user, check_instance_props, password_secret_name
from .fargate_service import ContainerSecret

#: Host of ``DATABASE_URL`` until a pilot-light restore gives the standby a database (``.invalid`` never resolves).
PENDING_RESTORE_DOMAIN = "pending-restore.invalid"


def database_arn(*, region: str, account_id: str, identifier: str, partition: str = "aws") -> str:
    """The ARN of the RDS instance ``identifier``: known before it exists, so another stack can name it."""
    return f"arn:{partition}:rds:{region}:{account_id}:db:{identifier}"


@dataclass(frozen=True)
class StandbyDatabaseProps:
    """Props of :class:`StandbyDatabase`.

    Attributes:
        identifier: The standby's instance identifier (the read replica, or what a restore creates), e.g.
            ``duckdb-analytics-prod-standby``.
        source_identifier: The primary instance in ``source_region``.
        source_region: The primary's region.
        region: The standby's region (this stack's provider region).
        account_id: The account of both (the primary's ARN and the replicated password secret are named from it).
        vpc_id: The standby's VPC.
        subnet_ids: Its isolated subnets, two zones or more.
        kms_key_arn: A key in the standby region: replicated backups, the replica's storage, Performance
            Insights, logs and the ``DATABASE_URL`` secret.
        postgres_major_version: The primary's major version (the parameter group's family).
        instance_class: The read replica's class.
        allocated_storage_gb: The read replica's storage (at least the primary's).
        max_allocated_storage_gb: Its storage autoscaling ceiling.
        backup_retention_days: Days the replicated automated backups reach back (point-in-time restore), 1-35.
        read_replica: A cross-region read replica, ready to promote (warm). ``False`` (pilot light): the
            replicated backups only; a restore creates ``identifier`` when the primary region is lost, and the
            ``DATABASE_URL`` secret then gets its endpoint (the value Terraform writes first names a host that
            does not resolve, and later values are left alone).
        database_name: The application's database on the primary.
        master_username: The primary's master user.
        application_user: The role the clients log in as (the primary's setup task created it). Default ``app``.
        deletion_protection: The read replica refuses deletion. Default ``True``.
        log_retention_days: Days the replica's exported logs are kept. Default 30.
        permissions_boundary_arn: IAM policy set as the permissions boundary of the enhanced-monitoring role.
            Default ``None``.
        role_path: IAM path of the enhanced-monitoring role, e.g. ``/duckdb-analytics-prod/`` (a deploy identity may manage the roles
            under its path only). Default ``None``: the root path.
    """

    identifier: str
    source_identifier: str
    source_region: str
    region: str
    account_id: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    kms_key_arn: str
    postgres_major_version: int
    instance_class: str
    allocated_storage_gb: int
    max_allocated_storage_gb: int
    backup_retention_days: int
    read_replica: bool
    database_name: str
    master_username: str
    application_user: str = "app"
    deletion_protection: bool = True
    log_retention_days: int = 30
    permissions_boundary_arn: str | None = None
    role_path: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "subnet_ids", tuple(self.subnet_ids))
        check_instance_props(self, identifiers=("identifier", "source_identifier"))
        check_application_user(self)
        for name in ("source_region", "region"):
            if not AWS_REGION_PATTERN.fullmatch(getattr(self, name)):
                raise ValueError(f"StandbyDatabaseProps.{name} {getattr(self, name)!r}: must be an AWS region")
        if self.region == self.source_region:
            raise ValueError(f"StandbyDatabaseProps.region {self.region!r}: must differ from source_region")
        if not AWS_ACCOUNT_PATTERN.fullmatch(self.account_id):
            raise ValueError(f"StandbyDatabaseProps.account_id {self.account_id!r}: must be a 12-digit AWS account ID")

    @property
    def source_arn(self) -> str:
        """The primary instance's ARN."""
        return database_arn(region=self.source_region, account_id=self.account_id, identifier=self.source_identifier)


class StandbyDatabase(DatabaseClientAccess):
    """The standby region's database for clients that must keep working when the primary's region is lost.

    - The primary's automated backups replicated to this region (``aws_db_instance_automated_backups_replication``,
      created here, in the destination region, and encrypted with this region's key): point-in-time restore
      here for ``backup_retention_days``, whatever happens to the primary's region.
    - With ``read_replica``: a cross-region read replica of the primary, encrypted with this region's key, in
      isolated subnets behind its own security group, ready to be promoted (``aws rds promote-read-replica``).
      Terraform ignores ``replicate_source_db`` after creation, so an apply after a promotion never tries to
      make it a replica again.
    - Without: the security group, subnet group and parameter group a restore uses, so the restored instance
      admits the same clients as the replica would.
    - Clients get ``DATABASE_URL`` from a secret in this region (the application user, whose role the replica
      copies from the primary) and sign their IAM tokens here: nothing a client needs lives in the primary's
      region. The master password is this region's replica of the primary's password secret
      (:class:`~constructs_lib.aws.database.ReplicatedPassword`, named by its partial ARN), for the operator.
    """

    def __init__(self, scope: Construct, id_: str, props: StandbyDatabaseProps) -> None:
        super().__init__(scope, id_, props.kms_key_arn)
        self._props = props
        parts = self._add_parts(props)
        self.subnet_group_name = parts.subnet_group.name
        self.parameter_group_name = parts.parameters.name
        self.backups_replication = DbInstanceAutomatedBackupsReplication(
            self, "backups_replication", source_db_instance_arn=props.source_arn, kms_key_id=props.kms_key_arn,
            retention_period=props.backup_retention_days,
        )
        self.replica: DbInstance | None = None
        host = f"{props.identifier}.{PENDING_RESTORE_DOMAIN}"
        if props.read_replica:
            self.replica = DbInstance(
                self, "replica",
                identifier=props.identifier,
                replicate_source_db=props.source_arn,
                engine="postgres",
                multi_az=False,
                # A read replica has no final snapshot; the replicated backups and the primary's are the copies.
                skip_final_snapshot=True,
                lifecycle=TerraformResourceLifecycle(ignore_changes=["replicate_source_db"]),
                **self._instance_settings(props, parts),
            )
            host = self.replica.address
        self._add_url_secret(identifier=props.identifier, user=props.application_user, host=host,
                             database_name=props.database_name, value_set_outside=not props.read_replica)

    def password_secret(self) -> ContainerSecret:
        props = self._props
        return ContainerSecret.partial(
            "PGPASSWORD", region=props.region, account_id=props.account_id,
            secret_name=password_secret_name(props.source_identifier), json_key="password",
        )

    @property
    def login_resource_id(self) -> str:
        # Pilot light: the restored instance's ID is not known before the failover.
        return self.replica.resource_id if self.replica is not None else "*"

    @property
    def identifier(self) -> str:
        """The standby instance's identifier: the read replica's (a reference), or the one a restore creates."""
        return self.replica.identifier if self.replica is not None else self._props.identifier

    @property
    def source_arn(self) -> str:
        """The primary instance's ARN."""
        return self._props.source_arn
