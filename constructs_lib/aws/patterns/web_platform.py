"""WebPlatform: any number of container services on AWS behind one load balancer, with their data and alerts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, replace

from constructs import Construct

from ...naming import PlatformIdentity
from ...props import Shown, checked, label_of, prop, require
from ...cloud_limits import AWS_ACCOUNT_PATTERN, AWS_REGION_PATTERN, LOG_RETENTION_DAYS
from ...shared_specs import Alerting, DataAccess, DataBucketName, InternalServiceUrl, ServiceUrl, check_internal_url
from ...shared_specs import internally_called, route_base
from ..alarms import DatabaseAlarms, DatabaseAlarmsProps, LoadBalancerAlarms
from ...budget_spec import BudgetSpec
from ..budget import MonthlyBudget, MonthlyBudgetProps
from ..container_repository import ContainerRepository
from ..dashboard import PlatformDashboard, PlatformDashboardProps
from ..data_bucket import DataBucket, DataBucketProps, WorkloadNetwork
from ...database_roles import ApplicationRole
from ..database import DatabaseClientAccess, PostgresDatabase, PostgresDatabaseProps
from ..database_setup import DatabaseSetupTask, DatabaseSetupTaskProps
from ..ecs_cluster import EcsCluster
from ..fargate_service import CapacitySplit, FargateService, role_name_prefix
from ..load_balancer import PublicLoadBalancer, distinct_target_groups
from ..log_bucket import LogBucket, LogBucketProps
from ..network import Network
from ..encryption_key import EncryptionKey
from ..service_discovery import ServiceNamespace, ServiceNamespaceProps
from ..standby_database import StandbyDatabase, StandbyDatabaseProps
from ..web_acl import WebAcl
from .foundation import DeployedBy
from ._permissions import boundary_cuts
from .disaster_recovery import (
    DisasterRecoverySpec,
    add_failover_alarm,
    add_primary_replication,
    add_secondary_record,
    site_plan,
)
from ._services import ServiceContext, ServicePattern, connect_internal_calls, platform_repository, target_spec
from .specs import DatabaseSpec, DataBucketSpec, LoadBalancerSpec, NetworkSpec, ReleaseSpec, ServiceSpec


@checked
class WebPlatformProps:
    """Props of :class:`WebPlatform`.

    Attributes:
        identity: Project and environment: every name starts with ``<project>-<environment>``.
        account_id: The AWS account (key policy, role trust conditions, log delivery).
        region: The region of the stack's AWS provider.
        network: The VPC to create.
        services: The services, any number; names are unique.
        load_balancer: The internet-facing entry for the services with a port. ``None``: no load
            balancer (then no service may have a port).
        data_bucket: The data bucket. Default :class:`DataBucketSpec` defaults; ``None``: no bucket.
        database: A PostgreSQL database. Default ``None``.
        alerting: Who is alerted and when. Default: thresholds 5 % and 2 s, no subscriber.
        log_retention_days: Days every log (containers, flow logs, WAF, database, access logs) is
            kept; a value CloudWatch Logs accepts. Default 30.
        deletion_protection: The load balancer and the database refuse deletion. Default ``True``.
        release: How new releases of the services behind the load balancer reach users (rolling,
            blue/green, canary, linear; test listener; rollback alarms). Default rolling.
        capacity: On-demand and Spot shares of every service's tasks. Default ``None``: on-demand only.
        budget: A monthly cost budget of the project's tagged resources, alerting the platform's topic
            at each threshold. Default ``None``.
        disaster_recovery: Active-passive disaster recovery across two regions: give the same spec to the
            platform in its ``primary_region`` and to the one in its ``standby_region`` (another stack); see
            :class:`DisasterRecoverySpec` for what each builds. Both need HTTPS with a hosted zone (the failover
            records). Default ``None``: one region.
        deployed_by: The pipeline identity that applies the platform (``DeliveryFoundation.deployed_by``): the
            platform's keys name its role in their key policies, and every role the platform creates (tasks, flow
            logs, database monitoring, traffic shifting, replication) carries its permissions boundary under its
            IAM path. Default ``None``: roles at the root path without a boundary, keys managed through IAM.
    """

    identity: PlatformIdentity
    account_id: str = prop(pattern=AWS_ACCOUNT_PATTERN, rule="be a 12-digit AWS account ID")
    region: str = prop(pattern=AWS_REGION_PATTERN, rule="be an AWS region such as us-east-1")
    network: NetworkSpec
    services: tuple[ServiceSpec, ...]
    load_balancer: LoadBalancerSpec | None
    data_bucket: DataBucketSpec | None = field(default_factory=DataBucketSpec)
    database: DatabaseSpec | None = None
    alerting: Alerting = field(default_factory=Alerting)
    log_retention_days: int = prop(30, choices=LOG_RETENTION_DAYS)
    deletion_protection: bool = True
    release: ReleaseSpec = field(default_factory=ReleaseSpec)
    capacity: CapacitySplit | None = None
    budget: BudgetSpec | None = None
    disaster_recovery: DisasterRecoverySpec | None = None
    deployed_by: DeployedBy | None = None

    def __post_init__(self) -> None:
        if self.disaster_recovery is not None:
            self.disaster_recovery.check_images(self.services, identity=self.identity, account_id=self.account_id,
                                                region=self.region, owner="WebPlatformProps")
            https = self.load_balancer.https if self.load_balancer is not None else None
            require(https is not None and https.hosted_zone_id is not None, self, "disaster_recovery",
                    "go with load_balancer.https and a hosted_zone_id (the failover records live in that zone)",
                    value=Shown("DisasterRecoverySpec(...)"))
        check_release(self.release, self.services, has_load_balancer=self.load_balancer is not None, owner=self)
        check_services(self)
        check_permissions(self)

    @property
    def permissions_boundary_arn(self) -> str | None:
        """The permissions boundary of every role the platform creates (``deployed_by``), or ``None``."""
        return self.deployed_by.permissions_boundary_arn if self.deployed_by is not None else None

    @property
    def role_path(self) -> str | None:
        """The IAM path of every role the platform creates (``deployed_by``), or ``None`` for the root path."""
        return self.deployed_by.role_path if self.deployed_by is not None else None

    @property
    def execute_command(self) -> bool:
        """True when a service allows ECS Exec: the cluster logs sessions, the VPC has the endpoints it needs."""
        return any(spec.execute_command for spec in self.services)


def check_release(release: ReleaseSpec, services: tuple[ServiceSpec, ...], *, has_load_balancer: bool,
                  owner: object) -> None:
    """Traffic-shifting releases (and the transitions) need a load balancer and scale on what both target groups share."""
    if not release.uses_alternate_target_group:
        return
    what = Shown(release.deployment.transition or release.deployment.strategy)
    require(has_load_balancer, owner, "release", "shift traffic only through a load balancer (there is none)", value=what)
    for spec in services:
        require(spec.port is None or spec.scaling.requests_per_target is None, spec, "scaling",
                f"not scale on requests_per_target: release {what} moves traffic between two target groups",
                value=Shown(f"requests_per_target={spec.scaling.requests_per_target}"))


def check_services(props: WebPlatformProps) -> None:
    """The rules between services and the rest of a pattern, each failing with the prop it is about."""
    services = props.services
    names = [spec.name for spec in services]
    require(bool(names) and len(set(names)) == len(names), props, "services",
            "name one or more services, each name once", value=names)
    served = sorted(spec.name for spec in services if spec.port is not None)
    require(not served or props.load_balancer is not None, props, "load_balancer",
            f"be given: services {served} have a port")
    defaults = [spec.name for spec in services if spec.is_default_route]
    require(len(defaults) <= 1, props, "services", "have at most one service without routes (the default)",
            value=defaults)
    require(distinct_target_groups(served), props, "services",
            "have served services whose names differ in their first five letters", value=served)
    for spec in services:
        for variable, value in spec.environment.items():
            shown = Shown(f"{variable}={value!r}")
            if isinstance(value, (ServiceUrl, InternalServiceUrl)):
                require(value.service in served, spec, "environment", f"name services with a port ({served})", value=shown)
                check_internal_url(spec, variable, value)
            require(not isinstance(value, DataBucketName) or props.data_bucket is not None, spec, "environment",
                    "not use DATA_BUCKET_NAME without WebPlatformProps.data_bucket", value=shown)
        require(spec.data_access is DataAccess.NONE or props.data_bucket is not None, spec, "data_access",
                "be DataAccess.NONE without WebPlatformProps.data_bucket")
        require(not spec.database_access or props.database is not None, spec, "database_access",
                "be False without WebPlatformProps.database")


def check_permissions(props: WebPlatformProps) -> None:
    """With ``deployed_by``, every statement of :attr:`ServiceSpec.permissions` must stay inside the workload
    permissions boundary: IAM would cut what lies outside it without a word, so it is an error here."""
    if props.deployed_by is None:
        return
    dr = props.disaster_recovery
    for spec in props.services:
        for statement in spec.permissions:
            cut = boundary_cuts(statement, identity=props.identity, account_id=props.account_id,
                                region=dr.primary_region if dr is not None else props.region,
                                standby_region=dr.standby_region if dr is not None else None,
                                workload_permissions=props.deployed_by.workload_permissions)
            require(not cut, spec, "permissions", f"stay inside the workload permissions boundary: {cut} is outside it",
                    value=Shown(label_of(statement)))


def _target_groups(load_balancer: PublicLoadBalancer) -> dict[str, str]:
    """Every target group by a label: each service's, and its alternate one (ECS serves from either)."""
    groups = {name: load_balancer.target_group(name).arn_suffix for name in load_balancer.target_names}
    for name in load_balancer.target_names:
        alternate = load_balancer.alternate_target_group(name)
        if alternate is not None:
            groups[f"{name} (alternate)"] = alternate.arn_suffix
    return groups


