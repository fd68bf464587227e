"""``main.py cost``: the report on the real stacks, exit codes and one-line errors, the default synthesis, no cdktf."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.analysis.cost import cli, estimate_output, load_prices
from constructs_lib.analysis.review import load_output

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, run_main, subprocess_environment
from .test_risk_diff_cli import _IMPORT_PROBE, _write_stacks, bucket_stack, repository, write_output  # noqa: F401

_spec = importlib.util.spec_from_file_location("cost_estimate", PROJECT_ROOT / "docs" / "cost_estimate.py")
assert _spec is not None and _spec.loader is not None
cost_estimate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cost_estimate)

STACK = "acme-aws-prod"


def run_cost(*arguments: str | Path, repository: Path = PROJECT_ROOT) -> int:
    return cli.main([str(argument) for argument in arguments], repository=repository,
                    synth_command=(sys.executable, "main.py"))


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return write_output(tmp_path / "out", {STACK: bucket_stack("acme-data")})


def test_the_real_stacks_each_get_a_total_with_line_items_and_the_assumptions_come_first(
    synthesized: Synthesized, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cost(synthesized.outdir) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    report = captured.out
    estimate = estimate_output(load_output(synthesized.outdir), load_prices())
    first_stack = report.index("duckdb-analytics-aws-dev (aws, dev")
    for heading in ("Prices: on-demand list prices of us-east-1 (aws) and us-central1 (gcp), checked ",
                    "Hours: 730 a month", "Traffic a month, by environment:", "Not included: free tiers"):
        assert report.index(heading) < first_stack, heading
    for stack in estimate.stacks:
        assert re.search(rf"^{re.escape(stack.name)} +{stack.cloud} +{stack.environment} +\$[\d,]+\.\d\d  \$[\d,]+\.\d\d$",
                         report, re.M)
        assert f"{'$' + format(stack.total, ',.2f'):>10}  total" in report
    assert "NOT PRICED" not in report
    assert "[1,460 instance-hour x $0.168*]" in report  # Multi-AZ prod database, unverified price marked
    sources = report[report.index("Prices used (constructs_lib/analysis/cost/prices.toml, checked "):].splitlines()[1:]
    used = {line.price.key: line.price for stack in estimate.stacks for line in stack.lines}
    assert [entry.split(":")[0].strip() for entry in sources] == sorted(used)
    for entry, key in zip(sources, sorted(used)):
        assert entry.endswith(f"  {used[key].source}") and used[key].region in entry


def test_markdown_has_a_summary_table_and_a_table_per_stack(synthesized: Synthesized, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cost(synthesized.outdir, "--format", "markdown") == 0
    report = capsys.readouterr().out
    assert report.startswith("## Estimated monthly cost (USD)\n\n| stack | cloud | environment | at minimum capacity "
                             "| at maximum capacity |")
    assert "| budget | covers | at minimum capacity | at maximum capacity |" in report
    assert report.count("\n### `duckdb-analytics-") == len(synthesized.documents)
    scaling = report.count("the lines that differ:")
    assert report.count("At maximum capacity: ") == len(synthesized.documents) and scaling >= 6  # the platform stacks
    assert report.count("| group | item | quantity x unit price | monthly |") == len(synthesized.documents) + scaling
    assert "<details><summary>Prices used (constructs_lib/analysis/cost/prices.toml, checked " in report


def test_an_unknown_type_is_listed_as_not_priced_and_the_stack_marked_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = bucket_stack("acme-data") | {"provider": {"aws": [{"region": "us-east-1"}]}}
    stack["resource"]["aws_neptune_cluster"] = {"graph": {}}
    assert run_cost(write_output(tmp_path / "out", {STACK: stack})) == 0
    report = capsys.readouterr().out
    assert "  NOT PRICED: aws_neptune_cluster.graph: no entry for this type in the price table" in report
    assert re.search(r"^acme-aws-prod +aws +prod +unknown, at least \$[\d.,]+  unknown, at least \$[\d.,]+$", report, re.M)


def _bad_outputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    not_json = write_output(tmp_path / "not-json", {STACK: {}})
    (not_json / "stacks" / STACK / "cdk.tf.json").write_text("{ nope", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    stack_file = not_json / "stacks" / STACK / "cdk.tf.json"
    return {
        "missing": (tmp_path / "missing", f"error: {tmp_path / 'missing'}: no such directory"),
        "not-json": (not_json, f"error: {stack_file}: not valid JSON (line 1 column 3: "
                               "Expecting property name enclosed in double quotes)"),
        "empty": (empty, f"error: {empty}: neither a cdktf output directory (manifest.json) nor a directory of "
                         "snapshot files (test_stack_matches_snapshot[<stack>].json)"),
    }


@pytest.mark.parametrize("case", ["missing", "not-json", "empty"])
def test_a_missing_or_unreadable_output_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               case: str) -> None:
    path, message = _bad_outputs(tmp_path)[case]
    assert run_cost(path) == 2
    assert capsys.readouterr() == ("", message + "\n")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--format", "html"], "error: argument --format: invalid choice: 'html' (choose from 'text', 'markdown', 'json')"),
    (["other", "more"], "error: give one directory (OUTDIR), two (OLD NEW) or --base REF, got 3 directories"),
    (["--format", "json"], "error: --format json: compares two outputs; give OLD NEW or --base REF"),
    (["other", "--base", "HEAD"], "error: with --base give at most one directory (NEW), got 2"),
])
def test_usage_errors_are_one_line_and_exit_2(output: Path, capsys: pytest.CaptureFixture[str], arguments: list[str],
                                              message: str) -> None:
    assert run_cost(output, *arguments) == 2
    assert capsys.readouterr() == ("", message + "\n")


def test_a_broken_price_file_is_one_line_naming_it(output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text("[table\n", encoding="utf-8")
    assert run_cost(output, "--prices", prices) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {prices}: not valid TOML (") and err.count("\n") == 1


def test_another_price_file_is_used_and_named(output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (PROJECT_ROOT / "constructs_lib" / "analysis" / "cost" / "prices.toml").read_text(encoding="utf-8")
    prices = tmp_path / "eu.toml"
    prices.write_text(data.replace("value = 0.023\n", "value = 0.024\n"), encoding="utf-8")
    assert run_cost(output, "--prices", prices) == 0
    report = capsys.readouterr().out
    assert f"from {prices};" in report and "x $0.024]" in report


# --- a change: OLD NEW, or --base ----------------------------------------------------------------------------


def _resized(tmp_path: Path, instance_class: str) -> tuple[Path, Path]:
    old_stack = bucket_stack("acme-data") | {"provider": {"aws": [{"region": "us-east-1"}]}}
    old_stack["resource"]["aws_db_instance"] = {"db": {"engine": "postgres", "instance_class": "db.t4g.medium",
                                                       "allocated_storage": 20, "storage_type": "gp3"}}
    new_stack = json.loads(json.dumps(old_stack))
    new_stack["resource"]["aws_db_instance"]["db"]["instance_class"] = instance_class
    return (write_output(tmp_path / "old", {STACK: old_stack, "acme-aws-dev": bucket_stack("d")}),
            write_output(tmp_path / "new", {STACK: new_stack, "acme-aws-dev": bucket_stack("d")}))


def test_a_change_is_priced_per_stack_at_both_capacities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _resized(tmp_path, "db.m7g.large")
    table = load_prices()
    hours = table.assumptions.hours_per_month
    difference = hours * (table.prices["rds_postgres_db_m7g_large_hour"].value
                          - table.prices["rds_postgres_db_t4g_medium_hour"].value)
    assert run_cost(old, new, "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["prices"]["source"], data["prices"]["checked"]) == ("constructs_lib/analysis/cost/prices.toml", table.checked)
    stacks = {stack["name"]: stack for stack in data["stacks"]}
    for capacity in ("minimum", "maximum"):
        assert stacks[STACK][capacity]["difference"] == pytest.approx(difference, abs=0.01)
        assert stacks["acme-aws-dev"][capacity]["difference"] == 0
    assert run_cost(old, new) == 0
    text = capsys.readouterr().out
    assert "  at minimum capacity: " in text and f"(+${difference:,.2f})" in text
    assert "Unchanged: acme-aws-dev" in text and "checked " + table.checked in text


def test_an_unpriced_class_makes_the_difference_unknown_never_smaller(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _resized(tmp_path, "db.x9.huge")
    assert run_cost(old, new, "--format", "json") == 0
    (stack,) = [stack for stack in json.loads(capsys.readouterr().out)["stacks"] if stack["name"] == STACK]
    assert stack["minimum"]["difference"] is None and stack["minimum"]["head"]["complete"] is False
    assert stack["minimum"]["head"]["unpriced"] == ["aws_db_instance.db: no price 'rds_postgres_db_x9_huge_hour' in the "
                                                   "table (RDS postgres db.x9.huge: 730 h x 1 (Single-AZ))"]
    assert run_cost(old, new, "--format", "markdown") == 0
    markdown = capsys.readouterr().out
    assert re.search(r"\| `acme-aws-prod` \| prod \| \$[\d.,]+ -> unknown, at least \$[\d.,]+ \(unknown\) \|", markdown)
    assert "**Not priced** (so those totals are lower bounds and their differences unknown)" in markdown


@pytest.mark.slow  # a fresh process
def test_base_ref_is_synthesized_in_a_temporary_worktree_and_compared(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cost("--base", "HEAD", "--format", "json", repository=repository) == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert (stack["name"], stack["minimum"]["difference"]) == (STACK, 0)  # a renamed bucket costs the same
    assert list((repository.parent / "scratch").iterdir()) == []


def test_the_generated_cost_page_is_current(synthesized: Synthesized) -> None:
    committed = (PROJECT_ROOT / "docs" / "cost-estimate.md").read_text(encoding="utf-8")
    assert committed == cost_estimate.page(synthesized.outdir), "run `make docs` and commit docs/cost-estimate.md"


# --- without OUTDIR: the working tree is synthesized ----------------------------------------------------------
# `repository`: a git repository whose main.py "synthesizes" stacks.json; temporary files go to scratch/.


@pytest.mark.slow  # a fresh process
def test_without_outdir_the_working_tree_is_synthesized_into_a_temporary_directory_that_is_removed(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cost(repository=repository) == 0
    report = capsys.readouterr().out
    assert report.startswith("Estimated monthly cost in USD of the working tree (synthesized)\n")
    assert re.search(r"^acme-aws-prod +aws +prod +\$\d", report, re.M)
    assert list((repository.parent / "scratch").iterdir()) == []


@pytest.mark.slow  # a fresh process
def test_a_failed_synthesis_is_one_line_and_exit_2(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_stacks(repository, {"fail": {}})
    assert run_cost(repository=repository) == 2
    assert capsys.readouterr() == ("", "error: working tree: synthesis failed (exit 4): config/prod.toml: broken\n")
    assert list((repository.parent / "scratch").iterdir()) == []


# --- the command as users run it -------------------------------------------------------------------------------


@pytest.mark.slow  # a fresh process
def test_main_py_cost_reads_json_only_and_never_imports_cdktf(output: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, str(PROJECT_ROOT), "cost", str(output)],
        cwd=tmp_path, env=subprocess_environment(), capture_output=True, text=True, timeout=120,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == {"code": 0, "loaded": []}


@pytest.mark.slow  # a fresh process
def test_main_py_cost_errors_are_one_line_in_a_fresh_process(tmp_path: Path) -> None:
    result = run_main(["cost", str(tmp_path / "missing")], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {tmp_path / 'missing'}: no such directory\n")


@pytest.mark.slow  # a fresh process
def test_the_package_runs_as_a_module_and_ships_its_price_table(output: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "constructs_lib.analysis.cost", str(output), "--format", "markdown"],
                            cwd=PROJECT_ROOT, env=subprocess_environment(), capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (0, "")
    assert "| `acme-aws-prod` | aws | prod |" in result.stdout
    pyproject: dict[str, Any] = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "constructs_lib.analysis.cost" in pyproject["tool"]["setuptools"]["packages"]
    assert pyproject["tool"]["setuptools"]["package-data"]["constructs_lib.analysis.cost"] == ["prices.toml"]
