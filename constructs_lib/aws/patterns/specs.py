"""What the AWS patterns are made of: frozen, validated specs with secure defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from ...props import PropError, Renamed, checked, message, prop, require
from ...cloud_limits import (
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
    FARGATE_CPU_CHOICES,
    LOG_RETENTION_DAYS,
    POSTGRES_MAJOR_VERSIONS,
    RATE_LIMIT_WINDOWS_SECONDS,
    fargate_memory_choices,
)
from ...shared_specs import (
    SERVICE_NAME,
    SERVICE_NAME_RULE,
    DataAccess,
    EnvironmentValue,
    PathRateLimit,
    RequestLimits,
    check_path_rate_limits,
)
from ..container_repository import REPOSITORY_NAME
from ..fargate_service import SECRET_ARN, SECRET_ARN_RULE, ContainerSecret, Deployment
from ..iam import Statement
from ..load_balancer import HealthCheck, TestListener
from ..network import Cidr, parse_cidr
from ..service_autoscaling import Scaling
from ..web_acl import DEFAULT_MANAGED_RULE_GROUPS, ManagedRuleGroup

#: A PostgreSQL identifier the patterns create (database, role).
_PG_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PG_NAME_RULE = "be a PostgreSQL name of lowercase letters, digits and '_', not starting with a digit (at most 63)"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: An ECR repository's URL: ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>``.
_ECR_URL = re.compile(r"([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(.+)")
#: What Fargate accepts as task CPU, in vCPUs (0.25 vCPU is 256 CPU units).
FARGATE_VCPUS: tuple[float, ...] = tuple(units / 1024 for units in FARGATE_CPU_CHOICES)
_VCPU_RULE = "be vCPUs: 0.25, 0.5, 1, 2, 4, 8 or 16"


@checked
class ContainerImage:
    """Where a service's image comes from; build one with a class method (the same names on both clouds).

    - :meth:`platform_repository`: the pattern creates an ECR repository for the service (KMS,
      scan on push, immutable tags, lifecycle) and pulls ``<repository>:<tag>`` from it;
    - :meth:`in_repository` (by URL) or :meth:`ecr` (by account, region and name): an existing ECR repository, e.g.
      a bootstrap stack's;
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

    tag: str | None = prop(None, pattern=IMAGE_TAG_PATTERN, rule=IMAGE_TAG_RULE)
    reference: str | None = None
    repository_arn: str | None = None
    digest: str | None = prop(None, pattern=IMAGE_DIGEST_PATTERN, rule=IMAGE_DIGEST_RULE)

    def __post_init__(self) -> None:
        require((self.tag is None) != (self.reference is None), self, None,
                "use ContainerImage.platform_repository(tag), .in_repository(url, tag), .ecr(...) or .from_registry(ref)")

    @classmethod
    def platform_repository(cls, tag: str, digest: str | None = None) -> ContainerImage:
        """The image ``tag`` (pulled by ``digest`` when given) in an ECR repository the pattern creates for the service."""
        _check_tag(tag, "ContainerImage.platform_repository", "tag")
        return cls(tag=tag, digest=digest)

    @classmethod
    def in_repository(cls, repository_url: str, tag: str, partition: str = "aws",
                      digest: str | None = None) -> ContainerImage:
        """The image ``tag`` (pulled by ``digest`` when given) of the existing ECR repository at ``repository_url``
        (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>``, e.g. a bootstrap stack's output)."""
        match = _ECR_URL.fullmatch(repository_url) if isinstance(repository_url, str) else None
        if match is None:
            raise PropError(message("ContainerImage.in_repository", "repository_url", "be an ECR repository URL "
                                    "such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api", repository_url))
        account_id, region, repository = match.groups()
        return cls.ecr(account_id=account_id, region=region, repository=repository, tag=tag, partition=partition,
                       digest=digest)

    @classmethod
    def ecr(cls, *, account_id: str, region: str, repository: str, tag: str, partition: str = "aws",
            digest: str | None = None) -> ContainerImage:
        """The image ``tag`` of the existing ECR repository ``repository`` in ``account_id``/``region``, pulled by
        ``digest`` when given (``<repository>@sha256:...``)."""
        owner = "ContainerImage.ecr"
        _check_tag(tag, owner, "tag")
        for name, value, pattern, rule in (
            ("account_id", account_id, AWS_ACCOUNT_PATTERN, "be a 12-digit AWS account ID"),
            ("region", region, AWS_REGION_PATTERN, "be an AWS region such as us-east-1"),
            ("repository", repository, REPOSITORY_NAME, "be an ECR repository name"),
            ("digest", digest, IMAGE_DIGEST_PATTERN, IMAGE_DIGEST_RULE),
        ):
            if not (value is None and name == "digest") and (not isinstance(value, str) or not pattern.fullmatch(value)):
                raise PropError(message(owner, name, rule, value))
        return cls(
            reference=f"{account_id}.dkr.ecr.{region}.amazonaws.com/{repository}" + (f"@{digest}" if digest else f":{tag}"),
            repository_arn=f"arn:{partition}:ecr:{region}:{account_id}:repository/{repository}",
        )

    @classmethod
    def from_registry(cls, reference: str) -> ContainerImage:
        """Any image reference with a tag or digest, e.g. ``ghcr.io/acme/orders:1.4.2``."""
        last = reference.rsplit("/", 1)[-1] if isinstance(reference, str) else ""
        if not last or ("@sha256:" not in reference and (":" not in last or last.endswith((":latest", ":")))):
            raise PropError(message("ContainerImage.from_registry", "reference",
                                    "name a tag other than latest, or a digest", reference))
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


