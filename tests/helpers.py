"""Helpers for reading synthesized Terraform JSON in tests, and for running main.py as `make synth` does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from config import CLOUDS, ENVIRONMENTS, load_configuration
from constructs_lib.analysis.review.changes import METADATA_KEY, WAIVERS_KEY
from stacks import stack_name, stack_refs, standby_environments

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_CONFIGURATION = load_configuration(environ={})
#: Environments whose committed config has [dr]: each has an AWS standby stack.
STANDBY_ENVIRONMENTS = standby_environments(_CONFIGURATION.environments)


def stack_id(cloud: str, environment: str, kind: str = "platform") -> str:
    return stack_name(_CONFIGURATION.project.name, cloud, environment, kind)


def all_stack_ids() -> list[str]:
    """Every stack `python main.py` writes, in its order (stacks.stack_refs)."""
    refs = stack_refs(_CONFIGURATION.project.name, CLOUDS, ENVIRONMENTS, standby_environments=STANDBY_ENVIRONMENTS)
    return [ref.name for ref in refs]


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


def run(command: Sequence[str], *, cwd: Path = PROJECT_ROOT, timeout: float = 600,
        **environment: str) -> subprocess.CompletedProcess[str]:
    """Runs a program with :func:`subprocess_environment` (plus ``environment``), capturing its text output."""
    return subprocess.run(command, cwd=cwd, env=subprocess_environment(**environment), capture_output=True,
                          text=True, timeout=timeout, check=False)


def run_main(arguments: Sequence[str], *, cwd: Path, main: Path = PROJECT_ROOT / "main.py",
             **environment: str) -> subprocess.CompletedProcess[str]:
    """Runs main.py in a fresh interpreter, the way `make synth` and `cdktf synth` do."""
    return run([sys.executable, str(main), *arguments], cwd=cwd, **environment)


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
