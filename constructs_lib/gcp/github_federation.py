"""Keyless GitHub Actions access to Google Cloud: a Workload Identity pool with a GitHub provider."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktf_cdktf_provider_google.iam_workload_identity_pool_provider import (
    IamWorkloadIdentityPoolProvider,
    IamWorkloadIdentityPoolProviderOidc,
)
from cdktf_cdktf_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from ..github import GITHUB_OIDC_ISSUER, GithubRepository
from ._props import require_match

_POOL_ID = re.compile(r"[a-z0-9-]{4,32}")
_PROVIDER_ID = re.compile(r"[a-z0-9-]{4,32}")
#: The claims GitHub's token carries that bindings may use (``assertion.environment`` only on jobs with an environment).
ATTRIBUTE_MAPPING: dict[str, str] = {
    "google.subject": "assertion.sub",
    "attribute.repository_id": "assertion.repository_id",
    "attribute.repository_owner_id": "assertion.repository_owner_id",
    # A job without environment has no such claim; it maps to a value no binding names.
    "attribute.environment": "has(assertion.environment) ? assertion.environment : 'none'",
}
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
#: The attribute only the image publisher's provider maps (the delivery repository's provider never sets it).
IMAGE_ENVIRONMENT = "attribute.image_environment"


@dataclass(frozen=True)
class ImagePublisherProps:
    """Props of :meth:`GithubWorkloadIdentity.add_image_publisher`: another repository's image jobs.

    The provider accepts tokens of ``repository`` (by numeric IDs) from jobs that run in a GitHub environment
    and run ``workflow_path`` of ``workflow_repository`` (the ``job_workflow_ref`` claim of a reusable workflow
    call), so only the reviewed image workflow gets the push identity, whatever the repository's own workflows do.

    Attributes:
        repository: The application repository.
        workflow_repository: The repository holding the reusable image workflow (the delivery repository).
        workflow_path: Its path, e.g. ``.github/workflows/images.yml``.
        provider_id: Provider ID in the pool. Default ``github-images``.
    """

    repository: GithubRepository
    workflow_repository: GithubRepository
    workflow_path: str
    provider_id: str = "github-images"

    def __post_init__(self) -> None:
        require_match(_PROVIDER_ID, self, "provider_id", "be 4 to 32 lowercase letters, digits or hyphens")
        if not re.fullmatch(r"\.github/workflows/[A-Za-z0-9_.-]+\.ya?ml", self.workflow_path):
            raise ValueError(f"ImagePublisherProps.workflow_path {self.workflow_path!r}: must be .github/workflows/<file>.yml")


#: ``<owner>/<repository>/.github/workflows/<file>@refs/heads|tags/<name>``: a ``job_workflow_ref`` claim.
_WORKFLOW_REF = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\.github/workflows/[A-Za-z0-9_.-]+\.ya?ml@refs/(heads|tags)/[A-Za-z0-9_./-]+")


def repository_condition(repository: GithubRepository) -> str:
    """The provider's ``attribute_condition``: tokens of this repository only, by the IDs GitHub never reuses.

    GitHub issues every repository's tokens from the same issuer, and Google refuses a GitHub provider
    without a condition; names can be re-registered by someone else, numeric IDs cannot.
    """
    return (f"assertion.repository_owner_id == '{repository.owner_id}' && "
            f"assertion.repository_id == '{repository.repository_id}'")


@dataclass(frozen=True)
class GithubWorkloadIdentityProps:
    """Props of :class:`GithubWorkloadIdentity`.

    Attributes:
        project: Project ID of the pool.
        repository: The only repository whose tokens the provider accepts.
        pool_id: Pool ID (4-32 lowercase letters, digits or hyphens). A deleted pool's ID stays taken for 30 days.
        provider_id: Provider ID in the pool.
        environment_workflow_ref: The only ``job_workflow_ref`` (``<owner>/<repository>/.github/workflows/<file>@<ref>``)
            whose jobs in a GitHub environment the provider accepts, e.g. the deploy workflow on the deploy branch:
            another workflow, or this one from another branch, gets no token for an environment's job. Jobs without
            environment (plans, pull requests) are not affected. Default ``None``: any workflow of the repository.
        depends_on: Resources to create first, e.g. the ``iam.googleapis.com`` project service.
    """

    project: str
    repository: GithubRepository
    pool_id: str = "github-actions"
    provider_id: str = "github"
    environment_workflow_ref: str | None = None
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(_POOL_ID, self, "pool_id", "be 4 to 32 lowercase letters, digits or hyphens")
        require_match(_PROVIDER_ID, self, "provider_id", "be 4 to 32 lowercase letters, digits or hyphens")
        if self.environment_workflow_ref is not None:
            require_match(_WORKFLOW_REF, self, "environment_workflow_ref",
                          "be <owner>/<repository>/.github/workflows/<file>.yml@refs/heads/<branch> (or refs/tags/<tag>)")

    @property
    def attribute_condition(self) -> str:
        """:func:`repository_condition`, and with ``environment_workflow_ref`` that workflow for an environment's jobs."""
        condition = repository_condition(self.repository)
        if self.environment_workflow_ref is None:
            return condition
        return f"{condition} && (!has(assertion.environment) || assertion.job_workflow_ref == '{self.environment_workflow_ref}')"


