"""Estimators of AWS resource types (prices of us-east-1, see ``prices.toml``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .context import (
    COMPUTE, DATA, DAYS_PER_MONTH, NETWORK, OBSERVABILITY, SECURITY, Resources, StackContext, blocks, display_name,
    estimator, first_block, references,
)
from .model import Budget
from .schedule import HOURS_PER_WEEK, ScheduledCapacity, ScheduleError, weekly_capacity_profile

#: Budgets an account has before AWS charges for them.
FREE_BUDGETS_PER_ACCOUNT = 2
#: One ALB capacity unit (LCU) covers 1 GB processed per hour or 25 new connections per second.
LCU_GB_PER_HOUR = 1.0
LCU_NEW_CONNECTIONS_PER_SECOND = 25.0
_ARCHITECTURES = {"X86_64": "x86", "ARM64": "arm"}
_CAPACITY_PROVIDERS = {"FARGATE": "fargate", "FARGATE_SPOT": "fargate_spot"}


# --- Fargate ------------------------------------------------------------------------------------------------


@estimator("aws_ecs_service")
def fargate_services(context: StackContext, services: Resources) -> None:
    """vCPU- and GB-hours of each service's tasks at its minimum capacity, per capacity provider."""
    for name, service in services.items():
        address = f"aws_ecs_service.{name}"
        if service.get("launch_type") not in (None, "FARGATE"):
            context.unpriced(address, f"launch type {service['launch_type']!r}: only Fargate is priced")
            continue
        task = context.resolve(service.get("task_definition"), "aws_ecs_task_definition")
        if task is None:
            context.unpriced(address, "its task definition is not in the stack")
            continue
        _, definition = task
        architecture = first_block(definition.get("runtime_platform")).get("cpu_architecture", "X86_64")
        if architecture not in _ARCHITECTURES:
            context.unpriced(address, f"CPU architecture {architecture!r} has no Fargate price")
            continue
        vcpu, memory_gb = int(definition["cpu"]) / 1024, int(definition["memory"]) / 1024
        profile, schedule_text = _capacity_profile(context, name, service)
        strategy = _strategy(context, service)
        display = service.get("name", name)
        for provider, weekly_task_hours in _split_by_provider(profile, strategy).items():
            if provider not in _CAPACITY_PROVIDERS:
                context.unpriced(address, f"capacity provider {provider!r}: only FARGATE and FARGATE_SPOT are priced")
                continue
            task_hours = weekly_task_hours / HOURS_PER_WEEK * context.hours
            prefix = f"{_CAPACITY_PROVIDERS[provider]}_{_ARCHITECTURES[architecture]}"
            where = f"{task_hours:,.1f} task-hours on {provider} ({schedule_text})"
            context.line(COMPUTE, address, f"{display} vCPU: {vcpu:g} vCPU x {where}",
                         vcpu * task_hours, f"{prefix}_vcpu_hour")
            context.line(COMPUTE, address, f"{display} memory: {memory_gb:g} GB x {where}",
                         memory_gb * task_hours, f"{prefix}_gb_hour")


def _capacity_profile(context: StackContext, name: str, service: Mapping[str, Any]) -> tuple[dict[int, float], str]:
    """Hours per week at each task count, and how that was worked out, for the report.

    At minimum capacity the counts are the autoscaling target's and its scheduled actions' ``min_capacity``; at
    maximum capacity their ``max_capacity`` (the most tasks autoscaling may run at each hour of the week).
    """
    bound = "max_capacity" if context.at_maximum else "min_capacity"
    targets = [(target_name, target) for target_name, target in context.resources("aws_appautoscaling_target").items()
               if ("aws_ecs_service", name) in _refs(target.get("resource_id"))]
    if not targets:
        count = int(service.get("desired_count", 0))
        return {count: float(HOURS_PER_WEEK)}, f"desired_count {count}, no autoscaling target"
    target_name, target = targets[0]
    base = int(target.get(bound, 0))
    actions = [
        ScheduledCapacity(str(action.get("schedule", "")), int(first_block(action.get("scalable_target_action"))[bound]))
        for action in context.resources("aws_appautoscaling_scheduled_action").values()
        if ("aws_appautoscaling_target", target_name) in _refs(action.get("resource_id"))
        and bound in first_block(action.get("scalable_target_action"))
    ]
    if not actions:
        return {base: float(HOURS_PER_WEEK)}, f"{bound} {base} around the clock"
    try:
        profile = weekly_capacity_profile(base, actions)
    except ScheduleError as error:
        context.note(f"aws_ecs_service.{name}: schedule not understood ({error}); assumed {bound} {base} all week")
        return {base: float(HOURS_PER_WEEK)}, f"{bound} {base}, schedule not understood"
    running = sum(hours for capacity, hours in profile.items() if capacity > 0)
    counts = "/".join(str(capacity) for capacity in sorted(profile) if capacity > 0) or "0"
    return profile, f"{counts} task(s) {running:g} of {HOURS_PER_WEEK} h a week by schedule"


