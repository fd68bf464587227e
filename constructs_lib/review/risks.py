"""Which changes of a stack can destroy data or cause downtime when applied, each with a short reason.

- a stateful resource removed, or removed while another of its type is added (a new address without
  a ``moved`` block: Terraform destroys one and creates the other);
- an attribute change that forces replacement of a stateful resource, or that the provider applies in
  place with an outage (:mod:`.provider_facts`);
- in a prod stack (name ending in ``-prod``), a minimum capacity lowered;
- deletion protection turned off or removed, ``lifecycle.prevent_destroy`` removed, ``force_destroy``
  turned on, on any resource;
- log or backup retention shortened.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .changes import ABSENT, Action, AttributeChange, BlockChange, BlockKind, Risk
from .provider_facts import (
    DELETION_PROTECTION_NAMES,
    FORCE_DESTROY_NAMES,
    MINIMUM_CAPACITY_ATTRIBUTES,
    OUTAGE_FACTS,
    REPLACEMENT_FACTS,
    RETENTION_FACTS,
    STATEFUL_RESOURCE_TYPES,
    AttributeFact,
    RetentionFact,
    is_number,
)

PROD_SUFFIX = "-prod"

_REPLACEMENTS = {(fact.resource_type, fact.attribute): fact for fact in REPLACEMENT_FACTS}
_OUTAGES = {(fact.resource_type, fact.attribute): fact for fact in OUTAGE_FACTS}
_RETENTIONS = {(fact.resource_type, fact.attribute): fact for fact in RETENTION_FACTS}

AttributeRule = Callable[[str, AttributeChange], "str | None"]


def assess_stack(stack_name: str, changes: Sequence[BlockChange]) -> dict[str, tuple[Risk, ...]]:
    """The risks of each risky resource change of one stack, by address."""
    rules = list(_ATTRIBUTE_RULES)
    if stack_name.endswith(PROD_SUFFIX):
        rules.append(_minimum_capacity_lowered)
    added_by_type: dict[str, list[str]] = {}
    for change in changes:
        if change.kind is BlockKind.RESOURCE and change.action is Action.ADDED:
            added_by_type.setdefault(change.block_type, []).append(change.address)

    risks: dict[str, tuple[Risk, ...]] = {}
    for change in changes:
        if change.kind is not BlockKind.RESOURCE:
            continue
        found = []
        if change.action is Action.REMOVED and change.block_type in STATEFUL_RESOURCE_TYPES:
            found.append(Risk(_destroyed_reason(added_by_type.get(change.block_type, []))))
        for attribute in change.attributes:
            found += [Risk(reason, attribute.dotted) for rule in rules if (reason := rule(change.block_type, attribute))]
        if found:
            risks[change.address] = tuple(found)
    return risks


def _destroyed_reason(added_of_same_type: list[str]) -> str:
    if not added_of_same_type:
        return "stateful resource removed: Terraform destroys it and its data"
    return (
        f"stateful resource removed while {', '.join(added_of_same_type)} is added: without a moved block "
        "Terraform destroys it and creates a new one (data loss)"
    )


def _forces_replacement(resource_type: str, change: AttributeChange) -> str | None:
    fact = _REPLACEMENTS.get((resource_type, change.schema_path))
    if fact is None or not fact.holds_for(change.old, change.new):
        return None
    return "forces replacement: Terraform destroys the resource and its data and creates a new one"


def _outage(resource_type: str, change: AttributeChange) -> str | None:
    fact: AttributeFact | None = _OUTAGES.get((resource_type, change.schema_path))
    return fact.consequence if fact is not None and fact.holds_for(change.old, change.new) else None


def _deletion_protection_off(_resource_type: str, change: AttributeChange) -> str | None:
    if _last_key(change) not in DELETION_PROTECTION_NAMES or not _is_true(change.old) or _is_true(change.new):
        return None
    return "deletion protection removed" if change.new is ABSENT else "deletion protection turned off"


def _prevent_destroy_removed(_resource_type: str, change: AttributeChange) -> str | None:
    if change.schema_path != "lifecycle.prevent_destroy" or not _is_true(change.old) or _is_true(change.new):
        return None
    return "lifecycle.prevent_destroy removed: Terraform may now destroy it"


def _force_destroy_on(_resource_type: str, change: AttributeChange) -> str | None:
    if _last_key(change) not in FORCE_DESTROY_NAMES or _is_true(change.old) or not _is_true(change.new):
        return None
    return f"{_last_key(change)} turned on: destroying the resource also deletes everything in it"


def _retention_shortened(resource_type: str, change: AttributeChange) -> str | None:
    fact = _RETENTIONS.get((resource_type, change.schema_path))
    if fact is None:
        return None
    old, new = _retention(fact, change.old), _retention(fact, change.new)
    if old is None or new is None or new >= old:
        return None
    return f"{fact.what} retention shortened from {_describe(old, fact.unit)} to {_describe(new, fact.unit)}"


def _minimum_capacity_lowered(resource_type: str, change: AttributeChange) -> str | None:
    if (resource_type, change.schema_path) not in MINIMUM_CAPACITY_ATTRIBUTES:
        return None
    old, new = (0 if value is ABSENT else value for value in (change.old, change.new))
    if not (is_number(old) and is_number(new)) or new >= old:
        return None
    return f"prod minimum capacity lowered from {old} to {new}"


_ATTRIBUTE_RULES: tuple[AttributeRule, ...] = (
    _forces_replacement,
    _outage,
    _deletion_protection_off,
    _prevent_destroy_removed,
    _force_destroy_on,
    _retention_shortened,
)


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
