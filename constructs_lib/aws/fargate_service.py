"""One container service on ECS Fargate in private subnets, reachable only from its load balancer."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceAlarms,
    EcsServiceCapacityProviderStrategy,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceDeploymentConfiguration,
    EcsServiceDeploymentConfigurationCanaryConfiguration,
    EcsServiceDeploymentConfigurationLinearConfiguration,
    EcsServiceLoadBalancer,
    EcsServiceLoadBalancerAdvancedConfiguration,
    EcsServiceNetworkConfiguration,
    EcsServiceServiceRegistries,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ..props import PropError, checked, message, prop, require
from ..cloud_limits import fargate_size_problem, log_retention_problem
from .ecs_cluster import EcsClusterRef, ExecuteCommandSessions
from .iam import Condition, Statement, policy_document
from .load_balancer import LoadBalancerTarget
from .log_group import LogGroup, LogGroupProps


#: A Secrets Manager secret's ARN, complete or partial (without the random suffix).
SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+")
SECRET_ARN_RULE = "be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)"


@checked
class ContainerSecret:
    """An environment variable whose value ECS reads from Secrets Manager when a task starts.

    Attributes:
        name: The variable name, e.g. ``PGPASSWORD``.
        secret_arn: The Secrets Manager secret: its ARN, or a partial ARN without the random suffix (e.g. of a
            replica created by another stack, see :meth:`partial`).
        json_key: A key of a JSON secret (e.g. ``password`` of an RDS-managed secret); ``None`` for the whole value.
        policy_arn: What IAM policies name to allow reading it. Default ``None``: ``secret_arn``.
    """

    name: str = prop(pattern=re.compile(r"[A-Za-z_][A-Za-z0-9_]*"), rule="be a variable name of letters, digits and '_'")
    secret_arn: str = prop(pattern=SECRET_ARN, rule=SECRET_ARN_RULE)
    json_key: str | None = None
    policy_arn: str | None = None

    @classmethod
    def partial(cls, name: str, *, region: str, account_id: str, secret_name: str, json_key: str | None = None,
                partition: str = "aws") -> ContainerSecret:
        """A secret known by name only: ECS and Secrets Manager accept its partial ARN; IAM needs the suffix wildcard.

        A name ending in a hyphen and six characters is refused: Secrets Manager would take that part for the
        random suffix and could not find the secret from the partial ARN.
        """
        if re.search(r"-[^-/]{6}$", secret_name):
            raise PropError(message("ContainerSecret.partial", "secret_name", "not end in '-' and six characters "
                                    "(ambiguous in a partial ARN)", secret_name))
        arn = f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:{secret_name}"
        return cls(name, arn, json_key, policy_arn=f"{arn}-??????")

    @property
    def value_from(self) -> str:
        """The ``valueFrom`` of the container definition: the secret ARN, with ``:<json_key>::`` for a JSON key."""
        return f"{self.secret_arn}:{self.json_key}::" if self.json_key else self.secret_arn


#: Where the SSM agent of ECS Exec writes: writable volumes there keep the root filesystem read-only (ECS Exec does not
#: support a read-only root otherwise: aws/containers-roadmap#1359).
EXECUTE_COMMAND_PATHS: tuple[str, ...] = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")
#: The Session Manager channels an ECS Exec session opens from the task.
SESSION_CHANNEL_ACTIONS: tuple[str, ...] = ("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                                            "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel")


def execute_command_statements(sessions: ExecuteCommandSessions) -> tuple[Statement, ...]:
    """What a task role needs for ECS Exec with session logging: the channels (no resource), the log group (the agent
    first checks it is encrypted: ``DescribeLogGroups`` has no narrower resource), and the sessions' key."""
    return (
        Statement(sid="ExecuteCommandChannels", actions=SESSION_CHANNEL_ACTIONS, resources=("*",)),
        Statement(sid="ExecuteCommandLogGroups", actions=("logs:DescribeLogGroups",), resources=("*",)),
        Statement(sid="ExecuteCommandSessionLogs", actions=("logs:CreateLogStream", "logs:DescribeLogStreams",
                                                            "logs:PutLogEvents"),
                  resources=(f"{sessions.log_group_arn}:*",)),
        Statement(sid="ExecuteCommandSessionKey", actions=("kms:Decrypt",), resources=(sessions.kms_key_arn,)),
    )