class GithubWorkloadIdentity(Construct):
    """A Workload Identity pool and its GitHub OIDC provider, conditioned on the repository's numeric IDs (and,
    for jobs in an environment, on the workflow they run: ``environment_workflow_ref``).

    Grant access with :meth:`allow_environment` (jobs in a GitHub environment) or :meth:`allow_subjects`
    (exact ``sub`` claims, e.g. pull requests): each makes the matching principals ``workloadIdentityUser``
    of one service account, never of the whole pool.
    """

    def __init__(self, scope: Construct, id_: str, props: GithubWorkloadIdentityProps) -> None:
        super().__init__(scope, id_)
        self.pool = IamWorkloadIdentityPool(
            self, "pool", project=props.project, workload_identity_pool_id=props.pool_id,
            display_name="GitHub Actions", description=f"Workflows of {props.repository.full_name}",
            depends_on=list(props.depends_on) or None,
        )
        self.provider = IamWorkloadIdentityPoolProvider(
            self, "provider", project=props.project, workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=props.provider_id, display_name="GitHub",
            attribute_mapping=ATTRIBUTE_MAPPING, attribute_condition=props.attribute_condition,
            oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_OIDC_ISSUER),
        )

    @property
    def provider_name(self) -> str:
        """``projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>``."""
        return self.provider.name

    def add_image_publisher(self, id_: str, props: ImagePublisherProps) -> IamWorkloadIdentityPoolProvider:
        """A second provider in the pool for another repository's image workflow (see :class:`ImagePublisherProps`)."""
        workflow = f"{props.workflow_repository.full_name}/{props.workflow_path}@"
        return IamWorkloadIdentityPoolProvider(
            self, id_, project=self.pool.project, workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=props.provider_id, display_name="GitHub images",
            # Only this attribute: no binding of the delivery repository's provider can match its tokens, nor the reverse.
            attribute_mapping={"google.subject": "assertion.sub", IMAGE_ENVIRONMENT: "assertion.environment"},
            attribute_condition=(f"{repository_condition(props.repository)} && has(assertion.environment) && "
                                 f"assertion.job_workflow_ref.startsWith('{workflow}')"),
            oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_OIDC_ISSUER),
        )

    def allow_image_environment(self, id_: str, service_account_name: str, environment: str) -> ServiceAccountIamMember:
        """Image workflow jobs in GitHub environment ``environment`` (through :meth:`add_image_publisher`'s provider)."""
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", environment):
            raise ValueError(f"GithubWorkloadIdentity.allow_image_environment(environment) {environment!r}: must be an "
                             "environment name (no wildcard)")
        return ServiceAccountIamMember(
            self, id_, service_account_id=service_account_name, role=WORKLOAD_IDENTITY_USER,
            member=self._principal("principalSet", f"{IMAGE_ENVIRONMENT}/{environment}"),
        )

    def _principal(self, kind: str, path: str) -> str:
        return f"{kind}://iam.googleapis.com/{self.pool.name}/{path}"

    def allow_environment(self, id_: str, service_account_name: str, environment: str) -> ServiceAccountIamMember:
        """Jobs in GitHub environment ``environment`` (``principalSet`` on the environment attribute) may act as the account."""
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", environment) or environment == "none":
            raise ValueError(f"GithubWorkloadIdentity.allow_environment(environment) {environment!r}: must be an "
                             "environment name (no wildcard)")
        return ServiceAccountIamMember(
            self, id_, service_account_id=service_account_name, role=WORKLOAD_IDENTITY_USER,
            member=self._principal("principalSet", f"attribute.environment/{environment}"),
        )

    def allow_subjects(self, id_: str, service_account_name: str, subjects: Sequence[str]) -> list[ServiceAccountIamMember]:
        """Jobs whose ``sub`` claim is exactly one of ``subjects`` may act as the account (one ``principal`` each)."""
        members = []
        for index, subject in enumerate(subjects):
            if "*" in subject or not subject.startswith("repo:"):
                raise ValueError(f"GithubWorkloadIdentity.allow_subjects(subjects) {subject!r}: must be an exact subject")
            members.append(ServiceAccountIamMember(
                self, f"{id_}_{index}", service_account_id=service_account_name, role=WORKLOAD_IDENTITY_USER,
                member=self._principal("principal", f"subject/{subject}"),
            ))
        return members
