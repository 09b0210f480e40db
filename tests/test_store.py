"""graphnews.store.Database on real SQLite files: schema, migration, incremental re-ingest,
``max_id``, read-only opening, the default database and waiting for another writer's lock."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import graphnews
from graphnews import query
from graphnews.errors import DatabaseError
from graphnews.schema import SCHEMA, SCHEMA_VERSION
from graphnews.store import DEFAULT_DB, Database, open_db
from tests.conftest import write_doc


def _columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Every table (FTS shadow tables aside) and its columns."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'"
        )
    ]
    return {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in tables}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three documents of two outlets; a.com's first lists b.com's."""
    folder = tmp_path / "in"
    write_doc(
        folder,
        "a1",
        "Robots drive",
        "Taxis",
        "2022-06-01T10:00:00Z",
        "a.com",
        related=[("https://b.com/news/b1", "Robot taxis")],
    )
    write_doc(folder, "a2", "Rain again", "Weather", "2022-06-02T10:00:00Z", "a.com")
    write_doc(folder, "b1", "Robot taxis", "Fares", "2022-06-01T12:00:00Z", "b.com")
    return folder


def test_a_new_file_gets_every_table_of_the_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.db"  # the folder is made too
    db = Database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    created = set(_columns(conn))
    declared = {line.split()[2] for line in SCHEMA.splitlines() if line.startswith("CREATE TABLE ")}
    assert created == declared and len(created) >= 15
    assert db.stats() == dict.fromkeys(db.stats(), 0)
    # opening it again creates nothing and keeps what is there
    conn.execute("INSERT INTO topics (id, name) VALUES (7, 'Kept')")
    conn.commit()
    assert Database(path).stats()["topics"] == 1


