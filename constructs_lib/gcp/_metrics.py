"""Cloud Monitoring metric filters shared by the alert policies and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence

REQUEST_COUNT = "run.googleapis.com/request_count"
REQUEST_LATENCIES = "run.googleapis.com/request_latencies"
INSTANCE_COUNT = "run.googleapis.com/container/instance_count"
CPU_UTILIZATIONS = "run.googleapis.com/container/cpu/utilizations"
MEMORY_UTILIZATIONS = "run.googleapis.com/container/memory/utilizations"
SQL_CPU_UTILIZATION = "cloudsql.googleapis.com/database/cpu/utilization"
SQL_DISK_UTILIZATION = "cloudsql.googleapis.com/database/disk/utilization"
UPTIME_CHECK_PASSED = "monitoring.googleapis.com/uptime_check/check_passed"
SERVICE_NAME_LABEL = 'resource.label."service_name"'


def cloud_run_filter(metric: str, services: Sequence[str], *, server_errors_only: bool = False,
                     location: str | None = None) -> str:
    """A filter for ``metric`` of the Cloud Run services named ``services`` (optionally 5xx responses only, or
    in one region only)."""
    if len(services) == 1:
        service = f'resource.label."service_name"="{services[0]}"'
    else:
        service = 'resource.label."service_name"=one_of({})'.format(", ".join(f'"{name}"' for name in services))
    parts = [f'metric.type="{metric}"', 'resource.type="cloud_run_revision"', service]
    if location is not None:
        parts.append(f'resource.label."location"="{location}"')
    if server_errors_only:
        parts.append('metric.label."response_code_class"="5xx"')
    return " AND ".join(parts)


def cloud_sql_filter(metric: str, database_id: str) -> str:
    """A filter for ``metric`` of the Cloud SQL instance ``database_id`` (``<project>:<instance>``)."""
    return f'metric.type="{metric}" AND resource.type="cloudsql_database" AND resource.label."database_id"="{database_id}"'


def uptime_filter(check_id: str) -> str:
    """A filter for the results of the uptime check ``check_id``."""
    return f'metric.type="{UPTIME_CHECK_PASSED}" AND resource.type="uptime_url" AND metric.label."check_id"="{check_id}"'
