"""The internet-facing load balancer with its WAF (and, with HTTPS, its certificate), built the same way by both AWS
patterns."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from ..certificate import DnsValidatedCertificate, DnsValidatedCertificateProps
from ..load_balancer import DnsFailover, PublicLoadBalancer, PublicLoadBalancerProps, TargetSpec, TestListener
from ..log_bucket import LogBucket
from ..network import NetworkRef
from ..web_acl import WebAcl, WebAclProps
from .specs import LoadBalancerSpec


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
