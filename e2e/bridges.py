"""Where moto (5.2.5) answers differently from AWS, and how the harness bridges it: never in the stacks.

Two kinds, each naming the moto version it was measured with and the test that notices when moto
closes the gap (``e2e/test_harness.py::test_bridge_still_needed``):

- **answers** (:data:`ANSWERS`): the recorder adjusts moto's reply to one call before Terraform sees it;
- **patches** (:data:`PATCHES`): a moto check narrower than AWS's is replaced, by an explicit call when the
  emulator starts, with an evaluation of the same policy by ``constructs_lib.aws.iam_evaluation``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from constructs_lib.aws.iam_evaluation import Decision, Request, evaluate

from .emulator import Call

MOTO_VERSION = "5.2.5"
#: (HTTP status, headers, body) of a reply.
Reply = tuple[int, list[tuple[str, str]], bytes]


@dataclass(frozen=True)
class Answer:
    """A reply of moto's that the recorder adjusts: ``adjust(call, earlier calls, moto's reply)``."""

    name: str
    gap: str
    adjust: Callable[[Call, Sequence[Call], Reply], Reply]
    moto_version: str = MOTO_VERSION


def _json(status: int, document: dict[str, Any]) -> Reply:
    return status, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(document).encode()


def _not_implemented(reply: Reply) -> bool:
    return reply[0] >= 500 or b"has not been implemented" in reply[2]


_TAG_OPERATIONS = ("ListTagsForResource", "TagResource", "UntagResource")


def _tag_map(value: Any) -> dict[str, str]:
    """Tags as a map, from a map or from a list of ``{"Key": ..., "Value": ...}``."""
    return dict(value) if isinstance(value, dict) else {tag["Key"]: tag["Value"] for tag in value or ()}


def _kept_tags(call: Call, history: Sequence[Call], reply: Reply, *, service: str,
               created: Callable[[Call, str], bool], field: str, keys_field: str,
               answer: Callable[[dict[str, str]], dict[str, Any]]) -> Reply:
    """A resource's tags for a service whose tagging calls moto lacks: those its creation was given
    (``created`` tells the creating call of an ARN), then TagResource/UntagResource."""
    if call.service != service or call.operation not in _TAG_OPERATIONS or not _not_implemented(reply):
        return reply
    if call.operation != "ListTagsForResource":
        return _json(200, {})
    arn, tags = call.params.get("ResourceARN", ""), {}
    for earlier in history:
        if earlier.service != service or earlier.status != 200:
            continue
        if created(earlier, arn):
            tags = _tag_map(earlier.params.get(field))
        elif earlier.params.get("ResourceARN") == arn and earlier.operation == "TagResource":
            tags.update(_tag_map(earlier.params.get(field)))
        elif earlier.params.get("ResourceARN") == arn and earlier.operation == "UntagResource":
            for key in earlier.params.get(keys_field) or ():
                tags.pop(key, None)
    return _json(200, answer(tags))


_scalable_target_tags = functools.partial(
    _kept_tags, service="application-autoscaling", field="Tags", keys_field="TagKeys",
    created=lambda earlier, arn: earlier.operation == "RegisterScalableTarget" and arn in earlier.response,
    answer=lambda tags: {"Tags": tags})
_budget_tags = functools.partial(
    _kept_tags, service="budgets", field="ResourceTags", keys_field="ResourceTagKeys",
    created=lambda earlier, arn: earlier.operation == "CreateBudget"
    and arn.endswith(f":budget/{earlier.params['Budget']['BudgetName']}"),
    answer=lambda tags: {"ResourceTags": [{"Key": key, "Value": value} for key, value in tags.items()]})


def _budget_subscribers(call: Call, history: Sequence[Call], reply: Reply) -> Reply:
    """A budget notification's subscribers: those CreateBudget/CreateNotification/CreateSubscriber gave it."""
    if call.service != "budgets" or call.operation != "DescribeSubscribersForNotification" or not _not_implemented(reply):
        return reply
    budget, notification = call.params.get("BudgetName"), call.params.get("Notification")
    subscribers: list[dict[str, Any]] = []
    for earlier in history:
        if earlier.service != "budgets" or earlier.status != 200 or earlier.params.get("BudgetName", earlier.params.get(
                "Budget", {}).get("BudgetName")) != budget:
            continue
        if earlier.operation == "CreateBudget":
            for entry in earlier.params.get("NotificationsWithSubscribers") or ():
                if entry.get("Notification") == notification:
                    subscribers.extend(entry.get("Subscribers") or ())
        elif earlier.operation == "CreateNotification" and earlier.params.get("Notification") == notification:
            subscribers.extend(earlier.params.get("Subscribers") or ())
        elif earlier.operation == "CreateSubscriber" and earlier.params.get("Notification") == notification:
            subscribers.append(earlier.params["Subscriber"])
        elif earlier.operation == "DeleteSubscriber" and earlier.params.get("Notification") == notification:
            subscribers = [s for s in subscribers if s != earlier.params.get("Subscriber")]
        elif earlier.operation in ("DeleteBudget", "DeleteNotification"):
            subscribers = []
    return _json(200, {"Subscribers": subscribers})


