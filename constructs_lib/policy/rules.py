"""The guardrails every stack gets: tags and labels, log retention, buckets, IAM, ingress, containers.

Each rule reads the synthesized JSON of one stack; what it cannot read at synth time (a value that is
a Terraform expression) it does not claim either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .document import Element, StackDocument, as_list, block, blocks, is_number, is_true, parse_json, strings
from .model import Finding, ResourceTraits, Rule, Settings, TraitsLookup, of_types

# --- tags and labels -----------------------------------------------------------------------------------


def _default_tags(provider: dict[str, Any]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for default in blocks(provider.get("default_tags")):
        tags.update(default.get("tags") or {})
    return tags


def _default_labels(provider: dict[str, Any]) -> dict[str, Any]:
    labels = provider.get("default_labels")
    return dict(labels) if isinstance(labels, dict) else {}


def _missing_keys(
    stack: StackDocument, traits: TraitsLookup, *, applies: Callable[[ResourceTraits], bool], required: tuple[str, ...],
    defaults: Callable[[dict[str, Any]], dict[str, Any]], own: tuple[str, ...], noun: str, provider_attribute: str,
) -> Iterator[Finding]:
    """Resources that, with their provider's defaults, lack one of the ``required`` tag or label keys."""
    for element in stack.resources:
        if not applies(traits(element.type)):
            continue
        carried = defaults(stack.provider(element))
        for key in own:
            value = element.get(key)
            carried.update(value if isinstance(value, dict) else {})
        missing = [key for key in required if not (isinstance(carried.get(key), str) and carried[key].strip())]
        if missing:
            yield Finding(element, f"missing {noun}(s) {', '.join(missing)} (neither on the resource nor in the "
                                   f"provider's {provider_attribute})")


def _required_tags(stack: StackDocument, settings: Settings, traits: TraitsLookup) -> Iterator[Finding]:
    return _missing_keys(stack, traits, applies=lambda kind: kind.taggable, required=settings.required_tags,
                         defaults=_default_tags, own=("tags",), noun="tag", provider_attribute="default_tags")


def _required_labels(stack: StackDocument, settings: Settings, traits: TraitsLookup) -> Iterator[Finding]:
    # GKE clusters call their labels resource_labels.
    return _missing_keys(stack, traits, applies=lambda kind: kind.labelable, required=settings.required_labels,
                         defaults=_default_labels, own=("labels", "resource_labels"), noun="label",
                         provider_attribute="default_labels")


# --- logs and buckets ----------------------------------------------------------------------------------


