"""Reading synthesized Terraform JSON: a cdktf output directory or a directory of snapshot files.

A cdktf output directory holds ``manifest.json`` naming every stack and the path of its
``cdk.tf.json``. A snapshot directory holds one ``test_stack_matches_snapshot[<stack>].json`` file
per stack, as the project's syrupy snapshot test writes them. Either way the result maps stack names
to their Terraform JSON documents; anything unreadable is a :class:`ReviewInputError` naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SNAPSHOT_FILE = re.compile(r"test_stack_matches_snapshot\[(?P<stack>[^\]]+)\]\.json")

Document = dict[str, Any]


class ReviewInputError(Exception):
    """A path, file or git ref that cannot be read as synthesized output; the message is one line for the user."""


@dataclass(frozen=True)
class SynthesizedOutput:
    """The Terraform JSON documents of one synthesized app.

    Attributes:
        source: What was read (a directory, or a git ref and path), for messages.
        stacks: Each stack's Terraform JSON document by stack name.
    """

    source: str
    stacks: Mapping[str, Document]


def load_output(directory: Path) -> SynthesizedOutput:
    """Reads a cdktf output directory or a directory of snapshot files, whichever ``directory`` is."""
    if not directory.exists():
        raise ReviewInputError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise ReviewInputError(f"{directory}: not a directory")
    if (directory / MANIFEST).exists():
        return _load_cdktf_output(directory)
    try:
        entries = sorted(directory.iterdir())
    except OSError as error:
        raise ReviewInputError(f"{directory}: unreadable ({error.strerror or error})") from None
    snapshots = {stack: path for path in entries if (stack := snapshot_stack_name(path.name)) is not None}
    if not snapshots:
        raise ReviewInputError(
            f"{directory}: neither a cdktf output directory ({MANIFEST}) "
            "nor a directory of snapshot files (test_stack_matches_snapshot[<stack>].json)"
        )
    return SynthesizedOutput(str(directory), {stack: read_document(path) for stack, path in snapshots.items()})


def snapshot_stack_name(file_name: str) -> str | None:
    """The stack a snapshot file holds, e.g. ``duckdb-analytics-aws-dev``; None for any other file name."""
    match = SNAPSHOT_FILE.fullmatch(file_name)
    return match["stack"] if match else None


def read_document(path: Path) -> Document:
    """The Terraform JSON document in ``path``."""
    return parse_document(_read_text(path), str(path))


def parse_document(text: str, source: str) -> Document:
    """Parses Terraform JSON read from ``source`` and checks the shape the review relies on."""
    document = _parse_json_object(text, source)
    for section in ("resource", "data"):
        instances_by_type = document.get(section, {})
        if not isinstance(instances_by_type, dict) or not all(
            isinstance(instances, dict) and all(isinstance(body, dict) for body in instances.values())
            for instances in instances_by_type.values()
        ):
            raise ReviewInputError(f'{source}: "{section}" must map each type to named objects')
    moved = document.get("moved", [])
    if not isinstance(moved, list) or not all(
        isinstance(block, dict) and isinstance(block.get("from"), str) and isinstance(block.get("to"), str)
        for block in moved
    ):
        raise ReviewInputError(f'{source}: "moved" must be a list of {{"from": ..., "to": ...}} objects')
    return document


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewInputError(f"{path}: file not found") from None
    except OSError as error:
        raise ReviewInputError(f"{path}: unreadable ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise ReviewInputError(f"{path}: unreadable (not UTF-8: {error.reason})") from None


def _parse_json_object(text: str, source: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReviewInputError(f"{source}: not valid JSON (line {error.lineno} column {error.colno}: {error.msg})") from None
    if not isinstance(value, dict):
        raise ReviewInputError(f"{source}: must be a JSON object, got {type(value).__name__}")
    return value


def _load_cdktf_output(directory: Path) -> SynthesizedOutput:
    manifest_path = directory / MANIFEST
    manifest = _parse_json_object(_read_text(manifest_path), str(manifest_path))
    stacks = manifest.get("stacks")
    if not isinstance(stacks, dict):
        raise ReviewInputError(f'{manifest_path}: must hold a "stacks" object')
    documents = {}
    for name, entry in sorted(stacks.items()):
        stack_path = entry.get("synthesizedStackPath") if isinstance(entry, dict) else None
        if not isinstance(stack_path, str):
            raise ReviewInputError(f'{manifest_path}: stack {name!r} has no "synthesizedStackPath"')
        documents[name] = read_document(directory / stack_path)
    return SynthesizedOutput(str(directory), documents)