DEPLOYMENT_STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY", "LINEAR")
#: The two rolling steps between a single target group and traffic shifting (docs/releases.md, "Switching
#: strategies"): first the alternate target group is added and ECS learns it; last it is retired.
PREPARE_TRAFFIC_SHIFTING = "PREPARE_TRAFFIC_SHIFTING"
RETIRE_TRAFFIC_SHIFTING = "RETIRE_TRAFFIC_SHIFTING"
TRANSITIONS = (PREPARE_TRAFFIC_SHIFTING, RETIRE_TRAFFIC_SHIFTING)


def role_name_prefix(service_name: str, kind: str) -> str:
    """The name prefix of a service's ``execution`` or ``task`` role (IAM appends a unique suffix): known before the
    role exists, so that e.g. a bucket policy can name ``arn:aws:iam::<account>:role/<prefix>*``."""
    return f"{service_name[:30]}-{kind[:4]}-"


@checked
class CapacitySplit:
    """Where the tasks of a service run: on-demand Fargate, Fargate Spot (up to 70 % cheaper, may be
    interrupted with two minutes' notice), or a mix.

    ECS first places ``on_demand_base`` tasks on on-demand Fargate, then splits the rest by the
    weights. The cluster must offer both capacity providers (``EcsClusterProps.fargate_spot``).

    Attributes:
        on_demand_base: Tasks always on on-demand Fargate (0-100000). Default 0.
        on_demand_weight: Share of the remaining tasks on on-demand Fargate. Default 0.
        spot_weight: Share of the remaining tasks on Fargate Spot. Default 1.
    """

    on_demand_base: int = prop(0, between=(0, 100000))
    on_demand_weight: int = prop(0, between=(0, 1000))
    spot_weight: int = prop(1, between=(0, 1000))

    def __post_init__(self) -> None:
        require(self.on_demand_weight > 0 or self.spot_weight > 0, self, "spot_weight",
                "be above 0 when on_demand_weight is 0 (one weight must be)")

    @property
    def all_spot(self) -> bool:
        """True when no task is guaranteed on-demand capacity."""
        return self.on_demand_base == 0 and self.on_demand_weight == 0


