"""AWS bootstrap stacks: state bucket, GitHub OIDC trust, deploy/plan permissions, image repositories.

Read from the session synthesis like every other property test; Terraform plans them in
test_terraform.py and checkov scans them in test_checkov.py.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest

from constructs_lib.aws.patterns._identity_permissions import ATTACHABLE_POLICIES, WILDCARD_REASONS
from stacks.app_services import SERVICES
from stacks.aws_platform_stack import MOVED_TO_BOOTSTRAP

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, PROJECT_ROOT, data_sources, only, reference, resources, stack_id

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)

AUDIENCE, SUBJECT = "token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"
REPOSITORY, IMMUTABLE = "repo:acme-analytics/duckdb-analytics-infra", "repo:acme-analytics@1342004/duckdb-analytics-infra@260064828"
#: Which IAM service manages each resource type of the platform stacks. A new resource type fails
#: test_deploy_role_covers_every_service_the_platform_uses until it is listed here and the deploy role
#: may manage it.
IAM_SERVICE_OF_TYPE_PREFIX: dict[str, str] = {
    "aws_vpc": "ec2", "aws_subnet": "ec2", "aws_route": "ec2", "aws_internet_gateway": "ec2", "aws_nat_gateway": "ec2",
    "aws_eip": "ec2", "aws_security_group": "ec2", "aws_default_security_group": "ec2",
    "aws_vpc_security_group": "ec2", "aws_vpc_endpoint": "ec2", "aws_flow_log": "ec2",
    "aws_ecs": "ecs", "aws_lb": "elasticloadbalancing", "aws_wafv2": "wafv2", "aws_cloudwatch_log_group": "logs",
    "aws_cloudwatch_metric_alarm": "cloudwatch", "aws_cloudwatch_dashboard": "cloudwatch", "aws_iam": "iam",
    "aws_kms": "kms", "aws_s3_bucket": "s3", "aws_secretsmanager": "secretsmanager", "aws_sns": "sns",
    "aws_db": "rds", "aws_appautoscaling": "application-autoscaling", "aws_budgets": "budgets", "aws_acm": "acm",
    "aws_route53": "route53", "aws_ecr": "ecr", "aws_service_discovery": "servicediscovery",
}
#: Services a resource type needs besides its own: Cloud Map creates a namespace's private zone with the caller's rights.
IMPLIED_SERVICES: dict[str, tuple[str, ...]] = {"aws_service_discovery_private_dns_namespace": ("route53",)}


def bootstrap(synthesized: Synthesized, environment: str) -> dict[str, Any]:
    return synthesized.documents[stack_id("aws", environment, "bootstrap")]


def document(stack: dict[str, Any], reference_text: str) -> list[dict[str, Any]]:
    """The statements of the policy document ``${data.aws_iam_policy_document.X.json}`` names."""
    name = reference_text.removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    return data_sources(stack, "aws_iam_policy_document")[name]["statement"]


def role(stack: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    [(role_id, body)] = [(role_id, body) for role_id, body in resources(stack, "aws_iam_role").items() if body["name"] == name]
    return role_id, body


def attached(stack: dict[str, Any], role_id: str) -> dict[str, list[dict[str, Any]]]:
    """Managed policies attached to a role: policy name -> statements."""
    policies = {f"${{aws_iam_policy.{policy_id}.arn}}": body for policy_id, body in resources(stack, "aws_iam_policy").items()}
    return {
        policies[attachment["policy_arn"]]["name"]: document(stack, policies[attachment["policy_arn"]]["policy"])
        for attachment in resources(stack, "aws_iam_role_policy_attachment").values()
        if attachment["role"] == reference("aws_iam_role", role_id, "name")
    }


def trust_conditions(stack: dict[str, Any], role_body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    [statement] = document(stack, role_body["assume_role_policy"])
    conditions: dict[str, list[str]] = {}
    for condition in statement["condition"]:
        assert condition["test"] == "StringEquals", condition  # never StringLike, never ForAllValues:/ForAnyValue:
        conditions[condition["variable"]] = condition["values"]
    return statement, conditions


def test_stack_names_are_stable(synthesized: Synthesized, environment: str) -> None:
    assert f"duckdb-analytics-aws-{environment}-bootstrap" in synthesized.documents


def test_deploy_role_trusts_only_the_environment_of_this_repository(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    provider_id, provider = only(stack, "aws_iam_openid_connect_provider")
    assert (provider["url"], provider["client_id_list"]) == ("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    _, deploy = role(stack, f"gha-duckdb-analytics-{environment}-deploy")
    statement, conditions = trust_conditions(stack, deploy)
    assert (statement["effect"], statement["actions"]) == ("Allow", ["sts:AssumeRoleWithWebIdentity"])
    assert statement["principals"] == [{"type": "Federated",
                                        "identifiers": [reference("aws_iam_openid_connect_provider", provider_id, "arn")]}]
    assert conditions == {AUDIENCE: ["sts.amazonaws.com"],
                          SUBJECT: [f"{REPOSITORY}:environment:{environment}", f"{IMMUTABLE}:environment:{environment}"]}


def test_plan_roles_trust_main_or_pull_requests_never_both(synthesized: Synthesized, environment: str) -> None:
    """Main's plans and drift checks refresh (secret values included); pull requests get the state-only role."""
    stack = bootstrap(synthesized, environment)
    for name, context in (("plan", "ref:refs/heads/main"), ("pr-plan", "pull_request")):
        _, body = role(stack, f"gha-duckdb-analytics-{environment}-{name}")
        _, conditions = trust_conditions(stack, body)
        assert conditions == {AUDIENCE: ["sts.amazonaws.com"], SUBJECT: [f"{REPOSITORY}:{context}", f"{IMMUTABLE}:{context}"]}


