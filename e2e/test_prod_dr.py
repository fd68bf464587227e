"""prod with disaster recovery (``make e2e-dr``): deployed first without ``[dr]``, then enabled as the runbook says,
the failover and the fence rehearsed, and the teardown refused as the design wants.

In order (docs/delivery.md section 4, docs/disaster-recovery.md "Enabling disaster recovery"):

1. the first deployment with ``[dr]`` deferred (the inherited steps: bootstrap by an administrator, the
   primary planned by the plan role and applied by the deploy role, planned again, every call judged);
2. the bootstrap applied again with ``[dr]``; Enabling step 1 (the standby's repositories alone, the runbook's
   commands); step 3 (the standby stack by the pipeline's roles); step 4 (the primary, then the runbook's
   commands that restart the standby's services); step 5 (the replica bucket seeded, the runbook's commands);
   every stack planned again; every call judged;
3. the failover (warm: the replica promoted) and the fence of the old primary, with the runbook's commands;
4. the teardown: prod keeps its stateful resources (``prevent_destroy``), so a destroy plan is refused.

The runbook's ``aws`` commands run as written, against the emulator, with an administrator's session; what the
emulator cannot rehearse is listed in docs/disaster-recovery.md ("What no emulator rehearses").
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from . import workspace
from .round_trip import RoundTrip
from .steps import (DeploymentSteps, _failed, _needs, apply_as_deploy_role, documented_block, judge_calls,
                    plan_as_plan_role, run_documented, second_plan_shows_no_change)

pytestmark = pytest.mark.dr

RUNBOOK = "disaster-recovery.md"
DR_PHASES = ("dr bootstrap apply", "dr bootstrap plan", "standby plan", "standby apply", "dr platform plan",
             "dr platform apply", "standby second plan", "dr second plan")


def with_dr_deferred(text: str) -> str:
    """The configuration with ``aws_deferred = true`` in its ``[dr]`` table, as docs/delivery.md's first deployment
    says."""
    edited, count = re.subn(r"^\[dr\][^\n]*\n", lambda table: table.group(0) + "aws_deferred = true\n", text,
                            flags=re.M)
    assert count == 1, "the configuration has no [dr] table to defer"
    return edited


def first_deployment_without_dr(trip: RoundTrip) -> Path:
    """prod's stacks for its first deployment (docs/delivery.md section 4: ``aws_deferred = true`` in ``[dr]``), by
    main.py; the committed configuration is put back for the steps that enable disaster recovery."""
    config = trip.workdir / "config" / "prod.toml"
    committed = config.read_text(encoding="utf-8")
    try:
        stacks = trip.synthesize_edited("cdktf.out-dr-deferred", with_dr_deferred)
    finally:
        config.write_text(committed, encoding="utf-8")
    assert not (stacks / f"{trip.stack}-standby").exists(), "a deferred [dr] built the standby"
    return stacks


def runbook(trip: RoundTrip, phase: str, *blocks: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    """Runbook ``sh`` blocks run as an administrator, as one phase of the emulator's record."""
    with trip.emulator.phase(phase):
        result = run_documented(trip, list(blocks), answer)
    (trip.workdir / f"{phase.replace(' ', '-')}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, f"{trip.stack}: {phase}: the runbook's commands failed:\n{result.stderr[-3000:]}"
    return result


def aws_only(block: str, *skipped: str) -> str:
    """A runbook block without its GCP part (from the ``# GCP`` comment on) and without the commands starting with
    ``skipped`` (continued lines included): those that need the live internet or running tasks."""
    lines = block.split("\n# GCP")[0].replace("\\\n", " ").splitlines()
    return "\n".join(line for line in lines if not line.strip().startswith(skipped))


class TestProdDisasterRecovery(DeploymentSteps):
    environment = "prod"

    @classmethod
    def prepare(cls, trip: RoundTrip) -> None:
        """The committed configuration (``[dr]`` on), and the first deployment's stacks (``[dr]`` deferred)."""
        trip.dr_stacks = trip.synthesize()
        trip.stacks = first_deployment_without_dr(trip)
        trip.bootstrap = trip.copy(trip.stacks, f"{trip.stack}-bootstrap")
        trip.platform = trip.copy(trip.stacks, trip.stack)
        trip.standby = trip.copy(trip.dr_stacks, f"{trip.stack}-standby")

    def _region_client(self, trip: RoundTrip, service: str, standby: bool = False) -> Any:
        region = trip.config.dr.aws_standby_region if standby else trip.config.aws.region
        return trip.emulator.client(service, trip.administrator, region)

    # --- Enabling disaster recovery --------------------------------------------------------------------------

    def test_bootstrap_applies_again_with_dr(self, trip: RoundTrip) -> None:
        """Before step 1: the administrator applies the bootstrap with ``[dr]`` (the roles' standby permissions)."""
        _needs(trip, "second plan")
        trip.copy(trip.dr_stacks, f"{trip.stack}-bootstrap")
        trip.terraform("dr bootstrap apply", trip.bootstrap, trip.administrator, "apply", "-auto-approve")
        assert trip.steps["dr bootstrap apply"].ok, _failed(trip, f"{trip.stack}-bootstrap", "dr bootstrap apply")
        step = trip.terraform("dr bootstrap plan", trip.bootstrap, trip.plan_role(), "plan", "-lock=false",
                              "-detailed-exitcode")
        assert step.result.returncode == 0, _failed(trip, f"{trip.stack}-bootstrap", "dr bootstrap plan")

    def test_standby_repositories_first(self, trip: RoundTrip) -> None:
        """Step 1, the runbook's commands: the standby's repositories alone (``apply -target``, answered yes)."""
        _needs(trip, "dr bootstrap apply")
        runbook(trip, "standby repositories", documented_block("1. **AWS standby's repositories first.**", RUNBOOK),
                answer="yes\n")
        ecr = self._region_client(trip, "ecr", standby=True)
        names = sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"])
        assert names == [f"{trip.config.project}-prod/backend", f"{trip.config.project}-prod/frontend"], names

    def test_standby_applies_by_the_pipeline(self, trip: RoundTrip) -> None:
        """Step 3: the standby stack planned by the plan role and applied by the deploy role, before the primary."""
        _needs(trip, "dr bootstrap apply")
        workspace.init(trip.standby, trip.plan_role())
        plan_as_plan_role(trip, trip.standby, f"{trip.stack}-standby", "standby plan")
        apply_as_deploy_role(trip, trip.standby, f"{trip.stack}-standby", "standby apply")
        replica = self._region_client(trip, "rds", standby=True).describe_db_instances(
            DBInstanceIdentifier=f"{trip.config.project}-prod-standby")["DBInstances"][0]
        assert replica.get("ReadReplicaSourceDBInstanceIdentifier", "").endswith(f":db:{trip.config.project}-prod"), \
            f"{trip.stack}-standby: the standby database is no read replica of the primary: {replica}"

    def test_primary_applies_with_dr(self, trip: RoundTrip) -> None:
        """Step 4: the primary with ``[dr]`` by the pipeline's roles, then the runbook's commands (the password is
        Terraform's now; the standby's services started again and stable)."""
        _needs(trip, "standby apply")
        trip.copy(trip.dr_stacks, trip.stack)
        plan_as_plan_role(trip, trip.platform, trip.stack, "dr platform plan")
        apply_as_deploy_role(trip, trip.platform, trip.stack, "dr platform apply")
        result = runbook(trip, "standby services started", aws_only(
            documented_block("4. **AWS primary, in a maintenance window.**", RUNBOOK), "aws ecs wait services-stable"))
        assert result.stdout.splitlines()[0] == "null", f"{trip.stack}: RDS still manages the password: {result.stdout}"
        records = self._region_client(trip, "route53").list_resource_record_sets(
            HostedZoneId=trip.config.aws.https.hosted_zone_id)["ResourceRecordSets"]
        failover = sorted(r["Failover"] for r in records if r["Name"] == f"{trip.config.aws.https.domain}." and "Failover" in r)
        assert failover == ["PRIMARY", "SECONDARY"], f"{trip.stack}: the site's records are not failover records: {records}"

    def test_existing_objects_seeded(self, trip: RoundTrip) -> None:
        """Step 5, the runbook's commands: what the data bucket held before replication copied to the replica bucket."""
        _needs(trip, "dr platform apply")
        data_bucket = json.loads(workspace.run(trip.platform, trip.administrator, "output", "-json").stdout)
        bucket = data_bucket["data_bucket_name"]["value"]
        self._region_client(trip, "s3").put_object(Bucket=bucket, Key="dr-drill/before-replication", Body=b"marker")
        runbook(trip, "replica seeded", documented_block("5. **Existing objects.**", RUNBOOK))
        replica = f"{trip.config.project}-prod-data-{trip.account}-{trip.config.dr.aws_standby_region}"
        copied = self._region_client(trip, "s3", standby=True).head_object(Bucket=replica, Key="dr-drill/before-replication")
        assert copied["ServerSideEncryption"] == "aws:kms", f"{replica}: the seeded object is not encrypted with KMS"

    def test_second_plans_show_no_change(self, trip: RoundTrip) -> None:
        _needs(trip, "dr platform apply")
        second_plan_shows_no_change(trip, trip.standby, f"{trip.stack}-standby", "standby second plan", "prod-standby")
        second_plan_shows_no_change(trip, trip.platform, trip.stack, "dr second plan", "prod-dr")

    def test_pipeline_roles_may_enable_dr(self, trip: RoundTrip) -> None:
        _needs(trip, "dr platform apply")
        judge_calls(trip, tuple(phase for phase in DR_PHASES if phase in trip.steps), (trip.standby, trip.platform))

    def test_generated_names_found_as_documented(self, trip: RoundTrip) -> None:
        """"What exists": the runbook's commands find the standby database's group and parameter group, and the
        primary's health check, from the standby region."""
        _needs(trip, "dr platform apply")
        output = runbook(trip, "what exists", documented_block("Find what has a generated name", RUNBOOK)).stdout
        group, parameters, *health_checks = output.splitlines()  # the last look-up prints JSON (no --output text)
        project = trip.config.project
        assert group.startswith("sg-") and parameters.startswith(f"{project}-prod-standby-pg16-"), \
            f"{trip.stack}: the runbook's look-ups found {output}"
        checks = [check["Id"] for check in self._region_client(trip, "route53").list_health_checks()["HealthChecks"]]
        assert json.loads("\n".join(health_checks)) == checks, f"{trip.stack}: found {health_checks}, not {checks}"

    # --- Fail over ----------------------------------------------------------------------------------------------

    def test_failover_promotes_the_replica(self, trip: RoundTrip) -> None:
        """"Fail over: AWS", warm: the runbook's commands in the standby region (``dig`` needs the internet: left
        out). The password secret's replica is not made to stand alone: moto lacks the call (docs/disaster-recovery.md,
        "What no emulator rehearses")."""
        _needs(trip, "dr platform apply")
        runbook(trip, "failover", aws_only(documented_block("## Fail over: AWS", RUNBOOK), "dig "),
                documented_block("### Warm (prod): promote the replica", RUNBOOK))
        promoted = self._region_client(trip, "rds", standby=True).describe_db_instances(
            DBInstanceIdentifier=f"{trip.config.project}-prod-standby")["DBInstances"][0]
        # moto keeps naming the source (ReadReplicaSourceDBInstanceIdentifier) after the promotion: not checked.
        assert promoted["MultiAZ"] and promoted["BackupRetentionPeriod"] == 7, promoted

    def test_old_primary_fenced(self, trip: RoundTrip) -> None:
        """"Fence the old primary", AWS: the primary's services held at 0 tasks and its database stopped."""
        _needs(trip, "dr platform apply")
        runbook(trip, "fence", aws_only(documented_block("## Fence the old primary", RUNBOOK)))
        cluster = f"{trip.config.project}-prod"
        services = self._region_client(trip, "ecs").describe_services(
            cluster=cluster, services=[f"{cluster}-backend", f"{cluster}-frontend"])["services"]
        assert [service["desiredCount"] for service in services] == [0, 0], services
        targets = self._region_client(trip, "application-autoscaling").describe_scalable_targets(
            ServiceNamespace="ecs")["ScalableTargets"]
        assert {(target["MinCapacity"], target["MaxCapacity"]) for target in targets} == {(0, 0)}, targets
        database = self._region_client(trip, "rds").describe_db_instances(DBInstanceIdentifier=cluster)["DBInstances"][0]
        assert database["DBInstanceStatus"] == "stopped", database["DBInstanceStatus"]

    # --- Teardown -------------------------------------------------------------------------------------------------

    @pytest.mark.parametrize("stack_kind", ["primary", "standby"])
    def test_destroy_refused_by_design(self, trip: RoundTrip, stack_kind: str) -> None:
        """prod keeps its stateful resources from ``terraform destroy`` (``prevent_destroy``): the plan role's
        destroy plan of either stack is refused, for those resources (Terraform names the first it meets)."""
        _needs(trip, "dr platform apply")
        directory = trip.platform if stack_kind == "primary" else trip.standby
        name = trip.stack if stack_kind == "primary" else f"{trip.stack}-standby"
        step = trip.terraform(f"{stack_kind} destroy plan", directory, trip.plan_role(), "plan", "-destroy",
                              "-lock=false", "-detailed-exitcode")
        assert step.result.returncode == 1, f"{name}: a destroy plan of prod was not refused"
        synthesized = json.loads((trip.dr_stacks / name / "cdk.tf.json").read_text(encoding="utf-8"))
        protected = sorted(f"{kind}.{label}" for kind, resources in synthesized["resource"].items()
                           for label, body in resources.items() if body.get("lifecycle", {}).get("prevent_destroy"))
        refused = sorted(set(re.findall(r"Resource (\S+) has lifecycle.prevent_destroy", step.result.stderr)))
        assert refused and set(refused) <= set(protected), f"{name}: refused {refused}, protected {protected}"
