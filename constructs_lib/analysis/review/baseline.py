"""The "before" side of a review taken from git: a ref synthesized in a temporary worktree, or its snapshot files.

Synthesis runs the repository's own synth command (for this project ``python main.py``) with
``--outdir DIR`` appended, in a child process with the current environment, so the reviewing process
never imports cdktf. The temporary worktree is removed whatever happens.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .loading import ReviewInputError, SynthesizedOutput, load_output, parse_document, snapshot_stack_name

#: Seconds one synthesis may take before the review gives up.
SYNTH_TIMEOUT_SECONDS = 900


def resolve_commit(repository: Path, ref: str) -> str:
    """The commit ``ref`` names in ``repository``; an unknown ref is a :class:`ReviewInputError`."""
    if ref.startswith("-"):
        raise ReviewInputError(f"--base: unknown git ref {ref!r}")
    result = _git(repository, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if result.returncode != 0:
        detail = _last_line(result.stderr)
        raise ReviewInputError(f"--base: unknown git ref {ref!r}" + (f" ({detail})" if detail else ""))
    return result.stdout.strip()


@contextmanager
def temporary_worktree(repository: Path, commit: str, path: Path) -> Iterator[Path]:
    """A detached checkout of ``commit`` at ``path``, removed (with git's record of it) on leaving."""
    _git(repository, "worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        _git(repository, "worktree", "remove", "--force", str(path), check=False)
        _git(repository, "worktree", "prune", check=False)


class Synthesis:
    """One synth command running in a child process, writing a cdktf output directory."""

    def __init__(self, label: str, checkout: Path, synth_command: Sequence[str], outdir: Path) -> None:
        self.label = label
        self.outdir = outdir
        try:
            self._process = subprocess.Popen(
                [*synth_command, "--outdir", str(outdir)], cwd=checkout, env=os.environ.copy(),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )
        except OSError as error:
            raise ReviewInputError(f"{label}: cannot run {synth_command[0]}: {error.strerror or error}") from None

    def wait(self) -> Path:
        """Waits for the synthesis and returns its output directory; a failure is a :class:`ReviewInputError`."""
        try:
            _, stderr = self._process.communicate(timeout=SYNTH_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.stop()
            raise ReviewInputError(f"{self.label}: synthesis did not finish within {SYNTH_TIMEOUT_SECONDS} s") from None
        if self._process.returncode != 0:
            detail = _last_line(stderr) or "no error output"
            raise ReviewInputError(f"{self.label}: synthesis failed (exit {self._process.returncode}): {detail}")
        return self.outdir

    def stop(self) -> None:
        """Ends the child process if it still runs."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()


def synthesized_at(repository: Path, ref: str, synth_command: Sequence[str],
                   new_directory: Path | None = None) -> tuple[SynthesizedOutput, SynthesizedOutput]:
    """``ref`` synthesized in a temporary worktree, and ``new_directory`` (else a fresh synthesis of the working
    tree, at the same time); both worktree and scratch directories are gone afterwards, also on failure."""
    commit = resolve_commit(repository, ref)
    new_given = load_output(new_directory) if new_directory else None
    with tempfile.TemporaryDirectory(prefix="risk-diff-") as scratch:
        scratch_dir = Path(scratch)
        with temporary_worktree(repository, commit, scratch_dir / "base") as checkout:
            runs = [Synthesis(f"--base {ref}", checkout, synth_command, scratch_dir / "base.out")]
            try:
                if new_given is None:
                    runs.append(Synthesis("working tree", repository, synth_command, scratch_dir / "new.out"))
                directories = [run.wait() for run in runs]
            finally:
                for run in runs:
                    run.stop()
        old = load_output(directories[0])
        return old, new_given if new_given is not None else load_output(directories[1])


def snapshots_at(repository: Path, ref: str, snapshot_dir: PurePosixPath) -> SynthesizedOutput:
    """The snapshot files in ``snapshot_dir`` as committed at ``ref``, read with git (nothing is checked out)."""
    commit = resolve_commit(repository, ref)
    listing = _git(repository, "ls-tree", "--name-only", "-z", commit, f"{snapshot_dir}/").stdout
    stacks = {}
    for file_path in sorted(filter(None, listing.split("\0"))):
        stack = snapshot_stack_name(PurePosixPath(file_path).name)
        if stack is not None:
            text = _git(repository, "show", f"{commit}:{file_path}").stdout
            stacks[stack] = parse_document(text, f"{ref}:{file_path}")
    if not stacks:
        raise ReviewInputError(f"--base {ref}: no snapshot files in {snapshot_dir}")
    return SynthesizedOutput(f"{ref}:{snapshot_dir}", stacks)


def _git(repository: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            ["git", "-C", str(repository), *arguments], capture_output=True, text=True, check=False, timeout=300
        )
    except FileNotFoundError:
        raise ReviewInputError("git: not found on PATH") from None
    if check and result.returncode != 0:
        raise ReviewInputError(f"git {arguments[0]}: {_last_line(result.stderr) or f'exit {result.returncode}'}")
    return result


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
