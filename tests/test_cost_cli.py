"""``main.py cost``: the report on the real stacks, exit codes and one-line errors, the default synthesis, no cdktf."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.cost import cli, estimate_output, load_prices
from constructs_lib.review import load_output

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, run_main, subprocess_environment
from .test_risk_diff_cli import _IMPORT_PROBE, _write_stacks, bucket_stack, repository, write_output  # noqa: F401

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
        assert re.search(rf"^{re.escape(stack.name)} +{stack.cloud} +{stack.environment} +\$[\d,]+\.\d\d  ", report, re.M)
        assert f"{'$' + format(stack.total, ',.2f'):>10}  total" in report
    assert "NOT PRICED" not in report
    assert "[1,460 instance-hour x $0.168*]" in report  # Multi-AZ prod database, unverified price marked
    sources = report[report.index("Prices used (constructs_lib/cost/prices.toml, checked "):].splitlines()[1:]
    used = {line.price.key: line.price for stack in estimate.stacks for line in stack.lines}
    assert [entry.split(":")[0].strip() for entry in sources] == sorted(used)
    for entry, key in zip(sources, sorted(used)):
        assert entry.endswith(f"  {used[key].source}") and used[key].region in entry


def test_markdown_has_a_summary_table_and_a_table_per_stack(synthesized: Synthesized, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cost(synthesized.outdir, "--format", "markdown") == 0
    report = capsys.readouterr().out
    assert report.startswith("## Estimated monthly cost (USD)\n\n| stack | cloud | environment | monthly |")
    assert report.count("\n### `duckdb-analytics-") == len(synthesized.documents)
    assert report.count("| group | item | quantity x unit price | monthly |") == len(synthesized.documents)
    assert "<details><summary>Prices used (constructs_lib/cost/prices.toml, checked " in report


def test_an_unknown_type_is_listed_as_not_priced_and_the_stack_marked_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = bucket_stack("acme-data") | {"provider": {"aws": [{"region": "us-east-1"}]}}
    stack["resource"]["aws_neptune_cluster"] = {"graph": {}}
    assert run_cost(write_output(tmp_path / "out", {STACK: stack})) == 0
    report = capsys.readouterr().out
    assert "  NOT PRICED: aws_neptune_cluster.graph: no entry for this type in the price table" in report
    assert re.search(r"^acme-aws-prod +aws +prod +\$[\d.,]+  -  \(incomplete: see NOT PRICED\)$", report, re.M)


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
    (["--format", "html"], "error: argument --format: invalid choice: 'html' (choose from 'text', 'markdown')"),
    (["other", "more"], "error: unrecognized arguments: other more"),
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
    data = (PROJECT_ROOT / "constructs_lib" / "cost" / "prices.toml").read_text(encoding="utf-8")
    prices = tmp_path / "eu.toml"
    prices.write_text(data.replace("value = 0.023\n", "value = 0.024\n"), encoding="utf-8")
    assert run_cost(output, "--prices", prices) == 0
    report = capsys.readouterr().out
    assert f"from {prices};" in report and "x $0.024]" in report


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
    result = subprocess.run([sys.executable, "-m", "constructs_lib.cost", str(output), "--format", "markdown"],
                            cwd=PROJECT_ROOT, env=subprocess_environment(), capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (0, "")
    assert "| `acme-aws-prod` | aws | prod |" in result.stdout
    pyproject: dict[str, Any] = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "constructs_lib.cost" in pyproject["tool"]["setuptools"]["packages"]
    assert pyproject["tool"]["setuptools"]["package-data"]["constructs_lib.cost"] == ["prices.toml"]