def test_files_that_are_no_graphnews_database_are_refused_unchanged(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("just some notes\n" * 100, encoding="utf-8")
    before = _digest(text)
    with pytest.raises(DatabaseError, match="is not a graphnews database"):
        Database(text)
    assert _digest(text) == before
    newer = tmp_path / "newer.db"
    Database(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(
        DatabaseError, match=f"schema {SCHEMA_VERSION + 1}, expected {SCHEMA_VERSION}"
    ):
        Database(newer)


def test_a_migrated_database_has_exactly_the_tables_and_columns_of_a_new_one(
    tmp_path: Path, corpus: Path
) -> None:
    # Schema 2 kept each document's text in `raw` and its fields again in `data` (both on
    # documents and related_links); the migration to 3 must end at the schema SCHEMA creates.
    path = tmp_path / "v2.db"
    with graphnews.open(path) as db:
        db.ingest([corpus])
        texts = db.conn.execute(
            "SELECT id, document_text(raw_zlib) FROM documents ORDER BY id"
        ).fetchall()
    conn = sqlite3.connect(path)
    conn.create_function("document_text", 1, lambda blob: graphnews.store.document_text(blob))
    for statement in (
        "ALTER TABLE documents ADD COLUMN raw TEXT",
        "UPDATE documents SET raw = document_text(raw_zlib)",
        "ALTER TABLE documents DROP COLUMN raw_zlib",
        "ALTER TABLE documents ADD COLUMN data TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE related_links ADD COLUMN data TEXT NOT NULL DEFAULT '{}'",
        "PRAGMA user_version = 2",
    ):
        conn.execute(statement)
    conn.commit()
    conn.close()
    migrated = graphnews.open(path)
    fresh = graphnews.open(tmp_path / "fresh.db")
    assert migrated.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert _columns(migrated.conn) == _columns(fresh.conn)
    assert (
        migrated.conn.execute(
            "SELECT id, document_text(raw_zlib) FROM documents ORDER BY id"
        ).fetchall()
        == texts
    )
    assert migrated.stats()["articles"] == 3 and migrated.stats()["related_links"] == 1


def test_re_ingest_skips_unchanged_files_and_keeps_replaced_versions(
    tmp_path: Path, corpus: Path
) -> None:
    db = graphnews.open(tmp_path / "news.db")
    first = db.ingest([corpus])
    assert (first.documents, first.unchanged, first.updated) == (3, 0, 0)
    assert db.max_id("documents") == 3 and db.max_id("outlets") == 2
    second = db.ingest([corpus])  # size and mtime unchanged: not even read
    assert (second.documents, second.unchanged, second.updated, second.bytes_read) == (0, 3, 0, 0)
    touched = corpus / "a2.md"  # same bytes, new mtime: read, hashed, skipped
    os.utime(touched, ns=(time.time_ns(), time.time_ns() + 10**9))
    third = db.ingest([corpus])
    assert (third.documents, third.unchanged, third.updated) == (0, 3, 0)
    version, mtime = db.conn.execute(  # the new mtime is kept: the next run takes the fast path
        "SELECT version, mtime_ns FROM files WHERE path = ?", (str(touched),)
    ).fetchone()
    assert (version, mtime) == (1, touched.stat().st_mtime_ns)
    write_doc(corpus, "a2", "Rain stops", "Weather", "2022-06-02T10:00:00Z", "a.com")
    fourth = db.ingest([corpus])
    assert (fourth.documents, fourth.unchanged, fourth.updated) == (1, 2, 1)
    stats = db.stats()
    assert (stats["documents"], stats["document_versions"], stats["files"]) == (3, 4, 3)
    assert db.max_id("documents") == 4
    rows = db.conn.execute(
        "SELECT id, current FROM documents WHERE path = ? ORDER BY id", (str(touched),)
    ).fetchall()
    assert [tuple(r) for r in rows] == [(2, 0), (4, 1)]  # the old version stays, not current
    assert (
        db.conn.execute("SELECT version FROM files WHERE path = ?", (str(touched),)).fetchone()[0]
        == 2
    )
    assert (
        db.conn.execute(
            "SELECT title FROM articles WHERE canonical_url = ?", ("https://a.com/news/a2",)
        ).fetchone()[0]
        == "Rain stops"
    )


def test_max_id_is_the_largest_id_and_zero_on_an_empty_table(tmp_path: Path) -> None:
    db = graphnews.open(tmp_path / "ids.db")
    assert [db.max_id(t) for t in ("articles", "documents", "outlets", "topics")] == [0] * 4
    with db.transaction() as conn:
        conn.execute("INSERT INTO topics (id, name) VALUES (41, 'x'), (5, 'y')")
    assert db.max_id("topics") == 41
    with pytest.raises(ValueError, match="no integer id column"):
        db.max_id("aliases")


def test_opening_without_create_refuses_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseError, match=r"no database at .*missing\.db"):
        Database(missing, create=False)
    assert not missing.exists()
    with Database(missing) as db:  # the library's default makes it
        assert db.stats()["articles"] == 0
    with Database(missing, create=False) as db:  # and then opens it
        assert db.stats()["articles"] == 0


def test_read_only_opening_never_writes(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "ro.db"
    with graphnews.open(path) as db:
        db.ingest([corpus])
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseError, match=r"no database at .*missing\.db"):
        Database(missing, readonly=True)
    assert not missing.exists()
    before = _digest(path)
    db = Database(path, readonly=True)
    assert db.stats()["articles"] == 3
    with pytest.raises(sqlite3.OperationalError, match="readonly"), db.transaction() as conn:
        conn.execute("INSERT INTO topics (name) VALUES ('no')")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.conn.execute("DELETE FROM articles")
    db.close()
    assert _digest(path) == before


def test_the_default_database_applies_in_one_place(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRAPHNEWS_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Database().path == str(DEFAULT_DB) == "output/graphnews.db"
    chosen = tmp_path / "chosen.db"
    monkeypatch.setenv("GRAPHNEWS_DB", str(chosen))
    for db in (Database(), open_db(), graphnews.open()):
        assert db.path == str(chosen)
    graphnews.open().ingest([corpus])
    # query.sql takes the database as every other function does: a Database, a path, or None
    counted = [
        query.sql(db, "SELECT count(*) FROM articles").rows
        for db in (None, chosen, graphnews.open(chosen))
    ]
    assert counted == [[(3,)]] * 3


def _held(
    path: Path, timeout: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Database, list[str], sqlite3.Connection]:
    """A database whose lock timeout is ``timeout`` (seconds), the messages it gives while it
    waits, and another connection holding its write lock."""
    monkeypatch.setenv("GRAPHNEWS_LOCK_TIMEOUT", timeout)
    told: list[str] = []
    db = Database(path, on_wait=told.append)
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return db, told, holder


def test_a_write_waits_quietly_then_says_so_and_goes_on_when_the_lock_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.db"
    db, told, holder = _held(path, "30", monkeypatch)
    holder.execute("INSERT INTO topics (id, name) VALUES (1, 'first')")
    release = threading.Timer(2.0, holder.commit)
    started = time.monotonic()
    release.start()
    with db.transaction() as conn:  # waits for the holder's commit, then writes after it
        conn.execute("INSERT INTO topics (id, name) VALUES (2, 'second')")
    waited = time.monotonic() - started
    release.join()
    holder.close()
    assert told == [f"waiting for another process writing to {path} (up to 30 s)..."]
    assert 1.0 <= waited < 30  # the quiet second, then the wait it announced
    names = [r[0] for r in db.conn.execute("SELECT name FROM topics ORDER BY id")]
    assert names == ["first", "second"]
    with db.transaction() as conn:  # free: no wait, nothing said
        conn.execute("INSERT INTO topics (id, name) VALUES (3, 'third')")
    assert len(told) == 1


def test_a_write_gives_up_after_the_lock_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, told, holder = _held(tmp_path / "held.db", "0.3", monkeypatch)
    try:
        locked = r"still locked by another process after 0\.3 s"
        with pytest.raises(DatabaseError, match=locked), db.transaction():
            pass
    finally:
        holder.rollback()
        holder.close()
    assert told == []  # within the quiet wait: nothing announced
    with db.transaction() as conn:  # and the database is usable once the lock is gone
        conn.execute("INSERT INTO topics (name) VALUES ('after')")
    assert db.stats()["topics"] == 1
