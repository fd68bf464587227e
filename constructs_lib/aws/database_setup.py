"""The one-off ECS task that creates the application's PostgreSQL role: the only user of the master credential."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from constructs import Construct

from ..database_roles import SETUP_IMAGE_AWS, ApplicationRole, setup_command, setup_sql
from .database import CA_BUNDLE_URL, POSTGRES_PORT, DatabaseClientAccess
from .iam import Condition, Statement, policy_document
from .log_group import LogGroup, LogGroupProps

#: Where the task downloads the RDS CA bundle to (its only writable path).
_CA_FILE = "/tmp/rds-ca.pem"


@dataclass(frozen=True)
class DatabaseSetupTaskProps:
    """Props of :class:`DatabaseSetupTask`.

    Attributes:
        name: Task definition family and name prefix, e.g. ``duckdb-analytics-prod-database-setup``.
        account_id: The account (the execution role's trust condition).
        region: The region (logs).
        role: The application role to create.
        database: The primary database: its master secret, host and security group.
        host: The database's host name.
        master_username: Its master user.
        vpc_id: The VPC.
        cluster_arn: The ECS cluster the pipeline runs the task in.
        subnet_ids: Private subnets with a NAT route: the task pulls the PostgreSQL image from ECR Public and the
            CA bundle from AWS's trust store.
        log_retention_days: Days the task's output is kept. Default 30.
        kms_key_arn: Key of the log group and of the master secret. Default ``None``.
        permissions_boundary_arn: Permissions boundary of the execution role. Default ``None``.
        role_path: IAM path of the execution role. Default ``None``: the root path.
    """

    name: str
    account_id: str
    region: str
    # What it sets up, and how it logs in.
    role: ApplicationRole
    database: DatabaseClientAccess
    host: str
    master_username: str
    # Where it runs.
    vpc_id: str
    cluster_arn: str
    subnet_ids: tuple[str, ...]
    # Its log group and role.
    log_retention_days: int = 30
    kms_key_arn: str | None = None
    permissions_boundary_arn: str | None = None
    role_path: str | None = None

    def __post_init__(self) -> None:
        if not self.subnet_ids:
            raise ValueError("DatabaseSetupTaskProps.subnet_ids: name at least one private subnet")


class DatabaseSetupTask(Construct):
    """A Fargate task definition that runs :func:`~constructs_lib.database_roles.setup_sql` as the master user.

    Nothing runs it on its own: the pipeline runs it after each apply (``python -m delivery database-setup``, which
    reads :attr:`run_configuration` from the stack output ``database_setup``), or an operator with
    ``aws ecs run-task`` and the same settings. The SQL is idempotent. The task verifies the server's
    certificate and name (``sslmode=verify-full`` with the RDS bundle it downloads over HTTPS), reads the
    master password from Secrets Manager when it starts (its execution role may read that secret and nothing
    else of the database), has no task role (no AWS permission at run time), a read-only root filesystem, and
    may send HTTPS out (image, bundle) and PostgreSQL to the database only.
    """

    def __init__(self, scope: Construct, id_: str, props: DatabaseSetupTaskProps) -> None:
        super().__init__(scope, id_)
        self.log_group = LogGroup(self, "logs", LogGroupProps(
            name=f"/ecs/{props.name}", retention_days=props.log_retention_days, kms_key_arn=props.kms_key_arn))
        password = props.database.password_secret()
        self.execution_role, policy = self._execution_role(props, password.policy_arn or password.secret_arn)
        container = {
            "name": "setup", "image": SETUP_IMAGE_AWS, "essential": True, "readonlyRootFilesystem": True,
            "command": list(setup_command(CA_BUNDLE_URL)),
            "environment": [{"name": key, "value": value} for key, value in sorted({
                "PGHOST": props.host, "PGPORT": str(POSTGRES_PORT), "PGDATABASE": props.role.database,
                "PGUSER": props.master_username, "PGSSLMODE": "verify-full", "PGSSLROOTCERT": _CA_FILE,
                "PGCONNECT_TIMEOUT": "10", "PGAPPNAME": "database-setup", "SETUP_SQL": setup_sql(props.role),
            }.items())],
            "secrets": [{"name": "PGPASSWORD", "valueFrom": password.value_from}],
            "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": self.log_group.name, "awslogs-region": props.region, "awslogs-stream-prefix": "setup"}},
        }
        self.task_definition = EcsTaskDefinition(
            self, "task_definition", family=props.name, requires_compatibilities=["FARGATE"], network_mode="awsvpc",
            cpu="256", memory="512", execution_role_arn=self.execution_role.arn,
            runtime_platform=EcsTaskDefinitionRuntimePlatform(operating_system_family="LINUX", cpu_architecture="ARM64"),
            volume=[EcsTaskDefinitionVolume(name="tmp")], container_definitions=json.dumps([container], sort_keys=True),
            depends_on=[policy],
        )
        self.security_group = SecurityGroup(
            self, "security_group", name_prefix=f"{props.name[:40]}-", vpc_id=props.vpc_id,
            description=f"{props.name}: HTTPS out (image, CA bundle, AWS APIs) and PostgreSQL to the database",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        VpcSecurityGroupEgressRule(self, "https_out", security_group_id=self.security_group.id, ip_protocol="tcp",
                                   from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
                                   description="Image from ECR Public, the RDS CA bundle, Secrets Manager and logs")
        VpcSecurityGroupEgressRule(self, "to_database", security_group_id=self.security_group.id, ip_protocol="tcp",
                                   from_port=POSTGRES_PORT, to_port=POSTGRES_PORT,
                                   referenced_security_group_id=props.database.security_group_id,
                                   description="PostgreSQL to the database")
        props.database.allow_from("from_setup_task", self.security_group.id, "The database setup task")
        self._props = props

    def _execution_role(self, props: DatabaseSetupTaskProps, password_arn: str) -> tuple[IamRole, IamRolePolicy]:
        """The role ECS starts the task with: write its log group, read the master password (nothing else)."""
        statements = [
            Statement(sid="WriteLogs", actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                      resources=(f"{self.log_group.arn}:*",)),
            Statement(sid="ReadMasterPassword", actions=("secretsmanager:GetSecretValue",), resources=(password_arn,)),
        ]
        if props.kms_key_arn is not None:
            statements.append(Statement(
                sid="DecryptMasterPassword", actions=("kms:Decrypt",), resources=(props.kms_key_arn,),
                conditions=(Condition("StringEquals", "kms:ViaService", (f"secretsmanager.{props.region}.amazonaws.com",)),)))
        trust = policy_document(self, "execution_trust", (Statement(
            sid="EcsTasksAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
            principals=(("Service", ("ecs-tasks.amazonaws.com",)),),
            conditions=(Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),),
        ),))
        role = IamRole(self, "execution_role", name_prefix=f"{props.name[:30]}-exec-", assume_role_policy=trust.json,
                       description=f"{props.name}: logs and the master password", path=props.role_path,
                       permissions_boundary=props.permissions_boundary_arn)
        return role, IamRolePolicy(self, "execution_policy", role=role.id,
                                   policy=policy_document(self, "execution_permissions", tuple(statements)).json)

    @property
    def run_configuration(self) -> str:
        """JSON of what ``aws ecs run-task`` needs: ``cloud``, ``region``, ``cluster``, ``task_definition``,
        ``subnets``, ``security_groups``, ``log_group`` (the stack output ``database_setup``)."""
        props = self._props
        return Fn.jsonencode({
            "cloud": "aws", "region": props.region, "cluster": props.cluster_arn,
            "task_definition": self.task_definition.arn, "subnets": list(props.subnet_ids),
            "security_groups": [self.security_group.id], "log_group": self.log_group.name,
        })
