"""Reading synthesized Terraform JSON, shared by the guardrails (``policy``) and the cost estimate (``cost``).

Plain Python: no cdktf import, so the readers of written JSON stay free of the jsii runtime.
"""

from __future__ import annotations

from typing import Any


def blocks(value: Any) -> list[dict[str, Any]]:
    """A nested block as a list of objects, whether cdktf wrote one object or a list (absent: empty)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []
