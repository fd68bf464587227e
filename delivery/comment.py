"""The pull request comment: what a reviewer must know before approving, most important first, nothing silent.

From the test job's review (``main.py diff --format json``) and cost comparison (``main.py cost --format
json``), the plan jobs' summaries, this run's jobs and the snapshot files' line counts:

1. anything that did not run or did not succeed, with a link to its job (the comment is then incomplete);
2. every risk, production first: its kind, the stack, the address, when it takes effect, what would make the
   apply fail, a ready fix where one exists, and who must approve that environment's apply;
3. one row per changed stack (risky stacks first, then by environment, production first): the plan, the review,
   the monthly cost difference at minimum and at maximum capacity; unchanged stacks on one line;
4. the budgets the change moves, what is not priced, and the estimate's assumptions;
5. the snapshot files changed (a count and a link: the diff itself is on the Files tab);
6. each planned stack's resource changes, folded.

The comment fits GitHub's limit whatever the number of changes (:mod:`.comment_fit`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from constructs_lib.analysis.review.changes import RiskKind
from constructs_lib.analysis.review.stack_facts import environment_rank
from stacks import StackRef

from .comment_fit import MAX_ENTRY_CHARS, Section, clip, fit
from .plan_summary import PlanSummary, headline, render

#: Finds the comment to update in place (one comment per pull request).
MARKER = "<!-- duckdb-analytics:infrastructure-plan -->"
#: Under GitHub's 65,536-character limit, with room for what GitHub adds.
DEFAULT_MAX_CHARS = 65_000
#: The job names of pull-request.yml, as the jobs API reports them.
TEST_JOB = "Test and review"
PLAN_JOB_PREFIX = "Plan "
#: Who approves what merging this pull request does, per environment (deploy.yml and docs/delivery.md, section 1).
APPROVALS = {
    "dev": "applied when this is merged (deploy.yml: no approval beyond this pull request's)",
    "staging": "applied after dev succeeds (no approval beyond this pull request's)",
    "prod": "applied after staging, once a required reviewer of the GitHub environment `prod` approves",
}
BOOTSTRAP_APPROVAL = "not applied by the pipeline: an administrator applies bootstrap stacks (docs/delivery.md)"
#: At most this part of the limit goes to the risks when they do not all fit, so the table of stacks still shows.
RISK_SHARE = 0.6
_KINDS = tuple(kind.value for kind in RiskKind)
_FAILED = ("failure", "cancelled", "timed_out", "startup_failure", "action_required", "stale")


@dataclass(frozen=True)
class Job:
    """A job of this workflow run, as GitHub's jobs API lists it."""

    name: str
    conclusion: str
    url: str


@dataclass(frozen=True)
class CommentInputs:
    """Everything the comment is made from; a missing part is reported in the comment, never skipped quietly.

    Attributes:
        stacks: What ``main.py`` synthesizes at the pull request's head; None when the configuration cannot be read.
        summaries: The plan jobs' summaries.
        review: ``main.py diff --format json`` against the base; None when the test job did not write it.
        cost: ``main.py cost OLD NEW --format json``; None when the test job did not write it.
        needs: Each job this one needs, and its result (``success``, ``failure``, ``skipped``, ``cancelled``).
        jobs: This run's jobs with their links (empty when the jobs API could not be read).
        snapshots: ``(files, lines added, lines removed)`` of the snapshot files; None when not measured.
        run_url: The workflow run, the fallback link for anything not found in ``jobs``.
        files_url: The pull request's Files tab.
        title: The comment's heading.
        config_error: Why ``stacks`` is None.
        input_errors: Inputs that exist but cannot be read (each is reported, and the comment is incomplete).
    """

    stacks: Sequence[StackRef] | None
    summaries: Sequence[PlanSummary] = ()
    review: Mapping[str, Any] | None = None
    cost: Mapping[str, Any] | None = None
    needs: Mapping[str, str] = field(default_factory=dict)
    jobs: Sequence[Job] = ()
    snapshots: tuple[int, int, int] | None = None
    run_url: str = ""
    files_url: str = ""
    title: str = "Infrastructure plan"
    config_error: str = ""
    input_errors: Sequence[str] = ()


