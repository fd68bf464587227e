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
from constructs_lib.gcp.patterns import BudgetSpec, DeliveryFoundation, DeliveryFoundationProps
from constructs_lib.gcp.patterns.web_platform import emptied_buckets, platform_accounts, platform_apis, platform_grants
from constructs_lib.gcp.provider import google_provider
from constructs_lib.github import DEPLOY_WORKFLOW, GithubRepository
from constructs_lib.policy import apply_guardrails

from . import stack_name
from .backends import add_state_backend
from .delivery_settings import DEPLOY_BRANCH, gcp_image_location
from .gcp_platform_stack import platform_props


class GcpBootstrapStack(TerraformStack):
    """State bucket, deploy identities and image repository of one environment's Google Cloud project."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, github: GithubRepository,
                 applications: GithubRepository | None = None) -> None:
        super().__init__(scope, stack_name(config.project, "gcp", config.environment, "bootstrap"))
        identity = PlatformIdentity(config.project, config.environment)
        gcp, platform = config.gcp, platform_props(config)
        add_state_backend(self, cloud="gcp", kind="bootstrap", config=config)
        google_provider(self, project=gcp.project_id, region=gcp.region, labels=identity.gcp_labels())
        apply_guardrails(self, production=config.production)  # the same rules as the platform stacks
        # "Default": the repository gets the address it had in the platform stack (docs/delivery.md).
        self.foundation = DeliveryFoundation(self, "Default", DeliveryFoundationProps(
            identity=identity, project=gcp.project_id, project_number=gcp.project_number, region=gcp.region,
            github=github, state_bucket=config.state.gcp_bucket, plan_branch=DEPLOY_BRANCH, deploy_workflow=DEPLOY_WORKFLOW,
            load_balancer=not gcp.without_load_balancer and gcp.domain is not None,
            database=config.database.enabled, image_location=gcp_image_location(config),
            # What the platform stack needs but may not do itself: its services' accounts and grants, its APIs
            # enabled ahead, the buckets it empties, the budget.
            services=platform_accounts(platform), grants=platform_grants(platform),
            platform_apis=platform_apis(platform), emptied_buckets=emptied_buckets(platform),
            budget=BudgetSpec(config.budget.monthly_amount, config.budget.currency, config.budget.actual_thresholds,
                              config.budget.forecast_thresholds),
            billing_account=gcp.billing_account, budget_email=config.alerting.email, image_publisher=applications,
        ))
        foundation = self.foundation
        for name, value, description in (
            ("state_bucket", foundation.state_bucket.name, "Terraform state of this environment (both stacks)"),
            ("workload_identity_provider", foundation.workload_identity_provider,
             "google-github-actions/auth workload_identity_provider"),
            ("deploy_service_account", foundation.deploy_account.email, "Jobs in the GitHub environment act as it"),
            ("plan_service_account", foundation.plan_account.email, "Main-branch plan and drift jobs act as it"),
            ("pr_plan_service_account", foundation.pr_plan_account.email, "Pull request plan jobs act as it (state only)"),
            ("artifact_registry_url", foundation.registry.url, "Push images here"),
        ):
            TerraformOutput(self, name, value=value, description=description)
        if foundation.image_push_account is not None:
            TerraformOutput(self, "image_push_service_account", value=foundation.image_push_account.email,
                            description="The application repository's image workflow pushes as it (docs/images.md)")
