"""The AWS patterns on their own: any number of services, the secure wiring, and errors naming the prop."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pytest

from constructs_lib import PlatformIdentity
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.ecs_cluster import ExistingCluster
from constructs_lib.aws.fargate_service import FargateServiceProps
from constructs_lib.aws.iam import Statement
from constructs_lib.aws.load_balancer import PublicLoadBalancer, PublicLoadBalancerProps, TargetSpec
from constructs_lib.aws.network import NetworkProps
from constructs_lib.aws.patterns import (
    DATA_BUCKET_NAME,
    Alerting,
    ContainerImage,
    DataAccess,
    DatabaseSpec,
    DataBucketSpec,
    ExistingNetwork,
    HealthCheck,
    Https,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceProps,
    LoadBalancerSpec,
    ManagedRuleGroup,
    NetworkSpec,
    Scaling,
    ServiceSpec,
    ServiceUrl,
    WafSpec,
    WebPlatform,
    WebPlatformProps,
)
from constructs_lib.aws.provider import aws_provider
from constructs_lib.aws.service_autoscaling import OfficeHours
from constructs_lib.aws.web_acl import WebAclProps

import cdktf  # noqa: E402  (after constructs_lib, so the jsii runtime starts with lazy provider loading)
from cdktf import TerraformStack  # noqa: E402
from cdktf_cdktf_provider_aws.iam_role import IamRole  # noqa: E402

from .helpers import only, resources  # noqa: E402

IDENTITY = PlatformIdentity("acme-shop", "test")
ACCOUNT, REGION = "123456789012", "eu-west-1"
NETWORK = NetworkSpec("10.30.0.0/16", ("eu-west-1a", "eu-west-1b"))
IMAGE = ContainerImage.from_registry("ghcr.io/acme/shop:1.4.2")
API = ServiceSpec("api", ContainerImage.platform_repository("1.4.2"), port=8080, health_check=HealthCheck("/healthz"),
                  routes=("/api", "/api/*"), data_access=DataAccess.READ_WRITE, database_access=True,
                  environment={"BUCKET": DATA_BUCKET_NAME})
WORKER = ServiceSpec("worker", IMAGE, port=None, command=("worker", "--queue", "jobs"), data_access=DataAccess.READ,
                     scaling=Scaling(min_instances=1, max_instances=2))
WEB = ServiceSpec("web", IMAGE, port=3000, environment={"API_URL": ServiceUrl("api", "/api")})


def _platform_props(**changes: Any) -> WebPlatformProps:
    values: dict[str, Any] = {
        "identity": IDENTITY, "account_id": ACCOUNT, "region": REGION, "network": NETWORK,
        "services": (API, WORKER, WEB),
        "load_balancer": LoadBalancerSpec(https=Https("shop.example.com", hosted_zone_id="Z0123456789ABC")),
        "database": DatabaseSpec(), "alerting": Alerting("ops@example.com"),
    }
    return WebPlatformProps(**(values | changes))


def _synth(build: Callable[[TerraformStack], None]) -> dict[str, Any]:
    stack = TerraformStack(cdktf.Testing.app(), "alone")
    aws_provider(stack, region=REGION, tags=IDENTITY.aws_tags())
    build(stack)
    return json.loads(cdktf.Testing.synth(stack))


@pytest.fixture(scope="module")
def platform() -> dict[str, Any]:
    return _synth(lambda stack: WebPlatform(stack, "shop", _platform_props()))


def _containers(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    definitions = (json.loads(task["container_definitions"]) for task in resources(document, "aws_ecs_task_definition").values())
    return {container["name"]: container for (container,) in definitions}


def _statements(document: dict[str, Any], id_fragment: str) -> list[dict[str, Any]]:
    """The statements of the one policy document whose logical id contains ``id_fragment``."""
    found = [body["statement"] for name, body in document["data"]["aws_iam_policy_document"].items() if id_fragment in name]
    assert len(found) == 1, f"expected one policy document with {id_fragment!r}"
    return found[0]


def test_any_number_of_services_each_wired_as_its_spec_asks(platform: dict[str, Any]) -> None:
    services = {body["name"]: body for body in resources(platform, "aws_ecs_service").values()}
    assert sorted(services) == ["acme-shop-test-api", "acme-shop-test-web", "acme-shop-test-worker"]
    assert "load_balancer" not in services["acme-shop-test-worker"]
    assert all(body["network_configuration"]["assign_public_ip"] is False for body in services.values())
    # Two target groups (the worker takes no requests), the api routed, the web the default.
    groups = resources(platform, "aws_lb_target_group")
    assert sorted(body["name_prefix"] for body in groups.values()) == ["api-", "web-"]
    (rule,) = resources(platform, "aws_lb_listener_rule").values()
    assert rule["condition"][0]["path_pattern"]["values"] == ["/api", "/api/*"]
    assert {body["health_check"]["path"] for body in groups.values()} == {"/healthz", "/"}
    # Only served services admit the load balancer.
    ingress = [name for name in resources(platform, "aws_vpc_security_group_ingress_rule") if "from_load_balancer" in name]
    assert sorted(name.split("_")[1] for name in ingress) == ["api", "web"]  # shop_<service>_service_...


def test_environment_values_the_pattern_fills_in(platform: dict[str, Any]) -> None:
    containers = _containers(platform)
    web = {item["name"]: item["value"] for item in containers["web"]["environment"]}
    assert web == {"API_URL": "https://shop.example.com/api", "PORT": "3000"}
    api = {item["name"]: item["value"] for item in containers["api"]["environment"]}
    assert api["BUCKET"].startswith("${aws_s3_bucket.shop_data_bucket_") and api["BUCKET"].endswith(".bucket}")
    assert (api["DATABASE_AUTH"], api["PGSSLROOTCERT"]) == ("aws-rds-iam", "/etc/ssl/certs/rds-global-bundle.pem")
    assert [secret["name"] for secret in containers["api"]["secrets"]] == ["DATABASE_URL"]  # never the master password
    assert containers["worker"]["portMappings"] == [] and containers["worker"]["command"] == ["worker", "--queue", "jobs"]
    assert containers["api"]["image"].startswith("${aws_ecr_repository.shop_api_repository_")
    assert containers["web"]["image"] == "ghcr.io/acme/shop:1.4.2"


def test_permissions_follow_data_access_and_images(platform: dict[str, Any]) -> None:
    api = {statement["sid"]: statement for statement in _statements(platform, "api_service_task_role_permissions")}
    assert api["ReadWriteDataObjects"]["actions"] == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    assert api["UseDataKey"]["condition"][0]["values"] == [f"s3.{REGION}.amazonaws.com"]
    assert api["ConnectAsApplicationUser"]["actions"] == ["rds-db:connect"] and "ReadDatabaseSecrets" not in api
    worker = {statement["sid"]: statement for statement in _statements(platform, "worker_service_task_role_permissions")}
    assert worker["ReadDataObjects"]["actions"] == ["s3:GetObject"] and worker["UseDataKey"]["actions"] == ["kms:Decrypt"]
    assert not [name for name in platform["data"]["aws_iam_policy_document"] if "web_service_task_role_permissions" in name]
    # ECR pull rights only for the image in the platform's repository.
    api_pull = {statement["sid"] for statement in _statements(platform, "api_service_execution_role_permissions")}
    web_pull = {statement["sid"] for statement in _statements(platform, "web_service_execution_role_permissions")}
    assert "PullImage" in api_pull and "PullImage" not in web_pull


def test_the_key_lets_logs_and_alarms_use_it_and_only_the_api_reaches_the_database(platform: dict[str, Any]) -> None:
    key = {statement["sid"] for statement in _statements(platform, "platform_key_policy")}
    assert key == {"AccountAdministration", "CloudWatchLogsUse", "CloudWatchAlarmsUse"}
    database_ingress = [name for name in resources(platform, "aws_vpc_security_group_ingress_rule") if "_database_" in name]
    assert sorted(name.rsplit("_", 1)[0] for name in database_ingress) == [
        "shop_database_from_api", "shop_database_from_setup_task"]
    _, association = only(platform, "aws_wafv2_web_acl_association")
    assert association["resource_arn"].startswith("${aws_lb.shop_load_balancer_")


def test_office_hours_silence_the_no_healthy_target_alarm_of_that_service_only() -> None:
    sleepy = ServiceSpec("web", IMAGE, port=3000, scaling=Scaling(office_hours=OfficeHours("MON-FRI", "07:00", "19:00")))
    document = _synth(lambda stack: WebPlatform(stack, "shop", _platform_props(
        services=(sleepy, ServiceSpec("api", IMAGE, routes=("/api/*",))), database=None)))
    alarms = {body["alarm_name"] for body in resources(document, "aws_cloudwatch_metric_alarm").values()}
    assert "acme-shop-test-api-no-healthy-hosts" in alarms
    assert "acme-shop-test-web-no-healthy-hosts" not in alarms
    assert "acme-shop-test-web-unhealthy-hosts" in alarms


def test_load_balanced_service_in_a_few_lines_with_its_own_load_balancer() -> None:
    def build(stack: TerraformStack) -> None:
        LoadBalancedFargateService(stack, "orders", LoadBalancedFargateServiceProps(
            identity=IDENTITY, account_id=ACCOUNT, region=REGION, network=NETWORK,
            service=ServiceSpec("orders", IMAGE, health_check=HealthCheck("/healthz")),
            load_balancer=LoadBalancerSpec(https=Https("orders.example.com", hosted_zone_id="Z0123456789ABC")),
            alerting=Alerting("ops@example.com"),
        ))

    document = _synth(build)
    _, balancer = only(document, "aws_lb")
    assert balancer["drop_invalid_header_fields"] is True and balancer["enable_deletion_protection"] is True
    only(document, "aws_wafv2_web_acl_association")
    only(document, "aws_acm_certificate")
    _, service = only(document, "aws_ecs_service")
    assert service["name"] == "acme-shop-test-orders"
    alarms = {body["alarm_name"] for body in resources(document, "aws_cloudwatch_metric_alarm").values()}
    assert {"acme-shop-test-orders-alb-5xx-rate", "acme-shop-test-orders-cpu-high"} <= alarms
    assert all(group["retention_in_days"] == 30 for group in resources(document, "aws_cloudwatch_log_group").values())


def test_services_share_one_load_balancer_by_route() -> None:
    def build(stack: TerraformStack) -> None:
        network = ExistingNetwork("vpc-1", "10.0.0.0/16", ("subnet-a", "subnet-b"), ("subnet-c", "subnet-d"))
        shared = PublicLoadBalancer(stack, "shared", PublicLoadBalancerProps(
            name="acme-shared", network=network, access_log_bucket="acme-logs"))
        for name in ("orders", "billing"):
            LoadBalancedFargateService(stack, name, LoadBalancedFargateServiceProps(
                identity=IDENTITY, account_id=ACCOUNT, region=REGION, network=network,
                service=ServiceSpec(name, IMAGE, routes=(f"/{name}/*",)), load_balancer=shared,
                cluster=ExistingCluster("shared", "arn:aws:ecs:eu-west-1:123456789012:cluster/shared"),
            ))

    document = _synth(build)
    only(document, "aws_lb")
    _, listener = only(document, "aws_lb_listener")
    assert listener["default_action"][0]["type"] == "fixed-response"
    rules = sorted((body["priority"], body["condition"][0]["path_pattern"]["values"])
                   for body in resources(document, "aws_lb_listener_rule").values())
    assert rules == [(10, ["/orders/*"]), (20, ["/billing/*"])]
    assert not resources(document, "aws_ecs_cluster")


def test_grants_and_waf_exclusions_for_constructs_used_alone() -> None:
    def build(stack: TerraformStack) -> None:
        bucket = DataBucket(stack, "lake", DataBucketProps(bucket_prefix="acme-lake-", kms_key_arn="arn:aws:kms:k"))
        role = IamRole(stack, "reader", assume_role_policy="{}")
        bucket.grant_read("analyst", role)

    document = _synth(build)
    (statements,) = [body["statement"] for body in document["data"]["aws_iam_policy_document"].values()
                     if body["statement"][0]["sid"] == "ListDataBucket"]
    key = next(statement for statement in statements if statement["sid"] == "UseDataKey")
    assert key["condition"][0] == {"test": "StringLike", "variable": "kms:ViaService", "values": ["s3.*.amazonaws.com"]}
    only(document, "aws_iam_role_policy")

    props = WebAclProps(name="x", resource_arn="arn", rate_limit_requests=100, log_retention_days=7,
                        managed_rule_groups=(ManagedRuleGroup("AWSManagedRulesSQLiRuleSet", excluded_path_prefixes=("/api/query",)),))
    assert props.managed_rule_groups[0].excluded_path_prefixes == ("/api/query",)


def _shared_load_balancer() -> PublicLoadBalancer:
    network = ExistingNetwork("vpc-1", "10.0.0.0/16", ("subnet-a", "subnet-b"), ("subnet-c",))
    return PublicLoadBalancer(TerraformStack(cdktf.Testing.app(), "shared"), "shared", PublicLoadBalancerProps(
        name="acme-shared", network=network, access_log_bucket="acme-logs"))


INVALID: list[tuple[str, Callable[[], object], str]] = [
    ("cidr text", lambda: NETWORK.__class__("10.0.0.0/33", ("a", "b")), 'NetworkSpec.cidr: must be an IPv4 '
                                                                        "block such as 10.0.0.0/16 ('33' is "
                                                                        'not a valid netmask), got '
                                                                        "'10.0.0.0/33'"),
    ("network cidr", lambda: NetworkProps(name_prefix="x", region=REGION, account_id=ACCOUNT, cidr="10.0.0.1/16",
                                          availability_zones=("a", "b"), flow_log_retention_days=7),
     "NetworkProps.cidr: must be an IPv4 block such as 10.0.0.0/16 (10.0.0.1/16 has host bits set), got '10.0.0.1/16'"),
    ("public cidr", lambda: NetworkProps(name_prefix="x", region=REGION, account_id=ACCOUNT,
                                         cidr=ipaddress.IPv4Network("8.8.0.0/16"), availability_zones=("a", "b"),
                                         flow_log_retention_days=7), "NetworkProps.cidr '8.8.0.0/16': must be a private block"),
    ("log retention", lambda: FargateServiceProps(
        name="x", container_name="x", image="i:1", cpu=256, memory=512, cluster=ExistingCluster("c", "arn"), vpc_id="v",
        subnet_ids=("s",), region=REGION, account_id=ACCOUNT, log_retention_days=31),
     "FargateServiceProps.log_retention_days 31: log retention must be one of"),
    ("latest", lambda: ContainerImage.from_registry("ghcr.io/acme/shop:latest"), 'ContainerImage.from_registry.'
                                                                                 'reference: must name a tag '
                                                                                 'other than latest, or a '
                                                                                 'digest, got '
                                                                                 "'ghcr.io/acme/shop:latest'"),
    ("platform tag", lambda: ContainerImage.platform_repository("latest"), 'ContainerImage.platform_repository.'
                                                                           'tag: must be a container image tag '
                                                                           "(letters, digits, '_', '.', '-', "
                                                                           "at most 128) other than 'latest', "
                                                                           "got 'latest'"),
    ("service name", lambda: ServiceSpec("Web-App", IMAGE), "ServiceSpec('Web-App').name: must be 1 to 20 "
                                                            'lowercase letters or digits, starting with a '
                                                            "letter, got 'Web-App'"),
    ("fargate size", lambda: ServiceSpec("web", IMAGE, cpu=0.25, memory_mib=4096), "ServiceSpec('web').memory_mib: "
                                                                              'must fit cpu 0.25: Fargate '
                                                                              'accepts 512, 1024, 2048 MiB '
                                                                              'with 0.25 vCPU, got 4096'),
    ("routes without port", lambda: ServiceSpec("job", IMAGE, port=None, routes=("/x",)), "ServiceSpec('job').routes"),
    ("health matcher", lambda: HealthCheck("/", matcher="ok"), 'HealthCheck.matcher: must be HTTP codes such '
                                                               "as 200, 200-299 or 200,204, got 'ok'"),
    ("https", lambda: Https("shop.example.com"), 'Https.certificate_arn: must be given, or hosted_zone_id to '
                                                 'issue a DNS-validated certificate, got None'),
    ("waf window", lambda: WafSpec(rate_limit_window_seconds=30), 'WafSpec.rate_limit_window_seconds: must be '
                                                                  'one of 60, 120, 300, 600, got 30'),
    ("scaling", lambda: Scaling(min_instances=4, max_instances=2), 'Scaling.min_instances: must be at most '
                                                                 'max_instances (2), got 4'),
    ("office hours", lambda: OfficeHours("MON-FRI", "19:00", "07:00"), 'OfficeHours.end: must be after start '
                                                                       "'19:00' on the same day, got '07:00'"),
    ("duplicate names", lambda: _platform_props(services=(WEB, WEB)), 'WebPlatformProps.services: must name '
                                                                      'one or more services, each name once, '
                                                                      "got ['web', 'web']"),
    ("two defaults", lambda: _platform_props(services=(WEB, ServiceSpec("site", IMAGE))),
     "WebPlatformProps.services: must have at most one service without routes (the default), got ['web', 'site']"),
    ("url to a worker", lambda: _platform_props(services=(WORKER, ServiceSpec("web", IMAGE, environment={"U": ServiceUrl("worker")}))),
     "ServiceSpec('web').environment: must name services with a port (['web']), got "
     "U=ServiceUrl(service='worker', path='')"),
    ("bucket off", lambda: _platform_props(data_bucket=None), "ServiceSpec('api').environment: must not use "
                                                              'DATA_BUCKET_NAME without '
                                                              'WebPlatformProps.data_bucket, got '
                                                              'BUCKET=DataBucketName()'),
    ("database off", lambda: _platform_props(database=None), "ServiceSpec('api').database_access: must be "
                                                             'False without WebPlatformProps.database, got True'),
    ("port without balancer", lambda: _platform_props(load_balancer=None, services=(WEB,)),
     "WebPlatformProps.load_balancer: must be given: services ['web'] have a port, got None"),
    ("retention", lambda: _platform_props(log_retention_days=10), 'WebPlatformProps.log_retention_days: must '
                                                                  'be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, '
                                                                  '150, 180, 365, 400, 545, 731, 1096, 1827, '
                                                                  '2192, 2557, 2922, 3288, got 10'),
    ("shared without routes", lambda: LoadBalancedFargateServiceProps(
        identity=IDENTITY, account_id=ACCOUNT, region=REGION, network=NETWORK, service=WEB,
        load_balancer=_shared_load_balancer()), 'LoadBalancedFargateServiceProps.service: must have routes on '
                                                "a shared load balancer, got ServiceSpec('web')"),
    ("service with data", lambda: LoadBalancedFargateServiceProps(
        identity=IDENTITY, account_id=ACCOUNT, region=REGION, network=NETWORK, service=API,
        load_balancer=LoadBalancerSpec(https=None)), 'LoadBalancedFargateServiceProps.service: must use no '
                                                     'data bucket or database (WebPlatform has them), got '
                                                     "ServiceSpec('api')"),
    ("target prefix", lambda: TargetSpec("web", 0), "TargetSpec.port 0"),
    ("database storage", lambda: DatabaseSpec(allocated_storage_gb=200, max_allocated_storage_gb=100),
     'DatabaseSpec.allocated_storage_gb: must be at most max_allocated_storage_gb (100), got 200'),
    ("data bucket days", lambda: DataBucketSpec(0), 'DataBucketSpec.noncurrent_version_expiration_days: must '
                                                    'be a whole number from 1 to 3650, got 0'),
    ("statement", lambda: Statement("S", (), ("*",)), "Statement('S').actions: must be one or more actions "
                                                      'such as sqs:ReceiveMessage, got ()'),
]


@pytest.mark.parametrize(("make", "message"), [(make, message) for _, make, message in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_invalid_props_are_rejected_naming_the_prop_and_value(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)
