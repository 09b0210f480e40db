"""The rows every export writer reads, and what they share.

A graph reaches a writer as a `Source`: node rows and edge rows it can read twice (once to
find the columns and their types, once to write). `graph_source` reads a networkx graph,
`coverage_source` streams the coverage graph from SQL row for row as `graphnews.graph`
builds it. `scalar` and `jsonable` clean values, `Schema` finds typed columns, `text_output`
writes files (atomically, `graphnews._files`).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import networkx as nx
import numpy as np

from graphnews._files import atomic
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.graph import LIST_SEPARATOR, outlet_attributes
from graphnews.store import Database

__all__ = [
    "Attrs",
    "Column",
    "Schema",
    "Source",
    "Target",
    "as_text",
    "clean_text",
    "coverage_source",
    "graph_source",
    "jsonable",
    "make_folder",
    "scalar",
    "scalar_attrs",
    "schema_of",
    "text_output",
]

Attrs = dict[str, Any]
Target = str | os.PathLike[str] | IO[Any]

#: Columns that come first (when present); the others follow in alphabetical order.
_FIRST = ("key", "label", "kind")
_INT32 = range(-(2**31), 2**31)
_SURROGATES = re.compile("[\ud800-\udfff]")
_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)")


@dataclass
class Source:
    """What every writer reads: a graph as node rows and edge rows, each readable again.

    ``edge_kinds``, when given, stands in for ``edges`` in the writers' first pass: a few edges
    with the attribute names, value types, extreme ints and Neo4j groups of all of them.
    """

    directed: bool
    multigraph: bool
    nodes: Callable[[], Iterable[tuple[Any, Attrs]]]
    edges: Callable[[], Iterable[tuple[Any, Any, Attrs]]]
    graph: Attrs = field(default_factory=dict)
    edge_kinds: Callable[[], Iterable[tuple[Any, Any, Attrs]]] | None = None

    def edge_schema_rows(self) -> Iterable[tuple[Any, Any, Attrs]]:
        """The edges to find the edge columns from: ``edge_kinds``, else every edge."""
        return (self.edge_kinds or self.edges)()


def graph_source(G: nx.Graph, *, scalars: bool) -> Source:
    """A networkx graph as a source; ``scalars`` cleans values (else they stay as they are).

    A multigraph's edge key is the edge attribute ``key``.
    """
    node_id: Callable[[Any], Any] = clean_text if scalars else _same
    clean: Callable[[Mapping[str, Any]], Attrs] = scalar_attrs if scalars else dict
    multi = G.is_multigraph()

    def nodes() -> Iterator[tuple[Any, Attrs]]:
        for n, data in G.nodes(data=True):
            yield node_id(n), clean(data)

    def edges() -> Iterator[tuple[Any, Any, Attrs]]:
        rows = G.edges(keys=True, data=True) if multi else G.edges(data=True)
        for row in rows:
            attrs = clean(row[-1])
            if multi:
                if "key" in attrs:
                    raise BadInputError("an edge attribute named 'key' clashes with the "
                                        "multigraph edge key: rename it")
                attrs = {"key": scalar(row[2]) if scalars else row[2], **attrs}
            yield node_id(row[0]), node_id(row[1]), attrs

    return Source(G.is_directed(), multi, nodes, edges, clean(G.graph))


@contextmanager
def coverage_source(db: Database, f: Filters, story: str | None) -> Iterator[Source]:
    """The coverage graph streamed from SQL, row for row what `coverage_graph` builds.

    Nodes come in the order the networkx graph holds them (each article, then its outlet and
    topics when first seen); edges per article: ``published_by``, ``about`` (by topic name),
    then ``related`` grouped by target in order of first listing.
    """
    cond, params = f.article_sql("a")
    if story is not None:
        cond += " AND a.id IN (SELECT article_id FROM story_articles WHERE story_id = ?)"
        params.append(story)
    c = db.conn
    c.execute("DROP TABLE IF EXISTS export_kept")
    c.execute(f"CREATE TEMP TABLE export_kept AS SELECT a.id FROM articles a WHERE {cond}",
              params)
    c.execute("CREATE UNIQUE INDEX export_kept_id ON export_kept(id)")
    counts: Counter[str] = Counter(dict(c.execute(
        "SELECT o.domain, count(*) FROM export_kept k JOIN articles a ON a.id = k.id "
        "JOIN outlets o ON o.id = a.outlet_id GROUP BY o.domain")))
    outlets = outlet_attributes(db, counts)
    topics = {name: {"kind": "topic", "label": name, "name": name, "articles": n}
              for name, n in c.execute(
                  "SELECT p.name, count(DISTINCT t.article_id) FROM article_topics t "
                  "JOIN export_kept k ON k.id = t.article_id JOIN topics p ON p.id = t.topic_id "
                  "GROUP BY p.name")}

    outlet_ids = {domain: clean_text(f"outlet:{domain}") for domain in outlets}
    topic_ids = {name: clean_text(f"topic:{name}") for name in topics}

    def nodes() -> Iterator[tuple[Any, Attrs]]:
        seen_outlets: set[str] = set()
        seen_topics: set[str] = set()
        for article_id, attrs, domain, names in _coverage_articles(db):
            yield f"article:{article_id}", attrs
            if domain is not None and domain not in seen_outlets:
                seen_outlets.add(domain)
                yield outlet_ids[domain], scalar_attrs(outlets[domain])
            for name in names:
                if name not in seen_topics:
                    seen_topics.add(name)
                    yield topic_ids[name], scalar_attrs(topics[name])

    # one dict for every edge of a kind that has no other attribute (writers only read)
    published_by = {"key": "published_by", "kind": "published_by"}
    about = {"key": "about", "kind": "about"}

    def edges() -> Iterator[tuple[Any, Any, Attrs]]:
        topic_rows = _ByArticle(_topic_rows(db))
        # grouped by target below, in order of first listing
        related = _ByArticle(_cursor(db, """
            SELECT r.from_article, r.to_article, r.document_id, r.position
            FROM related_links r JOIN export_kept k1 ON k1.id = r.from_article
            JOIN export_kept k2 ON k2.id = r.to_article
            ORDER BY r.from_article, r.document_id, r.position"""))
        for article_id, domain in _cursor(db, "SELECT a.id, o.domain FROM export_kept k "
                                          "JOIN articles a ON a.id = k.id LEFT JOIN outlets o "
                                          "ON o.id = a.outlet_id ORDER BY a.id"):
            node = f"article:{article_id}"
            if domain is not None:
                yield node, outlet_ids[domain], published_by
            for _, name in topic_rows.take(article_id):
                yield node, topic_ids[name], about
            by_target: dict[int, list[tuple[Any, ...]]] = {}
            for link in related.take(article_id):
                by_target.setdefault(link[1], []).append(link)
            for links in by_target.values():
                for _, target, doc, position in links:
                    yield node, f"article:{target}", _related(doc, position)

    def edge_kinds() -> Iterator[tuple[Any, Any, Attrs]]:
        # an edge of each kind; for related edges, the least and the greatest document and
        # position (SQLite gives these columns as ints, as for `_coverage_articles`)
        (first,) = c.execute("SELECT min(id) FROM export_kept").fetchone()
        article = f"article:{first}"
        if outlet_ids:
            yield article, next(iter(outlet_ids.values())), published_by
        if topic_ids:
            yield article, next(iter(topic_ids.values())), about
        links, source, target, *extremes = c.execute(
            "SELECT count(*), min(r.from_article), min(r.to_article), min(r.document_id), "
            "min(r.position), max(r.document_id), max(r.position) FROM related_links r "
            "JOIN export_kept k1 ON k1.id = r.from_article "
            "JOIN export_kept k2 ON k2.id = r.to_article").fetchone()
        if links:
            for document, position in (extremes[:2], extremes[2:]):
                yield f"article:{source}", f"article:{target}", _related(document, position)

    try:
        yield Source(directed=True, multigraph=True, nodes=nodes, edges=edges,
                     edge_kinds=edge_kinds)
    finally:
        c.execute("DROP TABLE IF EXISTS export_kept")


def _related(document: Any, position: Any) -> Attrs:
    """The attributes of a ``related`` edge."""
    return {"key": f"related:{document}:{position}", "kind": "related", "document": document,
            "position": position}


def _coverage_articles(db: Database) -> Iterator[tuple[int, Attrs, str | None, list[str]]]:
    """(id, node attributes, outlet domain, topic names) of each kept article, by id."""
    topic_rows = _ByArticle(_topic_rows(db))
    for row in _cursor(db, "SELECT a.id, a.canonical_url, a.title, a.excerpt, a.published, "
                       "a.published_ts, a.type, a.has_document, o.domain, s.story_id "
                       "FROM export_kept k JOIN articles a ON a.id = k.id "
                       "LEFT JOIN outlets o ON o.id = a.outlet_id "
                       "LEFT JOIN story_articles s ON s.article_id = a.id ORDER BY a.id"):
        article_id, url, title, excerpt, published, ts, kind, has_doc, domain, story = row
        names = [name for _, name in topic_rows.take(article_id)]
        # SQLite gives str, int and None only (its text is valid UTF-8: no surrogates), so
        # dropping None is all `scalar_attrs` would do here
        attrs = {k: v for k, v in (
            ("kind", "article"), ("label", title or url), ("url", url), ("title", title),
            ("excerpt", excerpt), ("outlet", domain), ("published", published),
            ("published_ts", ts), ("type", kind), ("topics", LIST_SEPARATOR.join(names) or None),
            ("has_document", bool(has_doc)), ("story", story)) if v is not None}
        yield article_id, attrs, domain, names


def _topic_rows(db: Database) -> Iterator[tuple[Any, ...]]:
    """(article id, topic name) of the kept articles, by id then name."""
    return _cursor(db, "SELECT DISTINCT t.article_id, p.name FROM article_topics t "
                   "JOIN export_kept k ON k.id = t.article_id JOIN topics p "
                   "ON p.id = t.topic_id ORDER BY t.article_id, p.name")


class _ByArticle:
    """Rows ordered by article id (their first column), taken article by article in that order."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self._pending = next(rows, None)

    def take(self, article_id: int) -> list[tuple[Any, ...]]:
        """The rows of ``article_id`` (none when the next rows belong to a later article)."""
        taken = []
        while self._pending is not None and self._pending[0] == article_id:
            taken.append(self._pending)
            self._pending = next(self._rows, None)
        return taken


