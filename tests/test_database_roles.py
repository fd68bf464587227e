"""The services log in as a least-privilege role with IAM authentication, verify the server, never hold the
administrator's credential; a setup job the pipeline runs creates the role (issue 26, point 1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from constructs_lib.aws.iam_evaluation import Request, evaluate
from constructs_lib.database_roles import ApplicationRole, setup_command, setup_sql
from delivery.database_setup import SetupError, database_setup

from .aws_reading import iam_policy, stand_in
from .conftest import Synthesized
from .helpers import PROJECT_ROOT, by_prefix, data_sources, only, resources, stack_id
from .test_aws_data import with_database

PRIVILEGED = ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS")


# --- the SQL --------------------------------------------------------------------------------------------------

def test_the_setup_sql_creates_unprivileged_roles_and_refuses_privileged_ones() -> None:
    aws = setup_sql(ApplicationRole("analytics", ("app",)))
    assert 'CREATE ROLE "analytics_owner" NOLOGIN;' in aws and 'CREATE ROLE "app" LOGIN;' in aws
    assert 'GRANT rds_iam TO "app";' in aws and 'GRANT "analytics_owner" TO "app";' in aws
    assert not [word for word in PRIVILEGED if f" {word}" in aws.replace("rolsuper", "")]  # only checked, never granted
    assert "rolcreaterole" in aws and "RAISE EXCEPTION" in aws  # the job fails on a privileged or missing role
    assert 'REVOKE ALL ON DATABASE "analytics" FROM PUBLIC;' in aws and "REVOKE CREATE ON SCHEMA public FROM PUBLIC;" in aws
    gcp = setup_sql(ApplicationRole("analytics", ("backend-prod@acme-prod.iam",), create_logins=False))
    assert "rds_iam" not in gcp and "CREATE ROLE \"backend-prod" not in gcp  # Cloud SQL creates IAM users
    assert 'GRANT "analytics_owner" TO "backend-prod@acme-prod.iam";' in gcp


@pytest.mark.parametrize(("role", "message"), [
    (lambda: ApplicationRole("analytics", ("postgres",)), "unreserved PostgreSQL identifier"),
    (lambda: ApplicationRole("analytics", ("app", "app")), "each once"),
    (lambda: ApplicationRole("analytics", ("analytics_owner",)), "unreserved"),
    (lambda: ApplicationRole("Analytics", ("app",)), "PostgreSQL identifier"),
    (lambda: ApplicationRole("analytics", ("app'; DROP",)), "unreserved"),
    (lambda: ApplicationRole("analytics", ("backend@x",), create_logins=False), "Cloud SQL IAM user"),
])
def test_role_names_are_checked(role: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        role()


def _initdb() -> str | None:
    return shutil.which("initdb") or next((str(path) for path in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))),
                                          None)


def _server_user() -> list[str]:
    """The command prefix that runs PostgreSQL's server: as ``nobody`` when the suite runs as root (initdb and
    postgres refuse root), else as the suite's own user."""
    return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


@pytest.fixture
def server_directory() -> Iterator[Path]:
    """A directory the server's user owns (pytest's tmp_path is private to root when the suite runs as root)."""
    directory = Path(tempfile.mkdtemp(prefix="setup-sql-"))
    try:
        directory.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(directory, user="nobody")
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.slow  # runs PostgreSQL
@pytest.mark.skipif(_initdb() is None or (os.geteuid() == 0 and shutil.which("runuser") is None),
                    reason="needs PostgreSQL's initdb (and runuser when run as root)")
