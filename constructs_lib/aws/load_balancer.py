"""An internet-facing Application Load Balancer that routes by path to private Fargate targets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import (
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionFixedResponse,
    LbListenerDefaultActionRedirect,
)
from cdktf_cdktf_provider_aws.lb_listener_rule import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleActionForward,
    LbListenerRuleActionForwardTargetGroup,
    LbListenerRuleCondition,
    LbListenerRuleConditionPathPattern,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordAlias,
    Route53RecordFailoverRoutingPolicy,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ..props import checked, prop, require
from ..shared_specs import check_test_sources
from .network import NetworkRef

#: TLS 1.3, and TLS 1.2 with ECDHE key exchange and AES-GCM only: no CBC suite, none without forward secrecy
#: (the ``-Res-`` policy; ``ELBSecurityPolicy-TLS13-1-2-2021-06`` still offers ``AES128-SHA256`` and the like).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
#: ``Strict-Transport-Security`` of HTTPS responses: browsers use HTTPS only for a year (no subdomains, no preload).
HSTS_HEADER = "max-age=31536000"
#: What the load balancer does with a client's ``X-Forwarded-For``: ``remove`` drops it, so no client-supplied
#: address reaches a service (the client address is in the access and WAF logs); ``append`` adds the client's.
XFF_MODES = ("remove", "append", "preserve")
_MATCHER = re.compile(r"[0-9]{3}([-,][0-9]{3})*")
#: A health check's path: absolute, without a query.
HEALTH_PATH = re.compile(r"/[^?#\s]*")
HEALTH_PATH_RULE = "be a URL path starting with '/', without a query"
FAILOVER_ROLES = ("PRIMARY", "SECONDARY")


@dataclass(frozen=True)
class DnsFailover:
    """Makes a load balancer's alias record one of a Route 53 failover pair for the same name.

    Route 53 answers with the ``PRIMARY`` record while its own health check passes (target health is not
    evaluated: a target group failing during a deployment must not move the site to a standby whose database is
    read-only), otherwise with the ``SECONDARY`` one (while that load balancer has healthy targets). The primary's health check requests
    ``https://<load balancer DNS name><health_check_path>`` with SNI from Route 53's checkers, which run
    outside any one region. Route 53 cannot hold a simple and a failover record of one name and type at once:
    turning an existing simple record into a failover record replaces it (a few seconds without the record).

    Attributes:
        role: ``PRIMARY`` or ``SECONDARY``; also the record's set identifier (lowercase).
        health_check_path: The path the primary's health check requests. Required for ``PRIMARY``, not
            used for ``SECONDARY``.
        failure_threshold: Consecutive failed checks before the primary counts as unhealthy (1-10). Default 3.
        request_interval: Seconds between checks from each checker, 10 or 30. Default 30.
    """

    role: str
    health_check_path: str | None = None
    failure_threshold: int = 3
    request_interval: int = 30

    def __post_init__(self) -> None:
        if self.role not in FAILOVER_ROLES:
            raise ValueError(f"DnsFailover.role {self.role!r}: must be PRIMARY or SECONDARY")
        if (self.role == "PRIMARY") != (self.health_check_path is not None):
            raise ValueError(f"DnsFailover.health_check_path: needed for the PRIMARY record (what fails it over) and "
                             f"only there, got {self.health_check_path!r} for {self.role}")
        if self.health_check_path is not None and not self.health_check_path.startswith("/"):
            raise ValueError(f"DnsFailover.health_check_path {self.health_check_path!r}: must start with '/'")
        if not 1 <= self.failure_threshold <= 10:
            raise ValueError(f"DnsFailover.failure_threshold {self.failure_threshold}: must be 1 to 10")
        if self.request_interval not in (10, 30):
            raise ValueError(f"DnsFailover.request_interval {self.request_interval}: must be 10 or 30")

    @property
    def set_identifier(self) -> str:
        return self.role.lower()


@checked
class HealthCheck:
    """How the load balancer decides that a target is healthy.

    Attributes:
        path: Path requested, e.g. ``/health``. Default ``/``.
        matcher: HTTP codes that count as healthy, e.g. ``200``, ``200-299`` or ``200,204``. Default ``200``.
        interval_seconds: Time between checks (5-300). Default 15.
        timeout_seconds: Time to answer (2-120, below the interval). Default 5.
        healthy_threshold: Successes before a target receives traffic (2-10). Default 2.
        unhealthy_threshold: Failures before a target is taken out (2-10). Default 3.
    """

    path: str = prop("/", pattern=HEALTH_PATH, rule=HEALTH_PATH_RULE)
    matcher: str = prop("200", pattern=_MATCHER, rule="be HTTP codes such as 200, 200-299 or 200,204")
    interval_seconds: int = prop(15, between=(5, 300))
    timeout_seconds: int = prop(5, between=(2, 120))
    healthy_threshold: int = prop(2, between=(2, 10))
    unhealthy_threshold: int = prop(3, between=(2, 10))

    def __post_init__(self) -> None:
        require(self.timeout_seconds < self.interval_seconds, self, "timeout_seconds",
                f"be below interval_seconds ({self.interval_seconds})")


@dataclass(frozen=True)
class TargetSpec:
    """A group of targets behind the load balancer.

    Attributes:
        name: Short name, e.g. ``backend`` (its first five characters prefix the target group name,
            so they differ between targets).
        port: The port targets listen on.
        health_check: How targets are checked. Default :class:`HealthCheck` (``GET /`` answering 200).
        path_patterns: Request paths routed here, e.g. ``("/api/*", "/health")``; empty for the default target.
        traffic_shifting: Prepare the target for ECS blue/green, canary and linear deployments: a
            second (alternate) target group, a production listener rule forwarding to both by weight
            (ECS owns the weights, Terraform ignores them) and, with a test listener, a test rule.
            Default ``False``: one target group, rolling deployments.
    """

    name: str
    port: int
    health_check: HealthCheck = field(default_factory=HealthCheck)
    path_patterns: tuple[str, ...] = ()
    traffic_shifting: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"TargetSpec.port {self.port}: must be 1 to 65535")
        object.__setattr__(self, "path_patterns", tuple(self.path_patterns))
        if not all(pattern.startswith("/") for pattern in self.path_patterns):
            raise ValueError(f"TargetSpec.path_patterns {self.path_patterns!r}: must start with '/'")


@checked
class TestListener:
    """A second listener that reaches the new version of traffic-shifting targets before production traffic does.

    The load balancer is internet-facing: its name resolves to public addresses, so a client connects from its
    public (egress) address, also from inside a VPC (through its NAT gateway) or over a VPN.

    Attributes:
        allowed_cidrs: Public sources that may connect (the egress addresses of the VPN or of the CI runners),
            as text; none may be wider than /8, so a test route is never open to the internet, and none may be a
            private range, which never reaches it.
        port: Its port; not 80 or 443. Default 8443. HTTPS with the load balancer's certificate when it
            has one, else HTTP.
    """

    allowed_cidrs: tuple[str, ...]
    port: int = prop(8443, between=(1, 65535), rule="be a whole number from 1 to 65535, not 80 or 443")

    def __post_init__(self) -> None:
        require(bool(self.allowed_cidrs), self, "allowed_cidrs", "name at least one source range")
        check_test_sources(self, "allowed_cidrs")
        require(self.port not in (80, 443), self, "port", "be a whole number from 1 to 65535, not 80 or 443")


@dataclass(frozen=True)
class LoadBalancerTarget:
    """What a service needs to register with a load balancer: see :meth:`PublicLoadBalancer.target`.

    Attributes:
        target_group_arn: The target group the tasks register with.
        security_group_id: The load balancer's security group, the only source the tasks admit.
        dependencies: Listener and rules that attach the target group (ECS refuses a target group
            that no listener uses, so the service waits for them).
        alternate_target_group_arn: The second target group of a traffic-shifting target. Default ``None``.
        production_listener_rule_arn: The rule whose weights ECS moves between the two groups. Default ``None``.
        test_listener_rule_arn: The test listener's rule, which reaches the new tasks first. Default ``None``.
    """

    target_group_arn: str
    security_group_id: str
    dependencies: tuple[ITerraformDependable, ...] = ()
    alternate_target_group_arn: str | None = None
    production_listener_rule_arn: str | None = None
    test_listener_rule_arn: str | None = None

    @property
    def shifts_traffic(self) -> bool:
        """True when the target has what ECS needs to shift traffic between two target groups."""
        return self.alternate_target_group_arn is not None and self.production_listener_rule_arn is not None


@dataclass(frozen=True)
class PublicLoadBalancerProps:
    """Props of :class:`PublicLoadBalancer`.

    Attributes:
        name: Load balancer name (at most 32 characters).
        network: The VPC (:class:`~constructs_lib.aws.network.Network` or ``ExistingNetwork``): the load
            balancer sits in its public subnets (two zones or more) and sends traffic only into its block.
        targets: Target groups; at most one without ``path_patterns`` receives every other request.
            More can be added with :meth:`PublicLoadBalancer.add_target`. Without a default target,
            other requests are answered with 404. Default none.
        access_log_bucket: Bucket receiving access logs (SSE-S3, with a log delivery policy).
        access_log_prefix: Key prefix of the access logs. Default ``alb``.
        certificate_arn: Certificate of the HTTPS listener; port 80 then redirects to HTTPS.
            ``None`` serves plain HTTP on port 80 only (for development environments).
        deletion_protection: Refuse deletion through the API. Default ``True``.
        idle_timeout_seconds: How long a connection, to a client or to a target, may stay idle (also the longest a
            request may wait for its first response byte). A target must keep idle connections open longer
            (its keep-alive timeout above this), or the load balancer reuses one the target is closing: a 502.
            Default 60.
        xff_header_processing_mode: One of :data:`XFF_MODES`. Default ``remove``.
        hsts: ``Strict-Transport-Security`` value of HTTPS responses; ``None`` sends none. Default :data:`HSTS_HEADER`.
        domain_name: A name to point at the load balancer (Route 53 alias). Default ``None``.
        hosted_zone_id: The zone of ``domain_name``. Default ``None``.
        dependencies: Resources the load balancer must wait for, e.g. the access log bucket's policy
            (enabling access logs writes a test object). Default none.
        test_listener: A listener that reaches the new tasks of traffic-shifting targets first.
            Default ``None``: none (deployments still shift traffic, without a test route).
        dns_failover: Makes the alias record of ``domain_name`` a Route 53 failover record (primary or
            secondary of a pair). Default ``None``: a simple alias record.
    """

    name: str
    network: NetworkRef
    access_log_bucket: str
    targets: tuple[TargetSpec, ...] = ()
    access_log_prefix: str = "alb"
    certificate_arn: str | None = None
    deletion_protection: bool = True
    idle_timeout_seconds: int = 60
    xff_header_processing_mode: str = "remove"
    hsts: str | None = HSTS_HEADER
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    dependencies: tuple[ITerraformDependable, ...] = ()
    test_listener: TestListener | None = None
    dns_failover: DnsFailover | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.name) <= 32:
            raise ValueError(f"PublicLoadBalancerProps.name {self.name!r}: must be 1 to 32 characters")
        if len(self.network.public_subnet_ids) < 2:
            raise ValueError("PublicLoadBalancerProps.network must have public subnets in at least two availability zones")
        object.__setattr__(self, "targets", tuple(self.targets))
        _check_targets(self.targets, "PublicLoadBalancerProps.targets")
        if (self.domain_name is None) != (self.hosted_zone_id is None):
            raise ValueError("PublicLoadBalancerProps: domain_name and hosted_zone_id go together")
        if self.dns_failover is not None and self.domain_name is None:
            raise ValueError("PublicLoadBalancerProps.dns_failover: needs domain_name and hosted_zone_id (the record)")
        if self.dns_failover is not None and self.dns_failover.health_check_path and self.certificate_arn is None:
            raise ValueError("PublicLoadBalancerProps.dns_failover: the primary's health check speaks HTTPS; give "
                             "certificate_arn")
        if not 1 <= self.idle_timeout_seconds <= 4000:
            raise ValueError(f"PublicLoadBalancerProps.idle_timeout_seconds {self.idle_timeout_seconds}: must be 1 to 4000")
        if self.xff_header_processing_mode not in XFF_MODES:
            raise ValueError(f"PublicLoadBalancerProps.xff_header_processing_mode {self.xff_header_processing_mode!r}: "
                             f"must be one of {', '.join(XFF_MODES)}")


def _not_found() -> LbListenerDefaultAction:
    return LbListenerDefaultAction(type="fixed-response", fixed_response=LbListenerDefaultActionFixedResponse(
        content_type="text/plain", message_body="Not found", status_code="404"))


def _paths(patterns: tuple[str, ...]) -> LbListenerRuleCondition:
    return LbListenerRuleCondition(path_pattern=LbListenerRuleConditionPathPattern(values=list(patterns)))


def target_group_prefix(name: str) -> str:
    """The name prefix of target ``name``'s target group: its first five characters (AWS allows six, the ``-``)."""
    return f"{name[:5]}-"


