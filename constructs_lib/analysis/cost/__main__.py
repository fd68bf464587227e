"""``python -m constructs_lib.analysis.cost [OUTDIR | OLD NEW | --base REF [NEW]]``: the cost estimate for any repository.

Without OUTDIR (or NEW) it synthesizes the working tree by running ``python main.py --outdir DIR`` in the current
directory, as cdktf's Python projects do; ``--base REF`` synthesizes REF the same way in a temporary worktree.
"""

import sys
from pathlib import Path

from .cli import main

sys.exit(main(sys.argv[1:], repository=Path.cwd(), synth_command=(sys.executable, "main.py"),
              program="python -m constructs_lib.analysis.cost"))