def _check_tag(tag: str, owner: str, name: str) -> None:
    if not isinstance(tag, str) or not IMAGE_TAG_PATTERN.fullmatch(tag):
        raise PropError(message(owner, name, IMAGE_TAG_RULE, tag))


@checked
class SecretEnv:
    """An environment variable read from Secrets Manager when a task starts: the values of
    :attr:`ServiceSpec.secrets` (the same shape as on GCP: ``secrets={"API_KEY": SecretEnv(...)}``).

    Attributes:
        secret_arn: The Secrets Manager secret: its ARN, or a partial ARN without the random suffix (see
            :meth:`partial`). The task's execution role may read exactly this secret.
        json_key: A key of a JSON secret (e.g. ``password``); ``None`` for the whole value. Default ``None``.
        policy_arn: What IAM policies name to allow reading it. Default ``None``: ``secret_arn``.
    """

    secret_arn: str = prop(pattern=SECRET_ARN, rule=SECRET_ARN_RULE)
    json_key: str | None = None
    policy_arn: str | None = None

    @classmethod
    def partial(cls, *, region: str, account_id: str, secret_name: str, json_key: str | None = None,
                partition: str = "aws") -> SecretEnv:
        """A secret known by name only (see :meth:`ContainerSecret.partial`)."""
        secret = ContainerSecret.partial("VALUE", region=region, account_id=account_id, secret_name=secret_name,
                                         json_key=json_key, partition=partition)
        return cls(secret.secret_arn, secret.json_key, secret.policy_arn)

    def container_secret(self, variable: str) -> ContainerSecret:
        """The variable ``variable`` read from this secret (what :class:`FargateServiceProps` takes)."""
        return ContainerSecret(variable, self.secret_arn, self.json_key, self.policy_arn)


def _secrets_from_tuple(value: tuple[ContainerSecret, ...], _given: dict[str, Any]) -> dict[str, Any]:
    """The pre-0.3.0 form of :attr:`ServiceSpec.secrets` (a tuple of :class:`ContainerSecret`) as a mapping."""
    return {secret.name: SecretEnv(secret.secret_arn, secret.json_key, secret.policy_arn) for secret in value}