def test_no_trust_policy_has_a_wildcard_or_a_set_operator(synthesized: Synthesized, environment: str) -> None:
    """Every role trust of the stack: exact values only (StringEquals), never ForAllValues (true on a missing claim)."""
    stack = bootstrap(synthesized, environment)
    for body in resources(stack, "aws_iam_role").values():
        statement, conditions = trust_conditions(stack, body)
        assert set(conditions) == {AUDIENCE, SUBJECT}
        for values in conditions.values():
            assert not [value for value in values if "*" in value or "?" in value]


def test_the_account_blocks_public_buckets_and_the_deploy_role_cannot_lift_it(synthesized: Synthesized,
                                                                            environment: str) -> None:
    stack, account = bootstrap(synthesized, environment), synthesized.configs[environment].aws.account_id
    _, block = only(stack, "aws_s3_account_public_access_block")
    assert {key: value for key, value in block.items() if key != "//"} == {"account_id": account, "block_public_acls": True, "block_public_policy": True,
                     "ignore_public_acls": True, "restrict_public_buckets": True}
    # The deploy role's S3 statements name its buckets only: the account-level setting is not among them.
    assert not [action for statement in _allow_statements(stack, f"gha-duckdb-analytics-{environment}-deploy")
                for action in statement["actions"] if action in ("s3:PutAccountPublicAccessBlock", "s3:*", "*")]


