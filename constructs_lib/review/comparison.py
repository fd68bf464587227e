"""The review of two synthesized outputs: per stack, the changed blocks and their risks, in a stable order."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .changes import Action, BlockChange, diff_documents
from .loading import SynthesizedOutput
from .risks import assess_stack

EXIT_NO_CHANGES = 0
EXIT_CHANGES = 1
EXIT_RISKY = 3


@dataclass(frozen=True)
class StackReview:
    """What changes in one stack.

    Attributes:
        name: The stack name.
        changes: Changed blocks: resources by type and address, then data sources, then the rest.
        presence: ``"new stack"`` or ``"stack removed"`` when the stack exists on one side only, else None.
    """

    name: str
    changes: tuple[BlockChange, ...]
    presence: str | None = None

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


def compare_outputs(old: SynthesizedOutput, new: SynthesizedOutput) -> Review:
    """Compares every stack of ``old`` with the stack of the same name in ``new``."""
    stacks = []
    for name in sorted(old.stacks.keys() | new.stacks.keys()):
        old_document, new_document = old.stacks.get(name), new.stacks.get(name)
        changes = diff_documents(old_document, new_document)
        risks = assess_stack(name, changes)
        changes = [dataclasses.replace(change, risks=risks.get(change.address, ())) for change in changes]
        presence = "new stack" if old_document is None else "stack removed" if new_document is None else None
        stacks.append(StackReview(name, tuple(changes), presence))
    return Review(tuple(stacks))
