"""Whether a service's extra IAM statements stay inside the workload permissions boundary (offline, no cdktf call).

A role the pipeline creates carries the boundary of its ``DeliveryFoundation`` (``_identity_permissions.
workload_boundary``): IAM silently drops what a task role's policy allows beyond it. :func:`boundary_cuts` finds that
at synthesis instead, with the offline evaluator (:mod:`constructs_lib.aws.iam_evaluation`).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from ...naming import PlatformIdentity
from ..iam import Statement
from ..iam_evaluation import Request, explain
from ._identity_permissions import DeliveryScope, workload_boundary

#: Stand-ins for what a pattern does not know of its foundation (no statement of a service can name them).
_UNKNOWN_STATE_BUCKET = "unknown-state-bucket-of-the-foundation"


def statement_json(statement: Statement) -> dict[str, Any]:
    """One statement as IAM JSON."""
    body: dict[str, Any] = {"Sid": statement.sid, "Effect": statement.effect, "Action": list(statement.actions)}
    if statement.resources:
        body["Resource"] = list(statement.resources)
    if statement.not_resources:
        body["NotResource"] = list(statement.not_resources)
    conditions: dict[str, dict[str, list[str]]] = {}
    for condition in statement.conditions:
        conditions.setdefault(condition.test, {})[condition.variable] = list(condition.values)
    if conditions:
        body["Condition"] = conditions
    return body


def boundary_document(identity: PlatformIdentity, account_id: str, region: str, partition: str = "aws",
                      standby_region: str | None = None,
                      workload_permissions: tuple[Statement, ...] = ()) -> dict[str, Any]:
    """The workload permissions boundary of the foundation of ``identity`` in ``account_id`` as IAM JSON."""
    scope = DeliveryScope(
        identity=identity, account_id=account_id, region=region, state_bucket=_UNKNOWN_STATE_BUCKET,
        state_key_arn=f"arn:{partition}:kms:{region}:{account_id}:key/unknown-state-key",
        boundary_arn=f"arn:{partition}:iam::{account_id}:policy/unknown-boundary", role_path=f"/{identity.prefix}/",
        protected_role_names=(), protected_policy_prefix="", oidc_provider_arn="", partition=partition,
        standby_region=standby_region, workload_permissions=workload_permissions,
    )
    return {"Version": "2012-10-17", "Statement": [statement_json(item) for item in workload_boundary(scope)]}


def boundary_cuts(statement: Statement, *, identity: PlatformIdentity, account_id: str, region: str,
                  partition: str = "aws", standby_region: str | None = None,
                  workload_permissions: tuple[Statement, ...] = ()) -> str | None:
    """``<action> on <resource>`` of the first pair ``statement`` allows that the boundary does not, else ``None``.

    Deny statements are never cut. A resource that is a Terraform reference (known only at apply) is checked by its
    action: some statement of the boundary must allow the action at all. ``NotResource`` cannot be checked: it is
    reported as cut.
    """
    if statement.effect == "Deny":
        return None
    if statement.not_resources:
        return f"{statement.actions[0]} on NotResource"
    boundary = boundary_document(identity, account_id, region, partition, standby_region, workload_permissions)
    # The statement's own conditions only narrow it: the boundary must allow each action on each resource.
    body = {key: value for key, value in statement_json(statement).items() if key != "Condition"}
    policy = {"Version": "2012-10-17", "Statement": [body]}
    context = {"aws:ResourceAccount": account_id, "aws:RequestedRegion": region}
    for action in statement.actions:
        for resource in statement.resources:
            if "${" in resource:
                allowed = _action_allowed(boundary, action)
            else:
                allowed = explain([policy], Request(action, resource, context), boundary=boundary).allowed
            if not allowed:
                return f"{action} on {resource}"
    return None


def _action_allowed(boundary: dict[str, Any], action: str) -> bool:
    """Whether an Allow statement of ``boundary`` covers ``action`` on some resource (for a resource known only at
    apply)."""
    return any(item["Effect"] == "Allow" and any(fnmatchcase(action.lower(), pattern.lower()) for pattern in item["Action"])
               for item in boundary["Statement"])
