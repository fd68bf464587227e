"""The reusable image workflow (images.yml): its scan gate run as written, on grype reports and allow-lists made here.

Docker, buildx, syft, grype, skopeo and cosign cannot run on this machine (no Docker engine, no network): the
build, push and signing steps are linted and audited with the other workflows (tests/test_workflows.py), not run.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
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
    return subprocess.run(["bash", "-eo", "pipefail", "-c", _step("build", "Fail on fixable")["run"]], cwd=tmp_path,
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
        assert result.returncode == 1 and f"::error title=Image scan::" in result.stdout and fails_with in result.stdout


def test_the_images_are_pushed_as_scanned_by_digest_and_signed_in_the_callers_environment() -> None:
    build, push = WORKFLOW["jobs"]["build"], WORKFLOW["jobs"]["push"]
    assert set(WORKFLOW["on"]) == {"workflow_call"} and WORKFLOW["on"]["workflow_call"]["outputs"]["digests"]
    assert "environment" not in build and build["permissions"] == {"contents": "read"}  # no identity while building
    assert push["environment"] == "${{ inputs.environment }}" and push["needs"] == "build"
    names = [step.get("name", step.get("uses", "")) for step in build["steps"]]
    assert names.index("SBOM and vulnerability scan") < names.index(
        "Fail on fixable HIGH and CRITICAL findings (allow-list with reasons and expiry dates)")
    built = _step("build", "Build")
    assert built["with"]["push"] is False and built["with"]["cache-from"].startswith("type=gha")
    assert built["with"]["outputs"].startswith("type=oci,dest=")
    script = _step("push", "Push the scanned archives")["run"]
    for command in ("skopeo copy --preserve-digests", '[ "$(cat digest)" = "$built" ]', "cosign sign --yes",
                    "cosign attest --yes --type spdxjson", 'echo "digests=$digests" >> "$GITHUB_OUTPUT"'):
        assert command in script, command
