"""A Cloud Run (v2) service: sized, scaled and probed from typed props, private by default."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import Fn, ITerraformDependable, Token, Tokenization
from cdktf_cdktf_provider_google.cloud_run_v2_service import (
    CloudRunV2Service,
    CloudRunV2ServiceTemplate,
    CloudRunV2ServiceTemplateContainers,
    CloudRunV2ServiceTemplateContainersEnv,
    CloudRunV2ServiceTemplateContainersEnvValueSource,
    CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2ServiceTemplateContainersLivenessProbe,
    CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet,
    CloudRunV2ServiceTemplateContainersPorts,
    CloudRunV2ServiceTemplateContainersResources,
    CloudRunV2ServiceTemplateContainersStartupProbe,
    CloudRunV2ServiceTemplateContainersStartupProbeHttpGet,
    CloudRunV2ServiceTemplateContainersVolumeMounts,
    CloudRunV2ServiceTemplateScaling,
    CloudRunV2ServiceTemplateVolumes,
    CloudRunV2ServiceTemplateVolumesSecret,
    CloudRunV2ServiceTemplateVolumesSecretItems,
    CloudRunV2ServiceTemplateVpcAccess,
    CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces,
    CloudRunV2ServiceTraffic,
)
from cdktf_cdktf_provider_google.cloud_run_v2_service_iam_member import CloudRunV2ServiceIamMember
from constructs import Construct

from ..props import checked
from ..cloud_limits import CLOUD_RUN_CPU_CHOICES, cloud_run_size_problem
from ._props import (
    REGION,
    REGION_RULE,
    RESOURCE_NAME,
    RESOURCE_NAME_RULE,
    is_token,
    require,
    require_match,
    require_range,
    require_strings,
)

#: Only the services' own project (VPC) and Google Cloud load balancers may send requests.
INGRESS_INTERNAL_LOAD_BALANCER = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
#: Anyone on the internet may send requests (then ``invoker_iam_disabled`` decides who may invoke).
INGRESS_ALL = "INGRESS_TRAFFIC_ALL"
INGRESS_INTERNAL_ONLY = "INGRESS_TRAFFIC_INTERNAL_ONLY"
INGRESS_SETTINGS = (INGRESS_INTERNAL_LOAD_BALANCER, INGRESS_INTERNAL_ONLY, INGRESS_ALL)
INVOKER_ROLE = "roles/run.invoker"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Set by Cloud Run itself; a revision that sets them is rejected.
RESERVED_ENV_NAMES = frozenset({"PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"})


@checked
class SecretEnv:
    """An environment variable read from Secret Manager when an instance starts.

    Attributes:
        secret: Secret name (or ID) in the service's project.
        version: Secret version. Default ``latest``; pin a version so that a new value rolls a new revision.
    """

    secret: str
    version: str = "latest"


@dataclass(frozen=True)
class SecretFile:
    """A Secret Manager secret as a read-only file, e.g. a CA certificate a driver reads from a path.

    Attributes:
        path: The file's absolute path, e.g. ``/etc/cloudsql/server-ca.pem``; its directory holds nothing else
            (Cloud Run mounts the directory).
        secret: Secret name (or ID) in the service's project.
        version: Secret version. Default ``latest``; pin a version so that a new value rolls a new revision.
    """

    path: str
    secret: str
    version: str = "latest"

    def __post_init__(self) -> None:
        require(re.fullmatch(r"(/[A-Za-z0-9._-]+){2,}", self.path) is not None
                and not self.path.startswith(("/dev/", "/proc/", "/sys/")), self, "path",
                "be an absolute file path in a directory of its own, outside /dev, /proc and /sys")

    @property
    def directory(self) -> str:
        """The mounted directory."""
        return self.path.rsplit("/", 1)[0]


def secret_volumes(files: Sequence[SecretFile]) -> list[tuple[str, SecretFile]]:
    """``(volume name, file)`` of each file: one volume per directory, so two files may not share one."""
    directories = [file.directory for file in files]
    if len(set(directories)) != len(directories):
        raise ValueError(f"secret_files: one file per directory, got {directories}")
    return [(f"secret-{index}", file) for index, file in enumerate(files)]


@dataclass(frozen=True)
class VpcEgress:
    """Direct VPC egress: instances send traffic from a subnet of a VPC network, no connector needed.

    Attributes:
        network: Network ID or name.
        subnetwork: Subnet ID or name (in the service's region; /26 or larger).
        private_ranges_only: Route only private (RFC 1918) destinations through the VPC. Default
            ``True``: internet traffic leaves directly, without needing Cloud NAT. ``False``: all traffic goes
            through the VPC, where its firewall rules decide what the instances may reach.
        tags: Network tags of the instances, which firewall rules can target. Default none.
    """

    network: str
    subnetwork: str
    private_ranges_only: bool = True
    tags: tuple[str, ...] = ()


#: How an unresolved reference appears inside a Python string (its number depends on creation order).
_TOKEN = re.compile(r"\$\{TfToken\[[^\]]*\]\}")
TRAFFIC_TAG = re.compile(r"[a-z]([a-z0-9-]{0,44}[a-z0-9])?")
_REVISION_SUFFIX = re.compile(r"[^a-z0-9]+")


#: Bumped when the template this construct writes changes in a way its props do not show (e.g. a new fixed setting).
_TEMPLATE_VERSION = 1
#: Hex characters of a template fingerprint in a revision name.
FINGERPRINT_LENGTH = 8


def revision_name(service_name: str, image_tag: str, fingerprint: str) -> str:
    """The revision of ``service_name`` that runs ``image_tag`` with the template ``fingerprint`` (see
    :func:`template_fingerprint`), e.g. ``shop-api`` + ``1.4.2`` -> ``shop-api-v1-4-2-<8 hex>``.

    Cloud Run refuses a revision name that exists with another template (409 "already exists"), and keeps a
    revision for every name it ever created: the name changes whenever the template does (a new size, scaling,
    variable or secret version at the same tag) and stays the same for the same template, so going back to
    a configuration re-uses its revision. At most 63 lowercase letters, digits and hyphens: a long tag is cut
    (the fingerprint covers the whole image reference).
    """
    suffix = _REVISION_SUFFIX.sub("-", image_tag.lower()).strip("-")
    base = f"{service_name}-v{suffix}"[: 63 - 1 - FINGERPRINT_LENGTH].rstrip("-")
    return f"{base}-{fingerprint}"


@checked
class TrafficShare:
    """A share of a service's requests.

    Attributes:
        percent: 0 to 100; the shares of a service add up to 100.
        revision: The revision that gets it. Default ``None``: whatever revision is the latest.
        tag: A name that gives the revision its own URL, ``https://<tag>---<service host>``, reachable
            whatever its share (smoke tests of a candidate). Default ``None``.
    """

    percent: int
    revision: str | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        require(isinstance(self.percent, int) and 0 <= self.percent <= 100, self, "percent", "be 0 to 100")
        if self.tag is not None:
            require_match(TRAFFIC_TAG, self, "tag", "be 1 to 46 lowercase letters, digits or hyphens, starting with a letter")


@dataclass(frozen=True)
class CloudRunServiceProps:
    """Props of :class:`CloudRunService`.

    Attributes:
        name: Service name (1-49 lowercase letters, digits or hyphens, starting with a letter).
        location: Region, e.g. ``us-central1``.
        image: Container image reference, e.g. from :meth:`DockerRepository.image`.
        service_account_email: Identity of the instances (a dedicated, least-privilege account).
        port: Port the container listens on (Cloud Run sets ``PORT`` to it). Default 8080.
        health_path: HTTP path of the startup and liveness probes. Default ``/``.
        cpu: vCPUs per instance (1, 2, 4 or 8). Default 1.
        memory_mib: Memory per instance in MiB, within Cloud Run's range for ``cpu``. Default 512.
        min_instances: Instances kept warm. Default 0.
        max_instances: Upper bound of scaling. Default 10.
        concurrency: Concurrent requests per instance (1-1000). Default 80.
        request_timeout_seconds: Time an instance has to answer a request (1-3600). Default 60.
        env: Plain environment variables (never secrets). Default none.
        secret_env: Environment variables read from Secret Manager, by name. Default none.
        secret_files: Secrets mounted as read-only files. Default none.
        ingress: Where requests may come from: :data:`INGRESS_INTERNAL_LOAD_BALANCER` (default: the
            project's own network and Google Cloud load balancers only), ``INGRESS_TRAFFIC_INTERNAL_ONLY``
            or :data:`INGRESS_ALL`.
        invoker_iam_disabled: Skip the ``run.invoker`` IAM check, so callers need no Google identity.
            Default ``False``. A serverless load balancer cannot attach identity tokens, so a service
            behind one sets this to ``True`` together with internal-and-load-balancer ingress: the
            ingress setting then keeps every other caller out. With :data:`INGRESS_ALL` it makes the
            service public on its ``run.app`` URL; use that only where no load balancer fronts it.
        deletion_protection: Refuse ``terraform destroy`` of the service (Terraform-level). Default ``True``.
        vpc_egress: Send traffic to private ranges through a VPC subnet (e.g. to a private Cloud SQL
            IP). Default ``None``: no VPC access.
        startup_period_seconds: Interval of the startup probe. Default 5.
        startup_failure_threshold: Failed startup probes before the instance is replaced (so the
            startup budget is period x threshold). Default 24 (2 minutes).
        liveness_period_seconds: Interval of the liveness probe. Default 30.
        liveness_failure_threshold: Failed liveness probes before the instance is restarted. Default 3.
        cpu_always_allocated: Keep CPU allocated between requests (instance-based billing). Default
            ``False``: CPU only while serving, which suits request/response services.
        command: Replaces the image's entrypoint. Default empty: the image's own.
        args: Replace the image's arguments (its ``CMD``). Default empty: the image's own.
        depends_on: Resources to create first: the run API, and the secret versions and accessor
            grants the instances read at start-up.
        revision: Name of the revision this template creates, e.g. from :func:`revision_name` with
            :func:`template_fingerprint`, so that traffic can name it. Default ``None``: Cloud Run names it.
        traffic: How requests are split between revisions. Default: all to the latest revision.
    """

    name: str
    location: str
    image: str
    service_account_email: str
    port: int = 8080
    health_path: str = "/"
    cpu: int = 1
    memory_mib: int = 512
    min_instances: int = 0
    max_instances: int = 10
    concurrency: int = 80
    request_timeout_seconds: int = 60
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: Mapping[str, SecretEnv] = field(default_factory=dict)
    secret_files: tuple[SecretFile, ...] = ()
    ingress: str = INGRESS_INTERNAL_LOAD_BALANCER
    invoker_iam_disabled: bool = False
    deletion_protection: bool = True
    vpc_egress: VpcEgress | None = None
    startup_period_seconds: int = 5
    startup_failure_threshold: int = 24
    liveness_period_seconds: int = 30
    liveness_failure_threshold: int = 3
    cpu_always_allocated: bool = False
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    depends_on: Sequence[ITerraformDependable] = ()
    revision: str | None = None
    traffic: tuple[TrafficShare, ...] = ()

    def __post_init__(self) -> None:
        shares = self.traffic
        require(not shares or sum(share.percent for share in shares) == 100, self, "traffic", "add up to 100 percent")
        tags = [share.tag for share in shares if share.tag]
        require(len(tags) == len(set(tags)), self, "traffic", "use each tag once")
        if self.revision is not None:
            # A name ending in a fingerprint Terraform computes (see template_fingerprint) is checked without it.
            literal = self.revision if not is_token(self.revision) else self.revision.split("${", 1)[0] + "x" * FINGERPRINT_LENGTH
            require(literal.startswith(f"{self.name}-") and len(literal) <= 63
                    and RESOURCE_NAME.fullmatch(literal) is not None, self, "revision",
                    "be the service name, a hyphen and a suffix: at most 63 lowercase letters, digits or hyphens")
        require_match(RESOURCE_NAME, self, "name", RESOURCE_NAME_RULE)
        require(len(self.name) <= 49, self, "name", "be at most 49 characters")
        require_match(REGION, self, "location", REGION_RULE)
        check_container_settings(self)
        check_environment_names(self, "env", "secret_env")
        secret_volumes(self.secret_files)
        require_strings(self, "command", "python")
        require_strings(self, "args", "--workers=2")
        require(self.ingress in INGRESS_SETTINGS, self, "ingress", f"be one of {', '.join(INGRESS_SETTINGS)}")
        require_range(self, "startup_period_seconds", 1, 240, "seconds")
        require_range(self, "startup_failure_threshold", 1, 100)
        require_range(self, "liveness_period_seconds", 1, 3600, "seconds")
        require_range(self, "liveness_failure_threshold", 1, 100)


def check_container_settings(props: object, owner: str | None = None) -> None:
    """Checks ``port``, ``health_path``, ``cpu``, ``memory_mib``, instances, ``concurrency`` and
    ``request_timeout_seconds`` of ``props`` against Cloud Run's limits, naming the attribute at fault."""
    require_range(props, "port", 1, 65535, owner=owner)
    health_path = getattr(props, "health_path")
    require(isinstance(health_path, str) and health_path.startswith("/"), props, "health_path", "start with '/'", owner)
    cpu, memory_mib = getattr(props, "cpu"), getattr(props, "memory_mib")
    require(cpu in CLOUD_RUN_CPU_CHOICES and not isinstance(cpu, bool), props, "cpu",
            f"be one of {', '.join(map(str, CLOUD_RUN_CPU_CHOICES))} vCPU", owner)
    size_problem = cloud_run_size_problem(cpu, memory_mib)
    require(size_problem is None, props, "memory_mib", f"fit cpu {cpu}: {size_problem}", owner)
    require_range(props, "max_instances", 1, 1000, "instances", owner)
    max_instances, min_instances = getattr(props, "max_instances"), getattr(props, "min_instances")
    require(isinstance(min_instances, int) and 0 <= min_instances <= max_instances, props, "min_instances",
            f"be 0 to max_instances ({max_instances})", owner)
    require_range(props, "concurrency", 1, 1000, "requests", owner)
    require_range(props, "request_timeout_seconds", 1, 3600, "seconds", owner)


def check_environment_names(props: object, plain: str, secret: str, owner: str | None = None) -> None:
    """Checks the variable names of the mappings ``props.<plain>`` and ``props.<secret>``: valid, not
    reserved by Cloud Run, not in both."""
    plain_names, secret_names = list(getattr(props, plain)), list(getattr(props, secret))
    names = [*plain_names, *secret_names]
    attribute = plain if plain_names else secret
    require(all(isinstance(name, str) and _ENV_NAME.fullmatch(name) for name in names), props, attribute,
            "have names of letters, digits and '_', not starting with a digit", owner)
    require(not RESERVED_ENV_NAMES.intersection(names), props, attribute,
            f"not set {', '.join(sorted(RESERVED_ENV_NAMES))} (Cloud Run sets them)", owner)
    require(not set(plain_names) & set(secret_names), props, secret, f"not repeat a name of {plain}", owner)


def template_fingerprint(props: CloudRunServiceProps) -> str:
    """:data:`FINGERPRINT_LENGTH` hex characters that change whenever the revision template of ``props`` does.

    Covers everything the template is made of except its name: image, identity, sizes, scaling, concurrency,
    timeout, variables, secrets and their versions (as variables or files), probes, VPC egress, command and
    arguments. Values known only to Terraform (references such as a service account's email or a secret version's
    number) are hashed by Terraform itself, so the fingerprint is then a Terraform expression (a new secret version
    renames the revision at apply time); plain values are hashed here.
    """
    known: list[object] = []
    references: list[str] = []

    def value(item: object) -> object:
        if not (isinstance(item, str) and is_token(item)):
            return item
        # Each reference on its own (Terraform's functions take no templates); the text around them is known.
        references.extend(Token.as_string(token) for token in Tokenization.reverse_string(item).tokens)
        return ["<references>", len(references), *_TOKEN.split(item)]

    for name in _TEMPLATE_FIELDS:
        item = getattr(props, name)
        if isinstance(item, Mapping):
            item = sorted((key, value(entry) if isinstance(entry, str) else
                           [value(entry.secret), value(entry.version)]) for key, entry in item.items())
        elif isinstance(item, VpcEgress):
            # Tags only when there are some: a template without keeps the fingerprint it had before they existed.
            item = [value(item.network), value(item.subnetwork), item.private_ranges_only, *([list(item.tags)] if item.tags else [])]
        elif isinstance(item, (tuple, list)):
            item = [[entry.path, value(entry.secret), value(entry.version)] if isinstance(entry, SecretFile) else value(entry)
                    for entry in item]
        if name in _OPTIONAL_TEMPLATE_FIELDS and not item:
            continue  # likewise
        known.append([name, value(item)])
    digest = hashlib.sha256(json.dumps([_TEMPLATE_VERSION, known], sort_keys=True).encode()).hexdigest()
    if not references:
        return digest[:FINGERPRINT_LENGTH]
    return Fn.substr(Fn.sha256(Fn.join("|", [digest, *references])), 0, FINGERPRINT_LENGTH)


#: The props a revision template is made of (what :func:`template_fingerprint` covers).
_TEMPLATE_FIELDS = (
    "image", "service_account_email", "port", "health_path", "cpu", "memory_mib", "min_instances", "max_instances",
    "concurrency", "request_timeout_seconds", "env", "secret_env", "vpc_egress", "startup_period_seconds",
    "startup_failure_threshold", "liveness_period_seconds", "liveness_failure_threshold", "cpu_always_allocated",
    "command", "args", "secret_files",
)
#: Template fields added later, left out of the fingerprint while empty (the revision names stay).
_OPTIONAL_TEMPLATE_FIELDS = ("secret_files",)


class CloudRunService(Construct):
    """A Cloud Run service with one container, serving all traffic from its latest revision.

    Startup and liveness probes call :attr:`CloudRunServiceProps.health_path`; secrets reach the
    container as environment variables resolved by Cloud Run from Secret Manager (their values never
    appear in the configuration); the second-generation execution environment; startup CPU boost.
    Secure by default: traffic only from the VPC and load balancers, the ``run.invoker`` IAM check on,
    deletion protection on. :meth:`grant_invoker` lets another identity call the service.
    """

    def __init__(self, scope: Construct, id_: str, props: CloudRunServiceProps) -> None:
        super().__init__(scope, id_)
        self.service = CloudRunV2Service(
            self,
            "service",
            name=props.name,
            location=props.location,
            ingress=props.ingress,
            invoker_iam_disabled=props.invoker_iam_disabled,
            deletion_protection=props.deletion_protection,
            template=_template(props),
            traffic=[
                CloudRunV2ServiceTraffic(
                    type="TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION" if share.revision else "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST",
                    revision=share.revision, percent=share.percent, tag=share.tag,
                )
                for share in props.traffic or (TrafficShare(100),)
            ],
            depends_on=list(props.depends_on) or None,
        )

    def grant_invoker(self, name: str, member: str) -> CloudRunV2ServiceIamMember:
        """Lets ``member`` (e.g. another service's account) invoke this service; ``name`` keys the grant."""
        return CloudRunV2ServiceIamMember(
            self,
            f"{name}_invoker",
            name=self.service.name,
            location=self.service.location,
            role=INVOKER_ROLE,
            member=member,
        )

    @property
    def name(self) -> str:
        """The service name, as a reference (so that a user of it is created after the service)."""
        return self.service.name

    @property
    def uri(self) -> str:
        """The service's ``https://...run.app`` URL."""
        return self.service.uri

    @property
    def host(self) -> str:
        """The host of :attr:`uri` (``<name>-<hash>.<region>.run.app``)."""
        return Fn.trimprefix(self.service.uri, "https://")


def _template(props: CloudRunServiceProps) -> CloudRunV2ServiceTemplate:
    """The revision template: its account, scaling, VPC egress, secret volumes and the one container."""
    volumes = secret_volumes(props.secret_files)
    return CloudRunV2ServiceTemplate(
        revision=props.revision,
        service_account=props.service_account_email,
        execution_environment="EXECUTION_ENVIRONMENT_GEN2",
        max_instance_request_concurrency=props.concurrency,
        timeout=f"{props.request_timeout_seconds}s",
        scaling=CloudRunV2ServiceTemplateScaling(
            min_instance_count=props.min_instances, max_instance_count=props.max_instances
        ),
        vpc_access=_vpc_access(props.vpc_egress),
        volumes=[CloudRunV2ServiceTemplateVolumes(name=name, secret=CloudRunV2ServiceTemplateVolumesSecret(
            secret=file.secret, default_mode=0o444, items=[CloudRunV2ServiceTemplateVolumesSecretItems(
                path=file.path.rsplit("/", 1)[1], version=file.version)]))
                 for name, file in volumes] or None,
        containers=[_container(props, volumes)],
    )


def _vpc_access(egress: VpcEgress | None) -> CloudRunV2ServiceTemplateVpcAccess | None:
    """Direct VPC egress through ``egress``'s subnet with its network tags; ``None``: none."""
    if egress is None:
        return None
    return CloudRunV2ServiceTemplateVpcAccess(
        network_interfaces=[
            CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces(
                network=egress.network, subnetwork=egress.subnetwork, tags=list(egress.tags) or None,
            )
        ],
        egress="PRIVATE_RANGES_ONLY" if egress.private_ranges_only else "ALL_TRAFFIC",
    )


def _container_env(props: CloudRunServiceProps) -> list[CloudRunV2ServiceTemplateContainersEnv]:
    """The plain variables, then those Cloud Run resolves from Secret Manager."""
    env = [CloudRunV2ServiceTemplateContainersEnv(name=name, value=value) for name, value in props.env.items()]
    env += [
        CloudRunV2ServiceTemplateContainersEnv(
            name=name,
            value_source=CloudRunV2ServiceTemplateContainersEnvValueSource(
                secret_key_ref=CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef(
                    secret=secret.secret, version=secret.version
                )
            ),
        )
        for name, secret in props.secret_env.items()
    ]
    return env


def _container(props: CloudRunServiceProps, volumes: Sequence[tuple[str, SecretFile]]) -> CloudRunV2ServiceTemplateContainers:
    """The container: its image, resources (startup CPU boost), variables, secret files and both probes."""
    return CloudRunV2ServiceTemplateContainers(
        image=props.image,
        command=list(props.command) or None,
        args=list(props.args) or None,
        ports=CloudRunV2ServiceTemplateContainersPorts(container_port=props.port, name="http1"),
        resources=CloudRunV2ServiceTemplateContainersResources(
            limits={"cpu": str(props.cpu), "memory": f"{props.memory_mib}Mi"},
            cpu_idle=not props.cpu_always_allocated,
            startup_cpu_boost=True,
        ),
        env=_container_env(props) or None,
        volume_mounts=[CloudRunV2ServiceTemplateContainersVolumeMounts(name=name, mount_path=file.directory)
                       for name, file in volumes] or None,
        startup_probe=CloudRunV2ServiceTemplateContainersStartupProbe(
            http_get=CloudRunV2ServiceTemplateContainersStartupProbeHttpGet(path=props.health_path, port=props.port),
            initial_delay_seconds=0,
            period_seconds=props.startup_period_seconds,
            timeout_seconds=min(3, props.startup_period_seconds),
            failure_threshold=props.startup_failure_threshold,
        ),
        liveness_probe=CloudRunV2ServiceTemplateContainersLivenessProbe(
            http_get=CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet(path=props.health_path, port=props.port),
            period_seconds=props.liveness_period_seconds,
            timeout_seconds=min(5, props.liveness_period_seconds),
            failure_threshold=props.liveness_failure_threshold,
        ),
    )
