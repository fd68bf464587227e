"""What a workload's service account may do, as data, and the project-level grants that give it.

A :class:`WorkloadGrant` is one role a holder (a service of the platform, or any IAM member) has on one named
resource: a secret, a bucket or a Cloud SQL instance (which has no IAM policy of its own: its grants are always
project-level, conditioned on its name), any other resource by its full name (a service's ``permissions``, always
project-level and conditioned), or the whole project. A platform that grants them itself uses resource-level bindings; when the
pipeline that applies the platform may change no IAM policy, the bootstrap's :class:`WorkloadGrants` gives the
same roles on the project with an IAM condition on the resource's name, applied once by an administrator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from constructs import Construct

from ..props import checked, prop

SECRET, BUCKET, INSTANCE = "secret", "bucket", "instance"
#: Any resource by its full name (``projects/_/buckets/reports``), and the project itself (``name``: its ID).
RESOURCE, PROJECT = "resource", "project"
_KINDS = (SECRET, BUCKET, INSTANCE, RESOURCE, PROJECT)


@checked
class WorkloadGrant:
    """One role on one named resource.

    Attributes:
        holder: The service (its spec name) whose account holds the role, or an IAM member (``group:...``).
        role: The role, e.g. ``roles/secretmanager.secretAccessor``.
        kind: ``secret``, ``bucket``, ``instance``, ``resource`` or ``project``.
        name: The secret ID, the bucket name, the Cloud SQL instance name, the resource's full name or the project.
        why: What the grant is for (the condition's title).
    """

    holder: str
    role: str
    kind: str = prop(choices=_KINDS)
    name: str = prop(pattern=re.compile(r'[^"]+'), rule="be a resource's name without quotes")
    why: str

    @property
    def is_member(self) -> bool:
        """The holder is an IAM member rather than a service of the platform."""
        return ":" in self.holder

    def resource_name(self, project_number: str, project: str = "") -> str:
        """The resource's full name as IAM conditions see it (a Cloud SQL instance's names the project ID)."""
        if self.kind == SECRET:
            return f"projects/{project_number}/secrets/{self.name}"
        if self.kind == INSTANCE:
            return f"projects/{project}/instances/{self.name}"
        if self.kind == RESOURCE:
            return self.name
        if self.kind == PROJECT:
            return f"projects/{self.name}"
        return f"projects/_/buckets/{self.name}"

    def condition(self, project_number: str, project: str = "") -> str | None:
        """``resource.name`` is the resource or lies inside it (a secret's versions, a bucket's objects); ``None``
        for a grant on the whole project."""
        if self.kind == PROJECT:
            return None
        name = self.resource_name(project_number, project)
        return f'resource.name == "{name}" || resource.name.startsWith("{name}/")'


@dataclass(frozen=True)
class WorkloadGrantsProps:
    """Props of :class:`WorkloadGrants`.

    Attributes:
        project: The project.
        project_number: Its number (secret names in IAM conditions carry it; unused without secret grants).
        grants: What to grant.
        members: The IAM member of each service's account (``serviceAccount:<email>``) by service name.
        depends_on: Resources to create first (the accounts). Default none.
    """

    project: str
    project_number: str
    grants: tuple[WorkloadGrant, ...]
    members: Mapping[str, str]
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        unknown = sorted({grant.holder for grant in self.grants if not grant.is_member} - set(self.members))
        if unknown:
            raise ValueError(f"WorkloadGrantsProps.grants: no account for the services {unknown} (members: "
                             f"{sorted(self.members)})")


class WorkloadGrants(Construct):
    """Each grant as a project-level binding conditioned on the resource's name (one binding per grant).

    Construct ids are ``<holder>_<role>_<resource>`` (slugs), so adding a grant leaves the others' addresses alone.
    """

    def __init__(self, scope: Construct, id_: str, props: WorkloadGrantsProps) -> None:
        super().__init__(scope, id_)
        self.bindings = [
            ProjectIamMember(
                self, _slug(f"{grant.holder}_{grant.role.removeprefix('roles/')}_{grant.name}"), project=props.project,
                role=grant.role, member=grant.holder if grant.is_member else props.members[grant.holder],
                condition=_condition(grant, props),
                depends_on=list(props.depends_on) or None,
            )
            for grant in props.grants
        ]


def _condition(grant: WorkloadGrant, props: WorkloadGrantsProps) -> ProjectIamMemberCondition | None:
    expression = grant.condition(props.project_number, props.project)
    return ProjectIamMemberCondition(title=grant.why[:100], expression=expression) if expression else None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)