@checked
class Deployment:
    """How ECS replaces the tasks of a new release.

    ``ROLLING`` replaces tasks in place (the circuit breaker rolls back tasks that never turn
    healthy). ``BLUE_GREEN``, ``CANARY`` and ``LINEAR`` start the new tasks beside the old ones in
    the alternate target group, route the test listener to them, then move production traffic
    (all at once, a canary share first, or in equal steps), keep the old tasks for the bake time,
    and roll back when a rollback alarm fires or the circuit breaker trips. They need a load balancer
    target with ``traffic_shifting`` and an IAM role ECS uses to move the listener rules.

    ECS then owns which of the two target groups the service registers with (it alternates them), so
    Terraform ignores the service's ``load_balancer`` (hashicorp/terraform-provider-aws#45678: it would
    send the original group back on every apply). A switch between ``ROLLING`` and a traffic-shifting
    strategy goes through a rolling ``transition``, one apply each:

    - ``PREPARE_TRAFFIC_SHIFTING``: rolling, with the alternate target group, the weighted rules and the
      service's advanced load balancer configuration (Terraform still sends ``load_balancer``, so ECS
      learns them); the next apply may set a traffic-shifting strategy.
    - ``RETIRE_TRAFFIC_SHIFTING``: rolling, with everything a traffic-shifting strategy has; ECS keeps
      registering tasks with whichever group serves, and nothing moves traffic. Only once the original
      target group serves may the next apply drop the transition (and with it the alternate group).

    Attributes:
        strategy: One of ``ROLLING``, ``BLUE_GREEN``, ``CANARY``, ``LINEAR``. Default ``ROLLING``.
        bake_time_minutes: After all traffic moved, how long the old tasks stay ready for an
            instant rollback (0-1440). Default 10.
        canary_percent: ``CANARY`` only: the share of production traffic the new tasks get first (0.1-99.9).
        canary_bake_time_minutes: ``CANARY`` only: how long that share is held before the rest moves (0-1440).
        linear_step_percent: ``LINEAR`` only: the share moved per step (3-100).
        linear_step_bake_time_minutes: ``LINEAR`` only: the wait between steps (0-1440).
        rollback_alarm_names: CloudWatch alarms that roll a deployment back while they fire (e.g. the
            load balancer's 5xx rate and latency alarms). Default none.
        role_arn: The role ECS assumes to move listener rules; required by the traffic-shifting
            strategies and the transitions. Default ``None`` (the patterns create it).
        transition: ``ROLLING`` only: ``PREPARE_TRAFFIC_SHIFTING`` or ``RETIRE_TRAFFIC_SHIFTING`` (see above).
            Default ``None``: a rolling service with one target group.
    """

    strategy: str = prop("ROLLING", choices=DEPLOYMENT_STRATEGIES)
    bake_time_minutes: int = prop(10, between=(0, 1440))
    canary_percent: float | None = prop(None, between=(0.1, 99.9))
    canary_bake_time_minutes: int | None = prop(None, between=(0, 1440))
    linear_step_percent: float | None = prop(None, between=(3, 100))
    linear_step_bake_time_minutes: int | None = prop(None, between=(0, 1440))
    rollback_alarm_names: tuple[str, ...] = ()
    role_arn: str | None = None
    transition: str | None = prop(None, choices=TRANSITIONS)

    def __post_init__(self) -> None:
        require(self.transition is None or self.strategy == "ROLLING", self, "transition",
                f"be None unless strategy is ROLLING (strategy is {self.strategy})")
        for strategy, names in (("CANARY", ("canary_percent", "canary_bake_time_minutes")),
                                ("LINEAR", ("linear_step_percent", "linear_step_bake_time_minutes"))):
            for name in names:
                given = getattr(self, name) is not None
                require(given == (self.strategy == strategy), self, name,
                        f"be given for {strategy} and only for {strategy} (strategy is {self.strategy})")

    @property
    def shifts_traffic(self) -> bool:
        """True for the strategies that move traffic between two target groups."""
        return self.strategy != "ROLLING"

    @property
    def uses_alternate_target_group(self) -> bool:
        """True when the service has the alternate target group: traffic-shifting strategies and both transitions."""
        return self.shifts_traffic or self.transition is not None

    @property
    def ecs_owns_target_group(self) -> bool:
        """True when ECS decides which target group serves (Terraform ignores the service's ``load_balancer``)."""
        return self.shifts_traffic or self.transition == RETIRE_TRAFFIC_SHIFTING


