"""GCP bootstrap stacks: Workload Identity for this repository only, deploy/plan accounts, state bucket, registry."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.gcp.patterns._identity_permissions import (
    FORCE_DESTROY_PERMISSIONS,
    RESOURCE_PERMISSIONS,
    deployer_permissions,
    planner_permissions,
)
from constructs_lib.gcp.patterns.foundation import platform_resource_types
from stacks.gcp_platform_stack import MOVED_TO_BOOTSTRAP

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, PROJECT_ROOT, only, reference, resources, stack_id
from .test_gcp_platform import has_load_balancer

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)

REPOSITORY, IMMUTABLE = "repo:acme-analytics/duckdb-analytics-infra", "repo:acme-analytics@1342004/duckdb-analytics-infra@260064828"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


def bootstrap(synthesized: Synthesized, environment: str) -> dict[str, Any]:
    return synthesized.documents[stack_id("gcp", environment, "bootstrap")]


def account(stack: dict[str, Any], account_id: str) -> str:
    [name] = [name for name, body in resources(stack, "google_service_account").items() if body["account_id"] == account_id]
    return name


def members_of(stack: dict[str, Any], account_name: str) -> list[tuple[str, str]]:
    return sorted((body["role"], body["member"]) for body in resources(stack, "google_service_account_iam_member").values()
                  if body["service_account_id"] == reference("google_service_account", account_name, "name"))


def test_stack_names_are_stable(synthesized: Synthesized, environment: str) -> None:
    assert f"duckdb-analytics-gcp-{environment}-bootstrap" in synthesized.documents


def test_provider_accepts_only_this_repository_by_numeric_ids(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    pool_id, pool = only(stack, "google_iam_workload_identity_pool")
    [provider] = [body for body in resources(stack, "google_iam_workload_identity_pool_provider").values()
                  if body["workload_identity_pool_provider_id"] == "github"]
    assert pool["workload_identity_pool_id"] == "github-actions"
    assert provider["workload_identity_pool_id"] == reference("google_iam_workload_identity_pool", pool_id,
                                                              "workload_identity_pool_id")
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    # A job in a GitHub environment gets a token only when it runs the deploy workflow from main (GitHub's
    # job_workflow_ref claim): a workflow that names the environment, or terraform.yml from another branch, gets
    # none. Jobs without environment (plans, drift, pull requests) are bound by their exact subjects, as before.
    assert provider["attribute_condition"] == (
        "assertion.repository_owner_id == '1342004' && assertion.repository_id == '260064828' && "
        "(!has(assertion.environment) || assertion.job_workflow_ref == "
        "'acme-analytics/duckdb-analytics-infra/.github/workflows/terraform.yml@refs/heads/main')")
    assert provider["attribute_mapping"]["google.subject"] == "assertion.sub"
    assert set(provider["attribute_mapping"]) == {"google.subject", "attribute.repository_id",
                                                  "attribute.repository_owner_id", "attribute.environment"}


def test_deploy_account_is_usable_only_from_the_environment(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    pool_id, _ = only(stack, "google_iam_workload_identity_pool")
    pool = reference("google_iam_workload_identity_pool", pool_id, "name")
    assert members_of(stack, account(stack, f"gha-deploy-{environment}")) == [
        (WORKLOAD_IDENTITY_USER, f"principalSet://iam.googleapis.com/{pool}/attribute.environment/{environment}")]


def test_plan_accounts_are_usable_only_by_main_or_only_by_pull_requests(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    pool_id, _ = only(stack, "google_iam_workload_identity_pool")
    pool = reference("google_iam_workload_identity_pool", pool_id, "name")
    for kind, context in (("plan", "ref:refs/heads/main"), ("pr-plan", "pull_request")):
        assert members_of(stack, account(stack, f"gha-{kind}-{environment}")) == sorted(
            (WORKLOAD_IDENTITY_USER, f"principal://iam.googleapis.com/{pool}/subject/{subject}")
            for subject in (f"{REPOSITORY}:{context}", f"{IMMUTABLE}:{context}"))


def test_no_binding_admits_a_whole_pool_or_a_wildcard(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    members = [body["member"] for kind in ("google_service_account_iam_member", "google_project_iam_member",
                                           "google_storage_bucket_iam_member")
               for body in resources(stack, kind).values()]
    assert members
    assert [member for member in members if "*" in member or member.endswith(("/", "allUsers", "allAuthenticatedUsers"))] == []


def _custom_role(stack: dict[str, Any], binding: dict[str, Any]) -> dict[str, Any]:
    role_id = binding["role"].removeprefix("${google_project_iam_custom_role.").removesuffix(".name}")
    return resources(stack, "google_project_iam_custom_role")[role_id]


def test_pipeline_accounts_hold_exactly_what_the_platform_manages(synthesized: Synthesized, environment: str) -> None:
    """Custom roles made from the permission table: every resource type of the platform stack is in it, and the
    deploy account holds exactly its create, read, update and delete permissions (the plan account the reads)."""
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    types = platform_resource_types(load_balancer=has_load_balancer(config), database=config.database.enabled)
    platform = synthesized.stack("gcp", environment)
    used = {*platform["resource"], *platform.get("data", {})}
    assert used - set(types) == set(), "platform_resource_types misses these: the deploy account would get a 403"
    assert set(types) <= set(RESOURCE_PERMISSIONS)
    bindings = {name: body for name, body in resources(stack, "google_project_iam_member").items()}
    deploy_role = _custom_role(stack, bindings["deploy_custom_role"])
    assert deploy_role["permissions"] == list(deployer_permissions(types))
    assert bindings["deploy_custom_role"]["condition"]["expression"] == (
        f'!resource.name.startsWith("projects/_/buckets/{config.state.gcp_bucket}")')
    assert _custom_role(stack, bindings["plan_custom_role"])["permissions"] == list(planner_permissions(types))
    assert _custom_role(stack, bindings["pr_plan_custom_role"])["permissions"] == ["resourcemanager.projects.get"]
    # No pipeline account holds a predefined role on the project but the plan account's secret reads.
    predefined = {(body["member"], body["role"]) for body in bindings.values() if body["role"].startswith("roles/")}
    plan = reference("google_service_account", account(stack, f"gha-plan-{environment}"), "member")
    pipeline = {reference("google_service_account", account(stack, f"gha-{kind}-{environment}"), "member")
                for kind in ("deploy", "plan", "pr-plan")}
    deploy = reference("google_service_account", account(stack, f"gha-deploy-{environment}"), "member")
    assert {(member, role) for member, role in predefined if member in pipeline} == {
        (plan, "roles/secretmanager.secretAccessor"), (deploy, "roles/secretmanager.secretAccessor")}
    for key in ("plan", "deploy"):
        assert bindings[f"{key}_refresh_secrets"]["condition"]["expression"] == (
            f'resource.name.startsWith("projects/{config.gcp.project_number}/secrets/duckdb-analytics-{environment}-")')
    # Objects are listed and deleted only in the buckets the platform destroys with their objects (dev's logs).
    emptiers = [body for name, body in bindings.items() if name.startswith("deploy_empties_")]
    assert bool(emptiers) is (not config.protection.deletion_protection)
    bucket = f"projects/_/buckets/{config.gcp.project_id}-{environment}-access-logs"
    for body in emptiers:
        assert _custom_role(stack, body)["permissions"] == list(FORCE_DESTROY_PERMISSIONS)
        # objects.list is checked on the bucket itself, objects.delete on each object
        assert body["condition"]["expression"] == f'resource.name == "{bucket}" || resource.name.startsWith("{bucket}/")'


def test_every_permission_of_the_custom_roles_exists(environment: str) -> None:
    """Google refuses a custom role that names an unknown permission: the whole bootstrap apply would stop."""
    known = {line for line in (PROJECT_ROOT / "tests" / "data" / "gcp_permissions.txt").read_text().splitlines()
             if line and not line.startswith("#")}
    used = set(FORCE_DESTROY_PERMISSIONS) | {permission for entry in RESOURCE_PERMISSIONS.values()
                                             for permission in (*entry.read, *entry.write)}
    assert sorted(used - known) == []


def test_the_deploy_account_acts_as_exactly_the_workload_accounts(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    deploy = reference("google_service_account", account(stack, f"gha-deploy-{environment}"), "member")
    acts_as = sorted(body["service_account_id"] for body in resources(stack, "google_service_account_iam_member").values()
                     if body["member"] == deploy)
    names = ("backend", "frontend", *(("dbsetup",) if synthesized.configs[environment].database.enabled else ()))
    workloads = sorted(reference("google_service_account", account(stack, f"{name}-{environment}"), "name")
                       for name in names)
    assert acts_as == workloads
    assert {body["role"] for body in resources(stack, "google_service_account_iam_member").values()
            if body["member"] == deploy} == {"roles/iam.serviceAccountUser"}


def test_state_bucket_is_versioned_uniform_private_and_never_destroyed(synthesized: Synthesized, environment: str) -> None:
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    bucket_id, bucket = only(stack, "google_storage_bucket")
    assert (bucket["name"], bucket["location"]) == (config.state.gcp_bucket, config.gcp.region)
    assert bucket["versioning"] == {"enabled": True}
    assert (bucket["uniform_bucket_level_access"], bucket["public_access_prevention"]) == (True, "enforced")
    assert (bucket["force_destroy"], bucket["lifecycle"]) == (False, {"prevent_destroy": True})
    grants = {name: body for name, body in resources(stack, "google_storage_bucket_iam_member").items()}
    assert {body["bucket"] for body in grants.values()} == {reference("google_storage_bucket", bucket_id, "name")}
    # The deploy account reads and writes the platform's state only (GCS backend prefix <project>/<env>).
    platform_prefix = synthesized.stack("gcp", environment)["terraform"]["backend"]["gcs"]["prefix"]
    root = f"projects/_/buckets/{config.state.gcp_bucket}"
    assert grants["deploy_state"]["condition"]["expression"] == (
        f'resource.name == "{root}" || resource.name.startsWith("{root}/objects/{platform_prefix}/default.")')
    # objectUser: objects only (objectAdmin would add their IAM policies).
    assert (grants["deploy_state"]["role"], grants["plan_state"]["role"], grants["pr_plan_state"]["role"]) == (
        "roles/storage.objectUser", "roles/storage.objectViewer", "roles/storage.objectViewer")


def test_what_the_platform_left_keeps_its_address_here(synthesized: Synthesized, environment: str) -> None:
    """The registry, the services' accounts and the budget: the same addresses, so `terraform import` adopts them."""
    stack = bootstrap(synthesized, environment)
    present = {f"{kind}.{name}" for kind, found in stack["resource"].items() for name in found}
    assert set(MOVED_TO_BOOTSTRAP) <= present
    platform = synthesized.stack("gcp", environment)
    assert [block["from"] for block in platform["removed"]] == list(MOVED_TO_BOOTSTRAP)
    assert all(block["lifecycle"] == {"destroy": False} for block in platform["removed"])


