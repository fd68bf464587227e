"""Disaster recovery of a WebPlatform across two regions of one account: what the primary and the standby build.

The same :class:`DisasterRecoverySpec` goes to two platforms, one per stack: the platform whose region is
``primary_region`` replicates (images, data, the database's backups and password) and owns the primary DNS
record, its health check and the secondary record; the one in ``standby_region`` is the standby that receives
them and names its load balancer by a record of its own, which the secondary record aliases. Every cross-region reference is a name both sides derive from the identity, account and
spec (bucket, key alias, secret, database ARN), so neither stack reads the other's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordAlias,
    Route53RecordFailoverRoutingPolicy,
)
from constructs import Construct

from ...props import PropError, Shown, checked, message, prop, require
from ...naming import PlatformIdentity
from ...cloud_limits import AWS_REGION_PATTERN, ROUTE53_METRICS_REGION
from .._bucket import BUCKET_NAME_PATTERN
from ..bucket_replication import BucketReplication, BucketReplicationProps
from ..data_bucket import DataBucket
from ..database import ReplicatedPassword, SecretReplica
from ..dns_failover import HealthCheckAlarm, HealthCheckAlarmProps
from ..load_balancer import HEALTH_PATH, HEALTH_PATH_RULE, DnsFailover, PublicLoadBalancer
from ..registry_replication import RegistryReplication, RegistryReplicationProps
from ._platform_key import key_description
from .specs import ServiceSpec

PILOT_LIGHT = "pilot_light"
WARM = "warm"
DR_MODES = (PILOT_LIGHT, WARM)
PRIMARY, STANDBY = "primary", "standby"


@checked
class DisasterRecoverySpec:
    """Active-passive disaster recovery of a platform: a primary region and a standby region of one account.

    Give the same spec to the platform in each region (two stacks). The primary then

    - replicates the images of its repositories (ECR registry replication, repositories named
      ``<prefix>/...``) and every version of its data bucket (S3 replication, SSE-KMS replicas encrypted with
      the standby region's key; with ``replication_time_control``, 99.99 % within 15 minutes);
    - keeps its database's master password in a secret replicated to the standby region (instead of the
      RDS-managed secret, which lives in one region);
    - turns its site record into the ``PRIMARY`` of a Route 53 failover pair, decided by an HTTPS health check
      of its load balancer at ``health_check_path``, with an alarm when the check fails (Route 53 publishes
      health-check metrics in us-east-1 only, so the primary must be there), and adds the ``SECONDARY``
      record after it: an alias of the standby's own record ``standby.<domain>`` in the same zone. Both
      failover records are in one stack because Route 53 refuses a failover record beside a simple record of
      the same name: one apply replaces the simple record by the pair, in that order.

    The standby has its own network, load balancer with WAF and certificate, services (at the capacity its
    service specs say: scale them up on failover), the image repositories the replication fills, the replica
    data bucket as its data bucket (versioned, encrypted with its key), the record ``standby.<domain>`` of its
    load balancer (what the primary's ``SECONDARY`` record aliases), and for the
    database: the primary's automated backups replicated to its region, plus in ``warm`` mode a read replica
    ready to promote. Apply the standby first: the primary's replication names its bucket and key.

    Attributes:
        primary_region: The primary platform's region; must be us-east-1 (see above).
        standby_region: The standby's region, another one.
        mode: ``pilot_light`` (restore the database from the replicated backups on failover) or ``warm``
            (promote the read replica). Default ``pilot_light``.
        health_check_path: What the Route 53 health check requests on the primary. Default ``/``.
        replication_time_control: S3 Replication Time Control on the data bucket's replication. Default ``True``.
    """

    primary_region: str = prop(pattern=AWS_REGION_PATTERN, rule="be an AWS region such as us-east-1")
    standby_region: str = prop(pattern=AWS_REGION_PATTERN, rule="be an AWS region such as us-west-2")
    mode: str = prop(PILOT_LIGHT, choices=DR_MODES)
    health_check_path: str = prop("/", pattern=HEALTH_PATH, rule=HEALTH_PATH_RULE)
    replication_time_control: bool = True

    def __post_init__(self) -> None:
        require(self.standby_region != self.primary_region, self, "standby_region",
                "differ from primary_region, or both fail together")
        require(self.primary_region == ROUTE53_METRICS_REGION, self, "primary_region",
                f"be {ROUTE53_METRICS_REGION}: the Route 53 health check's metrics are published there only")

    @property
    def warm(self) -> bool:
        """True when the standby keeps a read replica ready to promote."""
        return self.mode == WARM

    def role(self, region: str, owner: str) -> str:
        """``primary`` or ``standby`` for a platform in ``region``; a ValueError names ``owner`` otherwise."""
        if region == self.primary_region:
            return PRIMARY
        if region == self.standby_region:
            return STANDBY
        raise PropError(message(f"{owner}.disaster_recovery", None, f"name the platform's region as primary_region "
                                f"{self.primary_region!r} or standby_region {self.standby_region!r}", region))

    @staticmethod
    def standby_key_alias(identity: PlatformIdentity) -> str:
        """The alias (without ``alias/``) of the standby's KMS key, which the primary's replicas are encrypted with."""
        return identity.name("standby")

    @staticmethod
    def standby_database_identifier(identity: PlatformIdentity) -> str:
        """The standby's database: the read replica, or what the pilot-light restore creates."""
        return identity.name("standby")

    def replica_bucket_name(self, identity: PlatformIdentity, account_id: str) -> str:
        """The standby's data bucket, destination of the primary's replication: ``<prefix>-data-<account>-<region>``."""
        name = f"{identity.name('data')}-{account_id}-{self.standby_region}"
        if not BUCKET_NAME_PATTERN.fullmatch(name):
            raise PropError(message("DisasterRecoverySpec", None, "needs a replica bucket name of at most 63 characters: "
                                    "shorten the project or environment", name))
        return name

    def replicated_password(self, identity: PlatformIdentity) -> ReplicatedPassword:
        """The primary database's password secret, replicated to the standby region under the standby's key."""
        return ReplicatedPassword(replicas=(
            SecretReplica(self.standby_region, f"alias/{self.standby_key_alias(identity)}"),
        ))

    def check_images(self, services: Sequence[ServiceSpec], *, identity: PlatformIdentity, account_id: str,
                     region: str, owner: str) -> None:
        """Every service's image can be pulled in the standby region without the primary region.

        The primary's registry replication copies the repositories ``<prefix>/...`` of its account and region:
        an ECR image of the primary elsewhere in them would have no copy. A standby pulling from the primary
        region would stop with it.
        """
        role = self.role(region, owner)
        for spec in services:
            location = spec.image.ecr_location
            if location is None:
                continue
            image_account, image_region, repository = location
            shown = Shown(f"{repository} in {image_region}")
            require(role != STANDBY or image_region != self.primary_region, spec, "image",
                    f"not be in the primary region, which a failover does without: use {self.standby_region}'s copy",
                    value=shown)
            require(role != PRIMARY or (image_account, image_region) != (account_id, region)
                    or repository.startswith(self.image_prefix(identity)), spec, "image",
                    f"be in a repository {self.image_prefix(identity)}... (only those replicate to the standby)",
                    value=shown)

    @staticmethod
    def image_prefix(identity: PlatformIdentity) -> str:
        """What the names of the replicated repositories start with: ``<prefix>/``."""
        return f"{identity.prefix}/"

    @classmethod
    def replicates_images(cls, services: Sequence[ServiceSpec], *, identity: PlatformIdentity, account_id: str,
                          region: str) -> bool:
        """Whether a service pulls from a repository the primary's registry replication copies."""
        return any(spec.image.needs_platform_repository or (
            (location := spec.image.ecr_location) is not None and location[:2] == (account_id, region)
            and location[2].startswith(cls.image_prefix(identity))) for spec in services)

    def dns_failover(self, role: str) -> DnsFailover | None:
        """The failover role of the site record of the platform with ``role`` (the standby's is a simple record)."""
        if role == PRIMARY:
            return DnsFailover("PRIMARY", health_check_path=self.health_check_path)
        return None

    @staticmethod
    def standby_record_name(domain: str) -> str:
        """The standby load balancer's own record, ``standby.<domain>``: what the ``SECONDARY`` record aliases."""
        return f"standby.{domain}"


@dataclass(frozen=True)
class DatabaseSource:
    """Where a standby's database comes from.

    Attributes:
        identifier: The primary's instance.
        region: The primary's region.
        read_replica: A cross-region read replica, ready to promote (warm); ``False``: the replicated backups
            only (pilot light).
    """

    identifier: str
    region: str
    read_replica: bool


@dataclass(frozen=True)
class SitePlan:
    """What a :class:`~.web_platform.WebPlatform` builds differently as a primary, a standby or alone, decided once.

    Everything else a platform builds is the same in each region.

    Attributes:
        role: ``primary``, ``standby``, or ``None`` for a platform in one region.
        name: The name of its key alias, database and dashboard: ``<prefix>``, on a standby ``<prefix>-standby``
            (what the primary's replication and the runbook name the standby's by).
        key_description: The description of its KMS key.
        data_bucket_name: The data bucket's fixed name: on a standby the destination of the primary's replication.
            ``None``: a name prefix.
        adopts_repositories: The image repositories may exist before the platform (on a standby, the registry's
            replication creates them) and are adopted with their encryption.
        dns_failover: The failover role of the site's record: the primary's ``PRIMARY`` record and health check.
        record_name: The name of the site's record when it is not the domain: the standby's ``standby.<domain>``.
        owns_validation_records: Whether its certificate's validation records are created here (not on a standby:
            the primary's stack owns those the certificates of both regions share).
        replicated_password: On a primary, its database's password replicated to the standby region.
        database_source: On a standby, the primary's database its own is replicated or restored from.
        failover_pair: On a primary, the spec it replicates to and pairs its failover records and alarm with.
    """

    role: str | None
    name: str
    key_description: str
    data_bucket_name: str | None = None
    adopts_repositories: bool = False
    dns_failover: DnsFailover | None = None
    record_name: str | None = None
    owns_validation_records: bool = True
    replicated_password: ReplicatedPassword | None = None
    database_source: DatabaseSource | None = None
    failover_pair: DisasterRecoverySpec | None = None


def site_plan(spec: DisasterRecoverySpec | None, *, identity: PlatformIdentity, account_id: str, region: str,
              domain: str | None, data_bucket: bool) -> SitePlan:
    """The plan of a platform in ``region``: alone without ``spec``, else its primary or its standby.

    ``domain`` is the site's (``None`` without HTTPS); ``data_bucket``: whether the platform has one.
    """
    description = key_description(identity)
    if spec is None:
        return SitePlan(role=None, name=identity.prefix, key_description=description)
    if spec.role(region, "WebPlatformProps") == PRIMARY:
        return SitePlan(role=PRIMARY, name=identity.prefix, key_description=description,
                        dns_failover=spec.dns_failover(PRIMARY), replicated_password=spec.replicated_password(identity),
                        failover_pair=spec)
    return SitePlan(
        role=STANDBY, name=identity.name(STANDBY), key_description=f"{description} (standby in {region})",
        data_bucket_name=spec.replica_bucket_name(identity, account_id) if data_bucket else None,
        adopts_repositories=True,
        record_name=spec.standby_record_name(domain) if domain is not None else None,
        owns_validation_records=False,
        database_source=DatabaseSource(identity.prefix, spec.primary_region, read_replica=spec.warm),
    )


def add_primary_replication(scope: Construct, spec: DisasterRecoverySpec, *, identity: PlatformIdentity,
                            account_id: str, replicated_repositories: bool, data_bucket: DataBucket | None,
                            data_key_arn: str, permissions_boundary_arn: str | None, role_path: str | None) -> None:
    """What the primary sends to the standby region: images (``image_replication``) and the data bucket's versions.

    Without ``role_path`` (no ``DeployedBy``) the platform replicates the registry itself; with one, the
    registry's replication configuration (the account's, in the primary region) is the bootstrap's
    (``DeliveryFoundation`` with a ``standby_region``), which an administrator applies.
    """
    if replicated_repositories and role_path is None:
        RegistryReplication(scope, "image_replication", RegistryReplicationProps(
            account_id=account_id, destination_regions=(spec.standby_region,),
            repository_prefix=spec.image_prefix(identity),
        ))
    if data_bucket is not None:
        BucketReplication(scope, "data_replication", BucketReplicationProps(
            name=identity.name("data"), account_id=account_id,
            source_bucket=data_bucket.bucket.id, source_bucket_arn=data_bucket.arn, source_region=spec.primary_region,
            source_kms_key_arn=data_key_arn,
            destination_bucket=spec.replica_bucket_name(identity, account_id), destination_region=spec.standby_region,
            destination_kms_key_alias=spec.standby_key_alias(identity),
            replication_time_control=spec.replication_time_control,
            dependencies=(data_bucket.versioning,), permissions_boundary_arn=permissions_boundary_arn,
            role_path=role_path,
        ))


def add_secondary_record(scope: Construct, *, domain: str, hosted_zone_id: str,
                         load_balancer: PublicLoadBalancer) -> Route53Record:
    """The ``SECONDARY`` record (``secondary_record``) of the primary's site name: an alias of the standby's record.

    It depends on the primary's ``PRIMARY`` record, so that an apply turning a simple site record into the pair
    deletes the simple record before creating either failover record (Route 53 refuses them side by side).
    """
    primary = load_balancer.alias_record
    assert primary is not None, "the primary's load balancer has the PRIMARY record"
    return Route53Record(
        scope, "secondary_record", zone_id=hosted_zone_id, name=domain, type="A",
        alias=Route53RecordAlias(name=DisasterRecoverySpec.standby_record_name(domain), zone_id=hosted_zone_id,
                                 evaluate_target_health=True),
        set_identifier="secondary", failover_routing_policy=Route53RecordFailoverRoutingPolicy(type="SECONDARY"),
        depends_on=[primary],
    )


def add_failover_alarm(scope: Construct, *, identity: PlatformIdentity, region: str, load_balancer: PublicLoadBalancer,
                       topic_arn: str) -> None:
    """The alarm (``failover_alarm``) on the primary's health check, notifying the platform's topic."""
    health_check = load_balancer.health_check
    assert health_check is not None, "the primary's load balancer has the failover health check"
    HealthCheckAlarm(scope, "failover_alarm", HealthCheckAlarmProps(
        name=f"{identity.prefix}-primary-health", health_check_id=health_check.id, region=region, topic_arn=topic_arn,
        description=f"The Route 53 health check of {identity.prefix}'s load balancer fails: DNS answers with the "
                    "standby's record; fail the database over (promote or restore it in the standby region)",
    ))
