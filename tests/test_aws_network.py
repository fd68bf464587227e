"""AWS network: subnets per zone and tier, NAT per zone (one in dev), flow logs, closed default security group."""

from __future__ import annotations

import ipaddress

import pytest

from .aws_reading import policy_statements
from .conftest import Synthesized
from .helpers import ENVIRONMENTS, all_by_prefix, by_prefix, only, reference, resources

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def test_vpc_spans_the_configured_zones_with_three_tiers(synthesized: Synthesized, environment: str) -> None:
    stack, aws = synthesized.stack("aws", environment), synthesized.configs[environment].aws
    vpc_id, vpc = only(stack, "aws_vpc")
    assert (vpc["cidr_block"], vpc["enable_dns_support"], vpc["enable_dns_hostnames"]) == (str(aws.vpc_cidr), True, True)
    for tier in ("public", "private", "isolated"):
        subnets = all_by_prefix(stack, "aws_subnet", f"network_{tier}_")
        assert sorted(subnet["availability_zone"] for subnet in subnets.values()) == sorted(aws.availability_zones)
        blocks = [ipaddress.IPv4Network(subnet["cidr_block"]) for subnet in subnets.values()]
        assert all(block.subnet_of(aws.vpc_cidr) for block in blocks)
        assert all(subnet["vpc_id"] == reference("aws_vpc", vpc_id, "id") for subnet in subnets.values())
        assert all(subnet.get("map_public_ip_on_launch", False) is False for subnet in subnets.values())
    blocks = [ipaddress.IPv4Network(subnet["cidr_block"]) for subnet in resources(stack, "aws_subnet").values()]
    assert all(not a.overlaps(b) for index, a in enumerate(blocks) for b in blocks[index + 1:])


def test_nat_gateway_per_zone_or_one_where_config_allows(synthesized: Synthesized, environment: str) -> None:
    stack, aws = synthesized.stack("aws", environment), synthesized.configs[environment].aws
    nat_gateways = resources(stack, "aws_nat_gateway")
    assert len(nat_gateways) == (1 if aws.single_nat_gateway else len(aws.availability_zones))
    public = {reference("aws_subnet", name, "id") for name in all_by_prefix(stack, "aws_subnet", "network_public_")}
    assert {nat["subnet_id"] for nat in nat_gateways.values()} <= public
    routes = resources(stack, "aws_route")
    private_defaults = [route for name, route in routes.items() if name.startswith("network_private_")]
    assert len(private_defaults) == len(aws.availability_zones)
    nat_refs = {reference("aws_nat_gateway", name, "id") for name in nat_gateways}
    assert all(route["destination_cidr_block"] == "0.0.0.0/0" and route["nat_gateway_id"] in nat_refs
               for route in private_defaults)
    if not aws.single_nat_gateway:  # each zone leaves through its own NAT
        assert len({route["nat_gateway_id"] for route in private_defaults}) == len(aws.availability_zones)


