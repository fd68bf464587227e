"""Application Auto Scaling for an ECS service: target tracking on CPU, optionally memory, requests, schedule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

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

from ..props import Renamed, checked, prop, require
from ..shared_specs import check_instance_bounds


_DAY = "(MON|TUE|WED|THU|FRI|SAT|SUN)"
_DAYS = re.compile(rf"{_DAY}(-{_DAY})?")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


@checked
class OfficeHours:
    """When a service runs; outside it scales to zero.

    Attributes:
        days: Cron day-of-week field, e.g. ``MON-FRI``.
        start: ``HH:MM`` when capacity returns.
        end: ``HH:MM`` when the service scales to zero.
        timezone: IANA time zone of ``start`` and ``end``. Default ``UTC``.
    """

    days: str = prop(pattern=_DAYS, rule="be a day or range such as MON-FRI")
    start: str = prop(pattern=_TIME, rule="be HH:MM, e.g. 07:00")
    end: str = prop(pattern=_TIME, rule="be HH:MM, e.g. 19:00")
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        require(self.start < self.end, self, "end", f"be after start {self.start!r} on the same day")

    def cron(self, time: str) -> str:
        hour, minute = (int(part) for part in time.split(":"))
        return f"cron({minute} {hour} ? * {self.days} *)"


@checked(renamed={"min_capacity": Renamed("min_instances"), "max_capacity": Renamed("max_instances")})
class Scaling:
    """How many tasks a service runs and what makes it scale.

    Attributes:
        min_instances: Fewest tasks (0 or more; 0 only with ``office_hours`` or for a worker that may stop).
            Default 1. (``min_capacity`` before 0.3.0.)
        max_instances: Most tasks (1 to 1000). Default 3. (``max_capacity`` before 0.3.0.)
        target_cpu_percent: Average CPU utilization to hold. Default 70.
        scale_out_cooldown: Seconds after a scale-out before another. Default 60.
        scale_in_cooldown: Seconds after a scale-in before another. Default 300.
        target_memory_percent: Also hold average memory utilization at this value. Default ``None`` (off).
        requests_per_target: Also hold load balancer requests per task (per minute) at this value;
            only for a service behind a load balancer. Default ``None`` (off).
        office_hours: Scale to zero outside these hours. Default ``None`` (always on).
    """

    min_instances: int = prop(1, between=(0, 1000))
    max_instances: int = prop(3, between=(1, 1000))
    target_cpu_percent: int = prop(70, between=(1, 100))
    scale_out_cooldown: int = prop(60, between=(0, 3600))
    scale_in_cooldown: int = prop(300, between=(0, 3600))
    target_memory_percent: int | None = prop(None, between=(1, 100))
    requests_per_target: int | None = prop(None, between=(1, None))
    office_hours: OfficeHours | None = None

    def __post_init__(self) -> None:
        check_instance_bounds(self)

    @property
    def min_capacity(self) -> int:
        """Deprecated (0.3.0): :attr:`min_instances`."""
        return self.min_instances

    @property
    def max_capacity(self) -> int:
        """Deprecated (0.3.0): :attr:`max_instances`."""
        return self.max_instances


class ScalableService(Protocol):
    """What autoscaling needs of a service: :class:`~constructs_lib.aws.fargate_service.FargateService` has it."""

    @property
    def cluster_name(self) -> str: ...

    @property
    def service_name(self) -> str: ...


@dataclass(frozen=True)
class ServiceAutoScalingProps:
    """Props of :class:`ServiceAutoScaling`.

    Attributes:
        service: The ECS service (e.g. a :class:`~constructs_lib.aws.fargate_service.FargateService`).
        scaling: Bounds, targets and schedule. Default :class:`Scaling` defaults.
        load_balancer_resource_label: ``app/<alb>/<id>/targetgroup/<tg>/<id>``; required with
            ``scaling.requests_per_target``. Default ``None``.
    """

    service: ScalableService
    scaling: Scaling = field(default_factory=Scaling)
    load_balancer_resource_label: str | None = None

    def __post_init__(self) -> None:
        if (self.scaling.requests_per_target is None) != (self.load_balancer_resource_label is None):
            raise ValueError(
                "ServiceAutoScalingProps: scaling.requests_per_target and load_balancer_resource_label go together"
            )


class ServiceAutoScaling(Construct):
    """Keeps an ECS service between its bounds, tracking CPU (and memory and requests when set).

    With office hours, a scheduled action scales the service to zero at ``end`` and restores the
    bounds at ``start`` on the given days; Terraform then leaves the target's bounds to the schedule,
    so an apply outside office hours does not wake the service (changed bounds arrive at the next start).
    """

    def __init__(self, scope: Construct, id_: str, props: ServiceAutoScalingProps) -> None:
        super().__init__(scope, id_)
        scaling, service_name = props.scaling, props.service.service_name
        self.target = AppautoscalingTarget(
            self, "target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{props.service.cluster_name}/{service_name}",
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["min_capacity", "max_capacity"])
            if scaling.office_hours is not None
            else None,
        )
        self._track("cpu", props, "ECSServiceAverageCPUUtilization", scaling.target_cpu_percent)
        if scaling.target_memory_percent is not None:
            self._track("memory", props, "ECSServiceAverageMemoryUtilization", scaling.target_memory_percent)
        if scaling.requests_per_target is not None:
            self._track("requests", props, "ALBRequestCountPerTarget", scaling.requests_per_target,
                        resource_label=props.load_balancer_resource_label)
        if scaling.office_hours is not None:
            hours = scaling.office_hours
            for name, time, low, high in (
                ("stop", hours.end, 0, 0),
                ("start", hours.start, scaling.min_capacity, scaling.max_capacity),
            ):
                AppautoscalingScheduledAction(
                    self, f"{name}_schedule",
                    name=f"{service_name}-{name}",
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
            name=f"{props.service.service_name}-{name}",
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=target,
                scale_out_cooldown=props.scaling.scale_out_cooldown,
                scale_in_cooldown=props.scaling.scale_in_cooldown,
                predefined_metric_specification=(
                    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=metric, resource_label=resource_label
                    )
                ),
            ),
        )
