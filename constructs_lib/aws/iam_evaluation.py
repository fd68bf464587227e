"""Decides whether IAM identity policies (and a permissions boundary) allow one request, offline.

Plain Python (no cdktf, no AWS call), for tests and tooling that must prove what a role can and cannot do:
the delivery identities' forbidden capabilities, and the calls Terraform made in the emulator.

It follows AWS's evaluation logic for one account without organizations: an explicit ``Deny`` in any
policy wins; otherwise the request is allowed when an identity policy allows it *and*, if the role has a
permissions boundary, the boundary allows it too; else it is implicitly denied. Supported: ``Action``,
``NotAction``, ``Resource``, ``NotResource`` with ``*`` and ``?``; the condition operators in
:data:`OPERATORS` with ``ForAnyValue:``/``ForAllValues:`` and ``...IfExists``; condition keys matched
case-insensitively. Not modelled: resource-based policies (key, bucket and trust policies), SCPs/RCPs,
session policies and policy variables (``${aws:username}``): a policy that uses them is refused.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: A policy document as IAM takes it: ``{"Version": ..., "Statement": [...]}``.
PolicyDocument = Mapping[str, Any]
ContextValue = str | tuple[str, ...]


class Decision(enum.Enum):
    """The outcome of :func:`evaluate`."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitly denied"
    IMPLICIT_DENY = "not allowed"

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOWED


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it.

    Attributes:
        action: ``service:Action``, e.g. ``kms:CreateAlias``.
        resource: The ARN the call acts on (``*`` for calls without a resource).
        context: Condition keys and their values, e.g. ``{"aws:RequestedRegion": "us-east-1"}``; a tuple for
            multivalued keys such as ``aws:TagKeys``.
    """

    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def value(self, key: str) -> tuple[str, ...] | None:
        """The values of condition key ``key`` (case-insensitive), or ``None`` when the request lacks it."""
        for name, value in self.context.items():
            if name.lower() == key.lower():
                return (value,) if isinstance(value, str) else tuple(value)
        return None


def _literal_glob(pattern: str, value: str) -> bool:
    """IAM has no character classes: ``[`` is literal."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _arn_like(pattern: str, value: str) -> bool:
    """ARN matching: each of the six colon-separated parts is matched on its own (the last may hold colons)."""
    if pattern == "*":
        return True
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != len(value_parts):
        return False
    return all(_literal_glob(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


def _number(text: str) -> float:
    return float(text)


#: Condition operators: name -> (compares one request value with one policy value, negated).
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda value, wanted: value == wanted, False),
    "StringNotEquals": (lambda value, wanted: value == wanted, True),
    "StringEqualsIgnoreCase": (lambda value, wanted: value.lower() == wanted.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda value, wanted: value.lower() == wanted.lower(), True),
    "StringLike": (lambda value, wanted: _literal_glob(wanted, value), False),
    "StringNotLike": (lambda value, wanted: _literal_glob(wanted, value), True),
    "ArnEquals": (lambda value, wanted: _arn_like(wanted, value), False),
    "ArnLike": (lambda value, wanted: _arn_like(wanted, value), False),
    "ArnNotEquals": (lambda value, wanted: _arn_like(wanted, value), True),
    "ArnNotLike": (lambda value, wanted: _arn_like(wanted, value), True),
    "Bool": (lambda value, wanted: value.lower() == wanted.lower(), False),
    "NumericEquals": (lambda value, wanted: _number(value) == _number(wanted), False),
    "NumericNotEquals": (lambda value, wanted: _number(value) == _number(wanted), True),
    "NumericLessThan": (lambda value, wanted: _number(value) < _number(wanted), False),
    "NumericLessThanEquals": (lambda value, wanted: _number(value) <= _number(wanted), False),
    "NumericGreaterThan": (lambda value, wanted: _number(value) > _number(wanted), False),
    "NumericGreaterThanEquals": (lambda value, wanted: _number(value) >= _number(wanted), False),
}


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(item) for item in value)


