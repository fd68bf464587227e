"""Application Auto Scaling for an ECS service: target tracking on CPU, optionally memory, requests, schedule."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_scheduled_action import (
    AppautoscalingScheduledAction,
    AppautoscalingScheduledActionScalableTargetAction,
)
from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from constructs import Construct


@dataclass(frozen=True)
class OfficeHours:
    """When a service runs; outside it scales to zero.

    Attributes:
        days: Cron day-of-week field, e.g. ``MON-FRI``.
        start: ``HH:MM`` when capacity returns.
        end: ``HH:MM`` when the service scales to zero.
        timezone: IANA time zone of ``start`` and ``end``. Default ``UTC``.
    """

    days: str
    start: str
    end: str
    timezone: str = "UTC"

    def cron(self, time: str) -> str:
        hour, minute = (int(part) for part in time.split(":"))
        return f"cron({minute} {hour} ? * {self.days} *)"


@dataclass(frozen=True)
class ServiceAutoScalingProps:
    """Props of :class:`ServiceAutoScaling`.

    Attributes:
        cluster_name: The service's ECS cluster.
        service_name: The ECS service.
        min_capacity: Fewest tasks.
        max_capacity: Most tasks.
        target_cpu_percent: Average CPU utilization to hold.
        scale_out_cooldown: Seconds after a scale-out before another. Default 60.
        scale_in_cooldown: Seconds after a scale-in before another. Default 300.
        target_memory_percent: Also hold average memory utilization at this value. Default ``None`` (off).
        requests_per_target: Also hold ALB requests per task (per minute) at this value. Default ``None`` (off).
        load_balancer_resource_label: ``app/<alb>/<id>/targetgroup/<tg>/<id>``; required with ``requests_per_target``.
        office_hours: Scale to zero outside these hours. Default ``None`` (always on).
    """

    cluster_name: str
    service_name: str
    min_capacity: int
    max_capacity: int
    target_cpu_percent: int
    scale_out_cooldown: int = 60
    scale_in_cooldown: int = 300
    target_memory_percent: int | None = None
    requests_per_target: int | None = None
    load_balancer_resource_label: str | None = None
    office_hours: OfficeHours | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_capacity <= self.max_capacity or self.max_capacity < 1:
            raise ValueError(
                f"ServiceAutoScalingProps: need 0 <= min_capacity <= max_capacity and max_capacity >= 1, "
                f"got {self.min_capacity}/{self.max_capacity}"
            )
        for name in ("target_cpu_percent", "target_memory_percent"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 100:
                raise ValueError(f"ServiceAutoScalingProps.{name} must be 1-100, got {value}")
        if (self.requests_per_target is None) != (self.load_balancer_resource_label is None):
            raise ValueError("ServiceAutoScalingProps: requests_per_target and load_balancer_resource_label go together")


class ServiceAutoScaling(Construct):
    """Keeps an ECS service between its bounds, tracking CPU (and memory and requests when set).

    With office hours, a scheduled action scales the service to zero at ``end`` and restores the
    bounds at ``start`` on the given days; Terraform then leaves the target's bounds to the schedule,
    so an apply outside office hours does not wake the service (changed bounds arrive at the next start).
    """

    def __init__(self, scope: Construct, id_: str, props: ServiceAutoScalingProps) -> None:
        super().__init__(scope, id_)
        self.target = AppautoscalingTarget(
            self, "target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{props.cluster_name}/{props.service_name}",
            min_capacity=props.min_capacity,
            max_capacity=props.max_capacity,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["min_capacity", "max_capacity"])
            if props.office_hours is not None
            else None,
        )
        self._track("cpu", props, "ECSServiceAverageCPUUtilization", props.target_cpu_percent)
        if props.target_memory_percent is not None:
            self._track("memory", props, "ECSServiceAverageMemoryUtilization", props.target_memory_percent)
        if props.requests_per_target is not None:
            self._track("requests", props, "ALBRequestCountPerTarget", props.requests_per_target,
                        resource_label=props.load_balancer_resource_label)
        if props.office_hours is not None:
            hours = props.office_hours
            for name, time, low, high in (
                ("stop", hours.end, 0, 0),
                ("start", hours.start, props.min_capacity, props.max_capacity),
            ):
                AppautoscalingScheduledAction(
                    self, f"{name}_schedule",
                    name=f"{props.service_name}-{name}",
                    service_namespace=self.target.service_namespace,
                    scalable_dimension=self.target.scalable_dimension,
                    resource_id=self.target.resource_id,
                    schedule=hours.cron(time),
                    timezone=hours.timezone,
                    scalable_target_action=AppautoscalingScheduledActionScalableTargetAction(
                        min_capacity=str(low), max_capacity=str(high)
                    ),
                )

    def _track(self, name: str, props: ServiceAutoScalingProps, metric: str, target: int,
               resource_label: str | None = None) -> None:
        AppautoscalingPolicy(
            self, f"{name}_policy",
            name=f"{props.service_name}-{name}",
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=target,
                scale_out_cooldown=props.scale_out_cooldown,
                scale_in_cooldown=props.scale_in_cooldown,
                predefined_metric_specification=(
                    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=metric, resource_label=resource_label
                    )
                ),
            ),
        )
