"""Limits the clouds themselves impose, in plain Python (no cdktf import), shared by constructs and config checks.

Constructs check their props against these at construction time; the project's configuration schema
checks the same rules earlier so that a bad value is reported before anything is synthesized.
"""

from __future__ import annotations

import ipaddress
import re

#: Retention periods CloudWatch Logs accepts, in days, that Cloud Logging buckets (1-3650 days) accept too.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
)

#: Backup retention both RDS and Cloud SQL accept for automated backups, in days.
BACKUP_RETENTION_DAYS_RANGE: tuple[int, int] = (1, 35)

#: A name usable as a prefix of AWS and GCP resource names (S3/GCS buckets, load balancers, Cloud Run services).
#: 20 characters leave room for the environment and a suffix inside the 32-character load balancer limit.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,18}[a-z0-9]")
NAME_RULE = "must be 3 to 20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen"


# Memory sizes (MiB) Fargate accepts for each task CPU size (units; 1024 = 1 vCPU), Linux platform 1.4.
_FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def fargate_memory_choices(cpu: int) -> tuple[int, ...]:
    """Memory sizes (MiB) that Fargate accepts for a task with ``cpu`` units; empty if the CPU value is invalid."""
    return _FARGATE_MEMORY.get(cpu, ())


FARGATE_CPU_CHOICES: tuple[int, ...] = tuple(_FARGATE_MEMORY)


def fargate_size_problem(cpu: int, memory: int) -> str | None:
    """Describes why Fargate would reject this CPU/memory pair, or None when it is valid."""
    if cpu not in FARGATE_CPU_CHOICES:
        return f"Fargate CPU must be one of {', '.join(map(str, FARGATE_CPU_CHOICES))} units"
    choices = fargate_memory_choices(cpu)
    if memory not in choices:
        if len(choices) <= 4:
            accepted = ", ".join(map(str, choices))
        else:
            accepted = f"{choices[0]} to {choices[-1]} in steps of {choices[1] - choices[0]}"
        return f"Fargate accepts memory of {accepted} MiB with {cpu} CPU units"
    return None


def log_retention_problem(days: int) -> str | None:
    """Describes why a log retention period is not accepted by both clouds, or None when it is."""
    if days not in LOG_RETENTION_DAYS:
        return f"log retention must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} days"
    return None


CLOUD_RUN_CPU_CHOICES: tuple[int, ...] = (1, 2, 4, 8)
# Least memory Cloud Run accepts per vCPU count, and the most memory each vCPU count allows (MiB).
_CLOUD_RUN_MEMORY_RANGE: dict[int, tuple[int, int]] = {1: (512, 4096), 2: (1024, 8192), 4: (2048, 16384), 8: (4096, 32768)}


def cloud_run_size_problem(cpu: int, memory: int) -> str | None:
    """Describes why Cloud Run would reject this vCPU/memory (MiB) pair, or None when it is valid."""
    if cpu not in _CLOUD_RUN_MEMORY_RANGE:
        return f"Cloud Run CPU must be one of {', '.join(map(str, CLOUD_RUN_CPU_CHOICES))} vCPU"
    low, high = _CLOUD_RUN_MEMORY_RANGE[cpu]
    if not low <= memory <= high:
        return f"Cloud Run accepts {low} to {high} MiB with {cpu} vCPU"
    return None


#: Rate-limit windows both AWS WAF (evaluation_window_sec) and Cloud Armor (interval_sec) accept.
RATE_LIMIT_WINDOWS_SECONDS: tuple[int, ...] = (60, 120, 300, 600)

#: PostgreSQL major versions both RDS and Cloud SQL offer.
POSTGRES_MAJOR_VERSIONS: tuple[int, ...] = (14, 15, 16, 17)

