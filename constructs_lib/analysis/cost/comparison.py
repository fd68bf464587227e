"""What a change costs: each stack's monthly estimate before and after, at minimum and at maximum capacity.

A difference is known only when both sides are fully priced; a resource the table cannot price on either
side makes it unknown (never a smaller number), and the side's total reads "at least" its priced part.
Budgets compare with every stack they cover (a disaster-recovery standby counts against its environment's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..review.loading import SynthesizedOutput
from ..review.stack_facts import environment_rank
from .estimate import estimate_output
from .model import CAPACITIES, Budget, BudgetGroup, Estimate, StackEstimate
from .prices import PriceTable

#: Version of :meth:`CostComparison.to_json`'s shape, for the tools that read it.
JSON_VERSION = 1


@dataclass(frozen=True)
class Side:
    """One stack (or budget group) on one side of the change at one capacity: the priced total and whether it is all."""

    total: float
    complete: bool
    unpriced: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"total": round(self.total, 2), "complete": self.complete, "unpriced": list(self.unpriced)}


def _side(stack: StackEstimate | None) -> Side | None:
    if stack is None:
        return None
    return Side(stack.total, stack.complete, tuple(f"{finding.address}: {finding.reason}" for finding in stack.unpriced))


@dataclass(frozen=True)
class Change:
    """Before and after at one capacity; ``difference`` is None when either side is not fully priced."""

    base: Side | None
    head: Side | None

    @property
    def difference(self) -> float | None:
        sides = [side for side in (self.base, self.head) if side is not None]
        if not all(side.complete for side in sides):
            return None
        return (self.head.total if self.head else 0.0) - (self.base.total if self.base else 0.0)

    def to_json(self) -> dict[str, Any]:
        difference = self.difference
        return {"base": self.base.to_json() if self.base else None, "head": self.head.to_json() if self.head else None,
                "difference": None if difference is None else round(difference, 2)}


@dataclass(frozen=True)
class StackCost:
    """One stack's cost before and after the change, at each capacity."""

    name: str
    cloud: str
    environment: str | None
    standby: bool
    presence: str | None
    changes: dict[str, Change]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "cloud": self.cloud, "environment": self.environment, "standby": self.standby,
                "presence": self.presence, **{capacity: change.to_json() for capacity, change in self.changes.items()}}


@dataclass(frozen=True)
class BudgetCost:
    """A budget of the new side (with the stacks it covers there), and what they cost before and after."""

    group: BudgetGroup
    changes: dict[str, Change]

    @property
    def budget(self) -> Budget:
        return self.group.budget

    @property
    def stacks(self) -> tuple[str, ...]:
        return tuple(stack.name for stack in self.group.stacks)

    def to_json(self) -> dict[str, Any]:
        return {"address": self.budget.address, "amount": self.budget.amount, "currency": self.budget.currency,
                "cloud": self.group.cloud, "environment": self.group.environment, "stacks": list(self.stacks),
                **{capacity: change.to_json() for capacity, change in self.changes.items()}}


@dataclass(frozen=True)
class CostComparison:
    """The estimates of both outputs at both capacities, compared stack by stack and budget by budget."""

    table: PriceTable
    base: dict[str, Estimate]
    head: dict[str, Estimate]
    stacks: tuple[StackCost, ...]
    budgets: tuple[BudgetCost, ...]

    def to_json(self) -> dict[str, Any]:
        """For other tools (``main.py cost OLD NEW --format json``): prices, assumptions, stacks, budgets."""
        table = self.table
        return {
            "version": JSON_VERSION,
            "prices": {"source": table.source, "checked": table.checked, "currency": table.currency,
                       "regions": table.regions(), "unverified": len(table.unverified()), "count": len(table.prices)},
            "capacities": {"minimum": "services at their minimum capacity (less the hours a schedule scales them to zero)",
                           "maximum": "every service at its maximum capacity all month"},
            "traffic": "the assumptions of each environment in the price table; the same at both capacities",
            "stacks": [stack.to_json() for stack in self.stacks],
            "budgets": [budget.to_json() for budget in self.budgets],
        }


def compare_costs(old: SynthesizedOutput, new: SynthesizedOutput, table: PriceTable) -> CostComparison:
    """Estimates both outputs at minimum and maximum capacity and compares them."""
    base = {capacity: estimate_output(old, table, capacity) for capacity in CAPACITIES}
    head = {capacity: estimate_output(new, table, capacity) for capacity in CAPACITIES}
    names = sorted(old.stacks.keys() | new.stacks.keys())
    stacks = [_stack_cost(name, base, head) for name in names]
    stacks.sort(key=lambda stack: (environment_rank(stack.environment), stack.name))
    return CostComparison(table, base, head, tuple(stacks), tuple(_budget_costs(base, head)))


def _find(estimate: Estimate, name: str) -> StackEstimate | None:
    return next((stack for stack in estimate.stacks if stack.name == name), None)


def _stack_cost(name: str, base: dict[str, Estimate], head: dict[str, Estimate]) -> StackCost:
    changes = {capacity: Change(_side(_find(base[capacity], name)), _side(_find(head[capacity], name)))
               for capacity in CAPACITIES}
    described = _find(head[CAPACITIES[0]], name) or _find(base[CAPACITIES[0]], name)
    assert described is not None
    on_base, on_head = _find(base[CAPACITIES[0]], name) is not None, _find(head[CAPACITIES[0]], name) is not None
    presence = None if on_base and on_head else "new stack" if on_head else "stack removed"
    return StackCost(name, described.cloud, described.environment, described.standby, presence, changes)


def _group_side(estimate: Estimate, cloud: str, environment: str | None) -> Side | None:
    stacks = [stack for stack in estimate.stacks if (stack.cloud, stack.environment) == (cloud, environment)]
    if not stacks:
        return None
    return Side(sum(stack.total for stack in stacks), all(stack.complete for stack in stacks))


def _budget_costs(base: dict[str, Estimate], head: dict[str, Estimate]) -> list[BudgetCost]:
    found = []
    for group in head[CAPACITIES[0]].budget_groups():
        changes = {capacity: Change(_group_side(base[capacity], group.cloud, group.environment),
                                    _group_side(head[capacity], group.cloud, group.environment))
                   for capacity in CAPACITIES}
        found.append(BudgetCost(group, changes))
    return sorted(found, key=lambda budget: (environment_rank(budget.group.environment), budget.group.cloud))
