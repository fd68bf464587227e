"""The second run: change one release-relevant setting at a time and check, with ``python main.py diff`` (the risk
review), that each step changes only what it should and replaces nothing stateful.

Each step edits a copy of ``config/``, synthesizes the environment's stacks before and after, and compares them
as a reviewer does: a new image tag, an emergency capacity raise, the escape hatch from blue/green to rolling,
and disaster recovery turned on and off (the staging drill; prod must keep it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from config import DEFAULT_CONFIG_DIR, load_configuration

from .helpers import PROJECT_ROOT, subprocess_environment

pytestmark = pytest.mark.slow  # synthesizes prod and staging again, eight times

Change = Callable[[dict[str, Any]], None]
#: The risk review's exit status when something changes, and when something risky does.
CHANGES, RISKY = 1, 3


def _release(**values: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["release"].update(values)
    change.__qualname__ = "release_" + "_".join(f"{key}_{value}" for key, value in sorted(values.items()))
    return change


def _candidate(data: dict[str, Any]) -> None:
    """Release 1.1.0: its tag and its images' digests (prod runs its images by digest)."""
    data["release"].update(candidate_tag="1.1.0", candidate_digests={"backend": "sha256:" + "b" * 64,
                                                                     "frontend": "sha256:" + "f" * 64})


def _scaling(data: dict[str, Any]) -> None:
    data["scaling"]["max_capacity"] = 30


def _with_dr(data: dict[str, Any]) -> None:
    """The drill's ``[dr]`` of staging (docs/disaster-recovery.md), with the zone it needs."""
    data["aws"]["hosted_zone_id"] = "Z0123456789EXAMPLE0CD"
    data["dr"] = {"mode": "pilot_light", "aws_standby_region": "us-west-2",
                  "aws_standby_availability_zones": ["us-west-2a", "us-west-2b"], "aws_standby_vpc_cidr": "10.14.0.0/16",
                  "gcp_standby_region": "us-east1", "gcp_standby_subnet_cidr": "10.32.0.0/24",
                  "standby_min_capacity": 1, "standby_max_capacity": 6}


@dataclass(frozen=True)
class Review:
    """What ``main.py diff`` reported: per stack, the ``(action, resource type)`` of each change, the addresses of
    the risks by kind (``data loss``, ``outage``, ``access widened``, ...), and the stacks that go away."""

    exit_status: int
    changes: dict[str, set[tuple[str, str]]]
    risks: dict[str, dict[str, set[str]]]
    removed_stacks: set[str]
    text: str

    def risky(self, *, widened: bool) -> dict[str, set[str]]:
        """Per stack, the addresses of the risks that widen access (``widened``) or of all the others."""
        found: dict[str, set[str]] = {}
        for kind, stacks in self.risks.items():
            if (kind == WIDENED) is widened:
                for stack, addresses in stacks.items():
                    found.setdefault(stack, set()).update(addresses)
        return found


WIDENED = "access widened"
_STACK = re.compile(r"^duckdb-analytics-(\S+): \d+ added, \d+ removed, \d+ changed, \d+ risky(?: \((.*)\))?$")
_CHANGE = re.compile(r"^    ([-+~]) (?!data\.)([a-z0-9_]+)\.(\S+)")
_RISK = re.compile(r"^\s+! \[([a-z ]+)\] duckdb-analytics-(\S+)\s+(\S+)\s")


def parse(result: subprocess.CompletedProcess[str]) -> Review:
    changes: dict[str, set[tuple[str, str]]] = {}
    risks: dict[str, dict[str, set[str]]] = {}
    removed: set[str] = set()
    stack = ""
    for line in result.stdout.splitlines():
        if match := _RISK.match(line):
            risks.setdefault(match.group(1), {}).setdefault(match.group(2), set()).add(match.group(3))
        elif match := _STACK.match(line):
            stack = match.group(1)
            if match.group(2) == "stack removed":
                removed.add(stack)
        elif (match := _CHANGE.match(line)) and match.group(2) not in ("output", "locals", "removed"):
            changes.setdefault(stack, set()).add((match.group(1), match.group(2)))
    return Review(result.returncode, changes, risks, removed, result.stdout)