@dataclass(frozen=True)
class Comment:
    """The comment's body, and whether it covers everything (else the comment job fails after posting it)."""

    body: str
    complete: bool
    problems: tuple[str, ...]


def compose(inputs: CommentInputs, *, max_chars: int = DEFAULT_MAX_CHARS, full_report: str = "") -> Comment:
    """The comment for ``inputs``, at most ``max_chars`` characters."""
    where = full_report or f"the job summaries of {inputs.run_url}"
    problems = _problems(inputs)
    rows = _stack_rows(inputs)
    sections = [
        _problem_section(problems),
        _risk_section(inputs),
        _table_section(rows, inputs),
        _cost_section(inputs),
        _snapshot_section(inputs),
        _details_section(inputs, rows),
    ]
    head = f"{MARKER}\n## {inputs.title}\n\n"
    body = fit(head, [section for section in sections if section is not None], max_chars, where)
    return Comment(body, not problems, tuple(problems))


# --- what did not run ---------------------------------------------------------------------------------------


def _link(inputs: CommentInputs, job_name: str) -> str:
    url = next((job.url for job in inputs.jobs if job.name == job_name), inputs.run_url)
    return f"[{job_name}]({url})" if url else job_name


def _planned(inputs: CommentInputs) -> list[str]:
    """The stacks the plan jobs had to plan: those of the head whose synthesized JSON changed."""
    if inputs.review is None or inputs.stacks is None:
        return []
    changed = {stack["name"] for stack in inputs.review.get("stacks", ()) if stack.get("changed")}
    return [ref.name for ref in inputs.stacks if ref.name in changed]


def _problems(inputs: CommentInputs) -> list[str]:
    problems = list(inputs.input_errors)
    if inputs.stacks is None:
        problems.append(f"The configuration cannot be read ({inputs.config_error}): no stack is listed below.")
    test = inputs.needs.get("test", "unknown")
    if test != "success":
        problems.append(f"{_link(inputs, TEST_JOB)} did not succeed ({test}): no risk review, cost estimate or plan "
                        "of this commit, so nothing below reviews it.")
    elif inputs.review is None or inputs.cost is None:
        missing = " and ".join(name for name, part in (("risk review", inputs.review), ("cost estimate", inputs.cost))
                               if part is None)
        problems.append(f"The {missing} of {_link(inputs, TEST_JOB)} is missing.")
    reported = {TEST_JOB}
    summaries = {summary.stack: summary for summary in inputs.summaries}
    for name in _planned(inputs):
        summary, job = summaries.get(name), PLAN_JOB_PREFIX + name
        if summary is None:
            problems.append(f"No plan of `{name}`: {_link(inputs, job)} did not report one.")
        elif summary.status == "failed":
            problems.append(f"The plan of `{name}` failed: {_link(inputs, job)}.")
        else:
            continue
        reported.add(job)
    for job in inputs.jobs:
        if job.conclusion in _FAILED and job.name not in reported:
            problems.append(f"{_link(inputs, job.name)} did not succeed ({job.conclusion}).")
            reported.add(job.name)
    plans = inputs.needs.get("plan")
    if plans in _FAILED and not any(name.startswith(PLAN_JOB_PREFIX) for name in reported):
        problems.append(f"The plan jobs did not succeed ({plans}): see {inputs.run_url or 'the workflow run'}.")
    return problems


def _problem_section(problems: Sequence[str]) -> Section | None:
    if not problems:
        return None
    return Section("failed or missing jobs", "> [!CAUTION]\n> **Incomplete: this comment does not cover the whole "
                   "change.** The comment job fails until a run covers it.\n>\n",
                   tuple(clip(f"> - {problem}\n") for problem in problems), "\n")


# --- risks --------------------------------------------------------------------------------------------------


def _kind(name: str, refs: Mapping[str, StackRef]) -> str:
    ref = refs.get(name)
    return ref.kind if ref else ("bootstrap" if name.endswith("-bootstrap") else "platform")


