"""Our six stacks against the guardrails: quiet as synthesized, loud when one of their parts is broken,
and the command line refusing to write a stack that breaks one."""

from __future__ import annotations

import copy
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from config import DEFAULT_CONFIG_DIR, load_configuration
from constructs_lib.policy import Guardrails, ProtectStatefulResources, evaluate, traits_from_bindings

from .conftest import Synthesized
from .helpers import CLOUDS, ENVIRONMENTS, run_main, stack_id, tree_bytes

from cdktf import App, Aspects  # isort: skip

Document = dict[str, Any]


@pytest.mark.parametrize("kind", ["platform", "bootstrap"])
@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_our_stacks_break_no_guardrail_and_waive_none(synthesized: Synthesized, cloud: str, environment: str,
                                                      kind: str) -> None:
    production = synthesized.configs[environment].production
    assert production is (environment == "prod")
    document = synthesized.documents[stack_id(cloud, environment, kind)]
    evaluation = evaluate(document, production=production, traits=traits_from_bindings)
    assert evaluation.violations == ()
    # The one waiver: a [dr] standby's services below the production minimum (test_*_disaster_recovery.py).
    dr = synthesized.configs[environment].dr
    waived = sorted({(waived.rule, waived.path) for waived in evaluation.waived})
    expected = sorted(("prod-min-capacity", f"{stack_id(cloud, environment)}/Default/run_{name}_standby/service")
                      for name in ("backend", "frontend")) if (cloud, kind) == ("gcp", "platform") and dr is not None \
        and production and dr.standby_min_capacity < 2 else []
    assert waived == expected


def _resources(document: Document, resource_type: str) -> dict[str, Any]:
    return document["resource"][resource_type]


def _paths(document: Document, resource_type: str) -> list[str]:
    return sorted(body["//"]["metadata"]["path"] for body in _resources(document, resource_type).values())


def _set(resource_type: str, key: str, value: Any) -> Callable[[Document], list[str]]:
    def mutate(document: Document) -> list[str]:
        for body in _resources(document, resource_type).values():
            body[key] = value
        return _paths(document, resource_type)

    return mutate


def _set_on_primaries(resource_type: str, key: str, value: Any) -> Callable[[Document], list[str]]:
    """Like :func:`_set`, on the resources that are not read replicas (which the availability rules except)."""
    def mutate(document: Document) -> list[str]:
        primaries = {name: body for name, body in _resources(document, resource_type).items()
                     if not body.get("master_instance_name")}
        for body in primaries.values():
            body[key] = value
        return sorted(body["//"]["metadata"]["path"] for body in primaries.values())

    return mutate


def _remove(resource_type: str, *, reported: str) -> Callable[[Document], list[str]]:
    def mutate(document: Document) -> list[str]:
        del document["resource"][resource_type]
        return _paths(document, reported)

    return mutate


def _forward_plain_http(document: Document) -> list[str]:
    (listener,) = [body for body in _resources(document, "aws_lb_listener").values() if body["protocol"] == "HTTP"]
    listener["default_action"] = [{"type": "forward", "target_group_arn": "${aws_lb_target_group.x.arn}"}]
    return [listener["//"]["metadata"]["path"]]


def _drop_provider_defaults(key: str, resource_type: str) -> Callable[[Document], list[str]]:
    def mutate(document: Document) -> list[str]:
        for provider in document["provider"].values():
            for configuration in provider:
                configuration.pop(key, None)
        return _paths(document, resource_type)

    return mutate


# (cloud, environment, the rule, a change that breaks it and returns the construct paths it must be reported at)
MUTATIONS = [
    ("aws", "prod", "prod-waf", _remove("aws_wafv2_web_acl_association", reported="aws_lb")),
    ("aws", "prod", "prod-https-only", _forward_plain_http),
    ("aws", "prod", "prod-min-capacity", _set("aws_appautoscaling_target", "min_capacity", 1)),
    ("aws", "prod", "prod-deletion-protection", _set("aws_db_instance", "deletion_protection", False)),
    ("aws", "prod", "prod-data-protection", _set("aws_kms_key", "lifecycle", {})),
    ("aws", "dev", "log-retention", _set("aws_cloudwatch_log_group", "retention_in_days", 0)),
    ("aws", "dev", "bucket-versioning", _remove("aws_s3_bucket_versioning", reported="aws_s3_bucket")),
    ("aws", "staging", "required-tags", _drop_provider_defaults("default_tags", "aws_vpc")),
    ("gcp", "prod", "prod-waf", _set("google_compute_backend_service", "security_policy", None)),
    ("gcp", "prod", "prod-high-availability", _set_on_primaries("google_sql_database_instance", "settings", {
        "availability_type": "ZONAL", "backup_configuration": {"enabled": True}})),
    ("gcp", "dev", "bucket-not-public", _set("google_storage_bucket", "public_access_prevention", "inherited")),
    ("gcp", "staging", "required-labels", _drop_provider_defaults("default_labels", "google_storage_bucket")),
]


