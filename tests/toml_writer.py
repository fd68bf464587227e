"""A minimal TOML writer for the shapes our config files use (tables of scalars and string lists)."""

from __future__ import annotations

from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps(data: dict[str, Any], _prefix: str = "") -> str:
    scalars = [f"{key} = {_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    lines = [*scalars]
    for key, value in data.items():
        if isinstance(value, dict):
            name = f"{_prefix}{key}"
            lines.append(f"\n[{name}]\n{dumps(value, f'{name}.')}")
    return "\n".join(lines) + "\n"
