"""What the GitHub Actions service accounts of :class:`~.delivery.DeliveryFoundation` may do in Google Cloud.

Every pipeline account holds custom roles made of exactly the permissions Terraform's calls need for the
resource types a :class:`~.web_platform.WebPlatform` manages (:data:`RESOURCE_PERMISSIONS`, one row per type,
with the API reference it comes from), never a predefined role that carries more:

- **deploy** (``<prefix>_deployer``): create, read, update and delete each type. No ``setIamPolicy`` of any
  kind, no service account administration, keys, HMAC keys or tokens, no Workload Identity pool change, no
  log sink or exclusion, no database export or import, no object read: what the services may do is granted
  by the bootstrap (:class:`~constructs_lib.gcp.grants.WorkloadGrants`), which an administrator applies.
  It acts as exactly the workload service accounts (``roles/iam.serviceAccountUser`` on each account).
- **plan** (``<prefix>_planner``, deploy branch and drift check): read each type, plus the platform's secret
  payloads (refreshing a secret version reads it). No basic Viewer role: the buckets' legacy
  ``projectViewer`` convenience bindings grant it nothing.
- **pull request plan**: the state objects and the project's metadata (the ``google_project`` data source);
  pull requests plan without refreshing.

:data:`FORBIDDEN` lists what no pipeline account may hold; ``tests/test_identity_threats.py`` checks the
synthesized roles against it and against the table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourcePermissions:
    """The permissions Terraform's calls for one resource type need.

    Attributes:
        read: What refreshing it calls (the plan accounts hold these).
        write: What creating, updating and deleting it calls besides ``read`` (the deploy account holds both).
        source: Where the permissions come from (the API method references).
    """

    read: tuple[str, ...]
    write: tuple[str, ...]
    source: str


def _crud(service: str, collection: str, *write_verbs: str, operations: str | None = None,
          read: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``service.collection.get/list`` (and the operations' ``get``) to read; ``service.collection.<verb>`` for each
    of ``write_verbs`` to write. Verbs are named per type: Google rejects a custom role naming a permission that does
    not exist (``compute.sslCertificates.update`` does not), and tests/data/gcp_permissions.txt checks each."""
    return ((f"{service}.{collection}.get", f"{service}.{collection}.list",
             *((f"{service}.{operations}.get",) if operations else ()), *read),
            tuple(f"{service}.{collection}.{verb}" for verb in write_verbs))


def _entry(parts: tuple[tuple[str, ...], tuple[str, ...]], source: str, *, write: tuple[str, ...] = ()) -> ResourcePermissions:
    return ResourcePermissions(read=parts[0], write=(*parts[1], *write), source=source)


_COMPUTE = "Compute Engine API v1 reference, IAM permissions of each method (insert, get, patch/update, delete, set*)"
_GLOBAL, _REGIONAL = "globalOperations", "regionOperations"