@dataclass(frozen=True)
class FargateServiceProps:
    """Props of :class:`FargateService`.

    Attributes:
        name: Service, task family and role name base, e.g. ``duckdb-analytics-prod-backend``.
        container_name: Name of the (single) container, e.g. ``backend``.
        image: Full image reference including the tag, from any registry.
        cpu: Task CPU units (1024 = 1 vCPU); with ``memory`` a pair Fargate accepts.
        memory: Task memory in MiB.
        cluster: The ECS cluster (:class:`~constructs_lib.aws.ecs_cluster.EcsCluster` or ``ExistingCluster``).
        vpc_id: The VPC of ``subnet_ids``.
        subnet_ids: Private subnets for the tasks (no public IP is ever assigned).
        region: Region of the log group.
        account_id: Account the task roles trust deliveries for.
        log_retention_days: Days container logs are kept; a value CloudWatch Logs accepts.
        container_port: The port the container listens on. Default ``None``: a worker that takes no requests.
        load_balancer: Where the tasks register, from :meth:`PublicLoadBalancer.target`; its security
            group becomes the only source allowed to reach ``container_port``, and the service waits for
            the listener rules. Needs ``container_port``. Default ``None``: no load balancer.
        image_repository_arn: The ECR repository of ``image``; the execution role may pull from it
            (and only from it). Default ``None``: an image another registry serves without credentials.
        desired_count: Tasks to start with (autoscaling adjusts it afterwards). Default 1.
        environment: Plain environment variables (never secrets). Default none.
        secrets: Variables read from Secrets Manager at start-up. Default none.
        command: Overrides the image's command. Default: the image's own.
        task_role_statements: What the application may do (the task role), e.g.
            :meth:`DataBucket.read_write_statements`; nothing by default.
        kms_key_arn: Key of the log group and of the secrets. Default ``None``.
        writable_paths: Paths given a writable scratch volume; the root filesystem is read-only. Default ``/tmp``.
        health_check_grace_period_seconds: Time load balancer health checks are ignored after a start. Default 60.
        cpu_architecture: ``X86_64`` or ``ARM64``. Default ``X86_64``.
        dependencies: Further resources the service must wait for, e.g. secret values the tasks read
            at start. Default none.
        deployment: How a new release replaces the tasks. Default :class:`Deployment` (rolling).
        capacity: Spread the tasks over on-demand Fargate and Fargate Spot. Default ``None``: on-demand
            Fargate only (the ``FARGATE`` launch type).
        permissions_boundary_arn: IAM policy set as the permissions boundary of the execution and task roles
            (a deploy identity allowed to create roles only with it cannot grant more than it allows). Default ``None``.
        role_path: IAM path of the execution and task roles, e.g. ``/duckdb-analytics-prod/`` (a deploy identity may manage the roles
            under its path only). Default ``None``: the root path.
        service_registry_arn: A Cloud Map service the tasks register in (e.g.
            :meth:`~constructs_lib.aws.service_discovery.ServiceNamespace.add_service`), so other services reach them
            inside the VPC. Default ``None``.
        internet_egress: HTTPS to any address. Default ``True``; without it the tasks reach only what
            :meth:`FargateService.allow_egress_to` and :meth:`FargateService.allow_egress_to_prefix_list` admit (e.g.
            the VPC endpoints of :class:`~constructs_lib.aws.network.Network`).
        execute_command: ECS Exec into the tasks, with their cluster's session logging
            (:attr:`~constructs_lib.aws.ecs_cluster.EcsCluster.execute_command_sessions`): the task role may open
            Session Manager channels, write that log group and decrypt with its key, nothing more; the SSM agent gets
            writable volumes at :data:`EXECUTE_COMMAND_PATHS` (the root filesystem stays read-only). Without internet
            egress the tasks need the VPC's ``ssmmessages`` and ``kms`` endpoints (``NetworkProps.execute_command``).
            Default ``None``: off.
    """

    name: str
    container_name: str
    image: str
    cpu: int
    memory: int
    cluster: EcsClusterRef
    vpc_id: str
    subnet_ids: tuple[str, ...]
    region: str
    account_id: str
    log_retention_days: int
    container_port: int | None = None
    load_balancer: LoadBalancerTarget | None = None
    image_repository_arn: str | None = None
    desired_count: int = 1
    environment: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[ContainerSecret, ...] = ()
    command: tuple[str, ...] = ()
    task_role_statements: tuple[Statement, ...] = ()
    kms_key_arn: str | None = None
    writable_paths: tuple[str, ...] = ("/tmp",)
    health_check_grace_period_seconds: int = 60
    cpu_architecture: str = "X86_64"
    dependencies: tuple[ITerraformDependable, ...] = ()
    deployment: Deployment = field(default_factory=Deployment)
    capacity: CapacitySplit | None = None
    permissions_boundary_arn: str | None = None
    role_path: str | None = None
    service_registry_arn: str | None = None
    internet_egress: bool = True
    execute_command: ExecuteCommandSessions | None = None

    def __post_init__(self) -> None:
        deployment = self.deployment
        what = deployment.transition or deployment.strategy
        if deployment.uses_alternate_target_group and (self.load_balancer is None or not self.load_balancer.shifts_traffic):
            raise ValueError(
                f"FargateServiceProps.deployment {what}: needs a load_balancer target with "
                "traffic_shifting (an alternate target group and a production listener rule)"
            )
        if deployment.uses_alternate_target_group and deployment.role_arn is None:
            raise ValueError(f"FargateServiceProps.deployment.role_arn: {what} needs the role ECS uses to move listener rules")
        problem = fargate_size_problem(self.cpu, self.memory)
        if problem is not None:
            raise ValueError(f"FargateServiceProps.cpu/memory {self.cpu}/{self.memory}: {problem}")
        if self.container_port is not None and not 1 <= self.container_port <= 65535:
            raise ValueError(f"FargateServiceProps.container_port {self.container_port}: must be 1-65535")
        if self.load_balancer is not None and self.container_port is None:
            raise ValueError("FargateServiceProps.load_balancer needs container_port: the port the targets listen on")
        object.__setattr__(self, "subnet_ids", tuple(self.subnet_ids))
        if not self.subnet_ids:
            raise ValueError("FargateServiceProps.subnet_ids must name at least one subnet")
        retention_problem = log_retention_problem(self.log_retention_days)
        if retention_problem is not None:
            raise ValueError(f"FargateServiceProps.log_retention_days {self.log_retention_days}: {retention_problem}")
        if self.desired_count < 0:
            raise ValueError(f"FargateServiceProps.desired_count {self.desired_count}: must be 0 or more")
        if self.cpu_architecture not in ("X86_64", "ARM64"):
            raise ValueError(f"FargateServiceProps.cpu_architecture {self.cpu_architecture!r}: must be X86_64 or ARM64")
        clash = set(self.environment) & {secret.name for secret in self.secrets}
        if clash:
            raise ValueError(f"FargateServiceProps: {sorted(clash)} are both plain variables and secrets")
        if not all(path.startswith("/") for path in self.writable_paths):
            raise ValueError(f"FargateServiceProps.writable_paths {self.writable_paths!r}: must be absolute paths")


