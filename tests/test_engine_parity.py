"""The same corpus in SQLite and in PostgreSQL gives the same answers, layer by layer.

One corpus (the seeds, the test data and a generated corpus with planted stories, then one file
changed and ingested again) is ingested into a fresh database of each engine; every test asks
both databases one question through the public API and requires equal answers. A difference
between the engines fails a test.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

import graphnews
from graphnews import graph, query
from graphnews.centrality import central_outlets
from graphnews.cli import app
from graphnews.collections import attribute_collections, import_outlets
from graphnews.compare import compare
from graphnews.export import export
from graphnews.ingest import IngestReport
from graphnews.pipeline import SPREAD_FILE, STORIES_FILE, run
from graphnews.spread import spread_ranges, stories_spread
from graphnews.store import Database
from graphnews.stories import detect_stories, stories_are_current, update_stories
from graphnews.stories.alternatives import story_stability
from graphnews.stories.constraints import constrain, correct_with_labels
from graphnews.stories.stored import load_stories
from tests.conftest import DATA, ENGINES, seeds_and_generated
from tests.postgres_server import PostgresServer

#: Columns that hold the time of writing (differs between two ingests by design).
_CLOCK = {"ingested_at", "computed_at"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = seeds_and_generated(tmp_path_factory, documents=250, seed=7)
    shutil.copytree(DATA, folder / "data")
    return folder


@pytest.fixture(scope="module")
def pair(
    corpus: Path, postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[graphnews.Database, list[IngestReport]]]]:
    """engine -> (database, the reports of its two ingests), both from the same corpus."""
    targets = {
        "sqlite": str(tmp_path_factory.mktemp("parity") / "p.db"),
        "postgresql": postgres.new_database(),
    }
    databases = {engine: graphnews.open(targets[engine]) for engine in ENGINES}
    reports: dict[str, list[IngestReport]] = {engine: [] for engine in ENGINES}
    changed = sorted((corpus / "seeds").iterdir())[0]
    original = changed.read_bytes()
    for step in range(2):
        if step:  # the second ingest replaces one changed file
            changed.write_bytes(original.replace(b"title:", b"title: Changed", 1))
        for engine, db in databases.items():
            reports[engine].append(db.ingest([corpus], workers=0))
    changed.write_bytes(original)
    out = {engine: (db, reports[engine]) for engine, db in databases.items()}
    yield out
    for db, _ in out.values():
        db.close()


def both(pair: dict[str, Any], ask: Any) -> list[Any]:
    return [ask(pair[engine][0]) for engine in ENGINES]


def _rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    columns = [c for c in _columns(db, table) if c not in _CLOCK]
    rows = db.conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    return sorted(
        (tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows), key=repr
    )


def _columns(db: Database, table: str) -> list[str]:
    if db.engine == "sqlite":
        return [r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")]
    from graphnews.engines.postgres import table_columns

    return table_columns(db.conn, table)


#: Every table of the schema (the FTS5 index aside: PostgreSQL's is a column of articles).
TABLES = sorted(
    r[0]
    for r in graphnews.open(":memory:").conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'"
    )
)


def test_ingest_reports_and_counts_are_equal(pair: dict[str, Any]) -> None:
    reports = [[r.as_dict() | {"seconds": 0} for r in pair[e][1]] for e in ENGINES]
    assert reports[0] == reports[1]
    assert reports[0][1]["updated"] == 1  # the second ingest replaced the changed file
    sqlite_stats, pg_stats = both(pair, Database.stats)
    assert sqlite_stats == pg_stats
    assert (
        sqlite_stats["documents"] > 250
        and sqlite_stats["document_versions"] > sqlite_stats["documents"]
    )


@pytest.mark.parametrize("table", TABLES)
def test_every_table_holds_the_same_rows(pair: dict[str, Any], table: str) -> None:
    sqlite_rows, pg_rows = both(pair, lambda db: _rows(db, table))
    assert sqlite_rows == pg_rows


def _busiest_outlet(db: Database) -> str:
    return str(
        db.conn.execute(
            "SELECT o.domain FROM outlets o JOIN articles a ON a.outlet_id = o.id "
            "GROUP BY o.domain ORDER BY count(*) DESC, o.domain LIMIT 1"
        ).fetchone()[0]
    )


def _linked_article(db: Database) -> str:
    return str(
        db.conn.execute(
            "SELECT a.canonical_url FROM articles a JOIN related_links l ON l.from_article = a.id "
            "GROUP BY a.id, a.canonical_url ORDER BY count(*) DESC, a.id LIMIT 1"
        ).fetchone()[0]
    )


def test_article_lookup_is_equal(pair: dict[str, Any]) -> None:
    urls = both(pair, _linked_article)
    assert urls[0] == urls[1]
    a, b = both(pair, lambda db: query.article(db, urls[0]))
    assert a == b and a["related"]


@pytest.mark.parametrize("kind", [None, "outlet", "article", "topic"])
def test_neighbours_are_equal(pair: dict[str, Any], kind: str | None) -> None:
    outlet = both(pair, _busiest_outlet)[0]
    a, b = both(pair, lambda db: query.neighbors(db, outlet, depth=2, kind=kind).as_dict())
    assert a == b and a["neighbors"]


def test_path_between_outlets_is_equal(pair: dict[str, Any]) -> None:
    outlet = both(pair, _busiest_outlet)[0]
    other = query.neighbors(pair["sqlite"][0], outlet, kind="outlet").rows[-1]["node"]
    a, b = both(pair, lambda db: query.path(db, outlet, other))
    assert a == b


def test_search_finds_the_same_articles(pair: dict[str, Any]) -> None:
    word = next(
        w
        for w in str(
            both(
                pair,
                lambda db: db.conn.execute(
                    "SELECT title FROM articles WHERE title IS NOT NULL ORDER BY id LIMIT 1"
                ).fetchone()[0],
            )[0]
        ).split()
        if len(w) > 4 and w.isalpha()
    )
    a, b = both(pair, lambda db: query.search(db, word, limit=1000))
    assert a, word
    # the same hits; scores and snippets are each engine's own ranking (docs/postgres.md)
    assert {h["article_id"] for h in a} == {h["article_id"] for h in b}
    assert all(word.lower() in h["snippet"].lower() for h in b)


def test_read_only_sql_is_equal_and_refuses_writes(pair: dict[str, Any]) -> None:
    statement = (
        "SELECT o.domain, count(*) AS n FROM articles a JOIN outlets o "
        "ON o.id = a.outlet_id GROUP BY o.domain ORDER BY n DESC, o.domain"
    )
    a, b = both(pair, lambda db: query.sql(db.path, statement))
    assert (a.columns, a.rows) == (b.columns, b.rows)
    for db, _ in pair.values():
        with pytest.raises(graphnews.ReadOnlyError):
            query.sql(db.path, "DELETE FROM articles")
        with pytest.raises(graphnews.GraphnewsError):  # SQLite: a syntax error; PG: read-only
            query.sql(db.path, "WITH x AS (DELETE FROM articles RETURNING id) SELECT * FROM x")
    assert pair["postgresql"][0].stats()["articles"] == pair["sqlite"][0].stats()["articles"]


def _graph_data(G: nx.Graph) -> tuple[Any, ...]:
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
    return (
        sorted((n, sorted(d.items())) for n, d in G.nodes(data=True)),
        sorted(
            (u, v, *(sorted(x.items()) if isinstance(x, dict) else [x] for x in rest))
            for u, v, *rest in edges
        ),
    )


@pytest.mark.parametrize("kind", ["coverage", "outlets", "follows", "topics"])
def test_graphs_are_equal(pair: dict[str, Any], kind: str) -> None:
    a, b = both(pair, lambda db: _graph_data(graph.build_graph(db, kind)))
    assert a == b and a[0]


def test_exports_are_equal(pair: dict[str, Any], tmp_path: Path) -> None:
    written = [
        export(db, to="json", graph="coverage", out=tmp_path / engine)
        for engine, (db, _) in pair.items()
    ]
    texts = [[json.loads(p.read_text()) for p in files] for files in written]
    assert texts[0] == texts[1]


def test_central_outlets_are_equal(pair: dict[str, Any]) -> None:
    a, b = both(pair, lambda db: central_outlets(db, by="pagerank").as_dict())
    assert a == b


def _cli(*args: str) -> Any:
    done = CliRunner().invoke(app, [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


# Late: it writes outlet metadata (which graphs carry) into both databases.
def test_outlets_import_attention_and_compare_are_equal(
    pair: dict[str, Any], tmp_path: Path
) -> None:
    """The CLI's JSON of `outlets import`, `attention` and `compare` is the same on both."""
    sheet = _outlet_sheet(pair, tmp_path)
    imported = [_cli("outlets", "import", str(sheet), "--db", pair[e][0].path) for e in ENGINES]
    assert imported[0] == imported[1] and imported[0]["unknown"] == ["unknown.example"]
    for args in (
        ["attention", "--every", "week"],
        ["attention", "--every", "month", "--by", "lean"],
        ["attention", "--every", "month", "--by", "country", "--normalise"],
        ["compare", "--by", "lean", "--words", "8"],
        ["compare", "--by", "country", "--within", "lean=left"],
    ):
        sqlite_json, pg_json = (_cli(*args, "--db", pair[e][0].path) for e in ENGINES)
        assert sqlite_json == pg_json, args
        assert json.dumps(sqlite_json).count('"') > 20, args  # not an empty answer


