"""Alert thresholds and tiers shared by both clouds, so AWS and GCP alert on the same conditions.

Every alert has one of two tiers, each routed to its own destination (an SNS topic on AWS, a set of
notification channels on GCP), so that a team can page on one and read the other:

- **critical**: users are affected now: a service is unavailable (no healthy target, uptime check failing),
  the error rate or the response time is above its threshold, infrastructure failed (database storage
  nearly full, the primary region's health check failing);
- **warning**: something needs attention before it affects users: high CPU or memory utilization, a
  service at its maximum capacity (scaling cannot add more), unhealthy targets beside healthy ones,
  degraded response time, a replica falling behind.
"""

from __future__ import annotations

from .props import checked, prop, require

CRITICAL = "critical"
WARNING = "warning"
TIERS = (CRITICAL, WARNING)


@checked
class AlertThresholds:
    """When the platform alerts.

    Attributes:
        error_rate_percent: Share of requests answered with a 5xx status, in percent (critical). Default 5.
        response_time_seconds: Response time (p95 target response time on AWS, p95 request latency on
            GCP), in seconds (critical). Default 2.
        evaluation_minutes: How long a condition must hold before the alert fires. Default 5.
        degraded_response_time_seconds: p95 response time that warns of degradation before it becomes
            critical; below ``response_time_seconds``. Default ``None``: half of ``response_time_seconds``.
        utilization_percent: Average CPU or memory utilization of a service (or database CPU) that warns.
            Default 80.
    """

    error_rate_percent: float = prop(5.0, between=(0.01, 100))
    response_time_seconds: float = prop(2.0, between=(0.01, 60))
    evaluation_minutes: int = prop(5, between=(1, 60))
    degraded_response_time_seconds: float | None = prop(None, between=(0.01, 60))
    utilization_percent: float = prop(80.0, between=(1, 100))

    @property
    def degraded_seconds(self) -> float:
        """:attr:`degraded_response_time_seconds`, filled in."""
        assert self.degraded_response_time_seconds is not None  # set in __post_init__
        return self.degraded_response_time_seconds

    def __post_init__(self) -> None:
        if self.degraded_response_time_seconds is None:
            object.__setattr__(self, "degraded_response_time_seconds", self.response_time_seconds / 2)
        require(self.degraded_seconds < self.response_time_seconds, self, "degraded_response_time_seconds",
                f"be below response_time_seconds ({self.response_time_seconds:g})")