#: Resource type -> what its create, read, update and delete call. A platform resource type missing here
#: fails the suite (the deploy account would get a 403 on its first apply).
RESOURCE_PERMISSIONS: dict[str, ResourcePermissions] = {
    "google_project": _entry(((("resourcemanager.projects.get",)), ()), "Resource Manager API v3 projects.get"),
    "google_project_service": _entry((("serviceusage.services.get", "serviceusage.services.list",
                                       "serviceusage.operations.get"), ("serviceusage.services.enable",)),
                                     "Service Usage API v1 services.enable/get (the platform never disables an API)"),
    "google_cloud_run_v2_service": _entry(
        _crud("run", "services", "create", "update", "delete", operations="operations",
              read=("run.revisions.get", "run.revisions.list")),
        "Cloud Run Admin API v2 projects.locations.services create/get/patch/delete; turning the invoker IAM check "
        "off needs run.services.setIamPolicy (cloud.google.com/run/docs/authenticating/public, Required roles); "
        "iam.serviceAccounts.actAs on the service's account is granted there",
        write=("run.services.setIamPolicy",)),
    "google_cloud_run_v2_job": _entry(
        _crud("run", "jobs", "create", "update", "delete", "run", operations="operations"),
        "Cloud Run Admin API v2 projects.locations.jobs create/get/patch/delete/run, and executions get/list: the "
        "pipeline executes the database setup job after each apply (actAs on its account, granted there)",
        write=("run.executions.get", "run.executions.list")),
    "google_compute_network": _entry(_crud("compute", "networks", "create", "update", "delete", "use", "updatePolicy",
                                           operations=_GLOBAL), _COMPUTE),
    "google_compute_subnetwork": _entry(_crud("compute", "subnetworks", "create", "update", "delete", "use",
                                              operations=_REGIONAL), _COMPUTE),
    "google_compute_firewall": _entry(_crud("compute", "firewalls", "create", "update", "delete", operations=_GLOBAL),
                                      _COMPUTE, write=("compute.networks.updatePolicy",)),
    "google_compute_router": _entry(_crud("compute", "routers", "create", "update", "delete", "use",
                                          operations=_REGIONAL), _COMPUTE, write=("compute.networks.updatePolicy",)),
    "google_compute_router_nat": _entry((("compute.routers.get", "compute.regionOperations.get"), ("compute.routers.update",)),
                                        "Compute Engine API v1 routers.patch (a NAT is part of its router)"),
    "google_dns_managed_zone": _entry(_crud("dns", "managedZones", "create", "update", "delete", operations="changes",
                                            read=("compute.networks.get",)),
                                      "Cloud DNS API v1 managedZones create/get/patch/delete; a private zone binds the "
                                      "network (dns.networks.bindPrivateDNSZone)",
                                      write=("dns.networks.bindPrivateDNSZone",)),
    "google_dns_record_set": _entry(_crud("dns", "resourceRecordSets", "create", "update", "delete",
                                          read=("dns.managedZones.get", "dns.changes.get")),
                                    "Cloud DNS API v1 resourceRecordSets (each change a dns.changes.create)",
                                    write=("dns.changes.create",)),
    # The load balancer's address, and the private service access range (purpose VPC_PEERING: an internal address).
    "google_compute_global_address": _entry(_crud("compute", "globalAddresses", "create", "delete", "use", "setLabels",
                                                  "createInternal", "deleteInternal", operations=_GLOBAL), _COMPUTE),
    "google_compute_global_forwarding_rule": _entry(_crud("compute", "globalForwardingRules", "create", "update",
                                                          "delete", "setLabels", "setTarget", operations=_GLOBAL),
                                                    _COMPUTE),
    "google_compute_managed_ssl_certificate": _entry(_crud("compute", "sslCertificates", "create", "delete",
                                                           operations=_GLOBAL), _COMPUTE),
    "google_compute_ssl_policy": _entry(_crud("compute", "sslPolicies", "create", "update", "delete", "use",
                                              operations=_GLOBAL), _COMPUTE),
    "google_compute_security_policy": _entry(_crud("compute", "securityPolicies", "create", "update", "delete", "use",
                                                   "setLabels", operations=_GLOBAL), _COMPUTE),
    "google_compute_region_network_endpoint_group": _entry(
        _crud("compute", "regionNetworkEndpointGroups", "create", "delete", "use", operations=_REGIONAL), _COMPUTE),
    "google_compute_backend_service": _entry(_crud("compute", "backendServices", "create", "update", "delete", "use",
                                                   "setSecurityPolicy", operations=_GLOBAL), _COMPUTE),
    "google_compute_url_map": _entry(_crud("compute", "urlMaps", "create", "update", "delete", "use",
                                           operations=_GLOBAL), _COMPUTE),
    "google_compute_target_http_proxy": _entry(_crud("compute", "targetHttpProxies", "create", "update", "delete", "use",
                                                     "setUrlMap", operations=_GLOBAL), _COMPUTE),
    "google_compute_target_https_proxy": _entry(_crud("compute", "targetHttpsProxies", "create", "update", "delete",
                                                      "use", "setSslCertificates", "setSslPolicy", "setUrlMap",
                                                      operations=_GLOBAL), _COMPUTE,
                                                write=("compute.sslCertificates.get",)),
    "google_service_networking_connection": _entry(
        (("servicenetworking.services.get", "servicenetworking.operations.get", "compute.networks.get",
          "compute.globalAddresses.list"),
         ("servicenetworking.services.addPeering", "compute.networks.addPeering", "compute.networks.updatePeering")),
        "Service Networking API v1 services.connections create/list/patch (private service access)"),
    "google_sql_database_instance": _entry(
        _crud("cloudsql", "instances", "create", "update", "delete", read=("compute.networks.list",)),
        "Cloud SQL Admin API v1 instances insert/get/patch/delete, a private IP on the peered network (no export, "
        "import, clone or promotion: the failover's promotion is the operator's, docs/disaster-recovery.md)"),
    "google_sql_database": _entry(_crud("cloudsql", "databases", "create", "update", "delete"),
                                  "Cloud SQL Admin API v1 databases"),
    "google_sql_user": _entry((("cloudsql.users.list",), ("cloudsql.users.create", "cloudsql.users.update",
                                                          "cloudsql.users.delete")), "Cloud SQL Admin API v1 users"),
    "google_secret_manager_secret": _entry(_crud("secretmanager", "secrets", "create", "update", "delete"),
                                           "Secret Manager API v1 projects.secrets"),
    "google_secret_manager_secret_version": _entry(
        (("secretmanager.versions.get", "secretmanager.versions.list"),
         ("secretmanager.versions.add", "secretmanager.versions.enable", "secretmanager.versions.disable",
          "secretmanager.versions.destroy")),
        "Secret Manager API v1 projects.secrets.versions add/get/enable/disable/destroy; reading a version reads its "
        "payload too (access: SECRET_PAYLOAD_ROLE, on the platform's secrets only)"),
    "google_storage_bucket": _entry(
        _crud("storage", "buckets", "create", "update", "delete"),
        "Cloud Storage JSON API buckets insert/get/patch/delete (force_destroy: FORCE_DESTROY_PERMISSIONS)"),
    "google_logging_project_bucket_config": _entry(
        (("logging.buckets.get", "logging.buckets.list"), ("logging.buckets.update",)),
        "Cloud Logging API v2 projects.locations.buckets get/patch (the _Default bucket's retention only)"),
    "google_monitoring_alert_policy": _entry(_crud("monitoring", "alertPolicies", "create", "update", "delete"),
                                             "Cloud Monitoring API v3 alertPolicies"),
    "google_monitoring_notification_channel": _entry(
        _crud("monitoring", "notificationChannels", "create", "update", "delete"),
        "Cloud Monitoring API v3 notificationChannels"),
    "google_monitoring_uptime_check_config": _entry(
        _crud("monitoring", "uptimeCheckConfigs", "create", "update", "delete"), "Cloud Monitoring API v3 uptimeCheckConfigs"),
    "google_monitoring_dashboard": _entry(_crud("monitoring", "dashboards", "create", "update", "delete"),
                                          "Cloud Monitoring Dashboards API v1"),
    "google_artifact_registry_repository": _entry(_crud("artifactregistry", "repositories", "create", "update", "delete"),
                                                  "Artifact Registry API v1 projects.locations.repositories"),
    # Terraform-only resources: no Google API call.
    "random_password": ResourcePermissions(read=(), write=(), source="hashicorp/random: no API call"),
}

