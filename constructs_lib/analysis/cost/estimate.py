"""The estimate of a synthesized output: each stack's resources through the estimator of their type.

A resource type is either priced (an estimator is registered for it), listed in the table as free, or
listed as not estimated (usage-based, named on the stack). Any other type is reported as unpriced, so a
new kind of resource never slips through as a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..review.loading import SynthesizedOutput
from ..review.stack_facts import STANDBY_TAG_VALUE, is_standby, stack_cloud, stack_environment
from ...terraform_json import blocks
from . import aws_estimators, gcp_estimators  # noqa: F401  (registers the estimators)
from .context import StackContext, estimators
from .model import CAPACITIES, MINIMUM, Estimate, Finding, StackEstimate
from .prices import PriceTable

_PROVIDERS = {"aws": "aws", "gcp": "google"}


def priced_types() -> frozenset[str]:
    """The resource types an estimator prices."""
    return frozenset(estimators())


def estimate_output(output: SynthesizedOutput, table: PriceTable, capacity: str = MINIMUM) -> Estimate:
    """Estimates every stack of ``output`` with the prices and assumptions of ``table``, services at ``capacity``
    (``minimum`` or ``maximum``)."""
    return Estimate(output.source, table, [estimate_stack(name, document, table, capacity)
                                           for name, document in sorted(output.stacks.items())], capacity)


def estimate_stack(name: str, document: Mapping[str, Any], table: PriceTable, capacity: str = MINIMUM) -> StackEstimate:
    """Estimates one stack's Terraform JSON document, services at ``capacity`` (``minimum`` or ``maximum``)."""
    if capacity not in CAPACITIES:
        raise ValueError(f"capacity {capacity!r}: choose from {', '.join(CAPACITIES)}")
    resources: Mapping[str, Mapping[str, Any]] = document.get("resource", {})
    environment = stack_environment(name, document)
    standby = is_standby(document)
    traffic_name, traffic = table.assumptions.traffic_for(
        STANDBY_TRAFFIC if standby and STANDBY_TRAFFIC in table.assumptions.traffic else environment)
    estimate = StackEstimate(name, stack_cloud(document), environment, traffic_name, traffic, standby=standby,
                             capacity=capacity)
    context = StackContext(document, table, estimate)
    registered = estimators()
    for resource_type in sorted(resources):
        found = resources[resource_type]
        if not found:
            continue
        if resource_type in registered:
            registered[resource_type](context, found)
        elif resource_type in table.not_estimated:
            estimate.not_estimated.extend(
                Finding(f"{resource_type}.{resource}", table.not_estimated[resource_type]) for resource in found)
        elif resource_type not in table.free:
            estimate.unpriced.extend(
                Finding(f"{resource_type}.{resource}", "no entry for this type in the price table") for resource in found)
    _note_regions(context, document)
    if environment is None or traffic_name != environment:
        context.note(f"environment {environment or 'unknown'}: traffic assumptions of '{traffic_name}' used")
    return estimate


#: The traffic profile of a disaster-recovery standby stack, recognized by its providers' tag.
STANDBY_TRAFFIC = STANDBY_TAG_VALUE


def _note_regions(context: StackContext, document: Mapping[str, Any]) -> None:
    table_regions = context.table.regions()
    providers = document.get("provider", {})
    if not isinstance(providers, Mapping):
        return
    for cloud, provider_name in _PROVIDERS.items():
        for provider in blocks(providers.get(provider_name)):
            region = provider.get("region")
            if region and cloud in table_regions and region != table_regions[cloud]:
                context.note(f"{provider_name} provider region {region}: priced with {table_regions[cloud]} prices")
