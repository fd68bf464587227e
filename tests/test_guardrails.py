"""Every guardrail fires on a deliberately bad construct, at that construct, and stays quiet on its good twin.

Each case builds a small in-process stack (tests/policy_apps.py): an AWS provider with the default tags
and allowed account, or a Google provider with the default labels, plus the resources of the case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from constructs_lib.policy import RULES, Guardrails

from .policy_apps import ACCOUNT, aws_stack, check, fired, new_app, synthesize

from cdktf import Aspects, Fn, TerraformStack  # isort: skip
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget  # isort: skip
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup  # isort: skip
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (  # isort: skip
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.db_instance import DbInstance  # isort: skip
from cdktf_cdktf_provider_aws.ecs_service import EcsService  # isort: skip
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition  # isort: skip
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy  # isort: skip
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment  # isort: skip
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias  # isort: skip
from cdktf_cdktf_provider_aws.kms_key import KmsKey  # isort: skip
from cdktf_cdktf_provider_aws.lb import Lb  # isort: skip
from cdktf_cdktf_provider_aws.lb_listener import (  # isort: skip
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionRedirect,
)
from cdktf_cdktf_provider_aws.lb_listener_rule import (  # isort: skip
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleCondition,
    LbListenerRuleConditionPathPattern,
)
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket  # isort: skip
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock  # isort: skip
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (  # isort: skip
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress  # isort: skip
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule  # isort: skip
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation  # isort: skip
from cdktf_cdktf_provider_google.cloud_run_v2_service import (  # isort: skip
    CloudRunV2Service,
    CloudRunV2ServiceTemplate,
    CloudRunV2ServiceTemplateContainers,
    CloudRunV2ServiceTemplateContainersEnv,
    CloudRunV2ServiceTemplateScaling,
)
from cdktf_cdktf_provider_google.compute_backend_service import ComputeBackendService  # isort: skip
from cdktf_cdktf_provider_google.compute_firewall import ComputeFirewall, ComputeFirewallAllow, ComputeFirewallDeny  # isort: skip
from cdktf_cdktf_provider_google.compute_target_http_proxy import ComputeTargetHttpProxy  # isort: skip
from cdktf_cdktf_provider_google.compute_url_map import ComputeUrlMap, ComputeUrlMapDefaultUrlRedirect  # isort: skip
from cdktf_cdktf_provider_google.monitoring_notification_channel import MonitoringNotificationChannel  # isort: skip
from cdktf_cdktf_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember  # isort: skip
from cdktf_cdktf_provider_google.sql_database_instance import (  # isort: skip
    SqlDatabaseInstance,
    SqlDatabaseInstanceSettings,
    SqlDatabaseInstanceSettingsBackupConfiguration,
)
from cdktf_cdktf_provider_google.storage_bucket import StorageBucket, StorageBucketVersioning  # isort: skip
from cdktf_cdktf_provider_google.storage_bucket_iam_member import StorageBucketIamMember  # isort: skip
from constructs import Construct  # isort: skip


# --- builders ------------------------------------------------------------------------------------------


def s3_bucket(stack: TerraformStack, id_: str = "bucket", *, versioned: str | None = "Enabled",
              blocked: bool = True, **options: Any) -> S3Bucket:
    """A bucket with a versioning resource (status ``versioned``, none when None) and a public access block."""
    bucket = S3Bucket(stack, id_, bucket_prefix="acme-", **options)
    if versioned is not None:
        S3BucketVersioningA(stack, f"{id_}_versioning", bucket=bucket.id,
                            versioning_configuration=S3BucketVersioningVersioningConfiguration(status=versioned))
    S3BucketPublicAccessBlock(stack, f"{id_}_access", bucket=bucket.id, block_public_acls=True,
                              block_public_policy=blocked, ignore_public_acls=True, restrict_public_buckets=True)
    return bucket


def gcs_bucket(stack: TerraformStack, id_: str = "bucket", *, versioned: bool = True,
               prevention: str = "enforced") -> StorageBucket:
    return StorageBucket(stack, id_, name=f"acme-{id_}", location="US", public_access_prevention=prevention,
                         uniform_bucket_level_access=True, versioning=StorageBucketVersioning(enabled=versioned))


def statement(actions: list[str], *, effect: str = "Allow", resources: tuple[str, ...] = ("*",),
              root_of: str | None = None, not_actions: bool = False) -> DataAwsIamPolicyDocumentStatement:
    principals = [DataAwsIamPolicyDocumentStatementPrincipals(type="AWS", identifiers=[f"arn:aws:iam::{root_of}:root"])]
    return DataAwsIamPolicyDocumentStatement(
        sid="Case", effect=effect, resources=list(resources), principals=principals if root_of else None,
        **({"not_actions": actions} if not_actions else {"actions": actions}),
    )


def role_policy(*statements: DataAwsIamPolicyDocumentStatement) -> Callable[[TerraformStack], Any]:
    def build(stack: TerraformStack) -> None:
        document = DataAwsIamPolicyDocument(stack, "document", statement=list(statements))
        IamRolePolicy(stack, "policy", role="acme", policy=document.json)

    return build


def key_policy(account: str) -> Callable[[TerraformStack], Any]:
    def build(stack: TerraformStack) -> None:
        document = DataAwsIamPolicyDocument(stack, "document", statement=[statement(["kms:*"], root_of=account)])
        KmsKey(stack, "key", policy=document.json, enable_key_rotation=True)

    return build


def task(container: dict[str, Any]) -> Callable[[TerraformStack], Any]:
    definition = {"name": "app", "image": "acme/app:1", "essential": True, **container}
    return lambda stack: EcsTaskDefinition(stack, "task", family="acme", container_definitions=json.dumps([definition]))


def cloud_run(*env: CloudRunV2ServiceTemplateContainersEnv, minimum: int = 2,
              ingress: str = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER") -> Callable[[TerraformStack], Any]:
    return lambda stack: CloudRunV2Service(
        stack, "service", name="acme", location="us-central1", ingress=ingress,
        template=CloudRunV2ServiceTemplate(
            containers=[CloudRunV2ServiceTemplateContainers(image="acme/app:1", env=list(env) or None)],
            scaling=CloudRunV2ServiceTemplateScaling(min_instance_count=minimum),
        ),
    )


def ingress(port: int, cidr: str = "0.0.0.0/0", protocol: str = "tcp") -> Callable[[TerraformStack], Any]:
    return lambda stack: VpcSecurityGroupIngressRule(stack, "ingress", security_group_id="sg-1", cidr_ipv4=cidr,
                                                     ip_protocol=protocol, from_port=port, to_port=port)


def firewall(**rules: Any) -> Callable[[TerraformStack], Any]:
    return lambda stack: ComputeFirewall(stack, "firewall", name="acme", network="default",
                                         source_ranges=["0.0.0.0/0"], **rules)


def rds(**overrides: Any) -> Callable[[TerraformStack], Any]:
    settings = {"multi_az": True, "deletion_protection": True, "backup_retention_period": 7} | overrides
    return lambda stack: DbInstance(stack, "database", instance_class="db.t4g.micro", engine="postgres",
                                    allocated_storage=20, **settings)


def cloud_sql(*, backups: bool = True, availability: str = "REGIONAL", protected: bool = True) -> Callable[[TerraformStack], Any]:
    return lambda stack: SqlDatabaseInstance(
        stack, "database", name="acme", database_version="POSTGRES_16", region="us-central1",
        deletion_protection=protected,
        settings=SqlDatabaseInstanceSettings(
            tier="db-custom-1-3840", availability_type=availability,
            backup_configuration=SqlDatabaseInstanceSettingsBackupConfiguration(enabled=backups),
        ),
    )


def load_balancer(*, protected: bool = True, internal: bool = False, waf: bool = True) -> Callable[[TerraformStack], Any]:
    def build(stack: TerraformStack) -> None:
        balancer = Lb(stack, "load_balancer", name="acme", internal=internal, subnets=["subnet-1", "subnet-2"],
                      enable_deletion_protection=protected)
        if waf:
            Wafv2WebAclAssociation(stack, "waf", resource_arn=balancer.arn, web_acl_arn="arn:aws:wafv2:acl")

    return build


def http_listener(action: LbListenerDefaultAction) -> Callable[[TerraformStack], Any]:
    def build(stack: TerraformStack) -> None:
        load_balancer()(stack)
        balancer = stack.node.find_child("load_balancer")
        LbListener(stack, "http", load_balancer_arn=balancer.arn, port=80, protocol="HTTP", default_action=[action])

    return build


FORWARD = LbListenerDefaultAction(type="forward", target_group_arn="arn:aws:elasticloadbalancing:tg")
REDIRECT = LbListenerDefaultAction(type="redirect", redirect=LbListenerDefaultActionRedirect(
    protocol="HTTPS", port="443", status_code="HTTP_301"))


def http_proxy(*, redirect: bool) -> Callable[[TerraformStack], Any]:
    def build(stack: TerraformStack) -> None:
        url_map = (ComputeUrlMap(stack, "url_map", name="acme",
                                 default_url_redirect=ComputeUrlMapDefaultUrlRedirect(https_redirect=True, strip_query=False))
                   if redirect else ComputeUrlMap(stack, "url_map", name="acme", default_service="backend"))
        ComputeTargetHttpProxy(stack, "http_proxy", name="acme", url_map=url_map.id)

    return build


def autoscaling(minimum: int) -> Callable[[TerraformStack], Any]:
    return lambda stack: AppautoscalingTarget(
        stack, "target", min_capacity=minimum, max_capacity=4, resource_id="service/acme/app",
        scalable_dimension="ecs:service:DesiredCount", service_namespace="ecs")


# --- cases ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A rule, a construct that breaks it (fires at ``paths``) and one that does not."""

    rule: str
    bad: Callable[[TerraformStack], Any]
    paths: tuple[str, ...]
    good: Callable[[TerraformStack], Any]
    cloud: str = "aws"
    bad_stack: dict[str, Any] | None = None

    def __str__(self) -> str:
        return self.rule


