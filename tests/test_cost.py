"""The cost estimate on the real stacks: every type priced or listed, every line's arithmetic, and what moves it.

Expected amounts are recomputed from the price table and the synthesized resources (task sizes, counts,
the config's working hours), never typed in, so a price update changes no test.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from typing import Any

import pytest

from constructs_lib.analysis.cost import (
    DEFAULT_PRICE_FILE, Estimate, LineItem, PriceTable, StackEstimate, estimate_output, estimate_stack, load_prices,
    priced_types, render,
)
from constructs_lib.analysis.cost.model import CAPACITIES, MAXIMUM, MINIMUM
from constructs_lib.analysis.review import load_output
from constructs_lib.analysis.cost.aws_estimators import split_tasks
from constructs_lib.analysis.cost.prices import PriceTableError, parse_prices
from constructs_lib.analysis.cost.schedule import ScheduledCapacity, ScheduleError, weekly_capacity_profile, weekly_minutes

from .conftest import Synthesized
from .helpers import CLOUDS, ENVIRONMENTS, by_prefix, stack_id

DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return load_prices()


@pytest.fixture(scope="module")
def raw_table() -> dict[str, Any]:
    """The price file as plain TOML, to check the loader and the estimate against."""
    return tomllib.loads(DEFAULT_PRICE_FILE.read_text(encoding="utf-8"))


def estimate(synthesized: Synthesized, cloud: str, environment: str, table: PriceTable,
             change: Callable[[dict[str, Any]], None] | None = None, capacity: str = MINIMUM) -> StackEstimate:
    """The estimate of one real stack at ``capacity``, after ``change`` edits a copy of its resources."""
    document = copy.deepcopy(synthesized.stack(cloud, environment))
    if change is not None:
        change(document["resource"])
    return estimate_stack(stack_id(cloud, environment), document, table, capacity)


def amount(lines: list[LineItem], price_key: str) -> float:
    return sum(line.amount for line in lines if line.price.key == price_key)


def quantity(lines: list[LineItem], price_key: str) -> float:
    return sum(line.quantity for line in lines if line.price.key == price_key)


def fargate_vcpu_hours(lines: list[LineItem]) -> float:
    """vCPU-hours on any capacity provider (FARGATE, FARGATE_SPOT) and architecture."""
    return sum(line.quantity for line in lines if line.price.key.startswith("fargate_") and line.price.key.endswith("_vcpu_hour"))


def expected_tasks(count: int, strategy: list[dict[str, Any]]) -> dict[str, float]:
    """ECS's rule, stated independently of the estimator: each provider's base first, the rest by weight."""
    tasks = {item["capacity_provider"]: float(min(item.get("base", 0), count)) for item in strategy}
    rest = count - sum(tasks.values())
    weights = sum(item.get("weight", 0) for item in strategy)
    for item in strategy:
        tasks[item["capacity_provider"]] += rest * item.get("weight", 0) / weights
    return tasks


def hourly_price(table: PriceTable, task: dict[str, Any], provider: str) -> float:
    """What one task of ``task`` costs an hour on ``provider`` (x86)."""
    prefix = {"FARGATE": "fargate_x86", "FARGATE_SPOT": "fargate_spot_x86"}[provider]
    return (int(task["cpu"]) / 1024 * table.prices[f"{prefix}_vcpu_hour"].value
            + int(task["memory"]) / 1024 * table.prices[f"{prefix}_gb_hour"].value)


# --- nothing silently unpriced ------------------------------------------------------------------------------


def test_every_resource_type_of_every_stack_is_priced_free_or_not_estimated(
    synthesized: Synthesized, table: PriceTable
) -> None:
    types = {resource_type for document in synthesized.documents.values() for resource_type in document["resource"]}
    known = priced_types() | set(table.free) | set(table.not_estimated)
    assert sorted(types - known) == []
    for cloud in CLOUDS:
        for environment in ENVIRONMENTS:
            assert estimate(synthesized, cloud, environment, table).unpriced == [], (cloud, environment)


def test_a_type_is_either_priced_free_or_not_estimated_never_two(table: PriceTable) -> None:
    assert set(table.free) & priced_types() == set()
    assert set(table.not_estimated) & priced_types() == set()
    assert set(table.free) & set(table.not_estimated) == set()


def test_an_unknown_type_or_a_missing_price_is_reported_not_priced_never_counted_as_zero(
    synthesized: Synthesized, table: PriceTable
) -> None:
    before = estimate(synthesized, "aws", "prod", table)

    def add_and_resize(resources: dict[str, Any]) -> None:
        resources["aws_neptune_cluster"] = {"graph": {"engine": "neptune"}}
        _, database = by_prefix({"resource": resources}, "aws_db_instance", "database")
        database["instance_class"] = "db.x9.huge"

    after = estimate(synthesized, "aws", "prod", table, add_and_resize)
    assert [(finding.address, finding.reason) for finding in after.unpriced] == [
        ("aws_db_instance.database_instance_D7FC2283",
         "no price 'rds_postgres_db_x9_huge_hour' in the table (RDS postgres db.x9.huge: 730 h x 2 (Multi-AZ: 2 instances))"),
        ("aws_neptune_cluster.graph", "no entry for this type in the price table"),
    ]
    missing = amount(before.lines, "rds_postgres_db_m7g_large_hour")
    assert after.total == pytest.approx(before.total - missing)


def test_usage_the_estimate_does_not_model_is_named_on_the_stack(synthesized: Synthesized, table: PriceTable) -> None:
    aws = estimate(synthesized, "aws", "dev", table)
    assert [finding.address.split(".")[0] for finding in aws.not_estimated] == ["aws_ecs_cluster", "aws_service_discovery_service"]
    gcp = estimate(synthesized, "gcp", "prod", table)
    assert {finding.address.split(".")[0] for finding in gcp.not_estimated} == {"google_monitoring_alert_policy"}


# --- the arithmetic of every line ---------------------------------------------------------------------------


def test_every_line_is_its_quantity_times_the_price_in_the_table(
    synthesized: Synthesized, table: PriceTable, raw_table: dict[str, Any]
) -> None:
    for cloud in CLOUDS:
        for environment in ENVIRONMENTS:
            stack = estimate(synthesized, cloud, environment, table)
            assert stack.lines, (cloud, environment)
            for line in stack.lines:
                raw = raw_table["prices"][line.price.key]
                assert (line.price.value, line.price.unit) == (raw["value"], raw["unit"])
                assert line.price.cloud == cloud
                assert line.amount == pytest.approx(line.quantity * raw["value"])
            assert stack.total == pytest.approx(sum(line.quantity * raw_table["prices"][line.price.key]["value"]
                                                    for line in stack.lines))


def test_fargate_lines_are_task_size_times_min_capacity_times_the_hours(synthesized: Synthesized, table: PriceTable) -> None:
    hours = table.assumptions.hours_per_month
    document = synthesized.stack("aws", "prod")
    stack = estimate(synthesized, "aws", "prod", table)
    for service in ("backend", "frontend"):
        name, _ = by_prefix(document, "aws_ecs_service", f"{service}_service")
        _, task = by_prefix(document, "aws_ecs_task_definition", f"{service}_service_task")
        _, target = by_prefix(document, "aws_appautoscaling_target", f"{service}_autoscaling")
        lines = stack.lines_of(f"aws_ecs_service.{name}")
        task_hours = target["min_capacity"] * hours
        assert quantity(lines, "fargate_x86_vcpu_hour") == pytest.approx(int(task["cpu"]) / 1024 * task_hours)
        assert quantity(lines, "fargate_x86_gb_hour") == pytest.approx(int(task["memory"]) / 1024 * task_hours)


def test_rds_cloud_sql_nat_and_load_balancer_lines_follow_the_resources(synthesized: Synthesized, table: PriceTable) -> None:
    hours, traffic = table.assumptions.hours_per_month, table.assumptions.traffic["prod"]
    aws_document, aws = synthesized.stack("aws", "prod"), estimate(synthesized, "aws", "prod", table)
    _, database = by_prefix(aws_document, "aws_db_instance", "database")
    assert quantity(aws.lines, "rds_gp3_gb_month") == 2 * database["allocated_storage"]
    gateways = len(aws_document["resource"]["aws_nat_gateway"])
    assert quantity(aws.lines, "nat_gateway_hour") == gateways * hours
    assert quantity(aws.lines, "nat_gateway_gb") == pytest.approx(traffic.nat_gb)
    _, balancer = by_prefix(aws_document, "aws_lb", "load_balancer")
    addresses = len(aws_document["resource"]["aws_eip"]) + len(balancer["subnets"])
    assert quantity(aws.lines, "public_ipv4_hour") == addresses * hours

    gcp_document, gcp = synthesized.stack("gcp", "prod"), estimate(synthesized, "gcp", "prod", table)
    instances = gcp_document["resource"]["google_sql_database_instance"].values()  # with [dr], the replica too
    copies = {id(instance): 2 if instance["settings"]["availability_type"] == "REGIONAL" else 1 for instance in instances}
    tiers = {id(instance): [int(part) for part in instance["settings"]["tier"].split("-")[2:]] for instance in instances}
    assert quantity(gcp.lines, "cloud_sql_vcpu_hour") == sum(copies[i] * tiers[i][0] for i in copies) * hours
    assert quantity(gcp.lines, "cloud_sql_memory_gb_hour") == pytest.approx(
        sum(copies[i] * tiers[i][1] for i in copies) / 1024 * hours)
    assert quantity(gcp.lines, "cloud_sql_ssd_gb_month") == sum(
        copies[id(instance)] * instance["settings"]["disk_size"] for instance in instances)
    assert quantity(gcp.lines, "lb_forwarding_rules_first_five_hour") == hours
    assert quantity(gcp.lines, "lb_data_processed_gib") == traffic.load_balancer_gb


# --- what moves the estimate --------------------------------------------------------------------------------


@pytest.mark.parametrize("traffic", ["per environment", "the same everywhere"])
def test_prod_costs_more_than_staging_and_staging_more_than_dev_on_each_cloud(
    synthesized: Synthesized, table: PriceTable, raw_table: dict[str, Any], traffic: str
) -> None:
    if traffic == "the same everywhere":  # the infrastructure alone orders them, not only the traffic assumption
        uniform = copy.deepcopy(raw_table)
        uniform["assumptions"]["traffic"] = {"default": raw_table["assumptions"]["traffic"]["default"]}
        table = parse_prices(uniform, "uniform traffic")
    for cloud in CLOUDS:
        dev, staging, prod = (estimate(synthesized, cloud, environment, table).total for environment in ENVIRONMENTS)
        assert dev < staging < prod, (cloud, dev, staging, prod)


def _double_min_capacity(resources: dict[str, Any]) -> None:
    """What doubling scaling.min_capacity in config does to the backend: target, desired count, office-hours start."""
    target_name, target = by_prefix({"resource": resources}, "aws_appautoscaling_target", "backend_autoscaling")
    target["min_capacity"] *= 2
    target["max_capacity"] = max(target["max_capacity"], target["min_capacity"])
    _, service = by_prefix({"resource": resources}, "aws_ecs_service", "backend_service")
    service["desired_count"] = target["min_capacity"]
    for action in resources.get("aws_appautoscaling_scheduled_action", {}).values():
        if target_name in action["resource_id"] and int(action["scalable_target_action"]["min_capacity"]) > 0:
            action["scalable_target_action"]["min_capacity"] = str(2 * int(action["scalable_target_action"]["min_capacity"]))


def _backend_service(synthesized: Synthesized, table: PriceTable, environment: str) -> tuple[str, dict[str, Any],
                                                                                               list[dict[str, Any]], float]:
    """The AWS backend service's name, task definition, capacity-provider strategy and the hours a month it runs."""
    document = synthesized.stack("aws", environment)
    name, service = by_prefix(document, "aws_ecs_service", "backend_service")
    _, task = by_prefix(document, "aws_ecs_task_definition", "backend_service_task")
    strategy = service.get("capacity_provider_strategy") or [{"capacity_provider": "FARGATE", "weight": 1}]
    running = table.assumptions.hours_per_month * (_office_hours_share(synthesized) if environment == "dev" else 1)
    return name, task, strategy, running


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_doubling_min_capacity_raises_the_fargate_service_line_by_the_added_tasks_at_their_providers_rates(
    synthesized: Synthesized, table: PriceTable, environment: str
) -> None:
    name, task, strategy, running = _backend_service(synthesized, table, environment)
    minimum = synthesized.configs[environment].scaling.min_capacity
    before = expected_tasks(minimum, strategy)
    after = expected_tasks(2 * minimum, strategy)
    expected = running * sum((after[provider] - before[provider]) * hourly_price(table, task, provider) for provider in after)
    assert expected > 0

    estimate_before = estimate(synthesized, "aws", environment, table)
    estimate_after = estimate(synthesized, "aws", environment, table, _double_min_capacity)
    service_before = sum(line.amount for line in estimate_before.lines_of(f"aws_ecs_service.{name}"))
    service_after = sum(line.amount for line in estimate_after.lines_of(f"aws_ecs_service.{name}"))
    assert service_after - service_before == pytest.approx(expected)
    assert estimate_after.total - estimate_before.total == pytest.approx(expected)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_doubling_cloud_run_min_instances_doubles_the_idle_lines(
    synthesized: Synthesized, table: PriceTable, environment: str
) -> None:
    document = synthesized.stack("gcp", environment)
    name, service = by_prefix(document, "google_cloud_run_v2_service", "run_backend_service")
    minimum = service["template"]["scaling"]["min_instance_count"]
    limits = service["template"]["containers"][0]["resources"]["limits"]
    gib = int(limits["memory"].removesuffix("Mi")) / 1024

    def double(resources: dict[str, Any]) -> None:
        resources["google_cloud_run_v2_service"][name]["template"]["scaling"]["min_instance_count"] *= 2

    before = estimate(synthesized, "gcp", environment, table)
    after = estimate(synthesized, "gcp", environment, table, double)
    seconds = table.assumptions.seconds_per_month
    expected = minimum * seconds * (float(limits["cpu"]) * table.prices["cloud_run_idle_vcpu_second"].value
                                    + gib * table.prices["cloud_run_idle_gib_second"].value)
    assert after.total - before.total == pytest.approx(expected)


