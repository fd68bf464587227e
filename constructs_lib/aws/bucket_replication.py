"""Cross-region replication of an SSE-KMS bucket into a bucket of another region, encrypted with that region's key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleDestinationMetrics,
    S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold,
    S3BucketReplicationConfigurationRuleDestinationReplicationTime,
    S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from constructs import Construct

from ..cloud_limits import AWS_ACCOUNT_PATTERN, AWS_REGION_PATTERN
from ._bucket import BUCKET_NAME_PATTERN, BUCKET_NAME_RULE
from .iam import Condition, Statement, policy_document

#: S3 Replication Time Control: 99.99 % of objects replicated within 15 minutes (the SLA's threshold).
REPLICATION_TIME_MINUTES = 15


def kms_alias_arn(*, region: str, account_id: str, alias: str, partition: str = "aws") -> str:
    """``arn:aws:kms:<region>:<account>:alias/<alias>``: a key another stack creates, named before it exists."""
    return f"arn:{partition}:kms:{region}:{account_id}:alias/{alias}"


@dataclass(frozen=True)
class BucketReplicationProps:
    """Props of :class:`BucketReplication`.

    Attributes:
        name: Start of the replication role's name (its first 26 characters), e.g. ``duckdb-analytics-prod-data``.
        account_id: The account of both buckets and both keys.
        source_bucket: The name of the versioned bucket to replicate.
        source_bucket_arn: Its ARN.
        source_region: Its region.
        source_kms_key_arn: The key its objects are encrypted with (SSE-KMS).
        destination_bucket: The name of a versioned bucket in ``destination_region`` (another stack's, so a
            name known in advance).
        destination_region: Where the replicas go.
        destination_kms_key_alias: The alias (without ``alias/``) of the key in ``destination_region`` that
            encrypts the replicas. S3 takes its alias ARN; the role may use only a key carrying that alias there.
        replication_time_control: S3 Replication Time Control (replicas within 15 minutes, 99.99 % under the
            SLA, with replication metrics and events). Default ``True``.
        dependencies: What replication waits for: the source bucket's versioning (S3 refuses a replication
            configuration on an unversioned bucket). Default none.
        permissions_boundary_arn: IAM policy set as the replication role's permissions boundary. Default ``None``.
        role_path: IAM path of the replication role, e.g. ``/duckdb-analytics-prod/`` (a deploy identity may manage the roles
            under its path only). Default ``None``: the root path.
    """

    name: str
    account_id: str
    source_bucket: str
    source_bucket_arn: str
    source_region: str
    source_kms_key_arn: str
    destination_bucket: str
    destination_region: str
    destination_kms_key_alias: str
    replication_time_control: bool = True
    dependencies: Sequence[ITerraformDependable] = ()
    permissions_boundary_arn: str | None = None
    role_path: str | None = None

    def __post_init__(self) -> None:
        if not AWS_ACCOUNT_PATTERN.fullmatch(self.account_id):
            raise ValueError(f"BucketReplicationProps.account_id {self.account_id!r}: must be a 12-digit AWS account ID")
        for name in ("source_region", "destination_region"):
            if not AWS_REGION_PATTERN.fullmatch(getattr(self, name)):
                raise ValueError(f"BucketReplicationProps.{name} {getattr(self, name)!r}: must be an AWS region")
        if self.source_region == self.destination_region:
            raise ValueError("BucketReplicationProps.destination_region: must differ from source_region "
                             "(this is cross-region replication)")
        if not BUCKET_NAME_PATTERN.fullmatch(self.destination_bucket):
            raise ValueError(f"BucketReplicationProps.destination_bucket {self.destination_bucket!r}: {BUCKET_NAME_RULE}")
        if self.destination_kms_key_alias.startswith("alias/"):
            raise ValueError("BucketReplicationProps.destination_kms_key_alias is given without the 'alias/' prefix")

    @property
    def destination_bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.destination_bucket}"

    @property
    def destination_kms_key(self) -> str:
        """The alias ARN S3 encrypts the replicas with."""
        return kms_alias_arn(region=self.destination_region, account_id=self.account_id,
                             alias=self.destination_kms_key_alias)


class BucketReplication(Construct):
    """Replicates every object version (and delete marker) of a bucket to a bucket in another region.

    SSE-KMS objects are replicated (``sse_kms_encrypted_objects``) and re-encrypted with the destination
    region's key, so no replica depends on the source region's key. The role S3 assumes is trusted for the
    account's buckets only and may read versions of the source, write replicas of the destination, decrypt with
    the source key through S3 in the source region, and encrypt only with a key of the destination region that
    carries the destination alias (``kms:ResourceAliases``), through S3 there. With Replication Time Control,
    S3 publishes replication metrics and events, and replicates 99.99 % of objects within 15 minutes.

    Objects written before the configuration existed are not replicated: copy them once with S3 Batch
    Replication (see the runbook).
    """

    def __init__(self, scope: Construct, id_: str, props: BucketReplicationProps) -> None:
        super().__init__(scope, id_)
        trust = policy_document(self, "trust", (Statement(
            sid="S3AssumeRole", actions=("sts:AssumeRole",), resources=("*",),
            principals=(("Service", ("s3.amazonaws.com",)),),
            conditions=(Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),),
        ),))
        self.role = IamRole(self, "role", name_prefix=f"{props.name[:26]}-s3-repl-", assume_role_policy=trust.json,
                            description=f"S3 replicates {props.source_bucket} to {props.destination_region}",
                            permissions_boundary=props.permissions_boundary_arn, path=props.role_path)
        permissions = policy_document(self, "permissions", _replication_statements(props))
        policy = IamRolePolicy(self, "policy", role=self.role.id, policy=permissions.json)
        self.configuration = S3BucketReplicationConfigurationA(
            self, "configuration", bucket=props.source_bucket, role=self.role.arn, rule=[_replication_rule(props)],
            depends_on=[policy, *props.dependencies],
        )


def _replication_statements(props: BucketReplicationProps) -> tuple[Statement, ...]:
    """What the replication role may do: read the source's versions, write replicas, decrypt with the source key
    through S3 there, encrypt with the destination alias's key through S3 in the destination region."""
    destination_keys = f"arn:aws:kms:{props.destination_region}:{props.account_id}:key/*"
    return (
        Statement(sid="ReadReplicationConfiguration", actions=("s3:GetReplicationConfiguration", "s3:ListBucket"),
                  resources=(props.source_bucket_arn,)),
        Statement(sid="ReadSourceVersions",
                  actions=("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                           "s3:GetObjectVersionTagging"),
                  resources=(f"{props.source_bucket_arn}/*",)),
        Statement(sid="WriteReplicas", actions=("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"),
                  resources=(f"{props.destination_bucket_arn}/*",)),
        Statement(sid="DecryptSource", actions=("kms:Decrypt",), resources=(props.source_kms_key_arn,),
                  conditions=(Condition("StringEquals", "kms:ViaService",
                                        (f"s3.{props.source_region}.amazonaws.com",)),)),
        Statement(sid="EncryptReplicas", actions=("kms:Encrypt", "kms:GenerateDataKey"), resources=(destination_keys,),
                  conditions=(
                      Condition("StringEquals", "kms:ViaService", (f"s3.{props.destination_region}.amazonaws.com",)),
                      Condition("ForAnyValue:StringEquals", "kms:ResourceAliases",
                                (f"alias/{props.destination_kms_key_alias}",)),
                  )),
    )


def _replication_rule(props: BucketReplicationProps) -> S3BucketReplicationConfigurationRule:
    """One rule for every object version and delete marker, SSE-KMS objects included, re-encrypted with the
    destination key; with Replication Time Control its metrics and 15-minute threshold."""
    metrics, replication_time = None, None
    if props.replication_time_control:
        minutes = REPLICATION_TIME_MINUTES
        metrics = S3BucketReplicationConfigurationRuleDestinationMetrics(
            status="Enabled", event_threshold=S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold(
                minutes=minutes))
        replication_time = S3BucketReplicationConfigurationRuleDestinationReplicationTime(
            status="Enabled", time=S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime(minutes=minutes))
    return S3BucketReplicationConfigurationRule(
        id=f"to-{props.destination_region}",
        status="Enabled",
        priority=1,
        filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
        delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(status="Enabled"),
        source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
            sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                status="Enabled")),
        destination=S3BucketReplicationConfigurationRuleDestination(
            bucket=props.destination_bucket_arn,
            storage_class="STANDARD",
            encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                replica_kms_key_id=props.destination_kms_key),
            metrics=metrics,
            replication_time=replication_time,
        ),
    )
