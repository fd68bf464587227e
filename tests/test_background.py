"""The background job queue itself (tests/background.py): cancelling a job leaves nothing running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from .background import BackgroundJobs, Job, JobContext, run_process


@pytest.mark.slow  # a fresh process
def test_a_cancelled_job_is_killed_with_what_it_started(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def sleeper(context: JobContext) -> int:
        # A process that starts another and waits for it, as main.py waits for its process per cloud.
        return run_process(["sh", "-c", f"sleep 60 & echo $! > {started}.tmp && mv {started}.tmp {started}; wait"],
                           timeout=60).returncode

    job = Job(name="test: a sleeper and its child", module=__name__, function=sleeper, cost=1, needs=())
    jobs = BackgroundJobs(tmp_path / "jobs", workers=1)
    jobs.start([job])
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline, "the job did not start its processes"
        time.sleep(0.05)
    jobs.cancel(job)
    assert jobs.result(job) == -9  # SIGKILL, long before the sleep's 60 s
    grandchild = int(started.read_text())
    deadline = time.monotonic() + 10
    while _alive(grandchild):
        assert time.monotonic() < deadline, "the process the job's process started is still running"
        time.sleep(0.05)
    assert "test: a sleeper and its child (cancelled)" in [name for name, _, _ in jobs.timings()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().rsplit(")", 1)[1].split()[0] == "Z")  # a zombie is dead
