"""Releases and cost controls on GCP: revisions named after tags, candidate traffic, the project budget."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from constructs_lib.gcp.cloud_run_service import revision_name
from constructs_lib.gcp.patterns import ReleaseSpec

import cdktf  # noqa: E402  (after constructs_lib)

from .conftest import Synthesized  # noqa: E402
from .helpers import ENVIRONMENTS, only, reference, resources, stack_id  # noqa: E402

from stacks.app_services import SERVICES  # noqa: E402  (isort: skip)

per_environment = pytest.mark.parametrize("environment", ENVIRONMENTS)


def _services(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The primary region's services by name (a [dr] standby runs services of the same names in its region)."""
    return {body["name"]: body for key, body in resources(stack, "google_cloud_run_v2_service").items()
            if "_standby_" not in key}


@per_environment
def test_each_revision_is_named_after_its_image_tag(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    for name, body in _services(synthesized.stack("gcp", environment)).items():
        assert body["template"]["revision"] == revision_name(name, config.images.tag)
        assert body["template"]["containers"][0]["image"].endswith(f":{config.images.tag}")
        assert body["traffic"] == [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]


def _with_candidate(synthesized: Synthesized, environment: str, **release: Any) -> dict[str, Any]:
    from stacks.gcp_platform_stack import GcpPlatformStack

    config = synthesized.configs[environment]
    config = dataclasses.replace(config, release=dataclasses.replace(config.release, **release))
    return json.loads(cdktf.Testing.synth(GcpPlatformStack(cdktf.Testing.app(), config)))


@pytest.mark.slow  # synthesizes prod again, three times
@pytest.mark.parametrize(("strategy", "percent", "expected_share"),
                         [("blue_green", None, 0), ("canary", 10, 10), ("rolling", None, 100)])
def test_a_candidate_gets_its_share_and_its_own_url(synthesized: Synthesized, strategy: str, percent: int | None,
                                                     expected_share: int) -> None:
    current = synthesized.configs["prod"].images.tag
    document = _with_candidate(synthesized, "prod", strategy=strategy, canary_percent=percent, candidate_tag="2.0.0")
    for name, body in _services(document).items():
        assert body["template"]["revision"] == revision_name(name, "2.0.0")
        assert body["template"]["containers"][0]["image"].endswith(":2.0.0")
        if expected_share == 100:
            assert body["traffic"] == [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
            continue
        assert body["traffic"] == [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": revision_name(name, current),
             "percent": 100 - expected_share},
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": revision_name(name, "2.0.0"),
             "percent": expected_share, "tag": "candidate"},
        ]


def test_release_props_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match=r"ReleaseSpec.canary_percent must be 1 to 99 \(0 is blue/green, 100 is rolling\), got 100"):
        ReleaseSpec("CANARY", candidate_tag="2.0.0", canary_percent=100)
    with pytest.raises(ValueError, match="ReleaseSpec.strategy must be one of ROLLING, BLUE_GREEN, CANARY, got 'LINEAR'"):
        ReleaseSpec("LINEAR")
    assert ReleaseSpec("BLUE_GREEN").candidate_percent == 0 and ReleaseSpec().candidate_percent == 100
    assert revision_name("shop-api", "1.4.2") == "shop-api-v1-4-2"


@per_environment
def test_a_monthly_budget_of_the_project_alerts_the_email_channel(synthesized: Synthesized, environment: str) -> None:
    """The budget is the bootstrap's: it belongs to the billing account, which no pipeline account may touch."""
    stack, config = synthesized.documents[stack_id("gcp", environment, "bootstrap")], synthesized.configs[environment]
    assert "google_billing_budget" not in synthesized.stack("gcp", environment)["resource"]
    channel_id, channel = only(stack, "google_monitoring_notification_channel")
    assert channel["labels"] == {"email_address": config.alerting.email}
    _, budget = only(stack, "google_billing_budget")
    assert budget["billing_account"] == config.gcp.billing_account
    project_id, project = only({"resource": stack["data"]}, "google_project")
    assert project["project_id"] == config.gcp.project_id
    assert budget["budget_filter"] == {"projects": [f"projects/${{data.google_project.{project_id}.number}}"],
                                       "calendar_period": "MONTH"}
    units = int(config.budget.monthly_amount)
    assert budget["amount"]["specified_amount"]["units"] == str(units)
    assert budget["amount"]["specified_amount"]["currency_code"] == config.budget.currency
    expected = sorted([("CURRENT_SPEND", threshold / 100) for threshold in config.budget.actual_thresholds]
                      + [("FORECASTED_SPEND", threshold / 100) for threshold in config.budget.forecast_thresholds])
    assert sorted((rule["spend_basis"], rule["threshold_percent"]) for rule in budget["threshold_rules"]) == expected
    assert budget["all_updates_rule"]["monitoring_notification_channels"] == [
        reference("google_monitoring_notification_channel", channel_id, "id")]


@per_environment
def test_office_hours_let_cloud_run_scale_to_zero(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    minimum = 0 if config.scaling.working_hours is not None else config.scaling.min_capacity
    services = {key: body for key, body in resources(synthesized.stack("gcp", environment), "google_cloud_run_v2_service").items()
                if "_standby_" not in key}  # a standby runs at [dr] standby capacity (test_gcp_disaster_recovery.py)
    assert {body["template"]["scaling"]["min_instance_count"] for body in services.values()} == {minimum}
    assert len(SERVICES) == len(services)
