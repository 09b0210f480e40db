"""Copy a graphnews database to another place or engine: SQLite -> PostgreSQL and back.

Every table of the schema is copied row for row (ids kept), in batches, parents before children.
The copy is resumable: each batch is its own transaction, so after an interruption the same
command carries on where it stopped (tables already complete are skipped, a table copied in part
continues after the highest key copied). At the end the row count of every table is compared,
and a difference is an error. The destination must be empty, or a copy of the same source that
was interrupted.

>>> import graphnews, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> src = graphnews.open(folder / "a.db")
>>> _ = src.ingest(["seeds"])
>>> report = copy_database(folder / "a.db", folder / "b.db")
>>> report.rows["articles"] == src.stats()["articles"], report.resumed
(True, False)
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from graphnews.errors import BadInputError, DatabaseError
from graphnews.progress import Progress
from graphnews.schema import SCHEMA
from graphnews.store import Database, open_db

__all__ = ["BATCH_ROWS", "CopyReport", "copy_database", "tables"]

#: Rows read and written per transaction.
BATCH_ROWS = 5000
#: The meta key that marks a destination as a copy in progress (removed when it is complete).
_MARK = "copy_in_progress"


@dataclass
class CopyReport:
    """What `copy_database` did: rows per table (all equal in source and destination)."""

    source: str
    destination: str
    rows: dict[str, int] = field(default_factory=dict)
    copied: int = 0  # rows written by this run (less than the total when it resumed)
    resumed: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "destination": self.destination,
            "rows": self.rows,
            "copied": self.copied,
            "resumed": self.resumed,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Table:
    """A table of the schema: its columns and primary key."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    integer_key: bool  # one INTEGER key column: a copy resumes after its highest value


def tables() -> list[Table]:
    """Every table of the schema, each after the tables its foreign keys point to."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%' "
            "ORDER BY rowid"
        )
    ]
    info = {}
    parents: dict[str, set[str]] = {}
    for name in names:
        cols = list(conn.execute(f"PRAGMA table_info({name})"))
        key = tuple(r[1] for r in sorted((r for r in cols if r[5]), key=lambda r: r[5]))
        integer = len(key) == 1 and any(r[1] == key[0] and r[2] == "INTEGER" for r in cols)
        info[name] = Table(name, tuple(r[1] for r in cols), key, integer)
        parents[name] = {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({name})")} - {name}
    conn.close()
    ordered: list[Table] = []
    while parents:
        ready = [n for n in names if n in parents and not parents[n] - {t.name for t in ordered}]
        for name in ready:
            ordered.append(info[name])
            del parents[name]
    return ordered


def copy_database(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    batch: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy the graphnews database ``source`` into ``destination`` (a path or a URL each).

    Parameters
    ----------
    source, destination : path or ``postgresql://`` URL
    batch : int
        Rows per transaction.
    progress : Progress, optional
        ``progress(table, rows_done, rows_total)`` after each batch (`graphnews.progress`).

    Raises
    ------
    BadInputError
        When the destination already holds another database, or is the source.
    DatabaseError
        When the counts of a table differ after the copy.
    """
    started = time.perf_counter()
    if _same(source, destination):
        raise BadInputError("the source and the destination are the same database")
    src = open_db(source, readonly=True)
    dst = open_db(destination)
    report = CopyReport(source=_shown(src), destination=_shown(dst))
    try:
        report.resumed = _claim(dst, report.source)
        for table in tables():
            total = _count(src, table.name)
            report.copied += _copy_table(src, dst, table, total, batch, progress)
            report.rows[table.name] = total
        dst.sync_ids()
        found = {t: _count(dst, t) - (t == "meta") for t in report.rows}  # less the mark
        wrong = {t: (n, found[t]) for t, n in report.rows.items() if found[t] != n}
        if wrong:
            raise DatabaseError(
                "the copy is incomplete: rows (source, destination) "
                + ", ".join(f"{t} {a} != {b}" for t, (a, b) in wrong.items())
            )
        with dst.transaction():
            dst.conn.execute("DELETE FROM meta WHERE key = ?", (_MARK,))
    finally:
        src.close()
        dst.close()
    report.seconds = time.perf_counter() - started
    return report


def _claim(dst: Database, source: str) -> bool:
    """Mark ``dst`` as a copy of ``source``; True when it is one already (resuming)."""
    with dst.transaction():
        mark = dst.conn.execute("SELECT value FROM meta WHERE key = ?", (_MARK,)).fetchone()
        if mark is not None:
            if mark[0] != source:
                raise BadInputError(
                    f"{_shown(dst)} holds an unfinished copy of {mark[0]}, not of {source}"
                )
            return True
        if any(_count(dst, t.name) for t in tables()):
            raise BadInputError(f"{_shown(dst)} is not empty: copy into a new database")
        dst.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (_MARK, source))
    return False


def _copy_table(
    src: Database,
    dst: Database,
    table: Table,
    total: int,
    batch: int,
    progress: Progress | None,
) -> int:
    """Copy the rows of ``table`` missing from ``dst``; return how many were written."""
    done = _count(dst, table.name) - (table.name == "meta")  # the mark is not a source row
    if done >= total:
        return 0
    key = ", ".join(table.key)
    columns = ", ".join(table.columns)
    marks = ", ".join("?" * len(table.columns))
    after: tuple[Any, ...] | None = None
    if table.integer_key and done:  # resume after the highest key copied
        after = tuple(dst.conn.execute(f"SELECT max({key}) FROM {table.name}").fetchone())
    # other tables are copied again from the start; rows already there are skipped
    insert = f"INSERT OR IGNORE INTO {table.name} ({columns}) VALUES ({marks})"
    positions = [table.columns.index(k) for k in table.key]
    written = 0
    while True:
        where = "" if after is None else (f"WHERE ({key}) > ({', '.join('?' * len(table.key))}) ")
        rows = src.conn.execute(
            f"SELECT {columns} FROM {table.name} {where}ORDER BY {key} LIMIT ?",
            (*(after or ()), batch),
        ).fetchall()
        if not rows:
            return written
        with dst.transaction():
            dst.conn.executemany(insert, [tuple(_plain(v) for v in r) for r in rows])
            if table.name == "articles":
                dst.index_text(rows[0][0], rows[-1][0])
        written += len(rows)
        after = tuple(rows[-1][i] for i in positions)
        if progress is not None:
            progress(table.name, min(total, done + written), total)


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def _count(db: Database, table: str) -> int:
    return int(db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _shown(db: Database) -> str:
    """The database's path, or its URL without a password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", db.path)


def _same(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    a, b = str(a), str(b)
    if "://" in a or "://" in b:
        return a == b
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
