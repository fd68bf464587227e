"""Parts of the patterns' props that mean the same on both clouds (no cdktf import).

A service of a platform pattern (``constructs_lib.aws.patterns``, ``constructs_lib.gcp.patterns``) is
described by a cloud's ``ServiceSpec``; what the two clouds share lives here: how much of the data
bucket a service may use, values the pattern fills in for environment variables (the URL of another
service, the data bucket's name), and who is alerted.
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
    """What a service may do with the platform's data bucket."""

    NONE = "none"
    READ = "read"
    READ_WRITE = "read_write"


@dataclass(frozen=True)
class ServiceUrl:
    """An environment value the pattern fills in: the URL where clients reach ``service``, plus ``path``.

    Behind the platform's load balancer that is the site's URL (the load balancer routes the
    service's paths); a service without one is reached on its own URL (Cloud Run's ``run.app``).
    E.g. ``ServiceUrl("api", "/api")`` for a web frontend that calls the API.

    Attributes:
        service: Name of a service of the same platform.
        path: Appended to the URL; empty or starting with ``/``. Default empty.
    """

    service: str
    path: str = ""

    def __post_init__(self) -> None:
        if not SERVICE_NAME.fullmatch(self.service):
            raise ValueError(f"ServiceUrl.service {self.service!r}: {SERVICE_NAME_RULE}")
        if self.path and not self.path.startswith("/"):
            raise ValueError(f"ServiceUrl.path {self.path!r}: must be empty or start with '/'")


@dataclass(frozen=True)
class DataBucketName:
    """An environment value the pattern fills in: the name of the platform's data bucket (use :data:`DATA_BUCKET_NAME`)."""


#: The name of the platform's data bucket, e.g. ``environment={"S3_BUCKET": DATA_BUCKET_NAME}``.
DATA_BUCKET_NAME = DataBucketName()

#: The value of a service's environment variable: plain text, or a value the pattern fills in.
EnvironmentValue = Union[str, ServiceUrl, DataBucketName]


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
    """The services whose URL an environment mapping asks for."""
    return {value.service for value in environment.values() if isinstance(value, ServiceUrl)}


def render_environment(
    environment: Mapping[str, EnvironmentValue],
    *,
    service_url: Callable[[ServiceUrl], str],
    data_bucket_name: str | None,
    owner: str,
) -> dict[str, str]:
    """Plain values for every variable; ``owner`` (e.g. ``ServiceSpec('web').environment``) names errors."""
    rendered: dict[str, str] = {}
    for name, value in environment.items():
        if isinstance(value, ServiceUrl):
            rendered[name] = service_url(value)
        elif isinstance(value, DataBucketName):
            if data_bucket_name is None:
                raise ValueError(f"{owner}[{name!r}]: DATA_BUCKET_NAME needs the platform's data bucket, which is off")
            rendered[name] = data_bucket_name
        else:
            rendered[name] = value
    return rendered
