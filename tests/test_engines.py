"""Both engines behind one API: schema, SQL translation, the PostgreSQL test cluster."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import graphnews
from graphnews import query
from graphnews.engines import postgres as pg_engine
from graphnews.errors import DatabaseError
from graphnews.store import Database
from tests.conftest import SEEDS
from tests.postgres_server import PostgresServer


def _sqlite_columns(path: str) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'"
        )
    ]
    return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def test_postgres_schema_has_every_sqlite_table_and_column(
    tmp_path, postgres: PostgresServer
) -> None:
    sqlite_path = str(tmp_path / "a.db")
    graphnews.open(sqlite_path).close()
    with graphnews.open(postgres.new_database()) as db:
        tables = {
            r[0]
            for r in db.conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
        found = {t: postgres_columns(db, t) for t in tables - {"graphnews_schema"}}
    assert found == _sqlite_columns(sqlite_path)


def postgres_columns(db: Database, table: str) -> list[str]:
    return pg_engine.table_columns(db.conn, table)


def test_empty_databases_count_the_same(tmp_path, postgres: PostgresServer) -> None:
    with graphnews.open(tmp_path / "a.db") as a, graphnews.open(postgres.new_database()) as b:
        assert a.engine == "sqlite" and b.engine == "postgresql"
        assert a.stats() == b.stats()
        assert set(a.stats().values()) == {0}


def test_reopening_keeps_the_schema_and_readonly_refuses_writes(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    with graphnews.open(url) as db:
        db.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "v"))
        db.conn.commit()
    with graphnews.open(url, readonly=True) as db:
        assert db.conn.execute("SELECT value FROM meta WHERE key = ?", ("k",)).fetchone() == ("v",)
        with pytest.raises(pg_engine.psycopg().errors.ReadOnlySqlTransaction):
            db.conn.execute("DELETE FROM meta")


def test_readonly_open_of_an_empty_database_is_a_clear_error(postgres: PostgresServer) -> None:
    with pytest.raises(DatabaseError, match="no graphnews database"):
        graphnews.open(postgres.new_database(), readonly=True)


def test_foreign_tables_and_unreachable_servers_are_clear_errors(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    with pg_engine.psycopg().connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(DatabaseError, match="holds other tables"):
        graphnews.open(url)
    with pytest.raises(DatabaseError, match=r"cannot connect to postgresql://u:\*\*\*@"):
        graphnews.open("postgresql://u:secret@/nowhere?host=/nonexistent")


def test_translation_of_the_portable_subset() -> None:
    t = pg_engine.translate("SELECT ?2, ?1, ? WHERE x IN (SELECT value FROM json_each(?1))")
    assert t.sql == "SELECT %s, %s, %s WHERE x = ANY(%s)"
    assert t.bind(["[1]", "b", 3]) == ["b", "[1]", 3, [1]]
    replace = pg_engine.translate(
        "INSERT OR REPLACE INTO story_articles (story_id, article_id, fingerprint) VALUES (?, ?, ?)"
    )
    assert replace.sql.endswith(
        "ON CONFLICT (article_id) DO UPDATE SET story_id = "
        "EXCLUDED.story_id, fingerprint = EXCLUDED.fingerprint"
    )
    assert pg_engine.translate("BEGIN IMMEDIATE").write_lock


def test_sqlite_style_scalar_min_max_and_total(postgres: PostgresServer) -> None:
    with graphnews.open(postgres.new_database()) as db:
        row = db.conn.execute(
            "SELECT min(3, 5), max(3, 5), (SELECT total(x) FROM (VALUES (1), (2)) AS v(x))"
        ).fetchone()
    assert tuple(row) == (3, 5, 3.0)


ANALYST_ROLE = """
CREATE ROLE analyst LOGIN;
GRANT CONNECT ON DATABASE {database} TO analyst;
GRANT USAGE ON SCHEMA public TO analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst;
ALTER ROLE analyst SET default_transaction_read_only = on;
ALTER ROLE analyst SET statement_timeout = '30s'
"""


def test_the_documented_analyst_role_reads_and_cannot_write(postgres: PostgresServer) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "postgres.md").read_text()
    assert ANALYST_ROLE.strip().replace("{database}", "news") in docs
    url = postgres.new_database()
    database = url.split("@/", 1)[1].split("?", 1)[0]
    with graphnews.open(url) as db:
        db.ingest([SEEDS], workers=0)
        expected = db.stats()
    postgres.admin(*ANALYST_ROLE.format(database=database).strip().split(";\n"),
                   database=database)
    analyst = postgres.url(database, user="analyst")
    with graphnews.open(analyst, readonly=True) as db:
        assert db.stats() == expected
        assert query.search(db, "Google")
    assert query.sql(analyst, "SELECT count(*) FROM articles").rows == [(expected["articles"],)]
    with pytest.raises(graphnews.ReadOnlyError):
        query.sql(analyst, "DELETE FROM articles")
    with graphnews.open(analyst) as db:  # the grants alone refuse writes, too
        db.conn.raw.execute("SET default_transaction_read_only = off")
        with pytest.raises(pg_engine.psycopg().errors.InsufficientPrivilege):
            db.conn.execute("UPDATE outlets SET name = 'x'")