def test_cloud_run_with_min_instances_zero_pays_only_for_serving(synthesized: Synthesized, table: PriceTable) -> None:
    def scale_to_zero(resources: dict[str, Any]) -> None:
        for service in resources["google_cloud_run_v2_service"].values():
            service["template"]["scaling"]["min_instance_count"] = 0

    stack = estimate(synthesized, "gcp", "dev", table, scale_to_zero)
    assert quantity(stack.lines, "cloud_run_idle_vcpu_second") == quantity(stack.lines, "cloud_run_idle_gib_second") == 0
    assert quantity(stack.lines, "cloud_run_active_vcpu_second") > 0


def test_multi_az_doubles_the_rds_instance_line(synthesized: Synthesized, table: PriceTable) -> None:
    def single_az(resources: dict[str, Any]) -> None:
        by_prefix({"resource": resources}, "aws_db_instance", "database")[1]["multi_az"] = False

    multi = estimate(synthesized, "aws", "prod", table)
    single = estimate(synthesized, "aws", "prod", table, single_az)
    key = "rds_postgres_db_m7g_large_hour"
    assert amount(multi.lines, key) == pytest.approx(2 * amount(single.lines, key))
    assert amount(single.lines, key) == pytest.approx(table.assumptions.hours_per_month * table.prices[key].value)
    assert amount(multi.lines, "rds_gp3_gb_month") == pytest.approx(2 * amount(single.lines, "rds_gp3_gb_month"))


