"""An internet-facing Application Load Balancer that routes by path to private Fargate targets."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction, LbListenerDefaultActionRedirect
from cdktf_cdktf_provider_aws.lb_listener_rule import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleCondition,
    LbListenerRuleConditionPathPattern,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

#: TLS 1.3 and 1.2 only, forward secrecy only.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class TargetSpec:
    """A group of targets behind the load balancer.

    Attributes:
        name: Short name, e.g. ``backend`` (first five characters prefix the target group name).
        port: The port targets listen on.
        health_check_path: Path that answers 200 when a target is healthy.
        path_patterns: Request paths routed here, e.g. ``("/api/*", "/health")``; empty for the default target.
    """

    name: str
    port: int
    health_check_path: str
    path_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublicLoadBalancerProps:
    """Props of :class:`PublicLoadBalancer`.

    Attributes:
        name: Load balancer name (at most 32 characters).
        vpc_id: The VPC.
        vpc_cidr: The VPC block; the load balancer sends traffic only into it.
        subnet_ids: Public subnets, at least two zones.
        targets: Target groups; exactly one without ``path_patterns`` receives everything else.
        access_log_bucket: Bucket receiving access logs (SSE-S3, with a log delivery policy).
        access_log_prefix: Key prefix of the access logs. Default ``alb``.
        certificate_arn: Certificate of the HTTPS listener; port 80 then redirects to HTTPS.
            ``None`` serves plain HTTP on port 80 only (for development environments).
        deletion_protection: Refuse deletion through the API. Default ``True``.
        idle_timeout_seconds: Connection idle timeout. Default 60.
        domain_name: A name to point at the load balancer (Route 53 alias). Default ``None``.
        hosted_zone_id: The zone of ``domain_name``. Default ``None``.
        dependencies: Resources the load balancer must wait for, e.g. the access log bucket's policy
            (enabling access logs writes a test object). Default none.
    """

    name: str
    vpc_id: str
    vpc_cidr: ipaddress.IPv4Network
    subnet_ids: tuple[str, ...]
    targets: tuple[TargetSpec, ...]
    access_log_bucket: str
    access_log_prefix: str = "alb"
    certificate_arn: str | None = None
    deletion_protection: bool = True
    idle_timeout_seconds: int = 60
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    dependencies: tuple[ITerraformDependable, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= len(self.name) <= 32:
            raise ValueError(f"PublicLoadBalancerProps.name {self.name!r}: must be 1 to 32 characters")
        if len(self.subnet_ids) < 2:
            raise ValueError("PublicLoadBalancerProps.subnet_ids must span at least two availability zones")
        defaults = [target for target in self.targets if not target.path_patterns]
        if len(defaults) != 1:
            raise ValueError("PublicLoadBalancerProps.targets: exactly one target must have no path_patterns")
        if len({target.name[:5] for target in self.targets}) != len(self.targets):
            raise ValueError("PublicLoadBalancerProps.targets: names must differ in their first five characters")
        if (self.domain_name is None) != (self.hosted_zone_id is None):
            raise ValueError("PublicLoadBalancerProps: domain_name and hosted_zone_id go together")


class PublicLoadBalancer(Construct):
    """An internet-facing ALB in public subnets.

    Accepts 80 (and 443 with a certificate) from anywhere and sends traffic only to the target
    ports inside the VPC. HTTPS uses a TLS 1.2+ policy and port 80 redirects to it; invalid header
    fields are dropped; access logs go to S3. Requests matching a target's path patterns go to that
    target, all others to the default target.
    """

    def __init__(self, scope: Construct, id_: str, props: PublicLoadBalancerProps) -> None:
        super().__init__(scope, id_)
        self.security_group = SecurityGroup(
            self, "security_group", name_prefix=f"{props.name}-alb-", vpc_id=props.vpc_id,
            description=f"{props.name} load balancer: web traffic in, target ports out",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        listener_ports = (80,) if props.certificate_arn is None else (80, 443)
        for port in listener_ports:
            VpcSecurityGroupIngressRule(
                self, f"ingress_{port}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0", description=f"Web clients on port {port}",
            )
        for port in sorted({target.port for target in props.targets}):
            VpcSecurityGroupEgressRule(
                self, f"egress_{port}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=port, to_port=port, cidr_ipv4=str(props.vpc_cidr), description=f"Targets on port {port}",
            )

        self.load_balancer = Lb(
            self, "load_balancer",
            name=props.name,
            load_balancer_type="application",
            internal=False,
            subnets=list(props.subnet_ids),
            security_groups=[self.security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=props.deletion_protection,
            idle_timeout=props.idle_timeout_seconds,
            access_logs=LbAccessLogs(bucket=props.access_log_bucket, prefix=props.access_log_prefix, enabled=True),
            depends_on=list(props.dependencies),
        )

        self.target_groups: dict[str, LbTargetGroup] = {}
        for target in props.targets:
            self.target_groups[target.name] = LbTargetGroup(
                self, f"{target.name}_targets",
                name_prefix=f"{target.name[:5]}-",
                port=target.port,
                protocol="HTTP",
                target_type="ip",
                vpc_id=props.vpc_id,
                deregistration_delay="30",
                health_check=LbTargetGroupHealthCheck(
                    enabled=True, path=target.health_check_path, protocol="HTTP", port="traffic-port",
                    matcher="200", interval=15, timeout=5, healthy_threshold=2, unhealthy_threshold=3,
                ),
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            )
        default_target = next(target for target in props.targets if not target.path_patterns)
        forward_default = LbListenerDefaultAction(
            type="forward", target_group_arn=self.target_groups[default_target.name].arn
        )

        if props.certificate_arn is None:
            self.listener = LbListener(self, "http_listener", load_balancer_arn=self.load_balancer.arn, port=80,
                                       protocol="HTTP", default_action=[forward_default])
        else:
            self.listener = LbListener(
                self, "https_listener", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
                ssl_policy=TLS_POLICY, certificate_arn=props.certificate_arn, default_action=[forward_default],
            )
            LbListener(self, "http_redirect", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                       default_action=[LbListenerDefaultAction(
                           type="redirect",
                           redirect=LbListenerDefaultActionRedirect(port="443", protocol="HTTPS", status_code="HTTP_301"),
                       )])

        #: Everything that attaches the target groups to the load balancer; services wait for these.
        self.routing: list[ITerraformDependable] = [self.listener]
        routed = [target for target in props.targets if target.path_patterns]
        for priority, target in enumerate(routed, start=1):
            rule = LbListenerRule(
                self, f"{target.name}_route",
                listener_arn=self.listener.arn,
                priority=priority * 10,
                action=[LbListenerRuleAction(type="forward", target_group_arn=self.target_groups[target.name].arn)],
                condition=[LbListenerRuleCondition(
                    path_pattern=LbListenerRuleConditionPathPattern(values=list(target.path_patterns))
                )],
            )
            self.routing.append(rule)

        if props.domain_name is not None and props.hosted_zone_id is not None:
            Route53Record(
                self, "alias", zone_id=props.hosted_zone_id, name=props.domain_name, type="A",
                alias=Route53RecordAlias(name=self.load_balancer.dns_name, zone_id=self.load_balancer.zone_id,
                                         evaluate_target_health=True),
            )

    @property
    def arn(self) -> str:
        """The load balancer ARN."""
        return self.load_balancer.arn

    @property
    def dns_name(self) -> str:
        """The load balancer's DNS name."""
        return self.load_balancer.dns_name

    @property
    def arn_suffix(self) -> str:
        """The ``app/<name>/<id>`` part CloudWatch metrics use as dimension."""
        return self.load_balancer.arn_suffix
