#!/usr/bin/env python3
"""The pull request comment for each case a reviewer must be able to trust, from crafted stacks and plans.

    .venv/bin/python docs/review_examples.py          # rewrites the examples in docs/reviewing.md (make docs)

Each case starts from the same small synthesized output of the thirteen stacks (``base_output``), changes
it as a pull request would, and runs what the workflow runs: the review (``compare_outputs``) and cost
comparison (``compare_costs``) of both outputs, plan summaries of hand-written ``terraform show -json``
plans, this run's jobs, and ``delivery.comment.compose``. ``tests/test_comment.py`` asserts what a reviewer
sees in each comment and fails when docs/reviewing.md does not show exactly what this prints.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import CLOUDS, ENVIRONMENTS  # noqa: E402
from constructs_lib.analysis.cost import load_prices  # noqa: E402
from constructs_lib.analysis.cost.comparison import compare_costs  # noqa: E402
from constructs_lib.analysis.review import SynthesizedOutput, compare_outputs  # noqa: E402
from delivery.comment import Comment, CommentInputs, Job, compose  # noqa: E402
from delivery.plan_summary import PlanSummary, summarize  # noqa: E402
from stacks import stack_refs  # noqa: E402

PROJECT = "duckdb-analytics"
REFS = stack_refs(PROJECT, CLOUDS, ENVIRONMENTS, standby_environments=("prod",))
RUN_URL = "https://github.com/acme-analytics/duckdb-analytics-infra/actions/runs/4242"
FILES_URL = "https://github.com/acme-analytics/duckdb-analytics-infra/pull/7/files"
DOCS = Path(__file__).resolve().parent / "reviewing.md"
Document = dict[str, Any]
Output = dict[str, Document]


def name(cloud: str, environment: str, kind: str = "platform") -> str:
    return next(ref.name for ref in REFS if (ref.cloud, ref.environment, ref.kind) == (cloud, environment, kind))


# --- the base: a small synthesized output of every stack ------------------------------------------------------


def _aws(environment: str, resources: dict[str, dict[str, Any]], standby: bool = False) -> Document:
    tags = {"Environment": environment, "Project": PROJECT} | ({"DisasterRecovery": "standby"} if standby else {})
    grouped: dict[str, dict[str, Any]] = {}
    for address, body in resources.items():
        resource_type, resource = address.split(".")
        grouped.setdefault(resource_type, {})[resource] = body
    return {"provider": {"aws": [{"region": "us-west-2" if standby else "us-east-1", "default_tags": [{"tags": tags}]}]},
            "resource": grouped}


def _gcp(environment: str, resources: dict[str, dict[str, Any]]) -> Document:
    document = _aws(environment, resources)
    document["provider"] = {"google": [{"region": "us-central1", "default_labels": {"environment": environment}}]}
    return document


def _aws_platform(environment: str) -> Document:
    prod = environment == "prod"
    return _aws(environment, {
        "aws_db_instance.database": {
            "identifier": f"{PROJECT}-{environment}", "engine": "postgres", "instance_class":
            "db.m7g.large" if prod else "db.t4g.medium", "multi_az": prod, "allocated_storage": 100, "storage_type": "gp3",
            "deletion_protection": True, "apply_immediately": False, "maintenance_window": "sun:04:30-sun:05:30",
            "backup_retention_period": 7},
        "aws_s3_bucket.data_bucket": {"bucket_prefix": f"{PROJECT}-{environment}-data-", "force_destroy": False},
        "aws_lb.load_balancer": {"name": f"{PROJECT}-{environment}", "internal": False, "load_balancer_type": "application",
                                 "subnets": ["a", "b"], "enable_deletion_protection": prod},
        "aws_vpc_security_group_ingress_rule.https": {"cidr_ipv4": "0.0.0.0/0", "from_port": 443, "to_port": 443,
                                                      "ip_protocol": "tcp"},
        "aws_ecs_task_definition.backend": {"cpu": "1024" if prod else "256", "memory": "2048" if prod else "512"},
        "aws_ecs_service.backend": {"name": "backend", "launch_type": "FARGATE",
                                    "task_definition": "${aws_ecs_task_definition.backend.arn}"},
        "aws_appautoscaling_target.backend": {"resource_id": "service/cluster/${aws_ecs_service.backend.name}",
                                              "min_capacity": 2 if prod else 1, "max_capacity": 20 if prod else 3},
        "aws_budgets_budget.budget": {"budget_type": "COST", "time_unit": "MONTHLY", "limit_unit": "USD",
                                      "limit_amount": {"dev": "150.00", "staging": "600.00"}.get(environment, "3000.00")},
    })


def _aws_standby() -> Document:
    return _aws("prod", {
        "aws_db_instance.database_replica": {
            "identifier": f"{PROJECT}-prod-standby", "engine": "postgres", "instance_class": "db.m7g.large",
            "allocated_storage": 100, "storage_type": "gp3", "deletion_protection": True, "apply_immediately": False,
            "replicate_source_db": "arn:aws:rds:us-east-1:333344445555:db:duckdb-analytics-prod"},
        "aws_s3_bucket.data_bucket": {"bucket": f"{PROJECT}-prod-data-us-west-2", "force_destroy": False},
    }, standby=True)


def _gcp_platform(environment: str) -> Document:
    prod = environment == "prod"
    return _gcp(environment, {
        "google_sql_database_instance.database": {
            "name": f"{PROJECT}-{environment}-postgres", "database_version": "POSTGRES_16", "deletion_protection": True,
            "settings": {"tier": "db-custom-2-7680" if prod else "db-custom-1-3840", "disk_size": 100,
                         "availability_type": "REGIONAL" if prod else "ZONAL", "edition": "ENTERPRISE"}},
        "google_cloud_run_v2_service.backend": {"name": "backend", "template": {
            "scaling": {"min_instance_count": 2 if prod else 1, "max_instance_count": 20 if prod else 3},
            "containers": [{"resources": {"cpu_idle": True, "limits": {"cpu": "1", "memory": "1024Mi"}}}]}},
        "google_billing_budget.budget": {"amount": {"specified_amount": {
            "units": {"dev": "150", "staging": "600"}.get(environment, "3000"), "currency_code": "USD"}}},
    })


def base_output() -> Output:
    """The thirteen stacks as ``main`` synthesizes them, reduced to what the cases change."""
    documents: Output = {}
    for ref in REFS:
        if ref.kind == "bootstrap":
            state = {"aws_s3_bucket.state": {"bucket": f"{PROJECT}-{ref.environment}-tfstate"}} if ref.cloud == "aws" else \
                {"google_storage_bucket.state": {"name": f"{PROJECT}-{ref.environment}-tfstate", "location": "US-CENTRAL1"}}
            documents[ref.name] = (_aws if ref.cloud == "aws" else _gcp)(ref.environment, state)
        elif ref.kind == "standby":
            documents[ref.name] = _aws_standby()
        else:
            documents[ref.name] = (_aws_platform if ref.cloud == "aws" else _gcp_platform)(ref.environment)
    return documents


# --- plans, jobs and cases ------------------------------------------------------------------------------------


def change(address: str, actions: list[str], *attributes: str, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """One entry of ``terraform show -json``'s ``resource_changes``: ``attributes`` differ between before and after."""
    resource_type, resource = address.split(".")
    old = (before or {}) | {attribute: "before" for attribute in attributes}
    new = None if actions == ["delete"] else {attribute: "after" for attribute in attributes} if attributes else {}
    return {"address": address, "mode": "managed", "type": resource_type, "name": resource,
            "change": {"actions": actions, "before": None if actions == ["create"] else old, "after": new}}


