"""The Cloud Run job that creates the application's PostgreSQL role: the only user of the administrator's password."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, ITerraformDependable
from cdktf_cdktf_provider_google.cloud_run_v2_job import (
    CloudRunV2Job,
    CloudRunV2JobTemplate,
    CloudRunV2JobTemplateTemplate,
    CloudRunV2JobTemplateTemplateContainers,
    CloudRunV2JobTemplateTemplateContainersEnv,
    CloudRunV2JobTemplateTemplateContainersEnvValueSource,
    CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2JobTemplateTemplateContainersResources,
    CloudRunV2JobTemplateTemplateContainersVolumeMounts,
    CloudRunV2JobTemplateTemplateVolumes,
    CloudRunV2JobTemplateTemplateVolumesSecret,
    CloudRunV2JobTemplateTemplateVolumesSecretItems,
    CloudRunV2JobTemplateTemplateVpcAccess,
    CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces,
)
from constructs import Construct

from ..database_roles import SETUP_IMAGE_GCP, ApplicationRole, setup_command, setup_sql
from .cloud_run_service import SecretEnv, SecretFile
from .cloud_sql import POSTGRES_PORT
from .network import DATABASE_CLIENT_TAG


@dataclass(frozen=True)
class DatabaseSetupJobProps:
    """Props of :class:`DatabaseSetupJob`.

    Attributes:
        name: The job's name, e.g. ``duckdb-analytics-prod-database-setup``.
        project: The project (the stack output).
        region: The database's region.
        service_account_email: What the job runs as: it may read the two secrets below, nothing else.
        network: The VPC network (the job reaches the private IP through it).
        subnetwork: A subnet of it in ``region``.
        host: The instance's private IP.
        admin_user: The built-in administrator.
        admin_password: The secret holding its password (``PGPASSWORD``).
        server_ca: The secret holding the instance's server CA, mounted at its ``path``.
        role: The application role to create.
        depends_on: Resources to create first (APIs, the secrets' versions, the IAM users). Default none.
        deletion_protection: Refuse ``terraform destroy`` of the job. Default ``True``.
    """

    name: str
    project: str
    region: str
    service_account_email: str
    # Where it runs.
    network: str
    subnetwork: str
    # What it sets up, and how it logs in.
    host: str
    admin_user: str
    admin_password: SecretEnv
    server_ca: SecretFile
    role: ApplicationRole
    depends_on: Sequence[ITerraformDependable] = ()
    deletion_protection: bool = True


class DatabaseSetupJob(Construct):
    """A Cloud Run job that runs :func:`~constructs_lib.database_roles.setup_sql` as the administrator.

    Nothing runs it on its own: the pipeline executes it after each apply (``python -m delivery database-setup``,
    from the stack output ``database_setup``: :attr:`run_configuration`), or an operator with
    ``gcloud run jobs execute <name> --wait``. The SQL is idempotent. The job sends all its traffic through the
    VPC (the firewall admits PostgreSQL to the database for its tag, and Google's APIs), verifies the server with the
    instance's CA (``sslmode=verify-ca``), tries once (no retries) and stops after 5 minutes.
    """

    def __init__(self, scope: Construct, id_: str, props: DatabaseSetupJobProps) -> None:
        super().__init__(scope, id_)
        ca = props.server_ca
        plain = {"PGHOST": props.host, "PGPORT": str(POSTGRES_PORT), "PGDATABASE": props.role.database,
                 "PGUSER": props.admin_user, "PGSSLMODE": "verify-ca", "PGSSLROOTCERT": ca.path,
                 "PGCONNECT_TIMEOUT": "10", "PGAPPNAME": "database-setup", "SETUP_SQL": setup_sql(props.role)}
        env = [CloudRunV2JobTemplateTemplateContainersEnv(name=name, value=value) for name, value in sorted(plain.items())]
        env.append(CloudRunV2JobTemplateTemplateContainersEnv(
            name="PGPASSWORD", value_source=CloudRunV2JobTemplateTemplateContainersEnvValueSource(
                secret_key_ref=CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef(
                    secret=props.admin_password.secret, version=props.admin_password.version))))
        self.job = CloudRunV2Job(
            self, "job", name=props.name, location=props.region, deletion_protection=props.deletion_protection,
            template=CloudRunV2JobTemplate(task_count=1, parallelism=1, template=CloudRunV2JobTemplateTemplate(
                service_account=props.service_account_email, max_retries=0, timeout="300s",
                execution_environment="EXECUTION_ENVIRONMENT_GEN2",
                vpc_access=CloudRunV2JobTemplateTemplateVpcAccess(egress="ALL_TRAFFIC", network_interfaces=[
                    CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces(
                        network=props.network, subnetwork=props.subnetwork, tags=[DATABASE_CLIENT_TAG])]),
                volumes=[CloudRunV2JobTemplateTemplateVolumes(name="server-ca", secret=CloudRunV2JobTemplateTemplateVolumesSecret(
                    secret=ca.secret, default_mode=0o444, items=[CloudRunV2JobTemplateTemplateVolumesSecretItems(
                        path=ca.path.rsplit("/", 1)[1], version=ca.version)]))],
                containers=[CloudRunV2JobTemplateTemplateContainers(
                    image=SETUP_IMAGE_GCP, command=list(setup_command()), env=env,
                    resources=CloudRunV2JobTemplateTemplateContainersResources(limits={"cpu": "1", "memory": "512Mi"}),
                    volume_mounts=[CloudRunV2JobTemplateTemplateContainersVolumeMounts(
                        name="server-ca", mount_path=ca.directory)],
                )],
            )),
            depends_on=list(props.depends_on) or None,
        )
        self._props = props

    @property
    def run_configuration(self) -> str:
        """JSON of what ``gcloud run jobs execute`` needs: ``cloud``, ``project``, ``region``, ``job`` (the stack
        output ``database_setup``)."""
        props = self._props
        return Fn.jsonencode({"cloud": "gcp", "project": props.project, "region": props.region, "job": self.job.name})
