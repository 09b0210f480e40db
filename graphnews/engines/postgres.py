"""The PostgreSQL engine: a graphnews database on a PostgreSQL server, through psycopg 3.

psycopg is an optional dependency (``pip install 'graphnews[postgres]'``), imported only when a
``postgresql://`` URL is opened.

What this module owns (docs/postgres.md explains the design):

- `schema_statements`: the PostgreSQL DDL, derived from the one SQLite schema
  (`graphnews.schema.SCHEMA`) so the two cannot drift apart: ``BIGINT`` ids (identity columns
  where SQLite hands out rowids), ``BYTEA`` for blobs, foreign keys added after every table
  exists, and a ``tsvector`` column with a GIN index in place of the FTS5 table.
- `translate`: the few rewrites that make the SQL of the layers above (SQLite's syntax, kept to a
  portable subset) run on PostgreSQL: ``?``/``?NNN`` placeholders, ``IN (SELECT value FROM
  json_each(?))`` (a JSON array parameter) as ``= ANY(%s)``, ``INSERT OR IGNORE`` and ``INSERT
  OR REPLACE`` as ``ON CONFLICT`` upserts, ``BEGIN IMMEDIATE`` as a transaction holding the
  database's write lock (an advisory lock: one writer at a time, readers never wait), and
  ``PRAGMA data_version`` (which changes when another connection wrote) from a sequence every
  write transaction bumps.
  Two-argument ``min``/``max`` and the ``total`` aggregate exist as SQL functions in the schema.
- `PostgresConnection`: the sqlite3 connection interface over a psycopg connection.
- `search` (ranked ``websearch_to_tsquery`` over the tsvector) and `read_only` (one statement in
  a ``READ ONLY`` transaction with a ``statement_timeout``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from graphnews.engines import (
    locked_message,
    refusal,
    timeout_error,
    version_message,
    waiting_message,
)
from graphnews.errors import BadInputError, DatabaseError, RefusedValueError

__all__ = [
    "PostgresConnection",
    "connect",
    "psycopg",
    "read_only",
    "schema_statements",
    "search",
    "translate",
]

#: The advisory lock every write transaction takes (``BEGIN IMMEDIATE``): graphnews's writer
#: lock, the counterpart of SQLite's single writer. An arbitrary constant ("gnws").
WRITE_LOCK = 0x676E7773
#: The text search configuration: no stemming and no stop words, like SQLite's unicode61.
TEXT_SEARCH_CONFIG = "simple"
#: Statements of `read_only` are cancelled after this many seconds.
DEFAULT_TIMEOUT = 30.0


def psycopg() -> ModuleType:
    """The psycopg module, or a `DatabaseError` saying how to install it."""
    try:
        import psycopg as module
    except ImportError:
        raise DatabaseError(
            "PostgreSQL databases need psycopg 3: pip install 'graphnews[postgres]'"
        ) from None
    return module


# -- schema ------------------------------------------------------------------------------------
_DROPPED = re.compile(r"CREATE VIRTUAL TABLE .*?\);|CREATE TRIGGER .*?\bEND;", re.S)
_REFERENCE = re.compile(r"\s+REFERENCES\s+(\w+\(\w+\))((?:\s+ON DELETE (?:CASCADE|SET NULL))?)")
_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA"}
_EXTRA = [
    # SQLite's scalar min/max of two values and its total() aggregate, used by the SQL above
    *(
        f"CREATE FUNCTION {name}(a {kind}, b {kind}) RETURNS {kind} LANGUAGE sql IMMUTABLE "
        f"PARALLEL SAFE AS 'SELECT {pg}(a, b)'"
        for name, pg in (("min", "LEAST"), ("max", "GREATEST"))
        for kind in ("bigint", "double precision", "text")
    ),
    "CREATE AGGREGATE total(double precision) (sfunc = float8pl, stype = double precision, "
    "initcond = '0')",
    # full-text search: the counterpart of articles_fts; the title weighs A, the excerpt B
    f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', coalesce(excerpt, '')), 'B')) STORED",
    "CREATE INDEX articles_search ON articles USING gin (search_vector)",
    # the counterpart of PRAGMA user_version
    "CREATE TABLE graphnews_schema (version INTEGER NOT NULL)",
    # bumped by every write transaction: the counterpart of PRAGMA data_version
    "CREATE SEQUENCE graphnews_writes",
]


@dataclass(frozen=True)
class Schema:
    """The PostgreSQL DDL and the primary key of each table (for ``INSERT OR REPLACE``)."""

    statements: list[str]
    primary_keys: dict[str, tuple[str, ...]]


@functools.cache
def schema_statements() -> Schema:
    """The PostgreSQL schema, derived from `graphnews.schema.SCHEMA`."""
    from graphnews.schema import SCHEMA

    ddl = derive(SCHEMA)
    return Schema(statements=[*ddl.statements, *_EXTRA], primary_keys=ddl.primary_keys)


@functools.cache
def derive(script: str) -> Schema:
    """The PostgreSQL statements of an SQLite script of the schema (or of a migration):
    its tables, then their foreign keys, then the rest (indexes, ``ALTER TABLE``, ``UPDATE``)."""
    text = re.sub(r"--[^\n]*", "", _DROPPED.sub("", script))
    tables: list[str] = []
    rest: list[str] = []
    foreign: list[str] = []
    keys: dict[str, tuple[str, ...]] = {}
    for statement in filter(None, (s.strip() for s in text.split(";"))):
        found = re.match(r"CREATE TABLE (\w+) \((.*)\)(?:\s*WITHOUT ROWID)?$", statement, re.S)
        if not found:
            rest.append(statement)
            continue
        name, body = found.groups()
        columns = []
        for part in _top_level(body):
            column = part.split()[0]
            ref = _REFERENCE.search(part)
            if ref:
                part = _REFERENCE.sub("", part)
                foreign.append(
                    f"ALTER TABLE {name} ADD FOREIGN KEY ({column}) REFERENCES "
                    f"{ref.group(1)}{ref.group(2)}"
                )
            if "PRIMARY KEY" in part:
                inner = re.search(r"PRIMARY KEY\s*\(([^)]*)\)", part)
                keys[name] = (
                    tuple(c.strip() for c in inner.group(1).split(",")) if inner else (column,)
                )
            if re.match(r"\w+\s+INTEGER PRIMARY KEY", part):
                part = part.replace(
                    "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                )
            columns.append(re.sub(r"\b(INTEGER|REAL|BLOB)\b", lambda m: _TYPES[m[1]], part))
        tables.append(f"CREATE TABLE {name} (\n    " + ",\n    ".join(columns) + "\n)")
    rest = [
        re.sub(r"\b(INTEGER|REAL|BLOB)\b", lambda m: _TYPES[m[1]], r)
        if re.match(r"ALTER\s+TABLE\s+\w+\s+ADD\s+COLUMN", r, re.I)
        else r
        for r in rest
    ]
    return Schema(statements=[*tables, *foreign, *rest], primary_keys=keys)


def _top_level(body: str) -> list[str]:
    """The comma-separated parts of a CREATE TABLE body (commas inside parentheses kept)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(body[start:i].strip())
            start = i + 1
    parts.append(body[start:].strip())
    return [p for p in parts if p]


