"""Parts of the patterns' props that mean the same on both clouds (no cdktf import).

A service of a platform pattern (``constructs_lib.aws.patterns``, ``constructs_lib.gcp.patterns``) is
described by a cloud's ``ServiceSpec``; what the two clouds share lives here: how much of the data
bucket a service may use, values the pattern fills in for environment variables (the URL of another
service, the data bucket's name), who is alerted, and what the edge refuses before any rule reads a
request (:class:`RequestLimits`, :class:`PathRateLimit`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Union

from .alerting import AlertThresholds
from .props import Shown, checked, prop, require
from .cloud_limits import test_source_problem

#: A service name: short, so it fits into every derived name (target groups, service accounts, NEGs).
SERVICE_NAME = re.compile(r"[a-z][a-z0-9]{0,19}")
SERVICE_NAME_RULE = "be 1 to 20 lowercase letters or digits, starting with a letter"
#: A URL path below the site, or nothing.
_URL_SUFFIX = re.compile(r"(/[^\s]*)?")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class DataAccess(enum.Enum):
    """What a service may do with the platform's data bucket.

    ``READ_WRITE`` never reaches the version history: on AWS the service may put and delete objects (a delete
    leaves a delete marker) but not delete a version; on GCP, where one permission deletes live objects and old
    versions alike, it may create objects but not overwrite or delete one.
    """

    NONE = "none"
    READ = "read"
    READ_WRITE = "read_write"


@checked
class ServiceUrl:
    """An environment value the pattern fills in: the URL where clients reach ``service``, plus ``path``.

    Behind the platform's load balancer that is the site's URL (the load balancer routes the
    service's paths); a service without one is reached on its own URL (Cloud Run's ``run.app``).
    E.g. ``ServiceUrl("api", "/api")`` for a web frontend whose browser code calls the API. A service's own
    server-side calls use :class:`InternalServiceUrl`.

    Attributes:
        service: Name of a service of the same platform.
        path: Appended to the URL; empty or starting with ``/``. Default empty.
    """

    service: str = prop(pattern=SERVICE_NAME, rule=SERVICE_NAME_RULE)
    path: str = prop("", pattern=_URL_SUFFIX, rule="be empty or start with '/'")


@checked
class InternalServiceUrl:
    """An environment value the pattern fills in: where the platform's own services reach ``service``, plus ``path``.

    The call stays inside the platform's network, never through the internet or the edge (whose rate limits would
    count every server-side call of a service as one client): on AWS ``http://<service>.<namespace>:<port>``
    (a Cloud Map name in the VPC; the caller's security group may reach the service's port, nothing else); on GCP
    the service's ``run.app`` URL, reached through the VPC as internal traffic. E.g.
    ``InternalServiceUrl("api", "/api")`` for a web frontend rendering pages on its server.

    Attributes:
        service: Name of a service of the same platform that takes requests.
        path: Appended to the URL; empty or starting with ``/``. Default empty.
    """

    service: str = prop(pattern=SERVICE_NAME, rule=SERVICE_NAME_RULE)
    path: str = prop("", pattern=_URL_SUFFIX, rule="be empty or start with '/'")


@checked
class DataBucketName:
    """An environment value the pattern fills in: the name of the platform's data bucket (use :data:`DATA_BUCKET_NAME`)."""


#: The name of the platform's data bucket, e.g. ``environment={"S3_BUCKET": DATA_BUCKET_NAME}``.
DATA_BUCKET_NAME = DataBucketName()

#: The value of a service's environment variable: plain text, or a value the pattern fills in.
EnvironmentValue = Union[str, ServiceUrl, InternalServiceUrl, DataBucketName]


@checked
class Alerting:
    """Who is told when the platform misbehaves, and when. Alerts come in two tiers (critical, warning; see
    :mod:`constructs_lib.alerting`), each routed to its own SNS topic (AWS) or notification channels (GCP).

    Attributes:
        email: Address that receives the critical alerts (AWS sends a confirmation mail first). ``None``:
            alerts are raised but reach nobody until you subscribe someone. Default ``None``.
        thresholds: Error rate, response time, evaluation window and the warning thresholds. Default: 5 %,
            2 s, 5 minutes; warnings at half the response time and 80 % utilization.
        warning_email: Address that receives the warnings. Default ``None``: ``email``.
    """

    email: str | None = prop(None, pattern=_EMAIL, rule="be an email address, or None")
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    warning_email: str | None = prop(None, pattern=_EMAIL, rule="be an email address, or None")

    @property
    def warning_recipient(self) -> str | None:
        """Who receives warnings: ``warning_email``, else ``email``."""
        return self.warning_email or self.email


