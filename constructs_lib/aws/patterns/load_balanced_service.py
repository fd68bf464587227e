"""LoadBalancedFargateService: one container service behind its own or a shared load balancer."""

from __future__ import annotations

from dataclasses import field
from typing import Union

from constructs import Construct

from ...naming import PlatformIdentity
from ...props import Shown, checked, label_of, prop, require
from ...cloud_limits import AWS_ACCOUNT_PATTERN, AWS_REGION_PATTERN, LOG_RETENTION_DAYS
from ...shared_specs import Alerting, DataAccess, DataBucketName, InternalServiceUrl, ServiceUrl
from ..container_repository import ContainerRepository
from ..ecs_cluster import EcsClusterRef
from ..encryption_key import EncryptionKey
from ..fargate_service import FargateService
from ..load_balancer import PublicLoadBalancer
from ..log_bucket import LogBucket, LogBucketProps
from ..network import NetworkRef
from ..web_acl import WebAcl
from ._platform_key import key_description
from ._services import ServicePattern, platform_repository, target_spec
from .specs import LoadBalancerSpec, NetworkSpec, ReleaseSpec, ServiceSpec
from .web_platform import check_release


@checked
class LoadBalancedFargateServiceProps:
    """Props of :class:`LoadBalancedFargateService`.

    Attributes:
        identity: Project and environment; names start with ``<project>-<environment>-<service>``.
        account_id: The AWS account.
        region: The region of the stack's AWS provider.
        network: A :class:`NetworkSpec` to create a VPC, or an existing one
            (:class:`~constructs_lib.aws.network.Network`, ``ExistingNetwork``).
        service: The service; it needs a port. With a shared load balancer it needs ``routes``.
        load_balancer: A :class:`LoadBalancerSpec` for a load balancer of its own (with WAF and
            alarms), or a :class:`~constructs_lib.aws.load_balancer.PublicLoadBalancer` to share.
        cluster: The ECS cluster. Default ``None``: one of its own.
        alerting: Who is alerted and when. Default: thresholds 5 % and 2 s, no subscriber.
        log_retention_days: Days every log is kept; a value CloudWatch Logs accepts. Default 30.
        deletion_protection: An own load balancer refuses deletion. Default ``True``.
        release: How new releases reach users (rolling, blue/green, canary, linear). With an own load
            balancer its 5xx-rate and latency alarms roll a deployment back; a shared load balancer's
            test listener (if it has one) routes the test traffic. Default rolling.
    """

    identity: PlatformIdentity
    account_id: str = prop(pattern=AWS_ACCOUNT_PATTERN, rule="be a 12-digit AWS account ID")
    region: str = prop(pattern=AWS_REGION_PATTERN, rule="be an AWS region such as us-east-1")
    network: Union[NetworkSpec, NetworkRef]
    service: ServiceSpec
    load_balancer: Union[LoadBalancerSpec, PublicLoadBalancer]
    cluster: EcsClusterRef | None = None
    alerting: Alerting = field(default_factory=Alerting)
    log_retention_days: int = prop(30, choices=LOG_RETENTION_DAYS)
    deletion_protection: bool = True
    release: ReleaseSpec = field(default_factory=ReleaseSpec)

    def __post_init__(self) -> None:
        spec, shared = self.service, isinstance(self.load_balancer, PublicLoadBalancer)
        check_release(self.release, (spec,), has_load_balancer=True, owner=self)
        require(not shared or self.release.test_listener is None, self, "release",
                "have no test_listener with a shared load balancer (PublicLoadBalancerProps.test_listener)")
        service = Shown(label_of(spec))
        require(spec.port is not None, self, "service", "have a port to sit behind a load balancer", value=service)
        require(not shared or bool(spec.routes), self, "service", "have routes on a shared load balancer", value=service)
        require(spec.data_access is DataAccess.NONE and not spec.database_access, self, "service",
                "use no data bucket or database (WebPlatform has them)", value=service)
        require(not spec.execute_command, self, "service", "leave execute_command off (WebPlatform has it)", value=service)
        for variable, value in spec.environment.items():
            require(not isinstance(value, (ServiceUrl, InternalServiceUrl, DataBucketName)), spec, "environment",
                    "hold text here (pattern values need WebPlatform)", value=Shown(f"{variable}={value!r}"))


