"""One pull request comment for every stack's plan, the risk review and the snapshot diff.

GitHub refuses comment bodies over 65,536 characters, so the comment is built to fit ``max_chars``:
the title, the stateful destroys of every stack and the table of counts always stay; then each stack's
details, the risk review and the snapshot diff are added while they fit, the diff cut at a line
(its code fence closed); anything left out is named with a pointer to the full report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .plan_summary import PlanSummary, headline, render

#: Finds the comment to update in place (one comment per pull request).
MARKER = "<!-- duckdb-analytics:infrastructure-plan -->"
#: Under GitHub's 65,536-character limit, with room for what GitHub adds.
DEFAULT_MAX_CHARS = 65_000


@dataclass(frozen=True)
class _Section:
    """Text added whole (``cuttable`` False) or line by line between ``opening`` and ``closing``."""

    name: str
    opening: str
    lines: tuple[str, ...]
    closing: str = ""
    cuttable: bool = False

    @property
    def text(self) -> str:
        return self.opening + "".join(line + "\n" for line in self.lines) + self.closing


def _table(summaries: Sequence[PlanSummary]) -> str:
    rows = ["| stack | plan |", "| --- | --- |"]
    rows += [f"| `{summary.stack}` | {headline(summary)} |" for summary in summaries]
    return "\n".join(rows) + "\n\n"


def _caution(summaries: Sequence[PlanSummary]) -> str:
    destroys = [(summary.stack, change) for summary in summaries for change in summary.stateful_destroys]
    failed = [summary.stack for summary in summaries if summary.status == "failed"]
    lines = []
    if destroys:
        lines += ["> [!CAUTION]", "> **Stateful resources destroyed** (data goes with them):"]
        lines += [f"> - `{stack}`: `{change.address}` ({change.action})" for stack, change in destroys]
        lines.append("")
    if failed:
        lines += ["> [!WARNING]", "> Plan failed for " + ", ".join(f"`{stack}`" for stack in failed) + ": see the job log.", ""]
    return "\n".join(lines) + ("\n" if lines else "")


def compose(
    summaries: Sequence[PlanSummary],
    *,
    risk_report: str | None = None,
    snapshot_diff: str | None = None,
    title: str = "Infrastructure plan",
    max_chars: int = DEFAULT_MAX_CHARS,
    full_report: str = "the workflow run's job summaries",
) -> str:
    """The comment body, at most ``max_chars`` characters."""
    head = f"{MARKER}\n## {title}\n\n" + _caution(summaries) + _table(summaries)
    sections = [_Section(f"details of {summary.stack}", "", tuple(render(summary).splitlines()) + ("",))
                for summary in summaries if summary.changes or summary.note]
    if risk_report is not None:
        sections.append(_Section("risk review", "## Risk review (`main.py diff`)\n\n",
                                 tuple(risk_report.rstrip("\n").splitlines()) + ("",)))
    if snapshot_diff is not None:
        if snapshot_diff.strip():
            sections.append(_Section(
                "snapshot diff", "## Snapshot diff\n\n<details><summary>tests/__snapshots__/</summary>\n\n```diff\n",
                tuple(snapshot_diff.rstrip("\n").replace("```", "'''").splitlines()), "```\n\n</details>\n", cuttable=True))
        else:
            sections.append(_Section("snapshot diff", "## Snapshot diff\n\nNo snapshot changed.\n", ()))
    full = head + "".join(section.text for section in sections)
    if len(full) <= max_chars:
        return full

    def note(left_out: list[str]) -> str:
        return (f"\n---\n**Truncated** to fit GitHub's comment limit ({', '.join(left_out)} shortened or left out): "
                f"the full report is in {full_report}.\n")

    body, left_out = head, []
    reserve = len(note([section.name for section in sections]))
    if len(head) + reserve > max_chars:
        raise ValueError(f"max_chars {max_chars} leaves no room for the stack table ({len(head)} characters)")
    for section in sections:
        room = max_chars - reserve - len(body)
        if len(section.text) <= room:
            body += section.text
            continue
        left_out.append(section.name)
        if section.cuttable and len(section.opening) + len(section.closing) < room:
            kept = section.opening
            for line in section.lines:
                if len(kept) + len(line) + 1 + len(section.closing) > room:
                    break
                kept += line + "\n"
            body += kept + section.closing
    return body + note(left_out)
