"""What IAM authorizes for each recorded call: the action, the resource ARN(s) and the condition context.

One API call can need several permissions: ``kms:CreateAlias`` on the alias *and* on the key; a call that
names a role passes it (``iam:PassRole`` with ``iam:PassedToService``); tags given on create need the
service's tagging action; Secrets Manager decrypts with the secret's key *as the caller* (``kms:Decrypt``);
an S3 object encrypted with a KMS key needs the key too. :func:`requests_for` returns every one of them, as
``constructs_lib.aws.iam_evaluation.Request`` objects, or ``None`` when it cannot tell (the call is then
listed as unmapped, never dropped). Sources: the AWS Service Authorization Reference (actions, resource
types, dependent actions) and each service's guide (KMS "Controlling access to aliases", Secrets Manager
"Authentication and access control", S3 "Actions for object operations").

What the emulator knows at the moment of the call (a key's ARN and tags, the key of a secret, a role's
boundary) is read from moto's models through :class:`Facts`, before moto handles the call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from constructs_lib.aws.iam_evaluation import Request

from .emulator import Call

#: Signing names whose IAM service prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch"}
#: Calls IAM does not authorize.
UNAUTHORIZED = {("sts", "GetCallerIdentity"), ("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRole")}
#: The service a role named in a call is passed to (iam:PassedToService), by (service, operation).
PASSED_TO = {
    ("ecs", "RegisterTaskDefinition"): "ecs-tasks.amazonaws.com", ("ecs", "CreateService"): "ecs.amazonaws.com",
    ("ecs", "UpdateService"): "ecs.amazonaws.com", ("ec2", "CreateFlowLogs"): "vpc-flow-logs.amazonaws.com",
    ("rds", "CreateDBInstance"): "monitoring.rds.amazonaws.com", ("rds", "ModifyDBInstance"): "monitoring.rds.amazonaws.com",
    ("s3", "PUT replication"): "s3.amazonaws.com", ("application-autoscaling", "RegisterScalableTarget"):
        "application-autoscaling.amazonaws.com",
}
#: Tags given when a resource is created need the service's tagging action too.
TAG_ON_CREATE = {
    "ecs": "ecs:TagResource", "ec2": "ec2:CreateTags", "kms": "kms:TagResource", "logs": "logs:TagResource",
    "sns": "sns:TagResource", "wafv2": "wafv2:TagResource", "elasticloadbalancing": "elasticloadbalancing:AddTags",
    "rds": "rds:AddTagsToResource", "iam": "iam:TagRole", "secretsmanager": "secretsmanager:TagResource",
    "application-autoscaling": "application-autoscaling:TagResource", "budgets": "budgets:TagResource",
    "ecr": "ecr:TagResource", "acm": "acm:AddTagsToCertificate", "monitoring": "cloudwatch:TagResource",
    "servicediscovery": "servicediscovery:TagResource",
}
_ROLE_ARN = re.compile(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]+")
_EC2_ID = re.compile(r"(vpc|subnet|rtb|igw|nat|sg|eipalloc|vpce|fl|sgr|acl)-[0-9a-f]+")
_EC2_TYPES = {"vpc": "vpc", "subnet": "subnet", "rtb": "route-table", "igw": "internet-gateway", "nat": "natgateway",
              "sg": "security-group", "eipalloc": "elastic-ip", "vpce": "vpc-endpoint", "fl": "vpc-flow-log",
              "sgr": "security-group-rule", "acl": "network-acl"}
_EC2_CREATES = {"CreateVpc": "vpc", "CreateSubnet": "subnet", "CreateRouteTable": "route-table",
                "CreateInternetGateway": "internet-gateway", "CreateNatGateway": "natgateway",
                "CreateSecurityGroup": "security-group", "AllocateAddress": "elastic-ip",
                "CreateVpcEndpoint": "vpc-endpoint", "CreateFlowLogs": "vpc-flow-log"}


class Facts:
    """What moto holds right now, in its models (moto 5.2.5; ``e2e/test_harness.py`` covers each lookup)."""

    def key_arn(self, call: Call, key: str) -> str | None:
        """The ARN of a KMS key given by ID, ARN, alias name or alias ARN."""
        found = self._key(call, key)
        return found.arn if found is not None else None

    def key_tags(self, call: Call, key: str) -> dict[str, str]:
        found = self._key(call, key)
        if found is None:
            return {}
        backend = self._kms(call)
        return {tag["TagKey"]: tag["TagValue"] for tag in backend.list_resource_tags(found.id)["Tags"]}

    def secret_key(self, call: Call, secret: str) -> tuple[str, str] | None:
        """The ARN of a secret and the key ID it is encrypted with (``""``: the AWS managed key)."""
        from moto.secretsmanager.models import secretsmanager_backends

        try:
            found = secretsmanager_backends[call.account][call.region].describe_secret(secret)
        except Exception:  # noqa: BLE001 - moto raises its own not-found types
            return None
        return found.arn, found.kms_key_id or ""

    def role_arn(self, call: Call, role: str) -> str | None:
        """A role's ARN (with its path), by name."""
        from moto.iam.models import iam_backends

        try:
            return iam_backends[call.account]["aws"].get_role(role).arn
        except Exception:  # noqa: BLE001
            return None

    def role_boundary(self, call: Call, role: str) -> str | None:
        from moto.iam.models import iam_backends

        try:
            return iam_backends[call.account]["aws"].get_role(role).permissions_boundary_arn
        except Exception:  # noqa: BLE001
            return None

    def object_key(self, call: Call, bucket: str, name: str) -> str | None:
        """The KMS key an S3 object is encrypted with, if any."""
        from moto.s3.models import s3_backends

        try:
            found = s3_backends[call.account]["aws"].get_object(bucket, name)
        except Exception:  # noqa: BLE001
            return None
        return found.kms_key_id if found is not None and found.encryption == "aws:kms" else None

    def _kms(self, call: Call) -> Any:
        from moto.kms.models import kms_backends

        return kms_backends[call.account][call.region]

    def _key(self, call: Call, key: str) -> Any:
        backend = self._kms(call)
        try:
            return backend.keys[backend.any_id_to_key_id(key)]
        except Exception:  # noqa: BLE001
            return None


