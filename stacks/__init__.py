"""Stacks: per cloud and environment a bootstrap stack and a platform stack, composed from ``constructs_lib``.

Stack modules are imported on demand (``stacks.aws_platform_stack``, ``stacks.gcp_bootstrap_stack``, ...)
so that a run selecting one cloud never loads the other cloud's provider bindings. This module imports
no cdktf: it names the stacks, for the synthesis and for the delivery tooling alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config import EnvironmentConfig

#: What each environment of each cloud has: ``bootstrap`` (state bucket, deploy identities, image
#: repositories; applied by an administrator) and ``platform`` (everything else; applied by the pipeline).
KINDS: tuple[str, ...] = ("bootstrap", "platform")


def stack_name(project: str, cloud: str, environment: str, kind: str = "platform") -> str:
    """The stable stack name: ``duckdb-analytics-aws-prod``, ``duckdb-analytics-aws-prod-bootstrap``.

    Renaming a stack orphans its state.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown stack kind {kind!r} (choose from {', '.join(KINDS)})")
    base = f"{project}-{cloud}-{environment}"
    return base if kind == "platform" else f"{base}-{kind}"


#: Object names (without ``.tfstate``) of the two states of an environment in its S3 bucket (backends.py).
STATE_OBJECTS = {"platform": "terraform", "bootstrap": "bootstrap"}


def uses_bucket(cloud: str, kind: str, config: EnvironmentConfig) -> bool:
    """Whether the stack keeps its state in the environment's bucket (else in a local file, see backends.py)."""
    if kind == "platform":
        return True
    return config.state.aws_bootstrap_migrated if cloud == "aws" else config.state.gcp_bootstrap_migrated


@dataclass(frozen=True)
class StackRef:
    """One stack of a selection: its name, cloud, environment and kind."""

    name: str
    cloud: str
    environment: str
    kind: str


def stack_refs(project: str, clouds: Sequence[str], environments: Sequence[str],
               kinds: Sequence[str] = KINDS) -> list[StackRef]:
    """The selected stacks in synthesis order: by cloud, then environment, the bootstrap before the platform."""
    from config import CLOUDS, ENVIRONMENTS

    return [
        StackRef(stack_name(project, cloud, environment, kind), cloud, environment, kind)
        for cloud in CLOUDS if cloud in clouds
        for environment in ENVIRONMENTS if environment in environments
        for kind in KINDS if kind in kinds
    ]
