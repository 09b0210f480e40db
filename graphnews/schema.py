"""The SQLite schema of a graphnews database (documented in docs/schema.md).

One statement list, applied in one transaction when a database is created. ``SCHEMA_VERSION`` is
stored in ``PRAGMA user_version``. An older database is brought up to date by ``MIGRATIONS``
(version -> the statements that make it the next version; version 2 only adds tables, version 3
compresses each document's text and drops the fields stored a second time as JSON: nothing
written earlier is lost); a database written by a newer version is refused rather than silently
misread.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA", "SCHEMA_VERSION"]

SCHEMA_VERSION = 3

SCHEMA = """
-- Input files as last seen: the stat fast path and content hash of incremental ingest.
CREATE TABLE files (
    path         TEXT PRIMARY KEY,          -- absolute path, or '<stdin>'
    size         INTEGER NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    content_hash TEXT NOT NULL,             -- sha256 of the file's bytes
    version      INTEGER NOT NULL,          -- 1 on first ingest, +1 each time the content changed
    ingested_at  TEXT NOT NULL              -- UTC ISO 8601
) WITHOUT ROWID;

-- Every document (one record of a file) ever ingested, every version of it. Nothing is lost:
-- `raw_zlib` is the document's exact text, zlib-compressed (SQL: document_text(raw_zlib); every
-- field as JSON: document_fields(raw_zlib, format); Python: zlib.decompress(raw_zlib).decode()).
CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL,             -- the file it came from
    position     INTEGER NOT NULL,          -- 0-based index of the record within the file
    line         INTEGER NOT NULL,          -- 1-based line where the record starts
    format       TEXT NOT NULL,             -- 'markdown' | 'json' | 'ndjson'
    content_hash TEXT NOT NULL,             -- sha256 of the document's text
    raw_zlib     BLOB NOT NULL,             -- the exact text, UTF-8, zlib-compressed
    version      INTEGER NOT NULL,          -- the file version it belongs to
    current      INTEGER NOT NULL DEFAULT 1,-- 0 once a newer version of the file replaced it
    ingested_at  TEXT NOT NULL,
    article_id   INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    provider_domain TEXT NOT NULL,          -- provider domain as given (lowercase, no www.)
    provider_name   TEXT NOT NULL           -- provider name as given
);
CREATE INDEX documents_path ON documents(path, current);
CREATE INDEX documents_article ON documents(article_id);

-- Documents (or whole files) that could not be read: the raw bytes, where and why.
CREATE TABLE quarantine (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL,
    line         INTEGER NOT NULL,
    message      TEXT NOT NULL,
    raw          BLOB NOT NULL,
    ingested_at  TEXT NOT NULL
);
CREATE INDEX quarantine_path ON quarantine(path);

-- Outlets: identity is the provider domain (lowercase, no www.). `name` is the most used name.
CREATE TABLE outlets (
    id           INTEGER PRIMARY KEY,
    domain       TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL
);

-- Every name an outlet was seen under, with how many mentions (documents and related items)
-- used it. Derived from documents and related_links; rebuilt after each ingest that changed them.
CREATE TABLE outlet_names (
    outlet_id    INTEGER NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (outlet_id, name)
) WITHOUT ROWID;

-- Articles: identity is the canonical URL. Fields come from the article's own document when it
-- has one, otherwise from the `related` items that mention it.
CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    canonical_url  TEXT NOT NULL UNIQUE,
    url_rank       INTEGER NOT NULL,        -- 0 webUrl, 1 originalUrl, 2 ampWebUrl, 3 cdnAmpWebUrl
    title          TEXT,
    excerpt        TEXT,
    published      TEXT,                    -- UTC ISO 8601 'YYYY-MM-DDTHH:MM:SSZ'
    published_ts   INTEGER,                 -- the same instant, seconds since 1970 UTC
    type           TEXT,                    -- 'article', 'video', ...
    outlet_id      INTEGER REFERENCES outlets(id),
    provider_domain TEXT,                   -- the domain as given, before overrides
    has_document   INTEGER NOT NULL DEFAULT 0 -- 1 when ingested as a document of its own
);
CREATE INDEX articles_outlet ON articles(outlet_id);
CREATE INDEX articles_published ON articles(published_ts);

-- Every URL an article was seen under (canonicalised), so each alias resolves to it later.
CREATE TABLE aliases (
    url          TEXT PRIMARY KEY,          -- canonical form of the alias
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL              -- the field: webUrl, originalUrl, ampWebUrl, ...
) WITHOUT ROWID;
CREATE INDEX aliases_article ON aliases(article_id);

CREATE TABLE topics (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE
);

CREATE TABLE article_topics (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id     INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, topic_id, document_id)
) WITHOUT ROWID;
CREATE INDEX article_topics_topic ON article_topics(topic_id);
CREATE INDEX article_topics_document ON article_topics(document_id);