@checked(renamed={
    "memory": Renamed("memory_mib"),
    "cpu": Renamed("cpu", lambda units, _given: units / 1024, when=lambda value: isinstance(value, int) and value >= 256,
                   note="in CPU units is deprecated: give vCPUs (256 units are 0.25)"),
    "secrets": Renamed("secrets", _secrets_from_tuple, when=lambda value: isinstance(value, (tuple, list)) and all(
        isinstance(item, ContainerSecret) for item in value),
                       note="as a tuple of ContainerSecret is deprecated: give {variable: SecretEnv(...)}"),
})
class ServiceSpec:
    """One container service of a pattern.

    The same props as a GCP ``ServiceSpec`` where the meaning is the same (``port``, ``health_check``, ``cpu``,
    ``memory_mib``, ``scaling`` with ``min_instances``/``max_instances``, ``environment``, ``secrets``,
    ``data_access``, ``database_access``, ``routes``, ``internet_egress``, ``permissions``).

    Attributes:
        name: Short name (1-20 lowercase letters or digits), e.g. ``api``; names its ECS service,
            roles, log group and target group.
        image: Where the image comes from (:class:`ContainerImage`).
        cpu: vCPUs of a task: 0.25, 0.5, 1, 2, 4, 8 or 16. Default 0.25. (CPU units, 256 and above, are still read
            as units before 0.4.0, with a warning.)
        memory_mib: Task memory in MiB, a size Fargate accepts with ``cpu``. Default 512. (``memory`` before 0.3.0.)
        port: The port the container listens on (the pattern sets ``PORT`` to it). ``None``: a worker
            that takes no requests and is not behind the load balancer. Default 8080.
        health_check: How the load balancer checks a task. Default ``GET /`` answering 200 every 15 s.
        routes: Request paths the load balancer sends here, e.g. ``("/api", "/api/*")``. Empty: this
            service receives every request no other service's routes match (at most one such service).
        scaling: Task count bounds (``min_instances``, ``max_instances``), scaling targets and office hours.
            Default 1 to 3 tasks at 70 % CPU.
        environment: Variables of the container: text, or a value the pattern fills in
            (:class:`~constructs_lib.shared_specs.ServiceUrl`, :class:`~constructs_lib.shared_specs.InternalServiceUrl`,
            :data:`~constructs_lib.shared_specs.DATA_BUCKET_NAME`).
        secrets: Variables read from Secrets Manager when a task starts, by name, e.g.
            ``{"API_KEY": SecretEnv(arn)}``. Default none. (A tuple of ``ContainerSecret`` before 0.3.0.)
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
        permissions: More IAM statements for the task role, e.g. reading an existing queue
            (``Statement("ReadOrders", ("sqs:ReceiveMessage", "sqs:DeleteMessage"), (queue_arn,))``). With
            ``WebPlatformProps.deployed_by`` every statement must stay inside the workload permissions boundary
            (a ValueError names one that does not). Default none.
        execute_command: ECS Exec: ``aws ecs execute-command`` opens a shell in a running task. Sessions are logged
            to the platform's encrypted log group ``/ecs/<prefix>-exec``; the task role gets only the Session
            Manager channel permissions and that log group. Default ``False``.
    """

    name: str = prop(pattern=SERVICE_NAME, rule=SERVICE_NAME_RULE)
    image: ContainerImage
    cpu: float = prop(0.25, rule=_VCPU_RULE)
    memory_mib: int = prop(512, between=(512, 122880))
    port: int | None = prop(8080, between=(1, 65535), rule="be a whole number from 1 to 65535, or None for a worker")
    health_check: HealthCheck = field(default_factory=HealthCheck)
    routes: tuple[str, ...] = ()
    scaling: Scaling = field(default_factory=Scaling)
    environment: Mapping[str, EnvironmentValue] = field(default_factory=dict)
    secrets: Mapping[str, SecretEnv] = field(default_factory=dict)
    data_access: DataAccess = DataAccess.NONE
    database_access: bool = False
    writable_paths: tuple[str, ...] = ("/tmp",)
    command: tuple[str, ...] = ()
    request_timeout_seconds: int = prop(60, between=(1, 4000))
    cpu_architecture: str = prop("X86_64", choices=("X86_64", "ARM64"))
    internet_egress: bool = False
    permissions: tuple[Statement, ...] = ()
    execute_command: bool = False

    def __post_init__(self) -> None:
        require(self.cpu in FARGATE_VCPUS, self, "cpu", _VCPU_RULE)
        choices = fargate_memory_choices(self.cpu_units)
        accepted = (", ".join(map(str, choices)) if len(choices) <= 4 else
                    f"{choices[0]} to {choices[-1]} in steps of {choices[1] - choices[0]}")
        require(self.memory_mib in choices, self, "memory_mib",
                f"fit cpu {self.cpu:g}: Fargate accepts {accepted} MiB with {self.cpu:g} vCPU")
        require(not self.routes or self.port is not None, self, "routes",
                "be empty for a worker (port=None receives no requests)")
        require(all(route.startswith("/") for route in self.routes), self, "routes", "be paths starting with '/'")
        require(self.scaling.requests_per_target is None or self.port is not None, self, "scaling",
                "scale on requests_per_target only with a port behind the load balancer")
        bad = [name for name in (*self.environment, *self.secrets) if not _ENV_NAME.fullmatch(name)]
        require(not bad, self, "environment", "have names of letters, digits and '_'", value=bad)
        clash = sorted(set(self.environment) & set(self.secrets))
        require(not clash, self, "secrets", "not repeat a name of environment", value=clash)
        sids = [statement.sid for statement in self.permissions]
        require(len(set(sids)) == len(sids) and all(sids), self, "permissions",
                "have statements with distinct, non-empty sids", value=sids)

    @property
    def cpu_units(self) -> int:
        """:attr:`cpu` in CPU units (1024 per vCPU), as ECS takes it."""
        return round(self.cpu * 1024)

    @property
    def memory(self) -> int:
        """Deprecated (0.3.0): :attr:`memory_mib`."""
        return self.memory_mib

    @property
    def container_secrets(self) -> tuple[ContainerSecret, ...]:
        """:attr:`secrets` as the container definition takes them."""
        return tuple(secret.container_secret(variable) for variable, secret in self.secrets.items())

    @property
    def is_default_route(self) -> bool:
        """True for the service that receives every request no route matches."""
        return self.port is not None and not self.routes


