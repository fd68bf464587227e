"""The platform is synthesized once per test session, by main.py in a fresh interpreter exactly as
`make synth` runs it; every test reads that one result.

The synthesis and the slow checks (Terraform, checkov, programs in a fresh interpreter) run as background
jobs (``tests/background.py``) that overlap: the synthesis starts before the tests are collected, the slow
checks once they are selected; the tests that read no synthesized stack run first, while main.py works.
Tests that wait for a slow check use the ``background`` fixture and are marked ``slow``, as are tests that
synthesize again or run another program; ``make check`` leaves those out.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.rules import TERRAFORM_TARGET_VERSIONS

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Every App the tests make (``Testing.app()`` too) targets the Terraform releases main.py's App targets: CDK
# Terrain reads this context from the environment when the App is made, and checks write-only arguments against it.
os.environ["CDKTF_CONTEXT_JSON"] = json.dumps({"targetVersions": TERRAFORM_TARGET_VERSIONS})

from config import EnvironmentConfig, load_configuration  # noqa: E402
from stacks.type_hints import evaluate_jsii_stub_hints_once  # noqa: E402

from .background import (  # noqa: E402
    BackgroundJobs, JobContext, background_job, default_workers, jobs_of_modules, run_process, with_needs,
)
from .helpers import PROJECT_ROOT, stack_id, subprocess_environment  # noqa: E402

# The test process synthesizes in-process too: the argument checks of the bindings as main.py runs them.
evaluate_jsii_stub_hints_once()

# Configuration and backends read no variables from the machine running the tests.
HERMETIC_ENVIRON: dict[str, str] = {}
_SESSION_JOBS = pytest.StashKey[BackgroundJobs]()


def _uses(item: pytest.Item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the tests that wait for a background job ``slow``, and orders the tests (each group in its
    order): first those that read no synthesized stack, which run while the session synthesis does, then
    those that read it, last those that wait for a background job, so that the main thread runs every
    other test while the jobs run instead of waiting for one early."""
    for item in items:
        if _uses(item, "background"):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: (_uses(item, "background"), _uses(item, "synthesized")))


@dataclass(frozen=True)
class MainRun:
    """What main.py wrote and printed."""

    outdir: Path
    stdout: str


# Its cost counts the tests of the main thread that wait for it, besides its own ~8 s.
@background_job("session synthesis: main.py, every stack", cost=30)
def session_synthesis(context: JobContext) -> MainRun:
    """`python main.py` as `make synth` runs it (a fresh interpreter), from another working directory."""
    result = run_process([sys.executable, str(PROJECT_ROOT / "main.py"), "--outdir", "cdktf.out"],
                         cwd=context.workdir, env=subprocess_environment())
    if result.returncode:
        raise RuntimeError(f"main.py exited {result.returncode}:\n{result.stderr}")
    return MainRun(outdir=context.workdir / "cdktf.out", stdout=result.stdout)


def _session_jobs(config: pytest.Config) -> BackgroundJobs:
    if _SESSION_JOBS not in config.stash:
        base = config._tmp_path_factory.mktemp("background")  # the tmp_path_factory fixture's factory
        config.stash[_SESSION_JOBS] = BackgroundJobs(base, workers=default_workers())
    return config.stash[_SESSION_JOBS]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Starts the session synthesis before collection, on the core that collection leaves idle: most runs read
    it (``make check`` and ``make test`` do). Cancelled once the selected tests turn out not to."""
    if not session.config.option.collectonly:
        _session_jobs(session.config).start([session_synthesis])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are selected: starts the jobs of every module with a selected test that waits for one (and
    the jobs these need), and cancels the session synthesis when neither a selected test nor one of those jobs
    reads it."""
    if session.config.option.collectonly:
        return
    items = session.items
    modules = {item.module.__name__ for item in items if _uses(item, "background") and item.module is not None}
    needed = with_needs(([session_synthesis] if any(_uses(item, "synthesized") for item in items) else [])
                        + jobs_of_modules(modules))
    jobs = _session_jobs(session.config)
    if session_synthesis not in needed:
        jobs.cancel(session_synthesis)
    jobs.start(needed)


def pytest_sessionfinish(session: pytest.Session) -> None:
    jobs = session.config.stash.get(_SESSION_JOBS, None)
    if jobs is not None:
        jobs.close()


@pytest.fixture(scope="session")
def background_session(request: pytest.FixtureRequest) -> BackgroundJobs:
    """The session's background jobs (started by the collection hooks above)."""
    return _session_jobs(request.config)


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
    """All stacks as `make synth` writes them (main.py in a fresh interpreter)."""

    outdir: Path
    configs: dict[str, EnvironmentConfig]
    documents: dict[str, dict[str, Any]]
    #: What main.py printed: the summary of the stacks it wrote.
    stdout: str

    def stack(self, cloud: str, environment: str) -> dict[str, Any]:
        return self.documents[stack_id(cloud, environment)]


@pytest.fixture(scope="session")
def synthesized(background_session: BackgroundJobs) -> Synthesized:
    run = background_session.result(session_synthesis)
    configuration = load_configuration(environ=HERMETIC_ENVIRON)
    manifest = json.loads((run.outdir / "manifest.json").read_text(encoding="utf-8"))
    # In main.py's order, as its summary lists them (the manifest's is alphabetical).
    names = [line.split()[0] for line in run.stdout.splitlines()[1:]]
    assert sorted(names) == sorted(manifest["stacks"]), "main.py's summary lists other stacks than its manifest"
    return Synthesized(
        outdir=run.outdir,
        configs={config.environment: config for config in configuration.environments},
        documents={name: json.loads((run.outdir / manifest["stacks"][name]["synthesizedStackPath"]).read_text(encoding="utf-8"))
                   for name in names},
        stdout=run.stdout,
    )
