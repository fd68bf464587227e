"""The VPC: public subnets for the load balancer, private subnets for tasks, isolated subnets for data."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol, Union, runtime_checkable

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from ..props import PropError, checked, message, require
from .iam import Condition, Statement, policy_document
from .log_group import LogGroup, LogGroupProps


@dataclass(frozen=True)
class SubnetLayout:
    """CIDR blocks per availability zone, carved deterministically out of the VPC block."""

    public: tuple[ipaddress.IPv4Network, ...]
    private: tuple[ipaddress.IPv4Network, ...]
    isolated: tuple[ipaddress.IPv4Network, ...]

    @classmethod
    def for_vpc(cls, cidr: ipaddress.IPv4Network, zone_count: int) -> SubnetLayout:
        """Private subnets get a sixteenth of the VPC each (tasks need addresses); public and isolated
        subnets a 256th each, from the next two sixteenths. A /16 gives /20 private and /24 other
        subnets; a /19 gives /23 and /27, the smallest subnets a load balancer accepts."""
        sixteenths = list(cidr.subnets(prefixlen_diff=4))
        public = list(sixteenths[zone_count].subnets(prefixlen_diff=4))
        isolated = list(sixteenths[zone_count + 1].subnets(prefixlen_diff=4))
        return cls(
            public=tuple(public[:zone_count]),
            private=tuple(sixteenths[:zone_count]),
            isolated=tuple(isolated[:zone_count]),
        )


#: A private IPv4 block, written as text (``"10.0.0.0/16"``) or as an :class:`ipaddress.IPv4Network`.
Cidr = Union[str, ipaddress.IPv4Network]


def parse_cidr(value: Cidr, owner: str) -> ipaddress.IPv4Network:
    """``value`` as a network; a ValueError naming ``owner`` (e.g. ``NetworkProps.cidr``) when it is none."""
    if isinstance(value, ipaddress.IPv4Network):
        return value
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (TypeError, ValueError) as error:
        raise PropError(message(owner, None, f"must be an IPv4 block such as 10.0.0.0/16 ({error})", value)) from None


#: What each AWS service a task reaches through an interface endpoint may be asked, by the endpoint policy (only
#: principals of the platform's account; a task cannot use the endpoint with credentials from elsewhere).
#: ECR (the image: its layers come from S3 through the gateway endpoint), CloudWatch Logs (the container's
#: output), Secrets Manager (the secrets a task reads at start and after).
INTERFACE_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "ecr.api": ("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage"),
    "ecr.dkr": ("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage"),
    "logs": ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
    "secretsmanager": ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
}
#: The endpoints ECS Exec adds (``NetworkProps.execute_command``): Session Manager's channels, and KMS for the sessions'
#: key; CloudWatch Logs also answers ``DescribeLogGroups`` then (the SSM agent checks the session log group).
EXECUTE_COMMAND_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "ssmmessages": ("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"),
    "kms": ("kms:Decrypt",),
}
#: What the workloads may do with S3 through the gateway endpoint: objects of the account's buckets only.
S3_ENDPOINT_ACTIONS: tuple[str, ...] = (
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
    "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation",
)


@runtime_checkable
class NetworkRef(Protocol):
    """What services and load balancers need of a VPC: :class:`Network`, or :class:`ExistingNetwork` for your own.

    ``endpoints_security_group_id`` and ``s3_prefix_list_id`` name the VPC endpoints the tasks reach AWS through;
    without them (``None``) tasks need HTTPS to the internet.
    """

    @property
    def vpc_id(self) -> str: ...

    @property
    def cidr(self) -> ipaddress.IPv4Network: ...

    @property
    def public_subnet_ids(self) -> tuple[str, ...]: ...

    @property
    def private_subnet_ids(self) -> tuple[str, ...]: ...

    @property
    def isolated_subnet_ids(self) -> tuple[str, ...]: ...

    @property
    def endpoints_security_group_id(self) -> str | None: ...

    @property
    def s3_prefix_list_id(self) -> str | None: ...


@checked
class ExistingNetwork:
    """A VPC created elsewhere, described for the patterns (see :class:`NetworkRef`).

    Attributes:
        vpc_id: The VPC.
        cidr: Its IPv4 block (text or :class:`ipaddress.IPv4Network`); load balancers send only into it.
        public_subnet_ids: Subnets with an internet gateway route (load balancers), two zones or more.
        private_subnet_ids: Subnets reaching the internet through NAT (tasks).
        isolated_subnet_ids: Subnets without a route out (databases). Default none.
        endpoints_security_group_id: The security group of the VPC's interface endpoints for ECR, CloudWatch Logs
            and Secrets Manager (with private DNS). Default ``None``: tasks reach AWS over the internet.
        s3_prefix_list_id: The prefix list of the VPC's S3 gateway endpoint. Default ``None``.
    """

    vpc_id: str
    cidr: Cidr
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    isolated_subnet_ids: tuple[str, ...] = ()
    endpoints_security_group_id: str | None = None
    s3_prefix_list_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cidr", parse_cidr(self.cidr, "ExistingNetwork.cidr"))
        require(bool(self.private_subnet_ids), self, "private_subnet_ids", "name at least one subnet")


@dataclass(frozen=True)
class NetworkProps:
    """Props of :class:`Network`.

    Attributes:
        name_prefix: Start of every name, e.g. ``duckdb-analytics-prod``.
        region: The VPC's region, e.g. ``us-east-1``.
        account_id: The owning account; the flow-log role trusts only deliveries for it.
        cidr: The VPC's private IPv4 block, /16 to /19 (public subnets must be at least /27 for a load
            balancer), as text (``"10.0.0.0/16"``) or :class:`ipaddress.IPv4Network`.
        availability_zones: Zones to spread subnets over (2 to 6), e.g. ``("us-east-1a", "us-east-1b")``.
        flow_log_retention_days: Days VPC flow logs are kept.
        single_nat_gateway: One NAT gateway for all zones, and the interface endpoints in the first zone only
            (cheaper, not zone-redundant). Default ``False``: one of each per zone, so a zone outage does not cut
            the others off.
        kms_key_arn: Key encrypting the flow log group. Default ``None``.
        permissions_boundary_arn: IAM policy set as the permissions boundary of the flow-log role
            (a deploy identity allowed to create roles only with it cannot grant more than it allows). Default ``None``.
        role_path: IAM path of the flow-log role, e.g. ``/duckdb-analytics-prod/`` (a deploy identity may manage the roles
            under its path only). Default ``None``: the root path.
        execute_command: Interface endpoints for ECS Exec too (:data:`EXECUTE_COMMAND_ENDPOINTS`), so tasks without
            internet egress can open sessions. Default ``False``.
    """

    name_prefix: str
    region: str
    account_id: str
    cidr: ipaddress.IPv4Network
    availability_zones: tuple[str, ...]
    flow_log_retention_days: int
    single_nat_gateway: bool = False
    kms_key_arn: str | None = None
    permissions_boundary_arn: str | None = None
    role_path: str | None = None
    execute_command: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "cidr", parse_cidr(self.cidr, "NetworkProps.cidr"))
        object.__setattr__(self, "availability_zones", tuple(self.availability_zones))
        if not 2 <= len(self.availability_zones) <= 6 or len(set(self.availability_zones)) != len(self.availability_zones):
            raise ValueError(f"NetworkProps.availability_zones {self.availability_zones!r}: must name 2 to 6 distinct zones")
        if not (self.cidr.is_private and 16 <= self.cidr.prefixlen <= 19):
            raise ValueError(f"NetworkProps.cidr {str(self.cidr)!r}: must be a private block from /16 to /19")


class Network(Construct):
    """A VPC across the given zones.

    Public subnets (internet gateway route) hold only the load balancer and the NAT gateways;
    private subnets hold the tasks and reach the internet through NAT, which only a task allowed HTTPS to the
    internet can use; isolated subnets have no route out and hold the database. AWS is reached without the
    internet: S3 through a gateway endpoint, ECR, CloudWatch Logs and Secrets Manager through interface endpoints
    (:data:`INTERFACE_ENDPOINTS`), each with a policy admitting only the account's own principals (S3: only the
    account's buckets, and the layers of ECR images), so a stolen credential or an attacker's bucket is useless
    from inside. The default security group is stripped of all rules, and every flow (accepted and rejected) is
    logged to CloudWatch.
    """

    def __init__(self, scope: Construct, id_: str, props: NetworkProps) -> None:
        super().__init__(scope, id_)
        self._cidr = props.cidr
        layout = SubnetLayout.for_vpc(props.cidr, len(props.availability_zones))
        self.vpc = Vpc(
            self, "vpc", cidr_block=str(props.cidr), enable_dns_support=True, enable_dns_hostnames=True,
            tags={"Name": props.name_prefix},
        )
        DefaultSecurityGroup(self, "default_security_group", vpc_id=self.vpc.id, ingress=[], egress=[])
        internet_gateway = InternetGateway(self, "internet_gateway", vpc_id=self.vpc.id, tags={"Name": props.name_prefix})

        public_routes = RouteTable(self, "public_routes", vpc_id=self.vpc.id, tags={"Name": f"{props.name_prefix}-public"})
        Route(self, "public_default_route", route_table_id=public_routes.id, destination_cidr_block="0.0.0.0/0",
              gateway_id=internet_gateway.id)
        isolated_routes = RouteTable(self, "isolated_routes", vpc_id=self.vpc.id, tags={"Name": f"{props.name_prefix}-isolated"})

        self._public_subnets: list[Subnet] = []
        self._private_subnets: list[Subnet] = []
        self._isolated_subnets: list[Subnet] = []
        private_route_tables: list[RouteTable] = []
        nat_gateways: list[NatGateway] = []
        self._nat_public_ips: list[str] = []
        for index, zone in enumerate(props.availability_zones):
            public = self._add_public_subnet(props, zone, layout.public[index], public_routes)
            if index == 0 or not props.single_nat_gateway:
                nat_gateways.append(self._add_nat_gateway(props, zone, public, internet_gateway))
            private_route_tables.append(self._add_private_subnet(props, zone, layout.private[index], nat_gateways[-1]))
            self._add_isolated_subnet(props, zone, layout.isolated[index], isolated_routes)

        self.s3_endpoint = VpcEndpoint(
            self, "s3_endpoint", vpc_id=self.vpc.id, service_name=f"com.amazonaws.{props.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in private_route_tables] + [isolated_routes.id],
            policy=self._s3_endpoint_policy(props).json,
            tags={"Name": f"{props.name_prefix}-s3"},
        )
        self._add_interface_endpoints(props)
        self._add_flow_logs(props)

    def _add_public_subnet(self, props: NetworkProps, zone: str, cidr: ipaddress.IPv4Network,
                           routes: RouteTable) -> Subnet:
        """The zone's public subnet (no public IPs on launch), routed to the internet gateway."""
        public = Subnet(
            self, f"public_{zone}", vpc_id=self.vpc.id, availability_zone=zone, cidr_block=str(cidr),
            map_public_ip_on_launch=False, tags={"Name": f"{props.name_prefix}-public-{zone}", "Tier": "public"},
        )
        RouteTableAssociation(self, f"public_{zone}_routes", subnet_id=public.id, route_table_id=routes.id)
        self._public_subnets.append(public)
        return public

    def _add_nat_gateway(self, props: NetworkProps, zone: str, public: Subnet,
                         internet_gateway: InternetGateway) -> NatGateway:
        """A NAT gateway with its Elastic IP in the zone's public subnet."""
        address = Eip(self, f"nat_{zone}_address", domain="vpc", tags={"Name": f"{props.name_prefix}-nat-{zone}"})
        self._nat_public_ips.append(address.public_ip)
        return NatGateway(
            self, f"nat_{zone}", allocation_id=address.id, subnet_id=public.id,
            tags={"Name": f"{props.name_prefix}-nat-{zone}"}, depends_on=[internet_gateway],
        )

    def _add_private_subnet(self, props: NetworkProps, zone: str, cidr: ipaddress.IPv4Network,
                            nat_gateway: NatGateway) -> RouteTable:
        """The zone's private subnet with its own route table out through ``nat_gateway``; returns the table."""
        private = Subnet(
            self, f"private_{zone}", vpc_id=self.vpc.id, availability_zone=zone, cidr_block=str(cidr),
            tags={"Name": f"{props.name_prefix}-private-{zone}", "Tier": "private"},
        )
        private_routes = RouteTable(self, f"private_{zone}_routes_table", vpc_id=self.vpc.id,
                                    tags={"Name": f"{props.name_prefix}-private-{zone}"})
        Route(self, f"private_{zone}_default_route", route_table_id=private_routes.id,
              destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat_gateway.id)
        RouteTableAssociation(self, f"private_{zone}_routes", subnet_id=private.id, route_table_id=private_routes.id)
        self._private_subnets.append(private)
        return private_routes

    def _add_isolated_subnet(self, props: NetworkProps, zone: str, cidr: ipaddress.IPv4Network,
                             routes: RouteTable) -> None:
        """The zone's isolated subnet: a route table without a route out."""
        isolated = Subnet(
            self, f"isolated_{zone}", vpc_id=self.vpc.id, availability_zone=zone, cidr_block=str(cidr),
            tags={"Name": f"{props.name_prefix}-isolated-{zone}", "Tier": "isolated"},
        )
        RouteTableAssociation(self, f"isolated_{zone}_routes", subnet_id=isolated.id, route_table_id=routes.id)
        self._isolated_subnets.append(isolated)

    def _s3_endpoint_policy(self, props: NetworkProps) -> DataAwsIamPolicyDocument:
        own = Condition("StringEquals", "aws:PrincipalAccount", (props.account_id,))
        return policy_document(self, "s3_endpoint_policy", (
            Statement(sid="OwnBuckets", actions=S3_ENDPOINT_ACTIONS, resources=("*",), principals=(("AWS", ("*",)),),
                      conditions=(own, Condition("StringEquals", "aws:ResourceAccount", (props.account_id,)))),
            # ECR keeps image layers in a bucket of its own, per region.
            Statement(sid="EcrImageLayers", actions=("s3:GetObject",), principals=(("AWS", ("*",)),),
                      resources=(f"arn:aws:s3:::prod-{props.region}-starport-layer-bucket/*",), conditions=(own,)),
        ))

    def _add_interface_endpoints(self, props: NetworkProps) -> None:
        """ECR, CloudWatch Logs and Secrets Manager in the private subnets (the first zone's alone with a single NAT),
        reachable on 443 from the VPC, answering only the account's own principals."""
        self.endpoints_security_group = SecurityGroup(
            self, "endpoints_security_group", name_prefix=f"{props.name_prefix}-endpoints-", vpc_id=self.vpc.id,
            description=f"{props.name_prefix} interface endpoints: HTTPS from the VPC",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        VpcSecurityGroupIngressRule(
            self, "endpoints_https_in", security_group_id=self.endpoints_security_group.id, ip_protocol="tcp",
            from_port=443, to_port=443, cidr_ipv4=str(props.cidr), description="HTTPS from the VPC",
        )
        subnets = self._private_subnets[:1] if props.single_nat_gateway else self._private_subnets
        endpoints = dict(INTERFACE_ENDPOINTS)
        if props.execute_command:
            endpoints["logs"] = (*endpoints["logs"], "logs:DescribeLogGroups")
            endpoints.update(EXECUTE_COMMAND_ENDPOINTS)
        for service, actions in endpoints.items():
            key = service.replace(".", "_")
            policy = policy_document(self, f"{key}_endpoint_policy", (Statement(
                sid="OwnPrincipals", actions=actions, resources=("*",), principals=(("AWS", ("*",)),),
                conditions=(Condition("StringEquals", "aws:PrincipalAccount", (props.account_id,)),),
            ),))
            VpcEndpoint(
                self, f"{key}_endpoint", vpc_id=self.vpc.id, service_name=f"com.amazonaws.{props.region}.{service}",
                vpc_endpoint_type="Interface", private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in subnets], security_group_ids=[self.endpoints_security_group.id],
                policy=policy.json, tags={"Name": f"{props.name_prefix}-{service}"},
            )

    def _add_flow_logs(self, props: NetworkProps) -> None:
        log_group = LogGroup(self, "flow_logs", LogGroupProps(
            name=f"/vpc/{props.name_prefix}/flow-logs", retention_days=props.flow_log_retention_days,
            kms_key_arn=props.kms_key_arn,
        ))
        trust = policy_document(self, "flow_logs_trust", (Statement(
            sid="VpcFlowLogsAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
            principals=(("Service", ("vpc-flow-logs.amazonaws.com",)),),
            conditions=(
                Condition("StringEquals", "aws:SourceAccount", (props.account_id,)),
                Condition("ArnLike", "aws:SourceArn", (f"arn:aws:ec2:{props.region}:{props.account_id}:vpc-flow-log/*",)),
            ),
        ),))
        role = IamRole(self, "flow_logs_role", name_prefix=f"{props.name_prefix[:26]}-flow-", assume_role_policy=trust.json,
                       permissions_boundary=props.permissions_boundary_arn, path=props.role_path)
        permissions = policy_document(self, "flow_logs_permissions", (Statement(
            sid="WriteFlowLogs",
            actions=("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
            resources=(f"{log_group.arn}:*",),
        ), Statement(
            # AWS's flow-log role examples include it: the service checks the group before it delivers.
            sid="FindFlowLogGroup", actions=("logs:DescribeLogGroups",),
            resources=(f"arn:aws:logs:{props.region}:{props.account_id}:log-group:*",),
        )))
        IamRolePolicy(self, "flow_logs_policy", role=role.id, policy=permissions.json)
        FlowLog(
            self, "flow_log", vpc_id=self.vpc.id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn, iam_role_arn=role.arn, max_aggregation_interval=60,
        )

    @property
    def vpc_id(self) -> str:
        """ID of the VPC."""
        return self.vpc.id

    @property
    def cidr(self) -> ipaddress.IPv4Network:
        """The VPC's IPv4 block."""
        return self._cidr

    @property
    def public_subnet_ids(self) -> tuple[str, ...]:
        """Subnets with a route to the internet gateway, one per zone (load balancers, NAT gateways)."""
        return tuple(subnet.id for subnet in self._public_subnets)

    @property
    def private_subnet_ids(self) -> tuple[str, ...]:
        """Subnets reaching the internet through NAT, one per zone (tasks)."""
        return tuple(subnet.id for subnet in self._private_subnets)

    @property
    def isolated_subnet_ids(self) -> tuple[str, ...]:
        """Subnets without any route out, one per zone (databases)."""
        return tuple(subnet.id for subnet in self._isolated_subnets)

    @property
    def endpoints_security_group_id(self) -> str:
        """The security group of the interface endpoints (tasks may send HTTPS to it)."""
        return self.endpoints_security_group.id

    @property
    def s3_prefix_list_id(self) -> str:
        """The prefix list of S3 in the region, which the gateway endpoint routes (tasks may send HTTPS to it)."""
        return self.s3_endpoint.prefix_list_id

    @property
    def s3_endpoint_id(self) -> str:
        """The S3 gateway endpoint every private and isolated subnet reaches S3 through (``aws:SourceVpce``)."""
        return self.s3_endpoint.id

    @property
    def nat_public_ips(self) -> tuple[str, ...]:
        """Public addresses the private subnets reach the internet from, one per NAT gateway."""
        return tuple(self._nat_public_ips)
