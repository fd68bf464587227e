"""Helpers for reading synthesized Terraform JSON in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from constructs_lib.review.changes import METADATA_KEY, WAIVERS_KEY

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT = "duckdb-analytics"
ENVIRONMENTS = ("dev", "staging", "prod")
CLOUDS = ("aws", "gcp")


#: The stacks of an environment and cloud, in main.py's order (stacks.KINDS); a standby only where it exists.
KINDS = ("bootstrap", "standby", "platform")


def stack_id(cloud: str, environment: str, kind: str = "platform") -> str:
    return f"{PROJECT}-{cloud}-{environment}" + ("" if kind == "platform" else f"-{kind}")


def _standby_environments() -> tuple[str, ...]:
    from config import load_configuration

    return tuple(config.environment for config in load_configuration(environ={}).environments if config.dr is not None)


#: Environments whose committed config has [dr]: each has an AWS standby stack.
STANDBY_ENVIRONMENTS = _standby_environments()


def all_stack_ids() -> list[str]:
    """Every stack `python main.py` writes, in its order (by cloud, environment, bootstrap first, then an
    environment's AWS standby where it has ``[dr]``, then its platform)."""
    return [stack_id(cloud, environment, kind) for cloud in CLOUDS for environment in ENVIRONMENTS for kind in KINDS
            if kind != "standby" or (cloud == "aws" and environment in STANDBY_ENVIRONMENTS)]


def resources(document: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """All resources of one type in a stack, by logical id (empty when there are none)."""
    return dict(document.get("resource", {}).get(resource_type, {}))


def data_sources(document: Mapping[str, Any], data_type: str) -> dict[str, dict[str, Any]]:
    return dict(document.get("data", {}).get(data_type, {}))


def only(document: Mapping[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    """The single resource of a type: fails when there is none or more than one."""
    found = resources(document, resource_type)
    assert len(found) == 1, f"expected exactly one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def all_by_prefix(document: Mapping[str, Any], resource_type: str, prefix: str) -> dict[str, dict[str, Any]]:
    """Resources of a type whose logical id starts with ``prefix`` (the construct path)."""
    return {name: body for name, body in resources(document, resource_type).items() if name.startswith(prefix)}


def by_prefix(document: Mapping[str, Any], resource_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """The one resource of a type whose logical id starts with ``prefix``: fails when there is none or more."""
    found = all_by_prefix(document, resource_type, prefix)
    assert len(found) == 1, f"expected one {resource_type} under {prefix}, found {sorted(found)}"
    return next(iter(found.items()))


def reference(resource_type: str, logical_id: str, attribute: str) -> str:
    """The interpolation Terraform JSON uses to refer to another resource's attribute."""
    return f"${{{resource_type}.{logical_id}.{attribute}}}"


def subprocess_environment(**overrides: str) -> dict[str, str]:
    """The environment for child processes: this one without variables that change what is synthesized."""
    removed = {
        "PLATFORM_CLOUDS", "PLATFORM_ENVIRONMENTS", "CDKTF_OUTDIR", "TERRAFORM_STATE_BUCKET",
        "TERRAFORM_STATE_REGION", "GCP_STATE_BUCKET", "GOOGLE_CLOUD_PROJECT", "AWS_ACCOUNT_ID",
        "CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT", "IMAGE_TAG", "PLATFORM_STACKS",
    }
    environment = {key: value for key, value in os.environ.items() if key not in removed}
    environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    environment.update(overrides)
    return environment


def run_main(
    arguments: Sequence[str], *, cwd: Path, main: Path = PROJECT_ROOT / "main.py", **environment: str
) -> subprocess.CompletedProcess[str]:
    """Runs main.py in a fresh interpreter, the way `make synth` and `cdktf synth` do."""
    return subprocess.run(
        [sys.executable, str(main), *arguments],
        cwd=cwd,
        env=subprocess_environment(**environment),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def without_metadata(value: Any) -> Any:
    """A stack as its snapshot stores it: without cdktf's ``//`` metadata blocks (construct paths), which
    only add noise to a review, but with a block's ``//.waivers`` entry: a waived guardrail and its reason
    are reviewed like code. compat/check.py normalizes the cdktn output with it too."""
    if isinstance(value, dict):
        kept = {key: without_metadata(item) for key, item in value.items() if key != METADATA_KEY}
        metadata = value.get(METADATA_KEY)
        if isinstance(metadata, dict) and WAIVERS_KEY in metadata:
            kept[METADATA_KEY] = {WAIVERS_KEY: metadata[WAIVERS_KEY]}
        return kept
    if isinstance(value, list):
        return [without_metadata(item) for item in value]
    return value


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` by relative path, for byte-for-byte comparisons."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
