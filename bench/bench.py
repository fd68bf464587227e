#!/usr/bin/env python3
"""`make bench`: the project's performance figures and budgets, measured in one run.

    .venv/bin/python bench/bench.py [--rounds 3] [--suite-rounds 3] [--record]

1. Synthesis: `main.py` (all stacks) against an ordinary hello-world cdktf app (``bench_synth.py``);
   budget: the ratio of the medians at most ``SYNTH_RATIO_BUDGET``.
2. The test suite as CI meets it (``bench_suite.py``); budget: the median wall time at most
   ``SUITE_BUDGET_SECONDS``, and of the inner loop `make check` at most ``CHECK_BUDGET_SECONDS``. Exceeding
   a budget by up to ``TOLERANCE`` is reported; beyond that the bench fails.
3. The risk diff of every stack once both outputs exist (``bench_diff.py``); budget ``DIFF_BUDGET_SECONDS``.
4. Synthesis on CDK Terrain (cdktn) against CDKTF, all stacks (``bench_cdktn.py``); budget: the ratio of
   the medians at most ``CDKTN_RATIO_BUDGET``.

Every figure is a wall time, printed with its CPU time: other work on the same cores slows the wall
times, much less the CPU times, so on a shared machine compare CPU times (and ratios taken in one run).
``--record`` appends the figures to ``bench/results.csv`` (one row per measure: date, commit, measure,
value, unit, note), the history of the project's performance. Exit status 1 when a budget is broken
beyond its tolerance.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cdktn import CDKTN_RATIO_BUDGET, cdktn_synthesis_ratio  # noqa: E402
from bench_diff import diff_figures  # noqa: E402
from bench_suite import suite_figures  # noqa: E402
from bench_synth import HELLO_WORLD, MAIN, synthesis_figures  # noqa: E402

RESULTS = Path(__file__).resolve().with_name("results.csv")
SYNTH_RATIO_BUDGET = 0.25
SUITE_BUDGET_SECONDS = 75.0
CHECK_BUDGET_SECONDS = 15.0
DIFF_BUDGET_SECONDS = 0.5
TOLERANCE = 0.30


def verdict(name: str, value: float, budget: float, unit: str, tolerance: float) -> bool:
    """Prints how ``value`` compares with ``budget``; False when it exceeds the budget beyond ``tolerance``."""
    over = value / budget - 1
    if over <= 0:
        print(f"{name}: {value:.3f}{unit} within the budget of {budget:g}{unit}")
        return True
    tolerated = over <= tolerance
    status = "tolerated" if tolerated else "FAILS"
    print(f"{name}: {value:.3f}{unit} exceeds the budget of {budget:g}{unit} by {over:.0%} "
          f"({status}: at most {tolerance:.0%} over)")
    return tolerated


def record(figures: list[tuple[str, float, str]], note: str) -> None:
    """Appends one row per figure to :data:`RESULTS`: today's date and the measured commit."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent, capture_output=True,
                            text=True, check=True).stdout.strip()
    today = datetime.date.today().isoformat()
    with RESULTS.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [today, commit, measure, f"{value:.3f}", unit, note] for measure, value, unit in figures)
    print(f"recorded {len(figures)} figures in {RESULTS.name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="synthesis runs of each program (default 3)")
    parser.add_argument("--suite-rounds", type=int, default=3, help="test suite runs, each in a fresh clone (default 3)")
    parser.add_argument("--record", action="store_true", help=f"append the figures to {RESULTS.name}")
    arguments = parser.parse_args()
    if arguments.rounds < 1 or arguments.suite_rounds < 1:
        parser.error("--rounds and --suite-rounds must be at least 1")
    load = f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores before the bench"
    print(load)

    print("\n== synthesis ==")
    medians = synthesis_figures(arguments.rounds)
    ratio = medians[MAIN].seconds / medians[HELLO_WORLD].seconds
    print(f"ratio main.py / hello-world {ratio:.3f} (CPU time {medians[MAIN].cpu_seconds / medians[HELLO_WORLD].cpu_seconds:.3f})")
    cdktn_ratio = cdktn_synthesis_ratio(arguments.rounds)

    print("\n== risk diff (main.py diff) ==")
    diff_seconds, _ = diff_figures(rounds=5)

    print("\n== test suite (make test) ==")
    suite, check = suite_figures(arguments.suite_rounds)
    print("five slowest tests of the median run (setup + call + teardown):")
    for seconds, test in suite.slowest:
        print(f"  {seconds:6.2f} s  {test}")

    print("\n== budgets ==")
    within = [
        verdict("synthesis ratio main.py / hello-world", ratio, SYNTH_RATIO_BUDGET, "", 0.0),
        verdict("synthesis ratio cdktn / cdktf (all stacks)", cdktn_ratio, CDKTN_RATIO_BUDGET, "", 0.0),
        verdict("make test median wall time", suite.test.seconds, SUITE_BUDGET_SECONDS, " s", TOLERANCE),
        verdict("make check median wall time", check.seconds, CHECK_BUDGET_SECONDS, " s", TOLERANCE),
        verdict("risk diff of every stack", diff_seconds, DIFF_BUDGET_SECONDS, " s", 0.0),
    ]
    if arguments.record:
        record([
            ("synthesis hello-world median", medians[HELLO_WORLD].seconds, "s"),
            ("synthesis hello-world median CPU", medians[HELLO_WORLD].cpu_seconds, "s"),
            ("synthesis main.py median", medians[MAIN].seconds, "s"),
            ("synthesis main.py median CPU", medians[MAIN].cpu_seconds, "s"),
            ("synthesis ratio main.py / hello-world", ratio, ""),
            ("synthesis ratio cdktn / cdktf", cdktn_ratio, ""),
            ("risk diff of every stack", diff_seconds, "s"),
            ("make test median", suite.test.seconds, "s"),
            ("make test CPU (median run)", suite.test.cpu_seconds, "s"),
            ("make check median", check.seconds, "s"),
            ("make check CPU (median run)", check.cpu_seconds, "s"),
        ], f"make bench, {arguments.rounds} synthesis and {arguments.suite_rounds} suite rounds, {load}")
    return 0 if all(within) else 1


if __name__ == "__main__":
    sys.exit(main())
