"""Writing ingested documents into the store, in batches.

`Writer` is what `graphnews.ingest` writes through. It keeps the alias -> article map in memory
for the length of an ingest, hands out row ids itself and queues rows, so that a batch of files
becomes a few ``executemany`` calls instead of tens of thousands of single statements.
`Writer.flush` runs the queued statements; `graphnews.ingest` calls it before each commit, so a
transaction always holds whole files.

Merge rules for an article seen several times: fields from the article's own document win over
fields from ``related`` items (a document's missing field does not erase a known one), a related
item only fills fields still unknown, and the canonical URL is the best-ranked alias seen
(webUrl, then originalUrl, ampWebUrl, cdnAmpWebUrl).
"""

from __future__ import annotations

from typing import Any

from graphnews.dates import utc_now
from graphnews.identity import Overrides, outlet_domain
from graphnews.ingest.records import ArticleRecord
from graphnews.store import Database

__all__ = ["Writer"]

_INSERT_ARTICLE = (
    "INSERT INTO articles (id, canonical_url, url_rank, title, excerpt, published, published_ts, "
    "type, outlet_id, provider_domain, has_document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CANONICAL = (
    "canonical_url = CASE WHEN url_rank > ? THEN ? ELSE canonical_url END, "
    "url_rank = min(url_rank, ?)"
)
_UPDATE_FROM_DOCUMENT = (
    "UPDATE articles SET title = COALESCE(?, title), excerpt = COALESCE(?, excerpt), "
    "published = COALESCE(?, published), published_ts = COALESCE(?, published_ts), "
    "type = COALESCE(?, type), outlet_id = ?, provider_domain = ?, has_document = 1, "
    f"{_CANONICAL} WHERE id = ?"
)
_UPDATE_FROM_RELATED = (
    "UPDATE articles SET title = COALESCE(title, ?), excerpt = COALESCE(excerpt, ?), "
    "published = COALESCE(published, ?), published_ts = COALESCE(published_ts, ?), "
    "type = COALESCE(type, ?), outlet_id = COALESCE(outlet_id, ?), "
    f"provider_domain = COALESCE(provider_domain, ?), {_CANONICAL} WHERE id = ?"
)
_INSERT_DOCUMENT = (
    "INSERT INTO documents (id, path, position, line, format, content_hash, raw_zlib, version, "
    "current, ingested_at, article_id, provider_domain, provider_name) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
)
_INSERT_LINK = (
    "INSERT INTO related_links (document_id, position, from_article, to_article, "
    "provider_domain, provider_name) VALUES (?, ?, ?, ?, ?, ?)"
)
_UPSERT_FILE = (
    "INSERT INTO files (path, size, mtime_ns, content_hash, version, ingested_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, "
    "version = excluded.version, ingested_at = excluded.ingested_at"
)
_INSERT_TOPIC_LINK = (
    "INSERT OR IGNORE INTO article_topics (article_id, topic_id, document_id) VALUES (?, ?, ?)"
)


