"""The estimate as text for a terminal or Markdown for a job summary: assumptions first, then each stack.

Every line shows the amount, what was counted and the arithmetic (quantity x unit price); a price the table
marks unverified carries ``*``. Resources the table cannot price and usage the estimate does not model
are listed on their stack, so no total hides a gap: a stack with an unpriced resource reads "unknown, at
least $X". Each stack has its total at minimum capacity (the line items) and at maximum capacity; each
budget is compared with every stack it covers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .context import GROUPS
from .model import BudgetGroup, Estimate, LineItem, StackEstimate
from .prices import TRAFFIC_FIELDS, Price, PriceTable

FORMATS = ("text", "markdown")
#: How the report orders environments and line groups.
ENVIRONMENT_ORDER = ("dev", "staging", "prod", "default")
GROUP_ORDER = GROUPS
UNVERIFIED_MARK = "*"
_TRAFFIC_LABELS = {
    "requests": "requests",
    "load_balancer_gb": "GB through the load balancer",
    "nat_gb": "GB through NAT (AWS)",
    "log_ingestion_gb": "GB of logs ingested",
    "object_storage_gb_per_bucket": "GB stored per bucket",
    "image_storage_gb_per_repository": "GB of images per repository",
    "mean_request_seconds": "seconds per request (Cloud Run)",
}


def render(estimate: Estimate, output_format: str = "text", maximum: Estimate | None = None) -> str:
    """The estimate in ``output_format`` (``text`` or ``markdown``); with ``maximum`` (the same output at maximum
    capacity) its totals and the lines that differ there too."""
    if output_format not in FORMATS:
        raise ValueError(f"format {output_format!r}: choose from {', '.join(FORMATS)}")
    parts = _markdown(estimate, maximum) if output_format == "markdown" else _text(estimate, maximum)
    return "\n".join(parts) + "\n"


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def total_text(total: float, complete: bool) -> str:
    """``$657.40``, or ``unknown, at least $412.37`` when a resource is not priced (the total is then a lower bound)."""
    return money(total) if complete else f"unknown, at least {money(total)}"


def change_text(difference: float | None) -> str:
    """``+$245.28``, ``-$3.10``, ``$0.00``, or ``unknown`` (a side is not fully priced)."""
    if difference is None:
        return "unknown"
    if round(difference, 2) == 0:
        return "$0.00"
    return f"{'+' if difference > 0 else '-'}{money(abs(difference))}"


def unit_price(value: float) -> str:
    """A unit price with every significant digit, at least cents, and no exponent: ``$0.0000025``, ``$0.50``."""
    whole, _, fraction = f"{value:.10f}".partition(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def number(value: float) -> str:
    """An assumption as written: ``1,000,000``, ``0.2``."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def quantity(value: float) -> str:
    return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"


def _header(table: PriceTable) -> list[str]:
    regions = " and ".join(f"{region} ({cloud})" for cloud, region in sorted(table.regions().items()))
    unverified = len(table.unverified())
    assumptions = table.assumptions
    return [
        f"Prices: on-demand list prices of {regions}, checked {table.checked}, from {table.source}; each price's "
        f"source page is in that file. {unverified} of {len(table.prices)} prices could not be verified there "
        f"and are marked {UNVERIFIED_MARK}.",
        f"Not included: {table.not_included}.",
        f"Hours: {assumptions.hours_per_month:g} a month. At minimum capacity services run at their minimum all month, "
        "less the hours a schedule scales them to zero (office hours); at maximum capacity every service runs its "
        "maximum (the autoscaling target's and the schedule's max_capacity, Cloud Run's max_instance_count) all month, "
        "busy. Traffic is the same at both.",
        "Fargate: task vCPU and memory from the task definition, task count from the autoscaling target's "
        "min_capacity (else desired_count), split by the capacity-provider strategy (base first, then by weight).",
        "Cloud Run: minimum instances billed all month, at the idle rate when CPU is allocated only during requests "
        "(cpu_idle); serving time = requests x seconds per request / concurrency, at the active rate.",
        f"Backups: {assumptions.backup_storage_to_disk_ratio:g} x the provisioned disk retained (RDS: the first "
        "100 % is free). Logs without retention count as "
        f"{assumptions.log_retention_months_if_forever:g} months stored.",
    ]


