"""DeliveryFoundation: what an environment's AWS account needs before a pipeline can deploy a WebPlatform."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.s3_account_public_access_block import S3AccountPublicAccessBlock
from constructs import Construct

from ...props import Shown, checked, label_of, prop, require
from ...github import PULL_REQUEST, DeliveryNames, GithubRepository
from ...naming import PlatformIdentity
from ...cloud_limits import AWS_ACCOUNT_PATTERN, AWS_REGION_PATTERN
from ..container_repository import ContainerRepository, ContainerRepositoryProps
from ..encryption_key import EncryptionKey, EncryptionKeyProps
from ..github_oidc import GithubActionsRole, GithubActionsRoleProps, GithubOidcProvider
from ..iam import Statement, policy_document
from ..registry_replication import RegistryReplication, RegistryReplicationProps
from ..state_bucket import StateBucket, StateBucketProps
from ._identity_permissions import (
    DeliveryScope,
    deploy_policies,
    image_push_policies,
    plan_policies,
    pr_plan_policies,
    workload_boundary,
)
from .specs import ContainerImage


# Services whose actions would let a workload act as someone else, read the delivery key or leave the account's
# controls: the workload boundary never widens to them (the account's own keys are allowed already).
WORKLOAD_FORBIDDEN_SERVICES: tuple[str, ...] = ("iam", "sts", "organizations", "kms", "account")


def check_workload_permissions(spec: object, statements: tuple[Statement, ...]) -> None:
    """``workload_permissions`` are Allow statements of services other than :data:`WORKLOAD_FORBIDDEN_SERVICES`."""
    for statement in statements:
        forbidden = [action for action in statement.actions
                     if action == "*" or action.split(":")[0].lower() in WORKLOAD_FORBIDDEN_SERVICES]
        require(statement.effect == "Allow" and not forbidden, spec, "workload_permissions",
                "be Allow statements naming no action of " + ", ".join(WORKLOAD_FORBIDDEN_SERVICES) + " and no *",
                value=Shown(label_of(statement)))


@checked
class DeployedBy:
    """The pipeline identity that applies a :class:`~.web_platform.WebPlatform`, and the limits it sets on the
    roles the platform creates (``DeliveryFoundation.deployed_by``; ``WebPlatformProps.deployed_by``).

    Attributes:
        role_arn: The deploy role. The platform's keys name it in their key policies, so it manages them
            without any IAM condition on tags (a new key's tags can take minutes to count for authorization).
        permissions_boundary_arn: Set on every role the platform creates (the deploy role may create no other).
        role_path: IAM path of every role the platform creates, e.g. ``/duckdb-analytics-prod/`` (the deploy role
            manages the roles under it and no other).
        workload_permissions: What the boundary allows beyond the platform's own resources
            (``DeliveryFoundationProps.workload_permissions``): a service's ``permissions`` may name them. Default none.
    """

    role_arn: str
    permissions_boundary_arn: str
    role_path: str
    workload_permissions: tuple[Statement, ...] = ()

    def __post_init__(self) -> None:
        check_workload_permissions(self, self.workload_permissions)
        require(self.role_path.startswith("/") and self.role_path.endswith("/") and len(self.role_path) > 2, self,
                "role_path", "be an IAM path of its own such as '/duckdb-analytics-prod/'")


@checked
class DeliveryFoundationProps:
    """Props of :class:`DeliveryFoundation`.

    Attributes:
        identity: Project and environment; the platform this deploys has the same.
        account_id: The environment's account (one account per environment: it holds one GitHub OIDC provider).
        region: Region of the state bucket, the key and the image repositories (the platform's region).
        github: The repository whose workflows deploy.
        state_bucket: Exact name of the state bucket (S3 names are global).
        image_repositories: One ECR repository ``<project>-<environment>/<name>`` per service name.
        deploy_environment: The GitHub environment whose jobs may assume the deploy role. Default: the
            identity's environment name.
        plan_branch: Jobs without environment on this branch (pushes, schedules, dispatches) may assume the
            plan role, besides pull requests. Default ``main``.
        hosted_zone_ids: Route 53 zones the platform writes records into. Default none.
        database: The platform has an RDS database (the deploy role may manage RDS). Default ``True``.
        certificate: The platform issues an ACM certificate (the deploy role may request one). Default ``True``.
        state_noncurrent_version_expiration_days: Days an overwritten state version is kept. Default 90.
        partition: AWS partition. Default ``aws``.
        standby_region: The region of the platform's disaster-recovery standby (``DisasterRecoverySpec``): the
            deploy and plan roles and the workload boundary cover the standby stack there, its state object
            ``<project>/<environment>/standby.tfstate``, and the replication into it; the registry replicates the
            image repositories there (its replication configuration is the account's, so it lives here, applied
            by an administrator). Default ``None``.
        production: The deploy role may not delete the flow logs (an audit trail). Default ``False``.
        image_publisher: The application repository whose image workflow pushes images: the role
            ``gha-<prefix>-image-push`` trusts its jobs in the GitHub environment ``deploy_environment`` (exact
            subjects) and may push to (and read) the environment's repositories and nothing else. IAM compares no
            GitHub claim but the subject and audience, so the workflow that runs is the application repository's
            choice there (GCP checks it). Default ``None``: no such role.
        workload_permissions: What the platform's roles may do beyond the platform's own resources, e.g. read an
            existing queue: added to the workload boundary (so a service's ``permissions`` may name it, and the deploy
            role may give it to the roles it creates). Default none.
    """

    identity: PlatformIdentity
    account_id: str = prop(pattern=AWS_ACCOUNT_PATTERN, rule="be a 12-digit AWS account ID")
    region: str = prop(pattern=AWS_REGION_PATTERN, rule="be an AWS region such as us-east-1")
    github: GithubRepository
    state_bucket: str
    image_repositories: tuple[str, ...]
    deploy_environment: str | None = None
    plan_branch: str = "main"
    hosted_zone_ids: tuple[str, ...] = ()
    database: bool = True
    certificate: bool = True
    state_noncurrent_version_expiration_days: int = 90
    partition: str = "aws"
    standby_region: str | None = prop(None, pattern=AWS_REGION_PATTERN, rule="be an AWS region other than region")
    production: bool = False
    image_publisher: GithubRepository | None = None
    workload_permissions: tuple[Statement, ...] = ()

    def __post_init__(self) -> None:
        require(self.standby_region != self.region, self, "standby_region", "be an AWS region other than region")
        check_workload_permissions(self, self.workload_permissions)
        require(len(set(self.image_repositories)) == len(self.image_repositories), self, "image_repositories",
                "be a tuple of distinct service names")


class DeliveryFoundation(Construct):
    """The foundation a keyless pipeline needs in one account: applied once by an administrator.

    - a KMS key (alias ``<prefix>-delivery``) for state and images;
    - the state bucket (:class:`~constructs_lib.aws.state_bucket.StateBucket`: versioned, SSE-KMS,
      private, TLS only, ``prevent_destroy``);
    - the account's GitHub OIDC provider;
    - the deploy role ``gha-<prefix>-deploy``, assumable only by jobs in the GitHub environment
      (exact ``sub`` in both subject forms, ``StringEquals``, audience ``sts.amazonaws.com``), with
      permissions scoped to what a WebPlatform manages (see ``_identity_permissions``);
    - the read-only plan role ``gha-<prefix>-plan`` for jobs on ``plan_branch`` (plans and the drift
      check: it refreshes secret versions, so it reads the environment's secrets);
    - the pull request plan role ``gha-<prefix>-pr-plan`` for pull requests: the state files only
      (pull requests plan without refreshing, so no pull request reads a live resource or a secret);
    - with an ``image_publisher``, the image-push role ``gha-<prefix>-image-push`` for the application
      repository's jobs in the GitHub environment: push to the environment's repositories, nothing else;
    - the workload permissions boundary, which every role the deploy role creates must carry;
    - one ECR repository per service (scan on push, immutable tags, KMS), so images can be pushed
      before the platform's first apply, and with a ``standby_region`` the registry's replication;
    - the account's S3 public access block (every setting on), which the deploy role may not change: no bucket
      policy or ACL it writes can make a bucket public.

    Give :attr:`deployed_by` to the platform (``WebPlatformProps.deployed_by``): its keys then name the
    deploy role, and its roles carry the boundary under the deploy role's path.

    Construct ids are stable: with the id ``Default`` the repositories get the Terraform addresses a
    WebPlatform gave them, so they can be imported from a platform stack under the same address.
    """

    def __init__(self, scope: Construct, id_: str, props: DeliveryFoundationProps) -> None:
        super().__init__(scope, id_)
        identity, account, region, partition = props.identity, props.account_id, props.region, props.partition
        names = self.names = DeliveryNames(identity)
        self._props = props
        self.key = EncryptionKey(self, "delivery_key", EncryptionKeyProps(
            alias=names.aws_delivery_key_alias, account_id=account, partition=partition,
            description=f"{identity.prefix}: Terraform state and container images",
        ))
        self.state_bucket = StateBucket(self, "state_bucket", StateBucketProps(
            name=props.state_bucket, kms_key_arn=self.key.arn,
            noncurrent_version_expiration_days=props.state_noncurrent_version_expiration_days,
        ))
        self.oidc_provider = GithubOidcProvider(self, "github_oidc")
        S3AccountPublicAccessBlock(self, "account_public_access_block", account_id=account, block_public_acls=True,
                                   block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
        delivery_scope = DeliveryScope(
            identity=identity, account_id=account, region=region, state_bucket=props.state_bucket,
            state_key_arn=self.key.arn, boundary_arn=self.boundary_arn, role_path=names.aws_role_path,
            protected_role_names=(names.aws_deploy_role, names.aws_plan_role, names.aws_pr_plan_role,
                                  names.aws_image_push_role),
            protected_policy_prefix=f"gha-{identity.prefix}-", oidc_provider_arn=self.oidc_provider.arn,
            hosted_zone_ids=props.hosted_zone_ids, partition=partition, standby_region=props.standby_region,
            production=props.production, workload_permissions=props.workload_permissions,
        )
        boundary = policy_document(self, "workload_boundary_document", workload_boundary(delivery_scope))
        self.boundary = IamPolicy(self, "workload_boundary", name=names.aws_boundary_policy, policy=boundary.json,
                                  description=f"{identity.prefix}: the most any role of the platform may do")
        self._add_github_roles(props, delivery_scope)
        self._repositories = {
            name: ContainerRepository(self, f"{name}_repository", ContainerRepositoryProps(
                name=names.image_repository(name), kms_key_arn=self.key.arn, keep_existing_encryption=True,
            ))
            for name in props.image_repositories
        }
        if props.standby_region is not None:
            # The registry's replication belongs to the account: the deploy role may never point it elsewhere.
            RegistryReplication(self, "image_replication", RegistryReplicationProps(
                account_id=account, destination_regions=(props.standby_region,),
                repository_prefix=names.image_repository(""),
            ))

    def _add_github_roles(self, props: DeliveryFoundationProps, delivery_scope: DeliveryScope) -> None:
        """The roles GitHub Actions assumes: deploy (the environment), plan (the plan branch), pull request plan,
        and with an ``image_publisher`` the image push role."""
        identity, names = props.identity, self.names
        environment = props.deploy_environment or identity.environment
        self.deploy_role = GithubActionsRole(self, "deploy_role", GithubActionsRoleProps(
            name=names.aws_deploy_role, provider_arn=self.oidc_provider.arn,
            subjects=props.github.subjects(GithubRepository.environment(environment)),
            policies=deploy_policies(delivery_scope, database=props.database, certificate=props.certificate),
            description=f"{identity.prefix}: GitHub Actions deploys from environment {environment}",
        ))
        self.plan_role = GithubActionsRole(self, "plan_role", GithubActionsRoleProps(
            name=names.aws_plan_role, provider_arn=self.oidc_provider.arn,
            subjects=props.github.subjects(GithubRepository.branch(props.plan_branch)),
            policies=plan_policies(delivery_scope),
            description=f"{identity.prefix}: GitHub Actions plans and drift checks (read only) on {props.plan_branch}",
        ))
        self.pr_plan_role = GithubActionsRole(self, "pr_plan_role", GithubActionsRoleProps(
            name=names.aws_pr_plan_role, provider_arn=self.oidc_provider.arn,
            subjects=props.github.subjects(PULL_REQUEST), policies=pr_plan_policies(delivery_scope),
            description=f"{identity.prefix}: GitHub Actions pull request plans (the state files only, no refresh)",
        ))
        self.image_push_role = None if props.image_publisher is None else GithubActionsRole(
            self, "image_push_role", GithubActionsRoleProps(
                name=names.aws_image_push_role, provider_arn=self.oidc_provider.arn,
                subjects=props.image_publisher.subjects(GithubRepository.environment(environment)),
                policies=image_push_policies(delivery_scope),
                description=f"{identity.prefix}: {props.image_publisher.full_name} pushes images from environment {environment}",
            ))

    @property
    def boundary_arn(self) -> str:
        """ARN of the workload permissions boundary (known before apply: pass it to ``WebPlatformProps``)."""
        return self.names.aws_policy_arn(self._props.account_id, self.names.aws_boundary_policy, self._props.partition)

    @property
    def deployed_by(self) -> DeployedBy:
        """What the platform this foundation deploys needs: give it to ``WebPlatformProps.deployed_by``."""
        return DeployedBy(role_arn=self.names.aws_role_arn(self._props.account_id, self.names.aws_deploy_role,
                                                            self._props.partition),
                          permissions_boundary_arn=self.boundary_arn, role_path=self.names.aws_role_path,
                          workload_permissions=self._props.workload_permissions)

    @property
    def repositories(self) -> Mapping[str, ContainerRepository]:
        """The image repositories by service name."""
        return dict(self._repositories)

    def image(self, service: str, tag: str) -> ContainerImage:
        """``ContainerImage.ecr`` of ``service``'s repository at ``tag``, for a platform in the same account."""
        if service not in self._repositories:
            raise KeyError(f"no image repository for {service!r} (repositories: {', '.join(self._repositories)})")
        props = self._props
        return ContainerImage.ecr(account_id=props.account_id, region=props.region,
                                  repository=self.names.image_repository(service), tag=tag, partition=props.partition)
