"""GCP stacks: the HTTPS load balancer, its routing and certificate, and the Cloud Armor policy on it."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.app_services import BACKEND_PATHS

from .conftest import Synthesized
from config import load_configuration

from .helpers import ENVIRONMENTS, reference, resources
from .test_gcp_platform import (
    LB_ADDRESS,
    SECURITY_POLICY,
    SERVICE_IDS,
    STANDBY_SERVICE_IDS,
    gcp,
    has_load_balancer,
    resource,
)

# The environments whose committed config puts a load balancer in front (staging and prod).
LOAD_BALANCER_ENVIRONMENTS = [config.environment for config in load_configuration(environ={}).environments
                              if has_load_balancer(config)]
with_load_balancer = pytest.mark.parametrize("environment", LOAD_BALANCER_ENVIRONMENTS)

LOAD_BALANCER_TYPES = (
    "google_compute_backend_service", "google_compute_region_network_endpoint_group", "google_compute_url_map",
    "google_compute_target_https_proxy", "google_compute_target_http_proxy", "google_compute_global_forwarding_rule",
    "google_compute_managed_ssl_certificate", "google_compute_ssl_policy", "google_compute_security_policy",
)


def edge(synthesized: Synthesized, environment: str) -> tuple[Any, dict[str, Any]]:
    config, stack = gcp(synthesized, environment)
    assert has_load_balancer(config)
    return config, stack


def site(stack: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The site's own load balancer resources of one type (not the candidate route's)."""
    return {key: body for key, body in resources(stack, kind).items() if key.startswith("load_balancer_")}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_load_balancer_exists_exactly_where_a_domain_is_configured(synthesized: Synthesized, environment: str) -> None:
    config, stack = gcp(synthesized, environment)
    present = {kind for kind in LOAD_BALANCER_TYPES if resources(stack, kind)}
    assert present == (set(LOAD_BALANCER_TYPES) if config.gcp.domain else set())
    assert (LB_ADDRESS in resources(stack, "google_compute_global_address")) is bool(config.gcp.domain)