def test_state_bucket_is_versioned_encrypted_private_tls_only_and_never_destroyed(
    synthesized: Synthesized, environment: str
) -> None:
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    bucket_id, bucket = only(stack, "aws_s3_bucket")
    key_id, key = only(stack, "aws_kms_key")
    assert bucket["bucket"] == config.state.aws_bucket
    assert (bucket["force_destroy"], bucket["lifecycle"]) == (False, {"prevent_destroy": True})
    bucket_ref = reference("aws_s3_bucket", bucket_id, "id")
    _, versioning = only(stack, "aws_s3_bucket_versioning")
    assert (versioning["bucket"], versioning["versioning_configuration"]) == (bucket_ref, {"status": "Enabled"})
    _, encryption = only(stack, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["rule"] == [{"apply_server_side_encryption_by_default": {
        "sse_algorithm": "aws:kms", "kms_master_key_id": reference("aws_kms_key", key_id, "arn")}, "bucket_key_enabled": True}]
    assert key["enable_key_rotation"] is True
    _, block = only(stack, "aws_s3_bucket_public_access_block")
    assert all(block[flag] is True for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                                 "restrict_public_buckets"))
    _, policy = only(stack, "aws_s3_bucket_policy")
    denies = {statement["sid"]: statement for statement in document(stack, policy["policy"])}
    assert denies["DenyInsecureTransport"]["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    assert denies["DenyOutdatedTls"]["condition"] == [{"test": "NumericLessThan", "variable": "s3:TlsVersion", "values": ["1.2"]}]
    _, lifecycle = only(stack, "aws_s3_bucket_lifecycle_configuration")
    assert lifecycle["rule"][0]["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    _, alias = only(stack, "aws_kms_alias")
    assert alias["name"] == f"alias/duckdb-analytics-{environment}-delivery"


def test_state_backend_keys_are_what_the_roles_may_touch(synthesized: Synthesized, environment: str) -> None:
    """The deploy role writes exactly the platform's state file (and its lock) and, with [dr], the standby's, and
    deletes only the locks; the plan role reads those and the bootstrap's; the pull request plan role the platform's."""
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    keys = [synthesized.documents[stack_id("aws", environment, kind)]["terraform"]["backend"]["s3"]["key"]
            for kind in (("platform", "standby") if config.dr is not None else ("platform",))]
    assert len(set(keys)) == len(keys)
    bucket = f"arn:aws:s3:::{config.state.aws_bucket}"
    files, locks = [f"{bucket}/{key}" for key in keys], [f"{bucket}/{key}.tflock" for key in keys]
    deploy_id, _ = role(stack, f"gha-duckdb-analytics-{environment}-deploy")
    statements = {statement["sid"]: statement for part in attached(stack, deploy_id).values() for statement in part}
    assert statements["TerraformStateObjects"]["resources"] == [*files, *locks]
    assert statements["TerraformStateLocks"]["resources"] == locks
    assert sorted(statements["DenyObjectsButPlatformState"]["not_resources"]) == sorted([*files, *locks])
    plan_id, _ = role(stack, f"gha-duckdb-analytics-{environment}-plan")
    [reads] = attached(stack, plan_id).values()
    plan_objects = {statement["sid"]: statement for statement in reads}["TerraformStateObjects"]
    assert plan_objects["actions"] == ["s3:GetObject"]
    assert plan_objects["resources"] == [*files, f"{bucket}/duckdb-analytics/{environment}/bootstrap.tfstate"]
    pr_plan_id, _ = role(stack, f"gha-duckdb-analytics-{environment}-pr-plan")
    [state] = attached(stack, pr_plan_id).values()
    assert {statement["sid"]: statement for statement in state}["TerraformStateObjects"] == plan_objects


def _allow_statements(stack: dict[str, Any], role_name: str) -> list[dict[str, Any]]:
    role_id, _ = role(stack, role_name)
    return [statement for part in attached(stack, role_id).values() for statement in part if statement["effect"] == "Allow"]


def test_every_wildcard_is_explained_and_no_whole_service_is_allowed(
    synthesized: Synthesized, environment: str
) -> None:
    stack = bootstrap(synthesized, environment)
    boundary: list[dict[str, Any]] = []
    for policy in resources(stack, "aws_iam_policy").values():
        if policy["name"].endswith("-workload-boundary"):
            boundary = document(stack, policy["policy"])
    statements = [*_allow_statements(stack, f"gha-duckdb-analytics-{environment}-deploy"),
                  *_allow_statements(stack, f"gha-duckdb-analytics-{environment}-plan"),
                  *_allow_statements(stack, f"gha-duckdb-analytics-{environment}-pr-plan"),
                  *[statement for statement in boundary if statement["effect"] == "Allow"]]
    assert statements
    for statement in statements:
        # Any '*': in an action family (ecs:Create*), an ARN (role/<path>*), as the resource itself, or NotResource.
        if any("*" in text for text in (*statement["actions"], *statement.get("resources", []))) or \
                "not_resources" in statement:
            assert statement["sid"] in WILDCARD_REASONS, f"explain {statement['sid']} in WILDCARD_REASONS"
        # Never a whole service (the guardrails refuse it too), never '*' actions on '*' resources.
        assert not [action for action in statement["actions"] if action == "*" or action.endswith(":*")], statement["sid"]
        if "*" in statement.get("resources", []):
            assert not [action for action in statement["actions"] if action.endswith("*") and not action.split(":")[1].startswith(
                ("Describe", "List", "Get", "GenerateDataKey"))], f"{statement['sid']}: a write family on every resource"


def test_wildcard_reasons_are_all_used_and_listed_in_the_docs(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    sids = {statement["sid"] for body in data_sources(stack, "aws_iam_policy_document").values()
            for statement in body["statement"]}
    unused = set(WILDCARD_REASONS) - sids
    # RDS, ACM and Route 53 statements exist only where the environment has a database / certificate / zone,
    # the replication's only with [dr].
    optional = {"RdsScoped", "RdsDescribe", "SecretsScoped", "CertificateRequest", "Certificates", "Route53Changes"}
    if synthesized.configs[environment].dr is None:
        optional |= {"EcrStandbyRepositories", "Route53HealthCheckCreate", "Route53HealthChecks", "BoundaryReplication"}
    if not synthesized.configs[environment].production:
        optional.add("DenyAuditTrailDeletion")
    assert unused <= optional
    reference = (PROJECT_ROOT / "docs" / "delivery-permissions.md").read_text(encoding="utf-8")
    assert [sid for sid in WILDCARD_REASONS if f"`{sid}`" not in reference] == []


def test_roles_are_created_only_with_the_workload_boundary(synthesized: Synthesized, environment: str) -> None:
    stack, account = bootstrap(synthesized, environment), synthesized.configs[environment].aws.account_id
    boundary_arn = f"arn:aws:iam::{account}:policy/gha-duckdb-analytics-{environment}-workload-boundary"
    assert any(policy["name"] == f"gha-duckdb-analytics-{environment}-workload-boundary"
               for policy in resources(stack, "aws_iam_policy").values())
    statements = _allow_statements(stack, f"gha-duckdb-analytics-{environment}-deploy")
    writes = {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"}
    for statement in statements:
        iam_actions = {action for action in statement["actions"] if action.startswith("iam:")}
        if iam_actions & writes:
            assert iam_actions <= writes, statement["sid"]
            assert {"test": "StringEquals", "variable": "iam:PermissionsBoundary", "values": [boundary_arn]} in statement["condition"]
        if "iam:AttachRolePolicy" in iam_actions:
            assert {"test": "ArnEquals", "variable": "iam:PolicyARN",
                    "values": [policy.format(partition="aws") for policy in ATTACHABLE_POLICIES]} in statement["condition"]
        if "iam:PassRole" in iam_actions:
            [passed] = [condition for condition in statement["condition"] if condition["variable"] == "iam:PassedToService"]
            assert "ec2.amazonaws.com" not in passed["values"] and "lambda.amazonaws.com" not in passed["values"]
    # Every role the platform stack creates carries that boundary under the deploy role's path, so the deploy role
    # can create and change them (and no other role).
    platform_roles = resources(synthesized.stack("aws", environment), "aws_iam_role")
    assert platform_roles and {(body.get("permissions_boundary"), body.get("path")) for body in platform_roles.values()} \
        == {(boundary_arn, f"/duckdb-analytics-{environment}/")}


def test_the_deploy_role_can_change_neither_itself_nor_the_bootstrap(synthesized: Synthesized, environment: str) -> None:
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    statements = _allow_statements(stack, f"gha-duckdb-analytics-{environment}-deploy")
    role_patterns = [resource for statement in statements for resource in statement["resources"] if ":role/" in resource]
    for name in (f"gha-duckdb-analytics-{environment}-{kind}" for kind in ("deploy", "plan", "pr-plan")):
        arn = f"arn:aws:iam::{config.aws.account_id}:role/{name}"
        assert not [pattern for pattern in role_patterns if fnmatch.fnmatchcase(arn, pattern)], name
    role_id, _ = role(stack, f"gha-duckdb-analytics-{environment}-deploy")
    denies = {statement["sid"]: statement for part in attached(stack, role_id).values() for statement in part
              if statement["effect"] == "Deny"}
    provider_id, _ = only(stack, "aws_iam_openid_connect_provider")
    assert reference("aws_iam_openid_connect_provider", provider_id, "arn") in denies["DenyDeliveryIdentities"]["resources"]
    key_id, _ = only(stack, "aws_kms_key")
    assert reference("aws_kms_key", key_id, "arn") in denies["DenyDeliveryKey"]["resources"]
    assert {"kms:ScheduleKeyDeletion", "kms:DisableKey"} <= set(denies["DenyDeliveryKey"]["actions"])
    assert denies["DenyKeyPolicyChanges"]["actions"] == ["kms:PutKeyPolicy"]
    assert denies["DenyStateBucketConfiguration"]["resources"] == [f"arn:aws:s3:::{config.state.aws_bucket}"]
    assert {"s3:Delete*", "s3:Put*"} <= set(denies["DenyStateBucketConfiguration"]["actions"])


def test_deploy_role_covers_every_service_the_platform_uses(synthesized: Synthesized, environment: str) -> None:
    """Derived from the platform stack (and the standby's): each resource type's service is one the deploy role
    may act on."""
    stacks = [synthesized.stack("aws", environment)]
    if synthesized.configs[environment].dr is not None:
        stacks.append(synthesized.documents[stack_id("aws", environment, "standby")])
    needed = set()
    for resource_type in (resource_type for stack in stacks for resource_type in stack["resource"]):
        prefixes = [prefix for prefix in IAM_SERVICE_OF_TYPE_PREFIX if resource_type.startswith(prefix)]
        assert prefixes, f"{resource_type}: which IAM service manages it? Add it above and to the deploy role"
        needed.add(IAM_SERVICE_OF_TYPE_PREFIX[max(prefixes, key=len)])
        needed.update(IMPLIED_SERVICES.get(resource_type, ()))
    statements = _allow_statements(bootstrap(synthesized, environment), f"gha-duckdb-analytics-{environment}-deploy")
    granted = {action.split(":")[0] for statement in statements for action in statement["actions"]}
    assert needed - granted == set()
    # And nothing the platform does not use (besides the state's own s3 and kms).
    assert granted - needed == set()


def _iam_json(statements: list[dict[str, Any]]) -> str:
    """The policy as IAM stores it (minified); references as 90-character ARNs."""
    rendered = []
    for statement in statements:
        item: dict[str, Any] = {"Sid": statement["sid"], "Effect": statement["effect"], "Action": statement["actions"]}
        if "resources" in statement:
            item["Resource"] = statement["resources"]
        if "not_resources" in statement:
            item["NotResource"] = statement["not_resources"]
        for condition in statement.get("condition", []):
            item.setdefault("Condition", {}).setdefault(condition["test"], {})[condition["variable"]] = condition["values"]
        rendered.append(item)
    text = json.dumps({"Version": "2012-10-17", "Statement": rendered}, separators=(",", ":"))
    return re.sub(r"\$\{[^}]+\}", "x" * 90, text)


def test_each_managed_policy_fits_the_iam_size_limit(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    for policy in resources(stack, "aws_iam_policy").values():
        size = len(_iam_json(document(stack, policy["policy"])))
        assert size <= 6144, f"{policy['name']}: {size} characters (IAM allows 6,144 per managed policy)"


def test_image_repositories_are_the_ones_the_platform_left(synthesized: Synthesized, environment: str) -> None:
    """Same addresses as in the platform stack before the move, so `terraform import` adopts them in place."""
    stack = bootstrap(synthesized, environment)
    key_id, _ = only(stack, "aws_kms_key")
    repositories = resources(stack, "aws_ecr_repository")
    addresses = {f"aws_ecr_repository.{name}" for name in repositories}
    addresses |= {f"aws_ecr_lifecycle_policy.{name}" for name in resources(stack, "aws_ecr_lifecycle_policy")}
    assert addresses == set(MOVED_TO_BOOTSTRAP)
    assert sorted(body["name"] for body in repositories.values()) == sorted(
        f"duckdb-analytics-{environment}/{service.name}" for service in SERVICES)
    for body in repositories.values():
        assert (body["image_tag_mutability"], body["image_scanning_configuration"], body["force_delete"]) == (
            "IMMUTABLE", {"scan_on_push": True}, False)
        assert body["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": reference("aws_kms_key", key_id, "arn")}]
        # Encryption is fixed at creation: an adopted repository keeps the platform key rather than being replaced.
        assert body["lifecycle"]["ignore_changes"] == ["encryption_configuration"]
        # In prod the guardrails keep every stateful resource from `terraform destroy`, these too.
        assert body["lifecycle"].get("prevent_destroy", False) is (environment == "prod")


def test_outputs_name_what_the_runbook_and_the_pipeline_need(synthesized: Synthesized, environment: str) -> None:
    outputs = bootstrap(synthesized, environment)["output"]
    assert set(outputs) == {"state_bucket", "deploy_role_arn", "plan_role_arn", "pr_plan_role_arn", "workload_boundary_arn",
                            "image_push_role_arn",
                            *(f"{service.name}_repository_url" for service in SERVICES)}
