"""What may differ between the cdktf and the cdktn synthesis of the same code, and the comparison itself.

Everything is compared as parsed JSON (Terraform reads the JSON, not its layout; cdktn writes an empty
object or list as ``{}`` / ``[]`` where cdktf wrote ``{`` newline ``}``). A difference is allowed only
where :data:`ALLOWED` names its path and its check accepts the two values; anything else, including a
key present on one side only, fails. Stdlib only.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Path = tuple[str, ...]

MANIFEST = "manifest"
STACK = "stack"
SNAPSHOT = "snapshot"  # a stack without its "//" metadata, as tests/test_snapshots.py stores it


def _any_value(old: Any, new: Any) -> bool:
    return isinstance(old, str) and isinstance(new, str)


def _same_registry_address(old: Any, new: Any) -> bool:
    """``aws`` and ``hashicorp/aws`` are one provider: Terraform reads a bare name as ``hashicorp/<name>``."""
    def qualified(source: str) -> str:
        parts = source.split("/")
        return "/".join(["registry.terraform.io", "hashicorp", *parts] if len(parts) == 1 else
                        ["registry.terraform.io", *parts] if len(parts) == 2 else parts)
    return isinstance(old, str) and isinstance(new, str) and qualified(old.lower()) == qualified(new.lower())


@dataclass(frozen=True)
class AllowedDifference:
    name: str
    kinds: tuple[str, ...]
    #: Keys from the document root; ``*`` matches any one key (fnmatch).
    path: Path
    accepts: Callable[[Any, Any], bool]
    reason: str

    def matches(self, kind: str, path: Path) -> bool:
        return (kind in self.kinds and len(path) == len(self.path)
                and all(fnmatch.fnmatchcase(key, pattern) for key, pattern in zip(path, self.path)))


ALLOWED: tuple[AllowedDifference, ...] = (
    AllowedDifference(
        "library version in the manifest", (MANIFEST,), ("version",), _any_value,
        "manifest.json records the version of the library that wrote it (cdktf 0.21.0, cdktn 0.24.0); "
        "neither Terraform nor the CLI's deploy reads it as a constraint",
    ),
    AllowedDifference(
        "library version in the stack metadata", (STACK,), ("//", "metadata", "version"), _any_value,
        "each stack's \"//\" metadata block records the library version; Terraform ignores \"//\" keys",
    ),
    AllowedDifference(
        "provider version constraint", (STACK, SNAPSHOT), ("terraform", "required_providers", "*", "version"),
        _any_value,
        "each prebuilt binding pins the exact provider version it was generated from, so new bindings pin "
        "newer providers (the versions are printed; docs/cdk-terrain.md says what they mean for state)",
    ),
    AllowedDifference(
        "provider source address", (STACK, SNAPSHOT), ("terraform", "required_providers", "*", "source"),
        _same_registry_address,
        "cdktn writes the qualified source (hashicorp/aws) where cdktf wrote the bare name (aws); accepted only "
        "when both resolve to the same registry address, so state and lock files name the same provider",
    ),
)


def differences(old: Any, new: Any, path: Path = ()) -> Iterator[tuple[Path, Any, Any]]:
    """Every path where ``old`` and ``new`` differ, down to the differing value (or key present on one side)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                yield (*path, key), old[key], "<absent>"
            elif key not in old:
                yield (*path, key), "<absent>", new[key]
            else:
                yield from differences(old[key], new[key], (*path, key))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (old_item, new_item) in enumerate(zip(old, new)):
            yield from differences(old_item, new_item, (*path, str(index)))
    elif type(old) is not type(new) or old != new:
        yield path, old, new


@dataclass(frozen=True)
class Difference:
    document: str
    path: Path
    old: Any
    new: Any
    allowed: AllowedDifference | None

    def describe(self) -> str:
        return f"{self.document}: {format_path(self.path)}: {json.dumps(self.old)[:120]} -> {json.dumps(self.new)[:120]}"


def format_path(path: Path) -> str:
    """``terraform.required_providers.aws.version``; keys that are not plain names quoted (``"//".metadata``)."""
    return ".".join(key if key.replace("_", "a").replace("-", "a").isalnum() else json.dumps(key) for key in path)


def compare(document: str, kind: str, old: Any, new: Any) -> list[Difference]:
    """The differences of one document, each with the allowed difference that accepts it (or None)."""
    found = []
    for path, old_value, new_value in differences(old, new):
        allowed = next((rule for rule in ALLOWED if rule.matches(kind, path) and rule.accepts(old_value, new_value)), None)
        found.append(Difference(document, path, old_value, new_value, allowed))
    return found


def adopt_allowed(expected: Any, actual: Any, kind: str) -> Any:
    """``expected`` with the values of ``actual`` wherever they differ in an allowed way (the rest untouched)."""
    adopted = copy.deepcopy(expected)
    for difference in compare("", kind, expected, actual):
        if difference.allowed is None:
            continue
        parent = adopted
        for key in difference.path[:-1]:
            parent = parent[int(key)] if isinstance(parent, list) else parent[key]
        last = difference.path[-1]
        parent[int(last) if isinstance(parent, list) else last] = difference.new
    return adopted