def _workload_network(props: WebPlatformProps, network: Network) -> WorkloadNetwork | None:
    """The task roles of the services that use the data bucket, tied to the VPC's S3 endpoint."""
    path = props.role_path or "/"
    roles = tuple(f"arn:aws:iam::{props.account_id}:role{path}{role_name_prefix(props.identity.name(spec.name), 'task')}*"
                  for spec in props.services if spec.data_access is not DataAccess.NONE)
    return WorkloadNetwork(endpoint_ids=(network.s3_endpoint_id,), role_arn_patterns=roles) if roles else None


#: A read replica further behind than this (seconds) alarms: a promotion would lose that much.
REPLICA_LAG_ALARM_SECONDS = 300


class WebPlatform(ServicePattern):
    """Any number of container services on ECS Fargate behind one load balancer, with everything they need.

    - a VPC over the given zones (public, private and isolated subnets, NAT, S3 endpoint, flow logs);
    - one KMS key for data, logs, secrets and alerts, whose policy lets CloudWatch Logs and alarms use it;
    - a log bucket (load balancer and S3 access logs) and the data bucket;
    - an ECS cluster; per service a Fargate service in private subnets (read-only root filesystem,
      its own execution and task roles, log group, security group), CPU-tracking autoscaling, an ECR
      repository when its image asks for one, and the permissions its spec asks for (data bucket,
      database) — nothing more;
    - an internet-facing load balancer routing paths to services, HTTPS with a TLS 1.2+ policy (or
      plain HTTP when asked), a WAF (AWS managed rules, per-IP rate limit, logging);
    - optionally a PostgreSQL database in isolated subnets admitting only the services that use it;
    - an SNS topic with alarms (5xx rate, p95 response time, unhealthy targets, service CPU/memory,
      database CPU/storage) and a dashboard.

    Created with the construct id ``Default``, its parts get the Terraform addresses they would have if
    created directly in the stack (cdktf leaves ``Default`` out of logical ids), which lets a stack that
    built the same parts by hand adopt the pattern without replacing anything.
    """

    def __init__(self, scope: Construct, id_: str, props: WebPlatformProps) -> None:
        super().__init__(scope, id_, name=props.identity.prefix, identity=props.identity, account_id=props.account_id,
                         region=props.region, log_retention_days=props.log_retention_days,
                         permissions_boundary_arn=props.permissions_boundary_arn, role_path=props.role_path)
        self._props = props
        https = props.load_balancer.https if props.load_balancer is not None else None
        self._site = site_plan(props.disaster_recovery, identity=props.identity, account_id=props.account_id,
                               region=props.region, domain=https.domain if https is not None else None,
                               data_bucket=props.data_bucket is not None)
        self._add_key(self._site.name, self._site.key_description, budgets=props.budget is not None,
                      deployer_arn=props.deployed_by.role_arn if props.deployed_by else None)
        self._network: Network = self._add_network(props.network, execute_command=props.execute_command)
        self._log_bucket = LogBucket(self, "log_bucket", LogBucketProps(
            bucket_prefix=f"{props.identity.name('logs')}-", account_id=props.account_id, region=props.region,
            retention_days=props.log_retention_days,
        ))
        self._data_bucket = self._create_data_bucket(props)
        self._repositories = self._create_repositories(props)
        self._cluster: EcsCluster = self._add_cluster(fargate_spot=props.capacity is not None,
                                                      execute_command=props.execute_command)
        self._load_balancer = self._create_load_balancer(props)
        self._database_instance = self._create_database(props.database) if props.database is not None else None
        self._database_setup = self._create_database_setup(props)
        self._add_alert_topics(props.alerting, budgets_publish=props.budget is not None)
        if props.budget is not None:
            MonthlyBudget(self, "budget", MonthlyBudgetProps(
                name=f"{props.identity.prefix}-monthly", budget=props.budget, topic_arn=self._alert_topic.arn,
            ))
        self._services = self._add_services(props.services, self._services_context(props), self._repositories)
        connect_internal_calls(self, props.services, self._services)
        self._monitoring(props)
        if self._site.failover_pair is not None:
            self._add_failover_pair(props, self._site.failover_pair)

    def _create_data_bucket(self, props: WebPlatformProps) -> DataBucket | None:
        """The data bucket (construct id ``data_bucket``), its access logs in the log bucket; a standby's is named
        in advance (the destination of the primary's replication)."""
        if props.data_bucket is None:
            return None
        name = self._site.data_bucket_name
        return DataBucket(self, "data_bucket", DataBucketProps(
            bucket_prefix=None if name else f"{props.identity.name('data')}-",
            bucket_name=name,
            noncurrent_version_expiration_days=props.data_bucket.noncurrent_version_expiration_days,
            kms_key_arn=self._key.arn,
            access_log_bucket=self._log_bucket.name,
            access_log_prefix=f"{self._log_bucket.server_access_prefix}/data/",
            access_log_depends_on=(self._log_bucket.policy,),
            region=props.region,
            workload_network=_workload_network(props, self._network),
        ))

    def _create_repositories(self, props: WebPlatformProps) -> dict[str, ContainerRepository]:
        """The ECR repository of each service whose image asks for one. A standby's repositories receive the
        registry's replication: ECR creates them on the first image it copies if they do not exist yet
        (docs/disaster-recovery.md, step 1), and an import adopts them."""
        repositories: dict[str, ContainerRepository] = {}
        for spec in props.services:
            repository = platform_repository(self, spec, props.identity, self._key.arn,
                                             adoptable=self._site.adopts_repositories)
            if repository is not None:
                repositories[spec.name] = repository
        return repositories

    def _services_context(self, props: WebPlatformProps) -> ServiceContext:
        """The shared context with what the platform adds: its data bucket, database, URLs inside and outside the
        VPC, Spot capacity and ECS Exec."""
        context = self._service_context(props.release, self._load_balancer_alarms(props))
        internal_url, registries = self._internal_names(props)
        return replace(
            context, data_bucket=self._data_bucket, database=self._database_instance,
            service_url=lambda url: f"{self.url}{url.path}", capacity=props.capacity,
            capacity_dependencies=tuple(filter(None, (self._cluster.capacity_providers,))),
            internal_url=internal_url, service_registry_arns=registries,
            execute_command=self._cluster.execute_command_sessions,
        )

    def _add_failover_pair(self, props: WebPlatformProps, dr: DisasterRecoverySpec) -> None:
        """On the primary: what it replicates to the standby region, the ``SECONDARY`` record after its own
        ``PRIMARY`` one, and the alarm on its health check."""
        identity = props.identity
        add_primary_replication(self, dr, identity=identity, account_id=props.account_id,
                                replicated_repositories=dr.replicates_images(
                                    props.services, identity=identity, account_id=props.account_id, region=props.region),
                                data_bucket=self._data_bucket, data_key_arn=self._key.arn,
                                permissions_boundary_arn=props.permissions_boundary_arn, role_path=props.role_path)
        https = props.load_balancer.https if props.load_balancer is not None else None
        if self._load_balancer is not None and https is not None and https.hosted_zone_id is not None:
            add_secondary_record(self, domain=https.domain, hosted_zone_id=https.hosted_zone_id,
                                 load_balancer=self._load_balancer)
            add_failover_alarm(self, identity=identity, region=props.region, load_balancer=self._load_balancer,
                               topic_arn=self.alert_routes.critical)

    def _internal_names(self, props: WebPlatformProps) -> tuple[Callable[[InternalServiceUrl], str], dict[str, str]]:
        """The VPC's service namespace (``<prefix>.internal``) with a name for each service another one calls
        internally, and how an :class:`InternalServiceUrl` reads; no namespace when nothing is called."""
        called = sorted(set().union(*(internally_called(spec.environment) for spec in props.services)))
        self._namespace: ServiceNamespace | None = None
        if not called:
            return lambda url: "", {}
        namespace = self._namespace = ServiceNamespace(self, "service_namespace", ServiceNamespaceProps(
            name=f"{props.identity.prefix}.internal", vpc_id=self._network.vpc_id,
        ))
        ports = {spec.name: spec.port for spec in props.services}
        registries = {name: namespace.add_service(f"{name}_name", name).arn for name in called}
        return lambda url: f"http://{url.service}.{namespace.name}:{ports[url.service]}{url.path}", registries

    def _create_load_balancer(self, props: WebPlatformProps) -> PublicLoadBalancer | None:
        """The load balancer of the services with a port (none without one); its record as the site plan says."""
        served = [service for service in props.services if service.port is not None]
        if props.load_balancer is None or not served:
            return None
        site = self._site
        return self._add_edge(
            props.load_balancer, name=props.identity.prefix,
            targets=tuple(target_spec(service, props.release.uses_alternate_target_group) for service in served),
            # A request may wait for its first byte as long as the slowest the services allow; the services keep
            # idle connections open longer than this (docs/security.md, the keep-alive contract).
            idle_timeout_seconds=max(service.request_timeout_seconds for service in served),
            log_bucket=self._log_bucket, deletion_protection=props.deletion_protection, release=props.release,
            dns_failover=site.dns_failover, record_name=site.record_name,
            validation_records=site.owns_validation_records,
        )

    def _create_database(self, spec: DatabaseSpec) -> DatabaseClientAccess:
        """The database (construct id ``database``): a standby's comes from the primary's, the others' are new."""
        props, site = self._props, self._site
        shared = dict(
            vpc_id=self._network.vpc_id, subnet_ids=self._network.isolated_subnet_ids, account_id=props.account_id,
            instance_class=spec.instance_class, postgres_major_version=spec.postgres_major_version,
            allocated_storage_gb=spec.allocated_storage_gb, max_allocated_storage_gb=spec.max_allocated_storage_gb,
            backup_retention_days=spec.backup_retention_days, deletion_protection=props.deletion_protection,
            kms_key_arn=self._key.arn, log_retention_days=props.log_retention_days, database_name=spec.database_name,
            master_username=spec.master_username, application_user=spec.application_user,
            permissions_boundary_arn=props.permissions_boundary_arn,
            role_path=props.role_path,
        )
        source = site.database_source
        if source is not None:
            return StandbyDatabase(self, "database", StandbyDatabaseProps(
                identifier=site.name, source_identifier=source.identifier, source_region=source.region,
                region=props.region, read_replica=source.read_replica, **shared,
            ))
        return PostgresDatabase(self, "database", PostgresDatabaseProps(
            identifier=site.name, multi_az=spec.high_availability, replicated_password=site.replicated_password,
            **shared,
        ))

    def _create_database_setup(self, props: WebPlatformProps) -> DatabaseSetupTask | None:
        """The task creating the application role on the primary (a standby's replica copies the role)."""
        database, spec = self._database_instance, props.database
        if not isinstance(database, PostgresDatabase) or spec is None:
            return None
        return DatabaseSetupTask(self, "database_setup", DatabaseSetupTaskProps(
            name=props.identity.name("database-setup"), account_id=props.account_id, region=props.region,
            vpc_id=self._network.vpc_id, subnet_ids=self._network.private_subnet_ids, cluster_arn=self._cluster.arn,
            database=database, host=database.address, master_username=spec.master_username,
            role=ApplicationRole(database=spec.database_name, logins=(spec.application_user,)), kms_key_arn=self._key.arn,
            log_retention_days=props.log_retention_days, permissions_boundary_arn=props.permissions_boundary_arn,
            role_path=props.role_path,
        ))

    def _load_balancer_alarms(self, props: WebPlatformProps) -> LoadBalancerAlarms | None:
        if self._load_balancer is None:
            return None
        return self._add_load_balancer_alarms(self._load_balancer, props.alerting.thresholds, props.services)

    def _monitoring(self, props: WebPlatformProps) -> None:
        """The services' and the database's alarms, and the dashboard (named as the site plan says)."""
        identity, thresholds = props.identity, props.alerting.thresholds
        load_balancer = self._load_balancer
        self._add_service_alarms(props.services, self._services, thresholds)
        database = self._database_instance
        # A pilot-light standby has no instance until the runbook restores one.
        watched = database is not None and (not isinstance(database, StandbyDatabase) or database.replica is not None)
        if database is not None and watched and props.database is not None:
            DatabaseAlarms(self, "database_alarms", DatabaseAlarmsProps(
                name_prefix=identity.name("database"), identifier=database.identifier,
                allocated_storage_gb=props.database.allocated_storage_gb, routes=self.alert_routes,
                evaluation_minutes=thresholds.evaluation_minutes, cpu_percent=thresholds.utilization_percent,
                replica_lag_seconds=REPLICA_LAG_ALARM_SECONDS if isinstance(database, StandbyDatabase) else None,
            ))
        PlatformDashboard(self, "dashboard", PlatformDashboardProps(
            name=self._site.name, region=props.region,
            load_balancer=load_balancer.arn_suffix if load_balancer is not None else None,
            target_groups=_target_groups(load_balancer) if load_balancer is not None else {},
            cluster_name=self._cluster.name,
            services={name: service.service_name for name, service in self._services.items()},
            database_identifier=database.identifier if database is not None and watched else None,
        ))

    @property
    def key(self) -> EncryptionKey:
        """The platform's KMS key (data, logs, secrets, alert topic)."""
        return self._key

    @property
    def network(self) -> Network:
        """The VPC: ``vpc_id``, ``cidr``, ``public_subnet_ids``, ``private_subnet_ids``, ``isolated_subnet_ids``, ``nat_public_ips``."""
        return self._network

    @property
    def cluster(self) -> EcsCluster:
        """The ECS cluster of the services."""
        return self._cluster

    @property
    def load_balancer(self) -> PublicLoadBalancer | None:
        """The load balancer (``target_group(name)``, ``security_group_id``, ``dns_name``, ``listener_arn``), if any."""
        return self._load_balancer

    @property
    def web_acl(self) -> WebAcl | None:
        """The web ACL attached to the load balancer, if any."""
        return self._web_acl

    @property
    def data_bucket(self) -> DataBucket | None:
        """The data bucket (``name``, ``arn``, ``grant_read``, ``grant_read_write``), if any."""
        return self._data_bucket

    @property
    def log_bucket(self) -> LogBucket:
        """The bucket of load balancer and S3 access logs."""
        return self._log_bucket

    @property
    def database(self) -> DatabaseClientAccess | None:
        """The database (``security_group_id``, ``allow_from``, client secrets), if any: a
        :class:`~constructs_lib.aws.database.PostgresDatabase`, or on a disaster-recovery standby a
        :class:`~constructs_lib.aws.standby_database.StandbyDatabase`."""
        return self._database_instance

    @property
    def database_setup(self) -> DatabaseSetupTask | None:
        """The task that creates the application's database role (its ``run_configuration`` is what the pipeline
        runs after each apply), or ``None`` without a database or on a standby."""
        return self._database_setup

    @property
    def disaster_recovery_role(self) -> str | None:
        """``primary`` or ``standby`` with :attr:`WebPlatformProps.disaster_recovery`, else ``None``."""
        return self._site.role




    def service(self, name: str) -> FargateService:
        """The Fargate service ``name``; a KeyError lists the known names."""
        try:
            return self._services[name]
        except KeyError:
            raise KeyError(f"no service {name!r} (services: {', '.join(self._services)})") from None

    @property
    def services(self) -> Mapping[str, FargateService]:
        """Every Fargate service by name."""
        return dict(self._services)

    def service_url(self, name: str) -> str | None:
        """Where clients reach service ``name`` through the load balancer: the site's URL and the path its routes start
        with, e.g. ``https://shop.example.com/api``; ``None`` for a worker (no port). A KeyError lists the names."""
        spec = self._spec(name)
        return None if spec.port is None or self._url is None else f"{self._url}{route_base(spec.routes)}"

    def task_role_arn(self, name: str) -> str:
        """The ARN of service ``name``'s task role, e.g. for a resource policy of your own."""
        return self.service(name).task_role_arn

    def task_role_name(self, name: str) -> str:
        """The name of service ``name``'s task role, e.g. to attach a managed policy (within the boundary)."""
        return self.service(name).task_role_name

    def _spec(self, name: str) -> ServiceSpec:
        for spec in self._props.services:
            if spec.name == name:
                return spec
        raise KeyError(f"no service {name!r} (services: {', '.join(self._services)})")

    def repository(self, name: str) -> ContainerRepository:
        """The ECR repository the pattern created for service ``name`` (``ContainerImage.platform_repository``)."""
        try:
            return self._repositories[name]
        except KeyError:
            raise KeyError(f"no platform repository for {name!r} (repositories: {', '.join(self._repositories)})") from None

    @property
    def repositories(self) -> Mapping[str, ContainerRepository]:
        """The ECR repositories the pattern created, by service name."""
        return dict(self._repositories)

    @property
    def url(self) -> str | None:
        """The site's URL: ``https://<domain>``, or ``http://<load balancer>`` without HTTPS; ``None`` without one."""
        return self._url

    @property
    def key_arn(self) -> str:
        """The platform's KMS key (data, logs, secrets, alerts)."""
        return self._key.arn



    @property
    def data_bucket_name(self) -> str | None:
        """The data bucket's name, ``None`` without one."""
        return self._data_bucket.name if self._data_bucket is not None else None

    @property
    def log_bucket_name(self) -> str:
        """The bucket of load balancer and S3 access logs."""
        return self._log_bucket.name

    @property
    def load_balancer_dns_name(self) -> str | None:
        """The load balancer's DNS name (point the domain here when the zone is not managed), ``None`` without one."""
        return self._load_balancer.dns_name if self._load_balancer is not None else None
