"""An AWS Budgets monthly cost budget of one project, alerting an SNS topic."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.budgets_budget import (
    BudgetsBudget,
    BudgetsBudgetCostFilter,
    BudgetsBudgetNotification,
)
from constructs import Construct

from ..budget_spec import BudgetSpec


@dataclass(frozen=True)
class MonthlyBudgetProps:
    """Props of :class:`MonthlyBudget`.

    Attributes:
        name: Budget name, unique in the account.
        budget: Amount, currency and thresholds.
        topic_arn: The SNS topic that receives every alert. Its policy must let ``budgets.amazonaws.com``
            publish and, if it is encrypted, its key policy let that service use the key
            (:class:`~constructs_lib.aws.alert_topic.AlertTopic` and
            :meth:`~constructs_lib.aws.encryption_key.EncryptionKey.budgets_statement` do).
        project_tag: ``(key, value)`` of the cost allocation tag the budget counts, e.g.
            ``("Project", "duckdb-analytics")``. The tag must be activated as a cost allocation tag in
            the Billing console once per account. Default ``None``: the whole account.
    """

    name: str
    budget: BudgetSpec
    topic_arn: str
    project_tag: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.name) <= 100 or ":" in self.name or "\\" in self.name:
            raise ValueError(f"MonthlyBudgetProps.name {self.name!r}: must be 1 to 100 characters without ':' or a backslash")


class MonthlyBudget(Construct):
    """A monthly cost budget that alerts the topic at each actual and forecast threshold."""

    def __init__(self, scope: Construct, id_: str, props: MonthlyBudgetProps) -> None:
        super().__init__(scope, id_)
        budget = props.budget
        notifications = [
            BudgetsBudgetNotification(
                comparison_operator="GREATER_THAN", threshold=threshold, threshold_type="PERCENTAGE",
                notification_type=kind, subscriber_sns_topic_arns=[props.topic_arn],
            )
            for kind, thresholds in (("ACTUAL", budget.actual_thresholds), ("FORECASTED", budget.forecast_thresholds))
            for threshold in thresholds
        ]
        self.budget = BudgetsBudget(
            self, "budget",
            name=props.name,
            budget_type="COST",
            limit_amount=f"{budget.monthly_amount:.2f}",
            limit_unit=budget.currency,
            time_unit="MONTHLY",
            cost_filter=[BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:{props.project_tag[0]}${props.project_tag[1]}"])]
            if props.project_tag else None,
            notification=notifications,
        )

    @property
    def name(self) -> str:
        """The budget's name."""
        return self.budget.name
