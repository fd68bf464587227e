"""The typed configuration model of the platform and the rules every value must satisfy.

``config/project.toml`` holds what all environments share (the project name); ``config/<env>.toml``
holds one environment. Keys are required unless docs/configuration.md marks them optional (a feature that is
off when absent); unknown keys are rejected, so a typo cannot silently fall back to a default. Each
rule states its limits in the error message. Rules that depend on the environment (what only dev may
do, what prod must do) live here, so stacks and constructs never branch on an environment name.
"""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from constructs_lib.cloud_limits import (
    AWS_ACCOUNT_PATTERN,
    AWS_REGION_PATTERN,
    CERTIFICATE_ARN_PATTERN,
    DOMAIN_PATTERN,
    DOMAIN_RULE,
    GCP_PROJECT_PATTERN,
    GCP_REGION_PATTERN,
    HOSTED_ZONE_PATTERN,
    BACKUP_RETENTION_DAYS_RANGE,
    IMAGE_DIGEST_PATTERN,
    IMAGE_DIGEST_RULE,
    IMAGE_TAG_PATTERN,
    IMAGE_TAG_RULE,
    LOG_RETENTION_DAYS,
    NAME_PATTERN,
    NAME_RULE,
    POSTGRES_MAJOR_VERSIONS,
    RATE_LIMIT_WINDOWS_SECONDS,
    ROUTE53_METRICS_REGION,
    TEST_SOURCE_RULE,
    cloud_run_size_problem,
    fargate_size_problem,
    gcs_dual_region_location,
    test_source_problem,
)

from constructs_lib.shared_specs import BODY_INSPECTION_BYTES, MAX_LARGE_BODY_BYTES, MAX_LARGE_BODY_ROUTES
from constructs_lib.github import (
    MAX_GITHUB_ID,
    OWNER_PATTERN,
    OWNER_RULE,
    REPOSITORY_PATTERN,
    REPOSITORY_RULE,
    GithubRepository,
)

from .reader import Problems, TableReader, join_choices

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
#: The environment held to production's rules: here (HA, deletion protection) and in its stacks
#: (the production guardrails, stateful resources kept from ``terraform destroy``).
PRODUCTION_ENVIRONMENT = "prod"
CLOUDS: tuple[str, ...] = ("aws", "gcp")
IMAGE_TAG_VARIABLE = "IMAGE_TAG"

