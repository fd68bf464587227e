"""The guardrails as cdktf Aspects: :class:`Guardrails` checks, :class:`ProtectStatefulResources` protects,
:func:`waive` records a justified exception where the synthesized output (and so review) shows it.

:class:`Guardrails` registers a validation on the stack of its scope, which runs after every Aspect (so
it sees what :class:`ProtectStatefulResources` added) and checks the stack's final Terraform JSON; which
resource types take tags and labels it reads from their binding classes. :func:`apply_guardrails`
registers it directly (:meth:`Guardrails.check`); added as an Aspect it does the same at its first visit.
A violation makes ``app.synth()`` (and ``Testing.synth(stack, run_validations=True)``) raise, listing one
``<construct path>: <rule>: <message>`` line each. With the App context :data:`COLLECT_CONTEXT` set, the
stacks are written unchecked and :func:`collected_violations` checks the written JSON of every stack, so a
program can report all at once (and no stack is turned into JSON twice).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jsii
from cdktf import App, Aspects, IAspect, TerraformResource, TerraformStack
from constructs import IConstruct, IValidation

from ..naming import AWS_TAG_KEYS, GCP_LABEL_KEYS
from ..provider_bindings import register_lazily
from ..analysis.review.changes import METADATA_KEY, WAIVERS_KEY
from ..analysis.review.provider_facts import FORCE_DESTROY_NAMES, STATEFUL_RESOURCE_TYPES
from .engine import RULES_BY_ID, Evaluation, evaluate
from .model import MIN_REASON_LENGTH, ResourceTraits, Settings, Violation, Waived, normalize_reason

#: App context key: when true, violations are recorded on the stacks (see :func:`collected_violations`)
#: instead of failing the synthesis of the first stack that has one.
COLLECT_CONTEXT = "constructs_lib.policy:collectViolations"
#: The rule whose waiver also exempts a resource from :class:`ProtectStatefulResources`.
DATA_PROTECTION_RULE = "prod-data-protection"

_DEFERRED_METADATA = "constructs_lib.policy:check"
_WAIVER_METADATA = "constructs_lib.policy:waiver"
_TRAITS_BY_CLASS: dict[type, ResourceTraits] = {}
_TRAITS_BY_TYPE: dict[str, ResourceTraits] = {}
_PROVIDER_PACKAGES = {
    "aws": "cdktf_cdktf_provider_aws",
    "google": "cdktf_cdktf_provider_google",
}


def traits_of_class(binding: type) -> ResourceTraits:
    """What a resource's binding class (e.g. ``S3Bucket``) says about its type; read once per class."""
    traits = _TRAITS_BY_CLASS.get(binding)
    if traits is None:
        resource_type = binding.TF_RESOURCE_TYPE  # type: ignore[attr-defined]
        traits = _TRAITS_BY_CLASS[binding] = ResourceTraits.of_binding(resource_type, binding)
    return traits


def traits_from_bindings(resource_type: str) -> ResourceTraits:
    """The traits of a resource type looked up in the prebuilt provider bindings, for checking JSON alone
    (``evaluate(document, traits=traits_from_bindings)``); a type whose binding is not installed has none.
    Looked up once per type and process."""
    traits = _TRAITS_BY_TYPE.get(resource_type)
    if traits is None:
        traits = _TRAITS_BY_TYPE[resource_type] = _look_up_traits(resource_type)
    return traits


def _look_up_traits(resource_type: str) -> ResourceTraits:
    provider, _, name = resource_type.partition("_")
    package = _PROVIDER_PACKAGES.get(provider)
    if package is None:
        return ResourceTraits(resource_type)
    try:
        register_lazily(package)
        module = importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError:
        return ResourceTraits(resource_type)
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, TerraformResource) and value.TF_RESOURCE_TYPE == resource_type:
            return traits_of_class(value)
    return ResourceTraits(resource_type)


