"""Which changes of a stack can destroy data, interrupt a service, widen access or weaken recovery, each with a
short reason, when it takes effect, what would make the apply fail, and a fix where one exists.

- data loss: a stateful resource removed, or removed while another of its type is added (a new address
  without a ``moved`` block: Terraform destroys one and creates the other); an attribute change that
  replaces a stateful resource; log or backup retention shortened;
- outage: an in-place change that restarts or interrupts a database; a load balancer, certificate, global
  address or forwarding rule replaced or removed (:mod:`.provider_facts`);
- access widened: a door opened that was closed (:mod:`.access`);
- availability: a replica removed (recovery takes longer; its source keeps the data), Multi-AZ or high
  availability turned off, storage migrated, a prod minimum capacity lowered;
- protection removed: deletion protection off, ``lifecycle.prevent_destroy`` removed, ``force_destroy`` on; a
  stack no longer synthesized (its resources stay in the cloud, unmanaged).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .access import widened_access
from .changes import ABSENT, WHEN_APPLIED, Action, AttributeChange, BlockChange, BlockKind, Risk, RiskKind, value_at
from .deletion_facts import delete_blockers, replica_source_attribute
from .provider_facts import (
    DELETION_PROTECTION_NAMES,
    EDGE_CONSEQUENCES,
    EDGE_REPLACEMENT_FACTS,
    FORCE_DESTROY_NAMES,
    MINIMUM_CAPACITY_ATTRIBUTES,
    OUTAGE_FACTS,
    REPLACEMENT_FACTS,
    RETENTION_FACTS,
    STATEFUL_RESOURCE_TYPES,
    AttributeFact,
    RetentionFact,
    Timing,
    is_number,
)
from .stack_facts import StackFacts

PROD = "prod"

_REPLACEMENTS = {(fact.resource_type, fact.attribute): fact for fact in (*REPLACEMENT_FACTS, *EDGE_REPLACEMENT_FACTS)}
_OUTAGES: dict[tuple[str, str], list[AttributeFact]] = {}
for _fact in OUTAGE_FACTS:
    _OUTAGES.setdefault((_fact.resource_type, _fact.attribute), []).append(_fact)
_RETENTIONS = {(fact.resource_type, fact.attribute): fact for fact in RETENTION_FACTS}


@dataclass(frozen=True)
class _Block:
    """One changed block with both of its bodies (None on the side where it does not exist)."""

    stack: StackFacts
    change: BlockChange
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def type(self) -> str:
        return self.change.block_type


AttributeRule = Callable[[_Block, AttributeChange], "list[Risk]"]


def assess_stack(stack: StackFacts, changes: Sequence[BlockChange], old_bodies: Mapping[str, Any],
                 new_bodies: Mapping[str, Any], *, stack_removed: bool = False) -> dict[str, tuple[Risk, ...]]:
    """The risks of each risky block change of one stack, by address (``stack_removed``: no longer synthesized)."""
    if stack_removed:
        return _unmanaged(changes)
    renames = _renames(changes, old_bodies, new_bodies)
    removed_stateful = any(change.block_type == "aws_s3_bucket" and change.action is Action.REMOVED for change in changes)
    risks: dict[str, tuple[Risk, ...]] = {}
    for change in changes:
        if change.kind is BlockKind.SETTING:
            continue
        old_body = old_bodies.get(change.moved_from or change.address)
        block = _Block(stack, change, old_body, new_bodies.get(change.address))
        found = _access(block, removed_stateful)
        if change.kind is BlockKind.RESOURCE:
            if change.action is Action.REMOVED:
                found += _removal(block, renames.get(change.address), new_bodies)
            for attribute in change.attributes:
                found += [risk for rule in _ATTRIBUTE_RULES for risk in rule(block, attribute)]
        if found:
            risks[change.address] = tuple(found)
    return risks


# --- removed resources ----------------------------------------------------------------------------------------


def _removal(block: _Block, renamed_to: str | None, new_bodies: Mapping[str, Any]) -> list[Risk]:
    body = block.old or {}
    replica = replica_source_attribute(block.type, body)
    if block.type in EDGE_CONSEQUENCES:
        kind, effect = RiskKind.OUTAGE, EDGE_CONSEQUENCES[block.type]
    elif replica is not None:
        kind, effect = RiskKind.AVAILABILITY, (
            f"it is a replica ({replica} is set): its source keeps the data, but a failover has no replica to "
            "promote and recovery takes longer until one is re-created")
    elif block.type in STATEFUL_RESOURCE_TYPES:
        kind, effect = RiskKind.DATA_LOSS, "its data is lost"
    else:
        return []
    if renamed_to is None:
        reason = f"removed: Terraform destroys it; {effect}"
        fix = ""
    else:
        reason = (f"removed while {renamed_to} of the same type is added (a renamed construct?): Terraform destroys "
                  f"this one and creates that one; {effect}")
        fix = _moved_fix(block, renamed_to, new_bodies[renamed_to])
    if value_at(body, "lifecycle.prevent_destroy") is True:
        reason += " (lifecycle.prevent_destroy protects only a resource whose block is still there)"
    blocker = next(iter(delete_blockers(block.type, body)), "")
    return [Risk(reason, None, kind, WHEN_APPLIED, blocker, fix)]


def _unmanaged(changes: Sequence[BlockChange]) -> dict[str, tuple[Risk, ...]]:
    """A stack no longer synthesized is neither planned nor applied: its resources stay in the cloud, unmanaged."""
    reason = ("its stack is no longer synthesized, so nothing plans, applies or destroys it: it stays in the cloud, "
              "unmanaged and billed (destroy the stack first if it should go: docs/delivery.md)")
    return {change.address: (Risk(reason, None, RiskKind.PROTECTION),) for change in changes
            if change.kind is BlockKind.RESOURCE and change.block_type in STATEFUL_RESOURCE_TYPES}


def _renames(changes: Sequence[BlockChange], old_bodies: Mapping[str, Any],
             new_bodies: Mapping[str, Any]) -> dict[str, str]:
    """Removed address -> the added address of the same type that most looks like it (a renamed construct)."""
    added: dict[str, list[str]] = {}
    for change in changes:
        if change.kind is BlockKind.RESOURCE and change.action is Action.ADDED:
            added.setdefault(change.block_type, []).append(change.address)
    renames: dict[str, str] = {}
    for change in changes:
        candidates = [address for address in added.get(change.block_type, []) if address not in renames.values()]
        if change.kind is not BlockKind.RESOURCE or change.action is not Action.REMOVED or not candidates:
            continue
        old = old_bodies.get(change.address) or {}
        scored = sorted(((_likeness(old, new_bodies.get(address) or {}), address) for address in candidates), reverse=True)
        if len(scored) == 1 or scored[0][0] > scored[1][0]:
            renames[change.address] = scored[0][1]
    return renames


def _likeness(old: Mapping[str, Any], new: Mapping[str, Any]) -> int:
    return sum(1 for key, value in old.items() if key != "//" and new.get(key) == value)


def _moved_fix(block: _Block, renamed_to: str, new_body: Mapping[str, Any]) -> str:
    differing = sorted(fact.attribute for (resource_type, attribute), fact in _REPLACEMENTS.items()
                       if resource_type == block.type and value_at(block.old, attribute) != value_at(new_body, attribute))
    if differing:
        return (f"keep the old construct id and values: a moved block alone would not keep it, as "
                f"{', '.join(differing)} also changed and forces a replacement")
    return (f'keep the old construct id, or move the state: add `{{"from": "{block.change.address}", "to": '
            f'"{renamed_to}"}}` to the stack\'s `moved` list (cdktf: `stack.add_override("moved", [...])`, one list '
            "for all of the stack's moves)")


# --- attribute rules ------------------------------------------------------------------------------------------


def _forces_replacement(block: _Block, change: AttributeChange) -> list[Risk]:
    fact = _REPLACEMENTS.get((block.type, change.schema_path))
    if fact is None or not fact.holds_for(change.old, change.new):
        return []
    blockers = delete_blockers(block.type, block.old or {})
    if value_at(block.new, "lifecycle.prevent_destroy") is True:
        blockers = ["the plan fails: lifecycle.prevent_destroy forbids the replacement (so nothing is applied)"]
    if fact.kind is RiskKind.DATA_LOSS:
        reason = "forces replacement: Terraform destroys the resource and its data and creates a new one"
        replica = replica_source_attribute(block.type, block.old or {})
        if replica is not None:
            reason = f"forces replacement of a replica ({replica} is set): it is re-created from its source"
            return [Risk(reason, change.dotted, RiskKind.AVAILABILITY, WHEN_APPLIED, next(iter(blockers), ""))]
    else:
        reason = f"forces replacement: {fact.consequence}"
    return [Risk(reason, change.dotted, fact.kind, WHEN_APPLIED, next(iter(blockers), ""))]


def _in_place(block: _Block, change: AttributeChange) -> list[Risk]:
    facts = _OUTAGES.get((block.type, change.schema_path), [])
    return [Risk(f"{fact.consequence} ({_describe_values(change)})", change.dotted, fact.kind, _when(fact.timing, block))
            for fact in facts if fact.holds_for(change.old, change.new)]


def _when(timing: Timing, block: _Block) -> str:
    """When the cloud carries out a change of ``timing`` to this block."""
    if timing is Timing.RDS_MAINTENANCE_WINDOW:
        if value_at(block.new, "apply_immediately") is True:
            return "as the apply runs (apply_immediately = true)"
        window = value_at(block.new, "maintenance_window")
        named = f" ({window} UTC)" if isinstance(window, str) else ""
        return (f"in the instance's next maintenance window{named}, not when the apply runs "
                "(apply_immediately is off)")
    if timing is Timing.RDS_ALWAYS_IMMEDIATE:
        return "as the apply runs, whatever apply_immediately says"
    if timing is Timing.CLOUD_SQL_IMMEDIATE:
        return "as the apply runs (Cloud SQL does not defer it to the maintenance window)"
    return WHEN_APPLIED


def _describe_values(change: AttributeChange) -> str:
    return " -> ".join("unset" if value is ABSENT else str(value) for value in (change.old, change.new))


def _deletion_protection_off(_block: _Block, change: AttributeChange) -> list[Risk]:
    if _last_key(change) not in DELETION_PROTECTION_NAMES or not _is_true(change.old) or _is_true(change.new):
        return []
    reason = "deletion protection removed" if change.new is ABSENT else "deletion protection turned off"
    return [Risk(reason, change.dotted, RiskKind.PROTECTION)]


def _prevent_destroy_removed(_block: _Block, change: AttributeChange) -> list[Risk]:
    if change.schema_path != "lifecycle.prevent_destroy" or not _is_true(change.old) or _is_true(change.new):
        return []
    return [Risk("lifecycle.prevent_destroy removed: Terraform may now destroy it", change.dotted, RiskKind.PROTECTION)]


def _force_destroy_on(_block: _Block, change: AttributeChange) -> list[Risk]:
    if _last_key(change) not in FORCE_DESTROY_NAMES or _is_true(change.old) or not _is_true(change.new):
        return []
    reason = f"{_last_key(change)} turned on: destroying the resource also deletes everything in it"
    return [Risk(reason, change.dotted, RiskKind.PROTECTION)]


def _retention_shortened(block: _Block, change: AttributeChange) -> list[Risk]:
    fact = _RETENTIONS.get((block.type, change.schema_path))
    if fact is None:
        return []
    old, new = _retention(fact, change.old), _retention(fact, change.new)
    if old is None or new is None or new >= old:
        return []
    reason = f"{fact.what} retention shortened from {_describe(old, fact.unit)} to {_describe(new, fact.unit)}"
    return [Risk(reason, change.dotted, RiskKind.DATA_LOSS)]


def _minimum_capacity_lowered(block: _Block, change: AttributeChange) -> list[Risk]:
    if block.stack.environment != PROD or (block.type, change.schema_path) not in MINIMUM_CAPACITY_ATTRIBUTES:
        return []
    old, new = (0 if value is ABSENT else value for value in (change.old, change.new))
    if not (is_number(old) and is_number(new)) or new >= old:
        return []
    return [Risk(f"prod minimum capacity lowered from {old} to {new}", change.dotted, RiskKind.AVAILABILITY)]


_ATTRIBUTE_RULES: tuple[AttributeRule, ...] = (
    _forces_replacement,
    _in_place,
    _deletion_protection_off,
    _prevent_destroy_removed,
    _force_destroy_on,
    _retention_shortened,
    _minimum_capacity_lowered,
)


# --- access ---------------------------------------------------------------------------------------------------


def _access(block: _Block, bucket_removed: bool) -> list[Risk]:
    new = block.new
    if block.change.action is Action.REMOVED:
        # A public access block removed with its bucket opens nothing; removed alone, it opens the bucket.
        if block.type != "aws_s3_bucket_public_access_block" or bucket_removed:
            return []
        new = {}
    return [Risk(f"access widened: {door}", None, RiskKind.ACCESS) for door in widened_access(block.type, block.old, new)]


# --- helpers --------------------------------------------------------------------------------------------------


def _retention(fact: RetentionFact, value: Any) -> float | None:
    """The retention a value means (``math.inf``: forever), or None when it cannot be told."""
    if value is ABSENT:
        return fact.when_absent
    if not is_number(value):
        return None
    return math.inf if value == 0 and fact.zero_is_forever else value


def _describe(retention: float, unit: str) -> str:
    return "forever" if retention == math.inf else f"{retention:g} {unit}"


def _last_key(change: AttributeChange) -> str:
    keys = [part for part in change.path if isinstance(part, str)]
    return keys[-1] if keys else ""


def _is_true(value: Any) -> bool:
    return value is True or value == "true"
