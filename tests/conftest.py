"""Shared fixtures: real documents, real SQLite files.

The shared corpus (../shared/corpus) sits beside the checkout in CI and on developer machines;
tests that need all of it skip with a reason when it is absent. The seeds and the few files the
core tests need are copied into the project (seeds/, tests/data/).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import graphnews
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.store import Database

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "corpus"


def shared(*parts: str) -> Path:
    """A path under ../shared/corpus; skips the test when that folder is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared corpus sits beside the checkout in CI)")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """An empty database file."""
    return graphnews.open(tmp_path / "test.db")


@pytest.fixture(scope="session")
def real_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the seeds and the shared `related/` corpus (June 2022, with related lists).

    Session-scoped and meant to be read only: open it with ``graphnews.open(path)`` and do not
    write to it (copy it to tmp_path first if a test must write).
    """
    path = tmp_path_factory.mktemp("real") / "real.db"
    database = graphnews.open(path)
    report = database.ingest([SEEDS, *sorted(shared("related").glob("*.md"))])  # not SOURCE.txt
    assert not report.rejected, report.rejected
    database.close()
    return path


def seeds_and_generated(factory: pytest.TempPathFactory, *, documents: int, seed: int) -> Path:
    """A folder holding the real seeds (``seeds/``) and a generated corpus (``generated/``)."""
    folder = factory.mktemp("corpus")
    generated = factory.mktemp("generated")
    generate_corpus(generated, documents=documents, seed=seed)
    shutil.copytree(generated / DOCUMENTS_DIR, folder / "generated")
    shutil.copytree(SEEDS, folder / "seeds")
    return folder
