"""The committed API references are what docs/api_reference.py writes from today's docstrings."""

from __future__ import annotations

import importlib.util

import pytest

from .helpers import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location("api_reference", PROJECT_ROOT / "docs" / "api_reference.py")
assert _spec is not None and _spec.loader is not None
api_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_reference)

REFERENCES = {"docs/api-aws.md": "constructs_lib.aws.patterns", "docs/api-gcp.md": "constructs_lib.gcp.patterns"}


@pytest.mark.parametrize(("path", "package"), sorted(REFERENCES.items()))
def test_the_committed_reference_is_current(path: str, package: str) -> None:
    committed = (PROJECT_ROOT / path).read_text(encoding="utf-8")
    assert committed == api_reference.reference(package), f"run `make docs` and commit {path}"


_permissions_spec = importlib.util.spec_from_file_location("permissions_reference",
                                                    PROJECT_ROOT / "docs" / "permissions_reference.py")
assert _permissions_spec is not None and _permissions_spec.loader is not None
permissions_reference = importlib.util.module_from_spec(_permissions_spec)
_permissions_spec.loader.exec_module(permissions_reference)


def test_the_committed_permissions_page_is_current() -> None:
    committed = (PROJECT_ROOT / "docs" / "delivery-permissions.md").read_text(encoding="utf-8")
    assert committed == permissions_reference.reference(), "run `make docs` and commit docs/delivery-permissions.md"


OUTPUTS = {
    "docs/api-aws.md": ("private_subnet_ids", "target_group", "security_group_id", "service_name", "url",
                        "`service_url(name)` | `str \\| None`", "`task_role_arn(name)` | `str`"),
    "docs/api-gcp.md": ("`service(name)`", "`service_account(name)`", "`url`", "`load_balancer_ip`", "`data_bucket_name`",
                        "`registry_url`", "`database_instance_name`"),
}


@pytest.mark.parametrize("path", sorted(REFERENCES))
def test_every_public_output_of_the_patterns_is_documented(path: str) -> None:
    text = (PROJECT_ROOT / path).read_text(encoding="utf-8")
    for output in OUTPUTS[path]:
        assert output in text
    undocumented = [line for line in text.splitlines() if line.endswith(" |  |")]
    assert undocumented == [], "a prop or output without a description"
    untyped = [line for line in text.splitlines() if line.startswith("| `") and " |  | " in line]
    assert untyped == [], "an output or method without a return type"
