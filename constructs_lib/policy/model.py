"""What the guardrails report and what a rule is: plain data, no cdktf.

A :class:`Rule` reads one stack's synthesized Terraform JSON (a :class:`~.document.StackDocument`) and
yields a :class:`Finding` per resource that breaks it. The engine (:mod:`.engine`) turns findings into
:class:`Violation` lines, or into :class:`Waived` entries where the resource carries a waiver of that
rule with its reason (``"//": {"waivers": {"<rule>": "<reason>"}}``, the entry the risk review shows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .document import Element, StackDocument

#: A waiver's reason must say why, in at least this many characters (after collapsing whitespace).
MIN_REASON_LENGTH = 20

#: Binding attributes that hold an IAM policy document (JSON) or attach managed policies on AWS resources.
POLICY_ATTRIBUTES: tuple[str, ...] = (
    "policy", "assume_role_policy", "policy_document", "inline_policy", "policy_arn", "managed_policy_arns", "policy_arns",
)


@dataclass(frozen=True)
class ResourceTraits:
    """What the provider bindings say about a resource type, for the rules that depend on it.

    Attributes:
        resource_type: e.g. ``aws_s3_bucket``.
        taggable: The type takes AWS tags and merges the provider's ``default_tags`` (its binding has
            ``tags_all``, which the provider documents as "tags, including those inherited from the
            provider default_tags").
        labelable: The type takes GCP labels and merges the provider's ``default_labels`` (its binding
            has ``terraform_labels``, "labels configured directly on the resource and default labels
            configured on the provider").
        holds_policy: The type has an attribute that may hold an IAM policy (:data:`POLICY_ATTRIBUTES`).
    """

    resource_type: str
    taggable: bool = False
    labelable: bool = False
    holds_policy: bool = False

    @classmethod
    def of_binding(cls, resource_type: str, binding: type) -> ResourceTraits:
        """The traits of ``resource_type`` read from its binding class (e.g. ``S3Bucket``)."""
        return cls(
            resource_type=resource_type,
            taggable=hasattr(binding, "tags_all"),
            labelable=hasattr(binding, "terraform_labels"),
            holds_policy=any(hasattr(binding, attribute) for attribute in POLICY_ATTRIBUTES),
        )


#: Traits of each resource type present in a stack, by type; a type without an entry has none.
TraitsLookup = Callable[[str], ResourceTraits]


@dataclass(frozen=True)
class Settings:
    """What the rules that are not fixed read.

    Attributes:
        required_tags: AWS tag keys every taggable resource must carry (non-empty values).
        required_labels: GCP label keys every labelable resource must carry.
    """

    required_tags: tuple[str, ...]
    required_labels: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One resource breaking one rule, before waivers are considered."""

    element: Element
    message: str


@dataclass(frozen=True)
class Rule:
    """One guardrail.

    Attributes:
        id: Stable identifier, used in messages and waivers, e.g. ``bucket-versioning``.
        summary: What must hold, in one line.
        production: True for the rules applied only with ``production=True``.
        concerns: Whether the rule checks resources of a type (a waiver lands only on those).
        check: Yields a finding per resource of the stack that breaks the rule.
    """

    id: str
    summary: str
    production: bool
    concerns: Callable[[ResourceTraits], bool]
    check: Callable[[StackDocument, Settings, TraitsLookup], Iterable[Finding]]


def of_types(*resource_types: str) -> Callable[[ResourceTraits], bool]:
    """A ``Rule.concerns`` for rules that check a fixed set of resource types."""
    wanted = frozenset(resource_types)
    return lambda traits: traits.resource_type in wanted


@dataclass(frozen=True, order=True)
class Violation:
    """A rule broken by a construct: ``<construct path>: <rule>: <what is wrong>`` (one line)."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


@dataclass(frozen=True, order=True)
class Waived:
    """A finding that a waiver lets pass, with the waiver's reason."""

    path: str
    rule: str
    message: str
    reason: str


class GuardrailViolations(Exception):
    """Synthesis stopped because constructs break guardrails; ``violations`` holds one line each."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(sorted(violations))
        super().__init__("\n".join(str(violation) for violation in self.violations))


def normalize_reason(reason: Any) -> str:
    """The reason with whitespace collapsed ('' for anything that is not text)."""
    return " ".join(reason.split()) if isinstance(reason, str) else ""
