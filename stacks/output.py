"""The synthesized output directory: staging next to it, publishing into it, describing what it holds.

No cdktf import: the parallel synthesis (``stacks.parallel``) publishes what its child processes wrote.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from config import Configuration

from . import StackRef, stack_refs, standby_environments

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack as written: its name, kind, Terraform JSON file and number of managed resources."""

    name: str
    cloud: str
    environment: str
    kind: str
    path: Path
    resource_count: int


def selected_refs(configuration: Configuration, clouds: Sequence[str], kinds: Sequence[str]) -> list[StackRef]:
    """The stacks a selection synthesizes, in ``stack_refs`` order (standby stacks where ``[dr]`` asks)."""
    return stack_refs(configuration.project.name, clouds, [config.environment for config in configuration.environments],
                      kinds, standby_environments=standby_environments(configuration.environments))


def staging_directory(outdir: Path) -> Path:
    """Where a run writes before publishing: beside ``outdir`` (same file system), one per process."""
    return outdir.parent / f".{outdir.name}.staging-{os.getpid()}"


def publish(staging: Path, outdir: Path) -> None:
    """Moves the staged output into ``outdir`` file by file, keeping Terraform's working files."""
    outdir.mkdir(parents=True, exist_ok=True)
    staged_stacks, target_stacks = staging / "stacks", outdir / "stacks"
    target_stacks.mkdir(exist_ok=True)
    staged_names = {entry.name for entry in staged_stacks.iterdir()}
    for existing in target_stacks.iterdir():
        if existing.is_dir() and existing.name not in staged_names:
            shutil.rmtree(existing)
    for stack_dir in staged_stacks.iterdir():
        target_dir = target_stacks / stack_dir.name
        target_dir.mkdir(exist_ok=True)
        for item in stack_dir.iterdir():
            if (target_dir / item.name).is_dir():
                shutil.rmtree(target_dir / item.name)
            os.replace(item, target_dir / item.name)
    for item in staging.iterdir():
        if item.name != "stacks":
            os.replace(item, outdir / item.name)


def describe(refs: Sequence[StackRef], outdir: Path) -> list[SynthesizedStack]:
    """The stacks ``refs`` as the manifest in ``outdir`` says they were written, in the order of ``refs``."""
    manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    written = []
    for ref in refs:
        path = outdir / manifest["stacks"][ref.name]["synthesizedStackPath"]
        written.append(SynthesizedStack(ref.name, ref.cloud, ref.environment, ref.kind, path, _count_resources(path)))
    return written


def _count_resources(stack_file: Path) -> int:
    document = json.loads(stack_file.read_text(encoding="utf-8"))
    return sum(len(instances) for instances in document.get("resource", {}).values())
