"""The GCP patterns on their own: secure defaults from minimal props, any number of services, the wiring
(ServiceUrl, data access, database credentials, secrets, a shared load balancer) and every validation error.

Each test synthesizes a small app in-process (``cdktf.Testing.synth``); the platform's own stacks are
covered by the snapshots and the other ``test_gcp_*`` modules.
"""

from __future__ import annotations

import ast
import json
import re
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import constructs_lib
from constructs_lib.gcp.load_balancer import ServerlessBackend, ServerlessLoadBalancer, ServerlessLoadBalancerProps
from constructs_lib.gcp.patterns import (
    DATA_BUCKET_NAME,
    DEFAULT_WAF_RULES,
    Alerting,
    CloudArmorSpec,
    ContainerImage,
    DataAccess,
    HealthCheck,
    DatabaseSpec,
    DataBucketSpec,
    InternalServiceUrl,
    LoadBalancerSpec,
    NetworkSpec,
    PlatformIdentity,
    PublicCloudRunService,
    PublicCloudRunServiceProps,
    SecretEnv,
    ServiceSpec,
    ServiceUrl,
    WebPlatform,
    WebPlatformProps,
)
from constructs_lib.gcp.provider import google_provider

import cdktf  # noqa: E402  (after constructs_lib, so the jsii runtime starts with lazy provider loading)
from cdktf import TerraformStack  # noqa: E402

from .helpers import PROJECT_ROOT, reference, resources

IDENTITY = PlatformIdentity("acme-shop", "prod")
PROJECT, REGION, DOMAIN = "acme-shop-prod", "europe-west1", "shop.example.com"
IMAGE = ContainerImage.platform_repository("1.0.0")
LB = LoadBalancerSpec((DOMAIN,))


def platform(services: tuple[ServiceSpec, ...], load_balancer: LoadBalancerSpec | None = LB, **props: Any) -> WebPlatformProps:
    return WebPlatformProps(identity=IDENTITY, project=PROJECT, region=REGION, services=services,
                            load_balancer=load_balancer, **props)


def synth(build: Callable[[TerraformStack], object]) -> dict[str, Any]:
    stack = TerraformStack(cdktf.Testing.app(), "consumer")
    google_provider(stack, project=PROJECT, region=REGION, labels=IDENTITY.gcp_labels())
    build(stack)
    return json.loads(cdktf.Testing.synth(stack))


def synth_platform(props: WebPlatformProps) -> dict[str, Any]:
    return synth(lambda stack: WebPlatform(stack, "shop", props))


