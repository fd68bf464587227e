"""A read-only view of one stack's synthesized Terraform JSON, as the rules need it (no cdktf).

cdktf writes a nested block either as an object or as a list of objects (``"versioning": {...}`` or
``"default_action": [{...}]``); :func:`blocks` reads both. References are Terraform interpolations such
as ``${aws_s3_bucket.data_bucket_51E298BF.id}``; :meth:`StackDocument.refers_to` tells whether a value
points at a given resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..analysis.review.changes import METADATA_KEY, WAIVERS_KEY
from ..terraform_json import blocks

_REFERENCE = re.compile(r"^\$\{(?P<address>(data\.)?[a-z][a-z0-9_-]*\.[A-Za-z0-9_-]+)\.(?P<attribute>[a-z_]+)[^{}]*\}$")


@dataclass(frozen=True)
class Element:
    """One resource or data source of the stack.

    Attributes:
        kind: ``resource`` or ``data``.
        type: The Terraform type, e.g. ``aws_s3_bucket``.
        name: The logical id, e.g. ``data_bucket_51E298BF``.
        body: Its JSON object, as synthesized.
    """

    kind: str
    type: str
    name: str
    body: Mapping[str, Any]

    @property
    def address(self) -> str:
        """Terraform's address: ``aws_s3_bucket.x`` or ``data.aws_iam_policy_document.x``."""
        return f"{'data.' if self.kind == 'data' else ''}{self.type}.{self.name}"

    @property
    def path(self) -> str:
        """The construct path cdktf records in the metadata (the address where there is none)."""
        metadata = self.body.get(METADATA_KEY)
        path = metadata.get("metadata", {}).get("path") if isinstance(metadata, dict) else None
        return path if isinstance(path, str) else self.address

    @property
    def waivers(self) -> Mapping[str, Any]:
        """The ``//.waivers`` entry: reasons by rule id (empty when there is none)."""
        metadata = self.body.get(METADATA_KEY)
        waivers = metadata.get(WAIVERS_KEY) if isinstance(metadata, dict) else None
        return waivers if isinstance(waivers, dict) else {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)


def block(value: Any) -> dict[str, Any]:
    """The first object of a nested block (empty when absent)."""
    found = blocks(value)
    return found[0] if found else {}


def dig(body: Mapping[str, Any], *path: str) -> Any:
    """The value at ``path`` through single nested blocks: ``dig(b, "settings", "availability_type")``."""
    value: Any = body
    for key in path:
        value = block(value).get(key)
        if value is None:
            return None
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_true(value: Any) -> bool:
    return value is True or value == "true"


def as_list(value: Any) -> list[Any]:
    """A scalar or list as a list (None: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def parse_json(value: Any) -> Any:
    """A JSON document held in a string (ECS container definitions, IAM policies), or None."""
    if not isinstance(value, str) or value[:1] not in ("{", "["):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (keys excluded, cdktf metadata skipped)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != METADATA_KEY:
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def reference(value: Any) -> tuple[str, str] | None:
    """``("aws_s3_bucket.x", "id")`` for ``"${aws_s3_bucket.x.id}"``; None for anything else."""
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    return (match["address"], match["attribute"]) if match else None


class StackDocument:
    """The resources, data sources and providers of one synthesized stack."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.resources = self._elements("resource")
        self.data_sources = self._elements("data")
        self._by_address = {element.address: element for element in (*self.resources, *self.data_sources)}

    def _elements(self, kind: str) -> list[Element]:
        return [
            Element(kind, element_type, name, body)
            for element_type, instances in sorted(self.document.get(kind, {}).items())
            for name, body in sorted(instances.items())
            if isinstance(body, dict)
        ]

    def of_type(self, *types: str) -> list[Element]:
        """The resources of the given types, in a stable order."""
        return [element for element in self.resources if element.type in types]

    def referenced(self, value: Any, *attributes: str) -> Element | None:
        """The resource or data source that ``value`` refers to (one of ``attributes``, any when none given)."""
        found = reference(value)
        if found is None or (attributes and found[1] not in attributes):
            return None
        return self._by_address.get(found[0])

    def refers_to(self, value: Any, target: Element, *attributes: str, literal: str | None = None) -> bool:
        """Whether ``value`` is a reference to ``target`` (through one of ``attributes``), or equals ``literal``."""
        if literal is not None and isinstance(value, str) and value == literal:
            return True
        return self.referenced(value, *attributes) is target

    def provider(self, element: Element) -> dict[str, Any]:
        """The provider configuration ``element`` uses: its ``provider`` meta-argument, else the default one."""
        selected = element.get("provider")
        if isinstance(selected, str) and "." in selected:
            name, alias = selected.split(".", 1)
        else:
            name, alias = (selected if isinstance(selected, str) else element.type.split("_", 1)[0]), None
        for configuration in blocks(self.document.get("provider", {}).get(name)):
            if configuration.get("alias") == alias:
                return configuration
        return {}
