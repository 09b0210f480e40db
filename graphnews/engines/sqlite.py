"""The SQLite engine's own parts: FTS5 search and the read-only SQL of ``graphnews sql``.

`graphnews.store.Database` opens SQLite files itself (the embedded default); this module holds
what the query layer asks of an engine (`Database.engine_module`), with the same functions and
results as `graphnews.engines.postgres`: `search` and `read_only`.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any

from graphnews._interrupt import requested
from graphnews.engines import refusal, timeout_error
from graphnews.errors import BadInputError

__all__ = ["read_only", "search"]

#: Pragmas `sql` allows (they read the schema or settings); with a value only those that take a
#: table or index name.
_NAMED_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info",
                            "index_xinfo", "foreign_key_list"})
_READ_PRAGMAS = _NAMED_PRAGMAS | frozenset({
    "table_list", "database_list", "collation_list", "function_list", "module_list",
    "pragma_list", "compile_options", "data_version", "user_version", "schema_version",
    "page_count", "page_size", "freelist_count", "encoding", "foreign_keys", "journal_mode"})
_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                           sqlite3.SQLITE_RECURSIVE})
_ACTION_NAMES = {getattr(sqlite3, f"SQLITE_{n}"): n.replace("_", " ") for n in (
    "INSERT", "UPDATE", "DELETE", "ATTACH", "DETACH", "PRAGMA", "TRANSACTION", "SAVEPOINT",
    "ANALYZE", "REINDEX", "ALTER_TABLE", "CREATE_TABLE", "CREATE_INDEX", "CREATE_VIEW",
    "CREATE_TRIGGER", "CREATE_TEMP_TABLE", "CREATE_TEMP_INDEX", "CREATE_TEMP_VIEW",
    "CREATE_TEMP_TRIGGER", "CREATE_VTABLE", "DROP_TABLE", "DROP_INDEX", "DROP_VIEW",
    "DROP_TRIGGER", "DROP_TEMP_TABLE", "DROP_TEMP_INDEX", "DROP_TEMP_VIEW",
    "DROP_TEMP_TRIGGER", "DROP_VTABLE")}


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    where: str,
    params: list[Any],
    weights: tuple[float, float],
    highlight: tuple[str, str],
    limit: int,
) -> list[tuple[Any, ...]]:
    """Ranked full-text search (FTS5, bm25): rows (id, url, title, outlet, published, score,
    snippet). ``text`` is an FTS5 query; text that is not valid FTS5 syntax (an apostrophe, a
    hyphen) is searched as its plain words."""
    title_weight, excerpt_weight = weights
    statement = f"""
        SELECT a.id, a.canonical_url, a.title, o.domain, a.published,
               -bm25(articles_fts, {title_weight}, {excerpt_weight}) AS score,
               snippet(articles_fts, -1, ?, ?, '…', 16) AS snippet
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        LEFT JOIN outlets o ON o.id = a.outlet_id
        WHERE articles_fts MATCH ? AND {where}
        ORDER BY score DESC, a.published_ts DESC, a.id
        LIMIT ?"""
    try:
        return conn.execute(statement, (*highlight, text, *params, limit)).fetchall()
    except sqlite3.OperationalError:  # not valid FTS5 syntax: search its plain words
        words = " ".join(f'"{w}"' for w in re.findall(r"\w+", text))
        return conn.execute(statement, (*highlight, words, *params, limit)).fetchall()


def read_only(
    conn: sqlite3.Connection,
    statement: str,
    *,
    timeout: float | None,
    limit: int | None,
    max_value: int,
) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """Run one statement that may only read: (columns, at most ``limit`` rows, truncated?).

    The connection is read-only (``mode=ro``); ``PRAGMA query_only`` and an authorizer that
    lets through only reads make sure of it, a progress handler stops the statement after
    ``timeout`` seconds and no value may exceed ``max_value`` bytes.

    Raises
    ------
    ReadOnlyError
        For a statement that would write.
    QueryTimeoutError
        When the statement ran longer than ``timeout`` seconds.
    BadInputError
        For several statements or SQL that SQLite cannot run (the message is SQLite's).
    """
    refused: list[str] = []
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(lambda *args: _authorize(refused, *args))
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_value)
    deadline = time.monotonic() + timeout if timeout else None
    if deadline is not None:  # also lets Ctrl-C through, as the store's handler does
        conn.set_progress_handler(
            lambda: int(time.monotonic() > deadline) or requested(), 10_000
        )
    truncated = False
    try:
        cursor = conn.execute(statement)
        rows = [tuple(r) for r in cursor.fetchmany(limit + 1)] if limit else [
            tuple(r) for r in cursor.fetchall()]
        if limit and len(rows) > limit:
            rows, truncated = rows[:limit], True
    except sqlite3.Error as exc:
        if str(exc) == "interrupted":
            if deadline is not None and time.monotonic() > deadline:
                raise timeout_error(timeout or 0) from None
            raise KeyboardInterrupt from None
        if "too big" in str(exc):
            raise BadInputError(f"a value of the result would be larger than "
                                f"{max_value:,} bytes; select a part of it "
                                "(substr, length)") from None
        if refused:
            raise refusal(refused[0]) from None
        if any(m in str(exc) for m in ("readonly", "query_only", "may not be modified")):
            raise refusal("this statement") from None
        if "one statement at a time" in str(exc):
            raise BadInputError("give one SQL statement at a time") from None
        raise BadInputError(f"bad SQL: {exc}") from None
    return [d[0] for d in cursor.description or ()], rows, truncated


def _authorize(refused: list[str], action: int, arg1: str | None, arg2: str | None,
               *_: object) -> int:
    """SQLite authorizer of `sql`: reads pass, anything else is denied and remembered."""
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1 in _READ_PRAGMAS and (
        arg2 is None or arg1 in _NAMED_PRAGMAS
    ):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # SQLite asks this when it first connects a virtual table (json_each, pragma_*, fts5);
        # a real write to the schema table is refused by the read-only connection anyway
        return sqlite3.SQLITE_OK
    name = _ACTION_NAMES.get(action, "this statement")
    refused.append(f"{name} {arg1}" if action == sqlite3.SQLITE_PRAGMA else name)
    return sqlite3.SQLITE_DENY
