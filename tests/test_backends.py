"""State backends: relative local state by default, S3 or GCS per cloud when their variables are set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from config import CLOUDS, load_configuration

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, PROJECT_ROOT, stack_id


def _synthesize(
    tmp_path: Path, environ: dict[str, str], environments: tuple[str, ...] = ENVIRONMENTS
) -> dict[str, dict[str, Any]]:
    from stacks.synthesis import synthesize

    written = synthesize(load_configuration(environments, environ=environ), CLOUDS, tmp_path / "cdktf.out")
    return {stack.name: json.loads(stack.path.read_text(encoding="utf-8")) for stack in written}


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_default_backend_is_local_with_a_relative_path(synthesized: Synthesized, cloud: str, environment: str) -> None:
    name = stack_id(cloud, environment)
    backend = synthesized.stack(cloud, environment)["terraform"]["backend"]
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


@pytest.mark.slow  # synthesizes again
def test_s3_backend_for_aws_stacks_gcs_backend_for_gcp_stacks(tmp_path: Path) -> None:
    documents = _synthesize(
        tmp_path,
        {"TERRAFORM_STATE_BUCKET": "acme-tf-state", "GCP_STATE_BUCKET": "acme-gcp-tf-state"},
    )
    for environment in ENVIRONMENTS:
        assert documents[stack_id("aws", environment)]["terraform"]["backend"] == {
            "s3": {
                "bucket": "acme-tf-state",
                "key": f"duckdb-analytics/{environment}/terraform.tfstate",
                "region": "us-east-1",
                "encrypt": True,
                "use_lockfile": True,
            }
        }
        assert documents[stack_id("gcp", environment)]["terraform"]["backend"] == {
            "gcs": {"bucket": "acme-gcp-tf-state", "prefix": f"duckdb-analytics/{environment}"}
        }


@pytest.mark.slow  # synthesizes again
def test_state_region_overrides_the_stack_region_and_other_cloud_stays_local(tmp_path: Path) -> None:
    documents = _synthesize(
        tmp_path, {"TERRAFORM_STATE_BUCKET": "acme-tf-state", "TERRAFORM_STATE_REGION": "eu-west-1"}, ("prod",)
    )
    assert documents[stack_id("aws", "prod")]["terraform"]["backend"]["s3"]["region"] == "eu-west-1"
    assert list(documents[stack_id("gcp", "prod")]["terraform"]["backend"]) == ["local"]
