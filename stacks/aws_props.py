"""The environment's configuration as the AWS pattern's props (no resource logic: see WebPlatform)."""

from __future__ import annotations

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.github import DeliveryNames
from config.schema import ReleaseSettings
from constructs_lib.aws.patterns import (
    DATA_BUCKET_NAME,
    BudgetSpec,
    CapacitySplit,
    ContainerImage,
    DataAccess,
    DatabaseSpec,
    InternalServiceUrl,
    Deployment,
    DisasterRecoverySpec,
    HealthCheck,
    OfficeHours,
    PILOT_LIGHT,
    WARM,
    ReleaseSpec,
    Scaling,
    ServiceSpec,
    ServiceUrl,
    TestListener,
)

from .app_services import BACKEND, BACKEND_PATHS, FRONTEND, INTERNAL_API_VARIABLE, AppService, database_name

# DuckDB keeps extensions and spill files below HOME (/tmp); Next.js writes its cache below .next/cache.
_WRITABLE_PATHS = {BACKEND.name: ("/tmp",), FRONTEND.name: ("/tmp", "/app/.next/cache")}


def service_spec(service: AppService, config: EnvironmentConfig, *, standby: bool = False) -> ServiceSpec:
    """One of our two services: sizes, scaling and environment from config, the contract from app_services.

    ``standby``: the service in the disaster-recovery standby region, at the standby's capacity ([dr]).
    """
    settings, scaling, hours = service.settings(config), config.scaling, config.scaling.working_hours
    min_instances, max_instances = scaling.min_capacity, scaling.max_capacity
    region = config.aws.region
    if standby:
        assert config.aws_dr is not None, "a standby needs [dr]"
        min_instances, max_instances = config.aws_dr.standby_min_capacity, config.aws_dr.standby_max_capacity
        region = config.aws_dr.aws_standby_region
    environment = {"ENVIRONMENT": config.environment}
    if service is BACKEND:
        environment |= {"AWS_REGION": region, "S3_BUCKET": DATA_BUCKET_NAME, "HOME": "/tmp"}
    else:
        environment |= {"NEXT_PUBLIC_API_URL": ServiceUrl(BACKEND.name, "/api"), "HOSTNAME": "0.0.0.0",
                        INTERNAL_API_VARIABLE: InternalServiceUrl(BACKEND.name, "/api")}
    return ServiceSpec(
        name=service.name,
        image=_image(service, config, standby=standby),
        cpu=settings.cpu / 1024,  # the config counts Fargate CPU units
        memory_mib=settings.memory,
        port=service.port,
        health_check=HealthCheck(service.health_path),
        routes=BACKEND_PATHS if service is BACKEND else (),
        scaling=Scaling(
            min_instances=min_instances, max_instances=max_instances,
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
        execute_command=settings.execute_command,
    )


def _image(service: AppService, config: EnvironmentConfig, *, standby: bool) -> ContainerImage:
    """The candidate, while one is being released (ECS shifts traffic to it by release.strategy).

    The environment's bootstrap stack owns the repositories (pushed to before the platform's first apply). The
    standby creates its own of the same names in its region, which the primary's registry replication fills.
    """
    tag = config.release.candidate_tag or config.images.tag
    digests = config.release.candidate_digests if config.release.candidate_tag else config.images.digests
    digest = digests.get(service.name)  # ECR's replication keeps the digest: the standby runs the same image
    if standby:
        return ContainerImage.platform_repository(tag, digest=digest)
    return ContainerImage.ecr(
        account_id=config.aws.account_id, region=config.aws.region,
        repository=DeliveryNames(PlatformIdentity(config.project, config.environment)).image_repository(service.name),
        tag=tag, digest=digest,
    )


def database_spec(config: EnvironmentConfig) -> DatabaseSpec | None:
    """The RDS database, when the environment has one."""
    database = config.database
    if not database.enabled:
        return None
    return DatabaseSpec(
        instance_class=database.instance_class, postgres_major_version=database.postgres_major_version,
        allocated_storage_gb=database.allocated_storage_gb, max_allocated_storage_gb=database.max_allocated_storage_gb,
        backup_retention_days=database.backup_retention_days, high_availability=database.high_availability,
        database_name=database_name(config),
    )


def release_spec(release: ReleaseSettings) -> ReleaseSpec:
    """ECS deployment strategy, bake time, canary or linear steps, a rolling transition, and the test listener of a
    traffic-shifting strategy or a transition."""
    deployment = Deployment(
        strategy=release.strategy.upper(), bake_time_minutes=release.bake_minutes,
        canary_percent=release.canary_percent, canary_bake_time_minutes=release.canary_bake_minutes,
        linear_step_percent=release.linear_step_percent, linear_step_bake_time_minutes=release.linear_step_minutes,
        transition=release.transition.upper() if release.transition else None,
    )
    test_listener = TestListener(release.test_cidrs, release.test_port) if release.has_test_route else None
    return ReleaseSpec(deployment=deployment, test_listener=test_listener)


def capacity_split(config: EnvironmentConfig) -> CapacitySplit | None:
    """On-demand and Spot shares of the tasks; ``None`` (on-demand only) without a [capacity] table."""
    capacity = config.capacity
    if capacity is None:
        return None
    return CapacitySplit(capacity.on_demand_base, capacity.on_demand_weight, capacity.spot_weight)


def disaster_recovery_spec(config: EnvironmentConfig) -> DisasterRecoverySpec | None:
    """Primary and standby regions and the mode from [dr]; the Route 53 health check asks the backend's health path."""
    dr = config.aws_dr
    if dr is None:
        return None
    return DisasterRecoverySpec(primary_region=config.aws.region, standby_region=dr.aws_standby_region,
                                mode=WARM if dr.warm else PILOT_LIGHT, health_check_path=BACKEND.health_path)


def budget_spec(config: EnvironmentConfig) -> BudgetSpec:
    """The monthly budget of this cloud's stack of the environment."""
    budget = config.budget
    return BudgetSpec(budget.monthly_amount, budget.currency, budget.actual_thresholds, budget.forecast_thresholds)
