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


class RoundTripSteps:
    """Subclass with ``environment = "<name>"`` and a name starting with ``Test`` (the ``trip`` fixture of
    e2e/conftest.py reads ``environment``)."""

    environment: str
    #: An image tag to release after the first apply (an update of the running platform), or None.
    release_tag: str | None = None

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
        plan = trip.plan_role()
        workspace.init(trip.platform, plan)
        step = trip.terraform("platform plan", trip.platform, plan, "plan", "-lock=false", "-detailed-exitcode",
                              "-out=tfplan")
        assert step.result.returncode == 2, _failed(trip, trip.stack, "platform plan")

    def test_platform_applies_as_deploy_role(self, trip: RoundTrip) -> None:
        _needs(trip, "platform plan")
        deploy = trip.deploy_role()
        planned = planned_changes(trip.plan_json(trip.platform, deploy, "tfplan"))
        trip.terraform("platform apply", trip.platform, deploy, "apply", "tfplan")
        assert trip.steps["platform apply"].ok, _failed(trip, trip.stack, "platform apply")
        created = {resource["address"] for resource in workspace.managed_resources(workspace.state(trip.platform, deploy))}
        missing = sorted(address for address, change in planned.items() if "create" in change["actions"]
                         and address not in created)
        assert not missing, f"{trip.stack}: planned but not in the state after apply: {missing}"

    def test_second_plan_shows_no_change(self, trip: RoundTrip) -> None:
        _needs(trip, "platform apply")
        plan = trip.plan_role()
        step = trip.terraform("second plan", trip.platform, plan, "plan", "-lock=false", "-detailed-exitcode",
                              "-out=second.tfplan")
        assert step.result.returncode in (0, 2), _failed(trip, trip.stack, "second plan")
        changes = planned_changes(trip.plan_json(trip.platform, plan, "second.tfplan"))
        seen, unexplained = set(), []
        for address, change in changes.items():
            for attribute in change["attributes"] or ["(no attribute: " + "/".join(change["actions"]) + ")"]:
                entry = explained(change["type"], attribute, self.environment)
                if entry:
                    seen.add(entry)
                else:
                    detail = change["detail"].get(attribute, "")
                    unexplained.append(f"{address}: {attribute} ({'/'.join(change['actions'])}) {detail}")
        unused = [entry for entry in EMULATOR_DIFFS
                  if self.environment in entry.environments and entry not in seen and not entry.intermittent]
        assert not unexplained, f"{trip.stack}: the second plan changes:\n" + "\n".join(unexplained)
        assert not unused, f"{trip.stack}: emulator diffs no longer seen (drop them from e2e/emulator_gaps.py): {unused}"

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
        self._judge(trip, tuple(phase for phase in (*PLATFORM_PHASES, *RELEASE_PHASES) if phase in trip.steps))

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
        self._judge(trip, DESTROY_PHASES)

    def test_bootstrap_teardown_as_documented(self, trip: RoundTrip) -> None:
        _needs(trip, "destroy apply")
        result = run_documented_teardown(trip)
        assert result.returncode == 0, f"{trip.stack}-bootstrap: the documented teardown failed:\n{result.stderr}"
        left = sorted(set(leftovers(trip.emulator, trip.administrator, trip.account, trip.config.aws.region,
                                    trip.config.state.aws_bucket)))
        unexpected = [f"{kind}: {name}" for kind, name in left if kind not in KEPT_ON_PURPOSE]
        assert not unexpected, f"{trip.stack}: left behind after destroy and teardown:\n" + "\n".join(unexpected)

    @staticmethod
    def _judge(trip: RoundTrip, phases: tuple[str, ...]) -> None:
        iam = trip.emulator.client("iam", trip.administrator)
        roles = {role.name: role for role in (read_role(iam, arn.rsplit("/", 1)[-1])
                                              for arn in (trip.role_arn("deploy"), trip.role_arn("plan")))}
        calls = [call for phase in phases for call in trip.steps[phase].calls]
        shown = workspace.state(trip.platform, trip.administrator) if "platform apply" in phases else {}
        kms, key_policies = trip.emulator.client("kms", trip.administrator, trip.config.aws.region), {}

        def key_policy(arn: str) -> dict | None:
            if arn not in key_policies:
                try:
                    key_policies[arn] = json.loads(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
                except Exception:  # noqa: BLE001 - a key the emulator no longer knows: IAM alone decides
                    key_policies[arn] = None
            return key_policies[arn]

        denied, unmapped = denials(calls, roles, key_policy, address_index(shown))
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


def documented_block(heading: str) -> str:
    """The first ``sh`` block after the line of docs/delivery.md that starts with ``heading``."""
    text = (PROJECT_ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
    block = re.search(re.escape(heading) + r".*?```sh\n(.*?)```", text, re.DOTALL)
    assert block, f"docs/delivery.md: no sh block after {heading!r}"
    return block.group(1)


def run_documented_teardown(trip: RoundTrip) -> subprocess.CompletedProcess[str]:
    """docs/delivery.md's teardown of the AWS bootstrap (section 13, steps 4 and 6) as written, on the bootstrap's
    copy (``s=`` points there). Step 6's gcloud and local-file lines are GCP's and the workstation's: left out.
    ``apply`` of the saved destroy plan needs no answer."""
    steps = [documented_block("4. **AWS bootstrap**"), "\n".join(
        line for line in documented_block("6. **The state buckets**").splitlines()
        if not line.strip().startswith(("gcloud ", "rm ")))]
    return run_documented(trip, steps)


def run_documented_emptying(trip: RoundTrip) -> subprocess.CompletedProcess[str]:
    """docs/delivery.md's emptying of the platform's buckets before its destroy (section 13, step 1) as written."""
    return run_documented(trip, [documented_block("1. **Platform and standby stacks**")])


def run_documented(trip: RoundTrip, blocks: list[str]) -> subprocess.CompletedProcess[str]:
    """Documented ``sh`` blocks for this environment (the example's dev names replaced by the environment's), with
    an administrator's session and the ``aws`` CLI pointed at the emulator."""
    project, environment = trip.config.project, trip.environment
    script = textwrap.dedent("\n".join(textwrap.dedent(block) for block in blocks))
    for example, ours in ((f"{project}-aws-dev", f"{project}-aws-{environment}"), (f"{project}-dev", f"{project}-{environment}"),
                          ("111122223333", trip.account)):
        script = script.replace(example, ours)
    script = re.sub(r"(?m)^s=.*$", f"s={trip.bootstrap}", script)
    variables = {**terraform_environment(trip.bootstrap / "terraformrc"), **trip.administrator,
                 "AWS_ENDPOINT_URL": trip.emulator.url, "AWS_DEFAULT_REGION": trip.config.aws.region,
                 "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                          env=variables, timeout=300, check=False)
