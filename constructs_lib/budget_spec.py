"""A monthly cost budget with alert thresholds, the same concept on both clouds (no cdktf import)."""

from __future__ import annotations

import re
from .props import checked, prop, require

_CURRENCY = re.compile(r"[A-Z]{3}")
_THRESHOLDS_RULE = "be a tuple of ascending whole percentages from 1 to 1000"


@checked
class BudgetSpec:
    """A monthly budget of a platform and when it alerts.

    Attributes:
        monthly_amount: The budget per calendar month, in ``currency`` (above 0).
        currency: ISO 4217 code. Default ``USD`` (AWS Budgets count in USD; a GCP budget uses the
            billing account's currency).
        actual_thresholds: Percentages of the amount actually spent that alert, ascending. Default 50, 80, 100.
        forecast_thresholds: Percentages of the amount the month is forecast to reach that alert,
            ascending. Default 100.
    """

    monthly_amount: float = prop(between=(0.01, None), rule="be a number above 0")
    currency: str = prop("USD", pattern=_CURRENCY, rule="be an ISO 4217 code such as USD")
    actual_thresholds: tuple[int, ...] = prop((50, 80, 100), rule=_THRESHOLDS_RULE)
    forecast_thresholds: tuple[int, ...] = prop((100,), rule=_THRESHOLDS_RULE)

    def __post_init__(self) -> None:
        for name in ("actual_thresholds", "forecast_thresholds"):
            values = getattr(self, name)
            require(all(1 <= value <= 1000 for value in values) and list(values) == sorted(set(values)), self, name,
                    _THRESHOLDS_RULE)
        require(bool(self.actual_thresholds or self.forecast_thresholds), self, None,
                "needs at least one threshold, or the budget alerts nobody")
