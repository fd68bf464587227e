"""The pull request comment as a reviewer reads it, for each case it must get right (docs/review_examples.py).

Every case runs what the workflow runs on crafted stacks and plans: the review and cost comparison of two
outputs, plan summaries, this run's jobs, then ``compose``. The assertions are on the comment's text.
"""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from delivery.comment import MARKER, Comment, CommentInputs, Job, compose
from delivery.comment_fit import MAX_ENTRY_CHARS, MIN_CHARS, Section, clip, fit

from .helpers import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location("review_examples", PROJECT_ROOT / "docs" / "review_examples.py")
assert _spec is not None and _spec.loader is not None
examples = importlib.util.module_from_spec(_spec)
sys.modules["review_examples"] = examples  # dataclasses look their module up
_spec.loader.exec_module(examples)

GITHUB_LIMIT = 65_536
PROD_AWS, PROD_GCP = examples.PROD_AWS, examples.PROD_GCP
STAGING_AWS, DEV_AWS = examples.name("aws", "staging"), examples.name("aws", "dev")
STANDBY = examples.name("aws", "prod", "standby")


@pytest.fixture(scope="module")
def comments() -> dict[str, Comment]:
    return {case: examples.comment(examples.CASES[case]) for case in examples.CASES}


def section(body: str, start: str, end: str) -> str:
    return body[body.index(start):body.index(end, body.index(start))]


def risk_lines(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("> - **")]


def table_rows(body: str) -> list[str]:
    return [line.split(" | ")[0].strip("|` ") for line in body.splitlines() if line.startswith("| `")]


def test_a_prod_database_resize_is_an_outage_with_when_it_takes_effect_and_its_cost(comments: dict[str, Comment]) -> None:
    body = comments["database-resize"].body
    assert "Nothing risky" not in body and "No risky change" not in body
    risks = risk_lines(body)
    assert risks == [
        f"> - **outage** in `{PROD_GCP}`: `google_sql_database_instance.database` `settings.tier`: Cloud SQL restarts the "
        "instance on the new machine type: the database is unavailable for minutes (db-custom-2-7680 -> "
        "db-custom-4-15360).",
        f"> - **outage** in `{STAGING_AWS}`: `aws_db_instance.database` `instance_class`: RDS moves the database to the new "
        "class: it is unavailable during the change (with Multi-AZ, for a failover) (db.t4g.medium -> db.m7g.large).",
    ]
    assert (">   Takes effect in the instance's next maintenance window (sun:04:30-sun:05:30 UTC), not when the apply runs "
            "(apply_immediately is off).") in body
    assert ">   Takes effect as the apply runs (Cloud SQL does not defer it to the maintenance window)." in body
    assert "> **prod**: applied after staging, once a required reviewer of the GitHub environment `prod` approves." in body
    assert body.index("> **prod**") < body.index("> **staging**")
    assert re.search(rf"\| `{PROD_GCP}` \| prod \| 0 to add, 1 to change, 0 to destroy \| 1 changed; \*\*1 risk\*\* "
                     r"\(outage\) \| \+\$[\d,]+\.\d\d / \+\$[\d,]+\.\d\d \|", body)
    assert comments["database-resize"].complete


def test_an_unpriced_class_reads_unknown_and_a_raised_maximum_shows_only_at_maximum(comments: dict[str, Comment]) -> None:
    body = comments["unpriced-class-and-maximum"].body
    assert f"| `{PROD_AWS}` | prod | 0 to add, 2 to change, 0 to destroy | 2 changed; **1 risk** (outage) | **unknown** / " \
           "**unknown** |" in body
    assert re.search(rf"\| `{PROD_GCP}` \| .* \| \$0\.00 / \+\$[\d,]+\.\d\d \|", body)  # only the maximum moves
    assert (f"- **Not priced** (after, `{PROD_AWS}`): aws_db_instance.database: no price 'rds_postgres_db_r7g_xlarge_hour' "
            "in the table") in body
    budget = next(line for line in body.splitlines() if line.startswith("- Budget of aws prod"))
    assert f"`{STANDBY}`" in budget  # the standby counts against prod's budget
    assert "unknown, at least $" in budget and "or more" in budget
    assert "A stack with an unpriced resource has an unknown difference, never a smaller one." in body
    assert "checked 2026-" in body and "At minimum capacity services run at their minimum" in body