@dataclass(frozen=True)
class Case:
    """A pull request as the comment job sees it.

    Attributes:
        title: What the pull request does.
        edit: Changes the base output into the pull request's.
        plans: The ``resource_changes`` of each planned stack's plan; a stack missing here with no status has no plan.
        statuses: A plan summary status other than planned (``failed``, ``skipped``) by stack.
        test: The result of the Test and review job.
        snapshots: ``(files, lines added, lines removed)`` of the snapshot files.
        prepare: Changes the base output first (what ``main`` already has), where a case needs more than the base.
    """

    title: str
    edit: Callable[[Output], None]
    plans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    test: str = "success"
    snapshots: tuple[int, int, int] = (0, 0, 0)
    prepare: Callable[[Output], None] | None = None


def inputs(case: Case) -> CommentInputs:
    """What the comment job would read for ``case``."""
    base = base_output()
    if case.prepare is not None:
        case.prepare(base)
    head = copy.deepcopy(base)
    case.edit(head)
    old, new = SynthesizedOutput("main", base), SynthesizedOutput("pull request", head)
    summaries = [summarize(stack, {"resource_changes": changes}) for stack, changes in case.plans.items()]
    summaries += [PlanSummary(stack, status, note="terraform plan failed: see the job log" if status == "failed" else
                              "its state is still local: the administrator plans it (docs/delivery.md)")
                  for stack, status in case.statuses.items()]
    planned = [*case.plans, *case.statuses]
    jobs = [Job("Test and review", case.test, f"{RUN_URL}/job/1")]
    jobs += [Job(f"Plan {stack}", "failure" if case.statuses.get(stack) == "failed" else "success",
                 f"{RUN_URL}/job/{index + 2}") for index, stack in enumerate(planned)]
    tested = case.test == "success"
    return CommentInputs(
        stacks=REFS, summaries=summaries if tested else [],
        review=compare_outputs(old, new).to_json() if tested else None,
        cost=compare_costs(old, new, load_prices()).to_json() if tested else None,
        needs={"test": case.test, "plan": "success" if tested else "skipped"},
        jobs=jobs if tested else jobs[:1], snapshots=case.snapshots if tested else None, run_url=RUN_URL,
        files_url=FILES_URL, title=f"Infrastructure plan for {case.title}")