def test_isolated_subnets_have_no_route_out(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    table_id, _ = by_prefix(stack, "aws_route_table", "network_isolated_routes")
    assert [route for route in resources(stack, "aws_route").values()
            if route["route_table_id"] == reference("aws_route_table", table_id, "id")] == []
    isolated = {reference("aws_subnet", name, "id") for name in all_by_prefix(stack, "aws_subnet", "network_isolated_")}
    associations = [a for a in resources(stack, "aws_route_table_association").values() if a["subnet_id"] in isolated]
    assert {a["route_table_id"] for a in associations} == {reference("aws_route_table", table_id, "id")}


def test_default_security_group_is_closed(synthesized: Synthesized, environment: str) -> None:
    _, group = only(synthesized.stack("aws", environment), "aws_default_security_group")
    assert (group["ingress"], group["egress"]) == ([], [])


def test_flow_logs_capture_all_traffic_with_the_environment_retention(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    vpc_id, _ = only(stack, "aws_vpc")
    _, flow_log = only(stack, "aws_flow_log")
    group_id, group = by_prefix(stack, "aws_cloudwatch_log_group", "network_flow_logs")
    assert flow_log["vpc_id"] == reference("aws_vpc", vpc_id, "id")
    assert (flow_log["traffic_type"], flow_log["log_destination_type"]) == ("ALL", "cloud-watch-logs")
    assert flow_log["log_destination"] == reference("aws_cloudwatch_log_group", group_id, "arn")
    assert group["retention_in_days"] == synthesized.configs[environment].logging.retention_days
    aws = synthesized.configs[environment].aws
    _, role = by_prefix(stack, "aws_iam_role", "network_flow_logs_role")
    (trust,) = policy_statements(stack, role["assume_role_policy"]).values()
    assert trust["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [aws.account_id]},
        {"test": "ArnLike", "variable": "aws:SourceArn",
         "values": [f"arn:aws:ec2:{aws.region}:{aws.account_id}:vpc-flow-log/*"]},
    ]


def test_s3_traffic_stays_on_a_gateway_endpoint(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    _, endpoint = by_prefix(stack, "aws_vpc_endpoint", "network_s3_endpoint")
    assert endpoint["service_name"] == f"com.amazonaws.{synthesized.configs[environment].aws.region}.s3"
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert len(endpoint["route_table_ids"]) == len(synthesized.configs[environment].aws.availability_zones) + 1


def test_aws_is_reached_through_endpoints_that_answer_only_the_account(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    account, region = config.aws.account_id, config.aws.region
    own = {"test": "StringEquals", "variable": "aws:PrincipalAccount", "values": [account]}
    endpoints = {body["service_name"].removeprefix(f"com.amazonaws.{region}."): body
                 for body in resources(stack, "aws_vpc_endpoint").values()}
    execute_command = config.backend.execute_command or config.frontend.execute_command  # ECS Exec's endpoints
    assert set(endpoints) == {"s3", "ecr.api", "ecr.dkr", "logs", "secretsmanager"} | (
        {"ssmmessages", "kms"} if execute_command else set())
    group_id, _ = by_prefix(stack, "aws_security_group", "network_endpoints_security_group")
    private = sorted(reference("aws_subnet", name, "id") for name in resources(stack, "aws_subnet")
                     if name.startswith("network_private_"))
    for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager"):
        endpoint = endpoints[service]
        assert (endpoint["vpc_endpoint_type"], endpoint["private_dns_enabled"]) == ("Interface", True)
        assert endpoint["security_group_ids"] == [reference("aws_security_group", group_id, "id")]
        # One zone with dev's single NAT gateway (cheaper, not zone-redundant), every zone elsewhere.
        assert sorted(endpoint["subnet_ids"]) == (private[:1] if config.aws.single_nat_gateway else private)
        (statement,) = policy_statements(stack, endpoint["policy"]).values()
        assert statement["condition"] == [own] and "*" not in statement["actions"]
    s3 = policy_statements(stack, endpoints["s3"]["policy"])
    # Only the account's own buckets (an attacker's bucket is out of reach), and ECR's image layers.
    assert s3["OwnBuckets"]["condition"] == [own, {"test": "StringEquals", "variable": "aws:ResourceAccount",
                                                   "values": [account]}]
    assert s3["EcrImageLayers"]["resources"] == [f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"]
    (ingress,) = [rule for rule in resources(stack, "aws_vpc_security_group_ingress_rule").values()
                  if rule["security_group_id"] == reference("aws_security_group", group_id, "id")]
    assert (ingress["from_port"], ingress["to_port"], ingress["cidr_ipv4"]) == (443, 443, str(config.aws.vpc_cidr))


def test_workload_egress_is_an_allow_list(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    group = {service: reference("aws_security_group", by_prefix(stack, "aws_security_group",
                                                                f"{service}_service_security_group")[0], "id")
             for service in ("backend", "frontend")}
    endpoints = reference("aws_security_group", by_prefix(stack, "aws_security_group", "network_endpoints_security_group")[0], "id")
    s3 = reference("aws_vpc_endpoint", by_prefix(stack, "aws_vpc_endpoint", "network_s3_endpoint")[0], "prefix_list_id")
    egress: dict[str, set[tuple[int, str]]] = {service: set() for service in group}
    for rule in resources(stack, "aws_vpc_security_group_egress_rule").values():
        for service, group_id in group.items():
            if rule["security_group_id"] == group_id:
                assert rule["from_port"] == rule["to_port"]
                target = rule.get("referenced_security_group_id") or rule.get("prefix_list_id") or rule["cidr_ipv4"]
                egress[service].add((rule["from_port"], target))
    # No task reaches the internet: AWS through the VPC's endpoints, the database, and the backend inside the VPC.
    common = {(443, endpoints), (443, s3)}
    database = {(5432, reference("aws_security_group", by_prefix(stack, "aws_security_group", "database_security_group")[0], "id"))
                } if config.database.enabled else set()
    assert egress == {"backend": common | database, "frontend": common | {(8000, group["backend"])}}
