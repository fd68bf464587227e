"""The GCP side of the platform for one environment."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig, StateBackendSettings
from constructs_lib import PlatformIdentity
from constructs_lib.gcp.data_bucket import GcsDataBucket, GcsDataBucketProps
from constructs_lib.gcp.provider import google_provider

from . import stack_name
from .backends import add_state_backend


class GcpPlatformStack(TerraformStack):
    """Everything the platform runs on in one Google Cloud project and region, for one environment."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, state: StateBackendSettings) -> None:
        super().__init__(scope, stack_name(config.project, "gcp", config.environment))
        identity = PlatformIdentity(config.project, config.environment)
        add_state_backend(self, cloud="gcp", config=config, state=state)
        google_provider(self, project=config.gcp.project_id, region=config.gcp.region, labels=identity.gcp_labels())

        data_bucket = GcsDataBucket(
            self,
            "data_bucket",
            GcsDataBucketProps(
                # Project IDs are globally unique, so this bucket name is too.
                name=f"{config.gcp.project_id}-{config.environment}-data",
                location=config.gcp.region,
                noncurrent_version_expiration_days=config.storage.noncurrent_version_expiration_days,
            ),
        )

        TerraformOutput(self, "data_bucket_name", value=data_bucket.name, description="Analytics data bucket")
