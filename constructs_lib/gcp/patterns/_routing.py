"""Which service a load balancer sends a path to, as the URL map decides it: the longest matching route wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .specs import ServiceSpec


def route_matches(route: str, path: str) -> bool:
    """True when the URL map's path rule ``route`` (``*`` only at the end) matches ``path``."""
    return path.startswith(route[:-1]) if route.endswith("*") else path == route


class Routing:
    """The paths each exposed service gets behind one load balancer, and who receives a given path.

    Built from the services' routes; a routed service whose health path no route covers gets that
    path as well (unless it is ``/``, the default service's), so that the uptime check through the
    load balancer reaches it. Raises
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
        for spec in exposed:  # a routed service's health path, unless a route covers it (never the site's root
            path = spec.health_path  # nor another service's health path)
            others = {other.health_path for other in exposed if other is not spec}
            if not spec.is_default_route and path != "/" and path not in others and not self._matching(path):
                self.paths[spec.name] += (path,)
                self._route_owner[path] = spec.name
        for spec in exposed:
            receiver = self.receiver(spec.health_path)
            if receiver != spec.name:
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