def approval(environment: str | None, kind: str) -> str:
    """Who must approve the apply that merging this pull request starts, for one environment and kind of stack."""
    if kind == "bootstrap":
        return BOOTSTRAP_APPROVAL
    return APPROVALS.get(environment or "", "not deployed by the pipeline (an environment it does not know)")


def _risk_entry(risk: Mapping[str, Any], stack: Mapping[str, Any]) -> str:
    attribute = f" `{risk['attribute']}`" if risk.get("attribute") else ""
    lines = [f"> - **{risk['kind']}** in `{stack['name']}`: `{risk['address']}`{attribute}: {risk['reason']}."]
    lines.append(f">   Takes effect {risk['when']}.")
    if risk.get("blocker"):
        lines.append(f">   **{risk['blocker'][0].upper()}{risk['blocker'][1:]}.**")
    if risk.get("fix"):
        lines.append(f">   Fix: {risk['fix']}.")
    return clip("\n".join(lines) + "\n")


def _plan_risks(inputs: CommentInputs, stack: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Destroys the plan of ``stack`` shows that no review risk names: the plan is what will happen (drift, or a
    replacement the provider decides and the facts table does not list)."""
    summary = next((summary for summary in inputs.summaries if summary.stack == stack["name"]), None)
    named = {risk["address"] for risk in stack.get("risks", ())}
    found = []
    for change in summary.changes if summary else ():
        if change.address in named or not (change.destroys_state or change.destroys_replica):
            continue
        kind = RiskKind.DATA_LOSS if change.destroys_state else RiskKind.AVAILABILITY
        what = "its data goes with it" if change.destroys_state else "a replica: its source keeps the data"
        found.append({"kind": kind.value, "address": change.address, "attribute": None, "when": "when the apply runs",
                      "reason": f"the plan {'replaces' if change.action == 'replace' else 'deletes'} it ({what}); the "
                      "review of the synthesized JSON did not predict this (drift, or the provider's own decision)"})
    return found


def _risk_section(inputs: CommentInputs) -> Section | None:
    if inputs.review is None:
        return None
    refs = {ref.name: ref for ref in inputs.stacks or ()}
    groups: dict[tuple[int, str, bool], list[str]] = {}
    for stack in inputs.review.get("stacks", ()):
        environment = str(stack.get("environment"))
        bootstrap = _kind(stack["name"], refs) == "bootstrap"
        key = (environment_rank(environment), environment, bootstrap)
        risks = [*stack.get("risks", ()), *_plan_risks(inputs, stack)]
        for risk in sorted(risks, key=lambda risk: _kind_rank(risk["kind"])):
            groups.setdefault(key, []).append(_risk_entry(risk, stack))
    count = sum(len(entries) for entries in groups.values())
    if not count:
        return Section("risks", "**No risky change** found by the review or the plans (data loss, outage, access "
                       "widened, availability, protection removed).\n\n")
    entries = []
    for (_, environment, bootstrap), risks in sorted(groups.items()):
        who = approval(environment, "bootstrap" if bootstrap else "platform")
        entries.append(f">\n> **{environment}**{' bootstrap' if bootstrap else ''}: {who}.\n")
        entries += risks
    head = (f"> [!WARNING]\n> **{count} risk{'s' if count != 1 else ''}** to accept before merging (data loss, "
            "outage, access widened, availability, protection removed):\n")
    return Section("risks", head, tuple(entries), "\n", share=RISK_SHARE)


def _kind_rank(kind: str) -> int:
    return _KINDS.index(kind) if kind in _KINDS else len(_KINDS)




# --- one row per stack --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One stack as the table shows it."""

    name: str
    environment: str | None
    kind: str
    changed: bool
    risks: tuple[str, ...]
    plan: str
    review: str
    cost: str
    summary: PlanSummary | None

    @property
    def order(self) -> tuple[int, int, int, str]:
        kinds = ("platform", "standby", "bootstrap")
        kind = kinds.index(self.kind) if self.kind in kinds else len(kinds)
        return 0 if self.risks else 1, environment_rank(self.environment), kind, self.name


def _stack_rows(inputs: CommentInputs) -> list[_Row]:
    reviewed = {stack["name"]: stack for stack in (inputs.review or {}).get("stacks", ())}
    costs = {stack["name"]: stack for stack in (inputs.cost or {}).get("stacks", ())}
    summaries = {summary.stack: summary for summary in inputs.summaries}
    refs = {ref.name: ref for ref in inputs.stacks or ()}
    rows = []
    for name in list(refs) + [name for name in reviewed if name not in refs]:
        stack, summary = reviewed.get(name), summaries.get(name)
        environment = refs[name].environment if name in refs else (stack or {}).get("environment")
        changed = bool(stack and stack.get("changed")) or bool(summary and summary.changes)
        risks = tuple(risk["kind"] for risk in (stack or {}).get("risks", ()))
        rows.append(_Row(name, environment, _kind(name, refs), changed, risks, _plan_text(inputs, name, stack, summary),
                         _review_text(stack), _cost_text(costs.get(name)), summary))
    return sorted(rows, key=lambda row: row.order)


def _plan_text(inputs: CommentInputs, name: str, stack: Mapping[str, Any] | None, summary: PlanSummary | None) -> str:
    if summary is not None and summary.status == "failed":
        return f"**failed**: {_link(inputs, PLAN_JOB_PREFIX + name)}"
    if summary is not None and summary.status == "skipped":
        return f"not planned here: {summary.note or 'skipped'}"
    if summary is not None:
        return "no changes" if summary.status == "no changes" else headline(summary)
    if stack is None:
        return "not reviewed"
    if stack.get("presence") == "stack removed":
        return "not planned: no longer synthesized, so nothing plans or applies it (its resources stay in the cloud)"
    if not stack.get("changed"):
        return "not planned: synthesized JSON unchanged"
    return f"**no plan reported**: {_link(inputs, PLAN_JOB_PREFIX + name)}"


def _review_text(stack: Mapping[str, Any] | None) -> str:
    if stack is None:
        return "-"
    counts = stack.get("counts", {})
    parts = [f"{counts[key]} {key}" for key in ("added", "removed", "changed") if counts.get(key)]
    text = (stack["presence"] + ": " if stack.get("presence") else "") + (", ".join(parts) or "no block changed")
    risks = stack.get("risks", ())
    if risks:
        kinds = sorted({risk["kind"] for risk in risks}, key=_kind_rank)
        text += f"; **{len(risks)} risk{'s' if len(risks) != 1 else ''}** ({', '.join(kinds)})"
    return text


def _money_change(change: Mapping[str, Any] | None) -> str:
    if change is None:
        return "-"
    difference = change.get("difference")
    if difference is None:
        return "**unknown**"
    if round(difference, 2) == 0:
        return "$0.00"
    return f"{'+' if difference > 0 else '-'}${abs(difference):,.2f}"


def _cost_text(stack: Mapping[str, Any] | None) -> str:
    if stack is None:
        return "-"
    return f"{_money_change(stack.get('minimum'))} / {_money_change(stack.get('maximum'))}"


def _table_section(rows: Sequence[_Row], inputs: CommentInputs) -> Section | None:
    if inputs.review is None:
        return None
    shown = [row for row in rows if row.changed or (row.summary is not None and row.summary.status == "failed")]
    quiet = [row.name for row in rows if row not in shown]
    deploys = ("Merging deploys dev, then staging, then prod once a required reviewer of the GitHub environment "
               "`prod` approves; bootstrap stacks are applied by an administrator (docs/delivery.md).\n\n")
    if not shown:
        head = deploys + "No stack changes: every stack's synthesized JSON is the same as the base's.\n\n"
        return Section("stacks", head)
    head = (deploys + "| stack | environment | plan | review | cost a month, at minimum / at maximum capacity |\n"
            "| --- | --- | --- | --- | ---: |\n")
    entries = tuple(clip(f"| `{row.name}` | {row.environment or '-'} | {row.plan} | {row.review} | {row.cost} |\n")
                    for row in shown)
    tail = f"\nUnchanged, not planned ({len(quiet)}): {', '.join(f'`{name}`' for name in quiet)}.\n\n" if quiet else "\n"
    return Section("stacks", head, entries, tail)


# --- cost, snapshots, details -------------------------------------------------------------------------------


def _budget_line(budget: Mapping[str, Any]) -> str | None:
    parts = []
    moved = False
    for capacity in ("minimum", "maximum"):
        change = budget.get(capacity) or {}
        head = change.get("head")
        moved = moved or change.get("difference") is None or round(change.get("difference") or 0, 2) != 0
        if head is None:
            continue
        total = f"${head['total']:,.2f}" if head["complete"] else f"unknown, at least ${head['total']:,.2f}"
        share = head["total"] / budget["amount"] if budget.get("amount") else 0
        over = " **over budget**" if head["total"] > budget.get("amount", 0) else ""
        parts.append(f"{total} ({share:.0%}{'' if head['complete'] else ' or more'}) at {capacity}{over}")
    if not moved or not parts:
        return None
    return (f"- Budget of {budget['cloud']} {budget['environment']}, ${budget['amount']:,.2f} a month "
            f"(covers {', '.join(f'`{name}`' for name in budget['stacks'])}): after this change {'; '.join(parts)}.\n")


def _cost_section(inputs: CommentInputs) -> Section | None:
    cost = inputs.cost
    if cost is None:
        return None
    entries = [line for budget in cost.get("budgets", ()) if (line := _budget_line(budget))]
    for stack in cost.get("stacks", ()):
        for capacity in ("minimum", "maximum"):
            for side_name in ("base", "head"):
                side = (stack.get(capacity) or {}).get(side_name) or {}
                for item in side.get("unpriced", ()):
                    entry = f"- **Not priced** ({'after' if side_name == 'head' else 'before'}, `{stack['name']}`): {item}\n"
                    if entry not in entries:
                        entries.append(entry)
    prices = cost.get("prices", {})
    regions = " and ".join(f"{region} ({cloud})" for cloud, region in sorted(prices.get("regions", {}).items()))
    tail = (f"\nCost: monthly estimate from `{prices.get('source')}` (list prices of {regions}, checked "
            f"{prices.get('checked')}; {prices.get('unverified')} of {prices.get('count')} unverified). At minimum "
            "capacity services run at their minimum; at maximum capacity every service runs its maximum all month. "
            "Traffic: each environment's assumption in the price table. A stack with an unpriced resource has an "
            "unknown difference, never a smaller one. Details: the job summary of the test job.\n\n")
    return Section("budgets and unpriced resources", "", tuple(clip(entry) for entry in entries), tail)


def _snapshot_section(inputs: CommentInputs) -> Section | None:
    if inputs.snapshots is None:
        return None
    files, added, removed = inputs.snapshots
    if not files:
        return Section("snapshots", "Snapshots: none changed.\n\n")
    where = f"[Files changed]({inputs.files_url})" if inputs.files_url else "Files changed"
    return Section("snapshots", f"Snapshots: {files} file{'s' if files != 1 else ''} changed (+{added} -{removed} "
                   f"lines); the diff is on the {where} tab.\n\n")


def _details_section(inputs: CommentInputs, rows: Sequence[_Row]) -> Section | None:
    planned = [row.summary for row in rows if row.summary is not None and row.summary.changes]
    if not planned:
        return None
    entries = []
    for summary in planned:
        entry = render(summary) + "\n"
        if len(entry) > MAX_ENTRY_CHARS:  # the headline and cautions only: a cut must not leave a <details> open
            entry = render(summary, details=False) + f"{len(summary.changes)} resource changes: see the plan job.\n\n"
        entries.append(clip(entry))
    return Section("plan details", f"<details><summary>Planned resource changes of {len(planned)} stack(s)</summary>\n\n",
                   tuple(entries), "</details>\n")


def snapshot_counts(numstat: str) -> tuple[int, int, int]:
    """``(files, lines added, lines removed)`` from ``git diff --numstat`` output."""
    files = added = removed = 0
    for line in numstat.splitlines():
        fields = line.split("\t")
        if len(fields) < 3:
            continue
        files += 1
        added += int(fields[0]) if fields[0].isdigit() else 0
        removed += int(fields[1]) if fields[1].isdigit() else 0
    return files, added, removed
