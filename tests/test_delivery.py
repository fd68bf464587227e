"""The delivery tooling the workflows run: stack settings, plan summaries without values, the PR comment
within GitHub's limit, the sealed plan bundle and the stale-plan message (with the real terraform)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from delivery.__main__ import main as delivery_main
from delivery.comment import MARKER
from delivery.plan_summary import PlanSummary, render, summarize
from delivery.settings import stack_settings

from .conftest import Synthesized
from .helpers import PROJECT_ROOT

SECRET = "s3cr3t-db-password-value"


def _change(address: str, actions: list[str], before: Any = None, after: Any = None, **extra: Any) -> dict[str, Any]:
    resource_type = address.split(".")[0]
    return {"address": address, "mode": "managed", "type": resource_type, "name": address.split(".")[1],
            "change": {"actions": actions, "before": before, "after": after, **extra}}


PLAN = {
    "format_version": "1.2",
    "resource_changes": [
        _change("aws_ecs_service.backend", ["update"], {"desired_count": 2, "task_definition": "a:1"},
                {"desired_count": 2, "task_definition": "a:2"}),
        _change("google_cloud_run_v2_service.api", ["update"], {"template": [{"env": [{"value": "old"}]}]},
                {"template": [{"env": [{"value": SECRET}]}]}),
        _change("aws_db_instance.database", ["delete", "create"], {"password": SECRET}, {"password": SECRET}),
        _change("aws_s3_bucket.data", ["delete"], {"bucket": "data"}, None),
        _change("aws_sns_topic.alerts", ["create"], None, {"name": "alerts", "policy": SECRET}),
        _change("aws_iam_role.old", ["delete"], {"name": "old"}, None),
        _change("aws_ecr_repository.images", ["forget"], {"name": "images"}, {"name": "images"}),
        _change("aws_kms_key.key", ["no-op"], {"k": 1}, {"k": 1}, importing={"id": "1234"}),
        _change("aws_vpc.main", ["no-op"], {"cidr": "10.0.0.0/16"}, {"cidr": "10.0.0.0/16"}),
        {"address": "data.aws_iam_policy_document.p", "mode": "data", "type": "aws_iam_policy_document",
         "change": {"actions": ["read"], "before": None, "after": {"json": SECRET}}},
    ],
}


def test_a_plan_summary_counts_like_terraform_and_puts_stateful_destroys_first() -> None:
    summary = summarize("duckdb-analytics-aws-prod", PLAN)
    assert summary.counts == {"add": 2, "change": 2, "destroy": 3, "replace": 1, "forget": 1, "import": 1}
    assert [change.address for change in summary.stateful_destroys] == ["aws_s3_bucket.data", "aws_db_instance.database"]
    assert [change.action for change in summary.changes][:3] == ["delete", "delete", "replace"]
    text = render(summary)
    assert text.splitlines()[0] == ("### `duckdb-analytics-aws-prod`: 2 to add, 2 to change, 3 to destroy, "
                                    "1 to import, 1 to forget")
    assert text.index("[!CAUTION]") < text.index("<details>")
    assert "| update | `aws_ecs_service.backend` | task_definition |" in text  # attribute names, never values
    assert "aws_vpc.main" not in text and "aws_iam_policy_document" not in text


def test_no_value_of_a_plan_reaches_the_summary_or_its_json() -> None:
    summary = summarize("duckdb-analytics-gcp-prod", PLAN)
    for text in (render(summary), json.dumps(summary.to_json())):
        assert SECRET not in text and "old" not in text.replace("aws_iam_role.old", "")
    assert PlanSummary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def test_an_empty_or_skipped_plan_reads_as_such() -> None:
    assert render(summarize("s", {"resource_changes": []})).startswith("### `s`: 0 to add, 0 to change, 0 to destroy")
    skipped = PlanSummary("s", "skipped", note="its state is still local")
    assert render(skipped).splitlines()[0] == "### `s`: skipped: its state is still local"


def test_a_destroyed_replica_is_named_as_a_replica_and_its_source_value_is_not_kept() -> None:
    plan = {"resource_changes": [
        _change("aws_db_instance.replica", ["delete"], {"replicate_source_db": "arn:aws:rds:us-east-1:1:db:" + SECRET}),
        _change("google_sql_database_instance.primary", ["delete"], {"master_instance_name": ""}),
    ]}
    summary = summarize("duckdb-analytics-aws-prod-standby", plan)
    assert [change.address for change in summary.replica_destroys] == ["aws_db_instance.replica"]
    assert [change.address for change in summary.stateful_destroys] == ["google_sql_database_instance.primary"]
    text = render(summary)
    assert "Destroys replicas (their sources keep the data; recovery takes longer until they are re-created)" in text
    assert SECRET not in text + json.dumps(summary.to_json())


def test_settings_of_every_stack_match_config_and_the_synthesized_backend(synthesized: Synthesized) -> None:
    for name, document in synthesized.documents.items():
        settings = stack_settings(name, {})
        config = synthesized.configs[settings["environment"]]
        assert (synthesized.outdir / "stacks" / name).is_dir() and settings["directory"] == f"cdktf.out/stacks/{name}"
        assert settings["state"] == ("local" if "local" in document["terraform"]["backend"] else "bucket")
        if settings["cloud"] == "aws":
            prefix = f"arn:aws:iam::{config.aws.account_id}:role/gha-duckdb-analytics-{settings['environment']}"
            assert (settings["aws_plan_role_arn"], settings["aws_pr_plan_role_arn"], settings["aws_deploy_role_arn"]) == (
                f"{prefix}-plan", f"{prefix}-pr-plan", f"{prefix}-deploy")
            assert document["provider"]["aws"][0]["allowed_account_ids"] == [settings["aws_account_id"]]
        else:
            assert settings["gcp_workload_identity_provider"] == (
                f"projects/{config.gcp.project_number}/locations/global/workloadIdentityPools/github-actions/providers/github")
            for kind in ("deploy", "plan", "pr-plan"):
                assert settings[f"gcp_{kind.replace('-', '_')}_service_account"] == (
                    f"gha-{kind}-{settings['environment']}@{config.gcp.project_id}.iam.gserviceaccount.com")


@pytest.mark.parametrize(("arguments", "message"), [
    (["settings", "duckdb-analytics-aws-qa"], "error: unknown stack 'duckdb-analytics-aws-qa' (main.py synthesizes "),
    (["plan-summary", "--stack", "s"], "error: plan-summary: give a plan file, or --status skipped/failed without one"),
    (["plan-summary", "missing.json", "--stack", "s"], "error: missing.json: not a `terraform show -json` plan"),
])
def test_cli_errors_are_one_line_with_exit_status_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, arguments: list[str], message: str
) -> None:
    monkeypatch.chdir(PROJECT_ROOT)
    assert delivery_main(arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1


def test_cli_lists_the_selected_stacks_and_writes_summaries(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert delivery_main(["stacks", "--environment", "staging", "--cloud", "gcp"]) == 0
    assert json.loads(capsys.readouterr().out) == ["duckdb-analytics-gcp-staging-bootstrap", "duckdb-analytics-gcp-staging"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN), encoding="utf-8")
    (tmp_path / "summaries").mkdir()
    assert delivery_main(["plan-summary", str(plan), "--stack", "s", "--json", str(tmp_path / "summaries" / "s.json")]) == 0
    assert capsys.readouterr().out.startswith("### `s`: 2 to add")


def _review_file(tmp_path: Path, changed: list[str]) -> Path:
    stacks = [{"name": name, "changed": name in changed, "environment": "prod", "presence": None, "risks": [],
               "counts": {"added": 0, "removed": 0, "changed": 1}} for name in [*changed, "duckdb-analytics-aws-dev"]]
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"version": 1, "stacks": stacks}), encoding="utf-8")
    return path


def test_plan_matrix_lists_the_changed_stacks_in_main_py_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    review = _review_file(tmp_path, ["duckdb-analytics-gcp-prod", "duckdb-analytics-aws-prod-standby",
                                     "duckdb-analytics-aws-prod"])
    assert delivery_main(["plan-matrix", str(review)]) == 0
    assert capsys.readouterr().out == (
        'stacks=["duckdb-analytics-aws-prod-standby", "duckdb-analytics-aws-prod", "duckdb-analytics-gcp-prod"]\n')
    assert delivery_main(["plan-matrix", str(_review_file(tmp_path, []))]) == 0
    assert capsys.readouterr().out == "stacks=[]\n"
    assert delivery_main(["plan-matrix", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'missing.json'}: not a review")


def test_the_comment_command_exits_3_when_incomplete_and_0_when_complete(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    review = _review_file(tmp_path, ["duckdb-analytics-aws-prod"])
    cost = tmp_path / "cost.json"
    cost.write_text(json.dumps({"stacks": [], "budgets": [], "prices": {}}), encoding="utf-8")
    arguments = ["comment", "--summaries", str(summaries), "--review", str(review), "--cost", str(cost),
                 "--needs", json.dumps({"test": {"result": "success"}, "plan": {"result": "success"}})]
    assert delivery_main(arguments) == 3  # the changed stack has no plan summary
    captured = capsys.readouterr()
    assert captured.out.startswith(MARKER) and "No plan of `duckdb-analytics-aws-prod`" in captured.out
    assert captured.err == ("incomplete: No plan of `duckdb-analytics-aws-prod`: Plan duckdb-analytics-aws-prod did not "
                            "report one.\n")
    (summaries / "prod.json").write_text(json.dumps(summarize("duckdb-analytics-aws-prod", PLAN).to_json()), encoding="utf-8")
    assert delivery_main(arguments) == 0
    (summaries / "broken.json").write_text("[", encoding="utf-8")
    assert delivery_main(arguments) == 3
    assert "broken.json: not a plan summary" in capsys.readouterr().out


@pytest.mark.slow  # a fresh process
def test_the_tools_import_neither_cdktf_nor_a_provider() -> None:
    """The comment and report jobs run them with a bare python3, without the locked environment."""
    probe = ("import sys; import delivery.__main__, delivery.settings, delivery.comment, delivery.plan_summary; "
             "print(sorted(name for name in sys.modules if 'cdktf' in name or 'jsii' in name or 'constructs' == name))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


# --- the shell scripts, with openssl and the real terraform (terraform_data needs no provider) ---------

BUNDLE = PROJECT_ROOT / "delivery" / "plan_bundle.sh"
APPLY = PROJECT_ROOT / "delivery" / "apply_saved_plan.sh"


def _terraform_environment(workdir: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "AWS_"))}
    (workdir / "terraformrc").write_text("", encoding="utf-8")
    environment.update(TF_CLI_CONFIG_FILE=str(workdir / "terraformrc"), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    return environment


def _open_days_later(run: Any, work: Path, days: int, **environment: str) -> subprocess.CompletedProcess[str]:
    """``open`` as an approval ``days`` after the plan would run it: ``date +%s`` answers that much later."""
    clock = work / f"clock-{days}"
    clock.mkdir()
    real_date = shutil.which("date")
    (clock / "date").write_text(f'#!/bin/sh\nif [ "$*" = "-u +%s" ]; then echo $(( $({real_date} -u +%s) + {days} * 86400 )); '
                                f'else exec {real_date} "$@"; fi\n', encoding="utf-8")
    (clock / "date").chmod(0o755)
    return run([str(BUNDLE), "open", str(work / "sealed"), str(work / f"late-{days}")], **environment,
               PATH=f"{clock}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("openssl") is None or shutil.which("terraform") is None:
        pytest.skip("openssl or terraform is not on PATH")
    work = tmp_path_factory.mktemp("scripts")
    environment = _terraform_environment(work)

    def run(command: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=work, env={**environment, **extra}, capture_output=True, text=True,
                              timeout=120, check=False)

    run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "private.pem"])
    run(["openssl", "pkey", "-in", "private.pem", "-pubout", "-out", "public.pem"])
    keys = {"PLAN_PUBLIC_KEY": (work / "public.pem").read_text(), "PLAN_PRIVATE_KEY": (work / "private.pem").read_text()}
    stack = work / "stack"
    stack.mkdir()
    (stack / "cdk.tf.json").write_text(json.dumps({
        "terraform": {"backend": {"local": {"path": str(stack / "terraform.tfstate")}}},
        "resource": {"terraform_data": {"marker": {"input": SECRET}}},
    }), encoding="utf-8")
    run(["terraform", f"-chdir={stack}", "init", "-input=false", "-no-color"])
    run(["terraform", f"-chdir={stack}", "plan", "-input=false", "-no-color", "-out=tfplan"])
    public, private = {"PLAN_PUBLIC_KEY": keys["PLAN_PUBLIC_KEY"]}, {"PLAN_PRIVATE_KEY": keys["PLAN_PRIVATE_KEY"]}
    results: dict[str, Any] = {
        "seal": run([str(BUNDLE), "seal", str(stack), str(work / "sealed")], **public, PLAN_ENVIRONMENT="staging"),
        "sealed_files": sorted(path.name for path in (work / "sealed").iterdir()),
        "sealed_has_plaintext": any(SECRET.encode() in path.read_bytes() for path in (work / "sealed").iterdir()),
        "seal_without_key": run([str(BUNDLE), "seal", str(stack), str(work / "other")], PLAN_ENVIRONMENT="staging"),
    }
    opened = work / "opened"
    results["open"] = run([str(BUNDLE), "open", str(work / "sealed"), str(opened)], **private, PLAN_ENVIRONMENT="staging")
    results["opened_files"] = sorted(path.name for path in opened.iterdir())
    results["same_plan"] = (opened / "tfplan").read_bytes() == (stack / "tfplan").read_bytes()
    results["open_elsewhere"] = run([str(BUNDLE), "open", str(work / "sealed"), str(work / "y")], **private,
                                    PLAN_ENVIRONMENT="prod")
    results["open_late"] = _open_days_later(run, work, 31, **private, PLAN_ENVIRONMENT="staging")
    results["open_in_time"] = _open_days_later(run, work, 29, **private, PLAN_ENVIRONMENT="staging")
    tampered = work / "tampered"
    shutil.copytree(work / "sealed", tampered)
    (tampered / "plan.sha256").write_text("0" * 64 + "\n")
    results["open_tampered"] = run([str(BUNDLE), "open", str(tampered), str(work / "x")], **private,
                                   PLAN_ENVIRONMENT="staging")
    # The opened plan applies; a second plan made before that apply is then stale.
    shutil.copy(opened / "cdk.tf.json", work / "cdk.tf.json.orig")
    run(["terraform", f"-chdir={opened}", "init", "-input=false", "-no-color"])
    second = work / "second"
    shutil.copytree(opened, second, ignore=shutil.ignore_patterns(".terraform"))
    run(["terraform", f"-chdir={second}", "init", "-input=false", "-no-color"])
    results["apply_fresh"] = run([str(APPLY), str(opened)])
    results["apply_stale"] = run([str(APPLY), str(second)])
    return results


@pytest.mark.slow
def test_a_sealed_plan_is_encrypted_and_opens_to_the_same_plan(scripts: dict[str, Any]) -> None:
    assert scripts["seal"].returncode == 0, scripts["seal"].stderr
    assert scripts["sealed_files"] == ["plan.key.enc", "plan.sha256", "plan.tar.enc"]
    assert scripts["sealed_has_plaintext"] is False
    assert scripts["open"].returncode == 0, scripts["open"].stderr
    assert scripts["open"].stdout.strip() == scripts["seal"].stdout.strip()  # the digest both jobs print
    assert scripts["same_plan"] is True and scripts["opened_files"] == ["cdk.tf.json", "tfplan"]


@pytest.mark.slow
def test_a_bundle_opens_only_in_its_environment_and_within_the_approval_window(scripts: dict[str, Any]) -> None:
    elsewhere, late, in_time = scripts["open_elsewhere"], scripts["open_late"], scripts["open_in_time"]
    assert elsewhere.returncode == 1
    assert "sealed for environment 'staging', not 'prod': refusing to apply it" in elsewhere.stderr
    assert late.returncode == 3 and "error: expired: plan again" in late.stderr and "more than 30 days ago" in late.stderr
    assert in_time.returncode == 0, in_time.stderr


@pytest.mark.slow
def test_sealing_needs_the_key_and_a_bundle_that_does_not_match_is_refused(scripts: dict[str, Any]) -> None:
    assert scripts["seal_without_key"].returncode == 2
    assert "PLAN_PUBLIC_KEY is not set" in scripts["seal_without_key"].stderr
    assert scripts["open_tampered"].returncode == 1
    assert "does not match its checksum: refusing to apply it" in scripts["open_tampered"].stderr


@pytest.mark.slow
def test_a_stale_plan_fails_and_says_so(scripts: dict[str, Any]) -> None:
    assert scripts["apply_fresh"].returncode == 0, scripts["apply_fresh"].stdout + scripts["apply_fresh"].stderr
    stale = scripts["apply_stale"]
    assert stale.returncode != 0
    assert "Saved plan is stale" in stale.stdout
    assert ("::error title=Stale plan of second::The reviewed plan of second is stale: the stack's state changed "
            "after it was planned, so nothing was applied.") in stale.stdout


# --- verify-github: the settings the deploy trust rests on -------------------------------------------------

def _settings_api(repository: str = "acme/infra", **changes: Any) -> dict[str, Any]:
    """GitHub's answers for a repository whose settings are all in place; ``changes`` replaces answers by path."""
    base = f"/repos/{repository}"
    answers: dict[str, Any] = {
        f"{base}/environments/prod": {
            "name": "prod", "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
            "can_admins_bypass": False,
            "protection_rules": [{"type": "required_reviewers", "prevent_self_review": True,
                                  "reviewers": [{"type": "Team", "reviewer": {"slug": "platform-admins"}}]}]},
        f"{base}/environments/prod/deployment-branch-policies": {"total_count": 1, "branch_policies": [
            {"name": "main", "type": "branch"}]},
        f"{base}/rules/branches/main": [
            {"type": "pull_request", "parameters": {"required_approving_review_count": 1, "require_code_owner_review": True}},
            {"type": "required_status_checks", "parameters": {"required_status_checks": [{"context": "Test and review"}]}},
            {"type": "non_fast_forward"}, {"type": "deletion"}],
        f"{base}/actions/oidc/customization/sub": {"use_default": True},
    }
    return {**answers, **{f"{base}/{path}": answer for path, answer in changes.items()}}


