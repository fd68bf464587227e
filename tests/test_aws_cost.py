"""Cost controls on AWS: a monthly budget per environment that alerts the topic, Spot where config says."""

from __future__ import annotations

import pytest

from constructs_lib.aws.fargate_service import CapacitySplit
from constructs_lib.budget_spec import BudgetSpec

from .conftest import Synthesized
from .aws_reading import policy_statements
from .helpers import ENVIRONMENTS, by_prefix, only, reference, resources

per_environment = pytest.mark.parametrize("environment", ENVIRONMENTS)


@per_environment
def test_a_monthly_budget_of_the_project_alerts_the_topic(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    topic_id, _ = by_prefix(stack, "aws_sns_topic", "alerts_topic_")  # the critical tier's topic
    _, budget = only(stack, "aws_budgets_budget")
    assert (budget["budget_type"], budget["time_unit"]) == ("COST", "MONTHLY")
    assert (budget["limit_amount"], budget["limit_unit"]) == (f"{config.budget.monthly_amount:.2f}", "USD")
    # The whole account (one account per environment): no cost allocation tag to activate first, the standby counted.
    assert "cost_filter" not in budget
    expected = sorted([("ACTUAL", threshold) for threshold in config.budget.actual_thresholds]
                      + [("FORECASTED", threshold) for threshold in config.budget.forecast_thresholds])
    notifications = budget["notification"]
    assert sorted((item["notification_type"], item["threshold"]) for item in notifications) == expected
    assert all(item["subscriber_sns_topic_arns"] == [reference("aws_sns_topic", topic_id, "arn")] for item in notifications)
    assert all((item["threshold_type"], item["comparison_operator"]) == ("PERCENTAGE", "GREATER_THAN") for item in notifications)
    # The topic admits Budgets of this account only (the key's statement: test_aws_monitoring.py).
    statements = policy_statements(stack, by_prefix(stack, "aws_sns_topic_policy", "alerts_policy_")[1]["policy"])
    assert statements["BudgetsPublish"]["principals"] == [{"type": "Service", "identifiers": ["budgets.amazonaws.com"]}]
    assert statements["BudgetsPublish"]["condition"][0]["values"] == [config.aws.account_id]
    warnings = policy_statements(stack, by_prefix(stack, "aws_sns_topic_policy", "warnings_policy_")[1]["policy"])
    assert set(warnings) == {"CloudWatchAlarmsPublish"}  # only alarms publish warnings


@per_environment
def test_spot_follows_the_capacity_table_and_prod_stays_on_demand(synthesized: Synthesized, environment: str) -> None:
    stack, capacity = synthesized.stack("aws", environment), synthesized.configs[environment].capacity
    services = [body for name, body in resources(stack, "aws_ecs_service").items()]
    if capacity is None:
        assert environment == "prod"
        assert all(body["launch_type"] == "FARGATE" for body in services)
        assert resources(stack, "aws_ecs_cluster_capacity_providers") == {}
        return
    _, providers = only(stack, "aws_ecs_cluster_capacity_providers")
    assert providers["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    for body in services:
        assert body["capacity_provider_strategy"] == [
            {"capacity_provider": "FARGATE", "base": capacity.on_demand_base, "weight": capacity.on_demand_weight},
            {"capacity_provider": "FARGATE_SPOT", "weight": capacity.spot_weight},
        ]


def test_budget_and_spot_props_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match=r"CapacitySplit.spot_weight: must be above 0 when on_demand_weight is 0"):
        CapacitySplit(on_demand_base=1, on_demand_weight=0, spot_weight=0)
    with pytest.raises(ValueError, match=r"BudgetSpec.monthly_amount: must be a number above 0, got -5"):
        BudgetSpec(-5)
    with pytest.raises(ValueError, match=r"BudgetSpec.actual_thresholds: must be a tuple of ascending whole percentages from 1 to 1000, got \(80, 50\)"):
        BudgetSpec(100, actual_thresholds=(80, 50))
    assert CapacitySplit().all_spot and not CapacitySplit(on_demand_base=1).all_spot
