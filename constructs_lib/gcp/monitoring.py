"""Uptime checks and alert policies for Cloud Run services (and their database), notifying by email."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdTrigger,
    MonitoringAlertPolicyDocumentation,
)
from cdktf_cdktf_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from cdktf_cdktf_provider_google.monitoring_uptime_check_config import (
    MonitoringUptimeCheckConfig,
    MonitoringUptimeCheckConfigHttpCheck,
    MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes,
    MonitoringUptimeCheckConfigMonitoredResource,
)
from constructs import Construct

from ..alerting import AlertThresholds
from ._metrics import (
    REQUEST_COUNT,
    REQUEST_LATENCIES,
    SERVICE_NAME_LABEL,
    SQL_CPU_UTILIZATION,
    SQL_DISK_UTILIZATION,
    cloud_run_filter,
    cloud_sql_filter,
    uptime_filter,
)
from ._props import RESOURCE_NAME, RESOURCE_NAME_RULE, require, require_match, require_range, require_strings

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_KEY = re.compile(r"[a-z][a-z0-9]{0,19}")
UPTIME_PERIODS_SECONDS = (60, 300, 600, 900)


@dataclass(frozen=True)
class UptimeTarget:
    """A public HTTPS endpoint probed from several regions.

    Attributes:
        key: Short name used in ids and display names (1-20 lowercase letters or digits), e.g. ``backend``.
        host: Host name, e.g. ``app.example.com`` or a ``run.app`` host (may be a Terraform expression).
        path: Path requested, e.g. ``/health``; a 2xx answer passes.
    """

    key: str
    host: str
    path: str

    def __post_init__(self) -> None:
        require_match(_KEY, self, "key", "be 1 to 20 lowercase letters or digits, starting with a letter")
        require(isinstance(self.path, str) and self.path.startswith("/"), self, "path", "start with '/'")
        require(isinstance(self.host, str) and "/" not in self.host and ":" not in self.host, self, "host",
                "be a host name without scheme or path")


@dataclass(frozen=True)
class ServiceMonitoringProps:
    """Props of :class:`ServiceMonitoring`.

    Attributes:
        name: Prefix of display names (1-63 lowercase letters, digits or hyphens), e.g. ``acme-prod``.
        project: Project ID of the services (uptime checks report against it).
        notification_email: Address that receives every alert. ``None``: no notification channel; the
            policies still open incidents (in the console), but nobody is told until you add a channel.
        services: Names of the Cloud Run services to alert on (at least one).
        thresholds: Error rate, latency and evaluation window. Default :class:`AlertThresholds` defaults.
        uptime_targets: Endpoints to probe, each with an alert when it fails. Default none.
        uptime_period_seconds: How often each endpoint is probed (60, 300, 600 or 900). Default 60.
        database_instance: Cloud SQL instance name to alert on (CPU and disk). Default ``None``: no database.
        database_cpu_percent: Database CPU utilization that alerts, in percent. Default 80.
        database_disk_percent: Database disk utilization that alerts, in percent. Default 80.
        depends_on: Resources to create first, e.g. the monitoring project service.
    """

    name: str
    project: str
    notification_email: str | None
    services: tuple[str, ...]
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    uptime_targets: tuple[UptimeTarget, ...] = ()
    uptime_period_seconds: int = 60
    database_instance: str | None = None
    database_cpu_percent: float = 80.0
    database_disk_percent: float = 80.0
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        if self.notification_email is not None:
            require_match(_EMAIL, self, "notification_email", "be an email address")
        require_strings(self, "services", "acme-prod-api")
        require(len(self.services) > 0 and len(set(self.services)) == len(self.services), self, "services",
                "name at least one service, each once")
        require(len({target.key for target in self.uptime_targets}) == len(self.uptime_targets), self,
                "uptime_targets", "have distinct keys")
        require(self.uptime_period_seconds in UPTIME_PERIODS_SECONDS, self, "uptime_period_seconds",
                f"be one of {', '.join(map(str, UPTIME_PERIODS_SECONDS))}")
        require_range(self, "database_cpu_percent", 1, 100, "percent")
        require_range(self, "database_disk_percent", 1, 100, "percent")

    @property
    def database_id(self) -> str | None:
        """``<project>:<instance>``, how Cloud Monitoring names the database; None without one."""
        return None if self.database_instance is None else f"{self.project}:{self.database_instance}"


def _threshold(
    display_name: str,
    filter_: str,
    *,
    threshold: float,
    duration_seconds: int,
    aligner: str,
    reducer: str,
    group_by: Sequence[str],
    alignment_seconds: int = 60,
    denominator_filter: str | None = None,
    missing_data: str | None = None,
) -> MonitoringAlertPolicyConditions:
    aggregation = {
        "alignment_period": f"{alignment_seconds}s",
        "per_series_aligner": aligner,
        "cross_series_reducer": reducer,
        "group_by_fields": list(group_by),
    }
    return MonitoringAlertPolicyConditions(
        display_name=display_name,
        condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
            filter=filter_,
            comparison="COMPARISON_GT",
            threshold_value=threshold,
            duration=f"{duration_seconds}s",
            aggregations=[MonitoringAlertPolicyConditionsConditionThresholdAggregations(**aggregation)],
            denominator_filter=denominator_filter,
            denominator_aggregations=[MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations(**aggregation)]
            if denominator_filter is not None
            else None,
            evaluation_missing_data=missing_data,
            trigger=MonitoringAlertPolicyConditionsConditionThresholdTrigger(count=1),
        ),
    )


class ServiceMonitoring(Construct):
    """An email notification channel (with an address), uptime checks and the alert policies of a set of Cloud Run services.

    Alert policies (each with one condition per service or endpoint, all notifying the email channel):

    * **5xx error rate**: responses with a 5xx status as a share of all requests
      (``run.googleapis.com/request_count``), above ``thresholds.error_rate_percent`` for
      ``thresholds.evaluation_minutes``; no traffic is not an error.
    * **latency**: the **95th percentile** of ``run.googleapis.com/request_latencies`` across all
      revisions of a service, above ``thresholds.response_time_seconds`` for the evaluation window.
    * **uptime**: an uptime check failing from more than one checker region.
    * **database CPU** and **database disk** utilization, when ``database_instance`` is set.

    The uptime checks probe each target over HTTPS (certificate validated) from Google's global
    checkers and log failed probes.
    """

    def __init__(self, scope: Construct, id_: str, props: ServiceMonitoringProps) -> None:
        super().__init__(scope, id_)
        depends_on = list(props.depends_on) or None
        thresholds = props.thresholds
        window = thresholds.evaluation_minutes * 60
        self.channel: MonitoringNotificationChannel | None = None
        if props.notification_email is not None:
            self.channel = MonitoringNotificationChannel(
                self,
                "email",
                display_name=f"{props.name} alerts",
                type="email",
                labels={"email_address": props.notification_email},
                depends_on=depends_on,
            )
        channels = [self.channel.id] if self.channel is not None else None
        self.policies: dict[str, MonitoringAlertPolicy] = {}

        def policy(key: str, title: str, severity: str, conditions: list[MonitoringAlertPolicyConditions], doc: str) -> None:
            self.policies[key] = MonitoringAlertPolicy(
                self,
                f"{key}_alert",
                display_name=f"{props.name}: {title}",
                combiner="OR",
                severity=severity,
                conditions=conditions,
                notification_channels=channels,
                alert_strategy=MonitoringAlertPolicyAlertStrategy(auto_close="1800s"),
                documentation=MonitoringAlertPolicyDocumentation(content=doc, mime_type="text/markdown"),
                depends_on=depends_on,
            )

        by_service = (SERVICE_NAME_LABEL,)
        policy(
            "error_rate",
            f"5xx error rate above {thresholds.error_rate_percent:g}%",
            "ERROR",
            [
                _threshold(
                    f"{service}: 5xx share of requests above {thresholds.error_rate_percent:g}%",
                    cloud_run_filter(REQUEST_COUNT, (service,), server_errors_only=True),
                    denominator_filter=cloud_run_filter(REQUEST_COUNT, (service,)),
                    threshold=thresholds.error_rate_percent / 100,
                    duration_seconds=window,
                    aligner="ALIGN_RATE",
                    reducer="REDUCE_SUM",
                    group_by=by_service,
                    missing_data="EVALUATION_MISSING_DATA_INACTIVE",
                )
                for service in props.services
            ],
            "A service answers more than the allowed share of requests with a 5xx status. "
            "Check the service's logs (Cloud Run, severity ERROR) and its latest revision.",
        )
        policy(
            "latency",
            f"p95 latency above {thresholds.response_time_seconds:g}s",
            "WARNING",
            [
                _threshold(
                    f"{service}: p95 request latency above {thresholds.response_time_seconds:g}s",
                    cloud_run_filter(REQUEST_LATENCIES, (service,)),
                    threshold=thresholds.response_time_seconds * 1000,  # the metric is in milliseconds
                    duration_seconds=window,
                    aligner="ALIGN_DELTA",
                    reducer="REDUCE_PERCENTILE_95",
                    group_by=by_service,
                    missing_data="EVALUATION_MISSING_DATA_INACTIVE",
                )
                for service in props.services
            ],
            "The 95th percentile of request latency is above the threshold. Check instance count "
            "(max instances reached?), CPU and memory utilization, and the database.",
        )

        self.uptime_checks: dict[str, MonitoringUptimeCheckConfig] = {}
        for target in props.uptime_targets:
            self.uptime_checks[target.key] = MonitoringUptimeCheckConfig(
                self,
                f"{target.key}_uptime",
                display_name=f"{props.name} {target.key} {target.path}",
                timeout="10s",
                period=f"{props.uptime_period_seconds}s",
                log_check_failures=True,
                http_check=MonitoringUptimeCheckConfigHttpCheck(
                    path=target.path,
                    port=443,
                    use_ssl=True,
                    validate_ssl=True,
                    request_method="GET",
                    accepted_response_status_codes=[
                        MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes(status_class="STATUS_CLASS_2XX")
                    ],
                ),
                monitored_resource=MonitoringUptimeCheckConfigMonitoredResource(
                    type="uptime_url", labels={"project_id": props.project, "host": target.host}
                ),
                depends_on=depends_on,
            )
        if self.uptime_checks:
            policy(
                "uptime",
                "uptime check failing",
                "CRITICAL",
                [
                    _threshold(
                        f"{key}: uptime check failing",
                        uptime_filter(check.uptime_check_id),
                        threshold=1,
                        duration_seconds=60,
                        alignment_seconds=1200,
                        aligner="ALIGN_NEXT_OLDER",
                        reducer="REDUCE_COUNT_FALSE",
                        group_by=('resource.label."host"',),
                    )
                    for key, check in self.uptime_checks.items()
                ],
                "An endpoint fails its uptime check from more than one region: users cannot reach it.",
            )

        database_id = props.database_id
        if database_id is not None:
            for key, metric, percent, what in (
                ("database_cpu", SQL_CPU_UTILIZATION, props.database_cpu_percent, "CPU"),
                ("database_disk", SQL_DISK_UTILIZATION, props.database_disk_percent, "disk"),
            ):
                policy(
                    key,
                    f"database {what} utilization above {percent:g}%",
                    "WARNING",
                    [
                        _threshold(
                            f"{props.database_instance}: {what} utilization above {percent:g}%",
                            cloud_sql_filter(metric, database_id),
                            threshold=percent / 100,
                            duration_seconds=window,
                            aligner="ALIGN_MEAN",
                            reducer="REDUCE_MAX",
                            group_by=('resource.label."database_id"',),
                        )
                    ],
                    f"The database's {what} utilization stays above the threshold. Consider a larger tier "
                    "or disk, and check query insights for expensive queries.",
                )
