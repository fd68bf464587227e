"""A Secret Manager secret whose value comes from another resource, never from a literal in the configuration."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.secret_manager_secret import (
    SecretManagerSecret,
    SecretManagerSecretReplication,
    SecretManagerSecretReplicationAuto,
    SecretManagerSecretReplicationUserManaged,
    SecretManagerSecretReplicationUserManagedReplicas,
)
from cdktf_cdktf_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from cdktf_cdktf_provider_google.secret_manager_secret_version import SecretManagerSecretVersion
from constructs import Construct

from ._props import REGION, is_token, require, require_match, require_strings

_SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"


@dataclass(frozen=True)
class SecretProps:
    """Props of :class:`Secret`.

    Attributes:
        secret_id: Secret name (1-255 letters, digits, ``-`` or ``_``).
        value: The secret's value as a Terraform expression (a reference to another resource's
            attribute, such as a generated password). A literal is refused: it would be written into
            the synthesized JSON and the repository.
        replica_locations: Regions holding the secret's replicas. Default ``()``: automatic replication.
        deletion_protection: Refuse ``terraform destroy`` of the secret. Default ``True``.
        depends_on: Resources to create first, e.g. the ``secretmanager.googleapis.com`` project service.
        write_only_version: Write the value as a write-only argument (``secret_data_wo``): it is kept in neither
            the plan nor the state, and written again only when this number changes (raise it with the value's
            own rotation). Default ``None``: ``secret_data``, kept in the state (for values that are no secret,
            such as a URL without a password or a CA certificate).
    """

    secret_id: str
    value: str
    replica_locations: tuple[str, ...] = ()
    deletion_protection: bool = True
    depends_on: Sequence[ITerraformDependable] = ()
    write_only_version: int | None = None

    def __post_init__(self) -> None:
        require_match(_SECRET_ID, self, "secret_id", "be 1 to 255 letters, digits, '-' or '_'")
        require(is_token(self.value), self, "value",
                "be a Terraform expression (a reference to another resource), never a literal written into the JSON")
        require_strings(self, "replica_locations", "us-central1")
        require(all(REGION.fullmatch(location) for location in self.replica_locations), self, "replica_locations",
                "be Google Cloud regions such as us-central1")


class Secret(Construct):
    """A secret with one version holding :attr:`SecretProps.value`, readable only by members granted access.

    The value lives in Secret Manager, and in Terraform state unless it is written only
    (``write_only_version``). :meth:`grant_accessor` lets a member
    read it; a workload that reads the secret at start-up should depend on :attr:`dependables`, so
    that the version and the grants exist before it starts.
    """

    def __init__(self, scope: Construct, id_: str, props: SecretProps) -> None:
        super().__init__(scope, id_)
        replication = (
            SecretManagerSecretReplication(
                user_managed=SecretManagerSecretReplicationUserManaged(
                    replicas=[SecretManagerSecretReplicationUserManagedReplicas(location=location)
                              for location in props.replica_locations]
                )
            )
            if props.replica_locations
            else SecretManagerSecretReplication(auto=SecretManagerSecretReplicationAuto())
        )
        self.secret = SecretManagerSecret(
            self,
            "secret",
            secret_id=props.secret_id,
            replication=replication,
            deletion_protection=props.deletion_protection,
            depends_on=list(props.depends_on) or None,
        )
        data = {"secret_data": props.value} if props.write_only_version is None else {"secret_data_wo": props.value}
        self.version = SecretManagerSecretVersion(self, "version", secret=self.secret.id, **data)
        if props.write_only_version is not None:
            # An override, not the argument: google 6.x types it as a number, 8.x (CDK Terrain's bindings) as a
            # string, and each binding refuses the other; Terraform reads the JSON number as either.
            self.version.add_override("secret_data_wo_version", props.write_only_version)
        self._grants: list[SecretManagerSecretIamMember] = []

    def grant_accessor(self, name: str, member: str) -> SecretManagerSecretIamMember:
        """Lets ``member`` read this secret's versions (and nothing else); ``name`` keys the grant."""
        grant = SecretManagerSecretIamMember(
            self, f"{name}_accessor", secret_id=self.secret.id, role=ACCESSOR_ROLE, member=member
        )
        self._grants.append(grant)
        return grant

    @property
    def secret_id(self) -> str:
        """The secret's name."""
        return self.secret.secret_id

    @property
    def version_number(self) -> str:
        """The version holding the current value (pin it, so that a new value rolls the readers)."""
        return self.version.version

    @property
    def dependables(self) -> list[ITerraformDependable]:
        """The version and the grants made so far: what a reader needs before it starts."""
        return [self.version, *self._grants]
