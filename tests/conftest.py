"""Shared fixtures: real documents, real SQLite files.

The shared corpus (../shared/corpus) sits beside the checkout in CI and on developer machines.
Its real documents (1.7 MB) are also copied, unchanged, into tests/data/corpus/, so the whole
suite runs without ../shared; `test_the_corpus_copy_equals_the_shared_corpus` keeps the two
equal wherever both exist.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import igraph as ig
import numpy as np
import pytest
import yaml

import graphnews
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.store import Database
from graphnews.stories import detect_stories
from tests.postgres_server import PostgresServer, binaries

# A suite started in the background by a shell without job control (`pytest ... &`, some CI
# runners) inherits SIGINT ignored, and so would every graphnews process a test starts: Python
# installs its Ctrl-C handler only where SIGINT is not ignored, and the tests that send a
# Ctrl-C would measure the launcher, not graphnews. A user's terminal always starts a command
# with SIGINT at its default; a handler here (reset to the default in each child) gives the
# children that start.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
#: The shared corpus beside the checkout, when it is there.
SHARED = ROOT.parent / "shared" / "corpus"
#: The project's own copy of the shared corpus's documents (tests/data/corpus).
CORPUS = DATA / "corpus"


def shared(*parts: str) -> Path:
    """A path of the real corpus: the project's copy (tests/data/corpus), equal to ../shared."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path}: not in the project's copy of the shared corpus")
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


@pytest.fixture(scope="session")
def real_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the seeds and the shared `related/` corpus (June 2022, with related lists).

    Session-scoped and meant to be read only: open it with ``graphnews.open(path)`` and do not
    write to it (copy it to tmp_path first if a test must write).
    """
    path = tmp_path_factory.mktemp("real") / "real.db"
    _ingest_real(str(path))
    return path


def _ingest_real(target: str) -> None:
    """Ingest the seeds and the shared `related/` corpus into the database at ``target``."""
    with graphnews.open(target) as database:
        report = database.ingest([SEEDS, *sorted(shared("related").glob("*.md"))])  # no .txt
        assert not report.rejected, report.rejected


def schema_2() -> str:
    """The SQLite schema of version 2, which kept each document's text in ``documents.raw`` and
    its fields again as JSON in ``documents.data`` and ``related_links.data``."""
    from graphnews.schema import SCHEMA

    old = SCHEMA.replace("raw_zlib     BLOB NOT NULL,", "raw TEXT NOT NULL, data TEXT NOT NULL,")
    return old.replace("    provider_domain TEXT NOT NULL,          -- the item's",
                       "    data TEXT NOT NULL,\n    provider_domain TEXT NOT NULL,  -- the item's")


# -- both engines -------------------------------------------------------------------------------
# A test (or a module's fixture) that takes `engine`, `new_target`, `engine_db`, `real_target` or
# `real_copy` runs once per engine: a result that differs between SQLite and PostgreSQL fails a
# test. On a machine without PostgreSQL the postgresql runs are skipped, with the reason.
#: Marks a test that takes `engine` (or a fixture built on it) to run on SQLite alone: it tests
#: something only SQLite has (say why beside it).
sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """``"sqlite"``, then ``"postgresql"`` (skipped when PostgreSQL is not installed)."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres")
    return str(request.param)


