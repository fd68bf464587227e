"""What the GCP patterns are made of: frozen, validated specs with secure defaults.

Each spec checks itself when it is created and raises ``ValueError`` naming the attribute and the
value, e.g. ``ServiceSpec('api').cpu must be one of 1, 2, 4, 8 vCPU, got 0.5``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import field, replace
from typing import Any

from ...cloud_limits import (CLOUD_RUN_CPU_CHOICES, IMAGE_DIGEST_PATTERN, IMAGE_DIGEST_RULE, IMAGE_TAG_PATTERN,
                             IMAGE_TAG_RULE, cloud_run_size_problem)
from ...props import PropError, Renamed, checked, message, prop, require
from ...shared_specs import (
    SERVICE_NAME,
    check_instance_bounds,
    SERVICE_NAME_RULE,
    DataAccess,
    DataBucketName,
    EnvironmentValue,
    InternalServiceUrl,
    PathRateLimit,
    RequestLimits,
    ServiceUrl,
    check_path_rate_limits,
    check_test_sources,
)
from .._bucket import BUCKET_NAME, BUCKET_NAME_RULE
from .._props import REGION, REGION_RULE, Cidr, is_token, require_cidr, require_match, require_range
from ..cloud_armor import DEFAULT_WAF_RULES, WafRule, check_rate_limit_and_rules
from ..cloud_run_service import SecretEnv, check_environment_names
from ..cloud_sql import check_database_settings
from ..load_balancer import URL_PATH, URL_PATH_RULE, check_domains_and_tls
from ..network import check_network_ranges


_REPOSITORY_URL = re.compile(r"(?:[a-z]+-[a-z]+[0-9]+|us|europe|asia)-docker\.pkg\.dev/[a-z][a-z0-9-]{4,28}[a-z0-9]/[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_REPOSITORY_URL_RULE = "be an Artifact Registry Docker repository such as 'us-central1-docker.pkg.dev/my-project/images'"
_HEALTH_PATH = re.compile(r"/[A-Za-z0-9._~%/-]*")
_ROLE = re.compile(r"roles/[A-Za-z0-9_.]+|(projects|organizations)/[a-z0-9-]+/roles/[A-Za-z0-9_.]+")
_RESOURCE = re.compile(r"projects/[A-Za-z0-9_.-]+/\S+")
#: The port a worker's container listens on for its probes (Cloud Run's default ``PORT``).
WORKER_PORT = 8080


@checked
class ContainerImage:
    """Where a service's image comes from; build one with a class method (the same names on both clouds).

    - :meth:`platform_repository`: the pattern's own Artifact Registry repository (private, immutable
      tags, cleanup policies), which the pattern creates when a service uses it; the image is
      ``<repository url>/<service name>:<tag>``.
    - :meth:`in_repository`: the same naming, ``<repository url>/<service name>:<tag>``, in an
      Artifact Registry repository that exists already (e.g. a bootstrap stack's), so images can be
      pushed before the platform is applied; releases work as with the platform's own repository.
    - :meth:`from_registry`: any image reference Cloud Run can pull (for a private registry outside
      the project, grant Cloud Run's service agent read access yourself).

    With a ``digest`` the revision runs ``<repository url>/<service name>@sha256:...``: the tag names the
    release (and its revision), the digest is what runs, so a tag moved in the registry changes nothing.

    Attributes:
        tag: The tag (set by :meth:`platform_repository` and :meth:`in_repository`), else ``None``.
        reference: The full image reference (set by :meth:`from_registry`), else ``None``.
        repository: The existing repository's URL (set by :meth:`in_repository`), else ``None``.
        digest: The digest of the image at ``tag`` (:meth:`platform_repository`, :meth:`in_repository`), else ``None``.
    """

    tag: str | None = prop(None, pattern=IMAGE_TAG_PATTERN, rule=IMAGE_TAG_RULE)
    reference: str | None = None
    repository: str | None = prop(None, pattern=_REPOSITORY_URL, rule=_REPOSITORY_URL_RULE)
    digest: str | None = prop(None, pattern=IMAGE_DIGEST_PATTERN, rule=IMAGE_DIGEST_RULE)

    def __post_init__(self) -> None:
        require((self.tag is None) != (self.reference is None) and (self.repository is None or self.tag is not None),
                self, None, "use ContainerImage.platform_repository(tag), .in_repository(url, tag) or .from_registry(ref)")

    @classmethod
    def platform_repository(cls, tag: str, digest: str | None = None) -> ContainerImage:
        """The image ``<service name>:<tag>`` (run by ``digest`` when given) in the pattern's Artifact Registry
        repository (``latest`` is refused: tags are immutable)."""
        _check_tag(tag, "ContainerImage.platform_repository")
        return cls(tag=tag, digest=digest)

    @classmethod
    def platform_registry(cls, tag: str, digest: str | None = None) -> ContainerImage:
        """Deprecated (0.3.0): :meth:`platform_repository`, the name both clouds use."""
        warnings.warn("ContainerImage.platform_registry is deprecated: use ContainerImage.platform_repository "
                      "(CHANGELOG.md, 0.3.0)", DeprecationWarning, stacklevel=2)
        return cls.platform_repository(tag, digest)

    @classmethod
    def in_repository(cls, repository_url: str, tag: str, digest: str | None = None) -> ContainerImage:
        """The image ``<service name>:<tag>`` (run by ``digest`` when given) in the existing Docker repository
        ``repository_url`` (``<location>-docker.pkg.dev/<project>/<repository>``, a region or a multi-region such
        as ``us``; ``latest`` is refused: tags are immutable)."""
        if not (is_token(repository_url) or (isinstance(repository_url, str) and _REPOSITORY_URL.fullmatch(repository_url))):
            raise PropError(message("ContainerImage.in_repository", "repository_url", _REPOSITORY_URL_RULE, repository_url))
        _check_tag(tag, "ContainerImage.in_repository")
        return cls(tag=tag, repository=repository_url, digest=digest)

    @classmethod
    def from_registry(cls, reference: str) -> ContainerImage:
        """Any image reference with a tag other than ``latest`` or a digest, e.g. ``ghcr.io/acme/orders:1.4.2``."""
        if not is_token(reference):
            last = reference.rsplit("/", 1)[-1] if isinstance(reference, str) else ""
            if not last or ("@sha256:" not in reference and (":" not in last or last.endswith((":latest", ":")))):
                raise PropError(message("ContainerImage.from_registry", "reference",
                                        "name a tag other than latest, or a digest", reference))
        return cls(reference=reference)

    @property
    def uses_platform_registry(self) -> bool:
        """True when the image lives in the pattern's own repository."""
        return self.tag is not None and self.repository is None


def _check_tag(tag: str, owner: str) -> None:
    if not (is_token(tag) or (isinstance(tag, str) and IMAGE_TAG_PATTERN.fullmatch(tag))):
        raise PropError(message(owner, "tag", IMAGE_TAG_RULE, tag))


@checked
class HealthCheck:
    """How Cloud Run and the uptime check decide that a service is healthy: ``GET <path>`` answering 2xx or 3xx
    (the same ``HealthCheck(path)`` as on AWS; the timings are Cloud Run's liveness probe's).

    Attributes:
        path: Path of the startup and liveness probes and of the uptime check, e.g. ``/healthz``. Default ``/``.
        interval_seconds: Time between liveness probes (1-3600). Default 30.
        unhealthy_threshold: Failed liveness probes before the instance is restarted (1-10). Default 3.
        public: Behind a load balancer, the uptime check requests the path through it: the path is routed to the
            service when its routes do not cover it. ``False`` keeps it internal: Cloud Armor refuses it (404) at the
            load balancer, and the service has no uptime check (its probes still check it inside Cloud Run; the
            5xx-share and latency alerts still watch it). Default ``True``.
    """

    path: str = prop("/", pattern=_HEALTH_PATH, rule="be a URL path starting with '/', without a query")
    interval_seconds: int = prop(30, between=(1, 3600))
    unhealthy_threshold: int = prop(3, between=(1, 10))
    public: bool = True


@checked
class Scaling:
    """How many instances of a service run (the bounds have the same names as on AWS).

    Attributes:
        min_instances: Instances kept warm (0-1000). Default 0.
        max_instances: Upper bound of scaling (1-1000). Default 10.
        concurrency: Concurrent requests per instance, which Cloud Run scales on (1-1000). Default 80.
    """

    min_instances: int = prop(0, between=(0, 1000))
    max_instances: int = prop(10, between=(1, 1000))
    concurrency: int = prop(80, between=(1, 1000))

    def __post_init__(self) -> None:
        check_instance_bounds(self)


@checked
class RoleGrant:
    """A role for a service's account beyond what the pattern grants: on the project, or on one resource.

    A grant on a resource is a project-level binding with an IAM condition on the resource's name (both when the
    platform grants for itself and when ``DeliveryFoundation`` grants for a platform with ``deployed_by``), so it
    works for the services whose IAM checks the resource's name: Cloud Storage, Secret Manager, Cloud SQL, Cloud
    KMS, BigQuery and Spanner among them (not Pub/Sub: grant its topics on the project, or in your own stack to
    :meth:`WebPlatform.service_account`).

    Attributes:
        role: e.g. ``roles/storage.objectViewer``, or a custom role ``projects/<project>/roles/<id>``.
        resource: The resource's full name as IAM sees it, e.g. ``projects/_/buckets/reports`` (a bucket),
            ``projects/<number>/secrets/<id>`` (a secret); the grant covers what lies inside it too (objects,
            versions). Default ``None``: the whole project.
        why: What the grant is for (the condition's title). Default: the role.
    """

    role: str = prop(pattern=_ROLE, rule="be a role such as roles/storage.objectViewer or projects/<p>/roles/<id>")
    resource: str | None = prop(None, pattern=_RESOURCE, rule="be a full resource name such as projects/_/buckets/reports")
    why: str = ""


def _port_from_exposed(exposed: bool, given: dict[str, Any]) -> int | None:
    """``exposed=False`` (before 0.3.0) is ``port=None``: a worker, which listens on Cloud Run's 8080 for its probes."""
    port = given.get("port", 8080)
    if exposed:
        return port
    if port not in (8080, None):
        raise PropError(message(f"ServiceSpec({given.get('name')!r})", "port", "be None for a worker (exposed=False was "
                                "given): a worker listens on 8080 for its probes", port))
    return None


def _scaling_with(name: str) -> Callable[[int, dict[str, Any]], Scaling]:
    """Folds a scaling prop given on the service (before 0.3.0) into its :class:`Scaling`."""
    return lambda value, given: replace(given.get("scaling") or Scaling(), **{name: value})


@checked(renamed={
    "health_path": Renamed("health_check", lambda path, given: replace(given.get("health_check") or HealthCheck(), path=path)),
    "exposed": Renamed("port", _port_from_exposed),
    "min_instances": Renamed("scaling", _scaling_with("min_instances")),
    "max_instances": Renamed("scaling", _scaling_with("max_instances")),
    "concurrency": Renamed("scaling", _scaling_with("concurrency")),
})
class ServiceSpec:
    """One Cloud Run service of a pattern.

    The same props as an AWS ``ServiceSpec`` where the meaning is the same (``port``, ``health_check``, ``cpu``,
    ``memory_mib``, ``scaling`` with ``min_instances``/``max_instances``, ``environment``, ``secrets``,
    ``data_access``, ``database_access``, ``routes``, ``internet_egress``, ``permissions``).

    Attributes:
        name: Short name (1-20 lowercase letters or digits, starting with a letter), e.g. ``api``. The
            Cloud Run service is ``<project>-<environment>-<name>`` (at most 49 characters), its
            service account ``<name>-<environment>``.
        image: Where the image comes from (:class:`ContainerImage`).
        port: Port the container listens on (Cloud Run sets ``PORT`` to it); it serves requests from outside:
            behind the load balancer (ingress from it and the VPC only) or, without one, on its ``run.app`` URL to
            the identities of :attr:`WebPlatformProps.invokers` only (the ``run.invoker`` IAM check on). ``None``:
            a worker, never behind the load balancer, ingress from the project's VPC only, the ``run.invoker`` IAM
            check on, no uptime check; as every Cloud Run container it still listens on ``PORT`` (8080) and answers
            its probes. Default 8080. (``exposed=False`` before 0.3.0.)
        health_check: The probes' path and timings, and whether the uptime check reaches the path through the
            load balancer (:class:`HealthCheck`). Behind a load balancer a routed service needs a health path that
            reaches it: under its routes, or one no route matches (then routed to it), not ``/``. Default ``/``.
            (``health_path`` before 0.3.0.)
        routes: Paths the load balancer sends to this service, e.g. ``("/api", "/api/*")`` (``*`` only
            at the end; the longest matching route wins). Empty: the load balancer's default service,
            which receives every request no route matches (exactly one service with a port is the default).
            Without a load balancer routes have no effect. Default empty.
        cpu: vCPUs per instance: 1, 2, 4 or 8. Default 1.
        memory_mib: Memory per instance in MiB, within Cloud Run's range for ``cpu`` (1 vCPU: 512-4096). Default 512.
        scaling: Instance bounds (``min_instances``, ``max_instances``) and requests per instance (:class:`Scaling`).
            Default 0 to 10 instances, 80 concurrent requests. (Separate props before 0.3.0.)
        request_timeout_seconds: Time an instance has to answer a request (1-3600). Default 60.
        environment: Plain variables (never secrets): text, or a value the pattern fills in,
            :class:`~constructs_lib.shared_specs.ServiceUrl` (another service's public URL),
            :class:`~constructs_lib.shared_specs.InternalServiceUrl` (its URL through the VPC, for server-side calls) or
            :data:`~constructs_lib.shared_specs.DATA_BUCKET_NAME`. Default none.
        secrets: Variables read from Secret Manager when an instance starts, by name; the pattern grants
            the service's account access to exactly these secrets. Default none.
        data_access: What the service may do with the platform's data bucket: ``READ`` (object viewer)
            or ``READ_WRITE`` (object viewer and creator: never overwrite or delete, which would reach the
            version history). Default ``NONE``.
        database_access: Log in to the platform's database as the service account's IAM user (``DATABASE_URL`` from
            Secret Manager, no password) through the database's VPC. Default ``False``.
        cpu_always_allocated: Keep CPU allocated between requests (instance-based billing). Default
            ``None``: on for a worker (it works between requests), off for a service with a port.
        command: Replaces the image's entrypoint, e.g. ``("python", "-m", "shop.worker")``. Default: the image's.
        args: Replace the image's arguments (``CMD``). Default: the image's.
        internet_egress: HTTPS to the internet (through Cloud NAT). Default ``False``: all the service's traffic
            goes through the platform's VPC, which admits Google APIs (``private.googleapis.com``), the platform's
            services (their ``run.app`` URLs as internal traffic) and the database, nothing else.
        permissions: More roles for the service's account, on the project or on one resource (:class:`RoleGrant`),
            granted like the pattern's own (by the bootstrap with ``WebPlatformProps.deployed_by``). Default none.
    """

    name: str = prop(pattern=SERVICE_NAME, rule=SERVICE_NAME_RULE)
    image: ContainerImage
    port: int | None = prop(8080, between=(1, 65535), rule="be a whole number from 1 to 65535, or None for a worker")
    health_check: HealthCheck = field(default_factory=HealthCheck)
    routes: tuple[str, ...] = ()
    cpu: float = prop(1, choices=CLOUD_RUN_CPU_CHOICES, rule="be 1, 2, 4 or 8 vCPU")
    memory_mib: int = prop(512, between=(512, 32768))
    scaling: Scaling = field(default_factory=Scaling)
    request_timeout_seconds: int = prop(60, between=(1, 3600))
    environment: Mapping[str, EnvironmentValue] = field(default_factory=dict)
    secrets: Mapping[str, SecretEnv] = field(default_factory=dict)
    data_access: DataAccess = DataAccess.NONE
    database_access: bool = False
    cpu_always_allocated: bool | None = None
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    internet_egress: bool = False
    permissions: tuple[RoleGrant, ...] = ()

    def __post_init__(self) -> None:
        size_problem = cloud_run_size_problem(int(self.cpu), self.memory_mib)
        require(size_problem is None, self, "memory_mib", f"fit cpu {self.cpu:g}: {size_problem}")
        require(all(URL_PATH.fullmatch(route) for route in self.routes), self, "routes", URL_PATH_RULE)
        require(len(set(self.routes)) == len(self.routes), self, "routes", "not repeat a path")
        require(self.exposed or not self.routes, self, "routes", "be empty for a worker (port=None: nothing routes to it)")
        check_environment_names(self, "environment", "secrets", self.label)

    @property
    def label(self) -> str:
        """``ServiceSpec('<name>')``: how error messages name this service."""
        return f"ServiceSpec({self.name!r})"

    @property
    def exposed(self) -> bool:
        """True for a service with a port: it serves requests from outside (a worker has none)."""
        return self.port is not None

    @property
    def container_port(self) -> int:
        """The port the container listens on: :attr:`port`, or Cloud Run's 8080 for a worker."""
        return self.port if self.port is not None else WORKER_PORT

    @property
    def is_default_route(self) -> bool:
        """True for an exposed service without routes: behind a load balancer it receives what no route matches."""
        return self.exposed and not self.routes

    @property
    def keeps_cpu_allocated(self) -> bool:
        """Whether CPU stays allocated between requests (:attr:`cpu_always_allocated`, else: a worker does)."""
        return (not self.exposed) if self.cpu_always_allocated is None else self.cpu_always_allocated


@checked
class CloudArmorSpec:
    """The Cloud Armor policy on every backend service of the load balancer.

    Rules in order: a ``Host`` other than the load balancer's domains gets 404; requests over the size limits
    get 403; each preconfigured WAF rule denies what it matches (403), then each client IP is
    throttled above the rate limit of its path or the site's (429), then everything else is allowed.

    Attributes:
        rate_limit_requests: Requests one client IP may send per window (1-1000000). Default 2000.
        rate_limit_window_seconds: The window, one of 10, 30, 60, 120, 180, 240, 300, 600, 900, 1200,
            1800, 2700, 3600 seconds. Default 300.
        path_rate_limits: Per-IP limits of their own below some paths, e.g. ``PathRateLimit("/api", 1000)``;
            those requests count there instead of against the site-wide limit. Default none.
        request_limits: Body, header and URL sizes refused before the WAF rules read a request, and the routes
            allowed larger bodies. Default :class:`~constructs_lib.shared_specs.RequestLimits` defaults (8 KB bodies).
        waf_rules: Preconfigured WAF rule sets, evaluated in order. Default
            :data:`~constructs_lib.gcp.cloud_armor.DEFAULT_WAF_RULES`: OWASP CRS 3.3 SQL injection, XSS,
            local file inclusion and remote code execution at sensitivity 1, and the Log4j signatures.
        adaptive_protection: Layer 7 DDoS detection by Adaptive Protection. Default ``True``.
    """

    rate_limit_requests: int = 2000
    rate_limit_window_seconds: int = 300
    waf_rules: tuple[WafRule, ...] = DEFAULT_WAF_RULES
    adaptive_protection: bool = True
    path_rate_limits: tuple[PathRateLimit, ...] = ()
    request_limits: RequestLimits = field(default_factory=RequestLimits)

    def __post_init__(self) -> None:
        check_rate_limit_and_rules(self)
        check_path_rate_limits(self)


@checked(coerce={"domains": lambda value: (value,) if isinstance(value, str) else value})
class LoadBalancerSpec:
    """A global external HTTPS load balancer in front of the exposed services.

    Attributes:
        domains: The site's DNS names, e.g. ``("shop.example.com",)`` (a single name is accepted as
            text). A Google-managed certificate covers them once their A records point at the load
            balancer's IP; the first one is the site's URL.
        cloud_armor: The WAF and rate limit. Default :class:`CloudArmorSpec` defaults.
        ssl_profile: TLS feature profile: ``CUSTOM`` (ECDHE with AEAD ciphers only,
            :data:`~constructs_lib.gcp.load_balancer.TLS_FEATURES`), ``RESTRICTED`` or ``MODERN``. Default ``CUSTOM``.
        min_tls_version: ``TLS_1_2`` or ``TLS_1_3``. Default ``TLS_1_2``.
        redirect_http: Answer plain HTTP on port 80 with a redirect to HTTPS. Default ``True``;
            ``False`` leaves port 80 closed.
        log_sample_rate: Share of requests the load balancer logs (0 to 1; Cloud Armor's refusals are sampled
            alike). Default 1.
    """

    domains: tuple[str, ...]
    cloud_armor: CloudArmorSpec = field(default_factory=CloudArmorSpec)
    ssl_profile: str = "CUSTOM"
    min_tls_version: str = "TLS_1_2"
    redirect_http: bool = True
    log_sample_rate: float = 1.0

    def __post_init__(self) -> None:
        check_domains_and_tls(self)
        require(isinstance(self.cloud_armor, CloudArmorSpec), self, "cloud_armor", "be a CloudArmorSpec")
        require_range(self, "log_sample_rate", 0, 1)

    @property
    def url(self) -> str:
        """``https://<first domain>``: the site's URL."""
        return f"https://{self.domains[0]}"


@checked
class DataBucketSpec:
    """The platform's data bucket (versioned, uniform access, public access prevention, soft delete)
    and the bucket receiving its usage logs.

    Attributes:
        name: Globally unique bucket name. Default ``None``: ``<project id>-<environment>-data``
            (project IDs are globally unique, so the name is too).
        access_log_bucket_name: Name of the usage-log bucket. Default ``None``:
            ``<project id>-<environment>-access-logs``. Its logs expire after the platform's log retention.
        noncurrent_version_expiration_days: Days a replaced or deleted object version is kept (1-3650). Default 90.
        kms_key_name: Cloud KMS key for default encryption of both buckets (Cloud Storage's service agent
            needs ``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on it). Default ``None``: Google-managed keys.
    """

    name: str | None = None
    access_log_bucket_name: str | None = None
    noncurrent_version_expiration_days: int = 90
    kms_key_name: str | None = None

    def __post_init__(self) -> None:
        for attribute in ("name", "access_log_bucket_name"):
            if getattr(self, attribute) is not None:
                require_match(BUCKET_NAME, self, attribute, BUCKET_NAME_RULE)
        require(self.name is None or self.name != self.access_log_bucket_name, self, "access_log_bucket_name",
                "differ from name: a bucket cannot log to itself")
        require_range(self, "noncurrent_version_expiration_days", 1, 3650, "days")


@checked
class DatabaseSpec:
    """A private PostgreSQL database on Cloud SQL, and the VPC its clients reach it through.

    The pattern builds a VPC with one subnet (direct VPC egress of the services with
    ``database_access``), private service access and firewall rules that allow only PostgreSQL into the
    reserved range; a Cloud SQL instance with a private IP only, TLS enforced, daily backups with
    point-in-time recovery, query insights and deletion protection; a generated password for the
    application user; and two Secret Manager secrets, ``DATABASE_URL`` (no password inside) and
    ``PGPASSWORD``.

    Attributes:
        tier: Machine type, e.g. ``db-custom-2-7680``. Default ``db-custom-1-3840``.
        postgres_major_version: 14 to 17. Default 16.
        disk_size_gb: Initial SSD size (10-65536). Default 20.
        disk_autoresize_limit_gb: Upper bound of automatic disk growth; 0 means no bound. Default 100.
        backup_retention_days: Daily backups kept (1-365). Default 7.
        point_in_time_recovery: Keep write-ahead logs for point-in-time recovery. Default ``True``.
        high_availability: A regional instance with a standby in another zone. Default ``True``.
        database_name: The application's database. Default ``app``.
        user_name: The built-in administrator (its password is generated during the apply, written to the user and
            its secret only, never kept in state). Default ``app``.
        private_services_cidr: Private block reserved for Cloud SQL, /24 or larger, not overlapping
            :attr:`NetworkSpec.subnet_cidr`. Default ``10.21.0.0/20``.
        password_version: Raise it to rotate the administrator's password (the next apply writes a new one to the
            user and its secrets). Default 1.
    """

    tier: str = "db-custom-1-3840"
    postgres_major_version: int = 16
    disk_size_gb: int = 20
    disk_autoresize_limit_gb: int = 100
    backup_retention_days: int = 7
    point_in_time_recovery: bool = True
    high_availability: bool = True
    database_name: str = "app"
    user_name: str = "app"
    private_services_cidr: Cidr = "10.21.0.0/20"
    password_version: int = 1

    def __post_init__(self) -> None:
        check_database_settings(self)
        require(isinstance(self.password_version, int) and 1 <= self.password_version <= 1_000_000, self,
                "password_version", "be a whole number from 1 to 1000000")
        private_services = require_cidr(self, "private_services_cidr")
        require(private_services.is_private and private_services.prefixlen <= 24, self, "private_services_cidr",
                "be a private IPv4 range of /24 or larger")


@checked
class NetworkSpec:
    """The platform's VPC, through which every service sends all its traffic (Direct VPC egress).

    Its firewall admits Google APIs through ``private.googleapis.com`` (private DNS zones point ``*.googleapis.com``
    and ``*.run.app`` there), the database's private range with a database, and HTTPS to the internet only for the
    services with :attr:`ServiceSpec.internet_egress` (through Cloud NAT, which exists only then).

    Attributes:
        subnet_cidr: Private block of the services' subnet, /26 or larger, as text or
            :class:`ipaddress.IPv4Network`. Default ``10.20.0.0/24``.
    """

    subnet_cidr: Cidr = "10.20.0.0/24"

    def __post_init__(self) -> None:
        check_network_ranges(self)


@checked
class DisasterRecoverySpec:
    """The platform survives the loss of its region: a standby region in the same project and stack.

    - Every exposed service runs in ``standby_region`` too (same name, service account, image, environment),
      behind the same global load balancer: each backend service gets a serverless NEG per region, and
      outlier detection takes a failing region out of the pool, so traffic fails over by itself. While both
      regions are healthy, the load balancer sends each client to the nearer one: the standby serves too.
    - The data bucket is a configurable dual-region of the two regions (with ``turbo_replication``: every new
      object in both within 15 minutes), readable and writable from both, so no switch is needed.
    - With a database: a cross-region read replica in ``standby_region`` ready to promote, backups stored in
      ``standby_region``, a subnet there for the standby services' egress (``standby_subnet_cidr``), and their
      own ``DATABASE_URL`` / ``PGPASSWORD`` secrets replicated in ``standby_region`` only. ``DATABASE_URL``
      first names the primary instance (reached across regions in the same VPC); after a promotion the
      failover runbook adds a version naming the replica.

    Attributes:
        standby_region: Another region on the same continent (the bucket's dual-region: US, EU or ASIA).
        standby_subnet_cidr: Private block of the standby services' subnet (/26 or larger), apart from the
            database's ranges. Required with a database.
        standby_min_instances: Instances each standby service keeps (at least 1: a region without instances
            shows no health to fail over to). Default 1.
        standby_max_instances: Upper bound of each standby service. Default 10.
        turbo_replication: Turbo replication of the dual-region data bucket. Default ``True``.
    """

    standby_region: str
    standby_subnet_cidr: Cidr | None = None
    standby_min_instances: int = 1
    standby_max_instances: int = 10
    turbo_replication: bool = True

    def __post_init__(self) -> None:
        require_match(REGION, self, "standby_region", REGION_RULE)
        if self.standby_subnet_cidr is not None:
            subnet = require_cidr(self, "standby_subnet_cidr")
            require(subnet.is_private and subnet.prefixlen <= 26, self, "standby_subnet_cidr",
                    "be a private IPv4 range of /26 or larger")
        require_range(self, "standby_min_instances", 1, 1000, "instances")
        require_range(self, "standby_max_instances", self.standby_min_instances, 1000, "instances")


GCP_RELEASE_STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY")


@checked
class ReleaseSpec:
    """How a new image tag of the services in the platform's registry reaches users.

    Every revision is named after the image tag it runs and a fingerprint of its template
    (``<service>-v<tag>-<8 hex>``, :func:`~constructs_lib.gcp.cloud_run_service.revision_name`): any other
    change (sizes, scaling, variables, secret versions) names a new revision, the same configuration the
    same one. Without a candidate all requests go to the latest revision. With ``candidate_tag`` the template
    runs the candidate and the requests split between the current revision (the service's own tag) and the
    candidate:

    - ``ROLLING``: all to the candidate;
    - ``BLUE_GREEN``: none to the candidate, which answers on its own tagged URL and, behind the load balancer
      with ``test_cidrs``, on the candidate route (port ``test_port`` of the site, from those sources only);
    - ``CANARY``: ``canary_percent`` to the candidate (also on its tagged URL and the candidate route), the
      rest to the current.

    While a candidate is in flight only the tag may change: the current revision is named from the same
    template with the current image, so a change of anything else names a revision that does not exist.

    Promote by making the candidate the services' tag and dropping ``candidate_tag`` (all traffic to
    it, the URL tag gone); roll back by dropping ``candidate_tag`` (all traffic to the current revision).
    Services whose image comes from another registry (:meth:`ContainerImage.from_registry`) always send
    all requests to their latest revision.

    Attributes:
        strategy: ``ROLLING``, ``BLUE_GREEN`` or ``CANARY``. Default ``ROLLING``.
        candidate_tag: The image tag being released. Default ``None``.
        canary_percent: ``CANARY`` only: the candidate's share, 1-99.
        traffic_tag: The name of the candidate's URL. Default ``candidate``.
        test_cidrs: Public sources that may reach the candidate route (the egress addresses of the VPN or
            the CI runners); with a traffic-shifting strategy and a load balancer. Default none: no route.
        test_port: The candidate route's port (not 80 or 443). Default 8443.
        candidate_digests: The candidate's digest per service name: a service whose current image is pinned
            by digest runs the candidate by its digest too. Default none.
    """

    strategy: str = "ROLLING"
    candidate_tag: str | None = None
    canary_percent: int | None = None
    traffic_tag: str = "candidate"
    test_cidrs: tuple[str, ...] = ()
    test_port: int = 8443
    candidate_digests: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(self.strategy in GCP_RELEASE_STRATEGIES, self, "strategy", f"be one of {', '.join(GCP_RELEASE_STRATEGIES)}")
        require((self.strategy == "CANARY") == (self.canary_percent is not None), self, "canary_percent",
                "be given for CANARY and only for CANARY")
        if self.canary_percent is not None:
            require(isinstance(self.canary_percent, int) and 1 <= self.canary_percent <= 99, self, "canary_percent",
                    "be 1 to 99 (0 is blue/green, 100 is rolling)")
        if self.candidate_tag is not None:
            require(IMAGE_TAG_PATTERN.fullmatch(self.candidate_tag) is not None, self, "candidate_tag", IMAGE_TAG_RULE.removeprefix("must "))
        object.__setattr__(self, "test_cidrs", tuple(self.test_cidrs))
        require(not self.test_cidrs or self.strategy != "ROLLING", self, "test_cidrs",
                "be given with a traffic-shifting strategy only (ROLLING sends all requests to the candidate)")
        check_test_sources(self, "test_cidrs")
        require(isinstance(self.test_port, int) and 1 <= self.test_port <= 65535 and self.test_port not in (80, 443),
                self, "test_port", "be 1 to 65535 and not 80 or 443")
        require(all(IMAGE_DIGEST_PATTERN.fullmatch(str(digest)) for digest in self.candidate_digests.values()), self,
                "candidate_digests", IMAGE_DIGEST_RULE.removeprefix("must "))
        require(self.candidate_tag is not None or not self.candidate_digests, self, "candidate_digests",
                "be given with candidate_tag only")

    @property
    def candidate_percent(self) -> int:
        """The candidate's share of requests."""
        return {"ROLLING": 100, "BLUE_GREEN": 0}.get(self.strategy, self.canary_percent or 0)