def by_name(document: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Resources of a type by their ``name`` attribute, with the logical id under ``_id``."""
    return {body["name"]: {**body, "_id": key} for key, body in resources(document, resource_type).items()}


def run_services(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Cloud Run services by spec name (``acme-shop-prod-<name>``)."""
    return {name.removeprefix("acme-shop-prod-"): body for name, body in by_name(document, "google_cloud_run_v2_service").items()}


def env_of(service: dict[str, Any]) -> dict[str, Any]:
    (container,) = service["template"]["containers"]
    return {item["name"]: item.get("value", item.get("value_source")) for item in container.get("env", [])}


def apis(document: dict[str, Any]) -> set[str]:
    return {api["service"].removesuffix(".googleapis.com") for api in resources(document, "google_project_service").values()}


# --- WebPlatform ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def minimal() -> dict[str, Any]:
    return synth_platform(platform((ServiceSpec("api", IMAGE),)))


def test_minimal_platform_is_private_behind_cloud_armor_and_protected(minimal: dict[str, Any]) -> None:
    service = run_services(minimal)["api"]
    assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    assert service["invoker_iam_disabled"] is True  # ingress does the gating; the LB has no identity tokens
    assert service["deletion_protection"] is True
    account_id = next(iter(resources(minimal, "google_service_account")))
    assert service["template"]["service_account"] == reference("google_service_account", account_id, "email")
    (policy_id, policy), = resources(minimal, "google_compute_security_policy").items()
    assert [rule["match"]["expr"]["expression"] for rule in policy["rule"]
            if rule["action"] == "deny(403)" and "evaluatePreconfiguredWaf" in rule["match"]["expr"]["expression"]] == [
        rule.expression for rule in DEFAULT_WAF_RULES]
    # Only the domain is served; sizes the WAF rules cannot read are refused before them.
    (host,) = [rule for rule in policy["rule"] if rule["action"] == "deny(404)"]
    assert host["match"]["expr"]["expression"] == "!request.headers['host'].lower().matches('^(shop[.]example[.]com)(:443)?$')"
    assert [rule["priority"] for rule in policy["rule"] if rule["action"] == "deny(403)"][:5] == [200, 210, 220, 230, 240]
    (throttle,) = [rule for rule in policy["rule"] if rule["action"] == "throttle"]
    assert throttle["rate_limit_options"]["rate_limit_threshold"] == {"count": 2000, "interval_sec": 300}
    (backend,) = resources(minimal, "google_compute_backend_service").values()
    assert backend["security_policy"] == reference("google_compute_security_policy", policy_id, "id")
    (ssl_policy,) = resources(minimal, "google_compute_ssl_policy").values()
    assert (ssl_policy["profile"], ssl_policy["min_tls_version"]) == ("CUSTOM", "TLS_1_2")
    assert {rule["port_range"] for rule in resources(minimal, "google_compute_global_forwarding_rule").values()} == {"443", "80"}


def test_minimal_platform_buckets_registry_apis_and_retention(minimal: dict[str, Any]) -> None:
    buckets = by_name(minimal, "google_storage_bucket")
    assert set(buckets) == {"acme-shop-prod-prod-data", "acme-shop-prod-prod-access-logs"}
    for bucket in buckets.values():
        assert bucket["versioning"] == {"enabled": True} and bucket["force_destroy"] is False
        assert bucket["public_access_prevention"] == "enforced" and bucket["uniform_bucket_level_access"] is True
    access_logs = buckets["acme-shop-prod-prod-access-logs"]
    assert buckets["acme-shop-prod-prod-data"]["logging"]["log_bucket"] == reference(
        "google_storage_bucket", access_logs["_id"], "name")
    assert access_logs["lifecycle_rule"][0] == {"action": {"type": "Delete"}, "condition": {"age": 30}}
    (registry,) = resources(minimal, "google_artifact_registry_repository").values()
    assert registry["repository_id"] == "acme-shop-prod-images" and registry["docker_config"] == {"immutable_tags": True}
    assert apis(minimal) == {"iam", "run", "artifactregistry", "storage", "monitoring", "logging", "compute", "dns"}
    (retention,) = resources(minimal, "google_logging_project_bucket_config").values()
    assert (retention["bucket_id"], retention["retention_days"]) == ("_Default", 30)
    # nobody may touch the data until a service asks for it; nothing is granted to the public or the project
    grants = resources(minimal, "google_storage_bucket_iam_member").values()
    assert [grant["role"] for grant in grants] == ["roles/storage.objectCreator"]  # the usage-log writer only
    assert not [kind for kind in minimal["resource"] if kind.startswith("google_project_iam")]
    assert not resources(minimal, "google_sql_database_instance") and "random" not in minimal.get("provider", {})


#: The alert policies of services with an uptime check and no database (both tiers).
ALERT_POLICIES = ("error_rate", "latency", "latency_degraded", "cpu_utilization", "memory_utilization",
                  "max_instances", "uptime")


def tier_channels(document: dict[str, Any]) -> dict[str, str]:
    """The email of each tier's notification channel, by the last word of its display name (alerts, warnings)."""
    return {channel["display_name"].rsplit(" ", 1)[1]: channel["labels"]["email_address"]
            for channel in resources(document, "google_monitoring_notification_channel").values()}


def test_minimal_platform_alerts_without_an_email_and_checks_uptime_through_the_domain(minimal: dict[str, Any]) -> None:
    assert resources(minimal, "google_monitoring_notification_channel") == {}
    policies = resources(minimal, "google_monitoring_alert_policy").values()
    assert len(policies) == len(ALERT_POLICIES) and all("notification_channels" not in policy for policy in policies)
    (check,) = resources(minimal, "google_monitoring_uptime_check_config").values()
    assert check["monitored_resource"]["labels"]["host"] == DOMAIN and check["http_check"]["path"] == "/"
    assert len(resources(minimal, "google_monitoring_dashboard")) == 1


def test_without_a_load_balancer_only_the_invokers_reach_the_run_app_urls() -> None:
    document = synth_platform(platform(
        (ServiceSpec("api", IMAGE, health_check=HealthCheck("/healthz")),
         ServiceSpec("web", IMAGE, environment={"API": InternalServiceUrl("api", "/v1")})),
        load_balancer=None, invokers=("group:developers@example.com",), data_bucket=None,
        alerting=Alerting("ops@example.com")))
    services = run_services(document)
    # Not open to the internet without an edge: the run.invoker check stays on.
    assert {(body["ingress"], body["invoker_iam_disabled"]) for body in services.values()} == {("INGRESS_TRAFFIC_ALL", False)}
    accounts = {body["account_id"].removesuffix("-prod"): key for key, body in resources(document, "google_service_account").items()}
    invokers = sorted((grant["name"], grant["role"], grant["member"])
                      for grant in resources(document, "google_cloud_run_v2_service_iam_member").values())
    service_ids = {name: next(key for key, body in resources(document, "google_cloud_run_v2_service").items()
                              if body["name"] == f"acme-shop-prod-{name}") for name in ("api", "web")}
    name = {key: reference("google_cloud_run_v2_service", service_ids[key], "name") for key in service_ids}
    assert invokers == sorted([
        (name["api"], "roles/run.invoker", "group:developers@example.com"),
        (name["web"], "roles/run.invoker", "group:developers@example.com"),
        # the web service calls the API internally, with an identity token
        (name["api"], "roles/run.invoker", reference("google_service_account", accounts["web"], "member")),
    ])
    assert not resources(document, "google_compute_security_policy")
    assert apis(document) == {"iam", "run", "artifactregistry", "monitoring", "logging", "compute", "dns"}
    assert resources(document, "google_storage_bucket") == {}
    # Anonymous probes would get 403: no uptime check without a load balancer.
    assert resources(document, "google_monitoring_uptime_check_config") == {}
    assert tier_channels(document) == {"alerts": "ops@example.com", "warnings": "ops@example.com"}


def test_every_service_sends_all_its_traffic_through_the_vpc(minimal: dict[str, Any]) -> None:
    (service,) = run_services(minimal).values()
    (network_id,) = resources(minimal, "google_compute_network")
    (subnet_id,) = resources(minimal, "google_compute_subnetwork")
    assert service["template"]["vpc_access"] == {"egress": "ALL_TRAFFIC", "network_interfaces": [{
        "network": reference("google_compute_network", network_id, "id"),
        "subnetwork": reference("google_compute_subnetwork", subnet_id, "id")}]}
    firewall = {body["name"].removeprefix("acme-shop-prod-vpc-"): body for body in resources(minimal, "google_compute_firewall").values()}
    # Google APIs through private.googleapis.com, nothing else (no database, no service asks for the internet).
    assert sorted(firewall) == ["allow-google-apis-egress", "deny-all-egress", "deny-all-ingress"]
    assert (firewall["allow-google-apis-egress"]["destination_ranges"], firewall["allow-google-apis-egress"]["allow"]) == (
        ["199.36.153.8/30"], [{"protocol": "tcp", "ports": ["443"]}])
    zones = {body["dns_name"]: body for body in resources(minimal, "google_dns_managed_zone").values()}
    assert set(zones) == {"googleapis.com.", "run.app."}
    assert all(zone["visibility"] == "private" for zone in zones.values())
    records = {(body["name"], body["type"]): body["rrdatas"] for body in resources(minimal, "google_dns_record_set").values()}
    private = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"]
    assert records == {("private.googleapis.com.", "A"): private, ("*.googleapis.com.", "CNAME"): ["private.googleapis.com."],
                       ("*.run.app.", "A"): private}
    assert not resources(minimal, "google_compute_router_nat")


def test_a_service_that_declares_the_internet_gets_it_through_cloud_nat_alone() -> None:
    document = synth_platform(platform((ServiceSpec("api", IMAGE), ServiceSpec("hook", IMAGE, routes=("/hook",), health_check=HealthCheck("/hook"),
                                                                               internet_egress=True))))
    services = run_services(document)
    assert "tags" not in services["api"]["template"]["vpc_access"]["network_interfaces"][0]
    assert services["hook"]["template"]["vpc_access"]["network_interfaces"][0]["tags"] == ["internet-egress"]
    firewall = {body["name"].removeprefix("acme-shop-prod-vpc-"): body for body in resources(document, "google_compute_firewall").values()}
    rule = firewall["allow-tagged-internet-egress"]
    assert (rule["destination_ranges"], rule["target_tags"], rule["allow"]) == (
        ["0.0.0.0/0"], ["internet-egress"], [{"protocol": "tcp", "ports": ["443"]}])
    (nat,) = resources(document, "google_compute_router_nat").values()
    assert nat["source_subnetwork_ip_ranges_to_nat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"


SHOP = (
    ServiceSpec("api", IMAGE, port=8080, health_check=HealthCheck("/healthz"), routes=("/api", "/api/*"),
                environment={"BUCKET": DATA_BUCKET_NAME}, data_access=DataAccess.READ_WRITE, database_access=True),
    ServiceSpec("worker", ContainerImage.from_registry("ghcr.io/acme/worker:2.0.1"), port=None,
                command=("python", "-m", "shop.worker"), data_access=DataAccess.READ, database_access=True,
                secrets={"API_KEY": SecretEnv("worker-api-key", "3")}),
    ServiceSpec("web", IMAGE, port=3000, environment={"API_URL": ServiceUrl("api", "/api")}),
)


@pytest.fixture(scope="module")
def shop() -> dict[str, Any]:
    return synth_platform(platform(SHOP, database=DatabaseSpec(), network=NetworkSpec(subnet_cidr="10.50.0.0/24")))


def test_three_services_one_worker_each_with_its_own_account(shop: dict[str, Any]) -> None:
    services = run_services(shop)
    assert set(services) == {"api", "worker", "web"}
    accounts = resources(shop, "google_service_account")
    # ... and the database setup job its own (it alone reads the administrator's password).
    assert sorted(account["account_id"] for account in accounts.values()) == [
        "api-prod", "dbsetup-prod", "web-prod", "worker-prod"]
    worker = services["worker"]
    assert (worker["ingress"], worker["invoker_iam_disabled"]) == ("INGRESS_TRAFFIC_INTERNAL_ONLY", False)
    assert worker["template"]["containers"][0]["resources"]["cpu_idle"] is False  # CPU always allocated
    assert worker["template"]["containers"][0]["image"] == "ghcr.io/acme/worker:2.0.1"
    assert worker["template"]["containers"][0]["command"] == ["python", "-m", "shop.worker"]
    assert "command" not in services["api"]["template"]["containers"][0]  # the image's own
    assert services["api"]["template"]["containers"][0]["image"].endswith("/api:1.0.0")
    for name in ("api", "web"):
        assert services[name]["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
        assert services[name]["template"]["containers"][0]["resources"]["cpu_idle"] is True


def test_routes_of_the_exposed_services_and_their_health_paths(shop: dict[str, Any]) -> None:
    backends = by_name(shop, "google_compute_backend_service")
    assert set(backends) == {"acme-shop-prod-api", "acme-shop-prod-web"}  # the worker is not behind the LB
    url_map = next(body for body in resources(shop, "google_compute_url_map").values() if "host_rule" in body)
    (matcher,) = url_map["path_matcher"]
    assert matcher["default_service"] == reference("google_compute_backend_service", backends["acme-shop-prod-web"]["_id"], "id")
    assert matcher["path_rule"] == [{  # /healthz added, so that the uptime check through the domain reaches the api
        "paths": ["/api", "/api/*", "/healthz"],
        "service": reference("google_compute_backend_service", backends["acme-shop-prod-api"]["_id"], "id"),
    }]
    checks = {check["display_name"].split()[1]: check for check in resources(shop, "google_monitoring_uptime_check_config").values()}
    assert {name: check["http_check"]["path"] for name, check in checks.items()} == {"api": "/healthz", "web": "/"}
    error_rate = next(policy for key, policy in resources(shop, "google_monitoring_alert_policy").items() if "error_rate" in key)
    assert len(error_rate["conditions"]) == 3  # every service, the worker too


def test_environment_values_the_pattern_fills_in_behind_the_load_balancer(shop: dict[str, Any]) -> None:
    services = run_services(shop)
    assert env_of(services["web"])["API_URL"] == f"https://{DOMAIN}/api"
    data_bucket = by_name(shop, "google_storage_bucket")["acme-shop-prod-prod-data"]["_id"]
    assert env_of(services["api"])["BUCKET"] == reference("google_storage_bucket", data_bucket, "name")


def test_data_access_grants_exactly_what_each_service_asks_for(shop: dict[str, Any]) -> None:
    accounts = {body["account_id"].removesuffix("-prod"): key for key, body in resources(shop, "google_service_account").items()}
    data_bucket = by_name(shop, "google_storage_bucket")["acme-shop-prod-prod-data"]["_id"]
    grants = sorted((grant["role"], grant["member"]) for grant in resources(shop, "google_storage_bucket_iam_member").values()
                    if grant["bucket"] == reference("google_storage_bucket", data_bucket, "name"))
    assert grants == [
        ("roles/storage.objectCreator", reference("google_service_account", accounts["api"], "member")),
        ("roles/storage.objectViewer", reference("google_service_account", accounts["api"], "member")),
        ("roles/storage.objectViewer", reference("google_service_account", accounts["worker"], "member")),
    ]


def test_database_credentials_and_egress_reach_only_the_services_with_database_access(shop: dict[str, Any]) -> None:
    services = run_services(shop)
    accounts = {body["account_id"].removesuffix("-prod"): key for key, body in resources(shop, "google_service_account").items()}
    for name in ("api", "worker"):  # each its own IAM user; an access token is the password
        env = env_of(services[name])
        assert "secret_key_ref" in env["DATABASE_URL"] and "PGPASSWORD" not in env
        assert env["PGUSER"] == f"{name}-prod@acme-shop-prod.iam" and env["DATABASE_AUTH"] == "gcp-cloudsql-iam"
    assert {services[name]["template"]["vpc_access"]["egress"] for name in services} == {"ALL_TRAFFIC"}
    assert not {"DATABASE_URL", "PGPASSWORD", "PGUSER"} & set(env_of(services["web"]))
    readers = sorted((grant["secret_id"], grant["member"])
                     for grant in resources(shop, "google_secret_manager_secret_iam_member").values())
    secrets = {body["secret_id"]: key for key, body in resources(shop, "google_secret_manager_secret").items()}
    assert set(secrets) == {"acme-shop-prod-database-url", "acme-shop-prod-database-password", "acme-shop-prod-database-ca"}
    member = lambda name: reference("google_service_account", accounts[name], "member")  # noqa: E731
    expected = [(reference("google_secret_manager_secret", secrets[f"acme-shop-prod-database-{kind}"], "id"), member(name))
                for kind, names in (("url", ("api", "worker")), ("ca", ("api", "worker", "dbsetup")),
                                    ("password", ("dbsetup",))) for name in names]
    expected.append(("worker-api-key", member("worker")))
    assert readers == sorted(expected)
    # Login as an IAM user needs cloudsql.instances.login: a binding on the project, conditioned on the instance.
    logins = sorted((body["member"], body["role"], body["condition"]["expression"])
                    for body in resources(shop, "google_project_iam_member").values())
    assert logins == [(member(name), "roles/cloudsql.instanceUser",
                       'resource.name == "projects/acme-shop-prod/instances/acme-shop-prod-postgres"')
                      for name in ("api", "worker")]
    (instance,) = resources(shop, "google_sql_database_instance").values()
    assert instance["settings"]["availability_type"] == "REGIONAL"  # DatabaseSpec defaults to high availability
    assert instance["settings"]["ip_configuration"]["ipv4_enabled"] is False
    (subnet,) = resources(shop, "google_compute_subnetwork").values()
    assert subnet["ip_cidr_range"] == "10.50.0.0/24"
    assert "random" not in shop["provider"]  # the password is Terraform's uuid(), written only (password_wo)
    assert apis(shop) >= {"sqladmin", "servicenetworking", "secretmanager", "compute"}


def test_a_service_reads_its_own_secrets_once_access_is_granted(shop: dict[str, Any]) -> None:
    worker = run_services(shop)["worker"]
    assert env_of(worker)["API_KEY"] == {"secret_key_ref": {"secret": "worker-api-key", "version": "3"}}
    (grant_id,) = [key for key, grant in resources(shop, "google_secret_manager_secret_iam_member").items()
                   if grant["secret_id"] == "worker-api-key"]
    assert f"google_secret_manager_secret_iam_member.{grant_id}" in worker["depends_on"]


def test_without_a_load_balancer_a_service_url_is_the_run_app_uri_whatever_the_order() -> None:
    web, api = SHOP[2], ServiceSpec("api", IMAGE, routes=("/api/*",))  # routes do not matter without a load balancer
    document = synth_platform(platform((web, api), load_balancer=None))  # web first: it needs the api's URI
    api_id = next(key for key, body in resources(document, "google_cloud_run_v2_service").items() if body["name"].endswith("-api"))
    assert env_of(run_services(document)["web"])["API_URL"] == reference("google_cloud_run_v2_service", api_id, "uri") + "/api"


def test_platform_outputs_are_typed_properties() -> None:
    outputs: dict[str, Any] = {}

    def build(stack: TerraformStack) -> None:
        shop = WebPlatform(stack, "shop", platform((SHOP[0], WEB), database=DatabaseSpec()))
        outputs.update(url=shop.url, ip=shop.load_balancer_ip, bucket=shop.data_bucket_name, registry=shop.registry_url,
                       database=shop.database_instance_name, api=shop.service("api"), names=list(shop.services),
                       account=shop.service_account("api").email, secrets=sorted(shop.database_secrets))
        with pytest.raises(KeyError, match=r"WebPlatform has no service 'shop'; services: \['api', 'web'\]"):
            shop.service("shop")
        bare = WebPlatform(stack, "bare", WebPlatformProps(
            identity=PlatformIdentity("acme-bare", "dev"), project=PROJECT, region=REGION, load_balancer=None,
            data_bucket=None, services=(ServiceSpec("api", ContainerImage.from_registry("nginx:1.27")),)))
        outputs.update(bare=(bare.url, bare.load_balancer_ip, bare.data_bucket_name, bare.registry_url,
                             bare.database_instance_name, bare.network, bare.database_secrets))

    document = synth(build)
    assert outputs["url"] == f"https://{DOMAIN}" and outputs["database"] == "acme-shop-prod-postgres"
    assert outputs["names"] == ["api", "web"] and outputs["secrets"] == ["DATABASE_URL", "PGPASSWORD", "database_ca"]
    resolved = {key: cdktf.Token.is_unresolved(outputs[key]) for key in ("ip", "bucket", "registry", "account")}
    assert resolved == {"ip": True, "bucket": True, "registry": True, "account": True}
    assert outputs["api"].name.startswith("${") and outputs["bare"][:5] + outputs["bare"][6:] == (None,) * 5 + ({},)
    assert cdktf.Token.is_unresolved(outputs["bare"][5].network_id)  # every platform has its VPC
    assert len(resources(document, "google_cloud_run_v2_service")) == 3


# --- PublicCloudRunService -------------------------------------------------------------------------

def test_public_service_with_its_own_load_balancer_has_the_secure_defaults() -> None:
    document = synth(lambda stack: PublicCloudRunService(stack, "orders", PublicCloudRunServiceProps(
        identity=IDENTITY, project=PROJECT, region=REGION,
        service=ServiceSpec("orders", IMAGE, health_check=HealthCheck("/healthz")), load_balancer=LoadBalancerSpec(("orders.example.com",)),
    )))
    (service,) = run_services(document).values()
    assert (service["name"], service["ingress"]) == ("acme-shop-prod-orders", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER")
    assert service["deletion_protection"] is True
    (policy_id, _), = resources(document, "google_compute_security_policy").items()
    (backend,) = resources(document, "google_compute_backend_service").values()
    assert backend["security_policy"] == reference("google_compute_security_policy", policy_id, "id")
    (url_map,) = [body for body in resources(document, "google_compute_url_map").values() if "host_rule" in body]
    assert url_map["path_matcher"][0]["path_rule"] == []  # the one service receives every request
    (check,) = resources(document, "google_monitoring_uptime_check_config").values()
    assert (check["monitored_resource"]["labels"]["host"], check["http_check"]["path"]) == ("orders.example.com", "/healthz")
    assert len(resources(document, "google_monitoring_alert_policy")) == len(ALERT_POLICIES)
    assert len(resources(document, "google_logging_project_bucket_config")) == 1
    (registry,) = resources(document, "google_artifact_registry_repository").values()
    assert registry["repository_id"] == "acme-shop-prod-orders"
    assert apis(document) == {"iam", "run", "artifactregistry", "monitoring", "logging", "compute"}


def test_public_service_on_a_shared_load_balancer_is_routed_and_protected_by_it() -> None:
    found: dict[str, Any] = {}

    def build(stack: TerraformStack) -> None:
        shop = WebPlatform(stack, "shop", platform((SHOP[2], ServiceSpec("api", IMAGE, routes=("/api", "/api/*"), health_check=HealthCheck("/api/up")))))
        assert shop.load_balancer is not None
        orders = PublicCloudRunService(stack, "orders", PublicCloudRunServiceProps(
            identity=IDENTITY, project=PROJECT, region=REGION, load_balancer=shop.load_balancer,
            service=ServiceSpec("orders", ContainerImage.from_registry("ghcr.io/acme/orders:1.4.2"), health_check=HealthCheck("/orders/health"),
                                routes=("/orders", "/orders/*")),
            log_retention_days=None, enable_apis=False,
        ))
        found.update(policy=shop.security_policy_id, url=orders.url, own=orders.security_policy_id)

    document = synth(build)
    backends = by_name(document, "google_compute_backend_service")
    assert set(backends) == {"acme-shop-prod-web", "acme-shop-prod-api", "acme-shop-prod-orders"}
    assert len({backend["security_policy"] for backend in backends.values()}) == 1
    url_map = next(body for body in resources(document, "google_compute_url_map").values() if "host_rule" in body)
    assert url_map["path_matcher"][0]["path_rule"][-1]["paths"] == ["/orders", "/orders/*"]  # covers its health path
    assert (found["url"], found["own"]) == (f"https://{DOMAIN}", None)
    assert len(resources(document, "google_compute_security_policy")) == 1
    assert len(resources(document, "google_logging_project_bucket_config")) == 1  # the platform's only
    orders = run_services(document)["orders"]
    assert "depends_on" not in orders  # no APIs of its own to wait for


# --- the example ------------------------------------------------------------------------------------

def test_the_example_builds_three_services_from_the_patterns_alone(tmp_path: Path) -> None:
    path = PROJECT_ROOT / "examples" / "platform_gcp.py"
    source = path.read_text(encoding="utf-8")
    imported = {node.module.split(".")[0] if isinstance(node, ast.ImportFrom) and node.module else alias.name.split(".")[0]
                for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported == {"__future__", "sys", "constructs_lib", cdktf.__name__}  # cdktn once moved
    assert sum(1 for line in source.splitlines() if line.strip()) < 60
    constructs_lib.synth(runpy.run_path(str(path))["build"](str(tmp_path)))
    document = json.loads((tmp_path / "stacks" / "acme-shop-gcp" / "cdk.tf.json").read_text(encoding="utf-8"))
    services = run_services(document)
    assert {name: service["ingress"] for name, service in services.items()} == {
        "api": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "worker": "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "web": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"}
    assert set(by_name(document, "google_compute_backend_service")) == {"acme-shop-prod-api", "acme-shop-prod-web"}
    assert env_of(services["web"])["API_URL"] == "https://shop.example.com/api"
    assert len(resources(document, "google_sql_database_instance")) == 1
    assert set(document["output"]) == {"url", "load_balancer_ip", "registry_url"}


def test_the_documented_public_service_is_fifteen_lines_or_fewer(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "docs" / "patterns-gcp.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match is not None and "app = constructs_lib.app()\n" in match.group(1)
    code = [line for line in match.group(1).splitlines() if line.strip()]
    assert len(code) - next(index for index, line in enumerate(code) if line.startswith("app =")) <= 15
    # As printed but for the output directory: the jsii runtime (Node) resolves ./cdktf.out against
    # its own working directory, which a chdir in this process does not move.
    snippet = match.group(1).replace("app = constructs_lib.app()",
                                     f"app = constructs_lib.app({str(tmp_path / 'cdktf.out')!r})")
    exec(compile(snippet, "patterns-gcp.md", "exec"), {})
    document = json.loads((tmp_path / "cdktf.out" / "stacks" / "orders" / "cdk.tf.json").read_text(encoding="utf-8"))
    (service,) = resources(document, "google_cloud_run_v2_service").values()
    assert (service["name"], service["ingress"]) == ("acme-prod-orders", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER")
    assert len(resources(document, "google_compute_security_policy")) == 1
    assert tier_channels(document) == {"alerts": "ops@example.com", "warnings": "ops@example.com"}


# --- validation ------------------------------------------------------------------------------------

def _shared_load_balancer() -> ServerlessLoadBalancer:
    stack = TerraformStack(cdktf.Testing.app(), "shared")
    return ServerlessLoadBalancer(stack, "edge", ServerlessLoadBalancerProps(
        name="acme-shop-prod", region=REGION, domains=(DOMAIN,),
        backends=(ServerlessBackend("web", "web"), ServerlessBackend("api", "api", ("/api", "/api/*", "/api/health")))))


def _public(service: ServiceSpec, load_balancer: LoadBalancerSpec | ServerlessLoadBalancer = LB) -> PublicCloudRunServiceProps:
    return PublicCloudRunServiceProps(identity=IDENTITY, project=PROJECT, region=REGION, service=service,
                                      load_balancer=load_balancer)


WORKER = ServiceSpec("worker", IMAGE, port=None)
WEB = ServiceSpec("web", IMAGE)

INVALID: list[tuple[str, Callable[[], object], str]] = [
    ("cpu", lambda: ServiceSpec("api", IMAGE, cpu=0.5), "ServiceSpec('api').cpu: must be 1, 2, 4 or 8 vCPU, got 0.5"),
    ("memory", lambda: ServiceSpec("api", IMAGE, cpu=2, memory_mib=512),
     "ServiceSpec('api').memory_mib: must fit cpu 2: Cloud Run accepts 1024 to 8192 MiB with 2 vCPU, got 512"),
    ("name", lambda: ServiceSpec("Api", IMAGE), "ServiceSpec('Api').name: must be 1 to 20 lowercase letters or "
                                                "digits, starting with a letter, got 'Api'"),
    ("routes on a worker", lambda: ServiceSpec("worker", IMAGE, port=None, routes=("/jobs/*",)),
     "ServiceSpec('worker').routes: must be empty for a worker (port=None: nothing routes to it), got ('/jobs/*',)"),
    ("bad route", lambda: ServiceSpec("api", IMAGE, routes=("api/*",)), "ServiceSpec('api').routes: must be "
                                                                        "URL paths starting with '/', with '*' "
                                                                        "only at the end, got ('api/*',)"),
    ("reserved variable", lambda: ServiceSpec("api", IMAGE, environment={"PORT": "1"}),
     "ServiceSpec('api').environment: must not set K_CONFIGURATION, K_REVISION, K_SERVICE, PORT (Cloud Run "
     "sets them), got {'PORT': '1'}"),
    ("latest", lambda: ContainerImage.platform_repository("latest"), 'ContainerImage.platform_repository.tag: '
                                                                   'must be a container image tag (letters, '
                                                                   "digits, '_', '.', '-', at most 128) other "
                                                                   "than 'latest', got 'latest'"),
    ("untagged image", lambda: ContainerImage.from_registry("nginx"),
     "ContainerImage.from_registry.reference: must name a tag other than latest, or a digest, got 'nginx'"),
    ("duplicate names", lambda: platform((WEB, ServiceSpec("web", IMAGE, routes=("/x",)))),
     "WebPlatformProps.services: must have distinct names, got ['web', 'web']"),
    ("two defaults", lambda: platform((WEB, ServiceSpec("api", IMAGE))),
     "WebPlatformProps.services: must have exactly one service with a port and no routes (the load balancer's "
     "default), got ['web', 'api']"),
    ("no default", lambda: platform((WORKER,)), 'WebPlatformProps.services: must have exactly one service with '
                                                "a port and no routes (the load balancer's default), got []"),
    ("route twice", lambda: platform((WEB, ServiceSpec("api", IMAGE, routes=("/x",)), ServiceSpec("b", IMAGE, routes=("/x",)))),
     "ServiceSpec('b').routes: must not claim '/x': it is routed to 'api' already, got ('/x',)"),
    ("health path of the site's root", lambda: platform((WEB, ServiceSpec("api", IMAGE, routes=("/api/*",), health_check=HealthCheck("/")))),
     "ServiceSpec('api').health_check.path: must reach 'api' through the load balancer (it reaches 'web'): a "
     "path under its routes ['/api/*'], got '/'"),
    ("health path of the default", lambda: platform((ServiceSpec("web", IMAGE, health_check=HealthCheck("/healthz")),
                                                     ServiceSpec("api", IMAGE, routes=("/api/*",), health_check=HealthCheck("/healthz")))),
     "ServiceSpec('api').health_check.path: must reach 'api' through the load balancer (it reaches 'web'): a "
     "path under its routes ['/api/*'], got '/healthz'"),
    ("health path under another's route", lambda: platform((WEB, ServiceSpec("api", IMAGE, routes=("/api/*",), health_check=HealthCheck("/api/up")),
                                                            ServiceSpec("v1", IMAGE, routes=("/v1/*",), health_check=HealthCheck("/api/v1")))),
     "ServiceSpec('v1').health_check.path: must reach 'v1' through the load balancer (it reaches 'api'): a "
     "path under its routes ['/v1/*'], got '/api/v1'"),
    ("unknown service url", lambda: platform((ServiceSpec("web", IMAGE, environment={"API": ServiceUrl("api")}),)),
     "ServiceSpec('web').environment: must name services of the platform (['web']), got "
     "API=ServiceUrl(service='api', path='')"),
    ("url of a worker", lambda: platform((ServiceSpec("web", IMAGE, environment={"W": ServiceUrl("worker")}), WORKER)),
     "ServiceSpec('web').environment: must name a service with a port: 'worker' is a worker, got "
     "W=ServiceUrl(service='worker', path='')"),
    ("url path of another", lambda: platform((ServiceSpec("web", IMAGE, environment={"API": ServiceUrl("api", "/v1")}),
                                             ServiceSpec("api", IMAGE, routes=("/api", "/api/*"), health_check=HealthCheck("/api/health")))),
     "ServiceSpec('web').environment: must give paths the load balancer sends to 'api' (this reaches 'web'), "
     "got API=ServiceUrl(service='api', path='/v1')"),
    ("cycle without a load balancer", lambda: platform(
        (ServiceSpec("a", IMAGE, environment={"B": ServiceUrl("b")}), ServiceSpec("b", IMAGE, environment={"A": ServiceUrl("a")})),
        load_balancer=None), "WebPlatformProps.services: must not need each other's run.app URL in a cycle (a "
                             "run.app URL exists only once its service does), got ['a', 'b']"),
    ("database access without a database", lambda: platform((ServiceSpec("web", IMAGE, database_access=True),)),
     "ServiceSpec('web').database_access: must be False without a database (WebPlatformProps.database is "
     'None), got True'),
    ("data access without a bucket", lambda: platform((ServiceSpec("web", IMAGE, data_access=DataAccess.READ),), data_bucket=None),
     "ServiceSpec('web').data_access: must be DataAccess.NONE without a data bucket "
     "(WebPlatformProps.data_bucket is None), got <DataAccess.READ: 'read'>"),
    ("bucket name without a bucket", lambda: platform((ServiceSpec("web", IMAGE, environment={"B": DATA_BUCKET_NAME}),),
                                                      data_bucket=None),
     "ServiceSpec('web').environment: must not use DATA_BUCKET_NAME without WebPlatformProps.data_bucket, got B"),
    ("cloud run name too long", lambda: WebPlatformProps(
        identity=PlatformIdentity("acme-long-name-shop1", "production"), project=PROJECT, region=REGION,
        services=(ServiceSpec("abcdefghijklmnopqrst", IMAGE),), load_balancer=None),
     "WebPlatformProps.services: must give Cloud Run names of at most 49 characters (shorten the service's "
     "name or the identity), got 'acme-long-name-shop1-production-abcdefghijklmnopqrst'"),
    ("log retention", lambda: platform((WEB,), log_retention_days=0), 'WebPlatformProps.log_retention_days: '
                                                                      'must be a whole number from 1 to 3650 '
                                                                      'days, got 0'),
    ("project", lambda: WebPlatformProps(identity=IDENTITY, project="Acme", region=REGION, services=(WEB,), load_balancer=None),
     'WebPlatformProps.project: must be a Google Cloud project ID (6 to 30 lowercase letters, digits or '
     "hyphens, starting with a letter), got 'Acme'"),
    ("services as a list of names", lambda: platform(("web",)), 'WebPlatformProps.services: must be a tuple of '
                                                                "ServiceSpec, got ('web',)"),
    ("cidr text", lambda: NetworkSpec(subnet_cidr="10.20.0.1/24"),
     "NetworkSpec.subnet_cidr: must be an IPv4 block such as '10.20.0.0/24' (host bits zero), got '10.20.0.1/24'"),
    ("cidr overlap", lambda: platform((WEB,), database=DatabaseSpec(), network=NetworkSpec("10.21.0.0/24")),
     'DatabaseSpec.private_services_cidr: must not overlap NetworkSpec.subnet_cidr 10.21.0.0/24, got '
     "IPv4Network('10.21.0.0/20')"),
    ("invokers behind a load balancer", lambda: platform((WEB,), invokers=("group:developers@example.com",)),
     'WebPlatformProps.invokers: must be empty with a load balancer (the load balancer is the only way in), '
     "got ('group:developers@example.com',)"),
    ("invoker for everyone", lambda: platform((WEB,), load_balancer=None, invokers=("allUsers",)),
     'WebPlatformProps.invokers: must be IAM members such as group:developers@example.com or '
     "user:ann@example.com, got ('allUsers',)"),
    ("tier", lambda: DatabaseSpec(tier="n1-standard-1"), 'DatabaseSpec.tier: must be a Cloud SQL tier such as '
                                                         "db-custom-2-7680, got 'n1-standard-1'"),
    ("disk limit", lambda: DatabaseSpec(disk_size_gb=50, disk_autoresize_limit_gb=40),
     'DatabaseSpec.disk_autoresize_limit_gb: must be 0 (no limit) or at least disk_size_gb (50), got 40'),
    ("domain", lambda: LoadBalancerSpec(("Shop.Example.com",)), 'LoadBalancerSpec.domains: must be 1 to 100 '
                                                                'lowercase DNS names such as app.example.com, '
                                                                "got ('Shop.Example.com',)"),
    ("tls", lambda: LoadBalancerSpec((DOMAIN,), min_tls_version="TLS_1_0"),
     "LoadBalancerSpec.min_tls_version: must be TLS_1_2 or TLS_1_3, got 'TLS_1_0'"),
    ("armor window", lambda: CloudArmorSpec(rate_limit_window_seconds=7), 'CloudArmorSpec.rate_limit_window_sec'
                                                                          'onds: must be one of 10, 30, 60, '
                                                                          '120, 180, 240, 300, 600, 900, 1200, '
                                                                          '1800, 2700, 3600 seconds, got 7'),
    ("bucket name", lambda: DataBucketSpec(name="Data"), "DataBucketSpec('Data').name: must be 3 to 63 "
                                                         "lowercase letters, digits, '-' or '_' (not starting "
                                                         "with 'goog'), got 'Data'"),
    ("public worker", lambda: _public(WORKER), "ServiceSpec('worker').port: must be given for a public service "
                                               '(None is a worker), got None'),
    ("public database", lambda: _public(ServiceSpec("orders", IMAGE, database_access=True)),
     "ServiceSpec('orders').database_access: must be False: a PublicCloudRunService has no database (use "
     'WebPlatform), got True'),
    ("public url of another", lambda: _public(ServiceSpec("orders", IMAGE, environment={"A": ServiceUrl("api")})),
     "ServiceSpec('orders').environment: must hold text or the service's own ServiceUrl in a "
     "PublicCloudRunService, got A=ServiceUrl(service='api', path='')"),
    ("shared without routes", lambda: _public(ServiceSpec("orders", IMAGE), _shared_load_balancer()),
     "ServiceSpec('orders').routes: must name the paths a shared load balancer sends to it (it has its default "
     'service already), got ()'),
    ("shared name taken", lambda: _public(ServiceSpec("api", IMAGE, routes=("/v2/*",)), _shared_load_balancer()),
     "PublicCloudRunServiceProps.service: must have a name the shared load balancer does not use yet (['api', "
     "'web']), got 'api'"),
    ("shared route taken", lambda: _public(ServiceSpec("orders", IMAGE, routes=("/api/*",)), _shared_load_balancer()),
     "ServiceSpec('orders').routes: must not claim '/api/*': it is routed to 'api' already, got ('/api/*',)"),
    ("shared health path", lambda: _public(ServiceSpec("orders", IMAGE, routes=("/orders/*",), health_check=HealthCheck("/api/health")),
                                           _shared_load_balancer()),
     "ServiceSpec('orders').health_check.path: must reach 'orders' through the load balancer (it reaches "
     "'api'): a path under its routes ['/orders/*'], got '/api/health'"),
]


@pytest.mark.parametrize(("make", "message"), [(make, message) for _, make, message in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_invalid_specs_are_rejected_naming_what_the_user_passed(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make()