def _traffic_rows(table: PriceTable) -> tuple[list[str], list[list[str]]]:
    names = sorted(table.assumptions.traffic, key=lambda name: (_environment_rank(name), name))
    rows = []
    for field in TRAFFIC_FIELDS:
        values = [getattr(table.assumptions.traffic[name], field) for name in names]
        rows.append([_TRAFFIC_LABELS[field], *(number(value) for value in values)])
    return names, rows


def prices_used(estimate: Estimate) -> list[Price]:
    """Every price some line uses, by key."""
    used = {line.price.key: line.price for stack in estimate.stacks for line in stack.lines}
    return [used[key] for key in sorted(used)]


def _line_arithmetic(line: LineItem) -> str:
    mark = UNVERIFIED_MARK if line.price.verified == "unverified" else ""
    return f"{quantity(line.quantity)} {line.price.unit} x {unit_price(line.price.value)}{mark}"


def _environment_rank(name: str | None) -> int:
    return ENVIRONMENT_ORDER.index(name) if name in ENVIRONMENT_ORDER else len(ENVIRONMENT_ORDER)


def ordered_stacks(stacks: Sequence[StackEstimate]) -> list[StackEstimate]:
    """By cloud, then dev, staging, prod (other environments after), then name."""
    return sorted(stacks, key=lambda stack: (stack.cloud, _environment_rank(stack.environment), stack.name))


def budget_rows(estimate: Estimate, maximum: Estimate | None) -> list[tuple[str, str, str, str]]:
    """``(budget, covers, at minimum, at maximum)`` of each budget, the totals of the stacks it covers (every stack of
    its cloud and environment) with their share of it: ``$1,041.33 (35%)``."""
    tops = {(group.budget.address, group.environment): group for group in (maximum.budget_groups() if maximum else [])}
    rows = []
    for group in sorted(estimate.budget_groups(), key=lambda group: (group.cloud, _environment_rank(group.environment))):
        top = tops.get((group.budget.address, group.environment))
        rows.append((f"{money(group.budget.amount)} {group.cloud} {group.environment or '-'}",
                     ", ".join(stack.name for stack in group.stacks), _group_text(group),
                     _group_text(top) if top else "-"))
    return rows


def _group_text(group: BudgetGroup) -> str:
    share = "" if group.share is None else f" ({group.share:.0%}{'' if group.complete else ' or more'})"
    return total_text(group.total, group.complete) + share


def _grouped(stack: StackEstimate) -> Iterator[tuple[str, list[LineItem]]]:
    groups: dict[str, list[LineItem]] = {}
    for line in stack.lines:
        groups.setdefault(line.group, []).append(line)
    yield from sorted(groups.items(), key=lambda item: GROUP_ORDER.index(item[0]) if item[0] in GROUP_ORDER else len(GROUP_ORDER))