def _problems(reviewers: bool = True, **changes: Any) -> list[str]:
    from delivery.github_checks import Expectation, problems

    answers = _settings_api(**changes)
    return problems(answers.get, Expectation("acme/infra", "prod", "main", reviewers=reviewers))


def test_settings_in_place_pass_verification() -> None:
    assert _problems() == []


@pytest.mark.parametrize(("changes", "expected"), [
    ({"environments/prod": None}, "environment prod does not exist"),
    ({"environments/prod": {"deployment_branch_policy": None, "protection_rules": []}},
     "environment prod deploys from any branch"),
    ({"environments/prod/deployment-branch-policies": {"branch_policies": [{"name": "*", "type": "branch"}]}},
     "environment prod deploys from branch:*: it must deploy from branch main only"),
    ({"environments/prod": {"deployment_branch_policy": {"custom_branch_policies": True}, "protection_rules": []}},
     "environment prod has no required reviewers"),
    ({"environments/prod": {"deployment_branch_policy": {"custom_branch_policies": True}, "protection_rules": [
        {"type": "required_reviewers", "prevent_self_review": False, "reviewers": [{"type": "User"}]}]}},
     "lets a reviewer approve their own run"),
    ({"rules/branches/main": []}, "branch main has no ruleset"),
    ({"rules/branches/main": [{"type": "pull_request", "parameters": {"required_approving_review_count": 0}}]},
     "branch main takes changes without an approving review"),
    ({"rules/branches/main": [{"type": "deletion"}]}, "does not require the check 'Test and review'"),
    ({"actions/oidc/customization/sub": {"use_default": False, "include_claim_keys": ["repo", "context"]}},
     "OIDC subject template is customized"),
    # What cannot be read proves nothing: a 404 (no such setting, or no right to read it) is a problem too.
    ({"actions/oidc/customization/sub": None}, "OIDC subject template cannot be read"),
    ({"environments/prod/deployment-branch-policies": None}, "environment prod deploys from no branch"),
    ({"rules/branches/main": None}, "branch main has no ruleset"),
    ({"environments/prod": {"deployment_branch_policy": {"custom_branch_policies": True}, "protection_rules": [
        {"type": "required_reviewers", "prevent_self_review": True, "reviewers": [{"type": "User"}]}]}},
     "lets administrators bypass its reviewers"),
    ({"environments/prod": {"deployment_branch_policy": {"custom_branch_policies": True, "protected_branches": True},
                            "can_admins_bypass": False, "protection_rules": []}}, "environment prod deploys from any branch"),
    ({"rules/branches/main": [
        {"type": "pull_request", "parameters": {"required_approving_review_count": 1, "require_code_owner_review": False}},
        {"type": "required_status_checks", "parameters": {"required_status_checks": [{"context": "Test and review"}]}},
        {"type": "non_fast_forward"}, {"type": "deletion"}]}, "does not require code owners' review"),
])
def test_each_missing_setting_is_named(changes: dict[str, Any], expected: str) -> None:
    found = _problems(**changes)
    assert any(expected in problem for problem in found), found


