"""Every prop of every public spec is checked in one format on both clouds (constructs_lib/props.py).

Each spec and props class the two pattern packages export gets, for each of its props in turn, a value of a wrong
type while its other props are valid: the error must name the spec (and its service), the prop and the rule, show
the value, and stay under 200 characters. An unknown keyword names the nearest prop; a renamed prop still works
for a release, with a warning naming its successor.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pytest

import constructs_lib.aws.patterns as aws
import constructs_lib.gcp.patterns as gcp
from constructs_lib.props import MAX_MESSAGE_LENGTH, PropError, short_repr
from constructs_lib.shared_specs import DataBucketName

IDENTITY = aws.PlatformIdentity("acme-shop", "prod")
GITHUB = aws.GithubRepository("acme", "infra", 1, 2)
ACCOUNT, REGION = "123456789012", "eu-west-1"
AWS_IMAGE = aws.ContainerImage.from_registry("ghcr.io/acme/api:1.0.0")
GCP_IMAGE = gcp.ContainerImage.from_registry("ghcr.io/acme/api:1.0.0")
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:acme/api-key"


def _aws_platform() -> aws.WebPlatformProps:
    return aws.WebPlatformProps(identity=IDENTITY, account_id=ACCOUNT, region=REGION,
                                network=aws.NetworkSpec("10.0.0.0/16", ("eu-west-1a", "eu-west-1b")),
                                services=(aws.ServiceSpec("api", AWS_IMAGE),), load_balancer=aws.LoadBalancerSpec(https=None))


def _aws_service() -> aws.LoadBalancedFargateServiceProps:
    return aws.LoadBalancedFargateServiceProps(
        identity=IDENTITY, account_id=ACCOUNT, region=REGION,
        network=aws.NetworkSpec("10.0.0.0/16", ("eu-west-1a", "eu-west-1b")), service=aws.ServiceSpec("api", AWS_IMAGE),
        load_balancer=aws.LoadBalancerSpec(https=None))


#: A valid instance of every exported spec with required props (the others are valid with their defaults alone).
BASELINES: dict[type, Callable[[], object]] = {
    aws.BudgetSpec: lambda: aws.BudgetSpec(100),
    aws.Condition: lambda: aws.Condition("StringEquals", "aws:SourceAccount", (ACCOUNT,)),
    aws.ContainerSecret: lambda: aws.ContainerSecret("API_KEY", SECRET),
    aws.ContainerImage: lambda: AWS_IMAGE,
    aws.DeliveryFoundationProps: lambda: aws.DeliveryFoundationProps(
        identity=IDENTITY, account_id=ACCOUNT, region=REGION, github=GITHUB, state_bucket="acme-state",
        image_repositories=("api",)),
    aws.DeployedBy: lambda: aws.DeployedBy(f"arn:aws:iam::{ACCOUNT}:role/deploy", f"arn:aws:iam::{ACCOUNT}:policy/b",
                                           "/acme-shop-prod/"),
    aws.DisasterRecoverySpec: lambda: aws.DisasterRecoverySpec("us-east-1", "us-west-2"),
    aws.ExistingNetwork: lambda: aws.ExistingNetwork("vpc-1", "10.0.0.0/16", ("subnet-a",), ("subnet-b",)),
    aws.GithubRepository: lambda: GITHUB,
    aws.InternalServiceUrl: lambda: aws.InternalServiceUrl("api", "/v1"),
    aws.LargeBodyRoute: lambda: aws.LargeBodyRoute("/upload", 10_000),
    aws.Https: lambda: aws.Https("shop.example.com", hosted_zone_id="Z0123456789ABC"),
    aws.LoadBalancedFargateServiceProps: _aws_service,
    aws.LoadBalancerSpec: lambda: aws.LoadBalancerSpec(https=None),
    aws.ManagedRuleGroup: lambda: aws.ManagedRuleGroup("AWSManagedRulesCommonRuleSet"),
    aws.NetworkSpec: lambda: aws.NetworkSpec("10.0.0.0/16", ("eu-west-1a", "eu-west-1b")),
    aws.OfficeHours: lambda: aws.OfficeHours("MON-FRI", "07:00", "19:00"),
    aws.PathRateLimit: lambda: aws.PathRateLimit("/api", 100),
    aws.PlatformIdentity: lambda: IDENTITY,
    aws.SecretEnv: lambda: aws.SecretEnv(SECRET),
    aws.ServiceSpec: lambda: aws.ServiceSpec("api", AWS_IMAGE),
    aws.ServiceUrl: lambda: aws.ServiceUrl("api", "/v1"),
    aws.Statement: lambda: aws.Statement("ReadQueue", ("sqs:ReceiveMessage",), ("*",)),
    aws.TestListener: lambda: aws.TestListener(("203.0.113.0/24",)),
    aws.WebPlatformProps: _aws_platform,
    gcp.ContainerImage: lambda: GCP_IMAGE,
    gcp.DeliveryFoundationProps: lambda: gcp.DeliveryFoundationProps(
        identity=IDENTITY, project="acme-shop-prod", project_number="123456789012", region="europe-west1",
        github=GITHUB, state_bucket="acme-state"),
    gcp.DeployedBy: lambda: gcp.DeployedBy({"api": "api-prod@acme-shop-prod.iam.gserviceaccount.com"}),
    gcp.DisasterRecoverySpec: lambda: gcp.DisasterRecoverySpec("europe-west4", "10.30.0.0/24"),
    gcp.LoadBalancerSpec: lambda: gcp.LoadBalancerSpec(("shop.example.com",)),
    gcp.PublicCloudRunServiceProps: lambda: gcp.PublicCloudRunServiceProps(
        identity=IDENTITY, project="acme-shop-prod", region="europe-west1", service=gcp.ServiceSpec("api", GCP_IMAGE),
        load_balancer=gcp.LoadBalancerSpec(("shop.example.com",))),
    gcp.RoleGrant: lambda: gcp.RoleGrant("roles/storage.objectViewer", "projects/_/buckets/reports"),
    gcp.SecretEnv: lambda: gcp.SecretEnv("api-key"),
    gcp.ServiceSpec: lambda: gcp.ServiceSpec("api", GCP_IMAGE),
    gcp.TrafficShare: lambda: gcp.TrafficShare(100),
    gcp.WafRule: lambda: gcp.WafRule("sqli-v33-stable", "SQL injection"),
    gcp.WorkloadGrant: lambda: gcp.WorkloadGrant("api", "roles/storage.objectViewer", "bucket", "reports", "api reads"),
    gcp.WebPlatformProps: lambda: gcp.WebPlatformProps(
        identity=IDENTITY, project="acme-shop-prod", region="europe-west1", services=(gcp.ServiceSpec("api", GCP_IMAGE),),
        load_balancer=None),
}


def _specs() -> list[type]:
    """Every dataclass both pattern packages export, once (the shared ones are the same class in both)."""
    found: dict[type, None] = {}
    for package in (aws, gcp):
        for name in package.__all__:
            value = getattr(package, name)
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                found[value] = None
    return list(found)


SPECS = _specs()


def _baseline(spec: type) -> object:
    return BASELINES[spec]() if spec in BASELINES else spec()


def _props(instance: object) -> dict[str, Any]:
    return {field.name: getattr(instance, field.name) for field in dataclasses.fields(instance) if field.init}


def wrong_value(hint: Any) -> object:
    """A value of a type ``hint`` does not admit (the mistakes people make: text for a number, one item for many)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        members = [member for member in args if member is not type(None)]
        if str in members:
            return 12
        return wrong_value(members[0])
    if hint is str:
        return 12
    if hint in (int, float):
        return "8080"
    if hint is bool:
        return "yes"
    if origin is tuple:
        return 42 if args and args[0] is str else "oops"
    if origin in (Mapping, dict, typing.Mapping):
        return ("A", "B")
    return "oops"


