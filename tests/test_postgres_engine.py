"""What the PostgreSQL engine must do as SQLite does: lock waits, schema versions, refused rows.

Each test runs on both engines (tests/conftest.py's `engine`) where SQLite has the same case, so
the two answer alike: the same lock-wait message and exit, the same refusal of a newer schema.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import graphnews
from graphnews.engines import postgres as pg_engine
from graphnews.errors import DatabaseError
from graphnews.ingest import ingest
from graphnews.schema import SCHEMA_VERSION
from graphnews.store import document_text, open_db
from tests.conftest import SEEDS, schema_2
from tests.postgres_server import PostgresServer

GOOD = (
    "---\ntitle: Good {n}\nwebUrl: https://good.example.com/{n}\n"
    "publishedDateTime: 2022-06-01T10:00:00Z\n"
    "provider: {{name: Good, domain: good.example.com}}\n---\n"
)


def _good(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"good{n}.md").write_text(GOOD.format(n=n), encoding="utf-8")


def test_a_held_lock_gives_the_same_wait_message_and_clear_error(
    new_target: Callable[[], str], tmp_path: Path
) -> None:
    _good(tmp_path / "in", 2)
    target = new_target()
    holder = graphnews.open(target)
    with holder.transaction():  # another process's write that does not end in time
        done = subprocess.run(
            [sys.executable, "-m", "graphnews", "ingest", str(tmp_path / "in"), "--db", target],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "GRAPHNEWS_LOCK_TIMEOUT": "2"},
        )
    holder.close()
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "waiting for another process writing to" in done.stderr
    assert "is still locked by another process after 2 s; try again when it has finished" in (
        done.stderr
    )
    with graphnews.open(target) as db:  # nothing was written; the lock is free again
        assert db.stats()["documents"] == 0
        assert db.ingest([tmp_path / "in"]).documents == 2


def test_a_write_waits_for_the_lock_and_then_goes_in(
    new_target: Callable[[], str], tmp_path: Path
) -> None:
    """A writer that waits less than the timeout says so once and then writes."""
    _good(tmp_path / "in", 1)
    target = new_target()
    holder = graphnews.open(target)
    waits: list[str] = []
    writer = open_db(target, on_wait=waits.append)
    holder._begin(holder.conn)
    release = threading.Timer(2.0, lambda: holder.conn.execute("ROLLBACK"))
    release.start()
    report = ingest(writer, [tmp_path / "in"])
    release.join()
    assert report.documents == 1 and len(waits) == 1
    assert waits[0].startswith("waiting for another process writing to")
    holder.close()
    writer.close()


def _set_version(target: str, version: int) -> None:
    with graphnews.open(target) as db:
        if db.engine == "sqlite":
            db.conn.execute(f"PRAGMA user_version = {version}")
        else:
            db.conn.execute("UPDATE graphnews_schema SET version = ?", (version,))
        db.conn.commit()


def test_a_newer_schema_is_refused_clearly(new_target: Callable[[], str]) -> None:
    target = new_target()
    _set_version(target, SCHEMA_VERSION + 1)
    for readonly in (False, True):
        with pytest.raises(DatabaseError) as info:
            graphnews.open(target, readonly=readonly)
        assert f"(schema {SCHEMA_VERSION + 1}, expected {SCHEMA_VERSION}; written by a newer " in (
            str(info.value)
        )


def test_the_previous_schema_is_migrated_on_postgresql(postgres: PostgresServer) -> None:
    """A schema 2 database (text in documents.raw, fields again in data) is brought to 3."""
    url = postgres.new_database()
    text = (SEEDS / "000_8ffd7cabeec5d02a.md").read_text(encoding="utf-8")
    with pg_engine.psycopg().connect(url, autocommit=True) as conn:
        for statement in [*pg_engine.derive(schema_2()).statements, *pg_engine._EXTRA]:
            conn.execute(statement)
        conn.execute("INSERT INTO graphnews_schema (version) VALUES (2)")
        conn.execute(
            "INSERT INTO documents (id, path, position, line, format, content_hash, raw, data, "
            "version, ingested_at, provider_domain, provider_name) VALUES "
            "(1, 'a.md', 0, 2, 'markdown', 'h', %s, '{}', 1, 'now', 'x.com', 'X')",
            (text,),
        )
    with graphnews.open(url) as db:
        assert db.conn.execute("SELECT version FROM graphnews_schema").fetchone()[0] == 3
        (stored,) = db.conn.execute("SELECT raw_zlib FROM documents").fetchone()
        assert document_text(bytes(stored)) == text
        assert "data" not in pg_engine.table_columns(db.conn, "related_links")
        assert "raw" not in pg_engine.table_columns(db.conn, "documents")
    with graphnews.open(url, readonly=True) as db:  # opened again: nothing left to do
        assert db.stats()["document_versions"] == 1


def test_a_value_the_server_refuses_rejects_only_its_file(
    engine: str, new_target: Callable[[], str], tmp_path: Path
) -> None:
    """PostgreSQL's text cannot hold a NUL character: that file is rejected, counted and kept
    in quarantine, and the ingest goes on (SQLite stores it)."""
    folder = tmp_path / "in"
    _good(folder, 3)
    nul = folder / "nul.md"
    nul.write_text(
        '---\ntitle: "before\\0after"\nwebUrl: https://nul.example.com/1\n---\n', encoding="utf-8"
    )
    with graphnews.open(new_target()) as db:
        report = db.ingest([folder])
        if engine == "sqlite":
            assert report.rejected == [] and report.documents == 4
            return
        assert report.documents == 3 and db.stats()["documents"] == 3
        (problem,) = report.rejected
        assert problem.path == str(nul)
        assert "could not be stored: it holds a value the database refuses" in problem.message
        assert "NUL" in problem.message
        assert db.stats()["rejected"] == 1
        (raw,) = db.conn.execute("SELECT raw FROM quarantine").fetchone()
        assert bytes(raw) == nul.read_bytes()
