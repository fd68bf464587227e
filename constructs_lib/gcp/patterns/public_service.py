"""PublicCloudRunService: one Cloud Run service behind its own or a shared HTTPS load balancer with Cloud Armor."""

from __future__ import annotations

from dataclasses import field

from constructs import Construct

from ...props import Shown, checked
from ...naming import PlatformIdentity
from ...shared_specs import Alerting, DataAccess, DataBucketName, InternalServiceUrl, ServiceUrl
from .._props import require, require_range
from ..apis import ProjectServices, ProjectServicesProps
from ..artifact_registry import DockerRepository
from ..cloud_armor import CloudArmorPolicy
from ..cloud_run_service import CloudRunService
from ..grants import WorkloadGrants, WorkloadGrantsProps
from ..load_balancer import ServerlessBackend, ServerlessLoadBalancer
from ..log_retention import LogRetention, LogRetentionProps
from ..monitoring import ServiceCapacity, ServiceMonitoring, UptimeTarget
from ..service_account import ServiceAccount
from ._routing import Routing
from ._services import (
    CLOUD_RUN_NAME_LIMIT,
    add_alerts,
    add_cloud_run,
    add_edge,
    add_registry,
    add_service_account,
    check_placement,
    dependables,
    extra_grant,
    grant_own_secrets,
    image_of,
    project_apis,
)
from .specs import LoadBalancerSpec, ServiceSpec

#: Names of the load balancer's parts append up to 25 characters to ``<project>-<environment>-<service>``.
_LOAD_BALANCER_NAME_LIMIT = 38


@checked
class PublicCloudRunServiceProps:
    """Props of :class:`PublicCloudRunService`.

    Attributes:
        identity: Project and environment names the resource names carry.
        project: Google Cloud project ID.
        region: Region of the service (and of its registry), e.g. ``us-central1``.
        service: The service (:class:`ServiceSpec`); it must be exposed. It cannot use a data bucket or a
            database (use :class:`WebPlatform` for those); a ``ServiceUrl`` may name only itself.
        load_balancer: A :class:`LoadBalancerSpec`: the service gets its own load balancer and Cloud
            Armor policy, named ``<project>-<environment>-<service>``, and receives every request (its
            routes are not used). Or an existing :class:`~constructs_lib.gcp.load_balancer.ServerlessLoadBalancer`
            (e.g. :attr:`WebPlatform.load_balancer`): the service is added to it on its routes (required;
            its health path is routed to it too) and protected by that load balancer's Cloud Armor policy.
        alerting: Who receives alerts, and the thresholds. Default: no email, 5 % errors, 2 s p95 latency.
        log_retention_days: Days the project's ``_Default`` log bucket keeps logs (1-3650). Default 30;
            ``None`` leaves it alone (let one construct per project set it, e.g. the :class:`WebPlatform`).
        deletion_protection: Refuse ``terraform destroy`` of the Cloud Run service. Default ``True``.
        enable_apis: Enable the APIs the service uses in the project. Default ``True``; ``False`` where
            something else enables them.
    """

    identity: PlatformIdentity
    project: str
    region: str
    service: ServiceSpec
    load_balancer: LoadBalancerSpec | ServerlessLoadBalancer
    alerting: Alerting = field(default_factory=Alerting)
    log_retention_days: int | None = 30
    deletion_protection: bool = True
    enable_apis: bool = True

    def __post_init__(self) -> None:
        check_placement(self)
        require(isinstance(self.service, ServiceSpec), self, "service", "be a ServiceSpec")
        spec, owner = self.service, self.service.label
        name = self.identity.name(spec.name)
        require(len(name) <= CLOUD_RUN_NAME_LIMIT, self, "service",
                f"give a Cloud Run name of at most {CLOUD_RUN_NAME_LIMIT} characters: {name!r} is {len(name)}")
        require(spec.exposed, spec, "port", "be given for a public service (None is a worker)", owner)
        require(spec.data_access is DataAccess.NONE, spec, "data_access",
                "be DataAccess.NONE: a PublicCloudRunService has no data bucket (use WebPlatform)", owner)
        require(not spec.database_access, spec, "database_access",
                "be False: a PublicCloudRunService has no database (use WebPlatform)", owner)
        for variable, value in spec.environment.items():
            require(not isinstance(value, (DataBucketName, InternalServiceUrl)) and
                    (not isinstance(value, ServiceUrl) or value.service == spec.name), spec, "environment",
                    "hold text or the service's own ServiceUrl in a PublicCloudRunService", owner,
                    value=Shown(f"{variable}={value!r}"))
        require(isinstance(self.alerting, Alerting), self, "alerting", "be an Alerting")
        if self.log_retention_days is not None:
            require_range(self, "log_retention_days", 1, 3650, "days")
        load_balancer = self.load_balancer
        if isinstance(load_balancer, LoadBalancerSpec):
            require(len(name) <= _LOAD_BALANCER_NAME_LIMIT, self, "service",
                    f"give a load balancer name of at most {_LOAD_BALANCER_NAME_LIMIT} characters: {name!r} is {len(name)}")
        else:
            require(isinstance(load_balancer, ServerlessLoadBalancer), self, "load_balancer",
                    "be a LoadBalancerSpec or a ServerlessLoadBalancer")
            require(bool(spec.routes), spec, "routes",
                    "name the paths a shared load balancer sends to it (it has its default service already)", owner)
            require(spec.health_check.public, spec, "health_check",
                    "be public on a shared load balancer (an internal one needs a load balancer of its own)", owner)
            self._shared_routing()

    def _shared_routing(self) -> Routing | None:
        """On a shared load balancer, its routes with this service's added (``None`` with an own one); a
        ValueError names a route or health path another backend has."""
        load_balancer = self.load_balancer
        if not isinstance(load_balancer, ServerlessLoadBalancer):
            return None
        backends = load_balancer.backends
        default = next(backend.key for backend in backends if not backend.paths)
        taken = {backend.key: backend.paths for backend in backends}
        require(self.service.name not in taken, self, "service",
                f"have a name the shared load balancer does not use yet ({sorted(taken)})", value=self.service.name)
        return Routing((self.service,), "PublicCloudRunServiceProps.load_balancer", taken=taken, default=default)


