"""What changed between two Terraform JSON documents of one stack, block by block and attribute by attribute.

Every block of the document is compared: resources (``aws_s3_bucket.data``), data sources
(``data.aws_iam_policy_document.trust``) and the rest (``provider.aws``, ``output.url``, ``terraform``).
Attribute paths read like Terraform's own (``lifecycle_rule[0].expiration[0].days``); strings holding
JSON (ECS ``container_definitions``, IAM policies, dashboards) are decoded and compared inside.
cdktf's ``"//"`` metadata is ignored, except a block's ``"//"`` entry named ``waivers`` (written
reasons for waived guardrails), whose changes are reported like attribute changes.
A ``moved`` block of the new document turns the removal of ``from`` and the addition of ``to`` into a move.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .loading import Document

#: Key of cdktf's metadata object in every block; ignored except for :data:`WAIVERS_KEY`.
METADATA_KEY = "//"
#: Entry of a block's metadata object holding guardrail waivers and their reasons; its changes are reported.
WAIVERS_KEY = "waivers"

#: Top-level keys holding one block each rather than named blocks.
_SINGLE_BLOCK_KEYS = frozenset({"terraform", "locals"})
#: Attribute names whose values are never printed (matched anywhere in the last key of a path).
_SENSITIVE_NAME = re.compile(r"password|passwd|secret|token|private_key|credential|api_key|access_key", re.IGNORECASE)
#: Names that merely refer to a secret (``secret_id``, ``kms_key_id``, ``secret_arn``) and stay readable.
_REFERENCE_SUFFIX = re.compile(r"_(id|ids|arn|arns|name|version)$", re.IGNORECASE)
#: Keys holding environment variables (ECS ``environment``/``secrets``, Cloud Run ``env``): values are hidden, names shown.
_ENVIRONMENT_KEYS = frozenset({"environment", "env", "secrets", "environment_variables", "env_vars"})


class _Absent:
    """The value of an attribute that one side does not set."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(absent)"


#: Stands for an attribute that is not set on one side of a change.
ABSENT: Any = _Absent()

PathPart = str | int


class BlockKind(Enum):
    """What kind of Terraform block changed; the order is the order of the report."""

    RESOURCE = 0
    DATA = 1
    SETTING = 2


