"""The bucket that receives load balancer access logs and S3 server access logs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from constructs import Construct

from ._bucket import BUCKET_PREFIX_PATTERN, BUCKET_PREFIX_RULE, harden_bucket
from ..cloud_limits import ELB_LOG_ACCOUNTS
from .iam import Condition, Statement



@dataclass(frozen=True)
class LogBucketProps:
    """Props of :class:`LogBucket`.

    Attributes:
        bucket_prefix: Start of the bucket name (3-37 characters, ending with ``-``).
        account_id: The account whose load balancers and buckets may write logs here.
        region: The region of those load balancers (decides the log delivery principal).
        retention_days: Days log objects are kept.
        load_balancer_prefix: Key prefix load balancers write under. Default ``alb``.
        server_access_prefix: Key prefix S3 server access logs are written under. Default ``s3``.
        force_destroy: Let ``terraform destroy`` delete a non-empty bucket. Default ``False``.
    """

    bucket_prefix: str
    account_id: str
    region: str
    retention_days: int
    load_balancer_prefix: str = "alb"
    server_access_prefix: str = "s3"
    force_destroy: bool = False

    def __post_init__(self) -> None:
        if not BUCKET_PREFIX_PATTERN.fullmatch(self.bucket_prefix):
            raise ValueError(f"LogBucketProps.bucket_prefix {self.bucket_prefix!r}: {BUCKET_PREFIX_RULE}")
        if not 1 <= self.retention_days <= 3650:
            raise ValueError("LogBucketProps.retention_days must be 1 to 3650")


class LogBucket(Construct):
    """An S3 bucket for access logs, hardened like every bucket of the library.

    Encrypted with SSE-S3 (AES-256), because load balancer log delivery supports no other
    encryption; writable only by this account's load balancers (under ``alb/``) and S3 server access
    logging (under ``s3/``); objects expire after the retention period.
    """

    def __init__(self, scope: Construct, id_: str, props: LogBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = S3Bucket(self, "bucket", bucket_prefix=props.bucket_prefix, force_destroy=props.force_destroy)
        self.load_balancer_prefix = props.load_balancer_prefix
        self.server_access_prefix = props.server_access_prefix
        arn = self.bucket.arn
        elb_account = ELB_LOG_ACCOUNTS.get(props.region)
        elb_principal = (
            ("AWS", (f"arn:aws:iam::{elb_account}:root",))
            if elb_account
            else ("Service", ("logdelivery.elasticloadbalancing.amazonaws.com",))
        )
        self.policy = harden_bucket(self, self.bucket, kms_key_arn=None, extra_policy_statements=(
            Statement(
                sid="LoadBalancerLogDelivery",
                actions=("s3:PutObject",),
                resources=(f"{arn}/{props.load_balancer_prefix}/AWSLogs/{props.account_id}/*",),
                principals=(elb_principal,),
            ),
            Statement(
                sid="ServerAccessLogDelivery",
                actions=("s3:PutObject",),
                resources=(f"{arn}/{props.server_access_prefix}/*",),
                principals=(("Service", ("logging.s3.amazonaws.com",)),),
                conditions=(Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),),
            ),
        )).policy
        S3BucketLifecycleConfiguration(self, "lifecycle", bucket=self.bucket.id, rule=[
            S3BucketLifecycleConfigurationRule(
                id="expire-logs",
                status="Enabled",
                filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=props.retention_days)],
                noncurrent_version_expiration=[
                    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=1)
                ],
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=1)
                ],
            )
        ])

    @property
    def name(self) -> str:
        """The bucket name (known after apply)."""
        return self.bucket.bucket
