"""A CloudWatch dashboard of the platform: load balancer, services and database on one page."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct


@dataclass(frozen=True)
class PlatformDashboardProps:
    """Props of :class:`PlatformDashboard`.

    Attributes:
        name: Dashboard name.
        region: Region of the metrics.
        cluster_name: The ECS cluster.
        services: ECS service name by service name.
        load_balancer: The load balancer's ``arn_suffix``. Default ``None``: no load balancer widgets.
        target_groups: Target group ``arn_suffix`` by service name. Default none.
        database_identifier: The RDS instance, if any. Default ``None``.
    """

    name: str
    region: str
    cluster_name: str
    services: Mapping[str, str]
    load_balancer: str | None = None
    target_groups: Mapping[str, str] = field(default_factory=dict)
    database_identifier: str | None = None


def _widget(title: str, metrics: list[list[Any]], region: str, stat: str = "Sum", **extra: Any) -> dict[str, Any]:
    return {
        "type": "metric", "width": 12, "height": 6,
        "properties": {"title": title, "region": region, "stat": stat, "period": 60, "view": "timeSeries",
                       "metrics": metrics, **extra},
    }


class PlatformDashboard(Construct):
    """Requests, 5xx, latency and healthy targets; CPU and memory per service; database CPU, storage, connections."""

    def __init__(self, scope: Construct, id_: str, props: PlatformDashboardProps) -> None:
        super().__init__(scope, id_)
        widgets: list[dict[str, Any]] = []
        if props.load_balancer is not None:
            alb = ["LoadBalancer", props.load_balancer]
            widgets += [
                _widget("Requests and 5xx", [
                    ["AWS/ApplicationELB", "RequestCount", *alb],
                    ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *alb],
                    ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *alb],
                ], props.region),
                _widget("Target response time p95 (s)", [["AWS/ApplicationELB", "TargetResponseTime", *alb]],
                        props.region, stat="p95"),
                _widget("Healthy targets", [
                    ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", target_group, *alb]
                    for _, target_group in sorted(props.target_groups.items())
                ], props.region, stat="Minimum"),
            ]
        for resource in ("CPUUtilization", "MemoryUtilization"):
            widgets.append(_widget(f"Services {resource}", [
                ["AWS/ECS", resource, "ClusterName", props.cluster_name, "ServiceName", service]
                for _, service in sorted(props.services.items())
            ], props.region, stat="Average"))
        if props.database_identifier is not None:
            database = ["DBInstanceIdentifier", props.database_identifier]
            widgets.append(_widget("Database", [
                ["AWS/RDS", "CPUUtilization", *database],
                ["AWS/RDS", "DatabaseConnections", *database],
            ], props.region, stat="Average"))
            widgets.append(_widget("Database free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", *database]],
                                   props.region, stat="Minimum"))
        CloudwatchDashboard(self, "dashboard", dashboard_name=props.name,
                            dashboard_body=json.dumps({"widgets": widgets}, sort_keys=True))
