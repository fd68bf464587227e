"""The GCP side of the platform for one environment: the configuration mapped onto a WebPlatform."""

from __future__ import annotations

from dataclasses import replace

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.github import DeliveryNames
from constructs_lib.gcp.patterns import (
    DATA_BUCKET_NAME, CloudArmorSpec, ContainerImage, DataAccess, DatabaseSpec, DataBucketSpec,
    DisasterRecoverySpec, HealthCheck, InternalServiceUrl, LoadBalancerSpec, NetworkSpec, ReleaseSpec, Scaling,
    ServiceSpec, ServiceUrl, WebPlatform, WebPlatformProps,
)
from constructs_lib.gcp.patterns._database import SETUP_ACCOUNT
from constructs_lib.gcp.patterns.foundation import deployed_by
from constructs_lib.gcp.provider import google_provider
from constructs_lib.policy import apply_guardrails, waive
from constructs_lib.policy.production import MIN_PRODUCTION_CAPACITY

from . import stack_name
from .app_services import (
    BACKEND, BACKEND_PATHS, FRONTEND, INTERNAL_API_VARIABLE, AppService, alerting, database_name, path_rate_limits,
    request_limits,
)
from .backends import add_state_backend
from .delivery_settings import gcp_image_location
from .moves import forget_without_destroying

#: What the platform stack managed before it moved to the environment's bootstrap stack (same addresses there):
#: forgotten here, never destroyed (see AwsPlatformStack): the image repository and its API, the services'
#: accounts (the deploy account may create no identity) and the budget (the billing account's).
MOVED_TO_BOOTSTRAP: tuple[str, ...] = (
    "google_artifact_registry_repository.registry_repository_BAFE171E",
    "google_project_service.apis_artifactregistry_451C969A",
    "google_service_account.backend_account_529B1D2F",
    "google_service_account.frontend_account_D9884882",
    "google_billing_budget.budget_16939279",
)

#: The Cloud SQL instance's built-in user: since IAM authentication, the administrator only the database setup job
#: logs in as (the backend logs in as its service account's IAM user). Its name stays: renaming replaces the user.
DATABASE_USER = "backend"


def service_spec(config: EnvironmentConfig, service: AppService) -> ServiceSpec:
    """One of our two services, sized from the environment's configuration (its wiring added with ``replace``)."""
    settings = service.settings(config)
    return ServiceSpec(
        name=service.name,
        # The environment's bootstrap stack owns the repository (pushed to before the platform's first apply).
        image=ContainerImage.in_repository(
            DeliveryNames(PlatformIdentity(config.project, config.environment)).gcp_repository_url(
                gcp_image_location(config), config.gcp.project_id),
            config.images.tag, digest=config.images.digests.get(service.name)),
        port=service.port,
        health_check=HealthCheck(service.health_path),
        cpu=settings.cloud_run_cpu,
        memory_mib=settings.cloud_run_memory,
        scaling=Scaling(
            # Cloud Run's equivalent of office hours: no minimum, so nothing runs (or is billed) while idle,
            # outside office hours included; the first request after a pause waits for a cold start.
            min_instances=0 if config.scaling.working_hours is not None else config.scaling.min_capacity,
            max_instances=config.scaling.max_capacity,
            concurrency=settings.concurrency,
        ),
        request_timeout_seconds=settings.request_timeout_seconds,
        environment={"ENVIRONMENT": config.environment},
    )


