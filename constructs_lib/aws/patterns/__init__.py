"""AWS patterns: a whole platform of services (:class:`WebPlatform`) or one load-balanced service
(:class:`LoadBalancedFargateService`), composed from the primitives in ``constructs_lib.aws`` with the
secure wiring (key policies, grants, listener dependencies) done for you.
"""

from ...alerting import AlertThresholds
from ...budget_spec import BudgetSpec
from ...github import GithubRepository
from ...naming import PlatformIdentity
from ...shared_specs import DATA_BUCKET_NAME, Alerting, DataAccess, InternalServiceUrl, ServiceUrl
from ...shared_specs import LargeBodyRoute, PathRateLimit, RequestLimits
from ..fargate_service import CapacitySplit, ContainerSecret, Deployment
from ..iam import Condition, Statement
from ..load_balancer import HealthCheck, TestListener
from ..network import ExistingNetwork
from ..service_autoscaling import OfficeHours, Scaling
from ..web_acl import DEFAULT_MANAGED_RULE_GROUPS, ManagedRuleGroup
from .specs import (
    ContainerImage,
    DatabaseSpec,
    DataBucketSpec,
    Https,
    LoadBalancerSpec,
    NetworkSpec,
    ReleaseSpec,
    SecretEnv,
    ServiceSpec,
    WafSpec,
)
from .foundation import DeliveryFoundation, DeliveryFoundationProps, DeployedBy
from .disaster_recovery import PILOT_LIGHT, WARM, DisasterRecoverySpec
from .load_balanced_service import LoadBalancedFargateService, LoadBalancedFargateServiceProps
from .web_platform import WebPlatform, WebPlatformProps

__all__ = [
    "DATA_BUCKET_NAME",
    "DEFAULT_MANAGED_RULE_GROUPS",
    "AlertThresholds",
    "Alerting",
    "BudgetSpec",
    "CapacitySplit",
    "Condition",
    "ContainerImage",
    "ContainerSecret",
    "DataAccess",
    "DataBucketSpec",
    "DatabaseSpec",
    "DeliveryFoundation",
    "DeliveryFoundationProps",
    "DeployedBy",
    "Deployment",
    "DisasterRecoverySpec",
    "ExistingNetwork",
    "GithubRepository",
    "HealthCheck",
    "InternalServiceUrl",
    "LargeBodyRoute",
    "Https",
    "LoadBalancedFargateService",
    "LoadBalancedFargateServiceProps",
    "LoadBalancerSpec",
    "ManagedRuleGroup",
    "NetworkSpec",
    "OfficeHours",
    "PathRateLimit",
    "PILOT_LIGHT",
    "PlatformIdentity",
    "ReleaseSpec",
    "RequestLimits",
    "Scaling",
    "SecretEnv",
    "ServiceSpec",
    "ServiceUrl",
    "Statement",
    "TestListener",
    "WARM",
    "WafSpec",
    "WebPlatform",
    "WebPlatformProps",
]