def requests_for(call: Call, facts: Facts) -> list[Request] | None:
    """Every permission ``call`` needs (``[]``: none), or ``None`` when the mapping does not know the call."""
    if (call.service, call.operation) in UNAUTHORIZED:
        return []
    mapper = MAPPERS.get(call.service)
    found = mapper(call, facts) if mapper is not None else None
    if found is None:
        return None
    requests = [_request(call, action, resource, context) for action, resource, context in found]
    requests += [_request(call, "iam:PassRole", role, {"iam:PassedToService": service})
                 for role, service in _passed_roles(call)]
    return requests


Needed = tuple[str, str, dict[str, Any]]  # action, resource ARN, extra condition context


def _request(call: Call, action: str, resource: str, context: dict[str, Any]) -> Request:
    base: dict[str, Any] = {"aws:RequestedRegion": call.region, **_request_tags(call)}
    return Request(action, resource, {**base, **context})


def _request_tags(call: Call) -> dict[str, Any]:
    tags = dict(_tags(call.params))
    if not tags:
        return {}
    return {"aws:TagKeys": tuple(tags), **{f"aws:RequestTag/{key}": value for key, value in tags.items()}}


def _tags(params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Tags in a request, in any of the shapes the services use."""
    for name in ("Tags", "tags", "ResourceTags"):
        value = params.get(name)
        if isinstance(value, dict):
            yield from value.items()
        elif isinstance(value, list):
            for tag in value:
                key = tag.get("Key", tag.get("key", tag.get("TagKey")))
                yield key, tag.get("Value", tag.get("value", tag.get("TagValue", "")))
    flat = {key: value for key, value in params.items() if re.fullmatch(r"(TagSpecification\.1\.)?Tags?\.(member\.)?\d+\.Key", key)}
    for key, value in flat.items():
        yield value, params.get(key[:-3] + "Value", "")


def _passed_roles(call: Call) -> list[tuple[str, str]]:
    operation = f"{call.operation} replication" if call.service == "s3" and "replication" in call.params else call.operation
    service = PASSED_TO.get((call.service, operation))
    if service is None:
        return []
    return sorted({(role, service) for role in _ROLE_ARN.findall(f"{call.params} {call.body}")})  # S3: the body


def _arn(call: Call, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
    return f"arn:aws:{service}:{call.region if region else ''}:{call.account if account else ''}:{resource}"


def _tagged(call: Call, needed: list[Needed]) -> list[Needed]:
    """Adds the tagging action a create call with tags needs, on the resources it creates."""
    action = TAG_ON_CREATE.get(call.service)
    if action is None or not dict(_tags(call.params)) or not needed:
        return needed
    return [*needed, (action, needed[0][1], {})]


def _action(call: Call) -> str:
    return f"{IAM_PREFIX.get(call.service, call.service)}:{call.operation}"


def _ec2(call: Call, facts: Facts) -> list[Needed] | None:
    if call.operation.startswith("Describe"):
        return [(_action(call), "*", {})]
    ids = sorted({value for value in call.params.values() if isinstance(value, str) and _EC2_ID.fullmatch(value)})
    resources = [_arn(call, "ec2", f"{_EC2_TYPES[value.split('-')[0]]}/{value}") for value in ids]
    created = _EC2_CREATES.get(call.operation)
    if created is not None:
        resources.insert(0, _arn(call, "ec2", f"{created}/*"))
    if not resources:  # the call names no resource by ID (an association): judged on "*"
        resources = ["*"]
    needed = [(_action(call), resource, {}) for resource in resources]
    return _tagged(call, needed[:1]) + needed[1:] if created else needed


def _ecs(call: Call, facts: Facts) -> list[Needed] | None:
    params, operation = call.params, call.operation
    cluster = str(params.get("cluster", "default")).rsplit("/", 1)[-1]
    if operation in ("RegisterTaskDefinition", "DeregisterTaskDefinition", "DescribeTaskDefinition") \
            or operation.startswith("List") and operation != "ListTagsForResource":
        needed = [(_action(call), "*", {})]
    elif "resourceArn" in params:
        needed = [(_action(call), params["resourceArn"], {})]
    elif operation == "CreateCluster":
        needed = [(_action(call), _arn(call, "ecs", f"cluster/{params['clusterName']}"), {})]
    elif operation == "DescribeClusters":
        needed = [(_action(call), _arn(call, "ecs", f"cluster/{name.rsplit('/', 1)[-1]}"), {})
                  for name in params.get("clusters", ["default"])]
    elif "services" in params or "serviceName" in params or "service" in params:
        names = params.get("services") or [params.get("serviceName") or params["service"]]
        needed = [(_action(call), _arn(call, "ecs", f"service/{cluster}/{name.rsplit('/', 1)[-1]}"), {})
                  for name in names]
    elif "cluster" in params:
        needed = [(_action(call), _arn(call, "ecs", f"cluster/{cluster}"), {})]
    else:
        return None
    if operation == "RegisterTaskDefinition" and params.get("tags"):
        family = params["family"]
        return [*needed, ("ecs:TagResource", _arn(call, "ecs", f"task-definition/{family}:*"), {})]
    return _tagged(call, needed) if operation.startswith("Create") else needed


def _kms(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    if call.operation in ("CreateKey", "ListAliases", "ListKeys"):
        return _tagged(call, [(action, "*", {})])
    if call.operation in ("CreateAlias", "UpdateAlias", "DeleteAlias"):
        alias = params["AliasName"]
        keys = [params["TargetKeyId"]] if "TargetKeyId" in params else []
        if call.operation != "CreateAlias":
            keys.append(alias)  # the key the alias points to now
        needed = [(action, _arn(call, "kms", alias), {})]
        return needed + [(action, *_key(call, facts, key)) for key in keys]
    if "KeyId" in params:
        return [(action, *_key(call, facts, params["KeyId"]))]
    return None


def _key(call: Call, facts: Facts, key: str, via: str = "", **context: Any) -> tuple[str, dict[str, Any]]:
    """A key's ARN and the condition context KMS sees: the key's tags (``aws:ResourceTag/*``), and for a call a
    service makes on the caller's behalf ``kms:ViaService`` (``via``: the service's prefix) and ``context``."""
    arn = facts.key_arn(call, key) or (key if key.startswith("arn:") else _arn(call, "kms", f"key/{key}"))
    tags = {f"aws:ResourceTag/{name}": value for name, value in facts.key_tags(call, key).items()}
    service = {"kms:ViaService": f"{via}.{call.region}.amazonaws.com", "kms:CallerAccount": call.account} if via else {}
    return arn, {**tags, **service, **context}


def _secretsmanager(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    if call.operation == "CreateSecret":
        arn = _arn(call, "secretsmanager", f"secret:{params['Name']}-??????")
        needed = _tagged(call, [(action, arn, {})])
        if params.get("AddReplicaRegions"):
            needed.append(("secretsmanager:ReplicateSecretToRegions", arn, {}))
        if params.get("KmsKeyId"):  # the caller encrypts with the key (Secrets Manager calls KMS as the caller)
            needed.append(("kms:GenerateDataKey", *_key(call, facts, params["KmsKeyId"], "secretsmanager",
                                                       **{"kms:EncryptionContext:SecretARN": arn})))
        return needed
    if "SecretId" not in params:
        return [(action, "*", {})] if call.operation.startswith("List") else None
    found = facts.secret_key(call, params["SecretId"])
    arn = found[0] if found else params["SecretId"]
    needed = [(action, arn, {})]
    if found and found[1] and call.operation in ("GetSecretValue", "PutSecretValue", "UpdateSecret"):
        kms_action = "kms:Decrypt" if call.operation == "GetSecretValue" else "kms:GenerateDataKey"
        needed.append((kms_action, *_key(call, facts, found[1], "secretsmanager",
                                         **{"kms:EncryptionContext:SecretARN": arn})))
    return needed


def _arn_params(call: Call) -> list[str]:
    """ARNs the call names in its top-level parameters (``*Arn``, ``ResourceArns.member.N``, ...)."""
    found = []
    for name, value in call.params.items():
        named = re.fullmatch(r"\w*(Arn|ARN)|\w+Arns\.member\.\d+", name)
        if named and isinstance(value, str) and value.startswith("arn:") and not _ROLE_ARN.fullmatch(value):
            found.append(value)
    return found


def _by_arn_or(create: Callable[[Call], str | None]) -> Callable[[Call, Facts], list[Needed] | None]:
    """A service whose calls name their resource by ARN; ``create`` gives the ARN a create call makes."""
    def mapper(call: Call, facts: Facts) -> list[Needed] | None:
        action = _action(call)
        if call.operation.startswith(("Describe", "List", "Get")) and not _arn_params(call) \
                or call.operation in ("CheckCapacity",):
            made = create(call)
            return [(action, made or "*", {})]
        created = create(call)
        if created is not None:
            return _tagged(call, [(action, created, {})])
        arns = _arn_params(call)
        return [(action, arn, {}) for arn in arns] if arns else None
    return mapper


def _elb_create(call: Call) -> str | None:
    name = call.params.get("Name", "")
    if call.operation == "CreateLoadBalancer":
        return _arn(call, "elasticloadbalancing", f"loadbalancer/app/{name}/*")
    if call.operation == "CreateTargetGroup":
        return _arn(call, "elasticloadbalancing", f"targetgroup/{name}/*")
    if call.operation in ("CreateListener", "CreateRule"):
        parent = call.params.get("LoadBalancerArn") or call.params.get("ListenerArn")
        return parent
    return None


def _sns_create(call: Call) -> str | None:
    if call.operation == "CreateTopic":
        return _arn(call, "sns", call.params["Name"])
    return call.params.get("TopicArn") if call.operation == "Subscribe" else None


def _wafv2_create(call: Call) -> str | None:
    kinds = {"CreateWebACL": "webacl", "CreateIPSet": "ipset"}
    if call.operation in kinds:
        return _arn(call, "wafv2", f"regional/{kinds[call.operation]}/{call.params['Name']}/*")
    if call.operation in ("GetWebACL", "GetIPSet", "UpdateWebACL", "UpdateIPSet", "DeleteWebACL", "DeleteIPSet"):
        kind = "webacl" if "WebACL" in call.operation else "ipset"
        return _arn(call, "wafv2", f"regional/{kind}/{call.params['Name']}/{call.params['Id']}")
    if call.operation == "PutLoggingConfiguration":
        return call.params["LoggingConfiguration"]["ResourceArn"]
    return None


def _logs(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    if "logGroupName" in params:
        arn = _arn(call, "logs", f"log-group:{params['logGroupName']}")
        return _tagged(call, [(action, arn, {})]) if call.operation == "CreateLogGroup" else [(action, arn, {})]
    if "resourceArn" in params:
        return [(action, params["resourceArn"].removesuffix(":*"), {})]
    if call.operation.startswith("Describe") or call.operation.endswith(("Delivery", "Deliveries", "ResourcePolicy")):
        return [(action, "*", {})]
    return None


def _cloudwatch(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    if "AlarmName" in params:
        return _tagged(call, [(action, _arn(call, "cloudwatch", f"alarm:{params['AlarmName']}"), {})])
    names = [value for key, value in params.items() if key.startswith("AlarmNames.member.")]
    if names or call.operation == "DeleteAlarms":
        return [(action, _arn(call, "cloudwatch", f"alarm:{name}"), {}) for name in names]
    dashboards = [params.get("DashboardName")] + [v for k, v in params.items() if k.startswith("DashboardNames.member.")]
    if any(dashboards):
        return [(action, _arn(call, "cloudwatch", f"dashboard/{name}", region=False), {}) for name in dashboards if name]
    if "ResourceARN" in params:
        return [(action, params["ResourceARN"], {})]
    return [(action, "*", {})] if call.operation.startswith(("Describe", "List")) else None


def _iam(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    if "RoleName" in params:
        context: dict[str, Any] = {}
        boundary = params.get("PermissionsBoundary") if call.operation in ("CreateRole", "PutRolePermissionsBoundary") \
            else facts.role_boundary(call, params["RoleName"])
        if boundary:
            context["iam:PermissionsBoundary"] = boundary
        if "PolicyArn" in params:
            context["iam:PolicyARN"] = params["PolicyArn"]
        role = facts.role_arn(call, params["RoleName"]) if call.operation != "CreateRole" else None
        path = params.get("Path", "/")
        needed = [(action, role or _arn(call, "iam", f"role{path}{params['RoleName']}", region=False), context)]
        return _tagged(call, needed) if call.operation == "CreateRole" else needed
    if call.operation == "CreateServiceLinkedRole":
        service = params["AWSServiceName"]
        return [(action, _arn(call, "iam", f"role/aws-service-role/{service}/*", region=False),
                 {"iam:AWSServiceName": service})]
    for name in ("PolicyArn", "OpenIDConnectProviderArn"):
        if name in params:
            return [(action, params[name], {})]
    return None


def _budgets(call: Call, facts: Facts) -> list[Needed] | None:
    params = call.params
    name = params.get("BudgetName") or params.get("Budget", {}).get("BudgetName")
    arn = params.get("ResourceARN") or (f"arn:aws:budgets::{call.account}:budget/{name}" if name else None)
    if arn is None:
        return None
    if call.operation in ("ListTagsForResource", "TagResource", "UntagResource"):
        return [(_action(call), arn, {})]
    # Budgets authorizes reads as ViewBudget and every change as ModifyBudget.
    action = "budgets:ViewBudget" if call.operation.startswith("Describe") else "budgets:ModifyBudget"
    needed = [(action, arn, {})]
    return [*needed, ("budgets:TagResource", arn, {})] if params.get("ResourceTags") else needed


def _application_autoscaling(call: Call, facts: Facts) -> list[Needed] | None:
    action = _action(call)
    if call.operation in ("ListTagsForResource", "TagResource", "UntagResource"):
        return [(action, call.params["ResourceARN"], {})]
    # Scalable targets are authorized by a generated ID (scalable-target/...) once they exist, "*" before.
    needed = [(action, "*", {})]
    return _tagged(call, needed) if call.params.get("Tags") else needed


#: S3 subresource (query parameter) -> IAM action for GET, PUT, DELETE on a bucket.
_S3_BUCKET = {
    "": ("s3:ListBucket", "s3:CreateBucket", "s3:DeleteBucket"), "versioning": ("s3:GetBucketVersioning",
    "s3:PutBucketVersioning", None), "lifecycle": ("s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration",
    "s3:PutLifecycleConfiguration"), "policy": ("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
    "acl": ("s3:GetBucketAcl", "s3:PutBucketAcl", None), "cors": ("s3:GetBucketCORS", "s3:PutBucketCORS",
    "s3:PutBucketCORS"), "encryption": ("s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration",
    "s3:PutEncryptionConfiguration"), "logging": ("s3:GetBucketLogging", "s3:PutBucketLogging", None),
    "ownershipControls": ("s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls",
    "s3:PutBucketOwnershipControls"), "publicAccessBlock": ("s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"), "tagging": ("s3:GetBucketTagging",
    "s3:PutBucketTagging", "s3:PutBucketTagging"), "website": ("s3:GetBucketWebsite", "s3:PutBucketWebsite",
    "s3:DeleteBucketWebsite"), "accelerate": ("s3:GetAccelerateConfiguration", "s3:PutAccelerateConfiguration", None),
    "requestPayment": ("s3:GetBucketRequestPayment", "s3:PutBucketRequestPayment", None), "replication": (
    "s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration", "s3:PutReplicationConfiguration"),
    "object-lock": ("s3:GetBucketObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration", None),
    "notification": ("s3:GetBucketNotification", "s3:PutBucketNotification", None),
    "location": ("s3:GetBucketLocation", None, None), "versions": ("s3:ListBucketVersions", None, None),
    "uploads": ("s3:ListBucketMultipartUploads", None, None), "policyStatus": ("s3:GetBucketPolicyStatus", None, None),
}


def _s3(call: Call, facts: Facts) -> list[Needed] | None:
    if call.path.startswith("/v20180820/"):  # S3 Control (it signs as s3): the account's public access block
        action = {"GET": "s3:GetAccountPublicAccessBlock", "PUT": "s3:PutAccountPublicAccessBlock",
                  "DELETE": "s3:PutAccountPublicAccessBlock"}.get(call.operation)
        return [(action, "*", {})] if call.path.endswith("/configuration/publicAccessBlock") and action else None
    bucket, _, name = call.path.lstrip("/").partition("/")
    method = "GET" if call.operation == "HEAD" else call.operation
    if not bucket:
        return [("s3:ListAllMyBuckets", "*", {})]
    if name:
        return _s3_object(call, facts, bucket, name, method)
    subresources = [key for key in call.params if key in _S3_BUCKET] or [""]
    actions = _S3_BUCKET[subresources[0]]
    index = {"GET": 0, "PUT": 1, "DELETE": 2}.get(method)
    action = actions[index] if index is not None else None
    if call.operation == "POST" and "delete" in call.params:  # DeleteObjects: each object's own permission
        return [("s3:DeleteObjectVersion" if version else "s3:DeleteObject", f"arn:aws:s3:::{bucket}/{key}", {})
                for key, version in re.findall(r"<Key>([^<]*)</Key>(?:\s*<VersionId>([^<]*)</VersionId>)?", call.body)]
    return [(action, f"arn:aws:s3:::{bucket}", {})] if action else None


def _s3_object(call: Call, facts: Facts, bucket: str, name: str, method: str) -> list[Needed] | None:
    version = "Version" if "versionId" in call.params else ""
    if "tagging" in call.params:
        action = {"GET": f"s3:GetObject{version}Tagging", "PUT": f"s3:PutObject{version}Tagging",
                  "DELETE": f"s3:DeleteObject{version}Tagging"}.get(method)
    else:
        action = {"GET": f"s3:GetObject{version}", "PUT": "s3:PutObject", "DELETE": f"s3:DeleteObject{version}"}.get(method)
    if action is None:
        return None
    needed: list[Needed] = [(action, f"arn:aws:s3:::{bucket}/{name}", {})]
    if method == "PUT" and (key := call.request_headers.get("x-amz-server-side-encryption-aws-kms-key-id")):
        needed.append(("kms:GenerateDataKey", *_key(call, facts, key, "s3")))
    elif call.operation == "GET" and (key := facts.object_key(call, bucket, name)):
        needed.append(("kms:Decrypt", *_key(call, facts, key, "s3")))
    return needed


#: RDS calls that encrypt with the key given (``KmsKeyId``), creating a grant as the caller.
_RDS_GRANTING = ("CreateDBInstance", "CreateDBInstanceReadReplica", "StartDBInstanceAutomatedBackupsReplication")


def _rds(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    kinds = (("DBInstanceIdentifier", "db"), ("DBSubnetGroupName", "subgrp"), ("DBParameterGroupName", "pg"),
             ("OptionGroupName", "og"), ("DBSnapshotIdentifier", "snapshot"))
    needed = [(action, _arn(call, "rds", f"{kind}:{params[name]}"), {}) for name, kind in kinds if params.get(name)]
    for name in ("ResourceName", "SourceDBInstanceIdentifier", "SourceDBInstanceArn", "DBInstanceAutomatedBackupsArn"):
        if str(params.get(name, "")).startswith("arn:"):  # a source in another region, or a resource by ARN
            needed.append((action, params[name], {}))
    if params.get("FinalDBSnapshotIdentifier") and params.get("SkipFinalSnapshot") != "true":
        needed.append(("rds:CreateDBSnapshot", _arn(call, "rds", f"snapshot:{params['FinalDBSnapshotIdentifier']}"), {}))
    if call.operation in _RDS_GRANTING and params.get("KmsKeyId"):  # RDS creates a grant as the caller
        needed += [(kms, *_key(call, facts, params["KmsKeyId"], "rds", **{"kms:GrantIsForAWSResource": "true"}))
                   for kms in ("kms:DescribeKey", "kms:CreateGrant")]
    if params.get("ManageMasterUserPassword") == "true":  # RDS creates the secret rds!db-<id> as the caller
        secret = _arn(call, "secretsmanager", "secret:rds!db-*")
        needed += [("secretsmanager:CreateSecret", secret, {}), ("secretsmanager:TagResource", secret, {})]
        if params.get("MasterUserSecretKmsKeyId"):
            needed += [(kms, *_key(call, facts, params["MasterUserSecretKmsKeyId"], "secretsmanager",
                                   **({"kms:GrantIsForAWSResource": "true"} if kms == "kms:CreateGrant" else {})))
                       for kms in ("kms:DescribeKey", "kms:GenerateDataKey", "kms:CreateGrant")]
    if not needed:
        return [(action, "*", {})] if call.operation.startswith("Describe") else None
    return _tagged(call, needed) if call.operation.startswith("Create") else needed


def _acm(call: Call, facts: Facts) -> list[Needed] | None:
    if "CertificateArn" in call.params:
        return [(_action(call), call.params["CertificateArn"], {})]
    if call.operation == "RequestCertificate":  # tags given are added to the certificate the call creates
        needed: list[Needed] = [(_action(call), "*", {})]
        return needed + [("acm:AddTagsToCertificate", _arn(call, "acm", "certificate/*"), {})] \
            if dict(_tags(call.params)) else needed
    return [(_action(call), "*", {})] if call.operation == "ListCertificates" else None


#: ECR creates this service-linked role, as the caller, the first time replication is configured.
ECR_REPLICATION_SERVICE = "replication.ecr.amazonaws.com"


def _ecr(call: Call, facts: Facts) -> list[Needed] | None:
    if call.operation == "PutReplicationConfiguration":
        role = _arn(call, "iam", f"role/aws-service-role/{ECR_REPLICATION_SERVICE}/AWSServiceRoleForECRReplication",
                    region=False)
        return [(_action(call), "*", {}),
                ("iam:CreateServiceLinkedRole", role, {"iam:AWSServiceName": ECR_REPLICATION_SERVICE})]
    if "repositoryName" in call.params:
        needed = [(_action(call), _arn(call, "ecr", f"repository/{call.params['repositoryName']}"), {})]
        return _tagged(call, needed) if call.operation == "CreateRepository" else needed
    if "resourceArn" in call.params:
        return [(_action(call), call.params["resourceArn"], {})]
    return [(_action(call), "*", {})] if call.operation in (
        "DescribeRegistry", "PutReplicationConfiguration", "GetAuthorizationToken", "DescribeRepositories") else None


#: What Cloud Map's calls need besides their own action, as the Cloud Map API permissions reference lists them
#: (docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html): creating a private namespace creates
#: its Route 53 zone as the caller; deleting it needs servicediscovery:DeleteNamespace only.
_NAMESPACE_ZONE_ACTIONS = {
    "CreatePrivateDnsNamespace": ("ec2:DescribeVpcs", "ec2:DescribeRegions", "route53:CreateHostedZone",
                                  "route53:GetHostedZone", "route53:ListHostedZonesByName"),
}


def _servicediscovery(call: Call, facts: Facts) -> list[Needed] | None:
    params, action = call.params, _action(call)
    if "ResourceARN" in params:
        return [(action, params["ResourceARN"], {})]
    ids = [value for key, value in params.items() if key in ("Id", "NamespaceId", "ServiceId") and isinstance(value, str)]
    kinds = {"ns": "namespace", "srv": "service"}
    resources = [_arn(call, "servicediscovery", f"{kinds[value.split('-')[0]]}/{value}") for value in ids
                 if value.split("-")[0] in kinds]
    if not resources:
        if not (call.operation.startswith(("Create", "List", "GetOperation"))):
            return None
        resources = ["*"]
    needed = [(action, resource, {}) for resource in resources]
    needed += [(dependent, "*", {}) for dependent in _NAMESPACE_ZONE_ACTIONS.get(call.operation, ())]
    return _tagged(call, needed) if call.operation.startswith("Create") else needed


#: Route 53's REST paths (API version 2013-04-01) -> the action of each method; the resource is the zone, health
#: check or change the path names (``*`` when it names none).
_ROUTE53 = {
    r"hostedzone/(?P<hostedzone>[^/]+)/rrset/?": {"POST": "ChangeResourceRecordSets", "GET": "ListResourceRecordSets"},
    r"hostedzone/(?P<hostedzone>[^/]+)": {"GET": "GetHostedZone"},
    r"hostedzonesbyname": {"GET": "ListHostedZonesByName"},
    r"hostedzone": {"GET": "ListHostedZones"},
    r"healthcheck": {"POST": "CreateHealthCheck"},
    r"healthcheck/(?P<healthcheck>[^/]+)": {"GET": "GetHealthCheck", "POST": "UpdateHealthCheck",
                                           "DELETE": "DeleteHealthCheck"},
    r"tags/(?P<kind>healthcheck|hostedzone)/(?P<id>[^/]+)": {"GET": "ListTagsForResource",
                                                             "POST": "ChangeTagsForResource"},
    r"change/(?P<change>[^/]+)": {"GET": "GetChange"},
}


def _route53(call: Call, facts: Facts) -> list[Needed] | None:
    path = call.path.removeprefix("/2013-04-01/")
    for pattern, actions in _ROUTE53.items():
        found = re.fullmatch(pattern, path)
        if found and call.operation in actions:
            named = found.groupdict()
            kind = named.pop("kind", None)
            resource = f"{kind}/{named['id']}" if kind else next(
                (f"{name}/{value}" for name, value in named.items() if value), "")
            return [(f"route53:{actions[call.operation]}", f"arn:aws:route53:::{resource}" if resource else "*", {})]
    return None


MAPPERS: dict[str, Callable[[Call, Facts], list[Needed] | None]] = {
    "rds": _rds, "acm": _acm, "route53": _route53, "ecr": _ecr, "servicediscovery": _servicediscovery,
    "ec2": _ec2, "ecs": _ecs, "kms": _kms, "secretsmanager": _secretsmanager, "logs": _logs, "iam": _iam,
    "monitoring": _cloudwatch, "budgets": _budgets, "application-autoscaling": _application_autoscaling, "s3": _s3,
    "elasticloadbalancing": _by_arn_or(_elb_create), "sns": _by_arn_or(_sns_create), "wafv2": _by_arn_or(_wafv2_create),
}
