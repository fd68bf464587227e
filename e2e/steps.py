"""The round trip's steps as tests, in order; ``test_<environment>.py`` runs them for one environment.

A step that needs an earlier one which failed is skipped with that reason, so the first failure is the one
reported. Every failure names the stack, and Terraform's own error names the resource address and the API error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from constructs_lib.offline import terraform_environment

from . import workspace
from .emulator_gaps import EMULATOR_DIFFS, explained
from .leftovers import KEPT_ON_PURPOSE, leftovers
from .permissions import address_index, denials, read_role, trusts, untrusted_sessions
from .round_trip import PROJECT_ROOT, RoundTrip, planned_changes

PLATFORM_PHASES = ("bootstrap plan", "platform plan", "platform apply", "second plan")
RELEASE_PHASES = ("release plan", "release apply")
DESTROY_PHASES = ("destroy plan", "destroy apply")


def _needs(trip: RoundTrip, *phases: str) -> None:
    for phase in phases:
        step = trip.steps.get(phase)
        if step is None or not step.ok:
            pytest.skip(f"needs the step {phase!r}, which {'did not run' if step is None else 'failed'}")


def _failed(trip: RoundTrip, stack: str, phase: str) -> str:
    return f"{stack}: {phase} failed:\n{workspace.errors(trip.steps[phase].result)}"


class DeploymentSteps:
    """The first deployment of an environment: its bootstrap, then its platform by the pipeline's roles, planned
    again, and every call judged. Subclass with ``environment = "<name>"`` and a name starting with ``Test`` (the
    ``trip`` fixture of e2e/conftest.py reads ``environment`` and calls :meth:`prepare`); pytest runs a base
    class's tests before the subclass's own."""

    environment: str
    #: An image tag to release after the first apply (an update of the running platform), or None.
    release_tag: str | None = None

    @classmethod
    def prepare(cls, trip: RoundTrip) -> None:
        """The committed configuration's stacks, synthesized; the bootstrap and platform stacks copied."""
        trip.stacks = trip.synthesize()
        trip.bootstrap = trip.copy(trip.stacks, f"{trip.stack}-bootstrap")
        trip.platform = trip.copy(trip.stacks, trip.stack)

    def test_bootstrap_applies_as_administrator(self, trip: RoundTrip) -> None:
        workspace.init(trip.bootstrap, trip.administrator)
        trip.terraform("bootstrap apply", trip.bootstrap, trip.administrator, "apply", "-auto-approve")
        assert trip.steps["bootstrap apply"].ok, _failed(trip, f"{trip.stack}-bootstrap", "bootstrap apply")

    def test_bootstrap_plans_as_plan_role(self, trip: RoundTrip) -> None:
        """Pull requests and the daily drift check plan the bootstrap stack too, with the plan role."""
        _needs(trip, "bootstrap apply")
        step = trip.terraform("bootstrap plan", trip.bootstrap, trip.plan_role(), "plan", "-lock=false",
                              "-detailed-exitcode")
        assert step.result.returncode == 0, _failed(trip, f"{trip.stack}-bootstrap", "bootstrap plan") + \
            ("\n(exit code 2: the bootstrap shows changes right after its apply)" if step.result.returncode == 2 else "")

    def test_platform_plans_as_plan_role(self, trip: RoundTrip) -> None:
        _needs(trip, "bootstrap apply")
        workspace.init(trip.platform, trip.plan_role())
        plan_as_plan_role(trip, trip.platform, trip.stack, "platform plan")

    def test_platform_applies_as_deploy_role(self, trip: RoundTrip) -> None:
        _needs(trip, "platform plan")
        apply_as_deploy_role(trip, trip.platform, trip.stack, "platform apply")

    def test_second_plan_shows_no_change(self, trip: RoundTrip) -> None:
        _needs(trip, "platform apply")
        second_plan_shows_no_change(trip, trip.platform, trip.stack, "second plan", self.environment)

    def test_release_updates_as_deploy_role(self, trip: RoundTrip) -> None:
        """A new image tag and its digests in the environment's configuration, planned and applied."""
        if self.release_tag is None:
            pytest.skip(f"{self.environment}: no release step (it would lengthen the longest round trip)")
        _needs(trip, "second plan")
        stacks = trip.synthesize(image_tag=self.release_tag)
        trip.copy(stacks, trip.stack)
        step = trip.terraform("release plan", trip.platform, trip.plan_role(), "plan", "-lock=false",
                              "-detailed-exitcode", "-out=release.tfplan")
        assert step.result.returncode == 2, _failed(trip, trip.stack, "release plan")
        changes = planned_changes(trip.plan_json(trip.platform, trip.administrator, "release.tfplan"))
        assert any(change["type"] == "aws_ecs_task_definition" for change in changes.values()), \
            f"{trip.stack}: the release of {self.release_tag} changes no task definition: {sorted(changes)}"
        trip.terraform("release apply", trip.platform, trip.deploy_role(), "apply", "release.tfplan")
        assert trip.steps["release apply"].ok, _failed(trip, trip.stack, "release apply")

    def test_pipeline_roles_may_make_every_call(self, trip: RoundTrip) -> None:
        _needs(trip, "platform apply")
        judge_calls(trip, tuple(phase for phase in (*PLATFORM_PHASES, *RELEASE_PHASES) if phase in trip.steps),
                    (trip.platform,))