def test_regional_cloud_sql_doubles_the_instance_and_storage_lines(synthesized: Synthesized, table: PriceTable) -> None:
    def zonal(resources: dict[str, Any]) -> None:
        by_prefix({"resource": resources}, "google_sql_database_instance", "database_instance")[1]["settings"]["availability_type"] = "ZONAL"

    primary = "google_sql_database_instance." + by_prefix(synthesized.stack("gcp", "prod"), "google_sql_database_instance",
                                                            "database_instance")[0]
    regional = [line for line in estimate(synthesized, "gcp", "prod", table).lines if line.address == primary]
    single = [line for line in estimate(synthesized, "gcp", "prod", table, zonal).lines if line.address == primary]
    for key in ("cloud_sql_vcpu_hour", "cloud_sql_memory_gb_hour", "cloud_sql_ssd_gb_month"):
        assert amount(regional, key) == pytest.approx(2 * amount(single, key)), key


def _office_hours_share(synthesized: Synthesized) -> float:
    """The share of a week dev runs, from config/dev.toml's working hours (MON-FRI 07:00-19:00)."""
    hours = synthesized.configs["dev"].scaling.working_hours
    assert hours is not None
    first, _, last = hours.days.partition("-")
    days = DAY_NAMES.index(last or first) - DAY_NAMES.index(first) + 1
    start, end = ((int(time[:2]) * 60 + int(time[3:])) for time in (hours.start, hours.end))
    return days * (end - start) / 60 / (7 * 24)