# -- SQL translation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Translated:
    """A statement in PostgreSQL's syntax and, per ``%s``, the parameter it takes."""

    sql: str
    params: tuple[tuple[int, bool], ...]  # (index into the sqlite parameters, JSON array?)
    write_lock: bool = False
    data_version: bool = False

    def bind(self, params: Sequence[Any]) -> list[Any]:
        """The psycopg parameters for the sqlite parameters ``params``."""
        return [json.loads(params[i]) if as_list else params[i] for i, as_list in self.params]


_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\""
    r"|(?P<each>\bIN\s*\(\s*SELECT\s+value\s+FROM\s+json_each\(\s*\?(?P<each_n>\d*)\s*\)\s*\))"
    r"|\?(?P<n>\d*)|%",
    re.I,
)
_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.I)


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> Translated:
    """``sql`` (the SQLite-syntax subset the layers above write) in PostgreSQL's syntax.

    >>> t = translate("SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?)) "
    ...               "AND title LIKE '%?%' AND outlet_id = ?")
    >>> t.sql
    "SELECT * FROM articles WHERE id = ANY(%s) AND title LIKE '%%?%%' AND outlet_id = %s"
    >>> t.bind(["[3, 4]", 7])
    [[3, 4], 7]
    >>> translate("INSERT OR IGNORE INTO topics (name) VALUES (?)").sql
    'INSERT INTO topics (name) VALUES (%s) ON CONFLICT DO NOTHING'
    """
    if re.fullmatch(r"\s*BEGIN\s+IMMEDIATE\s*", sql, re.I):
        return Translated(sql="BEGIN", params=(), write_lock=True)
    if re.fullmatch(r"\s*PRAGMA\s+data_version\s*", sql, re.I):
        return Translated(
            sql="SELECT CASE WHEN is_called THEN last_value ELSE 0 END - %s FROM graphnews_writes",
            params=(),
            data_version=True,
        )
    suffix = ""
    insert = _INSERT_OR.match(sql)
    if insert:
        how, table, columns = insert.groups()
        sql = f"INSERT INTO {table} ({columns})" + sql[insert.end() :]
        if how.upper() == "IGNORE":
            suffix = " ON CONFLICT DO NOTHING"
        else:
            key = schema_statements().primary_keys[table]
            names = [c.strip() for c in columns.split(",")]
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in key)
            suffix = f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    out: list[str] = []
    params: list[tuple[int, bool]] = []
    position = 0
    largest = -1

    def index(number: str) -> int:  # SQLite: a bare ? is one more than the largest so far
        nonlocal largest
        found = int(number) - 1 if number else largest + 1
        largest = max(largest, found)
        return found

    for match in _TOKEN.finditer(sql):
        out.append(sql[position : match.start()])
        position = match.end()
        token = match.group(0)
        if match.group("each"):
            out.append("= ANY(%s)")
            params.append((index(match.group("each_n")), True))
        elif token.startswith("?"):
            out.append("%s")
            params.append((index(match.group("n")), False))
        else:  # a literal, a quoted name or a bare %: psycopg reads % as its own mark
            out.append(token.replace("%", "%%"))
    out.append(sql[position:])
    text = "".join(out).rstrip().rstrip(";")
    return Translated(sql=text + suffix, params=tuple(params))


