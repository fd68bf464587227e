"""The two services of the DuckDB Analytics Platform, as both clouds run them."""

from __future__ import annotations

from dataclasses import dataclass

from config import EnvironmentConfig, ServiceSettings
from constructs_lib.alerting import AlertThresholds
from constructs_lib.shared_specs import Alerting, LargeBodyRoute, PathRateLimit, RequestLimits


@dataclass(frozen=True)
class AppService:
    """One containerized service: its name, the port it listens on and its health check path."""

    name: str
    port: int
    health_path: str

    def settings(self, config: EnvironmentConfig) -> ServiceSettings:
        """This service's sizes and limits in the environment's configuration (the table named like it)."""
        return getattr(config, self.name)


BACKEND = AppService(name="backend", port=8000, health_path="/health")
FRONTEND = AppService(name="frontend", port=3000, health_path="/")
SERVICES: tuple[AppService, ...] = (BACKEND, FRONTEND)

#: Request paths the load balancer sends to the backend; everything else goes to the frontend.
#: ``/api`` itself too: ``/api/*`` matches only below it on both clouds.
BACKEND_PATHS: tuple[str, ...] = ("/api", "/api/*", "/health")

#: The frontend's variable holding the API's URL inside the platform's network, for its server-side calls
#: (``NEXT_PUBLIC_API_URL``, the public one, is for browsers: from a task it would leave through the internet).
INTERNAL_API_VARIABLE = "API_INTERNAL_URL"

#: The prefix of the API's routes: its own per-IP rate limit (``waf.api_rate_limit_requests``) applies below it.
API_PATH_PREFIX = "/api"

#: Secrets the backend reads at start-up; their values live in Secrets Manager / Secret Manager only.
BACKEND_SECRETS: tuple[str, ...] = ("DATABASE_URL",)


def database_name(config: EnvironmentConfig) -> str:
    """The application's database, the same on both clouds: the project name in SQL spelling."""
    return config.project.replace("-", "_")


def alert_thresholds(config: EnvironmentConfig) -> AlertThresholds:
    """The environment's alert thresholds, shared by both clouds' alarms."""
    return AlertThresholds(
        error_rate_percent=config.alerting.error_rate_percent,
        response_time_seconds=config.alerting.response_time_seconds,
    )


def alerting(config: EnvironmentConfig) -> Alerting:
    """Who receives the environment's alerts, by tier, and their thresholds (the same on both clouds)."""
    return Alerting(email=config.alerting.email, thresholds=alert_thresholds(config),
                    warning_email=config.alerting.warning_email)


def request_limits(config: EnvironmentConfig) -> RequestLimits:
    """What both edges refuse by size: ``waf.max_body_kib``, and the larger routes of ``waf.large_body_paths``."""
    waf = config.waf
    cap = (waf.large_body_max_kib or 0) * 1024
    return RequestLimits(max_body_bytes=waf.max_body_kib * 1024,
                         large_body_routes=tuple(LargeBodyRoute(path, cap) for path in waf.large_body_paths))


def path_rate_limits(config: EnvironmentConfig) -> tuple[PathRateLimit, ...]:
    """The API's own per-IP rate limit (both edges)."""
    return (PathRateLimit(API_PATH_PREFIX, config.waf.api_rate_limit_requests),)