def test_office_hours_reduce_dev_fargate_hours_by_the_share_of_the_week_they_cover(
    synthesized: Synthesized, table: PriceTable
) -> None:
    share = _office_hours_share(synthesized)
    assert 0 < share < 1
    minimum = synthesized.configs["dev"].scaling.min_capacity
    month = table.assumptions.hours_per_month
    stack = estimate(synthesized, "aws", "dev", table)
    document = synthesized.stack("aws", "dev")
    for service in ("backend", "frontend"):
        name, _ = by_prefix(document, "aws_ecs_service", f"{service}_service")
        _, task = by_prefix(document, "aws_ecs_task_definition", f"{service}_service_task")
        vcpu_hours = fargate_vcpu_hours(stack.lines_of(f"aws_ecs_service.{name}"))
        assert vcpu_hours / (int(task["cpu"]) / 1024) == pytest.approx(minimum * month * share)

    def no_schedule(resources: dict[str, Any]) -> None:
        del resources["aws_appautoscaling_scheduled_action"]

    always_on = estimate(synthesized, "aws", "dev", table, no_schedule)
    assert fargate_vcpu_hours(stack.lines) == pytest.approx(share * fargate_vcpu_hours(always_on.lines))
    fargate = {line.price.key for line in stack.lines if line.price.key.startswith("fargate_")}
    assert sum(amount(stack.lines, key) for key in fargate) == pytest.approx(
        share * sum(amount(always_on.lines, key) for key in fargate))