class FargateService(Construct):
    """A Fargate service with its task definition, roles, log group and security group.

    The container runs with a read-only root filesystem (writable scratch volumes only where
    listed), in private subnets without a public IP, accepting traffic only from the load balancer's
    security group and sending only HTTPS out, to anywhere with ``internet_egress``, else only where
    :meth:`allow_egress_to` and :meth:`allow_egress_to_prefix_list` admit. The execution
    role may pull images, write the log group and read exactly the listed secrets; the task role gets
    only ``task_role_statements``. Deployments roll back on failure (circuit breaker).
    """

    def __init__(self, scope: Construct, id_: str, props: FargateServiceProps) -> None:
        super().__init__(scope, id_)
        self.name = props.name
        self.log_group = LogGroup(self, "logs", LogGroupProps(
            name=f"/ecs/{props.name}", retention_days=props.log_retention_days, kms_key_arn=props.kms_key_arn,
        ))
        execution_role, execution_policy = self._role("execution_role", props, "execution", self._execution_statements(props))
        self.task_role, task_policy = self._role("task_role", props, "task", (
            *props.task_role_statements, *(execute_command_statements(props.execute_command) if props.execute_command else ())))
        self.task_definition = self._task_definition(props, execution_role)
        self.security_group = self._security_group(props)
        self.service = self._ecs_service(props, role_policies=tuple(
            policy for policy in (execution_policy, task_policy) if policy))
        self._cluster_name = props.cluster.name

    def _container_definition(self, props: FargateServiceProps, volumes: Mapping[str, str]) -> dict[str, Any]:
        """The one container: read-only root filesystem, a scratch volume per writable path, logs to the log group."""
        container: dict[str, Any] = {
            "name": props.container_name,
            "image": props.image,
            "essential": True,
            "readonlyRootFilesystem": True,
            "portMappings": [{"containerPort": props.container_port, "protocol": "tcp", "name": "http"}]
            if props.container_port is not None else [],
            "environment": [{"name": key, "value": value} for key, value in sorted(props.environment.items())],
            "secrets": [{"name": secret.name, "valueFrom": secret.value_from}
                        for secret in sorted(props.secrets, key=lambda secret: secret.name)],
            "mountPoints": [{"sourceVolume": volume, "containerPath": path, "readOnly": False}
                            for path, volume in volumes.items()],
            "linuxParameters": {"initProcessEnabled": True},
            "stopTimeout": 30,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": self.log_group.name, "awslogs-region": props.region,
                            "awslogs-stream-prefix": props.container_name},
            },
        }
        if props.command:
            container["command"] = list(props.command)
        return container

    def _task_definition(self, props: FargateServiceProps, execution_role: IamRole) -> EcsTaskDefinition:
        """The task definition (construct id ``task_definition``) of the container, with its scratch volumes."""
        paths = (*props.writable_paths, *(EXECUTE_COMMAND_PATHS if props.execute_command else ()))
        volumes = {path: f"scratch-{index}" for index, path in enumerate(dict.fromkeys(paths))}
        return EcsTaskDefinition(
            self, "task_definition",
            family=props.name,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(props.cpu),
            memory=str(props.memory),
            execution_role_arn=execution_role.arn,
            task_role_arn=self.task_role.arn,
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture=props.cpu_architecture
            ),
            volume=[EcsTaskDefinitionVolume(name=volume) for volume in volumes.values()],
            container_definitions=json.dumps([self._container_definition(props, volumes)], sort_keys=True),
        )

    def _security_group(self, props: FargateServiceProps) -> SecurityGroup:
        """The tasks' security group: requests from the load balancer only; HTTPS out with ``internet_egress``."""
        security_group = SecurityGroup(
            self, "security_group", name_prefix=f"{props.name[:40]}-", vpc_id=props.vpc_id,
            description=f"{props.name} tasks: traffic from the load balancer only",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        target = props.load_balancer
        if target is not None and props.container_port is not None:
            VpcSecurityGroupIngressRule(
                self, "from_load_balancer", security_group_id=security_group.id, ip_protocol="tcp",
                from_port=props.container_port, to_port=props.container_port,
                referenced_security_group_id=target.security_group_id,
                description="Requests forwarded by the load balancer",
            )
        if props.internet_egress:
            VpcSecurityGroupEgressRule(
                self, "https_out", security_group_id=security_group.id, ip_protocol="tcp", from_port=443,
                to_port=443, cidr_ipv4="0.0.0.0/0",
                description="HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch, S3) and the internet",
            )
        return security_group

    def _ecs_service(self, props: FargateServiceProps, role_policies: tuple[IamRolePolicy, ...]) -> EcsService:
        """The ECS service (construct id ``service``): private subnets, rollback on failure, and the deployment."""
        target = props.load_balancer
        return EcsService(
            self, "service",
            name=props.name,
            cluster=props.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=props.desired_count,
            launch_type="FARGATE" if props.capacity is None else None,
            capacity_provider_strategy=_capacity_strategy(props.capacity),
            platform_version="LATEST",
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=list(props.subnet_ids), security_groups=[self.security_group.id], assign_public_ip=False
            ),
            load_balancer=[EcsServiceLoadBalancer(
                target_group_arn=target.target_group_arn, container_name=props.container_name,
                container_port=props.container_port,
                advanced_configuration=_traffic_shifting(target, props.deployment),
            )] if target is not None else None,
            deployment_configuration=_deployment_configuration(props.deployment),
            service_registries=EcsServiceServiceRegistries(registry_arn=props.service_registry_arn)
            if props.service_registry_arn else None,
            alarms=EcsServiceAlarms(alarm_names=list(props.deployment.rollback_alarm_names), enable=True, rollback=True)
            if props.deployment.rollback_alarm_names else None,
            health_check_grace_period_seconds=props.health_check_grace_period_seconds if target is not None else None,
            deployment_circuit_breaker=EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            enable_execute_command=props.execute_command is not None,
            lifecycle=TerraformResourceLifecycle(ignore_changes=_owned_elsewhere(props.deployment)),
            # Tasks start right away: their permissions and load balancer rules must exist before, not eventually.
            depends_on=[*(target.dependencies if target is not None else ()), *props.dependencies, *role_policies],
        )

    def _role(
        self, id_: str, props: FargateServiceProps, kind: str, statements: tuple[Statement, ...]
    ) -> tuple[IamRole, IamRolePolicy | None]:
        trust = policy_document(self, f"{id_}_trust", (Statement(
            sid="EcsTasksAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
            principals=(("Service", ("ecs-tasks.amazonaws.com",)),),
            conditions=(Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),),
        ),))
        role = IamRole(self, id_, name_prefix=role_name_prefix(props.name, kind), assume_role_policy=trust.json,
                       description=f"{props.name} {kind} role", permissions_boundary=props.permissions_boundary_arn,
                       path=props.role_path)
        if not statements:
            return role, None
        document = policy_document(self, f"{id_}_permissions", statements)
        return role, IamRolePolicy(self, f"{id_}_policy", role=role.id, policy=document.json)

    def _execution_statements(self, props: FargateServiceProps) -> tuple[Statement, ...]:
        statements: list[Statement] = []
        if props.image_repository_arn is not None:
            statements += [
                # GetAuthorizationToken has no resource: it returns a login for the registry, pulls are per repository.
                Statement(sid="EcrAuthorization", actions=("ecr:GetAuthorizationToken",), resources=("*",)),
                Statement(
                    sid="PullImage",
                    actions=("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"),
                    resources=(props.image_repository_arn,),
                ),
            ]
        statements.append(Statement(sid="WriteLogs", actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                                    resources=(f"{self.log_group.arn}:*",)))
        if props.secrets:
            statements.append(Statement(
                sid="ReadSecrets", actions=("secretsmanager:GetSecretValue",),
                resources=tuple(sorted({secret.policy_arn or secret.secret_arn for secret in props.secrets})),
            ))
            if props.kms_key_arn:
                # Only Secrets Manager decrypts for the agent: the role cannot decrypt anything else with the key.
                statements.append(Statement(
                    sid="DecryptSecrets", actions=("kms:Decrypt",), resources=(props.kms_key_arn,),
                    conditions=(Condition("StringEquals", "kms:ViaService",
                                          (f"secretsmanager.{props.region}.amazonaws.com",)),)))
        return tuple(statements)

    @property
    def service_name(self) -> str:
        """The ECS service name."""
        return self.service.name

    @property
    def cluster_name(self) -> str:
        """The name of the service's cluster."""
        return self._cluster_name

    @property
    def security_group_id(self) -> str:
        """The tasks' security group (admit it where the tasks connect to, e.g. a database)."""
        return self.security_group.id

    @property
    def task_role_name(self) -> str:
        """The task role's name (attach more policies to it, e.g. with ``aws_iam_role_policy_attachment``)."""
        return self.task_role.name

    @property
    def task_role_arn(self) -> str:
        """The role the application runs as (grant it what the application may do)."""
        return self.task_role.arn

    @property
    def log_group_name(self) -> str:
        """The log group of the containers' output."""
        return self.log_group.name

    def allow_egress_to_internet(self, id_: str, port: int, description: str) -> None:
        """Lets the tasks open TCP connections to any address on ``port`` (besides HTTPS)."""
        VpcSecurityGroupEgressRule(
            self, id_, security_group_id=self.security_group.id, ip_protocol="tcp", from_port=port, to_port=port,
            cidr_ipv4="0.0.0.0/0", description=description,
        )

    def allow_egress_to_prefix_list(self, id_: str, prefix_list_id: str, port: int, description: str) -> None:
        """Lets the tasks open TCP connections on ``port`` to the addresses of a prefix list (e.g. S3's, behind a
        gateway endpoint)."""
        VpcSecurityGroupEgressRule(
            self, id_, security_group_id=self.security_group.id, ip_protocol="tcp", from_port=port, to_port=port,
            prefix_list_id=prefix_list_id, description=description,
        )

    def allow_egress_to(self, id_: str, security_group_id: str, port: int, description: str) -> None:
        """Lets the tasks open TCP connections to ``security_group_id`` on ``port`` (e.g. the database)."""
        VpcSecurityGroupEgressRule(
            self, id_, security_group_id=self.security_group.id, ip_protocol="tcp", from_port=port, to_port=port,
            referenced_security_group_id=security_group_id, description=description,
        )


