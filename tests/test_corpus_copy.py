"""The project's copy of the real corpus (tests/data/corpus) is the shared corpus, unchanged."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, SHARED


def test_the_corpus_copy_equals_the_shared_corpus() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not here: nothing to compare the copy with")
    copied = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    assert len(copied) > 300
    for relative in copied:
        assert (SHARED / relative).read_bytes() == (CORPUS / relative).read_bytes(), relative


def test_the_copy_holds_the_documents_the_tests_read() -> None:
    assert len(list((CORPUS / "related").glob("*.md"))) == 120
    assert len(list((CORPUS / "smartable-power-apps").glob("*.md"))) == 192
    assert len(list((CORPUS / "json").glob("*.json"))) == 2
