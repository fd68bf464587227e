"""One readable, key-sorted JSON snapshot per stack, so a pull request shows exactly what changed.

Update on purpose with ``.venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update`` and
review the diff of ``tests/__snapshots__/`` like code.
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from .conftest import Synthesized
from .helpers import all_stack_ids, without_metadata


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
