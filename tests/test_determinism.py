"""Determinism: another checkout, another working directory, a fresh interpreter: the same bytes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .background import BackgroundJobs, JobContext, background_job, run_process
from .conftest import Synthesized
from .helpers import PROJECT_ROOT, all_stack_ids, stack_id, subprocess_environment, tree_bytes


@background_job("synthesis from another checkout", cost=7)
def _synthesis_elsewhere(context: JobContext) -> tuple[subprocess.CompletedProcess[str], Path]:
    checkout = context.workdir / "another" / "checkout"
    for item in ("main.py", "config", "stacks", "constructs_lib"):
        source = PROJECT_ROOT / item
        if source.is_dir():
            shutil.copytree(source, checkout / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            checkout.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, checkout / item)
    working_directory = context.workdir / "elsewhere"
    working_directory.mkdir()
    result = run_process(
        [sys.executable, str(checkout / "main.py"), "--outdir", "out"], cwd=working_directory, env=subprocess_environment()
    )
    return result, working_directory / "out"


def test_main_from_another_checkout_and_directory_writes_identical_bytes(
    synthesized: Synthesized, background: BackgroundJobs
) -> None:
    result, outdir = background.result(_synthesis_elsewhere)

    assert result.returncode == 0, result.stderr
    assert tree_bytes(outdir) == tree_bytes(synthesized.outdir)
    summary = result.stdout.splitlines()
    assert summary[0] == f"Synthesized {len(synthesized.documents)} stack(s) into out:"
    names = all_stack_ids()
    assert [line.split()[0] for line in summary[1:]] == names
    for line, name in zip(summary[1:], names):
        count = sum(len(group) for group in synthesized.documents[name]["resource"].values())
        assert line.split()[1:] == [str(count), "resources", f"out/stacks/{name}/cdk.tf.json"]


@pytest.mark.slow  # synthesizes again
def test_synthesizing_again_keeps_terraform_working_files(synthesized: Synthesized, tmp_path: Path) -> None:
    """A new synth replaces cdk.tf.json but keeps .terraform/ and the lock file that `terraform init` wrote."""
    from config import load_configuration
    from stacks.synthesis import synthesize

    outdir = tmp_path / "cdktf.out"
    shutil.copytree(synthesized.outdir, outdir)
    stack_dir = outdir / "stacks" / stack_id("aws", "dev")
    (stack_dir / ".terraform").mkdir()
    (stack_dir / ".terraform" / "marker").write_text("kept", encoding="utf-8")
    (stack_dir / ".terraform.lock.hcl").write_text("# lock", encoding="utf-8")
    (stack_dir / "cdk.tf.json").write_text("{}", encoding="utf-8")

    synthesize(load_configuration(("dev",), environ={}), ("aws",), outdir)

    assert (stack_dir / ".terraform" / "marker").read_text(encoding="utf-8") == "kept"
    assert (stack_dir / ".terraform.lock.hcl").exists()
    assert (stack_dir / "cdk.tf.json").read_bytes() == (synthesized.outdir / "stacks" / stack_id("aws", "dev") / "cdk.tf.json").read_bytes()
    assert sorted(path.name for path in (outdir / "stacks").iterdir()) == [stack_id("aws", "dev"),
                                                                            stack_id("aws", "dev", "bootstrap")]
    assert not list(tmp_path.glob(".cdktf.out.staging-*"))
