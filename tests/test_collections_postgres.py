"""Outlet metadata, ``compare`` and ``attention`` give the same answers on PostgreSQL as on
SQLite (the same corpus, metadata file and stories in each; docs/postgres.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import graphnews
from graphnews.attention import EVERY, attention
from graphnews.collections import (
    attribute_collections,
    import_outlets,
    outlet_metadata,
    parse_rule,
    resolve_collection,
    save_collection,
)
from graphnews.compare import compare
from graphnews.filters import Filters
from graphnews.language import detect_languages
from graphnews.store import Database
from graphnews.stories import detect_stories
from tests.conftest import CORPUS, DATA, ENGINES
from tests.postgres_server import PostgresServer


@pytest.fixture(scope="module")
def engines(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, Database]]:
    """engine -> the shared sample's database with the sample metadata, stories, languages."""
    targets = {"sqlite": str(tmp_path_factory.mktemp("pg-collections") / "c.db"),
               "postgresql": postgres.new_database()}
    databases = {engine: graphnews.open(targets[engine]) for engine in ENGINES}
    for db in databases.values():
        db.ingest([CORPUS], workers=0)
        detect_stories(db)
        detect_languages(db)
        save_collection(db, "picked", domains=["bbc.co.uk", "cnbc.com", "not-here.org"])
        FIRST_IMPORT[db.engine] = import_outlets(db, DATA / "outlets-sample.csv").as_dict()
    yield databases
    for db in databases.values():
        db.close()


#: engine -> the report of the fixture's metadata import.
FIRST_IMPORT: dict[str, dict[str, object]] = {}


def test_outlets_import_is_the_same_and_incremental(engines: dict[str, Database]) -> None:
    first = FIRST_IMPORT
    again = {e: import_outlets(db, DATA / "outlets-sample.csv").as_dict()
             for e, db in engines.items()}
    assert first["sqlite"] == first["postgresql"]
    assert first["sqlite"]["version"] == 1 and first["sqlite"]["added"] == 134
    assert again["sqlite"] == again["postgresql"] and again["postgresql"]["same_file"]
    assert outlet_metadata(engines["sqlite"]) == outlet_metadata(engines["postgresql"])


@pytest.mark.parametrize("by", ["lean", "country"])
def test_compare_is_the_same(engines: dict[str, Database], by: str) -> None:
    reports = [compare(db, attribute_collections(db, by)).as_dict() for db in engines.values()]
    assert reports[0] == reports[1]
    assert reports[0]["stories"] and reports[0]["follows"] and reports[0]["words"]


def test_filtered_compare_and_an_empty_collection_are_the_same(engines: dict[str, Database]
                                                               ) -> None:
    def ask(db: Database) -> object:
        within = Filters(collections=(resolve_collection(db, "picked"), parse_rule("lean=left")),
                         languages=frozenset({"en"}))
        return (compare(db, attribute_collections(db, "country"), filters=within).as_dict(),
                compare(db, [parse_rule("lean=center"), parse_rule("lean=no-such")]).as_dict())

    sqlite, postgresql = (ask(db) for db in engines.values())
    assert sqlite == postgresql


@pytest.mark.parametrize("every", EVERY)
def test_attention_is_the_same(engines: dict[str, Database], every: str) -> None:
    for by in (None, "topic", "outlet", "story", "language", "lean"):
        sqlite, postgresql = (attention(db, every=every, by=by, top=None).as_dict()
                              for db in engines.values())
        assert sqlite == postgresql, by
    sqlite, postgresql = (
        attention(db, every=every, by="collection",
                  collections=[parse_rule("lean=center"), resolve_collection(db, "picked")])
        .as_dict() for db in engines.values())
    assert sqlite == postgresql and sqlite["series"]