@checked
class Https:
    """How the load balancer serves HTTPS.

    Attributes:
        domain: The site's name, e.g. ``shop.example.com``.
        certificate_arn: An ACM certificate for ``domain`` in the load balancer's region. Default
            ``None``: one is issued and DNS-validated in ``hosted_zone_id``.
        hosted_zone_id: The Route 53 zone of ``domain``: the pattern validates the certificate there
            and points an alias record at the load balancer. Default ``None``: point the name yourself.
    """

    domain: str = prop(pattern=DOMAIN_PATTERN, rule=DOMAIN_RULE)
    certificate_arn: str | None = prop(None, pattern=CERTIFICATE_ARN_PATTERN, rule="be an ACM certificate ARN, or None")
    hosted_zone_id: str | None = prop(None, pattern=HOSTED_ZONE_PATTERN,
                                      rule="be a Route 53 zone ID such as Z0123456789ABC, or None")

    def __post_init__(self) -> None:
        require(self.certificate_arn is not None or self.hosted_zone_id is not None, self, "certificate_arn",
                "be given, or hosted_zone_id to issue a DNS-validated certificate")


@checked
class WafSpec:
    """The web application firewall in front of the load balancer.

    Nothing is exempt from the rate limits: the services' own calls to each other stay inside the VPC
    (:class:`~constructs_lib.shared_specs.InternalServiceUrl`), so an address that is ours never reaches the edge.

    Attributes:
        rate_limit_requests: Requests one client IP may send per window before it is refused. Default 2000.
        rate_limit_window_seconds: 60, 120, 300 or 600. Default 300.
        path_rate_limits: Per-IP limits of their own below some paths, e.g. ``PathRateLimit("/api", 1000)``; those
            requests count there instead of against the site-wide limit. Default none.
        request_limits: Body, header and URL sizes refused before any rule inspects a request, and the routes
            allowed larger bodies. Default :class:`~constructs_lib.shared_specs.RequestLimits` defaults (8 KB bodies).
        managed_rule_groups: AWS managed rule groups with count-only rules and excluded paths.
            Default :data:`~constructs_lib.aws.web_acl.DEFAULT_MANAGED_RULE_GROUPS`.
        log_allowed_requests: WAF logs also record allowed requests. Default ``False``: blocked and counted
            ones only (the load balancer's access logs record every request).
    """

    rate_limit_requests: int = prop(2000, between=(10, 2_000_000_000))
    rate_limit_window_seconds: int = prop(300, choices=RATE_LIMIT_WINDOWS_SECONDS)
    path_rate_limits: tuple[PathRateLimit, ...] = ()
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    managed_rule_groups: tuple[ManagedRuleGroup, ...] = DEFAULT_MANAGED_RULE_GROUPS
    log_allowed_requests: bool = False

    def __post_init__(self) -> None:
        check_path_rate_limits(self)