def test_registry_is_the_one_the_platform_left(synthesized: Synthesized, environment: str) -> None:
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    _, registry = only(stack, "google_artifact_registry_repository")
    assert registry["repository_id"] == f"duckdb-analytics-{environment}-images"
    # With [dr] the multi-region of the primary's region: the standby region pulls without the primary's.
    location = {"us-central1": "us"}[config.gcp.region] if config.dr is not None else config.gcp.region
    assert (registry["location"], registry["format"]) == (location, "DOCKER")
    assert registry["docker_config"] == {"immutable_tags": True}
    assert registry["cleanup_policy_dry_run"] is False
    assert registry["cleanup_policies"] == [
        {"id": "keep-recent-versions", "action": "KEEP", "most_recent_versions": {"keep_count": 10}},
        {"id": "delete-untagged", "action": "DELETE", "condition": {"tag_state": "UNTAGGED", "older_than": "604800s"}},
    ]
    # One grant on it: the image-push account's custom role (tests/test_identity_threats.py: push and nothing else).
    [(_, grant)] = resources(stack, "google_artifact_registry_repository_iam_member").items()
    assert grant["member"].endswith(".member}") and "image_push_account" in grant["member"]
    assert grant["location"] == location and "image_push_role" in grant["role"]
    assert [kind for kind in stack["resource"] if kind.startswith("google_artifact_registry_repository_iam")] == [
        "google_artifact_registry_repository_iam_member"]


