"""A fast subset of the structural fuzzing of benchmarks/fuzz_ingest.py (issue 14)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_documents import check_batch, document


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(document(), min_size=1, max_size=20))
def test_hostile_structures_never_end_an_ingest(docs: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check_batch(Path(tmp) / "in", docs)
