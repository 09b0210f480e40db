"""The embedded SQLite store: open a database, write articles into it, count what it holds.

`Database` is the handle every other module takes. Writing goes through `Database.ingest` (see
`graphnews.ingest`); the lower-level write methods here are used by that module inside one
transaction per batch. Reading modules use `Database.conn` with the documented schema
(docs/schema.md).

Examples
--------
>>> import graphnews
>>> db = graphnews.open(":memory:")
>>> db.stats()["articles"]
0
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphnews.errors import DatabaseError
from graphnews.identity import Overrides, outlet_domain
from graphnews.records import ArticleRecord, to_json
from graphnews.schema import SCHEMA, SCHEMA_VERSION

if TYPE_CHECKING:
    from graphnews.ingest import IngestReport, Progress

__all__ = ["DEFAULT_DB", "Database", "default_db_path", "open_db", "utc_now"]

#: Where the database lives unless ``--db`` or ``GRAPHNEWS_DB`` says otherwise.
DEFAULT_DB = Path("output") / "graphnews.db"


def default_db_path() -> Path:
    """``$GRAPHNEWS_DB`` when set, else ``output/graphnews.db``."""
    env = os.environ.get("GRAPHNEWS_DB")
    return Path(env) if env else DEFAULT_DB


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_db(path: str | os.PathLike[str] | None = None, *, readonly: bool = False) -> Database:
    """Open (creating when needed) the graphnews database at ``path``.

    Parameters
    ----------
    path : path-like, optional
        The database file; ``":memory:"`` for a throwaway one. Default: `default_db_path`.
    readonly : bool
        Open the file read-only (SQLite refuses every write); it must exist.

    Raises
    ------
    DatabaseError
        When the file is not a graphnews database, or a read-only database does not exist.
    """
    return Database(default_db_path() if path is None else path, readonly=readonly)


class Database:
    """A graphnews database: a SQLite file with the schema of docs/schema.md."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly
        try:
            self.conn = self._connect()
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open the database {self.path}: {exc}") from None
        self._alias_cache: dict[str, int] | None = None
        self._outlet_cache: dict[str, int] = {}
        self._topic_cache: dict[str, int] = {}
        self._overrides: Overrides | None = None

    # -- opening ----------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        memory = self.path == ":memory:"
        if self.readonly:
            if memory or not Path(self.path).exists():
                raise DatabaseError(f"no database at {self.path}: run 'graphnews ingest' first")
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            if not memory:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(f"{self.path} is not a graphnews database ({exc})") from None
        if not self.readonly:
            if not memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if version == 0 and tables == 0:
                with conn:
                    conn.executescript(f"BEGIN; {SCHEMA}; PRAGMA user_version = {SCHEMA_VERSION};"
                                       " COMMIT;")
                version = SCHEMA_VERSION
        if version != SCHEMA_VERSION:
            conn.close()
            raise DatabaseError(
                f"{self.path} is not a graphnews database of this version "
                f"(schema {version}, expected {SCHEMA_VERSION})"
            )
        return conn

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<graphnews.Database {self.path}>"

    # -- the public API --------------------------------------------------------------------
    def ingest(
        self,
        inputs: Iterable[str | os.PathLike[str]],
        *,
        max_size: int | None = None,
        overrides: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Read documents from files, folders, globs or ``-`` (stdin) into the database.

        Incremental: unchanged files are skipped, changed files replace their earlier
        contribution (the earlier version stays in ``documents`` with ``current = 0``).
        See `graphnews.ingest.ingest` for the parameters.

        >>> import graphnews, tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.md").write_text('---\\ntitle: Hi\\nwebUrl: https://ex.com/a\\n---\\n')
        >>> report = graphnews.open(":memory:").ingest([d])
        >>> report.documents, report.rejected
        (1, [])
        """
        from graphnews.ingest import ingest

        return ingest(self, inputs, max_size=max_size, overrides=overrides, progress=progress)

    def stats(self) -> dict[str, int]:
        """Counts of what the database holds (the ``stats --format json`` contract)."""
        one = self._scalar
        return {
            "documents": one("SELECT count(*) FROM documents WHERE current = 1"),
            "articles": one("SELECT count(*) FROM articles"),
            "articles_with_document": one("SELECT count(*) FROM articles WHERE has_document"),
            "outlets": one("SELECT count(*) FROM outlets"),
            "topics": one("SELECT count(*) FROM topics"),
            "related_links": one("SELECT count(*) FROM related_links"),
            "aliases": one("SELECT count(*) FROM aliases"),
            "rejected": one("SELECT count(*) FROM quarantine"),
            "files": one("SELECT count(*) FROM files"),
            "document_versions": one("SELECT count(*) FROM documents"),
            "stories": one("SELECT count(*) FROM stories"),
        }

    def resolve_url(self, url: str) -> int | None:
        """The id of the article that ``url`` (any alias, canonical or not) names, or None."""
        from graphnews.identity import canonical_url

        canonical = canonical_url(url)
        if canonical is None:
            return None
        row = self.conn.execute(
            "SELECT article_id FROM aliases WHERE url = ?", (canonical,)
        ).fetchone()
        return None if row is None else int(row[0])

    # -- writing (used by graphnews.ingest inside a transaction) ----------------------------
    @contextmanager
    def transaction(self) -> Any:
        """One write transaction; rolled back on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._forget_caches()
            raise
        else:
            self.conn.execute("COMMIT")

    def known_files(self) -> dict[str, tuple[int, int, str, int]]:
        """path -> (size, mtime_ns, content_hash, version) of every file ingested before."""
        return {
            r[0]: (r[1], r[2], r[3], r[4])
            for r in self.conn.execute(
                "SELECT path, size, mtime_ns, content_hash, version FROM files"
            )
        }

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        """Record a new stat for a file whose content did not change."""
        self.conn.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def begin_file(self, path: str, size: int, mtime_ns: int, content_hash: str) -> int:
        """Start a new version of a file: retire its earlier documents; return the version."""
        row = self.conn.execute("SELECT version FROM files WHERE path = ?", (path,)).fetchone()
        version = 1 if row is None else row[0] + 1
        if row is not None:
            old = [r[0] for r in self.conn.execute(
                "SELECT id FROM documents WHERE path = ? AND current = 1", (path,))]
            self._retire_documents(old)
            self.conn.execute("DELETE FROM quarantine WHERE path = ?", (path,))
        self.conn.execute(
            "INSERT INTO files (path, size, mtime_ns, content_hash, version, ingested_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, "
            "version = excluded.version, ingested_at = excluded.ingested_at",
            (path, size, mtime_ns, content_hash, version, utc_now()),
        )
        return version

    def quarantine(self, path: str, line: int, message: str, raw: bytes) -> None:
        """Keep the raw bytes of a document that could not be read, with where and why."""
        self.conn.execute(
            "INSERT INTO quarantine (path, line, message, raw, ingested_at) VALUES (?, ?, ?, ?, ?)",
            (path, line, message, raw, utc_now()),
        )

    def add_document(
        self,
        *,
        path: str,
        position: int,
        line: int,
        format: str,
        raw: str,
        content_hash: str,
        version: int,
        record: ArticleRecord,
    ) -> int:
        """Store one document and its article, topics and related links; return the document id."""
        article_id = self._upsert_article(record, from_document=True)
        cur = self.conn.execute(
            "INSERT INTO documents (path, position, line, format, content_hash, raw, data, "
            "version, current, ingested_at, article_id, provider_domain, provider_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (path, position, line, format, content_hash, raw, to_json(record.fields), version,
             utc_now(), article_id, record.domain, record.provider_name),
        )
        document_id = int(cur.lastrowid or 0)
        topic_rows = [(article_id, self._topic_id(t), document_id) for t in record.topics]
        links = []
        for position_in_list, item in enumerate(record.related):
            target = self._upsert_article(item, from_document=False)
            topic_rows.extend((target, self._topic_id(t), document_id) for t in item.topics)
            links.append((document_id, position_in_list, article_id, target, to_json(item.fields),
                          item.domain, item.provider_name))
        self.conn.executemany(
            "INSERT OR IGNORE INTO article_topics (article_id, topic_id, document_id) "
            "VALUES (?, ?, ?)", topic_rows)
        self.conn.executemany(
            "INSERT INTO related_links (document_id, position, from_article, to_article, data, "
            "provider_domain, provider_name) VALUES (?, ?, ?, ?, ?, ?, ?)", links)
        return document_id

    def finish_ingest(self, *, replaced: bool) -> None:
        """Rebuild derived state (outlet names) and, after replacements, drop orphan articles."""
        if replaced:
            self.conn.execute(
                "UPDATE articles SET has_document = 0 WHERE has_document = 1 AND NOT EXISTS "
                "(SELECT 1 FROM documents d WHERE d.article_id = articles.id AND d.current = 1)")
            self.conn.execute(
                "DELETE FROM articles WHERE has_document = 0 "
                "AND NOT EXISTS (SELECT 1 FROM related_links WHERE to_article = articles.id) "
                "AND NOT EXISTS (SELECT 1 FROM related_links WHERE from_article = articles.id)")
            self.conn.execute(
                "DELETE FROM topics WHERE NOT EXISTS "
                "(SELECT 1 FROM article_topics t WHERE t.topic_id = topics.id)")
            self._forget_caches()
        self._rebuild_outlet_names()

    def set_overrides(self, overrides: Overrides) -> None:
        """Store the user's outlet overrides and move existing articles to their outlets."""
        self.conn.execute("DELETE FROM outlet_overrides")
        domains = set(overrides.merge) | set(overrides.rename)
        self.conn.executemany(
            "INSERT INTO outlet_overrides (domain, merge_into, name) VALUES (?, ?, ?)",
            [(d, overrides.merge.get(d), overrides.rename.get(d)) for d in sorted(domains)])
        self._overrides = overrides
        rows = self.conn.execute(
            "SELECT DISTINCT provider_domain FROM articles WHERE provider_domain IS NOT NULL"
        ).fetchall()
        for (domain,) in rows:
            self.conn.execute(
                "UPDATE articles SET outlet_id = ? WHERE provider_domain = ?",
                (self._outlet_id(domain), domain))

    # -- private helpers --------------------------------------------------------------------
    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self.conn.execute(sql, params).fetchone()[0])

    def _forget_caches(self) -> None:
        self._alias_cache = None
        self._outlet_cache.clear()
        self._topic_cache.clear()

    def _aliases(self) -> dict[str, int]:
        if self._alias_cache is None:
            self._alias_cache = dict(self.conn.execute("SELECT url, article_id FROM aliases"))
        return self._alias_cache

    def _load_overrides(self) -> Overrides:
        if self._overrides is None:
            rows = self.conn.execute("SELECT domain, merge_into, name FROM outlet_overrides")
            merge: dict[str, str] = {}
            rename: dict[str, str] = {}
            for domain, merge_into, name in rows:
                if merge_into:
                    merge[domain] = merge_into
                if name:
                    rename[domain] = name
            self._overrides = Overrides(merge=merge, rename=rename)
        return self._overrides

    def _outlet_id(self, domain: str) -> int:
        cached = self._outlet_cache.get(domain)
        if cached is not None:
            return cached
        target = self._load_overrides().outlet_for(domain)
        row = self.conn.execute("SELECT id FROM outlets WHERE domain = ?", (target,)).fetchone()
        if row is None:
            cur = self.conn.execute(
                "INSERT INTO outlets (domain, name) VALUES (?, ?)", (target, target))
            outlet_id = int(cur.lastrowid or 0)
        else:
            outlet_id = int(row[0])
        self._outlet_cache[domain] = outlet_id
        return outlet_id

    def _topic_id(self, name: str) -> int:
        cached = self._topic_cache.get(name)
        if cached is not None:
            return cached
        row = self.conn.execute("SELECT id FROM topics WHERE name = ?", (name,)).fetchone()
        if row is None:
            row = self.conn.execute("INSERT INTO topics (name) VALUES (?) RETURNING id",
                                    (name,)).fetchone()
        self._topic_cache[name] = int(row[0])
        return int(row[0])

    def _upsert_article(self, rec: ArticleRecord, *, from_document: bool) -> int:
        aliases = self._aliases()
        found = sorted({aliases[u] for u, _ in rec.aliases if u in aliases})
        outlet_id = self._outlet_id(rec.domain)
        if not found:
            cur = self.conn.execute(
                "INSERT INTO articles (canonical_url, url_rank, title, excerpt, published, "
                "published_ts, type, outlet_id, provider_domain, has_document) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rec.canonical_url, rec.url_rank, rec.title, rec.excerpt, rec.published,
                 rec.published_ts, rec.type, outlet_id, rec.domain, int(from_document)))
            article_id = int(cur.lastrowid or 0)
        else:
            article_id = found[0]
            for other in found[1:]:
                self._merge_articles(article_id, other)
            self._update_article(article_id, rec, outlet_id, from_document=from_document)
        new = [(u, article_id, kind) for u, kind in rec.aliases if u not in aliases]
        if new:
            self.conn.executemany(
                "INSERT INTO aliases (url, article_id, kind) VALUES (?, ?, ?)", new)
            for u, _, _ in new:
                aliases[u] = article_id
        return article_id

    def _update_article(
        self, article_id: int, rec: ArticleRecord, outlet_id: int, *, from_document: bool
    ) -> None:
        values = (rec.title, rec.excerpt, rec.published, rec.published_ts, rec.type, outlet_id,
                  rec.domain)
        if from_document:
            sets = ("title = ?, excerpt = ?, published = ?, published_ts = ?, type = ?, "
                    "outlet_id = ?, provider_domain = ?, has_document = 1")
        else:  # a related item only fills what is still unknown
            sets = ("title = COALESCE(title, ?), excerpt = COALESCE(excerpt, ?), "
                    "published = COALESCE(published, ?), "
                    "published_ts = COALESCE(published_ts, ?), type = COALESCE(type, ?), "
                    "outlet_id = COALESCE(outlet_id, ?), "
                    "provider_domain = COALESCE(provider_domain, ?)")
        self.conn.execute(
            f"UPDATE articles SET {sets}, "
            "canonical_url = CASE WHEN url_rank > ? THEN ? ELSE canonical_url END, "
            "url_rank = min(url_rank, ?) WHERE id = ?",
            (*values, rec.url_rank, rec.canonical_url, rec.url_rank, article_id))

    def _merge_articles(self, keep: int, drop: int) -> None:
        """Two articles turned out to be one (a record listed URLs of both): fold ``drop``."""
        c = self.conn
        c.execute("UPDATE aliases SET article_id = ? WHERE article_id = ?", (keep, drop))
        c.execute("UPDATE documents SET article_id = ? WHERE article_id = ?", (keep, drop))
        c.execute("UPDATE related_links SET from_article = ? WHERE from_article = ?", (keep, drop))
        c.execute("UPDATE related_links SET to_article = ? WHERE to_article = ?", (keep, drop))
        c.execute("UPDATE OR IGNORE article_topics SET article_id = ? WHERE article_id = ?",
                  (keep, drop))
        c.execute("UPDATE OR IGNORE story_articles SET article_id = ? WHERE article_id = ?",
                  (keep, drop))
        c.execute(
            "UPDATE articles AS k SET has_document = max(k.has_document, d.has_document), "
            "title = COALESCE(k.title, d.title), excerpt = COALESCE(k.excerpt, d.excerpt), "
            "published = COALESCE(k.published, d.published), "
            "published_ts = COALESCE(k.published_ts, d.published_ts) "
            "FROM articles AS d WHERE k.id = ? AND d.id = ?", (keep, drop))
        c.execute("DELETE FROM articles WHERE id = ?", (drop,))
        cache = self._aliases()
        for url, article in list(cache.items()):
            if article == drop:
                cache[url] = keep

    def _retire_documents(self, ids: list[int]) -> None:
        if not ids:
            return
        rows = [(i,) for i in ids]
        self.conn.executemany("UPDATE documents SET current = 0 WHERE id = ?", rows)
        self.conn.executemany("DELETE FROM related_links WHERE document_id = ?", rows)
        self.conn.executemany("DELETE FROM article_topics WHERE document_id = ?", rows)

    def _rebuild_outlet_names(self) -> None:
        c = self.conn
        self._outlet_cache.clear()
        domains = {r[0] for r in c.execute(
            "SELECT provider_domain FROM documents WHERE current = 1 UNION "
            "SELECT provider_domain FROM related_links")}
        outlet_of = {d: self._outlet_id(d) for d in domains}
        c.execute("DELETE FROM outlet_names")
        counts: dict[tuple[int, str], int] = {}
        for domain, name, n in c.execute(
            "SELECT provider_domain, provider_name, count(*) FROM ("
            "SELECT provider_domain, provider_name FROM documents WHERE current = 1 UNION ALL "
            "SELECT provider_domain, provider_name FROM related_links) GROUP BY 1, 2"
        ):
            key = (outlet_of[domain], name)
            counts[key] = counts.get(key, 0) + n
        c.executemany("INSERT INTO outlet_names (outlet_id, name, count) VALUES (?, ?, ?)",
                      [(o, name, n) for (o, name), n in counts.items()])
        rename = self._load_overrides().rename
        c.execute(
            "UPDATE outlets SET name = COALESCE((SELECT name FROM outlet_names n "
            "WHERE n.outlet_id = outlets.id ORDER BY count DESC, name LIMIT 1), domain)")
        c.executemany("UPDATE outlets SET name = ? WHERE domain = ?",
                      [(name, outlet_domain(d) or d) for d, name in rename.items()])
        c.execute("DELETE FROM outlets WHERE NOT EXISTS "
                  "(SELECT 1 FROM articles a WHERE a.outlet_id = outlets.id)")
        self._outlet_cache.clear()

