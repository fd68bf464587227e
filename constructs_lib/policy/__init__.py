"""Guardrails checked while synthesizing, and production data kept from ``terraform destroy``.

Usable alone from any cdktf app (after ``constructs_lib.aws`` or ``constructs_lib.gcp``, which start the jsii
runtime with the provider bindings loaded on demand: import one of them, or call
``constructs_lib.provider_bindings.prepare_jsii_runtime()``, before ``cdktf``)::

    from constructs_lib.policy import apply_guardrails, waive

    apply_guardrails(stack, production=True)   # the stack decides, e.g. from its configuration
    waive(bucket, "bucket-versioning", reason="Scratch copies, rebuilt nightly from the lake (ADR 12)")
    app.synth()                                # raises, one line per violation: <construct path>: <rule>: <message>

- :class:`Guardrails` (an Aspect): every rule of :data:`RULES` on the resources of its scope; the
  production rules only with ``production=True``.
- :class:`ProtectStatefulResources` (an Aspect): ``lifecycle.prevent_destroy`` on buckets, databases,
  log groups, repositories, secrets and keys; ``force_destroy``/``force_delete`` off.
- :func:`waive`: a per-construct exception with a written reason, visible in the synthesized JSON.

The rules themselves read synthesized Terraform JSON only (:mod:`.engine`, :mod:`.rules`,
:mod:`.production`): ``evaluate(json.load(file), production=..., traits=traits_from_bindings)`` checks
a written ``cdk.tf.json``.
"""

from .aspects import (
    COLLECT_CONTEXT,
    DATA_PROTECTION_RULE,
    Guardrails,
    ProtectStatefulResources,
    apply_guardrails,
    collected_violations,
    traits_from_bindings,
    waive,
)
from .engine import RULES, RULES_BY_ID, WAIVER_RULE, Evaluation, evaluate
from .model import MIN_REASON_LENGTH, GuardrailViolations, ResourceTraits, Rule, Violation, Waived

__all__ = [
    "COLLECT_CONTEXT",
    "DATA_PROTECTION_RULE",
    "MIN_REASON_LENGTH",
    "RULES",
    "RULES_BY_ID",
    "WAIVER_RULE",
    "Evaluation",
    "GuardrailViolations",
    "Guardrails",
    "ProtectStatefulResources",
    "ResourceTraits",
    "Rule",
    "Violation",
    "Waived",
    "apply_guardrails",
    "collected_violations",
    "evaluate",
    "traits_from_bindings",
    "waive",
]
