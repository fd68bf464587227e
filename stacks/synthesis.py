"""Builds the cdktf App for a selection of clouds and environments and writes it out safely.

The app is synthesized into a staging directory next to the output directory and only moved into
place when synthesis succeeded, so a failed run leaves the previous output exactly as it was. Every stack
applies the guardrails (``constructs_lib.policy``); their violations, of all stacks at once, fail the run
(:class:`~constructs_lib.policy.GuardrailViolations`) and nothing is written.
Files Terraform keeps inside a stack's directory (``.terraform/``, ``.terraform.lock.hcl``) are kept;
stack directories that are no longer synthesized are removed, as ``cdktf synth`` does.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from constructs_lib.provider_bindings import prepare_jsii_runtime

from .type_hints import evaluate_jsii_stub_hints_once

prepare_jsii_runtime()  # before the first cdktf import starts the jsii runtime without the lazy exports hook
evaluate_jsii_stub_hints_once()

from cdktf import App  # noqa: E402

from config import Configuration  # noqa: E402
from constructs_lib.policy import COLLECT_CONTEXT, GuardrailViolations, collected_violations  # noqa: E402
from constructs_lib.rules import TERRAFORM_TARGET_VERSIONS  # noqa: E402

from . import KINDS  # noqa: E402
from .output import SynthesizedStack, describe, publish, selected_refs, staging_directory  # noqa: E402

_STACK_CLASSES = {
    ("aws", "bootstrap"): ("stacks.aws_bootstrap_stack", "AwsBootstrapStack"),
    ("aws", "platform"): ("stacks.aws_platform_stack", "AwsPlatformStack"),
    ("aws", "standby"): ("stacks.aws_platform_stack", "AwsStandbyStack"),
    ("gcp", "bootstrap"): ("stacks.gcp_bootstrap_stack", "GcpBootstrapStack"),
    ("gcp", "platform"): ("stacks.gcp_platform_stack", "GcpPlatformStack"),
}
def build_app(configuration: Configuration, clouds: Sequence[str], outdir: Path, kinds: Sequence[str] = KINDS, *,
              collect_violations: bool = False) -> App:
    """An App holding the selected kinds of stack per selected cloud and environment (order: ``stack_refs``).

    ``collect_violations``: guardrail violations do not stop ``synth()`` at the first stack with one; the
    caller reads them all with ``constructs_lib.policy.collected_violations(app)`` afterwards.
    """
    context: dict[str, Any] = {"targetVersions": TERRAFORM_TARGET_VERSIONS}  # CDK Terrain checks it (rules.py)
    if collect_violations:
        context[COLLECT_CONTEXT] = True
    app = App(outdir=str(outdir), context=context)
    configs = {config.environment: config for config in configuration.environments}
    for ref in selected_refs(configuration, clouds, kinds):
        module_name, class_name = _STACK_CLASSES[(ref.cloud, ref.kind)]
        stack_class = getattr(importlib.import_module(module_name), class_name)  # loads only this cloud's bindings
        if ref.kind == "bootstrap":
            assert configuration.project.github is not None  # required by the configuration schema
            stack_class(app, configs[ref.environment], configuration.project.github, configuration.project.applications)
        else:
            stack_class(app, configs[ref.environment])
    return app


def synthesize(configuration: Configuration, clouds: Sequence[str], outdir: Path,
               kinds: Sequence[str] = KINDS) -> list[SynthesizedStack]:
    """Synthesizes the selected stacks into ``outdir`` and describes what was written.

    Raises:
        GuardrailViolations: Constructs break guardrails; one line per violation, ``outdir`` untouched.
    """
    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_directory(outdir)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        app = build_app(configuration, clouds, staging, kinds, collect_violations=True)
        app.synth()
        violations = collected_violations(app)
        if violations:
            raise GuardrailViolations(violations)
        publish(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return describe(selected_refs(configuration, clouds, kinds), outdir)
