"""Runs the rules over one stack's synthesized JSON and applies the waivers found there (no cdktf).

A resource's waivers are its ``"//": {"waivers": {"<rule>": "<reason>"}}`` entry, which
:func:`constructs_lib.policy.waive` writes. A waiver with an unknown rule or without a reason of at
least :data:`~.model.MIN_REASON_LENGTH` characters waives nothing and is itself a violation (rule
``waiver``), so a hand-written override cannot slip a rule past review.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..naming import AWS_TAG_KEYS, GCP_LABEL_KEYS
from .document import StackDocument
from .model import MIN_REASON_LENGTH, ResourceTraits, Rule, Settings, TraitsLookup, Violation, Waived, normalize_reason
from .production import PRODUCTION_RULES
from .rules import BASELINE_RULES

#: Every rule, the baseline first; ``Rule.production`` tells which apply only to production.
RULES: tuple[Rule, ...] = (*BASELINE_RULES, *PRODUCTION_RULES)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}
#: The rule id of violations about waivers themselves.
WAIVER_RULE = "waiver"

DEFAULT_SETTINGS = Settings(required_tags=AWS_TAG_KEYS, required_labels=GCP_LABEL_KEYS)


@dataclass(frozen=True)
class Evaluation:
    """The outcome for one stack: what breaks a rule, and what a waiver lets pass."""

    violations: tuple[Violation, ...]
    waived: tuple[Waived, ...]


def rules_for(production: bool) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if production or not rule.production)


def no_traits(resource_type: str) -> ResourceTraits:
    return ResourceTraits(resource_type)


def evaluate(
    document: Mapping[str, Any],
    *,
    production: bool,
    traits: TraitsLookup = no_traits,
    settings: Settings = DEFAULT_SETTINGS,
    in_scope: Callable[[str], bool] = lambda _path: True,
    rules: Sequence[Rule] | None = None,
) -> Evaluation:
    """Checks one stack's Terraform JSON.

    Args:
        document: The stack as synthesized, with cdktf's ``//`` metadata (construct paths, waivers).
        production: Apply the production rules too.
        traits: What the bindings say about a resource type (taggable, labelable, ...).
        settings: Required tag and label keys.
        in_scope: Which construct paths to report on; the whole stack is still read (provider
            default tags, a WAF association outside the scope).
        rules: Instead of the rules ``production`` selects.
    """
    stack = StackDocument(document)
    violations: list[Violation] = []
    waived: list[Waived] = []
    for rule in rules if rules is not None else rules_for(production):
        for finding in rule.check(stack, settings, traits):
            path = finding.element.path
            if not in_scope(path):
                continue
            reason = normalize_reason(finding.element.waivers.get(rule.id))
            if len(reason) >= MIN_REASON_LENGTH:
                waived.append(Waived(path, rule.id, finding.message, reason))
            else:
                violations.append(Violation(path, rule.id, finding.message))
    for element in stack.resources:
        if in_scope(element.path):
            violations += waiver_problems(element.path, element.waivers)
    return Evaluation(tuple(sorted(set(violations))), tuple(sorted(set(waived))))


def waiver_problems(path: str, waivers: Mapping[str, Any]) -> list[Violation]:
    """What is wrong with the waivers of one construct: unknown rules, missing or short reasons."""
    problems = []
    for rule, reason in sorted(waivers.items()):
        if rule not in RULES_BY_ID:
            problems.append(Violation(path, WAIVER_RULE, f"waiver of unknown rule {rule!r}"))
        elif len(normalize_reason(reason)) < MIN_REASON_LENGTH:
            problems.append(Violation(path, WAIVER_RULE, f"waiver of {rule} needs a reason of at least "
                                                         f"{MIN_REASON_LENGTH} characters, got {reason!r}"))
    return problems