def test_a_fargate_spot_strategy_prices_the_tasks_beyond_the_base_at_the_spot_rate(
    synthesized: Synthesized, table: PriceTable
) -> None:
    def spot(resources: dict[str, Any]) -> None:
        _double_min_capacity(resources)  # staging backend: 2 tasks, 1 on FARGATE (base), 1 on FARGATE_SPOT
        _, service = by_prefix({"resource": resources}, "aws_ecs_service", "backend_service")
        service.pop("launch_type", None)
        service["capacity_provider_strategy"] = [
            {"capacity_provider": "FARGATE", "base": 1, "weight": 0},
            {"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": 1},
        ]

    document = synthesized.stack("aws", "staging")
    name, _ = by_prefix(document, "aws_ecs_service", "backend_service")
    _, task = by_prefix(document, "aws_ecs_task_definition", "backend_service_task")
    lines = estimate(synthesized, "aws", "staging", table, spot).lines_of(f"aws_ecs_service.{name}")
    hours, vcpu = table.assumptions.hours_per_month, int(task["cpu"]) / 1024
    assert quantity(lines, "fargate_x86_vcpu_hour") == pytest.approx(vcpu * hours)
    assert quantity(lines, "fargate_spot_x86_vcpu_hour") == pytest.approx(vcpu * hours)
    assert amount(lines, "fargate_spot_x86_vcpu_hour") < amount(lines, "fargate_x86_vcpu_hour")


def test_a_cluster_default_strategy_applies_to_services_without_their_own(synthesized: Synthesized, table: PriceTable) -> None:
    def on_demand(resources: dict[str, Any]) -> None:
        for service in resources["aws_ecs_service"].values():
            service.pop("capacity_provider_strategy", None)
            service["launch_type"] = "FARGATE"

    def cluster_default_spot(resources: dict[str, Any]) -> None:
        cluster, _ = by_prefix({"resource": resources}, "aws_ecs_cluster", "cluster")
        for service in resources["aws_ecs_service"].values():
            service.pop("capacity_provider_strategy", None)
            service.pop("launch_type", None)
        resources["aws_ecs_cluster_capacity_providers"] = {"providers": {
            "cluster_name": f"${{aws_ecs_cluster.{cluster}.name}}", "capacity_providers": ["FARGATE_SPOT"],
            "default_capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
        }}

    before = estimate(synthesized, "aws", "staging", table, on_demand)
    after = estimate(synthesized, "aws", "staging", table, cluster_default_spot)
    assert quantity(after.lines, "fargate_x86_vcpu_hour") == 0
    assert quantity(after.lines, "fargate_spot_x86_vcpu_hour") == pytest.approx(quantity(before.lines, "fargate_x86_vcpu_hour"))


