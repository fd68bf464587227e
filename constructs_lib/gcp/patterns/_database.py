"""How a GCP WebPlatform's services reach its Cloud SQL database: IAM users, the server CA, the setup job's account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...naming import PlatformIdentity
from ..cloud_sql import IAM_AUTHENTICATION, SERVER_CA_PATH, iam_user_name
from ..grants import INSTANCE, SECRET, WorkloadGrant
from ..secrets import ACCESSOR_ROLE
from ._services import service_account_id

if TYPE_CHECKING:
    from .web_platform import WebPlatformProps

#: What every service with ``database_access`` reads from Secret Manager, shared with AWS: ``DATABASE_URL`` (no
#: user, no password). (env name, construct id, secret name suffix)
DATABASE_SECRETS: tuple[tuple[str, str, str], ...] = (("DATABASE_URL", "database_url", "database-url"),)
#: The administrator's password (``PGPASSWORD``): the setup job's alone.
ADMIN_SECRET: tuple[str, str, str] = ("PGPASSWORD", "database_password", "database-password")
#: The instance's server CA certificate (construct id, secret name suffix): a file at ``SERVER_CA_PATH``.
CA_SECRET: tuple[str, str] = ("database_ca", "database-ca")
#: The account of the database setup job (``dbsetup-<environment>``), next to the services' accounts.
SETUP_ACCOUNT = "dbsetup"
#: Logging in as an IAM user: ``cloudsql.instances.login`` (and ``get``) on the instance.
INSTANCE_USER_ROLE = "roles/cloudsql.instanceUser"
#: The variables the platform sets for a service with ``database_access`` (its own environment may not).
DATABASE_VARIABLES = frozenset({"DATABASE_URL", "PGUSER", "PGSSLROOTCERT", "DATABASE_AUTH", "PGPASSWORD"})


def account_email(props: WebPlatformProps, name: str) -> str:
    """The email of the account ``name`` (a service, or :data:`SETUP_ACCOUNT`), known before it exists."""
    if props.deployed_by is not None:
        return props.deployed_by.service_accounts[name]
    return f"{service_account_id(name, props.identity.environment)}@{props.project}.iam.gserviceaccount.com"


def client_environment(props: WebPlatformProps, name: str) -> dict[str, str]:
    """The plain variables of the service ``name`` with ``database_access``: its IAM user (``PGUSER``), how it
    authenticates (``DATABASE_AUTH``: its access token is the password) and the server CA (``PGSSLROOTCERT``)."""
    return {"PGUSER": iam_user_name(account_email(props, name)), "DATABASE_AUTH": IAM_AUTHENTICATION,
            "PGSSLROOTCERT": SERVER_CA_PATH}


def instance_names(identity: PlatformIdentity) -> tuple[str, str]:
    """The primary instance's and the standby replica's names."""
    return identity.name("postgres"), identity.name("postgres", "standby")


def database_grants(props: WebPlatformProps) -> list[WorkloadGrant]:
    """The database's share of ``platform_grants``: each service with ``database_access`` reads ``DATABASE_URL`` and
    the CA and logs in as its IAM user (on the standby's copies too where it runs there); the setup job's account
    reads the administrator's password and the CA."""
    identity, dr = props.identity, props.disaster_recovery
    if props.database is None:
        return []
    primary, standby = instance_names(identity)
    grants: list[WorkloadGrant] = []
    for spec in props.services:
        if not spec.database_access:
            continue
        for suffix in ((), ("standby",)) if dr is not None and spec.exposed else ((),):
            for name in (*(name for _, _, name in DATABASE_SECRETS), CA_SECRET[1]):
                secret = identity.name(name, *suffix)
                grants.append(WorkloadGrant(spec.name, ACCESSOR_ROLE, SECRET, secret, f"{spec.name} reads {secret}"))
            instance = standby if suffix else primary
            grants.append(WorkloadGrant(spec.name, INSTANCE_USER_ROLE, INSTANCE, instance,
                                        f"{spec.name} logs in to {instance}"))
    for name in (ADMIN_SECRET[2], CA_SECRET[1]):
        secret = identity.name(name)
        grants.append(WorkloadGrant(SETUP_ACCOUNT, ACCESSOR_ROLE, SECRET, secret, f"the setup job reads {secret}"))
    return grants
