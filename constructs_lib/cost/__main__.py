"""``python -m constructs_lib.cost [OUTDIR]``: the cost estimate for any repository.

Without OUTDIR it synthesizes the working tree by running ``python main.py --outdir DIR`` in the current
directory, as cdktf's Python projects do.
"""

import sys
from pathlib import Path

from .cli import main

sys.exit(main(sys.argv[1:], repository=Path.cwd(), synth_command=(sys.executable, "main.py"),
              program="python -m constructs_lib.cost"))
