"""Terraform itself: every AWS stack (bootstrap, platform, [dr] standby) passes `init` and an offline `plan`
(terraform_offline.py).

`terraform plan` validates the configuration exactly as `terraform validate` does before it plans
(the local backend runs the same core validation walk for every plan), and its ``-json`` stream
carries that validation's diagnostics and every planned change. So one `plan -json` is the whole
check: no error, no warning, every resource planned for creation. All AWS stacks are planned in one run,
each a child module of one root (plan_offline_together), and judged stack by stack (the AWS example an
installed wheel synthesizes is planned the same way in tests/test_packaging.py).

Each plan starts from a state holding the image repositories as the platform stacks created them before
they moved to the bootstrap stacks: a platform plan must forget them (``removed`` blocks) and a bootstrap
plan adopt them in place, and no plan may destroy anything (docs/delivery.md, moving the repositories).
A standby stack starts from an empty state: it plans every resource for creation.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Synthesized
from .helpers import all_stack_ids, stack_id
from .terraform_offline import (NEWER_THAN_MIRROR, AwsMirror, diagnostics, find_aws_mirror, offline_copy, planned_actions,
                                terraform, write_cli_config)

MIRROR = find_aws_mirror()
pytestmark = [
    pytest.mark.skipif(shutil.which("terraform") is None, reason="the terraform CLI is not on PATH"),
    pytest.mark.skipif(MIRROR is None, reason="no hashicorp/aws provider mirror found (set TERRAFORM_PROVIDER_MIRROR)"),
]


def plan_offline_together(stacks: dict[str, tuple[Path, dict[str, Any] | None]], mirror: AwsMirror,
                          workdir: Path) -> dict[str, dict[str, Any]]:
    """`terraform init` and `terraform plan -json` of several stacks' offline copies (offline_copy) in one
    Terraform run, each stack a child module of one root.

    ``stacks`` maps a stack name to its ``cdk.tf.json`` and the state to plan it on (or None). One plan loads
    the provider schema once and walks the stacks' graphs concurrently: about a third of the time of separate
    plans. A child module holds the stack's document as its offline copy writes it, less the backend (a
    root-module setting; the state is the root's local file), so Terraform validates and plans exactly what
    it would for the stack alone. Stacks whose one provider configuration is the same (an environment's
    bootstrap and platform stacks) get it from the root, once (:func:`_share_provider_configurations`).
    Changes and diagnostics are handed back per stack, the ``module.<stack>.`` prefix removed; a diagnostic
    that names no stack (neither by address, file nor listed objects) is handed to every stack, so it cannot
    pass unseen.
    """
    root = workdir / "root"
    resources: list[dict[str, Any]] = []
    documents: dict[str, dict[str, Any]] = {}
    for name, (stack_file, state) in stacks.items():
        copy = offline_copy(stack_file, mirror, root / name) / "cdk.tf.json"
        documents[name] = json.loads(copy.read_text(encoding="utf-8"))
        del documents[name]["terraform"]["backend"]
        for resource in (state or {}).get("resources", []):
            resources.append({**resource, "module": f"module.{name}", "provider": f"module.{name}.{resource['provider']}"})
    root_document = _share_provider_configurations(documents)
    for name, document in documents.items():
        (root / name / "cdk.tf.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    (root / "main.tf.json").write_text(json.dumps(root_document, indent=2), encoding="utf-8")
    cli_config = write_cli_config(mirror, workdir)
    init = terraform(root, cli_config, "init", "-input=false", "-no-color")
    if init.returncode:
        return {name: {"init": (init.returncode, init.stderr)} for name in stacks}
    if resources:
        (root / "terraform.tfstate").write_text(json.dumps({**_EMPTY_STATE, "resources": resources}), encoding="utf-8")
    plan = terraform(root, cli_config, "plan", "-json", "-refresh=false", "-lock=false", "-input=false")
    results = {name: {"init": (0, ""), "plan": (plan.returncode, plan.stderr), "diagnostics": [], "changes": {}}
               for name in stacks}
    for address, actions in planned_actions(plan.stdout).items():
        name, local = _module_address(address, stacks)
        if not local.startswith("data."):  # a module's data reads (planned_actions leaves out the root's)
            results[name]["changes"][local] = actions
    for diagnostic in diagnostics(plan.stdout):
        for name, own in _diagnostic_per_stack(diagnostic, stacks).items():
            results[name]["diagnostics"].append(own)
    return results


def _share_provider_configurations(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The root module calling every stack; moves identical provider configurations into it (changes ``documents``).

    A stack whose only provider block is one default ``aws`` configuration loses it to the root, which holds
    each distinct configuration once, under the alias of the first stack that has it, and passes it to the
    stack's module as its default ``aws`` provider: the same configuration, so the same validation and plan,
    for one provider process per walk instead of one per stack. Any other stack keeps its own blocks.
    """
    modules: dict[str, dict[str, Any]] = {}
    shared: dict[str, dict[str, Any]] = {}
    for name, document in documents.items():
        modules[name] = {"source": f"./{name}"}
        providers = document.get("provider", {})
        configurations = providers.get("aws", [])
        if set(providers) != {"aws"} or len(configurations) != 1 or "alias" in configurations[0]:
            continue
        key = json.dumps(configurations[0], sort_keys=True)
        shared.setdefault(key, {**configurations[0], "alias": name})
        del document["provider"]
        modules[name]["providers"] = {"aws": f"aws.{shared[key]['alias']}"}
    root: dict[str, Any] = {"module": modules}
    if shared:
        root["provider"] = {"aws": list(shared.values())}
    return root


