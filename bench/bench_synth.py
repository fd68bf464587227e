"""Times `main.py` synthesizing every stack against an ordinary hello-world cdktf app, in one run.

Used by ``bench/bench.py`` (``make bench``). Each round runs both programs once, alternating, each in
a fresh interpreter (so each pays the provider import and the jsii start-up), measures its CPU time
(user + system of the process and its children) and samples the resident memory of the whole process
tree (Python and its Node.js jsii runtime) every 20 ms.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
HELLO_WORLD = "hello-world"
MAIN = "main.py (all stacks)"


@dataclass(frozen=True)
class Run:
    program: str
    seconds: float
    cpu_seconds: float
    peak_mib: float


@dataclass(frozen=True)
class Medians:
    """A program's median wall time and median CPU time over its rounds."""

    seconds: float
    cpu_seconds: float


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    return children


def _tree_rss_mib(root: int) -> float:
    children, pending, total_pages = _children(), [root], 0
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                total_pages += int(handle.read().split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return total_pages * PAGE_KIB / 1024


def measure(program: str, command: list[str], environment: dict[str, str]) -> Run:
    peak = 0.0
    started, cpu_before = time.perf_counter(), _cpu_of_children()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mib(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds, cpu_seconds = time.perf_counter() - started, _cpu_of_children() - cpu_before
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{program} failed with exit status {process.returncode}:\n{stderr.decode(errors='replace')}")
    return Run(program, seconds, cpu_seconds, peak)


def synthesis_environment() -> dict[str, str]:
    """This environment without the variables that select stacks or turn the fast provider loading off."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PLATFORM_CLOUDS", "PLATFORM_ENVIRONMENTS", "CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT")}
    environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    return environment


def alternate(programs: dict[str, list[str]], rounds: int, environment: dict[str, str]) -> dict[str, Medians]:
    """Runs the programs ``rounds`` times, alternating; prints each run and the medians; returns the medians."""
    width = max(len(program) for program in programs)
    runs: list[Run] = []
    for round_number in range(1, rounds + 1):
        for program, command in programs.items():
            run = measure(program, command, environment)
            runs.append(run)
            print(f"round {round_number}  {program:<{width}} {run.seconds:7.2f} s  {run.cpu_seconds:6.2f} s CPU  "
                  f"peak {run.peak_mib:7.0f} MiB", flush=True)

    medians = {program: Medians(statistics.median(run.seconds for run in runs if run.program == program),
                                statistics.median(run.cpu_seconds for run in runs if run.program == program))
               for program in programs}
    peaks = {program: max(run.peak_mib for run in runs if run.program == program) for program in programs}
    for program in programs:
        print(f"median {program:<{width}} {medians[program].seconds:7.2f} s  {medians[program].cpu_seconds:6.2f} s CPU  "
              f"peak {peaks[program]:7.0f} MiB")
    return medians


def synthesis_figures(rounds: int) -> dict[str, Medians]:
    """Runs both programs ``rounds`` times, alternating; prints each run and the medians; returns the medians."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as scratch:
        programs = {
            HELLO_WORLD: [sys.executable, str(PROJECT_ROOT / "bench" / "hello_world_app.py"), f"{scratch}/hello"],
            MAIN: [sys.executable, str(PROJECT_ROOT / "main.py"), "--outdir", f"{scratch}/main"],
        }
        return alternate(programs, rounds, synthesis_environment())
