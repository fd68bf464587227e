"""A dedicated service account: the identity of one workload, with no project-level roles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.service_account import ServiceAccount as GoogleServiceAccount
from constructs import Construct

from ._props import require, require_match

_ACCOUNT_ID = re.compile(r"[a-z]([-a-z0-9]{4,28}[a-z0-9])")


@dataclass(frozen=True)
class ServiceAccountProps:
    """Props of :class:`ServiceAccount`.

    Attributes:
        account_id: The part of the email before ``@`` (6-30 lowercase letters, digits or hyphens,
            starting with a letter).
        display_name: Name shown in the console.
        description: What the account is for. Default empty.
        depends_on: Resources to create first, e.g. the ``iam.googleapis.com`` project service. Default none.
    """

    account_id: str
    display_name: str
    description: str = ""
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(_ACCOUNT_ID, self, "account_id", "be 6 to 30 lowercase letters, digits or hyphens, starting with a letter")
        require(0 < len(self.display_name) <= 100, self, "display_name", "be 1 to 100 characters")


class ServiceAccount(Construct):
    """A service account that holds no roles by itself.

    Least privilege is built up from resource-level grants (a bucket's object access, a secret's
    accessor, a service's invoker), each made by the construct that owns the resource; nothing is
    granted on the whole project. Workloads should never fall back to the Compute Engine default
    service account, which holds Editor in many projects.
    """

    def __init__(self, scope: Construct, id_: str, props: ServiceAccountProps) -> None:
        super().__init__(scope, id_)
        self.account = GoogleServiceAccount(
            self,
            "account",
            account_id=props.account_id,
            display_name=props.display_name,
            description=props.description or None,
            depends_on=list(props.depends_on) or None,
        )

    @property
    def email(self) -> str:
        """The account's email address."""
        return self.account.email

    @property
    def member(self) -> str:
        """The IAM member string, ``serviceAccount:<email>``."""
        return self.account.member


@dataclass(frozen=True)
class ExistingServiceAccount:
    """A service account created elsewhere (e.g. by the bootstrap's ``DeliveryFoundation``), known by its email.

    Attributes:
        email: The account's email address.
    """

    email: str

    def __post_init__(self) -> None:
        require(isinstance(self.email, str) and self.email.endswith(".gserviceaccount.com") and "@" in self.email,
                self, "email", "be a service account email such as backend-prod@my-project.iam.gserviceaccount.com")

    @property
    def member(self) -> str:
        """The IAM member string, ``serviceAccount:<email>``."""
        return f"serviceAccount:{self.email}"


#: A service account the patterns use: one they create, or one created elsewhere.
ServiceAccountRef = ServiceAccount | ExistingServiceAccount