def test_a_failed_test_job_is_stated_with_its_link_and_nothing_claims_a_review(comments: dict[str, Comment]) -> None:
    comment = comments["test-failed"]
    assert not comment.complete
    assert ("> - [Test and review](https://github.com/acme-analytics/duckdb-analytics-infra/actions/runs/4242/job/1) did "
            "not succeed (failure): no risk review, cost estimate or plan of this commit, so nothing below reviews "
            "it.") in comment.body
    for claim in ("| stack |", "No stack changes", "[!WARNING]", "No risky change", "Snapshots:"):
        assert claim not in comment.body


def test_a_failed_plan_is_stated_in_the_caution_and_in_its_row(comments: dict[str, Comment]) -> None:
    comment = comments["plan-failed"]
    assert not comment.complete
    link = f"[Plan {PROD_GCP}](https://github.com/acme-analytics/duckdb-analytics-infra/actions/runs/4242/job/3)"
    assert comment.problems == (f"The plan of `{PROD_GCP}` failed: {link}.",)
    assert f"| `{PROD_GCP}` | prod | **failed**: {link} |" in comment.body
    assert comment.body.index("[!CAUTION]") < comment.body.index("[!WARNING]")


def test_a_renamed_bucket_lists_prod_first_with_the_half_way_stop_and_the_moved_fix(comments: dict[str, Comment]) -> None:
    body = comments["renamed-bucket"].body
    assert [line.split("`")[1] for line in risk_lines(body)] == [PROD_AWS, STANDBY, STAGING_AWS, DEV_AWS]
    assert table_rows(body) == [PROD_AWS, STANDBY, STAGING_AWS, DEV_AWS]
    assert body.count(">   **The apply stops half-way if the bucket still holds objects: S3 deletes a non-empty bucket "
                      "only with force_destroy, and what the apply created before that stays.**") == 4
    assert body.count('>   Fix: keep the old construct id, or move the state: add `{"from": "aws_s3_bucket.data_bucket", '
                      '"to": "aws_s3_bucket.lake_bucket"}` to the stack\'s `moved` list') == 4
    unchanged = next(line for line in body.splitlines() if line.startswith("Unchanged, not planned"))
    assert unchanged.startswith("Unchanged, not planned (9): ") and unchanged.count("`") == 18
    assert "0 to add, 0 to change, 0 to destroy" not in body


def test_the_standby_replica_costs_recovery_time_and_its_protection_stops_the_apply(comments: dict[str, Comment]) -> None:
    body = comments["standby-pilot-light"].body
    (risk,) = risk_lines(body)
    assert risk.startswith(f"> - **availability** in `{STANDBY}`: `aws_db_instance.database_replica`: removed")
    assert "its source keeps the data, but a failover has no replica to promote" in risk
    assert "data goes with" not in section(body, "[!WARNING]", "| stack |")
    assert (">   **The apply fails: RDS refuses to delete an instance with deletion protection on (turn it off in an "
            "earlier, separate change).**") in body
    assert "Destroys replicas (their sources keep the data; recovery takes longer until they are re-created)" in body
    assert re.search(rf"\| `{STANDBY}` \| .* \| -\$[\d,]+\.\d\d / -\$[\d,]+\.\d\d \|", body)


def test_widened_access_and_a_replaced_load_balancer_are_flagged(comments: dict[str, Comment]) -> None:
    risks = risk_lines(comments["access-and-load-balancer"].body)
    assert risks == [
        f"> - **access widened** in `{STAGING_AWS}`: `aws_vpc_security_group_ingress_rule.ssh`: access widened: ingress "
        "from 0.0.0.0/0 (the whole internet) on tcp 22.",
        f"> - **outage** in `{DEV_AWS}`: `aws_lb.load_balancer` `name`: forces replacement: the load balancer gets a new "
        "DNS name: requests fail while the new one starts and its targets register, and until every DNS record points "
        "at it.",
    ]


def test_the_snapshot_diff_is_a_count_and_a_link(comments: dict[str, Comment]) -> None:
    body = comments["renamed-bucket"].body
    assert (f"Snapshots: 4 files changed (+8 -8 lines); the diff is on the [Files changed]({examples.FILES_URL}) tab."
            in body)
    assert "```diff" not in body


