"""CloudWatch alarms on the metrics the platform emits: load balancer, ECS services, RDS; each in its alert tier."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from ..alerting import AlertThresholds
from .alert_topic import AlertRoutes
from .load_balancer import PublicLoadBalancer
from .service_autoscaling import ScalableService

_GIB = 1024**3


def _alarm(scope: Construct, id_: str, topic_arn: str, evaluation_minutes: int, **settings: Any) -> CloudwatchMetricAlarm:
    """An alarm over one-minute periods that notifies ``topic_arn`` when it fires and when it clears."""
    if "metric_query" not in settings:  # metric math queries carry their own period
        settings.setdefault("period", 60)
    settings.setdefault("treat_missing_data", "notBreaching")
    return CloudwatchMetricAlarm(
        scope, id_,
        evaluation_periods=evaluation_minutes,
        datapoints_to_alarm=evaluation_minutes,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        **settings,
    )


@dataclass(frozen=True)
class LoadBalancerAlarmsProps:
    """Props of :class:`LoadBalancerAlarms`.

    Attributes:
        name_prefix: Start of every alarm name.
        load_balancer: The load balancer; every target of it gets its own alarms (over both target groups of
            a traffic-shifting target: ECS alternates them, so either may be the one serving).
        routes: Where alarms notify, by tier.
        thresholds: Error rate and response time limits. Default: 5 % and 2 s over 5 minutes.
        minimum_requests_per_minute: Minutes with fewer requests count as 0 % errors, so that one
            failed request out of two does not page anyone. Default 10.
        idle_targets: Targets whose services are scaled to zero on purpose (office hours): they get no
            alarm for having no healthy target at all. Default none.
    """

    name_prefix: str
    load_balancer: PublicLoadBalancer
    routes: AlertRoutes
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    minimum_requests_per_minute: int = 10
    idle_targets: tuple[str, ...] = ()


class LoadBalancerAlarms(Construct):
    """5xx error rate and p95 response time of an Application Load Balancer and of each target; target health.

    Critical: the load balancer's 5xx rate ((target 5xx + load balancer 5xx) / requests x 100 per minute,
    counted only in minutes with at least ``minimum_requests_per_minute`` requests, so a quiet period never
    divides by zero) and p95 response time; per target its own 5xx rate (target 5xx and connection errors)
    and p95 response time, and no healthy target at all. Warning: per target, unhealthy targets and a p95
    response time above ``thresholds.degraded_response_time_seconds``. A traffic-shifting target's alarms
    add up both of its target groups (the larger p95 of the two), so they follow whichever group serves;
    its own 5xx-rate and p95 alarms are what :meth:`rollback_alarm_names` gives its deployments, so one
    service's errors never roll back another's release.
    """

    def __init__(self, scope: Construct, id_: str, props: LoadBalancerAlarmsProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        minutes = props.thresholds.evaluation_minutes
        dimensions = {"LoadBalancer": props.load_balancer.arn_suffix}
        critical = props.routes.critical
        self.error_rate = _alarm(
            self, "error_rate", critical, minutes,
            alarm_name=f"{props.name_prefix}-alb-5xx-rate",
            alarm_description=f"More than {props.thresholds.error_rate_percent:g} % of requests failed with 5xx",
            comparison_operator="GreaterThanThreshold",
            threshold=props.thresholds.error_rate_percent,
            metric_query=[
                _query("target_5xx", "HTTPCode_Target_5XX_Count", dimensions),
                _query("elb_5xx", "HTTPCode_ELB_5XX_Count", dimensions),
                _query("requests", "RequestCount", dimensions),
                _expression("error_rate", "5xx error rate (%)", _rate(
                    "FILL(target_5xx, 0) + FILL(elb_5xx, 0)", "requests", props.minimum_requests_per_minute)),
            ],
        )
        self.response_time = _alarm(
            self, "response_time", critical, minutes,
            alarm_name=f"{props.name_prefix}-alb-response-time-p95",
            alarm_description=f"p95 target response time above {props.thresholds.response_time_seconds:g} s",
            comparison_operator="GreaterThanThreshold",
            threshold=props.thresholds.response_time_seconds,
            namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions=dimensions,
            extended_statistic="p95",
        )
        self._rollback: dict[str, tuple[str, ...]] = {}
        for service in sorted(props.load_balancer.target_names):
            self._target_alarms(service)

    def rollback_alarm_names(self, target: str) -> tuple[str, ...]:
        """The 5xx-rate and p95 alarms of ``target`` alone, for its ECS deployments' rollback alarms (references)."""
        try:
            return self._rollback[target]
        except KeyError:
            raise KeyError(f"no target {target!r} (targets: {', '.join(self._rollback)})") from None

    def _target_alarms(self, service: str) -> None:
        props = self._props
        groups = _target_groups(props.load_balancer, service)
        prefix, thresholds, minutes = f"{props.name_prefix}-{service}", props.thresholds, props.thresholds.evaluation_minutes
        _health_alarms(self, service, groups, prefix, props, minutes)
        errors = [_query(f"{key}_5xx", "HTTPCode_Target_5XX_Count", dims) for key, dims in groups]
        errors += [_query(f"{key}_connection_errors", "TargetConnectionErrorCount", dims) for key, dims in groups]
        requests = [_query(f"{key}_requests", "RequestCount", dims) for key, dims in groups]
        error_rate = _alarm(
            self, f"{service}_error_rate", props.routes.critical, minutes,
            alarm_name=f"{prefix}-5xx-rate",
            alarm_description=f"{service}: more than {thresholds.error_rate_percent:g} % of its requests failed (5xx "
                              "or no connection); rolls its deployments back",
            comparison_operator="GreaterThanThreshold", threshold=thresholds.error_rate_percent,
            metric_query=[*errors, *requests, _expression("error_rate", f"{service} 5xx rate (%)", _rate(
                _sum(query.id for query in errors), _sum(query.id for query in requests),
                props.minimum_requests_per_minute))],
        )
        latency = [_query(f"{key}_p95", "TargetResponseTime", dims, stat="p95") for key, dims in groups]
        tiers = (("response_time", props.routes.critical, thresholds.response_time_seconds, "rolls its deployments back"),
                 ("response_time_degraded", props.routes.warning, thresholds.degraded_seconds, "degraded"))
        alarms = {}
        for key, topic, seconds, consequence in tiers:
            alarms[key] = _alarm(
                self, f"{service}_{key}", topic, minutes,
                alarm_name=f"{prefix}-{key.replace('_', '-')}-p95",
                alarm_description=f"{service}: p95 response time above {seconds:g} s ({consequence})",
                comparison_operator="GreaterThanThreshold", threshold=seconds,
                metric_query=[*latency, _expression("p95", f"{service} p95 response time (s)", _largest(latency))],
            )
        self._rollback[service] = (error_rate.alarm_name, alarms["response_time"].alarm_name)