def check_instance_bounds(spec: object) -> None:
    """``min_instances`` at most ``max_instances``: the scaling bounds of a service, named alike on both clouds."""
    low, high = getattr(spec, "min_instances"), getattr(spec, "max_instances")
    require(low <= high, spec, "min_instances", f"be at most max_instances ({high})")


def route_base(routes: tuple[str, ...]) -> str:
    """The path a service's routes start with, e.g. ``/api`` for ``("/api", "/api/*")``; empty without routes (the
    default service) or when the first route starts with a wildcard."""
    if not routes:
        return ""
    first = routes[0]
    cut = min((first.index(wildcard) for wildcard in "*?" if wildcard in first), default=len(first))
    return first[:cut].rstrip("/")


def referenced_services(environment: Mapping[str, EnvironmentValue]) -> set[str]:
    """The services whose URL, public or internal, an environment mapping asks for."""
    return {value.service for value in environment.values() if isinstance(value, (ServiceUrl, InternalServiceUrl))}


def internally_called(environment: Mapping[str, EnvironmentValue]) -> set[str]:
    """The services an environment mapping asks the internal URL of (:class:`InternalServiceUrl`)."""
    return {value.service for value in environment.values() if isinstance(value, InternalServiceUrl)}


def check_internal_url(spec: object, variable: str, value: EnvironmentValue) -> None:
    """An :class:`InternalServiceUrl` in the environment of service ``spec`` names another service (on both clouds)."""
    require(not isinstance(value, InternalServiceUrl) or value.service != getattr(spec, "name", None), spec,
            "environment", "name another service in an InternalServiceUrl", value=Shown(f"{variable}={value!r}"))


def check_test_sources(spec: object, attribute: str) -> None:
    """Every source range in ``spec.<attribute>`` of a test listener or candidate route is a narrow public one
    (:func:`~constructs_lib.cloud_limits.test_source_problem`)."""
    for cidr in getattr(spec, attribute):
        problem = test_source_problem(cidr)
        require(problem is None, spec, attribute, f"hold public ranges: {cidr!r} {problem}")


def render_environment(
    environment: Mapping[str, EnvironmentValue],
    *,
    service_url: Callable[[ServiceUrl], str],
    data_bucket_name: str | None,
    owner: str,
    internal_url: Callable[[InternalServiceUrl], str] | None = None,
) -> dict[str, str]:
    """Plain values for every variable; ``owner`` (e.g. ``ServiceSpec('web').environment``) names errors."""
    rendered: dict[str, str] = {}
    for name, value in environment.items():
        if isinstance(value, InternalServiceUrl):
            if internal_url is None:
                raise ValueError(f"{owner}[{name!r}]: InternalServiceUrl needs a platform whose services share a network")
            rendered[name] = internal_url(value)
        elif isinstance(value, ServiceUrl):
            rendered[name] = service_url(value)
        elif isinstance(value, DataBucketName):
            if data_bucket_name is None:
                raise ValueError(f"{owner}[{name!r}]: DATA_BUCKET_NAME needs the platform's data bucket, which is off")
            rendered[name] = data_bucket_name
        else:
            rendered[name] = value
    return rendered


#: The request body AWS WAF inspects in front of a load balancer (a fixed limit), and the body limit of both edges.
BODY_INSPECTION_BYTES = 8192
#: The largest body a route may declare: Cloud Run refuses HTTP/1 requests above 32 MiB.
MAX_LARGE_BODY_BYTES = 32 * 1024 * 1024
_PATH_PREFIX = re.compile(r"/[A-Za-z0-9._~%/-]*")
_PATH_PREFIX_RULE = "be a URL path starting with '/' of letters, digits and . _ ~ % / - (no '*', no query)"
#: Cloud Armor allows five subexpressions in a rule: the body limit and an exception per route.
MAX_LARGE_BODY_ROUTES = 4


@checked
class LargeBodyRoute:
    """Requests below a path that may carry bodies above :attr:`RequestLimits.max_body_bytes`, up to a cap of their own.

    The edge's rules inspect only the first 8 KB of any body, so what a large body carries past that
    reaches the service uninspected: the service must validate it. A request on the route whose body is
    above the limit must declare its size (``Content-Length``); one without, or above the cap, is refused.

    Attributes:
        path_prefix: The route, e.g. ``/api/upload`` (matches ``/api/upload`` and everything below it).
        max_body_bytes: The cap, 8193 to 33554432 (32 MiB, Cloud Run's limit for HTTP/1 requests).
    """

    path_prefix: str = prop(pattern=_PATH_PREFIX, rule=_PATH_PREFIX_RULE)
    max_body_bytes: int = prop(between=(BODY_INSPECTION_BYTES + 1, MAX_LARGE_BODY_BYTES))