class Writer:
    """Queued, batched writes of one ingest into ``db`` (use inside `Database.transaction`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn
        #: The ``ingested_at`` of everything this ingest writes.
        self.now = utc_now()
        self._aliases: dict[str, int] | None = None
        self._outlets: dict[str, int] = {}  # provider domain -> outlet id
        self._outlet_rows: dict[str, int] | None = None  # outlet domain -> id, as in the table
        self._topics: dict[str, int] = {}
        self._overrides: Overrides | None = None
        # Articles holding every field a related item could fill: their updates are no-ops.
        self._complete: set[int] = set()
        self._next_article = 0
        self._next_document = 0
        self._data_version: int | None = None
        self._queues: dict[str, list[tuple[Any, ...]]] = {
            sql: [] for sql in (_UPSERT_FILE, _INSERT_ARTICLE, "aliases", _UPDATE_FROM_DOCUMENT,
                                _UPDATE_FROM_RELATED, _INSERT_DOCUMENT, _INSERT_LINK,
                                _INSERT_TOPIC_LINK)
        }

    # -- files ---------------------------------------------------------------------------------
    def known_files(self) -> dict[str, tuple[int, int, str, int]]:
        """path -> (size, mtime_ns, content_hash, version) of every file ingested before."""
        self.others_wrote()
        return {
            r[0]: r[1:]
            for r in self.conn.execute(
                "SELECT path, size, mtime_ns, content_hash, version FROM files")
        }

    def others_wrote(self) -> bool:
        """True when another connection committed since the last call (or `known_files`)."""
        version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        changed = version != self._data_version
        self._data_version = version
        return changed

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        """Record a new stat for a file whose content did not change."""
        self.conn.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path))

    def begin_file(self, path: str, size: int, mtime_ns: int, content_hash: str,
                   previous_version: int | None) -> int:
        """Start a new version of a file: retire its earlier documents; return the version."""
        version = 1 if previous_version is None else previous_version + 1
        if previous_version is not None:
            self.flush()
            old = [(r[0],) for r in self.conn.execute(
                "SELECT id FROM documents WHERE path = ? AND current = 1", (path,))]
            self.conn.executemany("UPDATE documents SET current = 0 WHERE id = ?", old)
            self.conn.executemany("DELETE FROM related_links WHERE document_id = ?", old)
            self.conn.executemany("DELETE FROM article_topics WHERE document_id = ?", old)
            self.conn.execute("DELETE FROM quarantine WHERE path = ?", (path,))
        self._queues[_UPSERT_FILE].append(
            (path, size, mtime_ns, content_hash, version, self.now))
        return version

    def quarantine(self, path: str, line: int, message: str, raw: bytes) -> None:
        """Keep the raw bytes of a document that could not be read, with where and why."""
        self.conn.execute(
            "INSERT INTO quarantine (path, line, message, raw, ingested_at) VALUES (?, ?, ?, ?, ?)",
            (path, line, message, raw, self.now))

    def quarantine_unreadable(self, path: str, message: str) -> None:
        """Record a file that could not be read at all (once, however often it is retried)."""
        self.conn.execute("DELETE FROM quarantine WHERE path = ? AND message = ?", (path, message))
        self.quarantine(path, 1, message, b"")

    # -- documents -----------------------------------------------------------------------------
    def add_document(self, *, path: str, position: int, line: int, format: str, raw_zlib: bytes,
                     content_hash: str, version: int, record: ArticleRecord) -> int:
        """Queue one document (its exact text zlib-compressed) with its article, topics and
        related links; return its id."""
        article_id = self._article(record, from_document=True)
        document_id = self._new_document_id()
        self._queues[_INSERT_DOCUMENT].append(
            (document_id, path, position, line, format, content_hash, raw_zlib, version,
             self.now, article_id, record.domain, record.provider_name))
        topics = self._queues[_INSERT_TOPIC_LINK]
        topics.extend((article_id, self._topic_id(t), document_id) for t in record.topics)
        links = self._queues[_INSERT_LINK]
        for item in record.related:
            target = self._article(item, from_document=False)
            topics.extend((target, self._topic_id(t), document_id) for t in item.topics)
            links.append((document_id, item.position, article_id, target, item.domain,
                          item.provider_name))
        return document_id

    def flush(self) -> None:
        """Run every queued statement, in dependency order, and index new articles' text."""
        for sql, rows in self._queues.items():
            if not rows:
                continue
            if sql == _INSERT_ARTICLE:
                self.conn.executemany(sql, rows)
                self.db.index_text(rows[0][0], rows[-1][0])
            elif sql == "aliases":
                self.conn.executemany(
                    "INSERT INTO aliases (url, article_id, kind) VALUES (?, ?, ?)", rows)
            else:
                self.conn.executemany(sql, rows)
            rows.clear()

    def finish(self, *, replaced: bool) -> None:
        """Rebuild derived state (outlet names) and, after replacements, drop orphan articles."""
        self.flush()
        c = self.conn
        if replaced:
            c.execute(
                "UPDATE articles SET has_document = 0 WHERE has_document = 1 AND NOT EXISTS "
                "(SELECT 1 FROM documents d WHERE d.article_id = articles.id AND d.current = 1)")
            c.execute(
                "DELETE FROM articles WHERE has_document = 0 "
                "AND NOT EXISTS (SELECT 1 FROM related_links WHERE to_article = articles.id) "
                "AND NOT EXISTS (SELECT 1 FROM related_links WHERE from_article = articles.id)")
            c.execute("DELETE FROM topics WHERE NOT EXISTS "
                      "(SELECT 1 FROM article_topics t WHERE t.topic_id = topics.id)")
            self.forget()
        self._rebuild_outlet_names()

    def set_overrides(self, overrides: Overrides) -> None:
        """Store the user's outlet overrides and move existing articles to their outlets."""
        self.flush()
        self.conn.execute("DELETE FROM outlet_overrides")
        domains = set(overrides.merge) | set(overrides.rename)
        self.conn.executemany(
            "INSERT INTO outlet_overrides (domain, merge_into, name) VALUES (?, ?, ?)",
            [(d, overrides.merge.get(d), overrides.rename.get(d)) for d in sorted(domains)])
        self._overrides = overrides
        self._forget_outlets()
        rows = self.conn.execute(
            "SELECT DISTINCT provider_domain FROM articles WHERE provider_domain IS NOT NULL"
        ).fetchall()
        self.conn.executemany(
            "UPDATE articles SET outlet_id = ? WHERE provider_domain = ?",
            [(self._outlet_id(domain), domain) for (domain,) in rows])

    def forget(self) -> None:
        """Drop queued rows and caches (after a rollback, or when the tables changed under us)."""
        for rows in self._queues.values():
            rows.clear()
        self._aliases = None
        self._forget_outlets()
        self._topics.clear()
        self._complete.clear()
        self._next_article = self._next_document = 0

    # -- private ---------------------------------------------------------------------------------
    def _alias_map(self) -> dict[str, int]:
        if self._aliases is None:
            self._aliases = dict(self.conn.execute("SELECT url, article_id FROM aliases"))
        return self._aliases

    def _new_article_id(self) -> int:
        if not self._next_article:
            self._next_article = self.db.max_id("articles") + 1
        self._next_article += 1
        return self._next_article - 1

    def _new_document_id(self) -> int:
        if not self._next_document:
            self._next_document = self.db.max_id("documents") + 1
        self._next_document += 1
        return self._next_document - 1

    def _forget_outlets(self) -> None:
        self._outlets.clear()
        self._outlet_rows = None

    def _load_overrides(self) -> Overrides:
        if self._overrides is None:
            merge: dict[str, str] = {}
            rename: dict[str, str] = {}
            for domain, merge_into, name in self.conn.execute(
                "SELECT domain, merge_into, name FROM outlet_overrides"
            ):
                if merge_into:
                    merge[domain] = merge_into
                if name:
                    rename[domain] = name
            self._overrides = Overrides(merge=merge, rename=rename)
        return self._overrides

    def _outlet_id(self, domain: str) -> int:
        cached = self._outlets.get(domain)
        if cached is not None:
            return cached
        target = self._load_overrides().outlet_for(domain)
        if self._outlet_rows is None:
            self._outlet_rows = dict(self.conn.execute("SELECT domain, id FROM outlets"))
        found = self._outlet_rows.get(target)
        if found is None:
            found = int(self.conn.execute("INSERT INTO outlets (domain, name) VALUES (?, ?) "
                                          "RETURNING id", (target, target)).fetchone()[0])
            self._outlet_rows[target] = found
        self._outlets[domain] = found
        return found

    def _topic_id(self, name: str) -> int:
        if not self._topics:
            self._topics.update(self.conn.execute("SELECT name, id FROM topics"))
        cached = self._topics.get(name)
        if cached is not None:
            return cached
        found = int(self.conn.execute("INSERT INTO topics (name) VALUES (?) RETURNING id",
                                      (name,)).fetchone()[0])
        self._topics[name] = found
        return found

    def _article(self, rec: ArticleRecord, *, from_document: bool) -> int:
        aliases = self._alias_map()
        found = sorted({aliases[u] for u, _ in rec.aliases if u in aliases})
        outlet_id = self._outlet_id(rec.domain)
        if not found:
            article_id = self._new_article_id()
            self._queues[_INSERT_ARTICLE].append(
                (article_id, rec.canonical_url, rec.url_rank, rec.title, rec.excerpt,
                 rec.published, rec.published_ts, rec.type, outlet_id, rec.domain,
                 int(from_document)))
        else:
            article_id = found[0]
            if len(found) > 1:
                self.flush()
                for other in found[1:]:
                    self._merge(article_id, other)
            if from_document or article_id not in self._complete:
                sql = _UPDATE_FROM_DOCUMENT if from_document else _UPDATE_FROM_RELATED
                self._queues[sql].append(
                    (rec.title, rec.excerpt, rec.published, rec.published_ts, rec.type,
                     outlet_id, rec.domain, rec.url_rank, rec.canonical_url, rec.url_rank,
                     article_id))
        if rec.url_rank == 0 and None not in (rec.title, rec.excerpt, rec.published_ts,
                                              rec.type):
            self._complete.add(article_id)
        queue = self._queues["aliases"]
        for url, kind in rec.aliases:
            if url not in aliases:
                aliases[url] = article_id
                queue.append((url, article_id, kind))
        return article_id

    def _merge(self, keep: int, drop: int) -> None:
        """Two articles turned out to be one (a record listed URLs of both): fold ``drop``."""
        c = self.conn
        for sql in (
            "UPDATE aliases SET article_id = ? WHERE article_id = ?",
            "UPDATE documents SET article_id = ? WHERE article_id = ?",
            "UPDATE related_links SET from_article = ? WHERE from_article = ?",
            "UPDATE related_links SET to_article = ? WHERE to_article = ?",
            # rows the kept article has already stay with the dropped one (deleted with it)
            "UPDATE article_topics SET article_id = ?1 WHERE article_id = ?2 AND NOT EXISTS ("
            "SELECT 1 FROM article_topics AS k WHERE k.article_id = ?1 AND "
            "k.topic_id = article_topics.topic_id AND k.document_id = article_topics.document_id)",
            "UPDATE story_articles SET article_id = ?1 WHERE article_id = ?2 AND NOT EXISTS ("
            "SELECT 1 FROM story_articles AS k WHERE k.article_id = ?1)",
        ):
            c.execute(sql, (keep, drop))
        c.execute(
            "UPDATE articles AS k SET has_document = max(k.has_document, d.has_document), "
            "title = COALESCE(k.title, d.title), excerpt = COALESCE(k.excerpt, d.excerpt), "
            "published = COALESCE(k.published, d.published), "
            "published_ts = COALESCE(k.published_ts, d.published_ts) "
            "FROM articles AS d WHERE k.id = ? AND d.id = ?", (keep, drop))
        c.execute("DELETE FROM articles WHERE id = ?", (drop,))
        aliases = self._alias_map()
        for (url,) in c.execute("SELECT url FROM aliases WHERE article_id = ?", (keep,)):
            aliases[url] = keep
        self._complete.discard(drop)

    def _rebuild_outlet_names(self) -> None:
        c = self.conn
        self._forget_outlets()
        # One pass over the documents: their provider columns come after the text, so reading
        # them reads every overflow page of the table.
        mentions = c.execute(
            "SELECT provider_domain, provider_name, count(*) FROM ("
            "SELECT provider_domain, provider_name FROM documents WHERE current = 1 UNION ALL "
            "SELECT provider_domain, provider_name FROM related_links) AS mentions GROUP BY 1, 2"
        ).fetchall()
        counts: dict[tuple[int, str], int] = {}
        for domain, name, n in mentions:
            key = (self._outlet_id(domain), name)
            counts[key] = counts.get(key, 0) + n
        c.execute("DELETE FROM outlet_names")
        c.executemany("INSERT INTO outlet_names (outlet_id, name, count) VALUES (?, ?, ?)",
                      [(o, name, n) for (o, name), n in counts.items()])
        c.execute(
            "UPDATE outlets SET name = COALESCE((SELECT name FROM outlet_names n "
            "WHERE n.outlet_id = outlets.id ORDER BY count DESC, name LIMIT 1), domain)")
        c.executemany("UPDATE outlets SET name = ? WHERE domain = ?",
                      [(name, outlet_domain(d) or d)
                       for d, name in self._load_overrides().rename.items()])
        c.execute("DELETE FROM outlets WHERE NOT EXISTS "
                  "(SELECT 1 FROM articles a WHERE a.outlet_id = outlets.id)")
        self._forget_outlets()
