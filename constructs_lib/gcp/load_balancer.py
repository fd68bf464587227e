"""A global external HTTPS load balancer in front of Cloud Run services, with path routing and HTTP->HTTPS redirect."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_google.compute_backend_service import (
    ComputeBackendService,
    ComputeBackendServiceBackend,
    ComputeBackendServiceLogConfig,
    ComputeBackendServiceOutlierDetection,
    ComputeBackendServiceOutlierDetectionBaseEjectionTime,
    ComputeBackendServiceOutlierDetectionInterval,
)
from cdktf_cdktf_provider_google.compute_global_address import ComputeGlobalAddress
from cdktf_cdktf_provider_google.compute_global_forwarding_rule import ComputeGlobalForwardingRule
from cdktf_cdktf_provider_google.compute_managed_ssl_certificate import (
    ComputeManagedSslCertificate,
    ComputeManagedSslCertificateManaged,
)
from cdktf_cdktf_provider_google.compute_region_network_endpoint_group import (
    ComputeRegionNetworkEndpointGroup,
    ComputeRegionNetworkEndpointGroupCloudRun,
)
from cdktf_cdktf_provider_google.compute_ssl_policy import ComputeSslPolicy
from cdktf_cdktf_provider_google.compute_target_http_proxy import ComputeTargetHttpProxy
from cdktf_cdktf_provider_google.compute_target_https_proxy import ComputeTargetHttpsProxy
from cdktf_cdktf_provider_google.compute_url_map import (
    ComputeUrlMap,
    ComputeUrlMapDefaultUrlRedirect,
    ComputeUrlMapHostRule,
    ComputeUrlMapPathMatcher,
    ComputeUrlMapPathMatcherPathRule,
)
from constructs import Construct

from ..cloud_limits import DOMAIN_PATTERN
from ._props import REGION, REGION_RULE, RESOURCE_NAME, RESOURCE_NAME_RULE, require, require_match, require_range, require_strings

_KEY = re.compile(r"[a-z][a-z0-9]{0,19}")
#: A path a URL map routes: starting with ``/``, with ``*`` (any rest) only at the end.
URL_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()+,;=:@%/-]*\*?")
URL_PATH_RULE = "be URL paths starting with '/', with '*' only at the end"
SSL_PROFILES = ("CUSTOM", "RESTRICTED", "MODERN")
MIN_TLS_VERSIONS = ("TLS_1_2", "TLS_1_3")
#: The TLS 1.2 cipher suites of the ``CUSTOM`` profile: ECDHE key exchange (forward secrecy) with an AEAD cipher,
#: no CBC suite and no RSA key exchange (``MODERN`` offers both). TLS 1.3 suites are always on.
TLS_FEATURES: tuple[str, ...] = (
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
)
#: ``Strict-Transport-Security`` of every response: browsers use HTTPS only for a year (no subdomains, no preload).
HSTS_HEADER = "max-age=31536000"


def region_failover() -> ComputeBackendServiceOutlierDetection:
    """Outlier detection of a backend service with serverless NEGs in several regions.

    A region answering with gateway errors (502/503/504, or no connection at all: a lost region) three times
    in a row, or with 5xx five times, is taken out of the pool for at least 30 s (longer each time again),
    checked every 10 s; at most one of two regions is out at a time.
    """
    return ComputeBackendServiceOutlierDetection(
        consecutive_gateway_failure=3,
        enforcing_consecutive_gateway_failure=100,
        consecutive_errors=5,
        enforcing_consecutive_errors=100,
        interval=ComputeBackendServiceOutlierDetectionInterval(seconds=10),
        base_ejection_time=ComputeBackendServiceOutlierDetectionBaseEjectionTime(seconds=30),
        max_ejection_percent=50,
    )


@dataclass(frozen=True)
class RegionalService:
    """A backend's Cloud Run service in another region (a disaster-recovery standby's copy).

    Attributes:
        region: Its region.
        service_name: Its name, as a reference to that region's service, so that its NEG follows it.
        serves: Put its NEG into the backend service, so that the load balancer sends clients near that region
            there. ``False`` creates the NEG only: the service serves nothing until a failover adds it (e.g. one
            whose database is in the other region). Default ``True``.
    """

    region: str
    service_name: str
    serves: bool = True

    def __post_init__(self) -> None:
        require_match(REGION, self, "region", REGION_RULE)


@dataclass(frozen=True)
class ServerlessBackend:
    """One Cloud Run service behind the load balancer.

    Attributes:
        key: Short name used in resource names and ids (1-20 lowercase letters or digits), e.g. ``backend``.
        service_name: The Cloud Run service (in the load balancer's region).
        paths: URL paths routed to it, e.g. ``("/api/*", "/health")``. Empty for the default backend,
            which gets every other path.
        other_regions: More regions that run a Cloud Run service of the same name: each gets a serverless NEG
            on the same backend service, so the load balancer sends each client to the nearest region and,
            by outlier detection, away from a region that fails. Default none.
        regional_services: The same, naming each region's service (a reference to it) and whether it serves
            (:class:`RegionalService`). Default none.
    """

    key: str
    service_name: str
    paths: tuple[str, ...] = ()
    other_regions: tuple[str, ...] = ()
    regional_services: tuple[RegionalService, ...] = ()

    def __post_init__(self) -> None:
        require_match(_KEY, self, "key", "be 1 to 20 lowercase letters or digits, starting with a letter")
        require_strings(self, "paths", "/api/*")
        require(all(URL_PATH.fullmatch(path) for path in self.paths), self, "paths", URL_PATH_RULE)
        regions = require_strings(self, "other_regions", "us-east1")
        require(all(REGION.fullmatch(region) for region in regions) and len(set(regions)) == len(regions), self,
                "other_regions", "be distinct Google Cloud regions such as us-east1")
        object.__setattr__(self, "regional_services", tuple(self.regional_services))
        require(all(isinstance(service, RegionalService) for service in self.regional_services), self,
                "regional_services", "be RegionalService values")
        require(len(set(self.regions)) == len(self.regions), self, "regional_services",
                "name each region once, and none of other_regions")

    @property
    def regions(self) -> tuple[str, ...]:
        """Every other region with a NEG: ``other_regions``, then those of ``regional_services``."""
        return (*self.other_regions, *(service.region for service in self.regional_services))

    @property
    def other_services(self) -> tuple[RegionalService, ...]:
        """Every other region's service: ``other_regions`` (same name, serving), then ``regional_services``."""
        return (*(RegionalService(region, self.service_name) for region in self.other_regions), *self.regional_services)


@dataclass(frozen=True)
class ServerlessLoadBalancerProps:
    """Props of :class:`ServerlessLoadBalancer`.

    Attributes:
        name: Prefix of every resource name (1-40 lowercase letters, digits or hyphens).
        region: Region of the Cloud Run services.
        domains: Domains served; a Google-managed certificate is issued for them once their DNS
            points at :attr:`ServerlessLoadBalancer.ip_address`.
        backends: The services; exactly one has no ``paths`` and receives all other requests.
        security_policy: Cloud Armor policy attached to every backend service. Default ``None``:
            none (pass one; without it nothing filters or rate-limits requests).
        redirect_http: Answer plain HTTP on port 80 with a redirect to HTTPS. Default ``True``;
            ``False`` leaves port 80 closed.
        ssl_profile: TLS feature profile of the HTTPS proxy: ``CUSTOM`` (:data:`TLS_FEATURES`), ``RESTRICTED`` or
            ``MODERN`` (which still offers CBC and RSA key exchange). Default ``CUSTOM``.
        min_tls_version: Oldest TLS version accepted, ``TLS_1_2`` or ``TLS_1_3``. Default ``TLS_1_2``.
        hsts: ``Strict-Transport-Security`` value of every response; ``None`` sends none. Default :data:`HSTS_HEADER`.
        log_sample_rate: Share of requests logged by the backend services (0 to 1); the requests Cloud Armor denies
            are in that share too, so below 1 some refusals go unlogged. Default 1.
        depends_on: Resources to create first, e.g. the compute project service.
    """

    name: str
    region: str
    domains: tuple[str, ...]
    backends: tuple[ServerlessBackend, ...]
    security_policy: str | None = None
    redirect_http: bool = True
    ssl_profile: str = "CUSTOM"
    min_tls_version: str = "TLS_1_2"
    hsts: str | None = HSTS_HEADER
    log_sample_rate: float = 1.0
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        # Names append up to 25 characters ("-<backend key>-neg", keys at most 20) within 63.
        require(len(self.name) <= 38, self, "name", "be at most 38 characters (suffixes follow)")
        require_match(REGION, self, "region", REGION_RULE)
        check_domains_and_tls(self)
        keys = [backend.key for backend in self.backends]
        require(len(set(keys)) == len(keys), self, "backends", "have distinct keys")
        require(sum(not backend.paths for backend in self.backends) == 1, self, "backends",
                "have exactly one default backend (one without paths)")
        paths = [path for backend in self.backends for path in backend.paths]
        require(len(set(paths)) == len(paths), self, "backends", "not route one path to two backends")
        require(all(self.region not in backend.regions for backend in self.backends), self, "backends",
                f"not list the load balancer's region {self.region!r} among other_regions")
        longest = max((len(f"{self.name}-{backend.key}-neg-{region}") for backend in self.backends
                       for region in backend.regions), default=0)
        require(longest <= 63, self, "name", f"leave room for the NEG names of other regions (the longest is {longest} "
                "characters, at most 63)")
        require_range(self, "log_sample_rate", 0, 1)


def check_domains_and_tls(props: object, owner: str | None = None) -> None:
    """Checks ``domains`` (a single name is turned into a one-element tuple), ``ssl_profile`` and
    ``min_tls_version`` of a frozen ``props``."""
    domains = getattr(props, "domains")
    if isinstance(domains, str):
        domains = (domains,)
        object.__setattr__(props, "domains", domains)
    require(isinstance(domains, (tuple, list)) and 0 < len(domains) <= 100
            and all(isinstance(domain, str) and DOMAIN_PATTERN.fullmatch(domain) for domain in domains),
            props, "domains", "be 1 to 100 lowercase DNS names such as app.example.com", owner)
    object.__setattr__(props, "domains", tuple(domains))
    require(getattr(props, "ssl_profile") in SSL_PROFILES, props, "ssl_profile", f"be {' or '.join(SSL_PROFILES)}", owner)
    require(getattr(props, "min_tls_version") in MIN_TLS_VERSIONS, props, "min_tls_version",
            f"be {' or '.join(MIN_TLS_VERSIONS)}", owner)


class ServerlessLoadBalancer(Construct):
    """A global external Application Load Balancer (``EXTERNAL_MANAGED``) for Cloud Run services.

    A global static IPv4 address; per service a serverless network endpoint group and a backend
    service (request logging, the Cloud Armor policy, HSTS); a URL map routing each backend's paths to it
    on the configured domains and everything else to the default backend; an HTTPS proxy with a
    Google-managed certificate and an SSL policy (TLS 1.2+ with :data:`TLS_FEATURES` only); a forwarding rule
    on port 443; and,
    with ``redirect_http``, a second URL map, HTTP proxy and forwarding rule on port 80 that only
    redirect to HTTPS (301). The certificate's name carries a hash of the domains and is created
    before the old one is destroyed, so changing domains never leaves the proxy without one.

    More services can be put behind it later with :meth:`add_backend` (e.g. a
    :class:`~constructs_lib.gcp.patterns.PublicCloudRunService` sharing a platform's load balancer).
    """

    def __init__(self, scope: Construct, id_: str, props: ServerlessLoadBalancerProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self._backends: list[ServerlessBackend] = []
        depends_on = list(props.depends_on) or None
        self.address = ComputeGlobalAddress(
            self, "address", name=f"{props.name}-ip", address_type="EXTERNAL", ip_version="IPV4", depends_on=depends_on
        )
        self.backend_services: dict[str, ComputeBackendService] = {}
        #: NEGs of other regions' services that do not serve (yet): a failover adds them, by backend key.
        self.standby_groups: dict[str, tuple[ComputeRegionNetworkEndpointGroup, ...]] = {}
        for backend in props.backends:
            self._backend_service(backend)
        default_key = next(backend.key for backend in props.backends if not backend.paths)
        default_service = self.backend_services[default_key].id
        self.url_map = ComputeUrlMap(
            self,
            "url_map",
            name=f"{props.name}-https",
            default_service=default_service,
            host_rule=[ComputeUrlMapHostRule(hosts=list(props.domains), path_matcher="routes")],
            path_matcher=[self._path_matcher(default_service)],
        )
        https_proxy = self._add_https_proxy(props, depends_on)
        self.https_rule = self._forwarding_rule("https", f"{props.name}-https", https_proxy.id, 443)
        self.http_rule: ComputeGlobalForwardingRule | None = None
        if props.redirect_http:
            self.http_rule = self._add_http_redirect(props, depends_on)
        self._default_service = default_service

    def _add_https_proxy(self, props: ServerlessLoadBalancerProps,
                         depends_on: list[ITerraformDependable] | None) -> ComputeTargetHttpsProxy:
        """The HTTPS proxy of the URL map with the managed certificate (named after a hash of the domains, replaced
        before the old one goes) and the SSL policy."""
        domains_hash = hashlib.sha256(",".join(props.domains).encode()).hexdigest()[:8]
        self.certificate = ComputeManagedSslCertificate(
            self,
            "certificate",
            name=f"{props.name}-cert-{domains_hash}",
            managed=ComputeManagedSslCertificateManaged(domains=list(props.domains)),
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=depends_on,
        )
        self.ssl_policy = ComputeSslPolicy(
            self,
            "ssl_policy",
            name=f"{props.name}-tls",
            profile=props.ssl_profile,
            min_tls_version=props.min_tls_version,
            custom_features=list(TLS_FEATURES) if props.ssl_profile == "CUSTOM" else None,
            depends_on=depends_on,
        )
        return ComputeTargetHttpsProxy(
            self,
            "https_proxy",
            name=f"{props.name}-https",
            url_map=self.url_map.id,
            ssl_certificates=[self.certificate.id],
            ssl_policy=self.ssl_policy.id,
        )

    def _add_http_redirect(self, props: ServerlessLoadBalancerProps,
                           depends_on: list[ITerraformDependable] | None) -> ComputeGlobalForwardingRule:
        """Port 80: a URL map, proxy and forwarding rule that only redirect to HTTPS (301)."""
        redirect_map = ComputeUrlMap(
            self,
            "http_redirect",
            name=f"{props.name}-http-redirect",
            default_url_redirect=ComputeUrlMapDefaultUrlRedirect(
                https_redirect=True, strip_query=False, redirect_response_code="MOVED_PERMANENTLY_DEFAULT"
            ),
            depends_on=depends_on,
        )
        http_proxy = ComputeTargetHttpProxy(self, "http_proxy", name=f"{props.name}-http", url_map=redirect_map.id)
        return self._forwarding_rule("http", f"{props.name}-http", http_proxy.id, 80)

    def add_backend(self, backend: ServerlessBackend) -> ComputeBackendService:
        """Puts one more Cloud Run service behind the load balancer, on ``backend.paths``.

        It gets the same Cloud Armor policy and request logging as the others. The load balancer keeps
        its default backend, so ``backend`` must have paths, none of them routed already, and a key of
        its own; a ValueError names what collides.
        """
        owner = f"ServerlessLoadBalancer.add_backend({backend.key!r})"
        if backend.key in self.backend_services:
            raise ValueError(f"{owner}: the key {backend.key!r} is taken; keys are {sorted(self.backend_services)}")
        if not backend.paths:
            raise ValueError(f"{owner}: needs paths; the load balancer has its default backend already")
        taken = sorted(set(backend.paths) & {path for known in self._backends for path in known.paths})
        if taken:
            raise ValueError(f"{owner}: the paths {taken} are routed to another backend already")
        service = self._backend_service(backend)
        self.url_map.put_path_matcher([self._path_matcher(self._default_service)])
        return service

    def _backend_service(self, backend: ServerlessBackend) -> ComputeBackendService:
        """The serverless NEGs and backend service of ``backend`` (construct ids ``<key>_neg``, ``<key>_backend``;
        ``<key>_neg_<region>`` for each other region, in the backend service where that region's service serves)."""
        props = self._props
        groups = [self._endpoint_group(f"{backend.key}_neg", f"{props.name}-{backend.key}-neg", props.region,
                                       backend.service_name)]
        for other in backend.other_services:
            group = self._endpoint_group(f"{backend.key}_neg_{other.region}", f"{props.name}-{backend.key}-neg-{other.region}",
                                         other.region, other.service_name)
            if other.serves:
                groups.append(group)
            else:
                self.standby_groups[backend.key] = (*self.standby_groups.get(backend.key, ()), group)
        service = ComputeBackendService(
            self,
            f"{backend.key}_backend",
            name=f"{props.name}-{backend.key}",
            load_balancing_scheme="EXTERNAL_MANAGED",
            protocol="HTTPS",
            backend=[ComputeBackendServiceBackend(group=group.id) for group in groups],
            security_policy=props.security_policy,
            custom_response_headers=[f"Strict-Transport-Security: {props.hsts}"] if props.hsts else None,
            log_config=ComputeBackendServiceLogConfig(enable=True, sample_rate=props.log_sample_rate),
            # Also where another region's NEG only joins at a failover: it must then take the load from the lost one.
            outlier_detection=region_failover() if backend.regions else None,
        )
        self.backend_services[backend.key] = service
        self._backends.append(backend)
        return service

    def _endpoint_group(self, id_: str, name: str, region: str, service_name: str) -> ComputeRegionNetworkEndpointGroup:
        return ComputeRegionNetworkEndpointGroup(
            self,
            id_,
            name=name,
            region=region,
            network_endpoint_type="SERVERLESS",
            cloud_run=ComputeRegionNetworkEndpointGroupCloudRun(service=service_name),
            depends_on=list(self._props.depends_on) or None,
        )

    def _path_matcher(self, default_service: str) -> ComputeUrlMapPathMatcher:
        """Routes every backend's paths to it, in the order the backends were added; the rest to the default."""
        return ComputeUrlMapPathMatcher(
            name="routes",
            default_service=default_service,
            path_rule=[
                ComputeUrlMapPathMatcherPathRule(paths=list(backend.paths), service=self.backend_services[backend.key].id)
                for backend in self._backends
                if backend.paths
            ],
        )

    def _forwarding_rule(self, protocol: str, name: str, target: str, port: int) -> ComputeGlobalForwardingRule:
        """Sends TCP ``port`` of the load balancer's address to the ``target`` proxy (construct id ``<protocol>_rule``)."""
        return ComputeGlobalForwardingRule(
            self,
            f"{protocol}_rule",
            name=name,
            target=target,
            ip_address=self.address.id,
            ip_protocol="TCP",
            port_range=str(port),
            load_balancing_scheme="EXTERNAL_MANAGED",
        )

    @property
    def ip_address(self) -> str:
        """The load balancer's IPv4 address (point the domains' DNS A records here)."""
        return self.address.address

    @property
    def url(self) -> str:
        """``https://<first domain>``."""
        return f"https://{self.domains[0]}"

    @property
    def domains(self) -> tuple[str, ...]:
        """The domains served (the certificate covers them all)."""
        return self._props.domains

    @property
    def backends(self) -> tuple[ServerlessBackend, ...]:
        """Every backend, including those added with :meth:`add_backend`."""
        return tuple(self._backends)
