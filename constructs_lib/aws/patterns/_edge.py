"""The parts both AWS patterns build the same way: the KMS key and the internet-facing load balancer with its WAF."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from ...naming import PlatformIdentity
from ..certificate import DnsValidatedCertificate, DnsValidatedCertificateProps
from ..encryption_key import EncryptionKey, EncryptionKeyProps
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment

from ..iam import Statement, policy_document
from ..load_balancer import DnsFailover, PublicLoadBalancer, PublicLoadBalancerProps, TargetSpec, TestListener
from ..log_bucket import LogBucket
from ..network import NetworkRef
from ..web_acl import WebAcl, WebAclProps
from .specs import LoadBalancerSpec


def platform_key(scope: Construct, alias: str, account_id: str, region: str, description: str,
                 budgets: bool = False, deployer_arn: str | None = None) -> EncryptionKey:
    """The key of a pattern: its policy lets CloudWatch Logs (log groups), alarms and Budgets (the topic) use it,
    and the deploy role (``deployer_arn``) manage it and use it through RDS and Secrets Manager."""
    statements = (
        EncryptionKey.cloudwatch_logs_statement(region, account_id),
        EncryptionKey.cloudwatch_alarms_statement(account_id),
        *((EncryptionKey.budgets_statement(account_id),) if budgets else ()),
        *(EncryptionKey.deployer_statements(deployer_arn, region) if deployer_arn is not None else ()),
    )
    return EncryptionKey(scope, "platform_key", EncryptionKeyProps(
        alias=alias, account_id=account_id, description=description, service_statements=statements,
        deployer_may_not_change_policy=deployer_arn is not None,
    ))


@dataclass(frozen=True)
class Edge:
    """A load balancer a pattern created, its WAF (if any) and the site's URL."""

    load_balancer: PublicLoadBalancer
    web_acl: WebAcl | None
    url: str


def add_edge(
    scope: Construct, spec: LoadBalancerSpec, *, name: str, network: NetworkRef, targets: tuple[TargetSpec, ...],
    idle_timeout_seconds: int, log_bucket: LogBucket, kms_key_arn: str, log_retention_days: int,
    deletion_protection: bool, test_listener: TestListener | None = None,
    dns_failover: DnsFailover | None = None, record_name: str | None = None, validation_records: bool = True,
) -> Edge:
    """The load balancer of ``spec`` (certificate, alias, access logs) and its web ACL.

    The alias record is named ``record_name`` (default: the certificate's domain, the site name).
    ``validation_records``: an issued certificate's validation records are created here (``False``: another
    stack's certificate of the domain owns them, see :class:`DnsValidatedCertificateProps`). The web ACL
    serves only the site's names: the domain, ``record_name`` and the load balancer's own DNS name (which the
    Route 53 health check and a site without a domain use); any other ``Host`` gets a 404.
    """
    https = spec.https
    certificate_arn = None
    if https is not None:
        certificate_arn = https.certificate_arn
        if certificate_arn is None and https.hosted_zone_id is not None:
            certificate_arn = DnsValidatedCertificate(scope, "certificate", DnsValidatedCertificateProps(
                domain_name=https.domain, hosted_zone_id=https.hosted_zone_id, validation_records=validation_records,
            )).arn
    load_balancer = PublicLoadBalancer(scope, "load_balancer", PublicLoadBalancerProps(
        name=name,
        network=network,
        targets=targets,
        access_log_bucket=log_bucket.name,
        access_log_prefix=log_bucket.load_balancer_prefix,
        certificate_arn=certificate_arn,
        deletion_protection=deletion_protection,
        idle_timeout_seconds=spec.idle_timeout_seconds or idle_timeout_seconds,
        # An alias record where the zone is known; otherwise point the domain yourself.
        domain_name=(record_name or https.domain) if https is not None and https.hosted_zone_id else None,
        hosted_zone_id=https.hosted_zone_id if https is not None else None,
        dependencies=(log_bucket.policy,),
        test_listener=test_listener,
        dns_failover=dns_failover,
    ))
    web_acl = None
    if spec.waf is not None:
        waf = spec.waf
        hosts = dict.fromkeys(name for name in (https.domain if https else None, record_name, load_balancer.dns_name)
                              if name is not None)
        web_acl = WebAcl(scope, "web_acl", WebAclProps(
            name=name, resource_arn=load_balancer.arn,
            rate_limit_requests=waf.rate_limit_requests, rate_limit_window_seconds=waf.rate_limit_window_seconds,
            path_rate_limits=waf.path_rate_limits, allowed_hosts=tuple(hosts), request_limits=waf.request_limits,
            log_retention_days=log_retention_days, kms_key_arn=kms_key_arn,
            managed_rule_groups=waf.managed_rule_groups, log_allowed_requests=waf.log_allowed_requests,
        ))
    url = f"https://{https.domain}" if https is not None else f"http://{load_balancer.dns_name}"
    return Edge(load_balancer, web_acl, url)


def key_description(identity: PlatformIdentity) -> str:
    return f"Encrypts the data, logs, secrets and alerts of {identity.prefix}"


#: AWS's managed policy for the role ECS assumes to move listener rules and target groups during
#: blue/green, canary and linear deployments (ELB describe calls and Modify* on rules and listeners).
ECS_LOAD_BALANCER_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def traffic_shifting_role(scope: Construct, name: str, permissions_boundary_arn: str | None = None,
                          role_path: str | None = None) -> tuple[IamRole, IamRolePolicyAttachment]:
    """The role ECS assumes to shift traffic between target groups.

    Its trust is the one AWS documents for the ECS infrastructure role for load balancers: the ECS service
    principal, no condition (ECS does not promise ``aws:SourceAccount`` when it assumes this role).
    """
    trust = policy_document(scope, "traffic_role_trust", (Statement(
        sid="EcsAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
        principals=(("Service", ("ecs.amazonaws.com",)),),
    ),))
    role = IamRole(scope, "traffic_role", name_prefix=f"{name[:28]}-ecs-lb-", assume_role_policy=trust.json,
                   description=f"{name}: ECS moves listener rules during blue/green, canary and linear deployments",
                   permissions_boundary=permissions_boundary_arn, path=role_path)
    attachment = IamRolePolicyAttachment(scope, "traffic_role_policy", role=role.name, policy_arn=ECS_LOAD_BALANCER_POLICY)
    return role, attachment
