"""What a synthesis of our stacks wrote: the selected stacks and what the manifest says of each.

Staging and publishing are the library's (:mod:`constructs_lib.output`, re-exported here). No cdktf import: the
parallel synthesis (``stacks.parallel``) publishes what its child processes wrote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from config import Configuration
from constructs_lib.output import MANIFEST, SynthesisError, prepare_staging, publish, staging_directory

from . import StackRef, stack_refs, standby_environments

__all__ = ["MANIFEST", "SynthesisError", "SynthesizedStack", "describe", "prepare_staging", "publish", "selected_refs",
           "staging_directory"]


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
