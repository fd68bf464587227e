"""The differences a second plan shows that come from the emulator, not from the stacks: the one list of them.

Every entry names the resource type, the attribute, what moto does and the moto version, and the second plans
that show it: an environment's platform stack, and for prod's disaster recovery (``make e2e-dr``) also
``prod-dr`` (the primary once ``[dr]`` is enabled) and ``prod-standby`` (the standby stack). The second plan of
each environment may differ from the state only in these; an entry of an environment whose second plan no
longer shows it fails ``test_second_plan_shows_no_change`` (the emulator caught up: drop the entry), unless
it is marked intermittent.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bridges import MOTO_VERSION


@dataclass(frozen=True)
class EmulatorDiff:
    """An attribute whose value moto does not keep as AWS does, so the next plan wants to change it."""

    resource_type: str
    attribute: str
    moto_behaviour: str
    environments: tuple[str, ...]
    #: Seen in some runs only (it depends on the order the apply's parallel calls reach moto): not required to
    #: show up, so the staleness check leaves it out.
    intermittent: bool = False
    moto_version: str = MOTO_VERSION


EMULATOR_DIFFS: tuple[EmulatorDiff, ...] = (
    EmulatorDiff("aws_ecs_service", "capacity_provider_strategy",
                 "a service keeps no capacity provider strategy (DescribeServices answers none), so the provider "
                 "plans to replace every service that sets one", ("dev", "staging")),
    EmulatorDiff("aws_vpc_security_group_ingress_rule", "description",
                 "AuthorizeSecurityGroupIngress drops the description of a rule that references a security group "
                 "(DescribeSecurityGroupRules answers none)", ("dev", "staging", "prod", "prod-standby")),
    EmulatorDiff("aws_vpc_security_group_egress_rule", "description",
                 "AuthorizeSecurityGroupEgress may drop the description of a rule that references a security group "
                 "or a prefix list (seen in some runs, not in others)", ("dev", "staging", "prod", "prod-dr", "prod-standby"),
                 intermittent=True),
    EmulatorDiff("aws_service_discovery_service", "health_check_custom_config",
                 "CreateService keeps no HealthCheckCustomConfig (GetService answers none), so the provider plans "
                 "to replace the service", ("dev", "staging", "prod", "prod-dr", "prod-standby")),
    *(EmulatorDiff("aws_db_instance", attribute, "CreateDBInstance keeps no Performance Insights settings "
                   "(DescribeDBInstances answers them off); a read replica copies its source's", environments)
      for attribute, environments in (("performance_insights_enabled", ("staging", "prod", "prod-dr", "prod-standby")),
                                      ("performance_insights_kms_key_id", ("staging", "prod")),
                                      ("performance_insights_retention_period", ("staging", "prod")))),
    EmulatorDiff("aws_db_parameter_group", "parameter",
                 "DescribeDBParameters answers the parameters with other values than were set",
                 ("staging", "prod", "prod-dr", "prod-standby")),
    EmulatorDiff("aws_db_instance", "multi_az",
                 "CreateDBInstanceReadReplica copies the source instance's settings, Multi-AZ included, where AWS "
                 "creates a Single-AZ replica unless asked", ("prod-standby",)),
    EmulatorDiff("aws_iam_role_policy", "policy",
                 "follows from the aws_db_instance entries: the services' policy documents read the instance "
                 "(master_user_secret, resource_id), so while it has a planned update they are known only after apply",
                 ("staging", "prod", "prod-dr", "prod-standby")),
    # prod's services have no capacity provider strategy (on-demand Fargate): they are updated, not replaced, so
    # the attributes moto drops show one by one. The apply enabling [dr] (prod-dr) sets the attributes moto's
    # creates dropped and its updates keep: those entries do not show in the plan after it.
    *(EmulatorDiff("aws_ecs_service", attribute, f"CreateService keeps no {name} (DescribeServices answers "
                   "none), so the provider plans to set it again", ("prod", "prod-standby"))
      for attribute, name in (("enable_ecs_managed_tags", "enableECSManagedTags"),
                              ("health_check_grace_period_seconds", "healthCheckGracePeriodSeconds"),
                              ("availability_zone_rebalancing", "availabilityZoneRebalancing"))),
    EmulatorDiff("aws_s3_bucket_replication_configuration", "rule",
                 "GetBucketReplication answers every rule with DeleteMarkerReplication Disabled, an empty prefix "
                 "filter and no SourceSelectionCriteria, whatever was put (the data bucket's replication to the standby)",
                 ("prod-dr",)),
    EmulatorDiff("aws_secretsmanager_secret", "replica",
                 "a replica region's KmsKeyId is not kept: DescribeSecret answers alias/aws/secretsmanager for the "
                 "password secret's replica in the standby region", ("prod-dr",)),
    EmulatorDiff("aws_ecs_service", "service_registries",
                 "follows from the aws_service_discovery_service entry: the backend's registry is replaced, so its ARN "
                 "is known only after apply", ("prod", "prod-dr", "prod-standby")),
)


def explained(resource_type: str, attribute: str, environment: str) -> EmulatorDiff | None:
    """The entry explaining a differing attribute of a resource type in an environment, if any."""
    for entry in EMULATOR_DIFFS:
        if (entry.resource_type, entry.attribute) == (resource_type, attribute) and environment in entry.environments:
            return entry
    return None
