"""AWS database: optional RDS PostgreSQL, isolated, encrypted, backed up, protected where config says."""

from __future__ import annotations

import pytest

from config import load_configuration

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, all_by_prefix, by_prefix, only, reference, resources

# The environments whose committed config enables the database (staging and prod).
DATABASE_ENVIRONMENTS = [config.environment for config in load_configuration(environ={}).environments
                         if config.database.enabled]
with_database = pytest.mark.parametrize("environment", DATABASE_ENVIRONMENTS)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_database_exists_only_where_enabled(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    enabled = config.database.enabled
    for resource_type in ("aws_db_instance", "aws_db_subnet_group", "aws_db_parameter_group"):
        assert len(resources(stack, resource_type)) == (1 if enabled else 0), resource_type
    # DATABASE_URL, and with [dr] the replicated password (instead of the RDS-managed secret).
    secrets = sorted(name.rsplit("_", 1)[0] for name in resources(stack, "aws_secretsmanager_secret"))
    assert secrets == (["database_password_secret"] if enabled and config.dr is not None else []) + (
        ["database_url_secret"] if enabled else [])
    assert (environment != "dev") is enabled


def _database(synthesized: Synthesized, environment: str) -> tuple[str, dict, dict]:
    stack = synthesized.stack("aws", environment)
    database_id, database = only(stack, "aws_db_instance")
    return database_id, database, stack


@with_database
def test_database_settings_follow_the_environment(synthesized: Synthesized, environment: str) -> None:
    _, database, stack = _database(synthesized, environment)
    config = synthesized.configs[environment]
    settings = config.database
    assert database["backup_retention_period"] == settings.backup_retention_days == 7
    assert database["multi_az"] is settings.high_availability
    assert database["deletion_protection"] is config.protection.deletion_protection
    assert (database["instance_class"], database["engine"], database["engine_version"]) == (
        settings.instance_class, "postgres", str(settings.postgres_major_version))
    assert (database["allocated_storage"], database["max_allocated_storage"]) == (
        settings.allocated_storage_gb, settings.max_allocated_storage_gb)
    if environment == "prod":
        assert database["multi_az"] is True and database["deletion_protection"] is True


@with_database
def test_database_is_private_encrypted_and_keeps_a_final_snapshot(synthesized: Synthesized, environment: str) -> None:
    _, database, stack = _database(synthesized, environment)
    key_id, _ = only(stack, "aws_kms_key")
    key = reference("aws_kms_key", key_id, "arn")
    assert database["publicly_accessible"] is False
    assert (database["storage_encrypted"], database["kms_key_id"]) == (True, key)
    # Named after the instance's key (created and replaced with it): a second destroy finds no snapshot of that name.
    assert (database["skip_final_snapshot"], database["final_snapshot_identifier"]) == (
        False, f'duckdb-analytics-{environment}-final-${{substr(element(split("/", aws_kms_key.{key_id}.arn), 1), 0, 8)}}')
    if synthesized.configs[environment].dr is None:
        assert (database["manage_master_user_password"], database["master_user_secret_kms_key_id"]) == (True, key)
        assert "password_wo" not in database
    else:  # the replicated password (test_aws_disaster_recovery.py)
        assert "manage_master_user_password" not in database and database["password_wo_version"] == 1
    assert "password" not in database
    assert (database["performance_insights_enabled"], database["performance_insights_kms_key_id"]) == (True, key)
    assert database["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    assert database["monitoring_interval"] == 60 and database["auto_minor_version_upgrade"] is True
    _, parameters = only(stack, "aws_db_parameter_group")
    assert {"name": "rds.force_ssl", "value": "1"} in parameters["parameter"]
    assert database["parameter_group_name"] == reference("aws_db_parameter_group", only(stack, "aws_db_parameter_group")[0], "name")


@with_database
def test_database_lives_in_isolated_subnets(synthesized: Synthesized, environment: str) -> None:
    _, database, stack = _database(synthesized, environment)
    group_id, group = only(stack, "aws_db_subnet_group")
    isolated = {reference("aws_subnet", name, "id") for name in all_by_prefix(stack, "aws_subnet", "network_isolated_")}
    assert set(group["subnet_ids"]) == isolated
    assert database["db_subnet_group_name"] == reference("aws_db_subnet_group", group_id, "name")


@with_database
def test_only_the_backend_reaches_the_database(synthesized: Synthesized, environment: str) -> None:
    _, database, stack = _database(synthesized, environment)
    database_group, _ = by_prefix(stack, "aws_security_group", "database_security_group")
    backend_group, _ = by_prefix(stack, "aws_security_group", "backend_service_security_group")
    setup_group, _ = by_prefix(stack, "aws_security_group", "database_setup_security_group")
    clients = sorted(reference("aws_security_group", group, "id") for group in (backend_group, setup_group))
    assert database["vpc_security_group_ids"] == [reference("aws_security_group", database_group, "id")]
    ingress = [rule for rule in resources(stack, "aws_vpc_security_group_ingress_rule").values()
               if rule["security_group_id"] == reference("aws_security_group", database_group, "id")]
    assert sorted((rule["from_port"], rule["referenced_security_group_id"]) for rule in ingress) == [
        (5432, group) for group in clients]  # the backend, and the setup task the pipeline runs
    egress = [rule for rule in resources(stack, "aws_vpc_security_group_egress_rule").values()
              if rule.get("referenced_security_group_id") == reference("aws_security_group", database_group, "id")]
    assert sorted(rule["security_group_id"] for rule in egress) == clients


@with_database
def test_database_logs_keep_the_environment_retention(synthesized: Synthesized, environment: str) -> None:
    database_id, database, stack = _database(synthesized, environment)
    groups = {name: group for name, group in all_by_prefix(stack, "aws_cloudwatch_log_group", "database_").items()
              if group["name"].startswith("/aws/rds/")}
    assert sorted(group["name"] for group in groups.values()) == [
        f"/aws/rds/instance/duckdb-analytics-{environment}/postgresql",
        f"/aws/rds/instance/duckdb-analytics-{environment}/upgrade",
    ]
    assert {group["retention_in_days"] for group in groups.values()} == {synthesized.configs[environment].logging.retention_days}
    attachment_id, _ = by_prefix(stack, "aws_iam_role_policy_attachment", "database_monitoring_policy")
    assert set(database["depends_on"]) == {f"aws_cloudwatch_log_group.{name}" for name in groups} | {
        f"aws_iam_role_policy_attachment.{attachment_id}"}  # monitoring works from the first minute


@with_database
def test_connection_url_secret_holds_no_password(synthesized: Synthesized, environment: str) -> None:
    database_id, _, stack = _database(synthesized, environment)
    _, secret = by_prefix(stack, "aws_secretsmanager_secret", "database_url_secret")
    _, version = by_prefix(stack, "aws_secretsmanager_secret_version", "database_url_secret_value")
    assert secret["kms_key_id"].startswith("${aws_kms_key.")
    # The application user (IAM authentication, not the master user); the server's certificate and name verified.
    assert version["secret_string"] == (
        f"postgresql://app@${{aws_db_instance.{database_id}.address}}:5432/duckdb_analytics"
        "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem"
    )