GCP_PROJECT_RULE = (
    "must be a Google Cloud project ID: 6 to 30 lowercase letters, digits or hyphens, "
    "starting with a letter and not ending with a hyphen"
)
GCP_PROJECT_NUMBER_PATTERN = re.compile(r"[1-9][0-9]{5,19}")
# State buckets: no dots (a dotted name breaks the TLS certificate of virtual-hosted S3 requests, and
# Cloud Storage wants a verified domain for it).
S3_STATE_BUCKET_PATTERN = re.compile(r"(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
GCS_STATE_BUCKET_PATTERN = re.compile(r"(?!goog)[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
IAM_MEMBER_PATTERN = re.compile(r"(user|group):[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
RDS_CLASS_PATTERN = re.compile(r"db\.[a-z0-9]+\.[a-z0-9]+")
CLOUD_SQL_TIER_PATTERN = re.compile(r"db-(custom-[0-9]+-[0-9]+|f1-micro|g1-small|perf-optimized-N-[0-9]+)")
_DAY = r"(MON|TUE|WED|THU|FRI|SAT|SUN)"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]"
WORKING_HOURS_PATTERN = re.compile(rf"{_DAY}(-{_DAY})? {_TIME}-{_TIME}")


@dataclass(frozen=True)
class HttpsSettings:
    """How the AWS load balancer serves HTTPS (all None with ``http_only``)."""

    http_only: bool
    domain: str | None
    certificate_arn: str | None
    hosted_zone_id: str | None


@dataclass(frozen=True)
class AwsSettings:
    """Where and on what network the AWS stack of an environment is deployed."""

    region: str
    account_id: str
    availability_zones: tuple[str, ...]
    vpc_cidr: ipaddress.IPv4Network
    single_nat_gateway: bool
    https: HttpsSettings


@dataclass(frozen=True)
class GcpSettings:
    """Where and on what network the GCP stack of an environment is deployed."""

    project_id: str
    project_number: str
    region: str
    domain: str | None
    without_load_balancer: bool
    #: With ``without_load_balancer``: who may call the services on their run.app URLs (run.invoker).
    invokers: tuple[str, ...]
    subnet_cidr: ipaddress.IPv4Network
    private_services_cidr: ipaddress.IPv4Network
    billing_account: str


@dataclass(frozen=True)
class StateSettings:
    """Where the environment's Terraform state lives: the buckets its bootstrap stacks create.

    The platform stacks keep their state there from the start. A bootstrap stack starts on local state
    (its bucket does not exist yet) and moves into its bucket once ``<cloud>_bootstrap_migrated`` is true.
    """

    aws_bucket: str
    aws_bootstrap_migrated: bool
    gcp_bucket: str
    gcp_bootstrap_migrated: bool


@dataclass(frozen=True)
class ProjectSettings:
    """``config/project.toml``: what every environment shares."""

    name: str
    github: GithubRepository | None
    #: The application repository whose image workflow pushes to the environments' registries (docs/images.md).
    applications: GithubRepository | None = None


@dataclass(frozen=True)
class WorkingHours:
    """When dev runs; outside these hours it scales to zero. ``days`` as ``MON-FRI``, times ``HH:MM``."""

    days: str
    start: str
    end: str
    timezone: str


@dataclass(frozen=True)
class ScalingSettings:
    """Horizontal scaling of each service: ECS tasks on AWS, Cloud Run instances on GCP."""

    min_capacity: int
    max_capacity: int
    target_cpu: int
    scale_out_cooldown: int
    scale_in_cooldown: int
    target_memory: int | None
    requests_per_target: int | None
    working_hours: WorkingHours | None


@dataclass(frozen=True)
class ServiceSettings:
    """One service: Fargate size (CPU units, 1024 = 1 vCPU; memory MiB) and Cloud Run size and limits, and whether
    ``aws ecs execute-command`` may open a shell in its tasks (``execute_command``, AWS only, off unless set)."""

    cpu: int
    memory: int
    cloud_run_cpu: int
    cloud_run_memory: int
    concurrency: int
    request_timeout_seconds: int
    execute_command: bool = False


@dataclass(frozen=True)
class LoggingSettings:
    """How long logs are kept, and the share of requests the GCP load balancer logs."""

    retention_days: int
    request_log_sample_rate: float


@dataclass(frozen=True)
class StorageSettings:
    """The analytics data bucket."""

    noncurrent_version_expiration_days: int


@dataclass(frozen=True)
class DatabaseSettings:
    """The optional PostgreSQL database (RDS on AWS, Cloud SQL on GCP)."""

    enabled: bool
    backup_retention_days: int
    high_availability: bool
    postgres_major_version: int
    instance_class: str
    allocated_storage_gb: int
    max_allocated_storage_gb: int
    cloud_sql_tier: str


#: The services whose images config names (each has its own image, so its own digest).
IMAGE_SERVICES: tuple[str, ...] = ("backend", "frontend")
#: Environments whose services must run by digest: what a release promoted to them runs cannot change.
DIGEST_ENVIRONMENTS: tuple[str, ...] = ("staging", "prod")


@dataclass(frozen=True)
class ImageSettings:
    """Which container image tag the services run (``IMAGE_TAG`` overrides the file where no digest pins it),
    and each service's digest at that tag (``digests``: required in :data:`DIGEST_ENVIRONMENTS`)."""

    tag: str
    digests: Mapping[str, str] = field(default_factory=dict)


RELEASE_STRATEGIES: tuple[str, ...] = ("rolling", "blue_green", "canary", "linear")
#: The rolling steps between one target group and traffic shifting on AWS (docs/releases.md, "Switching strategies").
RELEASE_TRANSITIONS: tuple[str, ...] = ("prepare_traffic_shifting", "retire_traffic_shifting")
#: Strategies one cloud cannot run: Cloud Run splits traffic in fixed shares, it has no timed steps.
UNSUPPORTED_STRATEGIES: dict[str, tuple[str, ...]] = {"gcp": ("linear",)}


@dataclass(frozen=True)
class ReleaseSettings:
    """How a new image tag reaches users on both clouds (see docs/releases.md).

    ``strategy`` is ``rolling`` or a traffic-shifting one: ``blue_green`` (the candidate gets a test
    route, then all traffic), ``canary`` (``canary_percent`` first) or ``linear`` (AWS only: steps of
    ``linear_step_percent``). ``candidate_tag`` is the release being rolled out; ``images.tag`` stays
    the current one until it is promoted. ``transition`` (AWS, rolling only) is one of the two steps of a
    switch to or from a traffic-shifting strategy; ``test_cidrs`` and ``test_port`` are who may reach the
    candidate (AWS test listener, GCP candidate route) and on which port.
    """

    strategy: str
    bake_minutes: int
    canary_percent: int | None
    canary_bake_minutes: int | None
    linear_step_percent: int | None
    linear_step_minutes: int | None
    test_cidrs: tuple[str, ...]
    test_port: int
    candidate_tag: str | None
    transition: str | None = None
    candidate_digests: Mapping[str, str] = field(default_factory=dict)

    @property
    def shifts_traffic(self) -> bool:
        return self.strategy != "rolling"

    @property
    def has_test_route(self) -> bool:
        """True when the candidate has its own route: a traffic-shifting strategy or a transition to or from one."""
        return self.shifts_traffic or self.transition is not None


@dataclass(frozen=True)
class BudgetSettings:
    """The monthly cost budget of each cloud's stack of the environment."""

    monthly_amount: float
    currency: str
    actual_thresholds: tuple[int, ...]
    forecast_thresholds: tuple[int, ...]


@dataclass(frozen=True)
class CapacitySettings:
    """Where AWS tasks run: ``on_demand_base`` tasks on on-demand Fargate, the rest split by weight with Spot."""

    on_demand_base: int
    on_demand_weight: int
    spot_weight: int


@dataclass(frozen=True)
class WafSettings:
    """The edge (AWS WAF, Cloud Armor): per client IP rate limits, site-wide and on the API, and request sizes."""

    rate_limit_requests: int
    rate_limit_window_seconds: int
    api_rate_limit_requests: int
    max_body_kib: int
    large_body_paths: tuple[str, ...]
    large_body_max_kib: int | None


@dataclass(frozen=True)
class ProtectionSettings:
    """Deletion protection of the load balancer, database and services."""

    deletion_protection: bool


@dataclass(frozen=True)
class AlertingSettings:
    """Thresholds of the alerts both clouds raise, and who receives them: ``email`` the critical ones,
    ``warning_email`` (default: ``email``) the warnings, each through its own topic or channel."""

    error_rate_percent: float
    response_time_seconds: float
    email: str
    warning_email: str | None = None


DR_MODES: tuple[str, ...] = ("pilot_light", "warm")
AWS_ZONE_PATTERN = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]")
AWS_ZONE_RULE = "must be availability zone names such as us-east-1a"


@dataclass(frozen=True)
class DrSettings:
    """Disaster recovery: where each cloud's standby runs, how warm it is, and its service capacity.

    ``pilot_light``: AWS restores the database from backups replicated to the standby region; ``warm``:
    a cross-region read replica is ready to promote. GCP always keeps a cross-region Cloud SQL replica;
    the mode sets whether its standby Cloud Run services keep instances warm (see docs/disaster-recovery.md).
    """

    mode: str
    aws_standby_region: str
    aws_standby_availability_zones: tuple[str, ...]
    aws_standby_vpc_cidr: ipaddress.IPv4Network
    gcp_standby_region: str
    gcp_standby_subnet_cidr: ipaddress.IPv4Network
    standby_min_capacity: int
    standby_max_capacity: int
    #: AWS builds no standby yet (an environment's first deployment: the standby's replica needs the primary's
    #: database); GCP, which creates its replica after the primary in one apply, is not deferred.
    aws_deferred: bool = False

    @property
    def warm(self) -> bool:
        return self.mode == "warm"


@dataclass(frozen=True)
class EnvironmentConfig:
    """One environment of the platform, validated."""

    source: str
    project: str
    environment: str
    aws: AwsSettings
    gcp: GcpSettings
    scaling: ScalingSettings
    backend: ServiceSettings
    frontend: ServiceSettings
    images: ImageSettings
    release: ReleaseSettings
    budget: BudgetSettings
    capacity: CapacitySettings | None
    waf: WafSettings
    logging: LoggingSettings
    storage: StorageSettings
    database: DatabaseSettings
    protection: ProtectionSettings
    alerting: AlertingSettings
    state: StateSettings
    #: Disaster recovery; required in prod, optional elsewhere (staging may carry it for the drill).
    dr: DrSettings | None = None

    @property
    def aws_dr(self) -> DrSettings | None:
        """``dr`` for the AWS stacks: None without ``[dr]`` or while ``aws_deferred`` (GCP's stacks read ``dr``)."""
        return None if self.dr is None or self.dr.aws_deferred else self.dr

    @property
    def production(self) -> bool:
        """Whether this is production: its stacks apply the production guardrails and keep stateful
        resources from ``terraform destroy`` (``constructs_lib.policy.apply_guardrails``)."""
        return self.environment == PRODUCTION_ENVIRONMENT


def _read_github(root: TableReader, section: str = "github", *, required: bool = True) -> GithubRepository | None:
    if not required and not root.has(section):
        return None
    github = root.section(section)
    owner = github.string("owner", pattern=OWNER_PATTERN, rule=OWNER_RULE)
    repository = github.string("repository", pattern=REPOSITORY_PATTERN, rule=REPOSITORY_RULE)
    ids = {
        name: github.identifier(name, maximum=MAX_GITHUB_ID,
                                rule=f"must be GitHub's numeric ID, a whole number (not a string; GET {api} -> id)")
        for name, api in (("owner_id", "/users/<owner>"), ("repository_id", "/repos/<owner>/<repository>"))
    }
    github.finish()
    keys = [github.key(name) for name in ("owner", "repository", "owner_id", "repository_id")]
    if github.absent or not github.problems.all_valid(*keys) or owner is None or repository is None:
        return None
    return GithubRepository(owner, repository, ids["owner_id"], ids["repository_id"])


def read_project(problems: Problems, data: Mapping[str, Any]) -> ProjectSettings:
    """Reads ``config/project.toml``: the name every stack and resource name starts with, and the
    GitHub repository whose workflows deploy (the bootstrap stacks trust its jobs only)."""
    root = TableReader(problems, data)
    name = root.string("name", pattern=NAME_PATTERN, rule=NAME_RULE)
    github = _read_github(root)
    applications = _read_github(root, "applications", required=False)
    root.finish()
    return ProjectSettings(name=name or "", github=github, applications=applications)


def _from_file_or_variable(
    table: TableReader, key: str, variable: str, environ: Mapping[str, str], pattern: re.Pattern[str], rule: str
) -> str:
    if table.has(key):
        return table.string(key, pattern=pattern, rule=rule) or ""
    value = environ.get(variable)
    if value is None:
        if not table.absent:
            table.problems.add(table.key(key), f"required key is missing (or set {variable})", show_value=False)
        return ""
    if not pattern.fullmatch(value):
        table.problems.add(table.key(key), f"from {variable} {rule}", value)
        return ""
    return value


def _read_https(aws: TableReader, environment: str, region: str) -> HttpsSettings:
    http_only = aws.optional_boolean("http_only")
    domain = aws.string("domain", pattern=DOMAIN_PATTERN, rule=DOMAIN_RULE, required=False)
    certificate_arn = aws.string(
        "certificate_arn", pattern=CERTIFICATE_ARN_PATTERN, rule="must be an ACM certificate ARN", required=False
    )
    hosted_zone_id = aws.string(
        "hosted_zone_id", pattern=HOSTED_ZONE_PATTERN, rule="must be a Route 53 hosted zone ID such as Z0123456789ABC",
        required=False,
    )
    problems = aws.problems
    if not problems.all_valid(*(aws.key(key) for key in ("http_only", "domain", "certificate_arn", "hosted_zone_id"))):
        return HttpsSettings(http_only, domain, certificate_arn, hosted_zone_id)
    if http_only:
        if environment != "dev":
            problems.add(aws.key("http_only"), f"is allowed in dev only; {environment} must serve HTTPS", True)
        elif domain or certificate_arn or hosted_zone_id:
            problems.add(aws.key("http_only"), "contradicts domain/certificate_arn/hosted_zone_id: leave those out", True)
    elif domain is None:
        problems.add(
            aws.key("domain"),
            "is required: the site's name, which the certificate covers (dev may set http_only = true instead)",
            show_value=False,
        )
    elif certificate_arn is None and hosted_zone_id is None:
        problems.add(
            aws.key("certificate_arn"),
            "is required, or hosted_zone_id to issue a DNS-validated ACM certificate for domain",
            show_value=False,
        )
    elif certificate_arn is not None:
        match = CERTIFICATE_ARN_PATTERN.fullmatch(certificate_arn)
        if match and match.group(1) != region:
            problems.add(aws.key("certificate_arn"), f"must be in the load balancer's region {region}", certificate_arn)
    return HttpsSettings(http_only, domain, certificate_arn, hosted_zone_id)


def _read_aws(reader: TableReader, environment: str, environ: Mapping[str, str]) -> AwsSettings:
    aws = reader.section("aws")
    region = aws.string("region", pattern=AWS_REGION_PATTERN, rule="must be an AWS region name such as us-east-1") or ""
    account_id = _from_file_or_variable(
        aws, "account_id", "AWS_ACCOUNT_ID", environ, AWS_ACCOUNT_PATTERN, "must be a 12-digit AWS account ID (a string)"
    )
    zones = aws.string_list("availability_zones", pattern=AWS_ZONE_PATTERN, rule=AWS_ZONE_RULE, min_items=2, max_items=6)
    if zones and region and not all(zone[:-1] == region for zone in zones):
        aws.problems.add(aws.key("availability_zones"), f"must all be in the region {region}", list(zones))
    # /19 at most: the public subnets (1/256 of the block each) must be /27 or larger for a load balancer.
    vpc_cidr = aws.network("vpc_cidr", min_prefix=16, max_prefix=19)
    single_nat = aws.boolean("single_nat_gateway")
    if single_nat and environment != "dev":
        aws.problems.add(aws.key("single_nat_gateway"), "is allowed in dev only; other environments get a NAT per zone", True)
    https = _read_https(aws, environment, region)
    aws.finish()
    return AwsSettings(
        region=region,
        account_id=account_id,
        availability_zones=zones,
        vpc_cidr=vpc_cidr or ipaddress.IPv4Network("10.0.0.0/16"),
        single_nat_gateway=single_nat,
        https=https,
    )


def _read_gcp(reader: TableReader, environment: str, environ: Mapping[str, str]) -> GcpSettings:
    gcp = reader.section("gcp")
    project_id = _from_file_or_variable(
        gcp, "project_id", "GOOGLE_CLOUD_PROJECT", environ, GCP_PROJECT_PATTERN, GCP_PROJECT_RULE
    )
    project_number = gcp.string(
        "project_number", pattern=GCP_PROJECT_NUMBER_PATTERN,
        rule="must be the project's number (a string of 6 to 20 digits: gcloud projects describe <id> --format='value(projectNumber)')",
    ) or ""
    region = gcp.string("region", pattern=GCP_REGION_PATTERN, rule="must be a Google Cloud region name such as us-central1")
    domain = gcp.string("domain", pattern=DOMAIN_PATTERN, rule=DOMAIN_RULE, required=False)
    without_load_balancer = gcp.optional_boolean("without_load_balancer")
    invokers = gcp.string_list("invokers", pattern=IAM_MEMBER_PATTERN, min_items=1, max_items=20, required=False,
                               rule="must be IAM members such as group:developers@example.com or user:ann@example.com")
    if gcp.problems.all_valid(gcp.key("domain"), gcp.key("without_load_balancer")):
        if without_load_balancer and environment != "dev":
            gcp.problems.add(gcp.key("without_load_balancer"), f"is allowed in dev only; {environment} needs a domain", True)
        elif without_load_balancer and domain:
            gcp.problems.add(gcp.key("without_load_balancer"), "contradicts domain: leave one out", True)
        elif not without_load_balancer and domain is None:
            gcp.problems.add(
                gcp.key("domain"),
                "is required for the HTTPS load balancer (dev may set without_load_balancer = true instead)",
                show_value=False,
            )
    if gcp.problems.all_valid(gcp.key("domain"), gcp.key("without_load_balancer"), gcp.key("invokers")) \
            and without_load_balancer != bool(invokers):
        gcp.problems.add(gcp.key("invokers"), "goes with without_load_balancer = true, and only with it: without an edge, "
                         "the services answer only the identities named here (the run.invoker check stays on)",
                         list(invokers) if invokers else None, show_value=bool(invokers))
    subnet = gcp.network("subnet_cidr", min_prefix=16, max_prefix=26)
    private_services = gcp.network("private_services_cidr", min_prefix=16, max_prefix=24)
    if subnet and private_services and subnet.overlaps(private_services):
        gcp.problems.add(gcp.key("private_services_cidr"), f"must not overlap subnet_cidr {subnet}", str(private_services))
    billing_account = gcp.string(
        "billing_account", pattern=re.compile(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}"),
        rule="must be a billing account ID such as 012345-6789AB-CDEF01 (the budget's)",
    ) or ""
    gcp.finish()
    return GcpSettings(
        project_id=project_id,
        project_number=project_number,
        region=region or "",
        domain=domain,
        without_load_balancer=without_load_balancer,
        invokers=invokers,
        subnet_cidr=subnet or ipaddress.IPv4Network("10.0.0.0/24"),
        private_services_cidr=private_services or ipaddress.IPv4Network("10.1.0.0/16"),
        billing_account=billing_account,
    )


def _read_working_hours(scaling: TableReader, environment: str) -> WorkingHours | None:
    text = scaling.string(
        "working_hours", pattern=WORKING_HOURS_PATTERN, rule='must look like "MON-FRI 07:00-19:00"', required=False
    )
    timezone = scaling.string(
        "working_hours_timezone", pattern=re.compile(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)*"),
        rule="must be an IANA time zone such as Europe/Berlin", required=False,
    )
    if text is None:
        if timezone is not None and not scaling.has("working_hours"):
            scaling.problems.add(scaling.key("working_hours_timezone"), "is only used with working_hours", timezone)
        return None
    if environment != "dev":
        scaling.problems.add(scaling.key("working_hours"), f"is allowed in dev only; {environment} runs around the clock", text)
        return None
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            scaling.problems.add(scaling.key("working_hours_timezone"), "must be an IANA time zone such as Europe/Berlin", timezone)
    days, hours = text.split(" ")
    start, end = hours.split("-")
    if start >= end:
        scaling.problems.add(scaling.key("working_hours"), "must end after it starts on the same day", text)
    return WorkingHours(days=days, start=start, end=end, timezone=timezone or "UTC")


def _read_scaling(reader: TableReader, environment: str) -> ScalingSettings:
    scaling = reader.section("scaling")
    settings = ScalingSettings(
        min_capacity=scaling.integer("min_capacity", minimum=0, maximum=100, unit="tasks"),
        max_capacity=scaling.integer("max_capacity", minimum=1, maximum=100, unit="tasks"),
        target_cpu=scaling.integer("target_cpu", minimum=10, maximum=90, unit="percent"),
        scale_out_cooldown=scaling.integer("scale_out_cooldown", minimum=0, maximum=3600, unit="seconds"),
        scale_in_cooldown=scaling.integer("scale_in_cooldown", minimum=0, maximum=3600, unit="seconds"),
        target_memory=scaling.optional_integer("target_memory", minimum=10, maximum=90, unit="percent"),
        requests_per_target=scaling.optional_integer("requests_per_target", minimum=1, maximum=100000, unit="requests"),
        working_hours=_read_working_hours(scaling, environment),
    )
    scaling.finish()
    min_key, max_key = scaling.key("min_capacity"), scaling.key("max_capacity")
    if reader.problems.all_valid(min_key, max_key) and settings.min_capacity > settings.max_capacity:
        reader.problems.add(max_key, f"must be at least {min_key} ({settings.min_capacity})", settings.max_capacity)
    if environment == "prod" and reader.problems.all_valid(min_key) and not scaling.absent and settings.min_capacity < 2:
        reader.problems.add(min_key, "must be at least 2 in prod: one task or instance is one failure from an outage",
                            settings.min_capacity)
    return settings


def _read_service(reader: TableReader, service: str) -> ServiceSettings:
    table = reader.section(service)
    settings = ServiceSettings(
        cpu=table.integer("cpu", minimum=256, maximum=16384, unit="CPU units"),
        memory=table.integer("memory", minimum=512, maximum=122880, unit="MiB"),
        cloud_run_cpu=table.integer("cloud_run_cpu", minimum=1, maximum=8, unit="vCPU"),
        cloud_run_memory=table.integer("cloud_run_memory", minimum=512, maximum=32768, unit="MiB"),
        concurrency=table.integer("concurrency", minimum=1, maximum=1000, unit="requests per instance"),
        request_timeout_seconds=table.integer("request_timeout_seconds", minimum=1, maximum=3600, unit="seconds"),
        execute_command=table.optional_boolean("execute_command"),
    )
    table.finish()
    for cpu_name, memory_name, check in (
        ("cpu", "memory", fargate_size_problem),
        ("cloud_run_cpu", "cloud_run_memory", cloud_run_size_problem),
    ):
        cpu_key, memory_key = table.key(cpu_name), table.key(memory_name)
        if reader.problems.all_valid(cpu_key, memory_key):
            cpu, memory = getattr(settings, cpu_name), getattr(settings, memory_name)
            problem = check(cpu, memory)
            if problem is not None:
                reader.problems.add(f"{cpu_key}/{memory_key}", problem, f"{cpu}/{memory}")
    return settings


def _read_digests(table: TableReader, name: str, *, required: bool) -> dict[str, str]:
    """``{service: "sha256:..."}`` for every service of :data:`IMAGE_SERVICES`, or nothing when left out."""
    if not table.has(name):
        if required:
            table.problems.add(table.key(name), f"required: each service's image digest ({', '.join(IMAGE_SERVICES)}), "
                               "so that a moved tag cannot change what runs", show_value=False)
        table.section(name, required=False)
        return {}
    digests = table.section(name)
    found = {service: digests.string(service, pattern=IMAGE_DIGEST_PATTERN, rule=IMAGE_DIGEST_RULE) or ""
             for service in IMAGE_SERVICES}
    digests.finish()
    return found


def _read_images(reader: TableReader, environ: Mapping[str, str], environment: str) -> ImageSettings:
    images = reader.section("images")
    file_tag = images.string("tag", pattern=IMAGE_TAG_PATTERN, rule=IMAGE_TAG_RULE) or ""
    digests = _read_digests(images, "digests", required=environment in DIGEST_ENVIRONMENTS)
    images.finish()
    override = environ.get(IMAGE_TAG_VARIABLE)
    if override and override != file_tag:
        if digests:
            images.problems.add(images.key("tag"), f"is pinned by images.digests: {IMAGE_TAG_VARIABLE} cannot move it "
                                "(change the tag and its digests in the file)", override)
        elif not IMAGE_TAG_PATTERN.fullmatch(override):
            images.problems.add(images.key("tag"), f"from {IMAGE_TAG_VARIABLE} {IMAGE_TAG_RULE}", override)
        return ImageSettings(tag=override)
    return ImageSettings(tag=file_tag, digests=digests)


def _read_test_sources(table: TableReader, name: str) -> tuple[str, ...]:
    """Public IPv4 CIDR blocks no wider than /8: who may reach a test route (never the internet, never a private
    range, which cannot reach an internet-facing load balancer)."""
    values = table.string_list(name, pattern=re.compile(r"[0-9./]+"), rule=TEST_SOURCE_RULE, min_items=1, max_items=10,
                               required=False)
    for value in values:
        if test_source_problem(value) is not None:
            table.problems.add(table.key(name), TEST_SOURCE_RULE, value)
            return ()
    return values


def _read_release(reader: TableReader) -> ReleaseSettings:
    release = reader.section("release")
    strategy = release.choice("strategy", RELEASE_STRATEGIES) or "rolling"
    settings = ReleaseSettings(
        strategy=strategy,
        bake_minutes=release.integer("bake_minutes", minimum=0, maximum=1440, unit="minutes"),
        canary_percent=release.optional_integer("canary_percent", minimum=1, maximum=99, unit="percent"),
        canary_bake_minutes=release.optional_integer("canary_bake_minutes", minimum=0, maximum=1440, unit="minutes"),
        linear_step_percent=release.optional_integer("linear_step_percent", minimum=3, maximum=100, unit="percent"),
        linear_step_minutes=release.optional_integer("linear_step_minutes", minimum=0, maximum=1440, unit="minutes"),
        test_cidrs=_read_test_sources(release, "test_cidrs"),
        test_port=release.optional_integer("test_port", minimum=1, maximum=65535, unit="port") or 8443,
        candidate_tag=release.string("candidate_tag", pattern=IMAGE_TAG_PATTERN, rule=IMAGE_TAG_RULE, required=False),
        transition=release.string("transition", pattern=re.compile("|".join(RELEASE_TRANSITIONS)),
                                  rule=f"must be one of {join_choices(RELEASE_TRANSITIONS)}", required=False),
        candidate_digests=_read_digests(release, "candidate_digests", required=False),
    )
    release.finish()
    problems = release.problems
    if not problems.all_valid(release.key("strategy")):
        return settings
    for option_strategy, names in (("canary", ("canary_percent", "canary_bake_minutes")),
                                   ("linear", ("linear_step_percent", "linear_step_minutes"))):
        for name in names:
            given = getattr(settings, name) is not None
            if given and strategy != option_strategy:
                problems.add(release.key(name), f"is only used with strategy {option_strategy}, strategy is {strategy}",
                             getattr(settings, name))
            elif not given and strategy == option_strategy and problems.all_valid(release.key(name)):
                problems.add(release.key(name), f"is required with strategy {option_strategy}", show_value=False)
    if settings.transition is not None and settings.shifts_traffic:
        problems.add(release.key("transition"), f"is only used with strategy rolling, strategy is {strategy}",
                     settings.transition)
    what = f"transition {settings.transition}" if settings.transition else f"strategy {strategy}"
    if settings.has_test_route and not settings.test_cidrs and problems.all_valid(release.key("test_cidrs")):
        problems.add(release.key("test_cidrs"), f"is required with {what}: who may reach the test route",
                     show_value=False)
    if not settings.has_test_route and problems.all_valid(release.key("transition")):
        for name in ("test_cidrs", "test_port"):
            if release.has(name):
                problems.add(release.key(name), "is only used with a traffic-shifting strategy or a transition, strategy "
                             "is rolling", release.table[name])
    return settings


_THRESHOLD_RULE = "must be a list of ascending whole percentages from 1 to 1000, e.g. [50, 80, 100]"


def _read_budget(reader: TableReader) -> BudgetSettings:
    budget = reader.section("budget")
    settings = BudgetSettings(
        monthly_amount=budget.number("monthly_amount", above=0, maximum=10_000_000, unit="per month"),
        currency=budget.string("currency", pattern=re.compile(r"[A-Z]{3}"), rule="must be an ISO 4217 code such as USD")
        or "USD",
        actual_thresholds=budget.ascending_integers("actual_thresholds", minimum=1, maximum=1000, rule=_THRESHOLD_RULE),
        forecast_thresholds=budget.ascending_integers("forecast_thresholds", minimum=1, maximum=1000,
                                                      rule=_THRESHOLD_RULE),
    )
    budget.finish()
    if (not settings.actual_thresholds and not settings.forecast_thresholds
            and budget.problems.all_valid(budget.key("actual_thresholds"), budget.key("forecast_thresholds"))
            and not budget.absent):
        budget.problems.add(budget.key("actual_thresholds"), "and forecast_thresholds are both empty: the budget would alert nobody",
                            show_value=False)
    return settings


def _read_capacity(reader: TableReader, environment: str) -> CapacitySettings | None:
    if not reader.has("capacity"):
        reader.section("capacity", required=False)
        return None
    capacity = reader.section("capacity")
    settings = CapacitySettings(
        on_demand_base=capacity.integer("on_demand_base", minimum=0, maximum=100, unit="tasks"),
        on_demand_weight=capacity.integer("on_demand_weight", minimum=0, maximum=1000),
        spot_weight=capacity.integer("spot_weight", minimum=0, maximum=1000),
    )
    capacity.finish()
    keys = [capacity.key(name) for name in ("on_demand_base", "on_demand_weight", "spot_weight")]
    if not capacity.problems.all_valid(*keys):
        return settings
    if settings.on_demand_weight == 0 and settings.spot_weight == 0:
        capacity.problems.add(f"{keys[1]}/{keys[2]}", "must not both be 0: the tasks need somewhere to run", "0/0")
    elif environment == "prod" and settings.on_demand_base == 0 and settings.on_demand_weight == 0:
        capacity.problems.add(f"{keys[0]}/{keys[1]}", "must not both be 0 in prod: an all-Spot prod can lose every task "
                              "at once", "0/0")
    return settings


def cloud_problems(config: EnvironmentConfig, clouds: tuple[str, ...]) -> list[tuple[str, str, object]]:
    """(key, rule, value) of every setting one of the selected clouds cannot honour."""
    found: list[tuple[str, str, object]] = []
    if "aws" in clouds and config.budget.currency != "USD":
        found.append(("budget.currency", "must be USD while AWS is selected (AWS Budgets count in USD)",
                      config.budget.currency))
    for cloud in clouds:
        if config.release.strategy in UNSUPPORTED_STRATEGIES.get(cloud, ()):
            found.append(("release.strategy",
                          f"{config.release.strategy} is not available on {cloud.upper()} (Cloud Run splits traffic in fixed "
                          "shares): choose canary, or select --clouds aws", config.release.strategy))
    return found


_LARGE_BODY_PATH = re.compile(r"/[A-Za-z0-9._~%-][A-Za-z0-9._~%/-]*")


def _read_waf(reader: TableReader) -> WafSettings:
    waf = reader.section("waf")
    settings = WafSettings(
        # AWS WAF accepts 10 to 2e9; Cloud Armor's throttle at most 1e6.
        rate_limit_requests=waf.integer("rate_limit_requests", minimum=10, maximum=1_000_000, unit="requests"),
        rate_limit_window_seconds=waf.one_of(
            "rate_limit_window_seconds",
            RATE_LIMIT_WINDOWS_SECONDS,
            rule=f"must be a window AWS WAF and Cloud Armor accept: {join_choices(RATE_LIMIT_WINDOWS_SECONDS)} seconds",
        ),
        api_rate_limit_requests=waf.integer("api_rate_limit_requests", minimum=10, maximum=1_000_000, unit="requests"),
        # The edge's rules read the first 8 KB of a body: a larger limit would let the rest through unread.
        max_body_kib=waf.integer("max_body_kib", minimum=1, maximum=BODY_INSPECTION_BYTES // 1024, unit="KiB"),
        large_body_paths=waf.string_list(
            "large_body_paths", pattern=_LARGE_BODY_PATH, min_items=1, max_items=MAX_LARGE_BODY_ROUTES, required=False,
            rule="must be URL paths below / such as /api/upload (letters, digits, . _ ~ % / -)"),
        large_body_max_kib=waf.optional_integer("large_body_max_kib", minimum=BODY_INSPECTION_BYTES // 1024 + 1,
                                                maximum=MAX_LARGE_BODY_BYTES // 1024, unit="KiB"),
    )
    waf.finish()
    paths_key, max_key = waf.key("large_body_paths"), waf.key("large_body_max_kib")
    if waf.problems.all_valid(paths_key, max_key) and bool(settings.large_body_paths) != (settings.large_body_max_kib is not None):
        waf.problems.add(f"{paths_key}/{max_key}", "go together: the routes allowed larger bodies and their cap",
                         show_value=False)
    if waf.problems.all_valid(waf.key("api_rate_limit_requests"), waf.key("rate_limit_requests")) \
            and settings.api_rate_limit_requests > settings.rate_limit_requests:
        waf.problems.add(waf.key("api_rate_limit_requests"),
                         f"must be at most rate_limit_requests ({settings.rate_limit_requests})",
                         settings.api_rate_limit_requests)
    return settings


def _read_logging(reader: TableReader) -> LoggingSettings:
    logging = reader.section("logging")
    retention = logging.one_of(
        "retention_days",
        LOG_RETENTION_DAYS,
        rule=f"must be a retention CloudWatch Logs and Cloud Logging accept: {join_choices(LOG_RETENTION_DAYS)} days",
    )
    sample_rate = logging.number("request_log_sample_rate", above=0, maximum=1, unit="(share of requests)")
    logging.finish()
    return LoggingSettings(retention_days=retention, request_log_sample_rate=sample_rate)


def _read_storage(reader: TableReader) -> StorageSettings:
    storage = reader.section("storage")
    days = storage.integer("noncurrent_version_expiration_days", minimum=1, maximum=3650, unit="days")
    storage.finish()
    return StorageSettings(noncurrent_version_expiration_days=days)


def _read_database(reader: TableReader, environment: str) -> DatabaseSettings:
    database = reader.section("database")
    low, high = BACKUP_RETENTION_DAYS_RANGE
    settings = DatabaseSettings(
        enabled=database.boolean("enabled"),
        backup_retention_days=database.integer("backup_retention_days", minimum=low, maximum=high, unit="days"),
        high_availability=database.boolean("high_availability"),
        postgres_major_version=database.one_of(
            "postgres_major_version", POSTGRES_MAJOR_VERSIONS,
            rule=f"must be a PostgreSQL major version RDS and Cloud SQL offer: {join_choices(POSTGRES_MAJOR_VERSIONS)}",
        ),
        instance_class=database.string(
            "instance_class", pattern=RDS_CLASS_PATTERN, rule="must be an RDS instance class such as db.t4g.medium"
        ) or "",
        allocated_storage_gb=database.integer("allocated_storage_gb", minimum=20, maximum=65536, unit="GiB"),
        max_allocated_storage_gb=database.integer("max_allocated_storage_gb", minimum=20, maximum=65536, unit="GiB"),
        cloud_sql_tier=database.string(
            "cloud_sql_tier", pattern=CLOUD_SQL_TIER_PATTERN, rule="must be a Cloud SQL tier such as db-custom-2-7680"
        ) or "",
    )
    database.finish()
    allocated, maximum = database.key("allocated_storage_gb"), database.key("max_allocated_storage_gb")
    if reader.problems.all_valid(allocated, maximum) and settings.max_allocated_storage_gb < settings.allocated_storage_gb:
        reader.problems.add(maximum, f"must be at least {allocated} ({settings.allocated_storage_gb})",
                            settings.max_allocated_storage_gb)
    ha_key = database.key("high_availability")
    production = environment == PRODUCTION_ENVIRONMENT
    if production and settings.enabled and reader.problems.all_valid(ha_key) and not settings.high_availability:
        reader.problems.add(ha_key, "must be true in prod (Multi-AZ on AWS, regional on GCP)", False)
    return settings


def _read_protection(reader: TableReader, environment: str) -> ProtectionSettings:
    protection = reader.section("protection")
    enabled = protection.boolean("deletion_protection")
    protection.finish()
    key = protection.key("deletion_protection")
    if environment == PRODUCTION_ENVIRONMENT and reader.problems.all_valid(key) and not enabled and not protection.absent:
        reader.problems.add(key, "must be true in prod", False)
    return ProtectionSettings(deletion_protection=enabled)


def _read_state(reader: TableReader) -> StateSettings:
    state = reader.section("state")
    settings = StateSettings(
        aws_bucket=state.string(
            "aws_bucket", pattern=S3_STATE_BUCKET_PATTERN,
            rule="must be an S3 bucket name: 3 to 63 lowercase letters, digits or hyphens (no dots)",
        ) or "",
        aws_bootstrap_migrated=state.boolean("aws_bootstrap_migrated"),
        gcp_bucket=state.string(
            "gcp_bucket", pattern=GCS_STATE_BUCKET_PATTERN,
            rule="must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, hyphens or underscores (no dots)",
        ) or "",
        gcp_bootstrap_migrated=state.boolean("gcp_bootstrap_migrated"),
    )
    state.finish()
    return settings


def _read_alerting(reader: TableReader) -> AlertingSettings:
    alerting = reader.section("alerting")
    settings = AlertingSettings(
        error_rate_percent=alerting.number("error_rate_percent", above=0, maximum=100, unit="percent"),
        response_time_seconds=alerting.number("response_time_seconds", above=0, maximum=60, unit="seconds"),
        email=alerting.string("email", pattern=EMAIL_PATTERN, rule="must be an email address") or "",
        warning_email=alerting.string("warning_email", pattern=EMAIL_PATTERN, rule="must be an email address",
                                      required=False),
    )
    alerting.finish()
    return settings


def _read_dr(reader: TableReader, environment: str, aws: AwsSettings, gcp: GcpSettings,
             scaling: ScalingSettings) -> DrSettings | None:
    """The optional ``[dr]`` table (required in prod) and its rules against the primary's settings."""
    problems = reader.problems
    if not reader.has("dr"):
        reader.section("dr", required=False)
        if environment == "prod":
            problems.add("dr", "is required in prod: the standby regions, mode and capacity that let prod survive the "
                         "loss of its region (docs/disaster-recovery.md)", show_value=False)
        return None
    dr = reader.section("dr")
    aws_deferred = dr.boolean("aws_deferred", required=False)
    aws_region = dr.string("aws_standby_region", pattern=AWS_REGION_PATTERN,
                           rule="must be an AWS region name such as us-west-2") or ""
    gcp_region = dr.string("gcp_standby_region", pattern=GCP_REGION_PATTERN,
                           rule="must be a Google Cloud region name such as us-east1") or ""
    settings = DrSettings(
        mode=dr.choice("mode", DR_MODES) or "pilot_light",
        aws_standby_region=aws_region,
        aws_standby_availability_zones=dr.string_list(
            "aws_standby_availability_zones", pattern=AWS_ZONE_PATTERN, rule=AWS_ZONE_RULE, min_items=2, max_items=6),
        aws_standby_vpc_cidr=dr.network("aws_standby_vpc_cidr", min_prefix=16, max_prefix=19)
        or ipaddress.IPv4Network("10.255.0.0/16"),
        gcp_standby_region=gcp_region,
        gcp_standby_subnet_cidr=dr.network("gcp_standby_subnet_cidr", min_prefix=16, max_prefix=26)
        or ipaddress.IPv4Network("10.255.0.0/24"),
        standby_min_capacity=dr.integer("standby_min_capacity", minimum=1, maximum=100, unit="tasks"),
        standby_max_capacity=dr.integer("standby_max_capacity", minimum=1, maximum=100, unit="tasks"),
        aws_deferred=aws_deferred,
    )
    dr.finish()
    valid = problems.all_valid

    def rule(key: str, text: str, value: object = None, *, show_value: bool = True) -> None:
        problems.add(dr.key(key) if "." not in key else key, text, value, show_value=show_value)

    if valid(dr.key("aws_standby_region"), "aws.region") and aws_region == aws.region:
        rule("aws_standby_region", f"must differ from aws.region ({aws.region}): a standby in the primary's region "
             "fails with it", aws_region)
    zones = settings.aws_standby_availability_zones
    if zones and valid(dr.key("aws_standby_region")) and not all(zone[:-1] == aws_region for zone in zones):
        rule("aws_standby_availability_zones", f"must all be in dr.aws_standby_region {aws_region}", list(zones))
    cidr = settings.aws_standby_vpc_cidr
    if valid(dr.key("aws_standby_vpc_cidr"), "aws.vpc_cidr") and cidr.overlaps(aws.vpc_cidr):
        rule("aws_standby_vpc_cidr", f"must not overlap aws.vpc_cidr {aws.vpc_cidr}, so that the two VPCs can be "
             "peered", str(cidr))
    if valid(dr.key("gcp_standby_region"), "gcp.region") and gcp_region and gcp.region:
        if gcp_region == gcp.region:
            rule("gcp_standby_region", f"must differ from gcp.region ({gcp.region}): a standby in the primary's region "
                 "fails with it", gcp_region)
        elif gcs_dual_region_location(gcp.region, gcp_region) is None:
            rule("gcp_standby_region", f"must be on the continent of gcp.region ({gcp.region}): the data bucket becomes "
                 "a dual-region of both, which Cloud Storage offers within US, EU or ASIA", gcp_region)
    subnet = settings.gcp_standby_subnet_cidr
    if valid(dr.key("gcp_standby_subnet_cidr"), "gcp.subnet_cidr", "gcp.private_services_cidr"):
        for other in ("subnet_cidr", "private_services_cidr"):
            taken = getattr(gcp, other)
            if subnet.overlaps(taken):
                rule("gcp_standby_subnet_cidr", f"must not overlap gcp.{other} {taken}", str(subnet))
                break
    low, high = dr.key("standby_min_capacity"), dr.key("standby_max_capacity")
    if valid(low, high) and settings.standby_max_capacity < settings.standby_min_capacity:
        rule("standby_max_capacity", f"must be at least {low} ({settings.standby_min_capacity})",
             settings.standby_max_capacity)
    elif valid(high, "scaling.min_capacity") and settings.standby_max_capacity < scaling.min_capacity:
        rule("standby_max_capacity", f"must be at least scaling.min_capacity ({scaling.min_capacity}): after a "
             "failover the standby carries all the traffic", settings.standby_max_capacity)
    https_keys = ("aws.http_only", "aws.domain", "aws.certificate_arn", "aws.hosted_zone_id")
    if valid(*https_keys) and aws.https.hosted_zone_id is None:
        rule("aws.hosted_zone_id", "is required with [dr]: the failover records for aws.domain live in that Route 53 "
             "zone, and the standby's certificate is validated there", show_value=False)
    if valid("aws.region") and aws.region and aws.region != ROUTE53_METRICS_REGION:
        rule("aws.region", f"must be {ROUTE53_METRICS_REGION} with [dr]: the alarm on the primary's Route 53 health "
             f"check needs its metrics, which Route 53 publishes in {ROUTE53_METRICS_REGION} only", aws.region)
    if valid("gcp.without_load_balancer", "gcp.domain") and gcp.without_load_balancer:
        rule("gcp.without_load_balancer", "contradicts [dr]: the standby Cloud Run services are reached through the "
             "global load balancer", True)
    return settings


def read_environment(
    problems: Problems, data: Mapping[str, Any], *, project: str, environment: str, environ: Mapping[str, str]
) -> EnvironmentConfig:
    """Reads one environment file; every problem is added to ``problems``."""
    root = TableReader(problems, data)
    config = EnvironmentConfig(
        source=problems.source,
        project=project,
        environment=environment,
        aws=_read_aws(root, environment, environ),
        gcp=_read_gcp(root, environment, environ),
        scaling=_read_scaling(root, environment),
        backend=_read_service(root, "backend"),
        frontend=_read_service(root, "frontend"),
        images=_read_images(root, environ, environment),
        release=_read_release(root),
        budget=_read_budget(root),
        capacity=_read_capacity(root, environment),
        waf=_read_waf(root),
        logging=_read_logging(root),
        storage=_read_storage(root),
        database=_read_database(root, environment),
        protection=_read_protection(root, environment),
        alerting=_read_alerting(root),
        state=_read_state(root),
    )
    config = replace(config, dr=_read_dr(root, environment, config.aws, config.gcp, config.scaling))
    root.finish()
    release = config.release
    if release.candidate_tag is not None and release.candidate_tag == config.images.tag:
        problems.add("release.candidate_tag", f"equals images.tag ({config.images.tag}): a candidate is a new release",
                     release.candidate_tag)
    if bool(config.images.digests) and release.candidate_tag is not None and not release.candidate_digests:
        problems.add("release.candidate_digests", "required with candidate_tag where images.digests pins the running "
                     "images: the candidate runs by digest too", show_value=False)
    if release.candidate_digests and release.candidate_tag is None:
        problems.add("release.candidate_digests", "only with release.candidate_tag", show_value=False)
    if release.has_test_route and config.scaling.requests_per_target is not None:
        what = f"release.transition {release.transition}" if release.transition else f"release.strategy {release.strategy}"
        problems.add("scaling.requests_per_target",
                     f"counts one target group, but {what} moves traffic between two: "
                     "leave it out (CPU and memory still scale)", config.scaling.requests_per_target)
    return config
