"""GCP stacks: the Cloud Run services, their identities, images and secrets, and the database behind them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stacks.app_services import BACKEND, FRONTEND, SERVICES, AppService

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, reference, resources, stack_id
from .test_gcp_platform import (
    ACCOUNT_IDS,
    DATA_BUCKET,
    SECRET_IDS,
    SECRET_VERSION_IDS,
    SERVICE_IDS,
    SQL_INSTANCE,
    gcp,
    has_load_balancer,
    resource,
    strings,
)

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)
by_service = pytest.mark.parametrize("service", SERVICES, ids=[service.name for service in SERVICES])


def service_of(stack: dict[str, Any], service: AppService) -> dict[str, Any]:
    return resource(stack, "google_cloud_run_v2_service", SERVICE_IDS[service.name])


def container_of(stack: dict[str, Any], service: AppService) -> dict[str, Any]:
    (container,) = service_of(stack, service)["template"]["containers"]
    return container


def env_of(stack: dict[str, Any], service: AppService) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("value_source")) for item in container_of(stack, service)["env"]}


@by_service
def test_instances_scale_within_the_environment_bounds(synthesized: Synthesized, environment: str, service: AppService) -> None:
    config, stack = gcp(synthesized, environment)
    assert service_of(stack, service)["location"] == config.gcp.region
    # With office hours (dev) the minimum is 0: Cloud Run then runs nothing while idle (test_gcp_cost.py).
    minimum = 0 if config.scaling.working_hours is not None else config.scaling.min_capacity
    assert service_of(stack, service)["template"]["scaling"] == {
        "min_instance_count": minimum,
        "max_instance_count": config.scaling.max_capacity,
    }


@by_service
def test_size_concurrency_and_timeout_come_from_config(synthesized: Synthesized, environment: str, service: AppService) -> None:
    config, stack = gcp(synthesized, environment)
    settings = service.settings(config)
    template = service_of(stack, service)["template"]
    assert template["max_instance_request_concurrency"] == settings.concurrency
    assert template["timeout"] == f"{settings.request_timeout_seconds}s"
    resources_ = container_of(stack, service)["resources"]
    assert resources_["limits"] == {"cpu": str(settings.cloud_run_cpu), "memory": f"{settings.cloud_run_memory}Mi"}


@by_service
def test_startup_and_liveness_probes_call_the_health_path(synthesized: Synthesized, environment: str, service: AppService) -> None:
    _, stack = gcp(synthesized, environment)
    container = container_of(stack, service)
    assert container["ports"] == {"container_port": service.port, "name": "http1"}
    for probe in ("startup_probe", "liveness_probe"):
        assert container[probe]["http_get"] == {"path": service.health_path, "port": service.port}
        assert container[probe]["timeout_seconds"] <= container[probe]["period_seconds"]
    assert container["startup_probe"]["period_seconds"] * container["startup_probe"]["failure_threshold"] == 120


@by_service
def test_image_comes_from_the_environment_registry_at_the_configured_tag(
    synthesized: Synthesized, environment: str, service: AppService
) -> None:
    config, stack = gcp(synthesized, environment)
    # The repository of the environment's bootstrap stack (tests/test_gcp_bootstrap.py), named, not referenced:
    # in the region, or with [dr] in its multi-region (us), from which the standby region pulls too.
    location = {"us-central1": "us"}[config.gcp.region] if config.dr is not None else config.gcp.region
    image = (f"{location}-docker.pkg.dev/{config.gcp.project_id}/duckdb-analytics-{environment}-images/"
             f"{service.name}@{config.images.digests[service.name]}")  # by digest: a moved tag changes nothing
    assert container_of(stack, service)["image"] == image
    standby = [body for name, body in resources(stack, "google_cloud_run_v2_service").items() if "standby" in name
               and body["name"] == service_of(stack, service)["name"]]
    assert [body["template"]["containers"][0]["image"] for body in standby] == ([image] if config.dr else [])


@by_service
def test_ingress_and_invocation_follow_the_load_balancer(synthesized: Synthesized, environment: str, service: AppService) -> None:
    config, stack = gcp(synthesized, environment)
    run = service_of(stack, service)
    expected = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" if has_load_balancer(config) else "INGRESS_TRAFFIC_ALL"
    assert run["ingress"] == expected
    assert run["invoker_iam_disabled"] is True  # with internal-LB ingress, only the LB reaches it
    assert run["deletion_protection"] is config.protection.deletion_protection
    assert run["traffic"] == [{"percent": 100, "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"}]


@by_service
def test_each_service_runs_as_its_own_account(synthesized: Synthesized, environment: str, service: AppService) -> None:
    """The bootstrap creates the accounts (the deploy account may create no identity); the platform names them."""
    config, stack = gcp(synthesized, environment)
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    account = resource(bootstrap, "google_service_account", ACCOUNT_IDS[service.name])
    assert account["account_id"] == f"{service.name}-{environment}"
    assert service_of(stack, service)["template"]["service_account"] == (
        f"{service.name}-{environment}@{config.gcp.project_id}.iam.gserviceaccount.com")


def test_no_invoker_grants(synthesized: Synthesized, environment: str) -> None:
    """Ingress and invoker_iam_disabled decide who reaches a service; IAM invoker grants would be inert."""
    _, stack = gcp(synthesized, environment)
    assert resources(stack, "google_cloud_run_v2_service_iam_member") == {}
    assert resources(stack, "google_cloud_run_v2_service_iam_binding") == {}


def test_plain_environment_variables(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    backend, frontend = env_of(stack, BACKEND), env_of(stack, FRONTEND)
    assert backend["ENVIRONMENT"] == frontend["ENVIRONMENT"] == environment
    assert backend["GCS_BUCKET"] == reference("google_storage_bucket", DATA_BUCKET, "name")
    assert backend["GOOGLE_CLOUD_PROJECT"] == config.gcp.project_id
    if has_load_balancer(config):
        assert frontend["NEXT_PUBLIC_API_URL"] == f"https://{config.gcp.domain}/api"
    else:
        assert frontend["NEXT_PUBLIC_API_URL"] == reference("google_cloud_run_v2_service", SERVICE_IDS["backend"], "uri") + "/api"


def test_database_credentials_reach_the_backend_only_from_secret_manager(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    backend, frontend = env_of(stack, BACKEND), env_of(stack, FRONTEND)
    names = {"DATABASE_URL", "PGPASSWORD", "PGUSER", "DATABASE_AUTH", "PGSSLROOTCERT"}
    assert not names & set(frontend)
    if not config.database.enabled:
        assert not names & set(backend)
        return
    assert "PGPASSWORD" not in backend  # the administrator's password is the setup job's alone
    assert backend["DATABASE_URL"] == {"secret_key_ref": {
        "secret": reference("google_secret_manager_secret", SECRET_IDS["DATABASE_URL"], "secret_id"),
        "version": reference("google_secret_manager_secret_version", SECRET_VERSION_IDS["DATABASE_URL"], "version")}}
    # Its own IAM user, an access token as the password, the server verified with the instance's CA (a file).
    assert (backend["PGUSER"], backend["DATABASE_AUTH"], backend["PGSSLROOTCERT"]) == (
        f"backend-{environment}@{config.gcp.project_id}.iam", "gcp-cloudsql-iam", "/etc/cloudsql/server-ca.pem")
    template = service_of(stack, BACKEND)["template"]
    (volume,) = template["volumes"]
    assert volume["secret"] == {"secret": reference("google_secret_manager_secret", SECRET_IDS["database_ca"], "secret_id"),
                                "default_mode": 292, "items": [{"path": "server-ca.pem", "version": reference(
                                    "google_secret_manager_secret_version", SECRET_VERSION_IDS["database_ca"], "version")}]}
    assert template["containers"][0]["volume_mounts"] == [{"name": volume["name"], "mount_path": "/etc/cloudsql"}]
    # the backend starts only once the values, its access to them and its IAM user exist
    depends_on = set(service_of(stack, BACKEND)["depends_on"])
    for name in ("DATABASE_URL", "database_ca"):
        assert f"google_secret_manager_secret_version.{SECRET_VERSION_IDS[name]}" in depends_on
    assert "google_sql_user.database_backend_iam_user_FD48F4AF" in depends_on


def test_secret_values_follow_the_credentials_contract(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    versions = resources(stack, "google_secret_manager_secret_version")
    if not config.database.enabled:
        assert versions == {} and resources(stack, "google_sql_user") == {}
        return
    ip = reference("google_sql_database_instance", SQL_INSTANCE, "private_ip_address")
    # No user (PGUSER names each service's), no password; the server's CA verified.
    assert versions[SECRET_VERSION_IDS["DATABASE_URL"]]["secret_data"] == (
        f"postgresql://{ip}:5432/duckdb_analytics?sslmode=verify-ca&sslrootcert=/etc/cloudsql/server-ca.pem"
    )
    assert versions[SECRET_VERSION_IDS["database_ca"]]["secret_data"] == (
        f"${{google_sql_database_instance.{SQL_INSTANCE}.server_ca_cert[0].cert}}")
    (password,) = [f"${{local.{name}}}" for name, value in stack["locals"].items() if value == "${uuid()}"]
    assert (versions[SECRET_VERSION_IDS["PGPASSWORD"]]["secret_data_wo"],
            versions[SECRET_VERSION_IDS["PGPASSWORD"]]["secret_data_wo_version"]) == (password, 1)
    users = resources(stack, "google_sql_user")
    assert sorted((user["name"], user["type"]) for user in users.values()) == [
        ("backend", "BUILT_IN"),
        (f"backend-{environment}@{config.gcp.project_id}.iam", "CLOUD_IAM_SERVICE_ACCOUNT")]  # the administrator (cloudsqlsuperuser): the setup job's login only
    user = users["database_user_9EB13DDB"]
    assert (user["password_wo"], user["password_wo_version"]) == (password, 1)


def test_secrets_are_regional_protected_and_readable_by_the_backend_only(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    secrets = resources(stack, "google_secret_manager_secret")
    assert resources(stack, "google_secret_manager_secret_iam_member") == {}  # the bootstrap grants (conditioned)
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    grants = {name: body for name, body in resources(bootstrap, "google_project_iam_member").items()
              if body["role"] == "roles/secretmanager.secretAccessor" and name.startswith("grants_")}
    if not config.database.enabled:
        assert secrets == grants == {}
        return
    # With [dr] the standby services read copies kept in the standby region (test_gcp_disaster_recovery.py).
    standby = {secret_id: secret for secret_id, secret in secrets.items() if secret["secret_id"].endswith("-standby")}
    secrets = {secret_id: secret for secret_id, secret in secrets.items() if secret_id not in standby}
    assert bool(standby) is (config.dr is not None)
    assert {secret["secret_id"] for secret in secrets.values()} == {
        f"duckdb-analytics-{environment}-database-url", f"duckdb-analytics-{environment}-database-password",
        f"duckdb-analytics-{environment}-database-ca"}
    for secret in secrets.values():
        assert secret["replication"] == {"user_managed": {"replicas": [{"location": config.gcp.region}]}}
        assert secret["deletion_protection"] is config.protection.deletion_protection
    def condition(secret_id: str) -> str:
        name = f"projects/{config.gcp.project_number}/secrets/{secret_id}"
        return f'resource.name == "{name}" || resource.name.startsWith("{name}/")'

    backend, setup = (f"${{google_service_account.{name}.member}}" for name in (
        ACCOUNT_IDS["backend"], "dbsetup_account_E438ED56"))
    # The backend never reads the administrator's password; the setup job reads it and the CA, nothing else.
    assert sorted((grant["condition"]["expression"], grant["member"]) for grant in grants.values()) == sorted(
        [(condition(secret["secret_id"]), backend) for secret in (*secrets.values(), *standby.values())
         if not secret["secret_id"].endswith(("-database-password", "-database-password-standby"))]
        + [(condition(f"duckdb-analytics-{environment}-{name}"), setup) for name in ("database-password", "database-ca")])


def test_no_credential_is_written_as_a_literal(synthesized: Synthesized, environment: str) -> None:
    _, stack = gcp(synthesized, environment)
    texts = strings(stack)
    assert not [text for text in texts if re.search(r"postgres(ql)?://[^@/\s]*:[^@/\s]*@", text)]  # user:password@
    for version in resources(stack, "google_secret_manager_secret_version").values():
        assert version.get("secret_data", version.get("secret_data_wo")).startswith(("${", "postgresql://${"))
    # the generated password goes to the database user and its secrets, nowhere else
    generated = [f"${{local.{name}}}" for name, value in stack.get("locals", {}).items() if value == "${uuid()}"]
    users_of_password = sorted(
        f"{kind}.{key}"
        for kind, found in stack["resource"].items()
        for key, item in found.items()
        if any(local in text for text in strings(item) for local in generated)
    )
    expected = ["google_secret_manager_secret_version." + SECRET_VERSION_IDS["PGPASSWORD"],
                "google_sql_user.database_user_9EB13DDB"]
    expected += [f"google_secret_manager_secret_version.{key}" for key in resources(stack, "google_secret_manager_secret_version")
                 if key.startswith("database_password_standby_")]  # [dr]: the standby's copy
    assert users_of_password == (sorted(expected) if generated else [])
    assert not [text for text in strings(stack.get("output", {})) if any(local in text for local in generated)]


def test_database_is_private_encrypted_backed_up_and_sized_from_config(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    if not config.database.enabled:
        assert resources(stack, "google_sql_database_instance") == {}
        return
    database = config.database
    instance = resource(stack, "google_sql_database_instance", SQL_INSTANCE)
    settings = instance["settings"]
    assert instance["database_version"] == f"POSTGRES_{database.postgres_major_version}"
    assert instance["region"] == config.gcp.region
    assert settings["tier"] == database.cloud_sql_tier
    assert settings["edition"] == "ENTERPRISE"
    assert settings["availability_type"] == ("REGIONAL" if database.high_availability else "ZONAL")
    assert settings["disk_size"] == database.allocated_storage_gb
    assert settings["disk_autoresize"] is True
    assert settings["disk_autoresize_limit"] == database.max_allocated_storage_gb
    # Grown disks must not be planned back to the configured size (that would replace the instance).
    assert instance["lifecycle"]["ignore_changes"] == ["settings[0].disk_size"]
    assert instance["lifecycle"].get("prevent_destroy", False) is config.production  # test_data_protection.py
    network = next(iter(resources(stack, "google_compute_network")))
    assert settings["ip_configuration"]["ipv4_enabled"] is False
    assert settings["ip_configuration"]["private_network"] == reference("google_compute_network", network, "id")
    assert settings["ip_configuration"]["ssl_mode"] == "ENCRYPTED_ONLY"
    assert "authorized_networks" not in settings["ip_configuration"]
    assert settings["backup_configuration"] == {
        "enabled": True,
        **({"location": config.dr.gcp_standby_region} if config.dr is not None else {}),  # backups outside the region
        "start_time": "03:00",
        "point_in_time_recovery_enabled": True,
        "transaction_log_retention_days": min(7, database.backup_retention_days),
        "backup_retention_settings": {"retained_backups": database.backup_retention_days, "retention_unit": "COUNT"},
    }
    assert settings["insights_config"]["query_insights_enabled"] is True
    assert instance["deletion_protection"] is config.protection.deletion_protection
    assert settings["deletion_protection_enabled"] is config.protection.deletion_protection
    assert settings["retain_backups_on_delete"] is True
    connection = next(iter(resources(stack, "google_service_networking_connection")))
    assert f"google_service_networking_connection.{connection}" in instance["depends_on"]


def test_network_ranges_come_from_config_and_only_the_database_port_is_open(
    synthesized: Synthesized, environment: str
) -> None:
    config, stack = gcp(synthesized, environment)
    run = service_of(stack, BACKEND)["template"]
    (network_id, network), = resources(stack, "google_compute_network").items()
    (subnet_id, subnet), = [(key, body) for key, body in resources(stack, "google_compute_subnetwork").items()
                            if not key.startswith("network_standby_subnet")]
    assert network["auto_create_subnetworks"] is False
    assert subnet["ip_cidr_range"] == str(config.gcp.subnet_cidr)
    assert subnet["region"] == config.gcp.region
    assert subnet["private_ip_google_access"] is True
    rules = {rule["name"].removeprefix(f"duckdb-analytics-{environment}-vpc-"): rule
             for rule in resources(stack, "google_compute_firewall").values()}
    # Egress is an allow-list: Google APIs (private.googleapis.com), the database; no internet (no service asks).
    allowed = {"allow-google-apis-egress"} | ({"allow-private-services-egress"} if config.database.enabled else set())
    assert set(rules) == allowed | {"deny-all-egress", "deny-all-ingress"}
    assert rules["allow-google-apis-egress"]["destination_ranges"] == ["199.36.153.8/30"]
    assert rules["deny-all-egress"]["deny"] == rules["deny-all-ingress"]["deny"] == [{"protocol": "all"}]
    assert resources(stack, "google_compute_router_nat") == {}
    if config.database.enabled:
        (reserved,) = [address for address in resources(stack, "google_compute_global_address").values()
                       if address.get("purpose") == "VPC_PEERING"]
        cidr = config.gcp.private_services_cidr
        assert (reserved["address"], reserved["prefix_length"]) == (str(cidr.network_address), cidr.prefixlen)
        assert rules["allow-private-services-egress"]["allow"] == [{"protocol": "tcp", "ports": ["5432"]}]
        assert rules["allow-private-services-egress"]["destination_ranges"] == [str(cidr)]
        # Only the database's clients (the backend, the setup job) may reach it: the frontend has no path.
        assert rules["allow-private-services-egress"]["target_tags"] == ["database-client"]
        (job,) = resources(stack, "google_cloud_run_v2_job").values()
        assert job["template"]["template"]["vpc_access"]["network_interfaces"][0]["tags"] == ["database-client"]
    for service in (BACKEND, FRONTEND):  # all traffic through the VPC, where the firewall decides
        tags = ["database-client"] if service is BACKEND and config.database.enabled else None
        assert service_of(stack, service)["template"]["vpc_access"] == {
            "egress": "ALL_TRAFFIC",
            "network_interfaces": [{
                "network": reference("google_compute_network", network_id, "id"),
                "subnetwork": reference("google_compute_subnetwork", subnet_id, "id"),
                **({"tags": tags} if tags else {}),
            }],
        }
    assert run["vpc_access"]["egress"] == service_of(stack, FRONTEND)["template"]["vpc_access"]["egress"]
