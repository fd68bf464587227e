"""AWS monitoring: encrypted alert topics per tier, alarms on emitted metrics with the configured thresholds, each
service's alarms over both of its target groups, dashboard, outputs."""

from __future__ import annotations

import json

import pytest

from stacks.app_services import SERVICES

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, by_prefix, only, reference, resources

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def _alarms(stack: dict) -> dict[str, dict]:
    return {alarm["alarm_name"]: alarm for alarm in resources(stack, "aws_cloudwatch_metric_alarm").values()}


def _topics(stack: dict) -> dict[str, str]:
    """The reference to each tier's topic: ``critical`` (``<prefix>-alerts``) and ``warning`` (``<prefix>-warnings``)."""
    return {"critical" if topic["name"].endswith("-alerts") else "warning": reference("aws_sns_topic", key, "arn")
            for key, topic in resources(stack, "aws_sns_topic").items()}


def test_alert_topics_are_encrypted_and_mail_the_configured_address(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    key_id, _ = only(stack, "aws_kms_key")
    topics = resources(stack, "aws_sns_topic")
    assert sorted(topic["name"] for topic in topics.values()) == [
        f"duckdb-analytics-{environment}-alerts", f"duckdb-analytics-{environment}-warnings"]
    assert all(topic["kms_master_key_id"] == reference("aws_kms_key", key_id, "arn") for topic in topics.values())
    subscriptions = {subscription["topic_arn"]: subscription
                     for subscription in resources(stack, "aws_sns_topic_subscription").values()}
    recipients = {"critical": config.alerting.email, "warning": config.alerting.warning_email or config.alerting.email}
    for tier, topic in _topics(stack).items():
        assert (subscriptions[topic]["protocol"], subscriptions[topic]["endpoint"]) == ("email", recipients[tier])


#: The tier of every alarm, by the end of its name: what pages (critical) and what is read (warning).
TIERS = {
    "-alb-5xx-rate": "critical", "-alb-response-time-p95": "critical", "-5xx-rate": "critical",
    "-response-time-p95": "critical", "-no-healthy-hosts": "critical", "-free-storage-low": "critical",
    "-primary-health": "critical",
    "-response-time-degraded-p95": "warning", "-unhealthy-hosts": "warning", "-cpu-high": "warning",
    "-memory-high": "warning", "-at-max-capacity": "warning", "-replica-lag": "warning",
}


def _tier(alarm_name: str) -> str:
    return TIERS[max((suffix for suffix in TIERS if alarm_name.endswith(suffix)), key=len)]


def test_every_alarm_notifies_the_topic_of_its_tier(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    topics = _topics(stack)
    alarms = _alarms(stack)
    assert {_tier(name) for name in alarms} == {"critical", "warning"}
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [topics[_tier(name)]], name


def test_error_rate_alarm_is_5xx_share_of_requests(synthesized: Synthesized, environment: str) -> None:
    stack, alerting = synthesized.stack("aws", environment), synthesized.configs[environment].alerting
    alb_id, _ = only(stack, "aws_lb")
    alarm = _alarms(stack)[f"duckdb-analytics-{environment}-alb-5xx-rate"]
    assert (alarm["threshold"], alarm["comparison_operator"]) == (alerting.error_rate_percent, "GreaterThanThreshold")
    assert alarm["threshold"] == 5.0
    queries = {query["id"]: query for query in alarm["metric_query"]}
    assert queries["error_rate"]["expression"] == (
        "IF(requests >= 10, 100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests, 0)")
    assert [query["id"] for query in alarm["metric_query"] if query["return_data"]] == ["error_rate"]
    metrics = {query_id: queries[query_id]["metric"] for query_id in ("target_5xx", "elb_5xx", "requests")}
    assert {metric["metric_name"] for metric in metrics.values()} == {
        "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"}
    assert all(metric["namespace"] == "AWS/ApplicationELB" and metric["stat"] == "Sum" for metric in metrics.values())
    assert all(metric["dimensions"] == {"LoadBalancer": reference("aws_lb", alb_id, "arn_suffix")} for metric in metrics.values())


def test_response_time_alarm_is_p95_over_the_threshold(synthesized: Synthesized, environment: str) -> None:
    stack, alerting = synthesized.stack("aws", environment), synthesized.configs[environment].alerting
    alarm = _alarms(stack)[f"duckdb-analytics-{environment}-alb-response-time-p95"]
    assert (alarm["metric_name"], alarm["extended_statistic"]) == ("TargetResponseTime", "p95")
    assert alarm["threshold"] == alerting.response_time_seconds == 2.0
    assert (alarm["evaluation_periods"], alarm["period"]) == (5, 60)


def _target_groups(stack: dict, service: str) -> list[str]:
    """References to the target groups of ``service``: its own, and the alternate one of a traffic-shifting service."""
    return [reference("aws_lb_target_group", key, "arn_suffix")
            for key in sorted(resources(stack, "aws_lb_target_group"), reverse=True)
            if key.startswith((f"load_balancer_{service}_targets", f"load_balancer_{service}_alternate_targets"))]


def _watched_groups(alarm: dict) -> list[str]:
    if "metric_query" not in alarm:
        return [alarm["dimensions"]["TargetGroup"]]
    return sorted({query["metric"]["dimensions"]["TargetGroup"] for query in alarm["metric_query"] if "metric" in query},
                  reverse=True)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_each_service_has_health_error_and_latency_alarms_over_both_target_groups(
        synthesized: Synthesized, environment: str, service) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    alarms, prefix = _alarms(stack), f"duckdb-analytics-{environment}-{service.name}"
    groups = _target_groups(stack, service.name)
    assert len(groups) == (2 if config.release.has_test_route else 1)
    unhealthy = alarms[f"{prefix}-unhealthy-hosts"]
    no_healthy = alarms.get(f"{prefix}-no-healthy-hosts")
    watched = [unhealthy, alarms[f"{prefix}-5xx-rate"], alarms[f"{prefix}-response-time-p95"],
               alarms[f"{prefix}-response-time-degraded-p95"], *([no_healthy] if no_healthy else [])]
    for alarm in watched:  # ECS alternates the groups: every alarm follows the one that serves
        assert _watched_groups(alarm) == groups, alarm["alarm_name"]
    if len(groups) == 2:
        assert unhealthy["metric_query"][-1]["expression"] == "FILL(primary, 0) + FILL(alternate, 0)"
        assert no_healthy is not None and no_healthy["metric_query"][-1]["expression"] == "FILL(primary, 0) + FILL(alternate, 0)"
        latency = alarms[f"{prefix}-response-time-p95"]["metric_query"]
        assert latency[-1]["expression"] == "MAX([FILL(primary_p95, 0), FILL(alternate_p95, 0)])"
        assert {query["metric"]["stat"] for query in latency if "metric" in query} == {"p95"}
    else:
        assert (unhealthy["metric_name"], unhealthy["threshold"]) == ("UnHealthyHostCount", 0)
    if config.scaling.working_hours is None:
        assert no_healthy is not None and no_healthy["treat_missing_data"] == "breaching"
        assert (no_healthy["comparison_operator"], no_healthy["threshold"]) == ("LessThanThreshold", 1)
    else:  # scaled to zero every night on purpose
        assert no_healthy is None
    error_rate = alarms[f"{prefix}-5xx-rate"]
    assert error_rate["threshold"] == config.alerting.error_rate_percent
    errors = " + ".join(f"FILL({group}_{metric}, 0)" for metric in ("5xx", "connection_errors")
                        for group in ("primary", "alternate")[:len(groups)])
    requests = " + ".join(f"FILL({group}_requests, 0)" for group in ("primary", "alternate")[:len(groups)])
    requests = f"({requests})" if len(groups) == 2 else requests
    assert error_rate["metric_query"][-1]["expression"] == f"IF({requests} >= 10, 100 * ({errors}) / {requests}, 0)"
    assert alarms[f"{prefix}-response-time-p95"]["threshold"] == config.alerting.response_time_seconds
    assert alarms[f"{prefix}-response-time-degraded-p95"]["threshold"] == config.alerting.response_time_seconds / 2


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_each_service_warns_of_high_utilization_and_of_its_maximum_capacity(
        synthesized: Synthesized, environment: str, service) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    alarms = _alarms(stack)
    service_id, _ = by_prefix(stack, "aws_ecs_service", f"{service.name}_service_")
    for resource in ("cpu", "memory"):
        alarm = alarms[f"duckdb-analytics-{environment}-{service.name}-{resource}-high"]
        assert alarm["namespace"] == "AWS/ECS" and alarm["threshold"] == 80
        assert alarm["dimensions"]["ServiceName"] == reference("aws_ecs_service", service_id, "name")
    at_max = alarms[f"duckdb-analytics-{environment}-{service.name}-at-max-capacity"]
    assert (at_max["namespace"], at_max["metric_name"], at_max["statistic"]) == (
        "ECS/ContainerInsights", "DesiredTaskCount", "Minimum")
    assert (at_max["comparison_operator"], at_max["threshold"]) == ("GreaterThanOrEqualToThreshold", config.scaling.max_capacity)
    assert at_max["dimensions"]["ServiceName"] == reference("aws_ecs_service", service_id, "name")


def test_database_alarms_exist_with_the_database(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    alarms = {name: alarm for name, alarm in _alarms(stack).items() if alarm.get("namespace") == "AWS/RDS"}
    if not config.database.enabled:
        assert alarms == {}
        return
    database_id, _ = only(stack, "aws_db_instance")
    cpu = alarms[f"duckdb-analytics-{environment}-database-cpu-high"]
    storage = alarms[f"duckdb-analytics-{environment}-database-free-storage-low"]
    assert cpu["dimensions"] == storage["dimensions"] == {
        "DBInstanceIdentifier": reference("aws_db_instance", database_id, "identifier")}
    assert (storage["metric_name"], storage["comparison_operator"]) == ("FreeStorageSpace", "LessThanThreshold")
    assert storage["threshold"] == int(config.database.allocated_storage_gb * 1024**3 * 0.1)


def test_alarms_watch_only_metrics_the_platform_emits(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    emitted = {
        "AWS/ApplicationELB": {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount",
                               "TargetResponseTime", "UnHealthyHostCount", "HealthyHostCount",
                               "TargetConnectionErrorCount"},
        "AWS/ECS": {"CPUUtilization", "MemoryUtilization"},
        "ECS/ContainerInsights": {"DesiredTaskCount"},  # the cluster has Container Insights on
        "AWS/RDS": {"CPUUtilization", "FreeStorageSpace"},
        "AWS/Route53": {"HealthCheckStatus"},  # the primary's failover health check ([dr])
    }
    for alarm in resources(stack, "aws_cloudwatch_metric_alarm").values():
        metrics = [query["metric"] for query in alarm.get("metric_query", []) if "metric" in query] or [alarm]
        for metric in metrics:
            assert metric["metric_name"] in emitted[metric["namespace"]], alarm["alarm_name"]


def test_key_policy_lets_logs_and_alarms_use_the_key(synthesized: Synthesized, environment: str) -> None:
    from .aws_reading import policy_statements

    stack, aws = synthesized.stack("aws", environment), synthesized.configs[environment].aws
    _, key = only(stack, "aws_kms_key")
    statements = policy_statements(stack, key["policy"])
    assert set(statements) == {"AccountAdministration", "CloudWatchLogsUse", "CloudWatchAlarmsUse", "BudgetsUse",
                               "DeployerManagement", "DeployerUseThroughServices"}
    budgets = statements["BudgetsUse"]  # budget alerts reach the encrypted topic (test_aws_cost.py)
    assert budgets["principals"] == [{"type": "Service", "identifiers": ["budgets.amazonaws.com"]}]
    assert budgets["condition"] == [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [aws.account_id]}]
    logs = statements["CloudWatchLogsUse"]
    assert logs["principals"] == [{"type": "Service", "identifiers": [f"logs.{aws.region}.amazonaws.com"]}]
    assert logs["condition"] == [{"test": "ArnLike", "variable": "kms:EncryptionContext:aws:logs:arn",
                                  "values": [f"arn:aws:logs:{aws.region}:{aws.account_id}:log-group:*"]}]
    alarms = statements["CloudWatchAlarmsUse"]
    assert alarms["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert {"kms:Decrypt*", "kms:GenerateDataKey*"} <= set(alarms["actions"])
    assert alarms["condition"] == [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [aws.account_id]}]
    # The deploy role manages the key through its policy (no tag condition to wait for), never rewrites the policy.
    deployer = f"arn:aws:iam::{aws.account_id}:role/gha-duckdb-analytics-{environment}-deploy"
    for sid in ("DeployerManagement", "DeployerUseThroughServices"):
        assert statements[sid]["principals"] == [{"type": "AWS", "identifiers": [deployer]}]
    assert {"kms:CreateAlias", "kms:EnableKeyRotation"} <= set(statements["DeployerManagement"]["actions"])
    assert "kms:PutKeyPolicy" not in statements["DeployerManagement"]["actions"]
    assert statements["DeployerUseThroughServices"]["condition"][0]["values"] == [
        f"rds.{aws.region}.amazonaws.com", f"secretsmanager.{aws.region}.amazonaws.com", f"ecr.{aws.region}.amazonaws.com"]
    # Its creator may not rewrite the policy (IAM denies PutKeyPolicy): KMS's lockout check at creation is skipped,
    # and the account-root statement keeps administrators in control.
    assert key["bypass_policy_lockout_safety_check"] is True


def test_dashboard_covers_services_load_balancer_and_database(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    _, dashboard = only(stack, "aws_cloudwatch_dashboard")
    namespaces = {metric[0] for widget in json.loads(dashboard["dashboard_body"])["widgets"]
                  for metric in widget["properties"]["metrics"]}
    assert namespaces == ({"AWS/ApplicationELB", "AWS/ECS", "AWS/RDS"} if config.database.enabled
                          else {"AWS/ApplicationELB", "AWS/ECS"})
    (healthy,) = [widget for widget in json.loads(dashboard["dashboard_body"])["widgets"]
                  if widget["properties"]["title"] == "Healthy targets"]
    # every target group, the alternate ones too: ECS serves from either
    assert {metric[3] for metric in healthy["properties"]["metrics"]} == {
        reference("aws_lb_target_group", key, "arn_suffix") for key in resources(stack, "aws_lb_target_group")}


def test_every_log_group_keeps_the_environment_retention_encrypted(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    key_id, _ = only(stack, "aws_kms_key")
    groups = resources(stack, "aws_cloudwatch_log_group")
    # flow logs, WAF, two services, Container Insights (+ two database log groups and the setup task's, + ECS Exec's)
    execute_command = config.backend.execute_command or config.frontend.execute_command
    assert len(groups) == (8 if config.database.enabled else 5) + execute_command
    for group in groups.values():
        assert group["retention_in_days"] == config.logging.retention_days
        assert group["kms_key_id"] == reference("aws_kms_key", key_id, "arn")


def test_outputs(synthesized: Synthesized, environment: str) -> None:
    stack, https = synthesized.stack("aws", environment), synthesized.configs[environment].aws.https
    alb_id, _ = only(stack, "aws_lb")
    outputs = {name: output["value"] for name, output in stack["output"].items()}
    site = f"https://{https.domain}" if not https.http_only else f"http://{reference('aws_lb', alb_id, 'dns_name')}"
    assert outputs["frontend_url"] == site
    assert outputs["backend_url"] == f"{site}/api"
    assert outputs["load_balancer_dns_name"] == reference("aws_lb", alb_id, "dns_name")
    assert (outputs["alarm_topic_arn"], outputs["warning_topic_arn"]) == (
        _topics(stack)["critical"], _topics(stack)["warning"])
    # The repositories and their URLs are the bootstrap stack's (tests/test_aws_bootstrap.py).
    assert not any(name.endswith("_repository_url") for name in outputs)
    assert {"data_bucket_name", "log_bucket_name"} <= set(outputs)
