"""Alert thresholds shared by both clouds, so AWS and GCP alert on the same conditions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlertThresholds:
    """When the platform alerts.

    Attributes:
        error_rate_percent: Share of requests answered with a 5xx status, in percent. Default 5.
        response_time_seconds: Response time (ALB target response time on AWS, p95 request latency on
            GCP), in seconds. Default 2.
        evaluation_minutes: How long a condition must hold before the alert fires. Default 5.
    """

    error_rate_percent: float = 5.0
    response_time_seconds: float = 2.0
    evaluation_minutes: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.error_rate_percent <= 100:
            raise ValueError(f"AlertThresholds.error_rate_percent must be above 0 and at most 100, got {self.error_rate_percent}")
        if not 0 < self.response_time_seconds <= 60:
            raise ValueError(f"AlertThresholds.response_time_seconds must be above 0 and at most 60, got {self.response_time_seconds}")
        if not 1 <= self.evaluation_minutes <= 60:
            raise ValueError(f"AlertThresholds.evaluation_minutes must be 1 to 60, got {self.evaluation_minutes}")
