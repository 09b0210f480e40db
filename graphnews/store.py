"""The embedded SQLite store: open a database, write articles into it, count what it holds.

`Database` is the handle every other module takes: it opens the file, holds the connection and
runs transactions; it knows nothing of the modules above it. Writing documents goes through
`graphnews.ingest.ingest` (``ingest(db, inputs)``), which writes with the public methods here
inside one transaction per batch. Reading modules use `Database.conn` with the documented schema
(docs/schema.md).

Examples
--------
>>> import graphnews
>>> db = graphnews.open(":memory:")
>>> db.stats()["articles"]
0
"""

from __future__ import annotations

import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from isal import isal_zlib

from graphnews._interrupt import requested
from graphnews.engines import (
    is_postgres_url,
    locked_message,
    version_message,
    waiting_message,
)
from graphnews.errors import DatabaseError
from graphnews.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION

__all__ = ["DEFAULT_DB", "LOCK_TIMEOUT", "SQL_FUNCTIONS", "Database", "default_db_path",
           "document_text", "document_zlib", "open_db"]

#: Seconds a write waits for another process's write to the same database to finish before
#: giving up with a `DatabaseError` (``$GRAPHNEWS_LOCK_TIMEOUT`` changes it).
LOCK_TIMEOUT = 60.0
# A write that cannot start at once waits this long quietly, then says that it is waiting.
_QUIET_WAIT_MS = 1000
# Every this many SQLite VM steps, Python gets a chance to act on Ctrl-C (SIGINT).
_SIGNAL_STEPS = 100_000

#: Where the database lives unless ``--db`` or ``GRAPHNEWS_DB`` says otherwise.
DEFAULT_DB = Path("output") / "graphnews.db"


#: The tables whose rows a writer numbers itself (`Database.max_id`).
_ID_TABLES = frozenset({"articles", "documents", "outlets", "topics", "quarantine"})


def document_text(raw_zlib: bytes | None) -> str | None:
    """A stored document's exact text from its ``documents.raw_zlib`` (also a SQL function).

    >>> import zlib
    >>> document_text(zlib.compress("---\\ntitle: Hi\\n---\\n".encode()))
    '---\\ntitle: Hi\\n---\\n'
    """
    return None if raw_zlib is None else zlib.decompress(raw_zlib).decode("utf-8")


def document_zlib(text: str | bytes) -> bytes:
    """A document's text (UTF-8) as ``documents.raw_zlib`` stores it: a zlib stream.

    Compressed by ISA-L (``isal``) at its level 1: a standard zlib stream that `zlib.decompress`
    reads, as small as zlib's level 1 on generated documents (59% of the text) at a sixth of its
    CPU time (ingest compresses in its parse workers, whose time is what it waits for).
    """
    return isal_zlib.compress(text.encode("utf-8") if isinstance(text, str) else text, 1)


#: SQL functions every connection gets: name -> (number of arguments, function). Layers above
#: the store add theirs (`graphnews.ingest.records` adds ``document_fields(raw_zlib, format)``).
SQL_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {"document_text": (1, document_text)}


#: Functions of one argument the schema migrations call (graphnews.schema.MIGRATIONS).
_MIGRATION_FUNCTIONS: dict[str, Callable[[Any], Any]] = {"zlib_compress": document_zlib}


def default_db_path() -> Path | str:
    """``$GRAPHNEWS_DB`` (a path or a ``postgresql://`` URL), else ``output/graphnews.db``."""
    env = os.environ.get("GRAPHNEWS_DB")
    if env and is_postgres_url(env):
        return env
    return Path(env) if env else DEFAULT_DB


def open_db(path: str | os.PathLike[str] | None = None, *, readonly: bool = False,
            create: bool = True, on_wait: Callable[[str], None] | None = None) -> Database:
    """Open (creating when needed) the graphnews database at ``path``.

    Parameters
    ----------
    path : path-like or str, optional
        The database file; ``":memory:"`` for a throwaway one; or the URL of a PostgreSQL
        database, ``postgresql://user@host:port/dbname`` (docs/postgres.md). Default:
        `default_db_path`.
    readonly : bool
        Open the file read-only (SQLite refuses every write); it must exist.
    create : bool
        Create the file when it does not exist (default); without, a missing file is an error,
        as for ``readonly`` (a mistyped path must not become an empty database that answers
        every question with nothing).
    on_wait : callable, optional
        Called with a message when a write has to wait for another process's write.

    Raises
    ------
    DatabaseError
        When the file is not a graphnews database, or a read-only database (or one opened
        without ``create``) does not exist.
    """
    return Database(path, readonly=readonly, create=create, on_wait=on_wait)