def test_the_setup_sql_runs_twice_on_postgresql_and_leaves_a_login_without_privileges(server_directory: Path) -> None:
    """A master user like RDS's (CREATEROLE, CREATEDB, admin of rds_iam) runs the SQL twice; the login role may then
    use and change the application's tables (also those the master created before) and do nothing else."""
    bin_dir = Path(_initdb() or "").resolve().parent  # PostgreSQL's own bin directory (psql, postgres next to it)
    data, socket = server_directory / "data", server_directory
    subprocess.run([*_server_user(), bin_dir / "initdb", "-D", data, "-U", "postgres", "--auth=trust"], check=True,
                   capture_output=True)
    server = subprocess.Popen([*_server_user(), bin_dir / "postgres", "-D", data, "-k", socket, "-c", "listen_addresses=", "-p", "55439"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def psql(user: str, database: str, *sql: str, check: bool = True) -> subprocess.CompletedProcess[str]:
            command = [bin_dir / "psql", "-h", socket, "-p", "55439", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1",
                       "-X", "-q", *(part for text in sql for part in ("-c", text))]
            return subprocess.run(command, check=check, capture_output=True, text=True)

        for _ in range(50):
            if psql("postgres", "postgres", "SELECT 1", check=False).returncode == 0:
                break
            subprocess.run(["sleep", "0.2"], check=True)
        psql("postgres", "postgres", "CREATE ROLE rds_iam", "CREATE ROLE admin LOGIN CREATEROLE CREATEDB",
             "GRANT rds_iam TO admin WITH ADMIN OPTION", "CREATE DATABASE analytics OWNER admin")
        psql("admin", "analytics", "CREATE TABLE before_setup (id serial PRIMARY KEY)")
        sql = setup_sql(ApplicationRole("analytics", ("app",)))
        for _ in range(2):
            subprocess.run([bin_dir / "psql", "-h", socket, "-p", "55439", "-U", "admin", "-d", "analytics", "-X",
                            "--single-transaction", "-v", "ON_ERROR_STOP=1", "-q"], input=sql, text=True, check=True,
                           capture_output=True)
        psql("app", "analytics", "INSERT INTO before_setup DEFAULT VALUES", "ALTER TABLE before_setup ADD COLUMN x int",
             "CREATE TABLE later (x int)")
        assert "permission denied" in psql("app", "analytics", "CREATE ROLE evil", check=False).stderr
        assert "permission denied" in psql("app", "analytics", "CREATE DATABASE evil", check=False).stderr
        psql("postgres", "postgres", "CREATE ROLE someone LOGIN")
        assert "CONNECT" in psql("someone", "analytics", "SELECT 1", check=False).stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- AWS ---------------------------------------------------------------------------------------------------------

def _aws(synthesized: Synthesized, environment: str) -> tuple[dict[str, Any], Any]:
    return synthesized.stack("aws", environment), synthesized.configs[environment]


def _task(stack: dict[str, Any], prefix: str) -> dict[str, Any]:
    _, task = by_prefix(stack, "aws_ecs_task_definition", prefix)
    return task


@with_database
def test_aws_the_setup_task_is_the_only_holder_of_the_master_password(synthesized: Synthesized, environment: str) -> None:
    stack, config = _aws(synthesized, environment)
    database_id, database = only(stack, "aws_db_instance")
    assert database["iam_database_authentication_enabled"] is True
    master = stand_in(f"${{aws_db_instance.{database_id}.master_user_secret[0].secret_arn}}") if config.dr is None else \
        stand_in(f"${{aws_secretsmanager_secret.{by_prefix(stack, 'aws_secretsmanager_secret', 'database_password_secret')[0]}.arn}}")
    readers = sorted(name.rsplit("_", 1)[0] for name, body in resources(stack, "aws_iam_role_policy").items()
                     if evaluate([iam_policy(stack, body["policy"])], Request("secretsmanager:GetSecretValue", master)).allowed)
    assert readers == ["database_setup_execution_policy"]  # of every role of the stack
    # Nothing of the master credential in any service's task definition.
    for name, task in resources(stack, "aws_ecs_task_definition").items():
        if not name.startswith("database_setup_"):
            assert "master_user_secret" not in task["container_definitions"]
            assert "database-password" not in task["container_definitions"]


@with_database
def test_aws_the_setup_task_verifies_the_server_and_runs_the_sql_as_the_master_user(
    synthesized: Synthesized, environment: str
) -> None:
    task = _task(synthesized.stack("aws", environment), "database_setup_task_definition")
    stack = synthesized.stack("aws", environment)
    assert "task_role_arn" not in task and task["requires_compatibilities"] == ["FARGATE"]  # no AWS permission at run time
    (container,) = json.loads(task["container_definitions"])
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert (env["PGUSER"], env["PGSSLMODE"], env["PGDATABASE"]) == ("analytics_admin", "verify-full", "duckdb_analytics")
    assert env["SETUP_SQL"] == setup_sql(ApplicationRole("duckdb_analytics", ("app",)))
    assert container["command"] == list(setup_command("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"))
    assert [secret["name"] for secret in container["secrets"]] == ["PGPASSWORD"]
    assert container["readonlyRootFilesystem"] is True
    assert '"task_definition" = aws_ecs_task_definition.database_setup_task_definition' in (
        stack["output"]["database_setup"]["value"])


@with_database
def test_aws_the_backend_logs_in_as_the_application_user_through_its_boundary(
    synthesized: Synthesized, environment: str
) -> None:
    stack, config = _aws(synthesized, environment)
    bootstrap = synthesized.documents[stack_id("aws", environment, "bootstrap")]
    (boundary,) = [body for body in resources(bootstrap, "aws_iam_policy").values() if "boundary" in body["name"]]
    _, task_policy = by_prefix(stack, "aws_iam_role_policy", "backend_service_task_role_policy")
    database_id, _ = only(stack, "aws_db_instance")
    login = (f"arn:aws:rds-db:{config.aws.region}:{config.aws.account_id}:dbuser:"
             f"{stand_in(f'${{aws_db_instance.{database_id}.resource_id}}')}/app")
    task = iam_policy(stack, task_policy["policy"])
    assert evaluate([task], Request("rds-db:connect", login), iam_policy(bootstrap, boundary["policy"])).allowed
    assert not evaluate([task], Request("rds-db:connect", login.replace("/app", "/analytics_admin"))).allowed


def test_aws_the_pipeline_may_run_the_setup_task_only_in_its_cluster(synthesized: Synthesized) -> None:
    bootstrap = synthesized.documents[stack_id("aws", "prod", "bootstrap")]
    statements = [statement for body in data_sources(bootstrap, "aws_iam_policy_document").values()
                  for statement in body.get("statement", []) if statement.get("sid") == "EcsRunDatabaseSetup"]
    (statement,) = statements
    config = synthesized.configs["prod"]
    assert statement["actions"] == ["ecs:RunTask"]
    assert statement["resources"][0] == (f"arn:aws:ecs:{config.aws.region}:{config.aws.account_id}:task-definition/"
                                         "duckdb-analytics-prod-database-setup:*")
    assert statement["condition"][0]["variable"] == "ecs:cluster"


# --- GCP -----------------------------------------------------------------------------------------------------------

@with_database
def test_gcp_iam_authentication_is_on_and_the_backend_never_reads_the_administrator_password(
    synthesized: Synthesized, environment: str
) -> None:
    stack, config = synthesized.stack("gcp", environment), synthesized.configs[environment]
    for instance in resources(stack, "google_sql_database_instance").values():
        assert {"name": "cloudsql.iam_authentication", "value": "on"} in instance["settings"]["database_flags"]
    bootstrap = synthesized.documents[stack_id("gcp", environment, "bootstrap")]
    password = f"projects/{config.gcp.project_number}/secrets/duckdb-analytics-{environment}-database-password"
    readers = sorted(body["member"] for body in resources(bootstrap, "google_project_iam_member").values()
                     if f'"{password}"' in body.get("condition", {}).get("expression", ""))
    assert len(readers) == 1 and "dbsetup_account" in readers[0]
    logins = sorted(body["condition"]["expression"].split('"')[1] for body in
                    resources(bootstrap, "google_project_iam_member").values() if body["role"] == "roles/cloudsql.instanceUser")
    instances = [f"projects/{config.gcp.project_id}/instances/duckdb-analytics-{environment}-postgres"]
    instances += [f"{instances[0]}-standby"] if config.dr is not None else []
    assert logins == instances  # the backend's account, on its instances only


@with_database
def test_gcp_the_setup_job_runs_the_sql_inside_the_network_as_the_administrator(
    synthesized: Synthesized, environment: str
) -> None:
    stack, config = synthesized.stack("gcp", environment), synthesized.configs[environment]
    (job,) = resources(stack, "google_cloud_run_v2_job").values()
    template = job["template"]["template"]
    assert template["service_account"] == f"dbsetup-{environment}@{config.gcp.project_id}.iam.gserviceaccount.com"
    assert (template["max_retries"], template["vpc_access"]["egress"]) == (0, "ALL_TRAFFIC")
    (container,) = template["containers"]
    env = {item["name"]: item.get("value", item.get("value_source")) for item in container["env"]}
    assert (env["PGUSER"], env["PGSSLMODE"], env["PGSSLROOTCERT"]) == ("backend", "verify-ca", "/etc/cloudsql/server-ca.pem")
    assert env["SETUP_SQL"] == setup_sql(ApplicationRole(
        "duckdb_analytics", (f"backend-{environment}@{config.gcp.project_id}.iam",), create_logins=False))
    assert "secret_key_ref" in env["PGPASSWORD"]
    assert container["volume_mounts"] == [{"name": "server-ca", "mount_path": "/etc/cloudsql"}]


# --- the pipeline ----------------------------------------------------------------------------------------------------

class FakeCli:
    """Records commands and answers them like terraform, aws and gcloud would."""

    def __init__(self, output: dict[str, Any] | None, exit_code: int = 0) -> None:
        self.output, self.exit_code, self.commands = output, exit_code, []

    def __call__(self, command: Any) -> str:
        command = list(command)
        self.commands.append(command)
        if command[:1] == ["terraform"]:
            return json.dumps({} if self.output is None else {"database_setup": {"value": json.dumps(self.output)}})
        if command[:3] == ["aws", "ecs", "run-task"]:
            return json.dumps({"tasks": [{"taskArn": "arn:aws:ecs:us-east-1:1:task/c/abc"}], "failures": []})
        if command[:3] == ["aws", "ecs", "describe-tasks"]:
            return json.dumps({"tasks": [{"containers": [{"exitCode": self.exit_code}], "stoppedReason": "done"}]})
        return ""


AWS_SETUP = {"cloud": "aws", "region": "us-east-1", "cluster": "arn:aws:ecs:us-east-1:1:cluster/c",
             "task_definition": "arn:aws:ecs:us-east-1:1:task-definition/c-database-setup:3", "subnets": ["subnet-1"],
             "security_groups": ["sg-1"], "log_group": "/ecs/c-database-setup"}


def test_the_pipeline_runs_the_aws_task_waits_and_checks_its_exit_code() -> None:
    cli = FakeCli(AWS_SETUP)
    assert "set up" in database_setup("stacks/x", cli)
    assert [command[:3] for command in cli.commands] == [
        ["terraform", "-chdir=stacks/x", "output"], ["aws", "ecs", "run-task"], ["aws", "ecs", "wait"],
        ["aws", "ecs", "describe-tasks"]]
    run = cli.commands[1]
    network = json.loads(run[run.index("--network-configuration") + 1])
    assert network == {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                               "assignPublicIp": "DISABLED"}}
    with pytest.raises(SetupError, match=r"ended with \[1\].*log group /ecs/c-database-setup, stream setup/setup/abc"):
        database_setup("stacks/x", FakeCli(AWS_SETUP, exit_code=1))


def test_the_pipeline_executes_the_gcp_job_and_skips_a_stack_without_a_database() -> None:
    cli = FakeCli({"cloud": "gcp", "project": "p", "region": "r", "job": "j"})
    database_setup("stacks/y", cli)
    assert cli.commands[1] == ["gcloud", "run", "jobs", "execute", "j", "--project=p", "--region=r", "--wait", "--quiet"]
    nothing = FakeCli(None)
    assert "nothing to set up" in database_setup("stacks/z", nothing) and len(nothing.commands) == 1


@pytest.mark.slow  # runs the CLI with fake terraform and aws programs
def test_the_cli_fails_in_one_line_when_the_task_fails(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    answers = {"terraform": json.dumps({"database_setup": {"value": json.dumps(AWS_SETUP)}}),
               "aws": json.dumps({"tasks": [{"taskArn": "arn:aws:ecs:us-east-1:1:task/c/abc",
                                             "containers": [{"exitCode": 3}]}], "failures": []})}
    for name, answer in answers.items():
        (bin_dir / name).write_text(f"#!/bin/sh\nprintf '%s\\n' '{answer}'\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    # Only the fakes on PATH (a version manager's shim would put its own directory first).
    result = subprocess.run([sys.executable, "-m", "delivery", "database-setup", "stacks/x"], cwd=PROJECT_ROOT, text=True,
                            capture_output=True, env={**os.environ, "PATH": str(bin_dir)}, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("error: the setup task") and result.stderr.count("\n") == 1


def _run_apply_step(tmp_path: Path, action: str, changed: dict[str, bool]) -> list[str]:
    """terraform.yml's apply step as written, with recorders for the bundle, apply and setup commands."""
    workflow = yaml.safe_load((PROJECT_ROOT / ".github/workflows/terraform.yml").read_text(encoding="utf-8"))
    [step] = [step for step in workflow["jobs"]["apply"]["steps"] if "apply_saved_plan.sh" in str(step.get("run", ""))]
    calls = tmp_path / "calls"
    recorder = f'#!/bin/sh\necho "$(basename "$0") $*" >> {calls}\n'
    (tmp_path / "delivery").mkdir()
    for name in ("plan_bundle.sh", "apply_saved_plan.sh", "oidc_token.sh"):
        (tmp_path / "delivery" / name).write_text(recorder, encoding="utf-8")
        (tmp_path / "delivery" / name).chmod(0o755)
    (tmp_path / "delivery" / "__main__.py").write_text(  # `python3 -m delivery ...` finds this one first
        f"import sys\nwith open({str(calls)!r}, 'a') as calls:\n    calls.write(' '.join(sys.argv[1:]) + '\\n')\n",
        encoding="utf-8")
    for stack, changes in changed.items():
        (tmp_path / "bundles" / f"tfplan-{stack}").mkdir(parents=True)
        (tmp_path / "bundles" / f"tfplan-{stack}" / "changes").write_text(f"{str(changes).lower()}\n", encoding="utf-8")
    environment = {"ORDER": json.dumps(list(changed)), "BUNDLES": str(tmp_path / "bundles"), "ACTION": action,
                   "PLAN_PRIVATE_KEY": "key", "PLAN_ENVIRONMENT": "prod", "AWS_ROLE_SESSION_NAME": "deploy-1",
                   "AWS_ROLE_ARN": "arn:aws:iam::333344445555:role/gha-duckdb-analytics-prod-deploy",
                   "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "token"), "AWS_REGION": "us-east-1"}
    assert set(step["env"]) == set(environment), "the test sets every variable of the step"
    result = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path, text=True, capture_output=True,
                            timeout=60, env={"PATH": os.pathsep.join((str(Path(sys.base_prefix) / "bin"), os.environ["PATH"])),
                                             **environment})
    assert result.returncode == 0, result.stderr
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


@pytest.mark.slow  # bash and python3
def test_the_apply_job_runs_each_applied_stacks_setup_after_its_apply(tmp_path: Path) -> None:
    """The setup runs after each stack's apply (the standby has no setup output: the CLI says so), never for a
    stack without changes, and never when destroying; a fresh AWS token comes before each (one session each)."""
    changed = {"duckdb-analytics-aws-prod-standby": True, "duckdb-analytics-aws-prod": True, "duckdb-analytics-gcp-prod": False}
    applied = [(stack, tmp_path / "apply" / "bundles" / f"tfplan-{stack}") for stack, changes in changed.items() if changes]
    (tmp_path / "apply").mkdir()
    token = f"oidc_token.sh sts.amazonaws.com {tmp_path / 'apply' / 'token'}"
    assert _run_apply_step(tmp_path / "apply", "apply", changed) == [
        line for stack, bundle in applied for line in (
            f"plan_bundle.sh open {bundle} cdktf.out/stacks/{stack}", token,
            f"apply_saved_plan.sh cdktf.out/stacks/{stack}", token, f"database-setup cdktf.out/stacks/{stack}")]
    (tmp_path / "destroy").mkdir()
    destroyed = _run_apply_step(tmp_path / "destroy", "destroy", changed)
    assert [line for line in destroyed if "database-setup" in line] == [] and len(destroyed) == 6
