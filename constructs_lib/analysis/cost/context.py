"""What an estimator of one resource type gets: the stack document, the table, and a place to put lines.

Each estimator handles every resource of one type in a stack at once (a NAT gateway's share of the
traffic depends on how many there are). :func:`estimator` registers it; the types registered are the
types the estimate prices, which the guard against silently unpriced types relies on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ...terraform_json import blocks
from .model import MAXIMUM, Finding, LineItem, StackEstimate
from .prices import Price, PriceTable, Traffic

Resources = Mapping[str, Mapping[str, Any]]
Estimator = Callable[["StackContext", Resources], None]

#: The groups of line items, in the order reports show them.
COMPUTE, NETWORK, DATA, SECURITY, OBSERVABILITY = "Compute", "Network", "Data", "Security", "Logs and monitoring"
GROUPS = (COMPUTE, NETWORK, DATA, SECURITY, OBSERVABILITY)
#: Days in the 730-hour month both providers bill.
DAYS_PER_MONTH = 730 / 24

_REFERENCE = re.compile(r"\$\{(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?:\.[^}]*)?\}")
_ESTIMATORS: dict[str, Estimator] = {}


def estimator(resource_type: str) -> Callable[[Estimator], Estimator]:
    """Registers the decorated function as the estimator of ``resource_type``."""

    def register(function: Estimator) -> Estimator:
        if resource_type in _ESTIMATORS:
            raise ValueError(f"{resource_type}: estimator registered twice")
        _ESTIMATORS[resource_type] = function
        return function

    return register


def estimators() -> Mapping[str, Estimator]:
    """Every registered estimator by resource type."""
    return dict(_ESTIMATORS)


def references(value: Any) -> Iterator[tuple[str, str]]:
    """Every ``(type, name)`` that ``value`` (a string, list or object) refers to with ``${type.name...}``."""
    if isinstance(value, str):
        for match in _REFERENCE.finditer(value):
            yield match["type"], match["name"]
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def display_name(name: str, body: Mapping[str, Any]) -> str:
    """A resource's own name for the report (``name``, ``bucket``, ...), else its logical id."""
    for attribute in ("name", "bucket", "bucket_prefix", "repository_id", "secret_id", "identifier", "description"):
        value = body.get(attribute)
        if isinstance(value, str) and value and "${" not in value:
            return value
    return name


def first_block(value: Any) -> Mapping[str, Any]:
    found = blocks(value)
    return found[0] if found else {}


@dataclass
class StackContext:
    """One stack being estimated."""

    document: Mapping[str, Any]
    table: PriceTable
    estimate: StackEstimate

    @property
    def hours(self) -> float:
        return self.table.assumptions.hours_per_month

    @property
    def seconds(self) -> float:
        return self.table.assumptions.seconds_per_month

    @property
    def traffic(self) -> Traffic:
        return self.estimate.traffic

    @property
    def at_maximum(self) -> bool:
        """True when services are estimated at their maximum capacity all month, not at their minimum."""
        return self.estimate.capacity == MAXIMUM

    def resources(self, resource_type: str) -> Resources:
        return self.document.get("resource", {}).get(resource_type, {})

    def resolve(self, value: Any, resource_type: str) -> tuple[str, Mapping[str, Any]] | None:
        """The resource of ``resource_type`` that ``value`` refers to, as ``(name, body)``; None if none."""
        for found_type, name in references(value):
            if found_type == resource_type and name in self.resources(resource_type):
                return name, self.resources(resource_type)[name]
        return None

    def referring(self, resource_type: str, target_type: str, target_name: str,
                  attribute: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The resources of ``resource_type`` whose ``attribute`` refers to ``target_type.target_name``."""
        return [(name, body) for name, body in self.resources(resource_type).items()
                if (target_type, target_name) in set(references(body.get(attribute)))]

    def price(self, key: str) -> Price | None:
        return self.table.get(key)

    def line(self, group: str, address: str, label: str, quantity: float, price_key: str) -> None:
        """Adds a line; a price the table lacks makes ``address`` unpriced instead (never a silent zero)."""
        price = self.price(price_key)
        if price is None:
            self.unpriced(address, f"no price {price_key!r} in the table ({label})")
            return
        self.estimate.lines.append(LineItem(group, address, label, quantity, price))

    def unpriced(self, address: str, reason: str) -> None:
        self.estimate.unpriced.append(Finding(address, reason))

    def note(self, text: str) -> None:
        if text not in self.estimate.notes:
            self.estimate.notes.append(text)
