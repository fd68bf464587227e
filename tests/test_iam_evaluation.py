"""The offline IAM evaluator decides as AWS documents its policy evaluation logic (one account, no SCPs)."""

from __future__ import annotations

import pytest

from constructs_lib.aws.iam_evaluation import Decision, Request, document_from_terraform, evaluate, explain

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: object) -> dict:
    return {"Sid": "Allow", "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_actions_match_case_insensitively_with_wildcards() -> None:
    granted = policy(allow("kms:Describe*"))
    assert evaluate([granted], Request("KMS:describekey", KEY)) is Decision.ALLOWED
    assert evaluate([granted], Request("kms:Decrypt", KEY)) is Decision.IMPLICIT_DENY
    assert evaluate([policy(allow("kms:?ecrypt"))], Request("kms:Decrypt", KEY)).allowed


def test_resources_match_segment_by_segment_and_case_sensitively() -> None:
    granted = policy(allow("kms:Decrypt", "arn:aws:kms:*:111122223333:key/*"))
    assert evaluate([granted], Request("kms:Decrypt", KEY)).allowed
    assert not evaluate([granted], Request("kms:Decrypt", KEY.replace("111122223333", "444455556666"))).allowed
    assert not evaluate([granted], Request("kms:Decrypt", KEY.replace("key/", "KEY/"))).allowed
    # A wildcard in the region segment does not reach into the account segment.
    assert not evaluate([policy(allow("s3:GetObject", "arn:aws:s3:*:bucket/x"))],
                        Request("s3:GetObject", "arn:aws:s3:::bucket/x")).allowed


def test_an_explicit_deny_wins_and_names_its_statement() -> None:
    verdict = explain([policy(allow("kms:*"), {"Sid": "NoKey", "Effect": "Deny", "Action": "kms:PutKeyPolicy",
                                                "Resource": KEY})], Request("kms:PutKeyPolicy", KEY))
    assert verdict.decision is Decision.EXPLICIT_DENY and verdict.statements == ("NoKey",)


def test_not_resource_and_not_action() -> None:
    everything_but_state = policy(allow("s3:*"), {"Sid": "OnlyState", "Effect": "Deny", "Action": "s3:GetObject",
                                                   "NotResource": "arn:aws:s3:::state/terraform.tfstate"})
    assert evaluate([everything_but_state], Request("s3:GetObject", "arn:aws:s3:::state/terraform.tfstate")).allowed
    assert evaluate([everything_but_state], Request("s3:GetObject", "arn:aws:s3:::data/x")) is Decision.EXPLICIT_DENY
    not_iam = policy({"Sid": "NotIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluate([not_iam], Request("s3:GetObject", "*")).allowed
    assert not evaluate([not_iam], Request("iam:CreateRole", "*")).allowed


def test_string_conditions_need_the_key_unless_negated_or_if_exists() -> None:
    tagged = policy(allow("kms:Decrypt", "*", Condition={"StringEquals": {"aws:ResourceTag/Environment": "dev"}}))
    assert evaluate([tagged], Request("kms:Decrypt", KEY, {"aws:resourcetag/environment": "dev"})).allowed
    assert not evaluate([tagged], Request("kms:Decrypt", KEY, {"aws:ResourceTag/Environment": "prod"})).allowed
    assert not evaluate([tagged], Request("kms:Decrypt", KEY)).allowed
    not_prod = policy(allow("kms:Decrypt", "*", Condition={"StringNotEquals": {"aws:ResourceTag/Environment": "prod"}}))
    assert evaluate([not_prod], Request("kms:Decrypt", KEY)).allowed
    if_exists = policy(allow("kms:Decrypt", "*", Condition={"StringEqualsIfExists": {"kms:ViaService": "s3.x"}}))
    assert evaluate([if_exists], Request("kms:Decrypt", KEY)).allowed
    assert not evaluate([if_exists], Request("kms:Decrypt", KEY, {"kms:ViaService": "rds.x"})).allowed


def test_set_operators_and_null() -> None:
    only_these = {"ForAllValues:StringEquals": {"aws:TagKeys": ["Project", "Environment"]}}
    assert evaluate([policy(allow("kms:TagResource", "*", Condition=only_these))],
                    Request("kms:TagResource", KEY, {"aws:TagKeys": ("Project",)})).allowed
    assert not evaluate([policy(allow("kms:TagResource", "*", Condition=only_these))],
                        Request("kms:TagResource", KEY, {"aws:TagKeys": ("Project", "Owner")})).allowed
    # ForAllValues holds when the key is absent: the trap the guide warns about.
    assert evaluate([policy(allow("kms:TagResource", "*", Condition=only_these))], Request("kms:TagResource", KEY)).allowed
    any_environment = {"ForAnyValue:StringEquals": {"aws:TagKeys": "Environment"}}
    assert evaluate([policy(allow("kms:TagResource", "*", Condition=any_environment))],
                    Request("kms:TagResource", KEY, {"aws:TagKeys": ("Owner", "Environment")})).allowed
    assert not evaluate([policy(allow("kms:TagResource", "*", Condition=any_environment))],
                        Request("kms:TagResource", KEY)).allowed
    untagged = policy(allow("kms:CreateKey", "*", Condition={"Null": {"aws:RequestTag/Environment": "false"}}))
    assert evaluate([untagged], Request("kms:CreateKey", "*", {"aws:RequestTag/Environment": "dev"})).allowed
    assert not evaluate([untagged], Request("kms:CreateKey", "*")).allowed


def test_arn_and_numeric_and_bool_conditions() -> None:
    boundary = "arn:aws:iam::111122223333:policy/boundary"
    secrets = policy(allow("kms:Decrypt", "*", Condition={"ArnLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*:111122223333:secret:app/*"}}))
    assert evaluate([secrets], Request("kms:Decrypt", KEY, {
        "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf"})).allowed
    assert not evaluate([secrets], Request("kms:Decrypt", KEY, {
        "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:other/db-AbCdEf"})).allowed
    create = policy(allow("iam:CreateRole", "*", Condition={"ArnEquals": {"iam:PermissionsBoundary": boundary}}))
    assert evaluate([create], Request("iam:CreateRole", "*", {"iam:PermissionsBoundary": boundary})).allowed
    assert not evaluate([create], Request("iam:CreateRole", "*", {"iam:PermissionsBoundary": boundary + "x"})).allowed
    short = policy(allow("sts:AssumeRole", "*", Condition={"NumericLessThanEquals": {"sts:DurationSeconds": "3600"}}))
    assert evaluate([short], Request("sts:AssumeRole", "*", {"sts:DurationSeconds": "900"})).allowed
    assert not evaluate([short], Request("sts:AssumeRole", "*", {"sts:DurationSeconds": "7200"})).allowed
    tls = policy(allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}))
    assert evaluate([tls], Request("s3:GetObject", "*", {"aws:SecureTransport": "TRUE"})).allowed


