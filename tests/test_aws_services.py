"""AWS services: Fargate tasks sized from config, hardened containers, least-privilege roles, autoscaling.

The image repositories live in the bootstrap stacks (tests/test_aws_bootstrap.py).
"""

from __future__ import annotations

import pytest

from stacks.app_services import BACKEND, FRONTEND, SERVICES

from .aws_reading import container, policy_statements
from .conftest import Synthesized
from .helpers import ENVIRONMENTS, by_prefix, only, reference, resources

#: What ECS Exec adds to a task role (tests/test_aws_execute_command.py checks each statement).
EXECUTE_COMMAND_SIDS = {"ExecuteCommandChannels", "ExecuteCommandLogGroups", "ExecuteCommandSessionLogs",
                        "ExecuteCommandSessionKey"}

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def test_cluster_has_container_insights(synthesized: Synthesized, environment: str) -> None:
    _, cluster = only(synthesized.stack("aws", environment), "aws_ecs_cluster")
    assert cluster["name"] == f"duckdb-analytics-{environment}"
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_task_size_follows_the_environment(synthesized: Synthesized, environment: str, service) -> None:
    settings = service.settings(synthesized.configs[environment])
    _, task = by_prefix(synthesized.stack("aws", environment), "aws_ecs_task_definition", f"{service.name}_service_")
    assert (task["cpu"], task["memory"]) == (str(settings.cpu), str(settings.memory))
    assert (task["network_mode"], task["requires_compatibilities"]) == ("awsvpc", ["FARGATE"])


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_container_is_hardened_and_logs_with_retention(synthesized: Synthesized, environment: str, service) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    definition = container(stack, service.name)
    # The repository of the environment's bootstrap stack, in the environment's account and region.
    registry = f"{config.aws.account_id}.dkr.ecr.{config.aws.region}.amazonaws.com"
    # By digest: what runs cannot change when a tag moves in the registry.
    assert definition["image"] == f"{registry}/duckdb-analytics-{environment}/{service.name}@{config.images.digests[service.name]}"
    assert definition["readonlyRootFilesystem"] is True
    assert definition["portMappings"] == [{"containerPort": service.port, "protocol": "tcp", "name": "http"}]
    assert {mount["containerPath"] for mount in definition["mountPoints"]} >= {"/tmp"}
    assert all(mount["readOnly"] is False for mount in definition["mountPoints"])
    log_group_id, log_group = by_prefix(stack, "aws_cloudwatch_log_group", f"{service.name}_service_logs")
    assert definition["logConfiguration"]["options"]["awslogs-group"] == reference("aws_cloudwatch_log_group", log_group_id, "name")
    assert log_group["retention_in_days"] == config.logging.retention_days


