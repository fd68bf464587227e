"""The AWS provider configured the way every stack of the library expects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct


def aws_provider(
    scope: Construct,
    *,
    region: str,
    tags: Mapping[str, str],
    allowed_account_ids: Sequence[str] = (),
) -> AwsProvider:
    """Adds the AWS provider for ``region`` with ``tags`` on every resource.

    ``allowed_account_ids`` makes Terraform refuse credentials of any other account, so a dev
    configuration can never be applied to the production account.
    """
    return AwsProvider(
        scope,
        "aws",
        region=region,
        default_tags=[AwsProviderDefaultTags(tags=dict(tags))],
        allowed_account_ids=list(allowed_account_ids) or None,
    )
