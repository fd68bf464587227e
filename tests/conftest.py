"""The suite's shared fixture: every stack synthesized once per run by main.py in a fresh interpreter, exactly
as `make synth` runs it. Under pytest-xdist the first worker to ask synthesizes into the run's shared temporary
directory, holding a lock file; the others wait and read the same output. Tiers and parallelism: docs/tests.md.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config import EnvironmentConfig, load_configuration
from constructs_lib.provider_bindings import prepare_jsii_runtime
from constructs_lib.cloud_limits import TERRAFORM_TARGET_VERSIONS

from .helpers import run_main, stack_id


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module imports cdktf: the jsii runtime starts with the lazy provider loading (as in
    main.py), and every App the tests make (``Testing.app()`` too) targets the Terraform releases main.py's App
    targets (CDK Terrain reads this context from the environment and checks write-only arguments against it)."""
    os.environ["CDKTF_CONTEXT_JSON"] = json.dumps({"targetVersions": TERRAFORM_TARGET_VERSIONS})
    prepare_jsii_runtime()


@dataclass(frozen=True)
class Synthesized:
    """All stacks as `make synth` writes them (main.py in a fresh interpreter)."""

    outdir: Path
    configs: dict[str, EnvironmentConfig]
    documents: dict[str, dict[str, Any]]
    #: What main.py printed: the summary of the stacks it wrote.
    stdout: str

    def stack(self, cloud: str, environment: str) -> dict[str, Any]:
        return self.documents[stack_id(cloud, environment)]


def _synthesize_once(workdir: Path) -> str:
    """main.py's summary; runs main.py into ``workdir/cdktf.out`` unless another worker did."""
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        summary = workdir / "main.py.stdout"
        if not summary.exists():
            result = run_main(["--outdir", "cdktf.out"], cwd=workdir)
            if result.returncode:
                raise RuntimeError(f"main.py exited {result.returncode}:\n{result.stderr}")
            summary.write_text(result.stdout, encoding="utf-8")
        return summary.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def synthesized(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    worker = hasattr(request.config, "workerinput")  # an xdist worker: the run's directory is shared by all
    workdir = tmp_path_factory.getbasetemp().parent / "synthesis" if worker else tmp_path_factory.mktemp("synthesis")
    stdout = _synthesize_once(workdir)
    outdir = workdir / "cdktf.out"
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    # In main.py's order, as its summary lists them (the manifest's is alphabetical).
    names = [line.split()[0] for line in stdout.splitlines()[1:]]
    assert sorted(names) == sorted(manifest["stacks"]), "main.py's summary lists other stacks than its manifest"
    return Synthesized(
        outdir=outdir,
        configs={config.environment: config for config in load_configuration(environ={}).environments},
        documents={name: json.loads((outdir / manifest["stacks"][name]["synthesizedStackPath"]).read_text(encoding="utf-8"))
                   for name in names},
        stdout=stdout,
    )
