"""Typed reads out of parsed TOML tables that collect every problem instead of stopping at the first.

Each problem becomes one line ``<file>: <key>: <rule>, got <value>`` so a user sees all of them at once.
A read that fails returns a neutral placeholder; the caller raises once the whole file was read.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class ConfigError(Exception):
    """Raised with every problem found in the configuration, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = tuple(problems)


def describe(value: Any) -> str:
    """Renders a TOML value the way it was written, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(describe(item) for item in value) + "]"
    return str(value)


def _plain(number: float) -> str:
    """``1e7`` as ``10000000``, ``2.5`` as ``2.5``: numbers in messages are written the way a user writes them."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def join_choices(choices: Iterable[object]) -> str:
    return ", ".join(str(choice) for choice in choices)


class Problems:
    """The problems found in one configuration source (a file or the process environment)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []
        self.failed_keys: set[str] = set()

    def add(self, key: str, rule: str, value: Any = None, *, show_value: bool = True) -> None:
        got = f", got {describe(value)}" if show_value else ""
        self.lines.append(f"{self.source}: {key}: {rule}{got}")
        self.failed_keys.add(key)

    def all_valid(self, *keys: str) -> bool:
        """True when none of the keys had a problem (cross-field rules only compare valid values)."""
        return not any(key in self.failed_keys for key in keys)


_MISSING = object()


class TableReader:
    """Reads the keys of one TOML table with a rule each; keys never read are reported as unknown."""

    def __init__(self, problems: Problems, table: Mapping[str, Any], prefix: str = "", *, absent: bool = False) -> None:
        self.problems = problems
        self.table = table
        self.prefix = prefix
        # A missing or malformed section was reported once already; its keys are not reported again.
        self.absent = absent
        self._read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _take(self, name: str, *, required: bool = True) -> Any:
        self._read.add(name)
        value = self.table.get(name, _MISSING)
        if value is _MISSING and required and not self.absent:
            self.problems.add(self.key(name), "required key is missing", show_value=False)
        return value

    def has(self, name: str) -> bool:
        return name in self.table

    def section(self, name: str, *, required: bool = True) -> TableReader:
        value = self._take(name, required=required)
        if value is _MISSING:
            return TableReader(self.problems, {}, f"{self.key(name)}.", absent=True)
        if not isinstance(value, dict):
            self.problems.add(self.key(name), "must be a table", value)
            return TableReader(self.problems, {}, f"{self.key(name)}.", absent=True)
        return TableReader(self.problems, value, f"{self.key(name)}.")

    def integer(self, name: str, *, minimum: int, maximum: int, unit: str = "") -> int:
        value = self._take(name)
        if value is _MISSING:
            return minimum
        suffix = f" {unit}" if unit else ""
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.problems.add(self.key(name), f"must be a whole number from {minimum} to {maximum}{suffix}", value)
            return minimum
        return value

    def identifier(self, name: str, *, maximum: int, rule: str) -> int:
        """A positive whole number with its own rule text (numeric IDs: the range says nothing to a user)."""
        value = self._take(name)
        if value is _MISSING:
            return 1
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
            self.problems.add(self.key(name), rule, value)
            return 1
        return value

    def optional_integer(self, name: str, *, minimum: int, maximum: int, unit: str = "") -> int | None:
        """Like :meth:`integer`, but an absent key is ``None`` (a feature left off)."""
        if not self.has(name):
            self._read.add(name)
            return None
        return self.integer(name, minimum=minimum, maximum=maximum, unit=unit)

    def optional_boolean(self, name: str) -> bool:
        """Like :meth:`boolean`, but an absent key is ``False``."""
        if not self.has(name):
            self._read.add(name)
            return False
        return self.boolean(name)

    def network(self, name: str, *, min_prefix: int, max_prefix: int) -> ipaddress.IPv4Network | None:
        """A private IPv4 CIDR block whose prefix length lies in the given range."""
        value = self._take(name)
        if value is _MISSING:
            return None
        rule = f"must be a private IPv4 CIDR block from /{min_prefix} to /{max_prefix}, e.g. 10.0.0.0/{min_prefix}"
        try:
            network = ipaddress.IPv4Network(value, strict=True) if isinstance(value, str) else None
        except ValueError:
            network = None
        if network is None or not network.is_private or not min_prefix <= network.prefixlen <= max_prefix:
            self.problems.add(self.key(name), rule, value)
            return None
        return network

    def number(self, name: str, *, above: float, maximum: float, unit: str = "") -> float:
        value = self._take(name)
        if value is _MISSING:
            return maximum
        suffix = f" {unit}" if unit else ""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not above < value <= maximum:
            self.problems.add(self.key(name), f"must be a number above {_plain(above)} and at most {_plain(maximum)}{suffix}",
                              value)
            return maximum
        return float(value)

    def one_of(self, name: str, allowed: Sequence[int], *, rule: str) -> int:
        value = self._take(name)
        if value is _MISSING:
            return allowed[0]
        if isinstance(value, bool) or value not in allowed:
            self.problems.add(self.key(name), rule, value)
            return allowed[0]
        return value

    def ascending_integers(self, name: str, *, minimum: int, maximum: int, rule: str) -> tuple[int, ...]:
        """A list of distinct whole numbers in ascending order (it may be empty)."""
        value = self._take(name)
        if value is _MISSING:
            return ()
        if (not isinstance(value, list) or any(isinstance(item, bool) or not isinstance(item, int) for item in value)
                or any(not minimum <= item <= maximum for item in value) or value != sorted(set(value))):
            self.problems.add(self.key(name), rule, value)
            return ()
        return tuple(value)

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        """A string out of ``allowed``."""
        value = self._take(name)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or value not in allowed:
            self.problems.add(self.key(name), f"must be one of {join_choices(allowed)}", value)
            return None
        return value

    def boolean(self, name: str, *, required: bool = True) -> bool:
        """A boolean; a key that is not ``required`` may be left out, and then reads as False."""
        value = self._take(name, required=required)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self.problems.add(self.key(name), "must be true or false", value)
            return False
        return value

    def string(self, name: str, *, pattern: re.Pattern[str], rule: str, required: bool = True) -> str | None:
        value = self._take(name, required=required)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.problems.add(self.key(name), rule, value)
            return None
        return value

    def string_list(
        self, name: str, *, pattern: re.Pattern[str], rule: str, min_items: int, max_items: int, required: bool = True
    ) -> tuple[str, ...]:
        value = self._take(name, required=required)
        if value is _MISSING:
            return ()
        count_rule = f"must be a list of {min_items} to {max_items} distinct entries"
        if not isinstance(value, list) or not min_items <= len(value) <= max_items or len(set(map(str, value))) != len(value):
            self.problems.add(self.key(name), count_rule, value)
            return ()
        bad = [item for item in value if not isinstance(item, str) or not pattern.fullmatch(item)]
        if bad:
            self.problems.add(self.key(name), rule, bad[0])
            return ()
        return tuple(value)

    def finish(self) -> None:
        """Reports every key of this table that no read asked for (typos, removed settings)."""
        for name in sorted(set(self.table) - self._read):
            self.problems.add(self.key(name), "unknown key (not part of the configuration schema)", show_value=False)
