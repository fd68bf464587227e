"""DeliveryFoundation (GCP): what an environment's project needs before a pipeline can deploy a WebPlatform."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktf_cdktf_provider_google.storage_bucket_iam_member import (
    StorageBucketIamMember,
    StorageBucketIamMemberCondition,
)
from constructs import Construct

from ...github import PULL_REQUEST, DeliveryNames, GithubRepository
from ...naming import PlatformIdentity
from ...rules import artifact_registry_multi_region
from .._props import require
from ..apis import ProjectServices, ProjectServicesProps
from ..github_federation import GithubWorkloadIdentity, GithubWorkloadIdentityProps
from ..service_account import ServiceAccount, ServiceAccountProps
from ..state_bucket import GcsStateBucket, GcsStateBucketProps
from ._services import add_registry
from .specs import ContainerImage

#: APIs the bootstrap's resources and the token exchange need.
BOOTSTRAP_APIS: tuple[str, ...] = tuple(f"{name}.googleapis.com" for name in (
    "iam", "iamcredentials", "sts", "cloudresourcemanager", "storage", "artifactregistry",
))


def deploy_roles(*, load_balancer: bool, database: bool) -> tuple[tuple[str, str], ...]:
    """(role, why) of every project role the deploy account holds: one per kind of resource a WebPlatform manages."""
    roles = [
        ("roles/run.admin", "Cloud Run services"),
        ("roles/iam.serviceAccountAdmin", "the services' own service accounts"),
        ("roles/iam.serviceAccountUser", "deploying Cloud Run services that run as those accounts"),
        ("roles/monitoring.editor", "alert policies, uptime checks, notification channels, dashboard"),
        ("roles/logging.configWriter", "log bucket retention"),
        ("roles/serviceusage.serviceUsageAdmin", "enabling the APIs the platform uses"),
        ("roles/secretmanager.admin", "secrets and who may read them"),
        ("roles/storage.admin", "the data and access-log buckets (condition: never the state bucket)"),
    ]
    if load_balancer or database:
        roles.append(("roles/compute.networkAdmin", "VPC, subnet, addresses, serverless NEGs"))
    if load_balancer:
        roles += [("roles/compute.loadBalancerAdmin", "HTTPS load balancer, certificates"),
                  ("roles/compute.securityAdmin", "Cloud Armor policy, SSL policy, firewall rules")]
    if database:
        roles += [("roles/cloudsql.admin", "Cloud SQL instance, database, user"),
                  ("roles/servicenetworking.networksAdmin", "private service access for Cloud SQL")]
    return tuple(roles)


#: (role, why) of the plan account: read-only, plus what Terraform refreshes.
PLAN_ROLES: tuple[tuple[str, str], ...] = (
    ("roles/viewer", "read every resource's configuration (no object or secret payloads)"),
    ("roles/iam.securityReviewer", "read IAM policies of the project and its resources"),
)


@dataclass(frozen=True)
class DeliveryFoundationProps:
    """Props of :class:`DeliveryFoundation`.

    Attributes:
        identity: Project and environment; the platform this deploys has the same.
        project: Project ID (one project per environment: it holds one Workload Identity pool).
        project_number: The project's number (IAM condition on secret names).
        region: Region of the state bucket and, by default, of the image repository (the platform's region).
        github: The repository whose workflows deploy.
        state_bucket: Exact name of the state bucket.
        deploy_environment: GitHub environment whose jobs may act as the deploy account. Default: the
            identity's environment name.
        plan_branch: Jobs without environment on this branch may act as the plan account, besides pull
            requests. Default ``main``.
        load_balancer: The platform has the HTTPS load balancer (deploy may manage compute). Default ``True``.
        database: The platform has Cloud SQL (deploy may manage it). Default ``True``.
        state_noncurrent_version_expiration_days: Days an overwritten state version is kept. Default 90.
        image_location: Location of the image repository: ``None`` (default) for ``region``, or the
            multi-region of ``region`` (``us``, ``europe``, ``asia``) for a platform with disaster recovery,
            whose standby region must pull its images without the primary region.
    """

    identity: PlatformIdentity
    project: str
    project_number: str
    region: str
    github: GithubRepository
    state_bucket: str
    deploy_environment: str | None = None
    plan_branch: str = "main"
    load_balancer: bool = True
    database: bool = True
    state_noncurrent_version_expiration_days: int = 90
    image_location: str | None = None

    def __post_init__(self) -> None:
        multi_region = artifact_registry_multi_region(self.region)
        require(self.image_location in (None, self.region, multi_region), self, "image_location",
                f"be None, the region {self.region!r} or its Artifact Registry multi-region {multi_region!r}")

    @property
    def repository_location(self) -> str:
        """Where the image repository is: ``image_location``, else ``region``."""
        return self.image_location or self.region


class DeliveryFoundation(Construct):
    """The foundation a keyless pipeline needs in one project: applied once by an administrator.

    - the APIs it needs; the state bucket (:class:`~constructs_lib.gcp.state_bucket.GcsStateBucket`);
    - a Workload Identity pool whose GitHub provider accepts only this repository's tokens (condition
      on the numeric ``repository_owner_id`` and ``repository_id``);
    - the deploy service account ``gha-deploy-<env>``, usable only by jobs in the GitHub environment
      (``principalSet`` on the environment attribute), with one project role per kind of resource the
      platform manages; Cloud Storage admin excludes the state bucket, of which it may read and write
      only the platform's state objects;
    - the plan service account ``gha-plan-<env>`` (viewer, security reviewer, the platform's secret
      values Terraform refreshes, both state files), usable only by pull request jobs and jobs on
      ``plan_branch`` (exact subjects, both forms);
    - the Artifact Registry repository of the environment's images.

    With the id ``Default``, the repository gets the Terraform address a WebPlatform gave it.
    """

    def __init__(self, scope: Construct, id_: str, props: DeliveryFoundationProps) -> None:
        super().__init__(scope, id_)
        identity, project = props.identity, props.project
        names = self.names = DeliveryNames(identity)
        self._props = props
        apis = ProjectServices(self, "apis", ProjectServicesProps(project=project, services=BOOTSTRAP_APIS))
        self.state_bucket = GcsStateBucket(self, "state_bucket", GcsStateBucketProps(
            name=props.state_bucket, location=props.region,
            noncurrent_version_expiration_days=props.state_noncurrent_version_expiration_days,
            depends_on=apis.dependables("storage.googleapis.com"),
        ))
        self.federation = GithubWorkloadIdentity(self, "github", GithubWorkloadIdentityProps(
            project=project, repository=props.github, pool_id=names.gcp_pool, provider_id=names.gcp_provider,
            depends_on=apis.dependables("iam.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com"),
        ))
        environment = props.deploy_environment or identity.environment
        self.deploy_account = ServiceAccount(self, "deploy_account", ServiceAccountProps(
            account_id=names.gcp_deploy_account, display_name=f"GitHub Actions deploy ({identity.prefix})",
            description=f"Jobs in the GitHub environment {environment} of {props.github.full_name}",
            depends_on=apis.dependables("iam.googleapis.com"),
        ))
        self.plan_account = ServiceAccount(self, "plan_account", ServiceAccountProps(
            account_id=names.gcp_plan_account, display_name=f"GitHub Actions plan ({identity.prefix})",
            description=f"Pull request and {props.plan_branch} jobs of {props.github.full_name} (read only)",
            depends_on=apis.dependables("iam.googleapis.com"),
        ))
        self.federation.allow_environment("deploy_federation", self.deploy_account.account.name, environment)
        self.federation.allow_subjects("plan_federation", self.plan_account.account.name, (
            *props.github.subjects(PULL_REQUEST), *props.github.subjects(GithubRepository.branch(props.plan_branch))))

        bucket_resource = f"projects/_/buckets/{props.state_bucket}"
        for role, _why in deploy_roles(load_balancer=props.load_balancer, database=props.database):
            slug = role.removeprefix("roles/").replace(".", "_")
            condition = ProjectIamMemberCondition(
                title="never the state bucket", expression=f'!resource.name.startsWith("{bucket_resource}")',
            ) if role == "roles/storage.admin" else None
            ProjectIamMember(self, f"deploy_{slug}", project=project, role=role,
                             member=self.deploy_account.member, condition=condition)
        StorageBucketIamMember(
            self, "deploy_state", bucket=self.state_bucket.name, role="roles/storage.objectAdmin",
            member=self.deploy_account.member,
            condition=StorageBucketIamMemberCondition(
                title="platform state only",
                expression=(f'resource.name == "{bucket_resource}" || resource.name.startsWith('
                            f'"{bucket_resource}/objects/{identity.project}/{identity.environment}/default.")'),
            ),
        )
        for role, _why in PLAN_ROLES:
            ProjectIamMember(self, f"plan_{role.removeprefix('roles/').replace('.', '_')}", project=project, role=role,
                             member=self.plan_account.member)
        ProjectIamMember(
            self, "plan_refresh_secrets", project=project, role="roles/secretmanager.secretAccessor",
            member=self.plan_account.member,
            condition=ProjectIamMemberCondition(
                title="the platform's secrets",
                expression=f'resource.name.startsWith("projects/{props.project_number}/secrets/{identity.prefix}-")',
            ),
        )
        StorageBucketIamMember(self, "plan_state", bucket=self.state_bucket.name, role="roles/storage.objectViewer",
                               member=self.plan_account.member)
        self.registry = add_registry(self, names.gcp_image_repository, props.repository_location, identity, apis)

    @property
    def workload_identity_provider(self) -> str:
        """What google-github-actions/auth takes as ``workload_identity_provider``."""
        return self.federation.provider_name

    def image(self, tag: str) -> ContainerImage:
        """``ContainerImage.in_repository`` of the environment's repository at ``tag`` (each service its own image)."""
        props = self._props
        return ContainerImage.in_repository(self.names.gcp_repository_url(props.repository_location, props.project), tag)
