"""The reusable image workflow (images.yml): its scripts run as written, here.

The inputs check, the scan gate (on grype reports and allow-lists made here), the promotion's pull (tag, signature
and digest checks) and the push (digest checks, what is signed, the digests handed on) run through bash with
recorders in place of aws, curl, skopeo and cosign. Docker, buildx, syft, grype and the registries cannot run on
this machine (no Docker engine, no network): the build and the tools themselves are linted and audited with the
other workflows (tests/test_workflows.py), not run.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.github import IMAGE_WORKFLOW

from .helpers import PROJECT_ROOT
from .test_workflows import load

WORKFLOW = load(PROJECT_ROOT / IMAGE_WORKFLOW)
TODAY = datetime.date.today()


def _step(job: str, name: str) -> dict[str, Any]:
    [step] = [step for step in WORKFLOW["jobs"][job]["steps"] if str(step.get("name", "")).startswith(name)]
    return step


def _match(cve: str, severity: str, package: str, state: str = "fixed") -> dict[str, Any]:
    return {"vulnerability": {"id": cve, "severity": severity, "fix": {"state": state, "versions": ["9.9.9"]}},
            "artifact": {"name": package, "version": "1.0.0"}}


def _gate(tmp_path: Path, matches: list[dict[str, Any]], allowlist: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "report.json").write_text(json.dumps({"matches": matches}), encoding="utf-8")
    if allowlist is not None:
        (tmp_path / "allow.toml").write_text(allowlist, encoding="utf-8")
    python = Path(sys.base_prefix) / "bin"  # the runner's python3 (3.11+: tomllib)
    return subprocess.run(["bash", "-eo", "pipefail", "-c", _step("scan", "Fail on fixable")["run"]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{python}{os.pathsep}{os.environ['PATH']}", "REPORT": "report.json",
                               "ALLOWLIST": "allow.toml"})


def _entry(cve: str, reason: str = "not reachable: the parser is never given user input", days: int = 30) -> str:
    return f'[[allow]]\nid = "{cve}"\nreason = "{reason}"\nexpires = {TODAY + datetime.timedelta(days=days)}\n'


@pytest.mark.slow  # bash and python3
@pytest.mark.parametrize(("matches", "allowlist", "fails_with"), [
    ([], None, None),
    ([_match("CVE-1", "Critical", "openssl")], None, "Critical CVE-1 in openssl 1.0.0: fixed in 9.9.9"),
    ([_match("CVE-1", "High", "zlib")], None, "High CVE-1 in zlib 1.0.0: fixed in 9.9.9"),
    ([_match("CVE-1", "Critical", "openssl", state="not-fixed"), _match("CVE-2", "Medium", "zlib")], None, None),
    ([_match("CVE-1", "Critical", "openssl")], _entry("CVE-1"), None),
    ([_match("CVE-1", "Critical", "openssl")], _entry("CVE-1", days=-1), "expired on"),
    ([_match("CVE-1", "Critical", "openssl")], _entry("CVE-1", reason="ok"), "needs id, a reason"),
    ([_match("CVE-1", "Critical", "openssl")], _entry("CVE-1", days=400), "more than 90 days ahead"),
    ([], _entry("CVE-9", days=-3), "expired on"),
    ([_match("CVE-1", "Critical", "openssl")], _entry("CVE-1") + 'package = "zlib"\n', "Critical CVE-1 in openssl"),
], ids=["clean", "critical", "high", "unfixed-and-medium", "allowed", "expired", "no-reason", "too-far", "stale-entry",
        "other-package"])
def test_the_scan_fails_on_fixable_high_and_critical_unless_allowed(
    tmp_path: Path, matches: list[dict[str, Any]], allowlist: str | None, fails_with: str | None,
) -> None:
    result = _gate(tmp_path, matches, allowlist)
    if fails_with is None:
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert result.returncode == 1 and "::error title=Image scan::" in result.stdout and fails_with in result.stdout


def test_the_images_are_pushed_as_scanned_by_digest_and_signed_in_the_callers_environment() -> None:
    jobs = WORKFLOW["jobs"]
    build, pull, scan, push = jobs["build"], jobs["pull"], jobs["scan"], jobs["push"]
    assert set(WORKFLOW["on"]) == {"workflow_call"} and WORKFLOW["on"]["workflow_call"]["outputs"]["digests"]
    assert "environment" not in build and build["permissions"] == {"contents": "read"}  # no identity while building
    assert "environment" not in scan and scan["permissions"] == {"contents": "read"}
    # Build or pull (a promotion), never both; the scan and the push follow whichever ran.
    assert build["if"] == "inputs.promote_from == ''" and pull["if"] == "inputs.promote_from != ''"
    assert build["needs"] == pull["needs"] == "inputs" and scan["needs"] == ["build", "pull"]
    assert scan["if"] == "${{ !cancelled() && (needs.build.result == 'success' || needs.pull.result == 'success') }}"
    assert pull["environment"] == "${{ inputs.promote_from }}" and push["environment"] == "${{ inputs.environment }}"
    assert push["needs"] == "scan" and push["if"] == "${{ !cancelled() && needs.scan.result == 'success' }}"
    names = [step.get("name", step.get("uses", "")) for step in scan["steps"]]
    assert names.index("SBOM and vulnerability scan") < names.index(
        "Fail on fixable HIGH and CRITICAL findings (allow-list with reasons and expiry dates)")
    built = _step("build", "Build")
    assert built["with"]["push"] is False and built["with"]["cache-from"].startswith("type=gha")
    assert built["with"]["outputs"].startswith("type=oci,dest=")


# --- the inputs, the promotion's pull and the push, run with recorders ---------------------------------------------

INFRA = "acme-analytics/duckdb-analytics-infra"
DIGESTS = {"backend": "sha256:" + "b" * 64, "frontend": "sha256:" + "f" * 64}
OTHER = "sha256:" + "0" * 64


@pytest.mark.slow  # bash and python3
@pytest.mark.parametrize(("environment", "source", "digests", "fails_with"), [
    ("dev", "", "", None),
    ("prod", "staging", json.dumps(DIGESTS), None),
    ("staging", "dev", json.dumps(DIGESTS), None),
    ("prod", "dev", json.dumps(DIGESTS), "promote_from 'dev' to 'prod': a release moves from dev to staging"),
    ("prod", "staging", "", "digests must be the JSON"),
    ("prod", "staging", json.dumps({"backend": DIGESTS["backend"]}), "digests must be the JSON"),
    ("prod", "staging", json.dumps({**DIGESTS, "frontend": "1.4.2"}), "digests must be the JSON"),
    ("dev", "", json.dumps(DIGESTS), "digests are given with promote_from only"),
    ("qa", "", "", "environment must be dev, staging or prod"),
], ids=["build", "staging-to-prod", "dev-to-staging", "skipping-staging", "no-digests", "one-digest", "a-tag",
        "digests-without-promotion", "unknown-environment"])
def test_the_inputs_are_checked_before_anything_runs(environment: str, source: str, digests: str,
                                                      fails_with: str | None) -> None:
    result = _run("inputs", "Tag, environments and digests", Path.cwd(), {
        "TAG": "1.4.2", "ENVIRONMENT": environment, "PROMOTE_FROM": source, "DIGESTS": digests})
    if fails_with is None:
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert result.returncode == 1 and "::error title=Image inputs::" in result.stdout and fails_with in result.stdout


def _archive(path: Path, digest: str) -> None:
    """An OCI archive whose index names the manifest ``digest`` (all the scripts read of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": digest}]}).encode()
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("index.json")
        info.size = len(index)
        archive.addfile(info, io.BytesIO(index))


def _recorders(directory: Path) -> Path:
    """aws, curl, skopeo and cosign that record their arguments in ``calls`` and answer from FAKE_* variables."""
    bin_dir, calls = directory / "bin", directory / "calls"
    bin_dir.mkdir()
    claims = base64.urlsafe_b64encode(json.dumps(
        {"job_workflow_ref": f"{INFRA}/.github/workflows/images.yml@refs/heads/main"}).encode()).decode().rstrip("=")
    scripts = {
        "aws": "echo password",
        "curl": f"echo '{{\"value\": \"header.{claims}.signature\"}}'",
        "cosign": 'exit "${FAKE_VERIFY:-0}"',
        "skopeo": """
case "$1" in
  login) cat > /dev/null ;;
  inspect) echo "$FAKE_TAGGED" ;;
  copy)
    source="${@: -2:1}" target="${@: -1}"
    case "$target" in
      oci-archive:*)  # a pull: an archive whose index names FAKE_COPIED
        index="$(mktemp -d)"
        echo "{\\"manifests\\": [{\\"digest\\": \\"$FAKE_COPIED\\"}]}" > "$index/index.json"
        tar -C "$index" -cf "${target#oci-archive:}" index.json ;;
      *)  # a push: the registry stores FAKE_PUSHED, else the archive's digest
        while [ "$1" != --digestfile ]; do shift; done
        built="$(tar -xOf "${source#oci-archive:}" index.json | jq -r '.manifests[0].digest')"
        echo -n "${FAKE_PUSHED:-$built}" > "$2" ;;
    esac ;;
esac""",
    }
    for name, body in scripts.items():
        (bin_dir / name).write_text(f'#!/usr/bin/env bash\necho "{name} $*" >> {calls}\n{body}\n', encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _run(job: str, step: str, directory: Path, environment: dict[str, str],
         bin_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The step's script through bash as the runner runs it, with the recorders first on PATH."""
    python = Path(sys.base_prefix) / "bin"  # the runner's python3
    path = os.pathsep.join([*([str(bin_dir)] if bin_dir else []), str(python), os.environ["PATH"]])
    return subprocess.run(["bash", "-eo", "pipefail", "-c", _step(job, step)["run"]], cwd=directory, capture_output=True,
                          text=True, timeout=60, env={"PATH": path, "RUNNER_TEMP": str(directory),
                                                      "GITHUB_STEP_SUMMARY": str(directory / "summary"),
                                                      "GITHUB_OUTPUT": str(directory / "output"), **environment})


def _pull(tmp_path: Path, **fakes: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    step = _step("pull", "Copy the signed image")
    environment = {"SERVICE": "backend", "TAG": "1.4.2", "SOURCE": "staging", "DIGESTS": json.dumps(DIGESTS),
                   "ECR": "222233334444.dkr.ecr.us-east-1.amazonaws.com", "ECR_PREFIX": "duckdb-analytics-staging",
                   "REGISTRY_AUTH_FILE": str(tmp_path / "auth" / "config.json"), "DOCKER_CONFIG": str(tmp_path / "auth"),
                   "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t", "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token?x=1",
                   "FAKE_TAGGED": DIGESTS["backend"], "FAKE_COPIED": DIGESTS["backend"], **fakes}
    assert set(step["env"]) <= set(environment), "the test sets every variable of the step"
    result = _run("pull", "Copy the signed image", tmp_path, environment, _recorders(tmp_path))
    return result, (tmp_path / "calls").read_text(encoding="utf-8").splitlines()


@pytest.mark.slow  # bash, python3 and the recorders
def test_a_promotion_copies_the_source_environments_signed_image_by_digest(tmp_path: Path) -> None:
    result, calls = _pull(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    image = "222233334444.dkr.ecr.us-east-1.amazonaws.com/duckdb-analytics-staging/backend"
    [verify] = [call for call in calls if call.startswith("cosign verify")]
    identity = verify.split("--certificate-identity-regexp ")[1].split(" ")[0]
    # Signed by this repository's images.yml (any ref), nobody else's.
    assert re.match(identity, f"https://github.com/{INFRA}/.github/workflows/images.yml@refs/heads/main")
    assert not re.match(identity, "https://github.com/acme-analytics/duckdb-analytics-app/.github/workflows/images.yml@x")
    assert not re.match(identity, f"https://github.com/{INFRA}-fork/.github/workflows/images.yml@refs/heads/main")
    assert verify.endswith(f"{image}@{DIGESTS['backend']}")
    assert f"skopeo inspect --format {{{{.Digest}}}} docker://{image}:1.4.2" in calls
    assert f"skopeo copy --preserve-digests docker://{image}@{DIGESTS['backend']} oci-archive:{tmp_path}/backend.tar" in calls
    assert (tmp_path / "backend.tar").exists() and "signature verified" in (tmp_path / "summary").read_text()


@pytest.mark.slow  # bash, python3 and the recorders
@pytest.mark.parametrize(("fakes", "fails_with"), [
    ({"FAKE_TAGGED": OTHER}, f"1.4.2 is {OTHER} in staging, not {DIGESTS['backend']}"),
    ({"FAKE_VERIFY": "1"}, "has no signature of this workflow"),
    ({"FAKE_COPIED": OTHER}, f"copied as {OTHER}: refusing it"),
], ids=["tag-moved-elsewhere", "unsigned", "copy-differs"])
def test_a_promotion_refuses_an_image_that_is_not_the_one_staging_runs(tmp_path: Path, fakes: dict[str, str],
                                                                        fails_with: str) -> None:
    result, calls = _pull(tmp_path, **fakes)
    assert result.returncode == 1 and "::error title=Promotion::" in result.stdout and fails_with in result.stdout
    if "FAKE_COPIED" not in fakes:
        assert not [call for call in calls if call.startswith("skopeo copy")]  # nothing copied


def _push(tmp_path: Path, digests: str, **fakes: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    for service, digest in DIGESTS.items():
        _archive(tmp_path / "images" / f"image-{service}" / f"{service}.tar", digest)
        (tmp_path / "images" / f"sbom-{service}").mkdir(parents=True)
        (tmp_path / "images" / f"sbom-{service}" / f"{service}.spdx.json").write_text("{}", encoding="utf-8")
    environment = {"TAG": "1.4.2", "DIGESTS": digests, "ECR": "333344445555.dkr.ecr.us-east-1.amazonaws.com",
                   "ECR_PREFIX": "duckdb-analytics-prod", "GAR": "us-docker.pkg.dev/duckdb-analytics-prod/images",
                   "GCP_TOKEN": "token", "REGISTRY_AUTH_FILE": str(tmp_path / "auth" / "config.json"),
                   "DOCKER_CONFIG": str(tmp_path / "auth"), **fakes}
    assert set(_step("push", "Push the scanned")["env"]) <= set(environment), "the test sets every variable of the step"
    result = _run("push", "Push the scanned", tmp_path, environment, _recorders(tmp_path))
    return result, (tmp_path / "calls").read_text(encoding="utf-8").splitlines()


@pytest.mark.slow  # bash, python3 and the recorders
@pytest.mark.parametrize("promoted", [False, True], ids=["build", "promotion"])
def test_the_push_sends_the_scanned_archives_signs_them_and_hands_on_their_digests(tmp_path: Path, promoted: bool) -> None:
    result, calls = _push(tmp_path, json.dumps(DIGESTS) if promoted else "")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "output").read_text() == f"digests={json.dumps(DIGESTS, separators=(',', ':'))}\n"
    for service, digest in DIGESTS.items():
        for repository in (f"333344445555.dkr.ecr.us-east-1.amazonaws.com/duckdb-analytics-prod/{service}",
                           f"us-docker.pkg.dev/duckdb-analytics-prod/images/{service}"):
            assert (f"skopeo copy --preserve-digests --digestfile digest oci-archive:images/image-{service}/{service}.tar "
                    f"docker://{repository}:1.4.2") in calls
            assert f"cosign sign --yes {repository}@{digest}" in calls
            assert (f"cosign attest --yes --type spdxjson --predicate images/sbom-{service}/{service}.spdx.json "
                    f"{repository}@{digest}") in calls


@pytest.mark.slow  # bash, python3 and the recorders
def test_the_push_refuses_a_registry_that_stored_another_digest_or_a_promotion_of_another_image(tmp_path: Path) -> None:
    (tmp_path / "moved").mkdir()
    (tmp_path / "other").mkdir()
    moved, calls = _push(tmp_path / "moved", "", FAKE_PUSHED=OTHER)
    assert moved.returncode == 1 and f"pushed {OTHER}, built {DIGESTS['backend']}" in moved.stdout
    assert not [call for call in calls if call.startswith("cosign sign")]
    other, calls = _push(tmp_path / "other", json.dumps({**DIGESTS, "backend": OTHER}))
    assert other.returncode == 1 and "the archive is" in other.stdout and "not the digest the source runs" in other.stdout
    assert not [call for call in calls if call.startswith("skopeo copy")]
