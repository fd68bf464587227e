"""Times the risk diff (`python main.py diff OLD NEW`) of every stack once both outputs exist.

Used by ``bench/bench.py``. Synthesizes the working tree once, copies the output and changes the copy
the way a risky pull request would (a bucket renamed, prod capacity lowered, a retention shortened),
then loads, compares and renders both outputs ``rounds`` times in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from constructs_lib.analysis.review.comparison import compare_outputs  # noqa: E402
from constructs_lib.analysis.review.loading import load_output  # noqa: E402
from constructs_lib.analysis.review.rendering import render  # noqa: E402


def _mutate(outdir: Path) -> None:
    for stack_file in outdir.glob("stacks/*-prod/cdk.tf.json"):
        document = json.loads(stack_file.read_text(encoding="utf-8"))
        for kind, bodies in document.get("resource", {}).items():
            for body in bodies.values():
                if kind == "aws_s3_bucket" and "bucket_prefix" in body:
                    body["bucket_prefix"] = "renamed-" + body["bucket_prefix"]
                if kind == "aws_appautoscaling_target":
                    body["min_capacity"] = 1
                if kind == "aws_cloudwatch_log_group":
                    body["retention_in_days"] = 7
        stack_file.write_text(json.dumps(document), encoding="utf-8")


def diff_figures(rounds: int) -> tuple[float, int]:
    """Median seconds of load + compare + render over ``rounds``, and the number of stacks compared."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PLATFORM_CLOUDS", "PLATFORM_ENVIRONMENTS")}
    environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as scratch:
        old, new = Path(scratch) / "old", Path(scratch) / "new"
        subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "--outdir", str(old)], check=True,
                       capture_output=True, env=environment)
        shutil.copytree(old, new)
        _mutate(new)
        seconds = []
        stacks = 0
        for _ in range(rounds):
            started = time.perf_counter()
            review = compare_outputs(load_output(old), load_output(new))
            render(review, "markdown")
            seconds.append(time.perf_counter() - started)
            stacks = len(list(old.glob("stacks/*/cdk.tf.json")))
    median = statistics.median(seconds)
    print(f"risk diff of {stacks} stacks (load, compare, render): median {median * 1000:.0f} ms over {rounds} rounds")
    return median, stacks