CASES: tuple[tuple[str, Case], ...] = (
    ("untagged bucket", Case("required-tags", lambda stack: (s3_bucket(stack, tags={"Project": "acme"}), KmsAlias(
        stack, "alias", name="alias/acme", target_key_id="k")), ("bucket",), s3_bucket, bad_stack={"tags": None})),
    ("unlabelled bucket", Case("required-labels", lambda stack: (gcs_bucket(stack), MonitoringNotificationChannel(
        stack, "channel", display_name="ops", type="email", labels={"email_address": "ops@example.com"})),
        ("bucket",), gcs_bucket, cloud="gcp", bad_stack={"labels": None})),
    ("log group kept forever", Case("log-retention", lambda stack: CloudwatchLogGroup(stack, "logs", name="acme"),
                                    ("logs",), lambda stack: CloudwatchLogGroup(stack, "logs", name="acme", retention_in_days=30))),
    ("S3 versioning suspended", Case("bucket-versioning", lambda stack: s3_bucket(stack, versioned="Suspended"),
                                     ("bucket",), s3_bucket)),
    ("S3 without versioning", Case("bucket-versioning", lambda stack: s3_bucket(stack, versioned=None), ("bucket",), s3_bucket)),
    ("GCS without versioning", Case("bucket-versioning", lambda stack: gcs_bucket(stack, versioned=False), ("bucket",),
                                    gcs_bucket, cloud="gcp")),
    ("S3 public policy allowed", Case("bucket-not-public", lambda stack: s3_bucket(stack, blocked=False), ("bucket",), s3_bucket)),
    ("GCS prevention inherited", Case("bucket-not-public", lambda stack: gcs_bucket(stack, prevention="inherited"),
                                      ("bucket",), gcs_bucket, cloud="gcp")),
    ("GCS granted to allUsers", Case("bucket-not-public", lambda stack: StorageBucketIamMember(
        stack, "public", bucket=gcs_bucket(stack).name, role="roles/storage.objectViewer", member="allUsers"),
        ("public",), lambda stack: StorageBucketIamMember(stack, "public", bucket=gcs_bucket(stack).name,
                                                          role="roles/storage.objectViewer", member="user:a@example.com"),
        cloud="gcp")),
    ("s3:* allowed", Case("iam-no-wildcard-actions", role_policy(statement(["s3:*"])), ("policy",),
                          role_policy(statement(["s3:GetObject"], resources=("arn:aws:s3:::acme/*",))))),
    ("* in inline JSON", Case("iam-no-wildcard-actions", lambda stack: IamRolePolicy(
        stack, "policy", role="acme", policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})),
        ("policy",), role_policy(statement(["s3:*"], effect="Deny")))),
    ("Allow with NotAction", Case("iam-no-wildcard-actions", role_policy(statement(["iam:*"], not_actions=True)), ("policy",),
                                  role_policy(statement(["ecr:GetAuthorizationToken"])))),
    ("AdministratorAccess attached", Case("iam-no-wildcard-actions", lambda stack: IamRolePolicyAttachment(
        stack, "attachment", role="acme", policy_arn="arn:aws:iam::aws:policy/AdministratorAccess"), ("attachment",),
        lambda stack: IamRolePolicyAttachment(stack, "attachment", role="acme",
                                              policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"))),
    ("kms:* to another account", Case("iam-no-wildcard-actions", key_policy("999999999999"), ("key",), key_policy(ACCOUNT))),
    ("GCP basic role", Case("iam-no-wildcard-actions", lambda stack: SecretManagerSecretIamMember(
        stack, "grant", secret_id="acme", role="roles/editor", member="user:a@example.com"), ("grant",),
        lambda stack: SecretManagerSecretIamMember(stack, "grant", secret_id="acme", role="roles/secretmanager.secretAccessor",
                                                   member="user:a@example.com"), cloud="gcp")),
    ("SSH from anywhere", Case("ingress-web-ports-only", ingress(22), ("ingress",), ingress(443))),
    ("all traffic in a group", Case("ingress-web-ports-only", lambda stack: SecurityGroup(
        stack, "group", ingress=[SecurityGroupIngress(protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"])]),
        ("group",), ingress(22, cidr="10.0.0.0/8"))),
    ("GCP firewall opens 22", Case("ingress-web-ports-only", firewall(allow=[ComputeFirewallAllow(protocol="tcp", ports=["22"])]),
                                   ("firewall",), firewall(deny=[ComputeFirewallDeny(protocol="all")]), cloud="gcp")),
    ("privileged container", Case("container-not-privileged", task({"privileged": True}), ("task",), task({"privileged": False}))),
    ("password in ECS env", Case("container-no-plaintext-secret", task({"environment": [{"name": "DB_PASSWORD", "value": "hunter2"}]}),
                                 ("task",), task({"environment": [{"name": "DB_PASSWORD_SECRET_ARN", "value": "arn:aws:secret"}],
                                                  "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secret"}]}))),
    ("credential URL in ECS env", Case("container-no-plaintext-secret", task({"environment": [
        {"name": "DATABASE_URL", "value": "postgresql://app:s3cret@db/app"}]}), ("task",),
        task({"environment": [{"name": "DATABASE_URL", "value": "postgresql://app@db/app"}]}))),
    ("token in Cloud Run env", Case("container-no-plaintext-secret", cloud_run(CloudRunV2ServiceTemplateContainersEnv(
        name="API_TOKEN", value="abc123")), ("service",), cloud_run(CloudRunV2ServiceTemplateContainersEnv(
            name="API_URL", value="https://api.example.com")), cloud="gcp")),
)

PRODUCTION_CASES: tuple[tuple[str, Case], ...] = (
    ("one ECS task", Case("prod-min-capacity", autoscaling(1), ("target",), autoscaling(2))),
    ("desired count 1", Case("prod-min-capacity", lambda stack: EcsService(stack, "service", name="acme", desired_count=1),
                             ("service",), lambda stack: EcsService(stack, "service", name="acme", desired_count=2))),
    ("one Cloud Run instance", Case("prod-min-capacity", cloud_run(minimum=1), ("service",), cloud_run(), cloud="gcp")),
    ("unprotected load balancer", Case("prod-deletion-protection", load_balancer(protected=False), ("load_balancer",),
                                       load_balancer())),
    ("unprotected RDS", Case("prod-deletion-protection", rds(deletion_protection=False), ("database",), rds())),
    ("unprotected Cloud SQL", Case("prod-deletion-protection", cloud_sql(protected=False), ("database",), cloud_sql(),
                                   cloud="gcp")),
    ("3 days of RDS backups", Case("prod-backup-retention", rds(backup_retention_period=3), ("database",), rds())),
    ("Cloud SQL without backups", Case("prod-backup-retention", cloud_sql(backups=False), ("database",), cloud_sql(),
                                       cloud="gcp")),
    ("single-AZ RDS", Case("prod-high-availability", rds(multi_az=False), ("database",), rds())),
    ("zonal Cloud SQL", Case("prod-high-availability", cloud_sql(availability="ZONAL"), ("database",), cloud_sql(),
                             cloud="gcp")),
    ("HTTP listener forwards", Case("prod-https-only", http_listener(FORWARD), ("http",), http_listener(REDIRECT))),
    ("HTTP proxy serves", Case("prod-https-only", http_proxy(redirect=False), ("http_proxy",), http_proxy(redirect=True),
                               cloud="gcp")),
    ("ALB without WAF", Case("prod-waf", load_balancer(waf=False), ("load_balancer",), load_balancer(internal=True, waf=False))),
    ("backend without Cloud Armor", Case("prod-waf", lambda stack: ComputeBackendService(
        stack, "backend", name="acme", load_balancing_scheme="EXTERNAL_MANAGED"), ("backend",),
        lambda stack: ComputeBackendService(stack, "backend", name="acme", load_balancing_scheme="EXTERNAL_MANAGED",
                                            security_policy="armor"), cloud="gcp")),
    ("Cloud Run open around the LB", Case("prod-waf", cloud_run(ingress="INGRESS_TRAFFIC_ALL"), ("service",), cloud_run(),
                                         cloud="gcp")),
)


def _ids(cases: tuple[tuple[str, Case], ...]) -> list[str]:
    return [name for name, _ in cases]


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=_ids(CASES))
def test_each_rule_fires_on_a_bad_construct_and_not_on_its_good_twin(case: Case) -> None:
    bad = check(case.bad, cloud=case.cloud, **(case.bad_stack or {}))
    assert fired(bad, case.rule) == list(case.paths), [str(violation) for violation in bad.violations]
    good = check(case.good, cloud=case.cloud)
    assert good.violations == ()


@pytest.mark.parametrize("case", [case for _, case in PRODUCTION_CASES], ids=_ids(PRODUCTION_CASES))
def test_each_production_rule_fires_in_production_only(case: Case) -> None:
    bad = check(case.bad, cloud=case.cloud, production=True)
    assert fired(bad, case.rule) == list(case.paths), [str(violation) for violation in bad.violations]
    assert check(case.bad, cloud=case.cloud, production=False).violations == ()
    good = check(case.good, cloud=case.cloud, production=True)
    assert good.violations == ()


def test_every_rule_has_a_case() -> None:
    covered = {case.rule for _, case in (*CASES, *PRODUCTION_CASES)} | {"prod-data-protection"}  # test_data_protection.py
    assert covered == {rule.id for rule in RULES}


def test_a_violation_names_the_construct_path_and_the_rule_in_one_line() -> None:
    guardrails = check(lambda stack: CloudwatchLogGroup(stack, "logs", name="acme"))
    assert [str(violation) for violation in guardrails.violations] == [
        "stack/logs: log-retention: retention_in_days is not set: CloudWatch keeps these logs forever"
    ]


def test_the_default_key_policy_is_quiet_only_for_the_provider_s_own_account() -> None:
    assert check(key_policy(ACCOUNT)).violations == ()
    other = check(key_policy("999999999999"))
    assert [str(violation) for violation in other.violations] == [
        'stack/key: iam-no-wildcard-actions: statement "Case" of policy (data.aws_iam_policy_document.document) allows kms:*'
    ]
    # Without allowed_account_ids the key's account cannot be told from the synthesized JSON.
    unrestricted = check(key_policy(ACCOUNT), accounts=())
    assert fired(unrestricted, "iam-no-wildcard-actions") == ["key"]


def test_a_resource_scoped_action_on_every_resource_is_not_a_wildcard_action() -> None:
    # ecr:GetAuthorizationToken has no resource-level permissions: AWS requires Resource "*".
    assert check(role_policy(statement(["ecr:GetAuthorizationToken"]))).violations == ()
    assert check(role_policy(statement(["s3:Get*"], resources=("arn:aws:s3:::acme/*",)))).violations == ()


def test_tags_carried_by_the_resource_itself_satisfy_the_rule() -> None:
    guardrails = check(lambda stack: s3_bucket(stack, tags={"Project": "a", "Environment": "b", "ManagedBy": "c"}), tags=None)
    assert guardrails.violations == ()
    blank = check(lambda stack: s3_bucket(stack, tags={"Project": "a", "Environment": " ", "ManagedBy": "c"}), tags=None)
    assert [violation.message for violation in blank.violations] == [
        "missing tag(s) Environment (neither on the resource nor in the provider's default_tags)"
    ]


def test_a_plain_http_listener_rule_that_forwards_is_caught_too() -> None:
    def build(stack: TerraformStack) -> None:
        http_listener(REDIRECT)(stack)
        LbListenerRule(stack, "route", listener_arn=stack.node.find_child("http").arn, priority=10,
                       action=[LbListenerRuleAction(type="forward", target_group_arn="arn:aws:elasticloadbalancing:tg")],
                       condition=[LbListenerRuleCondition(path_pattern=LbListenerRuleConditionPathPattern(values=["/api/*"]))])

    assert fired(check(build, production=True), "prod-https-only") == ["route"]


def test_the_scope_is_where_the_guardrails_are_added() -> None:
    stack = aws_stack(new_app())
    checked, unchecked = Construct(stack, "checked"), Construct(stack, "unchecked")
    CloudwatchLogGroup(checked, "logs", name="a")
    CloudwatchLogGroup(unchecked, "logs", name="b")
    guardrails = Guardrails()
    Aspects.of(checked).add(guardrails)
    synthesize(stack)
    assert [violation.path for violation in guardrails.violations] == ["stack/checked/logs"]


def test_an_unresolvable_value_is_not_claimed_either_way() -> None:
    retention = check(lambda stack: CloudwatchLogGroup(stack, "logs", name="a", retention_in_days=Fn.tonumber("30")))
    assert retention.violations == ()
