"""An ECS cluster for Fargate services, with Container Insights."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster as EcsClusterResource
from cdktf_cdktf_provider_aws.ecs_cluster import EcsClusterSetting
from constructs import Construct


@dataclass(frozen=True)
class EcsClusterProps:
    """Props of :class:`EcsCluster`.

    Attributes:
        name: Cluster name.
        container_insights: ``enabled``, ``enhanced`` or ``disabled``. Default ``enabled``.
    """

    name: str
    container_insights: str = "enabled"

    def __post_init__(self) -> None:
        if self.container_insights not in ("enabled", "enhanced", "disabled"):
            raise ValueError("EcsClusterProps.container_insights must be enabled, enhanced or disabled")


class EcsCluster(Construct):
    """An ECS cluster reporting task and service metrics to CloudWatch Container Insights."""

    def __init__(self, scope: Construct, id_: str, props: EcsClusterProps) -> None:
        super().__init__(scope, id_)
        self.cluster = EcsClusterResource(
            self, "cluster", name=props.name,
            setting=[EcsClusterSetting(name="containerInsights", value=props.container_insights)],
        )

    @property
    def name(self) -> str:
        """The cluster name."""
        return self.cluster.name

    @property
    def arn(self) -> str:
        """The cluster ARN."""
        return self.cluster.arn