def _cursor(db: Database, sql: str) -> Iterator[tuple[Any, ...]]:
    cur = db.conn.cursor()
    cur.row_factory = None
    return iter(cur.execute(sql))


def _same(value: Any) -> Any:
    return value


def clean_text(value: Any) -> str:
    """Text without lone surrogates."""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() or not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub("", text)


def scalar(value: Any) -> str | int | float | bool | None:
    """One typed scalar for any attribute value (None stays None: the caller omits it)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, np.generic):
        return scalar(value.item())
    if isinstance(value, list | tuple | set | frozenset | dict | np.ndarray):
        return json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return clean_text(value)


def scalar_attrs(attrs: Mapping[str, Any]) -> Attrs:
    cleaned = {}
    for name, value in attrs.items():
        value = scalar(value)
        if value is not None:
            cleaned[clean_text(name)] = value
    return cleaned


def jsonable(value: Any) -> Any:
    """A JSON-ready copy: arrays for sequences and sets, null for NaN and infinities."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic | np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {clean_text(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        try:
            items = sorted(value)
        except TypeError:
            items = sorted(value, key=repr)
        return [jsonable(v) for v in items]
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return clean_text(value)


@dataclass
class Column:
    """One attribute across all elements of a kind: its name and the type to declare.

    ``type`` and ``neo4j_type`` are computed once, on first use: after every row was seen.
    """

    name: str
    types: set[type] = field(default_factory=set)
    long: bool = False  # an int past 32 bits
    iso: bool = True  # every text value is an ISO 8601 date-time with a zone

    @functools.cached_property
    def type(self) -> str:
        """``boolean``, ``int``, ``long``, ``double`` or ``string``."""
        if self.types == {bool}:
            return "boolean"
        if self.types == {int}:
            return "long" if self.long else "int"
        if self.types and self.types <= {int, float}:
            return "double"
        return "string"

    @functools.cached_property
    def neo4j_type(self) -> str:
        return "datetime" if self.type == "string" and self.iso else self.type