# --- budgets ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_budget_covers_every_stack_of_its_cloud_and_environment_and_the_estimate_stays_under_it(
    synthesized: Synthesized, table: PriceTable, environment: str
) -> None:
    whole = estimate_output(load_output(synthesized.outdir), table)
    budget = synthesized.configs[environment].budget
    for cloud in CLOUDS:
        (group,) = [group for group in whole.budget_groups() if (group.cloud, group.environment) == (cloud, environment)]
        assert (group.budget.amount, group.budget.currency) == (budget.monthly_amount, budget.currency)
        covered = {name for name in synthesized.documents if name.startswith(stack_id(cloud, environment))}
        assert {stack.name for stack in group.stacks} == covered  # the platform, bootstrap and standby stacks
        assert group.total == pytest.approx(sum(whole.stack(name).total for name in covered))
        assert group.complete and group.total < budget.monthly_amount, f"no room in the {cloud} {environment} budget"
    assert quantity(estimate(synthesized, "aws", environment, table).lines, "budget_day") == 0  # within the free two


def test_the_prod_standby_counts_against_the_prod_budget(synthesized: Synthesized, table: PriceTable) -> None:
    whole = estimate_output(load_output(synthesized.outdir), table)
    (group,) = [group for group in whole.budget_groups() if (group.cloud, group.environment) == ("aws", "prod")]
    standby = whole.stack(f"{stack_id('aws', 'prod')}-standby")
    assert standby.standby and standby in group.stacks
    assert group.share == pytest.approx(group.total / group.budget.amount)
    assert group.total > whole.stack(stack_id("aws", "prod")).total + standby.total - 0.005


def test_an_estimate_over_its_budget_is_flagged(synthesized: Synthesized, table: PriceTable) -> None:
    def tiny_budget(resources: dict[str, Any]) -> None:
        by_prefix({"resource": resources}, "aws_budgets_budget", "budget")[1]["limit_amount"] = "10.00"

    stack = estimate(synthesized, "aws", "dev", table, tiny_budget)
    text = render(Estimate("out", table, [stack]))
    assert re.search(r"^  \$10\.00 aws dev: \$[\d.,]+ \(\d+%\) at minimum, - at maximum; covers duckdb-analytics-aws-dev$",
                     text, re.M)
    assert (f"  OVER BUDGET: {stack.budgets[0].address} (aws dev): the estimate of duckdb-analytics-aws-dev is "
            f"${stack.total:,.2f}, over $10.00") in text


def test_a_stack_with_an_unpriced_resource_reads_unknown_at_least_its_priced_part(
    synthesized: Synthesized, table: PriceTable
) -> None:
    def unpriced_class(resources: dict[str, Any]) -> None:
        by_prefix({"resource": resources}, "aws_db_instance", "database")[1]["instance_class"] = "db.x9.huge"

    stack = estimate(synthesized, "aws", "prod", table, unpriced_class)
    assert not stack.complete
    text = render(Estimate("out", table, [stack]))
    assert re.search(rf"^{stack.name} +aws +prod +unknown, at least \${stack.total:,.2f}  -$", text, re.M)
    assert f"unknown, at least ${stack.total:,.2f} a month at minimum capacity" in text


# --- maximum capacity ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_at_maximum_capacity_fargate_services_run_their_maximum_tasks_for_the_hours_they_may(
    synthesized: Synthesized, table: PriceTable, environment: str
) -> None:
    name, task, strategy, running = _backend_service(synthesized, table, environment)
    maximum = synthesized.configs[environment].scaling.max_capacity
    expected = running * sum(tasks * hourly_price(table, task, provider)
                             for provider, tasks in expected_tasks(maximum, strategy).items())
    top = estimate(synthesized, "aws", environment, table, capacity=MAXIMUM)
    assert sum(line.amount for line in top.lines_of(f"aws_ecs_service.{name}")) == pytest.approx(expected)
    bottom = estimate(synthesized, "aws", environment, table)
    other = [line for line in top.lines if not line.address.startswith("aws_ecs_service.")]
    assert sum(line.amount for line in other) == pytest.approx(
        sum(line.amount for line in bottom.lines if not line.address.startswith("aws_ecs_service.")))


