"""The delivery constructs alone: GitHub subjects, and the validation that keeps a wildcard out of trust."""

from __future__ import annotations

import re

import pytest

from constructs_lib import PlatformIdentity
from constructs_lib.github import PULL_REQUEST, DeliveryNames, GithubRepository

REPOSITORY = GithubRepository("acme", "infra", 1342004, 260064828)


def test_subjects_come_in_both_forms_and_exactly() -> None:
    assert REPOSITORY.subjects(GithubRepository.environment("prod")) == (
        "repo:acme/infra:environment:prod", "repo:acme@1342004/infra@260064828:environment:prod")
    assert REPOSITORY.subjects(PULL_REQUEST)[0] == "repo:acme/infra:pull_request"
    assert REPOSITORY.subjects(GithubRepository.branch("main"))[1] == "repo:acme@1342004/infra@260064828:ref:refs/heads/main"


@pytest.mark.parametrize("context", ["environment:*", "ref:refs/heads/*", "*", "environment:Prod", "ref:refs/tags/v1"])
def test_a_wildcard_or_unknown_context_is_refused(context: str) -> None:
    with pytest.raises(ValueError, match="without wildcards"):
        REPOSITORY.subjects(context)


@pytest.mark.parametrize(("arguments", "message"), [
    (("-acme", "infra", 1, 2), "GithubRepository('infra').owner: must be a GitHub user or organization name"),
    (("acme", "in fra", 1, 2), "GithubRepository('in fra').name: must be a GitHub repository name"),
    (("acme", "infra", "1", 2), "GithubRepository('infra').owner_id: must be GitHub's numeric ID, a positive whole number, got '1'"),
    (("acme", "infra", 1, 0), "GithubRepository('infra').repository_id: must be GitHub's numeric ID, a positive whole number, got 0"),
])
def test_repository_props_are_checked(arguments: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GithubRepository(*arguments)


def test_delivery_names_stay_outside_the_platform_prefix() -> None:
    names = DeliveryNames(PlatformIdentity("duckdb-analytics", "prod"))
    assert (names.aws_deploy_role, names.aws_plan_role) == ("gha-duckdb-analytics-prod-deploy", "gha-duckdb-analytics-prod-plan")
    assert not names.aws_deploy_role.startswith(PlatformIdentity("duckdb-analytics", "prod").prefix)
    assert (names.gcp_deploy_account, names.gcp_plan_account) == ("gha-deploy-prod", "gha-plan-prod")
    assert names.gcp_provider_name("123456") == (
        "projects/123456/locations/global/workloadIdentityPools/github-actions/providers/github")
    assert names.gcp_image("us-central1", "p-1", "api", "1.0.0") == "us-central1-docker.pkg.dev/p-1/duckdb-analytics-prod-images/api:1.0.0"


def test_role_props_refuse_a_wildcard_subject() -> None:
    from constructs_lib.aws.github_oidc import GithubActionsRoleProps
    from constructs_lib.aws.iam import Statement

    policies = (("read", (Statement("Read", ("s3:ListBucket",), ("arn:aws:s3:::b",)),)),)
    with pytest.raises(ValueError, match="no wildcard"):
        GithubActionsRoleProps("r", "arn:aws:iam::1:oidc-provider/x", ("repo:acme/*:environment:prod",), policies, "d")
    with pytest.raises(ValueError, match="no wildcard"):
        GithubActionsRoleProps("r", "arn:aws:iam::1:oidc-provider/x", (), policies, "d")
    GithubActionsRoleProps("r", "arn:aws:iam::1:oidc-provider/x", REPOSITORY.subjects(PULL_REQUEST), policies, "d")


def test_a_statement_takes_resources_or_not_resources() -> None:
    from constructs_lib.aws.iam import Statement

    with pytest.raises(ValueError, match="one of them"):
        Statement("S", ("s3:GetObject",), ("a",), not_resources=("b",))
    with pytest.raises(ValueError, match="one of them"):
        Statement("S", ("s3:GetObject",), ())
    assert Statement("S", ("s3:GetObject",), (), effect="Deny", not_resources=("b",)).not_resources == ("b",)


def test_a_gcp_image_in_an_existing_repository_keeps_the_platform_naming() -> None:
    from constructs_lib.gcp.patterns import ContainerImage

    image = ContainerImage.in_repository("us-central1-docker.pkg.dev/acme-prod/acme-prod-images", "1.2.0")
    assert (image.tag, image.repository, image.uses_platform_registry) == (
        "1.2.0", "us-central1-docker.pkg.dev/acme-prod/acme-prod-images", False)
    with pytest.raises(ValueError, match="ContainerImage.in_repository.repository_url: must be an Artifact Registry"):
        ContainerImage.in_repository("ghcr.io/acme/images", "1.2.0")
    with pytest.raises(ValueError, match="ContainerImage.in_repository.tag: must be a container image tag"):
        ContainerImage.in_repository("us-central1-docker.pkg.dev/acme-prod/acme-prod-images", "latest")
    with pytest.raises(ValueError, match="ContainerImage: must use ContainerImage.platform_repository"):
        ContainerImage(reference="ghcr.io/acme/api:1", repository="us-central1-docker.pkg.dev/acme-prod/images")
