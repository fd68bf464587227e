"""A resource-level risk review of synthesized Terraform JSON: what two outputs differ in, per stack, and
which of those changes can lose data, interrupt a service, widen access or slow recovery when applied,
each with when it takes effect, what would make the apply fail, and a fix where one exists.

It reads JSON only (pure standard library, no cdktf, no provider bindings, no cloud credentials or
Terraform state), so any repository can use it on its own ``cdktf.out``::

    from constructs_lib.analysis.review import compare_outputs, load_output, render

    review = compare_outputs(load_output(Path("old/cdktf.out")), load_output(Path("cdktf.out")))
    print(render(review, "markdown", max_chars=60_000))  # or "text", or "json" (no attribute values)
    sys.exit(review.exit_status)  # 0 no change, 1 changes, 3 risky changes

The command line lives in :mod:`.cli` (``python main.py diff`` in this project, ``python -m
constructs_lib.analysis.review`` elsewhere); what forces a replacement or an outage is in :mod:`.provider_facts`, what
stops a delete in :mod:`.deletion_facts`, what widens access in :mod:`.access`.
"""

from .changes import ABSENT, Action, AttributeChange, BlockChange, BlockKind, Risk, RiskKind
from .comparison import Review, StackReview, compare_outputs
from .loading import ReviewInputError, SynthesizedOutput, load_output
from .rendering import render
from .stack_facts import StackFacts, stack_facts

__all__ = [
    "ABSENT",
    "Action",
    "AttributeChange",
    "BlockChange",
    "BlockKind",
    "Review",
    "ReviewInputError",
    "Risk",
    "RiskKind",
    "StackFacts",
    "StackReview",
    "SynthesizedOutput",
    "compare_outputs",
    "load_output",
    "render",
    "stack_facts",
]
