"""Every attack path of constructs_lib.analysis.identity_threats stays closed in the synthesized stacks, by the control it names.

The requests are evaluated against the policies as synthesized (Terraform references replaced by stand-in ARNs)
with the offline IAM evaluator; the same policies must still allow what the pipeline does, so that a path is
never "closed" by a role that can do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from constructs_lib.aws.iam_evaluation import Decision, Request, Verdict, explain
from constructs_lib.analysis.identity_threats import (
    AWS_THREATS,
    GCP_THREATS,
    NOT_GRANTED,
    ORGANIZATION,
    OTHER_ACCOUNT,
    AwsThreat,
    GcpThreat,
    aws_data_perimeter,
)
from constructs_lib.gcp.patterns._identity_permissions import (
    ALLOWED_IAM_POLICY_CHANGES,
    GCP_ORGANIZATION_POLICIES,
    PREDEFINED_ROLE_PERMISSIONS,
    forbidden,
)

from config import load_configuration

from stacks.delivery_settings import gcp_image_location

from .aws_reading import iam_policy, stand_in
from .conftest import Synthesized
from .helpers import ENVIRONMENTS, only, resources, stack_id
from .test_aws_bootstrap import bootstrap, role

ORGANIZATION_ID = "o-example"


def _aws_policies(synthesized: Synthesized, environment: str, identity: str) -> list[dict[str, Any]]:
    """The IAM JSON of every managed policy attached to a bootstrap role (deploy, plan, pr-plan) or the boundary."""
    stack = bootstrap(synthesized, environment)
    policies = {f"${{aws_iam_policy.{policy_id}.arn}}": body for policy_id, body in resources(stack, "aws_iam_policy").items()}
    if identity == "workload":
        return [iam_policy(stack, body["policy"]) for body in policies.values() if body["name"].endswith("-workload-boundary")]
    role_id, _ = role(stack, f"gha-duckdb-analytics-{environment}-{identity}")
    return [iam_policy(stack, policies[attachment["policy_arn"]]["policy"])
            for attachment in resources(stack, "aws_iam_role_policy_attachment").values()
            if attachment["role"] == f"${{aws_iam_role.{role_id}.name}}"]


def _fill(synthesized: Synthesized, environment: str, text: str) -> str:
    config = synthesized.configs[environment]
    key_id, _ = only(bootstrap(synthesized, environment), "aws_kms_key")
    return text.format(account=config.aws.account_id, region=config.aws.region, prefix=f"duckdb-analytics-{environment}",
                       environment=environment, state_bucket=config.state.aws_bucket, other_account=OTHER_ACCOUNT,
                       delivery_key=stand_in(f"${{aws_kms_key.{key_id}.arn}}"))


def _request(synthesized: Synthesized, environment: str, action: str, resource: str,
             context: dict[str, str] | None = None) -> Request:
    config = synthesized.configs[environment]
    defaults = {"aws:RequestedRegion": config.aws.region, "aws:ResourceAccount": config.aws.account_id}
    filled = {key: _fill(synthesized, environment, value) for key, value in {**defaults, **(context or {})}.items()}
    return Request(action, _fill(synthesized, environment, resource), filled)


def _perimeter(synthesized: Synthesized, environment: str) -> dict[str, Any]:
    config = synthesized.configs[environment]
    project = load_configuration((environment,), environ={}).project
    assert project.github is not None
    regions = (config.aws.region, *((config.dr.aws_standby_region,) if config.dr else ()))
    return aws_data_perimeter(ORGANIZATION_ID, project.github, regions, project.applications)


def _verdict(synthesized: Synthesized, environment: str, threat: AwsThreat) -> Verdict:
    request = _request(synthesized, environment, threat.action, threat.resource, dict(threat.context))
    if threat.identity == "outsider":
        return explain([_perimeter(synthesized, environment)], request)
    return explain(_aws_policies(synthesized, environment, threat.identity), request)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("threat", AWS_THREATS, ids=lambda threat: threat.path.replace(" ", "-"))
def test_no_aws_identity_can_open_a_known_path(synthesized: Synthesized, environment: str, threat: AwsThreat) -> None:
    if threat.production_only and not synthesized.configs[environment].production:
        pytest.skip("the control exists in production only")
    verdict = _verdict(synthesized, environment, threat)
    if threat.closed_by == NOT_GRANTED:
        assert verdict.decision is Decision.IMPLICIT_DENY, f"{threat.path}: allowed by {verdict.statements}"
    elif threat.closed_by == ORGANIZATION:  # any statement of the data perimeter
        assert verdict.decision is Decision.EXPLICIT_DENY, (threat.path, verdict)
    else:
        assert verdict.decision is Decision.EXPLICIT_DENY and threat.closed_by in verdict.statements, (threat.path, verdict)


#: What each identity must still be able to do (so that no path is closed by a role that can do nothing).
AWS_NEEDS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("deploy", "iam:CreateRole", "arn:aws:iam::{account}:role/{prefix}/{prefix}-backend-task-0123",
     {"iam:PermissionsBoundary": "arn:aws:iam::{account}:policy/gha-{prefix}-workload-boundary"}),
    ("deploy", "kms:CreateAlias", "arn:aws:kms:{region}:{account}:alias/{prefix}", {}),
    ("deploy", "kms:CreateKey", "*", {"aws:RequestTag/Environment": "{environment}"}),
    ("deploy", "s3:PutObject", "arn:aws:s3:::{state_bucket}/duckdb-analytics/{environment}/terraform.tfstate", {}),
    ("deploy", "s3:DeleteObject", "arn:aws:s3:::{state_bucket}/duckdb-analytics/{environment}/terraform.tfstate.tflock", {}),
    ("deploy", "kms:GenerateDataKey", "{delivery_key}", {"kms:ViaService": "s3.{region}.amazonaws.com"}),
    ("plan", "secretsmanager:GetSecretValue",
     "arn:aws:secretsmanager:{region}:{account}:secret:{prefix}/database-url-AbCdEf", {}),
    ("plan", "kms:Decrypt", "arn:aws:kms:{region}:{account}:key/0123", {
        "kms:ViaService": "secretsmanager.{region}.amazonaws.com",
        "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:{region}:{account}:secret:{prefix}/database-url-AbCdEf"}),
    ("plan", "wafv2:GetWebACL", "arn:aws:wafv2:{region}:{account}:regional/webacl/{prefix}/0123", {}),
    ("pr-plan", "s3:GetObject", "arn:aws:s3:::{state_bucket}/duckdb-analytics/{environment}/terraform.tfstate", {}),
    ("pr-plan", "kms:Decrypt", "{delivery_key}", {"kms:ViaService": "s3.{region}.amazonaws.com"}),
    ("image-push", "ecr:GetAuthorizationToken", "*", {}),
    ("image-push", "ecr:PutImage", "arn:aws:ecr:{region}:{account}:repository/{prefix}/backend", {}),
    ("image-push", "ecr:InitiateLayerUpload", "arn:aws:ecr:{region}:{account}:repository/{prefix}/frontend", {}),
    ("workload", "s3:GetObject", "arn:aws:s3:::{prefix}-data-0123/x", {}),
    ("workload", "kms:Decrypt", "arn:aws:kms:{region}:{account}:key/0123", {}),
)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize(("identity", "action", "resource", "context"), AWS_NEEDS, ids=lambda value: str(value))
def test_each_identity_still_does_its_job(synthesized: Synthesized, environment: str, identity: str, action: str,
                                           resource: str, context: dict[str, str]) -> None:
    request = _request(synthesized, environment, action, resource, context)
    assert explain(_aws_policies(synthesized, environment, identity), request).allowed, (identity, request)


def test_the_data_perimeter_lets_the_organization_aws_services_and_our_repository_through(synthesized: Synthesized) -> None:
    perimeter = _perimeter(synthesized, "prod")
    not_denied = Decision.IMPLICIT_DENY  # the perimeter denies or stays silent: identity and resource policies decide
    data, logs = "arn:aws:s3:::duckdb-analytics-prod-data-0123/x", "arn:aws:s3:::duckdb-analytics-prod-logs-0123/alb/x"
    assert explain([perimeter], Request("s3:GetObject", data, {"aws:PrincipalOrgID": ORGANIZATION_ID})).decision is not_denied
    assert explain([perimeter], Request("s3:GetObject", data, {"aws:PrincipalOrgID": "o-outsider"})).decision \
        is Decision.EXPLICIT_DENY
    # An AWS service acting for this organization passes; for another one it is a confused deputy.
    service = {"aws:PrincipalIsAWSService": "true", "aws:SourceAccount": "333344445555"}
    assert explain([perimeter], Request("s3:PutObject", logs, {**service, "aws:SourceOrgID": ORGANIZATION_ID})).decision \
        is not_denied
    assert explain([perimeter], Request("s3:PutObject", logs, {**service, "aws:SourceOrgID": "o-outsider"})).decision \
        is Decision.EXPLICIT_DENY
    # The load balancers' access logs come from Elastic Load Balancing accounts of both regions (outside any organization).
    for account in ("127311923021", "797873946194"):
        assert explain([perimeter], Request("s3:PutObject", logs, {"aws:PrincipalAccount": account,
                                                                   "aws:PrincipalOrgID": "o-aws"})).decision is not_denied
    # This repository's jobs, in both subject forms, reach the delivery roles; any other repository's do not.
    role = "arn:aws:iam::333344445555:role/gha-duckdb-analytics-prod-deploy"
    for subject in ("repo:acme-analytics/duckdb-analytics-infra:environment:prod",
                    "repo:acme-analytics@1342004/duckdb-analytics-infra@260064828:pull_request"):
        assert explain([perimeter], Request("sts:AssumeRoleWithWebIdentity", role,
                                            {"token.actions.githubusercontent.com:sub": subject})).decision is not_denied
    assert explain([perimeter], Request("sts:AssumeRoleWithWebIdentity", role, {
        "token.actions.githubusercontent.com:sub": "repo:acme-analytics/duckdb-analytics-infra-fork:pull_request"})).decision \
        is Decision.EXPLICIT_DENY
    # The application repository's jobs reach the image-push role from a GitHub environment only.
    push_role = "arn:aws:iam::333344445555:role/gha-duckdb-analytics-prod-image-push"
    for subject, decision in (("repo:acme-analytics/duckdb-analytics-app:environment:prod", not_denied),
                              ("repo:acme-analytics@1342004/duckdb-analytics-app@260064901:environment:prod", not_denied),
                              ("repo:acme-analytics/duckdb-analytics-app:pull_request", Decision.EXPLICIT_DENY),
                              ("repo:acme-analytics/duckdb-analytics-app:ref:refs/heads/main", Decision.EXPLICIT_DENY)):
        assert explain([perimeter], Request("sts:AssumeRoleWithWebIdentity", push_role,
                                            {"token.actions.githubusercontent.com:sub": subject})).decision is decision, subject
    # AWS's escape hatch: a resource tagged dp:exclude:identity=true.
    assert explain([perimeter], Request("s3:GetObject", data, {"aws:PrincipalOrgID": "o-outsider",
                                                               "aws:ResourceTag/dp:exclude:identity": "true"})).decision \
        is not_denied


def test_execution_roles_decrypt_only_through_secrets_manager(synthesized: Synthesized) -> None:
    """The backend's execution role reads its secrets through Secrets Manager; the key alone decrypts nothing for it."""
    stack, config = synthesized.stack("aws", "staging"), synthesized.configs["staging"]
    documents = [iam_policy(stack, body["policy"]) for name, body in resources(stack, "aws_iam_role_policy").items()
                 if name.startswith("backend_service_execution")]
    assert documents
    key = stand_in(f"${{aws_kms_key.{only(stack, 'aws_kms_key')[0]}.arn}}")
    direct = Request("kms:Decrypt", key, {"aws:RequestedRegion": config.aws.region})
    through = Request("kms:Decrypt", key, {"kms:ViaService": f"secretsmanager.{config.aws.region}.amazonaws.com"})
    assert not explain(documents, direct).allowed and explain(documents, through).allowed


