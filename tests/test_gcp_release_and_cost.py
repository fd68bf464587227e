"""Releases and cost controls on GCP: revisions named after tags and templates, candidate traffic, the project budget."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from constructs_lib.gcp.cloud_run_service import (
    CloudRunServiceProps,
    SecretEnv,
    VpcEgress,
    revision_name,
    template_fingerprint,
)
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


def _tag_prefix(name: str, tag: str) -> str:
    """What a revision name starts with: ``<service>-v<tag>-``; a fingerprint of the template follows."""
    return revision_name(name, tag, "")


@per_environment
def test_each_revision_is_named_after_its_image_tag_and_template(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    for name, body in _services(synthesized.stack("gcp", environment)).items():
        revision = body["template"]["revision"]
        # A fingerprint of the template: hashed here, or by Terraform where the template names references (a
        # secret version, the database's network) whose values only Terraform knows.
        fingerprint = revision.removeprefix(_tag_prefix(name, config.images.tag))
        assert revision.startswith(_tag_prefix(name, config.images.tag))
        assert re.fullmatch(r"[0-9a-f]{8}|\$\{substr\(sha256\(join\(.*\)\), 0, 8\)\}", fingerprint), revision
        service = name.rsplit('-', 1)[-1]
        assert body["template"]["containers"][0]["image"].endswith(f"/{service}@{config.images.digests[service]}")
        assert body["traffic"] == [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]


#: The digests of a candidate release's images (staging and prod run their images by digest).
CANDIDATE_DIGESTS = {"backend": "sha256:" + "b" * 64, "frontend": "sha256:" + "f" * 64}


def _with_release(synthesized: Synthesized, environment: str, **release: Any) -> dict[str, Any]:
    from stacks.gcp_platform_stack import GcpPlatformStack

    config = synthesized.configs[environment]
    tag, digests = release.pop("images_tag", config.images.tag), release.pop("images_digests", config.images.digests)
    config = dataclasses.replace(config, release=dataclasses.replace(config.release, **release),
                                 images=dataclasses.replace(config.images, tag=tag, digests=digests))
    return json.loads(cdktf.Testing.synth(GcpPlatformStack(cdktf.Testing.app(), config)))


@pytest.mark.slow  # synthesizes prod again, four times
@pytest.mark.parametrize(("strategy", "percent", "expected_share"),
                         [("blue_green", None, 0), ("canary", 10, 10), ("rolling", None, 100)])
def test_a_candidate_gets_its_share_and_its_own_url(synthesized: Synthesized, strategy: str, percent: int | None,
                                                     expected_share: int) -> None:
    today = _services(synthesized.stack("gcp", "prod"))
    document = _with_release(synthesized, "prod", strategy=strategy, canary_percent=percent, candidate_tag="2.0.0",
                             candidate_digests=CANDIDATE_DIGESTS)
    for name, body in _services(document).items():
        candidate = body["template"]["revision"]
        assert candidate.startswith(_tag_prefix(name, "2.0.0"))
        assert body["template"]["containers"][0]["image"].endswith(f"@{CANDIDATE_DIGESTS[name.rsplit('-', 1)[-1]]}")
        if expected_share == 100:
            assert body["traffic"] == [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
            continue
        # The revision serving today keeps serving under the name it has: the same template, the current image.
        assert body["traffic"] == [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": today[name]["template"]["revision"],
             "percent": 100 - expected_share},
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": candidate, "percent": expected_share,
             "tag": "candidate"},
        ]
    if strategy == "blue_green":  # promoted: the candidate's template and revision, all requests to it
        promoted = _services(_with_release(synthesized, "prod", images_tag="2.0.0", images_digests=CANDIDATE_DIGESTS))
        assert {name: body["template"] for name, body in promoted.items()} == {
            name: body["template"] for name, body in _services(document).items()}


def _props(**changes: Any) -> CloudRunServiceProps:
    props = CloudRunServiceProps(
        name="shop-api", location="us-central1", image="us-docker.pkg.dev/acme/images/api:1.4.2",
        service_account_email="api@acme.iam.gserviceaccount.com", env={"MODE": "live"},
        secret_env={"API_KEY": SecretEnv("api-key", "3")},
        vpc_egress=VpcEgress("projects/acme/global/networks/vpc", "projects/acme/regions/us-central1/subnetworks/run"),
    )
    return dataclasses.replace(props, **changes)


TEMPLATE_CHANGES = {
    "max instances": {"max_instances": 20},
    "min instances": {"min_instances": 2},
    "cpu": {"cpu": 2, "memory_mib": 1024},
    "memory": {"memory_mib": 1024},
    "environment": {"env": {"MODE": "maintenance"}},
    "secret version": {"secret_env": {"API_KEY": SecretEnv("api-key", "4")}},
    "concurrency": {"concurrency": 40},
    "image": {"image": "us-docker.pkg.dev/acme/images/api:1.4.3"},
}


@pytest.mark.parametrize("change", TEMPLATE_CHANGES.values(), ids=TEMPLATE_CHANGES.keys())
def test_a_template_change_at_the_same_tag_names_another_revision(change: dict[str, Any]) -> None:
    base = template_fingerprint(_props())
    assert template_fingerprint(_props()) == base  # the same configuration, the same name
    assert template_fingerprint(_props(**change)) != base
    assert revision_name("shop-api", "1.4.2", template_fingerprint(_props(**change))) != revision_name(
        "shop-api", "1.4.2", base)
    # What is not part of the template (traffic, ingress, deletion protection) leaves the name alone.
    assert template_fingerprint(_props(ingress="INGRESS_TRAFFIC_ALL", deletion_protection=False)) == base


def test_a_fingerprint_of_references_is_hashed_by_terraform() -> None:
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "fingerprint")
    version = cdktf.TerraformVariable(stack, "version", type="string")
    fingerprint = template_fingerprint(_props(secret_env={"API_KEY": SecretEnv("api-key", version.string_value)}))
    cdktf.TerraformOutput(stack, "fingerprint", value=fingerprint)
    resolved = json.loads(cdktf.Testing.synth(stack))["output"]["fingerprint"]["value"]
    assert resolved.startswith("${substr(sha256(join(") and "var.version" in resolved


def test_release_props_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match=r"ReleaseSpec.canary_percent: must be 1 to 99 \(0 is blue/green, 100 is rolling\), got 100"):
        ReleaseSpec("CANARY", candidate_tag="2.0.0", canary_percent=100)
    with pytest.raises(ValueError, match="ReleaseSpec.strategy: must be one of ROLLING, BLUE_GREEN, CANARY, got 'LINEAR'"):
        ReleaseSpec("LINEAR")
    with pytest.raises(ValueError, match="ReleaseSpec.test_cidrs: must hold public ranges: '10.0.0.0/8' a private range"):
        ReleaseSpec("BLUE_GREEN", test_cidrs=("10.0.0.0/8",))
    assert ReleaseSpec("BLUE_GREEN").candidate_percent == 0 and ReleaseSpec().candidate_percent == 100
    assert revision_name("shop-api", "1.4.2", "0123abcd") == "shop-api-v1-4-2-0123abcd"
    assert len(revision_name("shop-api", "1." + "9" * 80, "0123abcd")) == 63


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