def _health_alarms(scope: Construct, service: str, groups: list[tuple[str, dict[str, str]]], prefix: str,
                   props: LoadBalancerAlarmsProps, minutes: int) -> None:
    """Unhealthy targets (warning) and no healthy target (critical, unless the service idles on purpose)."""
    _alarm(
        scope, f"{service}_unhealthy_hosts", props.routes.warning, minutes,
        alarm_name=f"{prefix}-unhealthy-hosts",
        alarm_description=f"{service} has targets failing the load balancer health check",
        comparison_operator="GreaterThanThreshold", threshold=0,
        **_combined(groups, "UnHealthyHostCount", "Maximum", f"{service} unhealthy targets"),
    )
    if service not in props.idle_targets:
        _alarm(
            scope, f"{service}_no_healthy_hosts", props.routes.critical, minutes,
            alarm_name=f"{prefix}-no-healthy-hosts",
            alarm_description=f"{service} has no healthy target: it is down",
            comparison_operator="LessThanThreshold", threshold=1,
            treat_missing_data="breaching",
            **_combined(groups, "HealthyHostCount", "Minimum", f"{service} healthy targets"),
        )


def _target_groups(load_balancer: PublicLoadBalancer, service: str) -> list[tuple[str, dict[str, str]]]:
    """``(query id prefix, dimensions)`` of each target group of ``service``: its own, and the alternate one."""
    groups = [("primary", load_balancer.target_group(service))]
    alternate = load_balancer.alternate_target_group(service)
    if alternate is not None:
        groups.append(("alternate", alternate))
    return [(key, {"LoadBalancer": load_balancer.arn_suffix, "TargetGroup": group.arn_suffix}) for key, group in groups]


