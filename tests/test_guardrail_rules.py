"""The rules' finer branches on hand-written Terraform JSON (no cdktf): the engine reads JSON only.

Resources written here carry no construct path, so violations name their Terraform address.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_lib.policy import ResourceTraits, evaluate

AWS_PROVIDER = {"aws": [{"region": "us-east-1", "allowed_account_ids": ["123456789012"],
                         "default_tags": [{"tags": {"Project": "p", "Environment": "e", "ManagedBy": "m"}}]}]}
ROOT = "arn:aws:iam::{}:root"
KEPT = {"lifecycle": {"prevent_destroy": True}}  # production's protection of stateful resources


def _traits(resource_type: str) -> ResourceTraits:
    return ResourceTraits(resource_type, taggable=resource_type in ("aws_s3_bucket", "aws_vpc"),
                          labelable=resource_type == "google_storage_bucket")


def found(resources: dict[str, dict[str, Any]], *, production: bool = False, data: dict[str, Any] | None = None,
          provider: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(address, rule) of every violation in a stack of ``resources`` keyed ``"<type>.<name>"``."""
    document: dict[str, Any] = {"provider": provider or AWS_PROVIDER, "resource": {}, "data": data or {}}
    for address, body in resources.items():
        resource_type, name = address.split(".")
        document["resource"].setdefault(resource_type, {})[name] = body
    evaluation = evaluate(document, production=production, traits=_traits)
    return [(violation.path, violation.rule) for violation in evaluation.violations]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


BRANCHES: list[tuple[str, dict[str, dict[str, Any]], dict[str, Any], list[tuple[str, str]]]] = [
    # production rules
    ("Aurora with one instance", {
        "aws_rds_cluster.db": {"engine": "aurora-postgresql", "deletion_protection": True, "backup_retention_period": 7, **KEPT},
        "aws_rds_cluster_instance.one": {"cluster_identifier": "${aws_rds_cluster.db.id}"},
    }, {"production": True}, [("aws_rds_cluster.db", "prod-high-availability")]),
    ("Aurora with two instances (count)", {
        "aws_rds_cluster.db": {"engine": "aurora-postgresql", "deletion_protection": True, "backup_retention_period": 7, **KEPT},
        "aws_rds_cluster_instance.two": {"cluster_identifier": "${aws_rds_cluster.db.id}", "count": 2},
    }, {"production": True}, []),
    ("Multi-AZ DB cluster", {
        "aws_rds_cluster.db": {"engine": "postgres", "db_cluster_instance_class": "db.m6gd.large",
                               "deletion_protection": True, "backup_retention_period": 14, **KEPT},
    }, {"production": True}, []),
    ("read replica", {
        "aws_db_instance.replica": {"replicate_source_db": "main", "deletion_protection": True, **KEPT},
    }, {"production": True}, []),
    ("DynamoDB unprotected, no PITR", {
        "aws_dynamodb_table.t": {"name": "t", "hash_key": "id"},
    }, {"production": True}, [("aws_dynamodb_table.t", "prod-backup-retention"),
                              ("aws_dynamodb_table.t", "prod-data-protection"),
                              ("aws_dynamodb_table.t", "prod-deletion-protection")]),
    ("scheduled scale to zero", {
        "aws_appautoscaling_scheduled_action.night": {"service_namespace": "ecs",
                                                      "scalable_target_action": {"min_capacity": 0, "max_capacity": 0}},
    }, {"production": True}, [("aws_appautoscaling_scheduled_action.night", "prod-min-capacity")]),
    ("NLB TCP listener", {
        "aws_lb.nlb": {"load_balancer_type": "network", "enable_deletion_protection": True},
        "aws_lb_listener.tcp": {"load_balancer_arn": "${aws_lb.nlb.arn}", "port": 80,
                                "default_action": [{"type": "forward", "target_group_arn": "tg"}]},
    }, {"production": True}, []),
    ("regional HTTP proxy", {
        "google_compute_region_url_map.m": {"default_service": "backend"},
        "google_compute_region_target_http_proxy.p": {"url_map": "${google_compute_region_url_map.m.id}"},
    }, {"production": True}, [("google_compute_region_target_http_proxy.p", "prod-https-only")]),
    # baseline rules
    ("SG rule from ::/0", {
        "aws_security_group_rule.in": {"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22,
                                       "ipv6_cidr_blocks": ["::/0"]},
        "aws_security_group_rule.out": {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0,
                                        "cidr_blocks": ["0.0.0.0/0"]},
    }, {}, [("aws_security_group_rule.in", "ingress-web-ports-only")]),
    ("80-443 range", {
        "aws_vpc_security_group_ingress_rule.web": {"cidr_ipv4": "0.0.0.0/0", "ip_protocol": "tcp",
                                                    "from_port": 80, "to_port": 443},
    }, {}, [("aws_vpc_security_group_ingress_rule.web", "ingress-web-ports-only")]),
    ("firewall: egress, 443, and all ports", {
        "google_compute_firewall.egress": {"direction": "EGRESS", "destination_ranges": ["0.0.0.0/0"],
                                           "allow": [{"protocol": "tcp", "ports": ["22"]}]},
        "google_compute_firewall.web": {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["443"]}]},
        "google_compute_firewall.any": {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]},
    }, {}, [("google_compute_firewall.any", "ingress-web-ports-only")]),
    ("public canned ACLs", {
        "aws_s3_bucket.b": {"bucket": "b", "acl": "public-read"},
        "aws_s3_bucket_versioning.v": {"bucket": "b", "versioning_configuration": {"status": "Enabled"}},
        "aws_s3_bucket_public_access_block.a": {"bucket": "b", "block_public_acls": True, "block_public_policy": True,
                                                "ignore_public_acls": True, "restrict_public_buckets": True},
        "aws_s3_bucket_acl.acl": {"bucket": "b", "acl": "public-read-write"},
    }, {}, [("aws_s3_bucket.b", "bucket-not-public"), ("aws_s3_bucket_acl.acl", "bucket-not-public")]),
    ("key policy to the caller's account, inline", {
        "aws_kms_key.k": {"policy": _policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Principal": {
            "AWS": ROOT.format("${data.aws_caller_identity.current.account_id}")}})},
    }, {}, []),
    ("key policy: kms:* and s3:* to the own account", {
        "aws_kms_key.k": {"policy": _policy({"Sid": "Both", "Action": ["kms:*", "s3:*"], "Resource": "*",
                                             "Principal": {"AWS": "123456789012"}})},
    }, {}, [("aws_kms_key.k", "iam-no-wildcard-actions")]),
    ("a role's inline policy and managed policy ARNs", {
        "aws_iam_role.r": {"assume_role_policy": _policy({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"Service": "ecs-tasks.amazonaws.com"}}),
                           "inline_policy": [{"name": "all", "policy": _policy({"Effect": "Allow", "Action": "*",
                                                                               "Resource": "*"})}],
                           "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]},
    }, {}, [("aws_iam_role.r", "iam-no-wildcard-actions")] * 2),
    ("Cloud Run v1 secret env", {
        "google_cloud_run_service.s": {"template": {"spec": {"containers": [{"env": [
            {"name": "STRIPE_API_KEY", "value": "sk_live_x"}, {"name": "STRIPE_API_KEY_SECRET_NAME", "value": "stripe"}]}]}}},
    }, {}, [("google_cloud_run_service.s", "container-no-plaintext-secret")]),
]


