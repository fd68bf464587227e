"""Terraform's own checks of a synthesized AWS stack with no network: ``init``, ``validate`` and a ``plan``.

    python -m constructs_lib.offline [OUTDIR] [--stack NAME ...] [--mirror DIR]

For every AWS stack of a synthesized output (``cdktf.out`` by default, from :func:`constructs_lib.synth` or
``cdktf synth``), in a temporary copy (:func:`offline_copy`): ``terraform init`` installs ``hashicorp/aws`` from a
local provider mirror only, ``terraform validate`` checks the configuration against the provider's schema, and
``terraform plan -refresh=false`` plans it against an empty state with fake credentials, so every argument is
checked by the provider itself without an AWS account. Exit status 0 when every stack validates and plans with no
error, 1 otherwise, 2 when there is no terraform or no mirror (it says which). The suite of this repository runs
the same (``tests/terraform_offline.py``).

The mirror is a directory holding ``registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/``, found at run time:
``--mirror``, then ``TERRAFORM_PROVIDER_MIRROR``, then the places Terraform and system images usually keep one.
The bindings pin ``hashicorp/aws`` 6.x; a mirror of an older provider gets the copy's version constraint rewritten,
and the arguments of :data:`NEWER_THAN_MIRROR` (and only those) dropped where the mirror predates them.

Plain Python (no cdktf import).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIRROR_VARIABLE = "TERRAFORM_PROVIDER_MIRROR"
_AWS = Path("registry.terraform.io", "hashicorp", "aws")
#: Go's garbage collector target for Terraform and its provider: collecting when the heap has grown fivefold instead
#: of doubled saves about a fifth of a plan's CPU for about 0.8 GB more memory (only how often memory is reclaimed
#: changes: Terraform reads, validates and plans the same configuration).
GO_GC_PERCENT = "400"


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


#: The arguments the offline copies may drop, and nothing else: every other argument is validated and planned by
#: the mirror's provider. The suite fails when an entry is no longer used. (``deployment_configuration``'s
#: ``canary_configuration``/``linear_configuration`` blocks, in 6.21.0, go with it.)
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
    """A local provider mirror holding ``hashicorp/aws`` ``version`` for this platform."""

    root: Path
    version: str


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


def find_aws_mirror(root: Path | None = None, environ: Mapping[str, str] = os.environ) -> AwsMirror | None:
    """The newest ``hashicorp/aws`` for this platform in ``root``, else in ``TERRAFORM_PROVIDER_MIRROR``, else in the
    usual places; ``None`` when there is none."""
    configured = root or (Path(environ[MIRROR_VARIABLE]) if environ.get(MIRROR_VARIABLE) else None)
    for candidate in [configured] if configured else _candidate_roots():
        versions = sorted((path.parent.parent.name for path in
                           (candidate / _AWS).glob(f"*/{_platform_dir()}/terraform-provider-aws*")), key=_version)
        if versions:
            return AwsMirror(root=candidate, version=versions[-1])
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


def terraform_environment(cli_config: Path) -> dict[str, str]:
    """The environment Terraform runs offline in: this process's without any ``TF_``/``AWS_`` variable (no real
    credentials, no other CLI config), the mirror's CLI config, no checkpoint call."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "AWS_"))}
    environment.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                       GOGC=GO_GC_PERCENT)
    return environment


def diagnostics(stream: str) -> list[dict[str, Any]]:
    """The error and warning diagnostics of a ``terraform plan -json`` (or ``validate -json``) output, each once."""
    try:
        messages = [json.loads(stream)]  # validate: one object with every diagnostic
    except json.JSONDecodeError:
        messages = [json.loads(line) for line in stream.splitlines() if line.strip()]  # plan: one message a line
    found: dict[str, dict[str, Any]] = {}
    for message in messages:
        listed = [message["diagnostic"]] if message.get("type") == "diagnostic" else message.get("diagnostics", [])
        for diagnostic in listed:
            found.setdefault(json.dumps(diagnostic, sort_keys=True), diagnostic)
    return list(found.values())


def planned_actions(plan_stream: str) -> dict[str, list[str]]:
    """Managed resource address -> planned actions, from a ``terraform plan -json`` stream (data reads left out)."""
    actions: dict[str, list[str]] = {}
    for line in plan_stream.splitlines():
        message = json.loads(line)
        if message.get("type") == "planned_change":
            change = message["change"]
            if not change["resource"]["addr"].startswith("data."):
                actions[change["resource"]["addr"]] = [change["action"]]
    return actions