def _combined(groups: list[tuple[str, dict[str, str]]], metric: str, statistic: str, label: str) -> dict[str, Any]:
    """Alarm settings for ``metric`` of one target group, or the sum over both (a missing group counts 0)."""
    if len(groups) == 1:
        return dict(namespace="AWS/ApplicationELB", metric_name=metric, statistic=statistic, dimensions=groups[0][1])
    queries = [_query(key, metric, dims, stat=statistic) for key, dims in groups]
    return dict(metric_query=[*queries, _expression("total", label, _sum(query.id for query in queries))])


def _query(query_id: str, metric: str, dimensions: dict[str, str], stat: str = "Sum") -> CloudwatchMetricAlarmMetricQuery:
    return CloudwatchMetricAlarmMetricQuery(id=query_id, return_data=False, metric=CloudwatchMetricAlarmMetricQueryMetric(
        namespace="AWS/ApplicationELB", metric_name=metric, dimensions=dimensions, stat=stat, period=60,
    ))


def _expression(query_id: str, label: str, expression: str) -> CloudwatchMetricAlarmMetricQuery:
    return CloudwatchMetricAlarmMetricQuery(id=query_id, label=label, return_data=True, expression=expression)


def _sum(query_ids: Iterable[str]) -> str:
    return " + ".join(f"FILL({query_id}, 0)" for query_id in query_ids)


def _largest(queries: list[CloudwatchMetricAlarmMetricQuery]) -> str:
    if len(queries) == 1:
        return f"FILL({queries[0].id}, 0)"
    return f"MAX([{', '.join(f'FILL({query.id}, 0)' for query in queries)}])"


def _rate(errors: str, requests: str, minimum_requests: int) -> str:
    """Errors as a percentage of requests, 0 in minutes with fewer than ``minimum_requests``."""
    if " + " in requests:
        requests = f"({requests})"
    return f"IF({requests} >= {minimum_requests}, 100 * ({errors}) / {requests}, 0)"


@dataclass(frozen=True)
class ServiceAlarmsProps:
    """Props of :class:`ServiceAlarms`.

    Attributes:
        name_prefix: Start of every alarm name.
        service: The ECS service (e.g. a :class:`~constructs_lib.aws.fargate_service.FargateService`).
        routes: Where alarms notify, by tier (all of these are warnings).
        max_capacity: The most tasks autoscaling may run; a service held there warns (it cannot scale further).
            Default ``None``: no such alarm.
        utilization_percent: Average CPU and memory utilization that warns. Default 80.
        evaluation_minutes: How long the condition must hold. Default 5.
    """

    name_prefix: str
    service: ScalableService
    routes: AlertRoutes
    max_capacity: int | None = None
    utilization_percent: float = 80
    evaluation_minutes: int = 5

    def __post_init__(self) -> None:
        if self.max_capacity is not None and self.max_capacity < 1:
            raise ValueError(f"ServiceAlarmsProps.max_capacity {self.max_capacity}: must be at least 1")