class Action(Enum):
    """What happens to a block."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"


@dataclass(frozen=True)
class AttributeChange:
    """One attribute (a leaf of the block's JSON) whose value differs; ``ABSENT`` on the side that lacks it."""

    path: tuple[PathPart, ...]
    old: Any
    new: Any

    @property
    def dotted(self) -> str:
        """The path as Terraform writes it: ``lifecycle_rule[0].expiration[0].days``."""
        return format_path(self.path)

    @property
    def schema_path(self) -> str:
        """The path without list indices, as provider schemas name it: ``lifecycle_rule.expiration.days``."""
        return ".".join(part for part in self.path if isinstance(part, str))

    @property
    def sensitive(self) -> bool:
        """True when the values must not be printed: secrets and environment variable values (never booleans)."""
        if all(value is ABSENT or value is None or isinstance(value, bool) for value in (self.old, self.new)):
            return False
        keys = [part for part in self.path if isinstance(part, str)]
        if keys and _SENSITIVE_NAME.search(keys[-1]) and not _REFERENCE_SUFFIX.search(keys[-1]):
            return True
        return any(key in _ENVIRONMENT_KEYS for key in keys[:-1]) and keys[-1] != "name"


class RiskKind(Enum):
    """What a risky change can cost; the order is the order of the report (most severe first)."""

    DATA_LOSS = "data loss"
    OUTAGE = "outage"
    ACCESS = "access widened"
    AVAILABILITY = "availability"
    PROTECTION = "protection removed"

    @property
    def severity(self) -> int:
        """0 for the most severe kind."""
        return list(RiskKind).index(self)


#: When a change takes effect, unless a fact says otherwise.
WHEN_APPLIED = "when the apply runs"


@dataclass(frozen=True)
class Risk:
    """Why a change may destroy data, interrupt a service, widen access or weaken recovery when applied.

    Attributes:
        reason: One short sentence, e.g. ``prod minimum capacity lowered from 2 to 1``.
        attribute: The attribute whose change causes it (dotted path), or None for the block as a whole.
        kind: What it can cost (data, an outage, access, availability, protection).
        when: When it takes effect, e.g. ``at the next maintenance window (apply_immediately is off)``.
        blocker: Why the apply would fail or stop half-way, where it would; empty otherwise.
        fix: A ready fix (a ``moved`` block for a renamed resource), where one exists; empty otherwise.
    """

    reason: str
    attribute: str | None = None
    kind: RiskKind = RiskKind.DATA_LOSS
    when: str = WHEN_APPLIED
    blocker: str = ""
    fix: str = ""

    def to_json(self) -> dict[str, str | None]:
        """The risk as plain JSON (no attribute values beyond those the reason names)."""
        return {"kind": self.kind.value, "attribute": self.attribute, "reason": self.reason, "when": self.when,
                "blocker": self.blocker, "fix": self.fix}


@dataclass(frozen=True)
class BlockChange:
    """One block added, removed, changed or moved, with its changed attributes and the risks found in it.

    Attributes:
        kind: Resource, data source or another block (provider, output, terraform settings).
        block_type: The resource or data source type (``aws_s3_bucket``), or the top-level key (``output``).
        address: Terraform's address of the block, e.g. ``aws_s3_bucket.data_bucket_51E298BF``.
        action: What happens to it.
        attributes: Changed attributes of a changed or moved block (empty for added and removed ones).
        moved_from: The old address of a moved block.
        risks: Filled in by the risk assessment.
    """

    kind: BlockKind
    block_type: str
    address: str
    action: Action
    attributes: tuple[AttributeChange, ...] = ()
    moved_from: str | None = None
    risks: tuple[Risk, ...] = ()

    @property
    def group(self) -> str:
        """The heading the block is listed under: its type, ``data.<type>`` for data sources."""
        return f"data.{self.block_type}" if self.kind is BlockKind.DATA else self.block_type


@dataclass(frozen=True)
class _Block:
    kind: BlockKind
    block_type: str
    body: Any


def diff_documents(old: Document | None, new: Document | None) -> list[BlockChange]:
    """Every block that differs between two versions of a stack (None: the stack does not exist on that side)."""
    old_blocks, new_blocks = _blocks(old or {}), _blocks(new or {})
    moves = {
        block["from"]: block["to"]
        for block in (new or {}).get("moved", [])
        if block["from"] in old_blocks and block["from"] not in new_blocks
        and block["to"] in new_blocks and block["to"] not in old_blocks
    }
    moved_to = set(moves.values())
    changes = []
    for address in old_blocks.keys() - new_blocks.keys() - moves.keys():
        block = old_blocks[address]
        changes.append(BlockChange(block.kind, block.block_type, address, Action.REMOVED))
    for address in new_blocks.keys() - old_blocks.keys() - moved_to:
        block = new_blocks[address]
        changes.append(BlockChange(block.kind, block.block_type, address, Action.ADDED))
    for old_address, new_address in moves.items():
        block = new_blocks[new_address]
        attributes = tuple(diff_values(old_blocks[old_address].body, block.body))
        changes.append(BlockChange(block.kind, block.block_type, new_address, Action.MOVED, attributes, old_address))
    for address in old_blocks.keys() & new_blocks.keys():
        attributes = tuple(diff_values(old_blocks[address].body, new_blocks[address].body))
        if attributes:
            block = new_blocks[address]
            changes.append(BlockChange(block.kind, block.block_type, address, Action.CHANGED, attributes))
    return sorted(changes, key=lambda change: (change.kind.value, change.group, change.address))


def diff_values(old: Any, new: Any, path: tuple[PathPart, ...] = ()) -> Iterator[AttributeChange]:
    """The leaf-level differences between two JSON values, in path order."""
    if type(old) is type(new) and old == new:
        return
    old_tree, new_tree = _as_tree(old), _as_tree(new)
    if old is ABSENT and new_tree is not None:
        old_tree = type(new_tree)()
    if new is ABSENT and old_tree is not None:
        new_tree = type(old_tree)()
    if isinstance(old_tree, dict) and isinstance(new_tree, dict) and (old_tree or new_tree):
        for key in sorted(old_tree.keys() | new_tree.keys()):
            yield from diff_values(old_tree.get(key, ABSENT), new_tree.get(key, ABSENT), (*path, key))
    elif isinstance(old_tree, list) and isinstance(new_tree, list) and (old_tree or new_tree):
        for index in range(max(len(old_tree), len(new_tree))):
            old_item = old_tree[index] if index < len(old_tree) else ABSENT
            new_item = new_tree[index] if index < len(new_tree) else ABSENT
            yield from diff_values(old_item, new_item, (*path, index))
    else:
        yield AttributeChange(path, old, new)


def block_bodies(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every block of a document by address, without cdktf's metadata (see :func:`diff_documents`)."""
    return {address: block.body for address, block in _blocks(document or {}).items()}


def value_at(body: Any, path: str) -> Any:
    """The value at a dotted path without indices (``settings.deletion_protection_enabled``), reading the first
    element of a list of blocks on the way; ``ABSENT`` where the path is not set."""
    value = body
    for key in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else ABSENT
        value = value.get(key, ABSENT) if isinstance(value, dict) else ABSENT
    return value


def format_path(path: tuple[PathPart, ...]) -> str:
    """``("rule", 0, "expiration", "days")`` -> ``rule[0].expiration.days``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _as_tree(value: Any) -> dict[str, Any] | list[Any] | None:
    """The value to descend into (a dict, a list of objects, or such a JSON document held in a string),
    or None for a leaf: scalars and lists of scalars are compared whole."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return value
    return None


def _blocks(document: Mapping[str, Any]) -> dict[str, _Block]:
    blocks: dict[str, _Block] = {}
    for key, value in document.items():
        if key in (METADATA_KEY, "moved"):
            continue
        if key in ("resource", "data"):
            kind, prefix = (BlockKind.RESOURCE, "") if key == "resource" else (BlockKind.DATA, "data.")
            for block_type, instances in value.items():
                for name, body in instances.items():
                    blocks[f"{prefix}{block_type}.{name}"] = _Block(kind, block_type, _without_metadata(body))
        elif key in _SINGLE_BLOCK_KEYS or not isinstance(value, dict):
            blocks[key] = _Block(BlockKind.SETTING, key, value)
        else:
            for name, body in value.items():
                blocks[f"{key}.{name}"] = _Block(BlockKind.SETTING, key, body)
    return blocks


def _without_metadata(body: dict[str, Any]) -> dict[str, Any]:
    """The block without cdktf's metadata, keeping only the waivers entry of it."""
    metadata = body.get(METADATA_KEY)
    stripped = {key: value for key, value in body.items() if key != METADATA_KEY}
    if isinstance(metadata, dict) and WAIVERS_KEY in metadata:
        stripped[METADATA_KEY] = {WAIVERS_KEY: metadata[WAIVERS_KEY]}
    return stripped