@checked
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
    idle_timeout_seconds: int | None = prop(None, between=(1, 4000))


@checked
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


@checked
class DataBucketSpec:
    """The platform's data bucket (versioned, KMS-encrypted, private, TLS only, access-logged).

    Attributes:
        noncurrent_version_expiration_days: Days a replaced or deleted object version is kept. Default 90.
    """

    noncurrent_version_expiration_days: int = prop(90, between=(1, 3650))


@checked(renamed={"multi_az": Renamed("high_availability")})
class DatabaseSpec:
    """The platform's PostgreSQL database on RDS (isolated subnets, encrypted, backed up, TLS only).

    Attributes:
        instance_class: e.g. ``db.t4g.medium``. Default ``db.t4g.medium``.
        postgres_major_version: 14 to 17. Default 16.
        allocated_storage_gb: Initial storage. Default 20.
        max_allocated_storage_gb: Storage autoscaling ceiling. Default 100.
        backup_retention_days: Days of automated backups and point-in-time recovery, 1-35. Default 7.
        high_availability: A synchronous standby in another zone (Multi-AZ). Default ``True``. (``multi_az`` before
            0.3.0.)
        database_name: The initial database. Default ``analytics``.
        master_username: The master user (its password is generated and kept by RDS); only the setup task the
            pipeline runs after each apply logs in as it. Default ``analytics_admin``.
        application_user: The role the services log in as with IAM authentication: no password, no privileged
            attribute, owner (through the group ``<database_name>_owner``) of the application's objects. Default ``app``.
    """

    instance_class: str = prop("db.t4g.medium", pattern=re.compile(r"db\.[a-z0-9]+\.[a-z0-9]+"),
                               rule="be an RDS instance class such as db.t4g.medium")
    postgres_major_version: int = prop(16, choices=POSTGRES_MAJOR_VERSIONS)
    allocated_storage_gb: int = prop(20, between=(20, 65536))
    max_allocated_storage_gb: int = prop(100, between=(20, 65536))
    backup_retention_days: int = prop(7, between=BACKUP_RETENTION_DAYS_RANGE)
    high_availability: bool = True
    database_name: str = prop("analytics", pattern=_PG_NAME, rule=_PG_NAME_RULE)
    master_username: str = prop("analytics_admin", pattern=_PG_NAME, rule=_PG_NAME_RULE)
    application_user: str = prop("app", pattern=_PG_NAME, rule=_PG_NAME_RULE)

    def __post_init__(self) -> None:
        require(self.allocated_storage_gb <= self.max_allocated_storage_gb, self, "allocated_storage_gb",
                f"be at most max_allocated_storage_gb ({self.max_allocated_storage_gb})")

    @property
    def multi_az(self) -> bool:
        """Deprecated (0.3.0): :attr:`high_availability`."""
        return self.high_availability


@checked
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
        require(self.test_listener is None or self.deployment.uses_alternate_target_group, self, "test_listener",
                "be None unless the strategy shifts traffic (or a rolling transition to or from one)")
        require(self.deployment.role_arn is None, self, "deployment", "leave role_arn out: the pattern creates the role")

    @property
    def shifts_traffic(self) -> bool:
        """True for blue/green, canary and linear releases."""
        return self.deployment.shifts_traffic

    @property
    def uses_alternate_target_group(self) -> bool:
        """True when the services behind the load balancer have two target groups (traffic shifting or a transition)."""
        return self.deployment.uses_alternate_target_group
