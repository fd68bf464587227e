"""Choosing clouds and environments: flags, environment variables, errors, and what gets imported."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from main import SelectionError, main, parse_selection
from stacks import parallel

from .helpers import PROJECT_ROOT, run, run_main


def test_selection_is_canonical_ordered_and_deduplicated() -> None:
    assert parse_selection("gcp, aws,gcp", ("aws", "gcp"), "cloud", "--clouds") == ("aws", "gcp")
    assert parse_selection("prod,dev", ("dev", "staging", "prod"), "environment", "x") == ("dev", "prod")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("azure", "--clouds: unknown cloud 'azure' (choose from aws, gcp)"),
        ("aws,Azure", "--clouds: unknown cloud 'Azure' (choose from aws, gcp)"),
        (" , ", "--clouds: name at least one cloud (aws, gcp)"),
    ],
)
def test_bad_selection_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(SelectionError) as raised:
        parse_selection(text, ("aws", "gcp"), "cloud", "--clouds")
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (["--environments", "qa"], {}, "error: --environments: unknown environment 'qa' (choose from dev, staging, prod)"),
        ([], {"PLATFORM_CLOUDS": "aws,oci"},
         "error: environment variable PLATFORM_CLOUDS: unknown cloud 'oci' (choose from aws, gcp)"),
        (["--stacks", "images"], {},
         "error: --stacks: unknown stack kind 'images' (choose from bootstrap, standby, platform)"),
    ],
)
@pytest.mark.slow  # a fresh process
def test_unknown_selection_exits_2_before_writing(
    tmp_path: Path, arguments: list[str], environment: dict[str, str], message: str
) -> None:
    result = run_main([*arguments, "--outdir", str(tmp_path / "out")], cwd=tmp_path, **environment)
    assert (result.returncode, result.stderr.strip(), result.stdout) == (2, message, "")
    assert not (tmp_path / "out").exists()


_SELECTION_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import main
code = main.main(sys.argv[2:])
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules if "provider" in m and "." not in m)}))
"""


def _probe(tmp_path: Path, arguments: tuple[str, ...], **environment: str) -> tuple[dict[str, object], list[str]]:
    """main.py's exit status and the provider packages it imported, and the stacks it wrote."""
    outdir = tmp_path / "out"
    result = run([sys.executable, "-c", _SELECTION_PROBE, str(PROJECT_ROOT), *arguments, "--outdir", str(outdir)],
                 cwd=tmp_path, **environment)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    return report, sorted(path.name for path in (outdir / "stacks").iterdir())


@pytest.mark.slow  # a fresh process
def test_aws_only_never_imports_the_google_bindings_and_flags_override_environment_variables(tmp_path: Path) -> None:
    # Flags win over the environment variables, which ask for the other cloud, environment and stack kind.
    report, stacks = _probe(tmp_path, ("--clouds", "aws", "--environments", "prod", "--stacks", "platform"),
                            PLATFORM_CLOUDS="gcp", PLATFORM_ENVIRONMENTS="dev", PLATFORM_STACKS="bootstrap")
    assert report == {"code": 0, "modules": ["cdktf_cdktf_provider_aws"]}
    # prod's [dr] standby is a kind of its own: `--stacks platform` leaves it out.
    assert stacks == ["duckdb-analytics-aws-prod"]


@pytest.mark.slow  # a fresh process
def test_gcp_only_from_the_environment_never_imports_the_aws_bindings(tmp_path: Path) -> None:
    report, stacks = _probe(tmp_path, (), PLATFORM_CLOUDS="gcp", PLATFORM_ENVIRONMENTS="staging,prod")
    assert report == {"code": 0, "modules": ["cdktf_cdktf_provider_google"]}
    assert stacks == ["duckdb-analytics-gcp-prod", "duckdb-analytics-gcp-prod-bootstrap",
                      "duckdb-analytics-gcp-staging", "duckdb-analytics-gcp-staging-bootstrap"]


@pytest.mark.slow  # synthesizes again
def test_bootstrap_stacks_alone_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an administrator synthesizes to bootstrap one environment (docs/delivery.md)."""
    # The selection is under test, not the process per cloud (main.py's session synthesis runs that): both clouds
    # in this process, whose bindings are loaded already, instead of two fresh interpreters.
    monkeypatch.setattr(parallel, "runs_in_parallel", lambda clouds: False)
    outdir = tmp_path / "out"
    code = main(["--outdir", str(outdir)], environ={"PLATFORM_STACKS": "bootstrap", "PLATFORM_ENVIRONMENTS": "staging"})
    assert code == 0, capsys.readouterr().err
    assert sorted(path.name for path in (outdir / "stacks").iterdir()) == [
        "duckdb-analytics-aws-staging-bootstrap", "duckdb-analytics-gcp-staging-bootstrap"]


@pytest.mark.slow  # a fresh process
@pytest.mark.parametrize("outdir", ["taken", "taken/below"])
def test_an_output_directory_that_is_a_file_is_a_one_line_error(tmp_path: Path, outdir: str) -> None:
    (tmp_path / "taken").write_text("not a directory", encoding="utf-8")
    result = run_main(["--outdir", outdir], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [f"error: --outdir: taken exists and is not a directory, got '{outdir}'"]
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "not a directory"
