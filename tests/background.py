"""Slow checks as background jobs that overlap with each other and with the rest of the suite.

A slow check (Terraform, checkov, a program run in a fresh interpreter) is a *job*: a function a
test module registers with :func:`background_job`. When the session starts, every job whose module
has a selected test that uses the ``background`` fixture is queued: jobs that read the synthesized
output as soon as the session synthesis is written, the others at once. A few worker threads run
the queue, most expensive job first, each job starting its own processes, while the main thread
synthesizes and runs the fast tests. A test asks for a job's outcome with ``background.result(job)``;
it waits if the job is still running, and an exception raised by the job fails every test that asks.

Nothing is cached between sessions: every job runs in a fresh directory of this session.
Jobs must not touch cdktf or jsii objects (not thread-safe); they start processes and read files.
"""

from __future__ import annotations

import itertools
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Concurrent jobs. Terraform plans and synthesizing processes are CPU-bound: one job per core, the
#: main thread (session synthesis, fast tests) shares the cores with them.
WORKERS_VARIABLE = "TESTS_BACKGROUND_WORKERS"


@dataclass(frozen=True)
class JobContext:
    """What a job gets: a fresh directory of its own and, for ``after_synthesis`` jobs, the output."""

    workdir: Path
    synthesized_outdir: Path | None


@dataclass(eq=False)
class Job(Generic[T]):
    """A registered slow check. ``cost`` (seconds of CPU, roughly) orders the queue: highest first."""

    name: str
    module: str
    function: Callable[[JobContext], T]
    after_synthesis: bool
    cost: float


_REGISTRY: list[Job[Any]] = []


def background_job(name: str, *, cost: float, after_synthesis: bool = False) -> Callable[[Callable[[JobContext], T]], Job[T]]:
    """Registers the decorated function as a job of the calling test module."""

    def register(function: Callable[[JobContext], T]) -> Job[T]:
        if any(job.name == name for job in _REGISTRY):
            raise ValueError(f"background job {name!r} is registered twice")
        job = Job(name=name, module=function.__module__, function=function, after_synthesis=after_synthesis, cost=cost)
        _REGISTRY.append(job)
        return job

    return register


def jobs_of_modules(modules: Iterable[str]) -> list[Job[Any]]:
    wanted = set(modules)
    return [job for job in _REGISTRY if job.module in wanted]


@dataclass
class _Timing:
    queued: float
    started: float | None = None
    finished: float | None = None


class _ProcessTracker:
    """Remembers running child processes so an aborted session does not leave them behind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self.closed = False

    def run(self, command: Sequence[str], *, timeout: float, **options: Any) -> subprocess.CompletedProcess[str]:
        with self._lock:
            if self.closed:
                raise RuntimeError("the test session is over")
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options
            )
            self._running.add(process)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise RuntimeError(f"{command[0]} did not finish within {timeout:.0f} s:\n{stderr}") from None
        finally:
            with self._lock:
                self._running.discard(process)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def kill_all(self) -> None:
        with self._lock:
            self.closed = True
            for process in self._running:
                process.kill()


_TRACKER = _ProcessTracker()


def run_process(command: Sequence[str], *, timeout: float = 600, **options: Any) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(command, capture_output=True, text=True)`` for jobs; killed if the session ends early."""
    return _TRACKER.run(command, timeout=timeout, **options)


class BackgroundJobs:
    """The session's job queue and its worker threads."""

    def __init__(self, base: Path, workers: int) -> None:
        self._base = base
        self._queue: queue.PriorityQueue[tuple[float, int, Job[Any] | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._futures: dict[str, Future[Any]] = {}
        self._timings: dict[str, _Timing] = {}
        self._waiting_for_synthesis: list[Job[Any]] = []
        self._synthesized_outdir: Path | None = None
        self._threads = [threading.Thread(target=self._work, name=f"background-{index}", daemon=True)
                         for index in range(workers)]
        for thread in self._threads:
            thread.start()

    def start(self, jobs: Iterable[Job[Any]]) -> None:
        """Queues jobs; those that need the synthesized output wait for :meth:`synthesis_ready`."""
        for job in jobs:
            if job.name in self._futures:
                continue
            self._futures[job.name] = Future()
            if job.after_synthesis and self._synthesized_outdir is None:
                self._waiting_for_synthesis.append(job)
            else:
                self._enqueue(job)

    def synthesis_ready(self, outdir: Path) -> None:
        self._synthesized_outdir = outdir
        waiting, self._waiting_for_synthesis = self._waiting_for_synthesis, []
        for job in waiting:
            self._enqueue(job)

    def result(self, job: Job[T]) -> T:
        """The job's return value, waiting for it; re-raises the job's exception."""
        future = self._futures.get(job.name)
        if future is None:
            raise RuntimeError(f"background job {job.name!r} was not started: its test module had no selected test")
        if job in self._waiting_for_synthesis:
            raise RuntimeError(f"background job {job.name!r} waits for the `synthesized` fixture, which no test requested")
        return future.result()

    def timings(self) -> list[tuple[str, float, float]]:
        """(job, seconds queued, seconds running) of every finished job, longest running first."""
        rows = [
            (name, timing.started - timing.queued, timing.finished - timing.started)
            for name, timing in self._timings.items()
            if timing.started is not None and timing.finished is not None
        ]
        return sorted(rows, key=lambda row: -row[2])

    def close(self) -> None:
        """Stops the workers; kills processes of jobs still running (an aborted session)."""
        _TRACKER.kill_all()
        for _ in self._threads:
            self._queue.put((float("inf"), next(self._order), None))
        for thread in self._threads:
            thread.join(timeout=30)

    def _enqueue(self, job: Job[Any]) -> None:
        self._timings[job.name] = _Timing(queued=time.perf_counter())
        self._queue.put((-job.cost, next(self._order), job))

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            future, timing = self._futures[job.name], self._timings[job.name]
            timing.started = time.perf_counter()
            workdir = self._base / job.name.replace(" ", "-").replace("/", "-")
            try:
                workdir.mkdir(parents=True)
                future.set_result(job.function(JobContext(workdir, self._synthesized_outdir)))
            except BaseException as error:  # noqa: BLE001 - handed to the tests that ask for the result
                future.set_exception(error)
            finally:
                timing.finished = time.perf_counter()


def default_workers() -> int:
    configured = os.environ.get(WORKERS_VARIABLE)
    if configured:
        return max(1, int(configured))
    return max(2, os.cpu_count() or 2)