@jsii.implements(IValidation)
class _StackCheck:
    """The validation one :class:`Guardrails` registers on the stack of one scope."""

    def __init__(self, guardrails: Guardrails, stack: TerraformStack, scope_path: str) -> None:
        self._guardrails = guardrails
        self._stack = stack
        self._scope_path = scope_path
        self.done = False
        self.evaluation = Evaluation((), ())

    def _in_scope(self, path: str) -> bool:
        return path == self._scope_path or path.startswith(f"{self._scope_path}/")

    def validate(self) -> list[str]:
        self.done = True
        if self._stack.node.try_get_context(COLLECT_CONTEXT):
            # collected_violations checks the written JSON: what the check needs goes with the stack.
            guardrails = self._guardrails
            self._stack.node.add_metadata(_DEFERRED_METADATA, {
                "scope": self._scope_path, "production": guardrails.production,
                "tags": list(guardrails.settings.required_tags), "labels": list(guardrails.settings.required_labels),
            })
            return []
        self.evaluation = self._guardrails.evaluate(self._stack.to_terraform(), in_scope=self._in_scope)
        return [str(violation) for violation in self.evaluation.violations]


def _within(scope: str) -> Callable[[str], bool]:
    return lambda path: path == scope or path.startswith(f"{scope}/")


@jsii.implements(IAspect)
class Guardrails:
    """Checks every resource of the scope it is added to against the rules while synthesizing.

    ``Aspects.of(stack).add(Guardrails(production=...))``, or :func:`apply_guardrails`. One instance
    checks one scope per stack (add it to a stack, or to one construct of each stack). The rules and
    their ids: ``constructs_lib.policy.RULES``; a justified exception: :func:`waive`.

    Args:
        production: Also apply the production rules (``Rule.production``). The stack decides, from
            its configuration; constructs never read environment names.
        required_tags: AWS tag keys every taggable resource carries. Default ``Project``,
            ``Environment``, ``ManagedBy`` (:class:`~constructs_lib.PlatformIdentity`'s tags).
        required_labels: GCP label keys every labelable resource carries. Default ``project``,
            ``environment``, ``managed-by``.
    """

    def __init__(
        self,
        *,
        production: bool = False,
        required_tags: Sequence[str] = AWS_TAG_KEYS,
        required_labels: Sequence[str] = GCP_LABEL_KEYS,
    ) -> None:
        self.production = production
        self.settings = Settings(tuple(required_tags), tuple(required_labels))
        self._traits: dict[str, ResourceTraits] = {}
        self._checks: dict[str, _StackCheck] = {}
        self._current: _StackCheck | None = None

    def check(self, scope: IConstruct) -> Guardrails:
        """Registers the check of ``scope`` on its stack now, without visiting its constructs (no callback per
        construct while synthesizing). What :func:`apply_guardrails` does; returns this instance."""
        self._start_scope(scope)
        self._current = None
        return self

    @property
    def violations(self) -> tuple[Violation, ...]:
        """What the last synthesis of each scope found (empty before one, and with :data:`COLLECT_CONTEXT`:
        read :func:`collected_violations` then)."""
        return tuple(sorted(v for check in self._checks.values() for v in check.evaluation.violations))

    @property
    def waived(self) -> tuple[Waived, ...]:
        """What waivers let pass in the last synthesis of each scope, with their reasons."""
        return tuple(sorted(w for check in self._checks.values() for w in check.evaluation.waived))

    def visit(self, node: IConstruct) -> None:
        # Aspects visit a scope's root first, then its descendants; a stack, or the first visit after
        # the previous scope was checked, starts a scope. Everything else stays in Python (no jsii call).
        if self._current is None or self._current.done or isinstance(node, TerraformStack):
            self._start_scope(node)
        if isinstance(node, TerraformResource):
            traits = traits_of_class(type(node))
            self._traits.setdefault(traits.resource_type, traits)

    def _start_scope(self, node: IConstruct) -> None:
        path = node.node.path
        check = self._checks.get(path)
        if check is None:
            stack = TerraformStack.of(node)
            check = self._checks[path] = _StackCheck(self, stack, path)
            stack.node.add_validation(check)
        check.done = False
        self._current = check

    def traits(self, resource_type: str) -> ResourceTraits:
        """What the binding of ``resource_type`` says about it: the visited class, else the installed binding."""
        traits = self._traits.get(resource_type)
        if traits is None:
            traits = self._traits[resource_type] = traits_from_bindings(resource_type)
        return traits

    def evaluate(self, document: dict[str, Any], *, in_scope: Callable[[str], bool] = lambda _path: True) -> Evaluation:
        """Checks a stack's Terraform JSON with this instance's rules and settings."""
        return evaluate(document, production=self.production, traits=self.traits, settings=self.settings,
                        in_scope=in_scope)


