"""DeliveryFoundation (GCP): what an environment's project needs before a pipeline can deploy a WebPlatform."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cdktf_cdktf_provider_google.artifact_registry_repository_iam_member import ArtifactRegistryRepositoryIamMember
from cdktf_cdktf_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from cdktf_cdktf_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktf_cdktf_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktf_cdktf_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktf_cdktf_provider_google.storage_bucket_iam_member import (
    StorageBucketIamMember,
    StorageBucketIamMemberCondition,
)
from constructs import Construct

from ...props import checked
from ...budget_spec import BudgetSpec
from ...github import IMAGE_WORKFLOW, PULL_REQUEST, DeliveryNames, GithubRepository
from ...naming import PlatformIdentity
from ...cloud_limits import artifact_registry_multi_region
from .._props import require
from ..apis import ProjectServices, ProjectServicesProps
from ..budget import BILLING_ACCOUNT, BILLING_ACCOUNT_RULE, ProjectBudget, ProjectBudgetProps
from ..github_federation import GithubWorkloadIdentity, GithubWorkloadIdentityProps, ImagePublisherProps
from ..grants import WorkloadGrant, WorkloadGrants, WorkloadGrantsProps
from ..service_account import ServiceAccount, ServiceAccountProps
from ..state_bucket import GcsStateBucket, GcsStateBucketProps
from ._identity_permissions import (
    FORCE_DESTROY_PERMISSIONS,
    SECRET_PAYLOAD_ROLE,
    deployer_permissions,
    planner_permissions,
)
from ._services import add_registry, service_account_id
from .specs import ContainerImage

#: APIs the bootstrap's resources and the token exchange need.
BOOTSTRAP_APIS: tuple[str, ...] = tuple(f"{name}.googleapis.com" for name in (
    "iam", "iamcredentials", "sts", "cloudresourcemanager", "storage", "artifactregistry",
))
#: What pushing (and signing, which reads the manifest it signs) an image calls, on the environment's repository
#: only: no delete, no repository or policy change (tags are immutable there, so a pushed tag never moves).
IMAGE_PUSH_PERMISSIONS: tuple[str, ...] = tuple(f"artifactregistry.{permission}" for permission in (
    "repositories.uploadArtifacts", "repositories.downloadArtifacts", "tags.create", "tags.get", "tags.list",
    "versions.get", "versions.list",
))
#: Service agents and roles a deploy account may act as: exactly the workload accounts, on each account.
SERVICE_ACCOUNT_USER = "roles/iam.serviceAccountUser"


def platform_resource_types(*, load_balancer: bool, database: bool, internet_egress: bool = False) -> tuple[str, ...]:
    """The resource types a WebPlatform manages (with a load balancer, with a database, with a service that
    reaches the internet), those the pipeline's custom roles cover (``tests/test_identity_threats.py`` checks
    the synthesized platforms against it)."""
    types = ["google_project", "google_project_service", "google_cloud_run_v2_service", "google_storage_bucket",
             "google_logging_project_bucket_config", "google_monitoring_alert_policy", "google_monitoring_dashboard",
             "google_monitoring_notification_channel", "google_monitoring_uptime_check_config",
             "google_secret_manager_secret", "google_secret_manager_secret_version", "google_artifact_registry_repository"]
    # Every WebPlatform has its VPC (all egress goes through it) with private zones for Google's APIs.
    types += ["google_compute_network", "google_compute_subnetwork", "google_compute_firewall",
              "google_dns_managed_zone", "google_dns_record_set"]
    if load_balancer or database:
        types += ["google_compute_global_address"]
    if internet_egress:
        types += ["google_compute_router", "google_compute_router_nat"]
    if load_balancer:
        types += ["google_compute_backend_service", "google_compute_global_forwarding_rule",
                  "google_compute_managed_ssl_certificate", "google_compute_region_network_endpoint_group",
                  "google_compute_security_policy", "google_compute_ssl_policy", "google_compute_target_http_proxy",
                  "google_compute_target_https_proxy", "google_compute_url_map"]
    if database:
        types += ["google_service_networking_connection", "google_sql_database_instance", "google_sql_database",
                  "google_sql_user", "random_password", "google_cloud_run_v2_job"]
    return tuple(types)


@checked
class DeployedBy:
    """How a GCP :class:`~.web_platform.WebPlatform` is deployed by a pipeline that may change no IAM policy
    (``DeliveryFoundation.deployed_by``; ``WebPlatformProps.deployed_by``).

    Attributes:
        service_accounts: The email of each service's account by service name. The foundation created the accounts
            and granted them :func:`~.web_platform.platform_grants` on the project, conditioned on the resources'
            names, so the platform creates neither accounts nor grants.
    """

    service_accounts: Mapping[str, str]


def deployed_by(identity: PlatformIdentity, project: str, services: tuple[str, ...]) -> DeployedBy:
    """The :class:`DeployedBy` of the foundation of ``identity`` in ``project`` with accounts for ``services``."""
    return DeployedBy(service_accounts={
        name: f"{service_account_id(name, identity.environment)}@{project}.iam.gserviceaccount.com" for name in services})


@checked
class DeliveryFoundationProps:
    """Props of :class:`DeliveryFoundation`.

    Attributes:
        identity: Project and environment; the platform this deploys has the same.
        project: Project ID (one project per environment: it holds one Workload Identity pool).
        project_number: The project's number (IAM conditions on secret names).
        region: Region of the state bucket and, by default, of the image repository (the platform's region).
        github: The repository whose workflows deploy.
        state_bucket: Exact name of the state bucket.
        services: The platform's services: each gets its account ``<service>-<environment>`` here, and the deploy
            account may act as exactly these accounts. Default none.
        grants: What the services' accounts (and other members) may do: ``platform_grants(platform props)``.
            Default none.
        platform_apis: The APIs the platform uses, enabled here ahead of its first apply (the provider does not
            wait for an API's enablement to propagate). Default none.
        emptied_buckets: Buckets the platform destroys with their objects (``force_destroy``): the deploy account
            may list and delete objects there, and nowhere else. Default none.
        deploy_environment: GitHub environment whose jobs may act as the deploy account. Default: the
            identity's environment name.
        plan_branch: Jobs without environment on this branch may act as the plan account (pull request jobs act
            as the pull request plan account). Default ``main``.
        deploy_workflow: The workflow of ``github`` whose jobs deploy, e.g. ``.github/workflows/terraform.yml``: the
            provider accepts a job in a GitHub environment only when it runs this file from ``plan_branch`` (its
            ``job_workflow_ref``), so another workflow that names the environment, or this one from another branch,
            gets no deploy token. Default ``None``: any workflow's job in the environment.
        load_balancer: The platform has the HTTPS load balancer (deploy may manage compute). Default ``True``.
        database: The platform has Cloud SQL (deploy may manage it). Default ``True``.
        internet_egress: A service of the platform reaches the internet (deploy may manage its Cloud Router and NAT).
            Default ``False``.
        state_noncurrent_version_expiration_days: Days an overwritten state version is kept. Default 90.
        image_location: Location of the image repository: ``None`` (default) for ``region``, or the
            multi-region of ``region`` (``us``, ``europe``, ``asia``) for a platform with disaster recovery,
            whose standby region must pull its images without the primary region.
        budget: A monthly budget of the project's spend. It lives here because it belongs to the billing account:
            whoever applies it needs the Billing Account Costs Manager role there, which no pipeline account holds.
            Default ``None``.
        billing_account: The billing account of the project; required with ``budget``. Default ``None``.
        budget_email: Who the budget alerts (besides the billing account's administrators); required with
            ``budget``. Default ``None``.
        image_publisher: The application repository whose image workflow pushes images: its own provider in the pool
            (its numeric IDs, a job in a GitHub environment, and the ``job_workflow_ref`` of ``github``'s
            ``.github/workflows/images.yml``), and the account ``gha-push-<env>`` for its jobs in the GitHub
            environment ``deploy_environment``, which may push to (and read) the image repository and nothing else.
            Default ``None``: no such account.
    """

    identity: PlatformIdentity
    project: str
    project_number: str
    region: str
    github: GithubRepository
    state_bucket: str
    services: tuple[str, ...] = ()
    grants: tuple[WorkloadGrant, ...] = ()
    platform_apis: tuple[str, ...] = ()
    emptied_buckets: tuple[str, ...] = ()
    deploy_environment: str | None = None
    plan_branch: str = "main"
    deploy_workflow: str | None = None
    load_balancer: bool = True
    database: bool = True
    internet_egress: bool = False
    state_noncurrent_version_expiration_days: int = 90
    image_location: str | None = None
    budget: BudgetSpec | None = None
    billing_account: str | None = None
    budget_email: str | None = None
    image_publisher: GithubRepository | None = None

    def __post_init__(self) -> None:
        multi_region = artifact_registry_multi_region(self.region)
        require(self.image_location in (None, self.region, multi_region), self, "image_location",
                f"be None, the region {self.region!r} or its Artifact Registry multi-region {multi_region!r}")
        require(len(set(self.services)) == len(self.services), self, "services", f"not repeat a name, got {self.services}")
        unknown = sorted({grant.holder for grant in self.grants if not grant.is_member} - set(self.services))
        require(not unknown, self, "grants", f"name services of `services` only, got {unknown}")
        if self.budget is not None:
            require(self.billing_account is not None and BILLING_ACCOUNT.fullmatch(self.billing_account) is not None,
                    self, "billing_account", f"{BILLING_ACCOUNT_RULE} when there is a budget")
            require(self.budget_email is not None, self, "budget_email", "name who the budget alerts")

    @property
    def repository_location(self) -> str:
        """Where the image repository is: ``image_location``, else ``region``."""
        return self.image_location or self.region


class DeliveryFoundation(Construct):
    """The foundation a keyless pipeline needs in one project: applied once by an administrator.

    - the APIs it and the platform need; the state bucket (:class:`~constructs_lib.gcp.state_bucket.GcsStateBucket`);
    - a Workload Identity pool whose GitHub provider accepts only this repository's tokens (condition
      on the numeric ``repository_owner_id`` and ``repository_id``);
    - the deploy account ``gha-deploy-<env>``, usable only by jobs in the GitHub environment (``principalSet``
      on the environment attribute; with ``deploy_workflow`` only jobs of that workflow on ``plan_branch``), holding the custom role ``<prefix>_deployer``: the permissions of the
      platform's resource types (``_identity_permissions``) and nothing that changes IAM, mints keys or tokens,
      reads data or copies the database out; never the state bucket but its own state objects; and
      ``roles/iam.serviceAccountUser`` on each workload account only;
    - the plan account ``gha-plan-<env>`` for jobs on ``plan_branch`` (``<prefix>_planner``: what refreshing
      reads, the platform's secret payloads, the state files), and the pull request plan account
      ``gha-pr-plan-<env>`` (the state files and the project's metadata: pull requests plan without refreshing);
    - each service's account and what it may do (:class:`~constructs_lib.gcp.grants.WorkloadGrants`);
    - the Artifact Registry repository of the environment's images, and the budget when there is one;
    - with an ``image_publisher``, the application repository's image jobs' provider and account ``gha-push-<env>``.

    With the id ``Default``, the repository and the accounts get the Terraform addresses a WebPlatform gave them.
    Give :attr:`deployed_by` to the platform (``WebPlatformProps.deployed_by``).
    """

    def __init__(self, scope: Construct, id_: str, props: DeliveryFoundationProps) -> None:
        super().__init__(scope, id_)
        identity, project = props.identity, props.project
        names = self.names = DeliveryNames(identity)
        self._props = props
        apis = self.apis = ProjectServices(self, "apis", ProjectServicesProps(project=project, services=tuple(dict.fromkeys((
            *BOOTSTRAP_APIS, *props.platform_apis,
            *(("monitoring.googleapis.com", "billingbudgets.googleapis.com") if props.budget else ()))))))
        self.state_bucket = GcsStateBucket(self, "state_bucket", GcsStateBucketProps(
            name=props.state_bucket, location=props.region,
            noncurrent_version_expiration_days=props.state_noncurrent_version_expiration_days,
            depends_on=apis.dependables("storage.googleapis.com"),
        ))
        self.federation = GithubWorkloadIdentity(self, "github", GithubWorkloadIdentityProps(
            project=project, repository=props.github, pool_id=names.gcp_pool, provider_id=names.gcp_provider,
            environment_workflow_ref=(None if props.deploy_workflow is None else
                                      f"{props.github.full_name}/{props.deploy_workflow}@refs/heads/{props.plan_branch}"),
            depends_on=apis.dependables("iam.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com"),
        ))
        self.deploy_account, self.plan_account, self.pr_plan_account = self._pipeline_accounts(props)
        self._grant_pipeline(props)
        self.workload_accounts = {
            name: ServiceAccount(self, f"{name}_account", ServiceAccountProps(
                account_id=service_account_id(name, identity.environment), display_name=f"{identity.prefix} {name}",
                description=f"Runs the {name} Cloud Run service of {identity.prefix}",
                depends_on=apis.dependables("iam.googleapis.com"),
            ))
            for name in props.services
        }
        for name, account in self.workload_accounts.items():
            ServiceAccountIamMember(self, f"deploy_acts_as_{name}", service_account_id=account.account.name,
                                    role=SERVICE_ACCOUNT_USER, member=self.deploy_account.member)
        if props.grants:
            WorkloadGrants(self, "grants", WorkloadGrantsProps(
                project=project, project_number=props.project_number, grants=props.grants,
                members={name: account.member for name, account in self.workload_accounts.items()},
                depends_on=[account.account for account in self.workload_accounts.values()],
            ))
        self.registry = add_registry(self, names.gcp_image_repository, props.repository_location, identity, apis)
        self.image_push_account = self._image_pusher(props) if props.image_publisher is not None else None
        if props.budget is not None:
            self._add_budget(props)

    def _pipeline_accounts(self, props: DeliveryFoundationProps) -> tuple[ServiceAccount, ...]:
        """The deploy, plan and pull request plan accounts, each usable only by its jobs."""
        names, prefix, repository = self.names, props.identity.prefix, props.github
        environment = props.deploy_environment or props.identity.environment
        accounts = tuple(ServiceAccount(self, id_, ServiceAccountProps(
            account_id=account_id, display_name=f"GitHub Actions {what} ({prefix})",
            description=f"{who} of {repository.full_name}",
            depends_on=self.apis.dependables("iam.googleapis.com"),
        )) for id_, account_id, what, who in (
            ("deploy_account", names.gcp_deploy_account, "deploy", f"Jobs in the GitHub environment {environment}"),
            ("plan_account", names.gcp_plan_account, "plan", f"{props.plan_branch} jobs (plans, drift; read only)"),
            ("pr_plan_account", names.gcp_pr_plan_account, "pull request plan", "Pull request jobs (state only)"),
        ))
        deploy, plan, pr_plan = accounts
        self.federation.allow_environment("deploy_federation", deploy.account.name, environment)
        self.federation.allow_subjects("plan_federation", plan.account.name,
                                       repository.subjects(GithubRepository.branch(props.plan_branch)))
        self.federation.allow_subjects("pr_plan_federation", pr_plan.account.name, repository.subjects(PULL_REQUEST))
        return accounts

    def _image_pusher(self, props: DeliveryFoundationProps) -> ServiceAccount:
        """The application repository's image jobs: their provider, their account, push to the repository only."""
        assert props.image_publisher is not None
        environment, names = props.deploy_environment or props.identity.environment, self.names
        self.federation.add_image_publisher("images_provider", ImagePublisherProps(
            repository=props.image_publisher, workflow_repository=props.github, workflow_path=IMAGE_WORKFLOW,
            provider_id=names.gcp_image_provider))
        account = ServiceAccount(self, "image_push_account", ServiceAccountProps(
            account_id=names.gcp_image_push_account, display_name=f"GitHub Actions image push ({props.identity.prefix})",
            description=f"Image workflow jobs of {props.image_publisher.full_name} in the GitHub environment {environment}",
            depends_on=self.apis.dependables("iam.googleapis.com"),
        ))
        self.federation.allow_image_environment("image_push_federation", account.account.name, environment)
        role = self._custom_role("image_push_role", f"{re.sub(r'[^a-z0-9]', '_', props.identity.prefix)}_image_pusher",
                                 f"{props.identity.prefix} pushes images", IMAGE_PUSH_PERMISSIONS)
        ArtifactRegistryRepositoryIamMember(
            self, "image_push_repository", project=props.project, location=props.repository_location,
            repository=self.registry.repository.repository_id, role=role.name, member=account.member)
        return account

    def _custom_role(self, id_: str, role_id: str, title: str, permissions: tuple[str, ...]) -> ProjectIamCustomRole:
        return ProjectIamCustomRole(self, id_, project=self._props.project, role_id=role_id, title=title,
                                    permissions=list(permissions), stage="GA",
                                    depends_on=self.apis.dependables("iam.googleapis.com"))

    def _grant_pipeline(self, props: DeliveryFoundationProps) -> None:
        """The pipeline accounts' custom roles on the project, and their state objects."""
        project, slug = props.project, re.sub(r"[^a-z0-9]", "_", props.identity.prefix)
        types = platform_resource_types(load_balancer=props.load_balancer, database=props.database,
                                        internet_egress=props.internet_egress)
        state = f"projects/_/buckets/{props.state_bucket}"
        roles = (
            ("deploy", self.deploy_account, "deployer", "deploys the platform", deployer_permissions(types),
             ProjectIamMemberCondition(title="never the state bucket", expression=f'!resource.name.startsWith("{state}")')),
            ("plan", self.plan_account, "planner", "refreshes the platform", planner_permissions(types), None),
            ("pr_plan", self.pr_plan_account, "pr_planner", "plans pull requests", ("resourcemanager.projects.get",), None),
        )
        for key, account, suffix, title, permissions, condition in roles:
            role = self._custom_role(f"{key}_role", f"{slug}_{suffix}", f"{props.identity.prefix} {title}", permissions)
            ProjectIamMember(self, f"{key}_custom_role", project=project, role=role.name, member=account.member,
                             condition=condition)
        if props.emptied_buckets:
            emptier = self._custom_role("emptier_role", f"{slug}_bucket_emptier",
                                        f"{props.identity.prefix} empties buckets it destroys", FORCE_DESTROY_PERMISSIONS)
            for bucket in props.emptied_buckets:
                ProjectIamMember(self, re.sub(r"[^A-Za-z0-9_]", "_", f"deploy_empties_{bucket}"), project=project,
                                 role=emptier.name, member=self.deploy_account.member,
                                 condition=ProjectIamMemberCondition(
                                     title=f"objects of {bucket}"[:100],
                                     # objects.list is checked on the bucket itself, objects.delete on each object.
                                     expression=(f'resource.name == "projects/_/buckets/{bucket}" || '
                                                 f'resource.name.startsWith("projects/_/buckets/{bucket}/")')))
        for key, account in (("plan", self.plan_account), ("deploy", self.deploy_account)):
            # Refreshing a secret version reads its payload: the platform's secrets only.
            ProjectIamMember(
                self, f"{key}_refresh_secrets", project=project, role=SECRET_PAYLOAD_ROLE, member=account.member,
                condition=ProjectIamMemberCondition(
                    title="the platform's secrets",
                    expression=f'resource.name.startsWith("projects/{props.project_number}/secrets/{props.identity.prefix}-")',
                ),
            )
        identity = props.identity
        StorageBucketIamMember(
            self, "deploy_state", bucket=self.state_bucket.name, role="roles/storage.objectUser",
            member=self.deploy_account.member,
            condition=StorageBucketIamMemberCondition(
                title="platform state only",
                expression=(f'resource.name == "{state}" || resource.name.startsWith('
                            f'"{state}/objects/{identity.project}/{identity.environment}/default.")'),
            ),
        )
        for key, account in (("plan", self.plan_account), ("pr_plan", self.pr_plan_account)):
            StorageBucketIamMember(self, f"{key}_state", bucket=self.state_bucket.name, role="roles/storage.objectViewer",
                                   member=account.member)

    def _add_budget(self, props: DeliveryFoundationProps) -> None:
        assert props.budget is not None and props.billing_account is not None and props.budget_email is not None
        channel = MonitoringNotificationChannel(
            self, "budget_channel", project=props.project, display_name=f"{props.identity.prefix} budget",
            type="email", labels={"email_address": props.budget_email},
            depends_on=self.apis.dependables("monitoring.googleapis.com"),
        )
        ProjectBudget(self, "budget", ProjectBudgetProps(
            display_name=f"{props.identity.prefix} monthly", billing_account=props.billing_account, project=props.project,
            budget=props.budget, notification_channels=(channel.id,),
            depends_on=self.apis.dependables("billingbudgets.googleapis.com"),
        ))

    @property
    def workload_identity_provider(self) -> str:
        """What google-github-actions/auth takes as ``workload_identity_provider``."""
        return self.federation.provider_name

    @property
    def deployed_by(self) -> DeployedBy:
        """What the platform this foundation deploys needs: give it to ``WebPlatformProps.deployed_by`` (plain
        emails, no reference: the platform is another stack)."""
        return deployed_by(self._props.identity, self._props.project, self._props.services)

    def image(self, tag: str) -> ContainerImage:
        """``ContainerImage.in_repository`` of the environment's repository at ``tag`` (each service its own image)."""
        props = self._props
        return ContainerImage.in_repository(self.names.gcp_repository_url(props.repository_location, props.project), tag)
