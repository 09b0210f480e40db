"""Shared fixtures: real documents, real SQLite files.

The shared corpus (../shared/corpus) sits beside the checkout in CI and on developer machines;
tests that need all of it skip with a reason when it is absent. The seeds and the few files the
core tests need are copied into the project (seeds/, tests/data/).
"""

from __future__ import annotations

import ctypes
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import graphnews
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.store import Database
from tests.postgres_server import PostgresServer, binaries

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


#: The engines the parametrised tests run on (the `engine` fixture).
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster of this test session (tests/postgres_server.py)."""
    folder = binaries()
    if folder is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)")
    server = PostgresServer.start(folder)
    yield server
    server.stop()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn: a test taking it runs on SQLite and on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def target(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where an empty database of ``engine`` lives: an SQLite path or a PostgreSQL URL."""
    if engine == "sqlite":
        return str(tmp_path / "test.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def any_db(target: str) -> Iterator[Database]:
    """An empty database on each engine in turn."""
    database = graphnews.open(target)
    yield database
    database.close()


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


def without_dac_override() -> None:
    """``preexec_fn`` making file modes apply to a root child process too (no-op otherwise).

    Root reads every file whatever its mode; without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    (dropped from the bounding set, so the exec'd program never gets them) it cannot.
    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
