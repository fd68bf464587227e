"""The recorded calls of the pipeline roles judged against the roles' policies, as AWS would judge them.

The policies are the roles' own, as the bootstrap stack created them in the emulator (managed and inline
policies, and the permissions boundary if the role has one), read back through IAM; for a KMS key, its key
policy as the emulator holds it. Every permission a call
needs (``e2e/authorization.py``) is evaluated by ``constructs_lib.aws.iam_evaluation``; a call whose
permissions are not known is *unmapped* and listed. The trust of each role is checked for each token the
run presented (the conditions by the evaluator, the federated principal here).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from constructs_lib.aws.iam_evaluation import Decision, PolicyDocument, Request, Verdict, explain

from .emulator import Call, WebIdentitySession

GITHUB_PROVIDER = "oidc-provider/token.actions.githubusercontent.com"


@dataclass(frozen=True)
class RolePolicies:
    """A role's identity policies, boundary and trust policy."""

    name: str
    arn: str
    policies: tuple[PolicyDocument, ...]
    boundary: PolicyDocument | None
    trust: PolicyDocument


def _document(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(unquote(value))


def read_role(iam: Any, name: str) -> RolePolicies:
    """``name``'s policies, read with ``iam`` (a boto3 IAM client of an administrator)."""
    role = iam.get_role(RoleName=name)["Role"]
    policies = []
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        policies.append(_document(version["PolicyVersion"]["Document"]))
    for inline in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        policies.append(_document(iam.get_role_policy(RoleName=name, PolicyName=inline)["PolicyDocument"]))
    boundary = None
    if "PermissionsBoundary" in role:
        arn = role["PermissionsBoundary"]["PermissionsBoundaryArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        boundary = _document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
    return RolePolicies(name, role["Arn"], tuple(policies), boundary, _document(role["AssumeRolePolicyDocument"]))


@dataclass(frozen=True)
class Denial:
    """A permission a call needed that the role's policies do not grant."""

    phase: str
    role: str
    operation: str
    request: Request
    verdict: str
    address: str
    more: int = 0  # further resources denied the same way (objects of one bucket, ...)

    def __str__(self) -> str:
        context = {key: value for key, value in self.request.context.items() if key != "aws:RequestedRegion"}
        return (f"{self.phase}: {self.address or '(no resource address)'}: {self.role} may not "
                f"{self.request.action} on {self.request.resource}{f' (and {self.more} more)' if self.more else ''} "
                f"({self.verdict}; call {self.operation}"
                f"{'; context ' + json.dumps(context, sort_keys=True) if context else ''})")


KeyPolicies = Callable[[str], PolicyDocument | None]


def judge(role: RolePolicies, request: Request, key_policy: KeyPolicies) -> Verdict:
    """AWS's decision for ``role`` making ``request``: its identity policies (and boundary), and for a KMS key
    also the key's policy: a key policy statement naming the role grants on its own, one naming the account
    lets the IAM policies decide, and an explicit deny in either wins (KMS developer guide, "Key policies")."""
    identity = explain(role.policies, request, role.boundary)
    document = key_policy(request.resource) if request.action.startswith("kms:") and ":key/" in request.resource else None
    if document is None:
        return identity
    account = role.arn.split(":")[4]
    direct, delegated = [], []
    for statement in _statement_list(document):
        principals = _principals(statement)
        if "*" in principals or role.arn in principals:
            direct.append(statement)
        elif account in principals or f"arn:aws:iam::{account}:root" in principals:
            delegated.append(statement)
    key_direct = explain([{"Statement": direct}], request)
    key_delegated = explain([{"Statement": delegated}], request)
    for verdict in (key_direct, key_delegated, identity):
        if verdict.decision is Decision.EXPLICIT_DENY:
            return verdict
    if key_direct.allowed:
        return key_direct
    if key_delegated.allowed and identity.allowed:
        return identity
    return Verdict(Decision.IMPLICIT_DENY, ("(neither the key policy nor, through it, the IAM policies allow it)",))


def _statement_list(document: PolicyDocument) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _principals(statement: Mapping[str, Any]) -> set[str]:
    principal = statement.get("Principal", {})
    if principal == "*":
        return {"*"}
    values = principal.get("AWS", ()) if isinstance(principal, Mapping) else ()
    return {values} if isinstance(values, str) else set(values)


def denials(calls: Iterable[Call], roles: Mapping[str, RolePolicies], key_policy: KeyPolicies = lambda arn: None,
            addresses: Mapping[str, str] | None = None) -> tuple[list[Denial], list[Call]]:
    """The permissions the roles' calls needed and lacked, and the calls whose permissions are not known.

    ``addresses`` maps ARNs and names to Terraform resource addresses (:func:`address_index`). Each denial is
    reported once per (role, action, resource), with the first phase it happened in; the objects of one S3
    bucket count as one resource.
    """
    found: dict[tuple[str, str, str], Denial] = {}
    unmapped: list[Call] = []
    for call in calls:
        if call.role_name not in roles:
            continue
        if call.requests is None:
            unmapped.append(call)
            continue
        role = roles[call.role_name]
        for request in call.requests:
            verdict = judge(role, request, key_policy)
            if verdict.allowed:
                continue
            resource = request.resource
            key = (role.name, request.action, resource.split("/", 1)[0] if resource.startswith("arn:aws:s3:::") else resource)
            if key in found:
                found[key] = dataclasses.replace(found[key], more=found[key].more + 1)
                continue
            reason = verdict.decision.value + (f" by {', '.join(verdict.statements)}" if verdict.statements else "")
            found[key] = Denial(call.phase, role.name, call.operation, request, reason, _address(call, addresses or {}))
    return list(found.values()), unmapped


def _address(call: Call, addresses: Mapping[str, str]) -> str:
    for request in call.requests or ():
        for candidate in (request.resource, request.resource.rsplit("/", 1)[-1], request.resource.rsplit(":", 1)[-1]):
            if candidate in addresses:
                return addresses[candidate]
    return ""


def address_index(shown: Mapping[str, Any]) -> dict[str, str]:
    """ARN, ID and name of each managed resource in a ``terraform show -json`` document -> its address."""
    index: dict[str, str] = {}
    for resource in shown.get("values", {}).get("root_module", {}).get("resources", []):
        values = resource.get("values") or {}
        for attribute in ("arn", "id", "name", "bucket", "target_key_arn"):
            value = values.get(attribute)
            if isinstance(value, str) and value and value not in index:
                index[value] = resource["address"]
    return index


def untrusted_sessions(sessions: Sequence[WebIdentitySession], roles: Mapping[str, RolePolicies]) -> list[str]:
    """The web identity sessions the emulator granted that the role's trust policy refuses."""
    refused = []
    for session in sessions:
        name = session.role_arn.rsplit("/", 1)[-1]
        if name not in roles:
            continue
        if not trusts(roles[name].trust, session.role_arn, session.claims):
            refused.append(f"{name} trusted a token with sub {session.claims.get('sub')!r}")
    return refused


def trusts(trust: PolicyDocument, role_arn: str, claims: Mapping[str, Any]) -> bool:
    """Whether ``trust`` lets a GitHub Actions token with ``claims`` assume the role."""
    statements = [statement for statement in trust.get("Statement", [])
                  if str(statement.get("Principal", {}).get("Federated", "")).endswith(GITHUB_PROVIDER)]
    context = {f"token.actions.githubusercontent.com:{claim}": str(value) for claim, value in claims.items()}
    request = Request("sts:AssumeRoleWithWebIdentity", role_arn, context)
    return bool(statements) and explain([{"Statement": statements}], request).allowed
