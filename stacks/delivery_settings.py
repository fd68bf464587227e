"""Delivery facts the stacks and the workflows share (no cdktf import)."""

from __future__ import annotations

from config import EnvironmentConfig
from constructs_lib.cloud_limits import artifact_registry_multi_region

#: The branch the pipeline deploys from; its jobs without environment may assume the plan identities.
DEPLOY_BRANCH = "main"


def gcp_image_location(config: EnvironmentConfig) -> str:
    """Where an environment's GCP images live: its region, or with ``[dr]`` that region's Artifact Registry
    multi-region (``us`` for us-central1), which the standby region pulls from without the primary's."""
    if config.dr is None:
        return config.gcp.region
    location = artifact_registry_multi_region(config.gcp.region)
    assert location is not None, "the configuration schema keeps [dr]'s GCP regions in US, EU or ASIA"
    return location
