"""Running the Terraform CLI on synthesized AWS stacks with no network, through a local provider mirror.

The mirror is found at run time: ``TERRAFORM_PROVIDER_MIRROR`` (a directory holding
``registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/``) or, failing that, a search of the
places Terraform and system images usually keep plugin mirrors. Nothing machine-specific is committed.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .background import run_process

MIRROR_VARIABLE = "TERRAFORM_PROVIDER_MIRROR"
_AWS = Path("registry.terraform.io", "hashicorp", "aws")


def _platform_dir() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def _candidate_roots() -> list[Path]:
    home = Path.home()
    data_dirs = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
    roots = [home / ".terraform.d" / "plugins", home / ".local" / "share" / "terraform" / "plugins"]
    roots += [Path(directory) / "terraform" / "plugins" for directory in data_dirs if directory]
    # Images often put a mirror one level below /opt or /usr/local (e.g. /opt/<name>/registry.terraform.io/...).
    for pattern in ("/opt/*", "/usr/local/*", "/srv/*"):
        roots += [Path(path) for path in sorted(glob.glob(pattern))]
    return roots


@dataclass(frozen=True)
class AwsMirror:
    root: Path
    version: str


def find_aws_mirror() -> AwsMirror | None:
    """The newest hashicorp/aws provider for this platform in a mirror, or None."""
    configured = os.environ.get(MIRROR_VARIABLE)
    roots = [Path(configured)] if configured else _candidate_roots()
    for root in roots:
        versions = sorted(
            (path.parent.parent.name for path in (root / _AWS).glob(f"*/{_platform_dir()}/terraform-provider-aws*")),
            key=lambda version: tuple(int(part) if part.isdigit() else 0 for part in version.split(".")),
        )
        if versions:
            return AwsMirror(root=root, version=versions[-1])
    return None


def write_cli_config(mirror: AwsMirror, directory: Path) -> Path:
    """A Terraform CLI config installing hashicorp/aws only from the mirror and nothing from the network."""
    path = directory / "terraformrc"
    path.write_text(
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path    = {json.dumps(str(mirror.root))}\n"
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n',
        encoding="utf-8",
    )
    return path


def offline_copy(stack_file: Path, mirror: AwsMirror, directory: Path) -> Path:
    """Copies a synthesized stack into ``directory``, changed only as far as running offline requires.

    - the aws provider version constraint becomes the mirror's version (the bindings pin 6.x);
    - state goes to a local file in ``directory`` instead of the configured backend;
    - the provider gets fake credentials and skips every AWS API call it makes on start-up, and the
      ``allowed_account_ids`` guard is dropped because checking it needs the STS API.
    """
    document: dict[str, Any] = json.loads(stack_file.read_text(encoding="utf-8"))
    document["terraform"]["required_providers"]["aws"]["version"] = mirror.version
    document["terraform"]["backend"] = {"local": {"path": str(directory / "terraform.tfstate")}}
    for provider in document["provider"]["aws"]:
        provider.pop("allowed_account_ids", None)
        provider.update(
            access_key="AKIAIOSFODNN7EXAMPLE",
            secret_key="offline-test-not-a-secret",
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cdk.tf.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return directory


def terraform(directory: Path, cli_config: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "AWS_"))}
    environment.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    return run_process([shutil.which("terraform") or "terraform", f"-chdir={directory}", *arguments], env=environment)
