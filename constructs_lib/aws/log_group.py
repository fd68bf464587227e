"""A CloudWatch log group with a retention the service accepts and KMS encryption."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from ..cloud_limits import log_retention_problem


@dataclass(frozen=True)
class LogGroupProps:
    """Props of :class:`LogGroup`.

    Attributes:
        name: Full log group name, e.g. ``/ecs/duckdb-analytics-prod/backend``.
        retention_days: Days log events are kept; one of the values CloudWatch accepts.
        kms_key_arn: KMS key encrypting the events; its key policy must let CloudWatch Logs use it.
            Default ``None``: CloudWatch's own encryption.
    """

    name: str
    retention_days: int
    kms_key_arn: str | None = None

    def __post_init__(self) -> None:
        problem = log_retention_problem(self.retention_days)
        if problem is not None:
            raise ValueError(f"LogGroupProps.retention_days {self.retention_days}: {problem}")
        if not self.name or len(self.name) > 512:
            raise ValueError("LogGroupProps.name must be 1 to 512 characters")


class LogGroup(Construct):
    """A log group that never keeps events longer (or shorter) than configured."""

    def __init__(self, scope: Construct, id_: str, props: LogGroupProps) -> None:
        super().__init__(scope, id_)
        self.log_group = CloudwatchLogGroup(
            self, "log_group", name=props.name, retention_in_days=props.retention_days, kms_key_id=props.kms_key_arn
        )

    @property
    def name(self) -> str:
        """The log group name."""
        return self.log_group.name

    @property
    def arn(self) -> str:
        """The log group ARN (without the trailing ``:*``)."""
        return self.log_group.arn