def test_a_permissions_boundary_limits_but_never_grants() -> None:
    identity = policy(allow(["s3:GetObject", "iam:CreateRole"]))
    boundary = policy(allow("s3:*"))
    assert evaluate([identity], Request("iam:CreateRole"), boundary) is Decision.IMPLICIT_DENY
    assert evaluate([identity], Request("s3:GetObject"), boundary).allowed
    assert evaluate([policy(allow("sqs:SendMessage"))], Request("s3:PutObject"), boundary) is Decision.IMPLICIT_DENY
    deny_in_boundary = policy(allow("s3:*"), {"Sid": "NoState", "Effect": "Deny", "Action": "s3:*", "Resource": "*"})
    assert evaluate([identity], Request("s3:GetObject"), deny_in_boundary) is Decision.EXPLICIT_DENY


def test_what_it_does_not_model_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="policy variable or reference"):
        evaluate([policy(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))], Request("s3:GetObject", "x"))
    with pytest.raises(ValueError, match="not modelled"):
        evaluate([policy(allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))],
                 Request("s3:GetObject", "*", {"aws:SourceIp": "10.1.1.1"}))


def test_a_synthesized_policy_document_block_becomes_iam_json() -> None:
    block = {"statement": [{
        "sid": "Keys", "effect": "Allow", "actions": ["kms:Decrypt"], "resources": ["${aws_kms_key.platform.arn}"],
        "condition": [{"test": "StringEquals", "variable": "kms:ViaService", "values": ["s3.us-east-1.amazonaws.com"]}],
    }]}
    document = document_from_terraform(block, resolve=lambda text: text.replace("${aws_kms_key.platform.arn}", KEY))
    assert document["Statement"] == [{"Sid": "Keys", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY],
                                      "Condition": {"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}}]
    assert evaluate([document], Request("kms:Decrypt", KEY, {"kms:ViaService": "s3.us-east-1.amazonaws.com"})).allowed
