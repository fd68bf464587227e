"""What both GCP patterns build the same way: APIs, a service's identity and Cloud Run service, the edge, the alerts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from constructs import Construct

from ...naming import PlatformIdentity
from ...shared_specs import Alerting
from ..apis import ProjectServices
from ..artifact_registry import DockerRepository, DockerRepositoryProps
from ..candidate_route import CandidateRoute, CandidateRouteProps
from ..cloud_armor import CloudArmorPolicy, CloudArmorPolicyProps
from ..cloud_run_service import (
    INGRESS_ALL,
    INGRESS_INTERNAL_LOAD_BALANCER,
    INGRESS_INTERNAL_ONLY,
    CloudRunService,
    CloudRunServiceProps,
    SecretEnv,
    SecretFile,
    TrafficShare,
    VpcEgress,
    revision_name,
    template_fingerprint,
)
from ..grants import PROJECT, RESOURCE, WorkloadGrant
from ..load_balancer import ServerlessBackend, ServerlessLoadBalancer, ServerlessLoadBalancerProps
from ..monitoring import ServiceCapacity, ServiceMonitoring, ServiceMonitoringProps, UptimeTarget
from ..secrets import ACCESSOR_ROLE
from ..service_account import ServiceAccount, ServiceAccountProps, ServiceAccountRef
from .._props import PROJECT_ID, PROJECT_ID_RULE, REGION, REGION_RULE, is_token, require, require_match
from .specs import LoadBalancerSpec, ReleaseSpec, RoleGrant, ServiceSpec

#: Cloud Run service names are at most 49 characters.
CLOUD_RUN_NAME_LIMIT = 49


def project_apis(*, registry: bool, storage: bool, load_balancer: bool, database: bool, secrets: bool,
                 logging: bool, budget: bool = False, network: bool = False) -> tuple[str, ...]:
    """The APIs a pattern's resources call, and only those (in a stable order)."""
    names = ["iam", "run"]
    names += ["artifactregistry"] if registry else []
    names += ["storage"] if storage else []
    names += ["monitoring"] + (["logging"] if logging else [])
    names += ["compute"] if load_balancer or database or network else []
    names += ["dns"] if network else []
    names += ["sqladmin", "servicenetworking"] if database else []
    names += ["secretmanager"] if database or secrets else []
    names += ["billingbudgets"] if budget else []
    return tuple(f"{name}.googleapis.com" for name in names)


def check_placement(props: object) -> None:
    """The ``identity``, ``project`` and ``region`` of a GCP pattern's props."""
    require(isinstance(getattr(props, "identity"), PlatformIdentity), props, "identity", "be a PlatformIdentity")
    require_match(PROJECT_ID, props, "project", PROJECT_ID_RULE)
    require_match(REGION, props, "region", REGION_RULE)


def dependables(apis: ProjectServices | None, *services: str) -> list[ITerraformDependable]:
    """The project services of ``services`` to depend on, or nothing when the pattern enables no APIs."""
    return list(apis.dependables(*services)) if apis is not None else []


def service_account_id(name: str, environment: str) -> str:
    """``<name>-<environment>``: unique in the project and readable; ``-run`` appended below 6
    characters, cut to 30 (names and environments have no hyphens, so the results stay distinct)."""
    account_id = f"{name}-{environment}"
    if len(account_id) < 6:
        account_id += "-run"
    return account_id[:30]


def extra_grant(service: str, grant: RoleGrant, project: str) -> WorkloadGrant:
    """A :class:`RoleGrant` of :attr:`ServiceSpec.permissions` as the grant the bootstrap (or the platform) makes."""
    why = grant.why or f"{service} has {grant.role.rsplit('/', 1)[-1]}"
    if grant.resource is None:
        return WorkloadGrant(service, grant.role, PROJECT, project, why)
    return WorkloadGrant(service, grant.role, RESOURCE, grant.resource, why)


