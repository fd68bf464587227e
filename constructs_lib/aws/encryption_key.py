"""A customer-managed KMS key with rotation and an explicit key policy."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from .iam import Condition, Statement, policy_document

_USE_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")
#: What the deploy role does to a key it manages (Terraform's calls for aws_kms_key and aws_kms_alias); no PutKeyPolicy.
_DEPLOYER_MANAGEMENT = tuple(f"kms:{action}" for action in (
    "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags", "EnableKeyRotation",
    "UpdateKeyDescription", "TagResource", "UntagResource", "ScheduleKeyDeletion", "CancelKeyDeletion",
    "CreateAlias", "DeleteAlias", "UpdateAlias",
))


@dataclass(frozen=True)
class EncryptionKeyProps:
    """Props of :class:`EncryptionKey`.

    Attributes:
        alias: Alias name without the ``alias/`` prefix, e.g. ``duckdb-analytics-prod``.
        account_id: The account that owns the key; its IAM policies decide who else may use it.
        description: Shown in the KMS console.
        service_statements: Extra key-policy statements for AWS services that encrypt with the key:
            :meth:`EncryptionKey.cloudwatch_logs_statement` for log groups,
            :meth:`EncryptionKey.cloudwatch_alarms_statement` for alarm topics, or your own
            :meth:`EncryptionKey.service_use_statement`; the account root statement is always present.
        deletion_window_in_days: Waiting period before a scheduled deletion (7-30). Default 30.
        partition: AWS partition of the account ARN. Default ``aws``.
        deployer_may_not_change_policy: The identity applying the key is denied ``kms:PutKeyPolicy`` on purpose
            (a pipeline's deploy role, :meth:`EncryptionKey.deployer_statements`): skip KMS's policy lockout check at
            creation, which would otherwise refuse a key whose creator may not rewrite its policy. The account-root
            statement keeps the account's administrators in control. Default ``False``.
    """

    alias: str
    account_id: str
    description: str
    service_statements: tuple[Statement, ...] = ()
    deletion_window_in_days: int = 30
    partition: str = "aws"
    deployer_may_not_change_policy: bool = False

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_in_days <= 30:
            raise ValueError(f"EncryptionKeyProps.deletion_window_in_days must be 7 to 30, got {self.deletion_window_in_days}")
        if self.alias.startswith("alias/"):
            raise ValueError("EncryptionKeyProps.alias is given without the 'alias/' prefix")


class EncryptionKey(Construct):
    """A symmetric KMS key with yearly rotation, an explicit key policy and an alias.

    The key policy gives the owning account full control (so IAM policies decide access) and lets
    the listed AWS services encrypt with it.
    """

    def __init__(self, scope: Construct, id_: str, props: EncryptionKeyProps) -> None:
        super().__init__(scope, id_)
        account_root = f"arn:{props.partition}:iam::{props.account_id}:root"
        policy = policy_document(
            self,
            "policy",
            (
                Statement(
                    sid="AccountAdministration",
                    actions=("kms:*",),
                    resources=("*",),
                    principals=(("AWS", (account_root,)),),
                ),
                *props.service_statements,
            ),
        )
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=policy.json,
            # AWS (CreateKey): set it "only when you intend to prevent the principal that is making the request from
            # making a subsequent PutKeyPolicy request on the KMS key", which is exactly the deploy role's case.
            bypass_policy_lockout_safety_check=True if props.deployer_may_not_change_policy else None,
        )
        KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        """ARN of the key."""
        return self.key.arn

    @property
    def key_id(self) -> str:
        """ID of the key."""
        return self.key.key_id

    @staticmethod
    def cloudwatch_logs_statement(region: str, account_id: str, partition: str = "aws") -> Statement:
        """Lets CloudWatch Logs encrypt the log groups of ``account_id`` in ``region`` (and nothing else).

        Every :class:`~constructs_lib.aws.log_group.LogGroup` given this key needs it in the key policy:
        without it, synthesis succeeds and the apply fails.
        """
        return EncryptionKey.service_use_statement(
            "CloudWatchLogsUse", f"logs.{region}.amazonaws.com",
            Condition("ArnLike", "kms:EncryptionContext:aws:logs:arn",
                      (f"arn:{partition}:logs:{region}:{account_id}:log-group:*",)),
        )

    @staticmethod
    def cloudwatch_alarms_statement(account_id: str) -> Statement:
        """Lets CloudWatch alarms of ``account_id`` publish to an SNS topic encrypted with the key.

        An :class:`~constructs_lib.aws.alert_topic.AlertTopic` given this key needs it in the key policy.
        """
        return EncryptionKey.service_use_statement(
            "CloudWatchAlarmsUse", "cloudwatch.amazonaws.com", Condition("StringEquals", "aws:SourceAccount", (account_id,)),
        )

    @staticmethod
    def budgets_statement(account_id: str) -> Statement:
        """Lets AWS Budgets publish alerts of ``account_id`` to an SNS topic encrypted with the key."""
        return EncryptionKey.service_use_statement(
            "BudgetsUse", "budgets.amazonaws.com", Condition("StringEquals", "aws:SourceAccount", (account_id,)),
        )

    @staticmethod
    def service_use_statement(sid: str, service: str, *conditions: Condition) -> Statement:
        """A key-policy statement letting an AWS service principal encrypt and decrypt with the key."""
        return Statement(
            sid=sid,
            actions=_USE_ACTIONS,
            resources=("*",),
            principals=(("Service", (service,)),),
            conditions=tuple(conditions),
        )

    @staticmethod
    def deployer_statements(role_arn: str, region: str) -> tuple[Statement, Statement]:
        """Key-policy statements for the role that applies the platform (the pipeline's deploy role).

        It manages the key (never its policy: an administrator changes key policies) and uses it only through
        the services that encrypt with it on its behalf (RDS, Secrets Manager, ECR for the standby's repositories),
        with grants only for AWS resources. Give the key ``deployer_may_not_change_policy`` too. Naming the role here rather than in IAM with a tag condition works from the key's first
        second: a new key's tags can take minutes to count for authorization, and the provider enables
        rotation right after ``CreateKey``.
        """
        principal = (("AWS", (role_arn,)),)
        return (
            Statement(sid="DeployerManagement", actions=_DEPLOYER_MANAGEMENT, resources=("*",), principals=principal),
            Statement(sid="DeployerUseThroughServices",
                      actions=("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                               "kms:RetireGrant", "kms:DescribeKey"),
                      resources=("*",), principals=principal,
                      conditions=(Condition("StringEquals", "kms:ViaService", tuple(
                          f"{service}.{region}.amazonaws.com" for service in ("rds", "secretsmanager", "ecr"))),
                                  Condition("BoolIfExists", "kms:GrantIsForAWSResource", ("true",)))),
        )