@with_load_balancer
def test_cloud_armor_waf_rules_rate_limit_and_default(synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    policy = resource(stack, "google_compute_security_policy", SECURITY_POLICY)
    assert policy["type"] == "CLOUD_ARMOR"
    rules = {rule["priority"]: rule for rule in policy["rule"]}
    waf = [rules[priority] for priority in sorted(rules) if 1000 <= priority < 1900]
    assert [rule["match"]["expr"]["expression"] for rule in waf] == [
        "evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})",
        "evaluatePreconfiguredWaf('xss-v33-stable', {'sensitivity': 1})",
        "evaluatePreconfiguredWaf('lfi-v33-stable', {'sensitivity': 1})",
        "evaluatePreconfiguredWaf('rce-v33-stable', {'sensitivity': 1})",
        "evaluatePreconfiguredWaf('cve-canary')",  # Log4j: every signature of the set
    ]
    assert {(rule["action"], rule["preview"]) for rule in waf} == {("deny(403)", False)}

    def throttle(count: int) -> dict[str, Any]:
        return {"conform_action": "allow", "exceed_action": "deny(429)", "enforce_on_key": "IP",
                "rate_limit_threshold": {"count": count, "interval_sec": config.waf.rate_limit_window_seconds}}

    # The API's own limit, then the site's: a throttle lets what is under its limit through (ending the
    # evaluation), so both come after every check.
    api, site = rules[1900], rules[2000]
    assert (api["action"], api["preview"], api["rate_limit_options"]) == (
        "throttle", False, throttle(config.waf.api_rate_limit_requests))
    assert api["match"] == {"expr": {"expression": "request.path.startsWith('/api')"}}
    assert (site["action"], site["preview"], site["rate_limit_options"]) == (
        "throttle", False, throttle(config.waf.rate_limit_requests))
    assert site["match"] == {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": ["*"]}}
    assert max(rules) == 2147483647 and rules[2147483647]["action"] == "allow"
    assert sorted(rules) == [100, 200, 210, 220, 230, 240, 1000, 1010, 1020, 1030, 1040, 1900, 2000, 2147483647]
    assert policy["advanced_options_config"]["json_parsing"] == "STANDARD"
    assert policy["adaptive_protection_config"] == {"layer_7_ddos_defense_config": {"enable": True}}


@with_load_balancer
def test_cloud_armor_serves_only_the_domain_and_refuses_what_its_rules_cannot_read(
        synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    rules = {rule["priority"]: rule for rule in resource(stack, "google_compute_security_policy", SECURITY_POLICY)["rule"]}
    domain = config.gcp.domain.replace(".", "[.]")
    assert (rules[100]["action"], rules[100]["match"]["expr"]["expression"]) == (
        "deny(404)", f"!request.headers['host'].lower().matches('^({domain})(:443)?$')")
    limit = config.waf.max_body_kib * 1024
    checks = {priority: rules[priority]["match"]["expr"]["expression"] for priority in range(200, 250, 10)}
    header = "request.headers['{}']"
    assert checks == {
        200: " || ".join(f"size({header.format(name)}) > 8192" for name in ("cookie", "authorization", "user-agent", "referer")),
        210: " || ".join(f"size({header.format(name)}) > 8192"
                         for name in ("x-forwarded-for", "content-type", "accept", "origin")),
        220: "size(request.path) > 1024 || size(request.query) > 2048",
        # The WAF rules read the first 8 KB of a body: larger declared bodies, and bodies of undeclared size, are refused.
        230: f"int(request.headers['content-length']) > {limit}",
        240: "request.headers['transfer-encoding'].lower().contains('chunked')",
    }
    assert {rules[priority]["action"] for priority in checks} == {"deny(403)"}


@with_load_balancer
def test_cloud_armor_is_attached_to_both_backend_services(synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    backends = site(stack, "google_compute_backend_service")
    assert len(backends) == 2
    for backend in backends.values():
        assert backend["security_policy"] == reference("google_compute_security_policy", SECURITY_POLICY, "id")
        assert backend["load_balancing_scheme"] == "EXTERNAL_MANAGED"
        assert backend["log_config"] == {"enable": True, "sample_rate": config.logging.request_log_sample_rate}
        assert backend["custom_response_headers"] == ["Strict-Transport-Security: max-age=31536000"]


@with_load_balancer
def test_serverless_negs_point_at_the_cloud_run_services(synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    groups = site(stack, "google_compute_region_network_endpoint_group")
    backends = site(stack, "google_compute_backend_service")
    for name, run_id in SERVICE_IDS.items():
        keys = {key for key in groups if key.startswith(f"load_balancer_{name}_neg")}
        primary = next(key for key in keys if groups[key]["region"] == config.gcp.region)
        assert groups[primary]["cloud_run"] == {"service": reference("google_cloud_run_v2_service", run_id, "name")}
        served = [primary]
        if config.dr is not None:
            # The standby's NEG names the standby's own service (it follows that service, not the primary's).
            (standby,) = keys - {primary}
            assert groups[standby]["region"] == config.dr.gcp_standby_region
            assert groups[standby]["cloud_run"] == {
                "service": reference("google_cloud_run_v2_service", STANDBY_SERVICE_IDS[name], "name")}
            # The backend reads the database, which is in the primary region until a failover promotes the
            # replica: its standby joins the backend service then (docs/disaster-recovery.md); the frontend serves
            # clients near the standby region all the time.
            if name != "backend":
                served.append(standby)
        else:
            assert keys == {primary}
        assert all(groups[key]["network_endpoint_type"] == "SERVERLESS" for key in keys)
        backend = backends[next(key for key in backends if key.startswith(f"load_balancer_{name}_backend"))]
        assert backend["backend"] == [{"group": reference("google_compute_region_network_endpoint_group", key, "id")}
                                      for key in served]
        assert ("outlier_detection" in backend) is (config.dr is not None)


@with_load_balancer
def test_the_candidate_route_reaches_the_tagged_revisions_from_the_test_sources_only(
        synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    route = {kind: {key: body for key, body in resources(stack, kind).items() if key.startswith("candidate_route_")}
             for kind in LOAD_BALANCER_TYPES}
    if not config.release.shifts_traffic:
        assert not any(route.values())
        return
    (rule,) = route["google_compute_global_forwarding_rule"].values()
    assert (rule["port_range"], rule["ip_address"]) == (
        str(config.release.test_port), reference("google_compute_global_address", LB_ADDRESS, "id"))
    (proxy_id, proxy), = route["google_compute_target_https_proxy"].items()
    assert rule["target"] == reference("google_compute_target_https_proxy", proxy_id, "id")
    site_proxy = next(iter(site(stack, "google_compute_target_https_proxy").values()))
    assert (proxy["ssl_certificates"], proxy["ssl_policy"]) == (site_proxy["ssl_certificates"], site_proxy["ssl_policy"])
    (policy_id, policy), = route["google_compute_security_policy"].items()
    rules = {rule["priority"]: rule for rule in policy["rule"]}
    assert rules[2000] == {**rules[2000], "action": "allow", "match": {
        "versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": list(config.release.test_cidrs)}}}
    assert rules[2147483647]["action"] == "deny(403)"  # nobody else
    assert all(rules[priority]["action"] == "deny(403)" for priority in rules if priority < 2000)  # WAF first
    for name, run_id in SERVICE_IDS.items():
        (group,) = [body for key, body in route["google_compute_region_network_endpoint_group"].items()
                    if key.startswith(f"candidate_route_{name}_")]
        assert group["cloud_run"] == {"service": reference("google_cloud_run_v2_service", run_id, "name"), "tag": "candidate"}
        assert group["region"] == config.gcp.region
    for backend in route["google_compute_backend_service"].values():
        assert backend["security_policy"] == reference("google_compute_security_policy", policy_id, "id")
    (url_map,) = route["google_compute_url_map"].values()
    assert url_map["host_rule"] == [{"hosts": [config.gcp.domain], "path_matcher": "routes"}]
    assert url_map["path_matcher"][0]["path_rule"][0]["paths"] == list(BACKEND_PATHS)


@with_load_balancer
def test_paths_route_to_the_backend_and_the_rest_to_the_frontend(synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    backends = resources(stack, "google_compute_backend_service")
    backend_ref, frontend_ref = (
        reference("google_compute_backend_service", next(key for key in backends if key.startswith(f"load_balancer_{name}_")), "id")
        for name in ("backend", "frontend")
    )
    url_map = resource(stack, "google_compute_url_map", next(
        key for key in resources(stack, "google_compute_url_map") if key.startswith("load_balancer_url_map")
    ))
    assert url_map["default_service"] == frontend_ref
    assert url_map["host_rule"] == [{"hosts": [config.gcp.domain], "path_matcher": "routes"}]
    (matcher,) = url_map["path_matcher"]
    assert matcher["default_service"] == frontend_ref
    assert matcher["path_rule"] == [{"paths": list(BACKEND_PATHS), "service": backend_ref}]


@with_load_balancer
def test_https_with_a_managed_certificate_and_forward_secret_tls_on_the_static_ip(synthesized: Synthesized, environment: str) -> None:
    config, stack = edge(synthesized, environment)
    (certificate_id, certificate), = resources(stack, "google_compute_managed_ssl_certificate").items()
    assert certificate["managed"] == {"domains": [config.gcp.domain]}
    assert certificate["lifecycle"] == {"create_before_destroy": True}
    (policy_id, ssl_policy), = resources(stack, "google_compute_ssl_policy").items()
    # TLS 1.2 with ECDHE and AEAD ciphers only: no CBC suite, no RSA key exchange (MODERN has both).
    assert (ssl_policy["profile"], ssl_policy["min_tls_version"]) == ("CUSTOM", "TLS_1_2")
    assert sorted(ssl_policy["custom_features"]) == sorted(
        f"TLS_ECDHE_{key}_WITH_{cipher}" for key in ("ECDSA", "RSA")
        for cipher in ("AES_128_GCM_SHA256", "AES_256_GCM_SHA384", "CHACHA20_POLY1305_SHA256"))
    (proxy_id, proxy), = site(stack, "google_compute_target_https_proxy").items()
    assert proxy["ssl_certificates"] == [reference("google_compute_managed_ssl_certificate", certificate_id, "id")]
    assert proxy["ssl_policy"] == reference("google_compute_ssl_policy", policy_id, "id")
    rules = {rule["port_range"]: rule for rule in site(stack, "google_compute_global_forwarding_rule").values()}
    assert set(rules) == {"443", "80"}
    assert rules["443"]["target"] == reference("google_compute_target_https_proxy", proxy_id, "id")
    for rule in rules.values():
        assert rule["ip_address"] == reference("google_compute_global_address", LB_ADDRESS, "id")
        assert rule["load_balancing_scheme"] == "EXTERNAL_MANAGED"
    address = resource(stack, "google_compute_global_address", LB_ADDRESS)
    assert (address["address_type"], address["ip_version"]) == ("EXTERNAL", "IPV4")


@with_load_balancer
def test_plain_http_only_redirects_to_https(synthesized: Synthesized, environment: str) -> None:
    _, stack = edge(synthesized, environment)
    (proxy_id, proxy), = resources(stack, "google_compute_target_http_proxy").items()
    redirect_id = next(key for key in resources(stack, "google_compute_url_map") if key.startswith("load_balancer_http_redirect"))
    assert proxy["url_map"] == reference("google_compute_url_map", redirect_id, "id")
    redirect = resource(stack, "google_compute_url_map", redirect_id)
    assert redirect["default_url_redirect"] == {
        "https_redirect": True, "strip_query": False, "redirect_response_code": "MOVED_PERMANENTLY_DEFAULT"
    }
    assert "default_service" not in redirect
    (http_rule,) = [rule for rule in resources(stack, "google_compute_global_forwarding_rule").values()
                    if rule["port_range"] == "80"]
    assert http_rule["target"] == reference("google_compute_target_http_proxy", proxy_id, "id")
