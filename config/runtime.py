"""Settings taken from the process environment rather than from files.

State backends used to be chosen by variables; they come from ``config/<env>.toml`` ``[state]`` now,
where the bootstrap stacks create the buckets. A variable of the old scheme that is still set is an
error rather than silently ignored, so nobody plans against a backend they did not mean.
"""

from __future__ import annotations

from typing import Mapping

from .reader import Problems

#: Variables that chose the state backend before the buckets came from config (CHANGELOG 0.3.0).
RETIRED_STATE_VARIABLES: tuple[str, ...] = ("TERRAFORM_STATE_BUCKET", "TERRAFORM_STATE_REGION", "GCP_STATE_BUCKET")


def check_retired_variables(problems: Problems, environ: Mapping[str, str]) -> None:
    """Reports each retired state variable that is set."""
    for name in RETIRED_STATE_VARIABLES:
        value = environ.get(name)
        if value:
            problems.add(name, "is no longer read: state buckets come from config/<env>.toml [state] "
                               "(aws_bucket, gcp_bucket); unset it", value)
