"""GCP stacks: what the configuration drives, per environment, and the hardening that never varies.

This module holds the platform-wide tests (provider, APIs, buckets, pinned addresses, outputs) and the
lookups the other ``test_gcp_*`` modules share.
"""

from __future__ import annotations

from typing import Any

import pytest

from config import EnvironmentConfig

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, reference, resources, stack_id

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)

DATA_BUCKET = "data_bucket_51E298BF"
ACCESS_LOG_BUCKET = "access_logs_bucket_6F4F867B"
SERVICE_IDS = {"backend": "run_backend_service_EDBB2E9D", "frontend": "run_frontend_service_7672BE90"}
ACCOUNT_IDS = {"backend": "backend_account_529B1D2F", "frontend": "frontend_account_D9884882"}
REGISTRY = "registry_repository_BAFE171E"
SQL_INSTANCE = "database_instance_D7FC2283"
SECRET_IDS = {"DATABASE_URL": "database_url_secret_39AE2C31", "PGPASSWORD": "database_password_secret_A0B7D4A0",
              "database_ca": "database_ca_secret_2290C9C0"}
SECRET_VERSION_IDS = {"DATABASE_URL": "database_url_version_338FC579", "PGPASSWORD": "database_password_version_1EDAEE69",
                      "database_ca": "database_ca_version_6A3352B6"}
#: With [dr]: the Cloud SQL replica in the standby region and the secrets its services read there.
STANDBY_SQL_INSTANCE = "database_standby_replica_A225AC3B"
STANDBY_SECRET_IDS = {"DATABASE_URL": "database_url_standby_secret_945A5B39",
                      "PGPASSWORD": "database_password_standby_secret_5571E353",
                      "database_ca": "database_ca_standby_secret_56D76ABF"}
STANDBY_SERVICE_IDS = {"backend": "run_backend_standby_service_4946EAD0", "frontend": "run_frontend_standby_service_B932A011"}
SECURITY_POLICY = "cloud_armor_policy_332897D1"
LB_ADDRESS = "load_balancer_address_BE893F01"


def gcp(synthesized: Synthesized, environment: str) -> tuple[EnvironmentConfig, dict[str, Any]]:
    """The environment's configuration and its synthesized GCP stack."""
    return synthesized.configs[environment], synthesized.stack("gcp", environment)


def resource(stack: dict[str, Any], resource_type: str, logical_id: str) -> dict[str, Any]:
    """One resource by type and logical id; fails with the ids that exist when it is missing."""
    found = resources(stack, resource_type)
    assert logical_id in found, f"{resource_type}.{logical_id} not in {sorted(found)}"
    return found[logical_id]


def strings(value: Any) -> list[str]:
    """Every string anywhere inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def has_load_balancer(config: EnvironmentConfig) -> bool:
    return not config.gcp.without_load_balancer


def test_provider_project_region_and_labels(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    (provider,) = stack["provider"]["google"]
    assert provider == {
        "project": config.gcp.project_id,
        "region": config.gcp.region,
        "default_labels": {"project": "duckdb-analytics", "environment": environment, "managed-by": "cdktf"},
    }


def test_no_password_or_secret_value_is_kept_in_state(synthesized: Synthesized, environment: str) -> None:
    """The administrator's password is generated during the apply (uuid()) and written only: the user's
    ``password_wo`` and its secrets' ``secret_data_wo``, the same local value; no random provider, no ``password``."""
    config, stack = gcp(synthesized, environment)
    assert "random" not in stack["terraform"]["required_providers"] and resources(stack, "random_password") == {}
    users = [body for body in resources(stack, "google_sql_user").values() if body.get("type") == "BUILT_IN"]
    assert not [body for body in resources(stack, "google_sql_user").values() if "password" in body]
    versions = resources(stack, "google_secret_manager_secret_version")
    passwords = [body for name, body in versions.items() if name.startswith("database_password")]
    if not config.database.enabled:
        assert users == passwords == []
        return
    (local,) = [f"${{local.{name}}}" for name, value in stack["locals"].items() if value == "${uuid()}"]
    assert [(user["password_wo"], user["password_wo_version"]) for user in users] == [(local, 1)]
    assert passwords and all((body["secret_data_wo"], body["secret_data_wo_version"]) == (local, 1) and
                             "secret_data" not in body for body in passwords)


