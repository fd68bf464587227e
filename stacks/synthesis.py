"""Builds the cdktf App for a selection of clouds and environments and writes it out safely.

The app is the library's (:func:`constructs_lib.synthesis.app`): synthesized into a staging directory next to the
output directory and published only when every stack was written and passed its checks
(:func:`constructs_lib.synthesis.synth`), so a failed run leaves the previous output exactly as it was. Every stack
applies the guardrails (``constructs_lib.policy``); their violations, of all stacks at once, fail the run
(:class:`~constructs_lib.output.SynthesisError`) and nothing is written.

Importing this module imports cdktf, which starts the jsii runtime: a program calls
:func:`constructs_lib.provider_bindings.prepare_jsii_runtime` first (main.py does), so that the runtime starts
with the provider packages' JavaScript loaded on demand.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cdktf import App

from config import Configuration
from constructs_lib.output import SynthesisError
from constructs_lib.cloud_limits import TERRAFORM_TARGET_VERSIONS
from constructs_lib.synthesis import app as staged_app, synth

from . import KINDS
from .output import SynthesizedStack, describe, selected_refs

__all__ = ["SynthesisError", "build_app", "synthesize"]

_STACK_CLASSES = {
    ("aws", "bootstrap"): ("stacks.aws_bootstrap_stack", "AwsBootstrapStack"),
    ("aws", "platform"): ("stacks.aws_platform_stack", "AwsPlatformStack"),
    ("aws", "standby"): ("stacks.aws_platform_stack", "AwsStandbyStack"),
    ("gcp", "bootstrap"): ("stacks.gcp_bootstrap_stack", "GcpBootstrapStack"),
    ("gcp", "platform"): ("stacks.gcp_platform_stack", "GcpPlatformStack"),
}
def build_app(configuration: Configuration, clouds: Sequence[str], outdir: Path, kinds: Sequence[str] = KINDS) -> App:
    """An App (:func:`constructs_lib.synthesis.app`, publishing into ``outdir``) holding the selected kinds of stack
    per selected cloud and environment (order: ``stack_refs``)."""
    context: dict[str, Any] = {"targetVersions": TERRAFORM_TARGET_VERSIONS}  # CDK Terrain checks it (rules.py)
    app = staged_app(outdir, context=context)
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
        SynthesisError: Stacks break guardrails or validations; one line per problem, ``outdir`` untouched.
    """
    outdir = outdir.absolute()
    synth(build_app(configuration, clouds, outdir, kinds))
    return describe(selected_refs(configuration, clouds, kinds), outdir)