class LoadBalancedFargateService(ServicePattern):
    """One Fargate service behind an internet-facing load balancer, with autoscaling, alarms and log retention.

    With a :class:`LoadBalancerSpec` it gets a load balancer of its own (HTTPS or plain HTTP, WAF,
    access logs to its own log bucket, 5xx/latency/health alarms); with a shared
    :class:`~constructs_lib.aws.load_balancer.PublicLoadBalancer` its routes are added to it. Either way
    it gets its own KMS key (logs, alert topic), an ECS cluster unless one is given, an ECR repository
    when its image asks for one, CPU/memory alarms and an SNS topic.
    """

    def __init__(self, scope: Construct, id_: str, props: LoadBalancedFargateServiceProps) -> None:
        spec, identity = props.service, props.identity
        name = identity.name(spec.name)
        super().__init__(scope, id_, name=name, identity=identity, account_id=props.account_id, region=props.region,
                         log_retention_days=props.log_retention_days)
        self._add_key(name, key_description(identity))
        self._network = self._add_network(props.network) if isinstance(props.network, NetworkSpec) else props.network
        self._repository: ContainerRepository | None = platform_repository(self, spec, identity, self._key.arn)
        self._cluster = props.cluster or self._add_cluster()
        own_load_balancer = isinstance(props.load_balancer, LoadBalancerSpec)
        self._load_balancer = self._attach_load_balancer(props)
        self._add_alert_topics(props.alerting)
        thresholds = props.alerting.thresholds
        alarms = self._add_load_balancer_alarms(self._load_balancer, thresholds, (spec,)) if own_load_balancer else None
        context = self._service_context(props.release, alarms)
        self._service = self._add_services((spec,), context, {spec.name: self._repository})[spec.name]
        self._add_service_alarms((spec,), {spec.name: self._service}, thresholds)

    def _attach_load_balancer(self, props: LoadBalancedFargateServiceProps) -> PublicLoadBalancer:
        """A load balancer of its own (with its log bucket), or the shared one with the service's target added."""
        spec, name = props.service, self._name
        target = target_spec(spec, props.release.uses_alternate_target_group)
        if isinstance(props.load_balancer, PublicLoadBalancer):
            props.load_balancer.add_target(target)
            return props.load_balancer
        log_bucket = LogBucket(self, "log_bucket", LogBucketProps(
            bucket_prefix=f"{name[:31].rstrip('-')}-logs-", account_id=props.account_id, region=props.region,
            retention_days=props.log_retention_days,
        ))
        return self._add_edge(props.load_balancer, name=name[:32].rstrip("-"), targets=(target,),
                              idle_timeout_seconds=spec.request_timeout_seconds, log_bucket=log_bucket,
                              deletion_protection=props.deletion_protection, release=props.release)

    @property
    def key(self) -> EncryptionKey:
        """The KMS key of the service's logs and alert topic."""
        return self._key

    @property
    def network(self) -> NetworkRef:
        """The VPC the service runs in (created from a ``NetworkSpec``, or the one given)."""
        return self._network

    @property
    def cluster(self) -> EcsClusterRef:
        """The ECS cluster (its own, or the one given)."""
        return self._cluster

    @property
    def load_balancer(self) -> PublicLoadBalancer:
        """The load balancer the service is behind (its own, or the shared one)."""
        return self._load_balancer

    @property
    def web_acl(self) -> WebAcl | None:
        """The web ACL of an own load balancer; ``None`` when shared (protect it where it is created)."""
        return self._web_acl

    @property
    def repository(self) -> ContainerRepository | None:
        """The ECR repository the pattern created, ``None`` for an image from elsewhere."""
        return self._repository




    @property
    def fargate_service(self) -> FargateService:
        """The Fargate service (roles, security group, log group)."""
        return self._service

    @property
    def service_name(self) -> str:
        """The ECS service name."""
        return self._service.service_name

    @property
    def security_group_id(self) -> str:
        """The tasks' security group."""
        return self._service.security_group_id

    @property
    def task_role_arn(self) -> str:
        """The ARN of the service's task role (what the application may do: its ``permissions``)."""
        return self._service.task_role_arn

    @property
    def task_role_name(self) -> str:
        """The name of the service's task role, e.g. to attach a managed policy."""
        return self._service.task_role_name

    @property
    def url(self) -> str | None:
        """The URL of an own load balancer (``https://<domain>`` or ``http://<dns name>``); ``None`` when shared."""
        return self._url

    @property
    def load_balancer_dns_name(self) -> str:
        """The DNS name of the load balancer the service is behind."""
        return self._load_balancer.dns_name


    @property
    def repository_url(self) -> str | None:
        """The ECR repository the pattern created (push images here), ``None`` for another registry."""
        return self._repository.url if self._repository is not None else None
