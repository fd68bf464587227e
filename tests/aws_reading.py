"""Reading an AWS stack's Terraform JSON by construct, for the AWS property tests."""

from __future__ import annotations

import json
from typing import Any

from .helpers import by_prefix, data_sources


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
