"""The AWS side of the platform for one environment."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig, StateBackendSettings
from constructs_lib import PlatformIdentity
from constructs_lib.aws.alarms import (
    DatabaseAlarms,
    DatabaseAlarmsProps,
    LoadBalancerAlarms,
    LoadBalancerAlarmsProps,
    ServiceAlarms,
    ServiceAlarmsProps,
)
from constructs_lib.aws.alert_topic import AlertTopic, AlertTopicProps
from constructs_lib.aws.certificate import DnsValidatedCertificate, DnsValidatedCertificateProps
from constructs_lib.aws.container_repository import ContainerRepository, ContainerRepositoryProps
from constructs_lib.aws.dashboard import PlatformDashboard, PlatformDashboardProps
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.database import POSTGRES_PORT, PostgresDatabase, PostgresDatabaseProps
from constructs_lib.aws.ecs_cluster import EcsCluster, EcsClusterProps
from constructs_lib.aws.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.fargate_service import ContainerSecret, FargateService, FargateServiceProps
from constructs_lib.aws.iam import Condition, Statement
from constructs_lib.aws.load_balancer import PublicLoadBalancer, PublicLoadBalancerProps, TargetSpec
from constructs_lib.aws.log_bucket import LogBucket, LogBucketProps
from constructs_lib.aws.network import Network, NetworkProps
from constructs_lib.aws.provider import aws_provider
from constructs_lib.aws.service_autoscaling import OfficeHours, ServiceAutoScaling, ServiceAutoScalingProps
from constructs_lib.aws.web_acl import WebAcl, WebAclProps

from . import stack_name
from .app_services import BACKEND, BACKEND_PATHS, FRONTEND, SERVICES, AppService, alert_thresholds, database_name
from .backends import add_state_backend

# Next.js writes its image and data cache below .next/cache at run time.
_WRITABLE_PATHS = {BACKEND.name: ("/tmp",), FRONTEND.name: ("/tmp", "/app/.next/cache")}


class AwsPlatformStack(TerraformStack):
    """Everything the platform runs on in one AWS account and region, for one environment.

    A VPC (public, private, isolated subnets), an internet-facing ALB with WAF in front of two Fargate
    services (backend, frontend) in private subnets, ECR repositories, the data bucket (read/write
    for the backend only), an optional RDS PostgreSQL, CloudWatch logs, alarms to an SNS topic and a
    dashboard. Every value that differs between environments comes from ``config``.
    """

    def __init__(self, scope: Construct, config: EnvironmentConfig, state: StateBackendSettings) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment))
        self.config = config
        identity = PlatformIdentity(config.project, config.environment)
        self.identity = identity
        aws = config.aws
        add_state_backend(self, cloud="aws", config=config, state=state)
        aws_provider(self, region=aws.region, tags=identity.aws_tags(), allowed_account_ids=[aws.account_id])
        retention = config.logging.retention_days

        self.key = EncryptionKey(self, "platform_key", EncryptionKeyProps(
            alias=identity.prefix,
            account_id=aws.account_id,
            description=f"Encrypts the data, logs, secrets and alerts of {identity.prefix}",
            service_statements=(
                EncryptionKey.service_use_statement(
                    "CloudWatchLogsUse", f"logs.{aws.region}.amazonaws.com",
                    Condition("ArnLike", "kms:EncryptionContext:aws:logs:arn",
                              (f"arn:aws:logs:{aws.region}:{aws.account_id}:log-group:*",)),
                ),
                # As AWS documents it for alarms publishing to an encrypted topic (no condition).
                EncryptionKey.service_use_statement("CloudWatchAlarmsUse", "cloudwatch.amazonaws.com"),
            ),
        ))
        network = Network(self, "network", NetworkProps(
            name_prefix=identity.prefix, region=aws.region, account_id=aws.account_id, cidr=aws.vpc_cidr,
            availability_zones=aws.availability_zones, flow_log_retention_days=retention,
            single_nat_gateway=aws.single_nat_gateway, kms_key_arn=self.key.arn,
        ))

        log_bucket = LogBucket(self, "log_bucket", LogBucketProps(
            bucket_prefix=f"{identity.name('logs')}-", account_id=aws.account_id, region=aws.region,
            retention_days=retention,
        ))
        self.data_bucket = DataBucket(self, "data_bucket", DataBucketProps(
            bucket_prefix=f"{identity.name('data')}-",
            noncurrent_version_expiration_days=config.storage.noncurrent_version_expiration_days,
            kms_key_arn=self.key.arn,
            access_log_bucket=log_bucket.name,
            access_log_prefix=f"{log_bucket.server_access_prefix}/data/",
        ))

        repositories = {
            service.name: ContainerRepository(self, f"{service.name}_repository", ContainerRepositoryProps(
                name=f"{identity.prefix}/{service.name}", kms_key_arn=self.key.arn,
            ))
            for service in SERVICES
        }
        cluster = EcsCluster(self, "cluster", EcsClusterProps(
            name=identity.prefix, log_retention_days=retention, kms_key_arn=self.key.arn,
        ))

        https = aws.https  # the schema guarantees: http_only, or a domain with a certificate ARN or zone
        certificate_arn = https.certificate_arn
        if certificate_arn is None and https.domain is not None and https.hosted_zone_id is not None:
            certificate_arn = DnsValidatedCertificate(self, "certificate", DnsValidatedCertificateProps(
                domain_name=https.domain, hosted_zone_id=https.hosted_zone_id,
            )).arn
        load_balancer = PublicLoadBalancer(self, "load_balancer", PublicLoadBalancerProps(
            name=identity.prefix,
            vpc_id=network.vpc_id,
            vpc_cidr=aws.vpc_cidr,
            subnet_ids=tuple(subnet.id for subnet in network.public_subnets),
            targets=(
                TargetSpec(BACKEND.name, BACKEND.port, BACKEND.health_path, BACKEND_PATHS),
                TargetSpec(FRONTEND.name, FRONTEND.port, FRONTEND.health_path),
            ),
            access_log_bucket=log_bucket.name,
            access_log_prefix=log_bucket.load_balancer_prefix,
            certificate_arn=certificate_arn,
            deletion_protection=config.protection.deletion_protection,
            # Connections may idle as long as the slowest request the services allow.
            idle_timeout_seconds=max(service.settings(config).request_timeout_seconds for service in SERVICES),
            # An alias record where Terraform manages the zone; otherwise point the domain yourself.
            domain_name=https.domain if https.hosted_zone_id else None,
            hosted_zone_id=https.hosted_zone_id,
            dependencies=(log_bucket.policy,),
        ))
        WebAcl(self, "web_acl", WebAclProps(
            name=identity.prefix, resource_arn=load_balancer.arn,
            rate_limit_requests=config.waf.rate_limit_requests,
            rate_limit_window_seconds=config.waf.rate_limit_window_seconds,
            log_retention_days=retention, kms_key_arn=self.key.arn,
            # Server-side calls of the frontend reach the API through the NAT gateways: all tasks
            # share their few addresses, which must not count as one heavy client.
            rate_limit_exempt_ips=tuple(network.nat_public_ips),
        ))

        self.site_url = f"http://{load_balancer.dns_name}" if https.http_only else f"https://{https.domain}"

        database = self._database(network) if config.database.enabled else None
        services: dict[str, FargateService] = {}
        for service in SERVICES:
            services[service.name] = self._service(
                service, cluster, network, load_balancer, repositories[service.name], database
            )
        if database is not None:
            database.allow_from("from_backend", services[BACKEND.name].security_group.id, "Backend tasks")
            services[BACKEND.name].allow_egress_to("to_database", database.security_group.id, POSTGRES_PORT, "Database")

        self._monitoring(cluster, load_balancer, services, database)

        TerraformOutput(self, "load_balancer_dns_name", value=load_balancer.dns_name,
                        description="DNS name of the load balancer (point the domain's CNAME or alias here)")
        TerraformOutput(self, "frontend_url", value=self.site_url, description="URL of the frontend")
        TerraformOutput(self, "backend_url", value=f"{self.site_url}/api", description="Base URL of the backend API")
        for name, repository in repositories.items():
            TerraformOutput(self, f"{name}_repository_url", value=repository.url,
                            description=f"ECR repository of the {name} images")
        TerraformOutput(self, "data_bucket_name", value=self.data_bucket.name, description="Analytics data bucket")
        TerraformOutput(self, "log_bucket_name", value=log_bucket.name, description="Access log bucket")
        TerraformOutput(self, "alarm_topic_arn", value=self.alert_topic.arn, description="SNS topic of all alarms")

    def _database(self, network: Network) -> PostgresDatabase:
        database = self.config.database
        return PostgresDatabase(self, "database", PostgresDatabaseProps(
            identifier=self.identity.prefix,
            vpc_id=network.vpc_id,
            subnet_ids=tuple(subnet.id for subnet in network.isolated_subnets),
            account_id=self.config.aws.account_id,
            instance_class=database.instance_class,
            postgres_major_version=database.postgres_major_version,
            allocated_storage_gb=database.allocated_storage_gb,
            max_allocated_storage_gb=database.max_allocated_storage_gb,
            backup_retention_days=database.backup_retention_days,
            multi_az=database.high_availability,
            deletion_protection=self.config.protection.deletion_protection,
            kms_key_arn=self.key.arn,
            log_retention_days=self.config.logging.retention_days,
            database_name=database_name(self.config),
        ))

    def _service(
        self, service: AppService, cluster: EcsCluster, network: Network, load_balancer: PublicLoadBalancer,
        repository: ContainerRepository, database: PostgresDatabase | None,
    ) -> FargateService:
        config, aws = self.config, self.config.aws
        settings = service.settings(config)
        environment = {"ENVIRONMENT": config.environment, "PORT": str(service.port)}
        secrets: tuple[ContainerSecret, ...] = ()
        task_statements: tuple[Statement, ...] = ()
        dependencies = list(load_balancer.routing)
        if service is BACKEND:
            # DuckDB keeps extensions and spill files below HOME; /tmp is the writable volume.
            environment.update(AWS_REGION=aws.region, S3_BUCKET=self.data_bucket.name, HOME="/tmp")
            task_statements = self._data_bucket_access()
            if database is not None:
                secrets = (
                    ContainerSecret("DATABASE_URL", database.url_secret_arn),
                    ContainerSecret("PGPASSWORD", database.master_secret_arn, json_key="password"),
                )
                # RDS rotates the password; the backend re-reads it from here when a login fails.
                environment["DATABASE_PASSWORD_SECRET_ARN"] = database.master_secret_arn
                task_statements += (Statement(
                    sid="ReadDatabaseSecrets", actions=("secretsmanager:GetSecretValue",),
                    resources=(database.url_secret_arn, database.master_secret_arn),
                ), Statement(
                    sid="DecryptDatabaseSecrets", actions=("kms:Decrypt",), resources=(self.key.arn,),
                    conditions=(Condition("StringEquals", "kms:ViaService",
                                          (f"secretsmanager.{aws.region}.amazonaws.com",)),),
                ))
                dependencies.append(database.url_secret_value)
        else:
            environment.update(NEXT_PUBLIC_API_URL=f"{self.site_url}/api", HOSTNAME="0.0.0.0")
        name = self.identity.name(service.name)
        fargate = FargateService(self, f"{service.name}_service", FargateServiceProps(
            name=name,
            container_name=service.name,
            image=f"{repository.url}:{config.images.tag}",
            image_repository_arn=repository.arn,
            cpu=settings.cpu,
            memory=settings.memory,
            container_port=service.port,
            cluster_arn=cluster.arn,
            vpc_id=network.vpc_id,
            subnet_ids=tuple(subnet.id for subnet in network.private_subnets),
            target_group_arn=load_balancer.target_groups[service.name].arn,
            load_balancer_security_group_id=load_balancer.security_group.id,
            region=aws.region,
            account_id=aws.account_id,
            log_retention_days=config.logging.retention_days,
            desired_count=config.scaling.min_capacity,
            environment=environment,
            secrets=secrets,
            task_role_statements=task_statements,
            kms_key_arn=self.key.arn,
            writable_paths=_WRITABLE_PATHS[service.name],
            dependencies=tuple(dependencies),
        ))
        if service is FRONTEND and config.aws.https.http_only:
            # Server-side rendering calls the API through the load balancer, which dev serves on port 80.
            fargate.allow_egress_to_internet("http_out", 80, "The API through the load balancer (HTTP in dev)")
        scaling = config.scaling
        hours = scaling.working_hours
        ServiceAutoScaling(self, f"{service.name}_autoscaling", ServiceAutoScalingProps(
            cluster_name=cluster.name,
            service_name=fargate.service.name,
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            target_cpu_percent=scaling.target_cpu,
            scale_out_cooldown=scaling.scale_out_cooldown,
            scale_in_cooldown=scaling.scale_in_cooldown,
            target_memory_percent=scaling.target_memory,
            requests_per_target=scaling.requests_per_target,
            load_balancer_resource_label=(
                f"{load_balancer.arn_suffix}/{load_balancer.target_groups[service.name].arn_suffix}"
                if scaling.requests_per_target is not None else None
            ),
            office_hours=OfficeHours(hours.days, hours.start, hours.end, hours.timezone) if hours else None,
        ))
        return fargate

    def _data_bucket_access(self) -> tuple[Statement, ...]:
        """Read and write objects of the data bucket, and nothing else."""
        bucket = self.data_bucket
        return (
            Statement(sid="ListDataBucket", actions=("s3:ListBucket", "s3:GetBucketLocation"), resources=(bucket.arn,)),
            Statement(
                sid="ReadWriteDataObjects",
                actions=("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                resources=(f"{bucket.arn}/*",),
            ),
            Statement(
                sid="UseDataKey",
                actions=("kms:Decrypt", "kms:GenerateDataKey"),
                resources=(self.key.arn,),
                conditions=(Condition("StringEquals", "kms:ViaService", (f"s3.{self.config.aws.region}.amazonaws.com",)),),
            ),
        )

    def _monitoring(
        self, cluster: EcsCluster, load_balancer: PublicLoadBalancer, services: dict[str, FargateService],
        database: PostgresDatabase | None,
    ) -> None:
        config, prefix = self.config, self.identity.prefix
        self.alert_topic = AlertTopic(self, "alerts", AlertTopicProps(
            name=f"{prefix}-alerts", account_id=config.aws.account_id, kms_key_arn=self.key.arn,
            email=config.alerting.email,
        ))
        thresholds = alert_thresholds(config)
        target_groups = {name: group.arn_suffix for name, group in load_balancer.target_groups.items()}
        LoadBalancerAlarms(self, "load_balancer_alarms", LoadBalancerAlarmsProps(
            name_prefix=prefix, load_balancer=load_balancer.arn_suffix, target_groups=target_groups,
            topic_arn=self.alert_topic.arn, thresholds=thresholds,
            # Services scaled to zero outside office hours have no healthy targets by design.
            alarm_without_healthy_targets=config.scaling.working_hours is None,
        ))
        for name, service in services.items():
            ServiceAlarms(self, f"{name}_alarms", ServiceAlarmsProps(
                name_prefix=self.identity.name(name), cluster_name=cluster.name, service_name=service.service.name,
                topic_arn=self.alert_topic.arn, evaluation_minutes=thresholds.evaluation_minutes,
            ))
        if database is not None:
            DatabaseAlarms(self, "database_alarms", DatabaseAlarmsProps(
                name_prefix=self.identity.name("database"), identifier=database.identifier,
                allocated_storage_gb=config.database.allocated_storage_gb, topic_arn=self.alert_topic.arn,
                evaluation_minutes=thresholds.evaluation_minutes,
            ))
        PlatformDashboard(self, "dashboard", PlatformDashboardProps(
            name=prefix, region=config.aws.region, load_balancer=load_balancer.arn_suffix,
            target_groups=target_groups, cluster_name=cluster.name,
            services={name: service.service.name for name, service in services.items()},
            database_identifier=database.identifier if database is not None else None,
        ))
