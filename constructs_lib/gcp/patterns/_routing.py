"""Which service a load balancer sends a path to, as the URL map decides it: the longest matching route wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .specs import ServiceSpec


def route_matches(route: str, path: str) -> bool:
    """True when the URL map's path rule ``route`` (``*`` only at the end) matches ``path``."""
    return path.startswith(route[:-1]) if route.endswith("*") else path == route


class Routing:
    """The paths each exposed service gets behind one load balancer, and who receives a given path.

    Built from the services' routes; a routed service whose health path no route of its own covers
    gets that path as well, so that the uptime check through the load balancer reaches it. Raises
    ``ValueError`` naming ``owner`` and the service at fault when two services claim a path, when
    there is not exactly one default service, or when a health path would reach another service.
    """

    def __init__(self, services: Iterable[ServiceSpec], owner: str, taken: Mapping[str, tuple[str, ...]] | None = None,
                 default: str | None = None) -> None:
        exposed = [spec for spec in services if spec.exposed]
        #: paths routed to each service (empty for the default), the given ``taken`` ones included
        self.paths: dict[str, tuple[str, ...]] = dict(taken or {})
        self._route_owner = {route: name for name, routes in self.paths.items() for route in routes}
        defaults = [spec.name for spec in exposed if spec.is_default_route]
        if default is None:
            if len(defaults) != 1:
                raise ValueError(
                    f"{owner} must have exactly one exposed service without routes (the load balancer's default), "
                    f"got {defaults or 'none'}"
                )
            self.default = defaults[0]
        else:
            self.default = default
        for spec in exposed:
            for route in spec.routes:
                if route in self._route_owner:
                    raise ValueError(f"{spec.label}.routes: {route!r} is routed to {self._route_owner[route]!r} already")
                self._route_owner[route] = spec.name
            self.paths[spec.name] = spec.routes
        for spec in exposed:
            receiver = self.receiver(spec.health_path)
            if receiver == spec.name:
                continue
            if not spec.is_default_route and not self._matching(spec.health_path):
                self.paths[spec.name] += (spec.health_path,)
                self._route_owner[spec.health_path] = spec.name
                continue
            raise ValueError(
                f"{spec.label}.health_path {spec.health_path!r} reaches {receiver!r} through the load balancer; "
                f"give {spec.name!r} a health path of its own (under its routes {list(spec.routes)})"
            )

    def _matching(self, path: str) -> list[str]:
        return [route for route in self._route_owner if route_matches(route, path)]

    def receiver(self, path: str) -> str:
        """The service the load balancer sends ``path`` to."""
        routes = self._matching(path)
        if not routes:
            return self.default
        return self._route_owner[max(routes, key=len)]