def test_only_the_image_workflow_of_the_application_repository_may_push(synthesized: Synthesized, environment: str) -> None:
    """Its own provider: the application repository's numeric IDs, a job in an environment, and the job_workflow_ref of
    this repository's images.yml (any ref of it); an attribute no other provider maps, so neither side's bindings
    match the other's tokens."""
    stack = bootstrap(synthesized, environment)
    providers = {body["workload_identity_pool_provider_id"]: body
                 for body in resources(stack, "google_iam_workload_identity_pool_provider").values()}
    images = providers["github-images"]
    assert images["attribute_condition"] == (
        "assertion.repository_owner_id == '1342004' && assertion.repository_id == '260064901' && "
        "has(assertion.environment) && assertion.job_workflow_ref.startsWith("
        "'acme-analytics/duckdb-analytics-infra/.github/workflows/images.yml@')")
    assert images["attribute_mapping"] == {"google.subject": "assertion.sub",
                                           "attribute.image_environment": "assertion.environment"}
    assert "attribute.image_environment" not in providers["github"]["attribute_mapping"]
    members = [body["member"] for body in resources(stack, "google_service_account_iam_member").values()
               if "image_push_account" in body["service_account_id"]]
    assert members == [f"principalSet://iam.googleapis.com/${{google_iam_workload_identity_pool.{only(stack, 'google_iam_workload_identity_pool')[0]}.name}}"
                       f"/attribute.image_environment/{environment}"]


def test_outputs_name_what_the_workflows_need(synthesized: Synthesized, environment: str) -> None:
    outputs = bootstrap(synthesized, environment)["output"]
    assert set(outputs) == {"state_bucket", "workload_identity_provider", "deploy_service_account",
                            "plan_service_account", "pr_plan_service_account", "artifact_registry_url",
                            "image_push_service_account"}

