"""The risk review of synthesized output: attribute diffs, moves, every risk rule, secrets, rendering."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from constructs_lib.review import ABSENT, Action, BlockKind, Review, SynthesizedOutput, compare_outputs, render
from constructs_lib.review.changes import AttributeChange, diff_documents, diff_values
from constructs_lib.review.provider_facts import OUTAGE_FACTS, REPLACEMENT_FACTS, STATEFUL_RESOURCE_TYPES
from constructs_lib.review.rendering import MAX_VALUE_CHARS, SENSITIVE_VALUE, format_values

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


def test_new_address_without_moved_block_is_a_replacement() -> None:
    old = document({"aws_s3_bucket.data": {"bucket": "b"}})
    new = document({"aws_s3_bucket.lake": {"bucket": "b"}})
    result = review(old, new)
    assert reasons(result) == [
        "aws_s3_bucket.data -: stateful resource removed while aws_s3_bucket.lake is added: without a moved block "
        "Terraform destroys it and creates a new one (data loss)"
    ]
    assert (result.stacks[0].totals, result.exit_status) == ("1 added, 1 removed, 0 changed, 1 risky", 3)


def test_moved_block_of_an_earlier_change_is_not_a_move_now() -> None:
    moved = [{"from": "aws_s3_bucket.data", "to": "aws_s3_bucket.lake"}]
    old = document({"aws_s3_bucket.lake": {"bucket": "b"}}, moved=moved)
    assert review(old, document({"aws_s3_bucket.lake": {"bucket": "b"}}, moved=moved)).exit_status == 0


# --- risk rules ------------------------------------------------------------------------------------------------


def test_removing_a_stateful_resource_is_risky_and_a_stateless_one_is_not() -> None:
    assert reasons(one_resource_change({"name": "/ecs/api"}, None, "aws_cloudwatch_log_group.logs")) == [
        "aws_cloudwatch_log_group.logs -: stateful resource removed: Terraform destroys it and its data"
    ]
    assert reasons(one_resource_change({"name": "alarm"}, None, "aws_cloudwatch_metric_alarm.cpu")) == []


def test_removed_stack_loses_its_stateful_resources() -> None:
    old = SynthesizedOutput("old", {PROD: document({"google_storage_bucket.data": {"name": "d"}})})
    result = compare_outputs(old, SynthesizedOutput("new", {}))
    assert result.stacks[0].presence == "stack removed"
    assert reasons(result) == ["google_storage_bucket.data -: stateful resource removed: Terraform destroys it and its data"]


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
        ("aws_db_instance.db", {"identifier": "db-a"}, {"identifier": "db-b"},
         "identifier: RDS renames the instance in place: it reboots, its endpoint changes and it is unavailable "
         "until the new name is in effect"),
        ("google_sql_database_instance.db", {"database_version": "POSTGRES_16"}, {"database_version": "POSTGRES_17"},
         "database_version: Cloud SQL upgrades the instance in place with downtime; a downgrade or another engine "
         "is refused"),
    ],
)
def test_replacing_or_disrupting_attribute_changes_are_risky(
    address: str, old: dict[str, Any], new: dict[str, Any], expected: str
) -> None:
    assert reasons(one_resource_change(old, new, address)) == [f"{address} {expected}"]


@pytest.mark.parametrize(
    ("address", "old", "new"),
    [
        ("aws_s3_bucket.data", {"tags": {"a": "1"}}, {"tags": {"a": "2"}}),
        ("aws_db_instance.db", {"instance_class": "db.t4g.medium"}, {"instance_class": "db.m7g.large"}),
        ("google_sql_database_instance.db", {"settings": {"disk_size": 100}}, {"settings": {"disk_size": 200}}),
        ("aws_s3_bucket_versioning.data", {"bucket": "a"}, {"bucket": "b"}),  # not a stateful type
    ],
)
def test_in_place_changes_are_not_risky(address: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    result = one_resource_change(old, new, address)
    assert (reasons(result), result.exit_status) == ([], 1)


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
def test_prod_minimum_capacity_lowered_is_risky(address: str, old: dict[str, Any], new: dict[str, Any], expected: str) -> None:
    assert reasons(one_resource_change(old, new, address)) == [f"{address} {expected}"]


def test_minimum_capacity_is_quiet_outside_prod_and_when_raised() -> None:
    address = "aws_appautoscaling_target.api"
    assert reasons(one_resource_change({"min_capacity": 2}, {"min_capacity": 1}, address, stack=STAGING)) == []
    assert reasons(one_resource_change({"min_capacity": 2}, {"min_capacity": 3}, address)) == []


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
    assert reasons(one_resource_change(old, new, address, stack=STAGING)) == [f"{address} {expected}"]


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
def test_shortened_retention_is_risky(address: str, old: dict[str, Any], new: dict[str, Any], expected: str) -> None:
    assert reasons(one_resource_change(old, new, address, stack=STAGING)) == [f"{address} {expected}"]


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


def test_replacement_table_covers_only_stateful_types_and_cites_a_source() -> None:
    for fact in (*REPLACEMENT_FACTS, *OUTAGE_FACTS):
        assert fact.resource_type in STATEFUL_RESOURCE_TYPES, fact
        assert re.search(r"https://registry\.terraform\.io/providers/hashicorp/(aws|google)/", fact.source), fact
        assert "terraform plan with hashicorp/aws" in fact.source or "terraform-provider-google v6.50.0" in fact.source, fact
    assert all(fact.consequence for fact in OUTAGE_FACTS)


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
    assert lines[0] == "RISKY CHANGES (2): applying them can destroy data or cause downtime"
    assert lines[1] == f"  ! {PROD}  aws_s3_bucket.a  bucket: {REPLACEMENT}"
    assert lines[2] == f"  ! {PROD}  aws_s3_bucket.z  bucket: {REPLACEMENT}"
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
    assert f"> - **{PROD}** `aws_s3_bucket.a` `bucket`: {REPLACEMENT}" in text
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
