"""A monthly cost estimate of synthesized Terraform JSON, per stack and line item, at minimum and maximum capacity.

It reads JSON only (standard library, no cdktf, no provider bindings, no cloud account), with one price table
kept in the repository (``prices.toml``: every price with its unit, region, date and source, and the
assumptions on hours and traffic)::

    from constructs_lib.analysis.cost import MAXIMUM, compare_costs, estimate_output, load_prices, render, render_comparison
    from constructs_lib.analysis.review import load_output

    output, table = load_output(Path("cdktf.out")), load_prices()
    print(render(estimate_output(output, table), "markdown", estimate_output(output, table, MAXIMUM)))
    print(render_comparison(compare_costs(load_output(Path("old")), output, table), "markdown"))  # a change

The command line lives in :mod:`.cli` (``python main.py cost`` in this project, ``python -m
constructs_lib.analysis.cost`` elsewhere).
"""

from .comparison import CostComparison, compare_costs
from .comparison_rendering import render_comparison
from .estimate import estimate_output, estimate_stack, priced_types
from .model import MAXIMUM, MINIMUM, Budget, BudgetGroup, Estimate, Finding, LineItem, StackEstimate
from .prices import DEFAULT_PRICE_FILE, Price, PriceTable, PriceTableError, load_prices
from .rendering import render

__all__ = [
    "DEFAULT_PRICE_FILE",
    "MAXIMUM",
    "MINIMUM",
    "Budget",
    "BudgetGroup",
    "CostComparison",
    "Estimate",
    "Finding",
    "LineItem",
    "Price",
    "PriceTable",
    "PriceTableError",
    "StackEstimate",
    "compare_costs",
    "estimate_output",
    "estimate_stack",
    "load_prices",
    "priced_types",
    "render",
    "render_comparison",
]
