"""Fixtures of ``make e2e``: the emulator (one per pytest worker, on 127.0.0.1) and the offline provider mirror.

``make e2e`` runs ``pytest e2e -n 2 --dist loadscope``: each environment's round trip is one test class, and
each class runs in its own worker, with its own emulator, at the same time as the other.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from constructs_lib.offline import AwsMirror, find_aws_mirror

from .authorization import Facts, requests_for
from .bridges import ANSWERS, PATCHES
from .emulator import Emulator
from .round_trip import RoundTrip


@pytest.fixture(scope="session")
def mirror() -> AwsMirror:
    """The offline hashicorp/aws mirror (``TERRAFORM_PROVIDER_MIRROR`` or the usual places)."""
    found = find_aws_mirror()
    if shutil.which("terraform") is None or found is None:
        pytest.skip("make e2e needs the terraform CLI and a hashicorp/aws provider mirror (TERRAFORM_PROVIDER_MIRROR)")
    return found


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """moto on a free port of 127.0.0.1, with the bridges of e2e/bridges.py, recording every call."""
    facts = Facts()
    with Emulator(ANSWERS, [patch for _, _, patch in PATCHES], annotate=lambda call: requests_for(call, facts)) as server:
        yield server


@pytest.fixture(scope="class")
def trip(request: pytest.FixtureRequest, emulator: Emulator, mirror: AwsMirror,
         tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    """The round trip of the test class's ``environment``, prepared by the class (its stacks synthesized and copied)."""
    environment = request.cls.environment
    trip = RoundTrip(environment, emulator, mirror, tmp_path_factory.mktemp(environment))
    request.cls.prepare(trip)
    return trip


@pytest.fixture(autouse=True)
def phase_times(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each Terraform run's wall time, reported at the end of the session (from every worker)."""
    yield
    trip = request.node.funcargs.get("trip")
    if isinstance(trip, RoundTrip):
        for phase, step in trip.steps.items():
            if phase not in trip.reported:
                trip.reported.add(phase)
                request.node.user_properties.append(("phase", f"{trip.stack} {phase}: {step.seconds:.0f} s"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             if getattr(report, "when", "") == "teardown" or getattr(report, "when", "") == "call"
             for name, value in getattr(report, "user_properties", ()) if name == "phase"]
    if lines:
        terminalreporter.section("Terraform runs (wall time)")
        for line in sorted(set(lines)):
            terminalreporter.write_line(line)
