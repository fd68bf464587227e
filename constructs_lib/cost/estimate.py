"""The estimate of a synthesized output: each stack's resources through the estimator of their type.

A resource type is either priced (an estimator is registered for it), listed in the table as free, or
listed as not estimated (usage-based, named on the stack). Any other type is reported as unpriced, so a
new kind of resource never slips through as a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..review.loading import SynthesizedOutput
from . import aws, gcp  # noqa: F401  (registers the estimators)
from .context import StackContext, estimators
from .model import Estimate, Finding, StackEstimate
from .prices import PriceTable

_CLOUD_PREFIXES = {"aws": "aws_", "gcp": "google_"}
_PROVIDERS = {"aws": "aws", "gcp": "google"}


def priced_types() -> frozenset[str]:
    """The resource types an estimator prices."""
    return frozenset(estimators())


def estimate_output(output: SynthesizedOutput, table: PriceTable) -> Estimate:
    """Estimates every stack of ``output`` with the prices and assumptions of ``table``."""
    return Estimate(output.source, table, [estimate_stack(name, document, table)
                                           for name, document in sorted(output.stacks.items())])


def estimate_stack(name: str, document: Mapping[str, Any], table: PriceTable) -> StackEstimate:
    """Estimates one stack's Terraform JSON document."""
    resources: Mapping[str, Mapping[str, Any]] = document.get("resource", {})
    environment = stack_environment(name, document)
    standby = is_standby(document) and STANDBY_TRAFFIC in table.assumptions.traffic
    traffic_name, traffic = table.assumptions.traffic_for(STANDBY_TRAFFIC if standby else environment)
    estimate = StackEstimate(name, stack_cloud(document), environment, traffic_name, traffic)
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
STANDBY_TRAFFIC = "standby"


def is_standby(document: Mapping[str, Any]) -> bool:
    """True for a stack whose AWS providers tag every resource ``DisasterRecovery = standby``."""
    providers = document.get("provider", {})
    for provider in providers.get("aws", []) if isinstance(providers, Mapping) else []:
        for tags in _list(provider.get("default_tags")):
            if isinstance(tags.get("tags"), Mapping) and tags["tags"].get("DisasterRecovery") == STANDBY_TRAFFIC:
                return True
    return False


def stack_environment(name: str, document: Mapping[str, Any]) -> str | None:
    """The ``Environment`` tag (AWS) or ``environment`` label (GCP) of the stack's providers, else the last part
    of the stack name (``duckdb-analytics-aws-prod`` -> ``prod``)."""
    providers = document.get("provider", {})
    for provider in providers.get("aws", []) if isinstance(providers, Mapping) else []:
        for tags in _list(provider.get("default_tags")):
            if isinstance(tags.get("tags"), Mapping) and tags["tags"].get("Environment"):
                return str(tags["tags"]["Environment"])
    for provider in providers.get("google", []) if isinstance(providers, Mapping) else []:
        labels = provider.get("default_labels")
        if isinstance(labels, Mapping) and labels.get("environment"):
            return str(labels["environment"])
    return name.rsplit("-", 1)[-1] if "-" in name else None


def stack_cloud(document: Mapping[str, Any]) -> str:
    """``aws``, ``gcp``, ``aws+gcp`` by the resource types in the stack; ``none`` without either."""
    types = set(document.get("resource", {}))
    clouds = [cloud for cloud, prefix in _CLOUD_PREFIXES.items() if any(name.startswith(prefix) for name in types)]
    return "+".join(clouds) or "none"


def _note_regions(context: StackContext, document: Mapping[str, Any]) -> None:
    table_regions = context.table.regions()
    providers = document.get("provider", {})
    if not isinstance(providers, Mapping):
        return
    for cloud, provider_name in _PROVIDERS.items():
        for provider in _list(providers.get(provider_name)):
            region = provider.get("region")
            if region and cloud in table_regions and region != table_regions[cloud]:
                context.note(f"{provider_name} provider region {region}: priced with {table_regions[cloud]} prices")


def _list(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [item for item in value or [] if isinstance(item, Mapping)]