def test_an_environment_without_reviewers_is_fine_where_none_are_needed() -> None:
    unreviewed = {"environments/prod": {"deployment_branch_policy": {"custom_branch_policies": True}, "protection_rules": []}}
    assert _problems(reviewers=False, **unreviewed) == []


def test_an_unanswered_request_fails_the_verification_in_one_line() -> None:
    """No answer (a network error, a non-JSON body) proves nothing: the verification fails, naming the request."""
    from delivery.github_checks import api_fetch

    fetch = api_fetch("http://127.0.0.1:9", "token")  # nothing listens on the discard port
    with pytest.raises(ValueError, match=r"^GET /repos/acme/infra/environments/prod: .*nothing is deployed$"):
        fetch("/repos/acme/infra/environments/prod")


@contextlib.contextmanager
def _github_api(answers: dict[str, Any]) -> Iterator[str]:
    """GitHub's REST API on loopback: ``answers`` by path, 404 for a path it lacks (or whose answer is None)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook
            answer = answers.get(self.path)
            body = json.dumps(answer if answer is not None else {"message": "Not Found"}).encode()
            self.send_response(200 if answer is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("environment", "changes", "status", "printed"), [
    ("prod", {}, 0, "The GitHub settings of acme-analytics/duckdb-analytics-infra protect environment prod."),
    ("prod", {"environments/prod": {"deployment_branch_policy": {"custom_branch_policies": True},
                                    "can_admins_bypass": False, "protection_rules": []}},
     1, "::error title=GitHub settings::environment prod has no required reviewers"),
    ("staging", {}, 1, "::error title=GitHub settings::environment staging does not exist"),
])
def test_verify_github_reads_the_api_and_fails_the_deploy_on_a_missing_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, environment: str, changes: dict[str, Any],
    status: int, printed: str,
) -> None:
    """The command as the verify job runs it, against GitHub's API answering on loopback."""
    repository = "acme-analytics/duckdb-analytics-infra"
    monkeypatch.setenv("GITHUB_REPOSITORY", repository)
    monkeypatch.setenv("GH_TOKEN", "token")
    with _github_api(_settings_api(repository, **changes)) as url:
        monkeypatch.setenv("GITHUB_API_URL", url)
        assert delivery_main(["verify-github", "--environment", environment]) == status
    assert printed in capsys.readouterr().out.splitlines()[0]


