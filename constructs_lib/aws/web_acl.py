"""A WAFv2 web ACL in front of a load balancer: AWS managed rule groups, a per-IP rate limit, logging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_ip_set import Wafv2IpSet
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
)
from constructs import Construct

from ..rules import RATE_LIMIT_WINDOWS_SECONDS
from .log_group import LogGroup, LogGroupProps

@dataclass(frozen=True)
class ManagedRuleGroup:
    """An AWS managed rule group in the web ACL.

    Attributes:
        name: The group, e.g. ``AWSManagedRulesCommonRuleSet``.
        vendor: Who publishes it. Default ``AWS``.
        count_only_rules: Rules of the group that only count matching requests instead of blocking
            them (e.g. a size limit your API exceeds on purpose). Default none.
        excluded_path_prefixes: Request paths the group does not inspect at all, e.g. ``/api/query``
            for an API that accepts SQL text (the SQL injection group would block it). Default none.
    """

    name: str
    vendor: str = "AWS"
    count_only_rules: tuple[str, ...] = ()
    excluded_path_prefixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not all(prefix.startswith("/") for prefix in self.excluded_path_prefixes):
            raise ValueError(f"ManagedRuleGroup.excluded_path_prefixes {self.excluded_path_prefixes!r}: must start with '/'")


#: The default rule groups, in evaluation order: Amazon IP reputation, the common rule set (OWASP top
#: risks; its 8 KB body limit SizeRestrictions_BODY only counts, because analytics queries posted to an
#: API exceed it), known bad inputs (Log4j, CVE-2021-44228, and similar exploits), SQL injection.
DEFAULT_MANAGED_RULE_GROUPS: tuple[ManagedRuleGroup, ...] = (
    ManagedRuleGroup("AWSManagedRulesAmazonIpReputationList"),
    ManagedRuleGroup("AWSManagedRulesCommonRuleSet", count_only_rules=("SizeRestrictions_BODY",)),
    ManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet"),
    ManagedRuleGroup("AWSManagedRulesSQLiRuleSet"),
)


@dataclass(frozen=True)
class WebAclProps:
    """Props of :class:`WebAcl`.

    Attributes:
        name: Web ACL name, e.g. ``duckdb-analytics-prod``.
        resource_arn: The load balancer to protect.
        rate_limit_requests: Requests one client IP may send per window before it is blocked (HTTP 403).
        rate_limit_window_seconds: The window, one of 60, 120, 300, 600. Default 300.
        log_retention_days: Days WAF logs are kept.
        kms_key_arn: Key of the WAF log group. Default ``None``.
        redacted_headers: Request headers never written to the logs. Default ``authorization``, ``cookie``.
        rate_limit_exempt_ips: Addresses (without prefix) the rate limit does not count, e.g. the
            platform's own NAT gateways, which carry every server-side call of all tasks. The managed
            rule groups still inspect their requests. Default none.
        managed_rule_groups: The AWS managed rule groups, in evaluation order, with their count-only
            rules and excluded paths. Default :data:`DEFAULT_MANAGED_RULE_GROUPS`.
    """

    name: str
    resource_arn: str
    rate_limit_requests: int
    log_retention_days: int
    rate_limit_window_seconds: int = 300
    kms_key_arn: str | None = None
    redacted_headers: tuple[str, ...] = ("authorization", "cookie")
    rate_limit_exempt_ips: tuple[str, ...] = ()
    managed_rule_groups: tuple[ManagedRuleGroup, ...] = DEFAULT_MANAGED_RULE_GROUPS

    def __post_init__(self) -> None:
        names = [group.name for group in self.managed_rule_groups]
        if len(set(names)) != len(names):
            raise ValueError(f"WebAclProps.managed_rule_groups {names}: each group at most once")
        if not 10 <= self.rate_limit_requests <= 2_000_000_000:
            raise ValueError(f"WebAclProps.rate_limit_requests must be 10 to 2000000000, got {self.rate_limit_requests}")
        if self.rate_limit_window_seconds not in RATE_LIMIT_WINDOWS_SECONDS:
            raise ValueError(f"WebAclProps.rate_limit_window_seconds must be one of {RATE_LIMIT_WINDOWS_SECONDS}")


def _rule_visibility(metric: str) -> Wafv2WebAclRuleVisibilityConfig:
    return Wafv2WebAclRuleVisibilityConfig(cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True)


class WebAcl(Construct):
    """A regional web ACL associated with a load balancer.

    Evaluates the managed rule groups in order (by default :data:`DEFAULT_MANAGED_RULE_GROUPS`), then
    a rate-based rule blocking any client IP above the limit. Everything else is allowed. Every
    request is logged to CloudWatch Logs with credentials redacted.
    """

    def __init__(self, scope: Construct, id_: str, props: WebAclProps) -> None:
        super().__init__(scope, id_)
        rules = [
            Wafv2WebAclRule(
                name=group.name,
                priority=priority,
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement=_statement({"managed_rule_group_statement": _managed_group(group)}),
                visibility_config=_rule_visibility(f"{props.name}-{group.name}"),
            )
            for priority, group in enumerate(props.managed_rule_groups, start=1)
        ]
        rate_based: dict[str, Any] = {
            "limit": props.rate_limit_requests,
            "aggregate_key_type": "IP",
            "evaluation_window_sec": props.rate_limit_window_seconds,
        }
        if props.rate_limit_exempt_ips:
            exempt = Wafv2IpSet(
                self, "rate_limit_exempt", name=f"{props.name}-rate-limit-exempt", scope="REGIONAL",
                ip_address_version="IPV4", addresses=[f"{address}/32" for address in props.rate_limit_exempt_ips],
                description="Own egress addresses the per-IP rate limit does not count",
            )
            rate_based["scope_down_statement"] = [{"not_statement": [{"statement": [
                {"ip_set_reference_statement": [{"arn": exempt.arn}]}
            ]}]}]
        rules.append(Wafv2WebAclRule(
            name="rate-limit-per-ip",
            priority=len(props.managed_rule_groups) + 1,
            action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock()),
            statement=_statement({"rate_based_statement": rate_based}),
            visibility_config=_rule_visibility(f"{props.name}-rate-limit-per-ip"),
        ))
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
        log_group = LogGroup(self, "logs", LogGroupProps(
            name=f"aws-waf-logs-{props.name}", retention_days=props.log_retention_days, kms_key_arn=props.kms_key_arn,
        ))
        Wafv2WebAclLoggingConfiguration(
            self, "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[log_group.arn],
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


def _managed_group(group: ManagedRuleGroup) -> dict[str, Any]:
    statement: dict[str, Any] = {"name": group.name, "vendor_name": group.vendor}
    if group.count_only_rules:
        statement["rule_action_override"] = [
            {"name": rule, "action_to_use": [{"count": [{}]}]} for rule in group.count_only_rules
        ]
    if group.excluded_path_prefixes:
        starts_with = [
            {"byte_match_statement": [{
                "search_string": prefix, "positional_constraint": "STARTS_WITH",
                "field_to_match": [{"uri_path": [{}]}],
                "text_transformation": [{"priority": 0, "type": "NONE"}],
            }]}
            for prefix in group.excluded_path_prefixes
        ]
        excluded = starts_with[0] if len(starts_with) == 1 else {"or_statement": [{"statement": starts_with}]}
        statement["scope_down_statement"] = [{"not_statement": [{"statement": [excluded]}]}]
    return statement


def _statement(blocks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A rule statement in Terraform JSON block form (the bindings type ``statement`` loosely)."""
    return [{kind: [body] for kind, body in blocks.items()}]