@pytest.mark.parametrize(("cloud", "environment", "rule", "mutate"), MUTATIONS,
                         ids=[f"{cloud}-{environment}-{rule}" for cloud, environment, rule, _ in MUTATIONS])
def test_a_broken_part_of_our_stacks_is_caught_where_it_is(
    synthesized: Synthesized, cloud: str, environment: str, rule: str, mutate: Callable[[Document], list[str]]
) -> None:
    document = copy.deepcopy(synthesized.stack(cloud, environment))
    broken = mutate(document)
    production = synthesized.configs[environment].production
    found = evaluate(document, production=production, traits=traits_from_bindings).violations
    assert broken and {violation.path for violation in found if violation.rule == rule} >= set(broken)
    assert {violation.rule for violation in found} == {rule}


@pytest.mark.slow  # builds the stacks again
def test_each_stack_applies_the_guardrails_and_production_comes_from_its_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stacks.aws_bootstrap_stack import AwsBootstrapStack
    from stacks.aws_platform_stack import AwsPlatformStack
    from stacks.gcp_bootstrap_stack import GcpBootstrapStack
    from stacks.gcp_platform_stack import GcpPlatformStack

    checked: list[tuple[str, bool]] = []  # (scope, production) of each Guardrails.check
    original = Guardrails.check

    def record(self: Guardrails, scope: Any) -> Guardrails:
        checked.append((scope.node.path, self.production))
        return original(self, scope)

    monkeypatch.setattr(Guardrails, "check", record)
    configuration = load_configuration(environ={})
    app = App(outdir=str(tmp_path))
    github = configuration.project.github
    for stack_class in (AwsPlatformStack, GcpPlatformStack, AwsBootstrapStack, GcpBootstrapStack):
        for config in configuration.environments:
            if config.environment == "staging":
                continue
            bootstrap = stack_class in (AwsBootstrapStack, GcpBootstrapStack)
            stack = stack_class(app, config, github) if bootstrap else stack_class(app, config)
            # The check is registered on the whole stack, no Aspect visits for it; prod protects stateful resources.
            assert checked.pop() == (stack.node.path, config.production) and not checked
            aspects = Aspects.of(stack).all
            assert [type(aspect) for aspect in aspects] == ([ProtectStatefulResources] if config.production else [])


# --- the command line --------------------------------------------------------------------------------


@pytest.mark.slow  # main.py in a fresh interpreter
def test_a_guardrail_violation_exits_2_with_one_line_each_and_writes_nothing(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config_dir)
    prod = tomllib.loads((config_dir / "prod.toml").read_text(encoding="utf-8"))
    prod["database"]["backup_retention_days"] = 3  # the config allows 1-35 days; the production guardrails do not
    (config_dir / "prod.toml").write_text(tomli_w.dumps(prod), encoding="utf-8")
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "previous").mkdir(parents=True)
    (outdir / "manifest.json").write_text('{"previous": true}', encoding="utf-8")
    before = tree_bytes(outdir)
    # Both clouds: on two cores a process each (stacks/parallel.py), whose violations are reported together.
    result = run_main(["--environments", "prod", "--stacks", "platform", "--config-dir", str(config_dir),
                       "--outdir", str(outdir)], cwd=tmp_path)
    aws, gcp = stack_id("aws", "prod"), stack_id("gcp", "prod")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"error: {aws}/Default/database/instance: prod-backup-retention: backup_retention_period 3 < 7 days",
        f"error: {gcp}/Default/database/instance: prod-backup-retention: retained_backups 3 < 7 (one backup a day)",
        "2 guardrail violation(s); nothing was synthesized.",
    ]
    assert tree_bytes(outdir) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cdktf.out", "config"]
