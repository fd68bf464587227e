"""A private VPC for serverless egress: Google APIs privately, the internet only for tagged workloads, managed databases."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.compute_firewall import (
    ComputeFirewall,
    ComputeFirewallAllow,
    ComputeFirewallDeny,
    ComputeFirewallLogConfig,
)
from cdktf_cdktf_provider_google.compute_global_address import ComputeGlobalAddress
from cdktf_cdktf_provider_google.compute_network import ComputeNetwork
from cdktf_cdktf_provider_google.compute_router import ComputeRouter
from cdktf_cdktf_provider_google.compute_router_nat import ComputeRouterNat, ComputeRouterNatLogConfig
from cdktf_cdktf_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
from cdktf_cdktf_provider_google.dns_managed_zone import (
    DnsManagedZone,
    DnsManagedZonePrivateVisibilityConfig,
    DnsManagedZonePrivateVisibilityConfigNetworks,
)
from cdktf_cdktf_provider_google.dns_record_set import DnsRecordSet
from cdktf_cdktf_provider_google.service_networking_connection import ServiceNetworkingConnection
from constructs import Construct

from ._props import (
    REGION,
    REGION_RULE,
    RESOURCE_NAME,
    RESOURCE_NAME_RULE,
    Cidr,
    require,
    require_cidr,
    require_match,
    require_range,
)


#: ``private.googleapis.com``: Google APIs (and ``run.app``) from inside a VPC, through Private Google Access.
PRIVATE_GOOGLE_APIS_CIDR = "199.36.153.8/30"
PRIVATE_GOOGLE_APIS_ADDRESSES: tuple[str, ...] = tuple(
    str(address) for address in ipaddress.IPv4Network(PRIVATE_GOOGLE_APIS_CIDR))
#: The network tag that lets a workload send HTTPS to the internet (through Cloud NAT).
INTERNET_EGRESS_TAG = "internet-egress"
#: The network tag that lets a workload reach the private services range (the database): its clients only.
DATABASE_CLIENT_TAG = "database-client"


@dataclass(frozen=True)
class PrivateNetworkProps:
    """Props of :class:`PrivateNetwork`.

    Attributes:
        name: Name of the network and prefix of its parts (1-40 lowercase letters, digits or hyphens).
        region: Region of the subnet, e.g. ``us-central1``.
        subnet_cidr: Private IPv4 range of the subnet that Cloud Run instances send traffic from
            (direct VPC egress needs at least a /26), as text (``"10.20.0.0/24"``) or
            :class:`ipaddress.IPv4Network`; kept as the latter.
        private_services_cidr: Private IPv4 range reserved for Google-managed services such as Cloud
            SQL (private service access; at least a /24); must not overlap ``subnet_cidr``. Text or
            :class:`ipaddress.IPv4Network`. Default ``None``: no private service access.
        private_services_ports: TCP ports the subnet may reach in ``private_services_cidr``; all other
            egress into the network is denied. Default ``(5432,)``: PostgreSQL.
        internet_egress: Cloud NAT, and HTTPS to the internet for workloads tagged :data:`INTERNET_EGRESS_TAG`.
            Default ``False``: nothing in the network reaches the internet.
        flow_log_sampling: Share of flows recorded in VPC flow logs (0 to 1). Default 0.5.
        depends_on: Resources to create first, e.g. the compute and service networking project services.
    """

    name: str
    region: str
    subnet_cidr: Cidr
    private_services_cidr: Cidr | None = None
    private_services_ports: tuple[int, ...] = (5432,)
    flow_log_sampling: float = 0.5
    internet_egress: bool = False
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        # Firewall names append up to 30 characters ("-allow-private-services-egress") within 63.
        require(len(self.name) <= 33, self, "name", "be at most 33 characters (suffixes follow)")
        require_match(REGION, self, "region", REGION_RULE)
        check_network_ranges(self)
        require(bool(self.private_services_ports) and all(0 < port < 65536 for port in self.private_services_ports),
                self, "private_services_ports", "name at least one TCP port, each 1 to 65535")
        require_range(self, "flow_log_sampling", 0, 1)


def check_network_ranges(props: object, owner: str | None = None) -> None:
    """Parses ``subnet_cidr`` and, where it has one, ``private_services_cidr`` of a frozen ``props`` (text or
    networks) and checks that they are private, large enough and apart."""
    subnet = require_cidr(props, "subnet_cidr", owner)
    require(subnet.is_private and subnet.prefixlen <= 26, props, "subnet_cidr",
            "be a private IPv4 range of /26 or larger", owner)
    if getattr(props, "private_services_cidr", None) is None:
        return
    private_services = require_cidr(props, "private_services_cidr", owner)
    require(private_services.is_private and private_services.prefixlen <= 24, props, "private_services_cidr",
            "be a private IPv4 range of /24 or larger", owner)
    require(not subnet.overlaps(private_services), props, "private_services_cidr", f"not overlap subnet_cidr {subnet}",
            owner)


class PrivateNetwork(Construct):
    """A custom-mode VPC network whose workloads reach only what they are allowed to.

    One regional subnet (more with :meth:`add_subnet`) with Private Google Access and VPC flow logs. Firewall
    rules (logged) deny all ingress and all egress except: HTTPS to ``private.googleapis.com``
    (:data:`PRIVATE_GOOGLE_APIS_CIDR`), to which private DNS zones point every ``*.googleapis.com`` and
    ``*.run.app`` name, so Cloud Run services that send all their traffic through the subnet reach Google APIs
    and each other's ``run.app`` URLs (as internal traffic) without the internet; the private services range on
    ``private_services_ports``, with private service access; and, with ``internet_egress``, HTTPS to anywhere for
    workloads tagged :data:`INTERNET_EGRESS_TAG`, through Cloud NAT. The private service access range is peered
    with Google's service producer network, so a Cloud SQL instance can take a private IP from it and have no
    public address at all; the peering is abandoned rather than deleted on destroy (Google refuses to delete it
    while a producer resource, the database, still uses it).
    """

    def __init__(self, scope: Construct, id_: str, props: PrivateNetworkProps) -> None:
        super().__init__(scope, id_)
        depends_on = list(props.depends_on) or None
        self.network = ComputeNetwork(
            self,
            "network",
            name=props.name,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            depends_on=depends_on,
        )
        self._props = props
        self.subnet = self._subnet("subnet", props.region, props.subnet_cidr)
        self.private_services_range: ComputeGlobalAddress | None = None
        self.private_services_connection: ServiceNetworkingConnection | None = None
        allowed: list[tuple[str, str, dict[str, object]]] = [
            ("allow_google_apis_egress", "HTTPS to private.googleapis.com",
             {"allow": [ComputeFirewallAllow(protocol="tcp", ports=["443"])],
              "destination_ranges": [PRIVATE_GOOGLE_APIS_CIDR]}),
        ]
        if props.private_services_cidr is not None:
            cidr = self._add_private_service_access(ipaddress.IPv4Network(props.private_services_cidr), depends_on)
            allowed.append(("allow_private_services_egress", f"The private services range, for {DATABASE_CLIENT_TAG}",
                            {"allow": [ComputeFirewallAllow(protocol="tcp", ports=[str(port) for port in
                                                                                  props.private_services_ports])],
                             "destination_ranges": [cidr], "target_tags": [DATABASE_CLIENT_TAG]}))
        if props.internet_egress:
            self._add_cloud_nat(depends_on)
            allowed.append(("allow_tagged_internet_egress", f"HTTPS to the internet for {INTERNET_EGRESS_TAG}",
                            {"allow": [ComputeFirewallAllow(protocol="tcp", ports=["443"])],
                             "destination_ranges": ["0.0.0.0/0"], "target_tags": [INTERNET_EGRESS_TAG]}))
        self._add_firewall(allowed)
        self._add_private_dns(depends_on)

    def _add_private_service_access(self, private_services: ipaddress.IPv4Network,
                                    depends_on: list[ITerraformDependable] | None) -> str:
        """The range reserved for Google-managed services, peered with their producer network; returns it as text."""
        props = self._props
        self.private_services_range = ComputeGlobalAddress(
            self,
            "private_services_range",
            name=f"{props.name}-private-services",
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=str(private_services.network_address),
            prefix_length=private_services.prefixlen,
            network=self.network.id,
        )
        self.private_services_connection = ServiceNetworkingConnection(
            self,
            "private_services_connection",
            network=self.network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[self.private_services_range.name],
            deletion_policy="ABANDON",
            depends_on=depends_on,
        )
        return str(private_services)

    def _add_firewall(self, allowed: list[tuple[str, str, dict[str, object]]]) -> None:
        """Logged rules: deny all ingress, allow the ``allowed`` egress (priority 1000), deny all other egress."""
        name = self._props.name
        rules: list[tuple[str, str, int, str | None, dict[str, object]]] = [
            ("deny_all_ingress", "INGRESS", 65534, None, {"deny": [ComputeFirewallDeny(protocol="all")]}),
            *((key, "EGRESS", 1000, description, rule) for key, description, rule in allowed),
            ("deny_all_egress", "EGRESS", 65534, None, {"deny": [ComputeFirewallDeny(protocol="all")]}),
        ]
        for key, direction, priority, description, rule in rules:
            ranges = "source_ranges" if direction == "INGRESS" else "destination_ranges"
            ComputeFirewall(
                self,
                key,
                name=f"{name}-{key.replace('_', '-')}",
                network=self.network.id,
                direction=direction,
                priority=priority,
                description=description,
                log_config=ComputeFirewallLogConfig(metadata="INCLUDE_ALL_METADATA"),
                **{ranges: ["0.0.0.0/0"], **rule},
            )

    def _add_private_dns(self, depends_on: list[ITerraformDependable] | None) -> None:
        """Private zones pointing ``*.googleapis.com`` and ``*.run.app`` at ``private.googleapis.com``."""
        name = self._props.name
        visibility = DnsManagedZonePrivateVisibilityConfig(
            networks=[DnsManagedZonePrivateVisibilityConfigNetworks(network_url=self.network.id)])
        for key, domain, records in (
            ("googleapis", "googleapis.com.", (("private.googleapis.com.", "A", list(PRIVATE_GOOGLE_APIS_ADDRESSES)),
                                               ("*.googleapis.com.", "CNAME", ["private.googleapis.com."]))),
            ("run_app", "run.app.", (("*.run.app.", "A", list(PRIVATE_GOOGLE_APIS_ADDRESSES)),)),
        ):
            zone = DnsManagedZone(
                self, f"{key}_zone", name=f"{name}-{key.replace('_', '-')}", dns_name=domain, visibility="private",
                description=f"{domain} through Private Google Access, for {name}",
                private_visibility_config=visibility, depends_on=depends_on,
            )
            for index, (record, kind, data) in enumerate(records):
                DnsRecordSet(self, f"{key}_record_{index}", managed_zone=zone.name, name=record, type=kind, ttl=300,
                             rrdatas=data)

    def _add_cloud_nat(self, depends_on: list[ITerraformDependable] | None) -> None:
        props = self._props
        router = ComputeRouter(self, "router", name=f"{props.name}-router", region=props.region,
                               network=self.network.id, depends_on=depends_on)
        ComputeRouterNat(
            self, "nat", name=f"{props.name}-nat", router=router.name, region=props.region,
            nat_ip_allocate_option="AUTO_ONLY", source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=ComputeRouterNatLogConfig(enable=True, filter="ERRORS_ONLY"),
        )

    def _subnet(self, id_: str, region: str, cidr: object) -> ComputeSubnetwork:
        return ComputeSubnetwork(
            self,
            id_,
            name=f"{self._props.name}-{region}",
            region=region,
            network=self.network.id,
            ip_cidr_range=str(cidr),
            private_ip_google_access=True,
            log_config=ComputeSubnetworkLogConfig(
                aggregation_interval="INTERVAL_5_SEC",
                flow_sampling=self._props.flow_log_sampling,
                metadata="INCLUDE_ALL_METADATA",
            ),
        )

    def add_subnet(self, id_: str, *, region: str, cidr: Cidr) -> ComputeSubnetwork:
        """One more subnet (``<name>-<region>``, Private Google Access, flow logs) for serverless egress in
        another region; the network's firewall rules apply to it as to the first (a VPC is global)."""
        network = ipaddress.IPv4Network(cidr)
        props = self._props
        taken = tuple(ipaddress.IPv4Network(block) for block in (props.subnet_cidr, props.private_services_cidr)
                      if block is not None)
        if not REGION.fullmatch(region) or region == props.region or not network.is_private or network.prefixlen > 26 \
                or any(network.overlaps(other) for other in taken):
            raise ValueError(f"PrivateNetwork.add_subnet: region {region!r} must be another region than "
                             f"{props.region!r} and cidr {cidr!s} a private /26 or larger apart from "
                             f"{' and '.join(map(str, taken))}")
        return self._subnet(id_, region, network)

    @property
    def network_id(self) -> str:
        """The network's ID (``projects/<p>/global/networks/<name>``)."""
        return self.network.id

    @property
    def private_services_range_name(self) -> str | None:
        """Name of the range reserved for private service access (a Cloud SQL ``allocated_ip_range``); ``None``
        without one."""
        return self.private_services_range.name if self.private_services_range is not None else None

    @property
    def subnet_id(self) -> str:
        """The subnet's ID."""
        return self.subnet.id
