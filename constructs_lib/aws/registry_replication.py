"""ECR registry replication: every image pushed to the platform's repositories is copied to other regions."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecr_replication_configuration import (
    EcrReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfigurationRule,
    EcrReplicationConfigurationReplicationConfigurationRuleDestination,
    EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter,
)
from constructs import Construct

from ..cloud_limits import AWS_ACCOUNT_PATTERN, AWS_REGION_PATTERN


@dataclass(frozen=True)
class RegistryReplicationProps:
    """Props of :class:`RegistryReplication`.

    Attributes:
        account_id: The account whose registry replicates (into its own registry in the other regions).
        destination_regions: Regions that receive every image, e.g. ``("us-west-2",)``.
        repository_prefix: Only repositories whose names start with it replicate, e.g. ``duckdb-analytics-prod/``.
    """

    account_id: str
    destination_regions: tuple[str, ...]
    repository_prefix: str

    def __post_init__(self) -> None:
        if not AWS_ACCOUNT_PATTERN.fullmatch(self.account_id):
            raise ValueError(f"RegistryReplicationProps.account_id {self.account_id!r}: must be a 12-digit AWS account ID")
        object.__setattr__(self, "destination_regions", tuple(self.destination_regions))
        if not self.destination_regions or not all(AWS_REGION_PATTERN.fullmatch(r) for r in self.destination_regions):
            raise ValueError(f"RegistryReplicationProps.destination_regions {self.destination_regions!r}: name one or "
                             "more AWS regions")
        if not self.repository_prefix:
            raise ValueError("RegistryReplicationProps.repository_prefix: an empty prefix would replicate every "
                             "repository of the registry")


class RegistryReplication(Construct):
    """The registry's replication configuration, limited to repositories whose names start with the prefix.

    ECR copies each image pushed to a matching repository into a repository of the same name in every
    destination region (creating it if it is missing; create it yourself beforehand to choose its encryption,
    tag immutability and lifecycle). The configuration belongs to the registry (one per account and region):
    a second platform in the same account and region must join its rules here rather than add its own.
    """

    def __init__(self, scope: Construct, id_: str, props: RegistryReplicationProps) -> None:
        super().__init__(scope, id_)
        self.configuration = EcrReplicationConfiguration(
            self, "configuration",
            replication_configuration=EcrReplicationConfigurationReplicationConfiguration(rule=[
                EcrReplicationConfigurationReplicationConfigurationRule(
                    destination=[EcrReplicationConfigurationReplicationConfigurationRuleDestination(
                        region=region, registry_id=props.account_id) for region in props.destination_regions],
                    repository_filter=[EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter(
                        filter=props.repository_prefix, filter_type="PREFIX_MATCH")],
                ),
            ]),
        )
