"""What other repositories need of the patterns: more permissions per service, the outputs they wire on, and the
GCP options two environments in one project and an internal health path need."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

import constructs_lib.aws.patterns as aws
import constructs_lib.gcp.patterns as gcp
from constructs_lib import PlatformIdentity
from constructs_lib.aws.iam_evaluation import Request, document_from_terraform, evaluate
from constructs_lib.aws.patterns._permissions import boundary_document
from constructs_lib.aws.provider import aws_provider
from constructs_lib.gcp.grants import PROJECT, RESOURCE, WorkloadGrant
from constructs_lib.gcp.patterns.web_platform import platform_grants
from constructs_lib.gcp.provider import google_provider
from constructs_lib.props import PropError

import cdktf  # noqa: E402  (after constructs_lib: the provider bindings load lazily)
from cdktf import TerraformOutput, TerraformStack  # noqa: E402

from .aws_reading import policy_statements
from .helpers import by_prefix, resources

IDENTITY = PlatformIdentity("acme-shop", "prod")
ACCOUNT, REGION = "123456789012", "eu-west-1"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:acme-orders"
READ_QUEUE = aws.Statement("ReadOrders", ("sqs:ReceiveMessage", "sqs:DeleteMessage"), (QUEUE,))
REPORTS = aws.Statement("WriteReports", ("s3:PutObject",), ("arn:aws:s3:::acme-shop-prod-reports/*",))
DEPLOYED_BY = aws.DeployedBy(f"arn:aws:iam::{ACCOUNT}:role/gha-acme-shop-prod-deploy",
                             f"arn:aws:iam::{ACCOUNT}:policy/gha-acme-shop-prod-workload-boundary", "/acme-shop-prod/")
AWS_IMAGE = aws.ContainerImage.from_registry("ghcr.io/acme/shop:1.4.2")
GCP_IMAGE = gcp.ContainerImage.from_registry("ghcr.io/acme/shop:1.4.2")


def aws_props(*services: aws.ServiceSpec, **options: Any) -> aws.WebPlatformProps:
    https = aws.Https("shop.example.com", hosted_zone_id="Z0123456789ABC")
    return aws.WebPlatformProps(
        identity=IDENTITY, account_id=ACCOUNT, region=REGION,
        network=aws.NetworkSpec("10.30.0.0/16", ("eu-west-1a", "eu-west-1b")), services=services,
        load_balancer=options.pop("load_balancer", aws.LoadBalancerSpec(https=https)), **options)


AWS_SERVICES = (
    aws.ServiceSpec("api", AWS_IMAGE, routes=("/api", "/api/*"), health_check=aws.HealthCheck("/api/health")),
    aws.ServiceSpec("web", AWS_IMAGE, port=3000),
    aws.ServiceSpec("worker", AWS_IMAGE, port=None, permissions=(READ_QUEUE,), execute_command=True),
)


@pytest.fixture(scope="module")
def aws_document() -> dict[str, Any]:
    stack = TerraformStack(cdktf.Testing.app(), "consumer")
    aws_provider(stack, region=REGION, tags=IDENTITY.aws_tags(), allowed_account_ids=[ACCOUNT])
    shop = aws.WebPlatform(stack, "shop", aws_props(*AWS_SERVICES))
    for name in ("api", "web", "worker"):
        TerraformOutput(stack, f"{name}_url", value=shop.service_url(name) or "none")
    TerraformOutput(stack, "worker_role", value=shop.task_role_arn("worker"))
    TerraformOutput(stack, "worker_role_name", value=shop.task_role_name("worker"))
    return json.loads(cdktf.Testing.synth(stack))


def test_a_service_s_extra_statements_land_on_its_task_role_and_nowhere_else(aws_document: dict[str, Any]) -> None:
    _, worker = by_prefix(aws_document, "aws_iam_role_policy", "shop_worker_service_task_role_policy")
    statements = policy_statements(aws_document, worker["policy"])
    assert statements["ReadOrders"] == {"sid": "ReadOrders", "effect": "Allow", "resources": [QUEUE],
                                        "actions": ["sqs:ReceiveMessage", "sqs:DeleteMessage"]}
    others = [policy_statements(aws_document, body["policy"]) for name, body in
              resources(aws_document, "aws_iam_role_policy").items() if not name.startswith("shop_worker_service_task")]
    assert all("ReadOrders" not in statements for statements in others)


def test_outputs_name_each_routed_service_s_url_and_the_task_role(aws_document: dict[str, Any]) -> None:
    outputs = {name: body["value"] for name, body in aws_document["output"].items()}
    assert (outputs["api_url"], outputs["web_url"], outputs["worker_url"]) == (
        "https://shop.example.com/api", "https://shop.example.com", "none")
    role_id, _ = by_prefix(aws_document, "aws_iam_role", "shop_worker_service_task_role")
    assert (outputs["worker_role"], outputs["worker_role_name"]) == (
        f"${{aws_iam_role.{role_id}.arn}}", f"${{aws_iam_role.{role_id}.name}}")


def test_ecs_exec_is_opt_in_per_service_logged_encrypted_and_least_privilege(aws_document: dict[str, Any]) -> None:
    services = {body["name"]: body for body in resources(aws_document, "aws_ecs_service").values()}
    assert {name: body["enable_execute_command"] for name, body in services.items()} == {
        "acme-shop-prod-api": False, "acme-shop-prod-web": False, "acme-shop-prod-worker": True}
    (cluster,) = resources(aws_document, "aws_ecs_cluster").values()
    configuration = cluster["configuration"]["execute_command_configuration"]
    group_id, group = by_prefix(aws_document, "aws_cloudwatch_log_group", "shop_cluster_exec_logs")
    key_id, _ = by_prefix(aws_document, "aws_kms_key", "shop_platform_key")
    key = f"${{aws_kms_key.{key_id}.arn}}"
    assert configuration == {"kms_key_id": key, "logging": "OVERRIDE", "log_configuration": {
        "cloud_watch_encryption_enabled": True, "cloud_watch_log_group_name": f"${{aws_cloudwatch_log_group.{group_id}.name}}"}}
    assert (group["name"], group["kms_key_id"]) == ("/ecs/acme-shop-prod-exec", key)
    _, worker = by_prefix(aws_document, "aws_iam_role_policy", "shop_worker_service_task_role_policy")
    statements = policy_statements(aws_document, worker["policy"])
    assert {sid: (body["actions"], body["resources"]) for sid, body in statements.items() if sid != "ReadOrders"} == {
        "ExecuteCommandChannels": (["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], ["*"]),
        "ExecuteCommandLogGroups": (["logs:DescribeLogGroups"], ["*"]),
        "ExecuteCommandSessionLogs": (["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                                      [f"${{aws_cloudwatch_log_group.{group_id}.arn}}:*"]),
        "ExecuteCommandSessionKey": (["kms:Decrypt"], [key]),
    }
    # The SSM agent writes to volumes of its own: the root filesystem stays read-only.
    definitions = {body["family"]: json.loads(body["container_definitions"])[0]
                   for body in resources(aws_document, "aws_ecs_task_definition").values()}
    worker_container = definitions["acme-shop-prod-worker"]
    assert worker_container["readonlyRootFilesystem"] is True
    assert [mount["containerPath"] for mount in worker_container["mountPoints"]] == [
        "/tmp", "/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"]
    assert [mount["containerPath"] for mount in definitions["acme-shop-prod-api"]["mountPoints"]] == ["/tmp"]
    endpoints = {body["service_name"].rsplit(".", 1)[-1] for body in resources(aws_document, "aws_vpc_endpoint").values()}
    assert {"ssmmessages", "kms"} <= endpoints


def test_the_workload_boundary_admits_what_ecs_exec_needs_and_refuses_an_outside_statement() -> None:
    boundary = boundary_document(IDENTITY, ACCOUNT, REGION)
    allowed = {"ssmmessages:OpenDataChannel": "*", "logs:PutLogEvents":
               f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/acme-shop-prod-exec:log-stream:x"}
    for action, resource in allowed.items():
        request = Request(action, resource, {"aws:ResourceAccount": ACCOUNT, "aws:RequestedRegion": REGION})
        assert evaluate([{"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}], request,
                        boundary=boundary).allowed


def test_with_deployed_by_a_statement_the_boundary_would_cut_is_an_error_naming_it() -> None:
    with pytest.raises(PropError) as error:
        aws_props(aws.ServiceSpec("worker", AWS_IMAGE, port=None, permissions=(REPORTS, READ_QUEUE)),
                  load_balancer=None, deployed_by=DEPLOYED_BY)
    assert str(error.value) == (
        "ServiceSpec('worker').permissions: must stay inside the workload permissions boundary: sqs:ReceiveMessage on "
        f"{QUEUE} is outside it, got Statement('ReadOrders')")
    # Inside the boundary (a bucket named like the platform's), or without deployed_by (no boundary): accepted.
    aws_props(aws.ServiceSpec("worker", AWS_IMAGE, port=None, permissions=(REPORTS,)), load_balancer=None,
              deployed_by=DEPLOYED_BY)
    aws_props(aws.ServiceSpec("worker", AWS_IMAGE, port=None, permissions=(READ_QUEUE,)), load_balancer=None)


def test_a_foundation_may_widen_the_boundary_for_what_its_services_need() -> None:
    """``DeliveryFoundationProps.workload_permissions`` (through ``DeployedBy``) admits the queue read the boundary
    cut above; the deployed boundary holds it too."""
    widened = replace(DEPLOYED_BY, workload_permissions=(READ_QUEUE,))
    aws_props(aws.ServiceSpec("worker", AWS_IMAGE, port=None, permissions=(REPORTS, READ_QUEUE)), load_balancer=None,
              deployed_by=widened)
    boundary = boundary_document(IDENTITY, ACCOUNT, REGION, workload_permissions=(READ_QUEUE,))
    assert "ReadOrders" in [statement["Sid"] for statement in boundary["Statement"]]


@pytest.mark.parametrize("action", ["kms:Decrypt", "iam:PassRole", "sts:AssumeRole", "*"])
def test_the_boundary_never_widens_to_identities_or_keys(action: str) -> None:
    """A statement that would reach the delivery key or another identity is refused where it is given."""
    escalating = aws.Statement(sid="Widen", actions=(action,), resources=("*",))
    with pytest.raises(PropError) as error:
        replace(DEPLOYED_BY, workload_permissions=(escalating,))
    assert str(error.value) == (
        "DeployedBy.workload_permissions: must be Allow statements naming no action of iam, sts, organizations, kms, "
        "account and no *, got Statement('Widen')")


def test_the_boundary_check_reads_the_deployed_boundary(synthesized_boundary: dict[str, Any]) -> None:
    """The boundary the check evaluates is the one the bootstrap deploys, statement for statement."""
    ours = boundary_document(PlatformIdentity("duckdb-analytics", "prod"), "333344445555", "us-east-1",
                             standby_region="us-west-2")
    def shape(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
        return [(item["Sid"], item["Effect"], sorted(item["Action"])) for item in document["Statement"]]

    assert shape(ours) == shape(synthesized_boundary)


@pytest.fixture
def synthesized_boundary(synthesized: Any) -> dict[str, Any]:
    stack = synthesized.documents["duckdb-analytics-aws-prod-bootstrap"]
    (block,) = [body for name, body in stack["data"]["aws_iam_policy_document"].items()
                if name.startswith("workload_boundary_document")]
    return document_from_terraform(block)


# --- GCP ------------------------------------------------------------------------------------------------

def gcp_props(*services: gcp.ServiceSpec, **options: Any) -> gcp.WebPlatformProps:
    return gcp.WebPlatformProps(identity=IDENTITY, project="acme-shop-prod", region="europe-west1", services=services,
                                load_balancer=options.pop("load_balancer", gcp.LoadBalancerSpec(("shop.example.com",))),
                                **options)


EXPORTS = gcp.RoleGrant("roles/storage.objectViewer", "projects/_/buckets/acme-exports", why="worker reads exports")
METRICS = gcp.RoleGrant("roles/monitoring.metricWriter")
GCP_SERVICES = (
    gcp.ServiceSpec("web", GCP_IMAGE, health_check=gcp.HealthCheck("/healthz", public=False)),
    gcp.ServiceSpec("api", GCP_IMAGE, routes=("/api", "/api/*"), health_check=gcp.HealthCheck("/api/health")),
    gcp.ServiceSpec("worker", GCP_IMAGE, port=None, permissions=(EXPORTS, METRICS)),
)


def _gcp_synth(props: gcp.WebPlatformProps) -> tuple[dict[str, Any], gcp.WebPlatform]:
    stack = TerraformStack(cdktf.Testing.app(), "consumer")
    google_provider(stack, project=props.project, region=props.region, labels=IDENTITY.gcp_labels())
    platform = gcp.WebPlatform(stack, "shop", props)
    for spec in props.services:
        TerraformOutput(stack, f"{spec.name}_url", value=platform.service_url(spec.name) or "none")
    return json.loads(cdktf.Testing.synth(stack)), platform


@pytest.fixture(scope="module")
def gcp_document() -> dict[str, Any]:
    return _gcp_synth(gcp_props(*GCP_SERVICES, project_log_bucket=False))[0]


def test_extra_roles_go_through_platform_grants_both_ways(gcp_document: dict[str, Any]) -> None:
    grants = [grant for grant in platform_grants(gcp_props(*GCP_SERVICES)) if grant.holder == "worker"]
    assert grants == [WorkloadGrant("worker", "roles/storage.objectViewer", RESOURCE, "projects/_/buckets/acme-exports",
                                    "worker reads exports"),
                      WorkloadGrant("worker", "roles/monitoring.metricWriter", PROJECT, "acme-shop-prod",
                                    "worker has monitoring.metricWriter")]
    # Granting for itself, the platform makes the same project-level bindings the bootstrap makes with deployed_by.
    bindings = {body["role"]: body for body in resources(gcp_document, "google_project_iam_member").values()
                if body["role"] in ("roles/storage.objectViewer", "roles/monitoring.metricWriter")}
    account_id, _ = by_prefix(gcp_document, "google_service_account", "shop_worker_account")
    assert {body["member"] for body in bindings.values()} == {f"${{google_service_account.{account_id}.member}}"}
    assert bindings["roles/storage.objectViewer"]["condition"] == {
        "title": "worker reads exports",
        "expression": 'resource.name == "projects/_/buckets/acme-exports" || '
                      'resource.name.startsWith("projects/_/buckets/acme-exports/")'}
    assert "condition" not in bindings["roles/monitoring.metricWriter"]


def test_a_health_path_kept_internal_is_refused_at_the_edge_and_has_no_uptime_check(gcp_document: dict[str, Any]) -> None:
    (policy,) = resources(gcp_document, "google_compute_security_policy").values()
    internal = [rule for rule in policy["rule"] if rule["description"] == "Paths kept off the load balancer"]
    assert [(rule["priority"], rule["action"], rule["match"]["expr"]["expression"]) for rule in internal] == [
        (150, "deny(404)", "request.path == '/healthz'")]
    checks = [body["http_check"]["path"] for body in resources(gcp_document, "google_monitoring_uptime_check_config").values()]
    assert checks == ["/api/health"]
    (url_map,) = [body for body in resources(gcp_document, "google_compute_url_map").values() if "path_matcher" in body]
    routed = [path for rule in url_map["path_matcher"][0]["path_rule"] for path in rule["paths"]]
    assert "/healthz" not in routed


def test_two_environments_in_one_project_leave_the_default_log_bucket_to_one(gcp_document: dict[str, Any]) -> None:
    assert resources(gcp_document, "google_logging_project_bucket_config") == {}
    assert len(resources(_gcp_synth(gcp_props(GCP_SERVICES[1], load_balancer=None))[0],
                         "google_logging_project_bucket_config")) == 1


def test_gcp_service_urls_follow_the_routes_or_run_app(gcp_document: dict[str, Any]) -> None:
    outputs = {name: body["value"] for name, body in gcp_document["output"].items()}
    assert (outputs["web_url"], outputs["api_url"], outputs["worker_url"]) == (
        "https://shop.example.com", "https://shop.example.com/api", "none")
    document, _ = _gcp_synth(gcp_props(gcp.ServiceSpec("api", GCP_IMAGE), load_balancer=None))
    service_id = next(iter(resources(document, "google_cloud_run_v2_service")))
    assert document["output"]["api_url"]["value"] == f"${{google_cloud_run_v2_service.{service_id}.uri}}"


def test_an_internal_health_path_another_service_needs_is_refused() -> None:
    with pytest.raises(PropError, match=r"WebPlatformProps.services.health_check: must keep a path internal that no "
                                        r"other service needs public: '/' is the site root"):
        gcp_props(gcp.ServiceSpec("web", GCP_IMAGE, health_check=gcp.HealthCheck("/", public=False)))