class ServiceAlarms(Construct):
    """Warnings of an ECS service: CPU or memory staying high (autoscaling at its ceiling, or a leak), and the
    service held at its maximum capacity (Container Insights' desired task count, the cluster must have it on)."""

    def __init__(self, scope: Construct, id_: str, props: ServiceAlarmsProps) -> None:
        super().__init__(scope, id_)
        dimensions = {"ClusterName": props.service.cluster_name, "ServiceName": props.service.service_name}
        for resource in ("CPU", "Memory"):
            _alarm(
                self, f"{resource.lower()}_high", props.routes.warning, props.evaluation_minutes,
                alarm_name=f"{props.name_prefix}-{resource.lower()}-high",
                alarm_description=f"{props.service.service_name} average {resource} above {props.utilization_percent:g} %",
                comparison_operator="GreaterThanThreshold", threshold=props.utilization_percent,
                namespace="AWS/ECS", metric_name=f"{resource}Utilization", statistic="Average", dimensions=dimensions,
            )
        if props.max_capacity is not None:
            _alarm(
                self, "at_max_capacity", props.routes.warning, props.evaluation_minutes,
                alarm_name=f"{props.name_prefix}-at-max-capacity",
                alarm_description=f"{props.service.service_name} runs at its maximum of {props.max_capacity} tasks: "
                                  "autoscaling cannot add more; raise scaling.max_capacity or find the load",
                comparison_operator="GreaterThanOrEqualToThreshold", threshold=props.max_capacity,
                namespace="ECS/ContainerInsights", metric_name="DesiredTaskCount", statistic="Minimum",
                dimensions=dimensions,
            )


@dataclass(frozen=True)
class DatabaseAlarmsProps:
    """Props of :class:`DatabaseAlarms`.

    Attributes:
        name_prefix: Start of every alarm name.
        identifier: The RDS instance identifier.
        allocated_storage_gb: Storage the instance starts with; the free-storage alarm fires below 10 % of it.
        routes: Where alarms notify, by tier: free storage is critical, CPU and replica lag warn.
        cpu_percent: Average CPU utilization that warns. Default 80.
        evaluation_minutes: How long the condition must hold. Default 5.
        replica_lag_seconds: For a read replica: the replication lag that warns (it is what a promotion would
            lose). Default ``None``: no lag alarm.
    """

    name_prefix: str
    identifier: str
    allocated_storage_gb: int
    routes: AlertRoutes
    cpu_percent: float = 80
    evaluation_minutes: int = 5
    replica_lag_seconds: int | None = None


class DatabaseAlarms(Construct):
    """CPU and free storage of an RDS instance, and the lag of a read replica."""

    def __init__(self, scope: Construct, id_: str, props: DatabaseAlarmsProps) -> None:
        super().__init__(scope, id_)
        dimensions = {"DBInstanceIdentifier": props.identifier}
        _alarm(
            self, "cpu_high", props.routes.warning, props.evaluation_minutes,
            alarm_name=f"{props.name_prefix}-cpu-high",
            alarm_description=f"Database average CPU above {props.cpu_percent:g} %",
            comparison_operator="GreaterThanThreshold", threshold=props.cpu_percent,
            namespace="AWS/RDS", metric_name="CPUUtilization", statistic="Average", dimensions=dimensions,
        )
        _alarm(
            self, "free_storage_low", props.routes.critical, props.evaluation_minutes,
            alarm_name=f"{props.name_prefix}-free-storage-low",
            alarm_description=f"Database free storage below {props.allocated_storage_gb * 0.1:g} GiB",
            comparison_operator="LessThanThreshold", threshold=int(props.allocated_storage_gb * _GIB * 0.1),
            namespace="AWS/RDS", metric_name="FreeStorageSpace", statistic="Minimum", dimensions=dimensions,
        )
        if props.replica_lag_seconds is not None:
            _alarm(
                self, "replica_lag", props.routes.warning, props.evaluation_minutes,
                alarm_name=f"{props.name_prefix}-replica-lag",
                alarm_description=f"Read replica more than {props.replica_lag_seconds} s behind its source: a "
                                  "promotion now would lose that much",
                comparison_operator="GreaterThanThreshold", threshold=props.replica_lag_seconds,
                namespace="AWS/RDS", metric_name="ReplicaLag", statistic="Maximum", dimensions=dimensions,
            )
