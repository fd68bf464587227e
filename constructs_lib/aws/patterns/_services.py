"""How both AWS patterns turn a ServiceSpec into a wired Fargate service, its scaling and its alarms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ...alerting import AlertThresholds
from ...naming import PlatformIdentity
from ...specs import (
    Alerting,
    DataAccess,
    InternalServiceUrl,
    ServiceUrl,
    internally_called,
    referenced_services,
    render_environment,
)
from ..alarms import LoadBalancerAlarms, ServiceAlarms, ServiceAlarmsProps
from ..alert_topic import AlertRoutes, AlertTopic, AlertTopicProps
from ..container_repository import ContainerRepository, ContainerRepositoryProps
from ..data_bucket import DataBucket
from ..database import POSTGRES_PORT, DatabaseClientAccess
from ..ecs_cluster import EcsClusterRef, ExecuteCommandSessions
from ..fargate_service import CapacitySplit, Deployment, FargateService, FargateServiceProps
from ..iam import Statement
from ..load_balancer import PublicLoadBalancer, TargetSpec
from ..network import NetworkRef
from ..service_autoscaling import ServiceAutoScaling, ServiceAutoScalingProps
from ._edge import traffic_shifting_role
from .specs import ReleaseSpec, ServiceSpec


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
    data_bucket: DataBucket | None
    database: DatabaseClientAccess | None
    service_url: Callable[[ServiceUrl], str]
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
    owner = f"ServiceSpec({spec.name!r}).environment"
    data_bucket, database = context.data_bucket, context.database
    environment = render_environment(
        spec.environment, service_url=context.service_url, owner=owner, internal_url=context.internal_url,
        data_bucket_name=data_bucket.name if data_bucket is not None else None,
    )
    if spec.port is not None:
        environment.setdefault("PORT", str(spec.port))
    secrets = spec.container_secrets
    statements: tuple[Statement, ...] = spec.permissions
    dependencies: tuple[ITerraformDependable, ...] = ()
    if spec.data_access is not DataAccess.NONE and data_bucket is not None:
        statements += (data_bucket.read_write_statements() if spec.data_access is DataAccess.READ_WRITE
                       else data_bucket.read_statements())
    if spec.database_access and database is not None:
        # DATABASE_URL names the application user (no password: an IAM token is); never the master credential.
        secrets += database.client_secrets()
        environment.update(database.client_environment())
        statements += database.client_statements(context.region)
        dependencies += (database.url_secret_value,)

    if repository is not None:
        image = f"{repository.url}@{spec.image.digest}" if spec.image.digest else repository.image(spec.image.tag or "")
        repository_arn = repository.arn
    else:
        image, repository_arn = spec.image.reference or "", spec.image.repository_arn
    load_balancer = context.load_balancer
    behind_load_balancer = load_balancer is not None and spec.port is not None
    deployment = (replace(context.deployment, rollback_alarm_names=context.rollback_alarm_names.get(spec.name, ()))
                  if behind_load_balancer else Deployment())
    if deployment.uses_alternate_target_group:
        dependencies += context.deployment_dependencies
    if context.capacity is not None:
        dependencies += context.capacity_dependencies
    network = context.network
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
        environment=environment,
        secrets=secrets,
        command=spec.command,
        task_role_statements=statements,
        kms_key_arn=context.kms_key_arn,
        writable_paths=spec.writable_paths,
        cpu_architecture=spec.cpu_architecture,
        dependencies=dependencies,
        internet_egress=internet,
        service_registry_arn=context.service_registry_arns.get(spec.name),
        execute_command=context.execute_command if spec.execute_command else None,
    ))
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

    label = None
    if spec.scaling.requests_per_target is not None and load_balancer is not None:
        label = f"{load_balancer.arn_suffix}/{load_balancer.target_group(spec.name).arn_suffix}"
    ServiceAutoScaling(scope, f"{spec.name}_autoscaling", ServiceAutoScalingProps(
        service=service, scaling=spec.scaling, load_balancer_resource_label=label,
    ))
    return service


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


def add_service_alarms(scope: Construct, spec: ServiceSpec, service: FargateService, identity: PlatformIdentity,
                       routes: AlertRoutes, thresholds: AlertThresholds) -> ServiceAlarms:
    """The warnings of one service: CPU, memory, and held at its maximum capacity."""
    return ServiceAlarms(scope, f"{spec.name}_alarms", ServiceAlarmsProps(
        name_prefix=identity.name(spec.name), service=service, routes=routes,
        max_capacity=spec.scaling.max_instances, utilization_percent=thresholds.utilization_percent,
        evaluation_minutes=thresholds.evaluation_minutes,
    ))


@dataclass(frozen=True)
class ReleaseWiring:
    """What the services of a pattern deploy with: the deployment (the traffic-shifting role filled in), what it
    waits for (the role's policy), and each service's rollback alarms."""

    deployment: Deployment
    dependencies: tuple[ITerraformDependable, ...]
    rollback_alarm_names: Mapping[str, tuple[str, ...]]


def release_wiring(scope: Construct, release: ReleaseSpec, *, name: str, load_balancer: PublicLoadBalancer | None,
                   alarms: LoadBalancerAlarms | None, permissions_boundary_arn: str | None = None,
                   role_path: str | None = None) -> ReleaseWiring:
    """The role ECS moves listener rules with (construct ids ``traffic_role``...) when the services have two target
    groups, and the rollback alarms of every target (with ``release.rollback_on_alarms``)."""
    deployment, dependencies = release.deployment, ()
    if release.uses_alternate_target_group and load_balancer is not None:
        role, attachment = traffic_shifting_role(scope, name, permissions_boundary_arn, role_path)
        deployment, dependencies = replace(deployment, role_arn=role.arn), (attachment,)
    rollback = ({target: alarms.rollback_alarm_names(target) for target in load_balancer.target_names}
                if release.rollback_on_alarms and alarms is not None and load_balancer is not None else {})
    return ReleaseWiring(deployment, dependencies, rollback)


class AlertTopics:
    """The alert topics of a pattern, one per tier (mixed into the patterns; set by :func:`add_alert_topics`)."""

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


def add_alert_topics(scope: Construct, name: str, *, account_id: str, kms_key_arn: str, alerting: Alerting,
                     budgets_publish: bool = False) -> tuple[AlertTopic, AlertTopic]:
    """The critical tier's topic ``<name>-alerts`` (construct id ``alerts``; budgets publish here) and the warning
    tier's ``<name>-warnings`` (``warnings``), each mailing its recipient."""
    critical = AlertTopic(scope, "alerts", AlertTopicProps(
        name=f"{name}-alerts", account_id=account_id, kms_key_arn=kms_key_arn, email=alerting.email,
        budgets_publish=budgets_publish,
    ))
    warning = AlertTopic(scope, "warnings", AlertTopicProps(
        name=f"{name}-warnings", account_id=account_id, kms_key_arn=kms_key_arn, email=alerting.warning_recipient,
    ))
    return critical, warning