-- `related` list entries: from the document's article to the listed article. The item as listed
-- is item `position` of the document's `related` field (document_fields(raw_zlib, format)).
CREATE TABLE related_links (
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,          -- 0-based position in the `related` list
    from_article INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    to_article   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    provider_domain TEXT NOT NULL,          -- the item's provider domain as given
    provider_name   TEXT NOT NULL,          -- the item's provider name as given
    PRIMARY KEY (document_id, position)
) WITHOUT ROWID;
CREATE INDEX related_from ON related_links(from_article);
CREATE INDEX related_to ON related_links(to_article);

-- Full-text search over titles and excerpts. New articles are indexed in bulk by the writer
-- (one statement per batch, much faster than a trigger per row); the triggers keep the index in
-- step when an article's text changes or it is deleted.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, excerpt, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
        VALUES ('delete', old.id, old.title, old.excerpt);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, excerpt ON articles
WHEN old.title IS NOT new.title OR old.excerpt IS NOT new.excerpt BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
        VALUES ('delete', old.id, old.title, old.excerpt);
    INSERT INTO articles_fts(rowid, title, excerpt) VALUES (new.id, new.title, new.excerpt);
END;

-- Outlet overrides from the user's overrides file: merge a domain into another, or rename.
CREATE TABLE outlet_overrides (
    domain       TEXT PRIMARY KEY,          -- the domain as given by providers
    merge_into   TEXT,                      -- the outlet domain it belongs to, or NULL
    name         TEXT                       -- the display name to use, or NULL
);

-- Stories (filled by graphnews.stories): a story id per article, with a confidence.
CREATE TABLE stories (
    id           TEXT PRIMARY KEY,          -- stable id, 's-' + 12 hex digits
    size         INTEGER NOT NULL,
    confidence   REAL NOT NULL,             -- 0..1, share of members' evidence kept inside
    signature    TEXT NOT NULL,             -- hash of the member article ids
    computed_at  TEXT NOT NULL
);
CREATE TABLE story_articles (
    story_id     TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    fingerprint  INTEGER NOT NULL DEFAULT 0, -- hash of the article's evidence when computed
    PRIMARY KEY (article_id)
);
CREATE INDEX story_articles_story ON story_articles(story_id);

-- Key/value facts about the database (e.g. when stories were last computed).
CREATE TABLE meta (
    key          TEXT PRIMARY KEY,
    value        TEXT NOT NULL
);
"""

# Version 2: outlet metadata, collections, article languages (graphnews.collections,
# graphnews.language).
_V2 = """
-- Outlet attributes from the user's metadata files (graphnews outlets import), by domain: any
-- column, one row per (domain, key). Kept for domains not (yet) in the database too.
CREATE TABLE outlet_metadata (
    domain       TEXT NOT NULL,             -- outlet domain (lowercase, no www.)
    key          TEXT NOT NULL,             -- the column, e.g. 'lean', 'country'
    value        TEXT NOT NULL,
    import_id    INTEGER NOT NULL REFERENCES metadata_imports(id),
    PRIMARY KEY (domain, key)
) WITHOUT ROWID;
CREATE INDEX outlet_metadata_key ON outlet_metadata(key, value);

-- Every import of a metadata file: what it changed (re-import of the same bytes is skipped).
CREATE TABLE metadata_imports (
    id           INTEGER PRIMARY KEY,       -- the metadata version
    path         TEXT NOT NULL,
    content_hash TEXT NOT NULL,             -- sha256 of the file's bytes
    imported_at  TEXT NOT NULL,
    summary      TEXT NOT NULL              -- JSON: rows, added, changed, unchanged, unknown ...
);

-- Named collections of outlets: a rule over outlet attributes ('lean=left') or a list.
CREATE TABLE collections (
    name         TEXT PRIMARY KEY,
    rule         TEXT                       -- 'key=value[,value...]', NULL for a listed one
);
CREATE TABLE collection_outlets (
    name         TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
    domain       TEXT NOT NULL,
    PRIMARY KEY (name, domain)
) WITHOUT ROWID;

-- Each article's language, detected from its title and excerpt (graphnews.language).
CREATE TABLE article_languages (
    article_id   INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    language     TEXT NOT NULL,             -- ISO 639-1 code, 'und' when there is no text
    score        REAL NOT NULL,             -- the detector's probability of that language
    text_hash    INTEGER NOT NULL           -- hash of the text it was detected from
);
CREATE INDEX article_languages_language ON article_languages(language);
"""

#: Version -> the statements that turn a database of that version into the next one.
# Version 3 (issue 15): each document's text once, zlib-compressed (`zlib_compress` is a function
# of the migrating connection); its fields are parsed from it on demand instead of kept as JSON.
_V3 = """
ALTER TABLE documents ADD COLUMN raw_zlib BLOB;
UPDATE documents SET raw_zlib = zlib_compress(raw);
ALTER TABLE documents DROP COLUMN raw;
ALTER TABLE documents DROP COLUMN data;
ALTER TABLE related_links DROP COLUMN data;
"""

MIGRATIONS: dict[int, str] = {1: _V2, 2: _V3}

SCHEMA += _V2
