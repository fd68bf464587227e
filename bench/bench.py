#!/usr/bin/env python3
"""`make bench`: the project's performance figures and budgets, measured in one run.

    .venv/bin/python bench/bench.py [--rounds 3] [--suite-rounds 3]

1. Synthesis: `main.py` (all stacks) against an ordinary hello-world cdktf app (``bench_synth.py``);
   budget: the ratio of the medians at most ``SYNTH_RATIO_BUDGET``.
2. The test suite as CI meets it (``bench_suite.py``); budget: the median wall time at most
   ``SUITE_BUDGET_SECONDS``, and of the inner loop `make check` at most ``CHECK_BUDGET_SECONDS``. Exceeding
   a budget by up to ``TOLERANCE`` is reported; beyond that the bench fails.
3. The risk diff of every stack once both outputs exist (``bench_diff.py``); budget ``DIFF_BUDGET_SECONDS``.
4. Synthesis on CDK Terrain (cdktn) against CDKTF, all stacks (``bench_cdktn.py``); budget: the ratio of
   the medians at most ``CDKTN_RATIO_BUDGET``.

Exit status 1 when a budget is broken beyond its tolerance. Run it on a quiet machine: the figures
are wall times, and other work on the same cores slows every one of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cdktn import CDKTN_RATIO_BUDGET, cdktn_synthesis_ratio  # noqa: E402
from bench_diff import diff_figures  # noqa: E402
from bench_suite import suite_figures  # noqa: E402
from bench_synth import HELLO_WORLD, MAIN, synthesis_figures  # noqa: E402

SYNTH_RATIO_BUDGET = 0.25
SUITE_BUDGET_SECONDS = 55.0
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="synthesis runs of each program (default 3)")
    parser.add_argument("--suite-rounds", type=int, default=3, help="test suite runs, each in a fresh clone (default 3)")
    arguments = parser.parse_args()
    if arguments.rounds < 1 or arguments.suite_rounds < 1:
        parser.error("--rounds and --suite-rounds must be at least 1")
    print(f"load average before the bench: {' '.join(f'{load:.2f}' for load in os.getloadavg())} "
          f"on {os.cpu_count()} cores")

    print("\n== synthesis ==")
    medians = synthesis_figures(arguments.rounds)
    ratio = medians[MAIN] / medians[HELLO_WORLD]
    cdktn_ratio = cdktn_synthesis_ratio(arguments.rounds)

    print("\n== risk diff (main.py diff) ==")
    diff_seconds, _ = diff_figures(rounds=5)

    print("\n== test suite (make test) ==")
    suite, check_seconds = suite_figures(arguments.suite_rounds)
    print("five slowest tests of the median run (setup + call + teardown):")
    for seconds, test in suite.slowest:
        print(f"  {seconds:6.2f} s  {test}")
    if suite.background_jobs:
        print("its background jobs (running time):")
        for line in suite.background_jobs:
            print(f"  {line}")

    print("\n== budgets ==")
    within = [
        verdict("synthesis ratio main.py / hello-world", ratio, SYNTH_RATIO_BUDGET, "", 0.0),
        verdict("synthesis ratio cdktn / cdktf (all stacks)", cdktn_ratio, CDKTN_RATIO_BUDGET, "", 0.0),
        verdict("make test median wall time", suite.seconds, SUITE_BUDGET_SECONDS, " s", TOLERANCE),
        verdict("make check median wall time", check_seconds, CHECK_BUDGET_SECONDS, " s", TOLERANCE),
        verdict("risk diff of every stack", diff_seconds, DIFF_BUDGET_SECONDS, " s", 0.0),
    ]
    return 0 if all(within) else 1


if __name__ == "__main__":
    sys.exit(main())
