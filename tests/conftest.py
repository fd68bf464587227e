"""The platform is synthesized once per test session; every test reads that one result."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from config import CLOUDS, EnvironmentConfig, load_configuration  # noqa: E402

from .helpers import stack_id  # noqa: E402

# Configuration and backends read no variables from the machine running the tests.
HERMETIC_ENVIRON: dict[str, str] = {}


@dataclass(frozen=True)
class Synthesized:
    """All six stacks as written by the same code path as `make synth`."""

    outdir: Path
    configs: dict[str, EnvironmentConfig]
    documents: dict[str, dict[str, Any]]

    def stack(self, cloud: str, environment: str) -> dict[str, Any]:
        return self.documents[stack_id(cloud, environment)]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from stacks.synthesis import synthesize

    configuration = load_configuration(environ=HERMETIC_ENVIRON)
    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    written = synthesize(configuration, CLOUDS, outdir)
    return Synthesized(
        outdir=outdir,
        configs={config.environment: config for config in configuration.environments},
        documents={stack.name: json.loads(stack.path.read_text(encoding="utf-8")) for stack in written},
    )