def add_service_account(scope: Construct, id_: str, spec: ServiceSpec, identity: PlatformIdentity,
                        apis: ProjectServices | None) -> ServiceAccount:
    """The service's own identity, holding no project roles."""
    return ServiceAccount(scope, id_, ServiceAccountProps(
        account_id=service_account_id(spec.name, identity.environment),
        display_name=f"{identity.prefix} {spec.name}",
        description=f"Runs the {spec.name} Cloud Run service of {identity.prefix}",
        depends_on=dependables(apis, "iam.googleapis.com"),
    ))


def add_registry(scope: Construct, repository_id: str, region: str, identity: PlatformIdentity,
                 apis: ProjectServices | None) -> DockerRepository:
    """The pattern's own Docker repository (construct id ``registry``)."""
    return DockerRepository(scope, "registry", DockerRepositoryProps(
        repository_id=repository_id,
        location=region,
        description=f"Container images of {identity.prefix}",
        depends_on=dependables(apis, "artifactregistry.googleapis.com"),
    ))


def _tagged_image(spec: ServiceSpec, registry: DockerRepository | None, tag: str, digest: str | None = None) -> str:
    """``<repository>/<service>:<tag>``, or ``<repository>/<service>@<digest>`` with a digest, in the given
    repository (``in_repository``) or the pattern's own."""
    if spec.image.repository is not None:
        repository = spec.image.repository
    else:
        assert registry is not None, "a platform_repository image needs the pattern's registry"
        repository = registry.url
    return f"{repository}/{spec.name}@{digest}" if digest else f"{repository}/{spec.name}:{tag}"


def image_of(spec: ServiceSpec, registry: DockerRepository | None) -> str:
    """The image reference of ``spec``: in its repository (given or the pattern's), or as given."""
    if spec.image.tag is not None:
        return _tagged_image(spec, registry, spec.image.tag, spec.image.digest)
    return spec.image.reference or ""


@dataclass(frozen=True)
class ReleasePlan:
    """What a service's template runs under a :class:`ReleaseSpec`, and how requests split.

    Attributes:
        image: The image of the template (the candidate's while one is released).
        image_tag: Its tag, which starts the revision's name; ``None``: Cloud Run names the revisions and all
            requests go to the latest (an image from another registry, or a tag known only to Terraform).
        current_image: While a candidate is released with less than all requests: the image of the revision
            serving the rest (the services' own tag). Default ``None``.
        current_tag: Its tag. Default ``None``.
        candidate_percent: The candidate's share. Default 100.
        traffic_tag: The name of the candidate's own URL. Default ``None``.
    """

    image: str
    image_tag: str | None
    current_image: str | None = None
    current_tag: str | None = None
    candidate_percent: int = 100
    traffic_tag: str | None = None


def release_plan(spec: ServiceSpec, registry: DockerRepository | None, release: ReleaseSpec) -> ReleasePlan:
    """The template's image and the split of requests of ``spec`` under ``release`` (see :class:`ReleaseSpec`)."""
    current = spec.image.tag
    if current is None or (registry is None and spec.image.repository is None) or is_token(current):
        return ReleasePlan(image_of(spec, registry), None)
    if release.candidate_tag is None or release.candidate_tag == current:
        return ReleasePlan(_tagged_image(spec, registry, current, spec.image.digest), current)
    candidate_digest = release.candidate_digests.get(spec.name)
    if spec.image.digest is not None and candidate_digest is None:
        raise ValueError(f"ReleaseSpec.candidate_digests names no digest for service {spec.name!r}: its current image "
                         "runs by digest, so the candidate must too")
    candidate = ReleasePlan(_tagged_image(spec, registry, release.candidate_tag, candidate_digest), release.candidate_tag)
    if release.candidate_percent == 100:
        return candidate
    return replace(candidate, current_image=_tagged_image(spec, registry, current, spec.image.digest), current_tag=current,
                   candidate_percent=release.candidate_percent, traffic_tag=release.traffic_tag)