_EMPTY_STATE: dict[str, Any] = {"version": 4, "terraform_version": "1.11.0", "serial": 1,
                                "lineage": "00000000-0000-4000-8000-000000000000", "outputs": {}, "resources": []}


def _module_address(address: str, stacks: Iterable[str]) -> tuple[str, str]:
    """``module.<stack>.<address>`` -> (stack, address); anything else is an error of the harness."""
    for name in stacks:
        if address.startswith(f"module.{name}."):
            return name, address.removeprefix(f"module.{name}.")
    raise AssertionError(f"a planned change outside every stack's module: {address}")


def _diagnostic_per_stack(diagnostic: dict[str, Any], stacks: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stacks a diagnostic concerns, each with its own copy (addresses without the module prefix)."""
    names = list(stacks)
    for name in names:
        prefix = f"module.{name}."
        if diagnostic.get("address", "").startswith(prefix):
            return {name: {**diagnostic, "address": diagnostic["address"].removeprefix(prefix)}}
        if diagnostic.get("range", {}).get("filename", "").startswith(f"{name}/"):
            return {name: diagnostic}
    # A warning listing objects (" - module.<stack>.<address>" lines), e.g. the objects `removed` blocks forget.
    lines = diagnostic.get("detail", "").splitlines()
    per_stack: dict[str, dict[str, Any]] = {}
    for name in names:
        listed = [line for line in lines if line.startswith(f" - module.{name}.")]
        if listed:
            detail = "\n".join(line.replace(f" - module.{name}.", " - ", 1) for line in lines
                               if not line.startswith(" - module.") or line in listed)
            per_stack[name] = {**diagnostic, "detail": detail}
    return per_stack or dict.fromkeys(names, diagnostic)


def _repository_state(environment: str, policies: dict[str, str] | None = None) -> dict[str, Any]:
    """State holding the image repositories as the platform stack created them (encrypted with the platform key),
    with ``policies`` (lifecycle policy address -> text; the same rules in both stacks) as their lifecycle policies."""
    account = {"dev": "111122223333", "staging": "222233334444", "prod": "333344445555"}[environment]
    provider = 'provider["registry.terraform.io/hashicorp/aws"]'
    resources = []
    for service, repository, lifecycle in (("backend", "backend_repository_6D93725B", "backend_repository_lifecycle_9C14C8CF"),
                                           ("frontend", "frontend_repository_F5BD6FC9", "frontend_repository_lifecycle_0C0C1400")):
        name = f"duckdb-analytics-{environment}/{service}"
        resources.append({"mode": "managed", "type": "aws_ecr_repository", "name": repository, "provider": provider,
                          "instances": [{"schema_version": 0, "attributes": {
                              "id": name, "name": name, "arn": f"arn:aws:ecr:us-east-1:{account}:repository/{name}",
                              "registry_id": account, "repository_url": f"{account}.dkr.ecr.us-east-1.amazonaws.com/{name}",
                              "image_tag_mutability": "IMMUTABLE", "force_delete": False,
                              "encryption_configuration": [{"encryption_type": "KMS",
                                                            "kms_key": f"arn:aws:kms:us-east-1:{account}:key/platform-key"}],
                              "image_scanning_configuration": [{"scan_on_push": True}], "tags": {}, "tags_all": {}}}]})
        resources.append({"mode": "managed", "type": "aws_ecr_lifecycle_policy", "name": lifecycle, "provider": provider,
                          "instances": [{"schema_version": 0, "attributes": {
                              "id": name, "repository": name, "registry_id": account,
                              "policy": (policies or {}).get(f"aws_ecr_lifecycle_policy.{lifecycle}", "{}")}}]})
    return {**_EMPTY_STATE, "resources": resources}


def seeded_addresses(state: dict[str, Any]) -> set[str]:
    return {f"{resource['type']}.{resource['name']}" for resource in state["resources"]}


#: Every AWS stack, the disaster-recovery standby stacks included. The bootstrap and platform stacks are
#: planned on a state that holds the image repositories as a platform stack made them before they moved to
#: the bootstrap stack: the platform forgets them, the bootstrap adopts them in place. A standby stack came
#: after the move: it starts from no state.
AWS_STACKS = [name for name in all_stack_ids() if "-aws-" in name]


@pytest.fixture(scope="module")
def plans(synthesized: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The offline plan of every AWS stack, in one Terraform run, by stack."""
    assert MIRROR is not None
    stacks: dict[str, tuple[Path, dict[str, Any] | None]] = {}
    for name in AWS_STACKS:
        stack_file = synthesized.outdir / "stacks" / name / "cdk.tf.json"
        if name.endswith("-standby"):
            stacks[name] = (stack_file, None)
            continue
        environment = name.split("-")[3]
        bootstrap = synthesized.documents[stack_id("aws", environment, "bootstrap")]
        policies = {f"aws_ecr_lifecycle_policy.{address}": body["policy"]
                    for address, body in bootstrap["resource"]["aws_ecr_lifecycle_policy"].items()}
        stacks[name] = (stack_file, _repository_state(environment, policies))
    return plan_offline_together(stacks, MIRROR, tmp_path_factory.mktemp("terraform"))


@pytest.mark.slow
@pytest.mark.parametrize("name", AWS_STACKS)
def test_init_and_validation_pass_without_warnings(plans: dict[str, dict[str, Any]], name: str) -> None:
    run = plans[name]
    assert run["init"][0] == 0, run["init"][1]
    assert run["plan"][0] == 0, run["plan"][1]
    if name.endswith(("-bootstrap", "-standby")):  # nothing seeded to forget
        assert run["diagnostics"] == []
        return
    # The one warning a platform plan has: the repositories it forgets (without destroying them).
    [warning] = run["diagnostics"]
    assert (warning["severity"], warning["summary"]) == ("warning", "Some objects will no longer be managed by Terraform")
    listed = {line.removeprefix(" - ") for line in warning["detail"].splitlines() if line.startswith(" - ")}
    assert listed == seeded_addresses(_repository_state("dev"))


@pytest.mark.slow
@pytest.mark.parametrize("name", AWS_STACKS)
def test_offline_plan_creates_every_resource_and_destroys_no_repository(
    synthesized: Synthesized, plans: dict[str, dict[str, Any]], name: str
) -> None:
    run = plans[name]
    assert run["plan"][0] == 0, run["plan"][1]
    document = synthesized.documents[name]
    declared = {f"{kind}.{resource}" for kind, group in document["resource"].items() for resource in group}
    seeded = seeded_addresses(_repository_state("dev"))
    planned = run["changes"]
    # Resources with for_each plan one instance per key: aws_route53_record.x["example.com"].
    created = {re.sub(r"\[.*\]$", "", address) for address, actions in planned.items() if actions == ["create"]}
    if name.endswith("-standby"):
        assert created == declared
        assert all(actions == ["create"] for actions in planned.values())
    elif name.endswith("-bootstrap"):
        # Adopted in place: the repository keeps its key (encryption is fixed at creation) and its images.
        assert seeded <= declared
        assert created == declared - seeded
        assert {address: planned[address] for address in seeded if address in planned} in (
            {}, {address: ["update"] for address in seeded if address in planned})
    else:
        assert not seeded & declared
        assert created == declared
        assert {address: planned[address] for address in seeded} == {address: ["remove"] for address in seeded}
    assert not [address for address, actions in planned.items() if "delete" in actions]


# A line of `terraform plan -json` as Terraform 1.11 writes a validation warning (trimmed).
_WARNING_LINE = json.dumps({
    "@level": "warn", "@message": "Warning: Argument is deprecated", "type": "diagnostic",
    "diagnostic": {"severity": "warning", "summary": "Argument is deprecated",
                   "detail": "acl is deprecated. Use the aws_s3_bucket_acl resource instead.",
                   "address": "aws_s3_bucket.b"},
})
_CHANGE_LINE = json.dumps({
    "@level": "info", "type": "planned_change",
    "change": {"resource": {"addr": "aws_s3_bucket.b", "resource_type": "aws_s3_bucket"}, "action": "create"},
})

_DATA_READ_LINE = json.dumps({
    "@level": "info", "type": "planned_change",
    "change": {"resource": {"addr": "data.aws_iam_policy_document.p", "resource_type": "aws_iam_policy_document"},
               "action": "read"},
})


def test_plan_stream_reading_catches_warnings_and_changes() -> None:
    """The readers above see what a real plan stream carries (validation repeats warnings: kept once)."""
    stream = "\n".join([_WARNING_LINE, _CHANGE_LINE, _DATA_READ_LINE, _WARNING_LINE])
    assert [diagnostic["summary"] for diagnostic in diagnostics(stream)] == ["Argument is deprecated"]
    assert planned_actions(stream) == {"aws_s3_bucket.b": ["create"]}


def test_every_argument_dropped_offline_is_one_our_output_uses(synthesized: Synthesized) -> None:
    """The exception list hides nothing our stacks do not need hidden (and names its source)."""
    import copy

    for argument in NEWER_THAN_MIRROR:
        used = [
            name for name, document in synthesized.documents.items()
            for body in document.get("resource", {}).get(argument.resource_type, {}).values()
            if argument.drop(copy.deepcopy(body))
        ]
        assert used, f"{argument.resource_type}.{'.'.join(argument.path)} is no longer used: remove it from the list"
        assert argument.introduced_in and "CHANGELOG" in argument.source


def test_the_offline_copy_fakes_credentials_for_every_provider_aliases_included(tmp_path: Path) -> None:
    """A stack that spans regions has aliased providers: each gets the fake credentials and the skip flags."""
    assert MIRROR is not None
    stack = {"terraform": {"required_providers": {"aws": {"source": "aws", "version": "6.25.0"}},
                           "backend": {"s3": {"bucket": "state", "key": "x"}}},
             "provider": {"aws": [{"region": "us-east-1", "allowed_account_ids": ["123456789012"]},
                                  {"alias": "standby", "region": "us-west-2", "allowed_account_ids": ["123456789012"]}]}}
    source = tmp_path / "cdk.tf.json"
    source.write_text(json.dumps(stack), encoding="utf-8")
    copy = json.loads((offline_copy(source, MIRROR, tmp_path / "copy") / "cdk.tf.json").read_text(encoding="utf-8"))
    providers = copy["provider"]["aws"]
    assert [(provider.get("alias"), provider["region"]) for provider in providers] == [
        (None, "us-east-1"), ("standby", "us-west-2")]
    for provider in providers:
        assert "allowed_account_ids" not in provider
        assert provider["skip_credentials_validation"] is provider["skip_requesting_account_id"] is True
        assert provider["skip_metadata_api_check"] is True and provider["access_key"].startswith("AKIA")
    assert copy["terraform"]["backend"] == {"local": {"path": str(tmp_path / "copy" / "terraform.tfstate")}}


def test_diagnostics_of_the_combined_plan_reach_the_stack_they_concern() -> None:
    """By address, by file, by the objects a warning lists (split per stack); otherwise every stack gets it."""
    stacks = ["app-dev", "app-dev-bootstrap"]
    by_address = {"severity": "error", "summary": "Invalid value", "address": "module.app-dev-bootstrap.aws_s3_bucket.b"}
    assert _diagnostic_per_stack(by_address, stacks) == {
        "app-dev-bootstrap": {**by_address, "address": "aws_s3_bucket.b"}}
    by_file = {"severity": "error", "summary": "Unsupported argument", "range": {"filename": "app-dev/cdk.tf.json"}}
    assert _diagnostic_per_stack(by_file, stacks) == {"app-dev": by_file}
    listing = {"severity": "warning", "summary": "Some objects will no longer be managed by Terraform",
               "detail": "Terraform will discard:\n - module.app-dev.aws_ecr_repository.r\n"
                         " - module.app-dev-bootstrap.aws_ecr_repository.s\n - module.app-dev.aws_ecr_repository.t\n\nAfter."}
    assert _diagnostic_per_stack(listing, stacks) == {
        "app-dev": {**listing, "detail": "Terraform will discard:\n - aws_ecr_repository.r\n - aws_ecr_repository.t\n\nAfter."},
        "app-dev-bootstrap": {**listing, "detail": "Terraform will discard:\n - aws_ecr_repository.s\n\nAfter."}}
    unplaced = {"severity": "error", "summary": "Failed to load plugin schemas"}
    assert _diagnostic_per_stack(unplaced, stacks) == {"app-dev": unplaced, "app-dev-bootstrap": unplaced}
    assert _module_address("module.app-dev-bootstrap.aws_s3_bucket.b", stacks) == ("app-dev-bootstrap", "aws_s3_bucket.b")
    with pytest.raises(AssertionError, match="outside every stack"):
        _module_address("aws_s3_bucket.b", stacks)


def test_only_identical_single_provider_configurations_are_shared_from_the_root() -> None:
    """Two stacks with the same configuration get one root copy; a different one, or a stack with aliases, its own."""
    dev = {"region": "us-east-1", "default_tags": [{"tags": {"Environment": "dev"}}]}
    prod = {"region": "us-east-1", "default_tags": [{"tags": {"Environment": "prod"}}]}
    aliased = [dev, {**dev, "alias": "edge", "region": "us-west-2"}]
    documents = {
        "app-dev": {"provider": {"aws": [dict(dev)]}, "resource": {}},
        "app-dev-bootstrap": {"provider": {"aws": [dict(dev)]}},
        "app-prod": {"provider": {"aws": [dict(prod)]}},
        "app-edge": {"provider": {"aws": aliased}},
    }
    root = _share_provider_configurations(documents)
    assert root["provider"] == {"aws": [{**dev, "alias": "app-dev"}, {**prod, "alias": "app-prod"}]}
    assert root["module"] == {
        "app-dev": {"source": "./app-dev", "providers": {"aws": "aws.app-dev"}},
        "app-dev-bootstrap": {"source": "./app-dev-bootstrap", "providers": {"aws": "aws.app-dev"}},
        "app-prod": {"source": "./app-prod", "providers": {"aws": "aws.app-prod"}},
        "app-edge": {"source": "./app-edge"},
    }
    assert [name for name, document in documents.items() if "provider" in document] == ["app-edge"]
    assert documents["app-edge"]["provider"] == {"aws": aliased}