def test_apis_enabled_are_those_the_environment_uses_and_never_disabled(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    services = {api["service"]: api for api in resources(stack, "google_project_service").values()}
    # Artifact Registry is the bootstrap stack's (tests/test_gcp_bootstrap.py).
    # compute and dns: every environment's services send their traffic through its VPC (private Google API zones).
    expected = {"iam", "run", "storage", "monitoring", "logging", "compute", "dns"}
    if config.database.enabled:
        expected |= {"sqladmin", "servicenetworking", "secretmanager"}
    assert set(services) == {f"{name}.googleapis.com" for name in expected}
    for api in services.values():
        assert api["project"] == config.gcp.project_id
        assert api["disable_on_destroy"] is False
    # The bootstrap enables them too, ahead of the platform's first apply (an API takes time to propagate).
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    assert set(services) <= {api["service"] for api in resources(bootstrap, "google_project_service").values()}


def test_data_bucket_is_versioned_private_and_uniform(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    bucket = resource(stack, "google_storage_bucket", DATA_BUCKET)
    assert bucket["name"] == f"{config.gcp.project_id}-{environment}-data"
    if config.dr is None:
        assert bucket["location"] == config.gcp.region and "custom_placement_config" not in bucket
    else:  # a dual-region of the primary and the standby region (test_gcp_disaster_recovery.py)
        assert bucket["custom_placement_config"]["data_locations"] == [
            config.gcp.region.upper(), config.dr.gcp_standby_region.upper()]
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["force_destroy"] is False
    assert bucket["soft_delete_policy"] == {"retention_duration_seconds": 7 * 86400}


def test_data_bucket_lifecycle_follows_the_environment(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    days = config.storage.noncurrent_version_expiration_days
    bucket = resource(stack, "google_storage_bucket", DATA_BUCKET)
    assert bucket["lifecycle_rule"] == [
        {"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": days, "with_state": "ARCHIVED"}},
        {"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 7}},
    ]


def test_data_bucket_logs_usage_to_the_access_log_bucket(synthesized: Synthesized, environment: str) -> None:
    _, stack = gcp(synthesized, environment)
    bucket = resource(stack, "google_storage_bucket", DATA_BUCKET)
    assert bucket["logging"] == {
        "log_bucket": reference("google_storage_bucket", ACCESS_LOG_BUCKET, "name"),
        "log_object_prefix": bucket["name"],
    }


def test_access_log_bucket_is_hardened_and_expires_logs_after_the_log_retention(
    synthesized: Synthesized, environment: str
) -> None:
    config, stack = gcp(synthesized, environment)
    days = config.logging.retention_days
    bucket = resource(stack, "google_storage_bucket", ACCESS_LOG_BUCKET)
    assert bucket["name"] == f"{config.gcp.project_id}-{environment}-access-logs"
    assert bucket["location"] == config.gcp.region
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    # Usage logs are disposable where deletion protection is off (dev): its destroy leaves no bucket behind.
    assert bucket["force_destroy"] is (not config.protection.deletion_protection)
    assert "logging" not in bucket  # a log bucket does not log to itself
    assert bucket["lifecycle_rule"] == [
        {"action": {"type": "Delete"}, "condition": {"age": days}},
        {"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": days, "with_state": "ARCHIVED"}},
        {"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 1}},
    ]


def test_bucket_grants_are_exactly_the_backend_on_data_and_the_log_writer_on_logs(
    synthesized: Synthesized, environment: str
) -> None:
    """Granted by the bootstrap on the project, conditioned on the bucket (the deploy account changes no IAM policy)."""
    config, stack = gcp(synthesized, environment)
    assert not [kind for kind in stack["resource"] if kind.startswith("google_storage_bucket_iam")]
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    grants = sorted((body["condition"]["expression"], body["role"], body["member"])
                    for name, body in resources(bootstrap, "google_project_iam_member").items()
                    if name.startswith("grants_") and body["role"].startswith("roles/storage."))
    bucket = (lambda name: f'resource.name == "projects/_/buckets/{name}" || '
                           f'resource.name.startsWith("projects/_/buckets/{name}/")')
    prefix = f"{config.gcp.project_id}-{environment}"
    assert grants == sorted([
        (bucket(f"{prefix}-access-logs"), "roles/storage.objectCreator", "group:cloud-storage-analytics@google.com"),
        # Read and create, never storage.objects.delete: the backend cannot purge the version history.
        (bucket(f"{prefix}-data"), "roles/storage.objectCreator",
         reference("google_service_account", ACCOUNT_IDS["backend"], "member")),
        (bucket(f"{prefix}-data"), "roles/storage.objectViewer",
         reference("google_service_account", ACCOUNT_IDS["backend"], "member")),
    ])


def test_nothing_is_granted_to_the_public_or_on_the_whole_project(synthesized: Synthesized, environment: str) -> None:
    _, stack = gcp(synthesized, environment)
    iam = {kind: found for kind, found in stack["resource"].items() if "_iam_" in kind}
    members = [text for found in iam.values() for text in strings(found)]
    assert not [member for member in members if member in ("allUsers", "allAuthenticatedUsers")]
    assert not [kind for kind in iam if kind.startswith("google_project_iam")]
    assert iam == {}  # the deploy account changes no IAM policy: every grant is the bootstrap's


def test_stateful_resources_keep_their_terraform_addresses(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    assert sorted(resources(stack, "google_storage_bucket")) == [ACCESS_LOG_BUCKET, DATA_BUCKET]
    # The image repository moved to the bootstrap stack under the same address (tests/test_gcp_bootstrap.py).
    assert resources(stack, "google_artifact_registry_repository") == {}
    assert list(resources(stack, "google_logging_project_bucket_config")) == ["log_retention_bucket_6A02F61F"]
    database = config.database.enabled
    standby = database and config.dr is not None  # [dr]: the replica and the standby's secrets
    assert list(resources(stack, "google_sql_database_instance")) == (
        ([SQL_INSTANCE] if database else []) + ([STANDBY_SQL_INSTANCE] if standby else []))
    assert list(resources(stack, "google_sql_database")) == (["database_7CF902CB"] if database else [])
    assert resources(stack, "random_password") == {}  # the password is written only (no generator to keep)
    assert sorted(resources(stack, "google_secret_manager_secret")) == sorted(
        ([*SECRET_IDS.values()] if database else []) + ([*STANDBY_SECRET_IDS.values()] if standby else []))
    # The services' accounts moved to the bootstrap stack under the same addresses (removed blocks here).
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    assert resources(stack, "google_service_account") == {}
    assert set(ACCOUNT_IDS.values()) <= set(resources(bootstrap, "google_service_account"))


def test_outputs_name_urls_registry_and_buckets(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    outputs = {name: output["value"] for name, output in stack["output"].items()}
    expected = {
        "data_bucket_name": reference("google_storage_bucket", DATA_BUCKET, "name"),
        "access_log_bucket_name": reference("google_storage_bucket", ACCESS_LOG_BUCKET, "name"),
        "backend_url": reference("google_cloud_run_v2_service", SERVICE_IDS["backend"], "uri"),
        "frontend_url": reference("google_cloud_run_v2_service", SERVICE_IDS["frontend"], "uri"),
    }
    if has_load_balancer(config):
        expected["load_balancer_ip"] = reference("google_compute_global_address", LB_ADDRESS, "address")
        expected["load_balancer_url"] = f"https://{config.gcp.domain}"
    if config.dr is not None and config.database.enabled:
        expected["standby_database_instance"] = reference("google_sql_database_instance", STANDBY_SQL_INSTANCE, "name")
    if config.database.enabled:  # what `python -m delivery database-setup` executes after each apply
        expected["database_setup"] = (
            f'${{jsonencode({{"cloud" = "gcp", "project" = "{config.gcp.project_id}", "region" = "{config.gcp.region}", '
            '"job" = google_cloud_run_v2_job.database_setup_job_83BEF0E6.name})}')
    assert outputs == expected


def test_no_resource_is_left_without_a_reason_to_exist_in_dev(synthesized: Synthesized, environment: str) -> None:
    """Without a load balancer or database nothing of either is created (no secrets, no private service access)."""
    config, stack = gcp(synthesized, environment)
    database_parts = [kind for kind in stack["resource"]
                      if kind.startswith(("google_sql_", "google_secret_manager_", "google_service_networking_"))]
    assert bool(database_parts) is config.database.enabled
    assert bool(resources(stack, "google_compute_security_policy")) is has_load_balancer(config)


@pytest.mark.slow  # synthesizes the GCP platform again, granting for itself
def test_a_platform_granting_for_itself_grants_exactly_platform_grants(synthesized: Synthesized, environment: str) -> None:
    """Without ``deployed_by`` the platform makes the resource-level grants itself: the same (holder, role, resource)
    as ``platform_grants``, which the bootstrap gives a platform with ``deployed_by``."""
    import json
    from dataclasses import replace

    from constructs_lib.gcp.patterns import WebPlatform  # before cdktf: the provider bindings load lazily
    from constructs_lib.gcp.patterns.web_platform import platform_grants
    from stacks.gcp_platform_stack import platform_props

    import cdktf

    config = synthesized.configs[environment]
    props = replace(platform_props(config), deployed_by=None)
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "self-granting")
    WebPlatform(stack, "Default", props)
    document = json.loads(cdktf.Testing.synth(stack))
    names = {f"${{{kind}.{name}.{attribute}}}": body[field]
             for kind, attribute, field in (("google_secret_manager_secret", "id", "secret_id"),
                                            ("google_storage_bucket", "name", "name"))
             for name, body in resources(document, kind).items()}
    accounts = {f"${{google_service_account.{name}.member}}": body["account_id"].removesuffix(f"-{environment}")
                for name, body in resources(document, "google_service_account").items()}
    made = sorted((accounts.get(body["member"], body["member"]), body["role"],
                   names[body.get("secret_id") or body["bucket"]])
                  for kind in ("google_secret_manager_secret_iam_member", "google_storage_bucket_iam_member")
                  for body in resources(document, kind).values())
    # A Cloud SQL instance has no IAM policy: its logins are project bindings conditioned on its name.
    made = sorted(made + [(accounts[body["member"]], body["role"], body["condition"]["expression"].split("/instances/")[1][:-1])
                          for body in resources(document, "google_project_iam_member").values()])
    assert made == sorted((grant.holder, grant.role, grant.name) for grant in platform_grants(props))
