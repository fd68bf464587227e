"""Validation helpers shared by the props dataclasses of the GCP constructs.

Every check raises ``ValueError("<Props>.<attribute> must <rule>, got <value>")``. Values that are
Terraform expressions (cdktf tokens, known only at apply time) are not checked against patterns.
"""

from __future__ import annotations

import re
from typing import Any

from cdktf import Token

#: Names of most Google Cloud resources (RFC 1035): a lowercase letter, then letters, digits or hyphens.
RESOURCE_NAME = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
RESOURCE_NAME_RULE = "be 1 to 63 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen"
REGION = re.compile(r"[a-z]+-[a-z]+[0-9]")
REGION_RULE = "be a Google Cloud region such as us-central1"


def is_token(value: object) -> bool:
    """True for a value known only when Terraform applies (a reference to another resource)."""
    return isinstance(value, str) and Token.is_unresolved(value)


def require(condition: bool, props: object, attribute: str, rule: str) -> None:
    """Raises the library's ValueError for ``props.attribute`` unless ``condition`` holds."""
    if not condition:
        value: Any = getattr(props, attribute)
        raise ValueError(f"{type(props).__name__}.{attribute} must {rule}, got {value!r}")


def require_match(pattern: re.Pattern[str], props: object, attribute: str, rule: str) -> None:
    """Checks a string attribute against ``pattern`` unless it is a Terraform expression."""
    value = getattr(props, attribute)
    require(is_token(value) or (isinstance(value, str) and pattern.fullmatch(value) is not None), props, attribute, rule)


def require_range(props: object, attribute: str, low: float, high: float, unit: str = "") -> None:
    """Checks that a number lies in ``low..high`` (inclusive)."""
    value = getattr(props, attribute)
    suffix = f" {unit}" if unit else ""
    require(low <= value <= high, props, attribute, f"be {low} to {high}{suffix}")