def test_hundreds_of_destroys_still_give_a_comment_under_the_limit_with_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    comment = examples.comment(examples.MANY_DESTROYS)
    body = comment.body
    assert len(body) <= 65_000 < GITHUB_LIMIT and comment.complete
    assert body.startswith(f"{MARKER}\n## Infrastructure plan for {examples.MANY} buckets removed\n")
    assert f"**{examples.MANY} risks** to accept" in body
    assert re.search(r"_\.\.\. and \d+ more \(risks\): see the job summaries of https://", body)
    assert table_rows(body) == [PROD_AWS]  # the table still fits after the risks
    assert body.rstrip().endswith(f"the whole report is in the job summaries of {examples.RUN_URL}.")
    assert body.count("<details>") == body.count("</details>")


def test_a_job_that_failed_elsewhere_in_the_run_is_reported_too() -> None:
    inputs = examples.inputs(examples.CASES["database-resize"])
    jobs = [*inputs.jobs, Job("Comment on the pull request", "in_progress", ""), Job("Plan ${{ matrix.stack }}", "cancelled",
                                                                                     "https://example.invalid/job/9")]
    comment = compose(CommentInputs(**{**inputs.__dict__, "jobs": jobs}))
    assert comment.problems == ("[Plan ${{ matrix.stack }}](https://example.invalid/job/9) did not succeed (cancelled).",)


def test_a_plan_job_that_failed_after_writing_its_summary_is_reported() -> None:
    inputs = examples.inputs(examples.CASES["database-resize"])
    jobs = [Job(job.name, "failure" if job.name == f"Plan {PROD_GCP}" else job.conclusion, job.url) for job in inputs.jobs]
    comment = compose(CommentInputs(**{**inputs.__dict__, "jobs": jobs}))
    assert comment.problems == (f"[Plan {PROD_GCP}]({examples.RUN_URL}/job/3) did not succeed (failure).",)
    without_jobs = compose(CommentInputs(**{**inputs.__dict__, "jobs": [], "needs": {"test": "success", "plan": "failure"}}))
    assert without_jobs.problems == (f"The plan jobs did not succeed (failure): see {examples.RUN_URL}.",)


def test_an_unreadable_configuration_or_input_is_stated_not_skipped() -> None:
    inputs = examples.inputs(examples.CASES["database-resize"])
    comment = compose(CommentInputs(**{**inputs.__dict__, "stacks": None, "config_error": "config/prod.toml: broken",
                                       "input_errors": ("`review/cost.json` cannot be read",)}))
    assert comment.problems[:2] == ("`review/cost.json` cannot be read",
                                    "The configuration cannot be read (config/prod.toml: broken): no stack is listed below.")


def test_fit_keeps_sections_in_order_cuts_between_entries_and_refuses_a_tiny_limit() -> None:
    entries = tuple(f"- entry {index}\n" for index in range(2_000))
    sections = [Section("first", "## first\n", entries, "\n"), Section("second", "## second\n", ("- kept\n",))]
    body = fit("# head\n", sections, MIN_CHARS, "the job summary")
    assert len(body) <= MIN_CHARS and body.startswith("# head\n## first\n- entry 0\n")
    assert "and " in body and "more (first): see the job summary" in body
    assert fit("# head\n", sections[1:], MIN_CHARS, "x") == "# head\n## second\n- kept\n"
    with pytest.raises(ValueError, match="must be at least"):
        fit("# head\n", sections, MIN_CHARS - 1, "x")
    long_entry = clip("line\n" * MAX_ENTRY_CHARS)
    assert len(long_entry) <= MAX_ENTRY_CHARS and long_entry.endswith("_(cut here: too long for one entry)_\n\n")


@pytest.mark.parametrize("case", sorted(examples.CASES))
def test_every_comment_fits_and_starts_with_the_marker(comments: dict[str, Comment], case: str) -> None:
    body = comments[case].body
    assert body.startswith(MARKER + "\n## Infrastructure plan for ") and len(body) <= 65_000
    assert body.count("<details>") == body.count("</details>")


def test_the_docs_show_exactly_what_the_cases_print() -> None:
    assert sorted(examples.documented_cases()) == sorted(examples.CASES)
    committed = examples.DOCS.read_text(encoding="utf-8")
    assert committed == examples.documented(), "run `make docs` (or docs/review_examples.py) and commit docs/reviewing.md"
