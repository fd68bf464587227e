"""The ``cost`` command: an estimated monthly cost per stack, with its line items and assumptions.

    cost [OUTDIR] [--format text|markdown] [--prices FILE]

OUTDIR is a cdktf output directory (or a directory of snapshot files); without it the working tree is
synthesized into a temporary directory first, as ``diff`` does for its NEW side.

Exit status: 0 the estimate was printed (resources the table cannot price are listed in it), 2 usage or
input error (one line on stderr naming the path and the problem).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..review.baseline import Synthesis
from ..review.cli import UsageError
from ..review.cli import _ArgumentParser as ArgumentParser  # raises UsageError instead of exiting
from ..review.loading import ReviewInputError, SynthesizedOutput, load_output
from .estimate import estimate_output
from .prices import DEFAULT_PRICE_FILE, PriceTableError, load_prices
from .rendering import FORMATS, render

EXIT_USAGE = 2


def _argument_parser(program: str) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=program,
        description="Estimate the monthly cost of each synthesized stack from the price table and its assumptions. "
        "Exit status: 0 estimate printed, 2 usage or input error.",
    )
    parser.add_argument("outdir", nargs="?", type=Path, metavar="OUTDIR",
                        help="cdktf output directory (manifest.json) or snapshot directory; default: synthesize the "
                        "working tree into a temporary directory")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default) or markdown for a PR comment")
    parser.add_argument("--prices", type=Path, default=DEFAULT_PRICE_FILE, metavar="FILE",
                        help="price table to use (default: the packaged constructs_lib/cost/prices.toml)")
    return parser


def main(argv: Sequence[str], *, repository: Path, synth_command: Sequence[str], program: str = "cost") -> int:
    """Runs the command; returns the exit status.

    Args:
        argv: The arguments after the command name.
        repository: The working tree synthesized when no OUTDIR is given.
        synth_command: The program that synthesizes ``repository`` when run in its root with ``--outdir DIR``
            appended, e.g. ``(sys.executable, "main.py")``.
        program: The command's name in usage messages.
    """
    try:
        args = _argument_parser(program).parse_args(list(argv))
        table = load_prices(args.prices)
        output = load_output(args.outdir) if args.outdir is not None else _synthesize(repository, synth_command)
    except (UsageError, ReviewInputError, PriceTableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(render(estimate_output(output, table), args.format))
    return 0


def _synthesize(repository: Path, synth_command: Sequence[str]) -> SynthesizedOutput:
    with tempfile.TemporaryDirectory(prefix="cost-") as scratch:
        synthesis = Synthesis("working tree", repository, synth_command, Path(scratch) / "cdktf.out")
        try:
            directory = synthesis.wait()
        finally:
            synthesis.stop()
        output = load_output(directory)
    return SynthesizedOutput("the working tree (synthesized)", output.stacks)
