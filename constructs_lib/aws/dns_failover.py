"""The alarm on a Route 53 health check, which lives where Route 53 publishes its metrics (us-east-1)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from ..cloud_limits import ROUTE53_METRICS_REGION
from .alarms import _alarm


@dataclass(frozen=True)
class HealthCheckAlarmProps:
    """Props of :class:`HealthCheckAlarm`.

    Attributes:
        name: The alarm's name.
        health_check_id: The Route 53 health check, e.g. ``PublicLoadBalancer.health_check.id``.
        description: What it means when it fires.
        region: The region of the stack's provider: Route 53 publishes ``HealthCheckStatus`` in us-east-1 only,
            so an alarm elsewhere would never see a data point.
        topic_arn: Where the alarm notifies (an SNS topic in ``region``).
    """

    name: str
    health_check_id: str
    description: str
    region: str
    topic_arn: str

    def __post_init__(self) -> None:
        if self.region != ROUTE53_METRICS_REGION:
            raise ValueError(
                f"HealthCheckAlarmProps.region {self.region!r}: an alarm on a Route 53 health check must be in "
                f"{ROUTE53_METRICS_REGION}, where Route 53 publishes HealthCheckStatus; create it in a stack there"
            )


class HealthCheckAlarm(Construct):
    """Notifies the topic when a Route 53 health check fails (every minute it reports unhealthy) and when it
    recovers; no data counts as failing. Notification only: Route 53 fails over without waiting for it."""

    def __init__(self, scope: Construct, id_: str, props: HealthCheckAlarmProps) -> None:
        super().__init__(scope, id_)
        self.alarm = _alarm(
            self, "alarm", props.topic_arn, 1,
            alarm_name=props.name,
            alarm_description=props.description,
            comparison_operator="LessThanThreshold", threshold=1,
            namespace="AWS/Route53", metric_name="HealthCheckStatus", statistic="Minimum",
            dimensions={"HealthCheckId": props.health_check_id},
            treat_missing_data="breaching",
        )
