"""AWS disaster recovery as the committed config asks: where [dr] is, a standby stack in its region, and the
replication, keys, DNS failover and secrets that let it serve without the primary's region."""

from __future__ import annotations

import copy
import fnmatch
import json
from dataclasses import replace
from typing import Any

import pytest

from config import EnvironmentConfig

from .aws_reading import container, policy_statements
from .conftest import Synthesized
from .helpers import (
    ENVIRONMENTS, STANDBY_ENVIRONMENTS, by_prefix, only, reference, resources, stack_id, without_metadata,
)

#: Resource types only disaster recovery adds to a primary stack.
PRIMARY_ONLY_TYPES = ("aws_s3_bucket_replication_configuration", "aws_route53_health_check")

with_standby = pytest.mark.parametrize("environment", STANDBY_ENVIRONMENTS)


def _pair(synthesized: Synthesized, environment: str) -> tuple[dict[str, Any], dict[str, Any], EnvironmentConfig]:
    config = synthesized.configs[environment]
    return (synthesized.stack("aws", environment), synthesized.documents[stack_id("aws", environment, "standby")],
            config)


def _provider_region(stack: dict[str, Any]) -> str:
    (provider,) = stack["provider"]["aws"]
    return provider["region"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_standby_stack_and_replication_exist_only_where_config_asks(synthesized: Synthesized, environment: str) -> None:
    config, primary = synthesized.configs[environment], synthesized.stack("aws", environment)
    wanted = config.dr is not None
    assert (stack_id("aws", environment, "standby") in synthesized.documents) is wanted
    for kind in PRIMARY_ONLY_TYPES:
        assert len(resources(primary, kind)) == (1 if wanted else 0), kind
    # The registry's replication is the account's: the bootstrap holds it (an administrator applies it).
    bootstrap = synthesized.documents[stack_id("aws", environment, "bootstrap")]
    assert len(resources(bootstrap, "aws_ecr_replication_configuration")) == (1 if wanted else 0)
    assert resources(primary, "aws_ecr_replication_configuration") == {}
    records = [record for record in resources(primary, "aws_route53_record").values() if "alias" in record]
    assert all(("failover_routing_policy" in record) is wanted for record in records)
    assert not any(name.endswith("-standby") and "-gcp-" in name for name in synthesized.documents)  # GCP: one stack
    assert (environment == "prod") is wanted  # [dr] is required in prod, the others leave it out


@with_standby
def test_the_standby_runs_in_its_region_tagged_as_standby(synthesized: Synthesized, environment: str) -> None:
    primary, standby, config = _pair(synthesized, environment)
    assert _provider_region(primary) == config.aws.region
    assert _provider_region(standby) == config.dr.aws_standby_region
    (provider,) = standby["provider"]["aws"]
    assert provider["allowed_account_ids"] == [config.aws.account_id]
    assert provider["default_tags"][0]["tags"]["DisasterRecovery"] == "standby"
    # Its state sits next to the primary's, in the environment's bucket in the primary region.
    backend, primary_backend = standby["terraform"]["backend"]["s3"], primary["terraform"]["backend"]["s3"]
    assert backend == {**primary_backend, "key": f"duckdb-analytics/{environment}/standby.tfstate"}
    assert backend["region"] == config.aws.region
    _, vpc = only(standby, "aws_vpc")
    assert vpc["cidr_block"] == str(config.dr.aws_standby_vpc_cidr)
    zones = {subnet["availability_zone"] for subnet in resources(standby, "aws_subnet").values()}
    assert zones == set(config.dr.aws_standby_availability_zones)
    assert resources(standby, "aws_budgets_budget") == {}  # the environment's one budget is the primary's


@with_standby
def test_images_and_data_replicate_to_the_standby_region_under_its_key(synthesized: Synthesized, environment: str) -> None:
    primary, standby, config = _pair(synthesized, environment)
    account, region = config.aws.account_id, config.dr.aws_standby_region
    _, registry = only(synthesized.documents[stack_id("aws", environment, "bootstrap")], "aws_ecr_replication_configuration")
    (rule,) = registry["replication_configuration"]["rule"]
    assert rule["destination"] == [{"region": region, "registry_id": account}]
    prefix = f"duckdb-analytics-{environment}/"
    assert rule["repository_filter"] == [{"filter": prefix, "filter_type": "PREFIX_MATCH"}]
    # The standby's own repositories have the names of the bootstrap's, which the primary's services pull from.
    standby_repositories = {body["name"] for body in resources(standby, "aws_ecr_repository").values()}
    bootstrap = synthesized.documents[stack_id("aws", environment, "bootstrap")]
    assert standby_repositories == {body["name"] for body in resources(bootstrap, "aws_ecr_repository").values()}
    assert all(name.startswith(prefix) for name in standby_repositories)
    # ECR creates a destination repository on the first replicated push if the standby's does not exist yet: an
    # import adopts it with its encryption instead of replacing it (docs/disaster-recovery.md, step 1).
    assert all(body["lifecycle"]["ignore_changes"] == ["encryption_configuration"]
               for body in resources(standby, "aws_ecr_repository").values())

    standby_key_id, _ = only(standby, "aws_kms_key")
    _, alias = only(standby, "aws_kms_alias")
    assert alias["target_key_id"] == reference("aws_kms_key", standby_key_id, "key_id")
    _, replica_bucket = by_prefix(standby, "aws_s3_bucket", "data_bucket")
    _, replica_encryption = by_prefix(standby, "aws_s3_bucket_server_side_encryption_configuration", "data_bucket")
    assert replica_encryption["rule"][0]["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms", "kms_master_key_id": reference("aws_kms_key", standby_key_id, "arn")}
    _, replica_versioning = by_prefix(standby, "aws_s3_bucket_versioning", "data_bucket")
    assert replica_versioning["versioning_configuration"] == {"status": "Enabled"}

    data_id, _ = by_prefix(primary, "aws_s3_bucket", "data_bucket")
    versioning_id, _ = by_prefix(primary, "aws_s3_bucket_versioning", "data_bucket")
    _, replication = only(primary, "aws_s3_bucket_replication_configuration")
    (rule,) = replication["rule"]
    assert replication["bucket"] == reference("aws_s3_bucket", data_id, "id")
    assert f"aws_s3_bucket_versioning.{versioning_id}" in replication["depends_on"]
    assert rule["destination"]["bucket"] == f"arn:aws:s3:::{replica_bucket['bucket']}"
    assert rule["destination"]["encryption_configuration"] == {
        "replica_kms_key_id": f"arn:aws:kms:{region}:{account}:{alias['name']}"}
    assert rule["source_selection_criteria"]["sse_kms_encrypted_objects"] == {"status": "Enabled"}
    assert (rule["status"], rule["delete_marker_replication"]) == ("Enabled", {"status": "Enabled"})
    assert rule["destination"]["replication_time"] == {"status": "Enabled", "time": {"minutes": 15}}


@with_standby
def test_the_replication_role_encrypts_only_with_the_standby_key_through_s3_there(
    synthesized: Synthesized, environment: str
) -> None:
    primary, standby, config = _pair(synthesized, environment)
    account, region = config.aws.account_id, config.dr.aws_standby_region
    _, alias = only(standby, "aws_kms_alias")
    _, policy = by_prefix(primary, "aws_iam_role_policy", "data_replication_policy")
    statements = policy_statements(primary, policy["policy"])
    encrypt = statements["EncryptReplicas"]
    assert encrypt["resources"] == [f"arn:aws:kms:{region}:{account}:key/*"]
    assert sorted((condition["test"], condition["variable"], tuple(condition["values"])) for condition in encrypt["condition"]) == [
        ("ForAnyValue:StringEquals", "kms:ResourceAliases", (alias["name"],)),
        ("StringEquals", "kms:ViaService", (f"s3.{region}.amazonaws.com",)),
    ]
    primary_key_id, _ = only(primary, "aws_kms_key")
    assert statements["DecryptSource"]["resources"] == [reference("aws_kms_key", primary_key_id, "arn")]
    assert statements["DecryptSource"]["condition"] == [
        {"test": "StringEquals", "variable": "kms:ViaService", "values": [f"s3.{config.aws.region}.amazonaws.com"]}]
    assert statements["WriteReplicas"]["resources"] == [f"arn:aws:s3:::{by_prefix(standby, 'aws_s3_bucket', 'data_bucket')[1]['bucket']}/*"]
    _, role = by_prefix(primary, "aws_iam_role", "data_replication_role")
    (trust,) = policy_statements(primary, role["assume_role_policy"]).values()
    assert trust["principals"] == [{"type": "Service", "identifiers": ["s3.amazonaws.com"]}]
    for stack in (primary, standby):  # ForAllValues is true when the key is absent: never
        assert "ForAllValues" not in json.dumps(stack)


@with_standby
def test_the_database_password_reaches_the_standby_region_and_no_state_or_file(synthesized: Synthesized, environment: str) -> None:
    primary, standby, config = _pair(synthesized, environment)
    database_id, database = only(primary, "aws_db_instance")
    secret_id, secret = by_prefix(primary, "aws_secretsmanager_secret", "database_password_secret")
    _, alias = only(standby, "aws_kms_alias")
    assert secret["name"] == f"duckdb-analytics-{environment}/database-password"
    assert secret["replica"] == [{"region": config.dr.aws_standby_region, "kms_key_id": alias["name"]}]
    _, version = by_prefix(primary, "aws_secretsmanager_secret_version", "database_password_secret_value")
    assert version["secret_id"] == reference("aws_secretsmanager_secret", secret_id, "id")
    locals_ = primary["locals"]
    password = next(name for name, value in locals_.items() if value == "${uuid()}")
    credentials = next(name for name, value in locals_.items() if f"local.{password}" in value)
    assert database["password_wo"] == f"${{local.{password}}}"  # one value per run: the same in both
    assert version["secret_string_wo"] == f"${{local.{credentials}}}"
    assert database["password_wo_version"] == version["secret_string_wo_version"] == 1
    assert "password" not in database and "secret_string" not in version and "manage_master_user_password" not in database
    assert "password" not in json.dumps(primary.get("output", {}))


@with_standby
def test_failover_records_and_the_health_check_name_the_right_load_balancers(synthesized: Synthesized, environment: str) -> None:
    primary, standby, config = _pair(synthesized, environment)
    https = config.aws.https
    primary_lb, _ = only(primary, "aws_lb")
    standby_lb, _ = only(standby, "aws_lb")
    check_id, check = only(primary, "aws_route53_health_check")
    assert check == {**check, "type": "HTTPS", "fqdn": reference("aws_lb", primary_lb, "dns_name"), "port": 443,
                     "resource_path": "/health", "enable_sni": True}
    # Both failover records are the primary's (one apply replaces a simple site record by the pair); the
    # SECONDARY one aliases the standby load balancer's own record in the same zone.
    first_id, first = by_prefix(primary, "aws_route53_record", "load_balancer_alias")
    _, second = by_prefix(primary, "aws_route53_record", "secondary_record")
    _, standby_record = by_prefix(standby, "aws_route53_record", "load_balancer_alias")
    for record, role in ((first, "PRIMARY"), (second, "SECONDARY")):
        assert (record["name"], record["zone_id"], record["type"]) == (https.domain, https.hosted_zone_id, "A")
        assert record["failover_routing_policy"] == {"type": role} and record["set_identifier"] == role.lower()
    # PRIMARY fails over on its own health check only: a target group failing during a release must not move the
    # site to a standby whose database is read-only.
    assert first["alias"] == {"name": reference("aws_lb", primary_lb, "dns_name"),
                              "zone_id": reference("aws_lb", primary_lb, "zone_id"), "evaluate_target_health": False}
    assert second["alias"] == {"name": f"standby.{https.domain}", "zone_id": https.hosted_zone_id,
                               "evaluate_target_health": True}
    assert second["depends_on"] == [f"aws_route53_record.{first_id}"]  # after the simple record is gone
    assert (standby_record["name"], standby_record["zone_id"], standby_record["type"]) == (
        f"standby.{https.domain}", https.hosted_zone_id, "A")
    assert standby_record["alias"] == {"name": reference("aws_lb", standby_lb, "dns_name"),
                                       "zone_id": reference("aws_lb", standby_lb, "zone_id"), "evaluate_target_health": True}
    assert "failover_routing_policy" not in standby_record and "set_identifier" not in standby_record
    assert first["health_check_id"] == reference("aws_route53_health_check", check_id, "id")
    assert "health_check_id" not in second and resources(standby, "aws_route53_health_check") == {}
    (alarm,) = [body for body in resources(primary, "aws_cloudwatch_metric_alarm").values() if body.get("namespace") == "AWS/Route53"]
    topic_id, _ = by_prefix(primary, "aws_sns_topic", "alerts_topic_")  # critical: the site fails over
    assert (alarm["metric_name"], alarm["comparison_operator"], alarm["threshold"]) == ("HealthCheckStatus", "LessThanThreshold", 1)
    assert alarm["dimensions"] == {"HealthCheckId": reference("aws_route53_health_check", check_id, "id")}
    assert alarm["alarm_actions"] == [reference("aws_sns_topic", topic_id, "arn")] and alarm["treat_missing_data"] == "breaching"
    assert _provider_region(primary) == "us-east-1"  # where Route 53 publishes HealthCheckStatus


@with_standby
def test_the_standby_serves_with_its_own_certificate_waf_and_capacity(synthesized: Synthesized, environment: str) -> None:
    _, standby, config = _pair(synthesized, environment)
    lb_id, _ = only(standby, "aws_lb")
    _, certificate = only(standby, "aws_acm_certificate")
    validation_id, _ = only(standby, "aws_acm_certificate_validation")
    assert certificate["domain_name"] == config.aws.https.domain
    (https,) = [body for body in resources(standby, "aws_lb_listener").values() if body["port"] == 443]
    assert https["certificate_arn"] == reference("aws_acm_certificate_validation", validation_id, "certificate_arn")
    _, association = only(standby, "aws_wafv2_web_acl_association")
    assert association["resource_arn"] == reference("aws_lb", lb_id, "arn")
    targets = resources(standby, "aws_appautoscaling_target").values()
    assert {(target["min_capacity"], target["max_capacity"]) for target in targets} == {
        (config.dr.standby_min_capacity, config.dr.standby_max_capacity)}


@with_standby
def test_the_standby_backend_has_image_secrets_and_database_in_its_own_region(synthesized: Synthesized, environment: str) -> None:
    _, standby, config = _pair(synthesized, environment)
    region, account = config.dr.aws_standby_region, config.aws.account_id
    backend = container(standby, "backend")
    repository_id, _ = by_prefix(standby, "aws_ecr_repository", "backend_repository")
    assert backend["image"] == f"{reference('aws_ecr_repository', repository_id, 'repository_url')}@{config.images.digests['backend']}"
    environment_ = {item["name"]: item["value"] for item in backend["environment"]}
    bucket_id, _ = by_prefix(standby, "aws_s3_bucket", "data_bucket")
    assert (environment_["AWS_REGION"], environment_["S3_BUCKET"], environment_["DATABASE_AUTH"]) == (
        region, reference("aws_s3_bucket", bucket_id, "bucket"), "aws-rds-iam")  # IAM tokens signed in its region
    url_id, _ = by_prefix(standby, "aws_secretsmanager_secret", "database_url_secret")
    assert backend["secrets"] == [  # the replicated master password stays the operator's
        {"name": "DATABASE_URL", "valueFrom": reference("aws_secretsmanager_secret", url_id, "arn")}]
    _, execution = by_prefix(standby, "aws_iam_role_policy", "backend_service_execution_role_policy")
    assert policy_statements(standby, execution["policy"])["ReadSecrets"]["resources"] == [
        reference("aws_secretsmanager_secret", url_id, "arn")]
    _, task = by_prefix(standby, "aws_iam_role_policy", "backend_service_task_role_policy")
    login = f"arn:aws:rds-db:{region}:{account}:dbuser:"
    login += (f"${{aws_db_instance.{only(standby, 'aws_db_instance')[0]}.resource_id}}/app" if config.dr.warm else "*/app")
    assert policy_statements(standby, task["policy"])["ConnectAsApplicationUser"]["resources"] == [login]
    assert all(f":{config.aws.region}:" not in json.dumps(value) for value in backend.values())  # nothing from the primary
    _, url = by_prefix(standby, "aws_secretsmanager_secret_version", "database_url_secret_value")
    _, backups = only(standby, "aws_db_instance_automated_backups_replication")
    key = reference("aws_kms_key", only(standby, "aws_kms_key")[0], "arn")
    source = f"arn:aws:rds:{config.aws.region}:{account}:db:duckdb-analytics-{environment}"
    assert (backups["source_db_instance_arn"], backups["kms_key_id"], backups["retention_period"]) == (
        source, key, config.database.backup_retention_days)
    if config.dr.warm:
        replica_id, replica = only(standby, "aws_db_instance")
        assert (replica["replicate_source_db"], replica["kms_key_id"], replica["storage_encrypted"]) == (source, key, True)
        assert replica["identifier"] == f"duckdb-analytics-{environment}-standby" and replica["publicly_accessible"] is False
        assert replica["lifecycle"]["ignore_changes"] == ["replicate_source_db"]
        assert url["secret_string"] == (f"postgresql://app@{reference('aws_db_instance', replica_id, 'address')}"
                                        ":5432/duckdb_analytics?sslmode=verify-full"
                                        "&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem")
        lag = [alarm for alarm in resources(standby, "aws_cloudwatch_metric_alarm").values() if alarm.get("metric_name") == "ReplicaLag"]
        assert [alarm["dimensions"] for alarm in lag] == [{"DBInstanceIdentifier": reference("aws_db_instance", replica_id, "identifier")}]
    else:  # pilot light: tests/test_aws_dr_pattern.py
        assert resources(standby, "aws_db_instance") == {}


@pytest.mark.slow  # synthesizes the prod AWS stack again, without [dr]
def test_dr_changes_the_prod_primary_only_by_the_replication_additions(synthesized: Synthesized) -> None:
    """Everything else of the primary stack stays byte for byte what it was before [dr]."""
    import cdktf

    from stacks.aws_platform_stack import AwsPlatformStack

    stack = AwsPlatformStack(cdktf.Testing.app(), replace(synthesized.configs["prod"], dr=None))
    before = json.loads(cdktf.Testing.synth(stack))
    after = copy.deepcopy(synthesized.stack("aws", "prod"))

    def addresses(document: dict[str, Any], block: str) -> dict[str, Any]:
        return {f"{kind}.{name}": body for kind, group in document.get(block, {}).items() for name, body in group.items()}

    added = sorted(set(addresses(after, "resource")) - set(addresses(before, "resource")))
    assert [address.split(".")[0] for address in added] == [
        "aws_cloudwatch_metric_alarm", "aws_iam_role", "aws_iam_role_policy",
        "aws_route53_health_check", "aws_route53_record", "aws_s3_bucket_replication_configuration",
        "aws_secretsmanager_secret",
        "aws_secretsmanager_secret_version"]
    assert set(addresses(before, "resource")) <= set(addresses(after, "resource"))  # nothing removed
    changed = sorted(address.rsplit("_", 1)[0] for address, body in addresses(before, "resource").items()
                     if without_metadata(body) != without_metadata(addresses(after, "resource")[address]))
    assert changed == ["aws_db_instance.database_instance",  # the replicated password instead of the RDS-managed one
                       "aws_ecs_task_definition.database_setup_task_definition",  # PGPASSWORD from it (setup only)
                       "aws_route53_record.load_balancer_alias"]  # PRIMARY failover record (Route 53 replaces it)
    changed_data = sorted(address.rsplit("_", 1)[0] for address, body in addresses(before, "data").items()
                          if without_metadata(body) != without_metadata(addresses(after, "data")[address]))
    assert changed_data == ["aws_iam_policy_document.database_setup_execution_permissions"]
    assert without_metadata(before["output"]) == without_metadata(after["output"])
    assert without_metadata(before["provider"]) == without_metadata(after["provider"])


@with_standby
def test_the_standby_breaks_no_guardrail_and_waives_only_its_pilot_light_capacity(
    synthesized: Synthesized, environment: str
) -> None:
    from constructs_lib.policy import evaluate, traits_from_bindings

    _, standby, config = _pair(synthesized, environment)
    evaluation = evaluate(standby, production=config.production, traits=traits_from_bindings)
    assert evaluation.violations == ()
    waived = sorted((item.rule, item.path.split("/Default/")[-1]) for item in evaluation.waived)
    expected = []  # (the read replica's single zone needs no waiver: the rule excepts replicas)
    if config.production and config.dr.standby_min_capacity < 2:
        expected += [("prod-min-capacity", path) for path in (
            "backend_autoscaling/target", "backend_service/service", "frontend_autoscaling/target", "frontend_service/service")]
    assert waived == expected


def _allows(statements: list[dict[str, Any]], action: str, arn: str) -> list[str]:
    """Sids of the Allow statements naming ``action`` on ``arn`` (conditions aside), patterns as IAM matches them."""
    return [statement["sid"] for statement in statements if statement["effect"] == "Allow"
            and any(fnmatch.fnmatchcase(action, pattern) for pattern in statement["actions"])
            and any(fnmatch.fnmatchcase(arn, pattern) for pattern in statement.get("resources", []))]


def _denies(statements: list[dict[str, Any]], action: str, arn: str) -> bool:
    return any(statement["effect"] == "Deny" and any(fnmatch.fnmatchcase(action, pattern) for pattern in statement["actions"])
               and any(fnmatch.fnmatchcase(arn, pattern) for pattern in statement.get("resources", []))
               for statement in statements)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_delivery_identities_and_the_boundary_reach_the_standby_only_with_dr(
    synthesized: Synthesized, environment: str
) -> None:
    """The pipeline deploys the standby stack and its roles work there: the bootstrap's deploy role and workload
    boundary name the standby region's resources (by the names the standby stack gives them) with [dr], else
    not a single ARN in another region."""
    from .test_aws_bootstrap import attached, bootstrap, document, role

    config, stack = synthesized.configs[environment], bootstrap(synthesized, environment)
    deploy_id, _ = role(stack, f"gha-duckdb-analytics-{environment}-deploy")
    deploy = [statement for part in attached(stack, deploy_id).values() for statement in part]
    (boundary_policy,) = [body for body in resources(stack, "aws_iam_policy").values()
                          if body["name"].endswith("-workload-boundary")]
    boundary = document(stack, boundary_policy["policy"])
    if config.dr is None:
        arns = [arn for statement in (*deploy, *boundary) for arn in statement.get("resources", [])]
        assert not [arn for arn in arns if arn.startswith("arn:aws:") and arn.split(":")[3] not in ("", "*", config.aws.region)]
        return
    _, standby, _ = _pair(synthesized, environment)
    account, region, prefix = config.aws.account_id, config.dr.aws_standby_region, f"duckdb-analytics-{environment}"
    arn = (lambda service, resource: f"arn:aws:{service}:{region}:{account}:{resource}")
    _, database = only(standby, "aws_db_instance")
    _, url_secret = only(standby, "aws_secretsmanager_secret")
    _, alias = only(standby, "aws_kms_alias")
    (dashboard,) = [body["dashboard_name"] for body in resources(standby, "aws_cloudwatch_dashboard").values()]
    repositories = sorted(body["name"] for body in resources(standby, "aws_ecr_repository").values())
    wanted = [
        ("ecs:CreateService", arn("ecs", f"service/{prefix}/{prefix}-backend")),
        ("elasticloadbalancing:CreateLoadBalancer", arn("elasticloadbalancing", f"loadbalancer/app/{prefix}/0123")),
        ("rds:CreateDBInstanceReadReplica", arn("rds", f"db:{database['identifier']}")),
        ("rds:StartDBInstanceAutomatedBackupsReplication", arn("rds", "auto-backup:ab-0123")),
        ("secretsmanager:CreateSecret", arn("secretsmanager", f"secret:{url_secret['name']}-AbCdEf")),
        ("kms:CreateAlias", arn("kms", alias["name"])),
        ("logs:CreateLogGroup", arn("logs", f"log-group:/aws/rds/instance/{database['identifier']}/postgresql")),
        ("cloudwatch:PutDashboard", f"arn:aws:cloudwatch::{account}:dashboard/{dashboard}"),
        *(("ecr:CreateRepository", arn("ecr", f"repository/{name}")) for name in repositories),
        *(("ecr:PutLifecyclePolicy", arn("ecr", f"repository/{name}")) for name in repositories),
        ("route53:CreateHealthCheck", "*"),
        ("secretsmanager:ReplicateSecretToRegions",
         f"arn:aws:secretsmanager:{config.aws.region}:{account}:secret:{prefix}/database-password-AbCdEf"),
    ]
    assert [(action, target) for action, target in wanted if not _allows(deploy, action, target)] == []
    assert [(action, target) for action, target in wanted if _denies(deploy, action, target)] == []
    # The bootstrap's repositories in the primary region stay out of the deploy role's reach.
    assert _denies(deploy, "ecr:DeleteRepository", f"arn:aws:ecr:{config.aws.region}:{account}:repository/{prefix}/backend")
    assert _denies(deploy, "ecr:PutReplicationConfiguration", "*")  # the bootstrap's (any destination account)
    (passed,) = [condition["values"] for statement in deploy if statement["sid"] == "IamPassRoleToServices"
                 for condition in statement["condition"] if condition["variable"] == "iam:PassedToService"]
    assert "s3.amazonaws.com" in passed  # the data bucket's replication role

    # What the standby's tasks and the replication role do, inside the boundary.
    _, replica_bucket = by_prefix(standby, "aws_s3_bucket", "data_bucket")
    workload = [
        ("ecr:BatchGetImage", arn("ecr", f"repository/{repositories[0]}")),
        ("logs:PutLogEvents", arn("logs", f"log-group:/ecs/{prefix}-backend:log-stream:x")),
        ("secretsmanager:GetSecretValue", arn("secretsmanager", f"secret:{url_secret['name']}-AbCdEf")),
        ("secretsmanager:GetSecretValue", arn("secretsmanager", f"secret:{prefix}/database-password-AbCdEf")),
        ("kms:Decrypt", arn("kms", "key/0123")),
        ("kms:Encrypt", arn("kms", "key/0123")),
        ("s3:ReplicateObject", f"arn:aws:s3:::{replica_bucket['bucket']}/data/x.parquet"),
        ("s3:GetObjectVersionForReplication", f"arn:aws:s3:::{prefix}-data-0123/data/x.parquet"),
    ]
    from constructs_lib.aws.iam_evaluation import Request, evaluate

    from .aws_reading import iam_policy

    boundary_json = iam_policy(stack, boundary_policy["policy"])
    assert [(action, target) for action, target in workload
            if not evaluate([boundary_json], Request(action, target, {"aws:ResourceAccount": account}))] == []
