"""Validation helpers shared by the props dataclasses of the GCP constructs.

Every check raises :class:`~constructs_lib.props.PropError` (a ``ValueError``) in the library's one format,
``<Props>.<attribute>: must <rule>, got <value>`` (:mod:`constructs_lib.props`). Values that are Terraform
expressions (cdktf tokens, known only at apply time) are not checked against patterns. ``owner`` replaces
``<Props>`` where one class describes several things, e.g. ``ServiceSpec('api')``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Union

from cdktf import Token

from .. import props as _checks
from ..cloud_limits import GCP_PROJECT_PATTERN, GCP_REGION_PATTERN

#: Names of most Google Cloud resources (RFC 1035): a lowercase letter, then letters, digits or hyphens.
RESOURCE_NAME = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
RESOURCE_NAME_RULE = "be 1 to 63 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen"
REGION = GCP_REGION_PATTERN
REGION_RULE = "be a Google Cloud region such as us-central1"

#: An IPv4 block given as text (``"10.20.0.0/24"``) or as :class:`ipaddress.IPv4Network`.
Cidr = Union[str, ipaddress.IPv4Network]


def is_token(value: object) -> bool:
    """True for a value known only when Terraform applies (a reference to another resource)."""
    return isinstance(value, str) and Token.is_unresolved(value)


def require(condition: bool, props: object, attribute: str, rule: str, owner: str | None = None, *,
            value: Any = _checks.MISSING) -> None:
    """Raises the library's PropError for ``props.attribute`` (its value, or ``value``) unless ``condition`` holds."""
    _checks.require(condition, props, attribute, rule, owner=owner, value=value)


def require_match(pattern: re.Pattern[str], props: object, attribute: str, rule: str, owner: str | None = None) -> None:
    """Checks a string attribute against ``pattern`` unless it is a Terraform expression."""
    value = getattr(props, attribute)
    require(is_token(value) or (isinstance(value, str) and pattern.fullmatch(value) is not None), props, attribute,
            rule, owner)


def require_range(props: object, attribute: str, low: float, high: float, unit: str = "", owner: str | None = None) -> None:
    """Checks that an attribute is a number in ``low..high`` (inclusive)."""
    value = getattr(props, attribute)
    suffix = f" {unit}" if unit else ""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    kind = "a whole number" if isinstance(low, int) and isinstance(high, int) else "a number"
    require(is_number and low <= value <= high, props, attribute, f"be {kind} from {low:g} to {high:g}{suffix}", owner)


def require_cidr(props: object, attribute: str, owner: str | None = None) -> ipaddress.IPv4Network:
    """Turns a :data:`Cidr` attribute of a frozen dataclass into an ``IPv4Network`` (in place) and returns it."""
    value = getattr(props, attribute)
    network = value
    if not isinstance(value, ipaddress.IPv4Network):
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except (TypeError, ValueError):
            require(False, props, attribute, "be an IPv4 block such as '10.20.0.0/24' (host bits zero)", owner)
        object.__setattr__(props, attribute, network)
    return network


def require_strings(props: object, attribute: str, example: str, owner: str | None = None) -> tuple[str, ...]:
    """Checks that an attribute is a tuple or list of strings (a lone string would be read letter by
    letter), stores it as a tuple on the frozen ``props`` and returns it; ``example`` shows one item."""
    value = getattr(props, attribute)
    require(isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value), props, attribute,
            f"be a tuple of strings such as ({example!r},)", owner)
    object.__setattr__(props, attribute, tuple(value))
    return tuple(value)


#: A Google Cloud project ID: 6-30 lowercase letters, digits or hyphens, starting with a letter.
PROJECT_ID = GCP_PROJECT_PATTERN
PROJECT_ID_RULE = "be a Google Cloud project ID (6 to 30 lowercase letters, digits or hyphens, starting with a letter)"
