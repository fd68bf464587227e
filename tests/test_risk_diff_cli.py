"""``main.py diff``: exit codes, one-line errors, git refs, snapshots, and the real synthesized stacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.analysis.review import cli

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, run_main, subprocess_environment

STACK = "acme-aws-prod"
SNAPSHOT_DIR = "tests/__snapshots__/test_snapshots"


def bucket_stack(bucket: str, retention: int = 90) -> dict[str, Any]:
    return {"resource": {
        "aws_s3_bucket": {"data": {"bucket": bucket}},
        "aws_cloudwatch_log_group": {"logs": {"name": "/ecs/api", "retention_in_days": retention}},
    }}


def write_output(directory: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    """A cdktf output directory (manifest.json plus stacks/<name>/cdk.tf.json) holding ``stacks``."""
    manifest: dict[str, Any] = {"stacks": {}, "version": "0.21.0"}
    for name, document in stacks.items():
        stack_file = directory / "stacks" / name / "cdk.tf.json"
        stack_file.parent.mkdir(parents=True)
        stack_file.write_text(json.dumps(document), encoding="utf-8")
        manifest["stacks"][name] = {"synthesizedStackPath": f"stacks/{name}/cdk.tf.json"}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return directory


def run_diff(*arguments: str | Path, repository: Path = PROJECT_ROOT) -> int:
    return cli.main([str(argument) for argument in arguments], repository=repository,
                    synth_command=(sys.executable, "main.py"))


@pytest.fixture
def outputs(tmp_path: Path) -> dict[str, Path]:
    """Output directories: ``old``, ``same`` (equal to old), ``changed`` (a tag) and ``risky`` (bucket renamed)."""
    changed = bucket_stack("acme-data")
    changed["resource"]["aws_s3_bucket"]["data"]["tags"] = {"team": "data"}
    return {
        "old": write_output(tmp_path / "old", {STACK: bucket_stack("acme-data")}),
        "same": write_output(tmp_path / "same", {STACK: bucket_stack("acme-data")}),
        "changed": write_output(tmp_path / "changed", {STACK: changed}),
        "risky": write_output(tmp_path / "risky", {STACK: bucket_stack("acme-lake")}),
    }


@pytest.mark.parametrize(("new", "status"), [("same", 0), ("changed", 1), ("risky", 3)])
def test_exit_status_tells_no_change_change_and_risky_change(
    outputs: dict[str, Path], capsys: pytest.CaptureFixture[str], new: str, status: int
) -> None:
    assert run_diff(outputs["old"], outputs[new]) == status
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"{STACK}: " in captured.out


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    not_json = write_output(tmp_path / "not-json", {STACK: {}})
    (not_json / "stacks" / STACK / "cdk.tf.json").write_text("{ nope", encoding="utf-8")
    latin1 = write_output(tmp_path / "latin1", {STACK: {}})
    (latin1 / "stacks" / STACK / "cdk.tf.json").write_bytes(b'{"x": "\xe9"}')
    a_directory = write_output(tmp_path / "a-directory", {STACK: {}})
    (a_directory / "stacks" / STACK / "cdk.tf.json").unlink()
    (a_directory / "stacks" / STACK / "cdk.tf.json").mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    bad_manifest = tmp_path / "bad-manifest"
    bad_manifest.mkdir()
    (bad_manifest / "manifest.json").write_text('{"stacks": []}', encoding="utf-8")
    wrong_shape = write_output(tmp_path / "wrong-shape", {STACK: {"resource": {"aws_s3_bucket": ["x"]}}})
    stack_file = "stacks/acme-aws-prod/cdk.tf.json"
    return {
        "missing": (tmp_path / "missing", f"error: {tmp_path / 'missing'}: no such directory"),
        "not-json": (not_json, f"error: {not_json / stack_file}: not valid JSON (line 1 column 3: "
                               "Expecting property name enclosed in double quotes)"),
        "latin1": (latin1, f"error: {latin1 / stack_file}: unreadable (not UTF-8: invalid continuation byte)"),
        "a-directory": (a_directory, f"error: {a_directory / stack_file}: unreadable (Is a directory)"),
        "empty": (empty, f"error: {empty}: neither a cdktf output directory (manifest.json) nor a directory of "
                         "snapshot files (test_stack_matches_snapshot[<stack>].json)"),
        "bad-manifest": (bad_manifest, f'error: {bad_manifest / "manifest.json"}: must hold a "stacks" object'),
        "wrong-shape": (wrong_shape, f'error: {wrong_shape / stack_file}: "resource" must map each type to named objects'),
    }


@pytest.mark.parametrize("case", ["missing", "not-json", "latin1", "a-directory", "empty", "bad-manifest", "wrong-shape"])
def test_unreadable_input_is_one_line_naming_the_path_and_exit_2(
    tmp_path: Path, outputs: dict[str, Path], capsys: pytest.CaptureFixture[str], case: str
) -> None:
    path, message = _bad_inputs(tmp_path)[case]
    assert run_diff(outputs["old"], path) == 2
    captured = capsys.readouterr()
    assert (captured.err, captured.out) == (message + "\n", "")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "error: give two directories (OLD NEW) or --base REF, got 0 directories"),
        (["old"], "error: give two directories (OLD NEW) or --base REF, got 1 directory"),
        (["--base", "HEAD", "old", "same"], "error: with --base give at most one directory (NEW), got 2"),
        (["old", "same", "--snapshots"], "error: --snapshots: compares against --base REF, which is missing"),
        (["old", "same", "--format", "html"], "error: argument --format: invalid choice: 'html' (choose from 'text', 'markdown', 'json')"),
        (["old", "same", "--max-chars", "50"],
         "error: --max-chars: must leave room for the truncation notice (98 characters), got 50"),
        (["old", "same", "--format", "json", "--max-chars", "5000"],
         "error: --max-chars: JSON is never cut; leave it out with --format json"),
        (["--base", "no-such-ref"], "error: --base: unknown git ref 'no-such-ref'"),
        (["--base", "--help-me"], "error: argument --base: expected one argument"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    outputs: dict[str, Path], capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    arguments = [str(outputs[argument]) if argument in outputs else argument for argument in arguments]
    assert run_diff(*arguments) == 2
    assert capsys.readouterr().err == message + "\n"


def test_max_chars_bounds_the_report_and_names_the_full_report(
    outputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_diff(outputs["old"], outputs["risky"], "--format", "markdown", "--max-chars", "200",
                    "--full-report", "the job summary") == 3
    report = capsys.readouterr().out
    assert len(report) <= 200
    assert report.rstrip().endswith("**Truncated** to stay within 200 characters; the full report: the job summary")


# --- git refs --------------------------------------------------------------------------------------------------

FAKE_SYNTH = """
import json, pathlib, sys
outdir = pathlib.Path(sys.argv[sys.argv.index("--outdir") + 1])
stacks = json.loads(pathlib.Path("stacks.json").read_text())
if "fail" in stacks:
    sys.exit(print("traceback noise\\nconfig/prod.toml: broken", file=sys.stderr) or 4)
