"""No credential in any synthesized stack, on either cloud."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .conftest import Synthesized

CREDENTIAL_KEYS = re.compile(r"(^|_)(password|password_wo|secret_key|access_key|private_key|token|secret_string|secret_data)$")
REFERENCE = re.compile(r"\$\{[^{}]+\}")
URL_WITHOUT_PASSWORD = re.compile(r"postgresql://[A-Za-z0-9_.-]+@[^\s:/@]+(:\d+)?/[A-Za-z0-9_]+(\?[A-Za-z0-9=&_-]*)?")
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


def test_credentials_are_only_ever_references(synthesized: Synthesized) -> None:
    problems = []
    for name, document in synthesized.documents.items():
        for path, key, value in _walk(document):
            if not isinstance(value, str):
                continue
            if any(pattern.search(value) for pattern in LITERAL_SECRETS):
                problems.append(f"{name}{path}.{key}: looks like a literal credential")
            if CREDENTIAL_KEYS.search(key) and not REFERENCE.fullmatch(value):
                if not URL_WITHOUT_PASSWORD.fullmatch(REFERENCE.sub("host", value)):
                    problems.append(f"{name}{path}.{key}: {value!r} is neither a reference nor a URL without password")
    assert problems == []


def test_the_scan_would_catch_a_literal_password() -> None:
    document = {"resource": {"aws_db_instance": {"db": {"password": "hunter2hunter2"}}}}
    flagged = [key for _, key, value in _walk(document) if isinstance(value, str) and CREDENTIAL_KEYS.search(key)
               and not REFERENCE.fullmatch(value)]
    assert flagged == ["password"]
    assert LITERAL_SECRETS[2].search("postgresql://admin:s3cret@db:5432/analytics")