def _log_retention(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for element in stack.of_type("aws_cloudwatch_log_group"):
        days = element.get("retention_in_days")
        if days is None or (is_number(days) and days <= 0):
            yield Finding(element, "retention_in_days is not set: CloudWatch keeps these logs forever")


_S3_REFERENCES = ("id", "bucket")


def _s3_companions(stack: StackDocument, bucket: Element, companion_type: str) -> list[Element]:
    """The resources of ``companion_type`` (versioning, public access block, ACL) that configure ``bucket``."""
    name = bucket.get("bucket")
    return [
        companion for companion in stack.of_type(companion_type)
        if stack.refers_to(companion.get("bucket"), bucket, *_S3_REFERENCES, literal=name if isinstance(name, str) else None)
    ]


def _bucket_versioning(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for bucket in stack.of_type("aws_s3_bucket"):
        configured = [block(versioning.get("versioning_configuration")).get("status")
                      for versioning in _s3_companions(stack, bucket, "aws_s3_bucket_versioning")]
        if "Enabled" not in configured and not is_true(block(bucket.get("versioning")).get("enabled")):
            yield Finding(bucket, "not versioned: no aws_s3_bucket_versioning with status Enabled refers to it")
    for bucket in stack.of_type("google_storage_bucket"):
        if not is_true(block(bucket.get("versioning")).get("enabled")):
            yield Finding(bucket, "not versioned: versioning.enabled is not true")


_PUBLIC_ACCESS_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
_PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
_AWS_PUBLIC_GRANTEES = ("acs.amazonaws.com/groups/global/AllUsers", "acs.amazonaws.com/groups/global/AuthenticatedUsers")
_GCP_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
#: GCS resources that grant access: IAM members, bindings and policies, ACLs and access controls.
_GCS_GRANT_TYPE = re.compile(
    r"^google_storage_(bucket|default_object|object)_(iam_(member|binding|policy)|access_control|acl)$"
)


def _bucket_not_public(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for bucket in stack.of_type("aws_s3_bucket"):
        blocks_found = _s3_companions(stack, bucket, "aws_s3_bucket_public_access_block")
        if not any(all(is_true(access.get(flag)) for flag in _PUBLIC_ACCESS_FLAGS) for access in blocks_found):
            yield Finding(bucket, "no aws_s3_bucket_public_access_block with all four of "
                                  f"{', '.join(_PUBLIC_ACCESS_FLAGS)} true refers to it")
        if bucket.get("acl") in _PUBLIC_CANNED_ACLS:
            yield Finding(bucket, f"canned ACL {bucket.get('acl')} makes it public")
    for acl in stack.of_type("aws_s3_bucket_acl"):
        if acl.get("acl") in _PUBLIC_CANNED_ACLS or any(
            grantee in text for text in strings(acl.get("access_control_policy")) for grantee in _AWS_PUBLIC_GRANTEES
        ):
            yield Finding(acl, "grants access to all (authenticated) AWS users")
    for bucket in stack.of_type("google_storage_bucket"):
        if bucket.get("public_access_prevention") != "enforced":
            yield Finding(bucket, "public_access_prevention is not enforced")
    for grant in stack.resources:
        if _GCS_GRANT_TYPE.match(grant.type) and any(
            member in text for text in strings(grant.body) for member in _GCP_PUBLIC_MEMBERS
        ):
            yield Finding(grant, "grants access to allUsers or allAuthenticatedUsers")


# --- IAM -----------------------------------------------------------------------------------------------

#: Keys of resource attributes (at any depth, e.g. ``inline_policy[0].policy``) that may hold an IAM policy.
_POLICY_KEYS = frozenset({"policy", "assume_role_policy", "policy_document"})
_WILDCARD_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:\*)$")
_KMS_KEY_TYPES = frozenset({"aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key", "aws_kms_replica_external_key"})
_CALLER_ACCOUNT = r"\$\{data\.aws_caller_identity\.[A-Za-z0-9_-]+\.account_id\}"
_ACCOUNT_ROOT = re.compile(rf"^(arn:aws[a-z-]*:iam::(?P<account>\d{{12}}|{_CALLER_ACCOUNT}):root|(?P<bare>\d{{12}}))$")
_GCP_IAM_TYPE = re.compile(r"^google_[a-z0-9_]+_iam_(member|binding|policy)$")
#: GCP's basic roles: (nearly) every permission on (nearly) every service of the resource.
_GCP_BASIC_ROLES = frozenset({"roles/owner", "roles/editor"})
#: AWS managed policies that allow every action, or every action of a service, by their names.
_AWS_WILDCARD_POLICY = re.compile(
    r"^arn:aws[a-z-]*:iam::aws:policy/(.+/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]+FullAccess)$"
)
#: Keys of resource attributes that attach managed policies (``aws_iam_*_policy_attachment``, roles).
_POLICY_ARN_KEYS = frozenset({"policy_arn", "managed_policy_arns", "policy_arns"})


def _statements_of_document(stack: StackDocument, document: Element, seen: set[str]) -> Iterator[dict[str, Any]]:
    """Statements of an ``aws_iam_policy_document`` and of the documents it builds on, in the JSON form."""
    if document.address in seen:
        return
    seen.add(document.address)
    for key in ("source_policy_documents", "override_policy_documents"):
        for source in as_list(document.get(key)):
            referenced = stack.referenced(source, "json", "minified_json")
            if referenced is not None and referenced.type == "aws_iam_policy_document":
                yield from _statements_of_document(stack, referenced, seen)
    for statement in blocks(document.get("statement")):
        yield {
            "Sid": statement.get("sid", ""),
            "Effect": statement.get("effect", "Allow"),
            "Action": as_list(statement.get("actions")),
            "NotAction": as_list(statement.get("not_actions")),
            "Principal": [(principal.get("type"), as_list(principal.get("identifiers")))
                          for principal in blocks(statement.get("principals"))],
            "NotPrincipal": blocks(statement.get("not_principals")),
        }


def _statements_of_json(policy: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for statement in blocks(policy.get("Statement")):
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            principals = [(kind, as_list(identifiers)) for kind, identifiers in principal.items()]
        else:
            principals = [("AWS", ["*"])] if principal == "*" else []
        yield {
            "Sid": statement.get("Sid", ""),
            "Effect": statement.get("Effect", "Allow"),
            "Action": as_list(statement.get("Action")),
            "NotAction": as_list(statement.get("NotAction")),
            "Principal": principals,
            "NotPrincipal": as_list(statement.get("NotPrincipal")),
        }


def _policies(stack: StackDocument, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) for every IAM statement held in a resource's policy attributes, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _POLICY_KEYS and isinstance(item, str):
                document = stack.referenced(item, "json", "minified_json")
                if document is not None and document.type == "aws_iam_policy_document":
                    yield from ((f"{key} ({document.address})", statement)
                                for statement in _statements_of_document(stack, document, set()))
                elif isinstance(parsed := parse_json(item), dict) and "Statement" in parsed:
                    yield from ((key, statement) for statement in _statements_of_json(parsed))
            elif key != "//":
                yield from _policies(stack, item)
    elif isinstance(value, list):
        for item in value:
            yield from _policies(stack, item)


def _delegates_to_own_account(stack: StackDocument, holder: Element, statement: dict[str, Any]) -> bool:
    """True for the account-root statement of AWS's default key policy: ``kms:*`` to the key's own account.

    It grants no workload anything: it lets the account's IAM policies grant use of the key, and
    without it a key can become unmanageable. The account must be one the provider is restricted to
    (``allowed_account_ids``) or the caller's (``data.aws_caller_identity``); any other principal fires.
    """
    if holder.type not in _KMS_KEY_TYPES or statement["NotPrincipal"] or not statement["Principal"]:
        return False
    wildcards = [action for action in statement["Action"] if isinstance(action, str) and _WILDCARD_ACTION.match(action)]
    if any(action != "kms:*" for action in wildcards):
        return False
    own_accounts = {str(account) for account in as_list(stack.provider(holder).get("allowed_account_ids"))}
    for kind, identifiers in statement["Principal"]:
        for identifier in identifiers:
            match = _ACCOUNT_ROOT.match(identifier) if isinstance(identifier, str) and kind == "AWS" else None
            account = (match["account"] or match["bare"]) if match else None
            if account is None or not (account.startswith("${") or account in own_accounts):
                return False
    return True


def _attached_wildcard_policies(body: Mapping[str, Any]) -> list[str]:
    """The AWS managed policies granting ``*`` or ``<service>:*`` that a resource attaches."""
    arns = [arn for key in _POLICY_ARN_KEYS for arn in as_list(body.get(key))]
    return sorted({arn for arn in arns if isinstance(arn, str) and _AWS_WILDCARD_POLICY.match(arn)})


def _iam_wildcards(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for holder in stack.resources:
        for arn in _attached_wildcard_policies(holder.body):
            yield Finding(holder, f"attaches {arn.rsplit('/', 1)[-1]}, an AWS managed policy allowing every action "
                                  "(of a service)")
        for where, statement in _policies(stack, holder.body):
            if statement["Effect"] != "Allow":
                continue
            sid = f'statement "{statement["Sid"]}"' if statement["Sid"] else "a statement"
            if statement["NotAction"]:
                excepted = ", ".join(statement["NotAction"])
                yield Finding(holder, f"{sid} of {where} allows every action but {excepted} (NotAction)")
                continue
            wildcards = [action for action in statement["Action"]
                         if isinstance(action, str) and _WILDCARD_ACTION.match(action)]
            if wildcards and not _delegates_to_own_account(stack, holder, statement):
                yield Finding(holder, f"{sid} of {where} allows {', '.join(wildcards)}")
        if _GCP_IAM_TYPE.match(holder.type):
            roles = [holder.get("role")]
            policy = parse_json(holder.get("policy_data"))
            data = stack.referenced(holder.get("policy_data"), "policy_data")
            roles += [binding.get("role") for binding in blocks((policy or {}).get("bindings"))]
            roles += [binding.get("role") for binding in blocks(data.get("binding") if data else None)]
            for role in sorted({role for role in roles if role in _GCP_BASIC_ROLES}):
                yield Finding(holder, f"grants the basic role {role} (every permission of most services)")


# --- network and containers ----------------------------------------------------------------------------

_ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})
_WEB_PORTS = frozenset({80, 443})
_ALL_PROTOCOLS = frozenset({"-1", "all", -1})


def _port_problem(protocol: Any, from_port: Any, to_port: Any) -> str | None:
    """Why an ingress from anywhere is not a web port (None when it is TCP 80 or 443, or cannot be read)."""
    if any(isinstance(value, str) and "${" in value for value in (protocol, from_port, to_port)):
        return None
    if protocol in _ALL_PROTOCOLS:
        return "every port and protocol"
    if str(protocol).lower() not in ("tcp", "6"):
        return f"{protocol} ports {from_port}-{to_port}"
    if from_port != to_port or not (is_number(from_port) and int(from_port) in _WEB_PORTS):
        return f"port {from_port}" if from_port == to_port else f"ports {from_port}-{to_port}"
    return None


def _open_ingress(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    rules: list[tuple[Element, Any, Any, Any, Iterable[Any]]] = []
    for group in stack.of_type("aws_security_group"):
        rules += [(group, rule.get("protocol"), rule.get("from_port"), rule.get("to_port"),
                   as_list(rule.get("cidr_blocks")) + as_list(rule.get("ipv6_cidr_blocks")))
                  for rule in blocks(group.get("ingress"))]
    for rule in stack.of_type("aws_security_group_rule"):
        if rule.get("type") == "ingress":
            rules.append((rule, rule.get("protocol"), rule.get("from_port"), rule.get("to_port"),
                          as_list(rule.get("cidr_blocks")) + as_list(rule.get("ipv6_cidr_blocks"))))
    for rule in stack.of_type("aws_vpc_security_group_ingress_rule"):
        rules.append((rule, rule.get("ip_protocol"), rule.get("from_port"), rule.get("to_port"),
                      [rule.get("cidr_ipv4"), rule.get("cidr_ipv6")]))
    for element, protocol, from_port, to_port, sources in rules:
        if _ANYWHERE & set(sources) and (problem := _port_problem(protocol, from_port, to_port)):
            yield Finding(element, f"opens {problem} to the internet ({', '.join(sorted(_ANYWHERE & set(sources)))})")
    for firewall in stack.of_type("google_compute_firewall"):
        if firewall.get("direction", "INGRESS") != "INGRESS" or not _ANYWHERE & set(as_list(firewall.get("source_ranges"))):
            continue
        for allowed in blocks(firewall.get("allow")):
            problems = [_port_problem(allowed.get("protocol"), *_port_range(port))
                        for port in as_list(allowed.get("ports")) or ["0-65535"]]
            for problem in dict.fromkeys(problem for problem in problems if problem):
                yield Finding(firewall, f"opens {problem} to the internet (0.0.0.0/0)")


def _port_range(port: Any) -> tuple[Any, Any]:
    """``"80"`` -> (80, 80), ``"8000-8080"`` -> (8000, 8080), as GCP firewall rules write ports."""
    low, _, high = str(port).partition("-")
    bounds = [int(part) if part.isdigit() else part for part in (low, high or low)]
    return bounds[0], bounds[1]


#: Environment variable names that hold a credential; names of pointers to one (``..._ARN``, ``..._NAME``) do not.
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY", re.IGNORECASE)
_POINTER_NAME = re.compile(r"(^|_)(ARN|ID|IDS|NAME|VERSION|FILE|PATH|REF)$", re.IGNORECASE)
#: Values that are credentials whatever the variable is called.
_SECRET_VALUES = (
    re.compile(r"(AKIA|ASIA)[0-9A-Z]{16}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE),
)


def plain_text_secret(name: Any, value: Any) -> str | None:
    """Why a plain environment variable holds a secret (its name, or a credential in its value), or None."""
    if not isinstance(value, str) or not value:
        return None
    if isinstance(name, str) and _SECRET_NAME.search(name) and not _POINTER_NAME.search(name):
        return f"environment variable {name} holds a secret in plain text; pass it as a secret reference"
    if any(pattern.search(value) for pattern in _SECRET_VALUES):
        return f"environment variable {name} holds a credential in plain text; pass it as a secret reference"
    return None


def _container_definitions(task: Element) -> list[dict[str, Any]]:
    return blocks(parse_json(task.get("container_definitions")))


def _privileged(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for task in stack.of_type("aws_ecs_task_definition"):
        for container in _container_definitions(task):
            if is_true(container.get("privileged")):
                yield Finding(task, f"container {container.get('name')} runs privileged")


_CLOUD_RUN_TYPES = ("google_cloud_run_v2_service", "google_cloud_run_v2_job", "google_cloud_run_service")


def _cloud_run_env(value: Any) -> Iterator[dict[str, Any]]:
    """Every plain ``env`` entry (name and value) of a Cloud Run service or job, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "env":
                yield from (entry for entry in blocks(item) if "value" in entry)
            elif key != "//":
                yield from _cloud_run_env(item)
    elif isinstance(value, list):
        for item in value:
            yield from _cloud_run_env(item)


def _plain_text_secrets(stack: StackDocument, _settings: Settings, _traits: TraitsLookup) -> Iterator[Finding]:
    for task in stack.of_type("aws_ecs_task_definition"):
        for container in _container_definitions(task):
            for variable in blocks(container.get("environment")):
                if problem := plain_text_secret(variable.get("name"), variable.get("value")):
                    yield Finding(task, f"container {container.get('name')}: {problem}")
    for service in stack.of_type(*_CLOUD_RUN_TYPES):
        for variable in _cloud_run_env(service.body):
            if problem := plain_text_secret(variable.get("name"), variable.get("value")):
                yield Finding(service, problem)


def _concerns_iam(traits: ResourceTraits) -> bool:
    return traits.holds_policy or bool(_GCP_IAM_TYPE.match(traits.resource_type))


def _concerns_public_access(traits: ResourceTraits) -> bool:
    kind = traits.resource_type
    return kind in ("aws_s3_bucket", "aws_s3_bucket_acl", "google_storage_bucket") or bool(_GCS_GRANT_TYPE.match(kind))


BASELINE_RULES: tuple[Rule, ...] = (
    Rule("required-tags", "every taggable AWS resource carries the required tags (own or the provider's default_tags)",
         False, lambda traits: traits.taggable, _required_tags),
    Rule("required-labels",
         "every labelable GCP resource carries the required labels (own or the provider's default_labels)",
         False, lambda traits: traits.labelable, _required_labels),
    Rule("log-retention", "every CloudWatch log group has a retention (GCP log buckets always have one)",
         False, of_types("aws_cloudwatch_log_group"), _log_retention),
    Rule("bucket-versioning", "every S3 and GCS bucket is versioned",
         False, of_types("aws_s3_bucket", "google_storage_bucket"), _bucket_versioning),
    Rule("bucket-not-public", "no bucket is public: S3 public access block with all four flags, GCS public access "
         "prevention enforced, no ACL or IAM grant to all users",
         False, _concerns_public_access, _bucket_not_public),
    Rule("iam-no-wildcard-actions", "no IAM statement allows '*' or '<service>:*' (or uses NotAction), no AWS managed "
         "policy that does (AdministratorAccess, PowerUserAccess, *FullAccess), no GCP basic role",
         False, _concerns_iam, _iam_wildcards),
    Rule("ingress-web-ports-only", "no security group or firewall opens anything but TCP 80/443 to 0.0.0.0/0 or ::/0",
         False, of_types("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                         "google_compute_firewall"), _open_ingress),
    Rule("container-not-privileged", "no ECS container runs privileged",
         False, of_types("aws_ecs_task_definition"), _privileged),
    Rule("container-no-plaintext-secret", "no container gets a secret as a plain environment variable",
         False, of_types("aws_ecs_task_definition", *_CLOUD_RUN_TYPES), _plain_text_secrets),
)
