"""Changes that widen access: who or what can reach a resource afterwards that could not before.

Each resource type that can open a door lists its open doors as short descriptions ("ingress from
0.0.0.0/0 on tcp 22"); a change widens access when the new body has a door the old one had not, so
a door that was already open (the load balancer's port 443) is not reported again, and an added
resource reports every door it opens. Covered:

- ingress from the whole internet (``0.0.0.0/0``, ``::/0``): AWS security groups and their rules, Google
  firewall rules, Cloud SQL authorized networks;
- public principals: ``allUsers``/``allAuthenticatedUsers`` in Google IAM, ``*`` as the principal of an
  unconditional Allow statement in an AWS policy;
- wildcards granted: ``*`` or ``service:*`` actions in an Allow statement;
- exposure switches: an internal load balancer made internet-facing, an RDS instance made publicly accessible,
  S3 Block Public Access turned off, a bucket's public access prevention lifted, Cloud Run ingress opened to
  all traffic or its IAM invoker check turned off, a Cloud SQL public IP.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from ...terraform_json import blocks
from .changes import ABSENT, value_at

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
_PUBLIC_ACCESS_BLOCK_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
_RESTRICTED_RUN_INGRESS = frozenset({"INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"})

Doors = Callable[[dict[str, Any]], Iterator[str]]


def widened_access(resource_type: str, old_body: dict[str, Any] | None, new_body: dict[str, Any] | None) -> list[str]:
    """The doors ``new_body`` opens that ``old_body`` did not (None: the resource does not exist on that side)."""
    doors = _DOORS.get(resource_type) or (_google_iam_member_doors if _is_google_iam(resource_type) else None)
    if doors is None or new_body is None:
        return []
    before = set(doors(old_body)) if old_body is not None else set()
    return sorted(door for door in set(doors(new_body)) if door not in before)


def _is_google_iam(resource_type: str) -> bool:
    return resource_type.startswith("google_") and resource_type.endswith(("_iam_member", "_iam_binding"))


def _port_range(body: dict[str, Any]) -> str:
    protocol = str(body.get("ip_protocol", body.get("protocol", "all")))
    low, high = body.get("from_port"), body.get("to_port")
    if protocol in ("-1", "all") or low is None:
        return "all ports"
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


def _open_cidrs(values: Any) -> list[str]:
    values = values if isinstance(values, list) else [values]
    return sorted(value for value in values if value in OPEN_CIDRS)


def _security_group_rule_doors(body: dict[str, Any]) -> Iterator[str]:
    if body.get("type", "ingress") != "ingress":
        return
    for cidr in _open_cidrs([body.get("cidr_ipv4"), body.get("cidr_ipv6"),
                             *(body.get("cidr_blocks") or []), *(body.get("ipv6_cidr_blocks") or [])]):
        yield f"ingress from {cidr} (the whole internet) on {_port_range(body)}"


def _security_group_doors(body: dict[str, Any]) -> Iterator[str]:
    for rule in blocks(body.get("ingress")):
        yield from _security_group_rule_doors(rule)


def _firewall_doors(body: dict[str, Any]) -> Iterator[str]:
    if body.get("direction", "INGRESS") != "INGRESS":
        return
    ports = [f"{allow.get('protocol', 'all')} {','.join(map(str, allow.get('ports') or ['all ports']))}"
             for allow in blocks(body.get("allow"))]
    for cidr in _open_cidrs(body.get("source_ranges") or []):
        yield f"ingress from {cidr} (the whole internet) allowing {'; '.join(ports) or 'nothing listed'}"


def _google_iam_member_doors(body: dict[str, Any]) -> Iterator[str]:
    members = [body.get("member")] + list(body.get("members") or [])
    for member in members:
        if member in PUBLIC_MEMBERS:
            yield f"{member} granted {body.get('role', 'a role')}"


def _as_list(value: Any) -> list[Any]:
    if value is None or value is ABSENT:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(body: dict[str, Any]) -> Iterator[tuple[list[Any], list[Any], bool]]:
    """``(actions, principals, conditional)`` of each Allow statement: of a policy document block, or of a policy
    held as JSON in ``policy``."""
    for statement in blocks(body.get("statement")):
        if statement.get("effect", "Allow") == "Allow":
            principals = [identifier for principal in blocks(statement.get("principals"))
                          for identifier in _as_list(principal.get("identifiers"))]
            yield _as_list(statement.get("actions")), principals, bool(blocks(statement.get("condition")))
    policy = body.get("policy")
    try:
        document = json.loads(policy) if isinstance(policy, str) and policy.startswith("{") else {}
    except ValueError:
        return
    for statement in blocks(document.get("Statement")):
        if statement.get("Effect") == "Allow":
            principal = statement.get("Principal")
            principals = _as_list(principal.get("AWS")) if isinstance(principal, dict) else _as_list(principal)
            yield _as_list(statement.get("Action")), principals, bool(statement.get("Condition"))


def _policy_doors(body: dict[str, Any]) -> Iterator[str]:
    for actions, principals, conditional in _statements(body):
        if "*" in principals and not conditional:
            yield f"anyone (principal *) allowed {', '.join(sorted(map(str, actions))) or 'actions'}"
        for action in actions:
            if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                yield f"every action of {'every service' if action == '*' else action[:-2]} allowed ({action})"


def _switch(description: str, is_open: Callable[[Any], bool], attribute: str) -> Doors:
    def doors(body: dict[str, Any]) -> Iterator[str]:
        if is_open(value_at(body, attribute)):
            yield description
    return doors


def _combine(*parts: Doors) -> Doors:
    def doors(body: dict[str, Any]) -> Iterator[str]:
        for part in parts:
            yield from part(body)
    return doors


def _public_access_block_doors(body: dict[str, Any]) -> Iterator[str]:
    for flag in _PUBLIC_ACCESS_BLOCK_FLAGS:
        if body.get(flag) is not True:
            yield f"S3 Block Public Access: {flag} off"


def _authorized_network_doors(body: dict[str, Any]) -> Iterator[str]:
    for network in blocks(value_at(body, "settings.ip_configuration.authorized_networks")):
        for cidr in _open_cidrs(network.get("value")):
            yield f"authorized network {cidr} (the whole internet)"


_DOORS: dict[str, Doors] = {
    "aws_vpc_security_group_ingress_rule": _security_group_rule_doors,
    "aws_security_group_rule": _security_group_rule_doors,
    "aws_security_group": _security_group_doors,
    "google_compute_firewall": _firewall_doors,
    "aws_iam_policy_document": _policy_doors,
    "aws_iam_policy": _policy_doors,
    "aws_iam_role_policy": _policy_doors,
    "aws_s3_bucket_policy": _policy_doors,
    "aws_sns_topic_policy": _policy_doors,
    "aws_kms_key": _policy_doors,
    "aws_lb": _switch("internet-facing load balancer (internal off)", lambda value: value is not True, "internal"),
    "aws_db_instance": _switch("publicly accessible database", lambda value: value is True, "publicly_accessible"),
    "aws_s3_bucket_public_access_block": _public_access_block_doors,
    "google_storage_bucket": _switch("public access prevention not enforced",
                                     lambda value: value != "enforced", "public_access_prevention"),
    "google_cloud_run_v2_service": _combine(
        _switch("ingress open to all traffic (not only internal and the load balancer)",
                lambda value: value not in _RESTRICTED_RUN_INGRESS, "ingress"),
        _switch("IAM invoker check off: anyone who reaches the service may call it",
                lambda value: value is True, "invoker_iam_disabled"),
    ),
    "google_sql_database_instance": _combine(
        _switch("public IP address (ipv4_enabled)", lambda value: value is True, "settings.ip_configuration.ipv4_enabled"),
        _authorized_network_doors,
    ),
}
