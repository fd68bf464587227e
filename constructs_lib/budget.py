"""A monthly cost budget with alert thresholds, the same concept on both clouds (no cdktf import)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
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

    monthly_amount: float
    currency: str = "USD"
    actual_thresholds: tuple[int, ...] = (50, 80, 100)
    forecast_thresholds: tuple[int, ...] = (100,)

    def __post_init__(self) -> None:
        if isinstance(self.monthly_amount, bool) or not self.monthly_amount > 0:
            raise ValueError(f"BudgetSpec.monthly_amount {self.monthly_amount!r}: must be above 0")
        if not _CURRENCY.fullmatch(self.currency):
            raise ValueError(f"BudgetSpec.currency {self.currency!r}: must be an ISO 4217 code such as USD")
        for name in ("actual_thresholds", "forecast_thresholds"):
            values = tuple(getattr(self, name))
            object.__setattr__(self, name, values)
            if any(not 1 <= value <= 1000 for value in values) or list(values) != sorted(set(values)):
                raise ValueError(f"BudgetSpec.{name} {values!r}: must be ascending percentages from 1 to 1000")
        if not self.actual_thresholds and not self.forecast_thresholds:
            raise ValueError("BudgetSpec: name at least one threshold, or the budget alerts nobody")