@jsii.implements(IAspect)
class ProtectStatefulResources:
    """Keeps the stateful resources of its scope from ``terraform destroy``: adds
    ``lifecycle.prevent_destroy = true`` (keeping any other lifecycle setting) and sets
    ``force_destroy``/``force_delete`` to false where the type has one (S3, GCS, ECR).

    Destroying or replacing such a resource then needs a deliberate code change. Stateful types are
    those of the risk review (``constructs_lib.analysis.review.provider_facts.STATEFUL_RESOURCE_TYPES``:
    buckets, databases, log groups, image repositories, secrets, keys). A resource with a waiver of
    ``prod-data-protection`` is left as it is.

    Args:
        resource_types: The types to protect. Default: every stateful type.
    """

    def __init__(self, resource_types: Iterable[str] = STATEFUL_RESOURCE_TYPES) -> None:
        self.resource_types = frozenset(resource_types)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource):
            return
        binding = type(node)
        if traits_of_class(binding).resource_type not in self.resource_types or _waived(node, DATA_PROTECTION_RULE):
            return
        node.add_override("lifecycle.prevent_destroy", True)
        for name in sorted(FORCE_DESTROY_NAMES):
            if hasattr(binding, name):
                node.add_override(name, False)


def _waived(node: IConstruct, rule: str) -> bool:
    return any(entry.type == _WAIVER_METADATA and entry.data.get("rule") == rule for entry in node.node.metadata)


def waive(construct: IConstruct, rule: str, *, reason: str) -> None:
    """Exempts the resources of ``construct`` from ``rule``, for the reason given.

    The waiver is written into each resource of the construct that the rule checks, as
    ``"//": {"waivers": {"<rule>": "<reason>"}}``: the snapshot shows it and the risk review reports
    its changes. Call it once the construct is complete (resources added later are not waived).

    Raises:
        ValueError: The rule is unknown, the reason is shorter than 20 characters, or the rule
            checks no resource of the construct.
    """
    if rule not in RULES_BY_ID:
        raise ValueError(f"waive: unknown rule {rule!r} (rules: {', '.join(RULES_BY_ID)})")
    path = construct.node.path
    text = normalize_reason(reason)
    if len(text) < MIN_REASON_LENGTH:
        raise ValueError(f"waive({path}, {rule}): the reason must say why, in at least {MIN_REASON_LENGTH} "
                         f"characters; got {reason!r}")
    concerns = RULES_BY_ID[rule].concerns
    resources = [node for node in construct.node.find_all()
                 if isinstance(node, TerraformResource) and concerns(traits_of_class(type(node)))]
    if not resources:
        raise ValueError(f"waive({path}, {rule}): the rule checks no resource of this construct")
    for resource in resources:
        resource.add_override(f"{METADATA_KEY}.{WAIVERS_KEY}.{rule}", text)
        resource.node.add_metadata(_WAIVER_METADATA, {"rule": rule, "reason": text})


def apply_guardrails(
    scope: IConstruct,
    *,
    production: bool,
    required_tags: Sequence[str] = AWS_TAG_KEYS,
    required_labels: Sequence[str] = GCP_LABEL_KEYS,
) -> Guardrails:
    """Adds :class:`Guardrails` to ``scope`` and, in production, :class:`ProtectStatefulResources` first."""
    if production:
        Aspects.of(scope).add(ProtectStatefulResources())
    guardrails = Guardrails(production=production, required_tags=required_tags, required_labels=required_labels)
    return guardrails.check(scope)


def collected_violations(app: App) -> list[Violation]:
    """After ``app.synth()`` with :data:`COLLECT_CONTEXT` set: the violations of every stack's written JSON."""
    outdir = Path(app.outdir)
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    found: set[Violation] = set()
    for stack in app.node.children:
        if not isinstance(stack, TerraformStack):
            continue
        checks = {json.dumps(entry.data, sort_keys=True): entry.data
                  for entry in stack.node.metadata if entry.type == _DEFERRED_METADATA}
        if not checks:
            continue
        stack_file = outdir / manifest["stacks"][stack.node.id]["synthesizedStackPath"]
        document = json.loads(stack_file.read_text(encoding="utf-8"))
        for check in checks.values():
            found.update(evaluate(document, production=check["production"], traits=traits_from_bindings,
                                  settings=Settings(tuple(check["tags"]), tuple(check["labels"])),
                                  in_scope=_within(check["scope"])).violations)
    return sorted(found)
