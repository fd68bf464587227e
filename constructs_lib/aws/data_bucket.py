"""The analytics data bucket: versioned, encrypted, private, TLS-only, with noncurrent versions expiring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from constructs import Construct

from ._bucket import BUCKET_NAME_PATTERN, BUCKET_NAME_RULE, BUCKET_PREFIX_PATTERN, BUCKET_PREFIX_RULE, harden_bucket
from .iam import Condition, Statement, policy_document

_READ_ACTIONS = ("s3:GetObject",)
_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
#: What no workload may do, whatever its own policies say: purge the version history or switch it off.
_HISTORY_ACTIONS = ("s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration",
                    "s3:PutBucketPolicy", "s3:DeleteBucketPolicy")


@dataclass(frozen=True)
class WorkloadNetwork:
    """Ties the bucket's workloads to the platform's network.

    The bucket policy denies the workload roles every request that does not come through one of the VPC
    endpoints (``aws:SourceVpce``): their credentials, and the presigned URLs they sign, are useless from
    anywhere else. It also denies them deleting object versions and changing versioning, lifecycle or the policy.

    Attributes:
        endpoint_ids: The S3 gateway endpoint(s) of the platform's VPC.
        role_arn_patterns: The workload roles, as ARNs or ``ArnLike`` patterns (``arn:aws:iam::<account>:role/<prefix>*``,
            e.g. from :func:`~constructs_lib.aws.fargate_service.role_name_prefix`).
    """

    endpoint_ids: tuple[str, ...]
    role_arn_patterns: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint_ids", tuple(self.endpoint_ids))
        object.__setattr__(self, "role_arn_patterns", tuple(self.role_arn_patterns))
        if not self.endpoint_ids or not self.role_arn_patterns:
            raise ValueError("WorkloadNetwork: name at least one endpoint and one role")

    def statements(self, bucket_arn: str) -> tuple[Statement, ...]:
        """The bucket policy's deny statements for the workload roles."""
        workloads = Condition("ArnLike", "aws:PrincipalArn", self.role_arn_patterns)
        everything = (bucket_arn, f"{bucket_arn}/*")
        return (
            Statement(sid="DenyWorkloadsOutsideTheNetwork", effect="Deny", actions=("s3:*",), resources=everything,
                      principals=(("AWS", ("*",)),),
                      conditions=(workloads, Condition("StringNotEquals", "aws:SourceVpce", self.endpoint_ids))),
            Statement(sid="DenyWorkloadsTheHistory", effect="Deny", actions=_HISTORY_ACTIONS, resources=everything,
                      principals=(("AWS", ("*",)),), conditions=(workloads,)),
        )


@dataclass(frozen=True)
class DataBucketProps:
    """Props of :class:`DataBucket`.

    Attributes:
        bucket_prefix: Start of the bucket name (3-37 characters, ending with ``-``); S3 names are
            global, so Terraform appends a unique suffix. Give this or ``bucket_name``.
        bucket_name: The whole bucket name, for a bucket another stack must name before it exists (e.g. the
            destination of a replication); it must be globally unique. Default ``None``: from ``bucket_prefix``.
        noncurrent_version_expiration_days: Days a replaced or deleted object version is kept. Default 90.
        kms_key_arn: Customer-managed KMS key for default encryption. Default ``None``: the
            AWS-managed ``aws/s3`` key (still SSE-KMS).
        access_log_bucket: Name of a bucket that receives S3 server access logs. Default ``None`` (off).
        access_log_prefix: Key prefix of those logs. Default ``s3/<bucket_prefix>``.
        access_log_depends_on: What the logging configuration waits for, e.g. the log bucket's policy: S3 checks
            at that call that the policy lets ``logging.s3.amazonaws.com`` write. Default none.
        abort_incomplete_multipart_upload_days: Days before unfinished uploads are removed. Default 7.
        force_destroy: Let ``terraform destroy`` delete a non-empty bucket. Default ``False``: data is kept.
        region: The bucket's region. Grants allow ``kms_key_arn`` only through S3 there. Default
            ``None``: through S3 in any region.
        workload_network: Allow the workload roles in only through the platform's VPC endpoint and never to the
            version history. Default ``None``: only their own IAM policies bound them.
    """

    bucket_prefix: str | None = None
    noncurrent_version_expiration_days: int = 90
    kms_key_arn: str | None = None
    access_log_bucket: str | None = None
    access_log_prefix: str | None = None
    access_log_depends_on: Sequence[ITerraformDependable] = ()
    abort_incomplete_multipart_upload_days: int = 7
    force_destroy: bool = False
    region: str | None = None
    bucket_name: str | None = None
    workload_network: WorkloadNetwork | None = None

    def __post_init__(self) -> None:
        if (self.bucket_prefix is None) == (self.bucket_name is None):
            raise ValueError("DataBucketProps: give bucket_prefix or bucket_name (one of them)")
        if self.bucket_prefix is not None and not BUCKET_PREFIX_PATTERN.fullmatch(self.bucket_prefix):
            raise ValueError(f"DataBucketProps.bucket_prefix {self.bucket_prefix!r}: {BUCKET_PREFIX_RULE}")
        if self.bucket_name is not None and not BUCKET_NAME_PATTERN.fullmatch(self.bucket_name):
            raise ValueError(f"DataBucketProps.bucket_name {self.bucket_name!r}: {BUCKET_NAME_RULE}")
        if not 1 <= self.noncurrent_version_expiration_days <= 3650:
            raise ValueError("DataBucketProps.noncurrent_version_expiration_days must be 1 to 3650")
        if not 1 <= self.abort_incomplete_multipart_upload_days <= 365:
            raise ValueError("DataBucketProps.abort_incomplete_multipart_upload_days must be 1 to 365")