def distinct_target_groups(names: Sequence[str]) -> bool:
    """True when the targets ``names`` give their target groups distinct name prefixes (:func:`target_group_prefix`)."""
    prefixes = [target_group_prefix(name) for name in names]
    return len(set(prefixes)) == len(prefixes)


def _check_targets(targets: tuple[TargetSpec, ...], owner: str) -> None:
    defaults = [target.name for target in targets if not target.path_patterns]
    if len(defaults) > 1:
        raise ValueError(f"{owner}: at most one target may have no path_patterns (the default), got {defaults}")
    if not distinct_target_groups([target.name for target in targets]):
        raise ValueError(f"{owner}: names must differ in their first five characters, got {[t.name for t in targets]}")


class PublicLoadBalancer(Construct):
    """An internet-facing ALB in public subnets.

    Accepts 80 (and 443 with a certificate) from anywhere and sends traffic only to the target
    ports inside the VPC. HTTPS uses :data:`TLS_POLICY` and answers with HSTS, and port 80 redirects to it;
    invalid header fields are dropped; a client's ``X-Forwarded-For`` is removed by default; access logs go to
    S3. Requests matching a target's path patterns go to that target, all others to the default target (or a
    404 without one).
    """

    def __init__(self, scope: Construct, id_: str, props: PublicLoadBalancerProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self._add_security_group(props)
        self.load_balancer = Lb(
            self, "load_balancer",
            name=props.name,
            load_balancer_type="application",
            internal=False,
            subnets=list(props.network.public_subnet_ids),
            security_groups=[self.security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=props.deletion_protection,
            idle_timeout=props.idle_timeout_seconds,
            xff_header_processing_mode=props.xff_header_processing_mode,
            access_logs=LbAccessLogs(bucket=props.access_log_bucket, prefix=props.access_log_prefix, enabled=True),
            depends_on=list(props.dependencies),
        )
        self._targets: dict[str, TargetSpec] = {}
        self._target_groups: dict[str, LbTargetGroup] = {}
        self._alternate_groups: dict[str, LbTargetGroup] = {}
        for target in props.targets:
            self._add_target_group(target)
        self.listener = self._add_listeners(props)
        self._routing: list[ITerraformDependable] = [self.listener]
        self._rules = 0
        self._production_rules: dict[str, LbListenerRule] = {}
        self._test_rules: dict[str, LbListenerRule] = {}
        self.test_listener: LbListener | None = None
        if props.test_listener is not None:
            self._add_test_listener(props.test_listener)
        for target in props.targets:
            if target.path_patterns or target.traffic_shifting:
                self._add_rule(target)
        self.alias_record: Route53Record | None = None
        self.health_check: Route53HealthCheck | None = None
        if props.domain_name is not None and props.hosted_zone_id is not None:
            self._add_alias_record(props, props.domain_name, props.hosted_zone_id)

    def _add_security_group(self, props: PublicLoadBalancerProps) -> None:
        """Web clients in on the listener ports from anywhere; out only to the target ports inside the VPC."""
        self.security_group = SecurityGroup(
            self, "security_group", name_prefix=f"{props.name}-alb-", vpc_id=props.network.vpc_id,
            description=f"{props.name} load balancer: web traffic in, target ports out",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        listener_ports = (80,) if props.certificate_arn is None else (80, 443)
        for port in listener_ports:
            VpcSecurityGroupIngressRule(
                self, f"ingress_{port}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0", description=f"Web clients on port {port}",
            )
        self._egress_ports: set[int] = set()
        for port in sorted({target.port for target in props.targets}):
            self._allow_egress(port)

    def _add_listeners(self, props: PublicLoadBalancerProps) -> LbListener:
        """The production listener: HTTP, or HTTPS with :data:`TLS_POLICY` and HSTS plus port 80 redirecting to it.
        Its default action forwards to the default target (a 404 without one, or when it shifts traffic: ECS then
        reweights a catch-all rule instead)."""
        default_target = next((target for target in props.targets if not target.path_patterns), None)
        default_action = (
            LbListenerDefaultAction(type="forward", target_group_arn=self._target_groups[default_target.name].arn)
            if default_target is not None and not default_target.traffic_shifting
            else _not_found()
        )
        if props.certificate_arn is None:
            return LbListener(self, "http_listener", load_balancer_arn=self.load_balancer.arn, port=80,
                              protocol="HTTP", default_action=[default_action])
        listener = LbListener(
            self, "https_listener", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
            ssl_policy=TLS_POLICY, certificate_arn=props.certificate_arn, default_action=[default_action],
            routing_http_response_strict_transport_security_header_value=props.hsts,
        )
        LbListener(self, "http_redirect", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                   default_action=[LbListenerDefaultAction(
                       type="redirect",
                       redirect=LbListenerDefaultActionRedirect(port="443", protocol="HTTPS", status_code="HTTP_301"),
                   )])
        return listener

    def _add_alias_record(self, props: PublicLoadBalancerProps, domain_name: str, hosted_zone_id: str) -> None:
        """The site's alias record (construct id ``alias``), and with ``dns_failover`` its health check."""
        failover = props.dns_failover
        if failover is not None and failover.health_check_path is not None:
            self.health_check = Route53HealthCheck(
                self, "health_check", type="HTTPS", fqdn=self.load_balancer.dns_name, port=443,
                resource_path=failover.health_check_path, enable_sni=True,
                request_interval=failover.request_interval, failure_threshold=failover.failure_threshold,
                tags={"Name": f"{props.name}-{failover.set_identifier}"},
            )
        # One construct id either way: a simple record becoming a failover record is replaced at its address
        # (Route 53 refuses both kinds for one name at once, so Terraform deletes it first).
        self.alias_record = Route53Record(
            self, "alias", zone_id=hosted_zone_id, name=domain_name, type="A",
            alias=Route53RecordAlias(name=self.load_balancer.dns_name, zone_id=self.load_balancer.zone_id,
                                     evaluate_target_health=self.health_check is None),
            set_identifier=failover.set_identifier if failover else None,
            failover_routing_policy=Route53RecordFailoverRoutingPolicy(type=failover.role) if failover else None,
            health_check_id=self.health_check.id if self.health_check is not None else None,
        )

    def add_target(self, target: TargetSpec) -> LoadBalancerTarget:
        """Adds a routed target group (``path_patterns`` required) to a load balancer shared by several services."""
        if not target.path_patterns:
            raise ValueError(f"TargetSpec {target.name!r}: a target added later needs path_patterns (the default is fixed)")
        _check_targets((*self._targets.values(), target), f"PublicLoadBalancer.add_target({target.name!r})")
        if target.port not in self._egress_ports:
            self._allow_egress(target.port)
        self._add_target_group(target)
        self._add_rule(target)
        return self.target(target.name)

    def target(self, name: str) -> LoadBalancerTarget:
        """The target group ``name`` with what a service needs to register with it (and to shift traffic)."""
        alternate = self._alternate_groups.get(name)
        production, test = self._production_rules.get(name), self._test_rules.get(name)
        return LoadBalancerTarget(
            target_group_arn=self.target_group(name).arn,
            security_group_id=self.security_group.id,
            dependencies=tuple(self._routing),
            alternate_target_group_arn=alternate.arn if alternate is not None else None,
            production_listener_rule_arn=production.arn if production is not None else None,
            test_listener_rule_arn=test.arn if test is not None else None,
        )

    def target_group(self, name: str) -> LbTargetGroup:
        """The target group of the target ``name``; a KeyError lists the known names."""
        try:
            return self._target_groups[name]
        except KeyError:
            raise KeyError(f"no target {name!r} on this load balancer (targets: {', '.join(self._target_groups)})") from None

    @property
    def target_names(self) -> tuple[str, ...]:
        """Names of the targets, in the order they were added."""
        return tuple(self._target_groups)

    @property
    def routing(self) -> tuple[ITerraformDependable, ...]:
        """The listener and its rules: everything that attaches the target groups to the load balancer."""
        return tuple(self._routing)

    def _allow_egress(self, port: int) -> None:
        self._egress_ports.add(port)
        VpcSecurityGroupEgressRule(
            self, f"egress_{port}", security_group_id=self.security_group.id, ip_protocol="tcp",
            from_port=port, to_port=port, cidr_ipv4=str(self._props.network.cidr), description=f"Targets on port {port}",
        )

    def _add_target_group(self, target: TargetSpec) -> None:
        self._targets[target.name] = target
        self._target_groups[target.name] = self._target_group(f"{target.name}_targets", target_group_prefix(target.name),
                                                              target)
        if target.traffic_shifting:
            self._alternate_groups[target.name] = self._target_group(
                f"{target.name}_alternate_targets", f"{target.name[:4]}g-", target)

    def _target_group(self, id_: str, name_prefix: str, target: TargetSpec) -> LbTargetGroup:
        check = target.health_check
        return LbTargetGroup(
            self, id_,
            name_prefix=name_prefix,
            port=target.port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=self._props.network.vpc_id,
            deregistration_delay="30",
            health_check=LbTargetGroupHealthCheck(
                enabled=True, path=check.path, protocol="HTTP", port="traffic-port", matcher=check.matcher,
                interval=check.interval_seconds, timeout=check.timeout_seconds,
                healthy_threshold=check.healthy_threshold, unhealthy_threshold=check.unhealthy_threshold,
            ),
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )

    def _add_rule(self, target: TargetSpec) -> None:
        if not target.traffic_shifting:
            self._rules += 1
            rule = LbListenerRule(
                self, f"{target.name}_route",
                listener_arn=self.listener.arn,
                priority=self._rules * 10,
                action=[LbListenerRuleAction(type="forward", target_group_arn=self._target_groups[target.name].arn)],
                condition=[_paths(target.path_patterns)],
            )
            self._routing.append(rule)
            return
        # Traffic-shifting rules get priorities of their own (1000 + ...), so that they never collide
        # with the rolling rules they replace; the catch-all of a default target is evaluated last.
        if target.path_patterns:
            self._rules += 1
            priority, paths = 1000 + self._rules * 10, target.path_patterns
        else:
            priority, paths = 50000, ("/*",)
        self._production_rules[target.name] = self._weighted_rule(f"{target.name}_production_route", self.listener,
                                                                  priority, paths, target.name)
        self._routing.append(self._production_rules[target.name])
        if self.test_listener is not None:
            self._test_rules[target.name] = self._weighted_rule(f"{target.name}_test_route", self.test_listener,
                                                                priority, paths, target.name)
            self._routing.append(self._test_rules[target.name])

    def _weighted_rule(self, id_: str, listener: LbListener, priority: int, paths: tuple[str, ...],
                       name: str) -> LbListenerRule:
        """A rule forwarding to both target groups of ``name``; ECS moves the weights during a deployment."""
        return LbListenerRule(
            self, id_,
            listener_arn=listener.arn,
            priority=priority,
            action=[LbListenerRuleAction(type="forward", forward=LbListenerRuleActionForward(target_group=[
                LbListenerRuleActionForwardTargetGroup(arn=self._target_groups[name].arn, weight=100),
                LbListenerRuleActionForwardTargetGroup(arn=self._alternate_groups[name].arn, weight=0),
            ]))],
            condition=[_paths(paths)],
            # ECS owns the weights after the first deployment; Terraform must not move traffic back.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["action"]),
        )

    def _add_test_listener(self, spec: TestListener) -> None:
        https = self._props.certificate_arn is not None
        self.test_listener = LbListener(
            self, "test_listener", load_balancer_arn=self.load_balancer.arn, port=spec.port,
            protocol="HTTPS" if https else "HTTP", ssl_policy=TLS_POLICY if https else None,
            certificate_arn=self._props.certificate_arn, default_action=[_not_found()],
            routing_http_response_strict_transport_security_header_value=self._props.hsts if https else None,
        )
        for index, cidr in enumerate(spec.allowed_cidrs):
            VpcSecurityGroupIngressRule(
                self, f"test_ingress_{index}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=spec.port, to_port=spec.port, cidr_ipv4=cidr,
                description=f"Release tests on port {spec.port} from {cidr}",
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
    def zone_id(self) -> str:
        """The Route 53 zone of :attr:`dns_name` (for alias records)."""
        return self.load_balancer.zone_id

    @property
    def arn_suffix(self) -> str:
        """The ``app/<name>/<id>`` part CloudWatch metrics use as dimension."""
        return self.load_balancer.arn_suffix

    @property
    def security_group_id(self) -> str:
        """The load balancer's security group (the source services admit)."""
        return self.security_group.id

    @property
    def listener_arn(self) -> str:
        """The listener that forwards requests (HTTPS, or HTTP without a certificate)."""
        return self.listener.arn

    def alternate_target_group(self, name: str) -> LbTargetGroup | None:
        """The alternate target group of a traffic-shifting target, ``None`` for a rolling one."""
        return self._alternate_groups.get(name)

    @property
    def https(self) -> bool:
        """True when the load balancer serves HTTPS (and redirects port 80)."""
        return self._props.certificate_arn is not None
