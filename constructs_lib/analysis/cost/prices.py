"""The price table: every price with its unit, region, date and source, plus the assumptions of the estimate.

The table is one TOML file (``prices.toml`` beside this module, or another with the same shape). Loading it
checks every entry, so a price without a source or a traffic assumption without a value is a
:class:`PriceTableError` naming the file and key, never a silent zero in a report.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PRICE_FILE = Path(__file__).with_name("prices.toml")
#: How reports name the packaged table.
DEFAULT_PRICE_LABEL = "constructs_lib/analysis/cost/prices.toml"
VERIFICATION_LEVELS = ("provider-page", "secondary", "unverified")
_PRICE_TEXT_FIELDS = ("unit", "what", "cloud", "region", "checked", "source", "evidence", "verified")
TRAFFIC_FIELDS = (
    "requests",
    "load_balancer_gb",
    "nat_gb",
    "log_ingestion_gb",
    "object_storage_gb_per_bucket",
    "image_storage_gb_per_repository",
    "mean_request_seconds",
)
DEFAULT_TRAFFIC = "default"


class PriceTableError(Exception):
    """A price table that cannot be used; the message is one line naming the file and key."""


@dataclass(frozen=True)
class Price:
    """One published price.

    Attributes:
        key: The name the estimator asks for, e.g. ``fargate_x86_vcpu_hour``.
        value: US dollars per ``unit``.
        unit: What one unit is, e.g. ``vCPU-hour``.
        what: What is priced, in words.
        cloud: ``aws`` or ``gcp``.
        region: The region the value is for.
        checked: When the value was read (ISO date).
        source: The provider's pricing page.
        evidence: Where the value was actually read.
        verified: ``provider-page``, ``secondary`` or ``unverified`` (see the table's header).
        note: Anything else a reader must know.
    """

    key: str
    value: float
    unit: str
    what: str
    cloud: str
    region: str
    checked: str
    source: str
    evidence: str
    verified: str
    note: str = ""


@dataclass(frozen=True)
class Traffic:
    """Monthly volumes the estimate assumes for one environment (see ``[assumptions.traffic]``)."""

    requests: float
    load_balancer_gb: float
    nat_gb: float
    log_ingestion_gb: float
    object_storage_gb_per_bucket: float
    image_storage_gb_per_repository: float
    mean_request_seconds: float


@dataclass(frozen=True)
class Assumptions:
    """What the estimate assumes besides the prices."""

    hours_per_month: float
    backup_storage_to_disk_ratio: float
    log_retention_months_if_forever: float
    traffic: Mapping[str, Traffic]

    @property
    def seconds_per_month(self) -> float:
        return self.hours_per_month * 3600

    def traffic_for(self, environment: str | None) -> tuple[str, Traffic]:
        """The traffic of ``environment``, or the default; returns the name used as well."""
        name = environment if environment in self.traffic else DEFAULT_TRAFFIC
        return name, self.traffic[name]


@dataclass(frozen=True)
class PriceTable:
    """Prices, assumptions and the classification of resource types, as read from one file."""

    source: str
    currency: str
    checked: str
    not_included: str
    assumptions: Assumptions
    prices: Mapping[str, Price]
    free: Mapping[str, str]
    not_estimated: Mapping[str, str]

    def get(self, key: str) -> Price | None:
        return self.prices.get(key)

    def regions(self) -> dict[str, str]:
        """The region of each cloud's prices, e.g. ``{"aws": "us-east-1", "gcp": "us-central1"}``."""
        regions: dict[str, str] = {}
        for price in self.prices.values():
            regions.setdefault(price.cloud, price.region)
        return regions

    def unverified(self) -> list[Price]:
        return [price for price in self.prices.values() if price.verified == "unverified"]


def load_prices(path: Path = DEFAULT_PRICE_FILE) -> PriceTable:
    """Reads and checks the price table at ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PriceTableError(f"{path}: unreadable ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise PriceTableError(f"{path}: unreadable (not UTF-8: {error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise PriceTableError(f"{path}: not valid TOML ({error})") from None
    return parse_prices(data, DEFAULT_PRICE_LABEL if path == DEFAULT_PRICE_FILE else str(path))


def parse_prices(data: Mapping[str, Any], source: str) -> PriceTable:
    """Builds a :class:`PriceTable` from parsed TOML, checking every entry."""
    table = _table(data, "table", source)
    assumptions = _table(data, "assumptions", source)
    traffic_tables = _table(assumptions, "traffic", source, "assumptions.")
    traffic = {name: _traffic(_table(traffic_tables, name, source, "assumptions.traffic."), name, source)
               for name in traffic_tables}
    if DEFAULT_TRAFFIC not in traffic:
        raise PriceTableError(f"{source}: assumptions.traffic.{DEFAULT_TRAFFIC}: missing (used for any other environment)")
    prices_table = _table(data, "prices", source)
    prices = {key: _price(key, _table(prices_table, key, source, "prices."), source) for key in prices_table}
    free = _reasons(data, "free", source)
    not_estimated = _reasons(data, "not_estimated", source)
    for type_name in sorted(set(free) & set(not_estimated)):
        raise PriceTableError(f"{source}: {type_name}: listed both as free and as not estimated")
    return PriceTable(
        source=source,
        currency=_text(table, "currency", source, "table."),
        checked=_text(table, "checked", source, "table."),
        not_included=_text(table, "not_included", source, "table."),
        assumptions=Assumptions(
            hours_per_month=_number(assumptions, "hours_per_month", source, "assumptions.", positive=True),
            backup_storage_to_disk_ratio=_number(assumptions, "backup_storage_to_disk_ratio", source, "assumptions."),
            log_retention_months_if_forever=_number(
                assumptions, "log_retention_months_if_forever", source, "assumptions.", positive=True),
            traffic=traffic,
        ),
        prices=prices,
        free=free,
        not_estimated=not_estimated,
    )


def _table(data: Mapping[str, Any], key: str, source: str, prefix: str = "") -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PriceTableError(f"{source}: {prefix}{key}: must be a table")
    return value


def _text(data: Mapping[str, Any], key: str, source: str, prefix: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PriceTableError(f"{source}: {prefix}{key}: must be a non-empty string, got {value!r}")
    return value


def _number(data: Mapping[str, Any], key: str, source: str, prefix: str, *, positive: bool = False) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or (positive and value == 0):
        rule = "a positive number" if positive else "a number >= 0"
        raise PriceTableError(f"{source}: {prefix}{key}: must be {rule}, got {value!r}")
    return float(value)


def _price(key: str, entry: Mapping[str, Any], source: str) -> Price:
    prefix = f"prices.{key}."
    texts = {field: _text(entry, field, source, prefix) for field in _PRICE_TEXT_FIELDS}
    if texts["verified"] not in VERIFICATION_LEVELS:
        raise PriceTableError(
            f"{source}: {prefix}verified: must be one of {', '.join(VERIFICATION_LEVELS)}, got {texts['verified']!r}")
    if not texts["source"].startswith("https://"):
        raise PriceTableError(f"{source}: {prefix}source: must be an https:// URL, got {texts['source']!r}")
    unknown = set(entry) - {"value", "note", *_PRICE_TEXT_FIELDS}
    if unknown:
        raise PriceTableError(f"{source}: {prefix}{sorted(unknown)[0]}: unknown field")
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise PriceTableError(f"{source}: {prefix}note: must be a string, got {note!r}")
    return Price(key=key, value=_number(entry, "value", source, prefix), note=note, **texts)


def _traffic(entry: Mapping[str, Any], name: str, source: str) -> Traffic:
    prefix = f"assumptions.traffic.{name}."
    unknown = set(entry) - set(TRAFFIC_FIELDS)
    if unknown:
        raise PriceTableError(f"{source}: {prefix}{sorted(unknown)[0]}: unknown field")
    return Traffic(**{field: _number(entry, field, source, prefix) for field in TRAFFIC_FIELDS})


def _reasons(data: Mapping[str, Any], key: str, source: str) -> dict[str, str]:
    return {type_name: _text(_table(data, key, source), type_name, source, f"{key}.") for type_name in _table(data, key, source)}