_RDS_XML = "http://rds.amazonaws.com/doc/2014-10-31/"


def _replicated_backups_arn(call: Call, source: str) -> str:
    """The ARN of the backups of ``source`` replicated into the call's region (AWS names them ab-<random>)."""
    return f"arn:aws:rds:{call.region}:{call.account}:auto-backup:ab-{hashlib.sha1(source.encode()).hexdigest()[:26]}"


def _replicated_backups(call: Call, history: Sequence[Call], reply: Reply) -> Reply:
    """Automated backups replicated to another region: what StartDBInstanceAutomatedBackupsReplication gave, until
    StopDBInstanceAutomatedBackupsReplication (DescribeDBInstanceAutomatedBackups by that ARN answers it)."""
    operation = call.operation
    if call.service != "rds" or not operation.endswith("DBInstanceAutomatedBackups" + (
            "" if operation.startswith("Describe") else "Replication")):
        return reply
    if operation == "DescribeDBInstanceAutomatedBackups" and "DBInstanceAutomatedBackupsArn" not in call.params:
        return reply
    if operation != "DescribeDBInstanceAutomatedBackups" and not _not_implemented(reply):
        return reply
    source = call.params.get("SourceDBInstanceArn", "")
    if operation == "DescribeDBInstanceAutomatedBackups":
        started = {_replicated_backups_arn(earlier, earlier.params["SourceDBInstanceArn"]): earlier for earlier in history
                   if earlier.service == "rds" and earlier.status == 200 and earlier.region == call.region
                   and earlier.operation.endswith("DBInstanceAutomatedBackupsReplication")}
        start = started.get(call.params["DBInstanceAutomatedBackupsArn"])
        if start is None or start.operation.startswith("Stop"):
            return (404, [("Content-Type", "text/xml")], f'<ErrorResponse xmlns="{_RDS_XML}"><Error><Type>Sender</Type>'
                    "<Code>DBInstanceAutomatedBackupNotFoundFault</Code><Message>not found</Message></Error>"
                    "</ErrorResponse>".encode())
        call, source = start, start.params["SourceDBInstanceArn"]
    backup = (f"<DBInstanceAutomatedBackupsArn>{_replicated_backups_arn(call, source)}</DBInstanceAutomatedBackupsArn>"
              f"<DBInstanceArn>{source}</DBInstanceArn><DBInstanceIdentifier>{source.rsplit(':', 1)[-1]}"
              f"</DBInstanceIdentifier><Region>{source.split(':')[3]}</Region><Status>replicating</Status>"
              f"<KmsKeyId>{call.params.get('KmsKeyId', '')}</KmsKeyId>"
              f"<BackupRetentionPeriod>{call.params.get('BackupRetentionPeriod', 7)}</BackupRetentionPeriod>")
    result = (f"<DBInstanceAutomatedBackups><DBInstanceAutomatedBackup>{backup}</DBInstanceAutomatedBackup>"
              "</DBInstanceAutomatedBackups>" if operation.startswith("Describe")
              else f"<DBInstanceAutomatedBackup>{backup}</DBInstanceAutomatedBackup>")
    return (200, [("Content-Type", "text/xml")], f'<{operation}Response xmlns="{_RDS_XML}"><{operation}Result>{result}'
            f"</{operation}Result></{operation}Response>".encode())


