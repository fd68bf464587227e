"""What an estimate is made of: line items (a quantity times one price), per stack, for a whole output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .prices import Price, PriceTable, Traffic

#: The two capacities an estimate is made at: services at their minimum, or at their maximum all month.
MINIMUM, MAXIMUM = "minimum", "maximum"
CAPACITIES = (MINIMUM, MAXIMUM)


@dataclass(frozen=True)
class LineItem:
    """One line of a stack's estimate: ``quantity`` units of ``price`` a month.

    Attributes:
        group: The part of the platform, e.g. ``Compute`` or ``Network``, for grouping in the report.
        address: The Terraform address the line is for (or a type and count for a line over several).
        label: What is counted, with the figures behind ``quantity``.
        quantity: Units of ``price.unit`` a month.
        price: The price from the table.
    """

    group: str
    address: str
    label: str
    quantity: float
    price: Price

    @property
    def amount(self) -> float:
        """US dollars a month."""
        return self.quantity * self.price.value


@dataclass(frozen=True)
class Finding:
    """A resource the estimate says something about instead of pricing it: ``address`` and why."""

    address: str
    reason: str


@dataclass(frozen=True)
class Budget:
    """A budget the stack itself defines, to compare the estimate with: ``amount`` ``currency`` a month."""

    address: str
    amount: float
    currency: str


@dataclass
class StackEstimate:
    """The estimate of one stack.

    Attributes:
        name: The stack name.
        cloud: ``aws``, ``gcp`` (or both, ``aws+gcp``; ``none`` for a stack of neither).
        environment: The environment read from the stack's tags, labels or name; ``None`` when unknown.
        traffic_name: Which ``[assumptions.traffic.*]`` entry was used.
        traffic: Those volumes.
        lines: The priced line items.
        unpriced: Resources the table has no price for (a type it does not know, or a setting such as
            an instance class it lacks); these make the total incomplete.
        not_estimated: Resources whose usage-based cost the table says is not modelled.
        notes: Anything else the reader must know about this stack's figures.
        budgets: The monthly budgets the stack defines (AWS Budgets), for comparison with the total.
        standby: True for a disaster-recovery standby stack (its cost counts against its environment's budget).
        capacity: ``minimum`` (services at their minimum capacity) or ``maximum`` (at their maximum all month).
    """

    name: str
    cloud: str
    environment: str | None
    traffic_name: str
    traffic: Traffic
    lines: list[LineItem] = field(default_factory=list)
    unpriced: list[Finding] = field(default_factory=list)
    not_estimated: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    standby: bool = False
    capacity: str = MINIMUM

    @property
    def total(self) -> float:
        """The priced lines' sum: the whole monthly cost when :attr:`complete`, else a lower bound."""
        return sum(line.amount for line in self.lines)

    @property
    def complete(self) -> bool:
        """True when every resource is priced (or free, or named as not estimated), so the total is the estimate."""
        return not self.unpriced

    def lines_of(self, address_prefix: str) -> list[LineItem]:
        """The lines whose address starts with ``address_prefix`` (e.g. ``aws_ecs_service.backend``)."""
        return [line for line in self.lines if line.address.startswith(address_prefix)]


@dataclass(frozen=True)
class Estimate:
    """The estimate of every stack of one synthesized output at one capacity, with the table it used."""

    source: str
    table: PriceTable
    stacks: Sequence[StackEstimate]
    capacity: str = MINIMUM

    def stack(self, name: str) -> StackEstimate:
        for stack in self.stacks:
            if stack.name == name:
                return stack
        raise KeyError(name)

    def budget_groups(self) -> list[BudgetGroup]:
        """Each budget with every stack it covers: the stacks of its cloud and environment (the account or project
        the budget watches), the disaster-recovery standby and bootstrap stacks included."""
        groups = []
        for owner in self.stacks:
            for budget in owner.budgets:
                covered = [stack for stack in self.stacks
                           if (stack.cloud, stack.environment) == (owner.cloud, owner.environment)]
                groups.append(BudgetGroup(budget, owner.cloud, owner.environment, tuple(covered)))
        return groups


@dataclass(frozen=True)
class BudgetGroup:
    """One budget and the stacks whose cost counts against it."""

    budget: Budget
    cloud: str
    environment: str | None
    stacks: tuple[StackEstimate, ...]

    @property
    def total(self) -> float:
        return sum(stack.total for stack in self.stacks)

    @property
    def complete(self) -> bool:
        return all(stack.complete for stack in self.stacks)

    @property
    def share(self) -> float | None:
        """The covered stacks' total as a share of the budget (None for a zero budget)."""
        return self.total / self.budget.amount if self.budget.amount else None

