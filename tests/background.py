"""Slow checks as background jobs that overlap with each other and with the rest of the suite.

A slow check (Terraform, checkov, a program run in a fresh interpreter) is a *job*: a function a
test module registers with :func:`background_job`. When the session starts, every job of a module with
a selected test that uses the ``background`` fixture is queued, with the jobs it ``needs`` (the session
synthesis of conftest.py is one): a job runs once every job it needs has finished, and reads their
results from its context, which re-raises a needed job's exception (the job decides whether it can go
on without). A few worker threads run the queue, the longest chain of work first, each job starting
its own processes, while the main thread runs the tests. A test asks for a job's outcome
with ``background.result(job)``; it waits if the job is still running, and an exception raised by the
job (or by a job it needs) fails every test that asks.

Nothing is cached between sessions: every job runs in a fresh directory of this session.
Jobs must not touch cdktf or jsii objects (not thread-safe); they start processes and read files.
Each process a job starts leads a process group of its own, so that cancelling the job (or ending the
session early) kills whatever that process started too.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Concurrent jobs. Terraform plans and synthesizing processes are CPU-bound: one job per core, the
#: main thread (session synthesis, fast tests) shares the cores with them.
WORKERS_VARIABLE = "TESTS_BACKGROUND_WORKERS"


@dataclass(eq=False)
class Job(Generic[T]):
    """A registered slow check. ``cost`` (seconds of CPU, roughly) orders the queue, with the cost of the jobs
    waiting for it: highest first; ``needs``: the jobs that must have finished before this one starts."""

    name: str
    module: str
    function: Callable[[JobContext], T]
    cost: float
    needs: tuple[Job[Any], ...]


@dataclass(frozen=True)
class JobContext:
    """What a job gets: a fresh directory of its own and the outcomes of the jobs it needs."""

    workdir: Path
    job: Job[Any]
    finished: Mapping[str, Future[Any]]

    def result(self, needed: Job[T]) -> T:
        """The return value of a job this one declared in ``needs``; re-raises that job's exception."""
        if needed not in self.job.needs:
            raise RuntimeError(f"background job {self.job.name!r} reads {needed.name!r} without declaring it in needs")
        try:
            return self.finished[needed.name].result()
        except Exception as error:
            raise RuntimeError(f"background job {self.job.name!r} needs {needed.name!r}, which failed: {error}") from error


_REGISTRY: list[Job[Any]] = []


def background_job(name: str, *, cost: float, needs: Sequence[Job[Any]] = ()) -> Callable[[Callable[[JobContext], T]], Job[T]]:
    """Registers the decorated function as a job of the calling test module."""

    def register(function: Callable[[JobContext], T]) -> Job[T]:
        if any(job.name == name for job in _REGISTRY):
            raise ValueError(f"background job {name!r} is registered twice")
        job = Job(name=name, module=function.__module__, function=function, cost=cost, needs=tuple(needs))
        _REGISTRY.append(job)
        return job

    return register


def jobs_of_modules(modules: Iterable[str]) -> list[Job[Any]]:
    """The jobs the test modules register (:meth:`BackgroundJobs.start` adds the jobs these need)."""
    wanted = set(modules)
    return [job for job in _REGISTRY if job.module in wanted]


def with_needs(jobs: Iterable[Job[Any]]) -> list[Job[Any]]:
    """The jobs and, transitively, every job they need, each once, a needed job before the jobs needing it."""
    ordered: list[Job[Any]] = []

    def visit(job: Job[Any]) -> None:
        if job not in ordered:
            for needed in job.needs:
                visit(needed)
            ordered.append(job)

    for job in jobs:
        visit(job)
    return ordered


@dataclass
class _Timing:
    queued: float
    started: float | None = None
    finished: float | None = None


class _ProcessTracker:
    """Remembers running child processes, each by the job that started it, so that a cancelled job or an
    aborted session does not leave them (or what they started) behind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[subprocess.Popen[str], str | None] = {}
        self._cancelled: set[str] = set()
        self.closed = False
        #: The job the calling worker thread runs (None on the main thread).
        self.current = threading.local()

    def run(self, command: Sequence[str], *, timeout: float, **options: Any) -> subprocess.CompletedProcess[str]:
        job = getattr(self.current, "job", None)
        with self._lock:
            if self.closed:
                raise RuntimeError("the test session is over")
            if job in self._cancelled:
                raise RuntimeError(f"background job {job!r} was cancelled")
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, process_group=0, **options
            )
            # Below the main thread's tests, whose order a developer watches; the jobs take the cores they leave.
            _lower_priority(process)
            self._running[process] = job
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            stdout, stderr = process.communicate()
            raise RuntimeError(f"{command[0]} did not finish within {timeout:.0f} s:\n{stderr}") from None
        finally:
            with self._lock:
                self._running.pop(process, None)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def cancelled(self, job: str) -> bool:
        with self._lock:
            return job in self._cancelled

    def kill_job(self, job: str) -> None:
        """Kills the job's processes and refuses it new ones."""
        with self._lock:
            self._cancelled.add(job)
            for process, owner in self._running.items():
                if owner == job:
                    _kill_group(process)

    def kill_all(self) -> None:
        with self._lock:
            self.closed = True
            for process in self._running:
                _kill_group(process)


