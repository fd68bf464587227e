"""Times `make test` as CI meets it (a fresh clone, its virtual environment already synced, no cache), then
`make check` in that clone as a developer meets it (their second run: Python's bytecode cache is there).

Used by ``bench/bench.py`` (``make bench``). Each round clones the current commit (``HEAD``: changes not
yet committed are not measured) into a new directory, links what ``make install`` put into this checkout
(the synced ``.venv`` and the workflow linter's ``node_modules``) into it and runs the test recipe of
``make test`` there (``make -o <stamps> test``: the install step is taken as done), then
``make -o <stamps> check``. Each run's CPU time (user + system of make and every process it waited for)
is measured with its wall time: on a machine shared with other work the wall time varies, the CPU time
much less. The five slowest tests come from pytest's JUnit report of the median run of ``make test``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Variables that change what is synthesized or how tests run; a CI machine does not set them.
_MACHINE_VARIABLES = (
    "PLATFORM_CLOUDS", "PLATFORM_ENVIRONMENTS", "CDKTF_OUTDIR", "TERRAFORM_STATE_BUCKET", "TERRAFORM_STATE_REGION",
    "GCP_STATE_BUCKET", "GOOGLE_CLOUD_PROJECT", "AWS_ACCOUNT_ID", "CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT", "IMAGE_TAG",
    "PYTEST_ADDOPTS",
)


#: What `make install` puts into a checkout (linked into each clone from this one), and its stamp files.
INSTALLED = (".venv", "tools/workflow-lint/node_modules")
INSTALL_STAMPS = (".venv/.synced", ".venv/.synced-dev", "tools/workflow-lint/node_modules/.installed")


@dataclass(frozen=True)
class Timed:
    """Wall time and CPU time (user + system, make and the processes it waited for) of one make run."""

    seconds: float
    cpu_seconds: float


@dataclass(frozen=True)
class SuiteRun:
    test: Timed
    slowest: tuple[tuple[float, str], ...]
    #: `make check` in the same clone, after `make test`.
    check: Timed


def _slowest_tests(junit_report: Path, count: int) -> tuple[tuple[float, str], ...]:
    cases = ElementTree.parse(junit_report).getroot().iter("testcase")
    timed = [(float(case.get("time", "0")), f"{case.get('classname')}::{case.get('name')}") for case in cases]
    return tuple(sorted(timed, key=lambda row: -row[0])[:count])


def run_suite_once(scratch: Path, round_number: int) -> SuiteRun:
    clone = scratch / f"clone-{round_number}"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    # The install step is taken as done: the synced Python environment and the workflow linter's packages.
    for installed in INSTALLED:
        (clone / installed).symlink_to(PROJECT_ROOT / installed)
    report = scratch / f"junit-{round_number}.xml"
    environment = {key: value for key, value in os.environ.items() if key not in _MACHINE_VARIABLES}
    environment["PYTEST_ADDOPTS"] = f"--junitxml={report}"
    test = _timed_make("test", clone, environment)
    check = _timed_make("check", clone, {key: value for key, value in environment.items() if key != "PYTEST_ADDOPTS"})
    return SuiteRun(test, _slowest_tests(report, 5), check)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_make(target: str, clone: Path, environment: dict[str, str]) -> Timed:
    started, cpu_before = time.perf_counter(), _cpu_of_children()
    result = subprocess.run(["make", *(f"-o{stamp}" for stamp in INSTALL_STAMPS), target], cwd=clone, env=environment,
                            capture_output=True, text=True, check=False)
    timed = Timed(time.perf_counter() - started, _cpu_of_children() - cpu_before)
    if result.returncode != 0:
        sys.exit(f"make {target} failed in the fresh clone (exit {result.returncode}):\n"
                 f"{result.stdout[-4000:]}{result.stderr[-2000:]}")
    return timed


def suite_figures(rounds: int) -> tuple[SuiteRun, Timed]:
    """Runs the suite ``rounds`` times in fresh clones; prints each run; returns the median run of `make test`
    and the median `make check` (each median by wall time)."""
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    if dirty:
        print("note: uncommitted changes are not measured; the suite runs on a clone of HEAD")
    runs: list[SuiteRun] = []
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as scratch:
        for round_number in range(1, rounds + 1):
            run = run_suite_once(Path(scratch), round_number)
            runs.append(run)
            print(f"round {round_number}  make test (fresh clone) {run.test.seconds:7.2f} s ({run.test.cpu_seconds:6.1f} s CPU)"
                  f"   then make check {run.check.seconds:6.2f} s ({run.check.cpu_seconds:5.1f} s CPU)", flush=True)
    median = statistics.median_low(run.test.seconds for run in runs)
    check_median = statistics.median_low(run.check.seconds for run in runs)
    return (next(run for run in runs if run.test.seconds == median),
            next(run.check for run in runs if run.check.seconds == check_median))