def _owned_elsewhere(deployment: Deployment) -> list[str]:
    """What Terraform leaves alone: the task count (autoscaling owns it) and, where ECS alternates the target groups,
    ``load_balancer``. The provider keeps it as a set, which ``ignore_changes`` cannot index into, so the whole block
    is the narrowest path; its advanced configuration is sent while the service prepares for traffic shifting."""
    return ["desired_count", "load_balancer"] if deployment.ecs_owns_target_group else ["desired_count"]


def _traffic_shifting(target: LoadBalancerTarget, deployment: Deployment) -> EcsServiceLoadBalancerAdvancedConfiguration | None:
    if not deployment.uses_alternate_target_group:
        return None
    return EcsServiceLoadBalancerAdvancedConfiguration(
        alternate_target_group_arn=target.alternate_target_group_arn,
        production_listener_rule=target.production_listener_rule_arn,
        test_listener_rule=target.test_listener_rule_arn,
        role_arn=deployment.role_arn,
    )


def _deployment_configuration(deployment: Deployment) -> EcsServiceDeploymentConfiguration:
    """The strategy, always written out: the provider keeps the block as optional and computed, and sends it only
    when the configuration changes it, so leaving it out would keep a service on its previous strategy."""
    if not deployment.shifts_traffic:
        return EcsServiceDeploymentConfiguration(strategy="ROLLING")
    canary = linear = None
    if deployment.strategy == "CANARY":
        canary = EcsServiceDeploymentConfigurationCanaryConfiguration(
            canary_percent=deployment.canary_percent,
            canary_bake_time_in_minutes=str(deployment.canary_bake_time_minutes),
        )
    if deployment.strategy == "LINEAR":
        linear = EcsServiceDeploymentConfigurationLinearConfiguration(
            step_percent=deployment.linear_step_percent,
            step_bake_time_in_minutes=str(deployment.linear_step_bake_time_minutes),
        )
    return EcsServiceDeploymentConfiguration(
        strategy=deployment.strategy, bake_time_in_minutes=str(deployment.bake_time_minutes),
        canary_configuration=canary, linear_configuration=linear,
    )


def _capacity_strategy(capacity: CapacitySplit | None) -> list[EcsServiceCapacityProviderStrategy] | None:
    if capacity is None:
        return None
    return [
        EcsServiceCapacityProviderStrategy(capacity_provider="FARGATE", base=capacity.on_demand_base,
                                           weight=capacity.on_demand_weight),
        EcsServiceCapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=capacity.spot_weight),
    ]
