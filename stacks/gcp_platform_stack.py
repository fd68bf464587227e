"""The GCP side of the platform for one environment."""

from __future__ import annotations

from cdktf import ITerraformDependable, TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig, StateBackendSettings
from constructs_lib import PlatformIdentity
from constructs_lib.gcp.access_log_bucket import GcsAccessLogBucket, GcsAccessLogBucketProps
from constructs_lib.gcp.apis import ProjectServices, ProjectServicesProps
from constructs_lib.gcp.artifact_registry import DockerRepository, DockerRepositoryProps
from constructs_lib.gcp.cloud_armor import CloudArmorPolicy, CloudArmorPolicyProps
from constructs_lib.gcp.cloud_run_service import (
    INGRESS_ALL,
    INGRESS_INTERNAL_LOAD_BALANCER,
    CloudRunService,
    CloudRunServiceProps,
    SecretEnv,
    VpcEgress,
)
from constructs_lib.gcp.cloud_sql import PostgresDatabase, PostgresDatabaseProps
from constructs_lib.gcp.dashboard import ServicesDashboard, ServicesDashboardProps
from constructs_lib.gcp.data_bucket import GcsDataBucket, GcsDataBucketProps
from constructs_lib.gcp.load_balancer import ServerlessBackend, ServerlessLoadBalancer, ServerlessLoadBalancerProps
from constructs_lib.gcp.log_retention import LogRetention, LogRetentionProps
from constructs_lib.gcp.monitoring import ServiceMonitoring, ServiceMonitoringProps, UptimeTarget
from constructs_lib.gcp.network import PrivateNetwork, PrivateNetworkProps
from constructs_lib.gcp.provider import google_provider, random_provider
from constructs_lib.gcp.secrets import Secret, SecretProps
from constructs_lib.gcp.service_account import ServiceAccount, ServiceAccountProps

from . import stack_name
from .app_services import BACKEND, BACKEND_PATHS, FRONTEND, SERVICES, AppService, alert_thresholds, database_name
from .backends import add_state_backend

#: The database user the backend connects as (its password is generated and kept in Secret Manager).
DATABASE_USER = "backend"


def project_services(config: EnvironmentConfig) -> tuple[str, ...]:
    """The APIs the environment's resources call: only those, so that no API is enabled for nothing."""
    services = ["iam", "run", "artifactregistry", "storage", "monitoring", "logging"]
    if not config.gcp.without_load_balancer or config.database.enabled:
        services.append("compute")
    if config.database.enabled:
        services += ["sqladmin", "servicenetworking", "secretmanager"]
    return tuple(f"{service}.googleapis.com" for service in services)


