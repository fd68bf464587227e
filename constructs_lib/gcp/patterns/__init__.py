"""GCP patterns: what a user deploys, composed from the primitives with the secure wiring done.

- :class:`WebPlatform`: any number of Cloud Run services with a data bucket, an optional private
  PostgreSQL database, an optional HTTPS load balancer with Cloud Armor, alerts, a dashboard and log
  retention.
- :class:`PublicCloudRunService`: one service behind its own or a shared load balancer.

The specs they take (:class:`ServiceSpec`, :class:`ContainerImage`, :class:`LoadBalancerSpec`,
:class:`CloudArmorSpec`, :class:`DataBucketSpec`, :class:`DatabaseSpec`) and the cloud-neutral values
(:class:`~constructs_lib.shared_specs.DataAccess`, :class:`~constructs_lib.shared_specs.ServiceUrl`,
:data:`~constructs_lib.shared_specs.DATA_BUCKET_NAME`, :class:`~constructs_lib.shared_specs.Alerting`) are
re-exported here, so one import serves. See ``docs/patterns-gcp.md``.
"""

from ...alerting import AlertThresholds
from ...budget_spec import BudgetSpec
from ...github import GithubRepository
from ...naming import PlatformIdentity
from ...shared_specs import DATA_BUCKET_NAME, Alerting, DataAccess, InternalServiceUrl, ServiceUrl
from ...shared_specs import LargeBodyRoute, PathRateLimit, RequestLimits
from ..cloud_armor import DEFAULT_WAF_RULES, WafRule
from ..cloud_run_service import SecretEnv, TrafficShare
from ..grants import WorkloadGrant
from .foundation import DeliveryFoundation, DeliveryFoundationProps, DeployedBy
from .public_service import PublicCloudRunService, PublicCloudRunServiceProps
from .specs import (
    CloudArmorSpec,
    ContainerImage,
    DatabaseSpec,
    DataBucketSpec,
    DisasterRecoverySpec,
    HealthCheck,
    LoadBalancerSpec,
    NetworkSpec,
    ReleaseSpec,
    RoleGrant,
    Scaling,
    ServiceSpec,
)
from .web_platform import WebPlatform, WebPlatformProps

__all__ = [
    "DATA_BUCKET_NAME",
    "DEFAULT_WAF_RULES",
    "AlertThresholds",
    "Alerting",
    "BudgetSpec",
    "CloudArmorSpec",
    "ContainerImage",
    "DataAccess",
    "DataBucketSpec",
    "DatabaseSpec",
    "DeliveryFoundation",
    "DeliveryFoundationProps",
    "DeployedBy",
    "DisasterRecoverySpec",
    "GithubRepository",
    "HealthCheck",
    "InternalServiceUrl",
    "LargeBodyRoute",
    "LoadBalancerSpec",
    "NetworkSpec",
    "PathRateLimit",
    "PlatformIdentity",
    "PublicCloudRunService",
    "PublicCloudRunServiceProps",
    "ReleaseSpec",
    "RequestLimits",
    "RoleGrant",
    "Scaling",
    "SecretEnv",
    "ServiceSpec",
    "ServiceUrl",
    "TrafficShare",
    "WafRule",
    "WorkloadGrant",
    "WebPlatform",
    "WebPlatformProps",
]
