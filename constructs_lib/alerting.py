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

from dataclasses import dataclass

CRITICAL = "critical"
WARNING = "warning"
TIERS = (CRITICAL, WARNING)


@dataclass(frozen=True)
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

    error_rate_percent: float = 5.0
    response_time_seconds: float = 2.0
    evaluation_minutes: int = 5
    degraded_response_time_seconds: float | None = None
    utilization_percent: float = 80.0

    @property
    def degraded_seconds(self) -> float:
        """:attr:`degraded_response_time_seconds`, filled in."""
        assert self.degraded_response_time_seconds is not None  # set in __post_init__
        return self.degraded_response_time_seconds

    def __post_init__(self) -> None:
        if not 0 < self.error_rate_percent <= 100:
            raise ValueError(f"AlertThresholds.error_rate_percent must be above 0 and at most 100, got {self.error_rate_percent}")
        if not 0 < self.response_time_seconds <= 60:
            raise ValueError(f"AlertThresholds.response_time_seconds must be above 0 and at most 60, got {self.response_time_seconds}")
        if not 1 <= self.evaluation_minutes <= 60:
            raise ValueError(f"AlertThresholds.evaluation_minutes must be 1 to 60, got {self.evaluation_minutes}")
        if self.degraded_response_time_seconds is None:
            object.__setattr__(self, "degraded_response_time_seconds", self.response_time_seconds / 2)
        elif not 0 < self.degraded_response_time_seconds < self.response_time_seconds:
            raise ValueError("AlertThresholds.degraded_response_time_seconds must be above 0 and below "
                             f"response_time_seconds ({self.response_time_seconds:g}), got {self.degraded_response_time_seconds}")
        if not 1 <= self.utilization_percent <= 100:
            raise ValueError(f"AlertThresholds.utilization_percent must be 1 to 100, got {self.utilization_percent}")