class RoundTripSteps(DeploymentSteps):
    """The first deployment, then the platform destroyed and the bootstrap torn down as documented."""

    def test_destroy_removes_the_platform(self, trip: RoundTrip) -> None:
        """The platform's buckets emptied by an administrator as documented, then the destroy as manage.yml runs it."""
        _needs(trip, "platform apply")
        emptied = run_documented_emptying(trip)
        assert emptied.returncode == 0, f"{trip.stack}: emptying the buckets as documented failed:\n{emptied.stderr}"
        step = trip.terraform("destroy plan", trip.platform, trip.plan_role(), "plan", "-destroy", "-lock=false",
                              "-detailed-exitcode", "-out=destroy.tfplan")
        assert step.result.returncode == 2, _failed(trip, trip.stack, "destroy plan")
        deploy = trip.deploy_role()
        trip.terraform("destroy apply", trip.platform, deploy, "apply", "destroy.tfplan")
        assert trip.steps["destroy apply"].ok, _failed(trip, trip.stack, "destroy apply")
        remaining = workspace.managed_resources(workspace.state(trip.platform, deploy))
        assert not remaining, f"{trip.stack}: still in the state after destroy: {[r['address'] for r in remaining]}"

    def test_pipeline_roles_may_destroy(self, trip: RoundTrip) -> None:
        _needs(trip, "destroy apply")
        judge_calls(trip, DESTROY_PHASES, ())

    def test_bootstrap_teardown_as_documented(self, trip: RoundTrip) -> None:
        _needs(trip, "destroy apply")
        result = run_documented_teardown(trip)
        assert result.returncode == 0, f"{trip.stack}-bootstrap: the documented teardown failed:\n{result.stderr}"
        left = sorted(set(leftovers(trip.emulator, trip.administrator, trip.account, trip.config.aws.region,
                                    trip.config.state.aws_bucket)))
        unexpected = [f"{kind}: {name}" for kind, name in left if kind not in KEPT_ON_PURPOSE]
        assert not unexpected, f"{trip.stack}: left behind after destroy and teardown:\n" + "\n".join(unexpected)



