"""constructs_lib.app and constructs_lib.synth: a consumer's app is published whole and checked, or not at all.

Small apps of their own (a few resources each): what the output directory holds after a failure, the error a
caller gets (Python, one line per problem, no JavaScript stack trace, no hint to switch the checks off), what a
success keeps of Terraform's working files, and the staging directories of killed runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsii
import pytest

import constructs_lib
from constructs_lib.output import SynthesisError, prepare_staging, staging_directory
from constructs_lib.policy import apply_guardrails

from .policy_apps import aws_stack
from .test_guardrails import s3_bucket

from cdktf import Annotations, App  # isort: skip
from constructs import IValidation  # isort: skip


def _previous_output(outdir: Path) -> dict[str, str]:
    """An output directory as an earlier run left it, with Terraform's working files in a stack's directory."""
    (outdir / "stacks" / "earlier" / ".terraform").mkdir(parents=True)
    files = {"manifest.json": '{"stacks": {}}', "stacks/earlier/cdk.tf.json": "{}",
             "stacks/earlier/.terraform/marker": "provider cache", "stacks/earlier/.terraform.lock.hcl": "lock"}
    for name, text in files.items():
        (outdir / name).write_text(text, encoding="utf-8")
    return files


def _contents(outdir: Path) -> dict[str, str]:
    return {str(path.relative_to(outdir)): path.read_text(encoding="utf-8")
            for path in sorted(outdir.rglob("*")) if path.is_file()}


def _leftover_staging(outdir: Path) -> list[str]:
    return sorted(entry.name for entry in outdir.parent.glob(f".{outdir.name}.staging-*"))


def test_a_guardrail_failure_is_a_python_error_listing_the_violations_and_nothing_is_published(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    before = _previous_output(outdir)
    app = constructs_lib.app(outdir)
    for name in ("first", "second"):  # the first stack would be written before the second one's check fails
        stack = aws_stack(app, name)
        s3_bucket(stack, versioned=None)
        apply_guardrails(stack, production=False)
    with pytest.raises(SynthesisError) as raised:
        constructs_lib.synth(app)
    error = raised.value
    assert [problem.split(": ")[:2] for problem in error.problems] == [
        ["first/bucket", "bucket-versioning"], ["second/bucket", "bucket-versioning"]]
    text = str(error)
    assert text.startswith(f"2 problem(s), nothing was published; {outdir} was left as it was:\n  first/bucket: ")
    assert "skipValidation" not in text and "    at " not in text and "jsii" not in text
    assert error.__cause__ is None and error.__context__ is None  # no JavaScript error, no stack trace attached
    assert _contents(outdir) == before
    assert _leftover_staging(outdir) == []


class _Refuses:
    def __init__(self, *messages: str) -> None:
        self.messages = list(messages)

    def validate(self) -> list[str]:
        return self.messages


jsii.implements(IValidation)(_Refuses)


def test_validations_and_error_annotations_are_listed_without_cdktf_s_hints(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    app = constructs_lib.app(outdir)
    stack = aws_stack(app, "checked")
    stack.node.add_validation(_Refuses("the first thing is wrong", "the second thing is wrong"))
    with pytest.raises(SynthesisError) as validation:
        constructs_lib.synth(app)
    assert validation.value.problems == ("[checked] the first thing is wrong", "[checked] the second thing is wrong")
    assert "skipValidation" not in str(validation.value)
    assert validation.value.__suppress_context__  # raised from None: the JavaScript stack trace is not shown

    app = constructs_lib.app(outdir)
    Annotations.of(aws_stack(app, "annotated")).add_error("a construct is misconfigured")
    with pytest.raises(SynthesisError) as annotation:
        constructs_lib.synth(app)
    assert annotation.value.problems == ("[annotated] a construct is misconfigured",)
    assert "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS" not in str(annotation.value)
    assert not outdir.exists() and _leftover_staging(outdir) == []


def test_a_complete_output_is_published_keeping_terraform_s_working_files(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    _previous_output(outdir)
    (outdir / "stacks" / "acme-lake-aws").mkdir()
    (outdir / "stacks" / "acme-lake-aws" / ".terraform.lock.hcl").write_text("kept", encoding="utf-8")
    from examples.standalone_app import build  # guardrails on both of its stacks

    assert constructs_lib.synth(build(str(outdir))) == outdir.absolute()
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["stacks"]) == ["acme-lake-aws", "acme-lake-gcp"]
    assert sorted(path.name for path in (outdir / "stacks").iterdir()) == ["acme-lake-aws", "acme-lake-gcp"]
    assert (outdir / "stacks" / "acme-lake-aws" / ".terraform.lock.hcl").read_text(encoding="utf-8") == "kept"
    assert json.loads((outdir / "stacks" / "acme-lake-aws" / "cdk.tf.json").read_text(encoding="utf-8"))["resource"]
    assert _leftover_staging(outdir) == []


def test_staging_directories_of_killed_runs_are_removed_by_the_next_run(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True)
    dead, alive = int(finished.stdout), os.getppid()
    for pid in (dead, alive):
        (tmp_path / f".cdktf.out.staging-{pid}" / "stacks").mkdir(parents=True)
    (tmp_path / ".other.staging-1").mkdir()  # another output directory's: not ours to judge
    staging = prepare_staging(outdir)
    assert staging == staging_directory(outdir.absolute()) and not staging.exists()
    assert sorted(entry.name for entry in tmp_path.iterdir()) == [".cdktf.out.staging-" + str(alive), ".other.staging-1"]


def test_an_app_that_does_not_stage_its_output_is_refused() -> None:
    with pytest.raises(TypeError, match=r"make the app with constructs_lib.app\(outdir\)"):
        constructs_lib.synth(App())


def test_main_py_synthesizes_with_the_same_function() -> None:
    import stacks.synthesis
    from constructs_lib import synthesis

    assert stacks.synthesis.synth is synthesis.synth and stacks.synthesis.staged_app is synthesis.app
