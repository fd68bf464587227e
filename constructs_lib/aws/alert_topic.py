"""The SNS topics alarms notify, one per alert tier (critical, warning), encrypted, with an email subscription."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from ..alerting import CRITICAL, TIERS, WARNING
from .iam import Condition, Statement, policy_document


@dataclass(frozen=True)
class AlertRoutes:
    """Where alarms notify, by tier (:mod:`constructs_lib.alerting`): a topic each, so that a team can page on
    the critical one and read the warning one.

    Attributes:
        critical_topic_arn: Users are affected now.
        warning_topic_arn: Something needs attention before it affects users.
    """

    critical_topic_arn: str
    warning_topic_arn: str

    def topic(self, tier: str) -> str:
        """The topic of ``tier`` (``critical`` or ``warning``); a ValueError names the tiers otherwise."""
        if tier not in TIERS:
            raise ValueError(f"AlertRoutes.topic({tier!r}): the tiers are {', '.join(TIERS)}")
        return self.critical_topic_arn if tier == CRITICAL else self.warning_topic_arn

    @property
    def critical(self) -> str:
        """The critical tier's topic."""
        return self.topic(CRITICAL)

    @property
    def warning(self) -> str:
        """The warning tier's topic."""
        return self.topic(WARNING)


@dataclass(frozen=True)
class AlertTopicProps:
    """Props of :class:`AlertTopic`.

    Attributes:
        name: Topic name.
        account_id: The account whose CloudWatch alarms may publish.
        kms_key_arn: Key encrypting messages; its policy must let ``cloudwatch.amazonaws.com`` use it.
        email: Address subscribed to the topic (AWS sends a confirmation mail first). Default ``None``.
        budgets_publish: Also let AWS Budgets of the account publish (budget alerts). Default ``False``.
    """

    name: str
    account_id: str
    kms_key_arn: str
    email: str | None = None
    budgets_publish: bool = False


class AlertTopic(Construct):
    """An encrypted SNS topic that only this account's CloudWatch alarms (and, if asked, Budgets) can publish to."""

    def __init__(self, scope: Construct, id_: str, props: AlertTopicProps) -> None:
        super().__init__(scope, id_)
        self.topic = SnsTopic(self, "topic", name=props.name, kms_master_key_id=props.kms_key_arn)
        publishers = [("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com")]
        if props.budgets_publish:
            publishers.append(("BudgetsPublish", "budgets.amazonaws.com"))
        policy = policy_document(self, "policy_document", tuple(
            Statement(
                sid=sid,
                actions=("sns:Publish",),
                resources=(self.topic.arn,),
                principals=(("Service", (service,)),),
                conditions=(Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),),
            )
            for sid, service in publishers
        ))
        SnsTopicPolicy(self, "policy", arn=self.topic.arn, policy=policy.json)
        if props.email:
            SnsTopicSubscription(self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=props.email)

    @property
    def arn(self) -> str:
        """The topic ARN."""
        return self.topic.arn
