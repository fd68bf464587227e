"""Synthesizing an app safely: all stacks checked, then published together, or nothing written.

    import constructs_lib
    app = constructs_lib.app("cdktf.out")      # a cdktf App that writes into a staging directory
    ... stacks, apply_guardrails(stack, production=...) ...
    constructs_lib.synth(app)                  # publishes into cdktf.out, or raises SynthesisError

:func:`app` gives a ``cdktf.App`` whose output goes to ``.<outdir>.staging-<pid>`` beside the output directory
and whose guardrails (:mod:`constructs_lib.policy`) report every violation of every stack at once. :func:`synth`
synthesizes it, checks the written JSON of every stack, and only when everything passed moves the result into the
output directory (keeping Terraform's working files there, ``.terraform/`` and ``.terraform.lock.hcl``, and
removing stacks no longer synthesized, as ``cdktf synth`` does). Any failure, a guardrail violation, a validation or
an error annotation, raises :class:`SynthesisError`: a plain Python error listing each problem on its own line,
without the JavaScript stack trace, and the output directory is left as it was. Staging directories left behind by
a killed run are removed by the next one.

``constructs_lib.app`` and ``constructs_lib.synth`` start the jsii runtime with the provider bindings loaded on demand
(:func:`~constructs_lib.provider_bindings.prepare_jsii_runtime`) before this module imports cdktf.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdktf import App

from .output import SynthesisError, prepare_staging, publish
from .policy import COLLECT_CONTEXT, collected_violations

__all__ = ["SynthesisError", "app", "synth"]

#: The App context key holding the directory :func:`synth` publishes into.
OUTDIR_CONTEXT = "constructs_lib.synthesis:outdir"
#: What cdktf adds to its errors: ways to switch the checks off, which a caller must not be told to do.
_HINTS = ("If you wish to ignore these validations", "To skip validations", "Validations allow for dynamic verification",
          "Either fix the issues above")


def app(outdir: str | Path | None = None, *, context: Mapping[str, Any] | None = None, **config: Any) -> App:
    """A ``cdktf.App`` for :func:`synth`: its stacks are written into a staging directory beside ``outdir``.

    Args:
        outdir: Where :func:`synth` publishes. Default: ``CDKTF_OUTDIR`` (set by ``cdktf synth``), else ``cdktf.out``.
        context: Context values of the app, e.g. ``{"targetVersions": ...}``.
        config: Other ``cdktf.App`` arguments (``stack_traces``, ``hcl_output``...); not ``outdir``.
    """
    target = Path(outdir if outdir is not None else os.environ.get("CDKTF_OUTDIR") or "cdktf.out").absolute()
    staging = prepare_staging(target)
    values = {**(context or {}), COLLECT_CONTEXT: True, OUTDIR_CONTEXT: str(target)}
    return App(outdir=str(staging), context=values, **config)


def synth(application: App) -> Path:
    """Synthesizes an app made by :func:`app`, checks every stack and publishes the output; returns its directory.

    Raises:
        SynthesisError: A stack broke a guardrail or a validation, or carries an error annotation; nothing published.
        TypeError: The app was not made by :func:`app` (a plain ``cdktf.App`` writes straight into its output).
    """
    target = application.node.try_get_context(OUTDIR_CONTEXT)
    if not isinstance(target, str):
        raise TypeError("synth(app): make the app with constructs_lib.app(outdir), which stages its output; a plain "
                        "cdktf.App writes straight into its output directory")
    outdir, staging = Path(target), Path(application.outdir)
    try:
        try:
            application.synth()
        except RuntimeError as error:  # cdktf's errors arrive from JavaScript as RuntimeError
            raise SynthesisError(_problems(str(error)), outdir) from None
        violations = collected_violations(application)
        if violations:
            raise SynthesisError([str(violation) for violation in violations], outdir)
        publish(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outdir


def _problems(text: str) -> list[str]:
    """The problem lines of a cdktf error, without its header, its hints and any stack trace."""
    lines = [line.strip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line and not line.startswith(_HINTS) and not line.startswith("at ")]
    listed = [line for line in lines if line.startswith("[")]
    return listed or [line.removeprefix("Error: ") for line in lines[:1]]
