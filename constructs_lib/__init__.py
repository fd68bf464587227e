"""Reusable CDK for Terraform constructs for a containerized analytics platform on AWS and GCP.

Import the cloud you need: ``constructs_lib.aws`` or ``constructs_lib.gcp``. Each construct takes a
frozen props dataclass with documented, secure defaults and reads no files, environment variables
or environment names, so it can be used alone from any cdktf app. This package root imports neither
cdktf nor a provider, so importing it is free; :func:`app`, :func:`synth` and :class:`SynthesisError`
(safe synthesis, ``constructs_lib.synthesis``) load cdktf when first used.
"""

from typing import Any

from .naming import PlatformIdentity
from .output import SynthesisError
from .props import PropError

__all__ = ["PlatformIdentity", "PropError", "SynthesisError", "app", "synth"]


def __getattr__(name: str) -> Any:
    """``app`` and ``synth`` from :mod:`constructs_lib.synthesis`, imported (with cdktf) on first use."""
    if name in ("app", "synth"):
        from .provider_bindings import prepare_jsii_runtime

        prepare_jsii_runtime()  # before synthesis imports cdktf: provider JavaScript loaded on demand
        from . import synthesis

        return getattr(synthesis, name)
    raise AttributeError(f"module 'constructs_lib' has no attribute {name!r}")
