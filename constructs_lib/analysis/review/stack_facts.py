"""What a stack's own JSON says about it: its cloud, its environment, whether it is a disaster-recovery standby.

Read from the providers' default tags (AWS) and labels (Google), which every resource inherits; the
stack name is the fallback for the environment. Shared by the risk review and the cost estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...terraform_json import blocks

#: The ``DisasterRecovery`` tag value of a standby stack's AWS providers.
STANDBY_TAG_VALUE = "standby"
#: Environments in the order a reviewer reads them: production first.
ENVIRONMENT_ORDER = ("prod", "staging", "dev")
_CLOUD_PREFIXES = {"aws": "aws_", "gcp": "google_"}


@dataclass(frozen=True)
class StackFacts:
    """A stack as its JSON describes it.

    Attributes:
        name: The stack name.
        cloud: ``aws``, ``gcp``, ``aws+gcp`` by its resource types; ``none`` without either.
        environment: The ``Environment`` tag or ``environment`` label, else the last part of the name; None if neither.
        standby: True for a disaster-recovery standby stack (AWS providers tagged ``DisasterRecovery = standby``).
    """

    name: str
    cloud: str
    environment: str | None
    standby: bool

    @property
    def rank(self) -> tuple[int, str]:
        """Sort key: production first, then staging, dev and any other environment, then by name."""
        return environment_rank(self.environment), self.name


def stack_facts(name: str, document: Mapping[str, Any]) -> StackFacts:
    """The facts of one stack's Terraform JSON document."""
    return StackFacts(name, stack_cloud(document), stack_environment(name, document), is_standby(document))


def environment_rank(environment: str | None) -> int:
    """0 for prod, 1 for staging, 2 for dev, 3 for anything else."""
    return ENVIRONMENT_ORDER.index(environment) if environment in ENVIRONMENT_ORDER else len(ENVIRONMENT_ORDER)


def is_standby(document: Mapping[str, Any]) -> bool:
    """True for a stack whose AWS providers tag every resource ``DisasterRecovery = standby``."""
    return any(tags.get("DisasterRecovery") == STANDBY_TAG_VALUE for tags in _aws_default_tags(document))


def stack_environment(name: str, document: Mapping[str, Any]) -> str | None:
    """The ``Environment`` tag (AWS) or ``environment`` label (GCP) of the stack's providers, else the last part
    of the stack name (``duckdb-analytics-aws-prod`` -> ``prod``)."""
    for tags in _aws_default_tags(document):
        if tags.get("Environment"):
            return str(tags["Environment"])
    for provider in _providers(document, "google"):
        labels = provider.get("default_labels")
        if isinstance(labels, Mapping) and labels.get("environment"):
            return str(labels["environment"])
    return name.rsplit("-", 1)[-1] if "-" in name else None


def stack_cloud(document: Mapping[str, Any]) -> str:
    """``aws``, ``gcp``, ``aws+gcp`` by the resource types in the stack; ``none`` without either."""
    resources = document.get("resource", {})
    types = set(resources) if isinstance(resources, Mapping) else set()
    clouds = [cloud for cloud, prefix in _CLOUD_PREFIXES.items() if any(name.startswith(prefix) for name in types)]
    return "+".join(clouds) or "none"


def _providers(document: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    providers = document.get("provider", {})
    return blocks(providers.get(name)) if isinstance(providers, Mapping) else []


def _aws_default_tags(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    for provider in _providers(document, "aws"):
        for default_tags in blocks(provider.get("default_tags")):
            if isinstance(default_tags.get("tags"), Mapping):
                found.append(default_tags["tags"])
    return found