def test_raising_the_maximum_moves_only_the_maximum_estimate(synthesized: Synthesized, table: PriceTable) -> None:
    def double_maximum(resources: dict[str, Any]) -> None:
        for service in resources["google_cloud_run_v2_service"].values():
            service["template"]["scaling"]["max_instance_count"] *= 2

    before = {capacity: estimate(synthesized, "gcp", "prod", table, capacity=capacity) for capacity in CAPACITIES}
    after = {capacity: estimate(synthesized, "gcp", "prod", table, double_maximum, capacity) for capacity in CAPACITIES}
    assert after[MINIMUM].total == pytest.approx(before[MINIMUM].total)

    def instances(stack: StackEstimate) -> float:
        return sum(line.amount for line in stack.lines if line.group == "Compute" and "requests" not in line.label)

    assert instances(after[MAXIMUM]) == pytest.approx(2 * instances(before[MAXIMUM]))  # twice as many, busy all month


def test_cloud_run_at_maximum_bills_every_instance_busy_all_month(synthesized: Synthesized, table: PriceTable) -> None:
    document = synthesized.stack("gcp", "prod")
    name, service = by_prefix(document, "google_cloud_run_v2_service", "run_backend_service")
    limits = service["template"]["containers"][0]["resources"]["limits"]
    maximum = service["template"]["scaling"]["max_instance_count"]
    seconds = maximum * table.assumptions.seconds_per_month
    expected = seconds * (float(limits["cpu"]) * table.prices["cloud_run_active_vcpu_second"].value
                          + int(limits["memory"].removesuffix("Mi")) / 1024 * table.prices["cloud_run_active_gib_second"].value)
    lines = estimate(synthesized, "gcp", "prod", table, capacity=MAXIMUM).lines_of(f"google_cloud_run_v2_service.{name}")
    assert sum(line.amount for line in lines if "requests" not in line.label) == pytest.approx(expected)


# --- schedules and strategies -------------------------------------------------------------------------------


def test_cron_schedules_fire_at_the_minutes_of_the_week() -> None:
    monday_seven = 1 * 1440 + 7 * 60
    assert weekly_minutes("cron(0 7 ? * MON-FRI *)") == [monday_seven + day * 1440 for day in range(5)]
    assert weekly_minutes("cron(30 7 ? * 2-6 *)") == [monday_seven + 30 + day * 1440 for day in range(5)]
    assert weekly_minutes("cron(0 0,12 ? * SUN *)") == [0, 720]
    assert len(weekly_minutes("cron(0 * * * ? *)")) == 7 * 24


@pytest.mark.parametrize("expression", ["rate(5 minutes)", "at(2026-12-01T07:00:00)", "cron(0 7 1 * ? *)",
                                        "cron(0 7 ? * FRI-MON *)", "cron(0 25 ? * * *)", "cron(0 7 ? *)"])
def test_schedules_that_do_not_recur_weekly_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError, match="^'"):
        weekly_minutes(expression)


def test_a_schedule_not_understood_falls_back_to_the_target_minimum_and_says_so(
    synthesized: Synthesized, table: PriceTable
) -> None:
    def rate(resources: dict[str, Any]) -> None:
        for action in resources["aws_appautoscaling_scheduled_action"].values():
            action["schedule"] = "rate(1 day)"

    stack = estimate(synthesized, "aws", "dev", table, rate)
    assert any("schedule not understood" in note for note in stack.notes)
    assert fargate_vcpu_hours(stack.lines) == pytest.approx(2 * 0.25 * table.assumptions.hours_per_month)


def test_capacity_profile_of_office_hours_and_of_a_week_without_actions() -> None:
    office = [ScheduledCapacity("cron(0 7 ? * MON-FRI *)", 2), ScheduledCapacity("cron(0 19 ? * MON-FRI *)", 0)]
    assert weekly_capacity_profile(2, office) == {2: 60.0, 0: 108.0}
    assert weekly_capacity_profile(3, []) == {3: 168.0}


