"""The AWS side of the platform for one environment: config -> WebPlatform props, and the stack's outputs.

With ``[dr]`` the environment has two AWS stacks: ``AwsPlatformStack`` in ``aws.region`` (the primary) and
``AwsStandbyStack`` in ``dr.aws_standby_region``, the same pattern with the same disaster-recovery spec.
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.github import DeliveryNames
from constructs_lib.aws.patterns import (
    DataBucketSpec,
    DeployedBy,
    Https,
    LoadBalancerSpec,
    NetworkSpec,
    WafSpec,
    WebPlatform,
    WebPlatformProps,
)
from constructs_lib.aws.provider import aws_provider
from constructs_lib.aws.standby_database import StandbyDatabase
from constructs_lib.policy import apply_guardrails, waive
from constructs_lib.policy.production import MIN_PRODUCTION_CAPACITY

from . import stack_name
from .app_services import SERVICES, alerting, path_rate_limits, request_limits
from .aws_props import (
    budget_spec,
    capacity_split,
    database_spec,
    disaster_recovery_spec,
    release_spec,
    service_spec,
)
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

#: The certificate validation record a standby stack created before the primary's stack became its only owner
#: (ACM asks for the same record in both regions): forgotten here, never destroyed, so that destroying or
#: re-applying the standby leaves the primary's certificate renewable.
VALIDATION_RECORD_OF_THE_PRIMARY: tuple[str, ...] = ("aws_route53_record.certificate_validation_record_617D7E70",)

#: The tag every resource of a standby stack carries besides the identity's (cost reports, the console).
STANDBY_TAG = {"DisasterRecovery": "standby"}


def platform_props(config: EnvironmentConfig, *, standby: bool = False) -> WebPlatformProps:
    """The environment's configuration as the AWS web platform's props, in the primary or the standby region."""
    aws, https, dr = config.aws, config.aws.https, config.aws_dr
    identity = PlatformIdentity(config.project, config.environment)
    names = DeliveryNames(identity)
    if standby:
        assert dr is not None, "a standby needs [dr]"
        region, network = dr.aws_standby_region, NetworkSpec(dr.aws_standby_vpc_cidr, dr.aws_standby_availability_zones)
        # The standby issues its own certificate for the domain in its region, validated in the zone.
        site = Https(https.domain, None, https.hosted_zone_id) if https.domain is not None else None
    else:
        region, network = aws.region, NetworkSpec(aws.vpc_cidr, aws.availability_zones, aws.single_nat_gateway)
        site = (None if https.http_only or https.domain is None
                else Https(https.domain, https.certificate_arn, https.hosted_zone_id))
    return WebPlatformProps(
        identity=identity, account_id=aws.account_id, region=region,
        network=network,
        services=tuple(service_spec(service, config, standby=standby) for service in SERVICES),
        load_balancer=LoadBalancerSpec(
            https=site,
            waf=WafSpec(config.waf.rate_limit_requests, config.waf.rate_limit_window_seconds,
                        path_rate_limits=path_rate_limits(config), request_limits=request_limits(config)),
        ),
        data_bucket=DataBucketSpec(config.storage.noncurrent_version_expiration_days),
        database=database_spec(config),
        alerting=alerting(config),
        log_retention_days=config.logging.retention_days,
        deletion_protection=config.protection.deletion_protection,
        release=release_spec(config.release),
        capacity=capacity_split(config),
        # One budget per environment and cloud: the account's (one account per environment), the standby's costs too.
        budget=None if standby else budget_spec(config),
        disaster_recovery=disaster_recovery_spec(config),
        # The bootstrap's deploy role, boundary and role path (IAM is global: the same in both regions).
        deployed_by=DeployedBy(role_arn=names.aws_role_arn(aws.account_id, names.aws_deploy_role),
                               permissions_boundary_arn=names.aws_policy_arn(aws.account_id, names.aws_boundary_policy),
                               role_path=names.aws_role_path),
    )


class AwsPlatformStack(TerraformStack):
    """Everything the platform runs on in one AWS account and region, for one environment (see WebPlatform)."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment))
        props = platform_props(config)
        add_state_backend(self, cloud="aws", kind="platform", config=config)
        aws_provider(self, region=props.region, tags=props.identity.aws_tags(), allowed_account_ids=[props.account_id])
        apply_guardrails(self, production=config.production)  # prod: production rules, stateful resources kept
        # "Default": the pattern's parts keep the addresses they had when this stack built them itself.
        self.platform = WebPlatform(self, "Default", props)
        forget_without_destroying(self, MOVED_TO_BOOTSTRAP)
        _outputs(self, self.platform)


class AwsStandbyStack(TerraformStack):
    """The disaster-recovery standby of an environment in ``dr.aws_standby_region`` (docs/disaster-recovery.md).

    Apply it before the primary stack: the primary's replication names its bucket and key.
    """

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment, "standby"))
        props = platform_props(config, standby=True)
        add_state_backend(self, cloud="aws", kind="standby", config=config)
        aws_provider(self, region=props.region, tags={**props.identity.aws_tags(), **STANDBY_TAG},
                     allowed_account_ids=[props.account_id])
        apply_guardrails(self, production=config.production)  # the standby of prod is prod: same rules, data kept
        self.platform = WebPlatform(self, "Default", props)
        forget_without_destroying(self, VALIDATION_RECORD_OF_THE_PRIMARY)
        _outputs(self, self.platform)
        assert config.aws_dr is not None
        database = self.platform.database
        if config.production and config.aws_dr.standby_min_capacity < MIN_PRODUCTION_CAPACITY:
            waive(self.platform, "prod-min-capacity",
                  reason=f"Pilot-light capacity ([dr] standby_min_capacity {config.aws_dr.standby_min_capacity}): the standby "
                         "serves no users until a failover, when the runbook raises the minimum to scaling.min_capacity")
        if isinstance(database, StandbyDatabase):
            # What the pilot-light restore and the failover runbook name (docs/disaster-recovery.md).
            for name, value, description in (
                ("database_identifier", database.identifier, "The standby database (replica, or what a restore creates)"),
                ("database_security_group_id", database.security_group_id, "Security group of the standby database"),
                ("database_subnet_group_name", database.subnet_group_name, "DB subnet group of a restore"),
                ("database_parameter_group_name", database.parameter_group_name, "DB parameter group of a restore"),
                ("database_url_secret_arn", database.url_secret_arn, "DATABASE_URL of the standby backend"),
            ):
                TerraformOutput(self, name, value=value, description=description)


def _outputs(stack: TerraformStack, platform: WebPlatform) -> None:
    TerraformOutput(stack, "load_balancer_dns_name", value=platform.load_balancer_dns_name,
                    description="DNS name of the load balancer (point the domain's CNAME or alias here)")
    TerraformOutput(stack, "frontend_url", value=platform.url, description="URL of the frontend")
    TerraformOutput(stack, "backend_url", value=f"{platform.url}/api", description="Base URL of the backend API")
    TerraformOutput(stack, "data_bucket_name", value=platform.data_bucket_name, description="Analytics data bucket")
    TerraformOutput(stack, "log_bucket_name", value=platform.log_bucket_name, description="Access log bucket")
    TerraformOutput(stack, "alarm_topic_arn", value=platform.alert_topic_arn, description="SNS topic of the critical alarms")
    TerraformOutput(stack, "warning_topic_arn", value=platform.warning_topic_arn, description="SNS topic of the warnings")
    if platform.database_setup is not None:
        TerraformOutput(stack, "database_setup", value=platform.database_setup.run_configuration,
                        description="The task creating the application's database role: python -m delivery database-setup")
