"""A private DNS namespace in the VPC in which ECS services register their tasks: service-to-service calls stay inside."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.service_discovery_private_dns_namespace import ServiceDiscoveryPrivateDnsNamespace
from cdktf_cdktf_provider_aws.service_discovery_service import ServiceDiscoveryService, ServiceDiscoveryServiceDnsConfig
from cdktf_cdktf_provider_aws.service_discovery_service import ServiceDiscoveryServiceDnsConfigDnsRecords as DnsRecords
from cdktf_cdktf_provider_aws.service_discovery_service import ServiceDiscoveryServiceHealthCheckCustomConfig as CustomHealth
from constructs import Construct

_NAMESPACE = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SERVICE = re.compile(r"[a-z][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class ServiceNamespaceProps:
    """Props of :class:`ServiceNamespace`.

    Attributes:
        name: The namespace's DNS name, e.g. ``duckdb-analytics-prod.internal`` (resolvable only inside the VPC).
        vpc_id: The VPC whose resolver answers for it.
    """

    name: str
    vpc_id: str

    def __post_init__(self) -> None:
        if not _NAMESPACE.fullmatch(self.name):
            raise ValueError(f"ServiceNamespaceProps.name {self.name!r}: must be a lowercase DNS name such as shop.internal")


class ServiceNamespace(Construct):
    """A Cloud Map private DNS namespace (a Route 53 private zone of the VPC).

    :meth:`add_service` gives an ECS service a name in it: ECS registers each healthy task's address as an ``A``
    record (10 s TTL, every healthy task answered) and removes it when the task stops, so
    ``http://<service>.<namespace>:<port>`` reaches a task directly, never through the internet or the load
    balancer (whose rate limits would count the caller as one client).
    """

    def __init__(self, scope: Construct, id_: str, props: ServiceNamespaceProps) -> None:
        super().__init__(scope, id_)
        self.namespace = ServiceDiscoveryPrivateDnsNamespace(
            self, "namespace", name=props.name, vpc=props.vpc_id,
            description=f"Service-to-service names inside the VPC ({props.name})",
        )
        self._name = props.name

    def add_service(self, id_: str, name: str) -> ServiceDiscoveryService:
        """The registry of ``<name>.<namespace>``; pass its ARN to the ECS service's ``service_registries``."""
        if not _SERVICE.fullmatch(name):
            raise ValueError(f"ServiceNamespace.add_service name {name!r}: must be a DNS label")
        return ServiceDiscoveryService(
            self, id_, name=name,
            dns_config=ServiceDiscoveryServiceDnsConfig(
                namespace_id=self.namespace.id, routing_policy="MULTIVALUE",
                dns_records=[DnsRecords(ttl=10, type="A")],
            ),
            # ECS reports each task's health (the load balancer's health check decides it).
            health_check_custom_config=CustomHealth(),
        )

    @property
    def name(self) -> str:
        """The namespace's DNS name."""
        return self._name
