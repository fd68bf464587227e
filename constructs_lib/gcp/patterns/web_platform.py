"""WebPlatform: any number of Cloud Run services with their data, database, edge, alerts and log retention."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from cdktf import Fn, ITerraformDependable
from cdktf_cdktf_provider_google.compute_subnetwork import ComputeSubnetwork
from cdktf_cdktf_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktf_cdktf_provider_google.sql_database_instance import SqlDatabaseInstance
from constructs import Construct

from ...props import Shown, checked
from ...naming import PlatformIdentity
from ...cloud_limits import artifact_registry_multi_region, gcs_dual_region_location
from ...shared_specs import Alerting, DataAccess, DataBucketName, InternalServiceUrl, ServiceUrl, check_internal_url
from ...shared_specs import internally_called, referenced_services, render_environment, route_base
from .._props import Cidr, require, require_range, require_strings
from ..access_log_bucket import USAGE_LOG_WRITER, USAGE_LOG_WRITER_ROLE, GcsAccessLogBucket, GcsAccessLogBucketProps
from ..apis import ProjectServices, ProjectServicesProps
from ..artifact_registry import DockerRepository
from ..cloud_armor import CloudArmorPolicy
from ..cloud_run_service import CloudRunService, SecretEnv, SecretFile, VpcEgress
from ..cloud_sql import SERVER_CA_PATH, PostgresDatabase, PostgresDatabaseProps, iam_user_name
from ..database_setup import DatabaseSetupJob, DatabaseSetupJobProps
from ..dashboard import ServicesDashboard, ServicesDashboardProps
from ..candidate_route import CandidateRoute
from ..data_bucket import OBJECT_CREATOR_ROLE, OBJECT_VIEWER_ROLE, GcsDataBucket, GcsDataBucketProps
from ..grants import BUCKET, SECRET, WorkloadGrant, WorkloadGrants, WorkloadGrantsProps
from ..load_balancer import RegionalService, ServerlessBackend, ServerlessLoadBalancer
from ..log_retention import LogRetention, LogRetentionProps
from ...budget_spec import BudgetSpec
from ..budget import BILLING_ACCOUNT, BILLING_ACCOUNT_RULE, ProjectBudget, ProjectBudgetProps
from ..monitoring import ServiceCapacity, ServiceMonitoring, UptimeTarget
from ..network import DATABASE_CLIENT_TAG, INTERNET_EGRESS_TAG, PrivateNetwork, PrivateNetworkProps
from ..secrets import ACCESSOR_ROLE, Secret, SecretProps
from ..service_account import ExistingServiceAccount, ServiceAccount, ServiceAccountProps, ServiceAccountRef
from ...database_roles import ApplicationRole
from ._database import ADMIN_SECRET, CA_SECRET, DATABASE_SECRETS, DATABASE_VARIABLES, INSTANCE_USER_ROLE, SETUP_ACCOUNT
from ._database import account_email, client_environment, database_grants, instance_names
from ._routing import Routing
from ._services import (
    CLOUD_RUN_NAME_LIMIT,
    add_alerts,
    add_candidate_route,
    add_cloud_run,
    add_edge,
    add_registry,
    add_service_account,
    check_placement,
    dependables,
    extra_grant,
    grant_own_secrets,
    release_plan,
    project_apis,
)
from .foundation import DeployedBy
from .specs import DatabaseSpec, DataBucketSpec, DisasterRecoverySpec, LoadBalancerSpec, NetworkSpec, ReleaseSpec
from .specs import ServiceSpec

#: Firewall rule names append up to 30 characters to the network's name ``<prefix>-vpc`` within 63.
_NETWORK_NAME_LIMIT = 33
#: An IAM member of a person or group (``user:``, ``group:``, ``domain:``) or a service account.
_MEMBER = re.compile(r"(user|group|serviceAccount):[^@\s]+@[A-Za-z0-9.-]+|domain:[A-Za-z0-9.-]+")



@checked
class WebPlatformProps:
    """Props of :class:`WebPlatform`.

    Attributes:
        identity: Project and environment names every resource name carries (``<project>-<environment>-...``).
        project: Google Cloud project ID the platform is deployed in.
        region: Region of every regional resource, e.g. ``us-central1``.
        services: The Cloud Run services, any number (:class:`ServiceSpec`), names distinct.
        load_balancer: The global HTTPS load balancer with Cloud Armor in front of the exposed services
            (:class:`LoadBalancerSpec`). ``None``: no load balancer; exposed services answer on their ``run.app``
            URLs to ``invokers`` only (the ``run.invoker`` IAM check stays on). No default: the choice is explicit.
        invokers: Without a load balancer, who may call the exposed services (``roles/run.invoker``), e.g.
            ``("group:developers@example.com",)``; they send a Google identity token. Default none.
        network: The VPC every service sends all its traffic through (:class:`NetworkSpec`). Default
            :class:`NetworkSpec` defaults.
        data_bucket: The data bucket and its usage-log bucket. Default :class:`DataBucketSpec` defaults;
            ``None``: no buckets.
        database: A private Cloud SQL PostgreSQL database (:class:`DatabaseSpec`). Default ``None``.
        alerting: Who receives alerts, and the thresholds. Default: no email, 5 % errors, 2 s p95 latency.
        log_retention_days: Days the project's ``_Default`` log bucket keeps logs (with ``project_log_bucket``), and
            the usage logs' expiry (1-3650). Default 30.
        deletion_protection: Refuse ``terraform destroy`` of the services, the database and its secrets.
            Default ``True``.
        release: How a new image tag of the services in the platform's registry reaches users
            (revisions named after tags; a candidate with its own URL and share). Default rolling.
        budget: A monthly budget of the project's spend, alerting ``alerting.email``. Default ``None``.
        billing_account: The billing account of the project; required with ``budget``. Default ``None``.
        disaster_recovery: A standby region for the exposed services, the data bucket and the database
            (:class:`DisasterRecoverySpec`); needs the load balancer. Default ``None``: one region.
        deployed_by: The pipeline that applies the platform may change no IAM policy: its ``DeliveryFoundation``
            created the services' accounts and granted them :func:`platform_grants` (``DeliveryFoundation.deployed_by``).
            The platform then creates neither accounts nor grants. Default ``None``: it creates both itself.
        project_log_bucket: Set the retention of the project's ``_Default`` log bucket (construct id
            ``log_retention``). ``False`` leaves the bucket alone, e.g. for a second environment in the same project
            (one platform per project sets it). Default ``True``.
    """

    identity: PlatformIdentity
    project: str
    region: str
    services: tuple[ServiceSpec, ...]
    load_balancer: LoadBalancerSpec | None
    invokers: tuple[str, ...] = ()
    network: NetworkSpec = field(default_factory=NetworkSpec)
    data_bucket: DataBucketSpec | None = field(default_factory=DataBucketSpec)
    database: DatabaseSpec | None = None
    alerting: Alerting = field(default_factory=Alerting)
    log_retention_days: int = 30
    deletion_protection: bool = True
    release: ReleaseSpec = field(default_factory=ReleaseSpec)
    budget: BudgetSpec | None = None
    billing_account: str | None = None
    disaster_recovery: DisasterRecoverySpec | None = None
    deployed_by: DeployedBy | None = None
    project_log_bucket: bool = True

    def __post_init__(self) -> None:
        check_placement(self)
        require(isinstance(self.services, (tuple, list)) and len(self.services) > 0
                and all(isinstance(spec, ServiceSpec) for spec in self.services), self, "services",
                "be one or more ServiceSpec")
        object.__setattr__(self, "services", tuple(self.services))
        names = [spec.name for spec in self.services]
        require(len(set(names)) == len(names), self, "services", "have distinct names", value=names)
        for spec in self.services:
            run_name = self.identity.name(spec.name)
            require(len(run_name) <= CLOUD_RUN_NAME_LIMIT, self, "services",
                    f"give Cloud Run names of at most {CLOUD_RUN_NAME_LIMIT} characters (shorten the service's name or "
                    "the identity)", value=run_name)
        for attribute, kind in (("load_balancer", LoadBalancerSpec), ("data_bucket", DataBucketSpec),
                                ("database", DatabaseSpec)):
            value = getattr(self, attribute)
            require(value is None or isinstance(value, kind), self, attribute, f"be a {kind.__name__} or None")
        require(isinstance(self.alerting, Alerting), self, "alerting", "be an Alerting")
        require_range(self, "log_retention_days", 1, 3650, "days")
        network_name = self.identity.name("vpc")
        require(len(network_name) <= _NETWORK_NAME_LIMIT, self, "identity",
                f"give a network name of at most {_NETWORK_NAME_LIMIT} characters, {network_name!r} is {len(network_name)}")
        require(isinstance(self.network, NetworkSpec), self, "network", "be a NetworkSpec")
        invokers = require_strings(self, "invokers", "group:developers@example.com")
        require(all(_MEMBER.fullmatch(member) for member in invokers), self, "invokers",
                "be IAM members such as group:developers@example.com or user:ann@example.com")
        require(self.load_balancer is None or not invokers, self, "invokers",
                "be empty with a load balancer (the load balancer is the only way in)")
        if self.database is not None:
            subnet = ipaddress.IPv4Network(self.network.subnet_cidr)
            private_services = ipaddress.IPv4Network(self.database.private_services_cidr)
            require(not subnet.overlaps(private_services), self.database, "private_services_cidr",
                    f"not overlap NetworkSpec.subnet_cidr {subnet}")
        for spec in self.services:
            _check_service_needs(self, spec)
        _Wiring(self)
        if self.budget is not None:
            require(self.billing_account is not None and BILLING_ACCOUNT.fullmatch(self.billing_account) is not None,
                    self, "billing_account", f"{BILLING_ACCOUNT_RULE} when there is a budget")
            require(self.alerting.email is not None, self, "alerting", "name an email when there is a budget: it alerts nobody else")
        _check_disaster_recovery(self)
        _check_deployed_by(self)
        current_tags = {spec.image.tag for spec in self.services if spec.image.tag is not None}
        require(self.release.candidate_tag is None or self.release.candidate_tag not in current_tags, self, "release",
                "name a candidate_tag that differs from the services' current tag")

    @property
    def uses_platform_registry(self) -> bool:
        """True when a service's image is in the platform's own repository (so the pattern creates it)."""
        return any(spec.image.uses_platform_registry for spec in self.services)


def _check_disaster_recovery(props: WebPlatformProps) -> None:
    """A standby needs the load balancer, a region the data bucket can pair with, and a subnet for the database."""
    dr = props.disaster_recovery
    if dr is None:
        return
    require(isinstance(dr, DisasterRecoverySpec), props, "disaster_recovery", "be a DisasterRecoverySpec or None")
    require(dr.standby_region != props.region, dr, "standby_region", f"differ from the platform's region {props.region!r}")
    require(props.load_balancer is not None, props, "load_balancer",
            "be given with disaster_recovery: the standby services are reached through it")
    if props.data_bucket is not None:
        require(gcs_dual_region_location(props.region, dr.standby_region) is not None, dr, "standby_region",
                f"be on the continent of {props.region!r} (US, EU or ASIA): the data bucket becomes a dual-region of both")
    multi_region = artifact_registry_multi_region(props.region)
    if props.uses_platform_registry:
        require(multi_region is not None, props, "disaster_recovery",
                f"go with a region in US, EU or ASIA ({props.region!r} is not): the platform's image repository becomes "
                "an Artifact Registry multi-region, from which the standby region pulls")
    regional = f"{props.region}-docker.pkg.dev/"
    for spec in (spec for spec in props.services if spec.exposed):
        pulled = spec.image.repository or spec.image.reference or ""
        require(not pulled.startswith(regional), spec, "image",
                f"be in a multi-region repository ({multi_region or 'us'}-docker.pkg.dev/...) with disaster_recovery: "
                "the standby region pulls it when the primary is lost", spec.label, value=Shown(regional[:-1]))
    require(dr.standby_subnet_cidr is not None, dr, "standby_subnet_cidr",
            "be given: the standby services send their traffic through a subnet in the standby region")
    subnet = ipaddress.IPv4Network(dr.standby_subnet_cidr)
    taken = [("NetworkSpec.subnet_cidr", props.network.subnet_cidr)]
    taken += [("DatabaseSpec.private_services_cidr", props.database.private_services_cidr)] if props.database else []
    for name, block in taken:
        require(not subnet.overlaps(ipaddress.IPv4Network(block)), dr, "standby_subnet_cidr",
                f"not overlap {name} {ipaddress.IPv4Network(block)}")


def _check_deployed_by(props: WebPlatformProps) -> None:
    """An account for every service, and secrets the foundation can name (IDs of the platform's project)."""
    if props.deployed_by is None:
        return
    require(isinstance(props.deployed_by, DeployedBy), props, "deployed_by", "be a DeployedBy or None")
    accounts, names = set(props.deployed_by.service_accounts), set(platform_accounts(props))
    require(accounts == names, props.deployed_by, "service_accounts",
            f"name an account for each service (and the database setup job) and no other ({sorted(names)}), got "
            f"{sorted(accounts)}")
    require(not invoker_grants(props), props, "deployed_by",
            f"not be combined with run.invoker grants {list(invoker_grants(props))}: the pipeline changes no IAM "
            "policy and the bootstrap grants none on services; put the services behind the load balancer")
    for spec in props.services:
        for variable, secret in spec.secrets.items():
            require("/" not in secret.secret, spec, "secrets",
                    f"name secrets by ID with deployed_by (the bootstrap grants them by name): {variable!r} reads "
                    f"{secret.secret!r}", spec.label)


def platform_apis(props: WebPlatformProps) -> tuple[str, ...]:
    """The APIs a platform of ``props`` calls (its ``DeliveryFoundation`` enables them ahead of the first apply)."""
    return project_apis(
        registry=props.uses_platform_registry, storage=props.data_bucket is not None,
        load_balancer=props.load_balancer is not None, database=props.database is not None,
        secrets=any(spec.secrets for spec in props.services), logging=True, budget=props.budget is not None,
        network=True,
    )


def emptied_buckets(props: WebPlatformProps) -> tuple[str, ...]:
    """The buckets a platform of ``props`` destroys with their objects: the access logs', without deletion protection."""
    names = bucket_names(props)
    return (names[1],) if names is not None and not props.deletion_protection else ()


def bucket_names(props: WebPlatformProps) -> tuple[str, str] | None:
    """The data bucket's and the access-log bucket's names, or ``None`` without a data bucket."""
    spec = props.data_bucket
    if spec is None:
        return None
    prefix = f"{props.project}-{props.identity.environment}"
    return spec.name or f"{prefix}-data", spec.access_log_bucket_name or f"{prefix}-access-logs"


def platform_grants(props: WebPlatformProps) -> tuple[WorkloadGrant, ...]:
    """What the services' accounts (and the usage logs' writer) may do in a platform of ``props``.

    The platform grants exactly these on the resources themselves, or, with ``deployed_by``, its
    ``DeliveryFoundation`` grants them on the project conditioned on the resources' names
    (``tests/test_gcp_platform.py`` proves both give the same).
    """
    grants: list[WorkloadGrant] = []
    buckets = bucket_names(props)
    for spec in props.services:
        for secret in dict.fromkeys(secret.secret for secret in spec.secrets.values()):
            grants.append(WorkloadGrant(spec.name, ACCESSOR_ROLE, SECRET, secret, f"{spec.name} reads {secret}"))
        if buckets is not None and spec.data_access is not DataAccess.NONE:
            # Read and create, never storage.objects.delete (objectUser's): a writer cannot purge the history.
            roles = ((OBJECT_VIEWER_ROLE, OBJECT_CREATOR_ROLE) if spec.data_access is DataAccess.READ_WRITE
                     else (OBJECT_VIEWER_ROLE,))
            grants += [WorkloadGrant(spec.name, role, BUCKET, buckets[0], f"{spec.name} uses the data") for role in roles]
    grants += database_grants(props)
    grants += [extra_grant(spec.name, grant, props.project) for spec in props.services for grant in spec.permissions]
    if buckets is not None:
        grants.append(WorkloadGrant(USAGE_LOG_WRITER, USAGE_LOG_WRITER_ROLE, BUCKET, buckets[1], "usage logs"))
    return tuple(grants)


def platform_accounts(props: WebPlatformProps) -> tuple[str, ...]:
    """The names of the accounts a platform of ``props`` runs things as: its services', and with a database the
    setup job's (``SETUP_ACCOUNT``). Its ``DeliveryFoundation`` creates them for ``deployed_by``."""
    return (*(spec.name for spec in props.services), *((SETUP_ACCOUNT,) if props.database is not None else ()))


def invoker_grants(props: WebPlatformProps) -> tuple[tuple[str, str], ...]:
    """(called service, holder) of every ``run.invoker`` grant a platform of ``props`` needs: a holder is a service
    of the platform or an IAM member. The IAM check is on for every service without a load balancer (the exposed
    ones admit :attr:`WebPlatformProps.invokers`) and for the workers behind one; a service calling another
    internally sends its identity token."""
    exposed = {spec.name for spec in props.services if spec.exposed}
    checked = lambda name: props.load_balancer is None or name not in exposed  # noqa: E731
    grants = [(name, member) for name in exposed for member in props.invokers if props.load_balancer is None]
    grants += [(called, spec.name) for spec in props.services
               for called in sorted(internally_called(spec.environment)) if checked(called)]
    return tuple(grants)


def _check_service_needs(props: WebPlatformProps, spec: ServiceSpec) -> None:
    """A service asks only for what the platform has: the data bucket, the database, its services."""
    owner = spec.label
    if props.data_bucket is None:
        require(spec.data_access is DataAccess.NONE, spec, "data_access",
                "be DataAccess.NONE without a data bucket (WebPlatformProps.data_bucket is None)", owner)
        for variable, value in spec.environment.items():
            require(not isinstance(value, DataBucketName), spec, "environment",
                    "not use DATA_BUCKET_NAME without WebPlatformProps.data_bucket", owner, value=Shown(variable))
    require(props.database is not None or not spec.database_access, spec, "database_access",
            "be False without a database (WebPlatformProps.database is None)", owner)
    require(spec.name != SETUP_ACCOUNT, spec, "name", f"not be {SETUP_ACCOUNT!r} (the database setup job's account)", owner)
    clash = sorted(DATABASE_VARIABLES & {*spec.environment, *spec.secrets}) if spec.database_access else []
    require(not clash, spec, "environment", f"not set {clash}: the platform sets them for database_access", owner)
    services = {other.name: other for other in props.services}
    for variable, value in spec.environment.items():
        if not isinstance(value, (ServiceUrl, InternalServiceUrl)):
            continue
        shown = Shown(f"{variable}={value!r}")
        require(value.service in services, spec, "environment", f"name services of the platform ({sorted(services)})",
                owner, value=shown)
        require(services[value.service].exposed, spec, "environment",
                f"name a service with a port: {value.service!r} is a worker", owner, value=shown)
        check_internal_url(spec, variable, value)


class _Wiring:
    """How the services of valid props connect: routes behind the load balancer, and the order they are created in."""

    def __init__(self, props: WebPlatformProps) -> None:
        self.routing: Routing | None = None
        services = props.services
        if props.load_balancer is not None:
            self.routing = Routing(services, "WebPlatformProps.services")
            for spec in services:
                for variable, value in spec.environment.items():
                    if isinstance(value, ServiceUrl):
                        receiver = self.routing.receiver(value.path or "/")  # public URLs only
                        require(receiver == value.service, spec, "environment",
                                f"give paths the load balancer sends to {value.service!r} (this reaches {receiver!r})",
                                value=Shown(f"{variable}={value!r}"))
        # A run.app address exists only once its service does: the services whose run.app URL another one needs
        # (internal URLs; without a load balancer every URL) come first.
        behind = props.load_balancer is not None
        needs = {spec.name: internally_called(spec.environment) if behind else referenced_services(spec.environment)
                 for spec in services}
        order: list[ServiceSpec] = []
        while len(order) < len(services):
            placed = {spec.name for spec in order}
            ready = [spec for spec in services if spec.name not in placed and needs[spec.name] <= placed]
            require(bool(ready), props, "services", "not need each other's run.app URL in a cycle (a run.app URL "
                    "exists only once its service does)", value=sorted(set(needs) - placed))
            order.append(ready[0])
        self.order = tuple(order)


PRIMARY, STANDBY = "primary", "standby"


@dataclass(frozen=True)
class _RegionPlan:
    """A region the platform's services run in, and the few facts that differ there, decided once
    (:func:`_region_plans`): the primary region runs every service at its own scaling; with disaster recovery the
    standby region runs a copy of each exposed service at the standby's capacity.

    Attributes:
        name: ``primary`` or ``standby``: the standby's construct ids end in ``_standby``.
        region: Where its services run.
        database_instance: The Cloud SQL instance its services log in to.
        subnet_cidr: The block of the subnet its services send their traffic through.
        exposed_only: Only the exposed services run here (the workers stay in the primary region).
        capacity: ``(min, max)`` instances of every service here; ``None``: each spec's own scaling.
    """

    name: str
    region: str
    database_instance: str
    subnet_cidr: Cidr | None
    exposed_only: bool = False
    capacity: tuple[int, int] | None = None

    @property
    def id_suffix(self) -> str:
        """What the construct ids of its services end in: nothing in the primary region, ``_standby`` there."""
        return "" if self.name == PRIMARY else f"_{self.name}"

    def runs(self, spec: ServiceSpec) -> bool:
        """Whether ``spec`` has a copy in this region."""
        return spec.exposed or not self.exposed_only

    def sized(self, spec: ServiceSpec) -> ServiceSpec:
        """``spec`` at this region's capacity."""
        if self.capacity is None:
            return spec
        low, high = self.capacity
        return replace(spec, scaling=replace(spec.scaling, min_instances=low, max_instances=high))


def _region_plans(props: WebPlatformProps) -> tuple[_RegionPlan, _RegionPlan | None]:
    """The primary region's plan, and the standby region's with disaster recovery (else ``None``)."""
    primary_instance, standby_instance = instance_names(props.identity)
    primary = _RegionPlan(PRIMARY, props.region, primary_instance, props.network.subnet_cidr)
    dr = props.disaster_recovery
    if dr is None:
        return primary, None
    return primary, _RegionPlan(STANDBY, dr.standby_region, standby_instance, dr.standby_subnet_cidr, exposed_only=True,
                                capacity=(dr.standby_min_instances, dr.standby_max_instances))


class WebPlatform(Construct):
    """A web platform on Cloud Run: any number of services, with their data, database, edge and operations.

    It enables the project APIs it uses (only those; never disabled on destroy) and builds:

    * per service: a service account holding no project roles, and a Cloud Run service (startup and
      liveness probes on its health path, startup CPU boost, deletion protection), its image from the
      platform's Artifact Registry repository (created when a service uses it) or any registry;
    * the data bucket (versioned, uniform access, public access prevention, soft delete) with usage
      logs to an access-log bucket expiring with the log retention; each service gets exactly the
      object access of its :attr:`ServiceSpec.data_access`;
    * with a database: a VPC and subnet with flow logs, private service access and firewall rules
      allowing only PostgreSQL; Cloud SQL with a private IP only, TLS enforced, backups with
      point-in-time recovery; a generated password; ``DATABASE_URL`` (no password) and ``PGPASSWORD``
      in Secret Manager, readable by the services with ``database_access`` only, which also send
      private traffic through the subnet;
    * with a load balancer: Cloud Armor (WAF rules, per-IP throttle) on every backend service of a
      global HTTPS load balancer (managed certificate, TLS 1.2+, HTTP redirected), routing each exposed
      service's paths to it; exposed services then take traffic from the load balancer and the VPC only;
    * uptime checks of every exposed service (through the load balancer, or on its run.app URL),
      alert policies in two tiers (critical: 5xx share, p95 latency, uptime, database disk; warning: degraded
      p95, CPU and memory utilization, a revision at its maximum instances, database CPU), each tier with its
      own notification channel, a dashboard, and the retention of the project's ``_Default`` log bucket;
    * with a traffic-shifting :class:`ReleaseSpec` and ``test_cidrs``: the candidate route
      (:class:`~constructs_lib.gcp.candidate_route.CandidateRoute`, construct id ``candidate_route``).

    Construct ids are stable (``apis``, ``access_logs``, ``data_bucket``, ``registry``, ``<service>_account``,
    ``network``, ``database``, ``database_url``, ``database_password``, ``run_<service>``, ``cloud_armor``,
    ``load_balancer``, ``monitoring``, ``dashboard``, ``log_retention``): created with the id ``Default``,
    the platform's resources get the addresses they would have directly in the stack.
    """

    def __init__(self, scope: Construct, id_: str, props: WebPlatformProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self._wiring = _Wiring(props)
        self._primary, self._standby = _region_plans(props)
        self._apis = ProjectServices(self, "apis", ProjectServicesProps(project=props.project,
                                                                        services=platform_apis(props)))
        self._access_logs: GcsAccessLogBucket | None = None
        self._data_bucket: GcsDataBucket | None = None
        if props.data_bucket is not None:
            self._add_buckets(props.data_bucket)
        self._registry = self._add_registry() if props.uses_platform_registry else None
        self._accounts: dict[str, ServiceAccountRef] = {
            spec.name: ExistingServiceAccount(props.deployed_by.service_accounts[spec.name]) if props.deployed_by
            else add_service_account(self, f"{spec.name}_account", spec, props.identity, self._apis)
            for spec in props.services
        }
        self._network = self._add_network()
        self._database: PostgresDatabase | None = None
        self._database_secrets: dict[str, Secret] = {}
        self._standby_database: SqlDatabaseInstance | None = None
        self._standby_database_secrets: dict[str, Secret] = {}
        self._iam_users: list[ITerraformDependable] = []
        self._database_setup: DatabaseSetupJob | None = None
        if props.database is not None:
            self._add_database(props.database)
        self._secret_grants: dict[str, list[ITerraformDependable]] = {}
        self._services: dict[str, CloudRunService] = {}
        self._add_services(self._primary, self._services)
        self._services = {spec.name: self._services[spec.name] for spec in props.services}  # in the props' order
        self._standby_services: dict[str, CloudRunService] = {}
        if self._standby is not None:
            self._add_services(self._standby, self._standby_services)
        self._grant_invokers()
        if props.deployed_by is None:  # else the bootstrap granted them (platform_grants)
            self._grant_permissions()
            self._grant_data_access()
        self._cloud_armor: CloudArmorPolicy | None = None
        self._load_balancer: ServerlessLoadBalancer | None = None
        self._candidate_route: CandidateRoute | None = None
        if props.load_balancer is not None and self._wiring.routing is not None:
            self._add_edge(props.load_balancer, self._wiring.routing)
        self._add_operations()

    def _add_registry(self) -> DockerRepository:
        """The platform's image repository (construct id ``registry``); with a standby region a multi-region one,
        from which the standby pulls without the primary's region."""
        props, region = self._props, self._props.region
        location = (artifact_registry_multi_region(region) or region) if self._standby is not None else region
        return add_registry(self, props.identity.name("images"), location, props.identity, self._apis)

    def _add_services(self, region_plan: _RegionPlan, services: dict[str, CloudRunService]) -> None:
        """The Cloud Run services of ``region_plan``'s region into ``services``, each after those whose run.app URL
        it needs (:attr:`_Wiring.order`)."""
        for spec in self._wiring.order:
            if region_plan.runs(spec):
                services[spec.name] = self._add_service(spec, region_plan, services)

    def _grant_permissions(self) -> None:
        """The services' extra roles (:attr:`ServiceSpec.permissions`, construct id ``permissions``)."""
        props = self._props
        extra = tuple(extra_grant(spec.name, grant, props.project) for spec in props.services for grant in spec.permissions)
        if not extra:
            return
        WorkloadGrants(self, "permissions", WorkloadGrantsProps(
            project=props.project, project_number="", grants=extra,
            members={name: account.member for name, account in self._accounts.items()},
            depends_on=[account.account for account in self._accounts.values() if isinstance(account, ServiceAccount)],
        ))

    def _grant_data_access(self) -> None:
        """Each service's object access to the data bucket, as its ``data_access`` says: never
        ``storage.objects.delete``, so the history stays."""
        if self._data_bucket is None:
            return
        for spec in self._props.services:
            member = self._accounts[spec.name].member
            if spec.data_access is DataAccess.READ_WRITE:
                self._data_bucket.grant_object_writer(spec.name, member)
            elif spec.data_access is DataAccess.READ:
                self._data_bucket.grant_object_viewer(spec.name, member)

    def _add_edge(self, spec: LoadBalancerSpec, routing: Routing) -> None:
        """Cloud Armor and the load balancer in front of the exposed services (their standby copies as regional
        backends), and the candidate route of a traffic-shifting release."""
        props = self._props
        backends = [ServerlessBackend(service.name, self._services[service.name].name, routing.paths[service.name],
                                      regional_services=self._standby_backend(service))
                    for service in props.services if service.exposed]
        self._cloud_armor, self._load_balancer = add_edge(
            self, name=props.identity.prefix, region=props.region, spec=spec, backends=backends, apis=self._apis,
            internal_paths=routing.internal_paths)
        self._candidate_route = add_candidate_route(self, name=props.identity.prefix, region=props.region,
                                                    release=props.release, load_balancer=self._load_balancer,
                                                    apis=self._apis)

    def _add_operations(self) -> None:
        """Uptime checks and alert policies, the dashboard, the log retention and the budget."""
        props, apis, identity, project = self._props, self._apis, self._props.identity, self._props.project
        lb_spec = props.load_balancer
        run_names = tuple(identity.name(spec.name) for spec in props.services)
        self._monitoring = add_alerts(
            self, name=identity.prefix, project=project, alerting=props.alerting, services=run_names,
            # Without a load balancer the invoker check refuses anonymous probes: no uptime check.
            uptime_targets=[UptimeTarget(spec.name, lb_spec.domains[0], spec.health_check.path) for spec in props.services
                            if spec.exposed and spec.health_check.public] if lb_spec else [],
            database_instance=self._database.instance_name if self._database else None, apis=apis,
            capacities=self._capacities(),
        )
        ServicesDashboard(self, "dashboard", ServicesDashboardProps(
            display_name=f"{identity.prefix} services",
            services=run_names,
            thresholds=props.alerting.thresholds,
            database_id=f"{project}:{self._database.instance_name}" if self._database else None,
            depends_on=dependables(apis, "monitoring.googleapis.com"),
        ))
        if props.project_log_bucket:
            LogRetention(self, "log_retention", LogRetentionProps(
                project=project, retention_days=props.log_retention_days,
                depends_on=dependables(apis, "logging.googleapis.com"),
            ))
        if props.budget is not None and props.billing_account is not None and self._monitoring.channel is not None:
            ProjectBudget(self, "budget", ProjectBudgetProps(
                display_name=f"{identity.prefix} monthly", billing_account=props.billing_account, project=project,
                budget=props.budget, notification_channels=(self._monitoring.channel.id,),
                depends_on=dependables(apis, "billingbudgets.googleapis.com"),
            ))

    def _standby_backend(self, spec: ServiceSpec) -> tuple[RegionalService, ...]:
        """The standby region's copy of an exposed service, behind the load balancer. A service with database access
        serves there only after a failover (the runbook adds its NEG): until the replica is promoted it would query
        the primary region's database across regions; the others serve clients near the standby region."""
        standby = self._standby_services.get(spec.name)
        if standby is None or self._standby is None:
            return ()
        return (RegionalService(self._standby.region, standby.name, serves=not spec.database_access),)

    def _capacities(self) -> list[ServiceCapacity]:
        """Every service's maximum instances in each region it runs in."""
        props, specs = self._props, {spec.name: spec for spec in self._props.services}
        regions = ((self._primary, self._services), (self._standby, self._standby_services))
        return [ServiceCapacity(props.identity.name(name), plan.region, plan.sized(specs[name]).scaling.max_instances)
                for plan, services in regions if plan is not None for name in services]

    def _add_buckets(self, spec: DataBucketSpec) -> None:
        props, storage = self._props, dependables(self._apis, "storage.googleapis.com")
        names = bucket_names(props)
        assert names is not None
        self._access_logs = GcsAccessLogBucket(self, "access_logs", GcsAccessLogBucketProps(
            name=names[1],
            location=props.region,
            retention_days=props.log_retention_days,
            kms_key_name=spec.kms_key_name,
            depends_on=storage,
            grant_usage_log_writer=props.deployed_by is None,
            # Usage logs are disposable where the environment's resources are: dev's destroy leaves no bucket behind.
            force_destroy=bool(emptied_buckets(props)),
        ))
        dr = props.disaster_recovery
        dual_region = gcs_dual_region_location(props.region, dr.standby_region) if dr is not None else None
        self._data_bucket = GcsDataBucket(self, "data_bucket", GcsDataBucketProps(
            name=names[0],
            location=dual_region or props.region,
            data_locations=(props.region, dr.standby_region) if dr is not None and dual_region else (),
            turbo_replication=dr is not None and dr.turbo_replication,
            noncurrent_version_expiration_days=spec.noncurrent_version_expiration_days,
            kms_key_name=spec.kms_key_name,
            access_log_bucket=self._access_logs.name,
            depends_on=storage,
        ))

    def _add_network(self) -> PrivateNetwork:
        """The VPC all services send their traffic through (construct id ``network``), and its subnet in the
        standby region (``standby_subnet``) with disaster recovery."""
        props, apis = self._props, self._apis
        network = PrivateNetwork(self, "network", PrivateNetworkProps(
            name=props.identity.name("vpc"),
            region=props.region,
            subnet_cidr=props.network.subnet_cidr,
            private_services_cidr=props.database.private_services_cidr if props.database else None,
            internet_egress=any(spec.internet_egress for spec in props.services),
            depends_on=apis.dependables("compute.googleapis.com", "dns.googleapis.com",
                                        *(("servicenetworking.googleapis.com",) if props.database else ())),
        ))
        standby = self._standby
        self._standby_subnet: ComputeSubnetwork | None = None
        if standby is not None and standby.subnet_cidr is not None:
            self._standby_subnet = network.add_subnet(f"{standby.name}_subnet", region=standby.region,
                                                      cidr=standby.subnet_cidr)
        return network

    def _add_database(self, spec: DatabaseSpec) -> None:
        props, apis, identity = self._props, self._apis, self._props.identity
        assert self._network.private_services_connection is not None
        self._database = PostgresDatabase(self, "database", PostgresDatabaseProps(
            instance_name=identity.name("postgres"),
            region=props.region,
            network_id=self._network.network_id,
            allocated_ip_range=self._network.private_services_range_name,
            tier=spec.tier,
            postgres_major_version=spec.postgres_major_version,
            database_name=spec.database_name,
            user_name=spec.user_name,
            password_version=spec.password_version,
            high_availability=spec.high_availability,
            disk_size_gb=spec.disk_size_gb,
            disk_autoresize_limit_gb=spec.disk_autoresize_limit_gb,
            backup_retention_days=spec.backup_retention_days,
            point_in_time_recovery=spec.point_in_time_recovery,
            backup_location=self._standby.region if self._standby is not None else None,
            deletion_protection=props.deletion_protection,
            depends_on=[*apis.dependables("sqladmin.googleapis.com"), self._network.private_services_connection],
        ))
        values = {"DATABASE_URL": self._database.connection_url, "PGPASSWORD": self._database.password,
                  CA_SECRET[0]: self._database.server_ca_certificate}
        self._database_secrets = self._credential_secrets(values, props.region)
        standby = self._standby
        if standby is not None:
            self._standby_database = self._database.add_cross_region_replica(
                f"{standby.name}_replica", instance_name=standby.database_instance, region=standby.region)
            # Their own secrets, kept in the standby region: the primary's live in its region only. DATABASE_URL
            # names the primary until a failover promotes the replica (the runbook adds a version naming it), so
            # the standby's CA file holds both instances' CAs.
            values[CA_SECRET[0]] = Fn.join("\n", [self._database.server_ca_certificate,
                                                  self._standby_database.server_ca_cert.get(0).cert])
            self._standby_database_secrets = self._credential_secrets(values, standby.region, suffix=standby.name)
        logins = [spec for spec in props.services if spec.database_access]
        self._iam_users = [self._database.add_iam_user(f"{spec.name}_iam_user", self._accounts[spec.name].email)
                           for spec in logins]
        self._database_setup = self._add_database_setup(spec, tuple(iam_user_name(account_email(props, login.name))
                                                                    for login in logins))

    def _add_database_setup(self, spec: DatabaseSpec, logins: tuple[str, ...]) -> DatabaseSetupJob | None:
        """The job creating the application role (none without a service using the database)."""
        props, database, secrets = self._props, self._database, self._database_secrets
        if database is None or not logins:
            return None
        if props.deployed_by is not None:
            account: ServiceAccountRef = ExistingServiceAccount(account_email(props, SETUP_ACCOUNT))
            grants: list[ITerraformDependable] = []
        else:
            account = ServiceAccount(self, "database_setup_account", ServiceAccountProps(
                account_id=account_email(props, SETUP_ACCOUNT).split("@")[0],
                display_name=f"{props.identity.prefix} database setup",
                description=f"Runs the database setup job of {props.identity.prefix}",
                depends_on=self._apis.dependables("iam.googleapis.com")))
            grants = [secrets[key].grant_accessor(SETUP_ACCOUNT, account.member) for key in (ADMIN_SECRET[0], CA_SECRET[0])]
        password, ca = secrets[ADMIN_SECRET[0]], secrets[CA_SECRET[0]]
        return DatabaseSetupJob(self, "database_setup", DatabaseSetupJobProps(
            name=props.identity.name("database-setup"), project=props.project, region=props.region,
            service_account_email=account.email, network=self._network.network_id, subnetwork=self._network.subnet_id,
            host=database.private_ip_address, admin_user=spec.user_name,
            admin_password=SecretEnv(password.secret_id, password.version_number),
            server_ca=SecretFile(SERVER_CA_PATH, ca.secret_id, ca.version_number),
            role=ApplicationRole(database=spec.database_name, logins=logins, create_logins=False),
            deletion_protection=props.deletion_protection,
            depends_on=[*self._apis.dependables("run.googleapis.com"), password.version, ca.version, *self._iam_users,
                        *database.dependables, *grants],
        ))

    def _credential_secrets(self, values: Mapping[str, str], region: str, suffix: str | None = None) -> dict[str, Secret]:
        """``DATABASE_URL``, ``PGPASSWORD`` and the server CA in Secret Manager, replicated in ``region`` only."""
        props, secrets = self._props, {}
        for variable, construct_id, name in (*DATABASE_SECRETS, ADMIN_SECRET, (CA_SECRET[0], *CA_SECRET)):
            secrets[variable] = Secret(self, f"{construct_id}_{suffix}" if suffix else construct_id, SecretProps(
                secret_id=props.identity.name(name, *((suffix,) if suffix else ())),
                value=values[variable],
                replica_locations=(region,),
                deletion_protection=props.deletion_protection,
                depends_on=self._apis.dependables("secretmanager.googleapis.com"),
                # The password is written, never kept in state; the URL and the CA certificate are no secret.
                write_only_version=props.database.password_version if variable == ADMIN_SECRET[0] and props.database else None,
            ))
        return secrets

    def _add_service(self, spec: ServiceSpec, region_plan: _RegionPlan,
                     neighbours: Mapping[str, CloudRunService]) -> CloudRunService:
        """The Cloud Run service of ``spec`` in ``region_plan``'s region (construct id ``run_<name>`` and the region's
        suffix) at its capacity, with its database secrets and subnet there; ``neighbours``: the services of that
        region created so far, which its :class:`InternalServiceUrl` values name."""
        props, account = self._props, self._accounts[spec.name]
        spec = region_plan.sized(spec)
        env = render_environment(
            spec.environment, service_url=self._service_url, owner=f"{spec.label}.environment",
            # In the standby region its services call each other there: nothing of the primary's region is needed.
            internal_url=lambda url: neighbours[url.service].uri + url.path,
            data_bucket_name=self._data_bucket.name if self._data_bucket is not None else None,
        )
        secret_env = dict(spec.secrets)
        grants_here = props.deployed_by is None  # else the bootstrap granted them (platform_grants)
        depends_on: list[ITerraformDependable] = [
            *self._apis.dependables("run.googleapis.com", "compute.googleapis.com"),
            *(self._grant_own_secrets(spec, account) if grants_here else [])]
        secret_files: tuple[SecretFile, ...] = ()
        if spec.database_access and self._database is not None:
            secret_files = self._connect_database(spec, account, region_plan, env, secret_env, depends_on)
        # All traffic through the VPC, whose firewall admits Google APIs, the platform's services and the database.
        tags = ((INTERNET_EGRESS_TAG,) if spec.internet_egress else ()) + (
            (DATABASE_CLIENT_TAG,) if spec.database_access and self._database is not None else ())
        vpc_egress = VpcEgress(network=self._network.network_id, subnetwork=self._subnet_id(region_plan),
                               private_ranges_only=False, tags=tags)
        release = release_plan(spec, self._registry, props.release)
        return add_cloud_run(
            # not just the name: "backend" is the id of a stack's state backend
            self, f"run_{spec.name}{region_plan.id_suffix}", spec, identity=props.identity, region=region_plan.region,
            image=release.image, plan=release, account=account, behind_load_balancer=props.load_balancer is not None,
            deletion_protection=props.deletion_protection, env=env, secret_env=secret_env, vpc_egress=vpc_egress,
            depends_on=depends_on, secret_files=secret_files,
        )

    def _grant_own_secrets(self, spec: ServiceSpec, account: ServiceAccountRef) -> list[ITerraformDependable]:
        """The grants of the secrets of ``spec`` to its account, made once for its copies in every region."""
        if spec.name not in self._secret_grants:
            self._secret_grants[spec.name] = grant_own_secrets(self, spec, account, self._apis)
        return self._secret_grants[spec.name]

    def _connect_database(self, spec: ServiceSpec, account: ServiceAccountRef, region_plan: _RegionPlan,
                          env: dict[str, str], secret_env: dict[str, SecretEnv],
                          depends_on: list[ITerraformDependable]) -> tuple[SecretFile, ...]:
        """What a service with ``database_access`` gets in ``region_plan``'s region: ``DATABASE_URL`` naming its IAM
        user (its access token is the password, never the administrator's), the server CA as a file, its login
        grant; adds what it waits for to ``depends_on`` and returns the CA file."""
        assert self._database is not None
        secrets = self._database_secrets if region_plan.name == PRIMARY else self._standby_database_secrets
        url, ca = secrets["DATABASE_URL"], secrets[CA_SECRET[0]]
        secret_env["DATABASE_URL"] = SecretEnv(secret=url.secret_id, version=url.version_number)
        env.update(client_environment(self._props, spec.name))
        grants_here = self._props.deployed_by is None  # else the bootstrap granted them (platform_grants)
        for secret in (url, ca):
            depends_on += [secret.version, *([secret.grant_accessor(spec.name, account.member)] if grants_here else [])]
        if grants_here:
            depends_on += self._grant_instance_user(spec, account, region_plan)
        depends_on += [*self._database.dependables, *self._iam_users]
        return (SecretFile(SERVER_CA_PATH, ca.secret_id, ca.version_number),)

    def _subnet_id(self, region_plan: _RegionPlan) -> str:
        """The subnet the services of ``region_plan``'s region send their traffic through."""
        if region_plan.name == PRIMARY:
            return self._network.subnet_id
        assert self._standby_subnet is not None, "checked by WebPlatformProps"
        return self._standby_subnet.id

    def _grant_instance_user(self, spec: ServiceSpec, account: ServiceAccountRef,
                             region_plan: _RegionPlan) -> list[ITerraformDependable]:
        """``roles/cloudsql.instanceUser`` for ``account`` on the instance ``spec`` logs in to in ``region_plan``'s
        region (a Cloud SQL instance has no IAM policy: a project-level binding conditioned on its name)."""
        props, name = self._props, region_plan.database_instance
        return [ProjectIamMember(
            self, f"{spec.name}_logs_in_{region_plan.name}", project=props.project,
            role=INSTANCE_USER_ROLE, member=account.member, condition=ProjectIamMemberCondition(
                title=f"{spec.name} logs in to {name}",
                expression=f'resource.name == "projects/{props.project}/instances/{name}"'),
        )]

    def _grant_invokers(self) -> None:
        """``run.invoker`` where the IAM check is on (:func:`invoker_grants`): on the exposed services without a load
        balancer for :attr:`WebPlatformProps.invokers`, and on each service for those calling it internally."""
        for callee, holder in invoker_grants(self._props):
            member = holder if ":" in holder else self._accounts[holder].member
            name = f"{holder}_calls" if ":" not in holder else f"invoker_{self._props.invokers.index(holder)}"
            self._services[callee].grant_invoker(name, member)

    def _service_url(self, url: ServiceUrl) -> str:
        """Behind the load balancer the site's URL (it routes the path); without one the service's run.app URL."""
        if self._props.load_balancer is not None:
            return self._props.load_balancer.url + url.path
        return self._services[url.service].uri + url.path

    @property
    def props(self) -> WebPlatformProps:
        """The props the platform was built from."""
        return self._props

    @property
    def services(self) -> Mapping[str, CloudRunService]:
        """Every Cloud Run service by its spec name, in the order of :attr:`WebPlatformProps.services`
        (each has ``name``, ``uri`` and ``host``)."""
        return dict(self._services)

    def service(self, name: str) -> CloudRunService:
        """The Cloud Run service of the spec named ``name``; a KeyError lists the names there are."""
        if name not in self._services:
            raise KeyError(f"WebPlatform has no service {name!r}; services: {list(self._services)}")
        return self._services[name]

    def service_url(self, name: str) -> str | None:
        """Where clients reach service ``name``: behind the load balancer the site's URL and the path its routes start
        with (e.g. ``https://shop.example.com/api``), without one its ``run.app`` URL; ``None`` for a worker."""
        spec = next((spec for spec in self._props.services if spec.name == name), None)
        if spec is None:
            raise KeyError(f"WebPlatform has no service {name!r}; services: {list(self._services)}")
        if not spec.exposed:
            return None
        if self._load_balancer is None:
            return self._services[name].uri
        return self._load_balancer.url + route_base(spec.routes)

    def service_account(self, name: str) -> ServiceAccountRef:
        """The service account the service ``name`` runs as (``email``, ``member``), e.g. to grant it more."""
        if name not in self._accounts:
            raise KeyError(f"WebPlatform has no service {name!r}; services: {list(self._accounts)}")
        return self._accounts[name]

    @property
    def project_services(self) -> ProjectServices:
        """The enabled APIs; pass ``project_services.dependables("run.googleapis.com", ...)`` to your own resources' ``depends_on``."""
        return self._apis

    @property
    def url(self) -> str | None:
        """``https://<first domain>``, the site's URL; ``None`` without a load balancer (see :attr:`services` URIs)."""
        return self._load_balancer.url if self._load_balancer is not None else None

    @property
    def load_balancer(self) -> ServerlessLoadBalancer | None:
        """The HTTPS load balancer, e.g. to put a :class:`PublicCloudRunService` behind it too; ``None`` without one."""
        return self._load_balancer

    @property
    def candidate_route(self) -> CandidateRoute | None:
        """The route to the candidate revisions (port ``release.test_port`` of the site); ``None`` without one."""
        return self._candidate_route

    @property
    def load_balancer_ip(self) -> str | None:
        """The load balancer's IPv4 address (point the domains' A records here); ``None`` without one."""
        return self._load_balancer.ip_address if self._load_balancer is not None else None

    @property
    def security_policy_id(self) -> str | None:
        """The Cloud Armor policy's ID; ``None`` without a load balancer."""
        return self._cloud_armor.policy_id if self._cloud_armor is not None else None

    @property
    def data_bucket(self) -> GcsDataBucket | None:
        """The data bucket (``grant_object_viewer``/``grant_object_writer`` for more members); ``None`` when off."""
        return self._data_bucket

    @property
    def data_bucket_name(self) -> str | None:
        """The data bucket's name; ``None`` when :attr:`WebPlatformProps.data_bucket` is ``None``."""
        return self._data_bucket.name if self._data_bucket is not None else None

    @property
    def access_log_bucket_name(self) -> str | None:
        """The name of the bucket holding the data bucket's usage logs; ``None`` without a data bucket."""
        return self._access_logs.name if self._access_logs is not None else None

    @property
    def registry_url(self) -> str | None:
        """``<region>-docker.pkg.dev/<project>/<repository>``, where to push images; ``None`` when no
        service uses :meth:`ContainerImage.platform_registry`."""
        return self._registry.url if self._registry is not None else None

    @property
    def registry(self) -> DockerRepository | None:
        """The platform's Artifact Registry repository; ``None`` when no service uses it."""
        return self._registry

    @property
    def database(self) -> PostgresDatabase | None:
        """The Cloud SQL database (``instance_name``, ``private_ip_address``, ``connection_url``); ``None`` without one."""
        return self._database

    @property
    def database_instance_name(self) -> str | None:
        """The Cloud SQL instance's name; ``None`` without a database."""
        return self._database.instance_name if self._database is not None else None

    @property
    def database_secrets(self) -> Mapping[str, Secret]:
        """The database's secrets: ``DATABASE_URL`` (the services'), ``PGPASSWORD`` (the administrator's, the setup
        job's alone) and ``database_ca`` (the server CA); ``grant_accessor`` lets another member read one. Empty
        without a database."""
        return dict(self._database_secrets)

    @property
    def database_setup(self) -> DatabaseSetupJob | None:
        """The job that creates the application's database role (its ``run_configuration`` is what the pipeline
        executes after each apply); ``None`` without a database or a service using it."""
        return self._database_setup

    @property
    def standby_services(self) -> Mapping[str, CloudRunService]:
        """The exposed services' copies in the standby region, by spec name; empty without disaster recovery."""
        return dict(self._standby_services)

    @property
    def standby_database_instance_name(self) -> str | None:
        """The cross-region read replica to promote on failover; ``None`` without disaster recovery or a database."""
        return self._standby_database.name if self._standby_database is not None else None

    @property
    def standby_database_secrets(self) -> Mapping[str, Secret]:
        """The standby region's ``DATABASE_URL``, ``PGPASSWORD`` and ``database_ca`` secrets (the CA file holds
        the primary's and the replica's CA)."""
        return dict(self._standby_database_secrets)

    @property
    def network(self) -> PrivateNetwork:
        """The VPC every service sends its traffic through (``network_id``, ``subnet_id``)."""
        return self._network

    @property
    def monitoring(self) -> ServiceMonitoring:
        """The uptime checks (``uptime_checks``), alert policies (``policies``) and email channel (``channel``)."""
        return self._monitoring
