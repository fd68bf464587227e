"""Where each stack keeps its Terraform state: local by default, S3 or GCS when configured."""

from __future__ import annotations

from cdktf import GcsBackend, LocalBackend, S3Backend, TerraformBackend, TerraformStack

from config import EnvironmentConfig, StateBackendSettings


def local_state_path(stack: str) -> str:
    """State file path relative to the stack's working directory ``cdktf.out/stacks/<stack>/``.

    It resolves to ``terraform.<stack>.tfstate`` in the project root (where cdktf keeps local state),
    outside ``cdktf.out`` so a new synth never touches it, and is relative so no machine path is written.
    """
    return f"../../../terraform.{stack}.tfstate"


def add_state_backend(
    stack: TerraformStack, *, cloud: str, config: EnvironmentConfig, state: StateBackendSettings, standby: bool = False
) -> TerraformBackend:
    """AWS stacks use S3 when ``TERRAFORM_STATE_BUCKET`` is set, GCP stacks GCS when ``GCP_STATE_BUCKET`` is set.

    Each cloud's state stays in that cloud, so the keys ``<project>/<env>/...`` never collide; a standby
    stack keeps its state in the same bucket (and the bucket's region) under ``<project>/<env>-standby/``.
    S3 state is encrypted and locked with S3-native lock files (Terraform >= 1.10).
    """
    environment = f"{config.environment}-standby" if standby else config.environment
    if cloud == "aws" and state.s3_bucket is not None:
        backend = S3Backend(
            stack,
            bucket=state.s3_bucket,
            key=f"{config.project}/{environment}/terraform.tfstate",
            region=state.s3_region or config.aws.region,
            encrypt=True,
        )
        # cdktf 0.21's S3Backend has no use_lockfile property yet; Terraform >= 1.10 supports it.
        backend.add_override("use_lockfile", True)
        return backend
    if cloud == "gcp" and state.gcs_bucket is not None:
        return GcsBackend(stack, bucket=state.gcs_bucket, prefix=f"{config.project}/{config.environment}")
    return LocalBackend(stack, path=local_state_path(stack.node.id))