#: A container image tag (Docker's rule). ``latest`` is refused: repositories use immutable tags.
IMAGE_TAG_PATTERN = re.compile(r"(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
IMAGE_TAG_RULE = "must be a container image tag (letters, digits, '_', '.', '-', at most 128) other than 'latest'"
#: An image manifest's digest: what a release deploys, so that moving a tag cannot change what runs.
IMAGE_DIGEST_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")
IMAGE_DIGEST_RULE = "must be an image digest: 'sha256:' and 64 lowercase hex digits (the image workflow prints it)"


#: Names of AWS regions, accounts, DNS names, ACM certificates and Route 53 zones, checked by the
#: configuration schema and the AWS pattern specs alike.
AWS_REGION_PATTERN = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")
AWS_ACCOUNT_PATTERN = re.compile(r"[0-9]{12}")
DOMAIN_PATTERN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
DOMAIN_RULE = "must be a lowercase DNS name such as app.example.com"
CERTIFICATE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}")
HOSTED_ZONE_PATTERN = re.compile(r"Z[A-Z0-9]{1,31}")

#: Google Cloud project IDs and region names, checked by the configuration schema and the GCP props alike.
GCP_PROJECT_PATTERN = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
GCP_REGION_PATTERN = re.compile(r"[a-z]+-[a-z]+[0-9]")


#: Route 53 publishes health-check metrics (``AWS/Route53`` ``HealthCheckStatus``) in this region only, so a
#: CloudWatch alarm on a health check must live there.
ROUTE53_METRICS_REGION = "us-east-1"

#: Cloud Storage multi-regions that hold configurable dual-regions, by the prefix of their regions' names.
_DUAL_REGION_LOCATIONS = {"us": "US", "europe": "EU", "asia": "ASIA"}


def gcs_dual_region_location(first: str, second: str) -> str | None:
    """The multi-region (``US``, ``EU``, ``ASIA``) a configurable dual-region of two GCP regions belongs to, or
    ``None`` when Cloud Storage cannot pair them (different continents, or the same region twice)."""
    if first == second:
        return None
    prefixes = {region.split("-", 1)[0] for region in (first, second)}
    return _DUAL_REGION_LOCATIONS.get(prefixes.pop()) if len(prefixes) == 1 else None


#: Artifact Registry multi-regions, by the prefix of their regions' names.
_REGISTRY_MULTI_REGIONS = {"us": "us", "europe": "europe", "asia": "asia"}


def artifact_registry_multi_region(region: str) -> str | None:
    """The Artifact Registry multi-region (``us``, ``europe``, ``asia``) of a GCP region, or ``None``.

    A repository there keeps its images through the loss of any one region of it: where a platform with a
    standby region pulls from, so that a failover needs nothing from the lost region.
    """
    return _REGISTRY_MULTI_REGIONS.get(region.split("-", 1)[0])


#: The Terraform releases the synthesized output needs: write-only arguments (``password_wo``,
#: ``secret_string_wo``, used by ``ReplicatedPassword`` with disaster recovery) arrived in Terraform 1.11.
#: Give it to the App as its ``targetVersions`` context (``App(context={"targetVersions": ...})``): CDK Terrain
#: refuses write-only arguments when the App targets older releases (its default: ``>=1.5.7``); cdktf ignores it.
TERRAFORM_TARGET_VERSIONS: dict[str, str] = {"terraform": ">=1.11.0"}



#: Ranges whose clients never reach a public address from inside them: a client there is seen from its NAT
#: gateway's public address (RFC 1918 private, carrier-grade NAT, loopback, link-local). A test route on an
#: internet-facing load balancer admits public sources only.
NON_PUBLIC_CIDRS: tuple[str, ...] = (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
)
TEST_SOURCE_RULE = ("must be public IPv4 CIDR blocks no wider than /8 (the addresses the VPN or the CI runners "
                    "leave from): a private range never reaches an internet-facing load balancer")


def test_source_problem(cidr: str) -> str | None:
    """Why ``cidr`` cannot be a source of a test route (``None`` when it can): not a block, wider than /8, private."""
    try:
        network = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError:
        return "must be an IPv4 CIDR block such as 198.51.100.0/24"
    if network.prefixlen < 8:
        return "wider than /8; a test route stays closed to the internet"
    if any(network.overlaps(ipaddress.IPv4Network(private)) for private in NON_PUBLIC_CIDRS):
        return ("a private range never reaches an internet-facing load balancer; name the public addresses the VPN "
                "or the CI runners leave from")
    return None


#: Regions opened before August 2022 deliver ALB logs from these Elastic Load Balancing accounts (outside any
#: customer's organization); newer regions use the log delivery service principal.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517", "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
}
