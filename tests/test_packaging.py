"""constructs_lib is a package another repository can install and use without our config or stacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_wheel_installs_and_the_example_app_synthesizes_without_config_or_stacks(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for item in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / item, source / item)
    shutil.copytree(PROJECT_ROOT / "constructs_lib", source / "constructs_lib", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("duckdb_platform_constructs-*.whl")
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, capture_output=True, timeout=300)
    assert (site / "constructs_lib" / "lazy_provider_exports.js").is_file()

    consumer = tmp_path / "consumer"
    consumer.mkdir()
    example = shutil.copy(PROJECT_ROOT / "examples" / "standalone_app.py", consumer / "app.py")
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(example), str(consumer / "out")],
        cwd=consumer, env=subprocess_environment(PYTHONPATH=str(site)), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.splitlines()[-1])
    assert probe == {"constructs_lib": str(site / "constructs_lib" / "__init__.py"), "config": False, "stacks": False}

    aws = json.loads((consumer / "out" / "stacks" / "acme-lake-aws" / "cdk.tf.json").read_text(encoding="utf-8"))
    (bucket,) = aws["resource"]["aws_s3_bucket"].values()
    assert bucket["bucket_prefix"] == "acme-lake-sandbox-lake-"
    gcp = json.loads((consumer / "out" / "stacks" / "acme-lake-gcp" / "cdk.tf.json").read_text(encoding="utf-8"))
    (gcs,) = gcp["resource"]["google_storage_bucket"].values()
    assert gcs["public_access_prevention"] == "enforced"
