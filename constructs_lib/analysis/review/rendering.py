"""The review as text for a terminal, Markdown for a job summary, or JSON for other tools; risks first.

Values are printed as JSON, shortened to :data:`MAX_VALUE_CHARS`; secrets and environment variable
values never appear (``(sensitive, changed)``), and the JSON form holds no attribute values at all. With
``max_chars`` the rendering is cut between two entries, never inside one, and ends with a line saying so
and where the full report is. Every risk names its kind (data loss, outage, access widened, availability,
protection removed), when it takes effect, what would make the apply fail, and a fix where one exists.
"""

from __future__ import annotations

import html
import itertools
import json
import os
from collections.abc import Iterator
from typing import Any

from .changes import ABSENT, Action, AttributeChange, BlockChange, Risk
from .comparison import Review, StackReview

MAX_VALUE_CHARS = 80
#: Characters kept before the first difference of two long values.
_CONTEXT_CHARS = 20
SENSITIVE_VALUE = "(sensitive, changed)"
#: Markdown folds the attribute list of a block into ``<details>`` beyond this many lines.
MARKDOWN_OPEN_ATTRIBUTES = 6
FORMATS = ("text", "markdown", "json")

_SYMBOLS = {Action.ADDED: "+", Action.REMOVED: "-", Action.CHANGED: "~", Action.MOVED: ">"}


def render(review: Review, output_format: str, max_chars: int | None = None, full_report: str = "") -> str:
    """The review in ``output_format`` (``text`` or ``markdown``), at most ``max_chars`` characters long.

    ``full_report`` says where the whole report can be read when it had to be cut.
    """
    if output_format == "json":
        return json.dumps(review.to_json(), indent=2, sort_keys=True) + "\n"
    blocks = list(_markdown_blocks(review) if output_format == "markdown" else _text_blocks(review))
    text = "\n".join(blocks) + "\n"
    if max_chars is None or len(text) <= max_chars:
        return text
    notice = truncation_notice(output_format, max_chars, full_report)
    kept, size = [], len(notice) + 1
    for block in blocks:
        if size + len(block) + 1 > max_chars:
            break
        kept.append(block)
        size += len(block) + 1
    return "\n".join([*kept, notice]) + "\n"


def truncation_notice(output_format: str, max_chars: int, full_report: str) -> str:
    """The last line of a rendering cut to ``max_chars`` characters."""
    lead = "**Truncated**" if output_format == "markdown" else "... truncated"
    return f"{lead} to stay within {max_chars} characters; the full report: {full_report}"


def describe_attribute(change: AttributeChange) -> str:
    """``path: old -> new``, or ``path: (sensitive, changed)``."""
    if change.sensitive:
        return f"{change.dotted}: {SENSITIVE_VALUE}"
    old, new = format_values(change.old, change.new)
    return f"{change.dotted}: {old} -> {new}"


def format_values(old: Any, new: Any) -> tuple[str, str]:
    """Both values as JSON (``(absent)`` when unset), each at most :data:`MAX_VALUE_CHARS` long.

    When both are long and start alike, the common start is skipped (``...``) so the difference shows.
    """
    old_text, new_text = (_json(value) for value in (old, new))
    if min(len(old_text), len(new_text)) > MAX_VALUE_CHARS:
        common = len(os.path.commonprefix([old_text, new_text]))
        start = max(0, common - _CONTEXT_CHARS)
        if start > 0:
            old_text, new_text = "..." + old_text[start:], "..." + new_text[start:]
    return _shorten(old_text), _shorten(new_text)


def _json(value: Any) -> str:
    return "(absent)" if value is ABSENT else json.dumps(value, sort_keys=True)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def risk_details(risk: Risk) -> list[str]:
    """What follows a risk's reason: when it takes effect, what would stop the apply, the fix."""
    details = [f"takes effect {risk.when}"]
    if risk.blocker:
        details.append(risk.blocker)
    if risk.fix:
        details.append(f"fix: {risk.fix}")
    return details


