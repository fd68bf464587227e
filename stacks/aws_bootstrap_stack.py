"""The AWS bootstrap of one environment: what the pipeline needs before it can deploy (see DeliveryFoundation).

An administrator of the environment's account applies it once (docs/delivery.md): state bucket,
delivery key, GitHub OIDC provider, deploy and plan roles, workload boundary, image repositories.
The pipeline plans it (read only) but never applies it.
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.aws.patterns import DeliveryFoundation, DeliveryFoundationProps
from constructs_lib.aws.provider import aws_provider
from constructs_lib.github import GithubRepository
from constructs_lib.policy import apply_guardrails

from . import stack_name
from .app_services import SERVICES
from .backends import add_state_backend
from .delivery_settings import DEPLOY_BRANCH


class AwsBootstrapStack(TerraformStack):
    """State bucket, deploy identities and image repositories of one environment's AWS account."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, github: GithubRepository,
                 applications: GithubRepository | None = None) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment, "bootstrap"))
        identity = PlatformIdentity(config.project, config.environment)
        aws, https = config.aws, config.aws.https
        add_state_backend(self, cloud="aws", kind="bootstrap", config=config)
        aws_provider(self, region=aws.region, tags=identity.aws_tags(), allowed_account_ids=[aws.account_id])
        apply_guardrails(self, production=config.production)  # the same rules as the platform stacks
        # "Default": the repositories get the addresses they had in the platform stack (docs/delivery.md).
        self.foundation = DeliveryFoundation(self, "Default", DeliveryFoundationProps(
            identity=identity, account_id=aws.account_id, region=aws.region, github=github,
            state_bucket=config.state.aws_bucket, image_repositories=tuple(service.name for service in SERVICES),
            plan_branch=DEPLOY_BRANCH,
            hosted_zone_ids=(https.hosted_zone_id,) if https.hosted_zone_id else (),
            database=config.database.enabled,
            # [dr]: the standby issues its own certificate, so ACM permissions are needed whenever there is one.
            certificate=https.domain is not None and (https.certificate_arn is None or config.aws_dr is not None),
            standby_region=config.aws_dr.aws_standby_region if config.aws_dr is not None else None,
            production=config.production, image_publisher=applications,
        ))
        foundation = self.foundation
        for name, value, description in (
            ("state_bucket", foundation.state_bucket.name, "Terraform state of this environment (both stacks)"),
            ("deploy_role_arn", foundation.deploy_role.arn, "Assumed by GitHub Actions jobs in the environment"),
            ("plan_role_arn", foundation.plan_role.arn, "Assumed by main-branch plan and drift jobs"),
            ("pr_plan_role_arn", foundation.pr_plan_role.arn, "Assumed by pull request plan jobs (state only)"),
            ("workload_boundary_arn", foundation.boundary_arn, "Permissions boundary of every platform role"),
        ):
            TerraformOutput(self, name, value=value, description=description)
        if foundation.image_push_role is not None:
            TerraformOutput(self, "image_push_role_arn", value=foundation.image_push_role.arn,
                            description="The application repository's image workflow pushes with it (docs/images.md)")
        for name, repository in foundation.repositories.items():
            TerraformOutput(self, f"{name}_repository_url", value=repository.url,
                            description=f"Push the {name} images here")
