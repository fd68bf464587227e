"""The platform is synthesized once per test session; every test reads that one result.

Slow checks (Terraform, checkov, programs in a fresh interpreter) run as background jobs
(``tests/background.py``) that start with the session and overlap; tests that wait for one use the
``background`` fixture and are marked ``slow``, as are tests that synthesize again; ``make check``
leaves those out.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.rules import TERRAFORM_TARGET_VERSIONS

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Every App the tests make (``Testing.app()`` too) targets the Terraform releases main.py's App targets: CDK
# Terrain reads this context from the environment when the App is made, and checks write-only arguments against it.
os.environ["CDKTF_CONTEXT_JSON"] = json.dumps({"targetVersions": TERRAFORM_TARGET_VERSIONS})

from config import CLOUDS, EnvironmentConfig, load_configuration  # noqa: E402

from .background import BackgroundJobs, default_workers, jobs_of_modules  # noqa: E402
from .helpers import stack_id  # noqa: E402

# Configuration and backends read no variables from the machine running the tests.
HERMETIC_ENVIRON: dict[str, str] = {}
_SESSION_JOBS = pytest.StashKey[BackgroundJobs]()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "background" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def background_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundJobs]:
    """Starts, before the first test, the jobs of every module with a selected test that waits for one."""
    modules = {item.module.__name__ for item in request.session.items
               if "background" in getattr(item, "fixturenames", ()) and item.module is not None}
    jobs = BackgroundJobs(tmp_path_factory.mktemp("background"), workers=default_workers())
    request.config.stash[_SESSION_JOBS] = jobs
    jobs.start(jobs_of_modules(modules))
    try:
        yield jobs
    finally:
        jobs.close()


@pytest.fixture(scope="session")
def background(background_session: BackgroundJobs) -> BackgroundJobs:
    """The session's background jobs, for a test that waits for one (which marks it ``slow``)."""
    return background_session


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    jobs = config.stash.get(_SESSION_JOBS, None)
    rows = jobs.timings() if jobs is not None else []
    if rows:
        terminalreporter.section("background jobs (seconds queued, running)")
        for name, queued, running in rows:
            terminalreporter.write_line(f"{running:6.1f} s  {name}  (queued {queued:.1f} s)")


@dataclass(frozen=True)
class Synthesized:
    """All stacks as written by the same code path as `make synth`."""

    outdir: Path
    configs: dict[str, EnvironmentConfig]
    documents: dict[str, dict[str, Any]]
    #: Every module imported once the synthesis was done (which provider modules it loaded).
    loaded_modules: frozenset[str]

    def stack(self, cloud: str, environment: str) -> dict[str, Any]:
        return self.documents[stack_id(cloud, environment)]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory, background_session: BackgroundJobs) -> Synthesized:
    from stacks.synthesis import synthesize

    configuration = load_configuration(environ=HERMETIC_ENVIRON)
    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    written = synthesize(configuration, CLOUDS, outdir)
    background_session.synthesis_ready(outdir)
    return Synthesized(
        outdir=outdir,
        configs={config.environment: config for config in configuration.environments},
        documents={stack.name: json.loads(stack.path.read_text(encoding="utf-8")) for stack in written},
        loaded_modules=frozenset(sys.modules),
    )
