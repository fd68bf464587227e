"""How long Cloud Logging keeps a project's logs: the retention of its ``_Default`` log bucket."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.logging_project_bucket_config import LoggingProjectBucketConfig
from constructs import Construct

from ._props import require_match, require_range

_BUCKET_ID = re.compile(r"_Default|[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True)
class LogRetentionProps:
    """Props of :class:`LogRetention`.

    Attributes:
        project: Project ID whose logs are kept.
        retention_days: Days log entries are kept (1-3650; beyond 30 days Cloud Logging bills storage).
        bucket_id: Log bucket configured. Default ``_Default``, which receives every log the project
            writes except audit logs of admin activity and system events (``_Required``, 400 days, fixed).
        location: Location of the log bucket. Default ``global``, where ``_Default`` lives.
        depends_on: Resources to create first, e.g. the logging project service.
    """

    project: str
    retention_days: int
    bucket_id: str = "_Default"
    location: str = "global"
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_range(self, "retention_days", 1, 3650, "days")
        require_match(_BUCKET_ID, self, "bucket_id", "be _Default or a log bucket ID")


class LogRetention(Construct):
    """Sets the retention of a project log bucket (by default ``_Default``).

    ``_Default`` exists in every project: Terraform adopts it rather than creating it, and destroying
    this construct only forgets it (the bucket and its logs stay). The bucket is not locked, so the
    retention can still be changed.
    """

    def __init__(self, scope: Construct, id_: str, props: LogRetentionProps) -> None:
        super().__init__(scope, id_)
        self.bucket = LoggingProjectBucketConfig(
            self,
            "bucket",
            project=props.project,
            location=props.location,
            bucket_id=props.bucket_id,
            retention_days=props.retention_days,
            depends_on=list(props.depends_on) or None,
        )
