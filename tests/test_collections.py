"""Outlet metadata import (CSV and YAML), collections, the --collection filter, the schema
migration, and metadata in profiles, tables and exports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.collections import (
    import_outlets,
    outlet_metadata,
    parse_rule,
    resolve_collection,
    save_collection,
)
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.graph import outlet_graph
from graphnews.schema import SCHEMA_VERSION
from graphnews.store import Database, document_text
from tests.conftest import DATA
from tests.helpers_corpus import article, write_corpus

runner = CliRunner()
SAMPLE = DATA / "outlets-sample.csv"


@pytest.fixture
def small(tmp_path: Path) -> Database:
    """Three outlets, linked: a1.com lists a2.com and b1.com."""
    docs = [article("a1.com", "1", "2022-06-01T10:00:00Z", related=[
        article("www.a2.com", "1", "2022-06-01T12:00:00Z"),
        article("b1.com", "1", "2022-06-01T13:00:00Z")])]
    db = graphnews.open(tmp_path / "small.db")
    db.ingest([write_corpus(tmp_path / "docs", docs)])
    return db


def test_csv_import_stores_every_column_and_reports_unknown_and_bad_rows(
        small: Database, tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("Domain,lean,country,owner\n"
                    "https://www.a1.com/,left,us,Ann\n"
                    "a2.com,Left,uk,\n"
                    ",right,us,\n"               # line 4: no domain
                    "b1.com,right\n"             # line 5: too few cells
                    "zz.org,center,fr,Zed\n")    # not in the database: kept, reported
    report = import_outlets(small, meta)
    assert report.unknown == ["zz.org"]
    assert sorted(report.skipped) == [f"{meta}:4: no domain in this row",
                              f"{meta}:5: 2 cells where the header has 4"]
    assert (report.rows, report.added, report.version) == (3, 8, 1)
    assert outlet_metadata(small) == {
        "a1.com": {"country": "us", "lean": "left", "owner": "Ann"},
        "a2.com": {"country": "uk", "lean": "Left"},
        "zz.org": {"country": "fr", "lean": "center", "owner": "Zed"},
    }


def test_reimport_is_incremental_and_versioned(small: Database, tmp_path: Path) -> None:
    meta = tmp_path / "meta.yaml"
    meta.write_text("a1.com: {lean: left, country: us}\na2.com: {lean: right}\n")
    first = import_outlets(small, meta)
    again = import_outlets(small, meta)
    assert (first.added, first.version) == (3, 1)
    assert again.same_file and again.version is None and again.unchanged == 3
    # a new version: one value changed, one cleared (null), one new domain (list form)
    meta.write_text("- {domain: a1.com, lean: centre, country: us}\n"
                    "- {domain: a2.com, lean: null}\n- {domain: b1.com, owner: [X, Y]}\n")
    third = import_outlets(small, meta)
    assert (third.version, third.changed, third.unchanged, third.removed, third.added) == (
        2, 1, 1, 1, 1)
    assert outlet_metadata(small) == {"a1.com": {"country": "us", "lean": "centre"},
                                      "b1.com": {"owner": "X; Y"}}
    versions = small.conn.execute("SELECT id, json_extract(summary, '$.changed') "
                                  "FROM metadata_imports ORDER BY id").fetchall()
    assert [tuple(v) for v in versions] == [(1, 0), (2, 1)]
    replaced = import_outlets(small, SAMPLE, replace=True)
    assert replaced.removed == 3 and "a1.com" not in outlet_metadata(small)


@pytest.mark.parametrize(("text", "suffix", "message"), [
    ("lean,country\nleft,us\n", ".csv", "no domain column"),
    ("domain,lean,lean\na.com,x,y\n", ".csv", "every column needs a name"),
    ("a.com: [unclosed\n", ".yaml", "not valid YAML"),
    ("just text", ".yaml", "expected a mapping"),
    ("domain\n", ".txt", "unknown metadata format"),
])
def test_bad_files_get_a_clear_error(small: Database, tmp_path: Path, text: str, suffix: str,
                                     message: str) -> None:
    bad = tmp_path / f"bad{suffix}"
    bad.write_text(text)
    with pytest.raises(BadInputError, match=message):
        import_outlets(small, bad)


def test_rules_saved_collections_and_the_filter(small: Database) -> None:
    import_outlets(small, _write(small, "domain,lean\na1.com,Left\na2.com,left\nb1.com,right\n"))
    assert resolve_collection(small, "LEAN=left").members(small) == {"a1.com", "a2.com"}
    save_collection(small, "mine", domains=["www.b1.com", "a1.com"])
    save_collection(small, "righties", rule="lean=right")
    assert resolve_collection(small, "mine").members(small) == {"a1.com", "b1.com"}
    assert resolve_collection(small, "righties").members(small) == {"b1.com"}
    with pytest.raises(NotFoundError, match="saved: mine, righties"):
        resolve_collection(small, "nope")
    with pytest.raises(BadInputError):
        parse_rule("lean=")
    left = outlet_graph(small, filters=Filters.build(collections=[parse_rule("lean=left")]))
    assert sorted(left.nodes) == ["outlet:a1.com", "outlet:a2.com"]
    assert left.nodes["outlet:a1.com"]["lean"] == "Left"
    either = Filters.build(collections=[parse_rule("lean=right"),
                                        resolve_collection(small, "mine")])
    assert sorted(outlet_graph(small, filters=either).nodes) == ["outlet:a1.com",
                                                                 "outlet:b1.com"]


def test_metadata_in_profile_tables_and_exports(small: Database, tmp_path: Path) -> None:
    db = small.path
    import_outlets(small, _write(small, "domain,lean,name\na1.com,left,Alpha Daily\n"))
    profile = json.loads(_run("outlet", "a1.com", "-f", "json", "--db", db))
    assert profile["metadata"] == {"lean": "left", "name": "Alpha Daily"}
    table = _run("outlets", "-f", "csv", "--db", db)
    header = table.splitlines()[0].split(",")
    assert "lean" in header and "a1.com" in table
    graphml = tmp_path / "out.graphml"
    _run("export", "--graph", "outlets", "--to", "graphml", "--out", str(graphml), "--db", db)
    G = nx.read_graphml(graphml)
    node = G.nodes["outlet:a1.com"]
    assert node["lean"] == "left" and node["meta_name"] == "Alpha Daily"  # 'name' is reserved
    assert "lean" not in G.nodes["outlet:b1.com"]
    only = tmp_path / "left.graphml"
    _run("export", "--graph", "outlets", "--to", "graphml", "--out", str(only),
         "--collection", "lean=left", "--db", db)
    assert list(nx.read_graphml(only).nodes) == ["outlet:a1.com"]


def test_cli_import_exit_code_and_collection_option(small: Database, tmp_path: Path) -> None:
    meta = _write(small, "domain,lean\na1.com,left\n,right\nnew.org,left\n")
    result = runner.invoke(app, ["outlets", "import", str(meta), "--db", small.path])
    assert result.exit_code == 1  # a row was skipped: said, not hidden
    assert "no domain in this row" in result.output and "new.org" in result.output
    rows = json.loads(_run("outlets", "--all", "-f", "json", "--collection", "lean=left",
                           "--db", small.path))
    assert [r["outlet"] for r in rows] == ["a1.com"]
    result = runner.invoke(app, ["outlets", "--collection", "nosuch", "--db", small.path])
    assert result.exit_code == 1 and "no collection 'nosuch'" in result.output
    assert "Traceback" not in result.output
    shown = json.loads(_run("collections", "show", "lean=left", "-f", "json", "--db",
                            small.path))
    assert shown == [{"outlet": "a1.com", "articles": 1, "lean": "left"}]


def test_a_version_1_database_is_migrated_and_keeps_its_data(small: Database) -> None:
    path = small.path
    articles = small.stats()["articles"]
    small.close()
    conn = sqlite3.connect(path)
    for table in ("outlet_metadata", "metadata_imports", "collection_outlets", "collections",
                  "article_languages"):
        conn.execute(f"DROP TABLE {table}")
    # version 1 kept each document's text uncompressed in `raw`, and its fields again as JSON
    conn.create_function("document_text", 1, document_text)
    for statement in ("ALTER TABLE documents ADD COLUMN raw TEXT",
                      "UPDATE documents SET raw = document_text(raw_zlib)",
                      "ALTER TABLE documents DROP COLUMN raw_zlib",
                      "ALTER TABLE documents ADD COLUMN data TEXT NOT NULL DEFAULT '{}'",
                      "ALTER TABLE related_links ADD COLUMN data TEXT NOT NULL DEFAULT '{}'"):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    reopened = graphnews.open(path, readonly=True)  # even a read-only open brings it up to date
    assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert reopened.stats()["articles"] == articles
    assert outlet_metadata(reopened) == {}
    texts = reopened.conn.execute("SELECT document_text(raw_zlib) FROM documents").fetchall()
    assert texts and all(t[0] for t in texts)


def _write(db: Database, text: str) -> Path:
    path = Path(db.path).parent / "meta.csv"
    path.write_text(text)
    return path


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout
