"""Zero-downtime releases on AWS: ECS blue/green (canary, linear) with test routes and rollback alarms."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from constructs_lib.aws.fargate_service import Deployment, FargateServiceProps
from constructs_lib.aws.load_balancer import TestListener as ReleaseTestListener  # not a pytest class

import cdktf  # noqa: E402  (after constructs_lib)

from .conftest import Synthesized  # noqa: E402
from .helpers import ENVIRONMENTS, by_prefix, reference, resources  # noqa: E402

from stacks.app_services import SERVICES  # noqa: E402  (isort: skip)

SERVICES_BY_NAME = {service.name: service for service in SERVICES}
per_environment = pytest.mark.parametrize("environment", ENVIRONMENTS)


def _ecs_service(stack: dict[str, Any], name: str) -> dict[str, Any]:
    return by_prefix(stack, "aws_ecs_service", f"{name}_service_")[1]


@per_environment
def test_strategy_and_bake_time_come_from_config(synthesized: Synthesized, environment: str) -> None:
    stack, release = synthesized.stack("aws", environment), synthesized.configs[environment].release
    for name in SERVICES_BY_NAME:
        service = _ecs_service(stack, name)
        assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
        if not release.shifts_traffic:
            # Written out: the provider sends the block only when it changes, so a service switched from
            # blue/green would otherwise stay on it.
            assert service["deployment_configuration"] == {"strategy": "ROLLING"}
            continue
        assert service["deployment_configuration"] == {
            "strategy": release.strategy.upper(), "bake_time_in_minutes": str(release.bake_minutes)}


@per_environment
def test_terraform_leaves_alone_what_ecs_owns(synthesized: Synthesized, environment: str) -> None:
    stack, release = synthesized.stack("aws", environment), synthesized.configs[environment].release
    for name in SERVICES_BY_NAME:
        ignored = _ecs_service(stack, name)["lifecycle"]["ignore_changes"]
        # Autoscaling owns the task count; with traffic shifting ECS alternates the target group of the service's
        # load_balancer (a set in the provider: the whole block is the narrowest path), which the provider would
        # otherwise send back on the next apply (hashicorp/terraform-provider-aws#45678).
        assert ignored == (["desired_count", "load_balancer"] if release.shifts_traffic else ["desired_count"])


@per_environment
def test_each_service_has_an_alternate_target_group_and_weighted_rules(synthesized: Synthesized, environment: str) -> None:
    stack, release = synthesized.stack("aws", environment), synthesized.configs[environment].release
    listeners = {body["port"]: name for name, body in resources(stack, "aws_lb_listener").items()}
    for name, service in SERVICES_BY_NAME.items():
        alternates = {key: body for key, body in resources(stack, "aws_lb_target_group").items()
                      if key.startswith(f"load_balancer_{name}_alternate_targets")}
        if not release.shifts_traffic:
            assert alternates == {} and not resources(stack, "aws_iam_role_policy_attachment").keys() - {
                key for key in resources(stack, "aws_iam_role_policy_attachment") if key.startswith("database_")}
            continue
        ((alternate_id, alternate),) = alternates.items()
        primary_id, primary = by_prefix(stack, "aws_lb_target_group", f"load_balancer_{name}_targets")
        assert alternate["health_check"] == primary["health_check"] and alternate["port"] == service.port
        weights = [{"arn": reference("aws_lb_target_group", primary_id, "arn"), "weight": 100},
                   {"arn": reference("aws_lb_target_group", alternate_id, "arn"), "weight": 0}]
        for kind, port in (("production", 443), ("test", release.test_port)):
            rule_id, rule = by_prefix(stack, "aws_lb_listener_rule", f"load_balancer_{name}_{kind}_route")
            assert rule["listener_arn"] == reference("aws_lb_listener", listeners[port], "arn")
            assert rule["action"] == [{"type": "forward", "forward": {"target_group": weights}}]
            assert rule["lifecycle"] == {"ignore_changes": ["action"]}  # ECS owns the weights
        advanced = _ecs_service(stack, name)["load_balancer"][0]["advanced_configuration"]
        assert advanced["alternate_target_group_arn"] == reference("aws_lb_target_group", alternate_id, "arn")
        assert advanced["role_arn"] == reference("aws_iam_role", "traffic_role", "arn")


@per_environment
def test_the_test_route_is_open_to_the_configured_ranges_only(synthesized: Synthesized, environment: str) -> None:
    stack, release = synthesized.stack("aws", environment), synthesized.configs[environment].release
    test_ingress = [body for name, body in resources(stack, "aws_vpc_security_group_ingress_rule").items()
                    if name.startswith("load_balancer_test_ingress")]
    if not release.shifts_traffic:
        assert test_ingress == []
        return
    assert sorted(body["cidr_ipv4"] for body in test_ingress) == sorted(release.test_cidrs)
    assert {(body["from_port"], body["to_port"]) for body in test_ingress} == {(release.test_port, release.test_port)}
    assert all(body["cidr_ipv4"] != "0.0.0.0/0" for body in test_ingress)
    _, listener = by_prefix(stack, "aws_lb_listener", "load_balancer_test_listener")
    assert listener["protocol"] == "HTTPS" and listener["default_action"][0]["type"] == "fixed-response"


@per_environment
def test_each_service_rolls_back_on_its_own_alarms_and_ecs_may_move_the_rules(synthesized: Synthesized, environment: str) -> None:
    stack, release = synthesized.stack("aws", environment), synthesized.configs[environment].release
    alarms = {body["alarm_name"]: key for key, body in resources(stack, "aws_cloudwatch_metric_alarm").items()}
    for name in SERVICES_BY_NAME:
        prefix = f"duckdb-analytics-{environment}-{name}"
        # The service's own 5xx rate and p95 (over both its target groups): another service's errors never roll it back.
        assert _ecs_service(stack, name)["alarms"] == {
            "alarm_names": [reference("aws_cloudwatch_metric_alarm", alarms[f"{prefix}-5xx-rate"], "alarm_name"),
                            reference("aws_cloudwatch_metric_alarm", alarms[f"{prefix}-response-time-p95"], "alarm_name")],
            "enable": True, "rollback": True}
    if not release.shifts_traffic:
        assert "traffic_role" not in resources(stack, "aws_iam_role")
        return
    role = resources(stack, "aws_iam_role")["traffic_role"]
    trust = stack["data"]["aws_iam_policy_document"]["traffic_role_trust"]["statement"][0]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["ecs.amazonaws.com"]}]
    assert "condition" not in trust  # the ECS infrastructure role's trust as AWS documents it
    assert role["assume_role_policy"] == "${data.aws_iam_policy_document.traffic_role_trust.json}"
    attachment = resources(stack, "aws_iam_role_policy_attachment")["traffic_role_policy"]
    assert attachment["policy_arn"].endswith(":policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")


@per_environment
@pytest.mark.slow  # synthesizes an environment again
def test_a_candidate_tag_is_what_the_services_run(synthesized: Synthesized, environment: str) -> None:
    from stacks.aws_platform_stack import AwsPlatformStack

    config = synthesized.configs[environment]
    digests = {name: f"sha256:{str(index) * 64}" for index, name in enumerate(SERVICES_BY_NAME)}
    candidate = dataclasses.replace(config, release=dataclasses.replace(config.release, candidate_tag="9.9.9",
                                                                         candidate_digests=digests))
    stack = AwsPlatformStack(cdktf.Testing.app(), candidate)
    document = json.loads(cdktf.Testing.synth(stack))
    for name in SERVICES_BY_NAME:
        (container,) = json.loads(by_prefix(document, "aws_ecs_task_definition", f"{name}_service_")[1]["container_definitions"])
        assert container["image"].endswith(f"/{name}@{digests[name]}")  # the candidate, by its digest
    current = by_prefix(synthesized.stack("aws", environment), "aws_ecs_task_definition", "backend_service_")[1]
    assert json.loads(current["container_definitions"])[0]["image"].endswith(f"/backend@{config.images.digests['backend']}")


def test_canary_and_linear_steps_reach_the_service_definition() -> None:
    from constructs_lib.aws.fargate_service import _deployment_configuration

    canary = _deployment_configuration(Deployment("CANARY", 15, canary_percent=10, canary_bake_time_minutes=5))
    linear = _deployment_configuration(Deployment("LINEAR", 5, linear_step_percent=25, linear_step_bake_time_minutes=3))
    assert (canary.strategy, canary.canary_configuration.canary_percent,
            canary.canary_configuration.canary_bake_time_in_minutes) == ("CANARY", 10, "5")
    assert (linear.strategy, linear.linear_configuration.step_percent,
            linear.linear_configuration.step_bake_time_in_minutes) == ("LINEAR", 25, "3")
    with pytest.raises(ValueError, match=r"Deployment.canary_bake_time_minutes: must be given for CANARY and only for CANARY \(strategy is CANARY\)"):
        Deployment("CANARY", canary_percent=10)
    with pytest.raises(ValueError, match="TestListener.allowed_cidrs: must hold public ranges: '0.0.0.0/0' wider than /8"):
        ReleaseTestListener(("0.0.0.0/0",))
    with pytest.raises(ValueError, match="TestListener.allowed_cidrs: must hold public ranges: '10.0.0.0/8' a private range never reaches"):
        ReleaseTestListener(("10.0.0.0/8",))
    with pytest.raises(ValueError, match="Deployment.transition: must be None unless strategy is ROLLING \\(strategy is BLUE_GREEN\\), "
                                         "got 'RETIRE_TRAFFIC_SHIFTING'"):
        Deployment("BLUE_GREEN", transition="RETIRE_TRAFFIC_SHIFTING")
    assert FargateServiceProps.__dataclass_fields__["deployment"].default_factory().strategy == "ROLLING"