CASES = [(spec, field.name) for spec in SPECS for field in dataclasses.fields(spec) if field.init]


def test_every_exported_spec_is_checked_and_has_a_valid_baseline() -> None:
    assert len(SPECS) > 50
    for spec in SPECS:
        assert getattr(spec, "__checked__", False), f"{spec.__name__} is not @checked"
        assert isinstance(_baseline(spec), spec)


@pytest.mark.parametrize(("spec", "prop"), CASES, ids=[f"{spec.__module__.split('.')[-2]}.{spec.__name__}.{prop}"
                                                         for spec, prop in CASES])
def test_a_prop_of_the_wrong_type_names_the_spec_the_service_and_the_prop(spec: type, prop: str) -> None:
    baseline = _baseline(spec)
    hint = typing.get_type_hints(spec)[prop]
    value = wrong_value(hint)
    with pytest.raises(PropError) as raised:
        dataclasses.replace(baseline, **{prop: value})
    message = str(raised.value)
    name = getattr(baseline, "name", None)
    owner = f"{spec.__name__}({name!r})" if isinstance(name, str) and prop != "name" else spec.__name__
    assert re.fullmatch(rf"{re.escape(owner)}\.{prop}: must .+, got {re.escape(short_repr(value))}", message), message
    assert len(message) < MAX_MESSAGE_LENGTH
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, TypeError)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.__module__.split('.')[-2]}.{spec.__name__}")
def test_an_unknown_keyword_names_the_nearest_prop(spec: type) -> None:
    baseline = _baseline(spec)
    props = _props(baseline)
    first = next(iter(props))
    with pytest.raises(PropError, match=rf": unknown prop '{first}s', did you mean '{first}'\?$"):
        spec(**props, **{f"{first}s": 1})