@dataclass(frozen=True)
class Step:
    """One setting changed in one environment's file, and every change the risk review may report for it.

    Attributes:
        name: What changes.
        environment: The environment whose file changes.
        after: The change to the committed file, or ``None`` (the committed file).
        before: The committed file with this change made is what the step starts from. Default ``None``.
        changes: Per stack, exactly the ``(action, resource type)`` pairs the review reports.
        risky: Per stack, the addresses the review flags for data, availability or recovery (everything else must
            not be risky); a stack that goes away takes its data with it (the runbook empties it first) and is not
            listed.
        standby_exposed: The step adds a standby: its load balancer, key policy and services are exposed as the
            primary's are, which the review flags as access widened; only there may access widen.
        removed_stacks: Stacks that go away.
    """

    name: str
    environment: str
    after: Change | None
    before: Change | None = None
    changes: dict[str, set[tuple[str, str]]] | None = None
    risky: dict[str, set[str]] = field(default_factory=dict)
    standby_exposed: bool = False
    removed_stacks: set[str] = field(default_factory=set)


CLOUD_RUN = ("~", "google_cloud_run_v2_service")
CANDIDATE_ROUTE = {("-", kind) for kind in (
    "google_compute_backend_service", "google_compute_global_forwarding_rule", "google_compute_region_network_endpoint_group",
    "google_compute_security_policy", "google_compute_target_https_proxy", "google_compute_url_map")}
#: The staging bucket becomes a dual-region with [dr] and a regional one again without: the runbook relocates it
#: first (docs/disaster-recovery.md, Enabling step 7), which is why the review flags the location change.
DATA_BUCKET = "google_storage_bucket.data_bucket_51E298BF"

STEPS = (
    # A release: new task definitions (both AWS regions) and new Cloud Run revisions; nothing else.
    Step("new image tag", "prod", _candidate, changes={
        "aws-prod": {("~", "aws_ecs_task_definition")}, "aws-prod-standby": {("~", "aws_ecs_task_definition")},
        "gcp-prod": {CLOUD_RUN},
    }),
    # An emergency capacity raise at the same tag: the scaling targets and the warning at the new maximum; on Cloud
    # Run the primary's services get new revision names (their template changed: no 409 "already exists").
    Step("scaling", "prod", _scaling, changes={
        "aws-prod": {("~", "aws_appautoscaling_target"), ("~", "aws_cloudwatch_metric_alarm")},
        "gcp-prod": {CLOUD_RUN, ("~", "google_monitoring_alert_policy")},
    }),
    # The escape hatch from blue/green: only the services' strategy changes; both target groups, the weighted rules
    # and the test listener stay (ECS keeps serving from the group it chose). GCP drops its candidate route.
    # (The review flags the candidate route's forwarding rule as an outage: it is the test port's only; the site's
    # rules stay.)
    Step("strategy", "prod", _release(strategy="rolling", transition="retire_traffic_shifting", bake_minutes=0), changes={
        "aws-prod": {("~", "aws_ecs_service")}, "aws-prod-standby": {("~", "aws_ecs_service")},
        "gcp-prod": CANDIDATE_ROUTE,
    }, risky={"gcp-prod": {"google_compute_global_forwarding_rule.candidate_route_rule_F4C1D1FC"}}),
    # The drill turns disaster recovery on: nothing of the primary is replaced; only the bucket's relocation,
    # which the runbook does first, is flagged.
    Step("[dr] on", "staging", _with_dr, risky={"gcp-staging": {DATA_BUCKET}}, standby_exposed=True),
    # ...and off again: what goes is the standby and the replication; the primary's database stays.
    Step("[dr] off", "staging", None, before=_with_dr, removed_stacks={"aws-staging-standby"}, risky={
        "aws-staging": {"aws_secretsmanager_secret.database_password_secret_3F51E96B"},  # the replicated password
        "gcp-staging": {DATA_BUCKET, "google_sql_database_instance.database_standby_replica_A225AC3B",
                        "google_secret_manager_secret.database_password_standby_secret_5571E353",
                        "google_secret_manager_secret.database_url_standby_secret_945A5B39",
                        "google_secret_manager_secret.database_ca_standby_secret_56D76ABF"},
    }),
)


