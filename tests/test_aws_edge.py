"""AWS edge: the load balancer, its listeners and routing, the certificate, WAF, and who may talk to whom."""

from __future__ import annotations

import pytest

from stacks.app_services import BACKEND, BACKEND_PATHS, FRONTEND, SERVICES

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, all_by_prefix, by_prefix, only, reference, resources

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def test_load_balancer_is_public_logged_and_strict(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    _, alb = only(stack, "aws_lb")
    log_bucket_id, _ = by_prefix(stack, "aws_s3_bucket", "log_bucket")
    public = {reference("aws_subnet", name, "id") for name in all_by_prefix(stack, "aws_subnet", "network_public_")}
    assert (alb["internal"], alb["load_balancer_type"]) == (False, "application")
    assert set(alb["subnets"]) == public
    assert alb["drop_invalid_header_fields"] is True
    assert alb["enable_deletion_protection"] is config.protection.deletion_protection
    assert alb["access_logs"] == {"bucket": reference("aws_s3_bucket", log_bucket_id, "bucket"), "prefix": "alb", "enabled": True}
    # Enabling access logs writes a test object: the bucket policy must exist first.
    policy_id, _ = by_prefix(stack, "aws_s3_bucket_policy", "log_bucket")
    assert alb["depends_on"] == [f"aws_s3_bucket_policy.{policy_id}"]
    assert alb["idle_timeout"] == max(config.backend.request_timeout_seconds, config.frontend.request_timeout_seconds)
    # The services keep idle connections open longer than the load balancer (docs/security.md, keep-alive contract).
    assert alb["idle_timeout"] == 60
    # No client-supplied X-Forwarded-For reaches a service.
    assert alb["xff_header_processing_mode"] == "remove"


def test_prod_load_balancer_is_deletion_protected(synthesized: Synthesized, environment: str) -> None:
    _, alb = only(synthesized.stack("aws", environment), "aws_lb")
    assert alb["enable_deletion_protection"] is (environment == "prod")


def test_listeners_https_with_redirect_or_explicit_http_only(synthesized: Synthesized, environment: str) -> None:
    stack, https = synthesized.stack("aws", environment), synthesized.configs[environment].aws.https
    alb_id, _ = only(stack, "aws_lb")
    listeners = {body["port"]: body for body in resources(stack, "aws_lb_listener").values()}
    frontend_group, _ = by_prefix(stack, "aws_lb_target_group", "load_balancer_frontend_targets")
    forward_frontend = [{"type": "forward", "target_group_arn": reference("aws_lb_target_group", frontend_group, "arn")}]
    assert all(listener["load_balancer_arn"] == reference("aws_lb", alb_id, "arn") for listener in listeners.values())
    if https.http_only:
        assert list(listeners) == [80]
        assert (listeners[80]["protocol"], listeners[80]["default_action"]) == ("HTTP", forward_frontend)
        return
    test_port = synthesized.configs[environment].release.test_port
    assert sorted(listeners) == ([80, 443, test_port] if synthesized.configs[environment].release.shifts_traffic else [80, 443])
    assert listeners[80]["default_action"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
    ]
    secure = listeners[443]
    # TLS 1.3, and TLS 1.2 with ECDHE and AES-GCM only (no CBC, nothing without forward secrecy); HSTS for a year.
    assert (secure["protocol"], secure["ssl_policy"]) == ("HTTPS", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06")
    assert secure["routing_http_response_strict_transport_security_header_value"] == "max-age=31536000"
    if synthesized.configs[environment].release.shifts_traffic:
        # The frontend is reached through a catch-all rule ECS reweights (test_aws_release.py).
        not_found = {"content_type": "text/plain", "message_body": "Not found", "status_code": "404"}
        assert secure["default_action"] == [{"type": "fixed-response", "fixed_response": not_found}]
    else:
        assert secure["default_action"] == forward_frontend
    if https.certificate_arn:
        assert secure["certificate_arn"] == https.certificate_arn
        assert resources(stack, "aws_acm_certificate") == {}
    else:
        validation_id, _ = only(stack, "aws_acm_certificate_validation")
        assert secure["certificate_arn"] == reference("aws_acm_certificate_validation", validation_id, "certificate_arn")


def test_certificate_is_dns_validated_in_the_configured_zone(synthesized: Synthesized, environment: str) -> None:
    stack, https = synthesized.stack("aws", environment), synthesized.configs[environment].aws.https
    certificates = resources(stack, "aws_acm_certificate")
    if https.certificate_arn or https.http_only:
        assert certificates == {}
        return
    (certificate,) = certificates.values()
    assert (certificate["domain_name"], certificate["validation_method"]) == (https.domain, "DNS")
    records = {name: body for name, body in resources(stack, "aws_route53_record").items()}
    validation = [body for name, body in records.items() if name.startswith("certificate_validation_record")]
    assert len(validation) == 1 and validation[0]["zone_id"] == https.hosted_zone_id and "for_each" in validation[0]
    (alias,) = [body for name, body in records.items() if name.startswith("load_balancer_alias")]
    assert (alias["name"], alias["type"], alias["zone_id"]) == (https.domain, "A", https.hosted_zone_id)


def test_path_routing_sends_api_and_health_to_the_backend(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    listener_port = 80 if synthesized.configs[environment].aws.https.http_only else 443
    (listener_id,) = [name for name, body in resources(stack, "aws_lb_listener").items() if body["port"] == listener_port]
    backend_group, _ = by_prefix(stack, "aws_lb_target_group", "load_balancer_backend_targets")
    primary = reference("aws_lb_target_group", backend_group, "arn")
    assert BACKEND_PATHS == ("/api", "/api/*", "/health")
    if synthesized.configs[environment].release.shifts_traffic:
        _, rule = by_prefix(stack, "aws_lb_listener_rule", "load_balancer_backend_production_route")
        assert rule["action"][0]["forward"]["target_group"][0] == {"arn": primary, "weight": 100}
    else:
        _, rule = only(stack, "aws_lb_listener_rule")
        assert rule["action"] == [{"type": "forward", "target_group_arn": primary}]
    assert rule["listener_arn"] == reference("aws_lb_listener", listener_id, "arn")
    assert rule["condition"] == [{"path_pattern": {"values": list(BACKEND_PATHS)}}]


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_target_group_health_checks(synthesized: Synthesized, environment: str, service) -> None:
    _, group = by_prefix(synthesized.stack("aws", environment), "aws_lb_target_group", f"load_balancer_{service.name}_targets")
    assert (group["port"], group["protocol"], group["target_type"]) == (service.port, "HTTP", "ip")
    check = group["health_check"]
    assert (check["path"], check["matcher"], check["enabled"]) == (service.health_path, "200", True)
    assert {BACKEND.name: "/health", FRONTEND.name: "/"}[service.name] == check["path"]


def _rules(stack: dict) -> dict[str, dict]:
    _, acl = only(stack, "aws_wafv2_web_acl")
    return {rule["name"]: rule for rule in acl["rule"]}


def _statement(rule: dict) -> tuple[str, dict]:
    ((kind, (body,)),) = rule["statement"][0].items()
    return kind, body


def test_web_acl_rate_limits_come_first_and_count_every_request(synthesized: Synthesized, environment: str) -> None:
    stack, waf = synthesized.stack("aws", environment), synthesized.configs[environment].waf
    _, acl = only(stack, "aws_wafv2_web_acl")
    assert (acl["scope"], acl["default_action"]) == ("REGIONAL", {"allow": {}})
    rules = _rules(stack)
    ordered = [rule["name"] for rule in sorted(acl["rule"], key=lambda rule: rule["priority"])]
    # Rate limits before anything that blocks: a request the size rules or the managed groups block still counts.
    assert ordered[:2] == ["rate-limit-per-ip", "rate-limit-path-1"]
    assert [rule["priority"] for rule in sorted(acl["rule"], key=lambda rule: rule["priority"])] == list(range(len(ordered)))
    api = {"byte_match_statement": [{"search_string": "/api", "positional_constraint": "STARTS_WITH",
                                     "field_to_match": [{"uri_path": [{}]}],
                                     "text_transformation": [{"priority": 0, "type": "NONE"}]}]}
    kind, site = _statement(rules["rate-limit-per-ip"])
    assert kind == "rate_based_statement"
    assert (site["limit"], site["aggregate_key_type"], site["evaluation_window_sec"]) == (
        waf.rate_limit_requests, "IP", waf.rate_limit_window_seconds)
    # Requests below /api count against the API's limit instead.
    assert site["scope_down_statement"] == [{"not_statement": [{"statement": [api]}]}]
    kind, path = _statement(rules["rate-limit-path-1"])
    assert (path["limit"], path["scope_down_statement"]) == (waf.api_rate_limit_requests, [api])
    for name in ("rate-limit-per-ip", "rate-limit-path-1"):
        assert rules[name]["action"] == {"block": {"custom_response": {"response_code": 429}}}
    # Nothing is exempt: no IP set an SSRF or a compromised task could ride.
    assert resources(stack, "aws_wafv2_ip_set") == {}


def test_web_acl_serves_only_the_site_names(synthesized: Synthesized, environment: str) -> None:
    stack, https = synthesized.stack("aws", environment), synthesized.configs[environment].aws.https
    alb_id, _ = only(stack, "aws_lb")
    rule = _rules(stack)["unknown-host"]
    assert rule["action"] == {"block": {"custom_response": {"response_code": 404}}}
    ((negated,),) = [rule["statement"][0]["not_statement"][0]["statement"]]
    matches = negated.get("or_statement", [{"statement": [negated]}])[0]["statement"]
    hosts = [match["byte_match_statement"][0] for match in matches]
    assert all((host["positional_constraint"], host["field_to_match"], host["text_transformation"]) ==
               ("EXACTLY", [{"single_header": [{"name": "host"}]}], [{"priority": 0, "type": "LOWERCASE"}])
               for host in hosts)
    # The domain, and the load balancer's own name (Route 53's health check, or a site without a domain).
    expected = ([https.domain] if https.domain and not https.http_only else []) + [reference("aws_lb", alb_id, "dns_name")]
    assert [host["search_string"] for host in hosts] == expected


def test_web_acl_refuses_what_its_rules_cannot_read(synthesized: Synthesized, environment: str) -> None:
    stack, waf = synthesized.stack("aws", environment), synthesized.configs[environment].waf
    rules = _rules(stack)

    def sizes(rule: dict) -> list[tuple[str, int, object]]:
        kind, body = _statement(rule)
        leaves = body["statement"] if kind == "or_statement" else [{kind: [body]}]
        return [(next(iter(leaf["size_constraint_statement"][0]["field_to_match"][0])),
                 leaf["size_constraint_statement"][0]["size"],
                 next(iter(leaf["size_constraint_statement"][0]["field_to_match"][0].values()))[0].get("oversize_handling"))
                for leaf in leaves]

    # Headers and cookies beyond what AWS WAF inspects (8 KB or 200 headers) match: padding cannot push an
    # attack past the rules.
    assert sizes(rules["oversize-headers"]) == [("headers", 8192, "MATCH"), ("cookies", 8192, "MATCH")]
    assert sizes(rules["oversize-request-line"]) == [("uri_path", 1024, None), ("query_string", 2048, None)]
    assert sizes(rules["oversize-body"]) == [("body", waf.max_body_kib * 1024, "MATCH")]
    assert {name: rules[name]["action"]["block"]["custom_response"]["response_code"]
            for name in ("oversize-headers", "oversize-request-line", "oversize-body")} == {
        "oversize-headers": 431, "oversize-request-line": 414, "oversize-body": 413}
    assert waf.large_body_paths == () and not [name for name in rules if name.startswith("large-body-route")]
    # The size rules come before the managed groups, whose own body limit only counts.
    managed = min(rule["priority"] for rule in rules.values() if "override_action" in rule)
    assert all(rules[name]["priority"] < managed for name in ("oversize-headers", "oversize-request-line", "oversize-body"))
    (common,) = [rule for rule in rules.values() if rule["name"] == "AWSManagedRulesCommonRuleSet"]
    assert common["statement"][0]["managed_rule_group_statement"][0]["rule_action_override"] == [
        {"name": "SizeRestrictions_BODY", "action_to_use": [{"count": [{}]}]}
    ]


def test_web_acl_has_the_managed_rule_groups(synthesized: Synthesized, environment: str) -> None:
    _, acl = only(synthesized.stack("aws", environment), "aws_wafv2_web_acl")
    managed = [rule["statement"][0]["managed_rule_group_statement"][0]["name"]
               for rule in sorted(acl["rule"], key=lambda rule: rule["priority"])
               if "managed_rule_group_statement" in rule["statement"][0]]
    assert managed == ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                       "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"]
    assert all(rule["override_action"] == {"none": {}} for rule in acl["rule"] if "override_action" in rule)


def test_web_acl_is_associated_with_this_load_balancer_and_logs(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("aws", environment)
    acl_id, _ = only(stack, "aws_wafv2_web_acl")
    alb_id, _ = only(stack, "aws_lb")
    _, association = only(stack, "aws_wafv2_web_acl_association")
    assert association["resource_arn"] == reference("aws_lb", alb_id, "arn")
    assert association["web_acl_arn"] == reference("aws_wafv2_web_acl", acl_id, "arn")
    _, logging = only(stack, "aws_wafv2_web_acl_logging_configuration")
    group_id, group = by_prefix(stack, "aws_cloudwatch_log_group", "web_acl_logs")
    assert logging["resource_arn"] == reference("aws_wafv2_web_acl", acl_id, "arn")
    assert logging["log_destination_configs"] == [reference("aws_cloudwatch_log_group", group_id, "arn")]
    assert group["name"] == f"aws-waf-logs-duckdb-analytics-{environment}"
    assert {field["single_header"]["name"] for field in logging["redacted_fields"]} == {
        "authorization", "cookie", "proxy-authorization", "x-api-key"}
    # Logs grow with what the WAF decides on, not with every request (the access logs in S3 have those).
    assert logging["logging_filter"] == {"default_behavior": "DROP", "filter": [{
        "behavior": "KEEP", "requirement": "MEETS_ANY",
        "condition": [{"action_condition": {"action": "BLOCK"}}, {"action_condition": {"action": "COUNT"}}]}]}


def test_only_the_load_balancer_listens_to_the_internet(synthesized: Synthesized, environment: str) -> None:
    stack, https = synthesized.stack("aws", environment), synthesized.configs[environment].aws.https
    alb_group, _ = by_prefix(stack, "aws_security_group", "load_balancer_security_group")
    world = [rule for rule in resources(stack, "aws_vpc_security_group_ingress_rule").values()
             if rule.get("cidr_ipv4") == "0.0.0.0/0" or rule.get("cidr_ipv6") == "::/0"]
    assert {rule["security_group_id"] for rule in world} == {reference("aws_security_group", alb_group, "id")}
    assert sorted(rule["from_port"] for rule in world) == ([80] if https.http_only else [80, 443])
    assert all(rule["from_port"] == rule["to_port"] for rule in world)
    assert all("ingress" not in group for group in resources(stack, "aws_security_group").values())


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_tasks_accept_only_the_load_balancer_on_their_port(synthesized: Synthesized, environment: str, service) -> None:
    stack = synthesized.stack("aws", environment)
    task_group, _ = by_prefix(stack, "aws_security_group", f"{service.name}_service_security_group")
    alb_group, _ = by_prefix(stack, "aws_security_group", "load_balancer_security_group")
    ingress = [rule for rule in resources(stack, "aws_vpc_security_group_ingress_rule").values()
               if rule["security_group_id"] == reference("aws_security_group", task_group, "id")]
    sources = [reference("aws_security_group", alb_group, "id")]
    if service is BACKEND:  # and the frontend's server, inside the VPC (API_INTERNAL_URL)
        sources.append(reference("aws_security_group", by_prefix(stack, "aws_security_group",
                                                                 "frontend_service_security_group")[0], "id"))
    assert sorted(rule["referenced_security_group_id"] for rule in ingress) == sorted(sources)
    assert all((rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", service.port, service.port)
               for rule in ingress)


def test_load_balancer_sends_only_to_target_ports_inside_the_vpc(synthesized: Synthesized, environment: str) -> None:
    stack, config = synthesized.stack("aws", environment), synthesized.configs[environment]
    alb_group, _ = by_prefix(stack, "aws_security_group", "load_balancer_security_group")
    egress = [rule for rule in resources(stack, "aws_vpc_security_group_egress_rule").values()
              if rule["security_group_id"] == reference("aws_security_group", alb_group, "id")]
    assert sorted((rule["from_port"], rule["to_port"], rule["cidr_ipv4"]) for rule in egress) == [
        (service.port, service.port, str(config.aws.vpc_cidr)) for service in sorted(SERVICES, key=lambda s: s.port)
    ]
