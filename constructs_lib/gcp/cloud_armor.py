"""A Cloud Armor security policy: Host and size checks, preconfigured WAF rules, per-client-IP rate limits, then allow."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.compute_security_policy import (
    ComputeSecurityPolicy,
    ComputeSecurityPolicyAdaptiveProtectionConfig,
    ComputeSecurityPolicyAdaptiveProtectionConfigLayer7DdosDefenseConfig,
    ComputeSecurityPolicyAdvancedOptionsConfig,
    ComputeSecurityPolicyRule,
    ComputeSecurityPolicyRuleMatch,
    ComputeSecurityPolicyRuleMatchConfig,
    ComputeSecurityPolicyRuleMatchExpr,
    ComputeSecurityPolicyRuleRateLimitOptions,
    ComputeSecurityPolicyRuleRateLimitOptionsRateLimitThreshold,
)
from constructs import Construct

from ..props import checked
from ..cloud_limits import DOMAIN_PATTERN
from ..shared_specs import INSPECTED_HEADERS, PathRateLimit, RequestLimits, check_path_rate_limits
from ._props import RESOURCE_NAME, RESOURCE_NAME_RULE, require, require_match, require_range, require_strings

#: Rate-limit intervals Cloud Armor accepts, in seconds.
RATE_LIMIT_INTERVALS_SECONDS: tuple[int, ...] = (10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600)
#: Priority of the default rule, which Cloud Armor requires to be the lowest possible.
DEFAULT_RULE_PRIORITY = 2147483647
_RULE_SET = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_EXACT_PATH = re.compile(r"/[A-Za-z0-9._~%/-]*")


@checked
class WafRule:
    """One preconfigured WAF rule set that denies matching requests.

    Attributes:
        rule_set: Cloud Armor rule set name, e.g. ``sqli-v33-stable``.
        description: What it blocks (at most 64 characters).
        sensitivity: OWASP paranoia level 1-4 (higher catches more, with more false positives).
            ``None`` evaluates every signature of the set, as Cloud Armor does by default.
    """

    rule_set: str
    description: str
    sensitivity: int | None = 1

    def __post_init__(self) -> None:
        require_match(_RULE_SET, self, "rule_set", "be a Cloud Armor rule set name such as sqli-v33-stable")
        require(0 < len(self.description) <= 64, self, "description", "be 1 to 64 characters")
        require(self.sensitivity is None or 1 <= self.sensitivity <= 4, self, "sensitivity", "be None or 1 to 4")

    @property
    def expression(self) -> str:
        """The rule's match expression, e.g. ``evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})``."""
        if self.sensitivity is None:
            return f"evaluatePreconfiguredWaf('{self.rule_set}')"
        return f"evaluatePreconfiguredWaf('{self.rule_set}', {{'sensitivity': {self.sensitivity}}})"


#: OWASP CRS 3.3 rule sets at sensitivity 1 (high-confidence signatures) and the Log4j (CVE-2021-44228,
#: CVE-2021-45046) signatures of ``cve-canary``, all of them: they are narrow and exact.
DEFAULT_WAF_RULES: tuple[WafRule, ...] = (
    WafRule("sqli-v33-stable", "SQL injection"),
    WafRule("xss-v33-stable", "Cross-site scripting"),
    WafRule("lfi-v33-stable", "Local file inclusion"),
    WafRule("rce-v33-stable", "Remote code execution"),
    WafRule("cve-canary", "Log4j JNDI lookups (CVE-2021-44228, CVE-2021-45046)", sensitivity=None),
)