class PublicCloudRunService(Construct):
    """One public Cloud Run service behind an HTTPS load balancer with Cloud Armor, with its own
    identity, scaling, uptime check, alert policies and log retention.

    Builds (construct ids in brackets): the APIs it uses [``apis``]; its Artifact Registry repository
    ``<project>-<environment>-<service>`` when the image uses
    :meth:`ContainerImage.platform_registry` [``registry``]; a service account holding no project roles
    [``account``], with read access to exactly its secrets; the Cloud Run service [``service``] taking
    traffic from the load balancer and the VPC only (invoker IAM check off, as a serverless load
    balancer cannot present identity tokens); its own Cloud Armor policy and load balancer
    [``cloud_armor``, ``load_balancer``], or a backend on a shared load balancer; an uptime check of
    the health path through the load balancer and alert policies in two tiers (5xx share, p95 latency and
    uptime critical; degraded latency, utilization and maximum instances warnings) [``monitoring``]; the ``_Default`` log bucket's retention [``log_retention``].
    """

    def __init__(self, scope: Construct, id_: str, props: PublicCloudRunServiceProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        spec, identity = props.service, props.identity
        name = identity.name(spec.name)
        own = props.load_balancer if isinstance(props.load_balancer, LoadBalancerSpec) else None
        self._apis: ProjectServices | None = None
        if props.enable_apis:
            self._apis = ProjectServices(self, "apis", ProjectServicesProps(project=props.project, services=project_apis(
                registry=spec.image.uses_platform_registry, storage=False, load_balancer=own is not None,
                database=False, secrets=bool(spec.secrets), logging=props.log_retention_days is not None,
            )))
        apis = self._apis
        self._registry: DockerRepository | None = (add_registry(self, name, props.region, identity, apis)
                                                   if spec.image.uses_platform_registry else None)
        self._account = add_service_account(self, "account", spec, identity, apis)
        url = own.url if own is not None else self._shared_load_balancer().url
        self._service = add_cloud_run(
            self, "service", spec,
            identity=identity, region=props.region, image=image_of(spec, self._registry), account=self._account,
            behind_load_balancer=True, deletion_protection=props.deletion_protection,
            env={variable: url + value.path if isinstance(value, ServiceUrl) else value
                 for variable, value in spec.environment.items()},
            secret_env=spec.secrets, vpc_egress=None,
            depends_on=[*dependables(apis, "run.googleapis.com"), *grant_own_secrets(self, spec, self._account, apis)],
        )
        self._cloud_armor: CloudArmorPolicy | None = None
        if own is not None:
            self._cloud_armor, self._load_balancer = add_edge(
                self, name=name, region=props.region, spec=own,
                backends=(ServerlessBackend(spec.name, self._service.name),), apis=apis,
                internal_paths=() if spec.health_check.public else (spec.health_check.path,))
        else:
            routing = props._shared_routing()
            assert routing is not None
            self._load_balancer = self._shared_load_balancer()
            self._load_balancer.add_backend(ServerlessBackend(spec.name, self._service.name, routing.paths[spec.name]))
        self._monitoring = add_alerts(
            self, name=name, project=props.project, alerting=props.alerting, services=(name,),
            uptime_targets=(UptimeTarget(spec.name, self._load_balancer.domains[0], spec.health_check.path),)
            if spec.health_check.public else (),
            database_instance=None, apis=apis,
            capacities=(ServiceCapacity(name, props.region, spec.scaling.max_instances),),
        )
        if spec.permissions:
            WorkloadGrants(self, "permissions", WorkloadGrantsProps(
                project=props.project, project_number="", members={spec.name: self._account.member},
                grants=tuple(extra_grant(spec.name, grant, props.project) for grant in spec.permissions),
                depends_on=[self._account.account],
            ))
        if props.log_retention_days is not None:
            LogRetention(self, "log_retention", LogRetentionProps(
                project=props.project, retention_days=props.log_retention_days,
                depends_on=dependables(apis, "logging.googleapis.com"),
            ))

    def _shared_load_balancer(self) -> ServerlessLoadBalancer:
        load_balancer = self._props.load_balancer
        assert isinstance(load_balancer, ServerlessLoadBalancer)
        return load_balancer

    @property
    def props(self) -> PublicCloudRunServiceProps:
        """The props the service was built from."""
        return self._props

    @property
    def service(self) -> CloudRunService:
        """The Cloud Run service (``name``, ``uri``, ``host``)."""
        return self._service

    @property
    def service_account(self) -> ServiceAccount:
        """The account the service runs as (``email``, ``member``), e.g. to grant it access to more resources."""
        return self._account

    @property
    def url(self) -> str:
        """``https://<first domain>``: where clients reach the service (through the load balancer)."""
        return self._load_balancer.url

    @property
    def load_balancer(self) -> ServerlessLoadBalancer:
        """The load balancer in front: its own, or the shared one it was added to."""
        return self._load_balancer

    @property
    def load_balancer_ip(self) -> str:
        """The load balancer's IPv4 address (point the domains' A records here)."""
        return self._load_balancer.ip_address

    @property
    def security_policy_id(self) -> str | None:
        """The Cloud Armor policy created for the service's own load balancer; ``None`` on a shared one."""
        return self._cloud_armor.policy_id if self._cloud_armor is not None else None

    @property
    def registry_url(self) -> str | None:
        """``<region>-docker.pkg.dev/<project>/<repository>``, where to push the image; ``None`` for an
        image from another registry."""
        return self._registry.url if self._registry is not None else None

    @property
    def project_services(self) -> ProjectServices | None:
        """The enabled APIs (for ``depends_on`` of your own resources); ``None`` with ``enable_apis=False``."""
        return self._apis

    @property
    def monitoring(self) -> ServiceMonitoring:
        """The uptime check (``uptime_checks``), alert policies (``policies``) and email channel (``channel``)."""
        return self._monitoring