manifest = {"stacks": {}}
for name, document in stacks.items():
    path = outdir / "stacks" / name / "cdk.tf.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document))
    manifest["stacks"][name] = {"synthesizedStackPath": f"stacks/{name}/cdk.tf.json"}
(outdir / "manifest.json").write_text(json.dumps(manifest))
"""


def _git(repository: Path, *arguments: str) -> str:
    return subprocess.run(["git", "-C", str(repository), "-c", "user.name=Test", "-c", "user.email=test@example.com",
                           *arguments], check=True, capture_output=True, text=True).stdout


def _write_stacks(repository: Path, stacks: dict[str, Any]) -> None:
    (repository / "stacks.json").write_text(json.dumps(stacks), encoding="utf-8")
    snapshots = repository / SNAPSHOT_DIR
    shutil.rmtree(snapshots, ignore_errors=True)
    snapshots.mkdir(parents=True)
    for name, document in stacks.items():
        (snapshots / f"test_stack_matches_snapshot[{name}].json").write_text(json.dumps(document), encoding="utf-8")


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose main.py "synthesizes" stacks.json; HEAD has one bucket, the working tree renames it."""
    repository = tmp_path / "repo"
    repository.mkdir()
    _git(repository, "init", "-q")
    (repository / "main.py").write_text(FAKE_SYNTH, encoding="utf-8")
    _write_stacks(repository, {STACK: bucket_stack("acme-data")})
    _git(repository, "add", ".")
    _git(repository, "commit", "-q", "-m", "one bucket")
    _write_stacks(repository, {STACK: bucket_stack("acme-lake")})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return repository


