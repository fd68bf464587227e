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
class NewerArgument:
    """An argument our output uses that an older provider does not know (dropped from offline copies only)."""

    resource_type: str
    path: tuple[str, ...]
    introduced_in: str
    source: str

    def applies_to(self, mirror_version: str) -> bool:
        return _version(mirror_version) < _version(self.introduced_in)

    def drop(self, body: dict[str, Any]) -> bool:
        """Removes the argument from one resource body (through lists of blocks); True when it was there."""
        return _drop(body, self.path)


#: The arguments the offline copies may drop, and nothing else: every other argument is validated and
#: planned by the mirror's provider. tests/test_terraform.py fails when an entry is no longer used.
#: (``deployment_configuration``'s ``canary_configuration``/``linear_configuration`` blocks, in 6.21.0,
#: go with it.)
NEWER_THAN_MIRROR: tuple[NewerArgument, ...] = (
    NewerArgument("aws_ecs_service", ("deployment_configuration",), "6.4.0",
                  "terraform-provider-aws CHANGELOG 6.4.0: Add `deployment_configuration` argument (#43434)"),
    NewerArgument("aws_ecs_service", ("load_balancer", "advanced_configuration"), "6.4.0",
                  "terraform-provider-aws CHANGELOG 6.4.0: Add `load_balancer.advanced_configuration` argument (#43434)"),
)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))


def _drop(node: Any, path: tuple[str, ...]) -> bool:
    if isinstance(node, list):
        return any([_drop(item, path) for item in node])
    if not isinstance(node, dict) or path[0] not in node:
        return False
    if len(path) == 1:
        del node[path[0]]
        return True
    return _drop(node[path[0]], path[1:])


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
      ``allowed_account_ids`` guard is dropped because checking it needs the STS API;
    - the arguments of :data:`NEWER_THAN_MIRROR` the mirror's provider predates are dropped.
    """
    document: dict[str, Any] = json.loads(stack_file.read_text(encoding="utf-8"))
    for argument in NEWER_THAN_MIRROR:
        if argument.applies_to(mirror.version):
            for body in document.get("resource", {}).get(argument.resource_type, {}).values():
                argument.drop(body)
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


#: Go's garbage collector target for Terraform and the provider processes it starts (they inherit the
#: environment). The default (100: collect when the heap has doubled) spends about a fifth of a plan's CPU
#: collecting; 400 lets the heap grow fivefold first: the combined plan of every AWS stack takes about 33 s of
#: CPU instead of 42 s, for about 0.8 GB more memory at its peak. Only how often memory is reclaimed changes:
#: Terraform reads, validates and plans the same configuration.
GO_GC_PERCENT = "400"


def terraform(directory: Path, cli_config: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "AWS_"))}
    environment.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                       GOGC=GO_GC_PERCENT)
    return run_process([shutil.which("terraform") or "terraform", f"-chdir={directory}", *arguments], env=environment)