# -- the connection --------------------------------------------------------------------------
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# The statements on temporary tables the layers above run (graph and export keep their article
# ids in one): on a read-only connection they run in a READ WRITE transaction of their own, with
# the table named in pg_temp, so nothing outside the session's temporary schema can change.
_TEMP_DDL = re.compile(
    r"^\s*(?:CREATE\s+TEMP(?:ORARY)?\s+TABLE\b|"
    r"(?P<verb>DROP\s+TABLE(?:\s+IF\s+EXISTS)?\s+|CREATE\s+(?:UNIQUE\s+)?INDEX\s+\w+\s+ON\s+"
    r"|ANALYZE\s+)(?P<table>\w+))",
    re.I,
)


def _temporary(sql: str) -> str | None:
    """``sql`` with its table in pg_temp when it is DDL of a temporary table, else None.

    >>> _temporary("DROP TABLE IF EXISTS kept"), _temporary("SELECT 1")
    ('DROP TABLE IF EXISTS pg_temp.kept', None)
    """
    found = _TEMP_DDL.match(sql)
    if not found:
        return None
    if not found.group("table"):
        return sql
    return sql[: found.start("table")] + "pg_temp." + sql[found.start("table") :]


class PostgresConnection:
    """A psycopg connection behind the interface of `sqlite3.Connection` that graphnews uses.

    Statements are translated (`translate`); as with sqlite3, a transaction begins implicitly
    before a write statement and lasts until `commit` (or the ``with`` block) ends it.
    """

    def __init__(
        self, raw: Any, *, name: str, readonly: bool = False, lock_timeout: float = 60.0
    ) -> None:
        self.raw = raw
        self.name = name  # the URL without its password, for messages
        self.readonly = readonly
        self.lock_timeout = lock_timeout
        self._own_writes = 0  # write transactions of this connection (see data_version)

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction (as `sqlite3.Connection.in_transaction`)."""
        return bool(self.raw.info.transaction_status != psycopg().pq.TransactionStatus.IDLE)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; return the psycopg cursor (iterable, ``fetchone``, ...).

        Raises
        ------
        DatabaseError
            When the statement waited for a lock longer than the lock timeout.
        RefusedValueError
            When the server refuses the values (a NUL character in text, a broken constraint).
        """
        with self._errors():
            t = self._prepare(sql)
            if t.data_version:  # changes when another connection wrote, as in SQLite
                return self._data_version(t.sql)
            if t.write_lock:
                self.begin_write(quiet=self.lock_timeout)
                return self.raw.cursor()
            temporary = _temporary(t.sql) if self.readonly and not self.in_transaction else None
            if temporary is not None:
                with self.raw.transaction():
                    self.raw.execute("SET TRANSACTION READ WRITE")
                    return self.raw.execute(temporary, t.bind(params))
            return self.raw.execute(t.sql, t.bind(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement for each parameter row."""
        with self._errors():
            t = self._prepare(sql)
            cursor = self.raw.cursor()
            cursor.executemany(t.sql, [t.bind(row) for row in rows])
            return cursor

    def fetch_all(
        self, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """The rows of several reading statements, sent together (a pipeline: one round trip)."""
        with self._errors():
            cursors = []
            with self.raw.pipeline():
                for sql, params in statements:
                    t = self._prepare(sql)
                    cursor = self.raw.cursor()
                    cursor.execute(t.sql, t.bind(params))
                    cursors.append(cursor)
            return [[tuple(r) for r in cursor.fetchall()] for cursor in cursors]

    def begin_write(
        self, *, quiet: float, on_wait: Callable[[str], None] | None = None, count: bool = True
    ) -> None:
        """Begin a write transaction holding graphnews's write lock (``BEGIN IMMEDIATE``).

        Another process's write is waited for quietly for ``quiet`` seconds, then, after
        ``on_wait(message)``, up to the lock timeout in all, as on SQLite. ``count`` bumps the
        count of write transactions (`PRAGMA data_version`; not while the schema is created).

        Raises
        ------
        DatabaseError
            When the lock timeout ran out (nothing is begun).
        """
        locked = self._lock(quiet)
        left = self.lock_timeout - quiet
        if not locked and left > 0:
            if on_wait is not None:
                on_wait(waiting_message(self.name, self.lock_timeout))
            locked = self._lock(left)
        if not locked:
            raise DatabaseError(locked_message(self.name, self.lock_timeout))
        if count:
            self.raw.execute("SELECT nextval('graphnews_writes')")
            self._own_writes += 1

    def _data_version(self, sql: str) -> Any:
        """The count of other connections' write transactions (``sql``: `translate`'s).

        The count is a sequence, and a sequence is not transactional: another writer's increment
        shows as soon as its transaction begins, its rows only once it commits. Read in between,
        the count would already include a write whose rows this connection cannot see yet, and
        a later read would find nothing changed (two concurrent ingests then both wrote the same
        files as new). So outside a transaction, while another write is in flight (the write
        lock is taken), the count is -1, which no later read gives: the next read says that
        another connection wrote. Nothing waits for the lock here. Inside this connection's own
        write transaction no other write can be in flight.
        """
        if self.in_transaction:
            return self.raw.execute(sql, (self._own_writes,))
        with self.raw.transaction():
            free = self.raw.execute("SELECT pg_try_advisory_xact_lock_shared(%s)",
                                    (WRITE_LOCK,)).fetchone()[0]
            return self.raw.execute(sql if free else "SELECT -1 + 0 * %s", (self._own_writes,))

    def _lock(self, seconds: float) -> bool:
        """BEGIN and take the write lock within ``seconds``; False (rolled back) when not."""
        pg = psycopg()
        self.raw.execute("BEGIN")
        try:
            self.raw.execute(
                "SELECT set_config('lock_timeout', %s, true)", (f"{max(1, int(seconds * 1000))}ms",)
            )
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        except pg.errors.LockNotAvailable:
            self.raw.execute("ROLLBACK")
            return False
        self.raw.execute(
            "SELECT set_config('lock_timeout', %s, true)", (f"{_milliseconds(self.lock_timeout)}",)
        )
        return True

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """The server's refusals as graphnews's errors (a lock wait; a value it cannot store)."""
        pg = psycopg()
        try:
            yield
        except pg.errors.LockNotAvailable:
            raise DatabaseError(locked_message(self.name, self.lock_timeout)) from None
        except (pg.DataError, pg.IntegrityError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RefusedValueError(f"holds a value the database refuses ({first})") from None

    def cursor(self) -> _Cursor:
        """A cursor whose ``execute`` translates as `execute` does."""
        return _Cursor(self)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> PostgresConnection:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    def _prepare(self, sql: str) -> Translated:
        t = translate(sql)
        if not self.in_transaction and t.sql.lstrip()[:7].upper().startswith(_WRITES):
            self.raw.execute("BEGIN")
        return t


class _Cursor:
    """What `sqlite3.Connection.cursor` gives, as far as graphnews uses it."""

    row_factory: Any = None  # rows are tuples already

    def __init__(self, conn: PostgresConnection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql, params)


def connect(
    url: str,
    *,
    readonly: bool = False,
    lock_timeout: float = 60.0,
    functions: dict[str, Callable[[Any], Any]] | None = None,
) -> PostgresConnection:
    """Connect to the database at ``url``, creating the graphnews schema in an empty one and
    bringing an older one up to date (`migrate`).

    Every wait for a lock (another process's write, a migration) ends after ``lock_timeout``
    seconds with the same `DatabaseError` as on SQLite. ``functions`` are the Python functions
    the migrations call (`graphnews.store`'s ``zlib_compress``).

    Raises
    ------
    DatabaseError
        When the server cannot be reached, the lock timeout ran out, or the database holds
        another schema version (a newer one, or one no migration leads from).
    """
    from graphnews.schema import SCHEMA_VERSION

    pg = psycopg()
    name = _safe(url)
    try:
        raw = pg.connect(url, autocommit=True)
    except pg.Error as exc:
        raise DatabaseError(f"cannot connect to {name}: {str(exc).strip()}") from None
    # Python ints as bigint, as SQLite's integers (psycopg would pick int2/int4 by value, and
    # min(bigint, smallint) would find no function)
    raw.adapters.register_dumper(int, pg.types.numeric.Int8Dumper)
    raw.adapters.register_dumper(int, pg.types.numeric.Int8BinaryDumper)
    raw.execute(f"SET lock_timeout = {_milliseconds(lock_timeout)}")
    conn = PostgresConnection(raw, name=name, readonly=readonly, lock_timeout=lock_timeout)
    try:
        version = _version(raw)
        if version != SCHEMA_VERSION:  # new, older or newer: look again under the write lock
            conn.begin_write(quiet=lock_timeout, count=False)
            try:
                version = _create_or_migrate(conn, readonly=readonly, functions=functions or {})
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
    except BaseException:
        raw.close()
        raise
    if version != SCHEMA_VERSION:
        raw.close()
        raise DatabaseError(version_message(name, version))
    if readonly:
        raw.execute("SET default_transaction_read_only = on")
    return conn


def _milliseconds(seconds: float) -> int:
    """A timeout for PostgreSQL's settings (0 would mean none)."""
    return max(1, int(seconds * 1000))


def _version(raw: Any) -> int | None:
    """The schema version of the database, None when it has no graphnews schema."""
    if not raw.execute("SELECT to_regclass('graphnews_schema') IS NOT NULL").fetchone()[0]:
        return None
    return int(raw.execute("SELECT max(version) FROM graphnews_schema").fetchone()[0])


def _create_or_migrate(
    conn: PostgresConnection, *, readonly: bool, functions: dict[str, Callable[[Any], Any]]
) -> int:
    """Inside the write lock: create the schema (an empty database) or run the migrations from
    the stored version; return the version the database now has."""
    from graphnews.schema import MIGRATIONS, SCHEMA_VERSION

    raw = conn.raw
    version = _version(raw)
    if version is None:
        if readonly:
            raise DatabaseError(
                f"no graphnews database at {conn.name}: run 'graphnews ingest' first"
            )
        tables = raw.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone()[0]
        if tables:
            raise DatabaseError(
                f"{conn.name} holds other tables: give graphnews a database (or schema) of its own"
            )
        for statement in schema_statements().statements:
            raw.execute(statement)
        raw.execute("INSERT INTO graphnews_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
        return SCHEMA_VERSION
    start = version
    try:
        while version in MIGRATIONS:  # as on SQLite: every step, one transaction
            migrate(raw, MIGRATIONS[version], functions=functions)
            version += 1
            raw.execute("UPDATE graphnews_schema SET version = %s", (version,))
    except psycopg().Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(
            f"cannot update {conn.name} from schema {start} to {SCHEMA_VERSION}: {first}"
        ) from None
    return version


#: ``UPDATE t SET column = function(other)`` of a migration: run in Python, row by row.
_PYTHON_UPDATE = re.compile(r"UPDATE\s+(\w+)\s+SET\s+(\w+)\s*=\s*(\w+)\((\w+)\)\s*$", re.I)


def migrate(raw: Any, script: str, *, functions: dict[str, Callable[[Any], Any]]) -> None:
    """Run one step of `graphnews.schema.MIGRATIONS` (SQLite's script) on PostgreSQL.

    Tables and columns are derived as the schema is (`derive`); an ``UPDATE`` that sets a
    column to one of ``functions`` of another column runs that function in Python, in batches.
    """
    for statement in derive(script).statements:
        update = _PYTHON_UPDATE.match(statement)
        if update and update.group(3) in functions:
            table, column, function, source = update.groups()
            _update_in_python(raw, table, column, functions[function], source)
        else:
            raw.execute(statement)


def _update_in_python(
    raw: Any, table: str, column: str, function: Callable[[Any], Any], source: str
) -> None:
    last = 0
    while True:
        rows = raw.execute(
            f"SELECT id, {source} FROM {table} WHERE id > %s ORDER BY id LIMIT 1000", (last,)
        ).fetchall()
        if not rows:
            return
        raw.cursor().executemany(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",
            [(None if value is None else function(value), key) for key, value in rows],
        )
        last = rows[-1][0]


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


# -- search and read-only SQL ----------------------------------------------------------------
def search(
    conn: PostgresConnection,
    text: str,
    *,
    where: str,
    params: list[Any],
    weights: tuple[float, float],
    highlight: tuple[str, str],
    limit: int,
) -> list[tuple[Any, ...]]:
    """Ranked full-text search: rows (id, url, title, outlet, published, score, snippet).

    ``text`` is read by ``websearch_to_tsquery``: words (all must occur), ``"a phrase"``,
    ``or``, ``-word``. The score is ``ts_rank`` with the title weighing ``weights[0]`` and the
    excerpt ``weights[1]`` (relative), times 100.
    """
    title, excerpt = weights
    top = max(title, excerpt)
    rank_weights = f"{{0, 0, {excerpt / top}, {title / top}}}"
    start, stop = highlight
    options = f"StartSel={start}, StopSel={stop}, MaxWords=16, MinWords=4, MaxFragments=1"
    statement = f"""
        WITH q AS (SELECT websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', ?) AS query)
        SELECT a.id, a.canonical_url, a.title, o.domain, a.published,
               100 * ts_rank('{rank_weights}', a.search_vector, q.query) AS score,
               ts_headline('{TEXT_SEARCH_CONFIG}', concat_ws(' … ', a.title, a.excerpt),
                           q.query, ?) AS snippet
        FROM q CROSS JOIN articles a LEFT JOIN outlets o ON o.id = a.outlet_id
        WHERE a.search_vector @@ q.query AND {where}
        ORDER BY score DESC, a.published_ts IS NULL, a.published_ts DESC, a.id
        LIMIT ?"""
    return conn.execute(statement, (text, options, *params, limit)).fetchall()


def read_only(
    conn: PostgresConnection,
    statement: str,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    limit: int | None = None,
    max_value: int | None = None,
) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """Run one statement in a ``READ ONLY`` transaction (always rolled back) cancelled after
    ``timeout`` seconds (None or 0: no limit): (columns, at most ``limit`` rows, truncated?).
    ``max_value`` is SQLite's limit on one value; PostgreSQL's own is 1 GB.

    Raises
    ------
    ReadOnlyError
        When the statement would write.
    QueryTimeoutError
        When the statement ran longer than ``timeout`` seconds.
    BadInputError
        For several statements or SQL the server refuses (the message is PostgreSQL's).
    """
    del max_value
    pg = psycopg()
    raw = conn.raw
    try:
        with raw.transaction():
            raw.execute("SET TRANSACTION READ ONLY")
            raw.execute(
                "SELECT set_config('statement_timeout', %s, true)",
                (str(_milliseconds(timeout) if timeout else 0),),
            )
            cursor = raw.cursor()
            cursor.execute(statement, prepare=True)  # a prepared statement holds one command
            rows: list[tuple[Any, ...]] = []
            if cursor.description:
                rows = [tuple(r) for r in (cursor.fetchmany(limit + 1) if limit else cursor)]
            columns = [c.name for c in cursor.description or ()]
            raise _Rollback(columns, rows)
    except _Rollback as done:
        truncated = bool(limit) and len(done.rows) > (limit or 0)
        return done.columns, done.rows[:limit] if limit else done.rows, truncated
    except pg.errors.ReadOnlySqlTransaction:
        raise refusal("this statement") from None
    except pg.errors.QueryCanceled:
        raise timeout_error(timeout or 0) from None
    except pg.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "multiple commands" in message:
            raise BadInputError("give one SQL statement at a time") from None
        raise BadInputError(f"bad SQL: {message}") from None


class _Rollback(Exception):
    """Ends `read_only`'s transaction (rolled back: nothing it did stays) with its result."""

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.columns, self.rows = columns, rows


def sync_identities(conn: PostgresConnection) -> None:
    """Move every identity sequence past the largest id of its table (after a copy)."""
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND is_identity = 'YES'"
    ).fetchall():
        conn.raw.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({column}), 0) + 1, "
            f"false) FROM {table}",
            (table, column),
        )


def table_columns(conn: PostgresConnection, table: str) -> list[str]:
    """The columns of ``table`` in order (the generated search column left out)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position",
            (table,),
        )
    ]
