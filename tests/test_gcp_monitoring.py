"""GCP stacks: notification channel, uptime checks, alert policies, dashboard and log retention."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.app_services import SERVICES

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, reference, resources
from .test_gcp_platform import SERVICE_IDS, gcp, has_load_balancer

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def policies(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Alert policies by construct name (``error_rate``, ``latency``, ...)."""
    return {key.removeprefix("monitoring_").rsplit("_alert_", 1)[0]: policy
            for key, policy in resources(stack, "google_monitoring_alert_policy").items()}


def service_names(environment: str) -> list[str]:
    return [f"duckdb-analytics-{environment}-{service.name}" for service in SERVICES]


def thresholds_of(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [condition["condition_threshold"] for condition in policy["conditions"]]


#: The tier of each policy: critical (users are affected now) or warning (read before it becomes critical).
TIERS = {"error_rate": "critical", "latency": "critical", "uptime": "critical", "database_disk": "critical",
         "latency_degraded": "warning", "cpu_utilization": "warning", "memory_utilization": "warning",
         "max_instances": "warning", "database_cpu": "warning"}


def test_every_policy_notifies_the_channel_of_its_tier(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    channels = {channel["display_name"].rsplit(" ", 1)[1]: (key, channel)
                for key, channel in resources(stack, "google_monitoring_notification_channel").items()}
    assert set(channels) == {"alerts", "warnings"}
    recipients = {"alerts": config.alerting.email, "warnings": config.alerting.warning_email or config.alerting.email}
    for name, (_, channel) in channels.items():
        assert (channel["type"], channel["labels"]) == ("email", {"email_address": recipients[name]})
    found = policies(stack)
    expected = {"error_rate", "latency", "latency_degraded", "uptime", "cpu_utilization", "memory_utilization",
                "max_instances"} | ({"database_cpu", "database_disk"} if config.database.enabled else set())
    assert set(found) == expected
    for key, policy in found.items():
        tier = TIERS[key]
        channel_id = channels["alerts" if tier == "critical" else "warnings"][0]
        assert policy["notification_channels"] == [reference("google_monitoring_notification_channel", channel_id, "id")], key
        assert policy["severity"] == tier.upper() and policy["combiner"] == "OR"


def test_utilization_and_capacity_warnings_per_service_and_region(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    found = policies(stack)
    for key, metric in (("cpu_utilization", "cpu/utilizations"), ("memory_utilization", "memory/utilizations")):
        conditions = thresholds_of(found[key])
        assert [condition["filter"] for condition in conditions] == [
            f'metric.type="run.googleapis.com/container/{metric}" AND resource.type="cloud_run_revision" '
            f'AND resource.label."service_name"="{name}"' for name in service_names(environment)]
        assert {condition["threshold_value"] for condition in conditions} == {0.8}
        assert {condition["aggregations"][0]["cross_series_reducer"] for condition in conditions} == {"REDUCE_PERCENTILE_95"}
    capacities = {(condition["filter"].split('"service_name"="')[1].split('"')[0],
                   condition["filter"].split('"location"="')[1].split('"')[0]): condition["threshold_value"]
                  for condition in thresholds_of(found["max_instances"])}
    expected = {(name, config.gcp.region): config.scaling.max_capacity - 0.5 for name in service_names(environment)}
    if config.dr is not None:  # the standby's services scale to the standby's maximum
        expected |= {(name, config.dr.gcp_standby_region): config.dr.standby_max_capacity - 0.5
                     for name in service_names(environment)}
    assert capacities == expected
    for condition in thresholds_of(found["max_instances"]):
        assert condition["filter"].startswith('metric.type="run.googleapis.com/container/instance_count"')
        assert condition["aggregations"][0]["group_by_fields"] == ['resource.label."service_name"',
                                                                   'resource.label."revision_name"']


def test_uptime_check_per_public_endpoint_on_the_health_paths(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    checks = {key.split("_")[1]: check for key, check in resources(stack, "google_monitoring_uptime_check_config").items()}
    assert set(checks) == {service.name for service in SERVICES}
    for service in SERVICES:
        check = checks[service.name]
        if has_load_balancer(config):
            host = config.gcp.domain
        else:
            uri = reference("google_cloud_run_v2_service", SERVICE_IDS[service.name], "uri")[2:-1]
            host = f'${{trimprefix({uri}, "https://")}}'
        assert check["monitored_resource"] == {
            "type": "uptime_url", "labels": {"project_id": config.gcp.project_id, "host": host}
        }
        assert check["http_check"]["path"] == service.health_path
        assert (check["http_check"]["port"], check["http_check"]["use_ssl"], check["http_check"]["validate_ssl"]) == (443, True, True)
        assert check["period"] == "60s"


def test_error_rate_alert_is_the_5xx_share_of_requests_per_service(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    conditions = thresholds_of(policies(stack)["error_rate"])
    assert len(conditions) == len(SERVICES)
    for condition, name in zip(conditions, service_names(environment)):
        service = f'resource.label."service_name"="{name}"'
        assert condition["filter"] == (
            f'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" AND {service} '
            'AND metric.label."response_code_class"="5xx"'
        )
        assert condition["denominator_filter"] == (
            f'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" AND {service}'
        )
        assert condition["threshold_value"] == pytest.approx(config.alerting.error_rate_percent / 100)
        assert condition["comparison"] == "COMPARISON_GT"
        assert condition["duration"] == "300s"
        assert condition["aggregations"] == condition["denominator_aggregations"]


@pytest.mark.parametrize(("key", "share"), [("latency", 1), ("latency_degraded", 0.5)])
def test_latency_alerts_are_on_the_95th_percentile(synthesized: Synthesized, environment: str, key: str, share: float) -> None:
    config, stack = gcp(synthesized, environment)
    conditions = thresholds_of(policies(stack)[key])
    assert len(conditions) == len(SERVICES)
    for condition, name in zip(conditions, service_names(environment)):
        assert condition["filter"].startswith('metric.type="run.googleapis.com/request_latencies"')
        assert f'resource.label."service_name"="{name}"' in condition["filter"]
        (aggregation,) = condition["aggregations"]
        assert (aggregation["per_series_aligner"], aggregation["cross_series_reducer"]) == ("ALIGN_DELTA", "REDUCE_PERCENTILE_95")
        assert condition["threshold_value"] == pytest.approx(config.alerting.response_time_seconds * 1000 * share)  # ms


def test_uptime_alert_watches_every_uptime_check(synthesized: Synthesized, environment: str) -> None:
    _, stack = gcp(synthesized, environment)
    conditions = thresholds_of(policies(stack)["uptime"])
    check_ids = {reference("google_monitoring_uptime_check_config", key, "uptime_check_id")
                 for key in resources(stack, "google_monitoring_uptime_check_config")}
    watched = {condition["filter"].split('metric.label."check_id"=')[1].strip('"') for condition in conditions}
    assert watched == check_ids
    for condition in conditions:
        assert 'metric.type="monitoring.googleapis.com/uptime_check/check_passed"' in condition["filter"]
        assert condition["aggregations"][0]["cross_series_reducer"] == "REDUCE_COUNT_FALSE"


def test_database_alerts_on_cpu_and_disk_when_enabled(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    found = policies(stack)
    if not config.database.enabled:
        assert not {"database_cpu", "database_disk"} & set(found)
        return
    database_id = f"{config.gcp.project_id}:duckdb-analytics-{environment}-postgres"
    # CPU warns at the shared utilization threshold; a nearly full disk (as on AWS: under 10 % free) is critical.
    for key, metric, threshold in (("database_cpu", "cpu/utilization", 0.8), ("database_disk", "disk/utilization", 0.9)):
        (condition,) = thresholds_of(found[key])
        assert condition["filter"] == (
            f'metric.type="cloudsql.googleapis.com/database/{metric}" AND resource.type="cloudsql_database" '
            f'AND resource.label."database_id"="{database_id}"'
        )
        assert condition["threshold_value"] == pytest.approx(threshold)


def test_dashboard_charts_the_services_and_the_database(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    (dashboard,) = resources(stack, "google_monitoring_dashboard").values()
    document = json.loads(dashboard["dashboard_json"])
    assert document["displayName"] == f"duckdb-analytics-{environment} services"
    tiles = document["mosaicLayout"]["tiles"]
    titles = [tile["widget"]["title"] for tile in tiles]
    assert titles[:6] == ["Requests per second", "5xx responses per second", "Request latency, 95th percentile",
                          "Instances", "CPU utilization, 95th percentile", "Memory utilization, 95th percentile"]
    assert ("Database CPU utilization" in titles) is config.database.enabled
    latency = tiles[2]["widget"]["xyChart"]
    assert latency["thresholds"] == [{"value": config.alerting.response_time_seconds * 1000, "targetAxis": "Y1"}]
    names = ", ".join(f'"{name}"' for name in service_names(environment))
    assert f'resource.label."service_name"=one_of({names})' in latency["dataSets"][0]["timeSeriesQuery"]["timeSeriesFilter"]["filter"]
    positions = {(tile["xPos"], tile["yPos"]) for tile in tiles}
    assert len(positions) == len(tiles)  # no tile hides another


def test_log_retention_of_the_default_bucket_follows_the_environment(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    (bucket,) = resources(stack, "google_logging_project_bucket_config").values()
    assert bucket["bucket_id"] == "_Default"
    assert bucket["location"] == "global"
    assert bucket["project"] == config.gcp.project_id
    assert bucket["retention_days"] == config.logging.retention_days
