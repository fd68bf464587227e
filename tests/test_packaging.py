"""constructs_lib is a package another repository can install and use without our config or stacks."""

from __future__ import annotations

import json
import shutil
import sys

from .background import BackgroundJobs, JobContext, background_job, run_process
from .helpers import PROJECT_ROOT, subprocess_environment

_PROBE = """
import importlib.util, json, runpy, sys
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
import constructs_lib
print(json.dumps({
    "constructs_lib": constructs_lib.__file__,
    "config": importlib.util.find_spec("config") is not None,
    "stacks": importlib.util.find_spec("stacks") is not None,
}))
"""


@background_job("wheel install and example synthesis", cost=6)
def _install_and_run_example(context: JobContext) -> dict[str, object]:
    work = context.workdir
    source = work / "source"
    source.mkdir()
    for item in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / item, source / item)
    shutil.copytree(PROJECT_ROOT / "constructs_lib", source / "constructs_lib", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    built = run_process([*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(source)])
    assert built.returncode == 0, built.stderr
    wheels = sorted((work / "dist").glob("*.whl"))
    installed = run_process([*pip, "install", "--no-deps", "--target", str(work / "site"), *map(str, wheels)])
    assert installed.returncode == 0, installed.stderr
    consumer = work / "consumer"
    consumer.mkdir()
    example = shutil.copy(PROJECT_ROOT / "examples" / "standalone_app.py", consumer / "app.py")
    result = run_process(
        [sys.executable, "-c", _PROBE, str(example), str(consumer / "out")],
        cwd=consumer, env=subprocess_environment(PYTHONPATH=str(work / "site")),
    )
    return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr,
            "wheels": [wheel.name for wheel in wheels], "site": work / "site",
            "out": consumer / "out"}


def test_wheel_installs_and_the_example_app_synthesizes_without_config_or_stacks(background: BackgroundJobs) -> None:
    run = background.result(_install_and_run_example)
    assert len(run["wheels"]) == 1 and run["wheels"][0].startswith("duckdb_platform_constructs-")
    site, out = run["site"], run["out"]
    assert (site / "constructs_lib" / "lazy_provider_exports.js").is_file()
    assert run["returncode"] == 0, run["stderr"]
    probe = json.loads(run["stdout"].splitlines()[-1])
    assert probe == {"constructs_lib": str(site / "constructs_lib" / "__init__.py"), "config": False, "stacks": False}

    aws = json.loads((out / "stacks" / "acme-lake-aws" / "cdk.tf.json").read_text(encoding="utf-8"))
    (bucket,) = aws["resource"]["aws_s3_bucket"].values()
    assert bucket["bucket_prefix"] == "acme-lake-sandbox-lake-"
    gcp = json.loads((out / "stacks" / "acme-lake-gcp" / "cdk.tf.json").read_text(encoding="utf-8"))
    (gcs,) = gcp["resource"]["google_storage_bucket"].values()
    assert gcs["public_access_prevention"] == "enforced"
