"""Estimators of Google Cloud resource types (prices of us-central1, see ``prices.toml``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .context import (
    COMPUTE, DATA, DAYS_PER_MONTH, NETWORK, OBSERVABILITY, SECURITY, Resources, StackContext, blocks, display_name,
    estimator, first_block,
)
from .model import Budget

#: Cloud Run's default requests per instance.
DEFAULT_CONCURRENCY = 80
#: Cloud Run's default maximum number of instances of a service.
DEFAULT_MAX_INSTANCES = 100
#: Cloud Armor adds a default rule at this priority when a policy does not list one.
DEFAULT_RULE_PRIORITY = 2147483647
FREE_FORWARDING_RULE_BLOCK = 5
_CUSTOM_TIER = re.compile(r"db-custom-(?P<vcpus>\d+)-(?P<memory_mib>\d+)")
_QUANTITY = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<suffix>[A-Za-z]*)")
_MEMORY_UNITS_IN_GIB = {"": 1 / 2**30, "k": 1e3 / 2**30, "M": 1e6 / 2**30, "G": 1e9 / 2**30,
                        "Ki": 1 / 2**20, "Mi": 1 / 2**10, "Gi": 1.0}
#: Multi-region and dual-region Cloud Storage locations, priced differently from a region.
_MULTI_REGIONS = {"US", "EU", "ASIA", "NAM4", "EUR4", "ASIA1", "EUR5", "EUR7", "EUR8"}


# --- Cloud Run ----------------------------------------------------------------------------------------------


@estimator("google_cloud_run_v2_service")
def cloud_run_services(context: StackContext, services: Resources) -> None:
    """Minimum instances for the whole month, and the request share of the traffic assumption.

    With ``cpu_idle`` (request-based billing) a minimum instance that serves nothing bills at the idle rate;
    serving time is billed at the active rate plus a per-request fee. Without it (instance-based billing)
    instances bill all the time they exist, and requests are assumed to fit in the minimum instances. At
    maximum capacity every instance up to ``max_instance_count`` is busy all month.
    """
    requests = context.traffic.requests / len(services)
    for name, service in services.items():
        address = f"google_cloud_run_v2_service.{name}"
        template = first_block(service.get("template"))
        containers = blocks(template.get("containers"))
        try:
            vcpu = sum(_cpu(first_block(container.get("resources")).get("limits", {}).get("cpu", "1"))
                       for container in containers)
            memory = sum(_gib(first_block(container.get("resources")).get("limits", {}).get("memory", "512Mi"))
                         for container in containers)
        except ValueError as error:
            context.unpriced(address, str(error))
            continue
        resources = [first_block(container.get("resources")) for container in containers if container.get("resources")]
        run = _CloudRun(address, str(service.get("name", name)), vcpu, memory,
                        all(resource.get("cpu_idle", False) for resource in resources) if resources else True,
                        first_block(template.get("scaling")), int(template.get("max_instance_request_concurrency",
                                                                                DEFAULT_CONCURRENCY)))
        if context.at_maximum:
            _cloud_run_at_maximum(context, run, requests)
        else:
            _cloud_run_at_minimum(context, run, requests)


@dataclass(frozen=True)
class _CloudRun:
    """What the estimate reads of one Cloud Run service."""

    address: str
    display: str
    vcpu: float
    memory: float
    request_based: bool
    scaling: Mapping[str, Any]
    concurrency: int

    @property
    def size(self) -> str:
        return f"{self.vcpu:g} vCPU, {self.memory:g} GiB"


def _cloud_run_at_minimum(context: StackContext, run: _CloudRun, requests: float) -> None:
    minimum = int(run.scaling.get("min_instance_count", 0))
    busy_seconds = requests * context.traffic.mean_request_seconds / run.concurrency
    if run.request_based:
        idle = minimum * context.seconds
        context.line(COMPUTE, run.address, f"{run.display} idle minimum: {minimum} instance(s) x {context.hours:g} h, "
                     f"{run.size}", run.vcpu * idle, "cloud_run_idle_vcpu_second")
        context.line(COMPUTE, run.address, f"{run.display} idle minimum memory: {minimum} instance(s), {run.memory:g} GiB",
                     run.memory * idle, "cloud_run_idle_gib_second")
        busy = (f"{requests:,.0f} requests x {context.traffic.mean_request_seconds:g} s / concurrency {run.concurrency}"
                f" = {busy_seconds:,.0f} busy instance-seconds")
        context.line(COMPUTE, run.address, f"{run.display} serving CPU: {busy}", run.vcpu * busy_seconds,
                     "cloud_run_active_vcpu_second")
        context.line(COMPUTE, run.address, f"{run.display} serving memory: {run.memory:g} GiB over the same seconds",
                     run.memory * busy_seconds, "cloud_run_active_gib_second")
        context.line(COMPUTE, run.address, f"{run.display} requests: {requests:,.0f}", requests / 1e6,
                     "cloud_run_million_requests")
        return
    seconds = minimum * context.seconds + (busy_seconds if minimum == 0 else 0.0)
    what = f"{minimum} instance(s) x {context.hours:g} h" if minimum else f"{busy_seconds:,.0f} busy instance-seconds"
    context.line(COMPUTE, run.address, f"{run.display} CPU (instance-based billing): {what}, {run.size}",
                 run.vcpu * seconds, "cloud_run_instance_vcpu_second")
    context.line(COMPUTE, run.address, f"{run.display} memory (instance-based billing): {what}", run.memory * seconds,
                 "cloud_run_instance_gib_second")


def _cloud_run_at_maximum(context: StackContext, run: _CloudRun, requests: float) -> None:
    maximum = int(run.scaling.get("max_instance_count", DEFAULT_MAX_INSTANCES))
    if "max_instance_count" not in run.scaling:
        context.note(f"{run.address}: no max_instance_count; Cloud Run's default of {DEFAULT_MAX_INSTANCES} assumed")
    seconds = maximum * context.seconds
    what = f"{maximum} instance(s) busy x {context.hours:g} h, {run.size}"
    rate = "active" if run.request_based else "instance"
    context.line(COMPUTE, run.address, f"{run.display} CPU at maximum capacity: {what}", run.vcpu * seconds,
                 f"cloud_run_{rate}_vcpu_second")
    context.line(COMPUTE, run.address, f"{run.display} memory at maximum capacity: {maximum} instance(s), "
                 f"{run.memory:g} GiB", run.memory * seconds, f"cloud_run_{rate}_gib_second")
    if run.request_based:
        context.line(COMPUTE, run.address, f"{run.display} requests: {requests:,.0f}", requests / 1e6,
                     "cloud_run_million_requests")


def _cpu(text: Any) -> float:
    value = str(text)
    if value.endswith("m") and value[:-1].isdigit():
        return int(value[:-1]) / 1000
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"CPU limit {value!r} not understood") from None


def _gib(text: Any) -> float:
    match = _QUANTITY.fullmatch(str(text))
    if not match or match["suffix"] not in _MEMORY_UNITS_IN_GIB:
        raise ValueError(f"memory limit {text!r} not understood")
    return float(match["number"]) * _MEMORY_UNITS_IN_GIB[match["suffix"]]


# --- Cloud SQL ----------------------------------------------------------------------------------------------


@estimator("google_sql_database_instance")
def cloud_sql_instances(context: StackContext, instances: Resources) -> None:
    """vCPU and memory hours of the tier, SSD storage, backups; a regional (HA) instance counts twice."""
    for name, instance in instances.items():
        address = f"google_sql_database_instance.{name}"
        settings = first_block(instance.get("settings"))
        tier = str(settings.get("tier", ""))
        match = _CUSTOM_TIER.fullmatch(tier)
        if not match:
            context.unpriced(address, f"tier {tier!r}: only db-custom-<vCPUs>-<MiB> tiers are priced")
            continue
        if settings.get("edition", "ENTERPRISE") != "ENTERPRISE":
            context.unpriced(address, f"edition {settings['edition']!r}: only the Enterprise edition is priced")
            continue
        if not str(instance.get("database_version", "POSTGRES")).startswith(("POSTGRES", "MYSQL")):
            context.unpriced(address, f"{instance['database_version']}: only PostgreSQL and MySQL are priced")
            continue
        copies = 2 if settings.get("availability_type") == "REGIONAL" else 1
        availability = "regional (HA): 2 instances" if copies == 2 else "zonal"
        vcpus, memory_gb = int(match["vcpus"]), int(match["memory_mib"]) / 1024
        context.line(DATA, address, f"Cloud SQL {tier}: {vcpus} vCPU x {context.hours:g} h x {copies} ({availability})",
                     vcpus * context.hours * copies, "cloud_sql_vcpu_hour")
        context.line(DATA, address, f"Cloud SQL {tier}: {memory_gb:g} GB x {context.hours:g} h x {copies}",
                     memory_gb * context.hours * copies, "cloud_sql_memory_gb_hour")
        disk_gb = float(settings.get("disk_size", 10))
        disk_type = settings.get("disk_type", "PD_SSD")
        if disk_type != "PD_SSD":
            context.unpriced(address, f"disk type {disk_type!r}: only PD_SSD is priced")
        else:
            context.line(DATA, address, f"Cloud SQL SSD: {disk_gb:g} GB x {copies}", disk_gb * copies,
                         "cloud_sql_ssd_gb_month")
        if first_block(settings.get("backup_configuration")).get("enabled"):
            retained = disk_gb * context.table.assumptions.backup_storage_to_disk_ratio
            context.line(DATA, address, f"Cloud SQL backups: {retained:g} GB retained (assumed)", retained,
                         "cloud_sql_backup_gb_month")


# --- load balancing and edge --------------------------------------------------------------------------------


@estimator("google_compute_global_forwarding_rule")
def forwarding_rules(context: StackContext, rules: Resources) -> None:
    """The project's forwarding-rule charge and the data the load balancer processes."""
    count = len(rules)
    address = f"google_compute_global_forwarding_rule ({count})"
    context.line(NETWORK, address,
                 f"forwarding rules: {min(count, FREE_FORWARDING_RULE_BLOCK)} in the first-five block, {context.hours:g} h",
                 context.hours, "lb_forwarding_rules_first_five_hour")
    if count > FREE_FORWARDING_RULE_BLOCK:
        extra = count - FREE_FORWARDING_RULE_BLOCK
        context.line(NETWORK, address, f"forwarding rules beyond five: {extra} x {context.hours:g} h",
                     extra * context.hours, "lb_forwarding_rule_additional_hour")
    gb = context.traffic.load_balancer_gb
    context.line(NETWORK, address, f"load balancer data processed: {gb:g} GB, both directions", gb,
                 "lb_data_processed_gib")


