"""The disaster-recovery runbook names what the prod stacks really create: resource names and Terraform addresses."""

from __future__ import annotations

import json
import re

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, STANDBY_ENVIRONMENTS, stack_id

RUNBOOK = PROJECT_ROOT / "docs" / "disaster-recovery.md"
#: Names the runbook's own commands create (they cannot be in the output).
CREATED_BY_THE_RUNBOOK = {"duckdb-analytics-prod-stale"}


def _prod_text(synthesized: Synthesized) -> str:
    names = [stack_id("aws", "prod"), stack_id("gcp", "prod")]
    names += [stack_id("aws", environment, "standby") for environment in STANDBY_ENVIRONMENTS if environment == "prod"]
    return "\n".join(json.dumps(synthesized.documents[name]) for name in names)


def test_every_prod_name_in_the_runbook_is_one_the_stacks_create(synthesized: Synthesized) -> None:
    text, output = RUNBOOK.read_text(encoding="utf-8"), _prod_text(synthesized)
    # Names are cut at a placeholder or wildcard: a prefix the output must contain (e.g. duckdb-analytics-prod-data-).
    names = {name.rstrip("-*.") for name in re.findall(r"duckdb-analytics-prod[a-z0-9/-]*(?:-\*|-)?", text)}
    names.discard("duckdb-analytics-prod")  # the cluster and the RDS instance: checked by the addresses below
    # ECS resource ids (service/<cluster>/<service>) are built from references: each part must be there.
    missing = sorted(name for name in names - CREATED_BY_THE_RUNBOOK
                     if name not in output and not all(part in output for part in name.split("/")))
    assert missing == []
    assert len(names) > 20  # the runbook does name things


def test_every_terraform_address_in_the_runbook_exists(synthesized: Synthesized) -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    addresses = set(re.findall(r"\b((?:aws|google)_[a-z0-9_]+)\.([a-z0-9_]+_[0-9A-F]{8})\b", text))
    assert len(addresses) >= 3
    found = {(kind, name) for document in synthesized.documents.values()
             for kind, group in document.get("resource", {}).items() for name in group}
    assert sorted(addresses - found) == []
