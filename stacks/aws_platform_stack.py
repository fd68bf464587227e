"""The AWS side of the platform for one environment: config -> WebPlatform props, and the stack's outputs."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig, StateBackendSettings
from constructs_lib import PlatformIdentity
from constructs_lib.aws.patterns import (
    DATA_BUCKET_NAME,
    Alerting,
    ContainerImage,
    DataAccess,
    DatabaseSpec,
    DataBucketSpec,
    HealthCheck,
    Https,
    LoadBalancerSpec,
    NetworkSpec,
    OfficeHours,
    Scaling,
    ServiceSpec,
    ServiceUrl,
    WafSpec,
    WebPlatform,
    WebPlatformProps,
)
from constructs_lib.aws.provider import aws_provider

from . import stack_name
from .app_services import BACKEND, BACKEND_PATHS, FRONTEND, SERVICES, AppService, alert_thresholds, database_name
from .backends import add_state_backend

# DuckDB keeps extensions and spill files below HOME (/tmp); Next.js writes its cache below .next/cache.
_WRITABLE_PATHS = {BACKEND.name: ("/tmp",), FRONTEND.name: ("/tmp", "/app/.next/cache")}


class AwsPlatformStack(TerraformStack):
    """Everything the platform runs on in one AWS account and region, for one environment (see WebPlatform)."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, state: StateBackendSettings) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment))
        identity = PlatformIdentity(config.project, config.environment)
        aws = config.aws
        add_state_backend(self, cloud="aws", config=config, state=state)
        aws_provider(self, region=aws.region, tags=identity.aws_tags(), allowed_account_ids=[aws.account_id])
        database = config.database
        https = aws.https  # the schema guarantees: http_only, or a domain with a certificate ARN or zone
        # "Default": the pattern's parts keep the addresses they had when this stack built them itself.
        self.platform = WebPlatform(self, "Default", WebPlatformProps(
            identity=identity,
            account_id=aws.account_id,
            region=aws.region,
            network=NetworkSpec(aws.vpc_cidr, aws.availability_zones, aws.single_nat_gateway),
            services=tuple(self._service(service, config) for service in SERVICES),
            load_balancer=LoadBalancerSpec(
                https=None if https.http_only or https.domain is None
                else Https(https.domain, https.certificate_arn, https.hosted_zone_id),
                waf=WafSpec(config.waf.rate_limit_requests, config.waf.rate_limit_window_seconds),
            ),
            data_bucket=DataBucketSpec(config.storage.noncurrent_version_expiration_days),
            database=DatabaseSpec(
                instance_class=database.instance_class, postgres_major_version=database.postgres_major_version,
                allocated_storage_gb=database.allocated_storage_gb,
                max_allocated_storage_gb=database.max_allocated_storage_gb,
                backup_retention_days=database.backup_retention_days, multi_az=database.high_availability,
                database_name=database_name(config),
            ) if database.enabled else None,
            alerting=Alerting(config.alerting.email, alert_thresholds(config)),
            log_retention_days=config.logging.retention_days,
            deletion_protection=config.protection.deletion_protection,
        ))
        self._outputs()

    @staticmethod
    def _service(service: AppService, config: EnvironmentConfig) -> ServiceSpec:
        settings, scaling, hours = service.settings(config), config.scaling, config.scaling.working_hours
        environment = {"ENVIRONMENT": config.environment}
        if service is BACKEND:
            environment |= {"AWS_REGION": config.aws.region, "S3_BUCKET": DATA_BUCKET_NAME, "HOME": "/tmp"}
        else:
            environment |= {"NEXT_PUBLIC_API_URL": ServiceUrl(BACKEND.name, "/api"), "HOSTNAME": "0.0.0.0"}
        return ServiceSpec(
            name=service.name,
            image=ContainerImage.platform_repository(config.images.tag),
            cpu=settings.cpu,
            memory=settings.memory,
            port=service.port,
            health_check=HealthCheck(service.health_path),
            routes=BACKEND_PATHS if service is BACKEND else (),
            scaling=Scaling(
                min_capacity=scaling.min_capacity, max_capacity=scaling.max_capacity,
                target_cpu_percent=scaling.target_cpu, scale_out_cooldown=scaling.scale_out_cooldown,
                scale_in_cooldown=scaling.scale_in_cooldown, target_memory_percent=scaling.target_memory,
                requests_per_target=scaling.requests_per_target,
                office_hours=OfficeHours(hours.days, hours.start, hours.end, hours.timezone) if hours else None,
            ),
            environment=environment,
            data_access=DataAccess.READ_WRITE if service is BACKEND else DataAccess.NONE,
            database_access=service is BACKEND and config.database.enabled,
            writable_paths=_WRITABLE_PATHS[service.name],
            request_timeout_seconds=settings.request_timeout_seconds,
        )

    def _outputs(self) -> None:
        platform = self.platform
        TerraformOutput(self, "load_balancer_dns_name", value=platform.load_balancer_dns_name,
                        description="DNS name of the load balancer (point the domain's CNAME or alias here)")
        TerraformOutput(self, "frontend_url", value=platform.url, description="URL of the frontend")
        TerraformOutput(self, "backend_url", value=f"{platform.url}/api", description="Base URL of the backend API")
        for name, repository in platform.repositories.items():
            TerraformOutput(self, f"{name}_repository_url", value=repository.url,
                            description=f"ECR repository of the {name} images")
        TerraformOutput(self, "data_bucket_name", value=platform.data_bucket_name, description="Analytics data bucket")
        TerraformOutput(self, "log_bucket_name", value=platform.log_bucket_name, description="Access log bucket")
        TerraformOutput(self, "alarm_topic_arn", value=platform.alert_topic_arn, description="SNS topic of all alarms")