@dataclass(frozen=True)
class CloudArmorPolicyProps:
    """Props of :class:`CloudArmorPolicy`.

    Attributes:
        name: Policy name (1-63 lowercase letters, digits or hyphens).
        rate_limit_requests: Requests one client IP may send per window before it is throttled.
        rate_limit_window_seconds: The window, one of :data:`RATE_LIMIT_INTERVALS_SECONDS`.
        waf_rules: Preconfigured WAF rules, evaluated in order before the rate limit. Default
            :data:`DEFAULT_WAF_RULES`.
        allowed_hosts: The ``Host`` names served; any other gets a 404. Default none: any host.
        request_limits: Sizes refused (403) before the WAF rules read a request. Default
            :class:`~constructs_lib.shared_specs.RequestLimits` defaults.
        path_rate_limits: Per-IP limits of their own below some paths (same window); a request there counts
            against its path's limit instead of the site-wide one (a throttle that lets a request through ends
            the evaluation). Default none.
        deny_status: HTTP status returned by the WAF rules (403, 404 or 502). Default 403.
        throttle_status: HTTP status for requests over the rate limit (429 or 403...). Default 429.
        adaptive_protection: Layer 7 DDoS detection by Adaptive Protection. Default ``True``.
        internal_paths: Exact paths refused with a 404 (after the ``Host`` check), e.g. health paths kept off the
            load balancer. Default none.
        verbose_logging: Log which signature matched (``VERBOSE``), for tuning. Default ``False``.
        description: Shown in the console. Default empty.
        depends_on: Resources to create first, e.g. the compute project service.
    """

    name: str
    rate_limit_requests: int
    rate_limit_window_seconds: int
    waf_rules: tuple[WafRule, ...] = DEFAULT_WAF_RULES
    allowed_hosts: tuple[str, ...] = ()
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    path_rate_limits: tuple[PathRateLimit, ...] = ()
    deny_status: int = 403
    throttle_status: int = 429
    adaptive_protection: bool = True
    verbose_logging: bool = False
    description: str = ""
    depends_on: Sequence[ITerraformDependable] = ()
    internal_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        check_rate_limit_and_rules(self)
        require(self.deny_status in (403, 404, 502), self, "deny_status", "be 403, 404 or 502")
        require(self.throttle_status in (403, 404, 429, 502), self, "throttle_status", "be 403, 404, 429 or 502")
        hosts = require_strings(self, "allowed_hosts", "app.example.com")
        require(all(DOMAIN_PATTERN.fullmatch(host) for host in hosts) and len(set(hosts)) == len(hosts), self,
                "allowed_hosts", "be distinct lowercase DNS names")
        require(isinstance(self.request_limits, RequestLimits), self, "request_limits", "be a RequestLimits")
        paths = require_strings(self, "internal_paths", "/healthz")
        require(all(_EXACT_PATH.fullmatch(path) for path in paths), self, "internal_paths",
                "hold URL paths of letters, digits and . _ ~ % / - starting with '/'")
        object.__setattr__(self, "path_rate_limits", tuple(self.path_rate_limits))
        check_path_rate_limits(self)


def check_rate_limit_and_rules(props: object, owner: str | None = None) -> None:
    """Checks ``rate_limit_requests``, ``rate_limit_window_seconds`` and ``waf_rules`` of ``props``
    (a tuple of :class:`WafRule` is kept; a list is turned into one)."""
    require_range(props, "rate_limit_requests", 1, 1_000_000, "requests", owner)  # Cloud Armor's throttle limit
    require(getattr(props, "rate_limit_window_seconds") in RATE_LIMIT_INTERVALS_SECONDS, props,
            "rate_limit_window_seconds", f"be one of {', '.join(map(str, RATE_LIMIT_INTERVALS_SECONDS))} seconds", owner)
    rules = getattr(props, "waf_rules")
    require(isinstance(rules, (tuple, list)) and all(isinstance(rule, WafRule) for rule in rules), props, "waf_rules",
            "be a tuple of WafRule", owner)
    object.__setattr__(props, "waf_rules", tuple(rules))
    require(len(rules) <= 90, props, "waf_rules", "hold at most 90 rules", owner)
    require(len({rule.rule_set for rule in rules}) == len(rules), props, "waf_rules", "not repeat a rule set", owner)