class GcpPlatformStack(TerraformStack):
    """Everything the platform runs on in one Google Cloud project and region, for one environment.

    Two Cloud Run services (each with its own service account, images from the environment's
    Artifact Registry repository), the data bucket and its access-log bucket, optionally a private
    Cloud SQL database with its credentials in Secret Manager, and uptime checks, alerts, a dashboard
    and log retention. With a domain, a global HTTPS load balancer with Cloud Armor fronts the
    services and their ingress admits only load balancer (and internal) traffic; without one
    (``gcp.without_load_balancer``, dev only) the services are public on their ``run.app`` URLs.
    """

    def __init__(self, scope: Construct, config: EnvironmentConfig, state: StateBackendSettings) -> None:
        super().__init__(scope, stack_name(config.project, "gcp", config.environment))
        identity = PlatformIdentity(config.project, config.environment)
        project, region = config.gcp.project_id, config.gcp.region
        domain = None if config.gcp.without_load_balancer else config.gcp.domain
        add_state_backend(self, cloud="gcp", config=config, state=state)
        google_provider(self, project=project, region=region, labels=identity.gcp_labels())

        apis = ProjectServices(self, "apis", ProjectServicesProps(project=project, services=project_services(config)))

        access_logs = GcsAccessLogBucket(
            self,
            "access_logs",
            GcsAccessLogBucketProps(
                name=f"{project}-{config.environment}-access-logs",
                location=region,
                retention_days=config.logging.retention_days,
                depends_on=apis.dependables("storage.googleapis.com"),
            ),
        )
        data_bucket = GcsDataBucket(
            self,
            "data_bucket",
            GcsDataBucketProps(
                # Project IDs are globally unique, so this bucket name is too.
                name=f"{project}-{config.environment}-data",
                location=region,
                noncurrent_version_expiration_days=config.storage.noncurrent_version_expiration_days,
                access_log_bucket=access_logs.name,
                depends_on=apis.dependables("storage.googleapis.com"),
            ),
        )

        registry = DockerRepository(
            self,
            "registry",
            DockerRepositoryProps(
                repository_id=identity.name("images"),
                location=region,
                description=f"Container images of {identity.prefix}",
                depends_on=apis.dependables("artifactregistry.googleapis.com"),
            ),
        )
        accounts = {
            service.name: ServiceAccount(
                self,
                f"{service.name}_account",
                ServiceAccountProps(
                    # Unique in the project and at most 30 characters whatever the project name.
                    account_id=f"{service.name}-{config.environment}",
                    display_name=f"{identity.prefix} {service.name}",
                    description=f"Runs the {service.name} Cloud Run service of {identity.prefix}",
                    depends_on=apis.dependables("iam.googleapis.com"),
                ),
            )
            for service in SERVICES
        }
        backend_account = accounts[BACKEND.name]

        secret_env: dict[str, SecretEnv] = {}
        backend_needs: list[ITerraformDependable] = []
        vpc_egress: VpcEgress | None = None
        database: PostgresDatabase | None = None
        if config.database.enabled:
            random_provider(self)
            network = PrivateNetwork(
                self,
                "network",
                PrivateNetworkProps(
                    name=identity.name("vpc"),
                    region=region,
                    subnet_cidr=config.gcp.subnet_cidr,
                    private_services_cidr=config.gcp.private_services_cidr,
                    depends_on=apis.dependables("compute.googleapis.com", "servicenetworking.googleapis.com"),
                ),
            )
            database = PostgresDatabase(
                self,
                "database",
                PostgresDatabaseProps(
                    instance_name=identity.name("postgres"),
                    region=region,
                    network_id=network.network_id,
                    allocated_ip_range=network.private_services_range_name,
                    tier=config.database.cloud_sql_tier,
                    postgres_major_version=config.database.postgres_major_version,
                    database_name=database_name(config),
                    user_name=DATABASE_USER,
                    high_availability=config.database.high_availability,
                    disk_size_gb=config.database.allocated_storage_gb,
                    disk_autoresize_limit_gb=config.database.max_allocated_storage_gb,
                    backup_retention_days=config.database.backup_retention_days,
                    deletion_protection=config.protection.deletion_protection,
                    depends_on=[*apis.dependables("sqladmin.googleapis.com"), network.private_services_connection],
                ),
            )
            # The credentials contract shared with AWS: DATABASE_URL without a password, and PGPASSWORD.
            for env_name, construct_id, secret_name, value in (
                ("DATABASE_URL", "database_url", "database-url", database.connection_url),
                ("PGPASSWORD", "database_password", "database-password", database.password),
            ):
                secret = Secret(
                    self,
                    construct_id,
                    SecretProps(
                        secret_id=identity.name(secret_name),
                        value=value,
                        replica_locations=(region,),
                        deletion_protection=config.protection.deletion_protection,
                        depends_on=apis.dependables("secretmanager.googleapis.com"),
                    ),
                )
                secret.grant_accessor(BACKEND.name, backend_account.member)
                secret_env[env_name] = SecretEnv(secret=secret.secret_id, version=secret.version_number)
                backend_needs += secret.dependables
            backend_needs += [*database.dependables, *apis.dependables("compute.googleapis.com")]
            vpc_egress = VpcEgress(network=network.network_id, subnetwork=network.subnet_id)

        def cloud_run(
            service: AppService,
            env: dict[str, str],
            depends_on: list[ITerraformDependable],
            secret_env: dict[str, SecretEnv] | None = None,
            vpc_egress: VpcEgress | None = None,
        ) -> CloudRunService:
            settings = service.settings(config)
            return CloudRunService(
                self,
                f"run_{service.name}",  # not just the name: "backend" is the id of the stack's state backend
                CloudRunServiceProps(
                    name=identity.name(service.name),
                    location=region,
                    image=registry.image(service.name, config.images.tag),
                    service_account_email=accounts[service.name].email,
                    port=service.port,
                    health_path=service.health_path,
                    cpu=settings.cloud_run_cpu,
                    memory_mib=settings.cloud_run_memory,
                    min_instances=config.scaling.min_capacity,
                    max_instances=config.scaling.max_capacity,
                    concurrency=settings.concurrency,
                    request_timeout_seconds=settings.request_timeout_seconds,
                    env={"ENVIRONMENT": config.environment, **env},
                    # Behind the load balancer: only it (and the VPC) may reach the services, and it cannot
                    # present identity tokens, so the invoker IAM check is off and ingress does the gating.
                    # Without a load balancer (dev only, by config rule): the run.app URLs are the public
                    # entry points, so ingress is open and invocation needs no identity (no allUsers grant).
                    ingress=INGRESS_INTERNAL_LOAD_BALANCER if domain else INGRESS_ALL,
                    invoker_iam_disabled=True,
                    deletion_protection=config.protection.deletion_protection,
                    secret_env=secret_env or {},
                    vpc_egress=vpc_egress,
                    depends_on=depends_on,
                ),
            )

        backend = cloud_run(
            BACKEND,
            {"GCS_BUCKET": data_bucket.name, "GOOGLE_CLOUD_PROJECT": project},
            depends_on=[*apis.dependables("run.googleapis.com"), *backend_needs],
            secret_env=secret_env,
            vpc_egress=vpc_egress,
        )
        frontend = cloud_run(
            FRONTEND,
            {"NEXT_PUBLIC_API_URL": f"https://{domain}/api" if domain else f"{backend.uri}/api"},
            depends_on=apis.dependables("run.googleapis.com"),
        )
        data_bucket.grant_object_user(BACKEND.name, backend_account.member)
        # The frontend calls the backend through the load balancer (NEXT_PUBLIC_API_URL); with the
        # invoker IAM check off, an invoker grant would change nothing, so there is none.

        load_balancer = None
        if domain:
            cloud_armor = CloudArmorPolicy(
                self,
                "cloud_armor",
                CloudArmorPolicyProps(
                    name=identity.name("edge"),
                    rate_limit_requests=config.waf.rate_limit_requests,
                    rate_limit_window_seconds=config.waf.rate_limit_window_seconds,
                    description=f"WAF and rate limit in front of {identity.prefix}",
                    depends_on=apis.dependables("compute.googleapis.com"),
                ),
            )
            load_balancer = ServerlessLoadBalancer(
                self,
                "load_balancer",
                ServerlessLoadBalancerProps(
                    name=identity.prefix,
                    region=region,
                    domains=(domain,),
                    backends=(
                        ServerlessBackend(BACKEND.name, backend.name, paths=BACKEND_PATHS),
                        ServerlessBackend(FRONTEND.name, frontend.name),
                    ),
                    security_policy=cloud_armor.policy_id,
                    depends_on=apis.dependables("compute.googleapis.com"),
                ),
            )
            uptime_hosts = {BACKEND.name: domain, FRONTEND.name: domain}
        else:
            uptime_hosts = {BACKEND.name: backend.host, FRONTEND.name: frontend.host}

        service_names = tuple(identity.name(service.name) for service in SERVICES)
        thresholds = alert_thresholds(config)
        monitoring = ServiceMonitoringProps(
            name=identity.prefix,
            project=project,
            notification_email=config.alerting.email,
            services=service_names,
            thresholds=thresholds,
            uptime_targets=tuple(
                UptimeTarget(service.name, uptime_hosts[service.name], service.health_path) for service in SERVICES
            ),
            database_instance=database.instance_name if database else None,
            depends_on=apis.dependables("monitoring.googleapis.com"),
        )
        ServiceMonitoring(self, "monitoring", monitoring)
        ServicesDashboard(
            self,
            "dashboard",
            ServicesDashboardProps(
                display_name=f"{identity.prefix} services",
                services=service_names,
                thresholds=thresholds,
                database_id=monitoring.database_id,
                depends_on=apis.dependables("monitoring.googleapis.com"),
            ),
        )
        LogRetention(
            self,
            "log_retention",
            LogRetentionProps(
                project=project,
                retention_days=config.logging.retention_days,
                depends_on=apis.dependables("logging.googleapis.com"),
            ),
        )

        TerraformOutput(self, "data_bucket_name", value=data_bucket.name, description="Analytics data bucket")
        TerraformOutput(self, "access_log_bucket_name", value=access_logs.name, description="Usage logs of the data bucket")
        TerraformOutput(self, "artifact_registry_url", value=registry.url, description="Push images here")
        TerraformOutput(self, "backend_url", value=backend.uri, description="Backend service (run.app)")
        TerraformOutput(self, "frontend_url", value=frontend.uri, description="Frontend service (run.app)")
        if load_balancer is not None:
            TerraformOutput(self, "load_balancer_ip", value=load_balancer.ip_address,
                            description=f"Point the DNS A record of {domain} here")
            TerraformOutput(self, "load_balancer_url", value=load_balancer.url, description="The platform's URL")
