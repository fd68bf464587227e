"""Stacks: one per cloud and environment, composed from ``constructs_lib`` and the validated config.

Stack modules are imported on demand (``stacks.aws_platform_stack``, ``stacks.gcp_platform_stack``)
so that a run selecting one cloud never loads the other cloud's provider bindings.
"""

#: The suffix of a standby stack's name (disaster recovery in another region, see README).
STANDBY_SUFFIX = "standby"


def stack_name(project: str, cloud: str, environment: str, *, standby: bool = False) -> str:
    """The stable stack name, e.g. ``duckdb-analytics-aws-prod`` (``...-prod-standby`` for the standby region).

    Renaming a stack orphans its state.
    """
    name = f"{project}-{cloud}-{environment}"
    return f"{name}-{STANDBY_SUFFIX}" if standby else name