@checked
class RequestLimits:
    """What the edge (AWS WAF, Cloud Armor) refuses before its rules read a request, so no rule is padded past.

    Bodies above ``max_body_bytes`` (AWS WAF and Cloud Armor inspect the first 8 KB only), except on the
    :class:`LargeBodyRoute` s, each up to its own cap; request headers above ``max_header_bytes`` (AWS: all headers
    together, or more than 200 of them, which is what AWS WAF inspects; GCP: each of the headers in
    :data:`INSPECTED_HEADERS`), URL paths above ``max_path_bytes`` and query strings above ``max_query_bytes``.

    Attributes:
        max_body_bytes: 1 to 8192. Default 8192.
        max_header_bytes: 1024 to 8192. Default 8192.
        max_path_bytes: 256 to 8192. Default 1024 (as the AWS common rule set's ``SizeRestrictions_URIPATH``).
        max_query_bytes: 256 to 8192. Default 2048 (as its ``SizeRestrictions_QUERYSTRING``).
        large_body_routes: Routes with bodies up to their own cap. Default none.
    """

    max_body_bytes: int = prop(BODY_INSPECTION_BYTES, between=(1, BODY_INSPECTION_BYTES))
    max_header_bytes: int = prop(BODY_INSPECTION_BYTES, between=(1024, 8192))
    max_path_bytes: int = prop(1024, between=(256, 8192))
    max_query_bytes: int = prop(2048, between=(256, 8192))
    large_body_routes: tuple[LargeBodyRoute, ...] = ()

    def __post_init__(self) -> None:
        prefixes = [route.path_prefix for route in self.large_body_routes]
        require(len(set(prefixes)) == len(prefixes) and len(prefixes) <= MAX_LARGE_BODY_ROUTES, self,
                "large_body_routes", f"be at most {MAX_LARGE_BODY_ROUTES} routes, each path prefix once", value=prefixes)


#: The request headers Cloud Armor checks one by one against :attr:`RequestLimits.max_header_bytes` (its rules
#: language has no total of all headers; the load balancer's own limits bound the rest).
INSPECTED_HEADERS: tuple[str, ...] = ("cookie", "authorization", "user-agent", "referer", "x-forwarded-for",
                                      "content-type", "accept", "origin")


@checked
class PathRateLimit:
    """A per-client-IP limit of its own for requests below a path, besides the platform-wide one.

    Attributes:
        path_prefix: e.g. ``/api``: matches every path starting with it.
        requests: Requests one client IP may send there per window (the platform-wide window), 10 to 1000000.
    """

    path_prefix: str = prop(pattern=_PATH_PREFIX, rule=_PATH_PREFIX_RULE)
    requests: int = prop(between=(10, 1_000_000))


def check_path_rate_limits(spec: object) -> None:
    """A PropError naming ``spec.path_rate_limits`` when a path prefix repeats."""
    prefixes = [limit.path_prefix for limit in getattr(spec, "path_rate_limits")]
    require(len(set(prefixes)) == len(prefixes), spec, "path_rate_limits", "name each path prefix at most once",
            value=prefixes)


def integer_above_pattern(limit: int) -> str:
    """An anchored regular expression matching the decimal integers (leading zeros allowed) greater than ``limit``.

    For size checks on a ``Content-Length`` header where a rule language compares text only (AWS WAF). Uses
    character classes and small counted repetitions only, which RE2 and PCRE both accept.
    """
    if limit < 0:
        raise ValueError(f"integer_above_pattern({limit}): must be 0 or more")
    digits = str(limit)
    alternatives = [f"[1-9][0-9]{{{len(digits)},}}"]  # more digits than the limit
    for index, digit in enumerate(digits):
        if digit == "9":
            continue
        rest = len(digits) - index - 1
        higher = f"[{int(digit) + 1}-9]" if int(digit) < 8 else "9"
        tail = f"[0-9]{{{rest}}}" if rest else ""
        alternatives.append(f"{digits[:index]}{higher}{tail}")
    return f"^0*({'|'.join(alternatives)})$"