def test_the_examples_of_the_issue_read_as_promised() -> None:
    with pytest.raises(PropError) as port:
        aws.ServiceSpec("api", AWS_IMAGE, port="8080")
    assert str(port.value) == "ServiceSpec('api').port: must be a whole number from 1 to 65535, or None for a worker, got '8080'"
    with pytest.raises(PropError) as memory:
        gcp.ServiceSpec("api", GCP_IMAGE, memory_mib="512")
    assert str(memory.value) == "ServiceSpec('api').memory_mib: must be a whole number from 512 to 32768, got '512'"
    with pytest.raises(PropError) as unknown:
        gcp.ServiceSpec("api", GCP_IMAGE, memory=512)
    assert str(unknown.value) == "ServiceSpec('api'): unknown prop 'memory', did you mean 'memory_mib'?"
    names = tuple(gcp.ServiceSpec("web", GCP_IMAGE, routes=(f"/r{index}",)) for index in range(40))
    with pytest.raises(PropError) as duplicate:
        gcp.WebPlatformProps(identity=IDENTITY, project="acme-shop-prod", region="europe-west1",
                             services=(*names, *names), load_balancer=None)
    assert str(duplicate.value).startswith("WebPlatformProps.services: must have distinct names, got ['web', 'web'")
    assert len(str(duplicate.value)) <= MAX_MESSAGE_LENGTH
    with pytest.raises(PropError, match=r"^ServiceSpec\('api'\): needs image$"):
        aws.ServiceSpec("api")


