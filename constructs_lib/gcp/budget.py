"""A Cloud Billing budget of one project, alerting a Cloud Monitoring notification channel."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.billing_budget import (
    BillingBudget,
    BillingBudgetAllUpdatesRule,
    BillingBudgetAmount,
    BillingBudgetAmountSpecifiedAmount,
    BillingBudgetBudgetFilter,
    BillingBudgetThresholdRules,
)
from cdktf_cdktf_provider_google.data_google_project import DataGoogleProject
from constructs import Construct

from ..budget_spec import BudgetSpec
from ._props import require, require_match

BILLING_ACCOUNT = re.compile(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}")
BILLING_ACCOUNT_RULE = "be a billing account ID such as 012345-6789AB-CDEF01"


@dataclass(frozen=True)
class ProjectBudgetProps:
    """Props of :class:`ProjectBudget`.

    Attributes:
        display_name: Shown in the Billing console (at most 60 characters).
        billing_account: The billing account that pays for ``project``. Applying the budget needs the
            Billing Account Costs Manager (or Administrator) role on it.
        project: The project whose spend counts.
        budget: Amount, currency (the billing account's) and thresholds.
        notification_channels: Cloud Monitoring channels (full ``id``) that receive every alert, at most 5.
        depends_on: Resources to create first (the Billing Budget API). Default none.
    """

    display_name: str
    billing_account: str
    project: str
    budget: BudgetSpec
    notification_channels: tuple[str, ...]
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require(1 <= len(self.display_name) <= 60, self, "display_name", "be 1 to 60 characters")
        require_match(BILLING_ACCOUNT, self, "billing_account", BILLING_ACCOUNT_RULE)
        require(1 <= len(self.notification_channels) <= 5, self, "notification_channels",
                "name 1 to 5 channels: a budget that alerts nobody is no control")


class ProjectBudget(Construct):
    """A monthly budget of one project's spend; each actual and forecast threshold alerts the channels."""

    def __init__(self, scope: Construct, id_: str, props: ProjectBudgetProps) -> None:
        super().__init__(scope, id_)
        budget = props.budget
        project = DataGoogleProject(self, "project", project_id=props.project)
        units, cents = divmod(round(budget.monthly_amount * 100), 100)
        self.budget = BillingBudget(
            self, "budget",
            billing_account=props.billing_account,
            display_name=props.display_name,
            budget_filter=BillingBudgetBudgetFilter(projects=[f"projects/{project.number}"], calendar_period="MONTH"),
            amount=BillingBudgetAmount(specified_amount=BillingBudgetAmountSpecifiedAmount(
                currency_code=budget.currency, units=str(units), nanos=cents * 10_000_000 or None,
            )),
            threshold_rules=[
                BillingBudgetThresholdRules(threshold_percent=threshold / 100, spend_basis=basis)
                for basis, thresholds in (("CURRENT_SPEND", budget.actual_thresholds),
                                          ("FORECASTED_SPEND", budget.forecast_thresholds))
                for threshold in thresholds
            ],
            all_updates_rule=BillingBudgetAllUpdatesRule(
                monitoring_notification_channels=list(props.notification_channels),
                disable_default_iam_recipients=False,
            ),
            depends_on=list(props.depends_on) or None,
        )
