"""The risk review of synthesized output: attribute diffs, moves, every risk rule, secrets, rendering."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from constructs_lib.analysis.review import ABSENT, Action, BlockKind, Review, Risk, SynthesizedOutput, compare_outputs, render
from constructs_lib.analysis.review.changes import AttributeChange, RiskKind, diff_documents, diff_values
from constructs_lib.analysis.review.deletion_facts import DELETE_BLOCKERS
from constructs_lib.analysis.review.provider_facts import (
    EDGE_REPLACEMENT_FACTS, OUTAGE_FACTS, REPLACEMENT_FACTS, STATEFUL_RESOURCE_TYPES,
)
from constructs_lib.analysis.review.rendering import MAX_VALUE_CHARS, SENSITIVE_VALUE, format_values

PROD = "acme-aws-prod"
STAGING = "acme-aws-staging"


def document(resources: dict[str, dict[str, Any]] | None = None, **top_level: Any) -> dict[str, Any]:
    """A Terraform JSON document holding ``resources`` (``{"type.name": body}``) and other top-level keys."""
    grouped: dict[str, dict[str, Any]] = {}
    for address, body in (resources or {}).items():
        resource_type, name = address.split(".", 1)
        grouped.setdefault(resource_type, {})[name] = body
    return {"resource": grouped, **top_level}


def review(old: dict[str, Any], new: dict[str, Any], stack: str = PROD) -> Review:
    return compare_outputs(SynthesizedOutput("old", {stack: old}), SynthesizedOutput("new", {stack: new}))


def reasons(result: Review) -> list[str]:
    """``address attribute: reason`` for every risk, in report order."""
    return [
        f"{change.address} {risk.attribute or '-'}: {risk.reason}"
        for stack in result.stacks for change in stack.changes for risk in change.risks
    ]


def one_resource_change(old_body: dict[str, Any] | None, new_body: dict[str, Any] | None,
                        address: str, stack: str = PROD) -> Review:
    old = document({address: old_body} if old_body is not None else {})
    new = document({address: new_body} if new_body is not None else {})
    return review(old, new, stack)


# --- attribute diffs -------------------------------------------------------------------------------------------


def test_changed_attributes_have_terraform_paths_and_old_and_new_values() -> None:
    old = {"versioning": {"enabled": True}, "lifecycle_rule": [{"expiration": [{"days": 30}], "id": "a"}], "tags": ["x"]}
    new = {"versioning": {"enabled": False}, "lifecycle_rule": [{"expiration": [{"days": 7}], "id": "a"}], "tags": ["x", "y"]}
    changes = list(diff_values(old, new))
    assert [(change.dotted, change.old, change.new) for change in changes] == [
        ("lifecycle_rule[0].expiration[0].days", 30, 7),
        ("tags", ["x"], ["x", "y"]),
        ("versioning.enabled", True, False),
    ]
    assert changes[0].schema_path == "lifecycle_rule.expiration.days"


def test_added_and_removed_attributes_are_absent_on_one_side() -> None:
    changes = list(diff_values({"a": 1, "block": {"x": 1}}, {"b": 2, "rules": [{"id": "r"}]}))
    assert [(change.dotted, change.old, change.new) for change in changes] == [
        ("a", 1, ABSENT), ("b", ABSENT, 2), ("block.x", 1, ABSENT), ("rules[0].id", ABSENT, "r"),
    ]


def test_json_held_in_strings_is_compared_inside() -> None:
    definitions = [{"name": "api", "image": "repo:1.0.0", "portMappings": [{"containerPort": 8000}]}]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"]}]}
    old = {"container_definitions": json.dumps(definitions), "policy": json.dumps(policy)}
    definitions[0]["image"] = "repo:1.1.0"
    policy["Statement"][0]["Action"] = ["s3:GetObject", "s3:PutObject"]
    new = {"container_definitions": json.dumps(definitions, indent=2), "policy": json.dumps(policy)}
    assert [(change.dotted, change.old, change.new) for change in diff_values(old, new)] == [
        ("container_definitions[0].image", "repo:1.0.0", "repo:1.1.0"),
        ("policy.Statement[0].Action", ["s3:GetObject"], ["s3:GetObject", "s3:PutObject"]),
    ]


def test_reformatted_json_string_is_no_change_and_a_plain_string_is_compared_whole() -> None:
    assert list(diff_values({"policy": '{"a": 1}'}, {"policy": '{ "a" : 1 }'})) == []
    assert list(diff_values({"name": "{not json"}, {"name": "{not json!"})) == [
        AttributeChange(("name",), "{not json", "{not json!")
    ]


def test_cdktf_metadata_is_ignored_but_waiver_changes_are_reported() -> None:
    address = "aws_s3_bucket.data"
    old = {"//": {"metadata": {"path": "stack/data/bucket", "uniqueId": "data"}}, "bucket": "b"}
    renamed_construct = {"//": {"metadata": {"path": "stack/lake/bucket", "uniqueId": "data"}}, "bucket": "b"}
    assert review(document({address: old}), document({address: renamed_construct})).stacks[0].changes == ()

    waived = {"//": {"metadata": {"path": "stack/data/bucket"}, "waivers": {"versioning": "archive copy, see ADR 7"}},
              "bucket": "b"}
    (change,) = review(document({address: old}), document({address: waived})).stacks[0].changes
    assert [(attribute.dotted, attribute.old, attribute.new) for attribute in change.attributes] == [
        ("//.waivers.versioning", ABSENT, "archive copy, see ADR 7")
    ]


def test_data_sources_and_other_blocks_are_compared_and_listed_after_resources() -> None:
    old = document({"aws_s3_bucket.b": {"bucket": "b"}}, data={"aws_iam_policy_document": {"trust": {"statement": []}}},
                   output={"url": {"value": "a"}}, provider={"aws": [{"region": "us-east-1"}]})
    new = document({"aws_s3_bucket.b": {"bucket": "b", "tags": {"team": "data"}}},
                   data={"aws_iam_policy_document": {"trust": {"statement": [{"actions": ["sts:AssumeRole"]}]}}},
                   output={"url": {"value": "b"}}, provider={"aws": [{"region": "us-east-2"}]})
    changes = diff_documents(old, new)
    assert [(change.kind, change.group, change.address) for change in changes] == [
        (BlockKind.RESOURCE, "aws_s3_bucket", "aws_s3_bucket.b"),
        (BlockKind.DATA, "data.aws_iam_policy_document", "data.aws_iam_policy_document.trust"),
        (BlockKind.SETTING, "output", "output.url"),
        (BlockKind.SETTING, "provider", "provider.aws"),
    ]
    assert changes[3].attributes[0].dotted == "[0].region"


# --- moves -----------------------------------------------------------------------------------------------------


def test_moved_block_turns_remove_and_add_into_a_move_without_risk() -> None:
    old = document({"aws_s3_bucket.data": {"bucket": "b"}})
    new = document({"aws_s3_bucket.lake": {"bucket": "b"}},
                   moved=[{"from": "aws_s3_bucket.data", "to": "aws_s3_bucket.lake"}])
    result = review(old, new)
    (change,) = result.stacks[0].changes
    assert (change.action, change.address, change.moved_from, change.attributes) == (
        Action.MOVED, "aws_s3_bucket.lake", "aws_s3_bucket.data", ()
    )
    assert (reasons(result), result.exit_status, result.stacks[0].totals) == (
        [], 1, "0 added, 0 removed, 1 changed, 0 risky"
    )


def test_moved_resource_is_still_checked_attribute_by_attribute() -> None:
    old = document({"aws_s3_bucket.data": {"bucket": "b", "force_destroy": False}})
    new = document({"aws_s3_bucket.lake": {"bucket": "b", "force_destroy": True}},
                   moved=[{"from": "aws_s3_bucket.data", "to": "aws_s3_bucket.lake"}])
    assert reasons(review(old, new)) == [
        "aws_s3_bucket.lake force_destroy: force_destroy turned on: destroying the resource also deletes everything in it"
    ]


def test_moved_block_of_an_earlier_change_is_not_a_move_now() -> None:
    moved = [{"from": "aws_s3_bucket.data", "to": "aws_s3_bucket.lake"}]
    old = document({"aws_s3_bucket.lake": {"bucket": "b"}}, moved=moved)
    assert review(old, document({"aws_s3_bucket.lake": {"bucket": "b"}}, moved=moved)).exit_status == 0


# --- risk rules ------------------------------------------------------------------------------------------------


def kinds(result: Review) -> list[str]:
    return [risk.kind.value for stack in result.stacks for change in stack.changes for risk in change.risks]


def only_risk(result: Review) -> Risk:
    (risk,) = [risk for stack in result.stacks for change in stack.changes for risk in change.risks]
    return risk


def test_new_address_without_moved_block_is_a_rename_that_loses_data_and_offers_a_moved_block() -> None:
    old = document({"aws_s3_bucket.data": {"bucket": "b"}})
    new = document({"aws_s3_bucket.lake": {"bucket": "b"}})
    result = review(old, new)
    risk = only_risk(result)
    assert (risk.kind, risk.reason) == (RiskKind.DATA_LOSS, (
        "removed while aws_s3_bucket.lake of the same type is added (a renamed construct?): Terraform destroys this "
        "one and creates that one; its data is lost"))
    assert risk.fix.startswith('keep the old construct id, or move the state: add `{"from": "aws_s3_bucket.data", '
                               '"to": "aws_s3_bucket.lake"}` to the stack\'s `moved` list')
    assert risk.blocker.startswith("the apply stops half-way if the bucket still holds objects")
    assert (result.stacks[0].totals, result.exit_status) == ("1 added, 1 removed, 0 changed, 1 risky", 3)


def test_a_moved_block_is_not_offered_when_an_attribute_forcing_replacement_changed_too() -> None:
    old = document({"aws_s3_bucket.data": {"bucket": "acme-data", "force_destroy": True}})
    new = document({"aws_s3_bucket.lake": {"bucket": "acme-lake", "force_destroy": True}})
    risk = only_risk(review(old, new))
    assert risk.fix == ("keep the old construct id and values: a moved block alone would not keep it, as bucket also "
                        "changed and forces a replacement")
    assert risk.blocker == ""  # force_destroy: S3 deletes the objects with the bucket


def test_a_removal_among_several_additions_pairs_with_the_most_alike() -> None:
    old = document({"aws_s3_bucket.data": {"bucket_prefix": "acme-data-", "force_destroy": False}})
    new = document({"aws_s3_bucket.lake": {"bucket_prefix": "acme-data-", "force_destroy": False},
                    "aws_s3_bucket.logs": {"bucket_prefix": "acme-logs-"}})
    assert "aws_s3_bucket.lake of the same type" in only_risk(review(old, new)).reason


def test_removing_a_stateful_resource_is_data_loss_and_a_stateless_one_is_not_risky() -> None:
    result = one_resource_change({"name": "/ecs/api"}, None, "aws_cloudwatch_log_group.logs")
    assert reasons(result) == ["aws_cloudwatch_log_group.logs -: removed: Terraform destroys it; its data is lost"]
    assert kinds(result) == ["data loss"]
    assert reasons(one_resource_change({"name": "alarm"}, None, "aws_cloudwatch_metric_alarm.cpu")) == []


def test_prevent_destroy_is_named_as_no_protection_once_the_block_is_gone() -> None:
    result = one_resource_change({"bucket": "b", "lifecycle": {"prevent_destroy": True}}, None, "aws_s3_bucket.data")
    assert only_risk(result).reason.endswith(
        "(lifecycle.prevent_destroy protects only a resource whose block is still there)")


@pytest.mark.parametrize(
    ("address", "body", "blocker"),
    [
        ("aws_db_instance.db", {"deletion_protection": True},
         "the apply fails: RDS refuses to delete an instance with deletion protection on"),
        ("google_sql_database_instance.db", {"name": "db"},  # deletion_protection defaults to true
         "the apply fails: the provider refuses to delete the instance while deletion_protection is true"),
        ("aws_ecr_repository.api", {"name": "api"}, "the apply stops half-way if the repository still holds images"),
        ("google_storage_bucket.data", {"name": "d", "force_destroy": False},
         "the apply stops half-way if the bucket still holds objects"),
    ],
)
def test_what_would_make_deleting_a_resource_fail_is_named(address: str, body: dict[str, Any], blocker: str) -> None:
    assert only_risk(one_resource_change(body, None, address)).blocker.startswith(blocker)


def test_nothing_blocks_a_delete_that_will_succeed() -> None:
    for address, body in (("aws_db_instance.db", {"deletion_protection": False}),
                          ("google_sql_database_instance.db", {"deletion_protection": False}),
                          ("aws_s3_bucket.data", {"force_destroy": True})):
        assert only_risk(one_resource_change(body, None, address)).blocker == "", address


@pytest.mark.parametrize(
    ("address", "body", "source"),
    [
        ("aws_db_instance.replica", {"replicate_source_db": "arn:aws:rds:us-east-1:1:db:prod", "deletion_protection": True},
         "replicate_source_db"),
        ("google_sql_database_instance.replica", {"master_instance_name": "prod-postgres", "deletion_protection": True},
         "master_instance_name"),
    ],
)
def test_a_removed_replica_costs_recovery_time_not_data_and_names_its_blocker(
    address: str, body: dict[str, Any], source: str
) -> None:
    risk = only_risk(one_resource_change(body, None, address))
    assert risk.kind is RiskKind.AVAILABILITY
    assert risk.reason == (f"removed: Terraform destroys it; it is a replica ({source} is set): its source keeps the "
                           "data, but a failover has no replica to promote and recovery takes longer until one is "
                           "re-created")
    assert "data is lost" not in risk.reason and risk.blocker.startswith("the apply fails: ")


def test_a_removed_stack_leaves_its_stateful_resources_unmanaged_not_destroyed() -> None:
    old = SynthesizedOutput("old", {PROD: document({"google_storage_bucket.data": {"name": "d"},
                                                    "google_monitoring_alert_policy.cpu": {"display_name": "cpu"}})})
    result = compare_outputs(old, SynthesizedOutput("new", {}))
    assert result.stacks[0].presence == "stack removed"
    assert reasons(result) == [
        "google_storage_bucket.data -: its stack is no longer synthesized, so nothing plans, applies or destroys it: it "
        "stays in the cloud, unmanaged and billed (destroy the stack first if it should go: docs/delivery.md)"]
    assert kinds(result) == ["protection removed"] and result.exit_status == 3


REPLACEMENT = "forces replacement: Terraform destroys the resource and its data and creates a new one"


@pytest.mark.parametrize(
    ("address", "old", "new", "expected"),
    [
        ("aws_s3_bucket.data", {"bucket_prefix": "acme-data-"}, {"bucket_prefix": "acme-lake-"}, f"bucket_prefix: {REPLACEMENT}"),
        ("aws_s3_bucket.data", {"bucket": "a"}, {"bucket": "b"}, f"bucket: {REPLACEMENT}"),
        ("aws_db_instance.db", {"kms_key_id": "k1"}, {"kms_key_id": "k2"}, f"kms_key_id: {REPLACEMENT}"),
        ("aws_db_instance.db", {"engine": "postgres"}, {"engine": "mysql"}, f"engine: {REPLACEMENT}"),
        ("aws_ecr_repository.api", {"encryption_configuration": [{"encryption_type": "KMS", "kms_key": "k1"}]},
         {"encryption_configuration": [{"encryption_type": "KMS", "kms_key": "k2"}]},
         f"encryption_configuration[0].kms_key: {REPLACEMENT}"),
        ("google_sql_database_instance.db", {"settings": {"disk_size": 100}}, {"settings": {"disk_size": 50}},
         f"settings.disk_size: {REPLACEMENT}"),
        ("google_storage_bucket.data", {"location": "US"}, {"location": "EU"}, f"location: {REPLACEMENT}"),
    ],
)
def test_attribute_changes_that_replace_a_stateful_resource_are_data_loss(
    address: str, old: dict[str, Any], new: dict[str, Any], expected: str
) -> None:
    result = one_resource_change(old, new, address)
    assert reasons(result) == [f"{address} {expected}"]
    assert kinds(result) == ["data loss"]


def test_prevent_destroy_makes_the_plan_of_a_replacement_fail() -> None:
    old = {"bucket": "a", "lifecycle": {"prevent_destroy": True}}
    new = {"bucket": "b", "lifecycle": {"prevent_destroy": True}}
    assert only_risk(one_resource_change(old, new, "aws_s3_bucket.data")).blocker == (
        "the plan fails: lifecycle.prevent_destroy forbids the replacement (so nothing is applied)")


MAINTENANCE_WINDOW = "in the instance's next maintenance window, not when the apply runs (apply_immediately is off)"
CLOUD_SQL_NOW = "as the apply runs (Cloud SQL does not defer it to the maintenance window)"


@pytest.mark.parametrize(
    ("address", "old", "new", "kind", "reason", "when"),
    [
        ("aws_db_instance.db", {"instance_class": "db.t4g.medium"}, {"instance_class": "db.m7g.large"}, "outage",
         "RDS moves the database to the new class: it is unavailable during the change (with Multi-AZ, for a "
         "failover) (db.t4g.medium -> db.m7g.large)", MAINTENANCE_WINDOW),
        ("aws_db_instance.db", {"engine_version": "16.4"}, {"engine_version": "17.1"}, "outage",
         "RDS upgrades the engine in place and the database can be unavailable for minutes (16.4 -> 17.1)",
         MAINTENANCE_WINDOW),
        ("aws_db_instance.db", {"identifier": "db-a"}, {"identifier": "db-b"}, "outage",
         "RDS renames the instance in place: it reboots, its endpoint changes and it is unavailable until the new "
         "name is in effect (db-a -> db-b)", MAINTENANCE_WINDOW),
        ("aws_db_instance.db", {"port": 5432}, {"port": 5433}, "outage",
         "RDS restarts the database on the new port; clients still using the old port fail (5432 -> 5433)",
         "as the apply runs, whatever apply_immediately says"),
        ("aws_db_instance.db", {"storage_type": "gp2"}, {"storage_type": "gp3"}, "availability",
         "RDS migrates the storage: the database stays up but slower, backups are suspended and no other "
         "modification, reboot or deletion is possible until it finishes (typically under 24 hours) (gp2 -> gp3)",
         MAINTENANCE_WINDOW),
        ("aws_db_instance.db", {"multi_az": True}, {"multi_az": False}, "availability",
         "Multi-AZ turned off: no standby in a second zone, so a zone failure or maintenance takes the database down "
         "(True -> False)", MAINTENANCE_WINDOW),
        ("google_sql_database_instance.db", {"settings": {"tier": "db-custom-2-7680"}},
         {"settings": {"tier": "db-custom-4-15360"}}, "outage",
         "Cloud SQL restarts the instance on the new machine type: the database is unavailable for minutes "
         "(db-custom-2-7680 -> db-custom-4-15360)", CLOUD_SQL_NOW),
        ("google_sql_database_instance.db", {"database_version": "POSTGRES_16"}, {"database_version": "POSTGRES_17"},
         "outage", "Cloud SQL upgrades the instance in place with downtime; a downgrade or another engine is refused "
         "(POSTGRES_16 -> POSTGRES_17)", CLOUD_SQL_NOW),
        ("google_sql_database_instance.db", {"settings": [{"activation_policy": "ALWAYS"}]},
         {"settings": [{"activation_policy": "NEVER"}]}, "outage",
         "the instance is stopped (activation_policy NEVER): the database is down until the policy is ALWAYS again "
         "(ALWAYS -> NEVER)", CLOUD_SQL_NOW),
    ],
)
def test_in_place_changes_that_restart_or_weaken_a_database_say_when_they_take_effect(
    address: str, old: dict[str, Any], new: dict[str, Any], kind: str, reason: str, when: str
) -> None:
    risk = only_risk(one_resource_change(old, new, address))
    assert (risk.kind.value, risk.reason, risk.when) == (kind, reason, when)


def test_the_maintenance_window_is_named_and_apply_immediately_makes_it_now() -> None:
    address = "aws_db_instance.db"
    named = {"instance_class": "db.m7g.large", "maintenance_window": "sun:04:30-sun:05:30"}
    assert only_risk(one_resource_change({"instance_class": "db.t4g.medium"}, named, address)).when == (
        "in the instance's next maintenance window (sun:04:30-sun:05:30 UTC), not when the apply runs "
        "(apply_immediately is off)")
    immediate = {"instance_class": "db.m7g.large", "apply_immediately": True}
    assert only_risk(one_resource_change({"instance_class": "db.t4g.medium", "apply_immediately": True}, immediate,
                                         address)).when == "as the apply runs (apply_immediately = true)"


def test_high_availability_turned_off_on_cloud_sql_is_a_restart_and_an_availability_loss() -> None:
    result = one_resource_change({"settings": {"availability_type": "REGIONAL"}}, {"settings": {"availability_type": "ZONAL"}},
                                 "google_sql_database_instance.db")
    assert kinds(result) == ["outage", "availability"]
    enabling = one_resource_change({"settings": {"availability_type": "ZONAL"}}, {"settings": {"availability_type": "REGIONAL"}},
                                   "google_sql_database_instance.db")
    assert kinds(enabling) == ["outage"]  # a restart either way


@pytest.mark.parametrize(
    ("address", "old", "new", "consequence"),
    [
        ("aws_lb.web", {"name": "acme"}, {"name": "acme-web"}, "the load balancer gets a new DNS name"),
        ("aws_lb.web", {"internal": True}, {"internal": False}, "the load balancer gets a new DNS name"),
        ("aws_acm_certificate.cert", {"domain_name": "a.example.com"}, {"domain_name": "b.example.com"},
         "the new certificate must pass DNS validation"),
        ("google_compute_managed_ssl_certificate.cert", {"managed": {"domains": ["a.example.com"]}},
         {"managed": {"domains": ["b.example.com"]}}, "Google provisions the new certificate only after DNS"),
        ("google_compute_global_address.ip", {"name": "acme-ip"}, {"name": "acme-lb-ip"},
         "the load balancer's IP address changes"),
    ],
)
def test_replacing_a_load_balancer_certificate_or_address_is_an_outage(
    address: str, old: dict[str, Any], new: dict[str, Any], consequence: str
) -> None:
    result = one_resource_change(old, new, address)
    replacement = [risk for stack in result.stacks for change in stack.changes for risk in change.risks
                   if risk.kind is RiskKind.OUTAGE]
    assert len(replacement) == 1 and replacement[0].reason.startswith(f"forces replacement: {consequence}")


def test_removing_a_load_balancer_is_an_outage_that_deletion_protection_stops() -> None:
    risk = only_risk(one_resource_change({"name": "acme", "enable_deletion_protection": True}, None, "aws_lb.web"))
    assert risk.kind is RiskKind.OUTAGE and risk.reason.startswith("removed: Terraform destroys it; the load balancer")
    assert risk.blocker.startswith("the apply fails: Elastic Load Balancing refuses")


@pytest.mark.parametrize(
    ("address", "old", "new"),
    [
        ("aws_s3_bucket.data", {"tags": {"a": "1"}}, {"tags": {"a": "2"}}),
        ("aws_db_instance.db", {"allocated_storage": 100}, {"allocated_storage": 200}),
        ("aws_db_instance.db", {"multi_az": False}, {"multi_az": True}),  # no outage (the RDS reference)
        ("google_sql_database_instance.db", {"settings": {"disk_size": 100}}, {"settings": {"disk_size": 200}}),
        ("aws_s3_bucket_versioning.data", {"bucket": "a"}, {"bucket": "b"}),  # not a stateful type
        ("aws_lb.web", {"idle_timeout": 60}, {"idle_timeout": 300}),
    ],
)
def test_harmless_in_place_changes_are_not_risky(address: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    result = one_resource_change(old, new, address)
    assert (reasons(result), result.exit_status) == ([], 1)


@pytest.mark.parametrize(
    ("address", "old", "new", "door"),
    [
        ("aws_vpc_security_group_ingress_rule.ssh", None, {"cidr_ipv4": "0.0.0.0/0", "from_port": 22, "to_port": 22,
                                                          "ip_protocol": "tcp"},
         "ingress from 0.0.0.0/0 (the whole internet) on tcp 22"),
        ("aws_vpc_security_group_ingress_rule.api", {"cidr_ipv4": "10.0.0.0/16", "from_port": 8000, "to_port": 8000,
                                                     "ip_protocol": "tcp"},
         {"cidr_ipv4": "0.0.0.0/0", "from_port": 8000, "to_port": 8000, "ip_protocol": "tcp"},
         "ingress from 0.0.0.0/0 (the whole internet) on tcp 8000"),
        ("aws_security_group.db", {"ingress": []}, {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 5432,
                                                                  "to_port": 5432, "protocol": "tcp"}]},
         "ingress from 0.0.0.0/0 (the whole internet) on tcp 5432"),
        ("google_compute_firewall.db", {"source_ranges": ["10.0.0.0/8"], "allow": [{"protocol": "tcp", "ports": ["5432"]}]},
         {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["5432"]}]},
         "ingress from 0.0.0.0/0 (the whole internet) allowing tcp 5432"),
        ("google_cloud_run_v2_service_iam_member.invoker", None, {"member": "allUsers", "role": "roles/run.invoker"},
         "allUsers granted roles/run.invoker"),
        ("google_cloud_run_v2_service.api", {"ingress": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"},
         {"ingress": "INGRESS_TRAFFIC_ALL"}, "ingress open to all traffic (not only internal and the load balancer)"),
        ("google_cloud_run_v2_service.api", {"ingress": "INGRESS_TRAFFIC_INTERNAL_ONLY"},
         {"ingress": "INGRESS_TRAFFIC_INTERNAL_ONLY", "invoker_iam_disabled": True},
         "IAM invoker check off: anyone who reaches the service may call it"),
        ("aws_db_instance.db", {"publicly_accessible": False}, {"publicly_accessible": True}, "publicly accessible database"),
        ("aws_s3_bucket_public_access_block.data", {flag: True for flag in (
            "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")},
         {"block_public_acls": True, "block_public_policy": False, "ignore_public_acls": True,
          "restrict_public_buckets": True}, "S3 Block Public Access: block_public_policy off"),
        ("aws_s3_bucket_policy.data", {"policy": json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*",
                                                                            "Action": "s3:*"}]})},
         {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]})},
         "anyone (principal *) allowed s3:GetObject"),
        ("google_sql_database_instance.db", {"settings": {"ip_configuration": {"ipv4_enabled": False}}},
         {"settings": {"ip_configuration": {"ipv4_enabled": True}}}, "public IP address (ipv4_enabled)"),
    ],
)
def test_widened_access_is_flagged_with_the_door_it_opens(
    address: str, old: dict[str, Any] | None, new: dict[str, Any], door: str
) -> None:
    result = one_resource_change(old, new, address, stack=STAGING)
    access = [risk for stack in result.stacks for change in stack.changes for risk in change.risks
              if risk.kind is RiskKind.ACCESS]
    assert [risk.reason for risk in access] == [f"access widened: {door}"]
    assert result.exit_status == 3


def test_a_wildcard_action_in_an_allow_statement_of_a_policy_document_is_flagged() -> None:
    old = {"data": {"aws_iam_policy_document": {"task": {"statement": [{"actions": ["s3:GetObject"], "resources": ["*"]}]}}}}
    new = {"data": {"aws_iam_policy_document": {"task": {"statement": [{"actions": ["s3:*"], "resources": ["*"]}]}}}}
    result = review(document(**old), document(**new), STAGING)
    assert [risk.reason for stack in result.stacks for change in stack.changes for risk in change.risks] == [
        "access widened: every action of s3 allowed (s3:*)"]


@pytest.mark.parametrize(
    ("address", "old", "new"),
    [
        ("aws_vpc_security_group_ingress_rule.https", {"cidr_ipv4": "0.0.0.0/0", "from_port": 443, "to_port": 443},
         {"cidr_ipv4": "0.0.0.0/0", "from_port": 443, "to_port": 443, "description": "HTTPS"}),  # already open
        ("aws_vpc_security_group_ingress_rule.db", None, {"referenced_security_group_id": "sg-1", "from_port": 5432}),
        ("aws_s3_bucket_policy.data", None, {"policy": json.dumps(
            {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {}}}]})}),
        ("aws_lb.internal", {"internal": True}, {"internal": True, "idle_timeout": 60}),
    ],
)
def test_doors_already_open_or_closed_are_quiet(address: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    result = one_resource_change(old, new, address, stack=STAGING)
    assert reasons(result) == []


@pytest.mark.parametrize(
    ("address", "old", "new", "expected"),
    [
        ("aws_appautoscaling_target.api", {"min_capacity": 2}, {"min_capacity": 1}, "min_capacity: prod minimum capacity lowered from 2 to 1"),
        ("aws_ecs_service.api", {"desired_count": 2}, {"desired_count": 0}, "desired_count: prod minimum capacity lowered from 2 to 0"),
        ("google_cloud_run_v2_service.api", {"template": {"scaling": {"min_instance_count": 2}}}, {"template": {"scaling": {}}},
         "template.scaling.min_instance_count: prod minimum capacity lowered from 2 to 0"),
        ("google_cloud_run_v2_service.api", {"scaling": {"min_instance_count": 3}}, {"scaling": {"min_instance_count": 1}},
         "scaling.min_instance_count: prod minimum capacity lowered from 3 to 1"),
    ],
)
def test_prod_minimum_capacity_lowered_is_an_availability_risk(
    address: str, old: dict[str, Any], new: dict[str, Any], expected: str
) -> None:
    result = one_resource_change(old, new, address)
    assert reasons(result) == [f"{address} {expected}"]
    assert kinds(result) == ["availability"]


def test_minimum_capacity_is_quiet_outside_prod_and_when_raised() -> None:
    address = "aws_appautoscaling_target.api"
    assert reasons(one_resource_change({"min_capacity": 2}, {"min_capacity": 1}, address, stack=STAGING)) == []
    assert reasons(one_resource_change({"min_capacity": 2}, {"min_capacity": 3}, address)) == []


def test_the_environment_comes_from_the_providers_tags_before_the_stack_name() -> None:
    tagged = {"provider": {"aws": [{"default_tags": [{"tags": {"Environment": "prod"}}]}]}}
    old = document({"aws_appautoscaling_target.api": {"min_capacity": 2}}, **tagged)
    new = document({"aws_appautoscaling_target.api": {"min_capacity": 1}}, **tagged)
    result = review(old, new, stack="acme-aws-prod-standby")
    assert (result.stacks[0].environment, kinds(result)) == ("prod", ["availability"])


@pytest.mark.parametrize(
    ("address", "old", "new", "expected"),
    [
        ("aws_db_instance.db", {"deletion_protection": True}, {"deletion_protection": False}, "deletion_protection: deletion protection turned off"),
        ("aws_lb.web", {"enable_deletion_protection": True}, {}, "enable_deletion_protection: deletion protection removed"),
        ("google_sql_database_instance.db", {"settings": {"deletion_protection_enabled": True}},
         {"settings": {"deletion_protection_enabled": False}}, "settings.deletion_protection_enabled: deletion protection turned off"),
        ("aws_kms_key.k", {"lifecycle": {"prevent_destroy": True}}, {"lifecycle": {}},
         "lifecycle.prevent_destroy: lifecycle.prevent_destroy removed: Terraform may now destroy it"),
        ("google_storage_bucket.data", {"force_destroy": False}, {"force_destroy": True},
         "force_destroy: force_destroy turned on: destroying the resource also deletes everything in it"),
        ("aws_ecr_repository.api", {}, {"force_delete": True},
         "force_delete: force_delete turned on: destroying the resource also deletes everything in it"),
    ],
)
def test_weakened_protection_is_risky_on_any_resource(
    address: str, old: dict[str, Any], new: dict[str, Any], expected: str
) -> None:
    result = one_resource_change(old, new, address, stack=STAGING)
    assert reasons(result) == [f"{address} {expected}"]
    assert kinds(result) == ["protection removed"]


@pytest.mark.parametrize(
    ("address", "old", "new"),
    [
        ("aws_db_instance.db", {"deletion_protection": False}, {"deletion_protection": True}),
        ("aws_lb.web", {}, {"enable_deletion_protection": True}),
        ("aws_kms_key.k", {}, {"lifecycle": {"prevent_destroy": True}}),
        ("aws_s3_bucket.data", {"force_destroy": True}, {"force_destroy": False}),
    ],
)
def test_strengthened_protection_is_quiet(address: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    assert reasons(one_resource_change(old, new, address)) == []


@pytest.mark.parametrize(
    ("address", "old", "new", "expected"),
    [
        ("aws_cloudwatch_log_group.logs", {"retention_in_days": 90}, {"retention_in_days": 7},
         "retention_in_days: log retention shortened from 90 days to 7 days"),
        ("aws_cloudwatch_log_group.logs", {}, {"retention_in_days": 3653},
         "retention_in_days: log retention shortened from forever to 3653 days"),
        ("aws_cloudwatch_log_group.logs", {"retention_in_days": 0}, {"retention_in_days": 1},
         "retention_in_days: log retention shortened from forever to 1 days"),
        ("google_logging_project_bucket_config.logs", {"retention_days": 90}, {},
         "retention_days: log retention shortened from 90 days to 30 days"),
        ("aws_db_instance.db", {"backup_retention_period": 7}, {"backup_retention_period": 1},
         "backup_retention_period: backup retention shortened from 7 days to 1 days"),
        ("google_sql_database_instance.db",
         {"settings": {"backup_configuration": {"backup_retention_settings": {"retained_backups": 7}}}},
         {"settings": {"backup_configuration": {"backup_retention_settings": {"retained_backups": 3}}}},
         "settings.backup_configuration.backup_retention_settings.retained_backups: "
         "backup retention shortened from 7 backups to 3 backups"),
        ("google_sql_database_instance.db", {"settings": [{"backup_configuration": [{"transaction_log_retention_days": 7}]}]},
         {"settings": [{"backup_configuration": [{"transaction_log_retention_days": 2}]}]},
         "settings[0].backup_configuration[0].transaction_log_retention_days: "
         "transaction log retention shortened from 7 days to 2 days"),
    ],
)
def test_shortened_retention_is_data_loss(address: str, old: dict[str, Any], new: dict[str, Any], expected: str) -> None:
    result = one_resource_change(old, new, address, stack=STAGING)
    assert reasons(result) == [f"{address} {expected}"]
    assert kinds(result) == ["data loss"]


@pytest.mark.parametrize(
    ("address", "old", "new"),
    [
        ("aws_cloudwatch_log_group.logs", {"retention_in_days": 7}, {"retention_in_days": 90}),
        ("aws_cloudwatch_log_group.logs", {"retention_in_days": 7}, {"retention_in_days": 0}),  # 0: never expire
        ("aws_cloudwatch_log_group.logs", {"retention_in_days": 7}, {}),
        ("google_logging_project_bucket_config.logs", {"retention_days": 7}, {}),  # unset: 30 days
        ("aws_db_instance.db", {"backup_retention_period": 7}, {}),  # unset keeps what the instance has
        ("aws_db_instance.db", {"backup_retention_period": 7}, {"backup_retention_period": "${var.days}"}),
    ],
)
def test_longer_or_unknown_retention_is_quiet(address: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    assert reasons(one_resource_change(old, new, address)) == []


def test_every_fact_cites_a_source_and_replacements_of_stateful_types_are_data_loss() -> None:
    for fact in (*REPLACEMENT_FACTS, *OUTAGE_FACTS):
        assert fact.resource_type in STATEFUL_RESOURCE_TYPES, fact
    for fact in (*REPLACEMENT_FACTS, *OUTAGE_FACTS, *EDGE_REPLACEMENT_FACTS):
        assert re.search(r"https://registry\.terraform\.io/providers/hashicorp/(aws|google)/", fact.source), fact
        assert "terraform plan with hashicorp/aws" in fact.source or "terraform-provider-google v6.50.0" in fact.source, fact
    assert {fact.kind for fact in REPLACEMENT_FACTS} == {RiskKind.DATA_LOSS}
    assert {fact.kind for fact in EDGE_REPLACEMENT_FACTS} == {RiskKind.OUTAGE}
    assert all(fact.consequence for fact in (*OUTAGE_FACTS, *EDGE_REPLACEMENT_FACTS))
    assert all(blocker.source.startswith("https://") for blocker in DELETE_BLOCKERS)


def test_json_names_stacks_counts_and_risks_and_holds_no_attribute_values() -> None:
    old = document({"aws_db_instance.db": {"instance_class": "db.t4g.medium", "password": "hunter2-old"}},
                   provider={"aws": [{"default_tags": [{"tags": {"Environment": "prod"}}]}]})
    new = document({"aws_db_instance.db": {"instance_class": "db.m7g.large", "password": "hunter2-new"}},
                   provider={"aws": [{"default_tags": [{"tags": {"Environment": "prod"}}]}]})
    result = review(old, new)
    text = render(result, "json")
    assert "hunter2" not in text
    data = json.loads(text)
    assert (data["version"], data["exit_status"], data["risk_count"]) == (1, 3, 1)
    (stack,) = data["stacks"]
    assert {key: stack[key] for key in ("name", "environment", "changed", "counts", "presence")} == {
        "name": PROD, "environment": "prod", "changed": True, "presence": None,
        "counts": {"added": 0, "removed": 0, "changed": 1}}
    assert stack["risks"] == [{"address": "aws_db_instance.db", "attribute": "instance_class", "kind": "outage",
                               "reason": only_risk(result).reason, "when": only_risk(result).when, "blocker": "",
                               "fix": ""}]


# --- secrets and long values -----------------------------------------------------------------------------------


def _stack_holding_secrets(version: str, manage_password: bool, secret_id: str) -> dict[str, Any]:
    """Secrets and environment values ending in ``-<version>`` in every place that holds them."""
    definitions = [{"name": "api", "environment": [{"name": "API_KEY", "value": f"env-value-{version}"}],
                    "secrets": [{"name": "DB", "valueFrom": f"arn:secret-{version}"}]}]
    return document({
        "aws_ecs_task_definition.api": {"container_definitions": json.dumps(definitions)},
        "aws_db_instance.db": {"password": f"hunter2-{version}", "manage_master_user_password": manage_password},
        "aws_secretsmanager_secret_version.v": {"secret_string": f"s3cr3t-{version}"},
        "google_cloud_run_v2_service.api": {"template": {"containers": [{"env": [{"name": "TOKEN", "value": f"tok-{version}"}]}]}},
        "google_secret_manager_secret.s": {"secret_id": secret_id},
    })


def test_secrets_and_environment_values_are_never_printed() -> None:
    old = _stack_holding_secrets("old", manage_password=False, secret_id="db-password")
    new = _stack_holding_secrets("new", manage_password=True, secret_id="db-password-2")
    result = review(old, new, stack=STAGING)
    for output_format in ("text", "markdown"):
        text = render(result, output_format)
        for secret in ("env-value-", "arn:secret-", "hunter2", "s3cr3t", "tok-"):
            assert secret not in text, (output_format, secret)
    text = render(result, "text")
    assert f"container_definitions[0].environment[0].value: {SENSITIVE_VALUE}" in text
    assert f"container_definitions[0].secrets[0].valueFrom: {SENSITIVE_VALUE}" in text
    assert f"template.containers[0].env[0].value: {SENSITIVE_VALUE}" in text
    assert f"password: {SENSITIVE_VALUE}" in text
    assert "manage_master_user_password: false -> true" in text  # a boolean carries no secret
    assert 'secret_id: "db-password" -> "db-password-2"' in text  # a name, not a secret


def test_long_values_are_shortened_and_show_where_they_differ() -> None:
    prefix = "x" * 100
    old_text, new_text = format_values(prefix + "-old-tail", prefix + "-new-tail")
    assert len(old_text) <= MAX_VALUE_CHARS and len(new_text) <= MAX_VALUE_CHARS
    assert old_text.startswith("...") and "-old-tail" in old_text and "-new-tail" in new_text
    short_old, long_new = format_values("a", "y" * 200)
    assert short_old == '"a"' and long_new == '"' + "y" * (MAX_VALUE_CHARS - 4) + "..."
    assert format_values(ABSENT, 3) == ("(absent)", "3")


# --- rendering -------------------------------------------------------------------------------------------------


def _two_stack_review() -> Review:
    old = {
        "acme-gcp-prod": document({"google_storage_bucket.data": {"name": "d"}}),
        PROD: document({"aws_sns_topic.b": {"name": "b"}, "aws_s3_bucket.z": {"bucket": "z"}, "aws_s3_bucket.a": {"bucket": "a"}}),
        "acme-aws-dev": document({"aws_s3_bucket.a": {"bucket": "a"}}),
    }
    new = {
        "acme-gcp-prod": document({"google_storage_bucket.data": {"name": "d"}}),
        PROD: document({"aws_sns_topic.b": {"name": "b2"}, "aws_s3_bucket.z": {"bucket": "z2"}, "aws_s3_bucket.a": {"bucket": "a2"},
                        "aws_ecs_task_definition.big": {f"attribute_{index}": index for index in range(8)}}),
        "acme-aws-dev": document({"aws_s3_bucket.a": {"bucket": "a"}}),
    }
    return compare_outputs(SynthesizedOutput("old", old), SynthesizedOutput("new", new))


def test_text_lists_risks_first_then_every_stack_sorted_by_type_and_address() -> None:
    text = render(_two_stack_review(), "text")
    lines = text.splitlines()
    assert lines[0] == ("RISKY CHANGES (2): applying them can lose data, interrupt a service, widen access or slow "
                        "recovery")
    stops = ("      the apply stops half-way if the bucket still holds objects: S3 deletes a non-empty bucket only with "
             "force_destroy, and what the apply created before that stays")
    assert lines[1:7] == [f"  ! [data loss] {PROD}  aws_s3_bucket.a  bucket: {REPLACEMENT}",
                          "      takes effect when the apply runs", stops,
                          f"  ! [data loss] {PROD}  aws_s3_bucket.z  bucket: {REPLACEMENT}",
                          "      takes effect when the apply runs", stops]
    stack_lines = [line for line in lines if line.startswith("acme-")]
    assert stack_lines == [
        "acme-aws-dev: 0 added, 0 removed, 0 changed, 0 risky",
        "acme-aws-prod: 1 added, 0 removed, 3 changed, 2 risky",
        "acme-gcp-prod: 0 added, 0 removed, 0 changed, 0 risky",
    ]
    entries = [line.strip() for line in lines if line.startswith("    ") and not line.startswith("     ")]
    assert entries == [
        "+ aws_ecs_task_definition.big", "~ aws_s3_bucket.a  [risky]", "~ aws_s3_bucket.z  [risky]", "~ aws_sns_topic.b",
    ]
    assert render(_two_stack_review(), "text") == text


def test_markdown_puts_risks_in_a_caution_block_and_folds_long_attribute_lists() -> None:
    text = render(_two_stack_review(), "markdown")
    assert text.startswith("## Infrastructure changes\n\n> [!CAUTION]\n> **2 risky changes**")
    assert (f"> - **data loss** in **{PROD}** (prod): `aws_s3_bucket.a` `bucket`: {REPLACEMENT}.\n"
            ">   Takes effect when the apply runs.") in text
    assert text.index("[!CAUTION]") < text.index(f"### `{PROD}`: 1 added, 0 removed, 3 changed, 2 risky")
    assert "`~ aws_s3_bucket.a` **risky**\n\n- `bucket: \"a\" -> \"a2\"`" in text
    assert "- `+ aws_ecs_task_definition.big`" in text
    assert text.rstrip().endswith("Unchanged: `acme-aws-dev`, `acme-gcp-prod`.")

    many = compare_outputs(
        SynthesizedOutput("old", {PROD: document({"aws_sns_topic.t": {f"a{index}": 0 for index in range(7)}})}),
        SynthesizedOutput("new", {PROD: document({"aws_sns_topic.t": {f"a{index}": 1 for index in range(7)}})}),
    )
    folded = render(many, "markdown")
    assert "<details><summary><code>~ aws_sns_topic.t</code>: 7 attributes changed</summary>\n\n- `a0: 0 -> 1`" in folded
    assert folded.count("<details>") == folded.count("</details>") == 1


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_truncation_cuts_between_entries_and_says_where_the_full_report_is(output_format: str) -> None:
    result = _two_stack_review()
    full = render(result, output_format)
    limit = len(full) // 2
    cut = render(result, output_format, max_chars=limit, full_report="the job summary")
    assert len(cut) <= limit
    last_line = cut.rstrip("\n").splitlines()[-1]
    assert last_line.endswith(f"to stay within {limit} characters; the full report: the job summary")
    assert full.startswith(cut[: cut.rindex(last_line)].rstrip("\n"))
    assert cut.count("<details>") == cut.count("</details>")
    assert render(result, output_format, max_chars=len(full), full_report="x") == full


def test_exit_status_is_0_without_changes_1_with_changes_and_3_with_risks() -> None:
    same = document({"aws_s3_bucket.a": {"bucket": "a"}})
    assert review(same, same).exit_status == 0
    assert one_resource_change({"tags": {}}, {"tags": {"a": "b"}}, "aws_s3_bucket.a").exit_status == 1
    assert one_resource_change({"bucket": "a"}, {"bucket": "b"}, "aws_s3_bucket.a").exit_status == 3
