"""CloudWatch alarms on the metrics the platform emits: load balancer, ECS services, RDS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from ..alerting import AlertThresholds
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
        load_balancer: The load balancer; every target of it gets unhealthy-host alarms.
        topic_arn: Where alarms notify.
        thresholds: Error rate and response time limits. Default: 5 % and 2 s over 5 minutes.
        minimum_requests_per_minute: Minutes with fewer requests count as 0 % errors, so that one
            failed request out of two does not page anyone. Default 10.
        idle_targets: Targets whose services are scaled to zero on purpose (office hours): they get no
            alarm for having no healthy target at all. Default none.
    """

    name_prefix: str
    load_balancer: PublicLoadBalancer
    topic_arn: str
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    minimum_requests_per_minute: int = 10
    idle_targets: tuple[str, ...] = ()


class LoadBalancerAlarms(Construct):
    """5xx error rate, p95 target response time and unhealthy targets of an Application Load Balancer.

    The error rate is metric math: (target 5xx + load balancer 5xx) / requests x 100 per minute,
    counted only in minutes with at least ``minimum_requests_per_minute`` requests, so a quiet
    period never divides by zero and a burst of errors in a busy minute counts by its share.
    """

    def __init__(self, scope: Construct, id_: str, props: LoadBalancerAlarmsProps) -> None:
        super().__init__(scope, id_)
        minutes = props.thresholds.evaluation_minutes
        load_balancer = props.load_balancer.arn_suffix
        dimensions = {"LoadBalancer": load_balancer}

        def count(query_id: str, metric: str) -> CloudwatchMetricAlarmMetricQuery:
            return CloudwatchMetricAlarmMetricQuery(id=query_id, return_data=False, metric=CloudwatchMetricAlarmMetricQueryMetric(
                namespace="AWS/ApplicationELB", metric_name=metric, dimensions=dimensions, stat="Sum", period=60,
            ))

        self.error_rate = _alarm(
            self, "error_rate", props.topic_arn, minutes,
            alarm_name=f"{props.name_prefix}-alb-5xx-rate",
            alarm_description=f"More than {props.thresholds.error_rate_percent:g} % of requests failed with 5xx",
            comparison_operator="GreaterThanThreshold",
            threshold=props.thresholds.error_rate_percent,
            metric_query=[
                count("target_5xx", "HTTPCode_Target_5XX_Count"),
                count("elb_5xx", "HTTPCode_ELB_5XX_Count"),
                count("requests", "RequestCount"),
                CloudwatchMetricAlarmMetricQuery(
                    id="error_rate", label="5xx error rate (%)", return_data=True,
                    expression=(
                        f"IF(requests >= {props.minimum_requests_per_minute}, "
                        "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests, 0)"
                    ),
                ),
            ],
        )
        self.response_time = _alarm(
            self, "response_time", props.topic_arn, minutes,
            alarm_name=f"{props.name_prefix}-alb-response-time-p95",
            alarm_description=f"p95 target response time above {props.thresholds.response_time_seconds:g} s",
            comparison_operator="GreaterThanThreshold",
            threshold=props.thresholds.response_time_seconds,
            namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions=dimensions,
            extended_statistic="p95",
        )
        for service in sorted(props.load_balancer.target_names):
            target_group = props.load_balancer.target_group(service).arn_suffix
            _alarm(
                self, f"{service}_unhealthy_hosts", props.topic_arn, minutes,
                alarm_name=f"{props.name_prefix}-{service}-unhealthy-hosts",
                alarm_description=f"{service} has targets failing the load balancer health check",
                comparison_operator="GreaterThanThreshold", threshold=0,
                namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount", statistic="Maximum",
                dimensions={"LoadBalancer": load_balancer, "TargetGroup": target_group},
            )
            if service not in props.idle_targets:
                _alarm(
                    self, f"{service}_no_healthy_hosts", props.topic_arn, minutes,
                    alarm_name=f"{props.name_prefix}-{service}-no-healthy-hosts",
                    alarm_description=f"{service} has no healthy target: it is down",
                    comparison_operator="LessThanThreshold", threshold=1,
                    namespace="AWS/ApplicationELB", metric_name="HealthyHostCount", statistic="Minimum",
                    dimensions={"LoadBalancer": load_balancer, "TargetGroup": target_group},
                    treat_missing_data="breaching",
                )

    @property
    def rollback_alarm_names(self) -> tuple[str, ...]:
        """The 5xx-rate and p95-latency alarms, e.g. for an ECS deployment's rollback alarms (references)."""
        return (self.error_rate.alarm_name, self.response_time.alarm_name)