def _strategy(context: StackContext, service: Mapping[str, Any]) -> list[tuple[str, float, int]]:
    """``(capacity provider, weight, base)`` of the service, else of its cluster's default, else FARGATE."""
    strategy = blocks(service.get("capacity_provider_strategy"))
    if not strategy and "launch_type" not in service:
        cluster = context.resolve(service.get("cluster"), "aws_ecs_cluster")
        if cluster is not None:
            for providers in context.referring("aws_ecs_cluster_capacity_providers", "aws_ecs_cluster", cluster[0],
                                               "cluster_name"):
                strategy = blocks(providers[1].get("default_capacity_provider_strategy"))
    if not strategy:
        return [("FARGATE", 1.0, 0)]
    return [(str(item["capacity_provider"]), float(item.get("weight", 0)), int(item.get("base", 0))) for item in strategy]


def split_tasks(count: int, strategy: Sequence[tuple[str, float, int]]) -> dict[str, float]:
    """How ``count`` tasks spread over a capacity-provider strategy: each ``base`` first, the rest by weight.

    ECS places whole tasks; the split by weight is returned as the expected (fractional) share.
    """
    shares = {provider: 0.0 for provider, _, _ in strategy}
    remaining = float(count)
    for provider, _, base in strategy:
        placed = min(float(base), remaining)
        shares[provider] += placed
        remaining -= placed
    total_weight = sum(weight for _, weight, _ in strategy)
    if remaining and total_weight:
        for provider, weight, _ in strategy:
            shares[provider] += remaining * weight / total_weight
    elif remaining:
        shares[strategy[0][0]] += remaining
    return shares


def _split_by_provider(profile: Mapping[int, float], strategy: Sequence[tuple[str, float, int]]) -> dict[str, float]:
    """Task-hours per week by capacity provider."""
    task_hours: dict[str, float] = {}
    for count, hours in profile.items():
        for provider, tasks in split_tasks(count, strategy).items():
            task_hours[provider] = task_hours.get(provider, 0.0) + tasks * hours
    return {provider: hours for provider, hours in task_hours.items() if hours > 0} or {strategy[0][0]: 0.0}


def _refs(value: Any) -> set[tuple[str, str]]:
    return set(references(value))


# --- network ------------------------------------------------------------------------------------------------


@estimator("aws_lb")
def load_balancers(context: StackContext, balancers: Resources) -> None:
    """Hours, capacity units (from the traffic assumption) and public IPv4 addresses of each ALB."""
    count = len(balancers)
    gb = context.traffic.load_balancer_gb / count
    requests = context.traffic.requests / count
    for name, balancer in balancers.items():
        address = f"aws_lb.{name}"
        kind = balancer.get("load_balancer_type", "application")
        if kind != "application":
            context.unpriced(address, f"load balancer type {kind!r}: only application load balancers are priced")
            continue
        context.line(NETWORK, address, f"ALB {display_name(name, balancer)}: {context.hours:g} h", context.hours, "alb_hour")
        by_bytes = gb / LCU_GB_PER_HOUR
        by_connections = requests / (LCU_NEW_CONNECTIONS_PER_SECOND * 3600)
        context.line(
            NETWORK, address,
            f"ALB capacity units: max({gb:,.0f} GB processed, {requests:,.0f} new connections / 25 per s) "
            f"-> {'bytes' if by_bytes >= by_connections else 'connections'}",
            max(by_bytes, by_connections), "alb_lcu_hour")
        if not balancer.get("internal", False):
            zones = len(balancer.get("subnets") or blocks(balancer.get("subnet_mapping")))
            context.line(NETWORK, address, f"ALB public IPv4: {zones} zone(s) x {context.hours:g} h",
                         zones * context.hours, "public_ipv4_hour")


@estimator("aws_nat_gateway")
def nat_gateways(context: StackContext, gateways: Resources) -> None:
    """Hours of each NAT gateway and its share of the NAT traffic assumption."""
    gb = context.traffic.nat_gb / len(gateways)
    for name in gateways:
        address = f"aws_nat_gateway.{name}"
        context.line(NETWORK, address, f"NAT gateway {name}: {context.hours:g} h", context.hours, "nat_gateway_hour")
        context.line(NETWORK, address, f"NAT data processed: {gb:,.1f} GB (share of {context.traffic.nat_gb:g} GB)",
                     gb, "nat_gateway_gb")


@estimator("aws_eip")
def elastic_ips(context: StackContext, addresses: Resources) -> None:
    for name in addresses:
        context.line(NETWORK, f"aws_eip.{name}", f"public IPv4 (Elastic IP {name}): {context.hours:g} h",
                     context.hours, "public_ipv4_hour")


