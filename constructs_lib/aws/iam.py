"""IAM policy documents built from plain data, rendered by the provider (no AWS API call, works offline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct


@dataclass(frozen=True)
class Condition:
    """One IAM condition, e.g. ``Condition("Bool", "aws:SecureTransport", ("false",))``."""

    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One IAM policy statement.

    Attributes:
        sid: Statement id, shown in the rendered policy.
        actions: Actions allowed or denied.
        resources: ARNs (or ``*`` where the action has no resource, such as key policies).
        effect: ``Allow`` or ``Deny``.
        principals: ``(type, identifiers)`` pairs for resource policies, e.g. ``("Service", ("logs.amazonaws.com",))``.
        conditions: Conditions that must all hold.
        not_resources: Instead of ``resources``: every resource except these (``NotResource``), e.g. a
            Deny of object reads everywhere but one state file.
    """

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    effect: str = "Allow"
    principals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    conditions: tuple[Condition, ...] = field(default=())
    not_resources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.effect not in ("Allow", "Deny"):
            raise ValueError(f"Statement {self.sid}: effect must be Allow or Deny, got {self.effect!r}")
        if not self.actions or bool(self.resources) == bool(self.not_resources):
            raise ValueError(f"Statement {self.sid}: needs at least one action, and resources or not_resources (one of them)")


def policy_document(scope: Construct, id_: str, statements: Sequence[Statement]) -> DataAwsIamPolicyDocument:
    """Renders ``statements`` as an ``aws_iam_policy_document``; use its ``.json`` attribute."""
    return DataAwsIamPolicyDocument(
        scope,
        id_,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                sid=statement.sid,
                effect=statement.effect,
                actions=list(statement.actions),
                resources=list(statement.resources) or None,
                not_resources=list(statement.not_resources) or None,
                principals=[
                    DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=list(identifiers))
                    for kind, identifiers in statement.principals
                ]
                or None,
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test=condition.test, variable=condition.variable, values=list(condition.values)
                    )
                    for condition in statement.conditions
                ]
                or None,
            )
            for statement in statements
        ],
    )
