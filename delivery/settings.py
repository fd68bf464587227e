"""Per-stack facts a workflow job needs, derived from config and the stack naming (one source of truth)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from config import CLOUDS, ENVIRONMENTS, Configuration, load_configuration
from constructs_lib import PlatformIdentity
from constructs_lib.github import DeliveryNames
from stacks import KINDS, StackRef, stack_refs, standby_environments, uses_bucket


class UnknownStack(ValueError):
    """A stack name main.py never synthesizes."""


def select(environ: Mapping[str, str], *, clouds: Sequence[str] = CLOUDS, environments: Sequence[str] = ENVIRONMENTS,
           kinds: Sequence[str] = KINDS) -> list[StackRef]:
    """The stacks ``main.py --clouds ... --environments ... --stacks ...`` writes, in its order."""
    # The project name comes from project.toml, the standby stacks from the environments' [dr]: loading the
    # selected environments reads both and validates everything.
    configuration = load_configuration(tuple(environments), environ=environ, clouds=tuple(clouds))
    return stack_refs(configuration.project.name, clouds, environments, kinds,
                      standby_environments=standby_environments(configuration.environments))


def find(name: str, environ: Mapping[str, str]) -> StackRef:
    refs = select(environ)
    for ref in refs:
        if ref.name == name:
            return ref
    raise UnknownStack(f"unknown stack {name!r} (main.py synthesizes {', '.join(ref.name for ref in refs)})")


def stack_settings(name: str, environ: Mapping[str, str]) -> dict[str, str]:
    """``key -> value`` for ``$GITHUB_OUTPUT``: the stack's cloud, directory, state and identities."""
    ref = find(name, environ)
    configuration: Configuration = load_configuration((ref.environment,), environ=environ, clouds=(ref.cloud,))
    config = configuration.environments[0]
    names = DeliveryNames(PlatformIdentity(config.project, config.environment))
    settings = {
        "stack": ref.name, "cloud": ref.cloud, "environment": ref.environment, "kind": ref.kind,
        "directory": f"cdktf.out/stacks/{ref.name}",
        "state": "bucket" if uses_bucket(ref.cloud, ref.kind, config) else "local",
    }
    if ref.cloud == "aws":
        account = config.aws.account_id
        settings |= {
            "aws_region": config.aws.region, "aws_account_id": account,
            "aws_plan_role_arn": names.aws_role_arn(account, names.aws_plan_role),
            "aws_pr_plan_role_arn": names.aws_role_arn(account, names.aws_pr_plan_role),
            "aws_deploy_role_arn": names.aws_role_arn(account, names.aws_deploy_role),
        }
    else:
        project = config.gcp.project_id
        settings |= {
            "gcp_project": project,
            "gcp_workload_identity_provider": names.gcp_provider_name(config.gcp.project_number),
            "gcp_plan_service_account": names.gcp_account_email(names.gcp_plan_account, project),
            "gcp_pr_plan_service_account": names.gcp_account_email(names.gcp_pr_plan_account, project),
            "gcp_deploy_service_account": names.gcp_account_email(names.gcp_deploy_account, project),
        }
    return settings