def test_every_path_of_the_standby_is_covered_too(synthesized: Synthesized) -> None:
    """With [dr] the standby's names are the deploy role's too, and its copies just as closed."""
    config = synthesized.configs["prod"]
    assert config.dr is not None and stack_id("aws", "prod", "standby") in synthesized.documents
    standby_secret = (f"arn:aws:secretsmanager:{config.dr.aws_standby_region}:{config.aws.account_id}:secret:"
                      "duckdb-analytics-prod-standby/database-url-AbCdEf")
    assert not explain(_aws_policies(synthesized, "prod", "pr-plan"), Request("secretsmanager:GetSecretValue", standby_secret)).allowed
    assert explain(_aws_policies(synthesized, "prod", "plan"), Request("secretsmanager:GetSecretValue", standby_secret)).allowed


def _principal_statements(document: dict[str, Any], principal: str) -> dict[str, Any]:
    """The key-policy statements that name ``principal`` itself (not the account root: that one defers to IAM)."""
    return {**document, "Statement": [statement for statement in document["Statement"]
                                      if principal in statement.get("Principal", {}).get("AWS", [])]}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_deploy_role_can_finish_creating_the_platform_key(synthesized: Synthesized, environment: str) -> None:
    """``kms:CreateAlias`` needs the alias (IAM) and the key (its key policy); rotation, grants for RDS and secret
    values work from the key's first second, without waiting for a tag to count."""
    from .aws_reading import policy_statements

    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    region, account = config.aws.region, config.aws.account_id
    deployer = f"arn:aws:iam::{account}:role/gha-duckdb-analytics-{environment}-deploy"
    _, key = only(stack, "aws_kms_key")
    statements = policy_statements(stack, key["policy"])
    key_policy = _principal_statements({"Statement": [
        {"Sid": sid, "Effect": body["effect"], "Action": body["actions"], "Resource": body["resources"],
         "Principal": {"AWS": [identifier for principal in body.get("principals", []) for identifier in principal["identifiers"]]},
         **({"Condition": {c["test"]: {c["variable"]: c["values"]} for c in body["condition"]}} if "condition" in body else {})}
        for sid, body in statements.items()]}, deployer)
    key_arn = f"arn:aws:kms:{region}:{account}:key/0123"
    for action in ("kms:CreateAlias", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:DescribeKey", "kms:TagResource",
                   "kms:ScheduleKeyDeletion"):
        assert explain([key_policy], Request(action, key_arn)).allowed, action
    rds = {"kms:ViaService": f"rds.{region}.amazonaws.com", "kms:GrantIsForAWSResource": "true"}
    assert explain([key_policy], Request("kms:CreateGrant", key_arn, rds)).allowed
    assert not explain([key_policy], Request("kms:CreateGrant", key_arn, {**rds, "kms:GrantIsForAWSResource": "false"})).allowed
    assert explain([key_policy], Request("kms:Decrypt", key_arn, {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"})).allowed
    assert not explain([key_policy], Request("kms:Decrypt", key_arn)).allowed
    assert not explain([key_policy], Request("kms:PutKeyPolicy", key_arn)).allowed
    alias = Request("kms:CreateAlias", f"arn:aws:kms:{region}:{account}:alias/duckdb-analytics-{environment}")
    assert explain(_aws_policies(synthesized, environment, "deploy"), alias).allowed


#: Resource types whose first creation in an account makes AWS create a service-linked role, and its service.
SERVICE_LINKED_ROLE_OF_TYPE: dict[str, str] = {
    "aws_ecs_cluster": "ecs.amazonaws.com", "aws_lb": "elasticloadbalancing.amazonaws.com",
    "aws_db_instance": "rds.amazonaws.com", "aws_appautoscaling_target": "ecs.application-autoscaling.amazonaws.com",
    "aws_ecr_replication_configuration": "replication.ecr.amazonaws.com",
}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_deploy_role_may_create_every_service_linked_role_its_stacks_need(synthesized: Synthesized,
                                                                              environment: str) -> None:
    """A fresh account has none: the first apply creates them as the identity that applies the stack."""
    kinds = ["platform", *(["standby"] if synthesized.configs[environment].dr is not None else [])]
    needed = {SERVICE_LINKED_ROLE_OF_TYPE[resource_type]
              for kind in kinds for resource_type in synthesized.documents[stack_id("aws", environment, kind)]["resource"]
              if resource_type in SERVICE_LINKED_ROLE_OF_TYPE}
    assert needed
    account = synthesized.configs[environment].aws.account_id
    policies = _aws_policies(synthesized, environment, "deploy")
    missing = [service for service in sorted(needed) if not explain(policies, Request(
        "iam:CreateServiceLinkedRole", f"arn:aws:iam::{account}:role/aws-service-role/{service}/x",
        {"iam:AWSServiceName": service})).allowed]
    assert missing == []


# --- GCP: the permissions each account holds, where ----------------------------------------------------------

_TERM = re.compile(r'(!?)resource\.name(?: == "([^"]*)"|\.startsWith\("([^"]*)"\))')


def condition_holds(expression: str | None, name: str) -> bool:
    """The subset of CEL the bootstrap writes: ``resource.name == "x"``, ``.startsWith("x")``, ``!``, ``||``."""
    if expression is None:
        return True
    for term in expression.split(" || "):
        match = _TERM.fullmatch(term.strip())
        assert match, f"not modelled: {term!r}"
        negated, exact, prefix = match.groups()
        hit = name == exact if exact is not None else name.startswith(prefix)
        if hit != bool(negated):
            return True
    return False


@dataclass(frozen=True)
class Binding:
    permissions: frozenset[str]
    scope: str | None  # the resource it is granted on (None: the project)
    condition: str | None

    def grants(self, permission: str, resource: str) -> bool:
        if permission not in self.permissions:
            return False
        if self.scope is not None and not (resource == self.scope or resource.startswith(f"{self.scope}/")):
            return False
        return condition_holds(self.condition, resource)


def _role_permissions(stack: dict[str, Any], role: str) -> frozenset[str]:
    if role.startswith("${google_project_iam_custom_role."):
        role_id = role.removeprefix("${google_project_iam_custom_role.").removesuffix(".name}")
        return frozenset(resources(stack, "google_project_iam_custom_role")[role_id]["permissions"])
    assert role in PREDEFINED_ROLE_PERMISSIONS, f"{role}: list its permissions in PREDEFINED_ROLE_PERMISSIONS"
    return frozenset(PREDEFINED_ROLE_PERMISSIONS[role])


def gcp_bindings(synthesized: Synthesized, environment: str, identity: str) -> list[Binding]:
    """Every binding of the account ``gha-<identity>-<env>`` in the bootstrap: project, service accounts, buckets."""
    stack, project = synthesized.documents[stack_id("gcp", environment, "bootstrap")], synthesized.configs[environment].gcp.project_id
    accounts = resources(stack, "google_service_account")
    [account_id] = [name for name, body in accounts.items() if body["account_id"] == f"gha-{identity}-{environment}"]
    member = f"${{google_service_account.{account_id}.member}}"
    buckets = {f"${{google_storage_bucket.{name}.name}}": body["name"] for name, body in resources(stack, "google_storage_bucket").items()}
    found = []
    for kind, scope_of in (
        ("google_project_iam_member", lambda body: None),
        ("google_service_account_iam_member", lambda body: "projects/-/serviceAccounts/" + accounts[
            body["service_account_id"].removeprefix("${google_service_account.").removesuffix(".name}")]["account_id"]
            + f"@{project}.iam.gserviceaccount.com"),
        ("google_storage_bucket_iam_member", lambda body: f"projects/_/buckets/{buckets[body['bucket']]}"),
        ("google_artifact_registry_repository_iam_member", lambda body: _gcp_fill(synthesized, environment, "{images}")),
    ):
        for body in resources(stack, kind).values():
            if body["member"] == member:
                found.append(Binding(_role_permissions(stack, body["role"]), scope_of(body),
                                     (body.get("condition") or {}).get("expression")))
    return found


def _gcp_fill(synthesized: Synthesized, environment: str, text: str) -> str:
    config = synthesized.configs[environment]
    images = (f"projects/{config.gcp.project_id}/locations/{gcp_image_location(config)}/repositories/"
              f"duckdb-analytics-{environment}-images")
    return text.format(project=config.gcp.project_id, number=config.gcp.project_number,
                       prefix=f"duckdb-analytics-{environment}", environment=environment, images=images,
                       state_bucket=config.state.gcp_bucket, data_bucket=f"{config.gcp.project_id}-{environment}-data")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("threat", GCP_THREATS, ids=lambda threat: threat.path.replace(" ", "-"))
def test_no_gcp_account_can_open_a_known_path(synthesized: Synthesized, environment: str, threat: GcpThreat) -> None:
    resource = _gcp_fill(synthesized, environment, threat.resource) or f"projects/{synthesized.configs[environment].gcp.project_id}"
    holders = [binding for binding in gcp_bindings(synthesized, environment, threat.identity)
               if binding.grants(threat.permission, resource)]
    if threat.closed_by == ORGANIZATION:  # held on purpose, bounded by an organization policy
        assert threat.permission in ALLOWED_IAM_POLICY_CHANGES and holders, threat.path
        assert threat.constraint in {policy.constraint for policy in GCP_ORGANIZATION_POLICIES}
    else:
        assert holders == [], threat.path


#: What each account must still be able to do (so that no path is closed by an account that can do nothing).
GCP_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("deploy", "run.services.create", ""),
    ("deploy", "iam.serviceAccounts.actAs", "projects/-/serviceAccounts/backend-{environment}@{project}.iam.gserviceaccount.com"),
    ("deploy", "storage.objects.create", "projects/_/buckets/{state_bucket}/objects/duckdb-analytics/{environment}/default.tfstate"),
    ("deploy", "storage.buckets.create", "projects/_/buckets/{data_bucket}"),
    ("deploy", "secretmanager.versions.add", "projects/{number}/secrets/{prefix}-database-url"),
    ("plan", "secretmanager.versions.access", "projects/{number}/secrets/{prefix}-database-url/versions/1"),
    ("plan", "run.services.get", ""),
    ("plan", "storage.objects.get", "projects/_/buckets/{state_bucket}/objects/duckdb-analytics/{environment}/default.tfstate"),
    ("pr-plan", "storage.objects.get", "projects/_/buckets/{state_bucket}/objects/duckdb-analytics/{environment}/default.tfstate"),
    ("pr-plan", "resourcemanager.projects.get", ""),
    ("push", "artifactregistry.repositories.uploadArtifacts", "{images}"),
    ("push", "artifactregistry.tags.create", "{images}/packages/frontend/tags/1.1.0"),
)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize(("identity", "permission", "resource"), GCP_NEEDS, ids=lambda value: str(value))
def test_each_gcp_account_still_does_its_job(synthesized: Synthesized, environment: str, identity: str, permission: str,
                                             resource: str) -> None:
    name = _gcp_fill(synthesized, environment, resource) or f"projects/{synthesized.configs[environment].gcp.project_id}"
    assert any(binding.grants(permission, name) for binding in gcp_bindings(synthesized, environment, identity))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("identity", ["deploy", "plan", "pr-plan", "push"])
def test_no_gcp_pipeline_role_holds_a_forbidden_permission(synthesized: Synthesized, environment: str, identity: str) -> None:
    """On the project: never, unless a condition names the resources (the platform's secrets); the resource-level
    roles are the state objects and the workload accounts."""
    held = {permission for binding in gcp_bindings(synthesized, environment, identity)
            if binding.scope is None and (binding.condition is None or binding.condition.startswith("!"))
            for permission in binding.permissions}
    assert {permission: forbidden(permission) for permission in held if forbidden(permission)} == {}


def test_the_condition_subset_is_evaluated_as_written() -> None:
    assert condition_holds('resource.name == "a" || resource.name.startsWith("a/")', "a/b")
    assert not condition_holds('resource.name == "a" || resource.name.startsWith("a/")', "ab")
    assert condition_holds('!resource.name.startsWith("projects/_/buckets/state")', "projects/p")
    assert not condition_holds('!resource.name.startsWith("projects/_/buckets/state")', "projects/_/buckets/state/o")
    with pytest.raises(AssertionError, match="not modelled"):
        condition_holds('resource.type == "x"', "a")
