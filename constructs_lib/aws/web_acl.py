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

#: Rules of AWS managed rule groups that only count instead of blocking: SizeRestrictions_BODY
#: blocks request bodies over 8 KB, which analytics queries posted to the API exceed.
COUNT_ONLY_RULES: dict[str, tuple[str, ...]] = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}

#: AWS managed rule groups, in evaluation order. KnownBadInputs covers Log4j (CVE-2021-44228).
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
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
    """

    name: str
    resource_arn: str
    rate_limit_requests: int
    log_retention_days: int
    rate_limit_window_seconds: int = 300
    kms_key_arn: str | None = None
    redacted_headers: tuple[str, ...] = ("authorization", "cookie")
    rate_limit_exempt_ips: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 10 <= self.rate_limit_requests <= 2_000_000_000:
            raise ValueError(f"WebAclProps.rate_limit_requests must be 10 to 2000000000, got {self.rate_limit_requests}")
        if self.rate_limit_window_seconds not in RATE_LIMIT_WINDOWS_SECONDS:
            raise ValueError(f"WebAclProps.rate_limit_window_seconds must be one of {RATE_LIMIT_WINDOWS_SECONDS}")


def _rule_visibility(metric: str) -> Wafv2WebAclRuleVisibilityConfig:
    return Wafv2WebAclRuleVisibilityConfig(cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True)


class WebAcl(Construct):
    """A regional web ACL associated with a load balancer.

    Evaluates, in order: Amazon IP reputation, the common rule set (OWASP top risks; its 8 KB body
    limit only counts, see ``COUNT_ONLY_RULES``), known bad inputs (Log4j and similar exploits), SQL
    injection, then a rate-based rule blocking any client IP above the limit. Everything else is allowed. Every request is logged to CloudWatch Logs with
    credentials redacted.
    """

    def __init__(self, scope: Construct, id_: str, props: WebAclProps) -> None:
        super().__init__(scope, id_)
        rules = [
            Wafv2WebAclRule(
                name=group,
                priority=priority,
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement=_statement({"managed_rule_group_statement": _managed_group(group)}),
                visibility_config=_rule_visibility(f"{props.name}-{group}"),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
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
            priority=len(MANAGED_RULE_GROUPS) + 1,
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


def _managed_group(group: str) -> dict[str, Any]:
    statement: dict[str, Any] = {"name": group, "vendor_name": "AWS"}
    overrides = COUNT_ONLY_RULES.get(group, ())
    if overrides:
        statement["rule_action_override"] = [{"name": rule, "action_to_use": [{"count": [{}]}]} for rule in overrides]
    return statement


def _statement(blocks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A rule statement in Terraform JSON block form (the bindings type ``statement`` loosely)."""
    return [{kind: [body] for kind, body in blocks.items()}]