def _synthesize(directory: Path, environment: str, changes: tuple[Change | None, ...]) -> Path:
    """The environment's platform (and standby) stacks from a copy of ``config/`` with ``changes`` made."""
    from stacks.synthesis import synthesize

    if directory.exists():
        return directory / "out"
    config_dir = directory / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config_dir)
    path = config_dir / f"{environment}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for change in filter(None, changes):
        change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    configuration = load_configuration((environment,), config_dir=config_dir, environ={})
    synthesize(configuration, ("aws", "gcp"), directory / "out", ("standby", "platform"))
    return directory / "out"


def review(old: Path, new: Path) -> Review:
    """``python main.py diff OLD NEW``, as a reviewer runs it (it imports neither cdktf nor a provider)."""
    return parse(subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "diff", str(old), str(new)],
                                cwd=PROJECT_ROOT, env=subprocess_environment(), capture_output=True, text=True,
                                timeout=300, check=False))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, tuple[Change | None, ...]], Path]:
    root = tmp_path_factory.mktemp("second-run")

    def output(environment: str, changes: tuple[Change | None, ...]) -> Path:
        name = "-".join([environment, *(change.__qualname__ if change else "none" for change in changes)])
        return _synthesize(root / re.sub(r"[^A-Za-z0-9_-]", "_", name), environment, changes)
    return output


@pytest.mark.parametrize("step", STEPS, ids=[step.name for step in STEPS])
def test_each_step_changes_only_what_it_should(step: Step, outputs: Callable[..., Path]) -> None:
    old = outputs(step.environment, (step.before,))
    new = outputs(step.environment, (step.after,))
    result = review(old, new)
    assert result.exit_status == (RISKY if step.risky or step.standby_exposed else CHANGES), result.text
    kept = {stack: risky for stack, risky in result.risky(widened=False).items() if stack not in step.removed_stacks}
    assert kept == step.risky, result.text  # nothing else risky: nothing stateful replaced or destroyed
    widened = result.risky(widened=True)
    if step.standby_exposed:  # the new standby is exposed as the primary is, and nothing else
        assert widened and all(stack.endswith("-standby") or all("standby" in address for address in addresses)
                               for stack, addresses in widened.items()), result.text
    else:
        assert widened == {}, result.text
    assert result.removed_stacks == step.removed_stacks
    if step.changes is not None:
        assert result.changes == step.changes, result.text


def test_the_tag_and_capacity_steps_rename_exactly_the_revisions_whose_template_changed(outputs: Callable[..., Path]) -> None:
    base = outputs("prod", (None,))
    for change, renamed in ((_candidate, 4), (_scaling, 2)):
        text = review(base, outputs("prod", (None, change))).text
        # every changed template carries a new revision name (the standby's keep theirs on a primary-only change)
        assert text.count("template.revision:") == renamed, text


def test_going_back_to_the_same_configuration_changes_nothing(outputs: Callable[..., Path]) -> None:
    there = outputs("prod", (None, _scaling))
    back = review(there, outputs("prod", (None,)))
    # the reverse of the capacity raise: the revision names return to today's (Cloud Run re-uses that revision)
    assert back.changes == {"aws-prod": {("~", "aws_appautoscaling_target"), ("~", "aws_cloudwatch_metric_alarm")},
                            "gcp-prod": {CLOUD_RUN, ("~", "google_monitoring_alert_policy")}}
    same = review(outputs("prod", (None,)), outputs("prod", (None,)))
    assert same.exit_status == 0 and same.changes == {}
