"""graphnews copy: SQLite -> PostgreSQL -> SQLite keeps every row, id and answer; resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.copy import copy_database, tables
from graphnews.errors import BadInputError
from tests.conftest import DATA, SEEDS
from tests.postgres_server import PostgresServer

runner = CliRunner()


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def source(tmp_path: Path) -> str:
    path = str(tmp_path / "source.db")
    with graphnews.open(path) as db:
        db.ingest([SEEDS, DATA / "ai-ethics-page-1.json"], workers=0)
    return path


def test_round_trip_through_postgres_keeps_counts_and_outlets(
    source: str, tmp_path: Path, postgres: PostgresServer
) -> None:
    url = postgres.new_database()
    back = str(tmp_path / "back.db")
    there = json.loads(_cli("copy", source, url, "--format", "json", "--silent"))
    again = json.loads(_cli("copy", url, back, "--format", "json", "--silent"))
    assert there["rows"] == again["rows"] and there["rows"]["articles"] > 10
    outlets = [
        _cli("outlets", "--all", "--format", "json", "--db", db) for db in (source, url, back)
    ]
    assert outlets[0] == outlets[1] == outlets[2]
    stats = [graphnews.open(db, readonly=True).stats() for db in (source, url, back)]
    assert stats[0] == stats[1] == stats[2]
    # the copies are working databases: search (FTS5 / tsvector) and new writes
    new = tmp_path / "new.md"
    new.write_text(
        "---\ntitle: Ethics of new robots\nwebUrl: https://new.example/a\n"
        "provider:\n  domain: new.example\n---\n"
    )
    for db in (url, back):
        with graphnews.open(db) as copied:
            assert graphnews.query.search(copied, "ethics")
            assert copied.ingest([new], workers=0).documents == 1
            assert copied.stats()["outlets"] == stats[0]["outlets"] + 1
            assert [h["canonical_url"] for h in graphnews.query.search(copied, "robots")] == [
                "https://new.example/a"
            ]


def test_an_interrupted_copy_resumes(source: str, postgres: PostgresServer) -> None:
    url = postgres.new_database()

    def stop(table: str, done: int, total: int) -> None:
        if table == "articles":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_database(source, url, batch=5, progress=stop)
    with graphnews.open(url) as partial:
        assert 0 < partial.stats()["articles"] < graphnews.open(source).stats()["articles"]
    report = copy_database(source, url, batch=5)
    assert report.resumed and 0 < report.copied < sum(report.rows.values())
    assert graphnews.open(url).stats() == graphnews.open(source).stats()


def test_copy_refuses_a_database_that_is_not_empty(source: str, tmp_path: Path) -> None:
    graphnews.open(tmp_path / "empty.db").close()
    with pytest.raises(BadInputError, match="not empty"):
        copy_database(str(tmp_path / "empty.db"), source)
    with pytest.raises(BadInputError, match="same database"):
        copy_database(source, source)


def test_tables_come_after_the_tables_they_reference() -> None:
    order = [t.name for t in tables()]
    assert order.index("outlets") < order.index("articles") < order.index("documents")
    assert order.index("documents") < order.index("related_links")
