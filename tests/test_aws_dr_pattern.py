"""The AWS WebPlatform's disaster recovery on its own: a primary and a pilot-light standby built from one spec.

Small apps synthesized in-process (the committed prod config is warm; tests/test_aws_disaster_recovery.py
reads that). What matters here: both sides derive the same names, so the primary's replication lands in what
the standby creates, and the standby needs nothing from the primary's region to serve.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from constructs_lib import PlatformIdentity
from constructs_lib.aws.database import ReplicatedPassword, SecretReplica
from constructs_lib.aws.dns_failover import HealthCheckAlarmProps
from constructs_lib.aws.fargate_service import ContainerSecret
from constructs_lib.aws.load_balancer import DnsFailover
from constructs_lib.aws.patterns import (
    PILOT_LIGHT,
    Alerting,
    ContainerImage,
    DataAccess,
    DatabaseSpec,
    DeliveryFoundationProps,
    DisasterRecoverySpec,
    HealthCheck,
    Https,
    LoadBalancerSpec,
    NetworkSpec,
    Scaling,
    ServiceSpec,
    WebPlatform,
    WebPlatformProps,
)
from constructs_lib.aws.provider import aws_provider
from constructs_lib.aws.standby_database import PENDING_RESTORE_DOMAIN, StandbyDatabaseProps
from constructs_lib.github import GithubRepository

import cdktf  # noqa: E402  (after constructs_lib: lazy provider loading)
from cdktf import TerraformStack  # noqa: E402

from .helpers import by_prefix, data_sources, only, resources  # noqa: E402

IDENTITY = PlatformIdentity("acme-shop", "live")
ACCOUNT, PRIMARY, STANDBY = "123456789012", "us-east-1", "eu-west-1"
SPEC = DisasterRecoverySpec(PRIMARY, STANDBY, mode=PILOT_LIGHT, health_check_path="/healthz")
API = ServiceSpec("api", ContainerImage.platform_repository("2.0.1"), port=8080, health_check=HealthCheck("/healthz"),
                  routes=("/api/*", "/healthz"), data_access=DataAccess.READ_WRITE, database_access=True)
WEB = ServiceSpec("web", ContainerImage.platform_repository("2.0.1"), port=3000)
SITE = LoadBalancerSpec(https=Https("shop.example.com", hosted_zone_id="Z0123456789ABC"))


def _props(region: str, network: NetworkSpec, **changes: Any) -> WebPlatformProps:
    values: dict[str, Any] = dict(identity=IDENTITY, account_id=ACCOUNT, region=region, network=network,
                                  services=(API, WEB), load_balancer=SITE, database=DatabaseSpec(),
                                  alerting=Alerting("ops@example.com"), disaster_recovery=SPEC)
    return WebPlatformProps(**(values | changes))


def _synth(region: str, props: WebPlatformProps) -> dict[str, Any]:
    stack = TerraformStack(cdktf.Testing.app(), f"shop-{region}")
    aws_provider(stack, region=region, tags=IDENTITY.aws_tags())
    WebPlatform(stack, "Default", props)
    return json.loads(cdktf.Testing.synth(stack))


@pytest.fixture(scope="module")
def primary() -> dict[str, Any]:
    return _synth(PRIMARY, _props(PRIMARY, NetworkSpec("10.1.0.0/16", ("us-east-1a", "us-east-1b"))))


@pytest.fixture(scope="module")
def standby() -> dict[str, Any]:
    small = tuple(replace(spec, scaling=Scaling(min_instances=1, max_instances=4)) for spec in (API, WEB))
    return _synth(STANDBY, _props(STANDBY, NetworkSpec("10.2.0.0/16", ("eu-west-1a", "eu-west-1b")), services=small))


def test_the_primary_replicates_into_exactly_what_the_standby_creates(primary: dict[str, Any], standby: dict[str, Any]) -> None:
    _, bucket = by_prefix(standby, "aws_s3_bucket", "data_bucket")
    _, alias = only(standby, "aws_kms_alias")
    _, replication = only(primary, "aws_s3_bucket_replication_configuration")
    destination = replication["rule"][0]["destination"]
    assert destination["bucket"] == f"arn:aws:s3:::{bucket['bucket']}" == "arn:aws:s3:::acme-shop-live-data-123456789012-eu-west-1"
    assert destination["encryption_configuration"]["replica_kms_key_id"] == f"arn:aws:kms:{STANDBY}:{ACCOUNT}:{alias['name']}"
    _, registry = only(primary, "aws_ecr_replication_configuration")
    (rule,) = registry["replication_configuration"]["rule"]
    assert rule["destination"] == [{"region": STANDBY, "registry_id": ACCOUNT}]
    assert rule["repository_filter"] == [{"filter": "acme-shop-live/", "filter_type": "PREFIX_MATCH"}]
    assert sorted(repository["name"] for repository in resources(standby, "aws_ecr_repository").values()) == sorted(
        repository["name"] for repository in resources(primary, "aws_ecr_repository").values()) == [
        "acme-shop-live/api", "acme-shop-live/web"]
    _, secret = by_prefix(primary, "aws_secretsmanager_secret", "database_password_secret")
    assert secret["replica"] == [{"region": STANDBY, "kms_key_id": alias["name"]}]
    _, backups = only(standby, "aws_db_instance_automated_backups_replication")
    _, database = only(primary, "aws_db_instance")
    assert backups["source_db_instance_arn"] == f"arn:aws:rds:{PRIMARY}:{ACCOUNT}:db:{database['identifier']}"


def test_a_pilot_light_standby_has_backups_a_restore_target_and_serves_from_its_own_region(standby: dict[str, Any]) -> None:
    key = f"${{aws_kms_key.{only(standby, 'aws_kms_key')[0]}.arn}}"
    assert resources(standby, "aws_db_instance") == {}
    _, backups = only(standby, "aws_db_instance_automated_backups_replication")
    assert (backups["kms_key_id"], backups["retention_period"]) == (key, 7)
    _, subnet_group = only(standby, "aws_db_subnet_group")
    assert subnet_group["name"] == "acme-shop-live-standby"
    _, url = by_prefix(standby, "aws_secretsmanager_secret_version", "database_url_secret_value")
    assert url["secret_string"] == (
        f"postgresql://app@acme-shop-live-standby.{PENDING_RESTORE_DOMAIN}:5432/analytics"
        "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem")
    assert url["lifecycle"] == {"ignore_changes": ["secret_string"]}  # the runbook writes the restored endpoint
    (api,) = [json.loads(task["container_definitions"])[0] for name, task in resources(standby, "aws_ecs_task_definition").items()
              if name.startswith("api_")]
    assert [secret["name"] for secret in api["secrets"]] == ["DATABASE_URL"]  # not the replicated master password
    assert api["image"].startswith("${aws_ecr_repository.") and ":2.0.1" in api["image"]
    execution = [body for name, body in data_sources(standby, "aws_iam_policy_document").items()
                 if name.startswith("api_service_execution_role_permissions")][0]
    reads = {statement["sid"]: statement for statement in execution["statement"]}["ReadSecrets"]["resources"]
    assert len(reads) == 1 and reads[0].startswith("${aws_secretsmanager_secret.")  # its own region's DATABASE_URL
    alarms = {alarm["alarm_name"] for alarm in resources(standby, "aws_cloudwatch_metric_alarm").values()}
    assert not any("database" in name for name in alarms)  # nothing to watch until the restore
    targets = {body["resource_id"]: body for body in resources(standby, "aws_appautoscaling_target").values()}
    assert {(body["min_capacity"], body["max_capacity"]) for body in targets.values()} == {(1, 4)}


def test_the_failover_pair(primary: dict[str, Any], standby: dict[str, Any]) -> None:
    _, record = by_prefix(primary, "aws_route53_record", "load_balancer_alias")
    check_id, check = only(primary, "aws_route53_health_check")
    assert (record["failover_routing_policy"], record["set_identifier"]) == ({"type": "PRIMARY"}, "primary")
    assert record["health_check_id"] == f"${{aws_route53_health_check.{check_id}.id}}"
    assert check["resource_path"] == "/healthz" and check["enable_sni"] is True
    _, secondary = by_prefix(primary, "aws_route53_record", "secondary_record")
    assert (secondary["failover_routing_policy"], secondary["name"]) == ({"type": "SECONDARY"}, record["name"])
    assert secondary["alias"]["name"] == f"standby.{record['name']}"
    _, standby_record = by_prefix(standby, "aws_route53_record", "load_balancer_alias")
    assert standby_record["name"] == f"standby.{record['name']}" and "failover_routing_policy" not in standby_record
    assert "health_check_id" not in secondary and resources(standby, "aws_route53_health_check") == {}
    assert [alarm for alarm in resources(standby, "aws_cloudwatch_metric_alarm").values()
            if alarm.get("namespace") == "AWS/Route53"] == []


def test_one_spec_without_disaster_recovery_changes_nothing() -> None:
    alone = _synth(PRIMARY, _props(PRIMARY, NetworkSpec("10.1.0.0/16", ("us-east-1a", "us-east-1b")), disaster_recovery=None))
    for kind in ("aws_s3_bucket_replication_configuration", "aws_ecr_replication_configuration", "aws_route53_health_check"):
        assert resources(alone, kind) == {}, kind
    _, database = only(alone, "aws_db_instance")
    assert database["manage_master_user_password"] is True and "password_wo" not in database
    _, record = by_prefix(alone, "aws_route53_record", "load_balancer_alias")
    assert "failover_routing_policy" not in record and "set_identifier" not in record


INVALID: list[tuple[str, Callable[[], object], str]] = [
    ("same regions", lambda: DisasterRecoverySpec(PRIMARY, PRIMARY), 'DisasterRecoverySpec.standby_region: '
                                                                     'must differ from primary_region, or both '
                                                                     "fail together, got 'us-east-1'"),
    ("primary elsewhere", lambda: DisasterRecoverySpec("eu-west-1", PRIMARY),
     "DisasterRecoverySpec.primary_region: must be us-east-1: the Route 53 health check's metrics are "
     "published there only, got 'eu-west-1'"),
    ("mode", lambda: DisasterRecoverySpec(PRIMARY, STANDBY, mode="cold"), 'DisasterRecoverySpec.mode: must be '
                                                                          "one of 'pilot_light', 'warm', got "
                                                                          "'cold'"),
    ("path", lambda: DisasterRecoverySpec(PRIMARY, STANDBY, health_check_path="health"), 'DisasterRecoverySpec.'
                                                                                         'health_check_path: '
                                                                                         'must be a URL path '
                                                                                         "starting with '/', "
                                                                                         'without a query, got '
                                                                                         "'health'"),
    ("third region", lambda: _props("eu-central-1", NetworkSpec("10.3.0.0/16", ("eu-central-1a", "eu-central-1b"))),
     "WebPlatformProps.disaster_recovery: must name the platform's region as primary_region 'us-east-1' or "
     "standby_region 'eu-west-1', got 'eu-central-1'"),
    ("no zone", lambda: _props(PRIMARY, NetworkSpec("10.1.0.0/16", ("us-east-1a", "us-east-1b")),
                               load_balancer=LoadBalancerSpec(https=Https(
                                   "shop.example.com", "arn:aws:acm:us-east-1:123456789012:certificate/"
                                   "0b5e2f61-7d3c-4e0a-9c1b-5a8f3d2e7c41"))),
     'WebPlatformProps.disaster_recovery: must go with load_balancer.https and a hosted_zone_id (the failover '
     'records live in that zone), got DisasterRecoverySpec(...)'),
    ("long bucket", lambda: DisasterRecoverySpec(PRIMARY, "ap-southeast-2").replica_bucket_name(
        PlatformIdentity("a-very-long-projectx", "production"), ACCOUNT),
     'DisasterRecoverySpec: needs a replica bucket name of at most 63 characters: shorten the project or '
     "environment, got 'a-very-long-projectx-production-data-123456789012-ap-southeast-2'"),
    ("primary without check", lambda: DnsFailover("PRIMARY"), "DnsFailover.health_check_path: needed for the PRIMARY"),
    ("alarm outside us-east-1", lambda: HealthCheckAlarmProps("x", "abc", "d", "eu-west-1", "arn:aws:sns:eu-west-1:1:t"),
     "HealthCheckAlarmProps.region 'eu-west-1': an alarm on a Route 53 health check must be in us-east-1"),
    ("ambiguous partial name", lambda: ContainerSecret.partial("X", region=STANDBY, account_id=ACCOUNT, secret_name="app/db-abcdef"),
     "ContainerSecret.partial.secret_name: must not end in '-' and six characters (ambiguous in a partial "
     "ARN), got 'app/db-abcdef'"),
    ("no replica region", lambda: ReplicatedPassword(()), "ReplicatedPassword.replicas: name at least one region"),
    ("delivery standby in its own region", lambda: DeliveryFoundationProps(
        identity=IDENTITY, account_id=ACCOUNT, region=PRIMARY, github=GithubRepository("acme", "infra", 1342004, 260064828),
        state_bucket="acme-shop-live-tfstate", image_repositories=("api",), standby_region=PRIMARY),
     "DeliveryFoundationProps.standby_region: must be an AWS region other than region, got 'us-east-1'"),
    ("standby pulls from the primary region", lambda: _props(
        STANDBY, NetworkSpec("10.2.0.0/16", ("eu-west-1a", "eu-west-1b")), services=(replace(API, image=_ecr(PRIMARY)), WEB)),
     "ServiceSpec('api').image: must not be in the primary region, which a failover does without: use "
     "eu-west-1's copy, got acme-shop-live/api in us-east-1"),
    ("primary image not replicated", lambda: _props(
        PRIMARY, NetworkSpec("10.1.0.0/16", ("us-east-1a", "us-east-1b")),
        services=(replace(API, image=_ecr(PRIMARY, "shared/api")), WEB)),
     "ServiceSpec('api').image: must be in a repository acme-shop-live/... (only those replicate to the "
     'standby), got shared/api in us-east-1'),
    ("standby in the source region", lambda: StandbyDatabaseProps(
        identifier="shop-standby", source_identifier="shop", source_region=PRIMARY, region=PRIMARY, account_id=ACCOUNT,
        vpc_id="vpc", subnet_ids=("s1", "s2"), kms_key_arn="k", postgres_major_version=16, instance_class="db.t4g.medium",
        allocated_storage_gb=20, max_allocated_storage_gb=100, backup_retention_days=7, read_replica=False,
        database_name="app", master_username="admin"), "StandbyDatabaseProps.region 'us-east-1': must differ"),
]


@pytest.mark.parametrize(("make", "message"), [(make, message) for _, make, message in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_invalid_disaster_recovery_props_name_the_prop(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)


def _ecr(region: str, repository: str = "acme-shop-live/api") -> ContainerImage:
    return ContainerImage.ecr(account_id=ACCOUNT, region=region, repository=repository, tag="2.0.1")


def test_images_in_the_replicated_repositories_of_each_region_are_accepted_and_replicated() -> None:
    """A primary pulling from its region's <prefix>/ repositories replicates them; the standby pulls its own copy."""
    primary = _props(PRIMARY, NetworkSpec("10.1.0.0/16", ("us-east-1a", "us-east-1b")),
                     services=(replace(API, image=_ecr(PRIMARY)), replace(WEB, image=_ecr(PRIMARY, "acme-shop-live/web"))))
    assert SPEC.replicates_images(primary.services, identity=IDENTITY, account_id=ACCOUNT, region=PRIMARY)
    standby = _props(STANDBY, NetworkSpec("10.2.0.0/16", ("eu-west-1a", "eu-west-1b")),
                     services=(replace(API, image=_ecr(STANDBY)), WEB))
    assert standby.services[0].image.ecr_location == (ACCOUNT, STANDBY, "acme-shop-live/api")
    public = (replace(API, image=ContainerImage.from_registry("ghcr.io/acme/api:2.0.1")),
              replace(WEB, image=ContainerImage.from_registry("ghcr.io/acme/web:2.0.1")))
    assert not SPEC.replicates_images(public, identity=IDENTITY, account_id=ACCOUNT, region=PRIMARY)
    assert SPEC.replicates_images((API, WEB), identity=IDENTITY, account_id=ACCOUNT, region=PRIMARY)


def test_secret_replica_keeps_its_region_and_key() -> None:
    replica = SecretReplica(STANDBY, "alias/acme-shop-live-standby")
    assert SPEC.replicated_password(IDENTITY) == ReplicatedPassword((replica,))
