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

__all__ = ["is_postgres_url"]

#: URL schemes that select the PostgreSQL engine.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """True when ``target`` names a PostgreSQL database rather than an SQLite file.

    >>> is_postgres_url("postgresql://analyst@db.example.org/news"), is_postgres_url("news.db")
    (True, False)
    """
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)