@pytest.mark.parametrize(("count", "strategy", "expected"), [
    (3, [("FARGATE", 1, 0)], {"FARGATE": 3}),
    (3, [("FARGATE", 0, 1), ("FARGATE_SPOT", 1, 0)], {"FARGATE": 1, "FARGATE_SPOT": 2}),
    (4, [("FARGATE", 1, 0), ("FARGATE_SPOT", 3, 0)], {"FARGATE": 1, "FARGATE_SPOT": 3}),
    (1, [("FARGATE", 0, 2), ("FARGATE_SPOT", 1, 0)], {"FARGATE": 1, "FARGATE_SPOT": 0}),
    (0, [("FARGATE", 0, 1), ("FARGATE_SPOT", 1, 0)], {"FARGATE": 0, "FARGATE_SPOT": 0}),
])
def test_tasks_split_base_first_then_by_weight(count: int, strategy: list[tuple[str, float, int]],
                                               expected: dict[str, float]) -> None:
    assert split_tasks(count, strategy) == pytest.approx(expected)


# --- the price table ----------------------------------------------------------------------------------------


def test_every_price_has_its_unit_region_date_source_and_verification(table: PriceTable, raw_table: dict[str, Any]) -> None:
    assert set(table.prices) == set(raw_table["prices"])
    for price in table.prices.values():
        assert price.value > 0, price.key
        assert price.source.startswith("https://") and price.evidence, price.key
        assert price.checked == table.checked, price.key
        assert price.verified in ("provider-page", "secondary", "unverified"), price.key


def test_the_prices_are_for_the_regions_the_config_deploys_to(synthesized: Synthesized, table: PriceTable) -> None:
    regions = {(config.aws.region, config.gcp.region) for config in synthesized.configs.values()}
    assert regions == {(table.regions()["aws"], table.regions()["gcp"])}
    assert {price.region for price in table.prices.values() if price.cloud == "aws"} == {table.regions()["aws"]}
    assert {price.region for price in table.prices.values() if price.cloud == "gcp"} == {table.regions()["gcp"]}


def test_a_stack_in_another_region_is_priced_with_a_note(synthesized: Synthesized, table: PriceTable) -> None:
    document = copy.deepcopy(synthesized.stack("aws", "dev"))
    document["provider"]["aws"][0]["region"] = "eu-west-1"
    stack = estimate_stack("acme-aws-dev", document, table)
    assert "aws provider region eu-west-1: priced with us-east-1 prices" in stack.notes


def test_the_environment_comes_from_tags_labels_or_name_else_default_traffic(table: PriceTable) -> None:
    assert estimate_stack("shop-qa", {"resource": {}}, table).traffic_name == "default"
    assert estimate_stack("shop-prod", {"resource": {}}, table).traffic_name == "prod"
    labelled = {"provider": {"google": [{"default_labels": {"environment": "staging"}}]}, "resource": {}}
    assert estimate_stack("shop", labelled, table).environment == "staging"


@pytest.mark.parametrize(("edit", "message"), [
    (lambda data: data["prices"]["alb_hour"].pop("source"), "prices.alb_hour.source: must be a non-empty string, got None"),
    (lambda data: data["prices"]["alb_hour"].update(source="aws.amazon.com"),
     "prices.alb_hour.source: must be an https:// URL, got 'aws.amazon.com'"),
    (lambda data: data["prices"]["alb_hour"].update(verified="sure"),
     "prices.alb_hour.verified: must be one of provider-page, secondary, unverified, got 'sure'"),
    (lambda data: data["prices"]["alb_hour"].update(value=-1), "prices.alb_hour.value: must be a number >= 0, got -1"),
    (lambda data: data["prices"]["alb_hour"].update(colour="red"), "prices.alb_hour.colour: unknown field"),
    (lambda data: data["assumptions"]["traffic"].pop("default"),
     "assumptions.traffic.default: missing (used for any other environment)"),
    (lambda data: data["assumptions"]["traffic"]["prod"].pop("nat_gb"),
     "assumptions.traffic.prod.nat_gb: must be a number >= 0, got None"),
    (lambda data: data["assumptions"].update(hours_per_month=0), "assumptions.hours_per_month: must be a positive number, got 0"),
    (lambda data: data["free"].update(aws_ecs_cluster="free"), "aws_ecs_cluster: listed both as free and as not estimated"),
])
def test_a_broken_price_table_is_one_error_naming_the_key(raw_table: dict[str, Any], edit: Callable[[dict[str, Any]], Any],
                                                          message: str) -> None:
    data = copy.deepcopy(raw_table)
    edit(data)
    with pytest.raises(PriceTableError) as error:
        parse_prices(data, "prices.toml")
    assert str(error.value) == f"prices.toml: {message}"