class DataBucket(Construct):
    """An S3 bucket for analytics data.

    Versioning on; default encryption with KMS (bucket key enabled); all four public access blocks;
    ACLs disabled (BucketOwnerEnforced); a policy denying requests without TLS 1.2+; a lifecycle rule
    expiring noncurrent versions, aborting stale multipart uploads and removing expired delete markers;
    optional server access logging; with ``workload_network``, the workload roles only from the platform's network
    and never to the version history.
    """

    def __init__(self, scope: Construct, id_: str, props: DataBucketProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self.bucket = S3Bucket(self, "bucket", bucket_prefix=props.bucket_prefix, bucket=props.bucket_name,
                               force_destroy=props.force_destroy)
        workloads = props.workload_network.statements(self.bucket.arn) if props.workload_network is not None else ()
        self.policy, self.versioning = harden_bucket(self, self.bucket, kms_key_arn=props.kms_key_arn,
                                                     extra_policy_statements=workloads)
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.noncurrent_version_expiration_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=props.abort_incomplete_multipart_upload_days
                        )
                    ],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)],
                )
            ],
        )
        if props.access_log_bucket is not None:
            S3BucketLoggingA(
                self,
                "access-logging",
                bucket=self.bucket.id,
                target_bucket=props.access_log_bucket,
                target_prefix=props.access_log_prefix or f"s3/{props.bucket_prefix or props.bucket_name + '/'}",
                depends_on=list(props.access_log_depends_on) or None,
            )

    def read_statements(self) -> tuple[Statement, ...]:
        """IAM statements to list the bucket and read its objects (and decrypt them through S3)."""
        return self._statements(_READ_ACTIONS, "ReadDataObjects", ("kms:Decrypt",))

    def read_write_statements(self) -> tuple[Statement, ...]:
        """IAM statements to list the bucket and read, write and delete its objects (and use the key through S3).

        Nothing else: no bucket configuration, no policy, no version history.
        """
        return self._statements((*_READ_ACTIONS, *_WRITE_ACTIONS), "ReadWriteDataObjects",
                                ("kms:Decrypt", "kms:GenerateDataKey"))

    def grant_read(self, name: str, role: IamRole) -> IamRolePolicy:
        """Lets ``role`` read (:meth:`read_statements`) through an inline policy; ``name`` keys the grant."""
        return self._grant(f"{name}_read", role, self.read_statements())

    def grant_read_write(self, name: str, role: IamRole) -> IamRolePolicy:
        """Lets ``role`` read and write (:meth:`read_write_statements`) through an inline policy; ``name`` keys the grant."""
        return self._grant(f"{name}_read_write", role, self.read_write_statements())

    def _grant(self, id_: str, role: IamRole, statements: tuple[Statement, ...]) -> IamRolePolicy:
        document = policy_document(self, f"{id_}_document", statements)
        return IamRolePolicy(self, id_, role=role.id, policy=document.json)

    def _statements(self, object_actions: tuple[str, ...], object_sid: str, key_actions: tuple[str, ...]) -> tuple[Statement, ...]:
        statements = [
            Statement(sid="ListDataBucket", actions=("s3:ListBucket", "s3:GetBucketLocation"), resources=(self.arn,)),
            Statement(sid=object_sid, actions=object_actions, resources=(f"{self.arn}/*",)),
        ]
        if self._props.kms_key_arn is not None:
            region = self._props.region
            via_s3 = (Condition("StringEquals", "kms:ViaService", (f"s3.{region}.amazonaws.com",)) if region
                      else Condition("StringLike", "kms:ViaService", ("s3.*.amazonaws.com",)))
            statements.append(Statement(sid="UseDataKey", actions=key_actions, resources=(self._props.kms_key_arn,),
                                        conditions=(via_s3,)))
        return tuple(statements)

    @property
    def name(self) -> str:
        """The bucket name (known after apply)."""
        return self.bucket.bucket

    @property
    def arn(self) -> str:
        """The bucket ARN (known after apply)."""
        return self.bucket.arn
