"""``terraform show -json <plan>`` as a summary that names resources and actions, never attribute values.

Plans can hold secrets in clear text (Cloud Run ``env`` values and generated passwords are not all
marked sensitive), so nothing here prints or keeps a value: only addresses, resource types, actions,
the names of top-level attributes an update changes, and whether a destroyed database is a replica
(whether its source attribute is set, e.g. ``replicate_source_db``: a replica's destroy costs recovery
time, not data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from constructs_lib.analysis.review.deletion_facts import replica_source_attribute
from constructs_lib.analysis.review.provider_facts import STATEFUL_RESOURCE_TYPES

#: Terraform's action lists (``resource_changes[].change.actions``) and what we call them.
_ACTIONS: dict[tuple[str, ...], str] = {
    ("create",): "create", ("update",): "update", ("delete",): "delete",
    ("delete", "create"): "replace", ("create", "delete"): "replace", ("forget",): "forget",
}
_SHOWN_ATTRIBUTES = 8


@dataclass(frozen=True)
class ResourceChange:
    """One planned change: address, type, what happens, which top-level attributes change (names only), and
    whether the resource is a replica of another (its data is a copy)."""

    address: str
    type: str
    action: str
    attributes: tuple[str, ...] = ()
    importing: bool = False
    replica: bool = False

    @property
    def destroys_state(self) -> bool:
        """A stateful resource (bucket, database, log group, repository, key, ...) holding the only copy of its data
        is deleted or replaced."""
        return self.type in STATEFUL_RESOURCE_TYPES and self.action in ("delete", "replace") and not self.replica

    @property
    def destroys_replica(self) -> bool:
        """A replica is deleted or replaced: recovery takes longer until it is re-created; its source keeps the data."""
        return self.replica and self.action in ("delete", "replace")


@dataclass(frozen=True)
class PlanSummary:
    """What one stack's plan does. ``status``: ``changes``, ``no changes``, ``skipped`` or ``failed``."""

    stack: str
    status: str
    changes: tuple[ResourceChange, ...] = ()
    note: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counted = {"add": 0, "change": 0, "destroy": 0, "replace": 0, "forget": 0, "import": 0}
        for change in self.changes:
            counted["add"] += change.action in ("create", "replace")
            counted["destroy"] += change.action in ("delete", "replace")
            counted["change"] += change.action == "update"
            counted["replace"] += change.action == "replace"
            counted["forget"] += change.action == "forget"
            counted["import"] += change.importing
        object.__setattr__(self, "counts", counted)

    @property
    def stateful_destroys(self) -> list[ResourceChange]:
        """Deletes and replacements that lose data."""
        return [change for change in self.changes if change.destroys_state]

    @property
    def replica_destroys(self) -> list[ResourceChange]:
        """Deletes and replacements of replicas (recovery time, not data)."""
        return [change for change in self.changes if change.destroys_replica]

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "status": self.status, "note": self.note,
                "changes": [asdict(change) for change in self.changes]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanSummary:
        changes = tuple(ResourceChange(change["address"], change["type"], change["action"],
                                       tuple(change.get("attributes", ())), bool(change.get("importing")),
                                       bool(change.get("replica")))
                        for change in data.get("changes", ()))
        return cls(stack=str(data["stack"]), status=str(data["status"]), changes=changes, note=str(data.get("note", "")))


def _changed_attributes(change: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level attribute names whose value differs or becomes known only after apply (names, never values)."""
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ()
    names = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    names |= {name for name, value in unknown.items() if value not in (False, None, {}, [])} if isinstance(unknown, dict) else set()
    return tuple(sorted(names))


def read_plan(plan: Mapping[str, Any]) -> list[ResourceChange]:
    """The managed resource changes of a ``terraform show -json`` plan document (no-ops and reads left out)."""
    found = []
    for resource in plan.get("resource_changes", ()):
        if resource.get("mode", "managed") != "managed":
            continue
        change = resource.get("change", {})
        actions = tuple(change.get("actions", ()))
        importing = bool(change.get("importing"))
        action = _ACTIONS.get(actions)
        if action is None:  # no-op, read; an import without other change still counts
            if not importing:
                continue
            action = "import"
        attributes = _changed_attributes(change) if action == "update" else ()
        replica = replica_source_attribute(resource["type"], change.get("before") or {}) is not None
        found.append(ResourceChange(resource["address"], resource["type"], action, attributes, importing, replica))
    return sorted(found, key=lambda change: (change.action != "delete", change.action != "replace", change.address))


def summarize(stack: str, plan: Mapping[str, Any]) -> PlanSummary:
    changes = tuple(read_plan(plan))
    return PlanSummary(stack, "changes" if changes else "no changes", changes)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def headline(summary: PlanSummary) -> str:
    counts = summary.counts
    if summary.status in ("skipped", "failed"):
        return f"{summary.status}" + (f": {summary.note}" if summary.note else "")
    text = f"{counts['add']} to add, {counts['change']} to change, {counts['destroy']} to destroy"
    extra = [f"{counts[key]} to {key}" for key in ("import", "forget") if counts[key]]
    return ", ".join([text, *extra])


def render(summary: PlanSummary, *, details: bool = True) -> str:
    """Markdown: a headline, a caution for destroyed stateful resources, then every change (folded)."""
    lines = [f"### {_code(summary.stack)}: {headline(summary)}", ""]
    destroys = summary.stateful_destroys
    if destroys:
        lines += ["> [!CAUTION]", "> Destroys stateful resources (their data goes with them):"]
        lines += [f"> - {_code(change.address)} ({change.action})" for change in destroys]
        lines.append("")
    replicas = summary.replica_destroys
    if replicas:
        lines += ["> [!WARNING]", "> Destroys replicas (their sources keep the data; recovery takes longer until they "
                  "are re-created):"]
        lines += [f"> - {_code(change.address)} ({change.action})" for change in replicas]
        lines.append("")
    if details and summary.changes:
        lines += [f"<details><summary>{len(summary.changes)} resource change(s)</summary>", "",
                  "| action | resource | attributes changed |", "| --- | --- | --- |"]
        for change in summary.changes:
            shown = ", ".join(change.attributes[:_SHOWN_ATTRIBUTES])
            if len(change.attributes) > _SHOWN_ATTRIBUTES:
                shown += f", +{len(change.attributes) - _SHOWN_ATTRIBUTES} more"
            action = change.action + (" (import)" if change.importing and change.action != "import" else "")
            lines.append(f"| {action} | {_code(change.address)} | {shown} |")
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def load_summaries(documents: Iterable[Mapping[str, Any]]) -> list[PlanSummary]:
    return sorted((PlanSummary.from_json(document) for document in documents), key=lambda summary: summary.stack)