def named_revisions(props: CloudRunServiceProps, plan: ReleasePlan) -> CloudRunServiceProps:
    """``props`` with the revision named after the plan's tag and template (:func:`revision_name`), and with the
    requests split between the current revision (the same template with the current image) and the candidate."""
    if plan.image_tag is None:
        return props
    revision = revision_name(props.name, plan.image_tag, template_fingerprint(props))
    if plan.current_image is None or plan.current_tag is None:
        return replace(props, revision=revision)
    current = revision_name(props.name, plan.current_tag, template_fingerprint(replace(props, image=plan.current_image)))
    return replace(props, revision=revision, traffic=(
        TrafficShare(100 - plan.candidate_percent, current),
        TrafficShare(plan.candidate_percent, revision, tag=plan.traffic_tag),
    ))


def grant_own_secrets(scope: Construct, spec: ServiceSpec, account: ServiceAccountRef,
                      apis: ProjectServices | None) -> list[ITerraformDependable]:
    """Lets the service's account read exactly the secrets of :attr:`ServiceSpec.secrets` (one grant per secret)."""
    grants: dict[str, ITerraformDependable] = {}
    for secret in spec.secrets.values():
        if secret.secret not in grants:
            slug = re.sub(r"[^A-Za-z0-9_-]", "_", secret.secret)
            grants[secret.secret] = SecretManagerSecretIamMember(
                scope, f"{spec.name}_reads_{slug}", secret_id=secret.secret, role=ACCESSOR_ROLE, member=account.member,
                depends_on=dependables(apis, "secretmanager.googleapis.com") or None,
            )
    return list(grants.values())


def _ingress(spec: ServiceSpec, behind_load_balancer: bool) -> tuple[str, bool]:
    """Who may send ``spec`` requests, and whether the invoker IAM check is off (see :func:`add_cloud_run`)."""
    if not spec.exposed:
        return INGRESS_INTERNAL_ONLY, False
    if behind_load_balancer:
        return INGRESS_INTERNAL_LOAD_BALANCER, True
    return INGRESS_ALL, False


def add_cloud_run(
    scope: Construct,
    id_: str,
    spec: ServiceSpec,
    *,
    identity: PlatformIdentity,
    region: str,
    image: str,
    account: ServiceAccount,
    behind_load_balancer: bool,
    deletion_protection: bool,
    env: Mapping[str, str],
    secret_env: Mapping[str, SecretEnv],
    vpc_egress: VpcEgress | None,
    depends_on: Sequence[ITerraformDependable],
    plan: ReleasePlan | None = None,
    secret_files: tuple[SecretFile, ...] = (),
) -> CloudRunService:
    """The Cloud Run service of ``spec``; who may reach it follows from where it is exposed.

    Behind a load balancer only it (and the VPC) may send requests, and it cannot present identity
    tokens, so the invoker IAM check is off and ingress does the gating. Without one an exposed
    service answers on its run.app URL, but the invoker IAM check stays on: only identities granted
    ``run.invoker`` get through (nothing open to the internet without an edge). A worker takes requests from the
    project's VPC only, with the invoker IAM check on. With a ``plan`` the revisions are named and the requests
    split by it (:func:`named_revisions`).
    """
    ingress, invoker_iam_disabled = _ingress(spec, behind_load_balancer)
    props = CloudRunServiceProps(
        name=identity.name(spec.name),
        location=region,
        image=image,
        service_account_email=account.email,
        port=spec.container_port,
        health_path=spec.health_check.path,
        liveness_period_seconds=spec.health_check.interval_seconds,
        liveness_failure_threshold=spec.health_check.unhealthy_threshold,
        cpu=int(spec.cpu),
        memory_mib=spec.memory_mib,
        min_instances=spec.scaling.min_instances,
        max_instances=spec.scaling.max_instances,
        concurrency=spec.scaling.concurrency,
        request_timeout_seconds=spec.request_timeout_seconds,
        env=dict(env),
        secret_env=dict(secret_env),
        secret_files=secret_files,
        ingress=ingress,
        invoker_iam_disabled=invoker_iam_disabled,
        deletion_protection=deletion_protection,
        vpc_egress=vpc_egress,
        cpu_always_allocated=spec.keeps_cpu_allocated,
        command=spec.command,
        args=spec.args,
        depends_on=list(depends_on),
    )
    return CloudRunService(scope, id_, named_revisions(props, plan) if plan is not None else props)


