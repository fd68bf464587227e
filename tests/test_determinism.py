"""Determinism: another checkout, another working directory, a fresh interpreter: the same bytes.

The byte comparison itself is in tests/test_provider_bindings.py: the ordinary-import synthesis runs from a
copy of the checkout in another working directory, and its output must equal main.py's, the session's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import Synthesized
from .helpers import all_stack_ids, stack_id


def test_main_prints_each_stack_with_its_resource_count_and_path(synthesized: Synthesized) -> None:
    summary = synthesized.stdout.splitlines()
    assert summary[0] == f"Synthesized {len(synthesized.documents)} stack(s) into cdktf.out:"
    names = all_stack_ids()
    assert [line.split()[0] for line in summary[1:]] == names
    for line, name in zip(summary[1:], names):
        count = sum(len(group) for group in synthesized.documents[name]["resource"].values())
        assert line.split()[1:] == [str(count), "resources", f"cdktf.out/stacks/{name}/cdk.tf.json"]


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


def test_the_parallel_synthesis_writes_the_manifest_as_cdktf_does(synthesized: Synthesized) -> None:
    """main.py on two cores merges the manifests of a process per cloud (stacks/parallel.py); the writer must
    give cdktf's bytes, which the comparison with the ordinary-import synthesis (one process) relies on."""
    from stacks.parallel import compact_empty_containers, manifest_json

    text = (synthesized.outdir / "manifest.json").read_text(encoding="utf-8")
    # cdktf writes an empty list on two lines, CDK Terrain as []: the merge keeps the children's layout.
    assert manifest_json(json.loads(text), compact_empty=compact_empty_containers(text)) == text
    value = {"b": [], "a": {"c": [1, "x"]}, "d": {}}
    assert manifest_json(value) == (
        '{\n  "a": {\n    "c": [\n      1,\n      "x"\n    ]\n  },\n  "b": [\n  ],\n  "d": {\n  }\n}')
    assert manifest_json(value, compact_empty=True) == (
        '{\n  "a": {\n    "c": [\n      1,\n      "x"\n    ]\n  },\n  "b": [],\n  "d": {}\n}')
    assert not compact_empty_containers(manifest_json(value)) and compact_empty_containers(
        manifest_json(value, compact_empty=True))


def test_merging_refuses_a_stack_twice_and_unknown_files(tmp_path: Path) -> None:
    from stacks.parallel import merge_outputs

    def part(name: str, stack: str, extra: str | None = None) -> Path:
        directory = tmp_path / name
        (directory / "stacks" / stack).mkdir(parents=True)
        (directory / "stacks" / stack / "cdk.tf.json").write_text("{}", encoding="utf-8")
        (directory / "manifest.json").write_text(json.dumps({"stacks": {stack: {"name": stack}}, "version": "0.21.0"}),
                                                 encoding="utf-8")
        if extra:
            (directory / extra).write_text("?", encoding="utf-8")
        return directory

    merge_outputs([part("one", "a"), part("two", "b")], tmp_path / "merged")
    assert json.loads((tmp_path / "merged" / "manifest.json").read_text(encoding="utf-8")) == {
        "stacks": {"a": {"name": "a"}, "b": {"name": "b"}}, "version": "0.21.0"}
    assert sorted(path.name for path in (tmp_path / "merged" / "stacks").iterdir()) == ["a", "b"]
    with pytest.raises(RuntimeError, match="stack 'c' was synthesized twice"):
        merge_outputs([part("three", "c"), part("four", "c")], tmp_path / "merged-twice")
    with pytest.raises(RuntimeError, match="unexpected in a synthesized output"):
        merge_outputs([part("five", "e", extra="notes.txt")], tmp_path / "merged-extra")


def test_a_process_per_cloud_only_for_several_clouds_on_several_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from stacks import parallel

    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    assert parallel.runs_in_parallel(("aws", "gcp")) and not parallel.runs_in_parallel(("aws",))
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert not parallel.runs_in_parallel(("aws", "gcp"))