def test_verify_github_refuses_another_repository_and_a_missing_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/fork")
    assert delivery_main(["verify-github", "--environment", "prod"]) == 2
    assert "this runs in someone/fork (GITHUB_REPOSITORY)" in capsys.readouterr().err
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme-analytics/duckdb-analytics-infra")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert delivery_main(["verify-github", "--environment", "prod"]) == 2
    assert "GH_TOKEN is not set" in capsys.readouterr().err


def test_terraform_log_shows_no_value() -> None:
    from delivery.terraform_log import value_free_lines

    messages = [
        {"type": "version", "terraform": "1.11.4"},
        {"type": "planned_change", "@message": f"x: {SECRET}", "change": {"resource": {"addr": "aws_db_instance.db"},
                                                                       "action": "replace", "reason": SECRET}},
        {"type": "apply_complete", "@message": f"aws_db_instance.db: Creation complete [id={SECRET}]",
         "hook": {"resource": {"addr": "aws_db_instance.db"}, "action": "create", "id_value": SECRET, "elapsed_seconds": 3}},
        {"type": "diagnostic", "@message": f"Error: {SECRET}", "diagnostic": {
            "severity": "error", "summary": "Saved plan is stale", "detail": SECRET, "address": "aws_db_instance.db",
            "range": {"filename": "cdk.tf.json", "start": {"line": 3}}, "snippet": {"code": SECRET}}},
        {"type": "change_summary", "changes": {"add": 1, "change": 0, "import": 0, "remove": 2, "operation": "apply"}},
        {"type": "outputs", "outputs": {"url": {"value": SECRET, "sensitive": False}}},
    ]
    lines = list(value_free_lines([*(json.dumps(message) for message in messages), f"panic: {SECRET}", ""]))
    assert lines == ["aws_db_instance.db: plan to replace", "aws_db_instance.db: create done after 3 s",
                     "error: Saved plan is stale [aws_db_instance.db] (cdk.tf.json:3)",
                     "apply: 1 to add, 0 to change, 0 to import, 2 to remove", "outputs: 1 (values not shown)",
                     "(1 lines of other output kept in the log file, not shown: they may hold values)"]