#: Setting an IAM policy the platform needs despite :data:`FORBIDDEN`: Cloud Run checks ``run.services.setIamPolicy``
#: when a service turns its invoker IAM check off (its ingress gates who reaches it); who could be added to such a
#: policy is bounded by the organization policy ``iam.allowedPolicyMemberDomains`` (no ``allUsers``, no outsider).
ALLOWED_IAM_POLICY_CHANGES: dict[str, str] = {
    "run.services.setIamPolicy": "turning a service's invoker IAM check off (Cloud Run requires it)",
}

#: What no pipeline account may hold: each permission opens a path to another identity, to data, or out of the
#: project. Exact names or prefixes ending in ``.``/``*``.
FORBIDDEN: dict[str, str] = {
    "*.setIamPolicy": "changes who may do what (the bootstrap grants; an administrator applies it)",
    "resourcemanager.projects.setIamPolicy": "takes the project",
    "iam.serviceAccounts.create": "a new identity (the bootstrap creates the workload accounts)",
    "iam.serviceAccounts.actAs": "only on the workload accounts, never project-wide",
    "iam.serviceAccounts.getAccessToken": "mints tokens of other accounts",
    "iam.serviceAccounts.signBlob": "signs as other accounts",
    "iam.serviceAccounts.signJwt": "signs as other accounts",
    "iam.serviceAccounts.implicitDelegation": "chains to other accounts",
    "iam.serviceAccountKeys.create": "a key that outlives every revocation",
    "storage.hmacKeys.create": "a key that outlives every revocation",
    "iam.workloadIdentityPools.": "widens who may act as the pipeline",
    "iam.workloadIdentityPoolProviders.": "widens who may act as the pipeline",
    "iam.roles.": "rewrites its own custom role",
    "logging.sinks.": "copies every log out of the project",
    "logging.exclusions.": "hides activity from the logs",
    "cloudsql.instances.export": "copies the database to a bucket anywhere",
    "cloudsql.instances.import": "overwrites the database",
    "cloudsql.instances.clone": "a copy of the database it could open",
    "cloudsql.backupRuns.": "restores or deletes backups outside Terraform",
    "storage.objects.get": "reads the data (the state is granted on the state bucket alone)",
    "secretmanager.versions.access": "reads every secret of the project (granted on the platform's secrets alone)",
    "billing.": "the billing account is the administrator's",
}