def platform_props(config: EnvironmentConfig) -> WebPlatformProps:
    """The environment's configuration as the props of the GCP web platform."""
    gcp, database = config.gcp, config.database
    backend, frontend = service_spec(config, BACKEND), service_spec(config, FRONTEND)
    backend = replace(backend, routes=BACKEND_PATHS, data_access=DataAccess.READ_WRITE, database_access=database.enabled,
                      environment={**backend.environment, "GCS_BUCKET": DATA_BUCKET_NAME,
                                   "GOOGLE_CLOUD_PROJECT": gcp.project_id})
    frontend = replace(frontend, environment={**frontend.environment,
                                              "NEXT_PUBLIC_API_URL": ServiceUrl(BACKEND.name, "/api"),
                                              INTERNAL_API_VARIABLE: InternalServiceUrl(BACKEND.name, "/api")})
    return WebPlatformProps(
        identity=PlatformIdentity(config.project, config.environment),
        project=gcp.project_id,
        region=gcp.region,
        services=(backend, frontend),
        load_balancer=None if gcp.without_load_balancer or gcp.domain is None else LoadBalancerSpec(
            domains=(gcp.domain,),
            cloud_armor=CloudArmorSpec(config.waf.rate_limit_requests, config.waf.rate_limit_window_seconds,
                                       path_rate_limits=path_rate_limits(config), request_limits=request_limits(config)),
            log_sample_rate=config.logging.request_log_sample_rate,
        ),
        invokers=gcp.invokers if gcp.without_load_balancer else (),
        network=NetworkSpec(subnet_cidr=gcp.subnet_cidr),
        data_bucket=DataBucketSpec(noncurrent_version_expiration_days=config.storage.noncurrent_version_expiration_days),
        database=DatabaseSpec(
            tier=database.cloud_sql_tier,
            postgres_major_version=database.postgres_major_version,
            disk_size_gb=database.allocated_storage_gb,
            disk_autoresize_limit_gb=database.max_allocated_storage_gb,
            backup_retention_days=database.backup_retention_days,
            high_availability=database.high_availability,
            database_name=database_name(config),
            user_name=DATABASE_USER,
            private_services_cidr=gcp.private_services_cidr,
        ) if database.enabled else None,
        alerting=alerting(config),
        log_retention_days=config.logging.retention_days,
        deletion_protection=config.protection.deletion_protection,
        release=ReleaseSpec(strategy=config.release.strategy.upper(), candidate_tag=config.release.candidate_tag,
                            canary_percent=config.release.canary_percent,
                            # A rolling release (an AWS transition included) has no candidate route on GCP.
                            test_cidrs=config.release.test_cidrs if config.release.shifts_traffic else (),
                            test_port=config.release.test_port,
                            candidate_digests=dict(config.release.candidate_digests)),
        # The budget is the bootstrap's (it belongs to the billing account, which no pipeline account may touch).
        disaster_recovery=DisasterRecoverySpec(
            standby_region=config.dr.gcp_standby_region,
            standby_subnet_cidr=config.dr.gcp_standby_subnet_cidr,
            standby_min_instances=config.dr.standby_min_capacity,
            standby_max_instances=config.dr.standby_max_capacity,
        ) if config.dr is not None else None,
        # The bootstrap created the services' accounts and their grants: the deploy account changes no IAM policy.
        deployed_by=deployed_by(PlatformIdentity(config.project, config.environment), gcp.project_id,
                                (BACKEND.name, FRONTEND.name, *((SETUP_ACCOUNT,) if database.enabled else ()))),
    )


class GcpPlatformStack(TerraformStack):
    """Everything the platform runs on in one Google Cloud project and region, for one environment.

    Our two services on :class:`~constructs_lib.gcp.patterns.WebPlatform`: with a domain behind the
    HTTPS load balancer with Cloud Armor; without one (``gcp.without_load_balancer``, dev only) public
    on their ``run.app`` URLs. The platform has the construct id ``Default``, which cdktf leaves out of
    logical ids, so every Terraform address is what it was when the stack composed the parts itself.
    """

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, stack_name(config.project, "gcp", config.environment))
        props = platform_props(config)
        add_state_backend(self, cloud="gcp", kind="platform", config=config)
        google_provider(self, project=props.project, region=props.region, labels=props.identity.gcp_labels())
        apply_guardrails(self, production=config.production)  # prod: production rules, stateful resources kept
        platform = WebPlatform(self, "Default", props)
        forget_without_destroying(self, MOVED_TO_BOOTSTRAP)
        dr = config.dr
        if dr is not None and config.production and dr.standby_min_capacity < MIN_PRODUCTION_CAPACITY:
            for service in platform.standby_services.values():
                waive(service, "prod-min-capacity",
                      reason=f"Standby capacity ([dr] standby_min_capacity {dr.standby_min_capacity}) in "
                             f"{dr.gcp_standby_region}; the primary region keeps scaling.min_capacity, and Cloud Run "
                             "scales the standby up by itself to standby_max_capacity")

        domain = props.load_balancer.domains[0] if props.load_balancer else None
        for name, value, description in (
            ("data_bucket_name", platform.data_bucket_name, "Analytics data bucket"),
            ("access_log_bucket_name", platform.access_log_bucket_name, "Usage logs of the data bucket"),
            ("backend_url", platform.service(BACKEND.name).uri, "Backend service (run.app)"),
            ("frontend_url", platform.service(FRONTEND.name).uri, "Frontend service (run.app)"),
            ("load_balancer_ip", platform.load_balancer_ip, f"Point the DNS A record of {domain} here"),
            ("load_balancer_url", platform.url, "The platform's URL"),
            ("standby_database_instance", platform.standby_database_instance_name,
             "Cloud SQL replica to promote on failover (docs/disaster-recovery.md)"),
            ("database_setup", platform.database_setup.run_configuration if platform.database_setup else None,
             "The job creating the application's database role: python -m delivery database-setup"),
        ):
            if value is not None:
                TerraformOutput(self, name, value=value, description=description)
