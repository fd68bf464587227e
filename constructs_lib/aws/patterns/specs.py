"""What the AWS patterns are made of: frozen, validated specs with secure defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...rules import (
    AWS_ACCOUNT_PATTERN,
    AWS_REGION_PATTERN,
    BACKUP_RETENTION_DAYS_RANGE,
    CERTIFICATE_ARN_PATTERN,
    DOMAIN_PATTERN,
    DOMAIN_RULE,
    HOSTED_ZONE_PATTERN,
    IMAGE_DIGEST_PATTERN,
    IMAGE_DIGEST_RULE,
    IMAGE_TAG_PATTERN,
    IMAGE_TAG_RULE,
    POSTGRES_MAJOR_VERSIONS,
    RATE_LIMIT_WINDOWS_SECONDS,
    fargate_size_problem,
)
from ...specs import (
    SERVICE_NAME,
    SERVICE_NAME_RULE,
    DataAccess,
    EnvironmentValue,
    PathRateLimit,
    RequestLimits,
    check_path_rate_limits,
)
from ..container_repository import REPOSITORY_NAME
from ..fargate_service import ContainerSecret, Deployment
from ..load_balancer import HealthCheck, TestListener
from ..network import Cidr, parse_cidr
from ..service_autoscaling import Scaling
from ..web_acl import DEFAULT_MANAGED_RULE_GROUPS, ManagedRuleGroup

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class ContainerImage:
    """Where a service's image comes from; build one with a class method.

    - :meth:`platform_repository`: the pattern creates an ECR repository for the service (KMS,
      scan on push, immutable tags, lifecycle) and pulls ``<repository>:<tag>`` from it;
    - :meth:`ecr`: an existing ECR repository, e.g. of a separate images stack;
    - :meth:`from_registry`: any registry that serves the image without credentials.

    With a ``digest`` the task definition names the image by it (``<repository>@sha256:...``): the tag says
    which release it is, the digest is what runs, so a tag moved in the registry changes no running task.

    The execution role may pull from the ECR repository of the first two, and from nothing else.

    Attributes:
        tag: The tag in the pattern's own repository (``platform_repository`` only).
        reference: The full image reference (``ecr`` and ``from_registry``).
        repository_arn: The ECR repository the execution role may pull from (``ecr`` only).
        digest: The image's digest (``platform_repository`` only; ``ecr`` writes it into ``reference``).
    """

    tag: str | None = None
    reference: str | None = None
    repository_arn: str | None = None
    digest: str | None = None

    @classmethod
    def platform_repository(cls, tag: str, digest: str | None = None) -> ContainerImage:
        """The image ``tag`` (pulled by ``digest`` when given) in an ECR repository the pattern creates for the service."""
        _check_tag(tag, "ContainerImage.platform_repository(tag)")
        _check_digest(digest, "ContainerImage.platform_repository(digest)")
        return cls(tag=tag, digest=digest)

    @classmethod
    def ecr(cls, *, account_id: str, region: str, repository: str, tag: str, partition: str = "aws",
            digest: str | None = None) -> ContainerImage:
        """The image ``tag`` of the existing ECR repository ``repository`` in ``account_id``/``region``, pulled by
        ``digest`` when given (``<repository>@sha256:...``)."""
        _check_tag(tag, "ContainerImage.ecr(tag)")
        _check_digest(digest, "ContainerImage.ecr(digest)")
        if not AWS_ACCOUNT_PATTERN.fullmatch(account_id):
            raise ValueError(f"ContainerImage.ecr(account_id) {account_id!r}: must be a 12-digit AWS account ID")
        if not AWS_REGION_PATTERN.fullmatch(region):
            raise ValueError(f"ContainerImage.ecr(region) {region!r}: must be an AWS region such as us-east-1")
        if not REPOSITORY_NAME.fullmatch(repository):
            raise ValueError(f"ContainerImage.ecr(repository) {repository!r}: must be an ECR repository name")
        return cls(
            reference=f"{account_id}.dkr.ecr.{region}.amazonaws.com/{repository}" + (f"@{digest}" if digest else f":{tag}"),
            repository_arn=f"arn:{partition}:ecr:{region}:{account_id}:repository/{repository}",
        )

    @classmethod
    def from_registry(cls, reference: str) -> ContainerImage:
        """Any image reference with a tag or digest, e.g. ``ghcr.io/acme/orders:1.4.2``."""
        last = reference.rsplit("/", 1)[-1]
        if "@sha256:" not in reference and (":" not in last or last.endswith((":latest", ":"))):
            raise ValueError(
                f"ContainerImage.from_registry(reference) {reference!r}: needs a tag other than latest, or a digest"
            )
        return cls(reference=reference)

    @property
    def needs_platform_repository(self) -> bool:
        """True when the pattern creates the ECR repository."""
        return self.reference is None

    @property
    def ecr_location(self) -> tuple[str, str, str] | None:
        """``(account, region, repository)`` of an :meth:`ecr` image, else ``None``."""
        if self.repository_arn is None:
            return None
        _, _, _, region, account, resource = self.repository_arn.split(":", 5)
        return account, region, resource.removeprefix("repository/")


def _check_tag(tag: str, owner: str) -> None:
    if not IMAGE_TAG_PATTERN.fullmatch(tag):
        raise ValueError(f"{owner} {tag!r}: {IMAGE_TAG_RULE}")


def _check_digest(digest: str | None, owner: str) -> None:
    if digest is not None and not (isinstance(digest, str) and IMAGE_DIGEST_PATTERN.fullmatch(digest)):
        raise ValueError(f"{owner} {digest!r}: {IMAGE_DIGEST_RULE}")


@dataclass(frozen=True)
class ServiceSpec:
    """One container service of a pattern.

    Attributes:
        name: Short name (1-20 lowercase letters or digits), e.g. ``api``; names its ECS service,
            roles, log group and target group.
        image: Where the image comes from (:class:`ContainerImage`).
        cpu: Task CPU units (1024 = 1 vCPU). Default 256.
        memory: Task memory in MiB, a size Fargate accepts with ``cpu``. Default 512.
        port: The port the container listens on (the pattern sets ``PORT`` to it). ``None``: a worker
            that takes no requests and is not behind the load balancer. Default 8080.
        health_check: How the load balancer checks a task. Default ``GET /`` answering 200 every 15 s.
        routes: Request paths the load balancer sends here, e.g. ``("/api", "/api/*")``. Empty: this
            service receives every request no other service's routes match (at most one such service).
        scaling: Task count bounds, scaling targets and office hours. Default 1 to 3 tasks at 70 % CPU.
        environment: Variables of the container: text, or a value the pattern fills in
            (:class:`~constructs_lib.specs.ServiceUrl`, :class:`~constructs_lib.specs.InternalServiceUrl`,
            :data:`~constructs_lib.specs.DATA_BUCKET_NAME`).
        secrets: Variables read from Secrets Manager when a task starts. Default none.
        data_access: What the service may do with the platform's data bucket. Default none.
        database_access: Connect to the platform's database as ``DatabaseSpec.application_user``: ``DATABASE_URL``
            (no password; ``sslmode=verify-full`` with the RDS CA bundle the image ships at ``PGSSLROOTCERT``),
            ``DATABASE_AUTH=aws-rds-iam`` (the password is an IAM token the service signs in ``AWS_REGION``),
            ``rds-db:connect`` for that user and a network path to port 5432.
            Never the master credential. Default ``False``.
        writable_paths: Scratch volumes; the root filesystem is read-only. Default ``/tmp``.
        command: Overrides the image's command. Default: the image's own.
        request_timeout_seconds: The longest a request may take; the load balancer keeps idle
            connections open that long. Default 60.
        cpu_architecture: ``X86_64`` or ``ARM64``. Default ``X86_64``.
        internet_egress: HTTPS to the internet (through NAT). Default ``False``: the tasks reach AWS through the
            VPC's endpoints (ECR, CloudWatch Logs, Secrets Manager, S3) and the platform's services through their
            internal URLs, nothing else.
    """

    name: str
    image: ContainerImage
    cpu: int = 256
    memory: int = 512
    port: int | None = 8080
    health_check: HealthCheck = field(default_factory=HealthCheck)
    routes: tuple[str, ...] = ()
    scaling: Scaling = field(default_factory=Scaling)
    environment: Mapping[str, EnvironmentValue] = field(default_factory=dict)
    secrets: tuple[ContainerSecret, ...] = ()
    data_access: DataAccess = DataAccess.NONE
    database_access: bool = False
    writable_paths: tuple[str, ...] = ("/tmp",)
    command: tuple[str, ...] = ()
    request_timeout_seconds: int = 60
    cpu_architecture: str = "X86_64"
    internet_egress: bool = False

    def __post_init__(self) -> None:
        owner = f"ServiceSpec({self.name!r})"
        if not SERVICE_NAME.fullmatch(self.name):
            raise ValueError(f"ServiceSpec.name {self.name!r}: {SERVICE_NAME_RULE}")
        problem = fargate_size_problem(self.cpu, self.memory)
        if problem is not None:
            raise ValueError(f"{owner}.cpu/memory {self.cpu}/{self.memory}: {problem}")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValueError(f"{owner}.port {self.port}: must be 1 to 65535")
        object.__setattr__(self, "routes", tuple(self.routes))
        if self.routes and self.port is None:
            raise ValueError(f"{owner}.routes {self.routes!r}: a service without a port receives no requests")
        if not all(route.startswith("/") for route in self.routes):
            raise ValueError(f"{owner}.routes {self.routes!r}: must be paths starting with '/'")
        if self.scaling.requests_per_target is not None and self.port is None:
            raise ValueError(f"{owner}.scaling.requests_per_target: needs a port behind the load balancer")
        bad_names = [name for name in self.environment if not _ENV_NAME.fullmatch(name)]
        if bad_names:
            raise ValueError(f"{owner}.environment {bad_names!r}: names must be letters, digits and '_'")
        clash = set(self.environment) & {secret.name for secret in self.secrets}
        if clash:
            raise ValueError(f"{owner}.secrets {sorted(clash)!r}: also plain variables in environment")
        if not 1 <= self.request_timeout_seconds <= 4000:
            raise ValueError(f"{owner}.request_timeout_seconds {self.request_timeout_seconds}: must be 1 to 4000")

    @property
    def is_default_route(self) -> bool:
        """True for the service that receives every request no route matches."""
        return self.port is not None and not self.routes


@dataclass(frozen=True)
class Https:
    """How the load balancer serves HTTPS.

    Attributes:
        domain: The site's name, e.g. ``shop.example.com``.
        certificate_arn: An ACM certificate for ``domain`` in the load balancer's region. Default
            ``None``: one is issued and DNS-validated in ``hosted_zone_id``.
        hosted_zone_id: The Route 53 zone of ``domain``: the pattern validates the certificate there
            and points an alias record at the load balancer. Default ``None``: point the name yourself.
    """

    domain: str
    certificate_arn: str | None = None
    hosted_zone_id: str | None = None

    def __post_init__(self) -> None:
        if not DOMAIN_PATTERN.fullmatch(self.domain):
            raise ValueError(f"Https.domain {self.domain!r}: {DOMAIN_RULE}")
        if self.certificate_arn is None and self.hosted_zone_id is None:
            raise ValueError("Https: give certificate_arn, or hosted_zone_id to issue a DNS-validated certificate")
        if self.certificate_arn is not None and not CERTIFICATE_ARN_PATTERN.fullmatch(self.certificate_arn):
            raise ValueError(f"Https.certificate_arn {self.certificate_arn!r}: must be an ACM certificate ARN")
        if self.hosted_zone_id is not None and not HOSTED_ZONE_PATTERN.fullmatch(self.hosted_zone_id):
            raise ValueError(f"Https.hosted_zone_id {self.hosted_zone_id!r}: must be a Route 53 zone ID such as Z0123456789ABC")


@dataclass(frozen=True)
class WafSpec:
    """The web application firewall in front of the load balancer.

    Nothing is exempt from the rate limits: the services' own calls to each other stay inside the VPC
    (:class:`~constructs_lib.specs.InternalServiceUrl`), so an address that is ours never reaches the edge.

    Attributes:
        rate_limit_requests: Requests one client IP may send per window before it is refused. Default 2000.
        rate_limit_window_seconds: 60, 120, 300 or 600. Default 300.
        path_rate_limits: Per-IP limits of their own below some paths, e.g. ``PathRateLimit("/api", 1000)``; those
            requests count there instead of against the site-wide limit. Default none.
        request_limits: Body, header and URL sizes refused before any rule inspects a request, and the routes
            allowed larger bodies. Default :class:`~constructs_lib.specs.RequestLimits` defaults (8 KB bodies).
        managed_rule_groups: AWS managed rule groups with count-only rules and excluded paths.
            Default :data:`~constructs_lib.aws.web_acl.DEFAULT_MANAGED_RULE_GROUPS`.
        log_allowed_requests: WAF logs also record allowed requests. Default ``False``: blocked and counted
            ones only (the load balancer's access logs record every request).
    """

    rate_limit_requests: int = 2000
    rate_limit_window_seconds: int = 300
    path_rate_limits: tuple[PathRateLimit, ...] = ()
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    managed_rule_groups: tuple[ManagedRuleGroup, ...] = DEFAULT_MANAGED_RULE_GROUPS
    log_allowed_requests: bool = False

    def __post_init__(self) -> None:
        if not 10 <= self.rate_limit_requests <= 2_000_000_000:
            raise ValueError(f"WafSpec.rate_limit_requests {self.rate_limit_requests}: must be 10 to 2000000000")
        if self.rate_limit_window_seconds not in RATE_LIMIT_WINDOWS_SECONDS:
            raise ValueError(
                f"WafSpec.rate_limit_window_seconds {self.rate_limit_window_seconds}: must be one of {RATE_LIMIT_WINDOWS_SECONDS}"
            )
        object.__setattr__(self, "path_rate_limits", check_path_rate_limits(self.path_rate_limits, "WafSpec.path_rate_limits"))


@dataclass(frozen=True)
class LoadBalancerSpec:
    """The internet-facing entry: an Application Load Balancer with a WAF.

    Attributes:
        https: Domain and certificate. ``None``: plain HTTP on port 80 only, for development
            environments without a domain (there is no default, so the choice is always explicit).
        waf: The web ACL. Default :class:`WafSpec` defaults; ``None`` leaves the load balancer unprotected.
        idle_timeout_seconds: Connection idle timeout. Default ``None``: the longest
            ``request_timeout_seconds`` of the services behind it.
    """

    https: Https | None
    waf: WafSpec | None = field(default_factory=WafSpec)
    idle_timeout_seconds: int | None = None

    def __post_init__(self) -> None:
        if self.idle_timeout_seconds is not None and not 1 <= self.idle_timeout_seconds <= 4000:
            raise ValueError(f"LoadBalancerSpec.idle_timeout_seconds {self.idle_timeout_seconds}: must be 1 to 4000")


@dataclass(frozen=True)
class NetworkSpec:
    """The VPC a pattern creates.

    Attributes:
        cidr: Its private IPv4 block, /16 to /19, as text or :class:`ipaddress.IPv4Network`.
        availability_zones: 2 to 6 zones of the region, e.g. ``("eu-west-1a", "eu-west-1b")``.
        single_nat_gateway: One NAT gateway for all zones (cheaper, not zone-redundant). Default ``False``.
    """

    cidr: Cidr
    availability_zones: tuple[str, ...]
    single_nat_gateway: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "cidr", parse_cidr(self.cidr, "NetworkSpec.cidr"))
        object.__setattr__(self, "availability_zones", tuple(self.availability_zones))


@dataclass(frozen=True)
class DataBucketSpec:
    """The platform's data bucket (versioned, KMS-encrypted, private, TLS only, access-logged).

    Attributes:
        noncurrent_version_expiration_days: Days a replaced or deleted object version is kept. Default 90.
    """

    noncurrent_version_expiration_days: int = 90

    def __post_init__(self) -> None:
        if not 1 <= self.noncurrent_version_expiration_days <= 3650:
            raise ValueError(
                f"DataBucketSpec.noncurrent_version_expiration_days {self.noncurrent_version_expiration_days}: "
                "must be 1 to 3650"
            )


@dataclass(frozen=True)
class DatabaseSpec:
    """The platform's PostgreSQL database on RDS (isolated subnets, encrypted, backed up, TLS only).

    Attributes:
        instance_class: e.g. ``db.t4g.medium``. Default ``db.t4g.medium``.
        postgres_major_version: 14 to 17. Default 16.
        allocated_storage_gb: Initial storage. Default 20.
        max_allocated_storage_gb: Storage autoscaling ceiling. Default 100.
        backup_retention_days: Days of automated backups and point-in-time recovery, 1-35. Default 7.
        multi_az: A synchronous standby in another zone. Default ``True``.
        database_name: The initial database. Default ``analytics``.
        master_username: The master user (its password is generated and kept by RDS); only the setup task the
            pipeline runs after each apply logs in as it. Default ``analytics_admin``.
        application_user: The role the services log in as with IAM authentication: no password, no privileged
            attribute, owner (through the group ``<database_name>_owner``) of the application's objects. Default ``app``.
    """

    instance_class: str = "db.t4g.medium"
    postgres_major_version: int = 16
    allocated_storage_gb: int = 20
    max_allocated_storage_gb: int = 100
    backup_retention_days: int = 7
    multi_az: bool = True
    database_name: str = "analytics"
    master_username: str = "analytics_admin"
    application_user: str = "app"

    def __post_init__(self) -> None:
        if self.postgres_major_version not in POSTGRES_MAJOR_VERSIONS:
            raise ValueError(
                f"DatabaseSpec.postgres_major_version {self.postgres_major_version}: must be one of {POSTGRES_MAJOR_VERSIONS}"
            )
        low, high = BACKUP_RETENTION_DAYS_RANGE
        if not low <= self.backup_retention_days <= high:
            raise ValueError(f"DatabaseSpec.backup_retention_days {self.backup_retention_days}: must be {low} to {high}")
        if not 20 <= self.allocated_storage_gb <= self.max_allocated_storage_gb:
            raise ValueError(
                f"DatabaseSpec.allocated_storage_gb/max_allocated_storage_gb "
                f"{self.allocated_storage_gb}/{self.max_allocated_storage_gb}: need 20 <= allocated <= max"
            )


@dataclass(frozen=True)
class ReleaseSpec:
    """How a new release of the services behind the load balancer reaches users.

    Attributes:
        deployment: The ECS strategy with its bake time and canary or linear steps, or rolling with a
            ``transition`` to or from traffic shifting (see :class:`~constructs_lib.aws.fargate_service.Deployment`);
            the pattern adds the role ECS needs and the rollback alarms. Default rolling.
        test_listener: A listener on which the new tasks answer before production traffic moves (smoke
            tests), open to the given ranges and the platform's NAT addresses only. Default ``None``: no test route.
        rollback_on_alarms: Roll a deployment of a service back while its own 5xx-rate or p95 response-time
            alarm fires (besides the circuit breaker). Default ``True``.
    """

    deployment: Deployment = field(default_factory=Deployment)
    test_listener: TestListener | None = None
    rollback_on_alarms: bool = True

    def __post_init__(self) -> None:
        if self.test_listener is not None and not self.deployment.uses_alternate_target_group:
            raise ValueError("ReleaseSpec.test_listener: only traffic-shifting strategies (and the rolling transitions "
                             "to and from them) route a test listener")
        if self.deployment.role_arn is not None:
            raise ValueError("ReleaseSpec.deployment.role_arn: the pattern creates the role; leave it out")

    @property
    def shifts_traffic(self) -> bool:
        """True for blue/green, canary and linear releases."""
        return self.deployment.shifts_traffic

    @property
    def uses_alternate_target_group(self) -> bool:
        """True when the services behind the load balancer have two target groups (traffic shifting or a transition)."""
        return self.deployment.uses_alternate_target_group