@pytest.fixture(scope="session")
def new_target(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """A function giving the target of a new, empty database on `engine`: an SQLite file's path
    or the URL of a new database on the session's PostgreSQL cluster."""
    if engine == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.new_database
    folder = tmp_path_factory.mktemp("engine")
    numbers = itertools.count()
    return lambda: str(folder / f"db{next(numbers)}.db")


@pytest.fixture
def engine_db(new_target: Callable[[], str]) -> Iterator[Database]:
    """An empty database on `engine` (the both-engines counterpart of `db`)."""
    database = graphnews.open(new_target())
    yield database
    database.close()


@pytest.fixture(scope="session")
def real_target(engine: str, new_target: Callable[[], str], real_db_path: Path) -> str:
    """`real_db_path`'s database on `engine` (PostgreSQL: the same documents ingested anew).
    Read only, like `real_db_path`: write to `real_copy`."""
    if engine == "sqlite":
        return str(real_db_path)
    target = new_target()
    _ingest_real(target)
    return target


@pytest.fixture
def real_copy(real_target: str, new_target: Callable[[], str]) -> str:
    """A copy of `real_target` of this test's own, to write to (`graphnews copy`)."""
    from graphnews.copy import copy_database

    target = new_target()
    copy_database(real_target, target)
    return target


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


# -- documents and helpers several test modules share ----------------------------------------
NBC = ("https://www.nbcnews.com/tech/tech-news/"
       "microsoft-removing-emotion-recognition-features-facial-recognition-tec-rcna35087")
SILICON = "https://www.siliconrepublic.com/enterprise/facial-recognition-microsoft-azure-ai"
ZAWYA = ("https://www.zawya.com/en/press-release/companies-news/cwallet-and-microsoft-qatar-"
         "partner-to-bring-the-latest-fintech-services-to-organizations-through-azure-s8nv00o3")


def write_doc(folder: Path, name: str, title: str, excerpt: str, when: str, outlet: str,
              related: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
              topic: str = "AI") -> str:
    """A minimal real-shaped document; ``related`` holds (url, title) pairs. Returns its URL."""
    url = f"https://{outlet}/news/{name}"
    items = "".join(
        f'  - title: "{t}"\n    webUrl: "{u}"\n    publishedDateTime: {when}\n'
        f"    provider:\n      name: {u.split('/')[2]}\n      domain: {u.split('/')[2]}\n"
        for u, t in related)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\nexcerpt: "{excerpt}"\npublishedDateTime: {when}\n'
        f'webUrl: "{url}"\nprovider:\n  name: {outlet}\n  domain: {outlet}\n'
        f"topics:\n  - {topic}\nrelated:{' []' if not related else ''}\n{items}---\n",
        encoding="utf-8")
    return url


def write_front_matter(folder: Path, name: str, **fields: object) -> None:
    """One Markdown document with ``fields`` as its YAML front matter."""
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    (folder / name).write_text(f"---\n{text}---\n", encoding="utf-8")


SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def write_hostile_corpus(folder: Path) -> None:
    """Three outlets whose names, titles, excerpts, topics and featuredContent are hostile.

    Each document lists the other two outlets' articles as related, so the outlets share
    coverage and the three articles form one story.
    """
    outlets = [("evil.example", SCRIPT), ("img.example", IMG), ("plain.example", "Plain News")]
    for day, (domain, name) in enumerate(outlets, 21):
        write_front_matter(
            folder, f"{domain}.md",
            title=f"{SCRIPT} Robots take over the newsroom {IMG}",
            excerpt=f"Robots {IMG} take over {SCRIPT}",
            publishedDateTime=f"2022-06-{day}T10:00:00Z",
            webUrl=f"https://{domain}/robots-take-over",
            type="article",
            provider={"name": name, "domain": domain},
            topics=[SCRIPT, "Robots", IMG],
            featuredContent=('<iframe src="https://tracker.example/pixel"></iframe>'
                             f"{SCRIPT}{IMG}"),
            related=[{"title": f"{IMG} Robots take over the newsroom {SCRIPT}",
                      "excerpt": SCRIPT, "webUrl": f"https://{d}/robots-take-over",
                      "publishedDateTime": f"2022-06-{day}T12:00:00Z",
                      "provider": {"name": n, "domain": d}}
                     for d, n in outlets if d != domain],
        )


def storied_copy(real_db_path: Path, folder: Path) -> Path:
    """A copy of the real corpus's database (seeds + related/) with its stories detected."""
    path = folder / "real.db"
    shutil.copy(real_db_path, path)
    with graphnews.open(path) as database:
        detect_stories(database)
    return path


def igraph_measures_from(g: ig.Graph, f: ig.Graph) -> dict[str, dict[str, float]]:
    """Every graph measure, as igraph computes it, keyed by the vertex ``id``."""
    n = g.vcount()
    distance = [1.0 / w for w in g.es["weight"]]
    pairs = (n - 1) * (n - 2) / 2
    membership = g.connected_components().membership
    reached = np.bincount(membership)[membership] - 1
    closeness = np.nan_to_num(np.array(g.closeness(weights=distance), dtype=float))
    values = {
        "degree": g.degree(),
        "strength": g.strength(weights="weight"),
        "betweenness": [b / pairs if n > 2 else 0.0 for b in g.betweenness(weights=distance)],
        "closeness": closeness * reached / max(n - 1, 1),
        "eigenvector": g.eigenvector_centrality(weights="weight", scale=True),
        "pagerank": g.pagerank(weights="weight"),
        "hub": f.hub_score(weights="weight"),
        "authority": f.authority_score(weights="weight"),
        "first_reports": f.strength(mode="in", weights="weight"),
    }
    ids = g.vs["id"]
    assert f.vs["id"] == ids
    return {name: dict(zip(ids, map(float, v), strict=True)) for name, v in values.items()}
