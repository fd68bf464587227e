"""The ``cost`` command: an estimated monthly cost per stack, or what a change does to it.

    cost [OUTDIR] [--format text|markdown] [--prices FILE]          one output, at minimum and maximum capacity
    cost OLD NEW [--format text|markdown|json] [--prices FILE]      the difference per stack and budget
    cost --base REF [NEW] [--format text|markdown|json]             REF synthesized in a temporary git worktree

OUTDIR, OLD and NEW are cdktf output directories (or directories of snapshot files); without OUTDIR (or NEW
with ``--base``) the working tree is synthesized into a temporary directory first, as ``diff`` does.

Exit status: 0 the estimate was printed (resources the table cannot price are listed in it, and make the
totals "at least"), 2 usage or input error (one line on stderr naming the path and the problem).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..review.baseline import Synthesis, synthesized_at
from ..review.cli import UsageError
from ..review.cli import _ArgumentParser as ArgumentParser  # raises UsageError instead of exiting
from ..review.loading import ReviewInputError, SynthesizedOutput, load_output
from .comparison import compare_costs
from .comparison_rendering import FORMATS, render_comparison
from .estimate import estimate_output
from .model import MAXIMUM, MINIMUM
from .prices import DEFAULT_PRICE_FILE, PriceTable, PriceTableError, load_prices
from .rendering import render

EXIT_USAGE = 2


def _argument_parser(program: str) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=program,
        description="Estimate the monthly cost of each synthesized stack from the price table and its assumptions, "
        "or the difference between two outputs. Exit status: 0 estimate printed, 2 usage or input error.",
    )
    parser.add_argument("directories", nargs="*", type=Path, metavar="OUTDIR | OLD NEW",
                        help="cdktf output directories (manifest.json) or snapshot directories: one to estimate, two "
                        "to compare; default: synthesize the working tree into a temporary directory")
    parser.add_argument("--base", metavar="REF", help="git ref to compare against, synthesized in a temporary worktree")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), markdown for a job summary, or json (a comparison only)")
    parser.add_argument("--prices", type=Path, default=DEFAULT_PRICE_FILE, metavar="FILE",
                        help="price table to use (default: the packaged constructs_lib/analysis/cost/prices.toml)")
    return parser


def main(argv: Sequence[str], *, repository: Path, synth_command: Sequence[str], program: str = "cost") -> int:
    """Runs the command; returns the exit status.

    Args:
        argv: The arguments after the command name.
        repository: The working tree synthesized when no directory is given, and the git repository of ``--base``.
        synth_command: The program that synthesizes ``repository`` when run in its root with ``--outdir DIR``
            appended, e.g. ``(sys.executable, "main.py")``.
        program: The command's name in usage messages.
    """
    try:
        args = _argument_parser(program).parse_args(list(argv))
        comparing = _check_arguments(args)
        table = load_prices(args.prices)
        if comparing:
            report = _comparison(args, table, repository, synth_command)
        else:
            output = load_output(args.directories[0]) if args.directories else _synthesize(repository, synth_command)
            report = render(estimate_output(output, table, MINIMUM), args.format, estimate_output(output, table, MAXIMUM))
    except (UsageError, ReviewInputError, PriceTableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(report)
    return 0


def _check_arguments(args: argparse.Namespace) -> bool:
    """Whether the arguments ask for a comparison; a command line that makes no sense is a :class:`UsageError`."""
    count = len(args.directories)
    if args.base and count > 1:
        raise UsageError(f"with --base give at most one directory (NEW), got {count}")
    if count > 2:
        raise UsageError(f"give one directory (OUTDIR), two (OLD NEW) or --base REF, got {count} directories")
    comparing = bool(args.base) or count == 2
    if args.format == "json" and not comparing:
        raise UsageError("--format json: compares two outputs; give OLD NEW or --base REF")
    return comparing


def _comparison(args: argparse.Namespace, table: PriceTable, repository: Path, synth_command: Sequence[str]) -> str:
    if args.base:
        new_directory = args.directories[0] if args.directories else None
        old, new = synthesized_at(repository, args.base, synth_command, new_directory)
    else:
        old, new = load_output(args.directories[0]), load_output(args.directories[1])
    return render_comparison(compare_costs(old, new, table), args.format)


def _synthesize(repository: Path, synth_command: Sequence[str]) -> SynthesizedOutput:
    with tempfile.TemporaryDirectory(prefix="cost-") as scratch:
        synthesis = Synthesis("working tree", repository, synth_command, Path(scratch) / "cdktf.out")
        try:
            directory = synthesis.wait()
        finally:
            synthesis.stop()
        output = load_output(directory)
    return SynthesizedOutput("the working tree (synthesized)", output.stacks)
