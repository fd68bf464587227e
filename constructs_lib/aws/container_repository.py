"""An ECR repository for one service's images: scanned, immutable, encrypted, pruned."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

REPOSITORY_NAME = re.compile(r"[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*")


@dataclass(frozen=True)
class ContainerRepositoryProps:
    """Props of :class:`ContainerRepository`.

    Attributes:
        name: Repository name, e.g. ``duckdb-analytics-prod/backend``.
        kms_key_arn: KMS key encrypting images. Default ``None``: AES-256 managed by ECR.
        keep_images: How many most recent images are kept; older ones are deleted. Default 30.
        untagged_expiry_days: Days before untagged image layers are deleted. Default 7.
        keep_existing_encryption: Ignore a difference in ``encryption_configuration`` instead of replacing
            the repository (and deleting its images). ECR fixes encryption at creation; set this on a
            repository that may be imported from elsewhere with another key. Default ``False``.
    """

    name: str
    kms_key_arn: str | None = None
    keep_images: int = 30
    untagged_expiry_days: int = 7
    keep_existing_encryption: bool = False

    def __post_init__(self) -> None:
        if not REPOSITORY_NAME.fullmatch(self.name) or len(self.name) > 256:
            raise ValueError(f"ContainerRepositoryProps.name {self.name!r}: must be a valid ECR repository name")
        if not 1 <= self.keep_images <= 1000 or not 1 <= self.untagged_expiry_days <= 365:
            raise ValueError("ContainerRepositoryProps: keep_images must be 1-1000, untagged_expiry_days 1-365")


class ContainerRepository(Construct):
    """An ECR repository with scan on push and immutable tags (a tag always means the same image)."""

    def __init__(self, scope: Construct, id_: str, props: ContainerRepositoryProps) -> None:
        super().__init__(scope, id_)
        self.repository = EcrRepository(
            self,
            "repository",
            name=props.name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[
                EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=props.kms_key_arn)
                if props.kms_key_arn
                else EcrRepositoryEncryptionConfiguration(encryption_type="AES256")
            ],
            force_delete=False,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["encryption_configuration"])
            if props.keep_existing_encryption else None,
        )
        rules = [
            {
                "rulePriority": 1,
                "description": f"Delete untagged images after {props.untagged_expiry_days} days",
                "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                              "countNumber": props.untagged_expiry_days},
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the {props.keep_images} most recent images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": props.keep_images},
                "action": {"type": "expire"},
            },
        ]
        EcrLifecyclePolicy(self, "lifecycle", repository=self.repository.name,
                           policy=json.dumps({"rules": rules}, sort_keys=True))

    def image(self, tag: str) -> str:
        """The reference of the image ``tag`` in this repository."""
        return f"{self.url}:{tag}"

    @property
    def name(self) -> str:
        """The repository name."""
        return self.repository.name

    @property
    def url(self) -> str:
        """``<account>.dkr.ecr.<region>.amazonaws.com/<name>``."""
        return self.repository.repository_url

    @property
    def arn(self) -> str:
        """The repository ARN."""
        return self.repository.arn