def _headline(change: BlockChange) -> str:
    moved = f" (moved from {change.moved_from})" if change.moved_from else ""
    return f"{_SYMBOLS[change.action]} {change.address}{moved}"


def _stack_title(stack: StackReview) -> str:
    return f"{stack.name}: {stack.totals}" + (f" ({stack.presence})" if stack.presence else "")


def _text_blocks(review: Review) -> Iterator[str]:
    risks = list(review.risks())
    if risks:
        yield f"RISKY CHANGES ({len(risks)}): applying them can lose data, interrupt a service, widen access or slow recovery"
        for stack, change, risk in risks:
            where = f"{risk.attribute}: " if risk.attribute else ""
            lines = [f"  ! [{risk.kind.value}] {stack.name}  {change.address}  {where}{risk.reason}"]
            lines += [f"      {detail}" for detail in risk_details(risk)]
            yield "\n".join(lines)
        yield ""
    for stack in review.stacks:
        yield _stack_title(stack)
        for group, changes in itertools.groupby(stack.changes, key=lambda change: change.group):
            yield f"  {group}"
            for change in changes:
                lines = [f"    {_headline(change)}" + ("  [risky]" if change.risks else "")]
                lines += [f"        {describe_attribute(attribute)}" for attribute in change.attributes]
                yield "\n".join(lines)


def _markdown_blocks(review: Review) -> Iterator[str]:
    risks = list(review.risks())
    changed = [stack for stack in review.stacks if stack.changes]
    unchanged = [stack for stack in review.stacks if not stack.changes]
    yield "## Infrastructure changes\n"
    if risks:
        yield (
            f"> [!CAUTION]\n> **{len(risks)} risky change{'s' if len(risks) != 1 else ''}**: "
            "applying them can lose data, interrupt a service, widen access or slow recovery.\n>"
        )
        for stack, change, risk in risks:
            where = f" {_code(risk.attribute)}" if risk.attribute else ""
            details = "".join(f"\n>   {detail[0].upper()}{detail[1:]}." for detail in risk_details(risk))
            yield (f"> - **{risk.kind.value}** in **{stack.name}** ({stack.environment or 'environment unknown'}): "
                   f"{_code(change.address)}{where}: {risk.reason}.{details}")
        yield ""
    yield f"{len(changed)} of {len(review.stacks)} stacks change." + ("" if risks else " Nothing risky.") + "\n"
    for stack in changed:
        yield f"### {_code(stack.name)}: {stack.totals}" + (f" ({stack.presence})" if stack.presence else "") + "\n"
        for group, changes in itertools.groupby(stack.changes, key=lambda change: change.group):
            yield f"**{_code(group)}**\n"
            for change in changes:
                yield _markdown_entry(change)
    if unchanged:
        yield "Unchanged: " + ", ".join(_code(stack.name) for stack in unchanged) + "."


def _markdown_entry(change: BlockChange) -> str:
    flag = " **risky**" if change.risks else ""
    attributes = "\n".join(f"- {_code(describe_attribute(attribute))}" for attribute in change.attributes)
    if not attributes:
        return f"- {_code(_headline(change))}{flag}\n"
    if len(change.attributes) <= MARKDOWN_OPEN_ATTRIBUTES:
        return f"{_code(_headline(change))}{flag}\n\n{attributes}\n"
    return (
        f"<details><summary><code>{html.escape(_headline(change))}</code>{flag and ' <b>risky</b>'}: "
        f"{len(change.attributes)} attributes changed</summary>\n\n{attributes}\n\n</details>\n"
    )


def _code(text: str) -> str:
    """A Markdown code span that survives backticks in ``text``."""
    longest_run = max((len(list(run)) for char, run in itertools.groupby(text) if char == "`"), default=0)
    fence = "`" * (longest_run + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