@dataclass(frozen=True)
class OfflineCheck:
    """What Terraform said of one stack: the step that failed (``init``, ``validate``, ``plan``) or ``None``, every
    diagnostic, and the planned actions by resource address."""

    stack: str
    failed_step: str | None
    diagnostics: tuple[dict[str, Any], ...] = ()
    changes: Mapping[str, list[str]] = field(default_factory=dict)
    output: str = ""

    @property
    def passed(self) -> bool:
        """No step failed and no diagnostic is an error."""
        return self.failed_step is None and not any(item.get("severity") == "error" for item in self.diagnostics)


def check_stack(stack_file: Path, mirror: AwsMirror, workdir: Path, name: str | None = None) -> OfflineCheck:
    """``init``, ``validate -json`` and ``plan -json -refresh=false`` of an offline copy of ``stack_file``."""
    name = name or stack_file.parent.name
    directory = offline_copy(stack_file, mirror, workdir / name)
    environment = terraform_environment(write_cli_config(mirror, workdir))

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([shutil.which("terraform") or "terraform", f"-chdir={directory}", *arguments],
                              capture_output=True, text=True, env=environment, check=False, timeout=1800)

    init = run("init", "-input=false", "-no-color")
    if init.returncode:
        return OfflineCheck(name, "init", output=(init.stderr or init.stdout).strip())
    validate = run("validate", "-json", "-no-color")
    found = diagnostics(validate.stdout)
    if validate.returncode:
        return OfflineCheck(name, "validate", tuple(found), output=validate.stderr.strip())
    plan = run("plan", "-json", "-refresh=false", "-lock=false", "-input=false")
    found += [item for item in diagnostics(plan.stdout) if item not in found]
    return OfflineCheck(name, "plan" if plan.returncode else None, tuple(found), planned_actions(plan.stdout),
                        plan.stderr.strip())


def aws_stacks(outdir: Path, names: Sequence[str] = ()) -> dict[str, Path]:
    """The synthesized stacks of ``outdir`` that use the ``aws`` provider (all of them, or those named)."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks = {name: outdir / entry["synthesizedStackPath"] for name, entry in manifest["stacks"].items()}
    unknown = sorted(set(names) - set(stacks))
    if unknown:
        raise ValueError(f"no stack {', '.join(unknown)} in {outdir} (stacks: {', '.join(sorted(stacks))})")
    return {name: path for name, path in sorted(stacks.items()) if (not names or name in names)
            and "aws" in json.loads(path.read_text(encoding="utf-8")).get("provider", {})}


def _describe(check: OfflineCheck) -> list[str]:
    if check.passed:
        counts: dict[str, int] = {}
        for actions in check.changes.values():
            for action in actions:
                counts[action] = counts.get(action, 0) + 1
        planned = ", ".join(f"{count} to {action}" for action, count in sorted(counts.items())) or "no changes"
        warnings = sum(1 for item in check.diagnostics if item.get("severity") == "warning")
        return [f"{check.stack}: valid, plan: {planned}" + (f", {warnings} warning(s)" if warnings else "")]
    lines = [f"{check.stack}: {check.failed_step or 'plan'} failed"]
    for item in check.diagnostics:
        where = item.get("address") or (item.get("range") or {}).get("filename", "")
        lines.append(f"  {item.get('severity', 'error')}: {item.get('summary', '')}" + (f" ({where})" if where else "")
                     + (f": {item['detail']}" if item.get("detail") else ""))
    if not check.diagnostics and check.output:
        lines += [f"  {line}" for line in check.output.splitlines()[-5:]]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m constructs_lib.offline", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=Path(os.environ.get("CDKTF_OUTDIR") or "cdktf.out"))
    parser.add_argument("--stack", action="append", default=[], help="only this stack (repeatable)")
    parser.add_argument("--mirror", type=Path, help=f"provider mirror directory (default: ${MIRROR_VARIABLE})")
    args = parser.parse_args(argv)
    if shutil.which("terraform") is None:
        print("error: the terraform CLI is not on PATH", file=sys.stderr)
        return 2
    mirror = find_aws_mirror(args.mirror)
    if mirror is None:
        print(f"error: no hashicorp/aws provider mirror found for {_platform_dir()}: give --mirror or set "
              f"{MIRROR_VARIABLE} (a directory holding registry.terraform.io/hashicorp/aws/<version>/...)", file=sys.stderr)
        return 2
    try:
        stacks = aws_stacks(args.outdir, args.stack)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"hashicorp/aws {mirror.version} from {mirror.root}")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="offline-check-") as workdir:
        for name, path in stacks.items():
            check = check_stack(path, mirror, Path(workdir), name)
            failed += not check.passed
            print("\n".join(_describe(check)))
    print(f"{len(stacks) - failed} of {len(stacks)} AWS stack(s) valid and planned offline")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
