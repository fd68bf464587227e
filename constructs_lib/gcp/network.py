"""A private VPC for serverless egress, with private service access for managed databases."""

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
from cdktf_cdktf_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
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
            :class:`ipaddress.IPv4Network`.
        private_services_ports: TCP ports the subnet may reach in ``private_services_cidr``; all other
            egress into the network is denied. Default ``(5432,)``: PostgreSQL.
        flow_log_sampling: Share of flows recorded in VPC flow logs (0 to 1). Default 0.5.
        depends_on: Resources to create first, e.g. the compute and service networking project services.
    """

    name: str
    region: str
    subnet_cidr: Cidr
    private_services_cidr: Cidr
    private_services_ports: tuple[int, ...] = (5432,)
    flow_log_sampling: float = 0.5
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
    """Parses ``subnet_cidr`` and ``private_services_cidr`` of a frozen ``props`` (text or networks)
    and checks that both are private, large enough and apart."""
    subnet = require_cidr(props, "subnet_cidr", owner)
    private_services = require_cidr(props, "private_services_cidr", owner)
    require(subnet.is_private and subnet.prefixlen <= 26, props, "subnet_cidr",
            "be a private IPv4 range of /26 or larger", owner)
    require(private_services.is_private and private_services.prefixlen <= 24, props, "private_services_cidr",
            "be a private IPv4 range of /24 or larger", owner)
    require(not subnet.overlaps(private_services), props, "private_services_cidr", f"not overlap subnet_cidr {subnet}",
            owner)


class PrivateNetwork(Construct):
    """A custom-mode VPC network with one regional subnet and private service access.

    No subnet is created automatically. Firewall rules (logged) deny all ingress, allow egress only
    from the subnet to the private services range on ``private_services_ports``, and deny all other
    egress: a workload in the subnet can reach its database and nothing else in the network.
    (Serverless workloads with private-ranges-only egress reach Google APIs and the internet
    outside the VPC, so these rules do not affect them.) The subnet has Private Google Access and
    VPC flow logs. The reserved range is peered
    with Google's service producer network, so a Cloud SQL instance can take a private IP from it
    and have no public address at all. The peering is abandoned rather than deleted on destroy:
    Google refuses to delete it while a producer resource (the database) still uses it.
    """

    def __init__(self, scope: Construct, id_: str, props: PrivateNetworkProps) -> None:
        super().__init__(scope, id_)
        depends_on = list(props.depends_on) or None
        private_services = ipaddress.IPv4Network(props.private_services_cidr)  # parsed by the props already
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

        cidr = str(private_services)
        ports = [str(port) for port in props.private_services_ports]
        for key, direction, priority, rule in (
            ("deny_all_ingress", "INGRESS", 65534, {"deny": [ComputeFirewallDeny(protocol="all")]}),
            ("allow_private_services_egress", "EGRESS", 1000,
             {"allow": [ComputeFirewallAllow(protocol="tcp", ports=ports)], "destination_ranges": [cidr]}),
            ("deny_all_egress", "EGRESS", 65534, {"deny": [ComputeFirewallDeny(protocol="all")]}),
        ):
            ranges = "source_ranges" if direction == "INGRESS" else "destination_ranges"
            ComputeFirewall(
                self,
                key,
                name=f"{props.name}-{key.replace('_', '-')}",
                network=self.network.id,
                direction=direction,
                priority=priority,
                log_config=ComputeFirewallLogConfig(metadata="INCLUDE_ALL_METADATA"),
                **{ranges: ["0.0.0.0/0"], **rule},
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
        taken = (ipaddress.IPv4Network(props.subnet_cidr), ipaddress.IPv4Network(props.private_services_cidr))
        if not REGION.fullmatch(region) or region == props.region or not network.is_private or network.prefixlen > 26 \
                or any(network.overlaps(other) for other in taken):
            raise ValueError(f"PrivateNetwork.add_subnet: region {region!r} must be another region than "
                             f"{props.region!r} and cidr {cidr!s} a private /26 or larger apart from {taken[0]} and {taken[1]}")
        return self._subnet(id_, region, network)

    @property
    def network_id(self) -> str:
        """The network's ID (``projects/<p>/global/networks/<name>``)."""
        return self.network.id

    @property
    def private_services_range_name(self) -> str:
        """Name of the range reserved for private service access (a Cloud SQL ``allocated_ip_range``)."""
        return self.private_services_range.name

    @property
    def subnet_id(self) -> str:
        """The subnet's ID."""
        return self.subnet.id
