"""Uptime checks and alert policies for Cloud Run services (and their database), in two tiers notifying by email."""

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

from ..alerting import CRITICAL, WARNING, AlertThresholds
from ._metrics import (
    CPU_UTILIZATIONS,
    INSTANCE_COUNT,
    MEMORY_UTILIZATIONS,
    REQUEST_COUNT,
    REQUEST_LATENCIES,
    SERVICE_NAME_LABEL,
    SQL_CPU_UTILIZATION,
    SQL_DISK_UTILIZATION,
    cloud_run_filter,
    cloud_sql_filter,
    uptime_filter,
)
from ._props import REGION, REGION_RULE, RESOURCE_NAME, RESOURCE_NAME_RULE, require, require_match, require_range, require_strings

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_KEY = re.compile(r"[a-z][a-z0-9]{0,19}")
UPTIME_PERIODS_SECONDS = (60, 300, 600, 900)
#: The severity each tier's policies carry (Cloud Monitoring shows it on incidents and in notifications).
SEVERITIES = {CRITICAL: "CRITICAL", WARNING: "WARNING"}


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
class ServiceCapacity:
    """How many instances a Cloud Run service may run in a region: a warning fires when one of its revisions
    runs that many (scaling cannot add more).

    Attributes:
        service: The Cloud Run service's name.
        region: Its region.
        max_instances: Its revisions' ``max_instances``.
    """

    service: str
    region: str
    max_instances: int

    def __post_init__(self) -> None:
        require_match(REGION, self, "region", REGION_RULE)
        require_range(self, "max_instances", 1, 1000, "instances")


