"""Settings taken from the process environment rather than from files: where Terraform state lives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .reader import Problems
from .schema import AWS_REGION_PATTERN

S3_BUCKET_PATTERN = re.compile(r"(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
GCS_BUCKET_PATTERN = re.compile(r"(?!goog)[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]")

STATE_BUCKET_VARIABLE = "TERRAFORM_STATE_BUCKET"
STATE_REGION_VARIABLE = "TERRAFORM_STATE_REGION"
GCP_STATE_BUCKET_VARIABLE = "GCP_STATE_BUCKET"


@dataclass(frozen=True)
class StateBackendSettings:
    """Remote state locations; ``None`` keeps that cloud's stacks on a local state file."""

    s3_bucket: str | None = None
    s3_region: str | None = None
    gcs_bucket: str | None = None


def _variable(problems: Problems, environ: Mapping[str, str], name: str, pattern: re.Pattern[str], rule: str) -> str | None:
    value = environ.get(name)
    if value is None or value == "":
        return None
    if not pattern.fullmatch(value):
        problems.add(name, rule, value)
        return None
    return value


def read_state_backend_settings(problems: Problems, environ: Mapping[str, str]) -> StateBackendSettings:
    """Reads TERRAFORM_STATE_BUCKET (+ TERRAFORM_STATE_REGION) and GCP_STATE_BUCKET."""
    s3_bucket = _variable(
        problems, environ, STATE_BUCKET_VARIABLE, S3_BUCKET_PATTERN,
        "must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens",
    )
    s3_region = _variable(
        problems, environ, STATE_REGION_VARIABLE, AWS_REGION_PATTERN, "must be an AWS region name such as us-east-1"
    )
    if s3_region is not None and s3_bucket is None and STATE_BUCKET_VARIABLE not in problems.failed_keys:
        problems.add(STATE_REGION_VARIABLE, f"is only used together with {STATE_BUCKET_VARIABLE}, which is not set", s3_region)
    gcs_bucket = _variable(
        problems, environ, GCP_STATE_BUCKET_VARIABLE, GCS_BUCKET_PATTERN,
        "must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, dots, hyphens or underscores",
    )
    return StateBackendSettings(s3_bucket=s3_bucket, s3_region=s3_region, gcs_bucket=gcs_bucket)
