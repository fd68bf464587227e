"""A WAFv2 web ACL in front of a load balancer: per-IP rate limits, request size limits, AWS managed rule groups, logging."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleActionBlockCustomResponse,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationLoggingFilter,
    Wafv2WebAclLoggingConfigurationLoggingFilterFilter,
    Wafv2WebAclLoggingConfigurationLoggingFilterFilterCondition,
    Wafv2WebAclLoggingConfigurationLoggingFilterFilterConditionActionCondition,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
)
from constructs import Construct

from ..props import checked, prop, require
from ..cloud_limits import RATE_LIMIT_WINDOWS_SECONDS
from ..shared_specs import (
    BODY_INSPECTION_BYTES,
    LargeBodyRoute,
    PathRateLimit,
    RequestLimits,
    check_path_rate_limits,
    integer_above_pattern,
)
from .log_group import LogGroup, LogGroupProps

Statement = dict[str, Any]


@checked
class ManagedRuleGroup:
    """An AWS managed rule group in the web ACL.

    Attributes:
        name: The group, e.g. ``AWSManagedRulesCommonRuleSet``.
        vendor: Who publishes it. Default ``AWS``.
        count_only_rules: Rules of the group that only count matching requests instead of blocking
            them (e.g. a size limit the web ACL's own size rules enforce per route). Default none.
        excluded_path_prefixes: Request paths the group does not inspect at all, e.g. ``/api/query``
            for an API that accepts SQL text (the SQL injection group would block it). Default none.
    """

    name: str = prop(pattern=re.compile(r"[A-Za-z0-9_-]{1,128}"), rule="be a rule group name such as AWSManagedRulesCommonRuleSet")
    vendor: str = "AWS"
    count_only_rules: tuple[str, ...] = ()
    excluded_path_prefixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require(all(prefix.startswith("/") for prefix in self.excluded_path_prefixes), self, "excluded_path_prefixes",
                "hold paths starting with '/'")


#: The default rule groups, in evaluation order: Amazon IP reputation, the common rule set (OWASP top
#: risks; its 8 KB body limit SizeRestrictions_BODY only counts, because the web ACL's own body rule blocks
#: oversized bodies and knows the routes allowed larger ones), known bad inputs (Log4j, CVE-2021-44228, and
#: similar exploits), SQL injection.
DEFAULT_MANAGED_RULE_GROUPS: tuple[ManagedRuleGroup, ...] = (
    ManagedRuleGroup("AWSManagedRulesAmazonIpReputationList"),
    ManagedRuleGroup("AWSManagedRulesCommonRuleSet", count_only_rules=("SizeRestrictions_BODY",)),
    ManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet"),
    ManagedRuleGroup("AWSManagedRulesSQLiRuleSet"),
)

#: Request headers never written to the WAF logs: credentials and session tokens.
REDACTED_HEADERS: tuple[str, ...] = ("authorization", "cookie", "proxy-authorization", "x-api-key")

#: HTTP status of each kind of refusal.
NOT_FOUND, TOO_MANY_REQUESTS, PAYLOAD_TOO_LARGE, URI_TOO_LONG, HEADERS_TOO_LARGE = 404, 429, 413, 414, 431


@dataclass(frozen=True)
class WebAclProps:
    """Props of :class:`WebAcl`.

    Attributes:
        name: Web ACL name, e.g. ``duckdb-analytics-prod``.
        resource_arn: The load balancer to protect.
        rate_limit_requests: Requests one client IP may send per window before it is refused (HTTP 429).
        rate_limit_window_seconds: The window, one of 60, 120, 300, 600. Default 300.
        log_retention_days: Days WAF logs are kept.
        kms_key_arn: Key of the WAF log group. Default ``None``.
        redacted_headers: Request headers never written to the logs. Default :data:`REDACTED_HEADERS`.
        path_rate_limits: Per-IP limits of their own below some paths (same window); requests there count against
            their path's limit instead of the site-wide one. Default none.
        allowed_hosts: The ``Host`` names served (e.g. the site's domain and the load balancer's own DNS name,
            which health checks use); any other is answered with 404. Default none: any host.
        request_limits: Sizes refused before any rule inspects a request. Default :class:`RequestLimits` defaults.
        managed_rule_groups: The AWS managed rule groups, in evaluation order, with their count-only
            rules and excluded paths. Default :data:`DEFAULT_MANAGED_RULE_GROUPS`.
        log_allowed_requests: Log every request, not only the blocked and counted ones. Default ``False``:
            the load balancer's access logs (S3) record every request; CloudWatch gets what the WAF decided on.
    """

    name: str
    resource_arn: str
    rate_limit_requests: int
    log_retention_days: int
    rate_limit_window_seconds: int = 300
    kms_key_arn: str | None = None
    redacted_headers: tuple[str, ...] = REDACTED_HEADERS
    path_rate_limits: tuple[PathRateLimit, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    managed_rule_groups: tuple[ManagedRuleGroup, ...] = DEFAULT_MANAGED_RULE_GROUPS
    log_allowed_requests: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))
        if len(set(self.allowed_hosts)) != len(self.allowed_hosts) or len(self.allowed_hosts) > 10:
            raise ValueError(f"WebAclProps.allowed_hosts {self.allowed_hosts!r}: at most 10, each once")
        names = [group.name for group in self.managed_rule_groups]
        if len(set(names)) != len(names):
            raise ValueError(f"WebAclProps.managed_rule_groups {names}: each group at most once")
        if not 10 <= self.rate_limit_requests <= 2_000_000_000:
            raise ValueError(f"WebAclProps.rate_limit_requests must be 10 to 2000000000, got {self.rate_limit_requests}")
        if self.rate_limit_window_seconds not in RATE_LIMIT_WINDOWS_SECONDS:
            raise ValueError(f"WebAclProps.rate_limit_window_seconds must be one of {RATE_LIMIT_WINDOWS_SECONDS}")
        object.__setattr__(self, "path_rate_limits", tuple(self.path_rate_limits))
        check_path_rate_limits(self)


def _rule_visibility(metric: str) -> Wafv2WebAclRuleVisibilityConfig:
    return Wafv2WebAclRuleVisibilityConfig(cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True)


def _block(status: int) -> Wafv2WebAclRuleAction:
    return Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock(
        custom_response=Wafv2WebAclRuleActionBlockCustomResponse(response_code=status)))


class WebAcl(Construct):
    """A regional web ACL associated with a load balancer.

    Rules in evaluation order: the per-IP rate limit, then the per-path ones (first, so that every request,
    the ones later rules block included, counts towards them: probing for a WAF bypass costs the prober its
    quota); with ``allowed_hosts``, a 404 for any other ``Host``; the size limits of :class:`~constructs_lib.shared_specs.RequestLimits` (headers and cookies beyond what
    the rules can inspect, long paths and query strings, bodies above the limit outside the large-body routes
    and above each route's cap inside it); then the managed rule groups (by default
    :data:`DEFAULT_MANAGED_RULE_GROUPS`). Everything else is allowed. Blocked and counted requests are logged
    to CloudWatch Logs with credentials redacted.
    """

    def __init__(self, scope: Construct, id_: str, props: WebAclProps) -> None:
        super().__init__(scope, id_)
        rules = self._rate_limit_rules(props)
        if props.allowed_hosts:
            rules.append(Wafv2WebAclRule(
                name="unknown-host", priority=len(rules), action=_block(NOT_FOUND),
                statement=[_not(_any_of([_host_is(host) for host in props.allowed_hosts]))],
                visibility_config=_rule_visibility(f"{props.name}-unknown-host"),
            ))
        rules += self._size_rules(props, start=len(rules))
        first_group = len(rules)
        rules += [
            Wafv2WebAclRule(
                name=group.name,
                priority=priority,
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement=[{"managed_rule_group_statement": [_managed_group(group)]}],
                visibility_config=_rule_visibility(f"{props.name}-{group.name}"),
            )
            for priority, group in enumerate(props.managed_rule_groups, start=first_group)
        ]
        self.web_acl = Wafv2WebAcl(
            self, "web_acl",
            name=props.name,
            scope="REGIONAL",
            description=f"Protects the {props.name} load balancer",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=props.name, sampled_requests_enabled=True
            ),
        )
        Wafv2WebAclAssociation(self, "association", resource_arn=props.resource_arn, web_acl_arn=self.web_acl.arn)
        self._add_logging(props)

    @staticmethod
    def _rate_limit_rules(props: WebAclProps) -> list[Wafv2WebAclRule]:
        """The site-wide per-IP limit (priority 0) and one per path limit after it; a request below a path with a limit
        of its own counts there only (as on Cloud Armor, where a throttle that lets a request through ends evaluation)."""
        paths = [_path_starts_with(limit.path_prefix) for limit in props.path_rate_limits]
        site = _not(_any_of(paths)) if paths else None
        limits: list[tuple[str, int, Statement | None]] = [("rate-limit-per-ip", props.rate_limit_requests, site)]
        limits += [(f"rate-limit-path-{index}", limit.requests, _path_starts_with(limit.path_prefix))
                   for index, limit in enumerate(props.path_rate_limits, start=1)]
        rules = []
        for priority, (name, requests, scope_down) in enumerate(limits):
            rate_based: Statement = {"limit": requests, "aggregate_key_type": "IP",
                                     "evaluation_window_sec": props.rate_limit_window_seconds}
            if scope_down is not None:
                rate_based["scope_down_statement"] = [scope_down]
            rules.append(Wafv2WebAclRule(
                name=name, priority=priority, action=_block(TOO_MANY_REQUESTS),
                statement=[{"rate_based_statement": [rate_based]}],
                visibility_config=_rule_visibility(f"{props.name}-{name}"),
            ))
        return rules

    @staticmethod
    def _size_rules(props: WebAclProps, start: int) -> list[Wafv2WebAclRule]:
        """Headers, request line and body sizes, from priority ``start``."""
        limits = props.request_limits
        oversize: list[tuple[str, int, Statement]] = [
            ("oversize-headers", HEADERS_TOO_LARGE, _any_of([
                _larger_than({"headers": [_all_of_scope()]}, limits.max_header_bytes),
                _larger_than({"cookies": [_all_of_scope()]}, limits.max_header_bytes),
            ])),
            ("oversize-request-line", URI_TOO_LONG, _any_of([
                _larger_than({"uri_path": [{}]}, limits.max_path_bytes),
                _larger_than({"query_string": [{}]}, limits.max_query_bytes),
            ])),
            ("oversize-body", PAYLOAD_TOO_LARGE, _body_larger_than(limits.max_body_bytes, limits.large_body_routes)),
        ]
        oversize += [(f"large-body-route-{index}", PAYLOAD_TOO_LARGE, _large_body_refused(route))
                     for index, route in enumerate(limits.large_body_routes, start=1)]
        return [
            Wafv2WebAclRule(name=name, priority=priority, action=_block(status), statement=[statement],
                            visibility_config=_rule_visibility(f"{props.name}-{name}"))
            for priority, (name, status, statement) in enumerate(oversize, start=start)
        ]

    def _add_logging(self, props: WebAclProps) -> None:
        log_group = LogGroup(self, "logs", LogGroupProps(
            name=f"aws-waf-logs-{props.name}", retention_days=props.log_retention_days, kms_key_arn=props.kms_key_arn,
        ))
        decided = None if props.log_allowed_requests else Wafv2WebAclLoggingConfigurationLoggingFilter(
            default_behavior="DROP",
            filter=[Wafv2WebAclLoggingConfigurationLoggingFilterFilter(
                behavior="KEEP", requirement="MEETS_ANY",
                condition=[Wafv2WebAclLoggingConfigurationLoggingFilterFilterCondition(
                    action_condition=Wafv2WebAclLoggingConfigurationLoggingFilterFilterConditionActionCondition(action=action))
                    for action in ("BLOCK", "COUNT")],
            )],
        )
        Wafv2WebAclLoggingConfiguration(
            self, "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[log_group.arn],
            logging_filter=decided,
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header)
                )
                for header in props.redacted_headers
            ],
        )

    @property
    def arn(self) -> str:
        """The web ACL ARN."""
        return self.web_acl.arn


_NO_TRANSFORMATION = [{"priority": 0, "type": "NONE"}]


def _all_of_scope() -> Statement:
    """Every header (or cookie) key and value; a request beyond what AWS WAF inspects (8 KB or 200) matches."""
    return {"match_pattern": [{"all": [{}]}], "match_scope": "ALL", "oversize_handling": "MATCH"}


def _larger_than(field_to_match: Statement, size: int) -> Statement:
    return {"size_constraint_statement": [{"comparison_operator": "GT", "size": size,
                                           "field_to_match": [field_to_match],
                                           "text_transformation": _NO_TRANSFORMATION}]}


def _any_of(statements: list[Statement]) -> Statement:
    return statements[0] if len(statements) == 1 else {"or_statement": [{"statement": statements}]}


def _not(statement: Statement) -> Statement:
    return {"not_statement": [{"statement": [statement]}]}


def _path_starts_with(prefix: str) -> Statement:
    return {"byte_match_statement": [{"search_string": prefix, "positional_constraint": "STARTS_WITH",
                                      "field_to_match": [{"uri_path": [{}]}], "text_transformation": _NO_TRANSFORMATION}]}


def _host_is(host: str) -> Statement:
    return {"byte_match_statement": [{"search_string": host, "positional_constraint": "EXACTLY",
                                      "field_to_match": [{"single_header": [{"name": "host"}]}],
                                      "text_transformation": [{"priority": 0, "type": "LOWERCASE"}]}]}


def _content_length_matches(pattern: str) -> Statement:
    return {"regex_match_statement": [{"regex_string": pattern,
                                       "field_to_match": [{"single_header": [{"name": "content-length"}]}],
                                       "text_transformation": _NO_TRANSFORMATION}]}


def _body_larger_than(size: int, routes: tuple[LargeBodyRoute, ...]) -> Statement:
    """A body above ``size`` (or above what AWS WAF inspects) outside the large-body routes."""
    body = _larger_than({"body": [{"oversize_handling": "MATCH"}]}, size)
    if not routes:
        return body
    return {"and_statement": [{"statement": [
        body, _not(_any_of([_path_starts_with(route.path_prefix) for route in routes]))]}]}


def _large_body_refused(route: LargeBodyRoute) -> Statement:
    """On ``route``: a body beyond what AWS WAF inspects whose ``Content-Length`` is missing or above the cap."""
    return {"and_statement": [{"statement": [
        _path_starts_with(route.path_prefix),
        _larger_than({"body": [{"oversize_handling": "MATCH"}]}, BODY_INSPECTION_BYTES),
        _any_of([_content_length_matches(integer_above_pattern(route.max_body_bytes)),
                 _not(_content_length_matches("^[0-9]+$"))]),
    ]}]}


def _managed_group(group: ManagedRuleGroup) -> Statement:
    statement: Statement = {"name": group.name, "vendor_name": group.vendor}
    if group.count_only_rules:
        statement["rule_action_override"] = [
            {"name": rule, "action_to_use": [{"count": [{}]}]} for rule in group.count_only_rules
        ]
    if group.excluded_path_prefixes:
        excluded = _any_of([_path_starts_with(prefix) for prefix in group.excluded_path_prefixes])
        statement["scope_down_statement"] = [_not(excluded)]
    return statement
