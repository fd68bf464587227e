"""The AWS side of the platform for one environment: config -> WebPlatform props, and the stack's outputs."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.github import DeliveryNames
from constructs_lib.aws.patterns import (
    Alerting,
    DataBucketSpec,
    Https,
    LoadBalancerSpec,
    NetworkSpec,
    WafSpec,
    WebPlatform,
    WebPlatformProps,
)
from constructs_lib.aws.provider import aws_provider
from constructs_lib.policy import apply_guardrails

from . import stack_name
from .app_services import SERVICES, alert_thresholds
from .aws_props import budget_spec, capacity_split, database_spec, release_spec, service_spec
from .backends import add_state_backend
from .moves import forget_without_destroying

#: The image repositories (and their lifecycle policies) the platform stack managed before they moved to
#: the environment's bootstrap stack, under the same addresses there. ``removed`` blocks make Terraform
#: forget them here without destroying them (Terraform >= 1.7); docs/delivery.md, "Moving the image
#: repositories". A test pins these to the bootstrap stack's addresses.
MOVED_TO_BOOTSTRAP: tuple[str, ...] = (
    "aws_ecr_repository.backend_repository_6D93725B",
    "aws_ecr_lifecycle_policy.backend_repository_lifecycle_9C14C8CF",
    "aws_ecr_repository.frontend_repository_F5BD6FC9",
    "aws_ecr_lifecycle_policy.frontend_repository_lifecycle_0C0C1400",
)


class AwsPlatformStack(TerraformStack):
    """Everything the platform runs on in one AWS account and region, for one environment (see WebPlatform)."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment))
        identity = PlatformIdentity(config.project, config.environment)
        aws, https = config.aws, config.aws.https  # https: http_only, or a domain with a certificate ARN or zone
        names = DeliveryNames(identity)
        add_state_backend(self, cloud="aws", kind="platform", config=config)
        aws_provider(self, region=aws.region, tags=identity.aws_tags(), allowed_account_ids=[aws.account_id])
        apply_guardrails(self, production=config.production)  # prod: production rules, stateful resources kept
        # "Default": the pattern's parts keep the addresses they had when this stack built them itself.
        self.platform = WebPlatform(self, "Default", WebPlatformProps(
            identity=identity, account_id=aws.account_id, region=aws.region,
            network=NetworkSpec(aws.vpc_cidr, aws.availability_zones, aws.single_nat_gateway),
            services=tuple(service_spec(service, config) for service in SERVICES),
            load_balancer=LoadBalancerSpec(
                https=None if https.http_only or https.domain is None
                else Https(https.domain, https.certificate_arn, https.hosted_zone_id),
                waf=WafSpec(config.waf.rate_limit_requests, config.waf.rate_limit_window_seconds),
            ),
            data_bucket=DataBucketSpec(config.storage.noncurrent_version_expiration_days),
            database=database_spec(config),
            alerting=Alerting(config.alerting.email, alert_thresholds(config)),
            log_retention_days=config.logging.retention_days,
            deletion_protection=config.protection.deletion_protection,
            release=release_spec(config.release),
            capacity=capacity_split(config),
            budget=budget_spec(config),
            # Created by the bootstrap stack; the deploy role may create roles only with it.
            permissions_boundary_arn=names.aws_policy_arn(aws.account_id, names.aws_boundary_policy),
        ))
        forget_without_destroying(self, MOVED_TO_BOOTSTRAP)
        self._outputs()

    def _outputs(self) -> None:
        platform = self.platform
        TerraformOutput(self, "load_balancer_dns_name", value=platform.load_balancer_dns_name,
                        description="DNS name of the load balancer (point the domain's CNAME or alias here)")
        TerraformOutput(self, "frontend_url", value=platform.url, description="URL of the frontend")
        TerraformOutput(self, "backend_url", value=f"{platform.url}/api", description="Base URL of the backend API")
        TerraformOutput(self, "data_bucket_name", value=platform.data_bucket_name, description="Analytics data bucket")
        TerraformOutput(self, "log_bucket_name", value=platform.log_bucket_name, description="Access log bucket")
        TerraformOutput(self, "alarm_topic_arn", value=platform.alert_topic_arn, description="SNS topic of all alarms")
