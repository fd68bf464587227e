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
from dataclasses import dataclass, field
from typing import Union

from .alerting import AlertThresholds

#: A service name: short, so it fits into every derived name (target groups, service accounts, NEGs).
SERVICE_NAME = re.compile(r"[a-z][a-z0-9]{0,19}")
SERVICE_NAME_RULE = "must be 1 to 20 lowercase letters or digits, starting with a letter"
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


def _check_service_and_path(value: ServiceUrl | InternalServiceUrl) -> None:
    owner = type(value).__name__
    if not SERVICE_NAME.fullmatch(value.service):
        raise ValueError(f"{owner}.service {value.service!r}: {SERVICE_NAME_RULE}")
    if value.path and not value.path.startswith("/"):
        raise ValueError(f"{owner}.path {value.path!r}: must be empty or start with '/'")


@dataclass(frozen=True)
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

    service: str
    path: str = ""

    def __post_init__(self) -> None:
        _check_service_and_path(self)


@dataclass(frozen=True)
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

    service: str
    path: str = ""

    def __post_init__(self) -> None:
        _check_service_and_path(self)


@dataclass(frozen=True)
class DataBucketName:
    """An environment value the pattern fills in: the name of the platform's data bucket (use :data:`DATA_BUCKET_NAME`)."""


#: The name of the platform's data bucket, e.g. ``environment={"S3_BUCKET": DATA_BUCKET_NAME}``.
DATA_BUCKET_NAME = DataBucketName()

#: The value of a service's environment variable: plain text, or a value the pattern fills in.
EnvironmentValue = Union[str, ServiceUrl, InternalServiceUrl, DataBucketName]


@dataclass(frozen=True)
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

    email: str | None = None
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    warning_email: str | None = None

    def __post_init__(self) -> None:
        for name in ("email", "warning_email"):
            value = getattr(self, name)
            if value is not None and not _EMAIL.fullmatch(value):
                raise ValueError(f"Alerting.{name} {value!r}: must be an email address")

    @property
    def warning_recipient(self) -> str | None:
        """Who receives warnings: ``warning_email``, else ``email``."""
        return self.warning_email or self.email


def referenced_services(environment: Mapping[str, EnvironmentValue]) -> set[str]:
    """The services whose URL, public or internal, an environment mapping asks for."""
    return {value.service for value in environment.values() if isinstance(value, (ServiceUrl, InternalServiceUrl))}


def internally_called(environment: Mapping[str, EnvironmentValue]) -> set[str]:
    """The services an environment mapping asks the internal URL of (:class:`InternalServiceUrl`)."""
    return {value.service for value in environment.values() if isinstance(value, InternalServiceUrl)}


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
_PATH_PREFIX_RULE = "must be a URL path starting with '/' of letters, digits and . _ ~ % / - (no '*', no query)"
#: Cloud Armor allows five subexpressions in a rule: the body limit and an exception per route.
MAX_LARGE_BODY_ROUTES = 4


@dataclass(frozen=True)
class LargeBodyRoute:
    """Requests below a path that may carry bodies above :attr:`RequestLimits.max_body_bytes`, up to a cap of their own.

    The edge's rules inspect only the first 8 KB of any body, so what a large body carries past that
    reaches the service uninspected: the service must validate it. A request on the route whose body is
    above the limit must declare its size (``Content-Length``); one without, or above the cap, is refused.

    Attributes:
        path_prefix: The route, e.g. ``/api/upload`` (matches ``/api/upload`` and everything below it).
        max_body_bytes: The cap, 8193 to 33554432 (32 MiB, Cloud Run's limit for HTTP/1 requests).
    """

    path_prefix: str
    max_body_bytes: int

    def __post_init__(self) -> None:
        if not _PATH_PREFIX.fullmatch(self.path_prefix):
            raise ValueError(f"LargeBodyRoute.path_prefix {self.path_prefix!r}: {_PATH_PREFIX_RULE}")
        if not BODY_INSPECTION_BYTES < self.max_body_bytes <= MAX_LARGE_BODY_BYTES:
            raise ValueError(f"LargeBodyRoute({self.path_prefix!r}).max_body_bytes {self.max_body_bytes}: must be "
                             f"{BODY_INSPECTION_BYTES + 1} to {MAX_LARGE_BODY_BYTES}")


@dataclass(frozen=True)
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

    max_body_bytes: int = BODY_INSPECTION_BYTES
    max_header_bytes: int = BODY_INSPECTION_BYTES
    max_path_bytes: int = 1024
    max_query_bytes: int = 2048
    large_body_routes: tuple[LargeBodyRoute, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "large_body_routes", tuple(self.large_body_routes))
        for name, low, high in (("max_body_bytes", 1, BODY_INSPECTION_BYTES), ("max_header_bytes", 1024, 8192),
                                ("max_path_bytes", 256, 8192), ("max_query_bytes", 256, 8192)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"RequestLimits.{name} {value!r}: must be {low} to {high}")
        prefixes = [route.path_prefix for route in self.large_body_routes]
        if len(set(prefixes)) != len(prefixes) or len(prefixes) > MAX_LARGE_BODY_ROUTES:
            raise ValueError(f"RequestLimits.large_body_routes {prefixes}: at most {MAX_LARGE_BODY_ROUTES}, each path "
                             "prefix once")


#: The request headers Cloud Armor checks one by one against :attr:`RequestLimits.max_header_bytes` (its rules
#: language has no total of all headers; the load balancer's own limits bound the rest).
INSPECTED_HEADERS: tuple[str, ...] = ("cookie", "authorization", "user-agent", "referer", "x-forwarded-for",
                                      "content-type", "accept", "origin")


@dataclass(frozen=True)
class PathRateLimit:
    """A per-client-IP limit of its own for requests below a path, besides the platform-wide one.

    Attributes:
        path_prefix: e.g. ``/api``: matches every path starting with it.
        requests: Requests one client IP may send there per window (the platform-wide window), 10 to 1000000.
    """

    path_prefix: str
    requests: int

    def __post_init__(self) -> None:
        if not _PATH_PREFIX.fullmatch(self.path_prefix):
            raise ValueError(f"PathRateLimit.path_prefix {self.path_prefix!r}: {_PATH_PREFIX_RULE}")
        if isinstance(self.requests, bool) or not 10 <= self.requests <= 1_000_000:
            raise ValueError(f"PathRateLimit({self.path_prefix!r}).requests {self.requests!r}: must be 10 to 1000000")


def check_path_rate_limits(limits: tuple[PathRateLimit, ...], owner: str) -> tuple[PathRateLimit, ...]:
    """``limits`` as a tuple; a ValueError naming ``owner`` when a path prefix repeats."""
    limits = tuple(limits)
    prefixes = [limit.path_prefix for limit in limits]
    if len(set(prefixes)) != len(prefixes) or not all(isinstance(limit, PathRateLimit) for limit in limits):
        raise ValueError(f"{owner} {prefixes}: PathRateLimit values, each path prefix at most once")
    return limits


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
