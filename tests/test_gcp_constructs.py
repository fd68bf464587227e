"""The GCP constructs on their own: props are validated at construction, and the defaults are the secure choice."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from constructs_lib.gcp.access_log_bucket import GcsAccessLogBucketProps
from constructs_lib.gcp.apis import ProjectServicesProps
from constructs_lib.gcp.artifact_registry import DockerRepository, DockerRepositoryProps
from constructs_lib.gcp.cloud_armor import CloudArmorPolicyProps, WafRule
from constructs_lib.gcp.cloud_run_service import CloudRunService, CloudRunServiceProps, SecretEnv
from constructs_lib.gcp.cloud_sql import PostgresDatabase, PostgresDatabaseProps
from constructs_lib.gcp.data_bucket import GcsDataBucket, GcsDataBucketProps
from constructs_lib.gcp.load_balancer import ServerlessBackend, ServerlessLoadBalancer, ServerlessLoadBalancerProps
from constructs_lib.gcp.log_retention import LogRetentionProps
from constructs_lib.gcp.monitoring import ServiceMonitoringProps, UptimeTarget
from constructs_lib.gcp.network import PrivateNetworkProps
from constructs_lib.gcp.provider import google_provider
from constructs_lib.gcp.secrets import SecretProps
from constructs_lib.gcp.service_account import ServiceAccountProps

import cdktf  # noqa: E402  (after constructs_lib, so the jsii runtime starts with lazy provider loading)
from cdktf import TerraformStack  # noqa: E402

RUN = {"name": "api", "location": "europe-west1", "image": "europe-docker.pkg.dev/p/r/api:1", "service_account_email": "a@p.iam.gserviceaccount.com"}
LB = {"name": "shop", "region": "europe-west1", "domains": ("shop.example.com",)}

INVALID: list[tuple[str, Callable[[], object], str]] = [
    ("bucket name", lambda: GcsDataBucketProps(name="Bad_Name", location="eu"), "GcsDataBucketProps('Bad_Name')"
                                                                                '.name: must be 3 to 63 '
                                                                                'lowercase letters, digits, '
                                                                                "'-' or '_' (not starting with "
                                                                                "'goog'), got 'Bad_Name'"),
    ("bucket logs to itself", lambda: GcsDataBucketProps(name="lake", location="eu", access_log_bucket="lake"),
     "GcsDataBucketProps('lake').access_log_bucket: must name another bucket: a bucket cannot log to itself, "
     "got 'lake'"),
    ("log retention", lambda: GcsAccessLogBucketProps(name="logs", location="eu", retention_days=0),
     "GcsAccessLogBucketProps('logs').retention_days: must be a whole number from 1 to 3650 days, got 0"),
    ("api name", lambda: ProjectServicesProps(project="p", services=("run",)), 'ProjectServicesProps.services: '
                                                                               'must be API names such as '
                                                                               'run.googleapis.com, got '
                                                                               "('run',)"),
    ("account id", lambda: ServiceAccountProps(account_id="api", display_name="API"), 'ServiceAccountProps.acco'
                                                                                      'unt_id: must be 6 to 30 '
                                                                                      'lowercase letters, '
                                                                                      'digits or hyphens, '
                                                                                      'starting with a letter, '
                                                                                      "got 'api'"),
    ("registry id", lambda: DockerRepositoryProps(repository_id="Images", location="europe-west1"),
     'DockerRepositoryProps.repository_id: must be 1 to 63 lowercase letters, digits or hyphens, start with a '
     "letter and not end with a hyphen, got 'Images'"),
    ("cloud run size", lambda: CloudRunServiceProps(**RUN, cpu=2, memory_mib=512),
     "CloudRunServiceProps('api').memory_mib: must fit cpu 2: Cloud Run accepts 1024 to 8192 MiB with 2 vCPU, got 512"),
    ("cloud run cpu", lambda: CloudRunServiceProps(**RUN, cpu=0.5),
     "CloudRunServiceProps('api').cpu: must be one of 1, 2, 4, 8 vCPU, got 0.5"),
    ("port as text", lambda: CloudRunServiceProps(**RUN, port="8080"), "CloudRunServiceProps('api').port: must "
                                                                       'be a whole number from 1 to 65535, got '
                                                                       "'8080'"),
    ("min above max", lambda: CloudRunServiceProps(**RUN, min_instances=5, max_instances=2),
     "CloudRunServiceProps('api').min_instances: must be 0 to max_instances (2), got 5"),
    ("reserved env", lambda: CloudRunServiceProps(**RUN, env={"PORT": "8080"}), "CloudRunServiceProps('api').en"
                                                                                'v: must not set '
                                                                                'K_CONFIGURATION, K_REVISION, '
                                                                                'K_SERVICE, PORT (Cloud Run '
                                                                                "sets them), got {'PORT': "
                                                                                "'8080'}"),
    ("env twice", lambda: CloudRunServiceProps(**RUN, env={"A": "1"}, secret_env={"A": SecretEnv("s")}),
     "CloudRunServiceProps('api').secret_env: must not repeat a name of env, got {'A': SecretEnv(secret='s', "
     "version='latest')}"),
    ("ingress", lambda: CloudRunServiceProps(**RUN, ingress="ALL"), "CloudRunServiceProps('api').ingress: must "
                                                                    'be one of '
                                                                    'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER, '
                                                                    'INGRESS_TRAFFIC_INTERNAL_ONLY, '
                                                                    "INGRESS_TRAFFIC_ALL, got 'ALL'"),
    ("literal secret", lambda: SecretProps(secret_id="db", value="hunter2"),
     'SecretProps.value: must be a Terraform expression (a reference to another resource), never a literal '
     "written into the JSON, got 'hunter2'"),
    ("network overlap", lambda: PrivateNetworkProps(name="vpc", region="europe-west1",
                                                    subnet_cidr=ipaddress.IPv4Network("10.0.0.0/24"),
                                                    private_services_cidr=ipaddress.IPv4Network("10.0.0.0/20")),
     "PrivateNetworkProps('vpc').private_services_cidr: must not overlap subnet_cidr 10.0.0.0/24, got "
     "IPv4Network('10.0.0.0/20')"),
    ("public subnet", lambda: PrivateNetworkProps(name="vpc", region="europe-west1",
                                                  subnet_cidr=ipaddress.IPv4Network("8.8.8.0/24"),
                                                  private_services_cidr=ipaddress.IPv4Network("10.1.0.0/20")),
     "PrivateNetworkProps('vpc').subnet_cidr: must be a private IPv4 range of /26 or larger, got "
     "IPv4Network('8.8.8.0/24')"),
    ("cidr with host bits", lambda: PrivateNetworkProps(name="vpc", region="europe-west1", subnet_cidr="10.0.0.1/24",
                                                        private_services_cidr="10.1.0.0/20"),
     "PrivateNetworkProps('vpc').subnet_cidr: must be an IPv4 block such as '10.20.0.0/24' (host bits zero), "
     "got '10.0.0.1/24'"),
    ("postgres version", lambda: PostgresDatabaseProps(instance_name="db", region="europe-west1", network_id="n",
                                                       tier="db-custom-1-3840", postgres_major_version=9),
     'PostgresDatabaseProps.postgres_major_version: must be one of 14, 15, 16, 17, got 9'),
    ("reserved user", lambda: PostgresDatabaseProps(instance_name="db", region="europe-west1", network_id="n",
                                                    tier="db-custom-1-3840", user_name="postgres"),
     "PostgresDatabaseProps.user_name: must not be a user Cloud SQL reserves, got 'postgres'"),
    ("armor window", lambda: CloudArmorPolicyProps(name="edge", rate_limit_requests=100, rate_limit_window_seconds=7),
     "CloudArmorPolicyProps('edge').rate_limit_window_seconds: must be one of 10, 30, 60, 120, 180, 240, 300, "
     '600, 900, 1200, 1800, 2700, 3600 seconds, got 7'),
    ("waf sensitivity", lambda: WafRule("sqli-v33-stable", "SQL injection", sensitivity=5), 'WafRule.sensitivit'
                                                                                            'y: must be None '
                                                                                            'or 1 to 4, got 5'),
    ("two defaults", lambda: ServerlessLoadBalancerProps(**LB, backends=(ServerlessBackend("a", "a"), ServerlessBackend("b", "b"))),
     "ServerlessLoadBalancerProps('shop').backends: must have exactly one default backend (one without paths), "
     "got (ServerlessBackend(key='a', service_name='a', paths=(), other_regions=(), regional_servi..."),
    ("path twice", lambda: ServerlessLoadBalancerProps(**LB, backends=(
        ServerlessBackend("a", "a"), ServerlessBackend("b", "b", ("/x",)), ServerlessBackend("c", "c", ("/x",)))),
     "ServerlessLoadBalancerProps('shop').backends: must not route one path to two backends, got "
     "(ServerlessBackend(key='a', service_name='a', paths=(), other_regions=(), regional_services=()), "
     'Serverles...'),
    ("bad path", lambda: ServerlessBackend("api", "api", ("api/*",)), 'ServerlessBackend.paths: must be URL '
                                                                      "paths starting with '/', with '*' only "
                                                                      "at the end, got ('api/*',)"),
    ("one path as text", lambda: ServerlessBackend("api", "api", "/api/*"),
     "ServerlessBackend.paths: must be a tuple of strings such as ('/api/*',), got '/api/*'"),
    ("email", lambda: ServiceMonitoringProps(name="shop", project="p", notification_email="ops", services=("api",)),
     "ServiceMonitoringProps('shop').notification_email: must be an email address, got 'ops'"),
    ("services as one string", lambda: ServiceMonitoringProps(name="shop", project="p", notification_email=None,
                                                              services="api"),
     "ServiceMonitoringProps('shop').services: must be a tuple of strings such as ('acme-prod-api',), got 'api'"),
    ("uptime host", lambda: UptimeTarget("api", "https://shop.example.com", "/"), 'UptimeTarget.host: must be '
                                                                                  'a host name without scheme '
                                                                                  'or path, got '
                                                                                  "'https://shop.example.com'"),
    ("retention", lambda: LogRetentionProps(project="p", retention_days=4000), 'LogRetentionProps.retention_day'
                                                                               's: must be a whole number from '
                                                                               '1 to 3650 days, got 4000'),
]


@pytest.mark.parametrize(("make", "message"), [(make, message) for _, make, message in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_invalid_props_are_rejected_naming_the_prop_and_the_rule(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)


def test_waf_rule_expressions() -> None:
    assert WafRule("sqli-v33-stable", "SQL injection").expression == (
        "evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})"
    )
    assert WafRule("cve-canary", "Log4j", sensitivity=None).expression == "evaluatePreconfiguredWaf('cve-canary')"


def _synth(build: Callable[[TerraformStack], None]) -> dict[str, Any]:
    stack = TerraformStack(cdktf.Testing.app(), "alone")
    google_provider(stack, project="acme-shop", region="europe-west1", labels={})
    build(stack)
    return json.loads(cdktf.Testing.synth(stack))["resource"]


def test_a_service_with_default_props_is_private_protected_and_checks_invokers() -> None:
    def build(stack: TerraformStack) -> None:
        repository = DockerRepository(stack, "images", DockerRepositoryProps(repository_id="images", location="europe-west1"))
        CloudRunService(stack, "api", CloudRunServiceProps(
            name="api", location="europe-west1", image=repository.image("api", "1.2.3"),
            service_account_email="api@acme-shop.iam.gserviceaccount.com"))

    (service,) = _synth(build)["google_cloud_run_v2_service"].values()
    assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    assert service["invoker_iam_disabled"] is False
    assert service["deletion_protection"] is True
    assert service["template"]["containers"][0]["image"].endswith("/api:1.2.3")


def test_registry_refuses_the_latest_tag() -> None:
    stack = TerraformStack(cdktf.Testing.app(), "alone")
    repository = DockerRepository(stack, "images", DockerRepositoryProps(repository_id="images", location="europe-west1"))
    with pytest.raises(ValueError, match="DockerRepository.image tag must be a container image tag"):
        repository.image("api", "latest")


def test_a_database_with_default_props_is_private_encrypted_backed_up_and_protected() -> None:
    def build(stack: TerraformStack) -> None:
        PostgresDatabase(stack, "db", PostgresDatabaseProps(
            instance_name="shop", region="europe-west1", network_id="projects/acme-shop/global/networks/vpc",
            tier="db-custom-1-3840"))

    found = _synth(build)
    (instance,) = found["google_sql_database_instance"].values()
    settings = instance["settings"]
    assert settings["ip_configuration"]["ipv4_enabled"] is False
    assert settings["ip_configuration"]["ssl_mode"] == "ENCRYPTED_ONLY"
    assert settings["backup_configuration"]["enabled"] is True
    assert settings["backup_configuration"]["point_in_time_recovery_enabled"] is True
    assert instance["deletion_protection"] is True and settings["deletion_protection_enabled"] is True
    assert settings["availability_type"] == "ZONAL"
    (user,) = found["google_sql_user"].values()
    # Generated during the apply and written only: neither the plan nor the state holds it.
    assert user["password_wo"].startswith("${local.") and user["password_wo_version"] == 1 and "password" not in user


def test_network_ranges_may_be_given_as_text() -> None:
    props = PrivateNetworkProps(name="vpc", region="europe-west1", subnet_cidr="10.0.0.0/24",
                                private_services_cidr=ipaddress.IPv4Network("10.1.0.0/20"))
    assert props.subnet_cidr == ipaddress.IPv4Network("10.0.0.0/24")
    assert props.private_services_cidr == ipaddress.IPv4Network("10.1.0.0/20")


def test_a_backend_added_later_is_routed_and_protected_like_the_others() -> None:
    added: list[ServerlessLoadBalancer] = []

    def build(stack: TerraformStack) -> None:
        load_balancer = ServerlessLoadBalancer(stack, "edge", ServerlessLoadBalancerProps(
            **LB, backends=(ServerlessBackend("web", "web"), ServerlessBackend("api", "api", ("/api/*",))),
            security_policy="policy-id"))
        load_balancer.add_backend(ServerlessBackend("orders", "orders", ("/orders", "/orders/*")))
        added.append(load_balancer)

    found = _synth(build)
    backends = found["google_compute_backend_service"]
    assert sorted(backend["name"] for backend in backends.values()) == ["shop-api", "shop-orders", "shop-web"]
    assert {backend["security_policy"] for backend in backends.values()} == {"policy-id"}
    (url_map,) = [item for key, item in found["google_compute_url_map"].items() if key.startswith("edge_url_map")]
    orders = next(key for key, backend in backends.items() if backend["name"] == "shop-orders")
    assert url_map["path_matcher"][0]["path_rule"][-1] == {
        "paths": ["/orders", "/orders/*"], "service": f"${{google_compute_backend_service.{orders}.id}}"}
    assert len(url_map["path_matcher"][0]["path_rule"]) == 2
    assert [backend.key for backend in added[0].backends] == ["web", "api", "orders"]


@pytest.mark.parametrize(("backend", "message"), [
    (ServerlessBackend("api", "other", ("/other",)), "add_backend('api'): the key 'api' is taken"),
    (ServerlessBackend("other", "other"), "add_backend('other'): needs paths"),
    (ServerlessBackend("other", "other", ("/api/*",)), "add_backend('other'): the paths ['/api/*'] are routed"),
])
def test_adding_a_backend_refuses_what_collides(backend: ServerlessBackend, message: str) -> None:
    stack = TerraformStack(cdktf.Testing.app(), "alone")
    load_balancer = ServerlessLoadBalancer(stack, "edge", ServerlessLoadBalancerProps(
        **LB, backends=(ServerlessBackend("web", "web"), ServerlessBackend("api", "api", ("/api/*",)))))
    with pytest.raises(ValueError, match=re.escape(message)):
        load_balancer.add_backend(backend)


def test_data_bucket_grants_read_only_or_read_write_object_access() -> None:
    def build(stack: TerraformStack) -> None:
        bucket = GcsDataBucket(stack, "lake", GcsDataBucketProps(name="acme-lake", location="europe-west1"))
        bucket.grant_object_viewer("reader", "serviceAccount:reader@p.iam.gserviceaccount.com")
        bucket.grant_object_writer("writer", "serviceAccount:writer@p.iam.gserviceaccount.com")
        bucket.grant_object_user("admin", "serviceAccount:admin@p.iam.gserviceaccount.com")

    grants = _synth(build)["google_storage_bucket_iam_member"].values()
    assert sorted((grant["role"], grant["member"]) for grant in grants) == [
        ("roles/storage.objectCreator", "serviceAccount:writer@p.iam.gserviceaccount.com"),
        ("roles/storage.objectUser", "serviceAccount:admin@p.iam.gserviceaccount.com"),
        ("roles/storage.objectViewer", "serviceAccount:reader@p.iam.gserviceaccount.com"),
        ("roles/storage.objectViewer", "serviceAccount:writer@p.iam.gserviceaccount.com"),
    ]
