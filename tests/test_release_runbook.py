"""The release runbook's commands reach what the stacks build: the smoke-test ports, hosts and paths, the target
groups it tells apart, the transitions it names."""

from __future__ import annotations

import re

from config.schema import RELEASE_TRANSITIONS

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, resources

RUNBOOK = PROJECT_ROOT / "docs" / "releases.md"


def _smoke_urls(text: str, host: str) -> set[tuple[int, str]]:
    """``(port, path)`` of every ``curl`` the runbook runs against ``host`` on a port of its own."""
    return {(int(port), path) for port, path in re.findall(rf"curl -fsS https://{re.escape(host)}:([0-9]+)(/[a-z/]*)", text)}


def test_the_aws_smoke_test_reaches_every_service_on_the_test_listener(synthesized: Synthesized) -> None:
    config, stack = synthesized.configs["prod"], synthesized.stack("aws", "prod")
    (listener,) = [body for key, body in resources(stack, "aws_lb_listener").items() if key.startswith("load_balancer_test_listener")]
    health = {body["health_check"]["path"] for key, body in resources(stack, "aws_lb_target_group").items()}
    urls = _smoke_urls(RUNBOOK.read_text(encoding="utf-8"), config.aws.https.domain)
    assert urls == {(listener["port"], path) for path in health}
    # The listener admits the configured public sources only, which the runbook says to run the test from.
    sources = {body["cidr_ipv4"] for key, body in resources(stack, "aws_vpc_security_group_ingress_rule").items()
               if key.startswith("load_balancer_test_ingress")}
    assert sources == set(config.release.test_cidrs) and listener["port"] == config.release.test_port


def test_the_gcp_smoke_test_reaches_every_service_on_the_candidate_route(synthesized: Synthesized) -> None:
    config, stack = synthesized.configs["prod"], synthesized.stack("gcp", "prod")
    (rule,) = [body for key, body in resources(stack, "google_compute_global_forwarding_rule").items()
               if key.startswith("candidate_route_")]
    urls = _smoke_urls(RUNBOOK.read_text(encoding="utf-8"), config.gcp.domain)
    assert urls == {(int(rule["port_range"]), "/health"), (int(rule["port_range"]), "/")}
    services = {body["name"]: body for body in resources(stack, "google_cloud_run_v2_service").values()}
    health = {body["template"]["containers"][0]["startup_probe"]["http_get"]["path"] for body in services.values()}
    assert {path for _, path in urls} == health


def test_the_target_groups_the_switch_tells_apart_are_the_stacks(synthesized: Synthesized) -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    prefixes = {body["name_prefix"] for body in resources(synthesized.stack("aws", "prod"), "aws_lb_target_group").values()}
    named = set(re.findall(r"`([a-z]{4,5}-)`", text)) | set(re.findall(r"targetgroup/([a-z]{4,5}-)", text))
    assert named == prefixes  # the original (backe-, front-) and alternate (backg-, frong-) groups
    assert set(re.findall(r'transition = "([a-z_]+)"', text)) == set(RELEASE_TRANSITIONS)
