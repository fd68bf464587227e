"""The GitHub repository whose Actions workflows deploy, and the OIDC subjects its jobs present.

Plain Python (no cdktf): the AWS and GCP delivery constructs build trust from it, and the project's
workflow tooling reads the same names.

GitHub's OIDC token names the job in its ``sub`` claim. With ``environment:`` on the job it is
``repo:OWNER/REPO:environment:NAME`` whatever the event; a pull request job without an environment
gets ``repo:OWNER/REPO:pull_request``; any other job ``repo:OWNER/REPO:ref:refs/heads/BRANCH``.
Repositories created since 2026-07-15 (and older ones that opt in) use the immutable form
``repo:OWNER@OWNER_ID/REPO@REPO_ID:...``, which names the numeric IDs GitHub never reuses. Trust is
given to exact subjects only, in both forms, so a repository keeps working when it switches format
and no other repository, branch or environment matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .naming import PlatformIdentity
from .props import checked, prop

#: The issuer of GitHub Actions OIDC tokens (one issuer for every repository: trust needs a condition).
GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
#: The audience AWS STS expects (aws-actions/configure-aws-credentials asks for it by default).
AWS_STS_AUDIENCE = "sts.amazonaws.com"

OWNER_PATTERN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
OWNER_RULE = "must be a GitHub user or organization name: 1 to 39 letters, digits or single hyphens, not at either end"
REPOSITORY_PATTERN = re.compile(r"(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}")
REPOSITORY_RULE = "must be a GitHub repository name: 1 to 100 letters, digits, '.', '-' or '_'"
#: GitHub's numeric IDs are positive and fit JavaScript's safe integers.
MAX_GITHUB_ID = 2**53 - 1
_ID_RULE = "be GitHub's numeric ID, a positive whole number"
_CONTEXT = re.compile(r"environment:[a-z][a-z0-9]{0,9}|pull_request|ref:refs/heads/[A-Za-z0-9._/-]+")


@checked
class GithubRepository:
    """A GitHub repository, by name and by the numeric IDs GitHub never reassigns.

    Attributes:
        owner: User or organization, e.g. ``acme`` (as GitHub spells it: the ``sub`` claim is compared exactly).
        name: Repository name, e.g. ``platform-infra``.
        owner_id: Numeric ID of the owner (``GET /users/<owner>`` -> ``id``).
        repository_id: Numeric ID of the repository (``GET /repos/<owner>/<name>`` -> ``id``).
    """

    owner: str = prop(pattern=OWNER_PATTERN, rule=OWNER_RULE)
    name: str = prop(pattern=REPOSITORY_PATTERN, rule=REPOSITORY_RULE)
    owner_id: int = prop(between=(1, MAX_GITHUB_ID), rule=_ID_RULE)
    repository_id: int = prop(between=(1, MAX_GITHUB_ID), rule=_ID_RULE)

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    def subjects(self, context: str) -> tuple[str, str]:
        """The two exact ``sub`` claims of a job in ``context``: by name, and the immutable form by ID.

        ``context`` is what follows the repository: ``environment:<name>``, ``pull_request`` or
        ``ref:refs/heads/<branch>`` (see :meth:`environment`, :data:`PULL_REQUEST`, :meth:`branch`).
        """
        if not _CONTEXT.fullmatch(context) or "*" in context or "?" in context:
            raise ValueError(f"GithubRepository.subjects(context) {context!r}: must be environment:<name>, pull_request "
                             "or ref:refs/heads/<branch>, without wildcards")
        return (f"repo:{self.owner}/{self.name}:{context}",
                f"repo:{self.owner}@{self.owner_id}/{self.name}@{self.repository_id}:{context}")

    @staticmethod
    def environment(name: str) -> str:
        """The subject context of a job that runs in GitHub environment ``name``."""
        return f"environment:{name}"

    @staticmethod
    def branch(name: str) -> str:
        """The subject context of a job without environment on a push to (or dispatch on) branch ``name``."""
        return f"ref:refs/heads/{name}"


#: The subject context of a pull request job without environment.
PULL_REQUEST = "pull_request"
#: The reusable workflow of the delivery repository that builds, scans, signs and pushes images (docs/images.md).
IMAGE_WORKFLOW = ".github/workflows/images.yml"
#: The reusable workflow whose jobs in a GitHub environment deploy (called by deploy.yml and manage.yml).
DEPLOY_WORKFLOW = ".github/workflows/terraform.yml"


@dataclass(frozen=True)
class DeliveryNames:
    """Names of the pipeline identities of one environment, the same wherever they are needed.

    Three identities per environment and cloud: **deploy** (jobs in the GitHub environment: apply),
    **plan** (jobs without environment on the deploy branch: plans and the drift check, which refresh
    every resource, secret versions included) and **pull request plan** (pull request jobs: plans from
    the last applied state without refreshing, so it reads no live resource and no secret value).

    The bootstrap constructs create them; the workflows' tooling derives role ARNs and service account
    emails from them. AWS role names start with ``gha-`` at the root path, outside the path
    ``/<project>-<environment>/`` of the roles the deploy role manages, so the deploy role can never
    change its own permissions.
    """

    identity: PlatformIdentity

    @property
    def aws_deploy_role(self) -> str:
        return f"gha-{self.identity.prefix}-deploy"

    @property
    def aws_plan_role(self) -> str:
        return f"gha-{self.identity.prefix}-plan"

    @property
    def aws_pr_plan_role(self) -> str:
        return f"gha-{self.identity.prefix}-pr-plan"

    @property
    def aws_image_push_role(self) -> str:
        """The role the application repository's image workflow pushes with (``DeliveryFoundationProps.image_publisher``)."""
        return f"gha-{self.identity.prefix}-image-push"

    @property
    def gcp_image_push_account(self) -> str:
        return f"gha-push-{self.identity.environment}"

    @property
    def aws_role_path(self) -> str:
        """The IAM path of every role the platform creates (and the deploy role may manage): ``/<prefix>/``."""
        return f"/{self.identity.prefix}/"

    @property
    def gcp_deploy_account(self) -> str:
        """Service account ID (the part before ``@``, at most 30 characters)."""
        return f"gha-deploy-{self.identity.environment}"

    @property
    def gcp_plan_account(self) -> str:
        return f"gha-plan-{self.identity.environment}"

    @property
    def gcp_pr_plan_account(self) -> str:
        return f"gha-pr-plan-{self.identity.environment}"

    def image_repository(self, service: str) -> str:
        """The image repository of ``service``: ``<project>-<environment>/<service>`` (ECR), the image name (GCP)."""
        return f"{self.identity.prefix}/{service}"

    @property
    def gcp_image_repository(self) -> str:
        """The Artifact Registry repository ID of the environment's images."""
        return f"{self.identity.prefix}-images"

    def gcp_repository_url(self, region: str, project: str) -> str:
        """``<region>-docker.pkg.dev/<project>/<repository>``: where the environment's images are pushed."""
        return f"{region}-docker.pkg.dev/{project}/{self.gcp_image_repository}"

    def gcp_image(self, region: str, project: str, service: str, tag: str) -> str:
        """``<region>-docker.pkg.dev/<project>/<repository>/<service>:<tag>``."""
        return f"{self.gcp_repository_url(region, project)}/{service}:{tag}"

    @property
    def aws_boundary_policy(self) -> str:
        """The permissions boundary every platform role carries (and the deploy role must set)."""
        return f"gha-{self.identity.prefix}-workload-boundary"

    @property
    def aws_delivery_key_alias(self) -> str:
        """Alias (without ``alias/``) of the key encrypting state and images."""
        return f"{self.identity.prefix}-delivery"

    def aws_policy_arn(self, account_id: str, policy: str, partition: str = "aws") -> str:
        return f"arn:{partition}:iam::{account_id}:policy/{policy}"

    def aws_key_alias_arn(self, account_id: str, region: str, partition: str = "aws") -> str:
        return f"arn:{partition}:kms:{region}:{account_id}:alias/{self.aws_delivery_key_alias}"

    #: Workload Identity pool and provider IDs (one pool per project: a project per environment).
    gcp_pool: str = "github-actions"
    gcp_provider: str = "github"
    #: The pool's provider for the application repository's image workflow (its own attribute condition).
    gcp_image_provider: str = "github-images"

    def aws_role_arn(self, account_id: str, role: str, partition: str = "aws") -> str:
        return f"arn:{partition}:iam::{account_id}:role/{role}"

    def gcp_account_email(self, account: str, project_id: str) -> str:
        return f"{account}@{project_id}.iam.gserviceaccount.com"

    def gcp_provider_name(self, project_number: str) -> str:
        """What google-github-actions/auth takes as ``workload_identity_provider``."""
        return (f"projects/{project_number}/locations/global/workloadIdentityPools/{self.gcp_pool}"
                f"/providers/{self.gcp_provider}")
