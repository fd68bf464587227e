"""What is left in the emulator's account after a destroy, and what the design keeps there on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .emulator import Emulator

#: What a destroy leaves by design: (kind, why). Anything else left over fails the round trip.
KEPT_ON_PURPOSE: dict[str, str] = {
    "kms key pending deletion": "KMS deletes a key only after its waiting period; until then it can be restored",
    "rds final snapshot": "the database's final snapshot outlives the instance (deletion of data is a person's act)",
}


def leftovers(emulator: Emulator, credentials: dict[str, str], account: str, region: str,
              state_bucket: str) -> Iterator[tuple[str, str]]:
    """(kind, name) of every resource of the kinds the stacks create that still exists in the account and region.

    Kinds in :data:`KEPT_ON_PURPOSE` are named so; a kind the emulator creates by itself (the default VPC
    and its parts, AWS managed policies and keys) is not listed.
    """
    def client(service: str) -> Any:
        return emulator.client(service, credentials, region)

    for bucket in client("s3").list_buckets()["Buckets"]:
        yield ("s3 state bucket" if bucket["Name"] == state_bucket else "s3 bucket", bucket["Name"])
    kms = client("kms")
    for key in kms.list_keys()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata["KeyManager"] == "CUSTOMER":
            yield ("kms key pending deletion" if metadata["KeyState"] == "PendingDeletion" else "kms key",
                   metadata["Arn"])
    listings: tuple[tuple[str, Callable[[], list[str]]], ...] = (
        ("rds instance", lambda: [db["DBInstanceIdentifier"] for db in client("rds").describe_db_instances()["DBInstances"]]),
        ("rds final snapshot", lambda: [s["DBSnapshotIdentifier"] for s in client("rds").describe_db_snapshots(
            SnapshotType="manual")["DBSnapshots"]]),
        ("ecs cluster", lambda: _active_clusters(client("ecs"))),
        ("load balancer", lambda: [lb["LoadBalancerArn"] for lb in client("elbv2").describe_load_balancers()["LoadBalancers"]]),
        ("target group", lambda: [tg["TargetGroupArn"] for tg in client("elbv2").describe_target_groups()["TargetGroups"]]),
        ("vpc", lambda: [vpc["VpcId"] for vpc in client("ec2").describe_vpcs()["Vpcs"] if not vpc["IsDefault"]]),
        ("elastic ip", lambda: [address["AllocationId"] for address in client("ec2").describe_addresses()["Addresses"]]),
        ("iam role", lambda: [role["RoleName"] for role in client("iam").list_roles()["Roles"]
                              if not role["Path"].startswith("/aws-service-role/")]),
        ("iam policy", lambda: [p["Arn"] for p in client("iam").list_policies(Scope="Local")["Policies"]]),
        ("log group", lambda: [group["logGroupName"] for group in client("logs").describe_log_groups()["logGroups"]]),
        ("secret", lambda: [secret["Name"] for secret in client("secretsmanager").list_secrets()["SecretList"]]),
        ("sns topic", lambda: [topic["TopicArn"] for topic in client("sns").list_topics()["Topics"]]),
        ("ecr repository", lambda: [r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"]]),
        ("web acl", lambda: [acl["Name"] for acl in client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]]),
        ("alarm", lambda: [alarm["AlarmName"] for alarm in client("cloudwatch").describe_alarms()["MetricAlarms"]]),
        ("budget", lambda: [b["BudgetName"] for b in client("budgets").describe_budgets(AccountId=account).get("Budgets", [])]),
    )
    for kind, names in listings:
        for name in names():
            yield kind, name


def _active_clusters(ecs: Any) -> list[str]:
    """A deleted cluster stays visible as INACTIVE for a while, in AWS too."""
    arns = ecs.list_clusters()["clusterArns"]
    clusters = ecs.describe_clusters(clusters=arns)["clusters"] if arns else []
    return [cluster["clusterArn"] for cluster in clusters if cluster["status"] != "INACTIVE"]