@estimator("google_compute_security_policy")
def security_policies(context: StackContext, policies: Resources) -> None:
    requests = context.traffic.requests / len(policies)
    for name, policy in policies.items():
        address = f"google_compute_security_policy.{name}"
        rules = blocks(policy.get("rule"))
        count = len(rules) + (0 if any(rule.get("priority") == DEFAULT_RULE_PRIORITY for rule in rules) else 1)
        context.line(SECURITY, address, f"Cloud Armor policy {display_name(name, policy)}", 1, "cloud_armor_policy_month")
        context.line(SECURITY, address, f"Cloud Armor rules: {count} (with the default rule)", count,
                     "cloud_armor_rule_month")
        context.line(SECURITY, address, f"Cloud Armor requests: {requests:,.0f}", requests / 1e6,
                     "cloud_armor_million_requests")


# --- data and secrets ---------------------------------------------------------------------------------------


@estimator("google_dns_managed_zone")
def dns_zones(context: StackContext, zones: Resources) -> None:
    """Each managed zone (the VPC's private zones for Google APIs); queries are not estimated."""
    for name, zone in zones.items():
        context.line(NETWORK, f"google_dns_managed_zone.{name}", f"Cloud DNS zone {display_name(name, zone)}", 1,
                     "cloud_dns_zone_month")


