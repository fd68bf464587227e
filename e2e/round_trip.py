"""One environment's AWS stacks taken through what the pipeline does to them, against the emulator.

In the pipeline's order (docs/delivery.md, .github/workflows/terraform.yml):

1. an administrator of the environment's account applies the bootstrap stack (local state);
2. the plan job plans the platform stack as the bootstrap's plan role (``plan -lock=false -detailed-exitcode
   -out=tfplan``, a pull request's token); the apply job applies exactly that saved plan as the deploy role
   (a token of a job in the environment); the state lives in the bootstrap's state bucket;
3. the plan role plans again: the platform must show no change; where the environment's class asks for it,
   a release (a new image tag) is planned and applied the same way: an update of the running platform;
4. destroy the way ``manage.yml`` does: the plan role plans ``-destroy``, the deploy role applies it;
5. the administrator tears the bootstrap down as docs/emulator.md says.

Each Terraform run is one phase of the emulator's record, so each call is judged with its role
(``e2e/permissions.py``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import load_configuration
from constructs_lib.offline import AwsMirror

from . import workspace
from .emulator import Call, Emulator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TERRAFORM_FLAGS = ("-input=false", "-no-color")


@dataclass
class Step:
    """A finished Terraform run: what it printed and the calls it made."""

    result: subprocess.CompletedProcess[str]
    calls: list[Call]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.result.returncode in (0, 2)


@dataclass
class RoundTrip:
    """The round trip of one environment; each method is one step, in order."""

    environment: str
    emulator: Emulator
    mirror: AwsMirror
    workdir: Path
    steps: dict[str, Step] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        configuration = load_configuration((self.environment,), config_dir=PROJECT_ROOT / "config", clouds=("aws",))
        self.config = configuration.environments[0]
        github = configuration.project.github
        assert github is not None, "config/project.toml names no [github] repository"
        self.github = github
        self.account = self.config.aws.account_id
        self.administrator = self.emulator.administrator(self.account)
        self.stack = f"{self.config.project}-aws-{self.environment}"

    # --- identities -------------------------------------------------------------------------------------

    def role_arn(self, kind: str) -> str:
        return f"arn:aws:iam::{self.account}:role/gha-{self.config.project}-{self.environment}-{kind}"

    def claims(self, context: str) -> dict[str, Any]:
        """A GitHub Actions OIDC token's claims for a job of ``context`` (``pull_request``, ``environment:dev``)."""
        return {"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
                "sub": self.github.subjects(context)[0], "repository_id": str(self.github.repository_id),
                "repository_owner_id": str(self.github.owner_id)}

    def plan_role(self) -> dict[str, str]:
        return self.emulator.pipeline_role(self.role_arn("plan"), self.claims("pull_request"))

    def deploy_role(self) -> dict[str, str]:
        return self.emulator.pipeline_role(self.role_arn("deploy"), self.claims(f"environment:{self.environment}"))

    # --- preparation --------------------------------------------------------------------------------------

    def synthesize(self, image_tag: str | None = None) -> Path:
        """The environment's AWS stacks, synthesized from the committed configuration; with an HTTPS listener on
        an existing certificate (``aws.certificate_arn``), the certificate is first imported into the emulator's
        ACM and its ARN written into a copy of the configuration (the emulator chooses certificate ARNs); a hosted
        zone (``aws.hosted_zone_id``) is created in the emulator's Route 53 with the configured ID."""
        if image_tag is not None:  # a release: the first synthesis's configuration with a new tag and its digests
            return self.synthesize_edited(f"cdktf.out-{image_tag}", lambda text: re.sub(
                r'sha256:[0-9a-f]{64}', lambda found: "sha256:" + hashlib.sha256(
                    f"{image_tag}{found.group(0)}".encode()).hexdigest(),
                re.sub(r'(?m)^tag = "[^"]*"', f'tag = "{image_tag}"', text)))
        config_dir = self.workdir / "config"
        shutil.copytree(PROJECT_ROOT / "config", config_dir)
        toml = config_dir / f"{self.environment}.toml"
        if self.config.aws.https.certificate_arn is not None:
            arn = self._import_certificate(self.config.aws.https.domain or "")
            toml.write_text(re.sub(r'(?m)^certificate_arn = "[^"]*"', f'certificate_arn = "{arn}"', toml.read_text()))
        if self.config.aws.https.hosted_zone_id is not None:
            self.emulator.hosted_zone(self.administrator, self.config.aws.https.domain or "",
                                      self.config.aws.https.hosted_zone_id)
        return self._main(config_dir, self.workdir / "cdktf.out")

    def synthesize_edited(self, name: str, edit: Callable[[str], str]) -> Path:
        """The stacks synthesized (into ``<workdir>/<name>``) after ``edit`` changed the environment's TOML file of
        the copy :meth:`synthesize` made: a change an operator commits (a release, ``[dr]`` enabled)."""
        toml = self.workdir / "config" / f"{self.environment}.toml"
        toml.write_text(edit(toml.read_text()))
        return self._main(toml.parent, self.workdir / name)

    def _main(self, config_dir: Path, out: Path) -> Path:
        result = subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "--clouds", "aws", "--environments",
                                 self.environment, "--config-dir", str(config_dir), "--outdir", str(out)],
                                capture_output=True, text=True, cwd=PROJECT_ROOT, check=False)
        assert result.returncode == 0, f"main.py for {self.environment}:\n{result.stderr[-2000:]}"
        return out / "stacks"

    def _import_certificate(self, domain: str) -> str:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                       .serial_number(x509.random_serial_number()).not_valid_before(now)
                       .not_valid_after(now + datetime.timedelta(days=30))
                       .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
                       .sign(key, hashes.SHA256()))
        acm = self.emulator.client("acm", self.administrator, self.config.aws.region)
        return acm.import_certificate(
            Certificate=certificate.public_bytes(serialization.Encoding.PEM),
            PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))["CertificateArn"]

    def copy(self, stacks: Path, name: str) -> Path:
        directory = self.workdir / name
        workspace.emulator_copy(stacks / name / "cdk.tf.json", self.mirror, directory, self.emulator.url)
        return directory

    # --- Terraform ----------------------------------------------------------------------------------------

    def terraform(self, phase: str, directory: Path, credentials: dict[str, str], *arguments: str) -> Step:
        """One Terraform command as one phase of the emulator's record."""
        start = time.monotonic()
        with self.emulator.phase(phase) as calls:
            result = workspace.run(directory, credentials, arguments[0], *TERRAFORM_FLAGS, *arguments[1:])
        self.steps[phase] = step = Step(result, calls, time.monotonic() - start)
        (self.workdir / f"{phase.replace(' ', '-')}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        return step

    def plan_json(self, directory: Path, credentials: dict[str, str], plan_file: str) -> dict[str, Any]:
        shown = workspace.run(directory, credentials, "show", "-json", plan_file, "-no-color")
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)


def planned_changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Address -> ``{"type", "actions", "attributes"}`` of a ``show -json`` plan's managed resources that change.

    ``attributes`` are the top-level attributes behind the change: for a replacement those that force it
    (``replace_paths``), for an update those whose value differs or becomes unknown.
    """
    changes: dict[str, dict[str, Any]] = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if change.get("mode") != "managed" or actions in (["no-op"], ["read"]):
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        if "delete" in actions and "create" in actions:
            differing = sorted({str(path[0]) for path in change["change"].get("replace_paths") or []})
        else:
            differing = sorted(key for key in set(before) | set(after)
                               if before.get(key) != after.get(key) or unknown.get(key) is True)
        detail = {key: f"{_short(before.get(key))} -> {'(known after apply)' if unknown.get(key) is True else _short(after.get(key))}"
                  for key in differing}
        changes[change["address"]] = {"type": change["type"], "actions": actions, "attributes": differing,
                                      "detail": detail}
    return changes


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."