@pytest.mark.parametrize(("resources", "options", "expected"), [case[1:] for case in BRANCHES],
                         ids=[case[0] for case in BRANCHES])
def test_rule_branches(resources: dict[str, dict[str, Any]], options: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert found(resources, **options) == expected


def test_a_policy_document_built_on_another_is_read_through() -> None:
    data = {"aws_iam_policy_document": {
        "base": {"statement": [{"actions": ["s3:*"], "resources": ["*"]}]},
        "role": {"source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
                 "statement": [{"actions": ["s3:GetObject"], "resources": ["*"]}]},
    }}
    resources = {"aws_iam_role_policy.p": {"role": "r", "policy": "${data.aws_iam_policy_document.role.json}"}}
    assert found(resources, data=data) == [("aws_iam_role_policy.p", "iam-no-wildcard-actions")]
    unused = {"aws_iam_role_policy.p": {"role": "r", "policy": _policy({"Effect": "Allow", "Action": "s3:GetObject"})}}
    assert found(unused, data=data) == []  # a document no resource uses grants nothing


def test_a_gcp_policy_from_a_policy_data_source_is_read() -> None:
    data = {"google_iam_policy": {"admins": {"binding": [{"role": "roles/owner", "members": ["user:a@example.com"]}]}}}
    resources = {"google_project_iam_policy.p": {"project": "p", "policy_data": "${data.google_iam_policy.admins.policy_data}"}}
    assert found(resources, data=data, provider={"google": [{}]}) == [("google_project_iam_policy.p", "iam-no-wildcard-actions")]


def test_tags_come_from_the_provider_the_resource_uses() -> None:
    provider = {"aws": [{"region": "us-east-1", "default_tags": [{"tags": {"Project": "p", "Environment": "e", "ManagedBy": "m"}}]},
                        {"region": "eu-west-1", "alias": "europe"}]}
    resources = {"aws_vpc.home": {"cidr_block": "10.0.0.0/16"},
                 "aws_vpc.away": {"cidr_block": "10.1.0.0/16", "provider": "aws.europe"}}
    assert found(resources, provider=provider) == [("aws_vpc.away", "required-tags")]


def test_versioning_may_name_the_bucket_literally() -> None:
    bucket = {"aws_s3_bucket.b": {"bucket": "acme-b"},
              "aws_s3_bucket_public_access_block.a": {"bucket": "acme-b", "block_public_acls": True, "block_public_policy": True,
                                                      "ignore_public_acls": True, "restrict_public_buckets": True}}
    versioned = {**bucket, "aws_s3_bucket_versioning.v": {"bucket": "acme-b", "versioning_configuration": {"status": "Enabled"}}}
    assert found(bucket) == [("aws_s3_bucket.b", "bucket-versioning")]
    assert found(versioned) == []
