"""Names, AWS tags and GCP labels of one deployment: the same convention on both clouds."""

from __future__ import annotations

import re

from .props import checked, prop
from .cloud_limits import NAME_PATTERN, NAME_RULE

_ENVIRONMENT_PATTERN = re.compile(r"[a-z][a-z0-9]{0,9}")

#: The AWS tags every resource carries: project, environment, managed by (values from :class:`PlatformIdentity`).
AWS_TAG_KEYS: tuple[str, str, str] = ("Project", "Environment", "ManagedBy")
#: The GCP labels every resource carries, in the same order (label keys are lowercase).
GCP_LABEL_KEYS: tuple[str, str, str] = ("project", "environment", "managed-by")


@checked
class PlatformIdentity:
    """Project and environment that every resource name, tag and label carries.

    Attributes:
        project: Name prefix of every resource, e.g. ``duckdb-analytics`` (3-20 of ``a-z0-9-``).
        environment: Environment name, e.g. ``prod`` (1-10 of ``a-z0-9``, starting with a letter).
        managed_by: Value of the ManagedBy tag / managed-by label.
    """

    project: str = prop(pattern=NAME_PATTERN, rule=NAME_RULE)
    environment: str = prop(pattern=_ENVIRONMENT_PATTERN, rule="be 1 to 10 lowercase letters or digits, starting with a letter")
    managed_by: str = "cdktf"

    @property
    def prefix(self) -> str:
        """``<project>-<environment>``: the start of every resource name."""
        return f"{self.project}-{self.environment}"

    def name(self, *parts: str) -> str:
        """``<project>-<environment>-<part>-...``, e.g. ``name("data")`` -> ``duckdb-analytics-prod-data``."""
        return "-".join((self.prefix, *parts))

    def aws_tags(self) -> dict[str, str]:
        """Tags every AWS resource carries (through the provider's ``default_tags``)."""
        return dict(zip(AWS_TAG_KEYS, (self.project, self.environment, self.managed_by)))

    def gcp_labels(self) -> dict[str, str]:
        """Labels every GCP resource carries (through the provider's ``default_labels``)."""
        return dict(zip(GCP_LABEL_KEYS, (self.project, self.environment, self.managed_by)))
