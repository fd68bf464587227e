"""A cost comparison as text, Markdown (a job summary) or JSON (for the pull request comment), its assumptions stated.

Stacks whose estimate changes come first, production first; unchanged stacks are named on one line. A
difference a side cannot price reads ``unknown`` and that side ``unknown, at least $X``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .comparison import BudgetCost, Change, CostComparison, Side, StackCost
from .model import CAPACITIES, MAXIMUM, MINIMUM
from .rendering import change_text, total_text

FORMATS = ("text", "markdown", "json")


def render_comparison(comparison: CostComparison, output_format: str = "text") -> str:
    """The comparison in ``output_format``: ``text``, ``markdown`` or ``json``."""
    if output_format not in FORMATS:
        raise ValueError(f"format {output_format!r}: choose from {', '.join(FORMATS)}")
    if output_format == "json":
        return json.dumps(comparison.to_json(), indent=2, sort_keys=True) + "\n"
    parts = _markdown(comparison) if output_format == "markdown" else _text(comparison)
    return "\n".join(parts) + "\n"


def side_text(side: Side | None) -> str:
    """One side's total: ``$656.80``, ``unknown, at least $412.37`` or ``-`` (the stack does not exist there)."""
    return "-" if side is None else total_text(side.total, side.complete)


def change_summary(change: Change) -> str:
    """``$656.80 -> $902.08 (+$245.28)``."""
    return f"{side_text(change.base)} -> {side_text(change.head)} ({change_text(change.difference)})"


def changed(stack: StackCost | BudgetCost) -> bool:
    """True when either capacity's estimate moves or cannot be told."""
    for change in stack.changes.values():
        if change.difference is None or round(change.difference, 2) != 0:
            return True
    return False


def assumptions(comparison: CostComparison) -> str:
    """Where the prices come from and what the two capacities and the traffic mean, in one paragraph."""
    table = comparison.table
    regions = " and ".join(f"{region} ({cloud})" for cloud, region in sorted(table.regions().items()))
    return (f"Prices: list prices of {regions} from {table.source}, checked {table.checked} "
            f"({len(table.unverified())} of {len(table.prices)} unverified). At minimum capacity services run at "
            "their minimum (less the hours a schedule scales them to zero); at maximum capacity every service runs "
            "its maximum all month, busy. Traffic: each environment's assumption in the price table, the same at "
            "both. Not included: " + table.not_included + ".")


def _unpriced(comparison: CostComparison) -> list[str]:
    found = []
    for stack in comparison.stacks:
        for capacity in CAPACITIES:
            for side_name, side in (("before", stack.changes[capacity].base), ("after", stack.changes[capacity].head)):
                for item in side.unpriced if side else ():
                    entry = f"{stack.name} ({side_name}): {item}"
                    if entry not in found:
                        found.append(entry)
    return found


def _text(comparison: CostComparison) -> Iterator[str]:
    moved = [stack for stack in comparison.stacks if changed(stack)]
    yield f"Monthly cost of the change in {comparison.table.currency} (before -> after)"
    yield ""
    for stack in moved:
        yield f"{stack.name} ({stack.environment or 'environment unknown'}{', ' + stack.presence if stack.presence else ''})"
        for capacity in CAPACITIES:
            yield f"  at {capacity} capacity: {change_summary(stack.changes[capacity])}"
    unchanged = [stack.name for stack in comparison.stacks if not changed(stack)]
    if unchanged:
        yield f"Unchanged: {', '.join(unchanged)}"
    for budget in comparison.budgets:
        yield (f"Budget {budget.budget.amount:,.2f} {budget.budget.currency} ({budget.group.cloud} {budget.group.environment}, covers "
               f"{', '.join(budget.stacks)}): {_budget_text(budget)}")
    for item in _unpriced(comparison):
        yield f"NOT PRICED: {item}"
    yield ""
    yield assumptions(comparison)


def _budget_text(budget: BudgetCost) -> str:
    return "; ".join(f"at {capacity} {change_summary(budget.changes[capacity])}{_share_of(budget, capacity, '')}"
                     for capacity in CAPACITIES)


def _markdown(comparison: CostComparison) -> Iterator[str]:
    yield f"## Monthly cost of this change ({comparison.table.currency})"
    yield ""
    moved = [stack for stack in comparison.stacks if changed(stack)]
    if moved:
        yield "| stack | environment | at minimum capacity | at maximum capacity |"
        yield "| --- | --- | ---: | ---: |"
        for stack in moved:
            presence = f" ({stack.presence})" if stack.presence else ""
            yield (f"| `{stack.name}`{presence} | {stack.environment or '-'} | "
                   f"{change_summary(stack.changes[MINIMUM])} | {change_summary(stack.changes[MAXIMUM])} |")
    else:
        yield "No stack's estimate changes."
    unchanged = [f"`{stack.name}`" for stack in comparison.stacks if not changed(stack)]
    if unchanged and moved:
        yield ""
        yield f"Unchanged: {', '.join(unchanged)}."
    if comparison.budgets:
        yield ""
        yield "| budget | covers | after, at minimum | after, at maximum |"
        yield "| --- | --- | ---: | ---: |"
        for budget in comparison.budgets:
            yield (f"| {budget.budget.amount:,.2f} {budget.budget.currency} {budget.group.cloud} {budget.group.environment} "
                   f"| {', '.join(budget.stacks)} | {_share(budget, MINIMUM)} | {_share(budget, MAXIMUM)} |")
    unpriced = _unpriced(comparison)
    if unpriced:
        yield ""
        yield "**Not priced** (so those totals are lower bounds and their differences unknown):"
        yield ""
        yield from (f"- {item}" for item in unpriced)
    yield ""
    yield assumptions(comparison)


def _share(budget: BudgetCost, capacity: str) -> str:
    """``$1,286.61 (43% of the budget)`` after the change, **over budget** when the covered stacks exceed it."""
    head = budget.changes[capacity].head
    return "-" if head is None else side_text(head) + _share_of(budget, capacity, "**")


def _share_of(budget: BudgetCost, capacity: str, bold: str) -> str:
    """`` (43% of the budget)`` of the side after the change; `` (104% of the budget) over budget`` beyond it."""
    head = budget.changes[capacity].head
    if head is None or not budget.budget.amount:
        return ""
    share = f"{head.total / budget.budget.amount:.0%}" + ("" if head.complete else " or more")
    over = f" {bold}over budget{bold}" if head.total > budget.budget.amount else ""
    return f" ({share} of the budget){over}"
