"""No credential in any synthesized stack, on either cloud."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .conftest import Synthesized

# Write-only arguments (``password_wo``, ``secret_string_wo``: Terraform >= 1.11) must be references too.
CREDENTIAL_KEYS = re.compile(r"(^|_)(password|secret_key|access_key|private_key|token|secret_string|secret_data)(_wo)?$")
REFERENCE = re.compile(r"\$\{[^{}]+\}")
URL_WITHOUT_PASSWORD = re.compile(r"postgresql://([A-Za-z0-9_.%-]+@)?[^\s:/@]+(:\d+)?/[A-Za-z0-9_]+(\?[A-Za-z0-9=&_./-]*)?")
LITERAL_SECRETS = (re.compile(r"AKIA[0-9A-Z]{16}"), re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
                   re.compile(r"postgres(ql)?://[^\s/@:]+:[^\s/@]+@"))


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
            yield path, key, item
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def credential_problems(documents: dict[str, Any]) -> list[str]:
    """Every string that looks like a literal credential, or a credential-like key that is not a reference."""
    problems = []
    for name, document in documents.items():
        for path, key, value in _walk(document):
            if not isinstance(value, str):
                continue
            if any(pattern.search(value) for pattern in LITERAL_SECRETS):
                problems.append(f"{name}{path}.{key}: looks like a literal credential")
            if CREDENTIAL_KEYS.search(key) and not REFERENCE.fullmatch(value):
                if not URL_WITHOUT_PASSWORD.fullmatch(REFERENCE.sub("host", value)):
                    problems.append(f"{name}{path}.{key}: {value!r} is neither a reference nor a URL without password")
    return problems


def test_credentials_are_only_ever_references(synthesized: Synthesized) -> None:
    assert credential_problems(synthesized.documents) == []


def test_the_scan_catches_literal_credentials() -> None:
    stack = {"resource": {
        "aws_db_instance": {"db": {"password": "hunter2hunter2"}, "ok": {"password_wo": "${local.generated}"}},
        "aws_secretsmanager_secret_version": {"url": {"secret_string": "postgresql://admin:s3cret@${aws_db_instance.db.address}/x"},
                                              "wo": {"secret_string_wo": '{"password": "hunter2hunter2"}'}},
        "google_secret_manager_secret_version": {"ok": {"secret_data": "${random_password.p.result}"}},
        "aws_instance": {"vm": {"user_data": "export KEY=AKIAIOSFODNN7EXAMPLE"}},
    }}
    problems = credential_problems({"stack": stack})
    assert [problem.split(":")[0] for problem in problems] == [
        "stack.resource.aws_db_instance.db.password",
        "stack.resource.aws_secretsmanager_secret_version.url.secret_string",
        "stack.resource.aws_secretsmanager_secret_version.url.secret_string",
        "stack.resource.aws_secretsmanager_secret_version.wo.secret_string_wo",
        "stack.resource.aws_instance.vm.user_data",
    ]