#: The niceness of every process a job starts (its process group: what it starts inherits it).
JOB_NICENESS = 5


def _lower_priority(process: subprocess.Popen[str]) -> None:
    try:
        os.setpriority(os.PRIO_PGRP, process.pid, JOB_NICENESS)
    except ProcessLookupError:  # it has exited already
        pass


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # the group has gone already
        pass


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
        self._lock = threading.Lock()
        #: Started jobs (a needed job before the jobs needing it), and those still waiting for one they need.
        self._started: list[Job[Any]] = []
        self._blocked: list[Job[Any]] = []
        self._rank: dict[str, float] = {}
        self._threads = [threading.Thread(target=self._work, name=f"background-{index}", daemon=True)
                         for index in range(workers)]
        for thread in self._threads:
            thread.start()

    def start(self, jobs: Iterable[Job[Any]]) -> None:
        """Queues the jobs and the jobs they need; a job waits in :attr:`_blocked` until its needs finish."""
        with self._lock:
            for job in with_needs(jobs):
                if job.name in self._futures:
                    continue
                self._futures[job.name] = Future()
                self._started.append(job)
                self._blocked.append(job)
            self._rank_by_critical_path()
            self._release_unblocked()

    def _rank_by_critical_path(self) -> None:
        """A job's rank: its cost plus the highest rank of a started job that needs it, so that the queue
        runs first what the longest chain of work waits for."""
        self._rank.clear()
        for job in reversed(self._started):  # a job needing another comes after it
            dependents = [self._rank[other.name] for other in self._started if job in other.needs]
            self._rank[job.name] = job.cost + max(dependents, default=0.0)

    def cancel(self, job: Job[Any]) -> None:
        """Stops a job started in case it would be needed: kills its processes, or skips it if it has not begun.
        A test asking for its result gets an error that says so."""
        _TRACKER.kill_job(job.name)

    def result(self, job: Job[T]) -> T:
        """The job's return value, waiting for it; re-raises the job's exception."""
        future = self._futures.get(job.name)
        if future is None:
            raise RuntimeError(f"background job {job.name!r} was not started: its test module had no selected test")
        return future.result()

    def timings(self) -> list[tuple[str, float, float]]:
        """(job, seconds queued, seconds running) of every finished job, longest running first."""
        rows = [
            (f"{name} (cancelled)" if _TRACKER.cancelled(name) else name, timing.started - timing.queued,
             timing.finished - timing.started)
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

    def _release_unblocked(self) -> None:
        """Queues every blocked job whose needs have finished, succeeded or failed (call under the lock)."""
        still_blocked = []
        for job in self._blocked:
            if all(self._futures[need.name].done() for need in job.needs):
                self._timings[job.name] = _Timing(queued=time.perf_counter())
                self._queue.put((-self._rank[job.name], next(self._order), job))
            else:
                still_blocked.append(job)
        self._blocked = still_blocked

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            future, timing = self._futures[job.name], self._timings[job.name]
            timing.started = time.perf_counter()
            workdir = self._base / job.name.replace(" ", "-").replace("/", "-")
            needed = {need.name: self._futures[need.name] for need in job.needs}
            _TRACKER.current.job = job.name
            try:
                if _TRACKER.cancelled(job.name):
                    raise RuntimeError(f"background job {job.name!r} was cancelled: no selected test needs it")
                workdir.mkdir(parents=True)
                settle, outcome = future.set_result, job.function(JobContext(workdir, job, needed))
            except BaseException as error:  # noqa: BLE001 - handed to the tests that ask for the result
                settle, outcome = future.set_exception, error
            finally:
                _TRACKER.current.job = None
            timing.finished = time.perf_counter()
            with self._lock:
                settle(outcome)
                self._release_unblocked()


def default_workers() -> int:
    configured = os.environ.get(WORKERS_VARIABLE)
    if configured:
        return max(1, int(configured))
    return max(2, os.cpu_count() or 2)
