"""The AWS side of the platform for one environment."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from config import EnvironmentConfig, StateBackendSettings
from constructs_lib import PlatformIdentity
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.provider import aws_provider

from . import stack_name
from .backends import add_state_backend


class AwsPlatformStack(TerraformStack):
    """Everything the platform runs on in one AWS account and region, for one environment."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, state: StateBackendSettings) -> None:
        super().__init__(scope, stack_name(config.project, "aws", config.environment))
        identity = PlatformIdentity(config.project, config.environment)
        add_state_backend(self, cloud="aws", config=config, state=state)
        aws_provider(
            self, region=config.aws.region, tags=identity.aws_tags(), allowed_account_ids=[config.aws.account_id]
        )

        platform_key = EncryptionKey(
            self,
            "platform_key",
            EncryptionKeyProps(
                alias=identity.prefix,
                account_id=config.aws.account_id,
                description=f"Encrypts the data of {identity.prefix}",
            ),
        )
        data_bucket = DataBucket(
            self,
            "data_bucket",
            DataBucketProps(
                bucket_prefix=f"{identity.name('data')}-",
                noncurrent_version_expiration_days=config.storage.noncurrent_version_expiration_days,
                kms_key_arn=platform_key.arn,
            ),
        )

        TerraformOutput(self, "data_bucket_name", value=data_bucket.name, description="Analytics data bucket")