def comment(case: Case, max_chars: int = 65_000) -> Comment:
    return compose(inputs(case), max_chars=max_chars)


def _resources(output: Output, stack: str, resource_type: str) -> dict[str, Any]:
    return output[stack]["resource"][resource_type]


def _resize_to_an_unpriced_class(output: Output) -> None:
    _resources(output, name("aws", "prod"), "aws_db_instance")["database"]["instance_class"] = "db.r7g.xlarge"


def _resize_priced(output: Output) -> None:
    _resources(output, name("aws", "staging"), "aws_db_instance")["database"]["instance_class"] = "db.m7g.large"
    _resources(output, name("gcp", "prod"), "google_sql_database_instance")["database"]["settings"]["tier"] = \
        "db-custom-4-15360"


def _double_maximum(output: Output) -> None:
    _resources(output, name("gcp", "prod"), "google_cloud_run_v2_service")["backend"]["template"]["scaling"][
        "max_instance_count"] = 40
    _resources(output, name("aws", "prod"), "aws_appautoscaling_target")["backend"]["max_capacity"] = 40


def _rename_buckets(output: Output) -> None:
    for environment in ENVIRONMENTS:
        buckets = _resources(output, name("aws", environment), "aws_s3_bucket")
        buckets["lake_bucket"] = buckets.pop("data_bucket")
    standby = _resources(output, name("aws", "prod", "standby"), "aws_s3_bucket")
    standby["lake_bucket"] = standby.pop("data_bucket")


def _pilot_light(output: Output) -> None:
    del _resources(output, name("aws", "prod", "standby"), "aws_db_instance")["database_replica"]


def _open_ssh_and_rename_balancer(output: Output) -> None:
    _resources(output, name("aws", "staging"), "aws_vpc_security_group_ingress_rule")["ssh"] = {
        "cidr_ipv4": "0.0.0.0/0", "from_port": 22, "to_port": 22, "ip_protocol": "tcp"}
    _resources(output, name("aws", "dev"), "aws_lb")["load_balancer"]["name"] = f"{PROJECT}-dev-web"


def _resize_and_double_maximum(output: Output) -> None:
    _resize_to_an_unpriced_class(output)
    _double_maximum(output)


#: How many buckets the case of many destroys removes from prod at once.
MANY = 600


