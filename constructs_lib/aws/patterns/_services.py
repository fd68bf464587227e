"""The construction path both AWS patterns share: their key, network, cluster, edge, alert topics, load balancer
alarms, release wiring, and each ServiceSpec turned into a wired Fargate service with its scaling and alarms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ...alerting import AlertThresholds
from ...naming import PlatformIdentity
from ...shared_specs import (
    Alerting,
    DataAccess,
    InternalServiceUrl,
    ServiceUrl,
    internally_called,
    referenced_services,
    render_environment,
)
from ..alarms import LoadBalancerAlarms, LoadBalancerAlarmsProps, ServiceAlarms, ServiceAlarmsProps
from ..alert_topic import AlertRoutes, AlertTopic, AlertTopicProps
from ..container_repository import ContainerRepository, ContainerRepositoryProps
from ..data_bucket import DataBucket
from ..database import POSTGRES_PORT, DatabaseClientAccess
from ..ecs_cluster import EcsCluster, EcsClusterProps, EcsClusterRef, ExecuteCommandSessions
from ..encryption_key import EncryptionKey
from ..fargate_service import CapacitySplit, ContainerSecret, Deployment, FargateService, FargateServiceProps
from ..iam import Statement
from ..load_balancer import DnsFailover, PublicLoadBalancer, TargetSpec
from ..log_bucket import LogBucket
from ..network import Network, NetworkProps, NetworkRef
from ..service_autoscaling import ServiceAutoScaling, ServiceAutoScalingProps
from ..web_acl import WebAcl
from ._edge import add_edge
from ._platform_key import platform_key
from ._traffic_role import traffic_shifting_role
from .specs import LoadBalancerSpec, NetworkSpec, ReleaseSpec, ServiceSpec


def _no_service_url(url: ServiceUrl) -> str:
    return ""


@dataclass(frozen=True)
class ServiceContext:
    """What the services of one pattern share."""

    identity: PlatformIdentity
    account_id: str
    region: str
    network: NetworkRef
    cluster: EcsClusterRef
    kms_key_arn: str | None
    log_retention_days: int
    load_balancer: PublicLoadBalancer | None
    #: The data bucket the services' ``data_access`` reaches; ``None``: none.
    data_bucket: DataBucket | None = None
    #: The database the services' ``database_access`` reaches; ``None``: none.
    database: DatabaseClientAccess | None = None
    #: How a :class:`ServiceUrl` reads (the site's URL and its path).
    service_url: Callable[[ServiceUrl], str] = _no_service_url
    #: How services behind the load balancer deploy (the traffic-shifting role filled in); workers roll.
    deployment: Deployment = field(default_factory=Deployment)
    #: The alarms that roll back the deployments of each service behind the load balancer, by service name.
    rollback_alarm_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: What traffic-shifting deployments wait for (the role's policy attachment).
    deployment_dependencies: tuple[ITerraformDependable, ...] = ()
    #: On-demand and Spot shares of every service's tasks; ``None``: on-demand Fargate only.
    capacity: CapacitySplit | None = None
    #: What services on Spot wait for (the cluster's capacity provider association).
    capacity_dependencies: tuple[ITerraformDependable, ...] = ()
    #: The permissions boundary of every role the services create; ``None``: none.
    permissions_boundary_arn: str | None = None
    #: The IAM path of every role the services create; ``None``: the root path.
    role_path: str | None = None
    #: Where the services reach each other inside the VPC (:class:`InternalServiceUrl`); ``None``: nowhere.
    internal_url: Callable[[InternalServiceUrl], str] | None = None
    #: The Cloud Map registry of each service other services call internally, by service name.
    service_registry_arns: Mapping[str, str] = field(default_factory=dict)
    #: Where the cluster logs ECS Exec sessions; ``None``: no service may open one.
    execute_command: ExecuteCommandSessions | None = None


def target_spec(spec: ServiceSpec, traffic_shifting: bool = False) -> TargetSpec:
    """The load balancer target of a service with a port; ``traffic_shifting``: with the alternate target group
    (a traffic-shifting strategy, or a rolling transition to or from one)."""
    assert spec.port is not None
    return TargetSpec(spec.name, spec.port, spec.health_check, spec.routes, traffic_shifting=traffic_shifting)


def platform_repository(scope: Construct, spec: ServiceSpec, identity: PlatformIdentity,
                        kms_key_arn: str | None, *, adoptable: bool = False) -> ContainerRepository | None:
    """The ECR repository the pattern creates for ``spec``, if its image asks for one; ``adoptable``: one that
    ECR may have created first (a replication destination), kept with its encryption when imported."""
    if not spec.image.needs_platform_repository:
        return None
    return ContainerRepository(scope, f"{spec.name}_repository", ContainerRepositoryProps(
        name=f"{identity.prefix}/{spec.name}", kms_key_arn=kms_key_arn, keep_existing_encryption=adoptable,
    ))


def add_service(scope: Construct, spec: ServiceSpec, context: ServiceContext,
                repository: ContainerRepository | None) -> FargateService:
    """The Fargate service of ``spec`` with its permissions, network paths and autoscaling."""
    secrets, statements, dependencies = _database_client(spec, context)
    deployment = _deployment(spec, context)
    if deployment.uses_alternate_target_group:
        dependencies += context.deployment_dependencies
    if context.capacity is not None:
        dependencies += context.capacity_dependencies
    image, repository_arn = _image(spec, repository)
    network, load_balancer = context.network, context.load_balancer
    # Without the VPC's endpoints (an existing network may have none), AWS is reachable over the internet only.
    internet = spec.internet_egress or network.endpoints_security_group_id is None or network.s3_prefix_list_id is None
    service = FargateService(scope, f"{spec.name}_service", FargateServiceProps(
        name=context.identity.name(spec.name),
        container_name=spec.name,
        image=image,
        image_repository_arn=repository_arn,
        cpu=spec.cpu_units,
        memory=spec.memory_mib,
        container_port=spec.port,
        cluster=context.cluster,
        vpc_id=context.network.vpc_id,
        subnet_ids=context.network.private_subnet_ids,
        load_balancer=load_balancer.target(spec.name) if load_balancer is not None and spec.port is not None else None,
        deployment=deployment,
        capacity=context.capacity,
        permissions_boundary_arn=context.permissions_boundary_arn,
        role_path=context.role_path,
        region=context.region,
        account_id=context.account_id,
        log_retention_days=context.log_retention_days,
        desired_count=spec.scaling.min_instances,
        environment=_environment(spec, context),
        secrets=secrets,
        command=spec.command,
        task_role_statements=_data_statements(spec, context) + statements,
        kms_key_arn=context.kms_key_arn,
        writable_paths=spec.writable_paths,
        cpu_architecture=spec.cpu_architecture,
        dependencies=dependencies,
        internet_egress=internet,
        service_registry_arn=context.service_registry_arns.get(spec.name),
        execute_command=context.execute_command if spec.execute_command else None,
    ))
    _open_network_paths(service, spec, context, internet)
    _add_autoscaling(scope, spec, service, load_balancer)
    return service


def _environment(spec: ServiceSpec, context: ServiceContext) -> dict[str, str]:
    """The plain variables: the spec's rendered, ``PORT`` for a service with a port, and the database client's."""
    data_bucket = context.data_bucket
    environment = render_environment(
        spec.environment, service_url=context.service_url, owner=f"ServiceSpec({spec.name!r}).environment",
        internal_url=context.internal_url, data_bucket_name=data_bucket.name if data_bucket is not None else None,
    )
    if spec.port is not None:
        environment.setdefault("PORT", str(spec.port))
    if spec.database_access and context.database is not None:
        environment.update(context.database.client_environment())
    return environment


def _data_statements(spec: ServiceSpec, context: ServiceContext) -> tuple[Statement, ...]:
    """The spec's own permissions, and the data bucket's share its ``data_access`` asks for."""
    statements: tuple[Statement, ...] = spec.permissions
    data_bucket = context.data_bucket
    if spec.data_access is not DataAccess.NONE and data_bucket is not None:
        statements += (data_bucket.read_write_statements() if spec.data_access is DataAccess.READ_WRITE
                       else data_bucket.read_statements())
    return statements


def _database_client(spec: ServiceSpec, context: ServiceContext) -> tuple[
        tuple[ContainerSecret, ...], tuple[Statement, ...], tuple[ITerraformDependable, ...]]:
    """The spec's secrets, with ``database_access`` the database client's too, its IAM statements, and the secret
    value the tasks wait for."""
    database = context.database
    if not spec.database_access or database is None:
        return spec.container_secrets, (), ()
    # DATABASE_URL names the application user (no password: an IAM token is); never the master credential.
    return (spec.container_secrets + database.client_secrets(), database.client_statements(context.region),
            (database.url_secret_value,))


def _deployment(spec: ServiceSpec, context: ServiceContext) -> Deployment:
    """The pattern's deployment with the service's rollback alarms behind the load balancer; a worker rolls."""
    if context.load_balancer is None or spec.port is None:
        return Deployment()
    return replace(context.deployment, rollback_alarm_names=context.rollback_alarm_names.get(spec.name, ()))


def _image(spec: ServiceSpec, repository: ContainerRepository | None) -> tuple[str, str | None]:
    """The image reference (by digest where the spec has one) and the ECR repository the tasks pull from."""
    if repository is None:
        return spec.image.reference or "", spec.image.repository_arn
    image = f"{repository.url}@{spec.image.digest}" if spec.image.digest else repository.image(spec.image.tag or "")
    return image, repository.arn


def _open_network_paths(service: FargateService, spec: ServiceSpec, context: ServiceContext, internet: bool) -> None:
    """The tasks' egress beyond HTTPS: the VPC's endpoints without the internet, the site's plain-HTTP URL, the
    database (which admits them)."""
    network, load_balancer, database = context.network, context.load_balancer, context.database
    if not internet:
        assert network.endpoints_security_group_id is not None and network.s3_prefix_list_id is not None
        service.allow_egress_to("to_endpoints", network.endpoints_security_group_id, 443,
                                "AWS APIs (ECR, CloudWatch Logs, Secrets Manager) through the VPC's endpoints")
        service.allow_egress_to_prefix_list("to_s3", network.s3_prefix_list_id, 443, "S3 through the VPC's gateway endpoint")
    if internet and load_balancer is not None and not load_balancer.https and referenced_services(spec.environment):
        # It calls the site's URL, which a load balancer without HTTPS serves on port 80 only.
        service.allow_egress_to_internet("http_out", 80, "The platform's URL through the load balancer (plain HTTP)")
    if spec.database_access and database is not None:
        database.allow_from(f"from_{spec.name}", service.security_group_id, f"{spec.name.capitalize()} tasks")
        service.allow_egress_to("to_database", database.security_group_id, POSTGRES_PORT, "Database")


def _add_autoscaling(scope: Construct, spec: ServiceSpec, service: FargateService,
                     load_balancer: PublicLoadBalancer | None) -> None:
    """Scaling of ``spec`` (construct id ``<name>_autoscaling``), on requests per target where it asks."""
    label = None
    if spec.scaling.requests_per_target is not None and load_balancer is not None:
        label = f"{load_balancer.arn_suffix}/{load_balancer.target_group(spec.name).arn_suffix}"
    ServiceAutoScaling(scope, f"{spec.name}_autoscaling", ServiceAutoScalingProps(
        service=service, scaling=spec.scaling, load_balancer_resource_label=label,
    ))


def connect_internal_calls(scope: Construct, specs: tuple[ServiceSpec, ...],
                           services: Mapping[str, FargateService]) -> None:
    """Opens each :class:`InternalServiceUrl` a service's environment names: its tasks to the called service's port
    (construct ids ``<caller>_to_<called>`` and ``<called>_from_<caller>``), and nothing more."""
    ports = {spec.name: spec.port for spec in specs}
    for spec in specs:
        for called in sorted(internally_called(spec.environment)):
            port = ports[called]
            assert port is not None, "checked by check_services"
            caller, target = services[spec.name], services[called]
            caller.allow_egress_to(f"to_{called}", target.security_group_id, port, f"{called} inside the VPC")
            VpcSecurityGroupIngressRule(
                scope, f"{called}_from_{spec.name}", security_group_id=target.security_group_id, ip_protocol="tcp",
                from_port=port, to_port=port, referenced_security_group_id=caller.security_group_id,
                description=f"{spec.name} tasks inside the VPC",
            )


class AlertTopics:
    """The alert topics of a pattern, one per tier (set by :meth:`ServicePattern._add_alert_topics`)."""

    _alert_topic: AlertTopic
    _warning_topic: AlertTopic

    @property
    def alert_topic(self) -> AlertTopic:
        """The SNS topic of the critical alerts (and of budget alerts)."""
        return self._alert_topic

    @property
    def warning_topic(self) -> AlertTopic:
        """The SNS topic of the warnings."""
        return self._warning_topic

    @property
    def alert_routes(self) -> AlertRoutes:
        """Both alert topics by tier (subscribe a pager to the critical one)."""
        return AlertRoutes(self._alert_topic.arn, self._warning_topic.arn)

    @property
    def alert_topic_arn(self) -> str:
        """The SNS topic of the critical alerts (subscribe more receivers here)."""
        return self._alert_topic.arn

    @property
    def warning_topic_arn(self) -> str:
        """The SNS topic of the warnings."""
        return self._warning_topic.arn


class ServicePattern(AlertTopics, Construct):
    """The construction path both AWS patterns share, one step a method (like aws-cdk's
    ``ApplicationLoadBalancedServiceBase``): each pattern's constructor calls the steps it needs in order, and
    builds what is its own in between.

    Every step names its resources ``<name>...`` and places the roles it creates under the pattern's permissions
    boundary and IAM path.
    """

    _key: EncryptionKey
    _network: NetworkRef
    _cluster: EcsClusterRef
    _load_balancer: PublicLoadBalancer | None
    _web_acl: WebAcl | None
    _url: str | None

    def __init__(self, scope: Construct, id_: str, *, name: str, identity: PlatformIdentity, account_id: str,
                 region: str, log_retention_days: int, permissions_boundary_arn: str | None = None,
                 role_path: str | None = None) -> None:
        super().__init__(scope, id_)
        self._name, self._identity = name, identity
        self._account_id, self._region, self._retention = account_id, region, log_retention_days
        self._permissions_boundary_arn, self._role_path = permissions_boundary_arn, role_path
        self._web_acl, self._url = None, None

    def _add_key(self, alias: str, description: str, *, budgets: bool = False,
                 deployer_arn: str | None = None) -> EncryptionKey:
        """The pattern's KMS key (construct id ``platform_key``): logs, alarms, the topics, and Budgets with
        ``budgets``; the deploy role manages it with ``deployer_arn``."""
        self._key = platform_key(self, alias, self._account_id, self._region, description, budgets=budgets,
                                 deployer_arn=deployer_arn)
        return self._key

    def _add_network(self, spec: NetworkSpec, *, execute_command: bool = False) -> Network:
        """The VPC of ``spec`` (construct id ``network``), its flow logs kept as long as every log."""
        return Network(self, "network", NetworkProps(
            name_prefix=self._name, region=self._region, account_id=self._account_id, cidr=spec.cidr,
            availability_zones=spec.availability_zones, flow_log_retention_days=self._retention,
            single_nat_gateway=spec.single_nat_gateway, kms_key_arn=self._key.arn,
            permissions_boundary_arn=self._permissions_boundary_arn, role_path=self._role_path,
            execute_command=execute_command,
        ))

    def _add_cluster(self, *, fargate_spot: bool = False, execute_command: bool = False) -> EcsCluster:
        """The ECS cluster (construct id ``cluster``)."""
        return EcsCluster(self, "cluster", EcsClusterProps(
            name=self._name, log_retention_days=self._retention, kms_key_arn=self._key.arn,
            fargate_spot=fargate_spot, execute_command=execute_command,
        ))

    def _add_edge(self, spec: LoadBalancerSpec, *, name: str, targets: tuple[TargetSpec, ...],
                  idle_timeout_seconds: int, log_bucket: LogBucket, deletion_protection: bool, release: ReleaseSpec,
                  dns_failover: DnsFailover | None = None, record_name: str | None = None,
                  validation_records: bool = True) -> PublicLoadBalancer:
        """The pattern's own load balancer and web ACL (:func:`~._edge.add_edge`); sets the site's URL."""
        edge = add_edge(
            self, spec, name=name, network=self._network, targets=targets, idle_timeout_seconds=idle_timeout_seconds,
            log_bucket=log_bucket, kms_key_arn=self._key.arn, log_retention_days=self._retention,
            deletion_protection=deletion_protection, test_listener=release.test_listener,
            dns_failover=dns_failover, record_name=record_name, validation_records=validation_records,
        )
        self._web_acl, self._url = edge.web_acl, edge.url
        return edge.load_balancer

    def _add_alert_topics(self, alerting: Alerting, *, budgets_publish: bool = False) -> None:
        """The critical tier's topic ``<name>-alerts`` (construct id ``alerts``; budgets publish here) and the warning
        tier's ``<name>-warnings`` (``warnings``), each mailing its recipient."""
        self._alert_topic = AlertTopic(self, "alerts", AlertTopicProps(
            name=f"{self._name}-alerts", account_id=self._account_id, kms_key_arn=self._key.arn, email=alerting.email,
            budgets_publish=budgets_publish,
        ))
        self._warning_topic = AlertTopic(self, "warnings", AlertTopicProps(
            name=f"{self._name}-warnings", account_id=self._account_id, kms_key_arn=self._key.arn,
            email=alerting.warning_recipient,
        ))

    def _add_load_balancer_alarms(self, load_balancer: PublicLoadBalancer, thresholds: AlertThresholds,
                                  specs: tuple[ServiceSpec, ...]) -> LoadBalancerAlarms:
        """The load balancer's 5xx, latency and health alarms (construct id ``load_balancer_alarms``)."""
        return LoadBalancerAlarms(self, "load_balancer_alarms", LoadBalancerAlarmsProps(
            name_prefix=self._name, load_balancer=load_balancer, routes=self.alert_routes, thresholds=thresholds,
            # Services scaled to zero outside office hours have no healthy targets by design.
            idle_targets=tuple(spec.name for spec in specs
                               if spec.port is not None and spec.scaling.office_hours is not None),
        ))

    def _service_context(self, release: ReleaseSpec, alarms: LoadBalancerAlarms | None) -> ServiceContext:
        """What every service of the pattern shares, with the release wiring: the role ECS moves listener rules with
        (construct ids ``traffic_role``...) when the services have two target groups, and the rollback alarms of
        every target (with ``release.rollback_on_alarms``)."""
        load_balancer, deployment = self._load_balancer, release.deployment
        dependencies: tuple[ITerraformDependable, ...] = ()
        if release.uses_alternate_target_group and load_balancer is not None:
            role, attachment = traffic_shifting_role(self, self._name, self._permissions_boundary_arn, self._role_path)
            deployment, dependencies = replace(deployment, role_arn=role.arn), (attachment,)
        rollback = ({target: alarms.rollback_alarm_names(target) for target in load_balancer.target_names}
                    if release.rollback_on_alarms and alarms is not None and load_balancer is not None else {})
        return ServiceContext(
            identity=self._identity, account_id=self._account_id, region=self._region, network=self._network,
            cluster=self._cluster, kms_key_arn=self._key.arn, log_retention_days=self._retention,
            load_balancer=load_balancer, deployment=deployment, deployment_dependencies=dependencies,
            rollback_alarm_names=rollback, permissions_boundary_arn=self._permissions_boundary_arn,
            role_path=self._role_path,
        )

    def _add_services(self, specs: tuple[ServiceSpec, ...], context: ServiceContext,
                      repositories: Mapping[str, ContainerRepository | None]) -> dict[str, FargateService]:
        """A Fargate service per spec (:func:`add_service`), by name."""
        return {spec.name: add_service(self, spec, context, repositories.get(spec.name)) for spec in specs}

    def _add_service_alarms(self, specs: tuple[ServiceSpec, ...], services: Mapping[str, FargateService],
                            thresholds: AlertThresholds) -> None:
        """The warnings of each service (construct id ``<name>_alarms``): CPU, memory, and held at its maximum."""
        for spec in specs:
            ServiceAlarms(self, f"{spec.name}_alarms", ServiceAlarmsProps(
                name_prefix=self._identity.name(spec.name), service=services[spec.name], routes=self.alert_routes,
                max_capacity=spec.scaling.max_instances, utilization_percent=thresholds.utilization_percent,
                evaluation_minutes=thresholds.evaluation_minutes,
            ))
