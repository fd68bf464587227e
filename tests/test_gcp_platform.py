"""GCP stacks: what the configuration drives, per environment, and the hardening that never varies."""

from __future__ import annotations

import pytest

from .conftest import Synthesized
from .helpers import ENVIRONMENTS, only, reference, resources

pytestmark = pytest.mark.parametrize("environment", ENVIRONMENTS)


def test_provider_project_region_and_labels(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    (provider,) = synthesized.stack("gcp", environment)["provider"]["google"]
    assert provider == {
        "project": config.gcp.project_id,
        "region": config.gcp.region,
        "default_labels": {"project": "duckdb-analytics", "environment": environment, "managed-by": "cdktf"},
    }


def test_data_bucket_is_versioned_private_and_uniform(synthesized: Synthesized, environment: str) -> None:
    config = synthesized.configs[environment]
    _, bucket = only(synthesized.stack("gcp", environment), "google_storage_bucket")
    assert bucket["name"] == f"{config.gcp.project_id}-{environment}-data"
    assert bucket["location"] == config.gcp.region
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["force_destroy"] is False
    assert bucket["soft_delete_policy"] == {"retention_duration_seconds": 7 * 86400}


def test_data_bucket_lifecycle_follows_the_environment(synthesized: Synthesized, environment: str) -> None:
    days = synthesized.configs[environment].storage.noncurrent_version_expiration_days
    _, bucket = only(synthesized.stack("gcp", environment), "google_storage_bucket")
    assert bucket["lifecycle_rule"] == [
        {"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": days, "with_state": "ARCHIVED"}},
        {"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 7}},
    ]


def test_stateful_resources_keep_their_terraform_addresses(synthesized: Synthesized, environment: str) -> None:
    assert list(resources(synthesized.stack("gcp", environment), "google_storage_bucket")) == ["data_bucket_51E298BF"]


def test_outputs_name_the_data_bucket(synthesized: Synthesized, environment: str) -> None:
    stack = synthesized.stack("gcp", environment)
    bucket_id, _ = only(stack, "google_storage_bucket")
    assert stack["output"]["data_bucket_name"]["value"] == reference("google_storage_bucket", bucket_id, "name")