def _lock_timeout() -> float:
    try:
        return float(os.environ.get("GRAPHNEWS_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


def _locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class Database:
    """A graphnews database with the schema of docs/schema.md: an SQLite file, or a PostgreSQL
    database (``engine == "postgresql"``, see `graphnews.engines`).

    Several processes may use one database at once (SQLite WAL mode): reads never wait, and a
    write that finds another process writing waits up to `LOCK_TIMEOUT` seconds, calling
    ``on_wait(message)`` once when it starts waiting (the CLI prints it).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, readonly: bool = False,
                 create: bool = True, on_wait: Callable[[str], None] | None = None) -> None:
        # The one place the default database applies (the CLI and graphnews.open pass None).
        self.path = str(default_db_path() if path is None else path)
        self.readonly = readonly
        self.create = create and not readonly
        #: ``"sqlite"`` or ``"postgresql"``.
        self.engine = "postgresql" if is_postgres_url(self.path) else "sqlite"
        self.on_wait = on_wait
        self.lock_timeout = _lock_timeout()
        try:
            self.conn = self._connect()
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open the database {self.path}: {exc}") from None

    # -- opening ----------------------------------------------------------------------------
    def _connect(self) -> Any:
        if self.engine == "postgresql":
            from graphnews.engines import postgres

            return postgres.connect(self.path, readonly=self.readonly,
                                    lock_timeout=self.lock_timeout,
                                    functions=_MIGRATION_FUNCTIONS)
        memory = self.path == ":memory:"
        if (memory and self.readonly) or (
                not memory and not self.create and not Path(self.path).exists()):
            raise DatabaseError(f"no database at {self.path}: run 'graphnews ingest' first")
        if self.readonly:
            conn = sqlite3.connect(_readonly_uri(Path(self.path)), uri=True,
                                   check_same_thread=False)
        else:
            if not memory:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        # Python code every so many steps: a pending Ctrl-C raises in it, and a Ctrl-C whose
        # KeyboardInterrupt was lost elsewhere still stops the statement (graphnews._interrupt).
        conn.set_progress_handler(requested, _SIGNAL_STEPS)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # is it a database?
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(f"{self.path} is not a graphnews database ({exc})") from None
        for name, (arguments, function) in SQL_FUNCTIONS.items():
            conn.create_function(name, arguments, function, deterministic=True)
        if not self.readonly:
            if not memory:
                self._use_wal(conn)
            # WAL with synchronous = FULL: each commit (one ingest batch) appends its pages to the
            # write-ahead log and fsyncs the log before it returns; the database file itself is
            # only written by checkpoints, from pages already safe in the log. A killed process
            # (even SIGKILL) or a power cut therefore never corrupts the file and loses at most
            # the transaction in flight. NORMAL would skip that fsync and could lose several
            # committed batches on a power cut; FULL costs one fsync per batch of 2,000 files.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA cache_size = -100000")
            conn.execute("PRAGMA temp_store = MEMORY")
            if version == 0:  # new, or being created by another process right now: look
                version = self._create_schema(conn)  # again under the write lock
        if version in MIGRATIONS:
            conn.close()
            self._migrate(version)
            return self._connect()
        if version != SCHEMA_VERSION:
            conn.close()
            raise DatabaseError(version_message(self.path, version))
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch to WAL. While another process creates or converts the same new file, SQLite
        answers "database is locked" at once, without its busy handler: retry up to the lock
        timeout."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _migrate(self, version: int) -> None:
        """Bring a database of an older schema up to date (also when opened read-only: the
        migrations keep everything earlier versions wrote)."""
        conn = sqlite3.connect(self.path)
        for name, function in _MIGRATION_FUNCTIONS.items():
            conn.create_function(name, 1, function, deterministic=True)
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                while current in MIGRATIONS:  # another process may have migrated meanwhile
                    for statement in _statements(MIGRATIONS[current]):
                        conn.execute(statement)
                    current += 1
                    conn.execute(f"PRAGMA user_version = {current}")
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot update {self.path} from schema {version} to "
                                f"{SCHEMA_VERSION}: {exc}") from None
        finally:
            conn.close()

    def _create_schema(self, conn: sqlite3.Connection) -> int:
        """Create the tables, unless another process just did (two may race to create them)."""
        self._begin(conn)
        try:
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                for statement in _statements(SCHEMA):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return version

    def _begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE: wait for another process's write, saying so, up to the lock timeout."""
        if self.engine != "sqlite":
            conn.begin_write(quiet=min(_QUIET_WAIT_MS / 1000, self.lock_timeout),
                             on_wait=self.on_wait)
            return
        started = time.monotonic()
        try:
            # A quiet wait first (most locks are short), then, saying so, the rest of the timeout.
            for attempt in ("quiet", "told"):
                wait = min(_QUIET_WAIT_MS / 1000, self.lock_timeout)
                if attempt == "told":
                    wait = self.lock_timeout - (time.monotonic() - started)
                    if wait <= 0:
                        break
                    if self.on_wait is not None:
                        self.on_wait(waiting_message(self.path, self.lock_timeout))
                conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _locked(exc):
                        raise
            raise DatabaseError(locked_message(self.path, self.lock_timeout))
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<graphnews.Database {self.path}>"

    # -- the engine seam -------------------------------------------------------------------
    @property
    def engine_module(self) -> ModuleType:
        """The module of this database's engine (`graphnews.engines.sqlite` or
        `graphnews.engines.postgres`): ``search`` and ``read_only``, with one signature."""
        if self.engine == "postgresql":
            from graphnews.engines import postgres

            return postgres
        from graphnews.engines import sqlite

        return sqlite

    def fetch_all(self, statements: Sequence[tuple[str, Sequence[Any]]]
                  ) -> list[list[tuple[Any, ...]]]:
        """The rows of several statements that only read, each a list of tuples.

        On PostgreSQL they go to the server together (psycopg's pipeline: one round trip for
        all); on SQLite they run one after the other.
        """
        if self.engine == "postgresql":
            return self.conn.fetch_all(statements)
        return [[tuple(r) for r in self.conn.execute(sql, params)] for sql, params in statements]

    # -- the public API --------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Counts of what the database holds (the ``stats --format json`` contract)."""
        one = self._scalar
        return {
            "documents": one("SELECT count(*) FROM documents WHERE current = 1"),
            "articles": one("SELECT count(*) FROM articles"),
            "articles_with_document": one("SELECT count(*) FROM articles WHERE has_document = 1"),
            "outlets": one("SELECT count(*) FROM outlets"),
            "topics": one("SELECT count(*) FROM topics"),
            "related_links": one("SELECT count(*) FROM related_links"),
            "aliases": one("SELECT count(*) FROM aliases"),
            "rejected": one("SELECT count(*) FROM quarantine"),
            "files": one("SELECT count(*) FROM files"),
            "document_versions": one("SELECT count(*) FROM documents"),
            "stories": one("SELECT count(*) FROM stories"),
        }

    def put_meta(self, key: str, value: str) -> None:
        """Set the ``meta`` table's ``key`` to ``value`` (in the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
            "value = excluded.value", (key, value))

    def resolve_url(self, url: str) -> int | None:
        """The id of the article that ``url`` (any alias, canonical or not) names, or None.

        A stored canonical URL is found as given too: canonical forms are not always fixed
        points (``.../centers\u2028/`` is stored as ``.../centers\u2028``, whose own canonical
        form drops the ``\u2028``), and labels and exports carry stored forms.
        """
        from graphnews.identity import canonical_url

        canonical = canonical_url(url)
        if canonical is None:
            return None
        row = self.conn.execute(
            "SELECT article_id FROM aliases WHERE url = ? OR url = ? ORDER BY url = ? DESC",
            (canonical, url, canonical),
        ).fetchone()
        return None if row is None else int(row[0])

    def max_id(self, table: str) -> int:
        """The largest ``id`` in ``table`` (0 when it is empty): writers hand out ids above it."""
        if table not in _ID_TABLES:
            raise ValueError(f"{table!r} has no integer id column")
        return self._scalar(f"SELECT coalesce(max(id), 0) FROM {table}")

    def index_text(self, first: int, last: int) -> None:
        """Add the articles with ids ``first``..``last`` (new ones) to the full-text index.

        SQLite's FTS5 index is filled in bulk here; PostgreSQL's ``tsvector`` column is
        generated by the server, so there is nothing to do.
        """
        if self.engine == "sqlite":
            self.conn.execute(
                "INSERT INTO articles_fts (rowid, title, excerpt) SELECT id, title, excerpt "
                "FROM articles WHERE id BETWEEN ? AND ?", (first, last))

    def sync_ids(self) -> None:
        """After rows were written with their ids given (a copy), number new rows after them.

        PostgreSQL's identity sequences are moved past the largest id, and its planner's
        statistics are gathered (``ANALYZE``: without them, the first queries after a bulk copy
        may be planned as full scans); SQLite needs nothing.
        """
        if self.engine == "postgresql":
            from graphnews.engines.postgres import sync_identities

            sync_identities(self.conn)
            self.conn.raw.execute("ANALYZE")

    @contextmanager
    def transaction(self) -> Any:
        """One write transaction; rolled back on any error.

        Waits (up to `LOCK_TIMEOUT` seconds) while another process writes; raises
        `DatabaseError` when that wait runs out.
        """
        self._begin(self.conn)
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- private helpers --------------------------------------------------------------------
    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self.conn.execute(sql, params).fetchone()[0])


def _statements(script: str) -> list[str]:
    """The SQL statements of a script, one by one (complete per sqlite3.complete_statement)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


def _readonly_uri(path: Path) -> str:
    """The URI opening ``path`` read-only; ``immutable`` when its folder is read-only.

    In a folder nobody can write, no process can be changing the database (SQLite could not
    even create its journal), and a read-only open in WAL mode would fail for want of the
    ``-shm`` file it cannot create: SQLite is told the file is immutable instead.
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    folder = path.resolve().parent
    wal = Path(f"{path}-wal")
    if not os.access(folder, os.W_OK) and not (wal.exists() and wal.stat().st_size):
        uri += "&immutable=1"
    return uri

