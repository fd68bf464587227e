"""The least-privilege PostgreSQL role a platform's services log in as, and the SQL that sets it up (both clouds).

The services never see the administrator's credential. They log in as an unprivileged role with IAM database
authentication (AWS: a role granted ``rds_iam``, its password a short-lived token; GCP: the service account's
Cloud SQL IAM user, its password an OAuth access token) and own their objects through a ``NOLOGIN`` group role.
The administrator (the RDS master user, the Cloud SQL built-in user) is used by one thing only: a one-off job
the pipeline runs after each apply, which runs :func:`setup_sql` (idempotent) inside the private network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: A Cloud SQL IAM service-account user: the account's email without ``.gserviceaccount.com``.
_IAM_USER = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam")
#: Relation kinds whose ownership the setup hands to the group role: tables, partitioned tables, views,
#: materialized views, sequences (those not owned by a column: they follow their table), foreign tables.
_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "f": "FOREIGN TABLE"}


def quote_identifier(name: str) -> str:
    """``name`` as a PostgreSQL identifier: double-quoted, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a PostgreSQL string literal: single-quoted, inner quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ApplicationRole:
    """The roles of one application database.

    Attributes:
        database: The database, e.g. ``duckdb_analytics``.
        logins: The roles the services log in as: PostgreSQL names (AWS, created by the setup with ``rds_iam``) or
            Cloud SQL IAM users ``<account>@<project>.iam`` (GCP, created by Cloud SQL), one per service account.
        create_logins: Whether the setup creates the logins and grants them ``rds_iam`` (AWS). Default ``True``;
            ``False`` on GCP, where Cloud SQL creates the IAM users.
    """

    database: str
    logins: tuple[str, ...]
    create_logins: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "logins", tuple(self.logins))
        if not _IDENTIFIER.fullmatch(self.database):
            raise ValueError(f"ApplicationRole.database {self.database!r}: must be a PostgreSQL identifier")
        if not self.logins or len(set(self.logins)) != len(self.logins):
            raise ValueError(f"ApplicationRole.logins {self.logins}: name at least one login, each once")
        pattern = _IDENTIFIER if self.create_logins else _IAM_USER
        for login in self.logins:
            if not pattern.fullmatch(login) or login in ("postgres", "rdsadmin", "cloudsqladmin", self.owner):
                raise ValueError(f"ApplicationRole.logins {login!r}: must be "
                                 + ("an unreserved PostgreSQL identifier" if self.create_logins
                                    else "a Cloud SQL IAM user <account>@<project>.iam"))

    @property
    def owner(self) -> str:
        """The ``NOLOGIN`` group role that owns the application's objects; ``login`` is its member."""
        return f"{self.database}_owner"


def _roles_sql(role: ApplicationRole) -> list[str]:
    """Create the group (and on AWS the logins) if missing, then refuse any privileged attribute (on GCP a missing
    IAM user fails here too: its service account has no IAM user yet)."""
    create = [f"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {quote_literal(name)}) THEN\n"
              f"    CREATE ROLE {quote_identifier(name)} {kind};\n  END IF;"
              for name, kind in ((role.owner, "NOLOGIN"), *((login, "LOGIN") for login in role.logins
                                                             if role.create_logins))]
    names = ", ".join(quote_literal(name) for name in (role.owner, *role.logins))
    check = (f"  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname IN ({names}) AND (rolsuper OR rolcreaterole\n"
             "      OR rolcreatedb OR rolreplication OR rolbypassrls)) THEN\n"
             "    RAISE EXCEPTION 'the application roles must hold no privileged attribute';\n  END IF;\n"
             f"  IF (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname IN ({names})) <> {1 + len(role.logins)} THEN\n"
             "    RAISE EXCEPTION 'a login role is missing (GCP: the IAM user of a service account)';\n  END IF;")
    return ["DO $setup$\nBEGIN\n" + "\n".join(create) + "\n" + check + "\nEND\n$setup$;",
            *(f"GRANT rds_iam TO {quote_identifier(login)};" for login in role.logins if role.create_logins)]


def _ownership_sql(role: ApplicationRole) -> str:
    """Hand the administrator's objects in ``public`` (created before the application had a role) to the group."""
    kinds = ", ".join(quote_literal(kind) for kind in _KINDS)
    cases = " ".join(f"WHEN {quote_literal(kind)} THEN {quote_literal(name)}" for kind, name in _KINDS.items())
    return (
        "DO $setup$\nDECLARE object record;\nBEGIN\n"
        f"  FOR object IN SELECT c.relname, CASE c.relkind {cases} END AS kind\n"
        "      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
        "      WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)\n"
        f"        AND c.relkind IN ({kinds}) AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_catalog.pg_depend d\n"
        "          WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))\n"
        "  LOOP\n"
        f"    EXECUTE format('ALTER %s public.%I OWNER TO %I', object.kind, object.relname, {quote_literal(role.owner)});\n"
        "  END LOOP;\nEND\n$setup$;"
    )


def setup_sql(role: ApplicationRole) -> str:
    """The setup job's SQL, run by the administrator in one transaction; every statement may run again.

    The group role may connect to the database, create temporary tables and create objects in ``public``
    (``PUBLIC`` may do neither any more); it owns what the administrator created there before; each login role is
    its member (inheriting those rights) and nothing else: no superuser, no role or database creation, no
    replication, no row-level-security bypass (the job fails if a role has one, or is missing).
    """
    owner, database = quote_identifier(role.owner), quote_identifier(role.database)
    return "\n".join([
        *_roles_sql(role),
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {owner};",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner};",
        # The administrator created the group, so it may join it: a new owner must be a role it can become.
        f"GRANT {owner} TO CURRENT_USER;",
        _ownership_sql(role),
        *(f"GRANT {owner} TO {quote_identifier(login)};" for login in role.logins),
    ]) + "\n"


def setup_command(ca_url: str | None = None) -> tuple[str, ...]:
    """The shell command of a setup job's container (the official PostgreSQL image): the SQL from ``SETUP_SQL``, in
    one transaction, stopping at the first error; the connection from the libpq variables (``PGHOST``, ``PGSSLMODE``,
    ...). ``ca_url``: first download the CA bundle from there (HTTPS) to ``$PGSSLROOTCERT``."""
    fetch = f'wget -q -O "$PGSSLROOTCERT" {ca_url} && ' if ca_url else ""
    return ("sh", "-c", f'{fetch}printf "%s" "$SETUP_SQL" | psql --no-psqlrc --single-transaction -v ON_ERROR_STOP=1 --quiet')


#: The image of the setup jobs: psql from the official PostgreSQL image (version 17 talks to servers 14 to 17).
SETUP_IMAGE_AWS = "public.ecr.aws/docker/library/postgres:17-alpine"
SETUP_IMAGE_GCP = "docker.io/library/postgres:17-alpine"
