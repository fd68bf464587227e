"""Production data is kept from ``terraform destroy``: every stateful resource of a prod stack carries
``lifecycle.prevent_destroy``, and buckets and repositories refuse to be emptied on destroy.

The stateful types are the risk review's (``constructs_lib.analysis.review.provider_facts``), one list for both.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from constructs_lib.policy import Guardrails, ProtectStatefulResources, apply_guardrails, waive
from constructs_lib.analysis.review.provider_facts import STATEFUL_RESOURCE_TYPES

from .conftest import Synthesized
from .helpers import CLOUDS, ENVIRONMENTS, stack_id
from .policy_apps import aws_stack, check, gcp_stack, new_app, synthesize
from .test_guardrails import gcs_bucket, s3_bucket

from cdktf import Aspects, TerraformResourceLifecycle  # isort: skip
from cdktf_cdktf_provider_aws.ecr_repository import EcrRepository  # isort: skip

#: What each prod stack keeps: a change here is a change to what production stores.
PROD_STATEFUL = {
    # the second secret: the master password, replicated to the standby region ([dr])
    ("aws", "platform"): {"aws_cloudwatch_log_group": 8, "aws_db_instance": 1, "aws_kms_key": 1, "aws_s3_bucket": 2,
                          "aws_secretsmanager_secret": 2},
    # the standby keeps prod's data too: the replica bucket, the read replica, the replicated images
    ("aws", "standby"): {"aws_cloudwatch_log_group": 7, "aws_db_instance": 1, "aws_ecr_repository": 2, "aws_kms_key": 1,
                         "aws_s3_bucket": 2, "aws_secretsmanager_secret": 1},
    # [dr]: the standby's two secrets and the Cloud SQL replica in the standby region
    ("gcp", "platform"): {"google_logging_project_bucket_config": 1, "google_secret_manager_secret": 6,
                          "google_sql_database": 1, "google_sql_database_instance": 2, "google_storage_bucket": 2},
    # The prod bootstrap stacks: the image repositories (moved from the platform stacks), the state bucket and its key.
    ("aws", "bootstrap"): {"aws_ecr_repository": 2, "aws_kms_key": 1, "aws_s3_bucket": 1},
    ("gcp", "bootstrap"): {"google_artifact_registry_repository": 1, "google_storage_bucket": 1},
}
#: Attributes that empty a resource on destroy, per type that has one: written false in production.
EMPTIED_ON_DESTROY = {"aws_s3_bucket": "force_destroy", "google_storage_bucket": "force_destroy",
                      "aws_ecr_repository": "force_delete"}


def stateful(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every stateful resource of a stack, by address."""
    return {f"{kind}.{name}": body for kind, group in document.get("resource", {}).items()
            if kind in STATEFUL_RESOURCE_TYPES for name, body in group.items()}


@pytest.mark.parametrize(("cloud", "kind"), sorted(PROD_STATEFUL))
def test_every_stateful_resource_of_prod_is_kept_from_destroy(synthesized: Synthesized, cloud: str, kind: str) -> None:
    resources = stateful(synthesized.documents[stack_id(cloud, "prod", kind)])
    assert Counter(address.split(".")[0] for address in resources) == PROD_STATEFUL[(cloud, kind)]
    unprotected = [address for address, body in resources.items() if body.get("lifecycle", {}).get("prevent_destroy") is not True]
    assert unprotected == []
    emptied = [address for address, body in resources.items()
               if (attribute := EMPTIED_ON_DESTROY.get(address.split(".")[0])) and body.get(attribute) is not False]
    assert emptied == []


@pytest.mark.parametrize("name", [stack_id(cloud, env) for cloud in CLOUDS for env in ENVIRONMENTS if env != "prod"])
def test_other_environments_stay_destroyable(synthesized: Synthesized, name: str) -> None:
    protected = [address for address, body in stateful(synthesized.documents[name]).items() if "prevent_destroy" in body.get("lifecycle", {})]
    assert protected == []


def test_protection_adds_prevent_destroy_and_keeps_the_other_lifecycle_settings() -> None:
    stack = aws_stack(new_app())
    s3_bucket(stack, force_destroy=True, lifecycle=TerraformResourceLifecycle(
        create_before_destroy=True, ignore_changes=["tags"]))
    EcrRepository(stack, "repository", name="acme", force_delete=True)
    Aspects.of(stack).add(ProtectStatefulResources())
    document = synthesize(stack)
    (bucket,) = document["resource"]["aws_s3_bucket"].values()
    assert bucket["lifecycle"] == {"create_before_destroy": True, "ignore_changes": ["tags"], "prevent_destroy": True}
    assert bucket["force_destroy"] is False
    (repository,) = document["resource"]["aws_ecr_repository"].values()
    assert (repository["lifecycle"], repository["force_delete"]) == ({"prevent_destroy": True}, False)
    (access_block,) = document["resource"]["aws_s3_bucket_public_access_block"].values()
    assert "lifecycle" not in access_block


def test_production_guardrails_require_the_protection_that_apply_guardrails_adds() -> None:
    stack = gcp_stack(new_app())
    gcs_bucket(stack)
    guardrails = Guardrails(production=True)
    Aspects.of(stack).add(guardrails)
    synthesize(stack)
    assert [str(violation) for violation in guardrails.violations] == [
        "stack/bucket: prod-data-protection: stateful resource without lifecycle.prevent_destroy (apply ProtectStatefulResources)"
    ]
    assert check(gcs_bucket, cloud="gcp", production=True).violations == ()


def test_a_waived_resource_is_left_destroyable() -> None:
    stack = aws_stack(new_app())
    scratch = s3_bucket(stack, "scratch", force_destroy=True)
    guardrails = apply_guardrails(stack, production=True)
    waive(scratch, "prod-data-protection", reason="Scratch space for load tests, emptied and destroyed with them")
    document = synthesize(stack)
    (bucket,) = document["resource"]["aws_s3_bucket"].values()
    assert "lifecycle" not in bucket and bucket["force_destroy"] is True
    assert guardrails.violations == ()
    assert [waived.message for waived in guardrails.waived] == [
        "force_destroy is true: destroying it would delete its contents",
        "stateful resource without lifecycle.prevent_destroy (apply ProtectStatefulResources)",
    ]