def _leftovers(repository: Path) -> tuple[int, list[str]]:
    worktrees = _git(repository, "worktree", "list", "--porcelain").count("worktree ")
    return worktrees, sorted(path.name for path in (repository.parent / "scratch").iterdir())


@pytest.mark.slow  # a fresh process
def test_base_ref_is_synthesized_in_a_temporary_worktree_that_is_removed(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_diff("--base", "HEAD", repository=repository) == 3
    assert '"acme-data" -> "acme-lake"' in capsys.readouterr().out
    assert _leftovers(repository) == (1, [])


@pytest.mark.slow  # a fresh process
def test_base_ref_against_a_given_new_directory(
    repository: Path, outputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_diff("--base", "HEAD", outputs["old"], repository=repository) == 0
    assert _leftovers(repository) == (1, [])


@pytest.mark.slow  # a fresh process
def test_failed_synthesis_of_the_base_is_one_line_and_leaves_nothing_behind(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_stacks(repository, {"fail": {}})
    _git(repository, "commit", "-q", "-am", "broken")
    assert run_diff("--base", "HEAD", "--format", "markdown", repository=repository) == 2
    assert capsys.readouterr().err == "error: --base HEAD: synthesis failed (exit 4): config/prod.toml: broken\n"
    assert _leftovers(repository) == (1, [])


@pytest.mark.slow  # a fresh process
def test_snapshots_at_the_base_ref_are_compared_with_the_working_tree(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_diff("--snapshots", "--base", "HEAD", repository=repository) == 3
    assert f"{STACK}: 0 added, 0 removed, 1 changed, 1 risky" in capsys.readouterr().out
    assert run_diff("--snapshots", "--base", "HEAD", repository / SNAPSHOT_DIR, repository=repository) == 3
    _git(repository, "commit", "-q", "-am", "rename the bucket")
    assert run_diff("--snapshots", "--base", "HEAD", repository=repository) == 0
    assert _leftovers(repository) == (1, [])


@pytest.mark.slow  # a fresh process
def test_unknown_ref_in_snapshot_mode_is_one_line(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_diff("--snapshots", "--base", "nope", repository=repository) == 2
    assert capsys.readouterr().err == "error: --base: unknown git ref 'nope'\n"


# --- the command as users run it -------------------------------------------------------------------------------

_IMPORT_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import main
code = main.main(sys.argv[2:])
top_level = {name.split(".")[0] for name in sys.modules}
loaded = sorted(name for name in top_level if name in ("cdktf", "constructs", "jsii") or "provider" in name)
print(json.dumps({"code": code, "loaded": loaded}))
"""


@pytest.mark.slow  # a fresh process
def test_main_py_diff_reads_json_only_and_never_imports_cdktf(outputs: dict[str, Path], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, str(PROJECT_ROOT), "diff", str(outputs["old"]), str(outputs["risky"])],
        cwd=tmp_path, env=subprocess_environment(), capture_output=True, text=True, timeout=120,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == {"code": 3, "loaded": []}


@pytest.mark.slow  # a fresh process
def test_main_py_diff_errors_are_one_line_in_a_fresh_process(tmp_path: Path) -> None:
    result = run_main(["diff", str(tmp_path / "old"), str(tmp_path)], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {tmp_path / 'old'}: no such directory\n")


@pytest.mark.slow  # a fresh process
def test_the_package_runs_as_a_module_and_ships_in_the_wheel(outputs: dict[str, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "constructs_lib.analysis.review", str(outputs["old"]), str(outputs["changed"])],
        cwd=PROJECT_ROOT, env=subprocess_environment(), capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stderr) == (1, "")
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "constructs_lib.analysis.review" in pyproject["tool"]["setuptools"]["packages"]


# --- the real stacks -------------------------------------------------------------------------------------------


def _mutate(outdir: Path, stack: str, change: Any) -> None:
    stack_file = outdir / "stacks" / stack / "cdk.tf.json"
    document = json.loads(stack_file.read_text(encoding="utf-8"))
    change(document["resource"])
    stack_file.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _only(resources: dict[str, Any], resource_type: str, prefix: str) -> dict[str, Any]:
    (body,) = [body for name, body in resources[resource_type].items() if name.startswith(prefix)]
    return body


def test_real_stacks_unchanged_then_risky_after_renaming_the_prod_bucket_and_lowering_capacity(
    synthesized: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = shutil.copytree(synthesized.outdir, tmp_path / "old")
    new = shutil.copytree(synthesized.outdir, tmp_path / "new")
    assert run_diff(old, new) == 0
    assert capsys.readouterr().out.count(" 0 added, 0 removed, 0 changed, 0 risky") == len(synthesized.documents)

    def weaken_prod(resources: dict[str, Any]) -> None:
        _only(resources, "aws_s3_bucket", "data_bucket")["bucket_prefix"] = "duckdb-analytics-prod-lake-"
        _only(resources, "aws_appautoscaling_target", "backend_autoscaling")["min_capacity"] = 1
        _only(resources, "aws_cloudwatch_log_group", "backend_service_logs")["retention_in_days"] = 7

    _mutate(new, "duckdb-analytics-aws-prod", weaken_prod)
    assert run_diff(old, new) == 3
    report = capsys.readouterr().out
    assert "log retention shortened from 90 days to 7 days" in report
    assert "duckdb-analytics-aws-prod: 0 added, 0 removed, 3 changed, 3 risky" in report
    assert run_diff(old, new, "--format", "json") == 3
    (stack,) = [stack for stack in json.loads(capsys.readouterr().out)["stacks"] if stack["risks"]]
    assert [(risk["address"].split(".")[0], risk["attribute"], risk["kind"]) for risk in stack["risks"]] == [
        ("aws_appautoscaling_target", "min_capacity", "availability"),
        ("aws_cloudwatch_log_group", "retention_in_days", "data loss"),
        ("aws_s3_bucket", "bucket_prefix", "data loss"),
    ]


def _risks_of(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [{"stack": stack["name"], "environment": stack["environment"], **risk}
            for stack in json.loads(capsys.readouterr().out)["stacks"] for risk in stack["risks"]]


def test_real_stacks_a_prod_database_resize_is_an_outage_with_its_timing(
    synthesized: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = shutil.copytree(synthesized.outdir, tmp_path / "old")
    new = shutil.copytree(synthesized.outdir, tmp_path / "new")
    _mutate(new, "duckdb-analytics-aws-prod",
            lambda resources: _only(resources, "aws_db_instance", "database").update(instance_class="db.r7g.xlarge"))
    _mutate(new, "duckdb-analytics-gcp-prod", lambda resources: [
        body["settings"].update(tier="db-custom-4-15360") for body in resources["google_sql_database_instance"].values()])
    assert run_diff(old, new, "--format", "json") == 3
    risks = _risks_of(capsys)
    assert {(risk["stack"], risk["environment"], risk["kind"], risk["attribute"]) for risk in risks} == {
        ("duckdb-analytics-aws-prod", "prod", "outage", "instance_class"),
        ("duckdb-analytics-gcp-prod", "prod", "outage", "settings.tier"),
    }
    rds = next(risk for risk in risks if risk["attribute"] == "instance_class")
    database = _only(json.loads((old / "stacks" / "duckdb-analytics-aws-prod" / "cdk.tf.json").read_text())["resource"],
                     "aws_db_instance", "database")
    assert database["apply_immediately"] is False
    assert rds["when"].startswith("in the instance's next maintenance window")
    assert all(risk["when"].startswith("as the apply runs (Cloud SQL") for risk in risks if risk["stack"].startswith(
        "duckdb-analytics-gcp"))


def test_real_stacks_removing_the_standby_replica_is_recovery_time_and_its_protection_stops_the_apply(
    synthesized: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = shutil.copytree(synthesized.outdir, tmp_path / "old")
    new = shutil.copytree(synthesized.outdir, tmp_path / "new")
    _mutate(new, "duckdb-analytics-aws-prod-standby", lambda resources: resources.pop("aws_db_instance"))
    assert run_diff(old, new, "--format", "json") == 3
    (risk,) = _risks_of(capsys)
    assert (risk["stack"], risk["environment"], risk["kind"]) == ("duckdb-analytics-aws-prod-standby", "prod", "availability")
    assert "it is a replica (replicate_source_db is set)" in risk["reason"] and "data is lost" not in risk["reason"]
    assert risk["blocker"].startswith("the apply fails: RDS refuses to delete an instance with deletion protection on")