def add_edge(scope: Construct, *, name: str, region: str, spec: LoadBalancerSpec, backends: Sequence[ServerlessBackend],
             apis: ProjectServices | None, internal_paths: tuple[str, ...] = ()) -> tuple[CloudArmorPolicy, ServerlessLoadBalancer]:
    """Cloud Armor (``cloud_armor``, named ``<name>-edge``) and the HTTPS load balancer (``load_balancer``, ``<name>-...``)."""
    compute = dependables(apis, "compute.googleapis.com")
    armor = spec.cloud_armor
    cloud_armor = CloudArmorPolicy(scope, "cloud_armor", CloudArmorPolicyProps(
        name=f"{name}-edge",
        rate_limit_requests=armor.rate_limit_requests,
        rate_limit_window_seconds=armor.rate_limit_window_seconds,
        waf_rules=armor.waf_rules,
        allowed_hosts=spec.domains,
        request_limits=armor.request_limits,
        path_rate_limits=armor.path_rate_limits,
        adaptive_protection=armor.adaptive_protection,
        internal_paths=internal_paths,
        description=f"WAF and rate limit in front of {name}",
        depends_on=compute,
    ))
    load_balancer = ServerlessLoadBalancer(scope, "load_balancer", ServerlessLoadBalancerProps(
        name=name,
        region=region,
        domains=spec.domains,
        backends=tuple(backends),
        security_policy=cloud_armor.policy_id,
        redirect_http=spec.redirect_http,
        ssl_profile=spec.ssl_profile,
        min_tls_version=spec.min_tls_version,
        log_sample_rate=spec.log_sample_rate,
        depends_on=compute,
    ))
    return cloud_armor, load_balancer


def add_candidate_route(scope: Construct, *, name: str, region: str, release: ReleaseSpec,
                        load_balancer: ServerlessLoadBalancer, apis: ProjectServices | None) -> CandidateRoute | None:
    """The candidate route (construct id ``candidate_route``) of a traffic-shifting release with ``test_cidrs``."""
    if release.strategy == "ROLLING" or not release.test_cidrs:
        return None
    return CandidateRoute(scope, "candidate_route", CandidateRouteProps(
        name=name, region=region, tag=release.traffic_tag, allowed_cidrs=release.test_cidrs, port=release.test_port,
        depends_on=dependables(apis, "compute.googleapis.com"),
    ), load_balancer)


def add_alerts(scope: Construct, *, name: str, project: str, alerting: Alerting, services: Sequence[str],
               uptime_targets: Sequence[UptimeTarget], database_instance: str | None,
               apis: ProjectServices | None, capacities: Sequence[ServiceCapacity] = ()) -> ServiceMonitoring:
    """Uptime checks and alert policies (construct id ``monitoring``), notifying ``alerting.email`` of the critical
    ones and ``alerting.warning_recipient`` of the warnings, each through its own channel."""
    return ServiceMonitoring(scope, "monitoring", ServiceMonitoringProps(
        name=name,
        project=project,
        notification_email=alerting.email,
        warning_email=alerting.warning_recipient,
        capacities=tuple(capacities),
        services=tuple(services),
        thresholds=alerting.thresholds,
        uptime_targets=tuple(uptime_targets),
        database_instance=database_instance,
        depends_on=dependables(apis, "monitoring.googleapis.com"),
    ))