@estimator("google_secret_manager_secret_version")
def secret_versions(context: StackContext, versions: Resources) -> None:
    for name, version in versions.items():
        secret = context.resolve(version.get("secret"), "google_secret_manager_secret")
        replication = first_block(secret[1].get("replication")) if secret else {}
        locations = len(blocks(first_block(replication.get("user_managed")).get("replicas"))) or 1
        secret_name = display_name(secret[0], secret[1]) if secret else name
        context.line(SECURITY, f"google_secret_manager_secret_version.{name}",
                     f"Secret Manager version of {secret_name}: {locations} location(s)", locations,
                     "secret_manager_version_month")


@estimator("google_artifact_registry_repository")
def artifact_repositories(context: StackContext, repositories: Resources) -> None:
    gb = context.traffic.image_storage_gb_per_repository
    for name, repository in repositories.items():
        context.line(DATA, f"google_artifact_registry_repository.{name}",
                     f"Artifact Registry {display_name(name, repository)}: {gb:g} GB stored (assumed)", gb,
                     "artifact_registry_gb_month")


@estimator("google_storage_bucket")
def storage_buckets(context: StackContext, found: Resources) -> None:
    gb = context.traffic.object_storage_gb_per_bucket
    for name, bucket in found.items():
        address = f"google_storage_bucket.{name}"
        location, storage_class = str(bucket.get("location", "US")).upper(), bucket.get("storage_class", "STANDARD")
        regions = list(bucket.get("custom_placement_config", {}).get("data_locations", [])) \
            if isinstance(bucket.get("custom_placement_config"), dict) else []
        if len(regions) == 2 and storage_class == "STANDARD":
            # A configurable dual-region keeps every object in both regions: counted as the regional rate twice
            # (replication per GB written, and turbo replication's fee, are not estimated).
            context.line(DATA, address, f"Cloud Storage Standard dual-region {display_name(name, bucket)} "
                         f"({' + '.join(regions)}): {gb:g} GB stored in each region (assumed)", gb * 2,
                         "gcs_standard_gb_month")
            continue
        if location in _MULTI_REGIONS or storage_class != "STANDARD":
            context.unpriced(address, f"{storage_class} in {location}: only Standard storage in a region is priced")
            continue
        context.line(DATA, address, f"Cloud Storage Standard {display_name(name, bucket)}: {gb:g} GB stored (assumed)", gb,
                     "gcs_standard_gb_month")


