"""One readable, key-sorted JSON snapshot per stack, so a pull request shows exactly what changed.

Update on purpose with ``.venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update`` and
review the diff of ``tests/__snapshots__/`` like code.
"""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.review.changes import METADATA_KEY, WAIVERS_KEY

from .conftest import Synthesized
from .helpers import all_stack_ids


def without_metadata(value: Any) -> Any:
    """Drops cdktf's ``//`` metadata blocks (construct paths), which only add noise to a review, but
    keeps a block's ``//.waivers`` entry: a waived guardrail and its reason are reviewed like code."""
    if isinstance(value, dict):
        kept = {key: without_metadata(item) for key, item in value.items() if key != METADATA_KEY}
        metadata = value.get(METADATA_KEY)
        if isinstance(metadata, dict) and WAIVERS_KEY in metadata:
            kept[METADATA_KEY] = {WAIVERS_KEY: metadata[WAIVERS_KEY]}
        return kept
    if isinstance(value, list):
        return [without_metadata(item) for item in value]
    return value


def test_snapshots_drop_cdktf_metadata_but_keep_waivers() -> None:
    waived = {"//": {"metadata": {"path": "stack/lake/bucket"}, "waivers": {"bucket-versioning": "rebuilt nightly"}},
              "bucket": "b"}
    document = {"//": {"metadata": {"version": "0.21.0"}}, "resource": {"aws_s3_bucket": {
        "lake": waived, "logs": {"//": {"metadata": {"path": "stack/logs/bucket"}}, "bucket": "l"}}}}
    assert without_metadata(document) == {"resource": {"aws_s3_bucket": {
        "lake": {"//": {"waivers": {"bucket-versioning": "rebuilt nightly"}}, "bucket": "b"}, "logs": {"bucket": "l"}}}}


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", all_stack_ids())
def test_stack_matches_snapshot(synthesized: Synthesized, snapshot_json: SnapshotAssertion, name: str) -> None:
    assert without_metadata(synthesized.documents[name]) == snapshot_json