def _findings(stack: StackEstimate) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` of what the total leaves out; not-estimated resources grouped by type and reason."""
    by_type: dict[tuple[str, str], int] = {}
    for finding in stack.not_estimated:
        key = (finding.address.split(".", 1)[0], finding.reason)
        by_type[key] = by_type.get(key, 0) + 1
    for (resource_type, reason), count in by_type.items():
        yield "not estimated", f"{resource_type} ({count}): {reason}"
    for finding in stack.unpriced:
        yield "NOT PRICED", f"{finding.address}: {finding.reason}"
    for note in stack.notes:
        yield "note", note


def _stack_title(stack: StackEstimate) -> str:
    traffic = stack.traffic_name if stack.traffic_name == stack.environment else f"{stack.traffic_name} traffic"
    return f"{stack.name} ({stack.cloud}, {stack.environment or 'environment unknown'}, traffic: {traffic})"


def _maximum_of(stack: StackEstimate, maximum: Estimate | None) -> StackEstimate | None:
    return next((other for other in maximum.stacks if other.name == stack.name), None) if maximum else None


def lines_at_maximum(stack: StackEstimate, at_maximum: StackEstimate) -> list[LineItem]:
    """The lines of the maximum-capacity estimate that the minimum-capacity one does not have as they are."""
    at_minimum = {(line.address, line.label, line.quantity, line.price.key) for line in stack.lines}
    return [line for line in at_maximum.lines if (line.address, line.label, line.quantity, line.price.key) not in at_minimum]


def over_budget(estimate: Estimate) -> list[str]:
    """One line per budget its covered stacks' estimate exceeds."""
    return [f"{group.budget.address} ({group.cloud} {group.environment}): the estimate of "
            f"{', '.join(stack.name for stack in group.stacks)} is {total_text(group.total, group.complete)}, over "
            f"{money(group.budget.amount)}" for group in estimate.budget_groups() if group.total > group.budget.amount]


# --- text ---------------------------------------------------------------------------------------------------


def _text(estimate: Estimate, maximum: Estimate | None) -> Iterator[str]:
    yield f"Estimated monthly cost in {estimate.table.currency} of {estimate.source}"
    yield ""
    for paragraph in _header(estimate.table):
        yield f"- {paragraph}"
    names, rows = _traffic_rows(estimate.table)
    yield "- Traffic a month, by environment:"
    width = max(len(row[0]) for row in rows)
    yield "    " + " " * width + "".join(f"{name:>14}" for name in names)
    for label, *values in rows:
        yield f"    {label:<{width}}" + "".join(f"{value:>14}" for value in values)
    yield ""
    stacks = ordered_stacks(estimate.stacks)
    width = max((len(stack.name) for stack in stacks), default=5)
    yield f"{'stack':<{width}}  {'cloud':<7} {'environment':<12} {'at minimum':>28}  at maximum"
    for stack in stacks:
        top = _maximum_of(stack, maximum)
        yield (f"{stack.name:<{width}}  {stack.cloud:<7} {stack.environment or '-':<12} "
               f"{total_text(stack.total, stack.complete):>28}  {total_text(top.total, top.complete) if top else '-'}")
    yield from _text_budgets(estimate, maximum)
    for stack in stacks:
        yield from _text_stack(stack, _maximum_of(stack, maximum))
    yield ""
    yield f"Prices used ({estimate.table.source}, checked {estimate.table.checked}):"
    for price in prices_used(estimate):
        mark = f" {UNVERIFIED_MARK}unverified" if price.verified == "unverified" else f" ({price.verified})"
        yield f"  {price.key}: {unit_price(price.value)} per {price.unit}, {price.region}{mark}  {price.source}"


def _text_budgets(estimate: Estimate, maximum: Estimate | None) -> Iterator[str]:
    rows = budget_rows(estimate, maximum)
    if not rows:
        return
    yield ""
    yield "Budgets (each covers every stack of its cloud and environment):"
    for budget, covers, at_minimum, at_maximum in rows:
        yield f"  {budget}: {at_minimum} at minimum, {at_maximum} at maximum; covers {covers}"
    for line in over_budget(estimate):
        yield f"  OVER BUDGET: {line}"


def _text_stack(stack: StackEstimate, top: StackEstimate | None) -> Iterator[str]:
    yield ""
    yield f"{_stack_title(stack)}: {total_text(stack.total, stack.complete)} a month at minimum capacity"
    for group, lines in _grouped(stack):
        yield f"  {group}"
        for line in lines:
            yield f"    {money(line.amount):>10}  {line.label}  [{_line_arithmetic(line)}]"
    yield f"    {money(stack.total):>10}  total{'' if stack.complete else ' of the priced lines'}"
    differing = lines_at_maximum(stack, top) if top is not None else []
    if top is not None and not differing:
        yield "  At maximum capacity: the same (nothing in the stack scales)"
    elif top is not None:
        yield f"  At maximum capacity: {total_text(top.total, top.complete)} a month; the lines that differ:"
        for line in differing:
            yield f"    {money(line.amount):>10}  {line.label}  [{_line_arithmetic(line)}]"
    for kind, text in _findings(stack):
        yield f"  {kind}: {text}"


# --- markdown -----------------------------------------------------------------------------------------------


def _markdown(estimate: Estimate, maximum: Estimate | None) -> Iterator[str]:
    yield f"## Estimated monthly cost ({estimate.table.currency})"
    yield ""
    stacks = ordered_stacks(estimate.stacks)
    yield "| stack | cloud | environment | at minimum capacity | at maximum capacity |"
    yield "| --- | --- | --- | ---: | ---: |"
    for stack in stacks:
        top = _maximum_of(stack, maximum)
        yield (f"| `{stack.name}` | {stack.cloud} | {stack.environment or '-'} | {total_text(stack.total, stack.complete)} "
               f"| {total_text(top.total, top.complete) if top else '-'} |")
    rows = budget_rows(estimate, maximum)
    if rows:
        yield ""
        yield "| budget | covers | at minimum capacity | at maximum capacity |"
        yield "| --- | --- | ---: | ---: |"
        for budget, covers, at_minimum, at_maximum in rows:
            yield f"| {budget} | {covers} | {at_minimum} | {at_maximum} |"
        for line in over_budget(estimate):
            yield ""
            yield f"**Over budget**: {line}"
    yield ""
    yield "**Assumptions**"
    yield ""
    for paragraph in _header(estimate.table):
        yield f"- {paragraph}"
    yield ""
    names, rows_ = _traffic_rows(estimate.table)
    yield "| traffic a month | " + " | ".join(names) + " |"
    yield "| --- |" + " ---: |" * len(names)
    for label, *values in rows_:
        yield f"| {label} | " + " | ".join(values) + " |"
    for stack in stacks:
        yield from _markdown_stack(stack, _maximum_of(stack, maximum))
    yield ""
    yield f"<details><summary>Prices used ({estimate.table.source}, checked {estimate.table.checked})</summary>"
    yield ""
    yield "| price | value | region | verified | source |"
    yield "| --- | ---: | --- | --- | --- |"
    for price in prices_used(estimate):
        yield (f"| `{price.key}` | {unit_price(price.value)} per {price.unit} | {price.region} | {price.verified} "
               f"| {price.source} |")
    yield ""
    yield "</details>"
    yield ""
    yield f"{UNVERIFIED_MARK} price not verified on the provider's page or a dated copy of it; see `{estimate.table.source}`."


def _markdown_line(group: str, line: LineItem) -> str:
    label = line.label.replace("|", "\\|")
    return f"| {group} | {label} | {_line_arithmetic(line)} | {money(line.amount)} |"


def _markdown_stack(stack: StackEstimate, top: StackEstimate | None) -> Iterator[str]:
    yield ""
    yield f"### `{stack.name}`: {total_text(stack.total, stack.complete)} a month at minimum capacity"
    yield ""
    yield f"{stack.cloud}, environment {stack.environment or 'unknown'}, traffic assumptions: {stack.traffic_name}"
    yield ""
    yield "| group | item | quantity x unit price | monthly |"
    yield "| --- | --- | --- | ---: |"
    for group, lines in _grouped(stack):
        for line in lines:
            yield _markdown_line(group, line)
    yield f"| | **total{'' if stack.complete else ' of the priced lines'}** | | **{money(stack.total)}** |"
    differing = lines_at_maximum(stack, top) if top is not None else []
    if top is not None and not differing:
        yield ""
        yield "At maximum capacity: the same (nothing in the stack scales)."
    elif top is not None:
        yield ""
        yield f"At maximum capacity: **{total_text(top.total, top.complete)}** a month; the lines that differ:"
        yield ""
        yield "| group | item | quantity x unit price | monthly |"
        yield "| --- | --- | --- | ---: |"
        for line in differing:
            yield _markdown_line(line.group, line)
    findings = list(_findings(stack))
    if findings:
        yield ""
        for kind, text in findings:
            yield f"- {'**Not priced**' if kind == 'NOT PRICED' else kind.capitalize()}: {text}"
