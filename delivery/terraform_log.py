"""What of Terraform's machine-readable output (``plan -json``, ``apply -json``) may reach a job log: no value.

Terraform's human-readable plan prints every known attribute value, and not every secret is marked sensitive
(a Cloud Run variable, a task definition's environment). The workflows therefore write ``-json`` output to a
file that stays on the runner and print only what this module rebuilds from it: resource addresses, actions,
elapsed times, counts, and the severity, summary, address and source position of each diagnostic. Never an
attribute value, an output value, a resource ID, a diagnostic's detail or a line that is not Terraform's JSON
(those are counted, not shown).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

#: Hook messages of an apply: their verb.
_HOOKS = {
    "apply_start": "started", "apply_progress": "still running", "apply_complete": "done", "apply_errored": "failed",
    "refresh_start": "refreshing", "refresh_complete": "refreshed", "provision_start": "provisioning",
    "provision_complete": "provisioned", "provision_errored": "provisioning failed",
}


def _address(resource: Any) -> str:
    return str(resource.get("addr", "?")) if isinstance(resource, dict) else "?"


def _diagnostic(body: dict[str, Any]) -> str:
    where = body.get("range") or {}
    position = f" ({where.get('filename')}:{where.get('start', {}).get('line')})" if where.get("filename") else ""
    address = f" [{body['address']}]" if body.get("address") else ""
    return f"{body.get('severity', 'error')}: {body.get('summary', '')}{address}{position}"


def _line(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind in ("planned_change", "resource_drift"):
        change = message.get("change") or {}
        verb = "drifted" if kind == "resource_drift" else "plan to"
        return f"{_address(change.get('resource'))}: {verb} {change.get('action', '?')}"
    if kind in _HOOKS:
        hook = message.get("hook") or {}
        elapsed = f" after {hook['elapsed_seconds']} s" if "elapsed_seconds" in hook else ""
        action = f" {hook['action']}" if "action" in hook else ""
        return f"{_address(hook.get('resource'))}:{action} {_HOOKS[kind]}{elapsed}"
    if kind == "diagnostic":
        return _diagnostic(message.get("diagnostic") or {})
    if kind == "change_summary":
        changes = message.get("changes") or {}
        counts = ", ".join(f"{changes.get(key, 0)} to {key}" for key in ("add", "change", "import", "remove"))
        return f"{changes.get('operation', 'plan')}: {counts}"
    if kind == "outputs":
        return f"outputs: {len(message.get('outputs') or {})} (values not shown)"
    return None


def value_free_lines(lines: Iterable[str]) -> Iterator[str]:
    """The printable lines of a ``terraform ... -json`` output, then how many lines were not Terraform's JSON."""
    unreadable = 0
    for text in lines:
        if not text.strip():
            continue
        try:
            message = json.loads(text)
        except ValueError:
            unreadable += 1
            continue
        line = _line(message) if isinstance(message, dict) else None
        if line is not None:
            yield line
    if unreadable:
        yield f"({unreadable} lines of other output kept in the log file, not shown: they may hold values)"
