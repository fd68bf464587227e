"""One readable, key-sorted JSON snapshot per stack, so a pull request shows exactly what changed.

Update on purpose with ``.venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update`` and
review the diff of ``tests/__snapshots__/`` like code.
"""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from .conftest import Synthesized
from .helpers import all_stack_ids


def without_metadata(value: Any) -> Any:
    """Drops cdktf's ``//`` metadata blocks (construct paths), which only add noise to a review."""
    if isinstance(value, dict):
        return {key: without_metadata(item) for key, item in value.items() if key != "//"}
    if isinstance(value, list):
        return [without_metadata(item) for item in value]
    return value


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", all_stack_ids())
def test_stack_matches_snapshot(synthesized: Synthesized, snapshot_json: SnapshotAssertion, name: str) -> None:
    assert without_metadata(synthesized.documents[name]) == snapshot_json
