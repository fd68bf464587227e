"""IAM policy documents built from plain data, rendered by the provider (no AWS API call, works offline)."""

from __future__ import annotations

from collections.abc import Sequence
import re
from dataclasses import field

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from ..props import checked, prop, require

#: An IAM action: ``service:Action``, wildcards allowed.
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+|\*")


@checked
class Condition:
    """One IAM condition, e.g. ``Condition("Bool", "aws:SecureTransport", ("false",))``.

    Attributes:
        test: The operator, e.g. ``StringEquals``.
        variable: The condition key, e.g. ``aws:SourceAccount``.
        values: The values it is compared with.
    """

    test: str
    variable: str
    values: tuple[str, ...]


@checked
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

    sid: str = prop(pattern=re.compile(r"[A-Za-z0-9]*"), rule="be letters and digits only (IAM's rule for a Sid)")
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    effect: str = prop("Allow", choices=("Allow", "Deny"))
    principals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    conditions: tuple[Condition, ...] = field(default=())
    not_resources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require(bool(self.actions) and all(_ACTION.fullmatch(action) for action in self.actions), self, "actions",
                "be one or more actions such as sqs:ReceiveMessage")
        require(bool(self.resources) != bool(self.not_resources), self, "resources",
                "be given, or not_resources instead (one of them)")

    @property
    def label(self) -> str:
        """How messages name the statement: ``Statement('<sid>')``."""
        return f"Statement({self.sid!r})"


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
