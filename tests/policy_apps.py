"""Small in-process apps for the guardrail tests: one stack, the resources a case builds, the guardrails."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import constructs_lib.aws  # noqa: F401  (registers the bindings for on-demand loading before cdktf starts)
import constructs_lib.gcp  # noqa: F401
from constructs_lib.policy import Guardrails, apply_guardrails

from cdktf import App, TerraformStack, Testing  # isort: skip
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags  # isort: skip
from cdktf_cdktf_provider_google.provider import GoogleProvider  # isort: skip

ACCOUNT = "123456789012"
TAGS = {"Project": "acme", "Environment": "test", "ManagedBy": "cdktf"}
LABELS = {"project": "acme", "environment": "test", "managed-by": "cdktf"}

Build = Callable[[TerraformStack], Any]


def aws_stack(app: App, name: str = "stack", *, tags: dict[str, str] | None = TAGS,
              accounts: tuple[str, ...] = (ACCOUNT,)) -> TerraformStack:
    """A stack with an AWS provider restricted to ``accounts``, tagging every resource with ``tags``."""
    stack = TerraformStack(app, name)
    AwsProvider(stack, "aws", region="us-east-1", allowed_account_ids=list(accounts) or None,
                default_tags=[AwsProviderDefaultTags(tags=tags)] if tags else None)
    return stack


def gcp_stack(app: App, name: str = "stack", *, labels: dict[str, str] | None = LABELS) -> TerraformStack:
    """A stack with a Google provider labelling every resource with ``labels`` (as constructs_lib.gcp does)."""
    stack = TerraformStack(app, name)
    provider = GoogleProvider(stack, "google", project="acme-test", region="us-central1")
    if labels:
        provider.add_override("default_labels", labels)
    return stack


def new_app() -> App:
    """An App writing to a temporary directory (cdktf's ``Testing.app()``)."""
    return Testing.app()


def synthesize(stack: TerraformStack) -> dict[str, Any]:
    """The stack's Terraform JSON after Aspects and validations, without failing on violations."""
    try:
        Testing.synth(stack, True)
    except RuntimeError as error:  # jsii: the validation that failed, with every violation
        assert "Validation failed" in str(error), error
    return json.loads(json.dumps(stack.to_terraform()))


def check(build: Build, *, cloud: str = "aws", production: bool = False, **stack_options: Any) -> Guardrails:
    """Builds one stack with ``build``, applies the guardrails and synthesizes it; the guardrails hold the outcome."""
    app = new_app()
    stack = (aws_stack if cloud == "aws" else gcp_stack)(app, **stack_options)
    build(stack)
    guardrails = apply_guardrails(stack, production=production)
    synthesize(stack)
    return guardrails


def fired(guardrails: Guardrails, rule: str) -> list[str]:
    """The construct paths (below the stack) where ``rule`` fired."""
    return [violation.path.removeprefix("stack/") for violation in guardrails.violations if violation.rule == rule]
