"""Reading an AWS stack's Terraform JSON by construct, for the AWS property tests."""

from __future__ import annotations

import json
from typing import Any

from .helpers import data_sources, resources


def by_prefix(stack: dict[str, Any], resource_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """The one resource of a type whose logical id starts with ``prefix`` (the construct path)."""
    found = {name: body for name, body in resources(stack, resource_type).items() if name.startswith(prefix)}
    assert len(found) == 1, f"expected one {resource_type} under {prefix}, found {sorted(found)}"
    return next(iter(found.items()))


def all_by_prefix(stack: dict[str, Any], resource_type: str, prefix: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in resources(stack, resource_type).items() if name.startswith(prefix)}


def policy_statements(stack: dict[str, Any], policy_reference: str) -> dict[str, dict[str, Any]]:
    """Statements by sid of the ``aws_iam_policy_document`` that ``${data.aws_iam_policy_document.X.json}`` names."""
    document_id = policy_reference.removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    document = data_sources(stack, "aws_iam_policy_document")[document_id]
    return {statement["sid"]: statement for statement in document["statement"]}


def container(stack: dict[str, Any], service: str) -> dict[str, Any]:
    """The single container definition of a service's task definition."""
    _, task = by_prefix(stack, "aws_ecs_task_definition", f"{service}_service_")
    (definition,) = json.loads(task["container_definitions"])
    return definition


def ref(resource_type: str, logical_id: str, attribute: str) -> str:
    return f"${{{resource_type}.{logical_id}.{attribute}}}"
