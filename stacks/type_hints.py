"""Type hints of the jsii bindings' argument checks, evaluated once per stub instead of on every call.

Every call into the generated provider bindings checks its arguments against
``typing.get_type_hints(<stub>)`` of a generated ``_typecheckingstub__...`` function, and
``get_type_hints`` evaluates the stub's annotations again each time: about 5 % of a synthesis. A stub
never changes, so :func:`evaluate_jsii_stub_hints_once` makes ``get_type_hints`` remember the hints of
each stub for the rest of the process; every check still runs against them, and any other call is passed
through as it was made. The application installs it (``main.py``'s synthesis, the test suite); the
library (``constructs_lib``) leaves ``typing`` alone in the programs that import it.
"""

from __future__ import annotations

import typing
from typing import Any

_STUB_PREFIX = "_typecheckingstub__"


def evaluate_jsii_stub_hints_once() -> None:
    """Replaces ``typing.get_type_hints`` with a version that evaluates a jsii stub's hints once (idempotent)."""
    evaluate = typing.get_type_hints
    if getattr(evaluate, "evaluates_jsii_stubs_once", False):
        return
    evaluated: dict[Any, dict[str, Any]] = {}

    def get_type_hints(obj: Any, globalns: Any = None, localns: Any = None, include_extras: bool = False) -> dict[str, Any]:
        if (globalns is None and localns is None and not include_extras
                and getattr(obj, "__name__", "").startswith(_STUB_PREFIX)):
            if obj not in evaluated:
                evaluated[obj] = evaluate(obj)
            return dict(evaluated[obj])
        return evaluate(obj, globalns, localns, include_extras)

    get_type_hints.evaluates_jsii_stubs_once = True  # type: ignore[attr-defined]
    typing.get_type_hints = get_type_hints