ANSWERS: tuple[Answer, ...] = (
    Answer("application-autoscaling-tags",
           "Application Auto Scaling ListTagsForResource, TagResource and UntagResource are not implemented (HTTP 500); "
           "the provider reads a scalable target's tags after creating it", _scalable_target_tags),
    Answer("budgets-tags",
           "Budgets ListTagsForResource, TagResource and UntagResource are not implemented (HTTP 500); the provider "
           "reads a budget's tags after creating it", _budget_tags),
    Answer("budgets-subscribers",
           "Budgets DescribeSubscribersForNotification is not implemented (HTTP 500); the provider reads each "
           "notification's subscribers", _budget_subscribers),
    Answer("rds-automated-backups-replication",
           "RDS StartDBInstanceAutomatedBackupsReplication and StopDBInstanceAutomatedBackupsReplication are not "
           "implemented (HTTP 500) and DescribeDBInstanceAutomatedBackups knows no replicated backups; the provider "
           "starts the replication in the standby region and reads it back by ARN", _replicated_backups),
)


def _bucket_policy_with_conditions() -> None:
    """moto evaluates a bucket policy for object calls without its conditions (``FakeBucket.get_permission``):
    the state bucket's deny of requests without TLS (``aws:SecureTransport`` false) then refuses every call.
    Evaluated here with the context of the pipeline's requests, which use TLS 1.2 or later."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    outcome = {Decision.EXPLICIT_DENY: PermissionResult.DENIED, Decision.ALLOWED: PermissionResult.PERMITTED,
               Decision.IMPLICIT_DENY: PermissionResult.NEUTRAL}

    def get_permission(bucket: FakeBucket, action: str, resource: str) -> Any:
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        context = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
        return outcome[evaluate([json.loads(bucket.policy)], Request(action, resource, context))]

    FakeBucket.get_permission = get_permission


def _logging_target_policy() -> None:
    """moto accepts a server access logging target bucket only if a policy statement's Resource is exactly
    ``<bucket>/<prefix>*``, ``<bucket>/*`` or the bucket (``FakeBucket._log_permissions_enabled_policy``); AWS
    accepts any statement that lets the logging service put objects under the prefix."""
    from moto.s3.models import FakeBucket

    def enabled(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
        if not target_bucket.policy:
            return False
        statements = [statement for statement in json.loads(target_bucket.policy)["Statement"]
                      if "logging.s3.amazonaws.com" in str(statement.get("Principal", {}).get("Service"))]
        resource = f"arn:aws:s3:::{target_bucket.name}/{target_prefix or ''}access-log-object"
        # The delivery as AWS makes it: from a bucket of the same account, over TLS.
        context = {"aws:SecureTransport": "true", "aws:SourceAccount": target_bucket.account_id}
        return evaluate([{"Statement": statements}], Request("s3:PutObject", resource, context)) is Decision.ALLOWED

    FakeBucket._log_permissions_enabled_policy = staticmethod(enabled)


def _cross_region_replica_in_its_region() -> None:
    """moto creates a cross-region read replica (``SourceDBInstanceIdentifier`` an ARN of another region) as a copy
    of its source and sets the request's settings on it in the order they came, its region (``backend``) last: the
    replica's ``DBSubnetGroupName`` is looked up in the source's region (``DBSubnetGroupNotFoundFault``). AWS
    creates the replica in the region called, with that region's subnet group: the region is set first here."""
    from moto.rds.models import RDSBackend

    create = RDSBackend.create_db_instance_read_replica

    def in_its_region(backend: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        if backend.arn_regex.match(db_kwargs["source_db_instance_identifier"]):
            db_kwargs = {"backend": backend, **db_kwargs}
        return create(backend, db_kwargs)

    RDSBackend.create_db_instance_read_replica = in_its_region


#: (name, what moto does differently, the patch).
PATCHES: tuple[tuple[str, str, Callable[[], None]], ...] = (
    ("s3-bucket-policy-conditions", _bucket_policy_with_conditions.__doc__ or "", _bucket_policy_with_conditions),
    ("s3-logging-target-policy", _logging_target_policy.__doc__ or "", _logging_target_policy),
    ("rds-cross-region-replica-subnet-group", _cross_region_replica_in_its_region.__doc__ or "",
     _cross_region_replica_in_its_region),
)


def _moto_fails(call: Callable[[], Any]) -> bool:
    try:
        call()
    except Exception:  # noqa: BLE001 - moto raises NotImplementedError, or the service's error
        return True
    return False


def gaps_still_there() -> dict[str, bool]:
    """For each bridge and patch, whether moto (in this process, unpatched) still behaves as it names.

    Run in a fresh interpreter (``e2e/test_harness.py``): the patches change moto for the whole process.
    """
    import boto3
    from moto import mock_aws

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")

    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
         "Resource": ["arn:aws:s3:::e2e-state", "arn:aws:s3:::e2e-state/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "ServerAccessLogDelivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::e2e-access-logs/s3/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}
    found: dict[str, bool] = {}
    with mock_aws():
        s3 = client("s3")
        for bucket in ("e2e-state", "e2e-access-logs", "e2e-data"):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket="e2e-state", Policy=json.dumps({**policy, "Statement": policy["Statement"][:1]}))
        s3.put_bucket_policy(Bucket="e2e-access-logs", Policy=json.dumps({**policy, "Statement": policy["Statement"][1:]}))
        found["s3-bucket-policy-conditions"] = _moto_fails(lambda: s3.put_object(Bucket="e2e-state", Key="k", Body=b"x"))
        found["s3-logging-target-policy"] = _moto_fails(lambda: s3.put_bucket_logging(
            Bucket="e2e-data", BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "e2e-access-logs",
                                                                      "TargetPrefix": "s3/data/"}}))
        autoscaling = client("application-autoscaling")
        target = autoscaling.register_scalable_target(
            ServiceNamespace="dynamodb", ResourceId="table/t", ScalableDimension="dynamodb:table:ReadCapacityUnits",
            MinCapacity=1, MaxCapacity=2)["ScalableTargetARN"]
        found["application-autoscaling-tags"] = _moto_fails(lambda: autoscaling.list_tags_for_resource(ResourceARN=target))
        budgets = client("budgets")
        notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 50.0}
        budgets.create_budget(AccountId="123456789012", Budget={
            "BudgetName": "b", "BudgetLimit": {"Amount": "10", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST"}, NotificationsWithSubscribers=[{"Notification": notification, "Subscribers": [
                {"SubscriptionType": "EMAIL", "Address": "a@example.com"}]}])
        found["budgets-tags"] = _moto_fails(lambda: budgets.list_tags_for_resource(
            ResourceARN="arn:aws:budgets::123456789012:budget/b"))
        found["budgets-subscribers"] = _moto_fails(lambda: budgets.describe_subscribers_for_notification(
            AccountId="123456789012", BudgetName="b", Notification=notification))
        rds, standby = client("rds"), boto3.client("rds", region_name="us-west-2", aws_access_key_id="test",
                                                   aws_secret_access_key="test")
        source = rds.create_db_instance(DBInstanceIdentifier="db", DBInstanceClass="db.t4g.micro", Engine="postgres",
                                        MasterUsername="u", MasterUserPassword="password1")["DBInstance"]["DBInstanceArn"]
        found["rds-automated-backups-replication"] = _moto_fails(
            lambda: standby.start_db_instance_automated_backups_replication(SourceDBInstanceArn=source))
        ec2 = boto3.client("ec2", region_name="us-west-2", aws_access_key_id="test", aws_secret_access_key="test")
        subnets = [ec2.create_subnet(VpcId=ec2.describe_vpcs()["Vpcs"][0]["VpcId"], CidrBlock=f"172.31.{200 + i}.0/24",
                                     AvailabilityZone=f"us-west-2{zone}")["Subnet"]["SubnetId"]
                   for i, zone in enumerate("ab")]
        standby.create_db_subnet_group(DBSubnetGroupName="standby", DBSubnetGroupDescription="d", SubnetIds=subnets)
        found["rds-cross-region-replica-subnet-group"] = _moto_fails(lambda: standby.create_db_instance_read_replica(
            DBInstanceIdentifier="replica", SourceDBInstanceIdentifier=source, DBSubnetGroupName="standby"))
    return found


def moto_refuses_scoped_statements() -> bool:
    """Whether moto's own IAM enforcement still refuses a call that a statement naming the resource allows.

    moto 5.2.5 matches a statement's ``Resource`` only for S3, IAM roles, STS AssumeRole and SQS; for every other
    service it evaluates the request as resource ``*``, which no ARN matches. So ``make e2e`` keeps moto's
    enforcement off and judges every call itself (docs/emulator.md). Run in a fresh interpreter.
    """
    import boto3
    from moto import mock_aws
    from moto.core.authorization import enable_iam_authentication

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        iam.create_user(UserName="deployer")
        iam.put_user_policy(UserName="deployer", PolicyName="cluster", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:CreateCluster",
                                                    "Resource": "arn:aws:ecs:us-east-1:123456789012:cluster/c"}]}))
        key = iam.create_access_key(UserName="deployer")["AccessKey"]
        ecs = boto3.client("ecs", region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                           aws_secret_access_key=key["SecretAccessKey"])
        with enable_iam_authentication():
            return _moto_fails(lambda: ecs.create_cluster(clusterName="c"))
