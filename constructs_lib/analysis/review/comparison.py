"""The review of two synthesized outputs: per stack, the changed blocks and their risks, in a stable order."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .changes import Action, BlockChange, Risk, block_bodies, diff_documents
from .loading import SynthesizedOutput
from .risks import assess_stack
from .stack_facts import StackFacts, stack_facts

EXIT_NO_CHANGES = 0
EXIT_CHANGES = 1
EXIT_RISKY = 3
#: Version of :meth:`Review.to_json`'s shape, for the tools that read it.
JSON_VERSION = 1


@dataclass(frozen=True)
class StackReview:
    """What changes in one stack.

    Attributes:
        name: The stack name.
        changes: Changed blocks: resources by type and address, then data sources, then the rest.
        presence: ``"new stack"`` or ``"stack removed"`` when the stack exists on one side only, else None.
        facts: Cloud, environment and standby role, read from the stack's JSON (the new side, else the old).
    """

    name: str
    changes: tuple[BlockChange, ...]
    presence: str | None = None
    facts: StackFacts | None = None

    @property
    def environment(self) -> str | None:
        return self.facts.environment if self.facts else None

    def count(self, action: Action) -> int:
        """How many blocks are added, removed or changed (moves count as changes)."""
        actions = (Action.CHANGED, Action.MOVED) if action is Action.CHANGED else (action,)
        return sum(change.action in actions for change in self.changes)

    @property
    def risky(self) -> tuple[BlockChange, ...]:
        """The changes with at least one risk."""
        return tuple(change for change in self.changes if change.risks)

    @property
    def totals(self) -> str:
        """``N added, N removed, N changed, N risky``."""
        return (
            f"{self.count(Action.ADDED)} added, {self.count(Action.REMOVED)} removed, "
            f"{self.count(Action.CHANGED)} changed, {len(self.risky)} risky"
        )

    def to_json(self) -> dict[str, Any]:
        """Names, counts and risks; never an attribute value beyond what a risk's reason names."""
        facts = self.facts
        return {
            "name": self.name, "presence": self.presence, "changed": bool(self.changes),
            "cloud": facts.cloud if facts else None, "environment": self.environment,
            "standby": facts.standby if facts else False,
            "counts": {"added": self.count(Action.ADDED), "removed": self.count(Action.REMOVED),
                       "changed": self.count(Action.CHANGED)},
            "risks": [{"address": change.address, **risk.to_json()} for change in self.risky for risk in change.risks],
        }


@dataclass(frozen=True)
class Review:
    """Every stack of either output, sorted by name."""

    stacks: tuple[StackReview, ...]

    @property
    def risk_count(self) -> int:
        """How many risks were found in all stacks."""
        return sum(len(change.risks) for stack in self.stacks for change in stack.changes)

    @property
    def exit_status(self) -> int:
        """0 when nothing changes, 3 when a change is risky, else 1."""
        if self.risk_count:
            return EXIT_RISKY
        return EXIT_CHANGES if any(stack.changes for stack in self.stacks) else EXIT_NO_CHANGES

    def risks(self) -> Iterator[tuple[StackReview, BlockChange, Risk]]:
        """Every risk, production first, then by kind (most severe first), stack and address."""
        found = [(stack, change, risk) for stack in self.stacks for change in stack.risky for risk in change.risks]
        yield from sorted(found, key=lambda item: (
            item[0].facts.rank[0] if item[0].facts else 99, item[2].kind.severity, item[0].name, item[1].address))

    def to_json(self) -> dict[str, Any]:
        """The review for other tools (``main.py diff --format json``): stacks, counts, risks, the exit status."""
        return {"version": JSON_VERSION, "exit_status": self.exit_status, "risk_count": self.risk_count,
                "stacks": [stack.to_json() for stack in self.stacks]}


def compare_outputs(old: SynthesizedOutput, new: SynthesizedOutput) -> Review:
    """Compares every stack of ``old`` with the stack of the same name in ``new``."""
    stacks = []
    for name in sorted(old.stacks.keys() | new.stacks.keys()):
        old_document, new_document = old.stacks.get(name), new.stacks.get(name)
        facts = stack_facts(name, new_document if new_document is not None else old_document or {})
        changes = diff_documents(old_document, new_document)
        risks = assess_stack(facts, changes, block_bodies(old_document), block_bodies(new_document),
                             stack_removed=new_document is None)
        changes = [dataclasses.replace(change, risks=risks.get(change.address, ())) for change in changes]
        presence = "new stack" if old_document is None else "stack removed" if new_document is None else None
        stacks.append(StackReview(name, tuple(changes), presence, facts))
    return Review(tuple(stacks))