class Schema:
    """Collects the columns of attribute rows as they stream past."""

    def __init__(self) -> None:
        self._columns: dict[str, Column] = {}

    def add(self, attrs: Attrs) -> None:
        for name, value in attrs.items():
            col = self._columns.get(name)
            if col is None:
                col = self._columns[name] = Column(name)
            kind = type(value)
            col.types.add(kind)
            if kind is int and value not in _INT32:
                col.long = True
            elif kind is str and col.iso and not _ISO_DATETIME.fullmatch(value):
                col.iso = False

    def columns(self, *, skip: Sequence[str] = ()) -> list[Column]:
        """The columns, ``key``, ``label``, ``kind`` first, then alphabetically."""
        order = {name: i for i, name in enumerate(_FIRST)}
        return sorted((c for c in self._columns.values() if c.name not in skip),
                      key=lambda c: (order.get(c.name, len(order)), c.name))


def schema_of(rows: Iterable[Attrs]) -> list[Column]:
    schema = Schema()
    for attrs in rows:
        schema.add(attrs)
    return schema.columns()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert (OWASP "CSV injection").

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``; numbers and other text are returned as they are. On unless the environment sets
    ``GRAPHNEWS_CSV_RAW=1`` (for machine pipelines that want the exact text).

    >>> spreadsheet_safe("=1+1"), spreadsheet_safe("-x"), spreadsheet_safe(-5)
    ("'=1+1", "'-x", -5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _csv_raw():
        return "'" + value
    return value


def _csv_raw() -> bool:
    return os.environ.get("GRAPHNEWS_CSV_RAW", "") not in ("", "0")


def as_text(value: Any, *, inf: str = "Infinity", nan: str = "NaN") -> str:
    """A scalar as text: ``true``/``false``, shortest round-trip floats."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isnan(value):
            return nan
        if math.isinf(value):
            return inf if value > 0 else "-" + inf
        return repr(value)
    return str(value)


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def text_output(target: Target) -> Iterator[IO[str]]:
    """Write text to a path (atomically) or to an open file, binary or text."""
    if isinstance(target, str | os.PathLike):
        with atomic(Path(target)) as fh:
            yield fh
    elif isinstance(target, io.TextIOBase):
        yield target
    else:
        wrapper = io.TextIOWrapper(target, encoding="utf-8", newline="\n")
        try:
            yield wrapper
            wrapper.flush()
        finally:
            wrapper.detach()
