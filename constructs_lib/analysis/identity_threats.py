"""What a stolen pipeline identity must not be able to do, on both clouds, and what stops it.

One row per attack path: a request that the named identity's synthesized permissions must refuse, and the
control that refuses it: a deny statement of ours (by its id), the absence of any grant (:data:`NOT_GRANTED`),
or a control an administrator applies outside the stacks (:data:`ORGANIZATION`: the AWS data perimeter of
:func:`aws_data_perimeter`, the GCP organization policies of :data:`GCP_ORGANIZATION_POLICIES`).
``tests/test_identity_threats.py`` evaluates every row against the synthesized bootstrap and platform stacks
(:mod:`constructs_lib.aws.iam_evaluation` on AWS, the granted permissions on GCP), so a change that reopens
a path fails the suite; ``docs/delivery-permissions.md`` is generated from the same rows.

Plain data, no cdktf. AWS resources are templates filled with ``{account}``, ``{region}``, ``{prefix}``,
``{environment}``, ``{state_bucket}``, ``{delivery_key}`` (the bootstrap's key) and ``{other_account}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..github import GithubRepository
from ..cloud_limits import ELB_LOG_ACCOUNTS

#: The request is refused because no statement grants it.
NOT_GRANTED = "not granted"
#: Refused only by a control the administrator applies outside the stacks (docs/delivery.md, section 9; docs/delivery-permissions.md).
ORGANIZATION = "organization"
#: An account outside the organization, in the rows' requests.
OTHER_ACCOUNT = "444455556666"


@dataclass(frozen=True)
class AwsThreat:
    """One request a pipeline identity or a workload must never get allowed.

    Attributes:
        path: The attack, in a few words.
        identity: ``deploy``, ``plan``, ``pr-plan``, ``image-push`` (the bootstrap's roles), ``workload`` (the most
            the workload boundary allows any platform role) or ``outsider`` (a principal of another account, against the data
            perimeter).
        action: The IAM action.
        resource: The ARN template (see the module docstring).
        context: Condition keys of the request beyond the defaults (``aws:RequestedRegion``, ``aws:ResourceAccount``).
        closed_by: The deny statement id that refuses it, :data:`NOT_GRANTED` or :data:`ORGANIZATION`.
        production_only: The control exists in production only (the others may delete what it protects).
    """

    path: str
    identity: str
    action: str
    resource: str
    closed_by: str
    context: Mapping[str, str] = field(default_factory=dict)
    production_only: bool = False


_SECRET = "arn:aws:secretsmanager:{region}:{account}:secret:{prefix}/database-password-AbCdEf"
_KEY = "arn:aws:kms:{region}:{account}:key/0123abcd-0000-0000-0000-000000000000"
_ROLE = "arn:aws:iam::{account}:role/{prefix}/{prefix}-backend-task-0123"
_ADMIN_ROLE = "arn:aws:iam::{account}:role/{prefix}-admin"
_DATA = "arn:aws:s3:::{prefix}-data-0123/exports/customers.parquet"
_STATE = "arn:aws:s3:::{state_bucket}/duckdb-analytics/{environment}/terraform.tfstate"
_WEB_ACL = "arn:aws:wafv2:{region}:{account}:regional/webacl/{prefix}/0123"
_VIA_SECRETS = {"kms:ViaService": "secretsmanager.{region}.amazonaws.com", "kms:EncryptionContext:SecretARN": _SECRET}
_IMAGES = "arn:aws:ecr:{region}:{account}:repository/{prefix}/backend"
_OUTSIDER = {"aws:PrincipalOrgID": "o-outsider", "aws:PrincipalAccount": OTHER_ACCOUNT, "aws:PrincipalIsAWSService": "false"}

#: Issue 21's paths on AWS, each as the request that would open it.
AWS_THREATS: tuple[AwsThreat, ...] = (
    # 2. Pull requests can reach prod secrets, sampled requests and data.
    AwsThreat("a pull request reads the database password", "pr-plan", "secretsmanager:GetSecretValue", _SECRET, NOT_GRANTED),
    AwsThreat("a pull request decrypts a secret", "pr-plan", "kms:Decrypt", _KEY, NOT_GRANTED, _VIA_SECRETS),
    AwsThreat("a pull request reads live requests with their headers", "pr-plan", "wafv2:GetSampledRequests", _WEB_ACL,
              NOT_GRANTED),
    AwsThreat("a plan reads live requests with their headers", "plan", "wafv2:GetSampledRequests", _WEB_ACL, NOT_GRANTED),
    AwsThreat("a plan reads the data bucket", "plan", "s3:GetObject", _DATA, NOT_GRANTED),
    AwsThreat("a plan reads application logs", "plan", "logs:GetLogEvents",
              "arn:aws:logs:{region}:{account}:log-group:/ecs/{prefix}-backend:log-stream:x", NOT_GRANTED),
    AwsThreat("a plan decrypts with the platform key outside Secrets Manager", "plan", "kms:Decrypt", _KEY, NOT_GRANTED),
    # 3. A backdoor role that survives the deploy role's revocation.
    AwsThreat("the deploy role re-trusts a platform role", "deploy", "iam:UpdateAssumeRolePolicy", _ROLE,
              "DenyTrustChanges"),
    AwsThreat("the deploy role creates a role without the boundary", "deploy", "iam:CreateRole", _ROLE, NOT_GRANTED),
    AwsThreat("the deploy role creates a role outside its path", "deploy", "iam:CreateRole", _ADMIN_ROLE, NOT_GRANTED,
              {"iam:PermissionsBoundary": "arn:aws:iam::{account}:policy/gha-{prefix}-workload-boundary"}),
    AwsThreat("the deploy role takes over an administrator's role named like the platform", "deploy",
              "iam:PutRolePolicy", _ADMIN_ROLE, NOT_GRANTED,
              {"iam:PermissionsBoundary": "arn:aws:iam::{account}:policy/gha-{prefix}-workload-boundary"}),
    AwsThreat("the deploy role removes a role's boundary", "deploy", "iam:DeleteRolePermissionsBoundary", _ROLE,
              NOT_GRANTED),
    AwsThreat("the deploy role attaches administrator access", "deploy", "iam:AttachRolePolicy", _ROLE, NOT_GRANTED,
              {"iam:PermissionsBoundary": "arn:aws:iam::{account}:policy/gha-{prefix}-workload-boundary",
               "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    AwsThreat("the deploy role changes its own permissions", "deploy", "iam:PutRolePolicy",
              "arn:aws:iam::{account}:role/gha-{prefix}-deploy", "DenyDeliveryIdentities"),
    AwsThreat("another account assumes a role the deploy role created for it", "outsider", "sts:AssumeRole", _ROLE,
              ORGANIZATION, _OUTSIDER),
    AwsThreat("another repository's jobs assume a role the deploy role made trust GitHub for them", "outsider",
              "sts:AssumeRoleWithWebIdentity", _ROLE, ORGANIZATION,
              {"token.actions.githubusercontent.com:sub": "repo:someone-else/infra:ref:refs/heads/main"}),
    # 4. Prod data copied out of the account.
    AwsThreat("the deploy role shares a database snapshot", "deploy", "rds:ModifyDBSnapshotAttribute",
              "arn:aws:rds:{region}:{account}:snapshot:{prefix}-final", "DenyDataSharing"),
    AwsThreat("the deploy role copies a snapshot under another key", "deploy", "rds:CopyDBSnapshot",
              "arn:aws:rds:{region}:{account}:snapshot:{prefix}-final", "DenyDataSharing"),
    AwsThreat("the deploy role adds another account to a key policy", "deploy", "kms:PutKeyPolicy", _KEY,
              "DenyKeyPolicyChanges"),
    AwsThreat("the deploy role reads the data bucket", "deploy", "s3:GetObject", _DATA, "DenyObjectsButPlatformState"),
    AwsThreat("another account reads the data bucket a bucket policy opened", "outsider", "s3:GetObject", _DATA,
              ORGANIZATION, _OUTSIDER),
    AwsThreat("another account decrypts with a platform key a key policy opened", "outsider", "kms:Decrypt", _KEY,
              ORGANIZATION, _OUTSIDER),
    AwsThreat("another account reads a secret a resource policy opened", "outsider", "secretsmanager:GetSecretValue",
              _SECRET, ORGANIZATION, _OUTSIDER),
    # Medium and low.
    AwsThreat("the deploy role tags its way into another key", "deploy", "kms:ScheduleKeyDeletion",
              "arn:aws:kms:{region}:{account}:key/another-teams-key", NOT_GRANTED,
              {"aws:ResourceTag/Environment": "{environment}"}),
    AwsThreat("the deploy role grants a person the use of a key", "deploy", "kms:CreateGrant", _KEY,
              "DenyGrantsForPeople", {"kms:GrantIsForAWSResource": "false"}),
    AwsThreat("the deploy role schedules the delivery key's deletion", "deploy", "kms:ScheduleKeyDeletion",
              "{delivery_key}", "DenyDeliveryKey"),
    AwsThreat("the deploy role deletes old state versions", "deploy", "s3:DeleteObjectVersion", _STATE,
              "DenyStateHistory"),
    AwsThreat("the deploy role deletes its state file", "deploy", "s3:DeleteObject", _STATE, "DenyStateDeletion"),
    AwsThreat("the deploy role rewrites the state bucket's policy", "deploy", "s3:PutBucketPolicy",
              "arn:aws:s3:::{state_bucket}", "DenyStateBucketConfiguration"),
    AwsThreat("the deploy role deletes the flow logs", "deploy", "ec2:DeleteFlowLogs",
              "arn:aws:ec2:{region}:{account}:vpc-flow-log/fl-0123", "DenyAuditTrailDeletion", production_only=True),
    AwsThreat("the deploy role replicates images to another account", "deploy", "ecr:PutReplicationConfiguration", "*",
              "DenyRegistryChanges"),
    AwsThreat("the deploy role lifts the account's public access block (a public data bucket)", "deploy",
              "s3:PutAccountPublicAccessBlock", "*", NOT_GRANTED),
    AwsThreat("a workload writes to a stranger's bucket named like ours", "workload", "s3:PutObject",
              "arn:aws:s3:::{prefix}-exfil/x", NOT_GRANTED, {"aws:ResourceAccount": OTHER_ACCOUNT}),
    AwsThreat("a workload decrypts with the delivery key", "workload", "kms:Decrypt", "{delivery_key}", NOT_GRANTED),
    AwsThreat("a workload reads other services' logs", "workload", "logs:GetLogEvents",
              "arn:aws:logs:{region}:{account}:log-group:/ecs/{prefix}-frontend:log-stream:x", NOT_GRANTED),
    AwsThreat("a workload moves another load balancer's rules", "workload", "elasticloadbalancing:ModifyListener",
              "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/another-team/0123/4567", NOT_GRANTED),
    AwsThreat("a workload reads the state", "workload", "s3:GetObject", _STATE, "BoundaryNoState"),
    # The application repository's image workflow: push images to the environment's repositories, nothing else.
    AwsThreat("the image-push role pulls another team's images", "image-push", "ecr:BatchGetImage",
              "arn:aws:ecr:{region}:{account}:repository/another-team/app", NOT_GRANTED),
    AwsThreat("the image-push role pushes to another team's repository", "image-push", "ecr:PutImage",
              "arn:aws:ecr:{region}:{account}:repository/another-team/app", NOT_GRANTED),
    AwsThreat("the image-push role deletes a released image", "image-push", "ecr:BatchDeleteImage", _IMAGES, NOT_GRANTED),
    AwsThreat("the image-push role opens a repository to another account", "image-push", "ecr:SetRepositoryPolicy",
              _IMAGES, NOT_GRANTED),
    AwsThreat("the image-push role makes tags mutable to move a released tag", "image-push", "ecr:PutImageTagMutability",
              _IMAGES, NOT_GRANTED),
    AwsThreat("the image-push role deletes a repository", "image-push", "ecr:DeleteRepository", _IMAGES, NOT_GRANTED),
    AwsThreat("the image-push role replicates images elsewhere", "image-push", "ecr:PutReplicationConfiguration", "*",
              NOT_GRANTED),
    AwsThreat("the image-push role reads the state", "image-push", "s3:GetObject", _STATE, NOT_GRANTED),
    AwsThreat("the image-push role reads the database password", "image-push", "secretsmanager:GetSecretValue", _SECRET,
              NOT_GRANTED),
    AwsThreat("the image-push role deploys a task definition", "image-push", "ecs:RegisterTaskDefinition", "*", NOT_GRANTED),
    AwsThreat("the image-push role changes a role", "image-push", "iam:PutRolePolicy", _ROLE, NOT_GRANTED),
    # ECS Exec (ServiceSpec.execute_command): a shell in a running task holds the task role and its secrets; no pipeline
    # identity and no workload may open one (people do, with their own ecs:ExecuteCommand, and every session is logged).
    AwsThreat("the deploy role opens a shell in a running task", "deploy", "ecs:ExecuteCommand",
              "arn:aws:ecs:{region}:{account}:task/{prefix}/0123", NOT_GRANTED),
    AwsThreat("a plan opens a shell in a running task", "plan", "ecs:ExecuteCommand",
              "arn:aws:ecs:{region}:{account}:task/{prefix}/0123", NOT_GRANTED),
    AwsThreat("a workload opens a shell in another task", "workload", "ecs:ExecuteCommand",
              "arn:aws:ecs:{region}:{account}:task/{prefix}/0123", NOT_GRANTED),
    AwsThreat("a workload deletes the session logs", "workload", "logs:DeleteLogGroup",
              "arn:aws:logs:{region}:{account}:log-group:/ecs/{prefix}-exec", NOT_GRANTED),
)


def aws_data_perimeter(organization_id: str, github: GithubRepository, regions: tuple[str, ...],
                       image_publisher: GithubRepository | None = None) -> dict[str, Any]:
    """The resource control policy (RCP) an administrator attaches to the environments' accounts.

    Modelled on AWS's data perimeter examples (aws-samples/data-perimeter-policy-examples,
    ``resource_control_policies/identity_perimeter_rcp.json``):

    - ``EnforceOrgIdentities``: only principals of the organization, AWS services acting for the account, and the
      Elastic Load Balancing accounts that deliver the load balancers' access logs in ``regions`` reach the data the
      platform keeps (S3, KMS, Secrets Manager) or assume its roles: a role, bucket, key or secret policy the deploy
      role opened to another account opens nothing;
    - ``EnforceTrustedOIDCTenants``: a role trusting GitHub's OIDC provider is assumed by this repository's jobs only
      (both subject forms), and the ``image_publisher`` repository's jobs in a GitHub environment (the image-push
      role; ``DeliveryFoundationProps.image_publisher``), whatever its trust policy says: a role the deploy role
      created for another repository is useless;
    - ``EnforceConfusedDeputyProtection``: an AWS service acts on these resources only for this organization.

    A resource tagged ``dp:exclude:identity=true`` is exempt (AWS's escape hatch, for a deliberate exception). RCPs
    need AWS Organizations with all features and do not apply to the management account.
    """
    log_delivery = sorted({ELB_LOG_ACCOUNTS[region] for region in regions if region in ELB_LOG_ACCOUNTS})
    exempt = {"aws:ResourceTag/dp:exclude:identity": "true"}
    subjects = [f"{subject}:*" for subject in _repository_subjects(github)]
    if image_publisher is not None:
        subjects += [f"{subject}:environment:*" for subject in _repository_subjects(image_publisher)]
    return {"Version": "2012-10-17", "Statement": [
        {
            "Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
            "Action": ["s3:*", "kms:*", "secretsmanager:*", "sts:AssumeRole", "sts:SetContext"],
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id,
                                            **({"aws:PrincipalAccount": log_delivery} if log_delivery else {}), **exempt},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        },
        {
            "Sid": "EnforceTrustedOIDCTenants", "Effect": "Deny", "Principal": "*",
            "Action": "sts:AssumeRoleWithWebIdentity", "Resource": "*",
            "Condition": {
                "StringNotLikeIfExists": {f"{GITHUB_TOKEN_HOST}:sub": subjects},
                "StringNotEqualsIfExists": exempt,
                "Null": {f"{GITHUB_TOKEN_HOST}:sub": "false"},
            },
        },
        {
            "Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*",
            "Action": ["s3:*", "kms:*", "secretsmanager:*", "sts:*"], "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:SourceOrgID": organization_id, **exempt},
                "Null": {"aws:SourceAccount": "false"},
                "Bool": {"aws:PrincipalIsAWSService": "true"},
            },
        },
    ]}


#: The host of GitHub's token issuer: the prefix of its condition keys in AWS.
GITHUB_TOKEN_HOST = "token.actions.githubusercontent.com"


def _repository_subjects(github: GithubRepository) -> tuple[str, str]:
    """``repo:<owner>/<name>`` and ``repo:<owner>@<id>/<name>@<id>``: what every subject of the repository starts with."""
    return (f"repo:{github.owner}/{github.name}",
            f"repo:{github.owner}@{github.owner_id}/{github.name}@{github.repository_id}")


@dataclass(frozen=True)
class GcpThreat:
    """One permission a pipeline account must never hold (on the resource named, or anywhere).

    Attributes:
        path: The attack, in a few words.
        identity: ``deploy``, ``plan``, ``pr-plan`` or ``push`` (the bootstrap's accounts ``gha-<identity>-<env>``).
        permission: The IAM permission.
        resource: The resource's full name, templated with ``{project}``, ``{number}``, ``{prefix}``,
            ``{environment}``, ``{state_bucket}``, ``{data_bucket}``, ``{images}`` (the environment's image
            repository); empty for the project itself.
        closed_by: :data:`NOT_GRANTED` (no role of the account holds it there) or :data:`ORGANIZATION` (the account
            holds it, for a documented reason, and ``constraint`` bounds it).
        constraint: With :data:`ORGANIZATION`: the organization policy constraint that closes the path.
    """

    path: str
    identity: str
    permission: str
    resource: str = ""
    closed_by: str = NOT_GRANTED
    constraint: str | None = None


_ACCOUNT = "projects/-/serviceAccounts/{account}@{project}.iam.gserviceaccount.com"
_GCP_SECRET = "projects/{number}/secrets/{prefix}-database-password/versions/1"
_DATA_OBJECT = "projects/_/buckets/{data_bucket}/objects/exports/customers.parquet"

#: Issue 21's paths on GCP: what the deploy account could do with project-wide service account and storage
#: administration, and what pull requests could read.
GCP_THREATS: tuple[GcpThreat, ...] = (
    GcpThreat("the deploy account lets the whole pool act as itself", "deploy", "iam.serviceAccounts.setIamPolicy",
              _ACCOUNT.replace("{account}", "gha-deploy-{environment}")),
    GcpThreat("the deploy account runs something as the default compute account", "deploy", "iam.serviceAccounts.actAs",
              "projects/-/serviceAccounts/{number}-compute@developer.gserviceaccount.com"),
    GcpThreat("the deploy account acts as the plan account", "deploy", "iam.serviceAccounts.actAs",
              _ACCOUNT.replace("{account}", "gha-plan-{environment}")),
    GcpThreat("the deploy account mints a key that outlives its revocation", "deploy", "iam.serviceAccountKeys.create",
              _ACCOUNT.replace("{account}", "gha-deploy-{environment}")),
    GcpThreat("the deploy account creates an HMAC key", "deploy", "storage.hmacKeys.create"),
    GcpThreat("the deploy account mints tokens of another account", "deploy", "iam.serviceAccounts.getAccessToken",
              _ACCOUNT.replace("{account}", "backend-{environment}")),
    GcpThreat("the deploy account creates an identity", "deploy", "iam.serviceAccounts.create"),
    GcpThreat("the deploy account takes the project", "deploy", "resourcemanager.projects.setIamPolicy"),
    GcpThreat("the deploy account widens the pool", "deploy", "iam.workloadIdentityPoolProviders.update"),
    GcpThreat("the deploy account rewrites its own role", "deploy", "iam.roles.update"),
    GcpThreat("the deploy account opens a service to anyone or an outsider", "deploy", "run.services.setIamPolicy",
              "projects/{project}/locations/us-central1/services/{prefix}-backend", ORGANIZATION,
              "iam.allowedPolicyMemberDomains"),
    GcpThreat("the deploy account opens the data bucket", "deploy", "storage.buckets.setIamPolicy",
              "projects/_/buckets/{data_bucket}"),
    GcpThreat("the deploy account opens a secret", "deploy", "secretmanager.secrets.setIamPolicy",
              "projects/{number}/secrets/{prefix}-database-password"),
    GcpThreat("the deploy account copies every log out", "deploy", "logging.sinks.create"),
    GcpThreat("the deploy account hides activity from the logs", "deploy", "logging.exclusions.create"),
    GcpThreat("the deploy account exports the database to a bucket anywhere", "deploy", "cloudsql.instances.export",
              "projects/{project}/instances/{prefix}-postgres"),
    GcpThreat("the deploy account reads the data", "deploy", "storage.objects.get", _DATA_OBJECT),
    GcpThreat("the deploy account deletes the data", "deploy", "storage.objects.delete", _DATA_OBJECT),
    GcpThreat("the deploy account turns off the state bucket's versioning", "deploy", "storage.buckets.update",
              "projects/_/buckets/{state_bucket}"),
    GcpThreat("a pull request reads the database password", "pr-plan", "secretmanager.versions.access", _GCP_SECRET),
    GcpThreat("a pull request reads the data", "pr-plan", "storage.objects.get", _DATA_OBJECT),
    GcpThreat("a plan reads the data through the legacy project-viewer binding", "plan", "storage.objects.get",
              _DATA_OBJECT),
    GcpThreat("a plan reads another application's secret", "plan", "secretmanager.versions.access",
              "projects/{number}/secrets/another-app-token/versions/1"),
    # The application repository's image workflow: push images to the environment's repository, nothing else.
    GcpThreat("the image-push account deletes a released image", "push", "artifactregistry.versions.delete",
              "{images}/packages/backend/versions/sha256:0123"),
    GcpThreat("the image-push account moves a released tag", "push", "artifactregistry.tags.update",
              "{images}/packages/backend/tags/1.0.0"),
    GcpThreat("the image-push account opens the repository", "push", "artifactregistry.repositories.setIamPolicy",
              "{images}"),
    GcpThreat("the image-push account changes the repository", "push", "artifactregistry.repositories.update", "{images}"),
    GcpThreat("the image-push account pulls another team's images", "push", "artifactregistry.repositories.downloadArtifacts",
              "projects/{project}/locations/us-central1/repositories/another-team"),
    GcpThreat("the image-push account reads the database password", "push", "secretmanager.versions.access", _GCP_SECRET),
    GcpThreat("the image-push account deploys a service", "push", "run.services.update",
              "projects/{project}/locations/us-central1/services/{prefix}-backend"),
    GcpThreat("the image-push account reads the state", "push", "storage.objects.get",
              "projects/_/buckets/{state_bucket}/objects/duckdb-analytics/{environment}/default.tfstate"),
)
