"""The Google Cloud APIs a stack uses, enabled in its project so that a fresh project can be applied."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_google.project_service import ProjectService
from constructs import Construct

from ._props import require, require_strings

_SERVICE = re.compile(r"[a-z][a-z0-9-]*\.googleapis\.com")


@dataclass(frozen=True)
class ProjectServicesProps:
    """Props of :class:`ProjectServices`.

    Attributes:
        project: Project ID the APIs are enabled in.
        services: API service names, e.g. ``("run.googleapis.com", "compute.googleapis.com")``; no duplicates.
        disable_on_destroy: Disable an API when it leaves the configuration or on ``terraform destroy``.
            Default ``False``: other workloads in the project may rely on it, and disabling is what
            breaks them.
    """

    project: str
    services: tuple[str, ...]
    disable_on_destroy: bool = False

    def __post_init__(self) -> None:
        require_strings(self, "services", "run.googleapis.com")
        require(bool(self.services), self, "services", "name at least one API")
        require(all(_SERVICE.fullmatch(service) for service in self.services), self, "services",
                "be API names such as run.googleapis.com")
        require(len(set(self.services)) == len(self.services), self, "services", "not repeat an API")


class ProjectServices(Construct):
    """One ``google_project_service`` per API (construct id: the name before ``.googleapis.com``).

    Resources that call an API pass :meth:`dependables` to their ``depends_on`` so that Terraform
    enables the API before creating them.
    """

    def __init__(self, scope: Construct, id_: str, props: ProjectServicesProps) -> None:
        super().__init__(scope, id_)
        self._services = {
            service: ProjectService(
                self,
                service.removesuffix(".googleapis.com").replace("-", "_"),
                project=props.project,
                service=service,
                disable_on_destroy=props.disable_on_destroy,
                disable_dependent_services=False,
            )
            for service in props.services
        }

    def dependables(self, *services: str) -> list[ProjectService]:
        """The project service resources of ``services``; a KeyError names an API this construct does not enable."""
        missing = [service for service in services if service not in self._services]
        if missing:
            raise KeyError(f"ProjectServices does not enable {', '.join(missing)}")
        return [self._services[service] for service in services]
