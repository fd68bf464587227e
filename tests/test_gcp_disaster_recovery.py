"""GCP disaster recovery as the committed config asks: standby Cloud Run services behind the same global load
balancer, a Cloud SQL replica and backups in the standby region, a dual-region data bucket, and secrets there."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from constructs_lib import PlatformIdentity
from constructs_lib.gcp.cloud_run_service import revision_name
from constructs_lib.gcp.patterns import ContainerImage, DatabaseSpec, DisasterRecoverySpec, HealthCheck, SecretEnv, ServiceSpec
from constructs_lib.gcp.patterns.foundation import DeliveryFoundationProps
from constructs_lib.github import GithubRepository
from constructs_lib.analysis.review import SynthesizedOutput, compare_outputs

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, STANDBY_ENVIRONMENTS, reference, resources, stack_id
from .test_gcp_platform import (
    ACCOUNT_IDS,
    DATA_BUCKET,
    SECRET_IDS,
    SERVICE_IDS,
    SQL_INSTANCE,
    STANDBY_SECRET_IDS,
    STANDBY_SERVICE_IDS,
    STANDBY_SQL_INSTANCE,
)
from .test_gcp_patterns import IMAGE, platform, synth_platform

with_standby = pytest.mark.parametrize("environment", STANDBY_ENVIRONMENTS)


def _prod(synthesized: Synthesized, environment: str) -> tuple[dict[str, Any], Any]:
    return synthesized.stack("gcp", environment), synthesized.configs[environment]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_standby_parts_exist_only_where_config_asks(synthesized: Synthesized, environment: str) -> None:
    stack, config = _prod(synthesized, environment)
    wanted = config.dr is not None
    standby_services = [key for key in resources(stack, "google_cloud_run_v2_service") if "_standby_" in key]
    assert len(standby_services) == (2 if wanted else 0)
    regions = {group["region"] for group in resources(stack, "google_compute_region_network_endpoint_group").values()}
    assert len(regions) == (2 if wanted else (1 if regions else 0))
    assert (STANDBY_SQL_INSTANCE in resources(stack, "google_sql_database_instance")) is (wanted and config.database.enabled)
    bucket = resources(stack, "google_storage_bucket")[DATA_BUCKET]
    assert ("custom_placement_config" in bucket, "rpo" in bucket) == (wanted, wanted)


@with_standby
def test_the_standby_services_run_the_same_release_in_the_standby_region(synthesized: Synthesized, environment: str) -> None:
    stack, config = _prod(synthesized, environment)
    services = resources(stack, "google_cloud_run_v2_service")
    for name, primary_id in SERVICE_IDS.items():
        primary, standby = services[primary_id], services[STANDBY_SERVICE_IDS[name]]
        assert (primary["location"], standby["location"]) == (config.gcp.region, config.dr.gcp_standby_region)
        assert standby["name"] == primary["name"]  # one name: the load balancer's NEGs find it in each region
        assert standby["template"]["service_account"] == primary["template"]["service_account"] == (
            f"{name}-{environment}@{synthesized.configs[environment].gcp.project_id}.iam.gserviceaccount.com")
        assert standby["template"]["scaling"] == {"min_instance_count": config.dr.standby_min_capacity,
                                                  "max_instance_count": config.dr.standby_max_capacity}
        assert standby["ingress"] == primary["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
        # The same release; the templates differ (capacity, secrets, subnet), so do the revisions' fingerprints.
        tag_prefix = revision_name(primary["name"], config.images.tag, "")
        assert standby["template"]["revision"].startswith(tag_prefix) and primary["template"]["revision"].startswith(tag_prefix)
        (standby_container,), (primary_container,) = standby["template"]["containers"], primary["template"]["containers"]
        assert standby_container["image"] == primary_container["image"]
        plain = lambda container: {item["name"]: item.get("value") for item in container.get("env", []) if "value" in item}  # noqa: E731
        # Same bucket (dual-region), same site URL; the internal API URL names the backend of the standby's own region.
        internal = {"API_INTERNAL_URL": f"{reference('google_cloud_run_v2_service', STANDBY_SERVICE_IDS['backend'], 'uri')}/api"}
        assert plain(standby_container) == {**plain(primary_container), **(internal if name == "frontend" else {})}


@with_standby
def test_each_backend_service_has_a_neg_per_region_and_fails_over_by_outlier_detection(
    synthesized: Synthesized, environment: str
) -> None:
    stack, config = _prod(synthesized, environment)
    groups = resources(stack, "google_compute_region_network_endpoint_group")
    for name, backend_service in ((key.split("_")[2], body) for key, body in resources(stack, "google_compute_backend_service").items()
                                  if key.startswith("load_balancer_")):
        own = sorted(groups[key]["region"] for key in groups if key.startswith(f"load_balancer_{name}_neg"))
        assert own == sorted([config.gcp.region, config.dr.gcp_standby_region])
        # Which of them serve before a failover: tests/test_gcp_edge.py. Either way outlier detection takes a
        # failing region out of the pool.
        assert len(backend_service["backend"]) == (1 if name == "backend" else 2)
        assert backend_service["outlier_detection"] == {
            "consecutive_gateway_failure": 3, "enforcing_consecutive_gateway_failure": 100, "consecutive_errors": 5,
            "enforcing_consecutive_errors": 100, "interval": {"seconds": 10}, "base_ejection_time": {"seconds": 30},
            "max_ejection_percent": 50}
        assert backend_service["security_policy"].startswith("${google_compute_security_policy.")


@with_standby
def test_a_replica_and_the_backups_are_outside_the_primary_region(synthesized: Synthesized, environment: str) -> None:
    stack, config = _prod(synthesized, environment)
    instances = resources(stack, "google_sql_database_instance")
    primary, replica = instances[SQL_INSTANCE], instances[STANDBY_SQL_INSTANCE]
    assert primary["settings"]["backup_configuration"]["location"] == config.dr.gcp_standby_region
    assert replica["master_instance_name"] == reference("google_sql_database_instance", SQL_INSTANCE, "name")
    assert (replica["region"], replica["database_version"]) == (config.dr.gcp_standby_region, primary["database_version"])
    assert replica["name"] == f"duckdb-analytics-{environment}-postgres-standby"
    settings = replica["settings"]
    assert settings["ip_configuration"] == primary["settings"]["ip_configuration"]  # private IP in the same VPC, TLS only
    assert (settings["tier"], settings["database_flags"]) == (primary["settings"]["tier"], primary["settings"]["database_flags"])
    assert replica["deletion_protection"] is settings["deletion_protection_enabled"] is True
    assert replica["lifecycle"]["prevent_destroy"] is True and "backup_configuration" not in settings
    # Cloud SQL refuses a maintenance window on a replica (a change on every plan otherwise), and the replica waits
    # for the primary's database and user (the primary refuses other operations while it creates a replica).
    assert "maintenance_window" not in settings and "maintenance_window" in primary["settings"]
    assert replica["depends_on"] == ["google_sql_database.database_7CF902CB", "google_sql_user.database_user_9EB13DDB"]


@with_standby
def test_the_standby_reads_its_credentials_in_its_region_and_reaches_the_database_through_its_subnet(
    synthesized: Synthesized, environment: str
) -> None:
    stack, config = _prod(synthesized, environment)
    secrets, versions = resources(stack, "google_secret_manager_secret"), resources(stack, "google_secret_manager_secret_version")
    for variable, secret_id in STANDBY_SECRET_IDS.items():
        assert secrets[secret_id]["replication"] == {"user_managed": {"replicas": [{"location": config.dr.gcp_standby_region}]}}
        (version,) = [body for body in versions.values() if body["secret"] == reference("google_secret_manager_secret", secret_id, "id")]
        (primary,) = [body for body in versions.values()
                      if body["secret"] == reference("google_secret_manager_secret", SECRET_IDS[variable], "id")]
        if variable == "database_ca":  # the primary's CA (its URL until a failover), and the replica's (after)
            assert version["secret_data"] == (
                f"${{join(\"\\n\", [google_sql_database_instance.{SQL_INSTANCE}.server_ca_cert[0].cert, "
                f"google_sql_database_instance.{STANDBY_SQL_INSTANCE}.server_ca_cert[0].cert])}}")
        else:  # the primary's URL and password until a failover (the password written only, never kept in state)
            data = "secret_data_wo" if variable == "PGPASSWORD" else "secret_data"
            assert version[data] == primary[data]
    standby = resources(stack, "google_cloud_run_v2_service")[STANDBY_SERVICE_IDS["backend"]]
    (container,) = standby["template"]["containers"]
    read = {item["name"]: item["value_source"]["secret_key_ref"]["secret"] for item in container["env"] if "value_source" in item}
    assert read == {"DATABASE_URL": reference("google_secret_manager_secret", STANDBY_SECRET_IDS["DATABASE_URL"], "secret_id")}
    (volume,) = standby["template"]["volumes"]
    assert volume["secret"]["secret"] == reference("google_secret_manager_secret", STANDBY_SECRET_IDS["database_ca"],
                                                   "secret_id")
    (subnet_id, subnet), = [(key, body) for key, body in resources(stack, "google_compute_subnetwork").items()
                            if body["region"] == config.dr.gcp_standby_region]
    assert subnet["ip_cidr_range"] == str(config.dr.gcp_standby_subnet_cidr)
    frontend = resources(stack, "google_cloud_run_v2_service")[STANDBY_SERVICE_IDS["frontend"]]
    for service in (standby, frontend):  # all their traffic through the standby region's subnet
        (interface,) = service["template"]["vpc_access"]["network_interfaces"]
        assert interface["subnetwork"] == reference("google_compute_subnetwork", subnet_id, "id")
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    grants = [body for name, body in resources(bootstrap, "google_project_iam_member").items()
              if name.startswith("grants_") and body["role"] == "roles/secretmanager.secretAccessor"
              and "-standby" in body["condition"]["expression"]]
    assert {grant["member"] for grant in grants} == {reference("google_service_account", ACCOUNT_IDS["backend"], "member")}
    assert len(grants) == 2  # the standby's DATABASE_URL and CA; its copy of the administrator's password: nobody


@with_standby
def test_the_dual_region_bucket_keeps_its_address_and_a_plan_would_never_replace_it_silently(
    synthesized: Synthesized, environment: str
) -> None:
    """Changing an existing bucket's location replaces it: the risk review flags it, prevent_destroy refuses it,
    and the runbook relocates the bucket first (gcloud storage buckets relocate), after which there is nothing to plan."""
    stack, config = _prod(synthesized, environment)
    bucket = resources(stack, "google_storage_bucket")[DATA_BUCKET]  # the same address as before [dr]
    assert bucket["location"] == "US" and bucket["rpo"] == "ASYNC_TURBO"
    assert bucket["custom_placement_config"] == {"data_locations": [config.gcp.region.upper(), config.dr.gcp_standby_region.upper()]}
    assert bucket["lifecycle"]["prevent_destroy"] is True and bucket["force_destroy"] is False
    regional = copy.deepcopy(stack)
    old = regional["resource"]["google_storage_bucket"][DATA_BUCKET]
    old["location"] = config.gcp.region
    del old["custom_placement_config"], old["rpo"]
    name = stack_id("gcp", environment)
    (review,) = compare_outputs(SynthesizedOutput("before", {name: regional}), SynthesizedOutput("after", {name: stack})).stacks
    (bucket_change,) = [change for change in review.changes if change.address == f"google_storage_bucket.{DATA_BUCKET}"]
    assert {risk.attribute for risk in bucket_change.risks} == {"location", "custom_placement_config.data_locations"}
    assert all("replacement" in risk.reason for risk in bucket_change.risks)


# --- the pattern alone ------------------------------------------------------------------------------------

API = ServiceSpec("api", IMAGE, routes=("/api/*",), health_check=HealthCheck("/api/health"), database_access=True)
WEB = ServiceSpec("web", IMAGE)
WORKER = ServiceSpec("worker", IMAGE, port=None)
STANDBY = DisasterRecoverySpec("europe-west4", standby_subnet_cidr="10.50.0.0/26", standby_min_instances=2)


def test_a_platform_without_a_database_gets_standby_services_and_a_dual_region_bucket_only() -> None:
    document = synth_platform(platform((WEB, WORKER), disaster_recovery=DisasterRecoverySpec("europe-west4", "10.50.0.0/26")))
    locations = sorted((body["name"], body["location"]) for body in resources(document, "google_cloud_run_v2_service").values())
    assert locations == [("acme-shop-prod-web", "europe-west1"), ("acme-shop-prod-web", "europe-west4"),
                         ("acme-shop-prod-worker", "europe-west1")]  # a worker serves no requests: no standby copy
    (bucket,) = [body for key, body in resources(document, "google_storage_bucket").items() if "_data_bucket_" in key]
    assert (bucket["location"], bucket["custom_placement_config"]["data_locations"]) == ("EU", ["EUROPE-WEST1", "EUROPE-WEST4"])
    assert resources(document, "google_sql_database_instance") == {}
    subnets = {body["region"]: body["ip_cidr_range"] for body in resources(document, "google_compute_subnetwork").values()}
    assert subnets == {"europe-west1": "10.20.0.0/24", "europe-west4": "10.50.0.0/26"}  # egress in both regions
    # The platform's own image repository is the multi-region: the standby region pulls without europe-west1.
    (registry,) = resources(document, "google_artifact_registry_repository").values()
    assert registry["location"] == "europe"
    images = {body["template"]["containers"][0]["image"] for body in resources(document, "google_cloud_run_v2_service").values()}
    assert {image.split("/", 1)[0] for image in images} == {"europe-docker.pkg.dev"}


def test_a_standby_copy_reads_its_own_secrets_through_the_grants_the_primary_copy_waits_for() -> None:
    web = ServiceSpec("web", IMAGE, secrets={"TOKEN": SecretEnv("api-token")})
    document = synth_platform(platform((web,), disaster_recovery=STANDBY))
    (grant_id,) = resources(document, "google_secret_manager_secret_iam_member")  # one grant, not one per region
    services = resources(document, "google_cloud_run_v2_service").values()
    assert sorted(body["location"] for body in services) == ["europe-west1", "europe-west4"]
    assert all(f"google_secret_manager_secret_iam_member.{grant_id}" in body["depends_on"] for body in services)


def test_with_a_database_the_standby_has_its_replica_subnet_and_secrets() -> None:
    document = synth_platform(platform((API, WEB), database=DatabaseSpec(), disaster_recovery=STANDBY))
    regions = {body["name"]: body["region"] for body in resources(document, "google_sql_database_instance").values()}
    assert regions == {"acme-shop-prod-postgres": "europe-west1", "acme-shop-prod-postgres-standby": "europe-west4"}
    subnets = {body["region"]: body["ip_cidr_range"] for body in resources(document, "google_compute_subnetwork").values()}
    assert subnets == {"europe-west1": "10.20.0.0/24", "europe-west4": "10.50.0.0/26"}
    secrets = sorted(body["secret_id"] for body in resources(document, "google_secret_manager_secret").values())
    assert secrets == ["acme-shop-prod-database-ca", "acme-shop-prod-database-ca-standby",
                       "acme-shop-prod-database-password", "acme-shop-prod-database-password-standby",
                       "acme-shop-prod-database-url", "acme-shop-prod-database-url-standby"]
    minimums = sorted(body["template"]["scaling"]["min_instance_count"]
                      for body in resources(document, "google_cloud_run_v2_service").values())
    assert minimums == [0, 0, 2, 2]  # the primary's services at their spec, the standby's at the spec's minimum
    assert json.dumps(document).count('"outlier_detection"') == 2


INVALID: list[tuple[str, Callable[[], object], str]] = [
    ("no load balancer", lambda: platform((WEB,), load_balancer=None, disaster_recovery=DisasterRecoverySpec("europe-west4")),
     'WebPlatformProps.load_balancer: must be given with disaster_recovery: the standby services are reached '
     'through it, got None'),
    ("same region", lambda: platform((WEB,), disaster_recovery=DisasterRecoverySpec("europe-west1")),
     "DisasterRecoverySpec.standby_region: must differ from the platform's region 'europe-west1', got 'europe-west1'"),
    ("other continent", lambda: platform((WEB,), disaster_recovery=DisasterRecoverySpec("us-east1")),
     "DisasterRecoverySpec.standby_region: must be on the continent of 'europe-west1' (US, EU or ASIA): the "
     "data bucket becomes a dual-region of both, got 'us-east1'"),
    ("no subnet", lambda: platform((WEB,), disaster_recovery=DisasterRecoverySpec("europe-west4")),
     'DisasterRecoverySpec.standby_subnet_cidr: must be given: the standby services send their traffic through '
     'a subnet in the standby region, got None'),
    ("subnet overlaps the primary's", lambda: platform((WEB,), disaster_recovery=DisasterRecoverySpec("europe-west4", "10.20.0.0/25")),
     'DisasterRecoverySpec.standby_subnet_cidr: must not overlap NetworkSpec.subnet_cidr 10.20.0.0/24, got '
     "IPv4Network('10.20.0.0/25')"),
    ("subnet overlaps", lambda: platform((API, WEB), database=DatabaseSpec(),
                                         disaster_recovery=DisasterRecoverySpec("europe-west4", "10.21.0.0/24")),
     'DisasterRecoverySpec.standby_subnet_cidr: must not overlap DatabaseSpec.private_services_cidr '
     "10.21.0.0/20, got IPv4Network('10.21.0.0/24')"),
    ("image in the primary region", lambda: platform(
        (ServiceSpec("web", ContainerImage.in_repository("europe-west1-docker.pkg.dev/acme-shop-prod/images", "1.0.0")),),
        disaster_recovery=DisasterRecoverySpec("europe-west4")),
     "ServiceSpec('web').image: must be in a multi-region repository (europe-docker.pkg.dev/...) with "
     'disaster_recovery: the standby region pulls it when the primary is lost, got europe-west1-docker.pkg.dev'),
    ("no instance", lambda: DisasterRecoverySpec("europe-west4", standby_min_instances=0),
     'DisasterRecoverySpec.standby_min_instances: must be a whole number from 1 to 1000 instances, got 0'),
    ("public subnet", lambda: DisasterRecoverySpec("europe-west4", "52.0.0.0/24"),
     'DisasterRecoverySpec.standby_subnet_cidr: must be a private IPv4 range of /26 or larger, got '
     "IPv4Network('52.0.0.0/24')"),
]


@pytest.mark.parametrize(("make", "message"), [(make, message) for _, make, message in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_invalid_disaster_recovery_props_name_the_prop(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)


@pytest.mark.parametrize(("location", "expected"), [(None, "europe-west1"), ("europe-west1", "europe-west1"),
                                                    ("europe", "europe"), ("us", None), ("europe-west4", None)])
def test_the_image_repository_is_in_the_region_or_its_multi_region(location: str | None, expected: str | None) -> None:
    def props() -> DeliveryFoundationProps:
        return DeliveryFoundationProps(
            identity=PlatformIdentity("acme-shop", "prod"), project="acme-shop-prod", project_number="123456789012",
            region="europe-west1", github=GithubRepository("acme", "infra", 1, 2), state_bucket="acme-shop-prod-tfstate",
            image_location=location)
    if expected is None:
        with pytest.raises(ValueError, match=r"DeliveryFoundationProps.image_location: must be None, the region "
                                             r"'europe-west1' or its Artifact Registry multi-region 'europe'"):
            props()
    else:
        assert props().repository_location == expected
