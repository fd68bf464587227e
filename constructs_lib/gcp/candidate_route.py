"""The candidate route of a serverless load balancer: a second port that reaches the tagged candidate revisions.

Cloud Run gives a revision with a traffic tag its own ``https://<tag>---<service host>`` URL, but that URL obeys
the service's ingress, which behind a load balancer admits only the load balancer and the project's network. This
route reaches the tagged revisions through the same load balancer instead: on ``port`` (the address and
certificate of the site), from the given source ranges only, so a smoke test can run from the VPN or a CI runner
before any production request goes to the candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.compute_backend_service import (
    ComputeBackendService,
    ComputeBackendServiceBackend,
    ComputeBackendServiceLogConfig,
)
from cdktf_cdktf_provider_google.compute_global_forwarding_rule import ComputeGlobalForwardingRule
from cdktf_cdktf_provider_google.compute_region_network_endpoint_group import (
    ComputeRegionNetworkEndpointGroup,
    ComputeRegionNetworkEndpointGroupCloudRun,
)
from cdktf_cdktf_provider_google.compute_security_policy import (
    ComputeSecurityPolicy,
    ComputeSecurityPolicyRule,
    ComputeSecurityPolicyRuleMatch,
    ComputeSecurityPolicyRuleMatchConfig,
    ComputeSecurityPolicyRuleMatchExpr,
)
from cdktf_cdktf_provider_google.compute_target_https_proxy import ComputeTargetHttpsProxy
from cdktf_cdktf_provider_google.compute_url_map import (
    ComputeUrlMap,
    ComputeUrlMapHostRule,
    ComputeUrlMapPathMatcher,
    ComputeUrlMapPathMatcherPathRule,
)
from constructs import Construct

from ..shared_specs import check_test_sources
from ._props import REGION, REGION_RULE, RESOURCE_NAME, RESOURCE_NAME_RULE, require, require_match, require_range
from .cloud_armor import DEFAULT_RULE_PRIORITY, DEFAULT_WAF_RULES, WafRule
from .cloud_run_service import TRAFFIC_TAG
from .load_balancer import ServerlessBackend, ServerlessLoadBalancer


@dataclass(frozen=True)
class CandidateRouteProps:
    """Props of :class:`CandidateRoute`.

    Attributes:
        name: Prefix of every resource name (the load balancer's), e.g. ``acme-prod``.
        region: Region of the Cloud Run services.
        tag: The traffic tag of the candidate revisions, e.g. ``candidate``.
        allowed_cidrs: Public sources that may connect (the egress addresses of the VPN or of the CI runners), at
            most 10, none wider than /8 and none private; everything else is answered 403.
        port: The port of the route; not 80 or 443. Default 8443.
        waf_rules: Preconfigured WAF rules evaluated before the source ranges. Default the site's defaults.
        depends_on: Resources to create first, e.g. the compute project service.
    """

    name: str
    region: str
    tag: str
    allowed_cidrs: tuple[str, ...]
    port: int = 8443
    waf_rules: tuple[WafRule, ...] = DEFAULT_WAF_RULES
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        require_match(REGION, self, "region", REGION_RULE)
        require_match(TRAFFIC_TAG, self, "tag", "be 1 to 46 lowercase letters, digits or hyphens, starting with a letter")
        object.__setattr__(self, "allowed_cidrs", tuple(self.allowed_cidrs))
        require(0 < len(self.allowed_cidrs) <= 10, self, "allowed_cidrs", "name 1 to 10 source ranges")
        check_test_sources(self, "allowed_cidrs")
        require_range(self, "port", 1, 65535, "port")
        require(self.port not in (80, 443), self, "port", "not be 80 or 443 (the site's own)")


class CandidateRoute(Construct):
    """Port ``port`` of a :class:`~constructs_lib.gcp.load_balancer.ServerlessLoadBalancer`'s address, routing like the
    site (same domains, certificate, TLS policy and paths) to the revisions tagged ``tag`` of each backend.

    Per backend a serverless NEG of the tagged revision (``<key>_candidate_neg``) and a backend service
    (``<key>_candidate``) with a Cloud Armor policy of its own (``policy``): the WAF rules, then the source ranges
    allowed, everything else denied (403). Without a tagged revision (no release in flight) the route answers with an
    error.
    """

    SOURCES_PRIORITY = 2000

    def __init__(self, scope: Construct, id_: str, props: CandidateRouteProps, load_balancer: ServerlessLoadBalancer) -> None:
        super().__init__(scope, id_)
        self._props = props
        depends_on = list(props.depends_on) or None
        longest = max(len(f"{props.name}-{backend.key}-candidate-neg") for backend in load_balancer.backends)
        require(longest <= 63, props, "name", f"leave room for the candidate NEG names (the longest is {longest} "
                "characters, at most 63)")
        self.policy = self._security_policy(depends_on)
        self.backend_services = {backend.key: self._backend_service(backend, depends_on)
                                 for backend in load_balancer.backends}
        default = next(backend.key for backend in load_balancer.backends if not backend.paths)
        default_service = self.backend_services[default].id
        self.url_map = ComputeUrlMap(
            self, "url_map", name=f"{props.name}-candidate", default_service=default_service,
            host_rule=[ComputeUrlMapHostRule(hosts=list(load_balancer.domains), path_matcher="routes")],
            path_matcher=[ComputeUrlMapPathMatcher(name="routes", default_service=default_service, path_rule=[
                ComputeUrlMapPathMatcherPathRule(paths=list(backend.paths), service=self.backend_services[backend.key].id)
                for backend in load_balancer.backends if backend.paths
            ])],
        )
        proxy = ComputeTargetHttpsProxy(
            self, "https_proxy", name=f"{props.name}-candidate", url_map=self.url_map.id,
            ssl_certificates=[load_balancer.certificate.id], ssl_policy=load_balancer.ssl_policy.id,
        )
        self.forwarding_rule = ComputeGlobalForwardingRule(
            self, "rule", name=f"{props.name}-candidate", target=proxy.id, ip_address=load_balancer.address.id,
            ip_protocol="TCP", port_range=str(props.port), load_balancing_scheme="EXTERNAL_MANAGED",
        )

    def _security_policy(self, depends_on: list[ITerraformDependable] | None) -> ComputeSecurityPolicy:
        props = self._props
        waf = [
            ComputeSecurityPolicyRule(
                priority=1000 + 10 * index, action="deny(403)", description=rule.description, preview=False,
                match=ComputeSecurityPolicyRuleMatch(expr=ComputeSecurityPolicyRuleMatchExpr(expression=rule.expression)),
            )
            for index, rule in enumerate(props.waf_rules)
        ]
        sources = ComputeSecurityPolicyRule(
            priority=self.SOURCES_PRIORITY, action="allow", description="Release tests from the allowed sources",
            preview=False, match=ComputeSecurityPolicyRuleMatch(
                versioned_expr="SRC_IPS_V1", config=ComputeSecurityPolicyRuleMatchConfig(src_ip_ranges=list(props.allowed_cidrs))),
        )
        default = ComputeSecurityPolicyRule(
            priority=DEFAULT_RULE_PRIORITY, action="deny(403)", description="Default: deny", match=ComputeSecurityPolicyRuleMatch(
                versioned_expr="SRC_IPS_V1", config=ComputeSecurityPolicyRuleMatchConfig(src_ip_ranges=["*"])),
        )
        return ComputeSecurityPolicy(
            self, "policy", name=f"{props.name}-candidate", type="CLOUD_ARMOR",
            description="The candidate route: release tests from the allowed sources only",
            rule=[*waf, sources, default], depends_on=depends_on,
        )

    def _backend_service(self, backend: ServerlessBackend, depends_on: list[ITerraformDependable] | None) -> ComputeBackendService:
        props = self._props
        group = ComputeRegionNetworkEndpointGroup(
            self, f"{backend.key}_candidate_neg", name=f"{props.name}-{backend.key}-candidate-neg", region=props.region,
            network_endpoint_type="SERVERLESS",
            cloud_run=ComputeRegionNetworkEndpointGroupCloudRun(service=backend.service_name, tag=props.tag),
            depends_on=depends_on,
        )
        return ComputeBackendService(
            self, f"{backend.key}_candidate", name=f"{props.name}-{backend.key}-candidate",
            load_balancing_scheme="EXTERNAL_MANAGED", protocol="HTTPS",
            backend=[ComputeBackendServiceBackend(group=group.id)], security_policy=self.policy.id,
            log_config=ComputeBackendServiceLogConfig(enable=True, sample_rate=1.0),
        )

    @property
    def port(self) -> int:
        """The route's port."""
        return self._props.port
