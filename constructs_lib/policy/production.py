"""The guardrails of production (``Guardrails(production=True)``): capacity, protection, backups,
availability, HTTPS, WAF, and stateful resources kept from ``terraform destroy``.

Which stack is production is the stack's decision (from its configuration); a rule never reads an
environment name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..analysis.review.provider_facts import FORCE_DESTROY_NAMES, STATEFUL_RESOURCE_TYPES
from .document import Element, StackDocument, block, blocks, dig, is_number, is_true
from .model import Finding, Rule, Settings, TraitsLookup, of_types

#: Fewest tasks or instances a production service runs: one zone (or instance) may fail.
MIN_PRODUCTION_CAPACITY = 2
#: Fewest days of database backups in production.
MIN_BACKUP_DAYS = 7

#: Databases and load balancers, with their deletion protection attribute and its provider default.
DELETION_PROTECTION: dict[str, tuple[str, bool]] = {
    "aws_lb": ("enable_deletion_protection", False),
    "aws_alb": ("enable_deletion_protection", False),
    "aws_db_instance": ("deletion_protection", False),
    "aws_rds_cluster": ("deletion_protection", False),
    "aws_docdb_cluster": ("deletion_protection", False),
    "aws_neptune_cluster": ("deletion_protection", False),
    "aws_dynamodb_table": ("deletion_protection_enabled", False),
    "google_sql_database_instance": ("deletion_protection", True),
    "google_spanner_database": ("deletion_protection", True),
    "google_bigtable_instance": ("deletion_protection", True),
    "google_alloydb_cluster": ("deletion_protection", True),
}

_ALB_TYPES = ("aws_lb", "aws_alb")
_LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")
_LISTENER_RULE_TYPES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
_HTTP_PROXY_TYPES = ("google_compute_target_http_proxy", "google_compute_region_target_http_proxy")


def _below_minimum(value: Any) -> bool:
    return is_number(value) and value < MIN_PRODUCTION_CAPACITY


def _min_capacity(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for target in stack.of_type("aws_appautoscaling_target"):
        if target.get("service_namespace") == "ecs" and _below_minimum(target.get("min_capacity")):
            yield Finding(target, f"min_capacity {target.get('min_capacity')} < {MIN_PRODUCTION_CAPACITY}")
    for action in stack.of_type("aws_appautoscaling_scheduled_action"):
        minimum = block(action.get("scalable_target_action")).get("min_capacity")
        if action.get("service_namespace") == "ecs" and _below_minimum(minimum):
            yield Finding(action, f"scheduled min_capacity {minimum} < {MIN_PRODUCTION_CAPACITY}")
    for service in stack.of_type("aws_ecs_service"):
        desired = service.get("desired_count", 0)
        if service.get("scheduling_strategy") != "DAEMON" and _below_minimum(desired):
            yield Finding(service, f"desired_count {desired} < {MIN_PRODUCTION_CAPACITY}")
    for service in stack.of_type("google_cloud_run_v2_service"):
        counts = [dig(service.body, "template", "scaling", "min_instance_count"),
                  dig(service.body, "scaling", "min_instance_count")]
        minimum = max((count for count in counts if is_number(count)), default=0)
        if _below_minimum(minimum):
            yield Finding(service, f"min_instance_count {minimum} < {MIN_PRODUCTION_CAPACITY} "
                                   "(neither the template's nor the service's scaling)")


def _deletion_protection(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for element in stack.of_type(*DELETION_PROTECTION):
        attribute, default = DELETION_PROTECTION[element.type]
        if not is_true(element.get(attribute, default)):
            yield Finding(element, f"{attribute} is not true")


def _is_replica(element: Element) -> bool:
    return bool(element.get("replicate_source_db") or element.get("master_instance_name"))


def _backup_retention(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for database in stack.of_type("aws_db_instance", "aws_rds_cluster"):
        days = database.get("backup_retention_period")
        if not _is_replica(database) and not (is_number(days) and days >= MIN_BACKUP_DAYS):
            shown = "(not set)" if days is None else days
            yield Finding(database, f"backup_retention_period {shown} < {MIN_BACKUP_DAYS} days")
    for table in stack.of_type("aws_dynamodb_table"):
        if not is_true(block(table.get("point_in_time_recovery")).get("enabled")):
            yield Finding(table, "point_in_time_recovery is not enabled")
    for instance in stack.of_type("google_sql_database_instance"):
        if _is_replica(instance):
            continue
        backups = block(block(instance.get("settings")).get("backup_configuration"))
        retained = block(backups.get("backup_retention_settings")).get("retained_backups", MIN_BACKUP_DAYS)  # daily
        if not is_true(backups.get("enabled")):
            yield Finding(instance, "settings.backup_configuration.enabled is not true")
        elif is_number(retained) and retained < MIN_BACKUP_DAYS:
            yield Finding(instance, f"retained_backups {retained} < {MIN_BACKUP_DAYS} (one backup a day)")


def _cluster_instances(stack: StackDocument, cluster: Element) -> int:
    total = 0
    for instance in stack.of_type("aws_rds_cluster_instance"):
        if stack.refers_to(instance.get("cluster_identifier"), cluster, "id", "cluster_identifier",
                           literal=cluster.get("cluster_identifier")):
            count = instance.get("count", 1)
            total += count if is_number(count) else 1
    return total


def _high_availability(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for database in stack.of_type("aws_db_instance"):
        if not _is_replica(database) and not is_true(database.get("multi_az")):
            yield Finding(database, "multi_az is not true: one zone's outage stops the database")
    for cluster in stack.of_type("aws_rds_cluster"):
        # A Multi-AZ DB cluster (db_cluster_instance_class) brings its own instances in three zones.
        if not cluster.get("db_cluster_instance_class") and _cluster_instances(stack, cluster) < 2:
            yield Finding(cluster, "fewer than two aws_rds_cluster_instance: one zone's outage stops the database")
    for instance in stack.of_type("google_sql_database_instance"):
        if not _is_replica(instance) and block(instance.get("settings")).get("availability_type") != "REGIONAL":
            yield Finding(instance, "settings.availability_type is not REGIONAL: one zone's outage stops the database")


def _forwards(actions: Any) -> bool:
    """Whether listener actions pass requests on (anything but a redirect to HTTPS or a fixed response)."""
    for action in blocks(actions):
        kind = action.get("type")
        if kind == "redirect" and block(action.get("redirect")).get("protocol") == "HTTPS":
            continue
        if kind != "fixed-response":
            return True
    return False


def _plain_http_listeners(stack: StackDocument) -> list[Element]:
    listeners = []
    for listener in stack.of_type(*_LISTENER_TYPES):
        balancer = stack.referenced(listener.get("load_balancer_arn"), "arn", "id")
        application = balancer is None or balancer.get("load_balancer_type", "application") == "application"
        if listener.get("protocol", "HTTP" if application else "TCP") == "HTTP":
            listeners.append(listener)
    return listeners


def _https_only(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    plain = _plain_http_listeners(stack)
    for listener in plain:
        if _forwards(listener.get("default_action")):
            yield Finding(listener, "plain HTTP listener forwards requests (only a redirect to HTTPS is allowed)")
    for rule in stack.of_type(*_LISTENER_RULE_TYPES):
        on_plain_http = any(stack.refers_to(rule.get("listener_arn"), listener, "arn", "id") for listener in plain)
        if on_plain_http and _forwards(rule.get("action")):
            yield Finding(rule, "forwards requests of a plain HTTP listener (only a redirect to HTTPS is allowed)")
    for proxy in stack.of_type(*_HTTP_PROXY_TYPES):
        url_map = stack.referenced(proxy.get("url_map"), "id", "self_link")
        if url_map is not None and not is_true(block(url_map.get("default_url_redirect")).get("https_redirect")):
            yield Finding(proxy, f"serves plain HTTP: {url_map.address} does not redirect to HTTPS")


def _waf(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    associations = stack.of_type("aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association")
    for balancer in stack.of_type(*_ALB_TYPES):
        if balancer.get("load_balancer_type", "application") != "application" or is_true(balancer.get("internal")):
            continue
        if not any(stack.refers_to(association.get("resource_arn"), balancer, "arn", "id") for association in associations):
            yield Finding(balancer, "internet-facing load balancer without an aws_wafv2_web_acl_association")
    for backend in stack.of_type("google_compute_backend_service"):
        external = backend.get("load_balancing_scheme", "EXTERNAL") in ("EXTERNAL", "EXTERNAL_MANAGED")
        if external and not backend.get("security_policy"):
            yield Finding(backend, "backend service of an external load balancer without a Cloud Armor security_policy")
    for service in stack.of_type("google_cloud_run_v2_service"):
        if service.get("ingress", "INGRESS_TRAFFIC_ALL") == "INGRESS_TRAFFIC_ALL":
            yield Finding(service, "ingress INGRESS_TRAFFIC_ALL: reachable on its run.app URL, around any load "
                                   "balancer's Cloud Armor policy")


def _data_protection(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for element in stack.of_type(*sorted(STATEFUL_RESOURCE_TYPES)):
        if not is_true(block(element.get("lifecycle")).get("prevent_destroy")):
            yield Finding(element, "stateful resource without lifecycle.prevent_destroy (apply ProtectStatefulResources)")
        for name in sorted(FORCE_DESTROY_NAMES):
            if is_true(element.get(name)):
                yield Finding(element, f"{name} is true: destroying it would delete its contents")


PRODUCTION_RULES: tuple[Rule, ...] = (
    Rule("prod-min-capacity", f"services run at least {MIN_PRODUCTION_CAPACITY} tasks/instances (ECS autoscaling "
         "targets, scheduled actions and desired counts; Cloud Run min instances)", True,
         of_types("aws_appautoscaling_target", "aws_appautoscaling_scheduled_action", "aws_ecs_service",
                  "google_cloud_run_v2_service"), _min_capacity),
    Rule("prod-deletion-protection", "load balancers and databases have deletion protection on", True,
         of_types(*DELETION_PROTECTION), _deletion_protection),
    Rule("prod-backup-retention", f"databases keep backups for at least {MIN_BACKUP_DAYS} days", True,
         of_types("aws_db_instance", "aws_rds_cluster", "aws_dynamodb_table", "google_sql_database_instance"),
         _backup_retention),
    Rule("prod-high-availability", "databases survive a zone's outage (Multi-AZ, two cluster instances, regional)", True,
         of_types("aws_db_instance", "aws_rds_cluster", "google_sql_database_instance"), _high_availability),
    Rule("prod-https-only", "no plain HTTP listener or proxy serves requests; a redirect to HTTPS is fine", True,
         of_types(*_LISTENER_TYPES, *_LISTENER_RULE_TYPES, *_HTTP_PROXY_TYPES), _https_only),
    Rule("prod-waf", "every internet-facing ALB has a WAF association; every external backend service a Cloud "
         "Armor policy, and no Cloud Run service takes traffic around it", True,
         of_types(*_ALB_TYPES, "google_compute_backend_service", "google_cloud_run_v2_service"), _waf),
    Rule("prod-data-protection", "stateful resources carry lifecycle.prevent_destroy and no force_destroy/force_delete",
         True, of_types(*STATEFUL_RESOURCE_TYPES), _data_protection),
)
