"""A Cloud Monitoring dashboard for Cloud Run services (and their database): traffic, errors, latency, capacity."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.monitoring_dashboard import MonitoringDashboard
from constructs import Construct

from ..alerting import AlertThresholds
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
)
from ._props import require, require_strings

COLUMNS = 48  # the width of a mosaic layout
TILE_WIDTH, TILE_HEIGHT = 24, 16


@dataclass(frozen=True)
class ServicesDashboardProps:
    """Props of :class:`ServicesDashboard`.

    Attributes:
        display_name: Dashboard title.
        services: Cloud Run service names shown (one line each per chart).
        thresholds: Drawn as threshold lines on the error and latency charts. Default :class:`AlertThresholds`.
        database_id: Cloud SQL database as ``<project>:<instance>``. Default ``None``: no database charts.
        depends_on: Resources to create first, e.g. the monitoring project service.
    """

    display_name: str
    services: tuple[str, ...]
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    database_id: str | None = None
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require(0 < len(self.display_name) <= 200, self, "display_name", "be 1 to 200 characters")
        require_strings(self, "services", "acme-prod-api")
        require(len(self.services) > 0, self, "services", "name at least one service")


def _chart(title: str, filter_: str, aligner: str, reducer: str, group_by: Sequence[str], unit: str,
           threshold: float | None = None) -> dict[str, Any]:
    chart: dict[str, Any] = {
        "dataSets": [
            {
                "plotType": "LINE",
                "targetAxis": "Y1",
                "timeSeriesQuery": {
                    "timeSeriesFilter": {
                        "filter": filter_,
                        "aggregation": {
                            "alignmentPeriod": "60s",
                            "perSeriesAligner": aligner,
                            "crossSeriesReducer": reducer,
                            "groupByFields": list(group_by),
                        },
                    }
                },
            }
        ],
        "yAxis": {"label": unit, "scale": "LINEAR"},
    }
    if threshold is not None:
        chart["thresholds"] = [{"value": threshold, "targetAxis": "Y1"}]
    return {"title": title, "xyChart": chart}


def dashboard_json(props: ServicesDashboardProps) -> str:
    """The dashboard definition (Cloud Monitoring's JSON), deterministic: keys sorted."""
    services = props.services
    by_service = (SERVICE_NAME_LABEL,)
    widgets = [
        _chart("Requests per second", cloud_run_filter(REQUEST_COUNT, services), "ALIGN_RATE", "REDUCE_SUM",
               by_service, "requests/s"),
        _chart("5xx responses per second", cloud_run_filter(REQUEST_COUNT, services, server_errors_only=True),
               "ALIGN_RATE", "REDUCE_SUM", by_service, "responses/s"),
        _chart("Request latency, 95th percentile", cloud_run_filter(REQUEST_LATENCIES, services), "ALIGN_DELTA",
               "REDUCE_PERCENTILE_95", by_service, "ms", threshold=props.thresholds.response_time_seconds * 1000),
        _chart("Instances", cloud_run_filter(INSTANCE_COUNT, services), "ALIGN_MAX", "REDUCE_SUM",
               (*by_service, 'metric.label."state"'), "instances"),
        _chart("CPU utilization, 95th percentile", cloud_run_filter(CPU_UTILIZATIONS, services), "ALIGN_DELTA",
               "REDUCE_PERCENTILE_95", by_service, "ratio"),
        _chart("Memory utilization, 95th percentile", cloud_run_filter(MEMORY_UTILIZATIONS, services), "ALIGN_DELTA",
               "REDUCE_PERCENTILE_95", by_service, "ratio"),
    ]
    if props.database_id is not None:
        by_database = ('resource.label."database_id"',)
        widgets += [
            _chart("Database CPU utilization", cloud_sql_filter(SQL_CPU_UTILIZATION, props.database_id), "ALIGN_MEAN",
                   "REDUCE_MAX", by_database, "ratio"),
            _chart("Database disk utilization", cloud_sql_filter(SQL_DISK_UTILIZATION, props.database_id),
                   "ALIGN_MEAN", "REDUCE_MAX", by_database, "ratio"),
        ]
    per_row = COLUMNS // TILE_WIDTH
    tiles = [
        {
            "xPos": (index % per_row) * TILE_WIDTH,
            "yPos": (index // per_row) * TILE_HEIGHT,
            "width": TILE_WIDTH,
            "height": TILE_HEIGHT,
            "widget": widget,
        }
        for index, widget in enumerate(widgets)
    ]
    document = {"displayName": props.display_name, "mosaicLayout": {"columns": COLUMNS, "tiles": tiles}}
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


class ServicesDashboard(Construct):
    """A dashboard of the services: requests, 5xx responses, p95 latency (with the alert threshold),
    instances, CPU and memory; database CPU and disk when a database is given."""

    def __init__(self, scope: Construct, id_: str, props: ServicesDashboardProps) -> None:
        super().__init__(scope, id_)
        self.dashboard = MonitoringDashboard(
            self, "dashboard", dashboard_json=dashboard_json(props), depends_on=list(props.depends_on) or None
        )