# --- logging ------------------------------------------------------------------------------------------------


@estimator("google_logging_project_bucket_config")
def log_buckets(context: StackContext, found: Resources) -> None:
    """The log ingestion assumption, shared by the project's log buckets, and retention beyond 30 days."""
    gb = context.traffic.log_ingestion_gb / len(found)
    for name, bucket in found.items():
        address = f"google_logging_project_bucket_config.{name}"
        days = int(bucket.get("retention_days", 30))
        context.line(OBSERVABILITY, address, f"Cloud Logging ingestion: {gb:g} GiB (includes 30 days)", gb,
                     "cloud_logging_ingestion_gib")
        beyond = max(0, days - 30)
        if beyond:
            context.line(OBSERVABILITY, address,
                         f"Cloud Logging retention {days} days: {gb:g} GiB kept {beyond} days beyond the included 30",
                         gb * beyond / DAYS_PER_MONTH, "cloud_logging_retention_gib_month")



# --- budgets ------------------------------------------------------------------------------------------------


@estimator("google_billing_budget")
def billing_budgets(context: StackContext, found: Resources) -> None:
    """Cloud Billing budgets cost nothing; each monthly budget is kept for the report to compare with."""
    for name, budget in found.items():
        specified = first_block(first_block(budget.get("amount")).get("specified_amount"))
        period = first_block(budget.get("budget_filter")).get("calendar_period", "MONTH")
        if "units" in specified and period == "MONTH":
            amount = float(specified["units"]) + float(specified.get("nanos", 0)) / 1e9
            context.estimate.budgets.append(
                Budget(f"google_billing_budget.{name}", amount, str(specified.get("currency_code", "USD"))))
