"""Reading an AWS stack's Terraform JSON by construct, for the AWS property tests."""

from __future__ import annotations

import json
import re
from typing import Any

from constructs_lib.aws.iam_evaluation import document_from_terraform

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


def stand_in(reference_text: str) -> str:
    """An ARN standing for a Terraform reference (``${aws_kms_key.x.arn}`` -> ``arn:aws:tf:::aws_kms_key.x``)."""
    return re.sub(r"\$\{(?:data\.)?([a-z0-9_]+\.[A-Za-z0-9_-]+)[^}]*\}", r"arn:aws:tf:::\1", reference_text)


def iam_policy(stack: dict[str, Any], policy_reference: str) -> dict[str, Any]:
    """The IAM JSON of the policy document ``${data.aws_iam_policy_document.X.json}`` names, references as stand-ins."""
    document_id = policy_reference.removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    return document_from_terraform(data_sources(stack, "aws_iam_policy_document")[document_id], resolve=stand_in)
