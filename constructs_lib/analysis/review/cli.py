"""The ``diff`` command: compare two synthesized outputs and report changes, risky ones first.

    diff OLD NEW                    two cdktf output directories (or snapshot directories)
    diff --base REF [NEW]           REF synthesized in a temporary git worktree; NEW defaults to a fresh
                                    synthesis of the working tree
    diff --snapshots --base REF [NEW]
                                    the snapshot files committed at REF; NEW defaults to the working tree's

Exit status: 0 nothing changes, 1 changes, 3 risky changes, 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import NoReturn

from .baseline import snapshots_at, synthesized_at
from .comparison import compare_outputs
from .loading import ReviewInputError, SynthesizedOutput, load_output
from .rendering import FORMATS, render, truncation_notice

EXIT_USAGE = 2
#: Where the project's syrupy snapshot test keeps one JSON file per stack.
DEFAULT_SNAPSHOT_DIR = PurePosixPath("tests/__snapshots__/test_snapshots")
DEFAULT_FULL_REPORT = "the same command without --max-chars"


class UsageError(Exception):
    """A command line that does not make sense; the message is one line."""


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _argument_parser(program: str) -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=program,
        description="Compare two synthesized outputs per stack and flag changes that can lose data, interrupt a service, "
        "widen access or slow recovery. Exit status: 0 no change, 1 changes, 3 risky changes, 2 usage or input error.",
    )
    parser.add_argument("directories", nargs="*", type=Path, metavar="OLD NEW",
                        help="cdktf output directories (manifest.json) or snapshot directories; with --base only NEW")
    parser.add_argument("--base", metavar="REF", help="git ref to compare against, synthesized in a temporary worktree")
    parser.add_argument("--snapshots", action="store_true",
                        help=f"with --base: compare the snapshot files ({DEFAULT_SNAPSHOT_DIR}) instead of synthesizing")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), markdown for a job summary, or json (names, counts and risks, no values)")
    parser.add_argument("--max-chars", type=int, metavar="N", help="cut the report to at most N characters")
    parser.add_argument("--full-report", default=DEFAULT_FULL_REPORT, metavar="WHERE",
                        help="where the full report is, named in the truncation notice (e.g. the CI job summary URL)")
    return parser


def main(
    argv: Sequence[str],
    *,
    repository: Path,
    synth_command: Sequence[str],
    snapshot_dir: PurePosixPath = DEFAULT_SNAPSHOT_DIR,
    program: str = "diff",
) -> int:
    """Runs the command; returns the exit status.

    Args:
        argv: The arguments after the command name.
        repository: The git working tree that ``--base`` refers to.
        synth_command: The program that synthesizes a checkout of ``repository`` when run in its root
            with ``--outdir DIR`` appended, e.g. ``(sys.executable, "main.py")``.
        snapshot_dir: Where snapshot files live, relative to the repository root.
        program: The command's name in usage messages.
    """
    try:
        args = _argument_parser(program).parse_args(list(argv))
        _check_arguments(args)
        old, new = _outputs(args, repository, synth_command, snapshot_dir)
    except (UsageError, ReviewInputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    review = compare_outputs(old, new)
    sys.stdout.write(render(review, args.format, args.max_chars, args.full_report))
    return review.exit_status


def _check_arguments(args: argparse.Namespace) -> None:
    count = len(args.directories)
    if args.base and count > 1:
        raise UsageError(f"with --base give at most one directory (NEW), got {count}")
    if not args.base and count != 2:
        raise UsageError(f"give two directories (OLD NEW) or --base REF, got {count} director{'y' if count == 1 else 'ies'}")
    if args.snapshots and not args.base:
        raise UsageError("--snapshots: compares against --base REF, which is missing")
    if args.max_chars is not None and args.format == "json":
        raise UsageError("--max-chars: JSON is never cut; leave it out with --format json")
    if args.max_chars is not None:
        needed = len(truncation_notice(args.format, args.max_chars, args.full_report)) + 1
        if args.max_chars < needed:
            raise UsageError(f"--max-chars: must leave room for the truncation notice ({needed} characters), "
                             f"got {args.max_chars}")


def _outputs(
    args: argparse.Namespace, repository: Path, synth_command: Sequence[str], snapshot_dir: PurePosixPath
) -> tuple[SynthesizedOutput, SynthesizedOutput]:
    new_directory: Path | None = args.directories[-1] if args.directories and args.base else None
    if not args.base:
        return load_output(args.directories[0]), load_output(args.directories[1])
    if args.snapshots:
        new = load_output(new_directory or repository / snapshot_dir)
        return snapshots_at(repository, args.base, snapshot_dir), new
    return synthesized_at(repository, args.base, synth_command, new_directory)