def _outlet_sheet(pair: dict[str, Any], folder: Path) -> Path:
    """A metadata sheet: the eight busiest outlets' lean and country, and one unknown outlet."""
    busiest = [
        r[0]
        for r in pair["sqlite"][0].conn.execute(
            "SELECT o.domain FROM outlets o JOIN articles a ON a.outlet_id = o.id "
            "GROUP BY o.domain ORDER BY count(*) DESC, o.domain LIMIT 8"
        )
    ]
    sheet = folder / "outlets.csv"
    sheet.write_text(
        "domain,lean,country\n"
        + "".join(
            f"{d},{'left' if n % 2 else 'right'},{'us' if n < 4 else 'uk'}\n"
            for n, d in enumerate(busiest)
        )
        + "unknown.example,left,us\n"
    )
    return sheet


# Last: it writes stories into both databases (the tests above read them as ingested).
def test_stories_and_their_spread_are_equal(pair: dict[str, Any], tmp_path: Path) -> None:
    found = both(
        pair,
        lambda db: [
            s.as_dict() if hasattr(s, "as_dict") else s for s in detect_stories(db, seed=3)
        ],
    )
    assert found[0] == found[1] and len(found[0]) > 1
    for table in ("stories", "story_articles"):
        sqlite_rows, pg_rows = both(pair, lambda db, t=table: _rows(db, t))
        assert sqlite_rows == pg_rows
    assert both(pair, lambda db: stories_are_current(db, seed=3)) == [True, True]
    a, b = both(pair, lambda db: [s.as_dict() for s in stories_spread(db)])
    assert a == b
    a, b = both(pair, lambda db: spread_ranges(db, every="week", resolutions=(0.4,), seeds=(0,)))
    assert a == b and a[1]
    a, b = both(pair, lambda db: story_stability(db, resolutions=(0.6,), seeds=(1,)))
    assert a == b and a
    sheet = _outlet_sheet(pair, tmp_path)  # imported above already when the tests run in order
    both(pair, lambda db: import_outlets(db, sheet))
    a, b = both(pair, lambda db: compare(db, attribute_collections(db, "lean"), words=0,
                                         ranges=True, resolutions=(0.4,), seeds=(0,)).as_dict())
    assert a == b and a["clusterings"] and "kept" in a["stories"][0]
    # a correction: the two largest stories joined, then the stories again
    first, second = (s.id for s in load_stories(pair["sqlite"][0])[:2])
    both(pair, lambda db: constrain(db, first, second, "join"))
    a, b = both(pair, lambda db: (update_stories(db).mode,
                                  [s.as_dict() for s in stories_spread(db)]))
    assert a == b and a[0] == "incremental"  # the corrected stories' region, on both
    for table in ("stories", "story_articles"):
        sqlite_rows, pg_rows = both(pair, lambda db, t=table: _rows(db, t))
        assert sqlite_rows == pg_rows
    # a labelled sample as corrections: two articles of one stored story labelled apart, one
    # of them with an article of another story
    db = pair["sqlite"][0]
    big = [s for s in load_stories(db) if s.size >= 2][:2]
    url = {a: u for a, u in db.conn.execute("SELECT id, canonical_url FROM articles")}
    labels = {"sample": {url[big[0].articles[0]]: "x", url[big[1].articles[0]]: "x",
                         url[big[0].articles[1]]: "y"}}
    done = both(pair, lambda db: correct_with_labels(db, labels).as_dict())
    assert done[0] == done[1] and done[0]["separations"] >= 1 and done[0]["merged"] == 0
    for table in ("stories", "story_articles"):
        sqlite_rows, pg_rows = both(pair, lambda db, t=table: _rows(db, t))
        assert sqlite_rows == pg_rows
    a, b = both(pair, lambda db: _graph_data(graph.build_graph(db, "outlets")))
    assert a == b


def test_run_with_ranges_writes_the_same_stories_and_spread(
    pair: dict[str, Any], corpus: Path, tmp_path: Path
) -> None:
    """``graphnews run --ranges`` (the alternative clusterings made once for every step) gives
    the same stories.json and spread.json on both engines."""
    written = {}
    for engine in ENGINES:
        report = run(pair[engine][0], [corpus], out_dir=tmp_path / engine, ranges=True)
        assert not report.failed, report.reasons
        written[engine] = [json.loads((tmp_path / engine / name).read_text())
                           for name in (STORIES_FILE, SPREAD_FILE)]
    stories, spread = written["sqlite"]
    assert written["postgresql"] == written["sqlite"]
    assert "kept" in stories[0] and "first_min" in spread[0]
