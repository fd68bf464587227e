"""Where each stack keeps its Terraform state: the buckets the environment's bootstrap stacks create.

- A platform stack always uses its environment's bucket (``config/<env>.toml`` ``[state]``): S3 key
  ``<project>/<env>/terraform.tfstate`` encrypted with the delivery key and locked with S3-native lock
  files (Terraform >= 1.10); GCS prefix ``<project>/<env>``. An AWS standby stack (disaster recovery)
  keeps its state next to it, S3 key ``<project>/<env>/standby.tfstate``, in the primary region's
  bucket: the standby is applied from the primary region, and a failover changes only resources
  that live outside the primary region (see docs/disaster-recovery.md).
- A bootstrap stack creates that bucket, so it starts on local state (``terraform.<stack>.tfstate`` in
  the project root) and moves into the bucket (S3 key ``<project>/<env>/bootstrap.tfstate``, GCS prefix
  ``<project>/<env>/bootstrap``) once ``state.<cloud>_bootstrap_migrated`` is true; see docs/delivery.md.
"""

from __future__ import annotations

from cdktf import GcsBackend, LocalBackend, S3Backend, TerraformBackend, TerraformStack

from config import EnvironmentConfig
from constructs_lib import PlatformIdentity
from constructs_lib.github import DeliveryNames

from . import STATE_OBJECTS, uses_bucket


def local_state_path(stack: str) -> str:
    """State file path relative to the stack's working directory ``cdktf.out/stacks/<stack>/``.

    It resolves to ``terraform.<stack>.tfstate`` in the project root (where cdktf keeps local state),
    outside ``cdktf.out`` so a new synth never touches it, and is relative so no machine path is written.
    """
    return f"../../../terraform.{stack}.tfstate"


def add_state_backend(stack: TerraformStack, *, cloud: str, kind: str, config: EnvironmentConfig) -> TerraformBackend:
    """The backend of a ``kind`` stack of ``cloud`` for the environment of ``config`` (see the module docstring)."""
    if not uses_bucket(cloud, kind, config):
        return LocalBackend(stack, path=local_state_path(stack.node.id))
    if cloud == "aws":
        names = DeliveryNames(PlatformIdentity(config.project, config.environment))
        backend = S3Backend(
            stack,
            bucket=config.state.aws_bucket,
            key=f"{config.project}/{config.environment}/{STATE_OBJECTS[kind]}.tfstate",
            region=config.aws.region,
            encrypt=True,
            kms_key_id=names.aws_key_alias_arn(config.aws.account_id, config.aws.region),
        )
        # cdktf 0.21's S3Backend has no use_lockfile property yet; Terraform >= 1.10 supports it.
        backend.add_override("use_lockfile", True)
        return backend
    prefix = f"{config.project}/{config.environment}" + ("" if kind == "platform" else f"/{kind}")
    return GcsBackend(stack, bucket=config.state.gcp_bucket, prefix=prefix)