@estimator("aws_vpc_endpoint")
def vpc_endpoints(context: StackContext, endpoints: Resources) -> None:
    """Gateway endpoints (S3, DynamoDB) are free; an interface endpoint bills each zone (subnet) it is in by the hour
    (its per-GB processing is not estimated); other kinds are not in the table."""
    for name, endpoint in endpoints.items():
        kind, address = endpoint.get("vpc_endpoint_type", "Gateway"), f"aws_vpc_endpoint.{name}"
        if kind == "Interface":
            zones = len(endpoint.get("subnet_ids", []))
            service = str(endpoint.get("service_name", name)).rsplit(".", 1)[-1]
            context.line(NETWORK, address, f"interface endpoint {service}: {zones} zone(s) x {context.hours:g} h",
                         zones * context.hours, "vpc_interface_endpoint_hour")
        elif kind != "Gateway":
            context.unpriced(address, f"{kind} endpoints are not in the table (Gateway ones are free)")


@estimator("aws_service_discovery_private_dns_namespace")
def service_namespaces(context: StackContext, namespaces: Resources) -> None:
    """A Cloud Map private DNS namespace is a Route 53 private hosted zone (queries from the VPC are not estimated)."""
    for name, namespace in namespaces.items():
        context.line(NETWORK, f"aws_service_discovery_private_dns_namespace.{name}",
                     f"Cloud Map namespace {display_name(name, namespace)}: its Route 53 private zone", 1,
                     "route53_hosted_zone_month")


# --- data ---------------------------------------------------------------------------------------------------


@estimator("aws_db_instance")
def databases(context: StackContext, instances: Resources) -> None:
    """Instance hours (twice with Multi-AZ), storage (two copies with Multi-AZ), backups beyond the free share."""
    for name, instance in instances.items():
        address = f"aws_db_instance.{name}"
        engine, instance_class = instance.get("engine", ""), instance.get("instance_class", "")
        copies = 2 if instance.get("multi_az") else 1
        deployment = "Multi-AZ: 2 instances" if copies == 2 else "Single-AZ"
        context.line(DATA, address, f"RDS {engine} {instance_class}: {context.hours:g} h x {copies} ({deployment})",
                     context.hours * copies, f"rds_{engine}_{instance_class.replace('.', '_')}_hour")
        storage_gb = float(instance.get("allocated_storage", 0))
        storage_type = instance.get("storage_type", "gp2")
        context.line(DATA, address, f"RDS {storage_type} storage: {storage_gb:g} GB x {copies} ({deployment})",
                     storage_gb * copies, f"rds_{storage_type}_gb_month")
        if int(instance.get("backup_retention_period", 0)) > 0:
            retained = storage_gb * context.table.assumptions.backup_storage_to_disk_ratio
            context.line(DATA, address,
                         f"RDS backups: {retained:g} GB retained, {storage_gb:g} GB free (100 % of provisioned)",
                         max(0.0, retained - storage_gb), "rds_backup_gb_month")
        if instance.get("manage_master_user_password"):
            context.line(SECURITY, address, "RDS-managed master password secret (Secrets Manager)", 1,
                         "secrets_manager_secret_month")
        if int(instance.get("performance_insights_retention_period", 7)) > 7:
            context.unpriced(address, "Performance Insights retention beyond the free 7 days is not in the table")


@estimator("aws_s3_bucket")
def buckets(context: StackContext, found: Resources) -> None:
    gb = context.traffic.object_storage_gb_per_bucket
    for name, bucket in found.items():
        context.line(DATA, f"aws_s3_bucket.{name}", f"S3 Standard {display_name(name, bucket)}: {gb:g} GB stored (assumed)",
                     gb, "s3_standard_gb_month")


@estimator("aws_ecr_repository")
def repositories(context: StackContext, found: Resources) -> None:
    gb = context.traffic.image_storage_gb_per_repository
    for name, repository in found.items():
        context.line(DATA, f"aws_ecr_repository.{name}",
                     f"ECR images {display_name(name, repository)}: {gb:g} GB stored (assumed)", gb, "ecr_storage_gb_month")


# --- logs and monitoring ------------------------------------------------------------------------------------


@estimator("aws_cloudwatch_log_group")
def log_groups(context: StackContext, groups: Resources) -> None:
    """The log ingestion assumption, shared evenly by the groups; stored volume from each group's retention."""
    count = len(groups)
    ingested = context.traffic.log_ingestion_gb
    per_group = ingested / count
    stored = 0.0
    retentions = set()
    for group in groups.values():
        days = int(group.get("retention_in_days", 0))
        retentions.add(days)
        months = days / DAYS_PER_MONTH if days else context.table.assumptions.log_retention_months_if_forever
        stored += per_group * months
    address = f"aws_cloudwatch_log_group ({count})"
    context.line(OBSERVABILITY, address, f"CloudWatch Logs ingestion: {ingested:g} GB over {count} log group(s)",
                 ingested, "cloudwatch_logs_ingestion_gb")
    kept = ", ".join(f"{days} days" if days else "forever" for days in sorted(retentions))
    context.line(OBSERVABILITY, address, f"CloudWatch Logs stored (steady state, retention {kept})", stored,
                 "cloudwatch_logs_storage_gb_month")


