"""Stacks: one per cloud and environment, composed from ``constructs_lib`` and the validated config.

Stack modules are imported on demand (``stacks.aws_platform_stack``, ``stacks.gcp_platform_stack``)
so that a run selecting one cloud never loads the other cloud's provider bindings.
"""


def stack_name(project: str, cloud: str, environment: str) -> str:
    """The stable stack name, e.g. ``duckdb-analytics-aws-prod``. Renaming a stack orphans its state."""
    return f"{project}-{cloud}-{environment}"