def judge_calls(trip: RoundTrip, phases: tuple[str, ...], applied: tuple[Path, ...]) -> None:
    """Every call the pipeline roles made in ``phases`` judged against their policies (and the keys' policies);
    each role's trust checked for the tokens presented; the deploy role must refuse a pull request's token.
    ``applied``: copies whose state names the resources (a denial names the address)."""
    iam = trip.emulator.client("iam", trip.administrator)
    roles = {role.name: role for role in (read_role(iam, arn.rsplit("/", 1)[-1])
                                          for arn in (trip.role_arn("deploy"), trip.role_arn("plan")))}
    calls = [call for phase in phases for call in trip.steps[phase].calls]
    addresses: dict[str, str] = {}
    for directory in applied:
        addresses.update(address_index(workspace.state(directory, trip.administrator)))
    key_policies: dict[str, dict | None] = {}

    def key_policy(arn: str) -> dict | None:
        if arn not in key_policies:
            kms = trip.emulator.client("kms", trip.administrator, arn.split(":")[3])
            try:
                key_policies[arn] = json.loads(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
            except Exception:  # noqa: BLE001 - a key the emulator no longer knows: IAM alone decides
                key_policies[arn] = None
        return key_policies[arn]

    denied, unmapped = denials(calls, roles, key_policy, addresses)
    problems = [f"{trip.stack}: {denial}" for denial in denied]
    problems += [f"{trip.stack}: {call.phase}: {call.role_name} made {call.service}:{call.operation} {call.path} "
                 f"{sorted(call.params)[:6]} whose permissions e2e/authorization.py does not know"
                 f"{' (' + call.mapping_error + ')' if call.mapping_error else ''}" for call in unmapped]
    sessions = [session for session in trip.emulator.recorder.sessions if session.phase in phases]
    problems += [f"{trip.stack}: {refusal}" for refusal in untrusted_sessions(sessions, roles)]
    deploy_role = roles[trip.role_arn("deploy").rsplit("/", 1)[-1]]
    if trusts(deploy_role.trust, trip.role_arn("deploy"), trip.claims("pull_request")):
        problems.append(f"{trip.stack}: the deploy role trusts a pull request's token")
    assert not problems, "\n".join(problems)


def plan_as_plan_role(trip: RoundTrip, directory: Path, stack: str, phase: str) -> None:
    """The plan job: ``plan -lock=false -detailed-exitcode -out=tfplan`` as the plan role; changes expected."""
    step = trip.terraform(phase, directory, trip.plan_role(), "plan", "-lock=false", "-detailed-exitcode", "-out=tfplan")
    assert step.result.returncode == 2, _failed(trip, stack, phase)


def apply_as_deploy_role(trip: RoundTrip, directory: Path, stack: str, phase: str) -> None:
    """The apply job: the saved plan applied as the deploy role; every resource it creates is in the state after."""
    deploy = trip.deploy_role()
    planned = planned_changes(trip.plan_json(directory, deploy, "tfplan"))
    trip.terraform(phase, directory, deploy, "apply", "tfplan")
    assert trip.steps[phase].ok, _failed(trip, stack, phase)
    created = {resource["address"] for resource in workspace.managed_resources(workspace.state(directory, deploy))}
    missing = sorted(address for address, change in planned.items() if "create" in change["actions"]
                     and address not in created)
    assert not missing, f"{stack}: planned but not in the state after apply: {missing}"


def second_plan_shows_no_change(trip: RoundTrip, directory: Path, stack: str, phase: str, gaps: str) -> None:
    """The plan role plans again: no change but the emulator diffs listed for ``gaps`` (an environment, or
    ``<environment>-standby``); a listed diff no longer seen fails too."""
    plan = trip.plan_role()
    plan_file = f"{phase.replace(' ', '-')}.tfplan"
    step = trip.terraform(phase, directory, plan, "plan", "-lock=false", "-detailed-exitcode", f"-out={plan_file}")
    assert step.result.returncode in (0, 2), _failed(trip, stack, phase)
    changes = planned_changes(trip.plan_json(directory, plan, plan_file))
    seen, unexplained = set(), []
    for address, change in changes.items():
        for attribute in change["attributes"] or ["(no attribute: " + "/".join(change["actions"]) + ")"]:
            entry = explained(change["type"], attribute, gaps)
            if entry:
                seen.add(entry)
            else:
                detail = change["detail"].get(attribute, "")
                unexplained.append(f"{address}: {attribute} ({'/'.join(change['actions'])}) {detail}")
    unused = [entry for entry in EMULATOR_DIFFS if gaps in entry.environments and entry not in seen and not entry.intermittent]
    assert not unexplained, f"{stack}: the second plan changes:\n" + "\n".join(unexplained)
    assert not unused, f"{stack}: emulator diffs no longer seen (drop them from e2e/emulator_gaps.py): {unused}"


def documented_block(heading: str, page: str = "delivery.md") -> str:
    """The first ``sh`` block after the line of ``docs/<page>`` that starts with ``heading``."""
    text = (PROJECT_ROOT / "docs" / page).read_text(encoding="utf-8")
    block = re.search(re.escape(heading) + r".*?```sh\n(.*?)```", text, re.DOTALL)
    assert block, f"docs/{page}: no sh block after {heading!r}"
    return block.group(1)


def run_documented_teardown(trip: RoundTrip) -> subprocess.CompletedProcess[str]:
    """docs/delivery.md's teardown of the AWS bootstrap (section 13, steps 4 and 6) as written, on the bootstrap's
    copy. Step 6's gcloud and local-file lines are GCP's and the workstation's: left out. ``apply`` of the saved
    destroy plan needs no answer."""
    steps = [documented_block("4. **AWS bootstrap**"), "\n".join(
        line for line in documented_block("6. **The state buckets**").splitlines()
        if not line.strip().startswith(("gcloud ", "rm ")))]
    return run_documented(trip, steps)


def run_documented_emptying(trip: RoundTrip) -> subprocess.CompletedProcess[str]:
    """docs/delivery.md's emptying of the platform's buckets before its destroy (section 13, step 1) as written."""
    return run_documented(trip, [documented_block("1. **Platform and standby stacks**")])


def run_documented(trip: RoundTrip, blocks: list[str], answer: str = "") -> subprocess.CompletedProcess[str]:
    """Documented ``sh`` blocks for this environment, with an administrator's session and the ``aws`` CLI pointed
    at the emulator (:func:`aws_cli`): the example's dev names replaced by the environment's, a synthesized stack's
    directory (``cdktf.out/stacks/<stack>``) by its copy, ``answer`` typed at Terraform's prompts."""
    project, environment = trip.config.project, trip.environment
    script = textwrap.dedent("\n".join(textwrap.dedent(block) for block in blocks))
    for example, ours in ((f"{project}-aws-dev", f"{project}-aws-{environment}"), (f"{project}-dev", f"{project}-{environment}"),
                          ("111122223333", trip.account), ("cdktf.out/stacks/", f"{trip.workdir}/")):
        script = script.replace(example, ours)
    variables = {**terraform_environment(trip.bootstrap / "terraformrc"), **trip.administrator,
                 "AWS_ENDPOINT_URL": trip.emulator.url, "AWS_DEFAULT_REGION": trip.config.aws.region,
                 "PATH": f"{aws_cli(trip.workdir)}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, input=answer,
                          env=variables, timeout=600, check=False)


def aws_cli(workdir: Path) -> Path:
    """A directory whose ``aws`` is the locked AWS CLI (version 1) with ``AWS_ENDPOINT_URL`` holding for every
    service, as in version 2 (version 1 replaces it with ``rds.amazonaws.com`` for RDS in us-east-1, its
    certificate name override)."""
    directory = workdir / "aws-cli"
    directory.mkdir(exist_ok=True)
    wrapper = directory / "aws"
    wrapper.write_text(f'#!/bin/sh\nexec "{Path(sys.executable).parent / "aws"}" --endpoint-url "$AWS_ENDPOINT_URL" "$@"\n')
    wrapper.chmod(0o755)
    return directory