def _renamed_cases() -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    secret = aws.ContainerSecret("API_KEY", SECRET, "key")
    return [
        ("aws memory", lambda: aws.ServiceSpec("api", AWS_IMAGE, cpu=0.5, memory=2048),
         lambda: aws.ServiceSpec("api", AWS_IMAGE, cpu=0.5, memory_mib=2048)),
        ("aws cpu units", lambda: aws.ServiceSpec("api", AWS_IMAGE, cpu=1024, memory_mib=2048),
         lambda: aws.ServiceSpec("api", AWS_IMAGE, cpu=1, memory_mib=2048)),
        ("aws secrets tuple", lambda: aws.ServiceSpec("api", AWS_IMAGE, secrets=(secret,)),
         lambda: aws.ServiceSpec("api", AWS_IMAGE, secrets={"API_KEY": aws.SecretEnv(SECRET, "key")})),
        ("aws scaling", lambda: aws.Scaling(min_capacity=2, max_capacity=5), lambda: aws.Scaling(min_instances=2, max_instances=5)),
        ("aws multi_az", lambda: aws.DatabaseSpec(multi_az=False), lambda: aws.DatabaseSpec(high_availability=False)),
        ("gcp health_path", lambda: gcp.ServiceSpec("api", GCP_IMAGE, health_path="/up"),
         lambda: gcp.ServiceSpec("api", GCP_IMAGE, health_check=gcp.HealthCheck("/up"))),
        ("gcp exposed", lambda: gcp.ServiceSpec("jobs", GCP_IMAGE, exposed=False),
         lambda: gcp.ServiceSpec("jobs", GCP_IMAGE, port=None)),
        ("gcp instances", lambda: gcp.ServiceSpec("api", GCP_IMAGE, min_instances=1, max_instances=4, concurrency=20),
         lambda: gcp.ServiceSpec("api", GCP_IMAGE, scaling=gcp.Scaling(min_instances=1, max_instances=4, concurrency=20))),
        ("gcp platform_registry", lambda: gcp.ContainerImage.platform_registry("1.0.0"),
         lambda: gcp.ContainerImage.platform_repository("1.0.0")),
    ]


@pytest.mark.parametrize(("old", "new"), [(old, new) for _, old, new in _renamed_cases()],
                         ids=[name for name, _, _ in _renamed_cases()])
def test_a_renamed_prop_still_works_for_a_release_and_says_what_replaces_it(old: Callable[[], object],
                                                                          new: Callable[[], object]) -> None:
    with pytest.warns(DeprecationWarning, match=r"is deprecated|deprecated: give"):
        before = old()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert new() == before


def test_a_worker_given_the_old_way_with_another_port_is_refused() -> None:
    with pytest.warns(DeprecationWarning), pytest.raises(PropError, match=r"port: must be None for a worker"):
        gcp.ServiceSpec("jobs", GCP_IMAGE, exposed=False, port=9000)


def test_shorthands_and_lists_become_the_documented_types() -> None:
    assert gcp.LoadBalancerSpec("shop.example.com").domains == ("shop.example.com",)
    spec = aws.ServiceSpec("api", AWS_IMAGE, routes=["/api"], environment={"BUCKET": aws.DATA_BUCKET_NAME})
    assert spec.routes == ("/api",) and isinstance(spec.environment["BUCKET"], DataBucketName)
    assert aws.NetworkSpec("10.0.0.0/16", ["eu-west-1a", "eu-west-1b"]).cidr == ipaddress.IPv4Network("10.0.0.0/16")


def _classes_in(hint: Any) -> set[type]:
    """The spec classes (dataclasses and enums) a type hint names, through unions, tuples and mappings."""
    found: set[type] = set()
    for argument in typing.get_args(hint):
        found |= _classes_in(argument)
    if isinstance(hint, type) and (dataclasses.is_dataclass(hint) or issubclass(hint, __import__("enum").Enum)):
        found.add(hint)
    return found


@pytest.mark.parametrize("package", [aws, gcp], ids=["aws", "gcp"])
def test_every_spec_a_prop_needs_is_exported_by_the_package(package: Any) -> None:
    values = [getattr(package, name) for name in package.__all__]
    exported = {*values, *(type(value) for value in values if not isinstance(value, type))}  # DATA_BUCKET_NAME's class
    specs = [value for value in exported if isinstance(value, type) and dataclasses.is_dataclass(value)]
    needed = {(spec.__name__, prop, cls.__name__) for spec in specs
              for prop, hint in typing.get_type_hints(spec).items() for cls in _classes_in(hint) if cls not in exported}
    assert needed == set()
    assert "AlertThresholds" in package.__all__