def _condition_holds(operator: str, key: str, wanted: tuple[str, ...], request: Request) -> bool:
    """One operator on one key (AWS: any policy value may match; every key and operator must hold)."""
    set_operator, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    values = request.value(key)
    if operator == "Null":
        return (values is None) == (wanted[0].lower() == "true")
    if operator not in OPERATORS:
        raise ValueError(f"condition operator {operator!r} is not modelled (known: Null, {', '.join(OPERATORS)})")
    compare, negated = OPERATORS[operator]
    if values is None:  # ForAllValues holds for no values at all; ForAnyValue never does
        return if_exists or set_operator == "ForAllValues" or (negated and set_operator != "ForAnyValue")
    matches = [any(compare(value, option) for option in wanted) for value in values]
    if set_operator == "ForAllValues":
        return all(not match for match in matches) if negated else all(matches)
    if set_operator == "ForAnyValue":
        return any(not match for match in matches) if negated else any(matches)
    if len(values) != 1:
        raise ValueError(f"condition key {key!r} has several values: use ForAnyValue: or ForAllValues:")
    return not matches[0] if negated else matches[0]


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]], request: Request) -> bool:
    return all(_condition_holds(operator, key, _as_tuple(wanted), request)
               for operator, keys in conditions.items() for key, wanted in keys.items())


def _statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    for text in (*_as_tuple(statement.get("Resource")), *_as_tuple(statement.get("NotResource"))):
        if "${" in text:
            raise ValueError(f"statement {statement.get('Sid', '?')}: policy variable or reference {text!r} is not "
                             "modelled; resolve it first")
    if "Action" in statement:
        action_matches = any(_literal_glob(a.lower(), request.action.lower()) for a in _as_tuple(statement["Action"]))
    else:
        action_matches = not any(_literal_glob(a.lower(), request.action.lower())
                                 for a in _as_tuple(statement.get("NotAction")))
    if not action_matches:
        return False
    if "Resource" in statement:
        resource_matches = any(_arn_like(r, request.resource) for r in _as_tuple(statement["Resource"]))
    else:
        resource_matches = not any(_arn_like(r, request.resource) for r in _as_tuple(statement.get("NotResource")))
    return resource_matches and _conditions_hold(statement.get("Condition", {}), request)


def _statements(documents: Iterable[PolicyDocument]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for document in documents:
        statements = document.get("Statement", [])
        found.extend([statements] if isinstance(statements, Mapping) else statements)
    return found


@dataclass(frozen=True)
class Verdict:
    """A :class:`Decision` and the statement ids that decided it (the denying ones, or the allowing ones)."""

    decision: Decision
    statements: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def explain(policies: Sequence[PolicyDocument], request: Request,
            boundary: PolicyDocument | None = None) -> Verdict:
    """What the identity ``policies`` (and the role's permissions ``boundary``, if any) decide for ``request``."""
    statements = _statements([*policies, *([boundary] if boundary is not None else [])])
    denies = tuple(s.get("Sid", "?") for s in statements if s.get("Effect") == "Deny" and _statement_applies(s, request))
    if denies:
        return Verdict(Decision.EXPLICIT_DENY, denies)
    allows = tuple(s.get("Sid", "?") for s in _statements(policies)
                   if s.get("Effect") == "Allow" and _statement_applies(s, request))
    if not allows:
        return Verdict(Decision.IMPLICIT_DENY)
    if boundary is not None and not any(s.get("Effect") == "Allow" and _statement_applies(s, request)
                                        for s in _statements([boundary])):
        return Verdict(Decision.IMPLICIT_DENY, ("(outside the permissions boundary)",))
    return Verdict(Decision.ALLOWED, allows)


def evaluate(policies: Sequence[PolicyDocument], request: Request, boundary: PolicyDocument | None = None) -> Decision:
    """:func:`explain`'s decision alone."""
    return explain(policies, request, boundary).decision


def document_from_terraform(block: Mapping[str, Any], resolve: Callable[[str], str] = lambda text: text) -> dict:
    """The IAM JSON of a synthesized ``data.aws_iam_policy_document`` block (its ``statement`` list).

    ``resolve`` replaces Terraform references (``${aws_kms_key.x.arn}``) in resources and condition values with
    the values the caller knows (an ARN, or a stand-in); by default they are kept, and :func:`evaluate` refuses them.
    """
    def strings(values: Any) -> list[str]:
        return [resolve(value) for value in _as_tuple(values)]

    statements = []
    for block_statement in block.get("statement", []):
        statement: dict[str, Any] = {"Sid": block_statement.get("sid", ""), "Effect": block_statement.get("effect", "Allow")}
        for source, target in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                               ("not_resources", "NotResource")):
            if block_statement.get(source):
                statement[target] = strings(block_statement[source]) if target.endswith("Resource") \
                    else list(_as_tuple(block_statement[source]))
        conditions: dict[str, dict[str, list[str]]] = {}
        for condition in block_statement.get("condition", []):
            conditions.setdefault(condition["test"], {})[condition["variable"]] = strings(condition["values"])
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}
