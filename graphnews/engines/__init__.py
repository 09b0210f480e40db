"""Database engines behind `graphnews.store.Database`: SQLite (the embedded default) and PostgreSQL.

The layers above the store write one SQL dialect: SQLite's, kept to a portable subset (see
docs/postgres.md). An engine turns a database *target* into a connection with the sqlite3
interface those layers use (``execute``, ``executemany``, ``commit``; rows indexable by
position), and owns what genuinely differs between the engines: the schema DDL, the write lock of
an ingest, full-text search and the read-only SQL of ``graphnews sql``.

A target is a PostgreSQL URL (``postgresql://user@host:port/dbname``) or anything else, which is
the path of an SQLite file.
"""

from __future__ import annotations

import os

from graphnews.errors import QueryTimeoutError, ReadOnlyError

__all__ = [
    "is_postgres_url",
    "locked_message",
    "refusal",
    "timeout_error",
    "version_message",
    "waiting_message",
]

#: URL schemes that select the PostgreSQL engine.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """True when ``target`` names a PostgreSQL database rather than an SQLite file.

    >>> is_postgres_url("postgresql://analyst@db.example.org/news"), is_postgres_url("news.db")
    (True, False)
    """
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def locked_message(target: str, seconds: float) -> str:
    """What a write says when another process held the database longer than the lock timeout
    (the same words on both engines)."""
    return (
        f"the database {target} is still locked by another process after {seconds:g} s; try "
        "again when it has finished (the wait is set by GRAPHNEWS_LOCK_TIMEOUT, in seconds)"
    )


def waiting_message(target: str, seconds: float) -> str:
    """What a write says (through ``on_wait``) when it starts waiting for another process."""
    return f"waiting for another process writing to {target} (up to {seconds:g} s)..."


def version_message(target: str, version: int | None) -> str:
    """What opening a database of another schema version says (both engines)."""
    from graphnews.schema import SCHEMA_VERSION

    by = (
        "a newer graphnews: upgrade graphnews"
        if (version or 0) > SCHEMA_VERSION
        else ("no version of graphnews this one can update")
    )
    return (
        f"{target} is not a graphnews database of this version (schema {version}, expected "
        f"{SCHEMA_VERSION}; written by {by})"
    )


def refusal(what: str) -> ReadOnlyError:
    """The error of ``graphnews sql`` for a statement that would write (both engines)."""
    return ReadOnlyError(
        f"{what} is refused: 'graphnews sql' only reads the database (SELECT, WITH, VALUES, "
        "EXPLAIN or a PRAGMA that reads the schema)"
    )


def timeout_error(seconds: float) -> QueryTimeoutError:
    """The error of ``graphnews sql`` for a statement stopped by its time limit."""
    return QueryTimeoutError(
        f"the statement ran longer than {seconds:g} s and was stopped (give more time with "
        "--timeout SECONDS, or --timeout 0 for no limit)"
    )
