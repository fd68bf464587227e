"""Which service a load balancer sends a path to, as the URL map decides it: the longest matching route wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...props import PropError, message, require
from .specs import ServiceSpec


def route_matches(route: str, path: str) -> bool:
    """True when the URL map's path rule ``route`` (``*`` only at the end) matches ``path``."""
    return path.startswith(route[:-1]) if route.endswith("*") else path == route


class Routing:
    """The paths each exposed service gets behind one load balancer, and who receives a given path.

    Built from the services' routes; a routed service whose public health path (``HealthCheck.public``) no route
    covers gets that path as well (unless it is ``/``, the default service's), so that the uptime check through the
    load balancer reaches it. An internal health path is never routed: Cloud Armor refuses it (:attr:`internal_paths`).
    Raises
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
                raise PropError(message(owner, None, "have exactly one service with a port and no routes (the load "
                                        "balancer's default)", defaults))
            self.default = defaults[0]
        else:
            self.default = default
        for spec in exposed:
            for route in spec.routes:
                require(route not in self._route_owner, spec, "routes",
                        f"not claim {route!r}: it is routed to {self._route_owner.get(route)!r} already")
                self._route_owner[route] = spec.name
            self.paths[spec.name] = spec.routes
        public = [spec for spec in exposed if spec.health_check.public]
        for spec in public:  # a routed service's health path, unless a route covers it (never the site's root
            path = spec.health_check.path  # nor another service's health path)
            others = {other.health_check.path for other in exposed if other is not spec}
            if not spec.is_default_route and path != "/" and path not in others and not self._matching(path):
                self.paths[spec.name] += (path,)
                self._route_owner[path] = spec.name
        for spec in public:
            receiver = self.receiver(spec.health_check.path)
            require(receiver == spec.name, spec.health_check, "path", f"reach {spec.name!r} through the load balancer "
                    f"(it reaches {receiver!r}): a path under its routes {list(spec.routes)}", owner=f"{spec.label}.health_check")
        #: The health paths kept off the load balancer, which Cloud Armor refuses.
        self.internal_paths = tuple(sorted({spec.health_check.path for spec in exposed if not spec.health_check.public}))
        for path in self.internal_paths:
            served = [spec.name for spec in public if spec.health_check.path == path]
            require(path != "/" and not served, exposed[0], "health_check", f"keep a path internal that no other service "
                    f"needs public: {path!r} {'is the site root' if path == '/' else f'is the health path of {served}'}",
                    owner="WebPlatformProps.services", value=path)

    def _matching(self, path: str) -> list[str]:
        return [route for route in self._route_owner if route_matches(route, path)]

    def receiver(self, path: str) -> str:
        """The service the load balancer sends ``path`` to."""
        routes = self._matching(path)
        if not routes:
            return self.default
        return self._route_owner[max(routes, key=len)]
