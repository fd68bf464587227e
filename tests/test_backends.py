"""State backends: every stack keeps its state in the bucket its environment's bootstrap stack creates;
a bootstrap stack starts on a relative local file and moves into the bucket once config says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from config import CLOUDS, DEFAULT_CONFIG_DIR, load_configuration

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, PROJECT_ROOT, stack_id


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_platform_stacks_use_the_environment_bucket(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    assert synthesized.stack("aws", environment)["terraform"]["backend"] == {"s3": {
        "bucket": config.state.aws_bucket,
        "key": f"duckdb-analytics/{environment}/terraform.tfstate",
        "region": config.aws.region,
        "encrypt": True,
        # The delivery key of the bootstrap stack (the bucket's default key too).
        "kms_key_id": f"arn:aws:kms:{config.aws.region}:{config.aws.account_id}:alias/duckdb-analytics-{environment}-delivery",
        "use_lockfile": True,
    }}
    assert synthesized.stack("gcp", environment)["terraform"]["backend"] == {
        "gcs": {"bucket": config.state.gcp_bucket, "prefix": f"duckdb-analytics/{environment}"}
    }


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_bootstrap_stacks_start_on_local_state_with_a_relative_path(
    synthesized: Synthesized, cloud: str, environment: str
) -> None:
    name = stack_id(cloud, environment, "bootstrap")
    assert not getattr(synthesized.configs[environment].state, f"{cloud}_bootstrap_migrated")
    backend = synthesized.documents[name]["terraform"]["backend"]
    # Relative to cdktf.out/stacks/<stack>/: the project root, where cdktf keeps local state.
    assert backend == {"local": {"path": f"../../../terraform.{name}.tfstate"}}
    working_directory = PROJECT_ROOT / "cdktf.out" / "stacks" / name
    assert (working_directory / backend["local"]["path"]).resolve() == PROJECT_ROOT / f"terraform.{name}.tfstate"


def test_no_machine_path_in_any_output(synthesized: Synthesized) -> None:
    for path in synthesized.outdir.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for machine_path in (str(PROJECT_ROOT), str(synthesized.outdir), str(Path.home())):
                assert machine_path not in text, f"{path.name} contains {machine_path}"


def _synthesize_migrated(tmp_path: Path) -> dict[str, dict[str, Any]]:
    from stacks.synthesis import synthesize

    config_dir = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = config_dir / "staging.toml"
    text = path.read_text(encoding="utf-8")
    for cloud in CLOUDS:
        text = text.replace(f"{cloud}_bootstrap_migrated = false", f"{cloud}_bootstrap_migrated = true")
    path.write_text(text, encoding="utf-8")
    written = synthesize(load_configuration(("staging",), config_dir=config_dir, environ={}), CLOUDS,
                         tmp_path / "cdktf.out", ("bootstrap",))
    return {stack.name: json.loads(stack.path.read_text(encoding="utf-8")) for stack in written}


@pytest.mark.slow  # synthesizes again
def test_a_migrated_bootstrap_stack_keeps_its_state_next_to_the_platform_state(tmp_path: Path) -> None:
    documents = _synthesize_migrated(tmp_path)
    assert sorted(documents) == [stack_id("aws", "staging", "bootstrap"), stack_id("gcp", "staging", "bootstrap")]
    aws = documents[stack_id("aws", "staging", "bootstrap")]["terraform"]["backend"]["s3"]
    assert (aws["bucket"], aws["key"], aws["use_lockfile"]) == (
        "duckdb-analytics-staging-tfstate-222233334444", "duckdb-analytics/staging/bootstrap.tfstate", True)
    assert aws["kms_key_id"] == "arn:aws:kms:us-east-1:222233334444:alias/duckdb-analytics-staging-delivery"
    assert documents[stack_id("gcp", "staging", "bootstrap")]["terraform"]["backend"] == {
        "gcs": {"bucket": "duckdb-analytics-stg-tfstate", "prefix": "duckdb-analytics/staging/bootstrap"}
    }
