"""GCP bootstrap stacks: Workload Identity for this repository only, deploy/plan accounts, state bucket, registry."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.gcp.patterns.delivery import PLAN_ROLES, deploy_roles
from stacks.gcp_platform_stack import MOVED_TO_BOOTSTRAP

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, only, reference, resources, stack_id
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
    _, provider = only(stack, "google_iam_workload_identity_pool_provider")
    assert pool["workload_identity_pool_id"] == "github-actions"
    assert provider["workload_identity_pool_id"] == reference("google_iam_workload_identity_pool", pool_id,
                                                              "workload_identity_pool_id")
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    assert provider["attribute_condition"] == "assertion.repository_owner_id == '1342004' && assertion.repository_id == '260064828'"
    assert provider["attribute_mapping"]["google.subject"] == "assertion.sub"
    assert set(provider["attribute_mapping"]) == {"google.subject", "attribute.repository_id",
                                                  "attribute.repository_owner_id", "attribute.environment"}


def test_deploy_account_is_usable_only_from_the_environment(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    pool_id, _ = only(stack, "google_iam_workload_identity_pool")
    pool = reference("google_iam_workload_identity_pool", pool_id, "name")
    assert members_of(stack, account(stack, f"gha-deploy-{environment}")) == [
        (WORKLOAD_IDENTITY_USER, f"principalSet://iam.googleapis.com/{pool}/attribute.environment/{environment}")]


def test_plan_account_is_usable_only_by_pull_requests_and_main(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    pool_id, _ = only(stack, "google_iam_workload_identity_pool")
    pool = reference("google_iam_workload_identity_pool", pool_id, "name")
    subjects = [f"{REPOSITORY}:pull_request", f"{IMMUTABLE}:pull_request",
                f"{REPOSITORY}:ref:refs/heads/main", f"{IMMUTABLE}:ref:refs/heads/main"]
    assert members_of(stack, account(stack, f"gha-plan-{environment}")) == sorted(
        (WORKLOAD_IDENTITY_USER, f"principal://iam.googleapis.com/{pool}/subject/{subject}") for subject in subjects)


def test_no_binding_admits_a_whole_pool_or_a_wildcard(synthesized: Synthesized, environment: str) -> None:
    stack = bootstrap(synthesized, environment)
    members = [body["member"] for kind in ("google_service_account_iam_member", "google_project_iam_member",
                                           "google_storage_bucket_iam_member")
               for body in resources(stack, kind).values()]
    assert members
    assert [member for member in members if "*" in member or member.endswith(("/", "allUsers", "allAuthenticatedUsers"))] == []


def test_project_roles_follow_what_the_platform_manages(synthesized: Synthesized, environment: str) -> None:
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    deploy = reference("google_service_account", account(stack, f"gha-deploy-{environment}"), "member")
    plan = reference("google_service_account", account(stack, f"gha-plan-{environment}"), "member")
    grants = [(body["member"], body["role"], body.get("condition")) for body in resources(stack, "google_project_iam_member").values()]
    expected = {role for role, _ in deploy_roles(load_balancer=has_load_balancer(config), database=config.database.enabled)}
    assert {role for member, role, _ in grants if member == deploy} == expected
    assert not {"roles/owner", "roles/editor", "roles/resourcemanager.projectIamAdmin"} & expected
    assert ("roles/cloudsql.admin" in expected) is config.database.enabled
    assert ("roles/compute.loadBalancerAdmin" in expected) is has_load_balancer(config)
    [storage] = [condition for member, role, condition in grants if role == "roles/storage.admin"]
    assert storage["expression"] == f'!resource.name.startsWith("projects/_/buckets/{config.state.gcp_bucket}")'
    plan_roles = {(role, bool(condition)) for member, role, condition in grants if member == plan}
    assert plan_roles == {(role, False) for role, _ in PLAN_ROLES} | {("roles/secretmanager.secretAccessor", True)}
    [secrets] = [condition for member, role, condition in grants if role == "roles/secretmanager.secretAccessor"]
    assert secrets["expression"] == (f'resource.name.startsWith("projects/{config.gcp.project_number}/secrets/'
                                     f'duckdb-analytics-{environment}-")')


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
    assert (grants["deploy_state"]["role"], grants["plan_state"]["role"]) == ("roles/storage.objectAdmin",
                                                                              "roles/storage.objectViewer")


def test_registry_is_the_one_the_platform_left(synthesized: Synthesized, environment: str) -> None:
    stack, config = bootstrap(synthesized, environment), synthesized.configs[environment]
    addresses = {f"google_artifact_registry_repository.{name}" for name in resources(stack, "google_artifact_registry_repository")}
    addresses |= {f"google_project_service.{name}" for name, body in resources(stack, "google_project_service").items()
                  if body["service"] == "artifactregistry.googleapis.com"}
    assert addresses == set(MOVED_TO_BOOTSTRAP)
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
    assert not [kind for kind in stack["resource"] if kind.startswith("google_artifact_registry_repository_iam")]


def test_outputs_name_what_the_workflows_need(synthesized: Synthesized, environment: str) -> None:
    outputs = bootstrap(synthesized, environment)["output"]
    assert set(outputs) == {"state_bucket", "workload_identity_provider", "deploy_service_account",
                            "plan_service_account", "artifact_registry_url"}

