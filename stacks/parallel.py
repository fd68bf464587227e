"""Each cloud's stacks synthesized in a process of their own, all at once: ``main.py`` on two or more cores.

A child process per cloud imports only that cloud's bindings and runs :func:`stacks.synthesis.synthesize`
for it into the parent's staging directory; the parent merges the stack directories and the manifests
(the children's layout: sorted keys, two-space indentation, empty containers on two lines as cdktf
writes them or as ``[]`` / ``{}`` as CDK Terrain does) and publishes the
result as one synthesis would. Nothing is published unless every child succeeded, and the guardrail
violations of all children are reported together. The output is byte for byte what one process writes:
``tests/test_provider_bindings.py`` compares ``main.py``'s output with a synthesis of every stack in one process.

No cdktf import here: the parent only starts the children and moves files.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from config import Configuration

from .output import MANIFEST, SynthesizedStack, describe, prepare_staging, publish, selected_refs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The exit status of a child whose stacks break guardrails (its stdout: the violations, one line each).
EXIT_VIOLATIONS = 3

_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from stacks.parallel import child_main
sys.exit(child_main())
"""


class ViolationLines(Exception):
    """Stacks break guardrails; ``lines`` holds one ``<construct path>: <rule>: <message>`` line each, sorted
    (what a child reports, and what ``main.py`` prints whichever way it synthesized)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = tuple(sorted(lines))
        super().__init__("\n".join(self.lines))


def runs_in_parallel(clouds: Sequence[str]) -> bool:
    """Whether a selection is worth a process per cloud: more than one cloud and more than one core."""
    return len(clouds) > 1 and (os.cpu_count() or 1) > 1


def synthesize_in_parallel(configuration: Configuration, clouds: Sequence[str], outdir: Path,
                           kinds: Sequence[str]) -> list[SynthesizedStack]:
    """:func:`stacks.synthesis.synthesize`, with one child process per cloud.

    Raises:
        ViolationLines: Constructs break guardrails (every child's violations); ``outdir`` untouched.
        RuntimeError: A child failed otherwise; its last line of error output says why.
    """
    outdir = outdir.absolute()
    staging = prepare_staging(outdir)
    try:
        staging.mkdir()
        with ThreadPoolExecutor(max_workers=len(clouds)) as pool:
            reports = list(pool.map(lambda cloud: _run_child(configuration, cloud, kinds, staging / cloud), clouds))
        violations = [line for report in reports for line in report]
        if violations:
            raise ViolationLines(violations)
        merged = staging / "merged"
        merge_outputs([staging / cloud for cloud in clouds], merged)
        publish(merged, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return describe(selected_refs(configuration, clouds, kinds), outdir)


def _run_child(configuration: Configuration, cloud: str, kinds: Sequence[str], outdir: Path) -> list[str]:
    payload = pickle.dumps((configuration, cloud, tuple(kinds), str(outdir)))
    result = subprocess.run([sys.executable, "-c", _CHILD, str(PROJECT_ROOT)], input=payload, capture_output=True,
                            check=False)
    if result.returncode == 0:
        return []
    if result.returncode == EXIT_VIOLATIONS:
        return list(json.loads(result.stdout))
    lines = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
    raise RuntimeError(f"synthesizing the {cloud} stacks failed (exit {result.returncode}): "
                       f"{lines[-1] if lines else 'no error output'}")


def child_main() -> int:
    """A child: synthesizes one cloud's stacks of the pickled configuration on stdin into the given directory."""
    configuration, cloud, kinds, outdir = pickle.loads(sys.stdin.buffer.read())
    from constructs_lib.provider_bindings import prepare_jsii_runtime

    prepare_jsii_runtime()  # before cdktf starts the jsii runtime: provider JavaScript loaded on demand
    from .synthesis import SynthesisError, synthesize  # the child's cloud only

    try:
        synthesize(configuration, (cloud,), Path(outdir), kinds)
    except SynthesisError as error:
        print(json.dumps(list(error.problems)))
        return EXIT_VIOLATIONS
    return 0


def merge_outputs(parts: Sequence[Path], merged: Path) -> None:
    """One output directory from several: their stack directories side by side, one manifest of all stacks."""
    (merged / "stacks").mkdir(parents=True)
    manifest: dict[str, Any] = {}
    compact = False
    for part in parts:
        text = (part / MANIFEST).read_text(encoding="utf-8")
        compact = compact or compact_empty_containers(text)
        part_manifest = json.loads(text)
        if manifest and part_manifest.get("version") != manifest.get("version"):
            raise RuntimeError(f"{part}: manifest version {part_manifest.get('version')!r}, "
                               f"expected {manifest.get('version')!r}")
        stacks = manifest.setdefault("stacks", {})
        for name, entry in part_manifest.get("stacks", {}).items():
            if name in stacks:
                raise RuntimeError(f"stack {name!r} was synthesized twice")
            stacks[name] = entry
        manifest.update({key: value for key, value in part_manifest.items() if key != "stacks"})
        for item in part.iterdir():
            if item.name == "stacks":
                for stack_dir in item.iterdir():
                    os.replace(stack_dir, merged / "stacks" / stack_dir.name)
            elif item.name != MANIFEST:
                raise RuntimeError(f"{item}: unexpected in a synthesized output (only {MANIFEST} and stacks/)")
    (merged / MANIFEST).write_text(manifest_json(manifest, compact_empty=compact), encoding="utf-8")


def compact_empty_containers(text: str) -> bool:
    """Whether a manifest writes an empty list or object as ``[]`` / ``{}`` (CDK Terrain), not on two lines (cdktf)."""
    return re.search(r":\s*(\[\]|\{\})", text) is not None


def manifest_json(value: Any, indent: int = 0, *, compact_empty: bool = False) -> str:
    """JSON as cdktf writes its manifest: keys sorted, two spaces, an empty object or list on two lines
    (``compact_empty``: as ``[]`` / ``{}``, CDK Terrain's layout)."""
    inner, closing = " " * (indent + 2), " " * indent
    if isinstance(value, (dict, list)) and not value and compact_empty:
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(key)}: {manifest_json(value[key], indent + 2, compact_empty=compact_empty)}"
                 for key in sorted(value)]
        return "{\n" + ",\n".join(items) + ("\n" if items else "") + closing + "}"
    if isinstance(value, list):
        items = [inner + manifest_json(item, indent + 2, compact_empty=compact_empty) for item in value]
        return "[\n" + ",\n".join(items) + ("\n" if items else "") + closing + "]"
    return json.dumps(value)
