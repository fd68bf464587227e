"""The synthesized output directory: a staging directory beside it, publishing into it (no cdktf import).

:func:`constructs_lib.synth` and this repository's ``main.py`` (also when it synthesizes each cloud in a process of
its own) write into :func:`prepare_staging`'s directory and :func:`publish` only a complete, checked output.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

MANIFEST = "manifest.json"
_STAGING = re.compile(r"\.(?P<name>.+)\.staging-(?P<pid>[0-9]+)")


class SynthesisError(Exception):
    """Synthesis stopped and nothing was published; ``problems`` holds one line each (a guardrail violation reads
    ``<construct path>: <rule>: <message>``)."""

    def __init__(self, problems: Sequence[str], outdir: Path | None = None) -> None:
        self.problems = tuple(problems)
        self.outdir = outdir
        where = f"; {outdir} was left as it was" if outdir is not None else ""
        super().__init__("\n".join((f"{len(self.problems)} problem(s), nothing was published{where}:",
                                    *(f"  {problem}" for problem in self.problems))))


def staging_directory(outdir: Path) -> Path:
    """Where this process writes before publishing: beside ``outdir`` (same file system), one per process."""
    return outdir.parent / f".{outdir.name}.staging-{os.getpid()}"


def prepare_staging(outdir: Path) -> Path:
    """This process's staging directory for ``outdir``, empty; removes those of processes that no longer run."""
    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    for entry in outdir.parent.glob(f".{outdir.name}.staging-*"):
        match = _STAGING.fullmatch(entry.name)
        if match and match["name"] == outdir.name and not _running(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
    staging = staging_directory(outdir)
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def publish(staging: Path, outdir: Path) -> None:
    """Moves the staged output into ``outdir`` file by file, keeping Terraform's working files."""
    outdir.mkdir(parents=True, exist_ok=True)
    staged_stacks, target_stacks = staging / "stacks", outdir / "stacks"
    target_stacks.mkdir(exist_ok=True)
    staged_names = {entry.name for entry in staged_stacks.iterdir()} if staged_stacks.is_dir() else set()
    for existing in target_stacks.iterdir():
        if existing.is_dir() and existing.name not in staged_names:
            shutil.rmtree(existing)
    for name in sorted(staged_names):
        target_dir = target_stacks / name
        target_dir.mkdir(exist_ok=True)
        for item in (staged_stacks / name).iterdir():
            if (target_dir / item.name).is_dir():
                shutil.rmtree(target_dir / item.name)
            os.replace(item, target_dir / item.name)
    for item in staging.iterdir():
        if item.name != "stacks":
            os.replace(item, outdir / item.name)