@dataclass(frozen=True)
class ServiceMonitoringProps:
    """Props of :class:`ServiceMonitoring`.

    Attributes:
        name: Prefix of display names (1-63 lowercase letters, digits or hyphens), e.g. ``acme-prod``.
        project: Project ID of the services (uptime checks report against it).
        notification_email: Address that receives the critical alerts. ``None``: no notification channels; the
            policies still open incidents (in the console), but nobody is told until you add a channel.
        services: Names of the Cloud Run services to alert on (at least one).
        thresholds: Error rate, latency, evaluation window and warning thresholds. Default :class:`AlertThresholds`.
        uptime_targets: Endpoints to probe, each with an alert when it fails. Default none.
        uptime_period_seconds: How often each endpoint is probed (60, 300, 600 or 900). Default 60.
        database_instance: Cloud SQL instance name to alert on (CPU and disk). Default ``None``: no database.
        database_cpu_percent: Database CPU utilization that warns, in percent. Default ``None``:
            ``thresholds.utilization_percent``.
        database_disk_percent: Database disk utilization that is critical, in percent. Default 90.
        warning_email: Address that receives the warnings, through a channel of its own. Default ``None``:
            ``notification_email``.
        capacities: Per service and region, its maximum instances: a warning when a revision runs that many.
            Default none.
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
    database_cpu_percent: float | None = None
    database_disk_percent: float = 90.0
    warning_email: str | None = None
    capacities: tuple[ServiceCapacity, ...] = ()
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        for attribute in ("notification_email", "warning_email"):
            if getattr(self, attribute) is not None:
                require_match(_EMAIL, self, attribute, "be an email address")
        require_strings(self, "services", "acme-prod-api")
        require(len(self.services) > 0 and len(set(self.services)) == len(self.services), self, "services",
                "name at least one service, each once")
        require(len({target.key for target in self.uptime_targets}) == len(self.uptime_targets), self,
                "uptime_targets", "have distinct keys")
        require(self.uptime_period_seconds in UPTIME_PERIODS_SECONDS, self, "uptime_period_seconds",
                f"be one of {', '.join(map(str, UPTIME_PERIODS_SECONDS))}")
        if self.database_cpu_percent is not None:
            require_range(self, "database_cpu_percent", 1, 100, "percent")
        require_range(self, "database_disk_percent", 1, 100, "percent")
        require(all(capacity.service in self.services for capacity in self.capacities), self, "capacities",
                "name services of ServiceMonitoringProps.services")

    @property
    def database_id(self) -> str | None:
        """``<project>:<instance>``, how Cloud Monitoring names the database; None without one."""
        return None if self.database_instance is None else f"{self.project}:{self.database_instance}"

    @property
    def warning_recipient(self) -> str | None:
        """Who receives the warnings: ``warning_email``, else ``notification_email``."""
        return self.warning_email or self.notification_email


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


_BY_SERVICE = (SERVICE_NAME_LABEL,)
_INACTIVE = "EVALUATION_MISSING_DATA_INACTIVE"


class ServiceMonitoring(Construct):
    """Notification channels for two alert tiers, uptime checks and the alert policies of a set of Cloud Run services.

    Each policy has one condition per service or endpoint and notifies its tier's channel (critical: the
    ``notification_email`` channel, construct id ``email``; warning: a channel of its own, ``warning_email``),
    so that a team can page on one and read the other:

    * critical **5xx error rate**: responses with a 5xx status as a share of all requests
      (``run.googleapis.com/request_count``), above ``thresholds.error_rate_percent`` for
      ``thresholds.evaluation_minutes``; no traffic is not an error;
    * critical **latency**: the **95th percentile** of ``run.googleapis.com/request_latencies`` across all
      revisions of a service, above ``thresholds.response_time_seconds`` for the evaluation window; a
      warning above ``thresholds.degraded_response_time_seconds`` (**latency degraded**);
    * critical **uptime**: an uptime check failing from more than one checker region;
    * warning **CPU** and **memory utilization**: the 95th percentile of the services' instances above
      ``thresholds.utilization_percent``;
    * warning **at max instances**: a revision running its ``max_instances`` (per ``capacities``);
    * with ``database_instance``: warning **database CPU**, critical **database disk**.

    The uptime checks probe each target over HTTPS (certificate validated) from Google's global
    checkers and log failed probes.
    """

    def __init__(self, scope: Construct, id_: str, props: ServiceMonitoringProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self._depends_on = list(props.depends_on) or None
        self.channel = self._channel("email", "alerts", props.notification_email)
        self.warning_channel = self._channel("warning_email", "warnings", props.warning_recipient)
        self.policies: dict[str, MonitoringAlertPolicy] = {}
        self._request_policies()
        self._utilization_policies()
        self.uptime_checks: dict[str, MonitoringUptimeCheckConfig] = {}
        for target in props.uptime_targets:
            self.uptime_checks[target.key] = self._uptime_check(target)
        if self.uptime_checks:
            self._policy("uptime", "uptime check failing", CRITICAL, [
                _threshold(f"{key}: uptime check failing", uptime_filter(check.uptime_check_id), threshold=1,
                           duration_seconds=60, alignment_seconds=1200, aligner="ALIGN_NEXT_OLDER",
                           reducer="REDUCE_COUNT_FALSE", group_by=('resource.label."host"',))
                for key, check in self.uptime_checks.items()
            ], "An endpoint fails its uptime check from more than one region: users cannot reach it.")
        self._database_policies()

    def channels(self, tier: str) -> list[str] | None:
        """The notification channels of ``tier`` (``critical`` or ``warning``); ``None`` without an email."""
        channel = self.channel if tier == CRITICAL else self.warning_channel
        return [channel.id] if channel is not None else None

    def _channel(self, id_: str, what: str, email: str | None) -> MonitoringNotificationChannel | None:
        if email is None:
            return None
        return MonitoringNotificationChannel(
            self, id_, display_name=f"{self._props.name} {what}", type="email", labels={"email_address": email},
            depends_on=self._depends_on,
        )

    def _policy(self, key: str, title: str, tier: str, conditions: list[MonitoringAlertPolicyConditions], doc: str) -> None:
        self.policies[key] = MonitoringAlertPolicy(
            self,
            f"{key}_alert",
            display_name=f"{self._props.name}: {title}",
            combiner="OR",
            severity=SEVERITIES[tier],
            conditions=conditions,
            notification_channels=self.channels(tier),
            alert_strategy=MonitoringAlertPolicyAlertStrategy(auto_close="1800s"),
            documentation=MonitoringAlertPolicyDocumentation(content=f"{tier.capitalize()}: {doc}", mime_type="text/markdown"),
            depends_on=self._depends_on,
        )

    def _request_policies(self) -> None:
        props, thresholds = self._props, self._props.thresholds
        window = thresholds.evaluation_minutes * 60
        self._policy("error_rate", f"5xx error rate above {thresholds.error_rate_percent:g}%", CRITICAL, [
            _threshold(
                f"{service}: 5xx share of requests above {thresholds.error_rate_percent:g}%",
                cloud_run_filter(REQUEST_COUNT, (service,), server_errors_only=True),
                denominator_filter=cloud_run_filter(REQUEST_COUNT, (service,)),
                threshold=thresholds.error_rate_percent / 100, duration_seconds=window,
                aligner="ALIGN_RATE", reducer="REDUCE_SUM", group_by=_BY_SERVICE, missing_data=_INACTIVE,
            )
            for service in props.services
        ], "A service answers more than the allowed share of requests with a 5xx status. "
           "Check the service's logs (Cloud Run, severity ERROR) and its latest revision.")
        for key, tier, seconds, doc in (
            ("latency", CRITICAL, thresholds.response_time_seconds,
             "The 95th percentile of request latency is above the threshold: users wait."),
            ("latency_degraded", WARNING, thresholds.degraded_seconds,
             "The 95th percentile of request latency is degrading towards the critical threshold."),
        ):
            self._policy(key, f"p95 latency above {seconds:g}s", tier, [
                _threshold(
                    f"{service}: p95 request latency above {seconds:g}s", cloud_run_filter(REQUEST_LATENCIES, (service,)),
                    threshold=seconds * 1000,  # the metric is in milliseconds
                    duration_seconds=window, aligner="ALIGN_DELTA", reducer="REDUCE_PERCENTILE_95",
                    group_by=_BY_SERVICE, missing_data=_INACTIVE,
                )
                for service in props.services
            ], f"{doc} Check instance count (max instances reached?), CPU and memory utilization, and the database.")

    def _utilization_policies(self) -> None:
        props, thresholds = self._props, self._props.thresholds
        window, percent = thresholds.evaluation_minutes * 60, thresholds.utilization_percent
        for key, metric, what in (("cpu", CPU_UTILIZATIONS, "CPU"), ("memory", MEMORY_UTILIZATIONS, "memory")):
            self._policy(f"{key}_utilization", f"{what} utilization above {percent:g}%", WARNING, [
                _threshold(
                    f"{service}: p95 {what} utilization of its instances above {percent:g}%",
                    cloud_run_filter(metric, (service,)), threshold=percent / 100, duration_seconds=window,
                    aligner="ALIGN_DELTA", reducer="REDUCE_PERCENTILE_95", group_by=_BY_SERVICE, missing_data=_INACTIVE,
                )
                for service in props.services
            ], f"The services' instances use most of their {what}: raise cpu/memory_mib or concurrency limits, "
               "or look for a leak.")
        if props.capacities:
            self._policy("max_instances", "a service runs at its maximum instances", WARNING, [
                _threshold(
                    f"{capacity.service} in {capacity.region}: {capacity.max_instances} instances (its maximum)",
                    cloud_run_filter(INSTANCE_COUNT, (capacity.service,), location=capacity.region),
                    threshold=capacity.max_instances - 0.5, duration_seconds=window, aligner="ALIGN_MAX",
                    reducer="REDUCE_SUM", group_by=(*_BY_SERVICE, 'resource.label."revision_name"'),
                    missing_data=_INACTIVE,
                )
                for capacity in props.capacities
            ], "A revision runs as many instances as it may: scaling cannot add more. Raise max_instances "
               "(scaling.max_capacity) or find the load.")

    def _uptime_check(self, target: UptimeTarget) -> MonitoringUptimeCheckConfig:
        return MonitoringUptimeCheckConfig(
            self,
            f"{target.key}_uptime",
            display_name=f"{self._props.name} {target.key} {target.path}",
            timeout="10s",
            period=f"{self._props.uptime_period_seconds}s",
            log_check_failures=True,
            http_check=MonitoringUptimeCheckConfigHttpCheck(
                path=target.path, port=443, use_ssl=True, validate_ssl=True, request_method="GET",
                accepted_response_status_codes=[
                    MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes(status_class="STATUS_CLASS_2XX")
                ],
            ),
            monitored_resource=MonitoringUptimeCheckConfigMonitoredResource(
                type="uptime_url", labels={"project_id": self._props.project, "host": target.host}
            ),
            depends_on=self._depends_on,
        )

    def _database_policies(self) -> None:
        props = self._props
        database_id = props.database_id
        if database_id is None:
            return
        cpu = props.database_cpu_percent or props.thresholds.utilization_percent
        for key, metric, percent, what, tier in (
            ("database_cpu", SQL_CPU_UTILIZATION, cpu, "CPU", WARNING),
            ("database_disk", SQL_DISK_UTILIZATION, props.database_disk_percent, "disk", CRITICAL),
        ):
            self._policy(key, f"database {what} utilization above {percent:g}%", tier, [
                _threshold(
                    f"{props.database_instance}: {what} utilization above {percent:g}%",
                    cloud_sql_filter(metric, database_id), threshold=percent / 100,
                    duration_seconds=props.thresholds.evaluation_minutes * 60,
                    aligner="ALIGN_MEAN", reducer="REDUCE_MAX", group_by=('resource.label."database_id"',),
                )
            ], f"The database's {what} utilization stays above the threshold. Consider a larger tier "
               "or disk, and check query insights for expensive queries.")
