"""Configuration: the committed files hold the design values, and every rule rejects bad input clearly."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from config import DEFAULT_CONFIG_DIR, ConfigError, Configuration, load_configuration
from constructs_lib.cloud_limits import LOG_RETENTION_DAYS, TEST_SOURCE_RULE

from .helpers import ENVIRONMENTS, run_main, tree_bytes

# The platform design (GUIDE.md §1). A change to a design value in config/ must fail here.
DESIGN: dict[str, dict[str, Any]] = {
    "dev": {
        "min_capacity": 1, "max_capacity": 3, "target_cpu": 70,
        "backend": (256, 512), "frontend": (256, 512), "retention_days": 7,
    },
    "staging": {"retention_days": 14},
    "prod": {
        "min_capacity": 2, "max_capacity": 20, "target_cpu": 60,
        "scale_out_cooldown": 300, "scale_in_cooldown": 600,
        "backend": (1024, 2048), "frontend": (512, 1024), "retention_days": 90,
    },
}


def _committed() -> dict[str, Any]:
    configuration = load_configuration(environ={})
    return {config.environment: config for config in configuration.environments}


def test_committed_files_hold_the_design_values() -> None:
    configs = _committed()
    for environment, design in DESIGN.items():
        config = configs[environment]
        actual = {
            "min_capacity": config.scaling.min_capacity,
            "max_capacity": config.scaling.max_capacity,
            "target_cpu": config.scaling.target_cpu,
            "scale_out_cooldown": config.scaling.scale_out_cooldown,
            "scale_in_cooldown": config.scaling.scale_in_cooldown,
            "backend": (config.backend.cpu, config.backend.memory),
            "frontend": (config.frontend.cpu, config.frontend.memory),
            "retention_days": config.logging.retention_days,
        }
        assert {key: actual[key] for key in design} == design, environment
        assert config.database.backup_retention_days == 7
        assert config.aws.region == "us-east-1"
        assert config.gcp.region == "us-central1"
        assert config.project == "duckdb-analytics"
        assert (config.alerting.error_rate_percent, config.alerting.response_time_seconds) == (5.0, 2.0)


def test_staging_sits_between_dev_and_prod() -> None:
    dev, staging, prod = (_committed()[environment] for environment in ENVIRONMENTS)
    for read in (
        lambda c: c.scaling.min_capacity,
        lambda c: c.scaling.max_capacity,
        lambda c: c.scaling.scale_out_cooldown,
        lambda c: c.scaling.scale_in_cooldown,
        lambda c: c.backend.cpu,
        lambda c: c.backend.memory,
        lambda c: c.frontend.cpu,
        lambda c: c.frontend.memory,
        lambda c: c.logging.retention_days,
        lambda c: c.storage.noncurrent_version_expiration_days,
    ):
        assert read(dev) <= read(staging) <= read(prod)
    assert dev.scaling.target_cpu >= staging.scaling.target_cpu >= prod.scaling.target_cpu


# --- rules -------------------------------------------------------------------------------------------


def _copy_config(tmp_path: Path) -> Path:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    for file in DEFAULT_CONFIG_DIR.glob("*.toml"):
        shutil.copy(file, config_dir / file.name)
    return config_dir


def _edit(config_dir: Path, file: str, change: Callable[[dict[str, Any]], None]) -> Path:
    path = config_dir / file
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _setter(section: str | None, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        (data if section is None else data[section])[key] = value

    return change


def _problems(config_dir: Path, environments: tuple[str, ...] = ("dev",), environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_configuration(environments, config_dir=config_dir, environ=environ or {})
    return list(raised.value.problems)


RULE_CASES = [
    ("scaling", "min_capacity", -1, "must be a whole number from 0 to 100 tasks, got -1"),
    ("scaling", "min_capacity", 101, "must be a whole number from 0 to 100 tasks, got 101"),
    ("scaling", "min_capacity", "1", 'must be a whole number from 0 to 100 tasks, got "1"'),
    ("scaling", "min_capacity", 1.5, "must be a whole number from 0 to 100 tasks, got 1.5"),
    ("scaling", "min_capacity", True, "must be a whole number from 0 to 100 tasks, got true"),
    ("scaling", "max_capacity", 0, "must be a whole number from 1 to 100 tasks, got 0"),
    ("scaling", "target_cpu", 5, "must be a whole number from 10 to 90 percent, got 5"),
    ("scaling", "target_cpu", 95, "must be a whole number from 10 to 90 percent, got 95"),
    ("scaling", "scale_out_cooldown", -1, "must be a whole number from 0 to 3600 seconds, got -1"),
    ("scaling", "scale_in_cooldown", 3601, "must be a whole number from 0 to 3600 seconds, got 3601"),
    ("backend", "cpu", 128, "must be a whole number from 256 to 16384 CPU units, got 128"),
    ("frontend", "memory", 256, "must be a whole number from 512 to 122880 MiB, got 256"),
    ("logging", "retention_days", 10, "must be a retention CloudWatch Logs and Cloud Logging accept: "
     f"{', '.join(map(str, LOG_RETENTION_DAYS))} days, got 10"),
    ("logging", "retention_days", 3653, "must be a retention CloudWatch Logs and Cloud Logging accept: "
     f"{', '.join(map(str, LOG_RETENTION_DAYS))} days, got 3653"),
    ("storage", "noncurrent_version_expiration_days", 0, "must be a whole number from 1 to 3650 days, got 0"),
    ("database", "enabled", "yes", 'must be true or false, got "yes"'),
    ("database", "backup_retention_days", 0, "must be a whole number from 1 to 35 days, got 0"),
    ("database", "backup_retention_days", 36, "must be a whole number from 1 to 35 days, got 36"),
    ("alerting", "error_rate_percent", 0, "must be a number above 0 and at most 100 percent, got 0"),
    ("alerting", "error_rate_percent", 150, "must be a number above 0 and at most 100 percent, got 150"),
    ("alerting", "response_time_seconds", -2.0, "must be a number above 0 and at most 60 seconds, got -2.0"),
    ("alerting", "warning_email", "on-call", 'must be an email address, got "on-call"'),
    ("aws", "region", "useast1", 'must be an AWS region name such as us-east-1, got "useast1"'),
    ("aws", "account_id", 111122223333, "must be a 12-digit AWS account ID (a string), got 111122223333"),
    ("aws", "account_id", "1234", 'must be a 12-digit AWS account ID (a string), got "1234"'),
    ("gcp", "region", "us central1", 'must be a Google Cloud region name such as us-central1, got "us central1"'),
    ("gcp", "project_id", "Duckdb_Prod", "must be a Google Cloud project ID: 6 to 30 lowercase letters, digits or "
     'hyphens, starting with a letter and not ending with a hyphen, got "Duckdb_Prod"'),
]


_S3_STATE_RULE = "must be an S3 bucket name: 3 to 63 lowercase letters, digits or hyphens (no dots)"
_GCS_STATE_RULE = "must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, hyphens or underscores (no dots)"
# Where state lives and which GCP project number the Workload Identity provider names.
DELIVERY_RULE_CASES = [
    ("state", "aws_bucket", "tf.state.example", f'{_S3_STATE_RULE}, got "tf.state.example"'),
    ("state", "aws_bucket", "TF-State", f'{_S3_STATE_RULE}, got "TF-State"'),
    ("state", "aws_bucket", "ab", f'{_S3_STATE_RULE}, got "ab"'),
    ("state", "aws_bucket", "xn--state", f'{_S3_STATE_RULE}, got "xn--state"'),
    ("state", "gcp_bucket", "goog-state", f'{_GCS_STATE_RULE}, got "goog-state"'),
    ("state", "gcp_bucket", "state.example.com", f'{_GCS_STATE_RULE}, got "state.example.com"'),
    ("state", "aws_bootstrap_migrated", "yes", 'must be true or false, got "yes"'),
    ("state", "gcp_bootstrap_migrated", 1, "must be true or false, got 1"),
    ("gcp", "project_number", 100000000001, "must be the project's number (a string of 6 to 20 digits: gcloud projects "
     "describe <id> --format='value(projectNumber)'), got 100000000001"),
    ("gcp", "project_number", "0123456", "must be the project's number (a string of 6 to 20 digits: gcloud projects "
     "describe <id> --format='value(projectNumber)'), got \"0123456\""),
]


@pytest.mark.parametrize(("section", "key", "value", "rule"), RULE_CASES + DELIVERY_RULE_CASES, ids=lambda case: str(case))
def test_each_rule_names_file_key_and_rule(tmp_path: Path, section: str, key: str, value: Any, rule: str) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "dev.toml", _setter(section, key, value))
    assert _problems(config_dir) == [f"{path}: {section}.{key}: {rule}"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [("DuckDB", '"DuckDB"'), ("ab", '"ab"'), ("a" * 21, f'"{"a" * 21}"'), ("duckdb-", '"duckdb-"'), (7, "7")],
)
def test_project_name_must_fit_both_clouds(tmp_path: Path, name: Any, shown: str) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "project.toml", _setter(None, "name", name))
    assert _problems(config_dir) == [
        f"{path}: name: must be 3 to 20 lowercase letters, digits or hyphens, start with a letter "
        f"and not end with a hyphen, got {shown}"
    ]


def test_min_capacity_above_max_capacity_is_rejected(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)

    def change(data: dict[str, Any]) -> None:
        data["scaling"].update(min_capacity=5, max_capacity=4)

    path = _edit(config_dir, "prod.toml", change)
    assert _problems(config_dir, ("prod",)) == [
        f"{path}: scaling.max_capacity: must be at least scaling.min_capacity (5), got 4"
    ]


@pytest.mark.parametrize(
    ("cpu", "memory", "rule"),
    [
        (300, 1024, "Fargate CPU must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 units"),
        (256, 4096, "Fargate accepts memory of 512, 1024, 2048 MiB with 256 CPU units"),
        (1024, 1024, "Fargate accepts memory of 2048 to 8192 in steps of 1024 MiB with 1024 CPU units"),
        (8192, 17000, "Fargate accepts memory of 16384 to 61440 in steps of 4096 MiB with 8192 CPU units"),
    ],
)
def test_fargate_cpu_memory_pairs(tmp_path: Path, cpu: int, memory: int, rule: str) -> None:
    config_dir = _copy_config(tmp_path)

    def change(data: dict[str, Any]) -> None:
        data["backend"].update(cpu=cpu, memory=memory)

    path = _edit(config_dir, "dev.toml", change)
    assert _problems(config_dir) == [f"{path}: backend.cpu/backend.memory: {rule}, got \"{cpu}/{memory}\""]


def test_unknown_and_missing_keys_are_reported(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)

    def change(data: dict[str, Any]) -> None:
        data["scaling"]["max_capacty"] = data["scaling"].pop("max_capacity")  # a typo
        data["monitoring"] = {"enabled": True}
        del data["storage"]

    path = _edit(config_dir, "dev.toml", change)
    assert sorted(_problems(config_dir)) == sorted([
        f"{path}: scaling.max_capacity: required key is missing",
        f"{path}: scaling.max_capacty: unknown key (not part of the configuration schema)",
        f"{path}: storage: required key is missing",
        f"{path}: monitoring: unknown key (not part of the configuration schema)",
    ])


def test_a_section_must_be_a_table(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "dev.toml", _setter(None, "logging", 7))
    assert _problems(config_dir) == [f"{path}: logging: must be a table, got 7"]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    dev = _edit(config_dir, "dev.toml", _setter("scaling", "target_cpu", 99))
    prod = _edit(config_dir, "prod.toml", _setter("logging", "retention_days", 100))
    _edit(config_dir, "prod.toml", _setter("database", "backup_retention_days", 40))
    problems = _problems(config_dir, ENVIRONMENTS)
    assert [problem.split(": ")[:2] for problem in problems] == [
        [str(dev), "scaling.target_cpu"],
        [str(prod), "logging.retention_days"],
        [str(prod), "database.backup_retention_days"],
    ]


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    (config_dir / "dev.toml").write_text("[scaling]\nmin_capacity = = 1\n", encoding="utf-8")
    (config_dir / "prod.toml").unlink()
    problems = _problems(config_dir, ("dev", "prod"))
    assert problems[0].startswith(f"{config_dir / 'dev.toml'}: invalid TOML: ")
    assert "line 2" in problems[0]
    assert problems[1] == f"{config_dir / 'prod.toml'}: file not found"


def test_gcp_project_falls_back_to_google_cloud_project(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "dev.toml", lambda data: data["gcp"].pop("project_id"))
    config = load_configuration(("dev",), config_dir=config_dir, environ={"GOOGLE_CLOUD_PROJECT": "my-analytics-42"})
    assert config.environments[0].gcp.project_id == "my-analytics-42"
    assert _problems(config_dir) == [f"{path}: gcp.project_id: required key is missing (or set GOOGLE_CLOUD_PROJECT)"]
    assert _problems(config_dir, environ={"GOOGLE_CLOUD_PROJECT": "X"}) == [
        f"{path}: gcp.project_id: from GOOGLE_CLOUD_PROJECT must be a Google Cloud project ID: 6 to 30 lowercase "
        'letters, digits or hyphens, starting with a letter and not ending with a hyphen, got "X"'
    ]


def test_config_value_wins_over_google_cloud_project() -> None:
    configuration = load_configuration(("prod",), environ={"GOOGLE_CLOUD_PROJECT": "someone-elses-project"})
    assert configuration.environments[0].gcp.project_id == "duckdb-analytics-prod"


def test_aws_account_falls_back_to_aws_account_id(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "dev.toml", lambda data: data["aws"].pop("account_id"))
    config = load_configuration(("dev",), config_dir=config_dir, environ={"AWS_ACCOUNT_ID": "999988887777"})
    assert config.environments[0].aws.account_id == "999988887777"
    assert _problems(config_dir) == [f"{path}: aws.account_id: required key is missing (or set AWS_ACCOUNT_ID)"]


@pytest.mark.parametrize("variable", ["TERRAFORM_STATE_BUCKET", "TERRAFORM_STATE_REGION", "GCP_STATE_BUCKET"])
def test_retired_state_variables_are_an_error_not_silently_ignored(variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_configuration(environ={variable: "acme-tf-state"})
    assert list(raised.value.problems) == [
        f"environment: {variable}: is no longer read: state buckets come from config/<env>.toml [state] "
        '(aws_bucket, gcp_bucket); unset it, got "acme-tf-state"'
    ]


def test_state_github_and_project_number_are_read() -> None:
    configuration: Configuration = load_configuration(("prod",), environ={})
    prod = configuration.environments[0]
    assert (prod.state.aws_bucket, prod.state.gcp_bucket) == (
        "duckdb-analytics-prod-tfstate-333344445555", "duckdb-analytics-prod-tfstate")
    assert (prod.state.aws_bootstrap_migrated, prod.state.gcp_bootstrap_migrated) == (False, False)
    assert prod.gcp.project_number == "100000000003"
    github = configuration.project.github
    assert github is not None
    assert (github.owner, github.name, github.owner_id, github.repository_id) == (
        "acme-analytics", "duckdb-analytics-infra", 1342004, 260064828)


_ID_RULE = "must be GitHub's numeric ID, a whole number (not a string; GET {api} -> id)"
GITHUB_RULE_CASES = [
    ("owner", "-acme", 'must be a GitHub user or organization name: 1 to 39 letters, digits or single hyphens, not at '
     'either end, got "-acme"'),
    ("owner", "acme--data", 'must be a GitHub user or organization name: 1 to 39 letters, digits or single hyphens, not '
     'at either end, got "acme--data"'),
    ("owner", "a" * 40, 'must be a GitHub user or organization name: 1 to 39 letters, digits or single hyphens, not at '
     f'either end, got "{"a" * 40}"'),
    ("repository", "infra/prod", "must be a GitHub repository name: 1 to 100 letters, digits, '.', '-' or '_', got "
     '"infra/prod"'),
    ("repository", "..", "must be a GitHub repository name: 1 to 100 letters, digits, '.', '-' or '_', got \"..\""),
    ("owner_id", "1342004", _ID_RULE.format(api="/users/<owner>") + ', got "1342004"'),
    ("owner_id", 0, _ID_RULE.format(api="/users/<owner>") + ", got 0"),
    ("repository_id", True, _ID_RULE.format(api="/repos/<owner>/<repository>") + ", got true"),
    ("repository_id", 2**53, _ID_RULE.format(api="/repos/<owner>/<repository>") + f", got {2**53}"),
]


@pytest.mark.parametrize(("key", "value", "rule"), GITHUB_RULE_CASES, ids=lambda case: str(case))
def test_each_github_rule_names_file_key_and_rule(tmp_path: Path, key: str, value: Any, rule: str) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "project.toml", _setter("github", key, value))
    assert _problems(config_dir) == [f"{path}: github.{key}: {rule}"]


def test_github_section_is_required_and_closed(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)

    def change(data: dict[str, Any]) -> None:
        data["github"].pop("repository_id")
        data["github"]["repo"] = "typo"

    path = _edit(config_dir, "project.toml", change)
    assert _problems(config_dir) == [f"{path}: github.repository_id: required key is missing",
                                     f"{path}: github.repo: unknown key (not part of the configuration schema)"]
    path = _edit(config_dir, "project.toml", lambda data: data.pop("github"))
    assert _problems(config_dir) == [f"{path}: github: required key is missing"]


@pytest.mark.parametrize(("file_key", "reason"), [
    ("aws.account_id", "one AWS account per environment: its bootstrap creates the account's GitHub OIDC provider"),
    ("gcp.project_id", "one project per environment: its bootstrap creates the project's Workload Identity pool"),
    ("state.aws_bucket", "bucket names are global"),
    ("state.gcp_bucket", "bucket names are global"),
])
def test_environments_may_not_share_an_account_project_or_state_bucket(tmp_path: Path, file_key: str, reason: str) -> None:
    config_dir = _copy_config(tmp_path)
    section, key = file_key.split(".")
    dev = tomllib.loads((config_dir / "dev.toml").read_text(encoding="utf-8"))
    path = _edit(config_dir, "prod.toml", _setter(section, key, dev[section][key]))
    assert _problems(config_dir, ("dev", "prod")) == [f"{path}: {file_key}: must differ from dev's ({reason}), "
                                                      f'got "{dev[section][key]}"']
    # Selected alone, prod has nothing to clash with; with one cloud, only that cloud's values count.
    load_configuration(("prod",), config_dir=config_dir, environ={})
    other = ("gcp",) if section == "aws" or key.startswith("aws") else ("aws",)
    load_configuration(("dev", "prod"), config_dir=config_dir, environ={}, clouds=other)


# --- the command line ---------------------------------------------------------------------------------


@pytest.mark.slow  # a fresh process
def test_invalid_config_exits_2_lists_every_problem_and_leaves_output_untouched(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    dev = _edit(config_dir, "dev.toml", _setter("scaling", "max_capacity", 0))
    prod = _edit(config_dir, "prod.toml", _setter("backend", "memory", 1024))
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "previous").mkdir(parents=True)
    (outdir / "manifest.json").write_text('{"previous": true}', encoding="utf-8")
    (outdir / "stacks" / "previous" / "cdk.tf.json").write_text("{}", encoding="utf-8")
    before = tree_bytes(outdir)

    result = run_main(["--config-dir", str(config_dir), "--outdir", str(outdir)], cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    # Paths are shown relative to the working directory when the files lie below it.
    assert (dev.relative_to(tmp_path), prod.relative_to(tmp_path)) == (Path("config/dev.toml"), Path("config/prod.toml"))
    assert result.stderr.splitlines() == [
        "error: config/dev.toml: scaling.max_capacity: must be a whole number from 1 to 100 tasks, got 0",
        'error: config/prod.toml: backend.cpu/backend.memory: Fargate accepts memory of 2048 to 8192 in steps of 1024 MiB '
        'with 1024 CPU units, got "1024/1024"',
        "2 configuration problem(s); nothing was synthesized.",
    ]
    assert tree_bytes(outdir) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cdktf.out", "config"]


# --- rules that depend on the environment and on other keys -------------------------------------------


def _change(section: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key, value in values.items():
            if value is None:
                data[section].pop(key, None)
            else:
                data[section][key] = value

    return change


CROSS_RULE_CASES = [
    ("staging", _change("aws", http_only=True, domain=None, certificate_arn=None),
     "aws.http_only: is allowed in dev only; staging must serve HTTPS, got true"),
    ("dev", _change("aws", domain="dev.example.com"),
     "aws.http_only: contradicts domain/certificate_arn/hosted_zone_id: leave those out, got true"),
    ("staging", _change("aws", certificate_arn=None),
     "aws.certificate_arn: is required, or hosted_zone_id to issue a DNS-validated ACM certificate for domain"),
    ("prod", _change("aws", hosted_zone_id=None),
     "aws.certificate_arn: is required, or hosted_zone_id to issue a DNS-validated ACM certificate for domain"),
    ("staging", _change("aws", domain=None),
     "aws.domain: is required: the site's name, which the certificate covers (dev may set http_only = true instead)"),
    ("staging", _change("aws", certificate_arn="arn:aws:acm:eu-west-1:222233334444:certificate/"
                                               "0b5e2f61-7d3c-4e0a-9c1b-5a8f3d2e7c41"),
     'aws.certificate_arn: must be in the load balancer\'s region us-east-1, got "arn:aws:acm:eu-west-1:'
     '222233334444:certificate/0b5e2f61-7d3c-4e0a-9c1b-5a8f3d2e7c41"'),
    ("prod", _change("aws", single_nat_gateway=True),
     "aws.single_nat_gateway: is allowed in dev only; other environments get a NAT per zone, got true"),
    ("prod", _change("aws", availability_zones=["us-east-1a"]),
     'aws.availability_zones: must be a list of 2 to 6 distinct entries, got ["us-east-1a"]'),
    ("prod", _change("aws", availability_zones=["us-east-1a", "us-west-2b"]),
     'aws.availability_zones: must all be in the region us-east-1, got ["us-east-1a", "us-west-2b"]'),
    ("prod", _change("aws", vpc_cidr="52.0.0.0/16"),
     'aws.vpc_cidr: must be a private IPv4 CIDR block from /16 to /19, e.g. 10.0.0.0/16, got "52.0.0.0/16"'),
    ("prod", _change("aws", vpc_cidr="10.0.0.0/20"),  # its public subnets would be /28: too small for an ALB
     'aws.vpc_cidr: must be a private IPv4 CIDR block from /16 to /19, e.g. 10.0.0.0/16, got "10.0.0.0/20"'),
    ("prod", _change("gcp", domain=None, without_load_balancer=True, invokers=["group:developers@example.com"]),
     "gcp.without_load_balancer: is allowed in dev only; prod needs a domain, got true"),
    ("staging", _change("gcp", domain=None),
     "gcp.domain: is required for the HTTPS load balancer (dev may set without_load_balancer = true instead)"),
    ("dev", _change("gcp", domain=None, without_load_balancer=True),
     "gcp.invokers: goes with without_load_balancer = true, and only with it: without an edge, the services answer "
     "only the identities named here (the run.invoker check stays on)"),
    ("dev", _change("gcp", invokers=["group:developers@example.com"]),
     'gcp.invokers: goes with without_load_balancer = true, and only with it: without an edge, the services answer '
     'only the identities named here (the run.invoker check stays on), got ["group:developers@example.com"]'),
    ("dev", _change("gcp", domain=None, without_load_balancer=True, invokers=["allUsers"]),
     'gcp.invokers: must be IAM members such as group:developers@example.com or user:ann@example.com, got "allUsers"'),
    ("dev", _change("gcp", without_load_balancer=True, invokers=["group:developers@example.com"]),
     "gcp.without_load_balancer: contradicts domain: leave one out, got true"),
    ("prod", _change("gcp", private_services_cidr="10.40.0.0/16"),
     'gcp.private_services_cidr: must not overlap subnet_cidr 10.40.0.0/24, got "10.40.0.0/16"'),
    ("prod", _change("scaling", working_hours="MON-FRI 07:00-19:00"),
     'scaling.working_hours: is allowed in dev only; prod runs around the clock, got "MON-FRI 07:00-19:00"'),
    ("dev", _change("scaling", working_hours="weekdays 7-19"),
     'scaling.working_hours: must look like "MON-FRI 07:00-19:00", got "weekdays 7-19"'),
    ("dev", _change("scaling", working_hours="MON-FRI 19:00-07:00"),
     'scaling.working_hours: must end after it starts on the same day, got "MON-FRI 19:00-07:00"'),
    ("dev", _change("scaling", working_hours_timezone="Mars/Olympus"),
     'scaling.working_hours_timezone: must be an IANA time zone such as Europe/Berlin, got "Mars/Olympus"'),
    ("prod", _change("scaling", working_hours_timezone="UTC"),
     'scaling.working_hours_timezone: is only used with working_hours, got "UTC"'),
    ("prod", _change("scaling", target_memory=95), "scaling.target_memory: must be a whole number from 10 to 90 percent, got 95"),
    ("prod", _change("backend", cloud_run_cpu=3),
     'backend.cloud_run_cpu/backend.cloud_run_memory: Cloud Run CPU must be one of 1, 2, 4, 8 vCPU, got "3/2048"'),
    ("prod", _change("backend", cloud_run_cpu=1, cloud_run_memory=8192),
     'backend.cloud_run_cpu/backend.cloud_run_memory: Cloud Run accepts 512 to 4096 MiB with 1 vCPU, got "1/8192"'),
    ("prod", _change("frontend", concurrency=0),
     "frontend.concurrency: must be a whole number from 1 to 1000 requests per instance, got 0"),
    ("prod", _change("images", tag="latest"),
     "images.tag: must be a container image tag (letters, digits, '_', '.', '-', at most 128) other than 'latest', "
     'got "latest"'),
    ("prod", _change("waf", rate_limit_window_seconds=100),
     "waf.rate_limit_window_seconds: must be a window AWS WAF and Cloud Armor accept: 60, 120, 300, 600 seconds, got 100"),
    ("prod", _change("waf", rate_limit_requests=5),
     "waf.rate_limit_requests: must be a whole number from 10 to 1000000 requests, got 5"),
    ("prod", _change("waf", rate_limit_requests=1_000_001),  # Cloud Armor's throttle maximum
     "waf.rate_limit_requests: must be a whole number from 10 to 1000000 requests, got 1000001"),
    ("prod", _change("waf", api_rate_limit_requests=2001),
     "waf.api_rate_limit_requests: must be at most rate_limit_requests (2000), got 2001"),
    ("prod", _change("waf", max_body_kib=9),  # the edge's rules read the first 8 KB of a body
     "waf.max_body_kib: must be a whole number from 1 to 8 KiB, got 9"),
    ("prod", _change("waf", large_body_paths=["/api/upload"]),
     "waf.large_body_paths/waf.large_body_max_kib: go together: the routes allowed larger bodies and their cap"),
    ("prod", _change("waf", large_body_paths=["/api/upload"], large_body_max_kib=8),
     "waf.large_body_max_kib: must be a whole number from 9 to 32768 KiB, got 8"),
    ("prod", _change("waf", large_body_paths=["/"], large_body_max_kib=1024),  # "/" would exempt the whole site
     'waf.large_body_paths: must be URL paths below / such as /api/upload (letters, digits, . _ ~ % / -), got "/"'),
    ("prod", _change("logging", request_log_sample_rate=0),
     "logging.request_log_sample_rate: must be a number above 0 and at most 1 (share of requests), got 0"),
    ("prod", _change("database", high_availability=False),
     "database.high_availability: must be true in prod (Multi-AZ on AWS, regional on GCP), got false"),
    ("prod", _change("database", max_allocated_storage_gb=50),
     "database.max_allocated_storage_gb: must be at least database.allocated_storage_gb (100), got 50"),
    ("prod", _change("database", postgres_major_version=13),
     "database.postgres_major_version: must be a PostgreSQL major version RDS and Cloud SQL offer: 14, 15, 16, 17, got 13"),
    ("prod", _change("database", instance_class="m7g.large"),
     'database.instance_class: must be an RDS instance class such as db.t4g.medium, got "m7g.large"'),
    ("prod", _change("database", cloud_sql_tier="n2-standard-2"),
     'database.cloud_sql_tier: must be a Cloud SQL tier such as db-custom-2-7680, got "n2-standard-2"'),
    ("prod", _change("protection", deletion_protection=False), "protection.deletion_protection: must be true in prod, got false"),
    ("prod", _change("alerting", email="platform-alerts"), 'alerting.email: must be an email address, got "platform-alerts"'),
]


@pytest.mark.parametrize(("environment", "change", "problem"), CROSS_RULE_CASES, ids=[case[2].split(":")[0] + f"[{i}]" for i, case in enumerate(CROSS_RULE_CASES)])
def test_environment_and_cross_key_rules(
    tmp_path: Path, environment: str, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, f"{environment}.toml", change)
    assert _problems(config_dir, (environment,)) == [f"{path}: {problem}"]


def test_dev_may_run_without_database_protection_or_https() -> None:
    dev = _committed()["dev"]
    assert (dev.aws.https.http_only, dev.aws.single_nat_gateway) == (True, True)
    # dev is not open to the internet without an edge: it sits behind the same load balancer and Cloud Armor.
    assert (dev.gcp.without_load_balancer, dev.gcp.domain, dev.gcp.invokers) == (False, "gcp.dev.analytics.example.com", ())
    assert (dev.database.enabled, dev.protection.deletion_protection) == (False, False)
    assert dev.scaling.working_hours is not None


def test_prod_is_protected_highly_available_and_served_over_https() -> None:
    prod = _committed()["prod"]
    assert prod.protection.deletion_protection and prod.database.enabled and prod.database.high_availability
    assert not prod.aws.single_nat_gateway and len(prod.aws.availability_zones) == 3
    assert prod.aws.https.domain and prod.aws.https.hosted_zone_id and prod.gcp.domain
    assert prod.scaling.working_hours is None


def test_image_tag_variable_overrides_the_file_only_without_digests(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    _edit(config_dir, "dev.toml", lambda data: data["images"].pop("digests"))
    configuration = load_configuration(("dev",), config_dir=config_dir, environ={"IMAGE_TAG": "git-3f2a9c1"})
    assert configuration.environments[0].images.tag == "git-3f2a9c1"
    with pytest.raises(ConfigError) as raised:
        load_configuration(("dev",), config_dir=config_dir, environ={"IMAGE_TAG": "latest"})
    assert raised.value.problems[0].endswith("images.tag: from IMAGE_TAG must be a container image tag (letters, "
                                             "digits, '_', '.', '-', at most 128) other than 'latest', got \"latest\"")
    with pytest.raises(ConfigError) as raised:
        load_configuration(("prod",), environ={"IMAGE_TAG": "git-3f2a9c1"})
    assert list(raised.value.problems) == ['config/prod.toml: images.tag: is pinned by images.digests: IMAGE_TAG cannot move it '
                                     '(change the tag and its digests in the file), got "git-3f2a9c1"']


DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(("environment", "images", "rule"), [
    ("staging", {"tag": "1.0.0"}, "images.digests: required: each service's image digest (backend, frontend), so that a "
                                  "moved tag cannot change what runs"),
    ("prod", {"tag": "1.0.0", "digests": {"backend": DIGEST, "frontend": "1.0.0"}},
     "images.digests.frontend: must be an image digest: 'sha256:' and 64 lowercase hex digits (the image workflow "
     "prints it), got \"1.0.0\""),
    ("dev", {"tag": "1.0.0", "digests": {"backend": DIGEST}}, "images.digests.frontend: required key is missing"),
])
def test_digest_rules(tmp_path: Path, environment: str, images: dict[str, Any], rule: str) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, f"{environment}.toml", lambda data: data.update(images=images))
    assert _problems(config_dir, (environment,)) == [f"{path}: {rule}"]


def test_a_promoted_tag_keeps_its_digests(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "prod.toml", lambda data: data["images"]["digests"].update(backend=DIGEST))
    staging = load_configuration(("staging",), config_dir=config_dir, environ={}).environments[0]
    assert _problems(config_dir, ("staging", "prod")) == [
        f"{path}: images.digests.backend: differs from staging's digest of tag 1.0.0 "
        f"({staging.images.digests['backend']}): promotion moves the same image, got \"{DIGEST}\""]
    assert load_configuration(("prod",), config_dir=config_dir, environ={}).environments[0].images.digests["backend"] == DIGEST


RELEASE_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown strategy", {"strategy": "big_bang"},
     ['release.strategy: must be one of rolling, blue_green, canary, linear, got "big_bang"']),
    ("canary 0 %", {"strategy": "canary", "canary_percent": 0, "canary_bake_minutes": 5},
     ["release.canary_percent: must be a whole number from 1 to 99 percent, got 0"]),
    ("canary 100 %", {"strategy": "canary", "canary_percent": 100, "canary_bake_minutes": 5},
     ["release.canary_percent: must be a whole number from 1 to 99 percent, got 100"]),
    ("canary without share", {"strategy": "canary", "canary_bake_minutes": 5},
     ["release.canary_percent: is required with strategy canary"]),
    ("share without canary", {"canary_percent": 10},
     ["release.canary_percent: is only used with strategy canary, strategy is blue_green, got 10"]),
    ("no test route", {"test_cidrs": None},
     ["release.test_cidrs: is required with strategy blue_green: who may reach the test route"]),
    ("internet test route", {"test_cidrs": ["0.0.0.0/0"]},
     [f'release.test_cidrs: {TEST_SOURCE_RULE}, got "0.0.0.0/0"']),
    # The load balancer is internet-facing: a VPN or VPC client reaches it from its public (NAT) address.
    ("private test route", {"test_cidrs": ["10.0.0.0/8"]}, [f'release.test_cidrs: {TEST_SOURCE_RULE}, got "10.0.0.0/8"']),
    ("transition with blue/green", {"transition": "retire_traffic_shifting"},
     ['release.transition: is only used with strategy rolling, strategy is blue_green, got "retire_traffic_shifting"']),
    ("unknown transition", {"strategy": "rolling", "transition": "switch"},
     ['release.transition: must be one of prepare_traffic_shifting, retire_traffic_shifting, got "switch"']),
    ("retiring without a test route", {"strategy": "rolling", "transition": "retire_traffic_shifting", "test_cidrs": None},
     ["release.test_cidrs: is required with transition retire_traffic_shifting: who may reach the test route"]),
    ("candidate equals current", {"candidate_tag": "1.0.0", "candidate_digests": {"backend": DIGEST, "frontend": DIGEST}},
     ['release.candidate_tag: equals images.tag (1.0.0): a candidate is a new release, got "1.0.0"']),
    ("candidate without digests", {"candidate_tag": "1.1.0"},
     ["release.candidate_digests: required with candidate_tag where images.digests pins the running images: the "
      "candidate runs by digest too"]),
    ("digests without candidate", {"candidate_digests": {"backend": DIGEST, "frontend": DIGEST}},
     ["release.candidate_digests: only with release.candidate_tag"]),
    ("linear needs AWS alone", {"strategy": "linear", "linear_step_percent": 25, "linear_step_minutes": 5},
     ['release.strategy: linear is not available on GCP (Cloud Run splits traffic in fixed shares): choose canary, '
      'or select --clouds aws, got "linear"']),
]


@pytest.mark.parametrize(("name", "changes", "rules"), RELEASE_CASES, ids=[case[0] for case in RELEASE_CASES])
def test_release_rules(tmp_path: Path, name: str, changes: dict[str, Any], rules: list[str]) -> None:
    config_dir = _copy_config(tmp_path)

    def change(data: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is None:
                data["release"].pop(key)
            else:
                data["release"][key] = value

    path = _edit(config_dir, "staging.toml", change)
    assert _problems(config_dir, ("staging",)) == [f"{path}: {rule}" for rule in rules]


def test_linear_is_fine_when_only_aws_is_selected(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    _edit(config_dir, "staging.toml", lambda data: data["release"].update(
        strategy="linear", linear_step_percent=25, linear_step_minutes=5))
    configuration = load_configuration(("staging",), config_dir=config_dir, environ={}, clouds=("aws",))
    assert configuration.environments[0].release.linear_step_percent == 25


def test_request_scaling_and_traffic_shifting_exclude_each_other(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "staging.toml", lambda data: data["scaling"].update(requests_per_target=500))
    assert _problems(config_dir, ("staging",)) == [
        f"{path}: scaling.requests_per_target: counts one target group, but release.strategy blue_green moves traffic "
        "between two: leave it out (CPU and memory still scale), got 500"
    ]


COST_CASES: list[tuple[str, str, str, Any, str]] = [
    ("negative amount", "dev.toml", "budget.monthly_amount", -10, "must be a number above 0 and at most 10000000 per month, got -10"),
    ("thresholds out of order", "dev.toml", "budget.actual_thresholds", [80, 50],
     "must be a list of ascending whole percentages from 1 to 1000, e.g. [50, 80, 100], got [80, 50]"),
    ("euro on AWS", "dev.toml", "budget.currency", "EUR", 'must be USD while AWS is selected (AWS Budgets count in USD), got "EUR"'),
]


@pytest.mark.parametrize(("name", "file", "key", "value", "rule"), COST_CASES, ids=[case[0] for case in COST_CASES])
def test_cost_rules(tmp_path: Path, name: str, file: str, key: str, value: Any, rule: str) -> None:
    config_dir = _copy_config(tmp_path)
    section, option = key.split(".")
    path = _edit(config_dir, file, lambda data: data[section].update({option: value}))
    assert _problems(config_dir, (file.removesuffix(".toml"),)) == [f"{path}: {key}: {rule}"]


def test_spot_weights_of_zero_and_an_all_spot_prod_are_refused(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    dev = _edit(config_dir, "dev.toml", lambda data: data["capacity"].update(spot_weight=0))
    prod = _edit(config_dir, "prod.toml", lambda data: data.update(
        capacity={"on_demand_base": 0, "on_demand_weight": 0, "spot_weight": 1}))
    assert _problems(config_dir, ("dev", "prod")) == [
        f"{dev}: capacity.on_demand_weight/capacity.spot_weight: must not both be 0: the tasks need somewhere to run, got \"0/0\"",
        f"{prod}: capacity.on_demand_base/capacity.on_demand_weight: must not both be 0 in prod: an all-Spot prod can "
        "lose every task at once, got \"0/0\"",
    ]


# --- disaster recovery ([dr]) ---------------------------------------------------------------------------

STAGING_DRILL = {  # what the quarterly drill adds to staging (docs/disaster-recovery.md)
    "mode": "pilot_light", "aws_standby_region": "us-west-2", "aws_standby_availability_zones": ["us-west-2a", "us-west-2b"],
    "aws_standby_vpc_cidr": "10.14.0.0/16", "gcp_standby_region": "us-east1", "gcp_standby_subnet_cidr": "10.32.0.0/24",
    "standby_min_capacity": 1, "standby_max_capacity": 6,
}


def test_prod_has_a_standby_on_both_clouds_and_the_others_may_leave_it_out() -> None:
    configs = _committed()
    dr = configs["prod"].dr
    assert dr is not None and dr.mode in ("pilot_light", "warm")
    assert dr.aws_standby_region != configs["prod"].aws.region and dr.gcp_standby_region != configs["prod"].gcp.region
    assert {zone[:-1] for zone in dr.aws_standby_availability_zones} == {dr.aws_standby_region}
    assert not dr.aws_standby_vpc_cidr.overlaps(configs["prod"].aws.vpc_cidr)
    assert 1 <= dr.standby_min_capacity <= dr.standby_max_capacity and dr.standby_max_capacity >= configs["prod"].scaling.min_capacity
    assert configs["dev"].dr is None and configs["staging"].dr is None


def test_a_deferred_aws_dr_builds_no_aws_standby_until_it_is_removed(tmp_path: Path) -> None:
    """prod's first deployment (docs/delivery.md, section 4): the table stays and is checked; AWS builds no standby
    yet, GCP (its replica follows the primary in one apply) keeps its standby region."""
    config_dir = _copy_config(tmp_path)
    _edit(config_dir, "prod.toml", _dr(aws_deferred=True))
    (prod,) = load_configuration(("prod",), config_dir=config_dir, environ={}).environments
    assert prod.aws_dr is None and prod.dr is not None and prod.dr.gcp_standby_region == "us-east1"
    _edit(config_dir, "prod.toml", _dr(aws_deferred=False))
    (prod,) = load_configuration(("prod",), config_dir=config_dir, environ={}).environments
    assert prod.aws_dr is prod.dr and prod.dr is not None and prod.dr.aws_standby_region == "us-west-2"


def test_staging_may_carry_dr_for_the_drill(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    _edit(config_dir, "staging.toml", lambda data: (data.update(dr=dict(STAGING_DRILL)),
                                                    data["aws"].update(hosted_zone_id="Z0123456789EXAMPLE0CD")))
    (staging,) = load_configuration(("staging",), config_dir=config_dir, environ={}).environments
    assert staging.dr is not None and (staging.dr.mode, staging.dr.warm) == ("pilot_light", False)
    assert staging.dr.standby_max_capacity == 6


def _dr(**values: Any) -> Callable[[dict[str, Any]], None]:
    return _change("dr", **values)


DR_CASES: list[tuple[str, str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("missing in prod", "prod", lambda data: data.pop("dr"),
     ["dr: is required in prod: the standby regions, mode and capacity that let prod survive the loss of its region "
      "(docs/disaster-recovery.md)"]),
    ("unknown mode", "prod", _dr(mode="cold"), ['dr.mode: must be one of pilot_light, warm, got "cold"']),
    ("aws_deferred not a boolean", "prod", _dr(aws_deferred="yes"), ['dr.aws_deferred: must be true or false, got "yes"']),
    ("aws_deferred is checked all the same", "prod", _dr(aws_deferred=True, aws_standby_region="uswest2"),
     ['dr.aws_standby_region: must be an AWS region name such as us-west-2, got "uswest2"']),
    ("unknown key", "prod", _dr(standby_region="us-west-2"),
     ["dr.standby_region: unknown key (not part of the configuration schema)"]),
    ("aws standby in the primary region", "prod",
     _dr(aws_standby_region="us-east-1", aws_standby_availability_zones=["us-east-1a", "us-east-1b"]),
     ['dr.aws_standby_region: must differ from aws.region (us-east-1): a standby in the primary\'s region fails with it, '
      'got "us-east-1"']),
    ("aws standby region name", "prod", _dr(aws_standby_region="uswest2"),
     ['dr.aws_standby_region: must be an AWS region name such as us-west-2, got "uswest2"']),
    ("aws standby zones elsewhere", "prod", _dr(aws_standby_availability_zones=["us-west-2a", "us-east-1b"]),
     ['dr.aws_standby_availability_zones: must all be in dr.aws_standby_region us-west-2, got ["us-west-2a", "us-east-1b"]']),
    ("aws standby one zone", "prod", _dr(aws_standby_availability_zones=["us-west-2a"]),
     ['dr.aws_standby_availability_zones: must be a list of 2 to 6 distinct entries, got ["us-west-2a"]']),
    ("aws standby vpc overlaps", "prod", _dr(aws_standby_vpc_cidr="10.12.128.0/17"),
     ['dr.aws_standby_vpc_cidr: must not overlap aws.vpc_cidr 10.12.0.0/16, so that the two VPCs can be peered, '
      'got "10.12.128.0/17"']),
    ("aws standby vpc public", "prod", _dr(aws_standby_vpc_cidr="52.0.0.0/16"),
     ['dr.aws_standby_vpc_cidr: must be a private IPv4 CIDR block from /16 to /19, e.g. 10.0.0.0/16, got "52.0.0.0/16"']),
    ("gcp standby in the primary region", "prod", _dr(gcp_standby_region="us-central1"),
     ['dr.gcp_standby_region: must differ from gcp.region (us-central1): a standby in the primary\'s region fails with '
      'it, got "us-central1"']),
    ("gcp standby on another continent", "prod", _dr(gcp_standby_region="europe-west1"),
     ["dr.gcp_standby_region: must be on the continent of gcp.region (us-central1): the data bucket becomes a "
      'dual-region of both, which Cloud Storage offers within US, EU or ASIA, got "europe-west1"']),
    ("gcp standby subnet overlaps the subnet", "prod", _dr(gcp_standby_subnet_cidr="10.40.0.0/25"),
     ['dr.gcp_standby_subnet_cidr: must not overlap gcp.subnet_cidr 10.40.0.0/24, got "10.40.0.0/25"']),
    ("gcp standby subnet overlaps Cloud SQL", "prod", _dr(gcp_standby_subnet_cidr="10.41.0.0/24"),
     ['dr.gcp_standby_subnet_cidr: must not overlap gcp.private_services_cidr 10.41.0.0/20, got "10.41.0.0/24"']),
    ("no standby capacity", "prod", _dr(standby_min_capacity=0),
     ["dr.standby_min_capacity: must be a whole number from 1 to 100 tasks, got 0"]),
    ("standby max below min", "prod", _dr(standby_min_capacity=5, standby_max_capacity=3),
     ["dr.standby_max_capacity: must be at least dr.standby_min_capacity (5), got 3"]),
    ("standby max below prod's minimum", "prod", _dr(standby_max_capacity=1),
     ["dr.standby_max_capacity: must be at least scaling.min_capacity (2): after a failover the standby carries all "
      "the traffic, got 1"]),
    ("failover records need the zone", "prod", _change(
        "aws", hosted_zone_id=None,
        certificate_arn="arn:aws:acm:us-east-1:333344445555:certificate/0b5e2f61-7d3c-4e0a-9c1b-5a8f3d2e7c41"),
     ["aws.hosted_zone_id: is required with [dr]: the failover records for aws.domain live in that Route 53 zone, and "
      "the standby's certificate is validated there"]),
    ("primary outside us-east-1", "prod", _change("aws", region="us-east-2",
                                                  availability_zones=["us-east-2a", "us-east-2b", "us-east-2c"]),
     ["aws.region: must be us-east-1 with [dr]: the alarm on the primary's Route 53 health check needs its metrics, "
      'which Route 53 publishes in us-east-1 only, got "us-east-2"']),
    ("dev without a load balancer", "dev", lambda data: (
        data.update(dr=dict(STAGING_DRILL, standby_max_capacity=3)),
        data["gcp"].update(without_load_balancer=True, invokers=["group:developers@example.com"]),
        data["gcp"].pop("domain")),
     ["aws.hosted_zone_id: is required with [dr]: the failover records for aws.domain live in that Route 53 zone, and "
      "the standby's certificate is validated there",
      "gcp.without_load_balancer: contradicts [dr]: the standby Cloud Run services are reached through the global load "
      "balancer, got true"]),
]


@pytest.mark.parametrize(("name", "environment", "change", "rules"), DR_CASES, ids=[case[0] for case in DR_CASES])
def test_dr_rules(tmp_path: Path, name: str, environment: str, change: Callable[[dict[str, Any]], None],
                  rules: list[str]) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, f"{environment}.toml", change)
    assert _problems(config_dir, (environment,)) == [f"{path}: {rule}" for rule in rules]


def test_prod_runs_at_least_two_of_each_service(tmp_path: Path) -> None:
    config_dir = _copy_config(tmp_path)
    path = _edit(config_dir, "prod.toml", lambda data: data["scaling"].update(min_capacity=1))
    assert _problems(config_dir, ("prod",)) == [
        f"{path}: scaling.min_capacity: must be at least 2 in prod: one task or instance is one failure from an outage, got 1"
    ]
