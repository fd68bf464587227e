"""Stacks: per cloud and environment a bootstrap stack and a platform stack, composed from ``constructs_lib``,
and an AWS standby stack (disaster recovery in another region) for an environment with ``[dr]``.

Stack modules are imported on demand (``stacks.aws_platform_stack``, ``stacks.gcp_bootstrap_stack``, ...)
so that a run selecting one cloud never loads the other cloud's provider bindings. This module imports
no cdktf: it names the stacks, for the synthesis and for the delivery tooling alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config import EnvironmentConfig

#: What each environment of each cloud has: ``bootstrap`` (state bucket, deploy identities, image
#: repositories; applied by an administrator) and ``platform`` (everything else; applied by the pipeline);
#: an environment with ``[dr]`` also has a ``standby`` on the clouds of :data:`STANDBY_CLOUDS` (applied by
#: the pipeline before the platform: the platform replicates into it). In this order.
KINDS: tuple[str, ...] = ("bootstrap", "standby", "platform")
#: Clouds whose disaster-recovery standby is a stack of its own (GCP's standby region lives in the
#: environment's one platform stack: its global load balancer serves both regions).
STANDBY_CLOUDS: tuple[str, ...] = ("aws",)


def stack_name(project: str, cloud: str, environment: str, kind: str = "platform") -> str:
    """The stable stack name: ``duckdb-analytics-aws-prod``, ``duckdb-analytics-aws-prod-bootstrap``,
    ``duckdb-analytics-aws-prod-standby``.

    Renaming a stack orphans its state.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown stack kind {kind!r} (choose from {', '.join(KINDS)})")
    base = f"{project}-{cloud}-{environment}"
    return base if kind == "platform" else f"{base}-{kind}"


#: Object names (without ``.tfstate``) of the states of an environment in its S3 bucket (backends.py).
STATE_OBJECTS = {"platform": "terraform", "bootstrap": "bootstrap", "standby": "standby"}


def uses_bucket(cloud: str, kind: str, config: EnvironmentConfig) -> bool:
    """Whether the stack keeps its state in the environment's bucket (else in a local file, see backends.py)."""
    if kind != "bootstrap":
        return True
    return config.state.aws_bootstrap_migrated if cloud == "aws" else config.state.gcp_bootstrap_migrated


@dataclass(frozen=True)
class StackRef:
    """One stack of a selection: its name, cloud, environment and kind."""

    name: str
    cloud: str
    environment: str
    kind: str


def has_stack(cloud: str, environment: str, kind: str, standby_environments: Collection[str]) -> bool:
    """Whether ``cloud`` and ``environment`` have a stack of ``kind``: a standby only with ``[dr]`` on a standby cloud."""
    return kind != "standby" or (cloud in STANDBY_CLOUDS and environment in standby_environments)


def standby_environments(configs: Iterable[EnvironmentConfig]) -> tuple[str, ...]:
    """The environments among ``configs`` with a ``[dr]`` section (the ``standby_environments`` of ``stack_refs``)."""
    return tuple(config.environment for config in configs if config.aws_dr is not None)


def stack_refs(project: str, clouds: Sequence[str], environments: Sequence[str],
               kinds: Sequence[str] = KINDS, *, standby_environments: Collection[str] = ()) -> list[StackRef]:
    """The selected stacks in synthesis (and apply) order: by cloud, then environment, then ``KINDS``.

    ``standby_environments``: the environments with ``[dr]`` (their standby stack is part of the selection).
    """
    from config import CLOUDS, ENVIRONMENTS

    return [
        StackRef(stack_name(project, cloud, environment, kind), cloud, environment, kind)
        for cloud in CLOUDS if cloud in clouds
        for environment in ENVIRONMENTS if environment in environments
        for kind in KINDS if kind in kinds and has_stack(cloud, environment, kind, standby_environments)
    ]
