"""``python -m constructs_lib.analysis.review OLD NEW``: the review command for any repository.

``--base REF`` synthesizes REF by running ``python main.py --outdir DIR`` in a temporary worktree of
the git repository in the current directory, as cdktf's Python projects do.
"""

import sys
from pathlib import Path

from .cli import main

sys.exit(main(sys.argv[1:], repository=Path.cwd(), synth_command=(sys.executable, "main.py"),
              program="python -m constructs_lib.analysis.review"))