# --- oidc_token.sh: the apply job's fresh AWS token per stack ---------------------------------------------------

def _oidc_token(tmp_path: Path, answer: str, **environment: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """oidc_token.sh with a curl that answers ``answer`` (GitHub's token endpoint), as the apply job runs it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(f"#!/bin/sh\necho \"$*\" > {tmp_path / 'asked'}\necho '{answer}'\n", encoding="utf-8")
    (bin_dir / "curl").chmod(0o755)
    result = subprocess.run([str(PROJECT_ROOT / "delivery" / "oidc_token.sh"), "sts.amazonaws.com", str(tmp_path / "token")],
                            capture_output=True, text=True, timeout=30,
                            env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **environment})
    return result, tmp_path / "token"


@pytest.mark.slow  # bash, jq
def test_the_aws_token_is_written_for_the_sdk_and_never_printed(tmp_path: Path) -> None:
    request = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://example.invalid/token?api-version=2.0",
               "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token"}
    (tmp_path / "ok").mkdir()
    result, token = _oidc_token(tmp_path / "ok", '{"value": "header.claims.signature"}', **request)
    assert result.returncode == 0 and result.stdout == result.stderr == ""
    assert token.read_text() == "header.claims.signature\n" and token.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "ok" / "asked").read_text().strip().endswith(
        "https://example.invalid/token?api-version=2.0&audience=sts.amazonaws.com")
    (tmp_path / "empty").mkdir()
    empty, token = _oidc_token(tmp_path / "empty", "{}", **request)
    assert empty.returncode == 1 and "without an OIDC token" in empty.stderr and not token.exists()
    (tmp_path / "none").mkdir()
    none, _ = _oidc_token(tmp_path / "none", "{}")
    assert none.returncode == 2 and "needs permissions id-token: write" in none.stderr
