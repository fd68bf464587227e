"""What happens when Terraform deletes a resource: whether it only held a copy, and what stops the delete.

- A replica (an RDS read replica, a Cloud SQL replica) holds a copy of its source's data: deleting it costs
  recovery time (a failover has nothing to promote until it is re-created), not the data.
- Some deletes fail: deletion protection, or a bucket or repository that still holds objects without
  ``force_destroy``/``force_delete``. A remove-and-add (a renamed construct) then stops half-way: the new
  resource exists, the old one too, and the apply fails. The value Terraform checks is the one in its state,
  which the last apply wrote from the old configuration, so the old body tells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .changes import ABSENT, value_at

#: The attribute naming a replica's source, by resource type: set means the resource is a replica.
REPLICA_SOURCE_ATTRIBUTES: dict[str, str] = {
    "aws_db_instance": "replicate_source_db",
    "google_sql_database_instance": "master_instance_name",
}


def replica_source_attribute(resource_type: str, body: Any) -> str | None:
    """The attribute that makes ``body`` a replica (``replicate_source_db``), or None for a primary."""
    attribute = REPLICA_SOURCE_ATTRIBUTES.get(resource_type)
    if attribute is None:
        return None
    value = value_at(body, attribute)
    return attribute if value not in (ABSENT, None, "") else None


@dataclass(frozen=True)
class DeleteBlocker:
    """A setting that makes deleting a resource fail.

    Attributes:
        resource_type: e.g. ``aws_db_instance``.
        attribute: Path without list indices.
        blocks: Tells from the setting's value (``ABSENT`` when unset) whether the delete fails.
        consequence: What the apply does then, in a sentence.
        source: Where that comes from.
    """

    resource_type: str
    attribute: str
    blocks: Callable[[Any], bool]
    consequence: str
    source: str


def _true(value: Any) -> bool:
    return value is True or value == "true"


def _not_true(value: Any) -> bool:
    return not _true(value)


def _true_or_unset(value: Any) -> bool:
    return value is ABSENT or _true(value)


_AWS = "https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources"
_GOOGLE = "https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources"
_GOOGLE_SOURCE = "terraform-provider-google v6.50.0"
_FAILS = "the apply fails: "


def _stops(what: str, contents: str) -> str:
    return f"the apply stops half-way if the {what} still holds {contents}: "

DELETE_BLOCKERS: tuple[DeleteBlocker, ...] = (
    DeleteBlocker("aws_db_instance", "deletion_protection", _true,
                  _FAILS + "RDS refuses to delete an instance with deletion protection on (turn it off in an earlier, "
                  "separate change)", f"{_AWS}/db_instance#deletion_protection"),
    DeleteBlocker("google_sql_database_instance", "deletion_protection", _true_or_unset,
                  _FAILS + "the provider refuses to delete the instance while deletion_protection is true, its default "
                  "(turn it off in an earlier, separate change)",
                  f"{_GOOGLE}/sql_database_instance; {_GOOGLE_SOURCE} google/services/sql/"
                  "resource_sql_database_instance.go: Default true, checked in Delete"),
    DeleteBlocker("google_sql_database_instance", "settings.deletion_protection_enabled", _true,
                  _FAILS + "Cloud SQL refuses to delete an instance with deletion protection on",
                  f"{_GOOGLE}/sql_database_instance#deletion_protection_enabled"),
    DeleteBlocker("aws_lb", "enable_deletion_protection", _true,
                  _FAILS + "Elastic Load Balancing refuses to delete a load balancer with deletion protection on",
                  f"{_AWS}/lb#enable_deletion_protection"),
    DeleteBlocker("aws_s3_bucket", "force_destroy", _not_true,
                  _stops("bucket", "objects") + "S3 deletes a non-empty bucket only with force_destroy, and what the "
                  "apply created before that stays", f"{_AWS}/s3_bucket#force_destroy"),
    DeleteBlocker("google_storage_bucket", "force_destroy", _not_true,
                  _stops("bucket", "objects") + "the provider deletes a non-empty bucket only with force_destroy, "
                  "and what the apply created before that stays",
                  f"{_GOOGLE}/storage_bucket#force_destroy; {_GOOGLE_SOURCE} google/services/storage/"
                  "resource_storage_bucket.go: Delete"),
    DeleteBlocker("aws_ecr_repository", "force_delete", _not_true,
                  _stops("repository", "images") + "ECR deletes a non-empty repository only with force_delete, and "
                  "what the apply created before that stays", f"{_AWS}/ecr_repository#force_delete"),
)


def delete_blockers(resource_type: str, body: Any) -> list[str]:
    """What makes deleting this resource (as its last configuration says) fail or stop half-way."""
    return [blocker.consequence for blocker in DELETE_BLOCKERS
            if blocker.resource_type == resource_type and blocker.blocks(value_at(body, blocker.attribute))]
