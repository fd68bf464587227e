"""Times the synthesis of all stacks on CDK Terrain (cdktn) against the same on CDKTF, side by side.

Used by ``bench/bench.py`` (``make bench``, which installs the cdktn environment ``compat/.venv``).
Builds the renamed tree of the working tree once (``compat/rename.py``), then runs ``main.py`` here
with the cdktf environment and the renamed ``main.py`` with the cdktn one, alternating, each in a fresh
interpreter, timed and memory-sampled as ``bench_synth.py`` does. One untimed run of each comes first,
so that neither pays for filling the jsii package cache. Budget: the cdktn median at most
``CDKTN_RATIO_BUDGET`` times the cdktf median (both hooks must recognize the cdktn packages: without
them the cdktn synthesis takes about three times as long).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench_synth import PROJECT_ROOT, alternate, measure, synthesis_environment

sys.path.insert(0, str(PROJECT_ROOT))

from compat.rename import write_tree  # noqa: E402

CDKTN_RATIO_BUDGET = 1.2
CDKTN_PYTHON = PROJECT_ROOT / "compat" / ".venv" / "bin" / "python"
CDKTF = "cdktf main.py"
CDKTN = "cdktn main.py (renamed)"


def cdktn_synthesis_ratio(rounds: int) -> float:
    """Prints each run and the medians; returns the cdktn median over the cdktf median."""
    print("\n== synthesis on CDK Terrain (cdktn) against CDKTF ==")
    if not CDKTN_PYTHON.exists():
        sys.exit(f"{CDKTN_PYTHON} does not exist: run `make bench` (it installs the cdktn environment)")
    environment = synthesis_environment()
    with tempfile.TemporaryDirectory(prefix="bench-cdktn-") as scratch:
        tree = Path(scratch) / "tree"
        write_tree(PROJECT_ROOT, tree)
        programs = {
            CDKTF: [sys.executable, str(PROJECT_ROOT / "main.py"), "--outdir", f"{scratch}/cdktf"],
            CDKTN: [str(CDKTN_PYTHON), str(tree / "main.py"), "--outdir", f"{scratch}/cdktn"],
        }
        for program, command in programs.items():
            measure(program, command, environment)  # warm-up, untimed
        medians = alternate(programs, rounds, environment)
    ratio = medians[CDKTN].seconds / medians[CDKTF].seconds
    print(f"ratio cdktn / cdktf {ratio:.3f}")
    return ratio