def test_container_environment_and_secrets(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    backend, frontend = container(stack, BACKEND.name), container(stack, FRONTEND.name)
    bucket_id, _ = by_prefix(stack, "aws_s3_bucket", "data_bucket")
    expected_backend = {
        "ENVIRONMENT": environment, "PORT": "8000", "AWS_REGION": config.aws.region, "HOME": "/tmp",
        "S3_BUCKET": reference("aws_s3_bucket", bucket_id, "bucket"),
    }
    if config.database.enabled:  # an IAM token as the password, the server verified with the RDS CA bundle
        expected_backend |= {"DATABASE_AUTH": "aws-rds-iam", "PGSSLROOTCERT": "/etc/ssl/certs/rds-global-bundle.pem"}
    assert {item["name"]: item["value"] for item in backend["environment"]} == expected_backend
    for definition in (backend, frontend):
        assert definition["logConfiguration"]["options"]["awslogs-region"] == config.aws.region
    frontend_environment = {item["name"]: item["value"] for item in frontend["environment"]}
    site = (f"https://{config.aws.https.domain}" if not config.aws.https.http_only
            else "http://${aws_lb.load_balancer_5CB6B27E.dns_name}")
    # Browsers call the site; the frontend's server calls the backend inside the VPC (its Cloud Map name).
    assert frontend_environment == {"ENVIRONMENT": environment, "PORT": "3000", "HOSTNAME": "0.0.0.0",
                                    "NEXT_PUBLIC_API_URL": f"{site}/api",
                                    "API_INTERNAL_URL": f"http://backend.duckdb-analytics-{environment}.internal:8000/api"}
    assert frontend["secrets"] == []
    if config.database.enabled:
        secret_id, _ = by_prefix(stack, "aws_secretsmanager_secret", "database_url_secret")
        # The master credential is nowhere in the task: no PGPASSWORD, no reference to its secret.
        assert backend["secrets"] == [
            {"name": "DATABASE_URL", "valueFrom": reference("aws_secretsmanager_secret", secret_id, "arn")}]
    else:
        assert backend["secrets"] == []
    for definition in (backend, frontend):  # no secret ever travels as a plain variable
        names = {item["name"] for item in definition["environment"]}
        assert not names & {"DATABASE_URL", "PGPASSWORD", "PASSWORD", "SECRET_KEY"}


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_service_runs_privately_and_rolls_back(synthesized: Synthesized, environment: str, service) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    _, ecs_service = by_prefix(stack, "aws_ecs_service", f"{service.name}_service_")
    private = {reference("aws_subnet", name, "id") for name in resources(stack, "aws_subnet") if name.startswith("network_private_")}
    network = ecs_service["network_configuration"]
    assert network["assign_public_ip"] is False and set(network["subnets"]) == private
    if config.capacity is None:
        assert ecs_service["launch_type"] == "FARGATE" and "capacity_provider_strategy" not in ecs_service
    else:  # test_aws_cost.py checks the shares
        assert "launch_type" not in ecs_service and len(ecs_service["capacity_provider_strategy"]) == 2
    assert ecs_service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert ecs_service["health_check_grace_period_seconds"] == 60
    assert ecs_service["desired_count"] == config.scaling.min_capacity
    # ECS owns the target group of a traffic-shifting service (tests/test_aws_release.py).
    assert ecs_service["lifecycle"]["ignore_changes"][0] == "desired_count"
    target_group_id, _ = by_prefix(stack, "aws_lb_target_group", f"load_balancer_{service.name}_targets")
    # ECS refuses a target group that no listener uses yet, and tasks need their permissions at start.
    listeners = {f"aws_lb_listener.{name}" for name, body in resources(stack, "aws_lb_listener").items()
                 if body["port"] in (80, 443) and body["default_action"][0]["type"] != "redirect"}
    rules = {f"aws_lb_listener_rule.{name}" for name in resources(stack, "aws_lb_listener_rule")}
    if config.capacity is not None:  # Spot needs the cluster's capacity providers first
        rules.add(f"aws_ecs_cluster_capacity_providers.{only(stack, 'aws_ecs_cluster_capacity_providers')[0]}")
    if config.release.shifts_traffic:  # ECS may use the traffic role as soon as the service exists
        rules.add(f"aws_iam_role_policy_attachment.{by_prefix(stack, 'aws_iam_role_policy_attachment', 'traffic_role')[0]}")
    policies = {f"aws_iam_role_policy.{name}" for name in resources(stack, "aws_iam_role_policy")
                if name.startswith(f"{service.name}_service_")}
    expected = listeners | rules | policies
    if service.name == "backend" and config.database.enabled:
        expected.add(f"aws_secretsmanager_secret_version.{by_prefix(stack, 'aws_secretsmanager_secret_version', 'database_url_secret_value')[0]}")
    assert set(ecs_service["depends_on"]) == expected
    balancer = {"container_name": service.name, "container_port": service.port,
                "target_group_arn": reference("aws_lb_target_group", target_group_id, "arn")}
    attached = dict(ecs_service["load_balancer"][0])  # a copy: the session's documents are shared
    if config.release.shifts_traffic:
        assert set(attached.pop("advanced_configuration")) == {
            "alternate_target_group_arn", "production_listener_rule", "test_listener_rule", "role_arn"}
    assert [attached] == [balancer] and len(ecs_service["load_balancer"]) == 1


def test_backend_task_role_reaches_exactly_its_data_bucket(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    bucket_id, _ = by_prefix(stack, "aws_s3_bucket", "data_bucket")
    key_id, _ = only(stack, "aws_kms_key")
    arn = reference("aws_s3_bucket", bucket_id, "arn")
    _, policy = by_prefix(stack, "aws_iam_role_policy", "backend_service_task_role_policy")
    statements = policy_statements(stack, policy["policy"])
    assert statements["ListDataBucket"]["resources"] == [arn]
    assert statements["ReadWriteDataObjects"]["resources"] == [f"{arn}/*"]
    assert statements["UseDataKey"]["resources"] == [reference("aws_kms_key", key_id, "arn")]
    assert all("*" not in action for statement in statements.values() for action in statement["actions"])
    config = synthesized.configs[environment]
    database, execute_command = config.database.enabled, config.backend.execute_command
    assert set(statements) == {"ListDataBucket", "ReadWriteDataObjects", "UseDataKey"} | (
        {"ConnectAsApplicationUser"} if database else set()) | (EXECUTE_COMMAND_SIDS if execute_command else set())
    if database:  # logging in as the application user, and no secret at all
        aws = synthesized.configs[environment].aws
        database_id, _ = only(stack, "aws_db_instance")
        assert statements["ConnectAsApplicationUser"] == {
            "actions": ["rds-db:connect"], "effect": "Allow", "sid": "ConnectAsApplicationUser",
            "resources": [f"arn:aws:rds-db:{aws.region}:{aws.account_id}:dbuser:"
                          f"${{aws_db_instance.{database_id}.resource_id}}/app"]}
    # The frontend's task role has no permissions at all (but ECS Exec's, where it is on).
    frontend = [policy for name, policy in resources(stack, "aws_iam_role_policy").items()
                if name.startswith("frontend_service_task_role")]
    assert [set(policy_statements(stack, policy["policy"])) for policy in frontend] == (
        [EXECUTE_COMMAND_SIDS] if config.frontend.execute_command else [])


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_execution_role_pulls_its_image_writes_its_logs_reads_its_secrets(
    synthesized: Synthesized, environment: str, service
) -> None:
    stack = synthesized.stack("aws", environment)
    _, policy = by_prefix(stack, "aws_iam_role_policy", f"{service.name}_service_execution_role_policy")
    statements = policy_statements(stack, policy["policy"])
    aws = synthesized.configs[environment].aws
    log_group_id, _ = by_prefix(stack, "aws_cloudwatch_log_group", f"{service.name}_service_logs")
    assert statements["PullImage"]["resources"] == [
        f"arn:aws:ecr:{aws.region}:{aws.account_id}:repository/duckdb-analytics-{environment}/{service.name}"]
    assert statements["WriteLogs"]["resources"] == [f"{reference('aws_cloudwatch_log_group', log_group_id, 'arn')}:*"]
    secrets = {secret["valueFrom"].split("}")[0] + "}" for secret in container(stack, service.name)["secrets"]}
    assert set(statements.get("ReadSecrets", {"resources": []})["resources"]) == secrets


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_autoscaling_bounds_target_and_cooldowns(synthesized: Synthesized, environment: str, service) -> None:
    stack, scaling = synthesized.stack("aws", environment), synthesized.configs[environment].scaling
    _, target = by_prefix(stack, "aws_appautoscaling_target", f"{service.name}_autoscaling")
    assert (target["min_capacity"], target["max_capacity"]) == (scaling.min_capacity, scaling.max_capacity)
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    policies = {
        body["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"]["predefined_metric_type"]:
            body["target_tracking_scaling_policy_configuration"]
        for name, body in resources(stack, "aws_appautoscaling_policy").items() if name.startswith(f"{service.name}_")
    }
    expected = {"ECSServiceAverageCPUUtilization": scaling.target_cpu}
    if scaling.target_memory is not None:
        expected["ECSServiceAverageMemoryUtilization"] = scaling.target_memory
    if scaling.requests_per_target is not None:
        expected["ALBRequestCountPerTarget"] = scaling.requests_per_target
    assert {metric: policy["target_value"] for metric, policy in policies.items()} == expected
    for policy in policies.values():
        assert (policy["scale_out_cooldown"], policy["scale_in_cooldown"]) == (
            scaling.scale_out_cooldown, scaling.scale_in_cooldown)
    if scaling.requests_per_target is not None:
        alb_id, _ = only(stack, "aws_lb")
        group_id, _ = by_prefix(stack, "aws_lb_target_group", f"load_balancer_{service.name}_targets")
        label = policies["ALBRequestCountPerTarget"]["predefined_metric_specification"]["resource_label"]
        assert label == f"{reference('aws_lb', alb_id, 'arn_suffix')}/{reference('aws_lb_target_group', group_id, 'arn_suffix')}"
    # Outside office hours the schedule owns the bounds; Terraform must not wake the service.
    assert target.get("lifecycle") == ({"ignore_changes": ["min_capacity", "max_capacity"]}
                                       if scaling.working_hours else None)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_office_hours_scale_dev_to_zero(synthesized: Synthesized, environment: str, service) -> None:
    stack, scaling = synthesized.stack("aws", environment), synthesized.configs[environment].scaling
    actions = {name: body for name, body in resources(stack, "aws_appautoscaling_scheduled_action").items()
               if name.startswith(f"{service.name}_")}
    if scaling.working_hours is None:
        assert actions == {}
        return
    hours = scaling.working_hours
    by_kind = {("stop" if "stop" in name else "start"): body for name, body in actions.items()}
    end_hour, end_minute = (int(part) for part in hours.end.split(":"))
    start_hour, start_minute = (int(part) for part in hours.start.split(":"))
    assert by_kind["stop"]["schedule"] == f"cron({end_minute} {end_hour} ? * {hours.days} *)"
    assert by_kind["stop"]["scalable_target_action"] == {"min_capacity": "0", "max_capacity": "0"}
    assert by_kind["start"]["schedule"] == f"cron({start_minute} {start_hour} ? * {hours.days} *)"
    assert by_kind["start"]["scalable_target_action"] == {
        "min_capacity": str(scaling.min_capacity), "max_capacity": str(scaling.max_capacity)}
    assert {body["timezone"] for body in actions.values()} == {hours.timezone}
