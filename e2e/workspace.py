"""A synthesized AWS stack made ready to apply against the emulator, and Terraform run on it.

The copy starts as ``constructs_lib.offline.offline_copy`` makes it (the mirror's provider version, the
arguments it predates dropped: that module holds the one list of them), then the provider (and an S3
backend) are pointed at the emulator. Nothing else of the synthesized stack changes:

- every AWS endpoint the stacks use is the emulator's URL (the non-alias endpoint keys only), S3 in path style;
  any other goes through a proxy setting to loopback (:func:`proxies`): nothing leaves the machine;
- ``allowed_account_ids`` is kept: the emulator answers ``sts:GetCallerIdentity`` with the account of the
  credentials, so Terraform refuses the wrong account as it does in AWS;
- no credentials in the copy: Terraform and its S3 backend take them from the environment, as in the
  workflows (``aws-actions/configure-aws-credentials`` exchanges the job's OIDC token and exports the
  session), so a plan saved by the plan role is applied by the deploy role unchanged;
- ``max_retries = 4``: a call the emulator answers with an error fails within about 20 seconds (the SDK's
  backoff), not after minutes of retries, so a hung call fails the run within a minute;
- a bootstrap stack keeps local state (as on its first apply); a platform stack keeps its S3 backend, the
  state bucket the bootstrap created, with the same endpoints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from constructs_lib.offline import AwsMirror, offline_copy, terraform_environment, write_cli_config

#: The services the stacks call (endpoint keys of hashicorp/aws 5.100 without the aliases).
SERVICES = ("acm", "appautoscaling", "budgets", "cloudwatch", "ec2", "ecr", "ecs", "elbv2", "iam", "kms", "logs",
            "rds", "route53", "s3", "s3control", "secretsmanager", "servicediscovery", "sns", "sts", "wafv2")
#: The attempts at a failing call (the provider's default retries for minutes). Four: the emulator's server
#: occasionally closes a connection under load, which one more attempt survives.
MAX_RETRIES = 4


def proxies(url: str) -> dict[str, str]:
    """Proxy settings: plain HTTP to any host but 127.0.0.1 goes to the emulator too (S3 Control prefixes the
    account ID to the endpoint's host, ``<account>.127.0.0.1``; e2e/emulator.py routes it), and HTTPS (a service
    without an endpoint above: real AWS) to a closed port on loopback, so it fails at once and nothing, not even
    a DNS query, leaves the machine."""
    return {"http_proxy": url, "https_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1"}


def emulator_copy(stack_file: Path, mirror: AwsMirror, directory: Path, url: str) -> Path:
    """``stack_file`` copied into ``directory`` to run against the emulator at ``url``."""
    offline_copy(stack_file, mirror, directory)
    write_cli_config(mirror, directory)
    synthesized: dict[str, Any] = json.loads(stack_file.read_text(encoding="utf-8"))
    copy_file = directory / "cdk.tf.json"
    document: dict[str, Any] = json.loads(copy_file.read_text(encoding="utf-8"))
    for provider, original in zip(document["provider"]["aws"], synthesized["provider"]["aws"], strict=True):
        for setting in ("access_key", "secret_key", "skip_credentials_validation", "skip_requesting_account_id"):
            provider.pop(setting)
        if "allowed_account_ids" in original:
            provider["allowed_account_ids"] = original["allowed_account_ids"]
        provider.update(endpoints=[{service: url for service in SERVICES}], s3_use_path_style=True,
                        max_retries=MAX_RETRIES, **proxies(url))
    backend = synthesized["terraform"].get("backend", {})
    if "s3" in backend:
        settings = dict(backend["s3"], endpoints={"s3": url, "sts": url, "iam": url}, use_path_style=True,
                        max_retries=MAX_RETRIES, skip_metadata_api_check=True, **proxies(url))
        document["terraform"]["backend"] = {"s3": settings}
    copy_file.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return directory


def run(directory: Path, credentials: Mapping[str, str], *arguments: str,
        **variables: str) -> subprocess.CompletedProcess[str]:
    """``terraform <arguments>`` in a copy made by :func:`emulator_copy`, with ``credentials`` (AWS_* variables)."""
    environment = {**terraform_environment(directory / "terraformrc"), **credentials, **variables,
                   "AWS_REGION": "us-east-1"}
    return subprocess.run([shutil.which("terraform") or "terraform", f"-chdir={directory}", *arguments], env=environment,
                          capture_output=True, text=True, timeout=600, check=False)


def init(directory: Path, credentials: Mapping[str, str]) -> None:
    result = run(directory, credentials, "init", "-input=false", "-no-color")
    if result.returncode != 0:
        raise AssertionError(f"terraform init of {directory.name} failed:\n{result.stderr}")


def errors(result: subprocess.CompletedProcess[str]) -> str:
    """Terraform's error diagnostics (each names the resource address and the API error)."""
    return result.stderr.strip() or result.stdout[-3000:]


def state(directory: Path, credentials: Mapping[str, str]) -> dict[str, Any]:
    """``terraform show -json`` of the copy's current state."""
    result = run(directory, credentials, "show", "-json", "-no-color")
    if result.returncode != 0:
        raise AssertionError(f"terraform show of {directory.name} failed:\n{result.stderr}")
    return json.loads(result.stdout)


def managed_resources(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """The managed resources of a ``terraform show -json`` document (root module)."""
    return [resource for resource in shown.get("values", {}).get("root_module", {}).get("resources", [])
            if resource.get("mode") == "managed"]
