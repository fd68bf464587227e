"""A monthly cost estimate of synthesized Terraform JSON, per stack and per line item.

It reads JSON only (standard library, no cdktf, no provider bindings, no cloud account), with one price table
kept in the repository (``prices.toml``: every price with its unit, region, date and source, and the
assumptions on hours and traffic)::

    from constructs_lib.cost import estimate_output, load_prices, render
    from constructs_lib.review import load_output

    estimate = estimate_output(load_output(Path("cdktf.out")), load_prices())
    print(render(estimate, "markdown"))

The command line lives in :mod:`.cli` (``python main.py cost`` in this project, ``python -m
constructs_lib.cost`` elsewhere).
"""

from .estimate import estimate_output, estimate_stack, priced_types
from .model import Budget, Estimate, Finding, LineItem, StackEstimate
from .prices import DEFAULT_PRICE_FILE, Price, PriceTable, PriceTableError, load_prices
from .rendering import render

__all__ = [
    "DEFAULT_PRICE_FILE",
    "Budget",
    "Estimate",
    "Finding",
    "LineItem",
    "Price",
    "PriceTable",
    "PriceTableError",
    "StackEstimate",
    "estimate_output",
    "estimate_stack",
    "load_prices",
    "priced_types",
    "render",
]