class CloudArmorPolicy(Construct):
    """A backend security policy for a global external Application Load Balancer.

    Rules in priority order: a 404 for a ``Host`` outside ``allowed_hosts`` (priority 100) and for the
    ``internal_paths`` (priorities 150...); the size limits of
    :class:`~constructs_lib.shared_specs.RequestLimits` (priorities 200...: headers, path and query, a declared body above
    the limit outside the large-body routes and above each route's cap inside it, and chunked bodies, whose size
    nobody declares), because the WAF rules read only the first 8 KB of a body; each WAF rule set denies what it
    matches (priorities 1000, 1010, ...); then every client IP is throttled, below a path with a limit of its own
    by that one (priorities 1900...), elsewhere to ``rate_limit_requests`` per ``rate_limit_window_seconds``
    (priority 2000). A throttle lets the requests under its limit through, which ends the evaluation, so the
    checks come before it; requests they deny do not count towards it (Cloud Armor has no rule that counts and
    goes on). The default rule allows the rest. JSON request bodies are parsed, so the WAF rules see inside API
    payloads. Attach it with ``security_policy`` on the load balancer's backend services.
    """

    HOST_PRIORITY = 100
    INTERNAL_PATH_PRIORITY_START = 150
    SIZE_PRIORITY_START = 200
    WAF_PRIORITY_START = 1000
    PATH_RATE_LIMIT_PRIORITY_START = 1900
    RATE_LIMIT_PRIORITY = 2000

    def __init__(self, scope: Construct, id_: str, props: CloudArmorPolicyProps) -> None:
        super().__init__(scope, id_)
        everyone = ComputeSecurityPolicyRuleMatch(
            versioned_expr="SRC_IPS_V1", config=ComputeSecurityPolicyRuleMatchConfig(src_ip_ranges=["*"])
        )
        checks = [(self.HOST_PRIORITY, "deny(404)", "Unknown Host", expression)
                  for expression in ([_unknown_host(props.allowed_hosts)] if props.allowed_hosts else [])]
        checks += [(self.INTERNAL_PATH_PRIORITY_START + index, "deny(404)", "Paths kept off the load balancer", expression)
                   for index, expression in enumerate(_exact_paths(props.internal_paths))]
        checks += [(self.SIZE_PRIORITY_START + 10 * index, "deny(403)", description, expression)
                   for index, (description, expression) in enumerate(size_checks(props.request_limits))]
        checks += [(self.WAF_PRIORITY_START + 10 * index, f"deny({props.deny_status})", rule.description, rule.expression)
                   for index, rule in enumerate(props.waf_rules)]
        rules = [
            ComputeSecurityPolicyRule(
                priority=priority, action=action, description=description, preview=False,
                match=ComputeSecurityPolicyRuleMatch(expr=ComputeSecurityPolicyRuleMatchExpr(expression=expression)),
            )
            for priority, action, description, expression in checks
        ]
        rules += [
            _throttle(self.PATH_RATE_LIMIT_PRIORITY_START + 10 * index, f"Per client IP rate limit below {limit.path_prefix}",
                      ComputeSecurityPolicyRuleMatch(expr=ComputeSecurityPolicyRuleMatchExpr(
                          expression=f"request.path.startsWith('{limit.path_prefix}')")),
                      limit.requests, props)
            for index, limit in enumerate(props.path_rate_limits)
        ]
        rules.append(_throttle(self.RATE_LIMIT_PRIORITY, "Per client IP rate limit", everyone, props.rate_limit_requests,
                               props))
        default = ComputeSecurityPolicyRule(
            priority=DEFAULT_RULE_PRIORITY, action="allow", description="Default: allow", match=everyone
        )
        self.policy = ComputeSecurityPolicy(
            self,
            "policy",
            name=props.name,
            type="CLOUD_ARMOR",
            description=props.description or None,
            rule=[*rules, default],
            advanced_options_config=ComputeSecurityPolicyAdvancedOptionsConfig(
                json_parsing="STANDARD", log_level="VERBOSE" if props.verbose_logging else "NORMAL"
            ),
            adaptive_protection_config=ComputeSecurityPolicyAdaptiveProtectionConfig(
                layer7_ddos_defense_config=ComputeSecurityPolicyAdaptiveProtectionConfigLayer7DdosDefenseConfig(
                    enable=props.adaptive_protection
                )
            ),
            depends_on=list(props.depends_on) or None,
        )

    @property
    def policy_id(self) -> str:
        """The policy's ID, for a backend service's ``security_policy``."""
        return self.policy.id


def _throttle(priority: int, description: str, match: ComputeSecurityPolicyRuleMatch, requests: int,
              props: CloudArmorPolicyProps) -> ComputeSecurityPolicyRule:
    return ComputeSecurityPolicyRule(
        priority=priority,
        action="throttle",
        description=description,
        preview=False,
        match=match,
        rate_limit_options=ComputeSecurityPolicyRuleRateLimitOptions(
            conform_action="allow",
            exceed_action=f"deny({props.throttle_status})",
            enforce_on_key="IP",
            rate_limit_threshold=ComputeSecurityPolicyRuleRateLimitOptionsRateLimitThreshold(
                count=requests, interval_sec=props.rate_limit_window_seconds
            ),
        ),
    )


def _exact_paths(paths: tuple[str, ...]) -> list[str]:
    """Expressions matching exactly ``paths``, five to an expression (Cloud Armor's limit of subexpressions)."""
    return [" || ".join(f"request.path == '{path}'" for path in paths[start:start + 5])
            for start in range(0, len(paths), 5)]


def _unknown_host(hosts: tuple[str, ...]) -> str:
    names = "|".join(host.replace(".", "[.]") for host in hosts)  # [.]: no backslash to escape twice
    return f"!request.headers['host'].lower().matches('^({names})(:443)?$')"


def _any_larger(subjects: list[str], limit: int) -> str:
    return " || ".join(f"size({subject}) > {limit}" for subject in subjects)


def size_checks(limits: RequestLimits) -> list[tuple[str, str]]:
    """(description, expression) of each size check; at most five subexpressions each (Cloud Armor's limit)."""
    headers = [f"request.headers['{name}']" for name in INSPECTED_HEADERS]
    checks = [(f"Headers over {limits.max_header_bytes} bytes", _any_larger(headers[start:start + 4], limits.max_header_bytes))
              for start in range(0, len(headers), 4)]
    checks.append(("Long URL path or query", f"size(request.path) > {limits.max_path_bytes} || "
                                             f"size(request.query) > {limits.max_query_bytes}"))
    declared = "int(request.headers['content-length'])"
    routes = limits.large_body_routes
    body = f"{declared} > {limits.max_body_bytes}"
    body += "".join(f" && !request.path.startsWith('{route.path_prefix}')" for route in routes)
    checks.append((f"Body over {limits.max_body_bytes} bytes", body))
    checks.append(("Body of undeclared size (chunked)", "request.headers['transfer-encoding'].lower().contains('chunked')"))
    checks += [(f"Body over {route.max_body_bytes} bytes below {route.path_prefix}",
                f"request.path.startsWith('{route.path_prefix}') && {declared} > {route.max_body_bytes}")
               for route in routes]
    return checks