@estimator("aws_cloudwatch_metric_alarm")
def alarms(context: StackContext, found: Resources) -> None:
    metrics = 0
    for alarm in found.values():
        queries = blocks(alarm.get("metric_query"))
        metrics += sum(1 for query in queries if query.get("metric")) if queries else 1
    context.line(OBSERVABILITY, f"aws_cloudwatch_metric_alarm ({len(found)})",
                 f"CloudWatch alarms: {len(found)} alarm(s), {metrics} metric(s)", metrics, "cloudwatch_alarm_metric_month")


@estimator("aws_cloudwatch_dashboard")
def dashboards(context: StackContext, found: Resources) -> None:
    for name, dashboard in found.items():
        context.line(OBSERVABILITY, f"aws_cloudwatch_dashboard.{name}", f"CloudWatch dashboard {display_name(name, dashboard)}", 1,
                     "cloudwatch_dashboard_month")


# --- security -----------------------------------------------------------------------------------------------


@estimator("aws_wafv2_web_acl")
def web_acls(context: StackContext, acls: Resources) -> None:
    requests = context.traffic.requests / len(acls)
    for name, acl in acls.items():
        address = f"aws_wafv2_web_acl.{name}"
        rules = len(blocks(acl.get("rule")))
        context.line(SECURITY, address, f"WAF web ACL {display_name(name, acl)}", 1, "waf_web_acl_month")
        context.line(SECURITY, address, f"WAF rules: {rules}", rules, "waf_rule_month")
        context.line(SECURITY, address, f"WAF requests: {requests:,.0f}", requests / 1e6, "waf_million_requests")


@estimator("aws_kms_key")
def kms_keys(context: StackContext, keys: Resources) -> None:
    for name in keys:
        context.line(SECURITY, f"aws_kms_key.{name}", f"KMS customer managed key {name}", 1, "kms_key_month")


@estimator("aws_secretsmanager_secret")
def secrets(context: StackContext, found: Resources) -> None:
    """A secret, and each of its replicas in other regions (billed as secrets of their own)."""
    for name, secret in found.items():
        replicas = len(blocks(secret.get("replica")))
        what = f" and {replicas} replica(s)" if replicas else ""
        context.line(SECURITY, f"aws_secretsmanager_secret.{name}", f"Secrets Manager secret {display_name(name, secret)}{what}",
                     1 + replicas, "secrets_manager_secret_month")


@estimator("aws_route53_health_check")
def health_checks(context: StackContext, found: Resources) -> None:
    """A health check of an AWS endpoint, plus each optional feature it uses (HTTPS, string match, fast, latency)."""
    for name, check in found.items():
        address = f"aws_route53_health_check.{name}"
        context.line(OBSERVABILITY, address, f"Route 53 health check {display_name(name, check)}", 1,
                     "route53_health_check_month")
        features = [feature for feature, used in (
            ("HTTPS", str(check.get("type", "")).startswith("HTTPS")),
            ("string matching", "STR_MATCH" in str(check.get("type", ""))),
            ("10 s interval", int(check.get("request_interval", 30)) == 10),
            ("latency measurement", bool(check.get("measure_latency"))),
        ) if used]
        if features:
            context.line(OBSERVABILITY, address, f"Route 53 health check features: {', '.join(features)}", len(features),
                         "route53_health_check_feature_month")


# --- budgets ------------------------------------------------------------------------------------------------


@estimator("aws_budgets_budget")
def budgets(context: StackContext, found: Resources) -> None:
    """The budgets' own charge (a stack is one account), and each monthly cost budget for the report to compare."""
    billable = max(0, len(found) - FREE_BUDGETS_PER_ACCOUNT)
    context.line(OBSERVABILITY, f"aws_budgets_budget ({len(found)})",
                 f"AWS Budgets: {len(found)} in the account, the first {FREE_BUDGETS_PER_ACCOUNT} free",
                 billable * DAYS_PER_MONTH, "budget_day")
    for name, budget in found.items():
        if budget.get("budget_type") == "COST" and budget.get("time_unit") == "MONTHLY" and "limit_amount" in budget:
            context.estimate.budgets.append(
                Budget(f"aws_budgets_budget.{name}", float(budget["limit_amount"]), str(budget.get("limit_unit", "USD"))))
