"""The disaster-recovery runbook names what the prod stacks really create: resource names and Terraform addresses."""

from __future__ import annotations

import json
import re

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, STANDBY_ENVIRONMENTS, resources, stack_id

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


def _section(text: str, heading: str) -> str:
    """The runbook's text from ``heading`` to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    rest = text[start + len(heading) + 2:]
    ends = [rest.find(f"\n{'#' * size} ") for size in range(1, len(level) + 1)]
    ends = [end for end in ends if end >= 0]
    return rest[:min(ends)] if ends else rest


def _prod_services(synthesized: Synthesized) -> tuple[set[str], dict[str, str]]:
    """The prod standby's ECS services (short names) and each one's load balancer health path."""
    standby = synthesized.documents[stack_id("aws", "prod", "standby")]
    services = {body["name"].removeprefix("duckdb-analytics-prod-") for body in resources(standby, "aws_ecs_service").values()}
    paths = {key.split("_")[2]: body["health_check"]["path"] for key, body in resources(standby, "aws_lb_target_group").items()}
    return services, paths


def test_every_loop_over_services_and_health_paths_covers_every_service(synthesized: Synthesized) -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    services, paths = _prod_services(synthesized)
    loops = re.findall(r"for service in ([a-z ]+); do", text)
    assert len(loops) >= 5  # force-redeploys, checks, capacity, fences, GCP failover
    assert all(set(loop.split()) == services for loop in loops), loops  # never only the backend
    path_loops = re.findall(r"for path in ([/a-z ]+); do", text)
    assert len(path_loops) >= 3  # enabling check, AWS failover, GCP failover
    assert all(set(loop.split()) == set(paths.values()) for loop in path_loops), path_loops


def test_the_standby_gets_its_images_before_its_services(synthesized: Synthesized) -> None:
    standby = synthesized.documents[stack_id("aws", "prod", "standby")]
    enabling = _section(RUNBOOK.read_text(encoding="utf-8"), "## Enabling disaster recovery (once per environment)")
    targets = set(re.findall(r"-target=(aws_[a-z0-9_]+\.[A-Za-z0-9_]+)", enabling))
    assert targets == {f"aws_ecr_repository.{key}" for key in resources(standby, "aws_ecr_repository")}
    repositories_first = enabling.index("-target=aws_ecr_repository")
    images = enabling.index("crane copy 333344445555.dkr.ecr.us-east-1")
    services = enabling.index("3. **AWS standby.**")
    primary = enabling.index("4. **AWS primary")
    redeploy = enabling.index("--force-new-deployment")
    assert repositories_first < images < services < primary < redeploy
    # Every standby service starts again once the images and the secret are there, not only the backend.
    assert all("--service duckdb-analytics-prod-$service" in enabling[max(0, at - 200):at]
               for at in (match.start() for match in re.finditer("--force-new-deployment", enabling)))


def test_gcp_failover_works_with_a_release_in_flight(synthesized: Synthesized) -> None:
    failover = _section(RUNBOOK.read_text(encoding="utf-8"), "## Fail over: GCP")
    stack = synthesized.documents[stack_id("gcp", "prod")]
    # Traffic pinned to named revisions gives a new revision 0 %: each update is followed by all traffic to it,
    # and the new revision runs the image of the revision that serves (not the candidate the template names).
    update, traffic = failover.index("gcloud run services update "), failover.index("update-traffic")
    assert update < traffic and "--to-latest" in failover[traffic:traffic + 120]
    assert 'max_by(.percent) | .revisionName' in failover and '--image "$image"' in failover[update:traffic]
    # The backend's standby NEG joins its backend service only now: it exists, and does not serve before.
    negs = {body["name"]: key for key, body in resources(stack, "google_compute_region_network_endpoint_group").items()}
    (neg,) = re.findall(r"--network-endpoint-group=([a-z0-9-]+)", failover)
    backend = next(body for body in resources(stack, "google_compute_backend_service").values()
                   if body["name"] == "duckdb-analytics-prod-backend")
    joining = {"group": f"${{google_compute_region_network_endpoint_group.{negs[neg]}.id}}"}
    assert joining not in backend["backend"]
    # The availability patch restarts the promoted instance: after the site is checked, outside the RTO.
    assert failover.index("--availability-type=REGIONAL") > failover.index("https://gcp.analytics.example.com")


def test_the_drill_tears_down_the_primary_replication_before_the_standby() -> None:
    teardown = _section(RUNBOOK.read_text(encoding="utf-8"), "## Quarterly drill (staging, never prod)")
    teardown = teardown[teardown.index("**Tear down**"):]
    relocate = teardown.index("relocate gs://duckdb-analytics-stg-staging-data")
    primary = teardown.index("`duckdb-analytics-aws-staging` removes its replication")
    destroy = teardown.index("`terraform destroy`")
    bootstrap = teardown.index("duckdb-analytics-aws-staging-bootstrap")
    assert relocate < primary < destroy < bootstrap