def _many_buckets(output: Output) -> None:
    _resources(output, name("aws", "prod"), "aws_s3_bucket").update(
        {f"archive_{index:03}": {"bucket": f"archive-{index:03}", "force_destroy": False} for index in range(MANY)})


def _drop_many_buckets(output: Output) -> None:
    buckets = _resources(output, name("aws", "prod"), "aws_s3_bucket")
    for index in range(MANY):
        del buckets[f"archive_{index:03}"]


PROD_AWS, PROD_GCP = name("aws", "prod"), name("gcp", "prod")
CASES: dict[str, Case] = {
    "database-resize": Case(
        "a prod database resize", _resize_priced,
        plans={name("aws", "staging"): [change("aws_db_instance.database", ["update"], "instance_class")],
               PROD_GCP: [change("google_sql_database_instance.database", ["update"], "settings")]}, snapshots=(2, 4, 4)),
    "unpriced-class-and-maximum": Case(
        "an unpriced instance class and a doubled maximum", _resize_and_double_maximum,
        plans={PROD_AWS: [change("aws_db_instance.database", ["update"], "instance_class"),
                          change("aws_appautoscaling_target.backend", ["update"], "max_capacity")],
               PROD_GCP: [change("google_cloud_run_v2_service.backend", ["update"], "template")]}, snapshots=(2, 4, 4)),
    "test-failed": Case("a configuration the schema refuses", lambda output: None, test="failure"),
    "plan-failed": Case(
        "a plan that fails", _resize_priced,
        plans={name("aws", "staging"): [change("aws_db_instance.database", ["update"], "instance_class")]},
        statuses={PROD_GCP: "failed"}, snapshots=(2, 4, 4)),
    "renamed-bucket": Case(
        "a renamed bucket construct", _rename_buckets,
        plans={stack: [change("aws_s3_bucket.data_bucket", ["delete"]), change("aws_s3_bucket.lake_bucket", ["create"])]
               for stack in (name("aws", "dev"), name("aws", "staging"), PROD_AWS, name("aws", "prod", "standby"))},
        snapshots=(4, 8, 8)),
    "standby-pilot-light": Case(
        "the prod standby switched from warm to pilot light", _pilot_light,
        plans={name("aws", "prod", "standby"): [change("aws_db_instance.database_replica", ["delete"], before={
            "replicate_source_db": "arn:aws:rds:us-east-1:333344445555:db:duckdb-analytics-prod"})]},
        snapshots=(1, 0, 40)),
    "access-and-load-balancer": Case(
        "SSH opened to the internet and a renamed load balancer", _open_ssh_and_rename_balancer,
        plans={name("aws", "staging"): [change("aws_vpc_security_group_ingress_rule.ssh", ["create"])],
               name("aws", "dev"): [change("aws_lb.load_balancer", ["delete", "create"], "name")]}, snapshots=(2, 10, 1)),
}


#: 600 buckets removed from prod at once: the comment still fits, risks first (too long for the docs).
MANY_DESTROYS = Case(f"{MANY} buckets removed", _drop_many_buckets, prepare=_many_buckets,
                     plans={PROD_AWS: [change(f"aws_s3_bucket.archive_{index:03}", ["delete"]) for index in range(MANY)]})


# --- docs/reviewing.md ----------------------------------------------------------------------------------------

_EXAMPLE = re.compile(r"(<!-- example: (?P<case>[a-z-]+) -->\n).*?(<!-- /example -->)", re.DOTALL)


def example(case: str) -> str:
    """The comment of ``case`` as docs/reviewing.md shows it: its title a level down, so the page keeps its outline."""
    body = comment(CASES[case]).body
    return body.replace("\n## Infrastructure plan for ", "\n#### Infrastructure plan for ", 1)


def documented() -> str:
    """docs/reviewing.md with every example block rewritten from :data:`CASES`."""
    text = DOCS.read_text(encoding="utf-8")
    return _EXAMPLE.sub(lambda match: match[1] + example(match["case"]) + match[3], text)


def documented_cases() -> list[str]:
    return [match["case"] for match in _EXAMPLE.finditer(DOCS.read_text(encoding="utf-8"))]


if __name__ == "__main__":
    DOCS.write_text(documented(), encoding="utf-8")