#: Refreshing a secret version reads its payload (``secretmanager.versions.access``): the deploy and plan accounts
#: hold this role on the platform's secrets only (a condition on their names), never in a custom role.
SECRET_PAYLOAD_ROLE = "roles/secretmanager.secretAccessor"

#: What destroying a bucket with ``force_destroy`` adds (it lists and deletes the objects first): only where the
#: environment destroys its buckets with their objects (dev).
FORCE_DESTROY_PERMISSIONS: tuple[str, ...] = ("storage.objects.list", "storage.objects.delete")


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({permission for group in groups for permission in group}))


def deployer_permissions(resource_types: tuple[str, ...], *, force_destroy: bool = False) -> tuple[str, ...]:
    """Every permission the deploy account needs for ``resource_types`` (read and write), sorted; with
    ``force_destroy``, what emptying a bucket before its deletion needs too."""
    return _merge(*(RESOURCE_PERMISSIONS[kind].read + RESOURCE_PERMISSIONS[kind].write for kind in resource_types),
                  FORCE_DESTROY_PERMISSIONS if force_destroy else ())


def planner_permissions(resource_types: tuple[str, ...]) -> tuple[str, ...]:
    """Every permission refreshing ``resource_types`` needs, sorted."""
    return _merge(*(RESOURCE_PERMISSIONS[kind].read for kind in resource_types))


def forbidden(permission: str) -> str | None:
    """Why ``permission`` is forbidden to every pipeline account, or ``None`` (and for the few listed exceptions)."""
    if permission in ALLOWED_IAM_POLICY_CHANGES:
        return None
    for pattern, why in FORBIDDEN.items():
        if pattern.startswith("*.") and permission.endswith(pattern[1:]):
            return why
        if (pattern.endswith(".") and permission.startswith(pattern)) or permission == pattern:
            return why
    return None


@dataclass(frozen=True)
class OrganizationPolicy:
    """One organization policy constraint an administrator sets on the environments' projects (or their folder).

    Attributes:
        constraint: The constraint name, e.g. ``iam.allowedPolicyMemberDomains``.
        value: What to set it to.
        why: What it closes that no project-level permission can.
    """

    constraint: str
    value: str
    why: str


