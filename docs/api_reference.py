#!/usr/bin/env python3
"""Writes the API reference of a patterns package from its docstrings (``make docs``).

    .venv/bin/python docs/api_reference.py constructs_lib.aws.patterns > docs/api-aws.md

For every public name of the package: a props or spec dataclass becomes a table of its fields
(type, default, description from the ``Attributes:`` section of its docstring); a construct lists its
public properties and methods with the first line of their docstrings. ``tests/test_api_reference.py``
fails when a committed reference is not what this prints, so the reference follows the code.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_ATTRIBUTE = re.compile(r"^        (\w+): (.*)$")


def _attribute_docs(cls: type) -> dict[str, str]:
    """``name -> description`` from the ``Attributes:`` section of a Google-style docstring."""
    docs: dict[str, str] = {}
    current = None
    in_section = False
    for line in (cls.__doc__ or "").splitlines():
        if line.strip() == "Attributes:":
            in_section = True
            continue
        if not in_section:
            continue
        match = _ATTRIBUTE.match(line)
        if match:
            current = match.group(1)
            docs[current] = match.group(2).strip()
        elif current and line.startswith("            "):
            docs[current] += " " + line.strip()
        elif line.strip():
            current = None
    return docs


def _default(field: dataclasses.Field[Any]) -> str:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return "required"
    if isinstance(value, enum.Enum):
        return f"`{type(value).__name__}.{value.name}`"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"`{type(value).__name__}()`"
    if isinstance(value, tuple) and value and all(dataclasses.is_dataclass(item) for item in value):
        return f"{len(value)} `{type(value[0]).__name__}`s"
    return f"`{value!r}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _first_paragraph(doc: str | None) -> str:
    return " ".join((inspect.cleandoc(doc or "").split("\n\n")[0]).split())


def _dataclass_section(name: str, cls: type) -> list[str]:
    docs = _attribute_docs(cls)
    lines = [f"### `{name}`", "", _first_paragraph(cls.__doc__), "", "| prop | type | default | description |",
             "| --- | --- | --- | --- |"]
    for field in dataclasses.fields(cls):
        if field.name.startswith("_"):
            continue
        lines.append(f"| `{field.name}` | `{_cell(str(field.type))}` | {_cell(_default(field))} | {_cell(docs.get(field.name, ''))} |")
    methods = [(member_name, member) for member_name, member in vars(cls).items()
               if not member_name.startswith("_") and isinstance(member, (classmethod, staticmethod, property))]
    lines += _members(methods)
    return [*lines, ""]


def _members(members: list[tuple[str, Any]]) -> list[str]:
    if not members:
        return []
    lines = ["", "| member | type | description |", "| --- | --- | --- |"]
    for member_name, member in members:
        function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        label = member_name
        if not isinstance(member, property):
            parameters = [parameter for parameter in inspect.signature(function).parameters if parameter not in ("self", "cls")]
            label = f"{member_name}({', '.join(parameters)})"
        returned = inspect.signature(function).return_annotation
        kind = "" if returned is inspect.Signature.empty else f"`{_cell(str(returned))}`"
        lines.append(f"| `{label}` | {kind} | {_cell(_first_paragraph(function.__doc__))} |")
    return lines


def _own_and_mixed_in(cls: type) -> dict[str, Any]:
    """The class's members with those of the library's mixins it inherits (not the framework's bases)."""
    members: dict[str, Any] = {}
    for base in reversed([base for base in cls.__mro__ if base.__module__.startswith("constructs_lib.")]):
        members.update(vars(base))
    return members


def _construct_section(name: str, cls: type) -> list[str]:
    members = [(member_name, member) for member_name, member in _own_and_mixed_in(cls).items()
               if not member_name.startswith("_") and (isinstance(member, property) or inspect.isfunction(member))]
    lines = [f"### `{name}`", "", " ".join(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].split()), ""]
    lines += ["Outputs and methods:", *_members(members)]
    return [*lines, ""]


def reference(package_name: str) -> str:
    """The Markdown reference of ``package_name`` (a package with ``__all__``)."""
    package = importlib.import_module(package_name)
    lines = [f"# `{package_name}`", "", "Generated by `docs/api_reference.py` from the docstrings (`make docs`); do not edit.", "",
             _first_paragraph(package.__doc__), ""]
    constructs, specs, values = [], [], []
    for name in sorted(package.__all__):
        value = getattr(package, name)
        if inspect.isclass(value) and dataclasses.is_dataclass(value):
            specs.append(_dataclass_section(name, value))
        elif inspect.isclass(value) and issubclass(value, enum.Enum):
            specs.append([f"### `{name}`", "", _first_paragraph(value.__doc__), "",
                          "Members: " + ", ".join(f"`{member.name}`" for member in value), ""])
        elif inspect.isclass(value):
            constructs.append(_construct_section(name, value))
        else:
            values.append(f"- `{name}`: `{value!r}`")
    lines += ["## Constructs", ""] + [line for section in constructs for line in section]
    lines += ["## Props and specs", ""] + [line for section in specs for line in section]
    if values:
        lines += ["## Values", "", *values, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: api_reference.py <package, e.g. constructs_lib.aws.patterns>")
    sys.stdout.write(reference(sys.argv[1]))
