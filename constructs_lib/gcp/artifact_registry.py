"""A private Docker repository in Artifact Registry with immutable tags and a cleanup policy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.artifact_registry_repository import (
    ArtifactRegistryRepository,
    ArtifactRegistryRepositoryCleanupPolicies,
    ArtifactRegistryRepositoryCleanupPoliciesCondition,
    ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions,
    ArtifactRegistryRepositoryDockerConfig,
    ArtifactRegistryRepositoryVulnerabilityScanningConfig,
)
from constructs import Construct

from ..cloud_limits import IMAGE_TAG_PATTERN, IMAGE_TAG_RULE
from ._props import REGION, RESOURCE_NAME, RESOURCE_NAME_RULE, require_match, require_range

#: A region, or a multi-region of Artifact Registry.
REGISTRY_LOCATION = re.compile(rf"(?:{REGION.pattern}|us|europe|asia)")

_IMAGE_NAME = re.compile(r"[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*")


@dataclass(frozen=True)
class DockerRepositoryProps:
    """Props of :class:`DockerRepository`.

    Attributes:
        repository_id: Repository name (1-63 lowercase letters, digits or hyphens, starting with a letter).
        location: Region of the repository, e.g. ``us-central1`` (keep it with the services that pull), or a
            multi-region (``us``, ``europe``, ``asia``), whose images outlive the loss of one of its regions.
        description: Shown in the console. Default empty.
        keep_recent_versions: Versions of each image always kept, whatever their age. Default 10.
        delete_untagged_after_days: Days after which an untagged image version is deleted. Default 7.
        immutable_tags: Refuse to move an existing tag to another image. Default ``True``: a tag
            names one image for ever, so a deployment is reproducible.
        kms_key_name: Cloud KMS key encrypting the repository. Default ``None``: Google-managed keys.
        depends_on: Resources to create first, e.g. the ``artifactregistry.googleapis.com`` project service.
    """

    repository_id: str
    location: str
    description: str = ""
    keep_recent_versions: int = 10
    delete_untagged_after_days: int = 7
    immutable_tags: bool = True
    kms_key_name: str | None = None
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "repository_id", RESOURCE_NAME_RULE)
        require_match(REGISTRY_LOCATION, self, "location", "be a Google Cloud region such as us-central1 or a "
                      "multi-region (us, europe, asia)")
        require_range(self, "keep_recent_versions", 1, 1000, "versions")
        require_range(self, "delete_untagged_after_days", 1, 3650, "days")


class DockerRepository(Construct):
    """A Docker-format Artifact Registry repository.

    Private: no IAM grant is made, so only principals with project-level Artifact Registry roles can
    push, and Cloud Run pulls through its service agent (which may read repositories of its own
    project). Cleanup policies keep the most recent versions of every image and delete untagged
    versions after a few days; vulnerability scanning follows the project's setting.
    """

    def __init__(self, scope: Construct, id_: str, props: DockerRepositoryProps) -> None:
        super().__init__(scope, id_)
        self._location = props.location
        self.repository = ArtifactRegistryRepository(
            self,
            "repository",
            repository_id=props.repository_id,
            location=props.location,
            format="DOCKER",
            description=props.description or None,
            kms_key_name=props.kms_key_name,
            docker_config=ArtifactRegistryRepositoryDockerConfig(immutable_tags=props.immutable_tags),
            cleanup_policy_dry_run=False,
            cleanup_policies=[
                ArtifactRegistryRepositoryCleanupPolicies(
                    id="keep-recent-versions",
                    action="KEEP",
                    most_recent_versions=ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions(
                        keep_count=props.keep_recent_versions
                    ),
                ),
                ArtifactRegistryRepositoryCleanupPolicies(
                    id="delete-untagged",
                    action="DELETE",
                    condition=ArtifactRegistryRepositoryCleanupPoliciesCondition(
                        tag_state="UNTAGGED", older_than=f"{props.delete_untagged_after_days * 86400}s"
                    ),
                ),
            ],
            vulnerability_scanning_config=ArtifactRegistryRepositoryVulnerabilityScanningConfig(
                enablement_config="INHERITED"
            ),
            depends_on=list(props.depends_on) or None,
        )

    @property
    def url(self) -> str:
        """``<location>-docker.pkg.dev/<project>/<repository>``: where images are pushed and pulled."""
        return f"{self._location}-docker.pkg.dev/{self.repository.project}/{self.repository.repository_id}"

    def image(self, name: str, tag: str) -> str:
        """The reference of image ``name`` at ``tag`` in this repository (``latest`` is refused: tags are immutable)."""
        if not _IMAGE_NAME.fullmatch(name):
            raise ValueError(f"DockerRepository.image name must be a lowercase image path such as 'backend', got {name!r}")
        if not IMAGE_TAG_PATTERN.fullmatch(tag):
            raise ValueError(f"DockerRepository.image tag {IMAGE_TAG_RULE}, got {tag!r}")
        return f"{self.url}/{name}:{tag}"