#: What closes, for the whole organization, what no permission inside a project can.
GCP_ORGANIZATION_POLICIES: tuple[OrganizationPolicy, ...] = (
    OrganizationPolicy("iam.allowedPolicyMemberDomains",
                       "your organization's customer ID, and Google's for group:cloud-storage-analytics@google.com "
                       "(the usage logs' writer) or an exception for that grant",
                       "no IAM policy of the projects may name a principal outside the organization (nor allUsers): "
                       "bounds the one IAM policy the deploy account sets, a Cloud Run service's"),
    OrganizationPolicy("iam.disableServiceAccountKeyCreation", "enforced",
                       "no service account key at all: the pipeline is keyless, a key is a backdoor"),
    OrganizationPolicy("iam.disableServiceAccountKeyUpload", "enforced", "the same, for uploaded keys"),
    OrganizationPolicy("storage.publicAccessPrevention", "enforced", "no bucket is ever public"),
    OrganizationPolicy("storage.uniformBucketLevelAccess", "enforced", "no object ACL bypasses bucket IAM"),
    OrganizationPolicy("iam.workloadIdentityPoolProviders", "allow https://token.actions.githubusercontent.com",
                       "federation from GitHub Actions only"),
    OrganizationPolicy("compute.skipDefaultNetworkCreation", "enforced",
                       "new projects get no default VPC (its firewall opens SSH and RDP to the internet)"),
    OrganizationPolicy("sql.restrictPublicIp", "enforced", "no Cloud SQL instance takes a public IP"),
    OrganizationPolicy("iam.automaticIamGrantsForDefaultServiceAccounts", "enforced",
                       "default service accounts get no Editor role (a workload falling back to one owns nothing)"),
)


#: The permissions of the predefined roles the bootstrap still grants (on one resource each, never on the project
#: but the pipeline accounts' conditioned secret reads), as Google lists them (iann0036/iam-dataset,
#: gcp/roles/*.json, commit 2073fa52a).
PREDEFINED_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "roles/iam.serviceAccountUser": (
        "iam.serviceAccounts.actAs",
        "iam.serviceAccounts.get",
        "iam.serviceAccounts.list",
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
    ),
    "roles/iam.workloadIdentityUser": (
        "iam.serviceAccounts.get",
        "iam.serviceAccounts.getAccessToken",
        "iam.serviceAccounts.getOpenIdToken",
        "iam.serviceAccounts.list",
    ),
    "roles/secretmanager.secretAccessor": (
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
        "secretmanager.versions.access",
    ),
    "roles/storage.objectViewer": (
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
        "storage.folders.get",
        "storage.folders.list",
        "storage.managedFolders.get",
        "storage.managedFolders.list",
        "storage.objects.get",
        "storage.objects.list",
    ),
    "roles/storage.objectUser": (
        "monitoring.timeSeries.create",
        "orgpolicy.policy.get",
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
        "storage.folders.create",
        "storage.folders.delete",
        "storage.folders.get",
        "storage.folders.list",
        "storage.folders.rename",
        "storage.managedFolders.create",
        "storage.managedFolders.delete",
        "storage.managedFolders.get",
        "storage.managedFolders.list",
        "storage.multipartUploads.abort",
        "storage.multipartUploads.create",
        "storage.multipartUploads.list",
        "storage.multipartUploads.listParts",
        "storage.objects.create",
        "storage.objects.createContext",
        "storage.objects.delete",
        "storage.objects.deleteContext",
        "storage.objects.get",
        "storage.objects.list",
        "storage.objects.move",
        "storage.objects.restore",
        "storage.objects.update",
        "storage.objects.updateContext",
    ),
    "roles/storage.objectCreator": (
        "orgpolicy.policy.get",
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
        "storage.folders.create",
        "storage.managedFolders.create",
        "storage.multipartUploads.abort",
        "storage.multipartUploads.create",
        "storage.multipartUploads.listParts",
        "storage.objects.create",
        "storage.objects.createContext",
    ),
}
