"""The request limits both edges share (RequestLimits, LargeBodyRoute, PathRateLimit): validation, and the rules each
cloud writes for routes that accept large bodies, which the committed configuration does not use."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from constructs_lib.aws.provider import aws_provider
from constructs_lib.aws.web_acl import WebAcl, WebAclProps
from constructs_lib.gcp.cloud_armor import CloudArmorPolicy, CloudArmorPolicyProps, size_checks
from constructs_lib.gcp.provider import google_provider
from constructs_lib.shared_specs import LargeBodyRoute, PathRateLimit, RequestLimits, integer_above_pattern

import cdktf  # noqa: E402  (after constructs_lib, so the jsii runtime starts with lazy provider loading)
from cdktf import TerraformStack  # noqa: E402

ROUTES = RequestLimits(max_body_bytes=4096, large_body_routes=(LargeBodyRoute("/api/upload", 1_048_576),
                                                               LargeBodyRoute("/import", 20_000)))

REFUSED = [
    ("body above what the rules read", lambda: RequestLimits(max_body_bytes=9000),
     'RequestLimits.max_body_bytes: must be a whole number from 1 to 8192, got 9000'),
    ("route cap within the limit", lambda: LargeBodyRoute("/api/upload", 8192),
     'LargeBodyRoute.max_body_bytes: must be a whole number from 8193 to 33554432, got 8192'),
    ("route with a wildcard", lambda: LargeBodyRoute("/api/*", 10_000), 'LargeBodyRoute.path_prefix: must be a '
                                                                        "URL path starting with '/' of "
                                                                        'letters, digits and . _ ~ % / - (no '
                                                                        "'*', no query), got '/api/*'"),
    ("five routes", lambda: RequestLimits(large_body_routes=tuple(LargeBodyRoute(f"/r{n}", 10_000) for n in range(5))),
     "RequestLimits.large_body_routes: must be at most 4 routes, each path prefix once, got ['/r0', '/r1', "
     "'/r2', '/r3', '/r4']"),
    ("quote in a path", lambda: PathRateLimit("/a'b", 100), 'PathRateLimit.path_prefix: must be a URL path '
                                                            "starting with '/' of letters, digits and . _ ~ % "
                                                            '/ - (no \'*\', no query), got "/a\'b"'),
    ("path limit below 10", lambda: PathRateLimit("/api", 5), 'PathRateLimit.requests: must be a whole number '
                                                              'from 10 to 1000000, got 5'),
    ("path limit twice", lambda: WebAclProps(name="shop", resource_arn="arn", rate_limit_requests=100, log_retention_days=7,
                                             path_rate_limits=(PathRateLimit("/api", 10), PathRateLimit("/api", 20))),
     "WebAclProps('shop').path_rate_limits: must name each path prefix at most once, got ['/api', '/api']"),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case[0])
def test_invalid_limits_are_rejected_naming_the_prop(case: tuple[str, Callable[[], object], str]) -> None:
    with pytest.raises(ValueError, match=re.escape(case[2])):
        case[1]()


@pytest.mark.parametrize("limit", [0, 7, 9, 99, 100, 8192, 19_999, 1_048_576, 33_554_432])
def test_integer_above_pattern_matches_exactly_the_larger_numbers(limit: int) -> None:
    pattern = re.compile(integer_above_pattern(limit))
    randomness = random.Random(limit)
    numbers = {*range(0, 2000), limit - 1, limit, limit + 1, *(randomness.randrange(10 ** 10) for _ in range(2000))}
    wrong = [number for number in numbers if number >= 0 and bool(pattern.match(str(number))) != (number > limit)]
    assert wrong == []
    assert pattern.match(f"000{limit + 1}") and not pattern.match(f"000{limit}")
    assert not pattern.match("") and not pattern.match(f"{limit + 1}x") and not pattern.match("-1")


def _synth(build: Callable[[TerraformStack], None], provider: Callable[[TerraformStack], Any]) -> dict[str, Any]:
    stack = TerraformStack(cdktf.Testing.app(), "alone")
    provider(stack)
    build(stack)
    return json.loads(cdktf.Testing.synth(stack))["resource"]


def test_aws_large_body_routes_are_exempt_from_the_limit_and_capped_by_their_declared_size() -> None:
    resources = _synth(lambda stack: WebAcl(stack, "waf", WebAclProps(
        name="shop", resource_arn="arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/1",
        rate_limit_requests=100, log_retention_days=7, request_limits=ROUTES)),
        lambda stack: aws_provider(stack, region="eu-west-1", tags={}, allowed_account_ids=["123456789012"]))
    (acl,) = resources["aws_wafv2_web_acl"].values()
    rules = {rule["name"]: rule["statement"][0] for rule in acl["rule"]}

    def starts_with(prefix: str) -> dict[str, Any]:
        return {"byte_match_statement": [{"search_string": prefix, "positional_constraint": "STARTS_WITH",
                                          "field_to_match": [{"uri_path": [{}]}],
                                          "text_transformation": [{"priority": 0, "type": "NONE"}]}]}

    def body_above(size: int) -> dict[str, Any]:
        return {"size_constraint_statement": [{"comparison_operator": "GT", "size": size,
                                               "field_to_match": [{"body": [{"oversize_handling": "MATCH"}]}],
                                               "text_transformation": [{"priority": 0, "type": "NONE"}]}]}

    def content_length(pattern: str) -> dict[str, Any]:
        return {"regex_match_statement": [{"regex_string": pattern,
                                           "field_to_match": [{"single_header": [{"name": "content-length"}]}],
                                           "text_transformation": [{"priority": 0, "type": "NONE"}]}]}

    assert rules["oversize-body"] == {"and_statement": [{"statement": [
        body_above(4096),
        {"not_statement": [{"statement": [{"or_statement": [{"statement": [
            starts_with("/api/upload"), starts_with("/import")]}]}]}]},
    ]}]}
    for index, (prefix, cap) in enumerate((("/api/upload", 1_048_576), ("/import", 20_000)), start=1):
        # Beyond what the rules read, a body must declare its size (no chunked upload) and stay under the cap.
        assert rules[f"large-body-route-{index}"] == {"and_statement": [{"statement": [
            starts_with(prefix), body_above(8192),
            {"or_statement": [{"statement": [
                content_length(integer_above_pattern(cap)),
                {"not_statement": [{"statement": [content_length("^[0-9]+$")]}]},
            ]}]},
        ]}]}


def test_gcp_large_body_routes_are_exempt_from_the_limit_and_capped_by_their_declared_size() -> None:
    checks = dict(reversed(check) for check in size_checks(ROUTES))
    declared = "int(request.headers['content-length'])"
    assert checks[f"{declared} > 4096 && !request.path.startsWith('/api/upload') && !request.path.startsWith('/import')"] \
        == "Body over 4096 bytes"
    assert checks[f"request.path.startsWith('/api/upload') && {declared} > 1048576"] == \
        "Body over 1048576 bytes below /api/upload"
    assert checks[f"request.path.startsWith('/import') && {declared} > 20000"] == "Body over 20000 bytes below /import"
    # Cloud Armor takes at most five subexpressions in a rule.
    assert max(expression.count("&&") + expression.count("||") + 1 for expression in checks) <= 5

    resources = _synth(lambda stack: CloudArmorPolicy(stack, "edge", CloudArmorPolicyProps(
        name="edge", rate_limit_requests=100, rate_limit_window_seconds=60, request_limits=ROUTES,
        allowed_hosts=("shop.example.com", "www.shop.example.com"))),
        lambda stack: google_provider(stack, project="acme-shop", region="europe-west1", labels={}))
    (policy,) = resources["google_compute_security_policy"].values()
    denied = {rule["match"]["expr"]["expression"]: rule["action"] for rule in policy["rule"] if rule["action"] != "throttle"
              and "expr" in rule["match"]}
    assert denied["!request.headers['host'].lower().matches('^(shop[.]example[.]com|www[.]shop[.]example[.]com)(:443)?$')"] \
        == "deny(404)"
    assert {denied[expression] for expression in checks} == {"deny(403)"}


def test_configured_large_body_paths_become_routes_with_their_cap() -> None:
    from dataclasses import replace

    from config import load_configuration
    from stacks.app_services import path_rate_limits, request_limits

    config = next(config for config in load_configuration(environ={}).environments if config.environment == "prod")
    assert request_limits(config) == RequestLimits(max_body_bytes=8192)
    assert path_rate_limits(config) == (PathRateLimit("/api", config.waf.api_rate_limit_requests),)
    waf = replace(config.waf, max_body_kib=4, large_body_paths=("/api/upload",), large_body_max_kib=1024)
    assert request_limits(replace(config, waf=waf)) == RequestLimits(
        max_body_bytes=4096, large_body_routes=(LargeBodyRoute("/api/upload", 1_048_576),))
