"""The GCP bootstrap of one environment: what the pipeline needs before it can deploy (see DeliveryFoundation).

An owner of the environment's project applies it once (docs/delivery.md): APIs, state bucket, Workload
Identity pool and GitHub provider, deploy and plan service accounts, the image repository. The
pipeline plans it (read only) but never applies it.
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.gcp.patterns import DeliveryFoundation, DeliveryFoundationProps
from constructs_lib.gcp.provider import google_provider
from constructs_lib.github import GithubRepository
from constructs_lib.policy import apply_guardrails

from . import stack_name
from .backends import add_state_backend
from .delivery_settings import DEPLOY_BRANCH, gcp_image_location


class GcpBootstrapStack(TerraformStack):
    """State bucket, deploy identities and image repository of one environment's Google Cloud project."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, github: GithubRepository) -> None:
        super().__init__(scope, stack_name(config.project, "gcp", config.environment, "bootstrap"))
        identity = PlatformIdentity(config.project, config.environment)
        gcp = config.gcp
        add_state_backend(self, cloud="gcp", kind="bootstrap", config=config)
        google_provider(self, project=gcp.project_id, region=gcp.region, labels=identity.gcp_labels())
        apply_guardrails(self, production=config.production)  # the same rules as the platform stacks
        # "Default": the repository gets the address it had in the platform stack (docs/delivery.md).
        self.foundation = DeliveryFoundation(self, "Default", DeliveryFoundationProps(
            identity=identity, project=gcp.project_id, project_number=gcp.project_number, region=gcp.region,
            github=github, state_bucket=config.state.gcp_bucket, plan_branch=DEPLOY_BRANCH,
            load_balancer=not gcp.without_load_balancer and gcp.domain is not None,
            database=config.database.enabled, image_location=gcp_image_location(config),
        ))
        foundation = self.foundation
        for name, value, description in (
            ("state_bucket", foundation.state_bucket.name, "Terraform state of this environment (both stacks)"),
            ("workload_identity_provider", foundation.workload_identity_provider,
             "google-github-actions/auth workload_identity_provider"),
            ("deploy_service_account", foundation.deploy_account.email, "Jobs in the GitHub environment act as it"),
            ("plan_service_account", foundation.plan_account.email, "Pull request and main-branch plan jobs act as it"),
            ("artifact_registry_url", foundation.registry.url, "Push images here"),
        ):
            TerraformOutput(self, name, value=value, description=description)
