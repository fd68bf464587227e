"""An ECS cluster for Fargate services, with Container Insights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster as EcsClusterResource
from cdktf_cdktf_provider_aws.ecs_cluster import (
    EcsClusterConfiguration,
    EcsClusterConfigurationExecuteCommandConfiguration,
    EcsClusterConfigurationExecuteCommandConfigurationLogConfiguration,
    EcsClusterSetting,
)
from cdktf_cdktf_provider_aws.ecs_cluster_capacity_providers import EcsClusterCapacityProviders
from constructs import Construct

from .log_group import LogGroup, LogGroupProps


@runtime_checkable
class EcsClusterRef(Protocol):
    """What a service needs of its cluster: :class:`EcsCluster`, or :class:`ExistingCluster` for your own."""

    @property
    def name(self) -> str: ...

    @property
    def arn(self) -> str: ...


@dataclass(frozen=True)
class ExistingCluster:
    """An ECS cluster created elsewhere (see :class:`EcsClusterRef`).

    Attributes:
        name: The cluster name.
        arn: The cluster ARN.
    """

    name: str
    arn: str


@dataclass(frozen=True)
class ExecuteCommandSessions:
    """Where a cluster logs ECS Exec sessions and what encrypts them (:attr:`EcsCluster.execute_command_sessions`):
    what a service with ``execute_command`` needs to let its tasks open and log sessions.

    Attributes:
        log_group_name: The encrypted log group every session's input and output is written to.
        log_group_arn: Its ARN.
        kms_key_arn: The key encrypting the sessions' data channel (the tasks decrypt with it).
    """

    log_group_name: str
    log_group_arn: str
    kms_key_arn: str


@dataclass(frozen=True)
class EcsClusterProps:
    """Props of :class:`EcsCluster`.

    Attributes:
        name: Cluster name.
        log_retention_days: Days Container Insights performance events are kept (CloudWatch would
            otherwise create their log group with a one-day retention and no key).
        container_insights: ``enabled``, ``enhanced`` or ``disabled``. Default ``enabled``.
        kms_key_arn: Key of the performance log group. Default ``None``.
        fargate_spot: Offer the ``FARGATE`` and ``FARGATE_SPOT`` capacity providers, for services that
            run (some) tasks on Spot. Default ``False``: the ``FARGATE`` launch type only.
        execute_command: Log ECS Exec sessions to an encrypted log group ``/ecs/<name>-exec`` (construct id
            ``exec_logs``) and encrypt their data channel with ``kms_key_arn``, which it needs. Default ``False``.
    """

    name: str
    log_retention_days: int
    container_insights: str = "enabled"
    kms_key_arn: str | None = None
    fargate_spot: bool = False
    execute_command: bool = False

    def __post_init__(self) -> None:
        if self.container_insights not in ("enabled", "enhanced", "disabled"):
            raise ValueError("EcsClusterProps.container_insights: must be enabled, enhanced or disabled, got "
                             f"{self.container_insights!r}")
        if self.execute_command and self.kms_key_arn is None:
            raise ValueError("EcsClusterProps.execute_command: needs kms_key_arn (sessions are encrypted), got True")


class EcsCluster(Construct):
    """An ECS cluster reporting task and service metrics to CloudWatch Container Insights."""

    def __init__(self, scope: Construct, id_: str, props: EcsClusterProps) -> None:
        super().__init__(scope, id_)
        performance_logs = LogGroup(self, "performance_logs", LogGroupProps(
            name=f"/aws/ecs/containerinsights/{props.name}/performance",
            retention_days=props.log_retention_days,
            kms_key_arn=props.kms_key_arn,
        ))
        #: Where ECS Exec sessions are logged, with ``execute_command``; else ``None``.
        self.execute_command_sessions: ExecuteCommandSessions | None = None
        configuration = None
        if props.execute_command and props.kms_key_arn is not None:
            sessions = LogGroup(self, "exec_logs", LogGroupProps(
                name=f"/ecs/{props.name}-exec", retention_days=props.log_retention_days, kms_key_arn=props.kms_key_arn,
            ))
            self.execute_command_sessions = ExecuteCommandSessions(sessions.name, sessions.arn, props.kms_key_arn)
            configuration = EcsClusterConfiguration(execute_command_configuration=(
                EcsClusterConfigurationExecuteCommandConfiguration(
                    kms_key_id=props.kms_key_arn, logging="OVERRIDE",
                    log_configuration=EcsClusterConfigurationExecuteCommandConfigurationLogConfiguration(
                        cloud_watch_log_group_name=sessions.name, cloud_watch_encryption_enabled=True,
                    ))))
        self.cluster = EcsClusterResource(
            self, "cluster", name=props.name,
            setting=[EcsClusterSetting(name="containerInsights", value=props.container_insights)],
            configuration=configuration,
            depends_on=[performance_logs.log_group],
        )
        #: The capacity provider association services on Spot must wait for (``None`` without Spot).
        self.capacity_providers: EcsClusterCapacityProviders | None = None
        if props.fargate_spot:
            self.capacity_providers = EcsClusterCapacityProviders(
                self, "capacity_providers", cluster_name=self.cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"])

    @property
    def name(self) -> str:
        """The cluster name."""
        return self.cluster.name

    @property
    def arn(self) -> str:
        """The cluster ARN."""
        return self.cluster.arn