@dataclass(frozen=True)
class ServiceAlarmsProps:
    """Props of :class:`ServiceAlarms`.

    Attributes:
        name_prefix: Start of every alarm name.
        service: The ECS service (e.g. a :class:`~constructs_lib.aws.fargate_service.FargateService`).
        topic_arn: Where alarms notify.
        cpu_percent: Average CPU utilization that alarms. Default 85.
        memory_percent: Average memory utilization that alarms. Default 85.
        evaluation_minutes: How long the condition must hold. Default 5.
    """

    name_prefix: str
    service: ScalableService
    topic_arn: str
    cpu_percent: int = 85
    memory_percent: int = 85
    evaluation_minutes: int = 5


class ServiceAlarms(Construct):
    """CPU and memory of an ECS service staying high (autoscaling at its ceiling, or a leak)."""

    def __init__(self, scope: Construct, id_: str, props: ServiceAlarmsProps) -> None:
        super().__init__(scope, id_)
        for resource, threshold in (("CPU", props.cpu_percent), ("Memory", props.memory_percent)):
            _alarm(
                self, f"{resource.lower()}_high", props.topic_arn, props.evaluation_minutes,
                alarm_name=f"{props.name_prefix}-{resource.lower()}-high",
                alarm_description=f"{props.service.service_name} average {resource} above {threshold} %",
                comparison_operator="GreaterThanThreshold", threshold=threshold,
                namespace="AWS/ECS", metric_name=f"{resource}Utilization", statistic="Average",
                dimensions={"ClusterName": props.service.cluster_name, "ServiceName": props.service.service_name},
            )


@dataclass(frozen=True)
class DatabaseAlarmsProps:
    """Props of :class:`DatabaseAlarms`.

    Attributes:
        name_prefix: Start of every alarm name.
        identifier: The RDS instance identifier.
        allocated_storage_gb: Storage the instance starts with; the free-storage alarm fires below 10 % of it.
        topic_arn: Where alarms notify.
        cpu_percent: Average CPU utilization that alarms. Default 80.
        evaluation_minutes: How long the condition must hold. Default 5.
        replica_lag_seconds: For a read replica: the replication lag that alarms (it is what a promotion would
            lose). Default ``None``: no lag alarm.
    """

    name_prefix: str
    identifier: str
    allocated_storage_gb: int
    topic_arn: str
    cpu_percent: int = 80
    evaluation_minutes: int = 5
    replica_lag_seconds: int | None = None


class DatabaseAlarms(Construct):
    """CPU and free storage of an RDS instance, and the lag of a read replica."""

    def __init__(self, scope: Construct, id_: str, props: DatabaseAlarmsProps) -> None:
        super().__init__(scope, id_)
        dimensions = {"DBInstanceIdentifier": props.identifier}
        _alarm(
            self, "cpu_high", props.topic_arn, props.evaluation_minutes,
            alarm_name=f"{props.name_prefix}-cpu-high",
            alarm_description=f"Database average CPU above {props.cpu_percent} %",
            comparison_operator="GreaterThanThreshold", threshold=props.cpu_percent,
            namespace="AWS/RDS", metric_name="CPUUtilization", statistic="Average", dimensions=dimensions,
        )
        _alarm(
            self, "free_storage_low", props.topic_arn, props.evaluation_minutes,
            alarm_name=f"{props.name_prefix}-free-storage-low",
            alarm_description=f"Database free storage below {props.allocated_storage_gb * 0.1:g} GiB",
            comparison_operator="LessThanThreshold", threshold=int(props.allocated_storage_gb * _GIB * 0.1),
            namespace="AWS/RDS", metric_name="FreeStorageSpace", statistic="Minimum", dimensions=dimensions,
        )
        if props.replica_lag_seconds is not None:
            _alarm(
                self, "replica_lag", props.topic_arn, props.evaluation_minutes,
                alarm_name=f"{props.name_prefix}-replica-lag",
                alarm_description=f"Read replica more than {props.replica_lag_seconds} s behind its source: a "
                                  "promotion now would lose that much",
                comparison_operator="GreaterThanThreshold", threshold=props.replica_lag_seconds,
                namespace="AWS/RDS", metric_name="ReplicaLag", statistic="Maximum", dimensions=dimensions,
            )
