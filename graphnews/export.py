"""Exports other tools read back: GraphML, GEXF 1.3, node-link JSON, CSV, Neo4j bulk-import CSV.

`export` writes one graph of the database (``coverage``, ``outlets``, ``follows``, ``topics`` or
``story:ID``, see `graphnews.graph`) in one format. The ``write_*`` functions write any networkx
graph. docs/exports.md describes each format and how to open it in Gephi, Cytoscape, igraph,
pandas and Neo4j.

Every writer takes the same care with values, because networkx's own GraphML writer fails on
lists and ``None`` (networkx issues #3663, #5024):

- ``None`` is omitted (the attribute is absent on that node or edge);
- lists, tuples, sets and dicts become one JSON string (``'["a", "b"]'``; ``json.loads`` gives
  the list back); dates become ISO 8601 text; numpy scalars become Python numbers;
- an attribute with mixed types across elements is written as text (ints and floats mixed are
  doubles);
- lone UTF-16 surrogates are dropped (they are not text and cannot be encoded as UTF-8); the
  XML formats also drop the control characters XML 1.0 forbids (U+0000-U+0008, U+000B, U+000C,
  U+000E-U+001F, U+FFFE, U+FFFF): no XML parser accepts them, escaped or not. Tab, newline
  and carriage return survive (written as character references where a parser would
  normalise them). JSON and the CSV formats keep every control character.

Node-link JSON keeps lists and ``None`` as JSON arrays and ``null``.

The coverage graph (and ``story:ID``) is streamed from SQL straight into GraphML, JSON, CSV and
Neo4j files: no networkx graph is built, so a 100,000-document export stays in constant
memory (benchmarks/bench_export.py). The streamed files are byte for byte those that
``build_graph`` + the writer give (tests/test_export.py checks it). GEXF and the projections
go through the networkx graph.

Examples
--------
>>> import io, networkx as nx
>>> G = nx.DiGraph()
>>> G.add_edge("a", "b", weight=2, tags=["x", "y"], note=None)
>>> buf = io.BytesIO()
>>> write_graphml(G, buf)
>>> H = nx.read_graphml(io.BytesIO(buf.getvalue()))
>>> H.edges["a", "b"]
{'tags': '["x", "y"]', 'weight': 2}
"""

from __future__ import annotations

import csv
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

from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.graph import (
    GRAPH_KINDS,
    LIST_SEPARATOR,
    _outlet_attributes,
    build_graph,
    resolve_filters,
)
from graphnews.store import DEFAULT_DB, Database

__all__ = [
    "FORMATS",
    "RELATIONSHIP_TYPES",
    "export",
    "neo4j_import_command",
    "write_csv",
    "write_gexf",
    "write_graphml",
    "write_json",
    "write_neo4j",
]

#: The formats `export` writes (``graphnews export --to``).
FORMATS = ("graphml", "gexf", "json", "csv", "neo4j")
#: Neo4j relationship type of the projections' edges (coverage edges use their ``kind``).
RELATIONSHIP_TYPES = {"outlets": "CO_COVERS", "follows": "FOLLOWS", "topics": "CO_OCCURS"}

Attrs = dict[str, Any]
Target = str | os.PathLike[str] | IO[Any]

_EXTENSIONS = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json"}
#: Columns that come first (when present); the others follow in alphabetical order.
_FIRST = ("key", "label", "kind")
_INT32 = range(-(2**31), 2**31)
_SURROGATES = re.compile("[\ud800-\udfff]")
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_SPECIAL = re.compile('[&<>"\t\n\r]|' + _XML_ILLEGAL.pattern)
_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)")
_GRAPHML_NS = (
    'xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"'
)
_GEXF_NS = (
    'xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3"'
)
_GEXF_TYPES = {"boolean": "boolean", "int": "integer", "long": "long", "double": "double",
               "string": "string"}


def export(
    db: Database,
    *,
    to: str,
    graph: str = "coverage",
    out: str | os.PathLike[str] | None = None,
    filters: Filters | None = None,
    **options: Any,
) -> list[Path]:
    """Write one graph of the database in one format; return the files written.

    Parameters
    ----------
    db : Database
    to : {"graphml", "gexf", "json", "csv", "neo4j"}
    graph : str
        ``coverage``, ``outlets``, ``follows``, ``topics`` or ``story:ID``.
    out : path-like, optional
        GraphML, GEXF, JSON: the file, or a folder to write ``<graph>.<ext>`` into. CSV and
        Neo4j: the folder for their files. Default: ``output/<graph>.<ext>`` and
        ``output/<graph>-csv/``, ``output/<graph>-neo4j/``.
    filters : Filters, optional
        Or the options ``since``, ``until``, ``topics``, ``outlets``, ``min_weight``.

    Returns
    -------
    list of Path

    Raises
    ------
    BadInputError
        For an unknown format or graph, or an ``out`` of the wrong kind.
    NotFoundError
        For ``story:ID`` when no story has that id.

    Examples
    --------
    >>> import graphnews, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.md").write_text("---\\ntitle: A\\nwebUrl: https://a.com/1\\n---\\n")
    >>> db = graphnews.open(":memory:"); _ = db.ingest([d])
    >>> [p.name for p in export(db, to="csv", out=d / "csv")]
    ['nodes.csv', 'edges.csv']
    """
    if to not in FORMATS:
        raise BadInputError(f"unknown export format {to!r}: use one of {', '.join(FORMATS)}")
    f = resolve_filters(filters, **options)
    story = _story_id(db, graph)
    target = _target(to, graph, None if out is None else Path(out))
    streamed = story is not None or graph == "coverage"
    if streamed and to != "gexf":
        with _coverage_source(db, f, story) as source:
            return _write_source(source, to, target, graph)
    G = build_graph(db, graph, filters=f)
    if to == "gexf":
        write_gexf(G, target)
        return [target]
    return _write_source(_graph_source(G, scalars=to != "json"), to, target, graph)


def write_graphml(G: nx.Graph, path: Target) -> None:
    """Write ``G`` as GraphML with typed keys that networkx, igraph, Gephi and Cytoscape read.

    Keys are typed ``boolean``, ``int`` (``long`` past 32 bits), ``double`` or ``string``.
    Multigraph edge keys are written as an edge attribute ``key`` (which networkx's reader
    takes back as the key), never as the edge ``id``: edge ids must be unique in a file
    (yEd and Gephi drop duplicates) and python-igraph 1.0 fills its edge ``id`` attribute
    with the source node's id.

    Parameters
    ----------
    G : networkx graph
    path : path-like or file
        A file opened for writing, binary or text.
    """
    _write_graphml(_graph_source(G, scalars=True), path)


def write_json(G: nx.Graph, path: Target) -> None:
    """Write ``G`` as node-link JSON (`networkx.node_link_data` layout), one element a line.

    Keys are in a stable order: ``id`` then the attributes alphabetically for nodes,
    ``source``, ``target``, ``key`` (multigraphs) then the rest for edges. Read it back with
    ``networkx.node_link_graph(json.load(f), edges="edges")``.
    """
    _write_json(_graph_source(G, scalars=False), path)


def write_csv(G: nx.Graph, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``nodes.csv`` (``id``, attributes) and ``edges.csv`` (``source``, ``target``, ...).

    UTF-8 without a byte-order mark, RFC 4180 quoting, ``true``/``false`` for booleans, an
    empty cell for a missing value. Return the two paths.
    """
    return _write_csv(_graph_source(G, scalars=True), Path(folder))


def write_neo4j(
    G: nx.Graph, folder: str | os.PathLike[str], *, relationship_type: str = "LINKS"
) -> list[Path]:
    """Write CSV files for ``neo4j-admin database import full`` and the script that runs it.

    One node file per label (the node's ``kind`` in CamelCase: ``Article.csv``), header
    ``id:ID(Article),<property>:<type>,...,:LABEL``; one relationship file per type (the
    edge's ``kind`` upper-cased, else ``relationship_type``), header
    ``:START_ID(Article),:END_ID(Outlet),:TYPE,<property>:<type>,...``. Types are ``int``,
    ``long``, ``double``, ``boolean``, ``datetime`` (text that is all ISO 8601 date-times) or
    ``string``. The ``kind`` attribute becomes the label or type rather than a property.
    ``neo4j-import.sh`` in the folder runs the import (see `neo4j_import_command`).

    Returns
    -------
    list of Path
        The CSV files, then the script.
    """
    return _write_neo4j(_graph_source(G, scalars=True), Path(folder), relationship_type)


def write_gexf(G: nx.Graph, path: Target) -> None:
    """Write ``G`` as GEXF 1.3; with publication times it is dynamic, for Gephi's timeline.

    A node with an integer ``published_ts`` (an article) starts then (``start``). A node
    without one (an outlet, a topic, an undated article) gets a spell starting with the first
    dated node pointing to it, and its integer ``articles`` attribute becomes dynamic: the
    count of those nodes published so far. An edge's spell starts when both its ends exist.
    Times are UTC ISO 8601 date-times under ``timeformat="date"``: networkx's reader cannot
    read ``timeformat="dateTime"`` (networkx issue #3246) and Gephi parses both alike.

    ``label`` is the node's XML label, a numeric edge ``weight`` the edge's XML weight and an
    edge ``kind`` also its GEXF ``kind`` (Gephi's edge type); every other attribute is an
    attvalue.
    """
    source = _graph_source(G, scalars=True)
    timeline = _Timeline.of(G)
    node_cols = _columns(attrs for _, attrs in source.nodes())
    edge_cols = _columns(attrs for _, _, attrs in source.edges())
    with _text_output(path) as fh:
        _GexfWriter(fh, source, timeline, node_cols, edge_cols).write(
            G.number_of_nodes(), G.number_of_edges())


def neo4j_import_command(
    nodes: Iterable[str | os.PathLike[str]],
    relationships: Iterable[str | os.PathLike[str]],
    *,
    database: str = "neo4j",
    admin: str = "neo4j-admin",
) -> str:
    """The ``neo4j-admin database import full`` command that imports these CSV files.

    The database name comes first: Neo4j 5.19 and later need it before ``--nodes``.
    ``--multiline-fields=true`` because excerpts may hold newlines.

    >>> print(neo4j_import_command(["Outlet.csv"], ["FOLLOWS.csv"], admin="bin/neo4j-admin"))
    bin/neo4j-admin database import full neo4j \\
      --nodes=Outlet.csv \\
      --relationships=FOLLOWS.csv \\
      --multiline-fields=true
    """
    parts = [f"{admin} database import full {database}",
             *(f"--nodes={p}" for p in nodes),
             *(f"--relationships={p}" for p in relationships),
             "--multiline-fields=true"]
    return " \\\n  ".join(parts)


# -- sources: a graph as re-iterable node and edge streams --------------------------------


@dataclass
class _Source:
    """What every writer reads: a graph as node rows and edge rows, each readable again."""

    directed: bool
    multigraph: bool
    nodes: Callable[[], Iterable[tuple[Any, Attrs]]]
    edges: Callable[[], Iterable[tuple[Any, Any, Attrs]]]
    graph: Attrs = field(default_factory=dict)


def _graph_source(G: nx.Graph, *, scalars: bool) -> _Source:
    """A networkx graph as a source; ``scalars`` cleans values (else they stay as they are).

    A multigraph's edge key is the edge attribute ``key``.
    """
    node_id: Callable[[Any], Any] = _text if scalars else _same
    clean: Callable[[Mapping[str, Any]], Attrs] = _scalar_attrs if scalars else dict
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
                attrs = {"key": _scalar(row[2]) if scalars else row[2], **attrs}
            yield node_id(row[0]), node_id(row[1]), attrs

    return _Source(G.is_directed(), multi, nodes, edges, clean(G.graph))


@contextmanager
def _coverage_source(db: Database, f: Filters, story: str | None) -> Iterator[_Source]:
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
    c.execute("DROP TABLE IF EXISTS temp.export_kept")
    c.execute(f"CREATE TEMP TABLE export_kept AS SELECT a.id FROM articles a WHERE {cond}",
              params)
    c.execute("CREATE UNIQUE INDEX temp.export_kept_id ON export_kept(id)")
    counts: Counter[str] = Counter(dict(c.execute(
        "SELECT o.domain, count(*) FROM export_kept k JOIN articles a ON a.id = k.id "
        "JOIN outlets o ON o.id = a.outlet_id GROUP BY o.domain")))
    outlets = _outlet_attributes(db, counts)
    topics = {name: {"kind": "topic", "label": name, "name": name, "articles": n}
              for name, n in c.execute(
                  "SELECT p.name, count(DISTINCT t.article_id) FROM article_topics t "
                  "JOIN export_kept k ON k.id = t.article_id JOIN topics p ON p.id = t.topic_id "
                  "GROUP BY p.name")}

    def nodes() -> Iterator[tuple[Any, Attrs]]:
        seen_outlets: set[str] = set()
        seen_topics: set[str] = set()
        for article_id, attrs, domain, names in _coverage_articles(db):
            yield f"article:{article_id}", attrs
            if domain is not None and domain not in seen_outlets:
                seen_outlets.add(domain)
                yield _text(f"outlet:{domain}"), _scalar_attrs(outlets[domain])
            for name in names:
                if name not in seen_topics:
                    seen_topics.add(name)
                    yield _text(f"topic:{name}"), _scalar_attrs(topics[name])

    def edges() -> Iterator[tuple[Any, Any, Attrs]]:
        related = _cursor(db, """
            SELECT from_article, to_article, document_id, position FROM (
                SELECT r.from_article, r.to_article, r.document_id, r.position,
                       first_value(r.document_id) OVER w AS first_doc,
                       first_value(r.position) OVER w AS first_pos
                FROM related_links r JOIN export_kept k1 ON k1.id = r.from_article
                JOIN export_kept k2 ON k2.id = r.to_article
                WINDOW w AS (PARTITION BY r.from_article, r.to_article
                             ORDER BY r.document_id, r.position))
            ORDER BY from_article, first_doc, first_pos, document_id, position""")
        pending = next(related, None)
        for article_id, _, domain, names in _coverage_articles(db):
            node = f"article:{article_id}"
            if domain is not None:
                yield node, _text(f"outlet:{domain}"), {"key": "published_by",
                                                        "kind": "published_by"}
            for name in names:
                yield node, _text(f"topic:{name}"), {"key": "about", "kind": "about"}
            while pending is not None and pending[0] == article_id:
                _, target, doc, position = pending
                yield node, f"article:{target}", {"key": f"related:{doc}:{position}",
                                                  "kind": "related", "document": doc,
                                                  "position": position}
                pending = next(related, None)

    try:
        yield _Source(directed=True, multigraph=True, nodes=nodes, edges=edges)
    finally:
        c.execute("DROP TABLE IF EXISTS temp.export_kept")


def _coverage_articles(db: Database) -> Iterator[tuple[int, Attrs, str | None, list[str]]]:
    """(id, node attributes, outlet domain, topic names) of each kept article, by id."""
    topic_rows = _cursor(db, "SELECT DISTINCT t.article_id, p.name FROM article_topics t "
                         "JOIN export_kept k ON k.id = t.article_id JOIN topics p "
                         "ON p.id = t.topic_id ORDER BY t.article_id, p.name")
    pending = next(topic_rows, None)
    for row in _cursor(db, "SELECT a.id, a.canonical_url, a.title, a.excerpt, a.published, "
                       "a.published_ts, a.type, a.has_document, o.domain, s.story_id "
                       "FROM export_kept k JOIN articles a ON a.id = k.id "
                       "LEFT JOIN outlets o ON o.id = a.outlet_id "
                       "LEFT JOIN story_articles s ON s.article_id = a.id ORDER BY a.id"):
        article_id, url, title, excerpt, published, ts, kind, has_doc, domain, story = row
        names = []
        while pending is not None and pending[0] == article_id:
            names.append(pending[1])
            pending = next(topic_rows, None)
        # SQLite gives str, int and None only (its text is valid UTF-8: no surrogates), so
        # dropping None is all `_scalar_attrs` would do here
        attrs = {k: v for k, v in (
            ("kind", "article"), ("label", title or url), ("url", url), ("title", title),
            ("excerpt", excerpt), ("outlet", domain), ("published", published),
            ("published_ts", ts), ("type", kind), ("topics", LIST_SEPARATOR.join(names) or None),
            ("has_document", bool(has_doc)), ("story", story)) if v is not None}
        yield article_id, attrs, domain, names


def _cursor(db: Database, sql: str) -> Iterator[tuple[Any, ...]]:
    cur = db.conn.cursor()
    cur.row_factory = None
    return iter(cur.execute(sql))


# -- values and columns ------------------------------------------------------------------


def _same(value: Any) -> Any:
    return value


def _text(value: Any) -> str:
    """Text without lone surrogates."""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() or not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub("", text)


def _scalar(value: Any) -> str | int | float | bool | None:
    """One typed scalar for any attribute value (None stays None: the caller omits it)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, np.generic):
        return _scalar(value.item())
    if isinstance(value, list | tuple | set | frozenset | dict | np.ndarray):
        return json.dumps(_jsonable(value), ensure_ascii=False, allow_nan=False)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return _text(value)


def _scalar_attrs(attrs: Mapping[str, Any]) -> Attrs:
    cleaned = {}
    for name, value in attrs.items():
        value = _scalar(value)
        if value is not None:
            cleaned[_text(name)] = value
    return cleaned


def _jsonable(value: Any) -> Any:
    """A JSON-ready copy: arrays for sequences and sets, null for NaN and infinities."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic | np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {_text(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        try:
            items = sorted(value)
        except TypeError:
            items = sorted(value, key=repr)
        return [_jsonable(v) for v in items]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return _text(value)


@dataclass
class _Column:
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


class _Schema:
    """Collects the columns of attribute rows as they stream past."""

    def __init__(self) -> None:
        self._columns: dict[str, _Column] = {}

    def add(self, attrs: Attrs) -> None:
        for name, value in attrs.items():
            col = self._columns.get(name)
            if col is None:
                col = self._columns[name] = _Column(name)
            kind = type(value)
            col.types.add(kind)
            if kind is int and value not in _INT32:
                col.long = True
            elif kind is str and col.iso and not _ISO_DATETIME.fullmatch(value):
                col.iso = False

    def columns(self, *, skip: Sequence[str] = ()) -> list[_Column]:
        """The columns, ``key``, ``label``, ``kind`` first, then alphabetically."""
        order = {name: i for i, name in enumerate(_FIRST)}
        return sorted((c for c in self._columns.values() if c.name not in skip),
                      key=lambda c: (order.get(c.name, len(order)), c.name))


def _columns(rows: Iterable[Attrs]) -> list[_Column]:
    schema = _Schema()
    for attrs in rows:
        schema.add(attrs)
    return schema.columns()


def _as_text(value: Any, *, inf: str = "Infinity", nan: str = "NaN") -> str:
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


def _xml(value: Any, *, attribute: bool = False) -> str:
    """A scalar as XML text: forbidden characters dropped, markup escaped.

    In attribute values tab, newline and carriage return become character references (a
    parser would turn them into spaces); in text only the carriage return does.
    """
    if type(value) is not str:
        return _as_text(value, inf="INF")
    if not _XML_SPECIAL.search(value):
        return value
    text = value
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


# -- writers -------------------------------------------------------------------------------


def _write_source(source: _Source, to: str, target: Path, graph: str) -> list[Path]:
    if to == "graphml":
        _write_graphml(source, target)
    elif to == "json":
        _write_json(source, target)
    elif to == "csv":
        return _write_csv(source, target)
    else:
        return _write_neo4j(source, target, RELATIONSHIP_TYPES.get(graph, "LINKS"))
    return [target]


def _write_graphml(source: _Source, path: Target) -> None:
    declared = {
        "graph": _columns([source.graph]),
        "node": _columns(attrs for _, attrs in source.nodes()),
        "edge": _columns(attrs for _, _, attrs in source.edges()),
    }
    keys: dict[str, list[tuple[str, str]]] = {}
    with _text_output(path) as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<graphml {_GRAPHML_NS}>\n')
        number = 0
        for domain in ("node", "edge", "graph"):
            keys[domain] = []
            for col in declared[domain]:
                fh.write(f'  <key id="d{number}" for="{domain}" attr.name='
                         f'"{_xml(col.name, attribute=True)}" attr.type="{col.type}"/>\n')
                keys[domain].append((col.name, f"d{number}"))
                number += 1
        direction = "directed" if source.directed else "undirected"
        fh.write(f'  <graph id="G" edgedefault="{direction}">\n')
        if source.graph:
            fh.write(f"    {_graphml_data(source.graph, keys['graph'])}\n")
        for node, attrs in source.nodes():
            data = _graphml_data(attrs, keys["node"])
            fh.write(f'    <node id="{_xml(node, attribute=True)}"'
                     + (f">{data}</node>\n" if data else "/>\n"))
        for u, v, attrs in source.edges():
            data = _graphml_data(attrs, keys["edge"])
            fh.write(f'    <edge source="{_xml(u, attribute=True)}" '
                     f'target="{_xml(v, attribute=True)}"'
                     + (f">{data}</edge>\n" if data else "/>\n"))
        fh.write("  </graph>\n</graphml>\n")


def _graphml_data(attrs: Attrs, keys: list[tuple[str, str]]) -> str:
    return "".join(f'<data key="{key}">{_xml(attrs[name])}</data>'
                   for name, key in keys if name in attrs)


def _write_json(source: _Source, path: Target) -> None:
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    with _text_output(path) as fh:
        fh.write(f'{{"directed": {dumps(source.directed)}, "multigraph": '
                 f'{dumps(source.multigraph)}, "graph": {dumps(_jsonable(source.graph))}, '
                 '"nodes": [')
        sep = "\n"
        for node, attrs in source.nodes():
            fh.write(sep + dumps({"id": _jsonable(node), **_sorted_json(attrs)}))
            sep = ",\n"
        fh.write('\n], "edges": [')
        sep = "\n"
        for u, v, attrs in source.edges():
            ends = {"source": _jsonable(u), "target": _jsonable(v)}
            if source.multigraph:
                ends["key"] = _jsonable(attrs.get("key"))
            fh.write(sep + dumps({**ends, **_sorted_json(attrs, skip="key")}))
            sep = ",\n"
        fh.write("\n]}\n")


def _sorted_json(attrs: Attrs, *, skip: str = "") -> Attrs:
    return {_text(k): _jsonable(attrs[k]) for k in sorted(attrs, key=str) if k != skip}


def _write_csv(source: _Source, folder: Path) -> list[Path]:
    folder = _folder(folder)
    tables = [
        ("nodes.csv", ["id"], _columns(a for _, a in source.nodes()),
         ((n, a) for n, a in source.nodes())),
        ("edges.csv", ["source", "target"], _columns(a for *_, a in source.edges()),
         ((u, v, a) for u, v, a in source.edges())),
    ]
    written = []
    for name, ends, columns, rows in tables:
        with _atomic(folder / name, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(ends + [c.name for c in columns])
            for row in rows:
                *ids, attrs = row
                writer.writerow([*ids, *(_as_text(attrs[c.name]) if c.name in attrs else ""
                                         for c in columns)])
        written.append(folder / name)
    return written


def _write_neo4j(source: _Source, folder: Path, default_type: str) -> list[Path]:
    folder = _folder(folder)
    labels = _Labels()
    node_schemas: dict[str, _Schema] = {}
    for node, attrs in source.nodes():
        node_schemas.setdefault(labels.add(node, attrs), _Schema()).add(attrs)
    edge_schemas: dict[tuple[str, str, str], _Schema] = {}
    for u, v, attrs in source.edges():
        group = (_relationship_type(attrs.get("kind"), default_type), labels.of(u), labels.of(v))
        edge_schemas.setdefault(group, _Schema()).add(attrs)
    pairs = Counter(kind for kind, _, _ in edge_schemas)
    node_files, edge_files = [], []
    files: dict[Any, tuple[IO[str], list[_Column]]] = {}
    with _OpenFiles() as opened:
        for label, schema in node_schemas.items():
            columns = _neo4j_columns(schema)
            node_files.append(folder / f"{label}.csv")
            header = [f"id:ID({label})", *(_neo4j_header(c) for c in columns), ":LABEL"]
            files[label] = (opened.open(node_files[-1], header), columns)
        for (kind, start, end), schema in sorted(edge_schemas.items()):
            columns = _neo4j_columns(schema)
            name = kind if pairs[kind] == 1 else f"{kind}-{start}-{end}"
            edge_files.append(folder / f"{name}.csv")
            header = [f":START_ID({start})", f":END_ID({end})", ":TYPE",
                      *(_neo4j_header(c) for c in columns)]
            files[(kind, start, end)] = (opened.open(edge_files[-1], header), columns)
        for node, attrs in source.nodes():
            label = labels.of(node)
            fh, columns = files[label]
            fh.write(",".join([_neo4j_text(node), *_neo4j_cells(attrs, columns), label]) + "\n")
        for u, v, attrs in source.edges():
            group = (_relationship_type(attrs.get("kind"), default_type), labels.of(u),
                     labels.of(v))
            fh, columns = files[group]
            fh.write(",".join([_neo4j_text(u), _neo4j_text(v), group[0],
                               *_neo4j_cells(attrs, columns)]) + "\n")
    script = folder / "neo4j-import.sh"
    command = neo4j_import_command([p.name for p in node_files], [p.name for p in edge_files],
                                   database='"${1:-neo4j}"', admin='"${NEO4J_ADMIN:-neo4j-admin}"')
    with _atomic(script) as fh:
        fh.write("#!/bin/sh\n# Import these CSV files into a new Neo4j database (graphnews "
                 "docs/exports.md).\n# Usage: sh neo4j-import.sh [database]   "
                 "(NEO4J_ADMIN=/path/to/neo4j-admin picks the binary)\n"
                 f'cd "$(dirname "$0")" && exec {command}\n')
    script.chmod(0o755)
    return [*node_files, *edge_files, script]


def _neo4j_columns(schema: _Schema) -> list[_Column]:
    """The property columns: ``kind`` is the label or type; ``id`` and ``:`` are taken."""
    columns = schema.columns(skip=("kind",))
    for col in columns:
        if ":" in col.name or col.name == "id":
            raise BadInputError(f"attribute {col.name!r} cannot be a Neo4j property name "
                                "(':' and 'id' belong to the import header)")
    return columns


class _Labels:
    """Each node's Neo4j label, kept only where the node id's prefix does not say it.

    graphnews node ids carry their kind (``article:12``), so for them nothing is stored.
    """

    def __init__(self) -> None:
        self.unusual: dict[Any, str] = {}

    def add(self, node: Any, attrs: Attrs) -> str:
        label = _label(attrs.get("kind"))
        if label != self._from_id(node):
            self.unusual[node] = label
        return label

    def of(self, node: Any) -> str:
        return self.unusual.get(node) or self._from_id(node)

    @staticmethod
    def _from_id(node: Any) -> str:
        text = str(node)
        return _label(text[:text.index(":")]) if ":" in text else "Node"


@functools.lru_cache(maxsize=4096)
def _label(kind: Any) -> str:
    """A node kind as a CamelCase Neo4j label: ``article`` -> ``Article``."""
    parts = re.split(r"[\W_]+", str(kind)) if kind is not None else []
    return "".join(p[:1].upper() + p[1:] for p in parts if p) or "Node"


@functools.lru_cache(maxsize=4096)
def _relationship_type(kind: Any, default: str) -> str:
    """An edge kind as a Neo4j relationship type: ``published_by`` -> ``PUBLISHED_BY``."""
    text = re.sub(r"\W+", "_", str(kind)).strip("_").upper() if kind is not None else ""
    return text or default


def _neo4j_header(col: _Column) -> str:
    return _neo4j_text(f"{col.name}:{col.neo4j_type}", quote=False)


def _neo4j_cells(attrs: Attrs, columns: list[_Column]) -> Iterator[str]:
    for col in columns:
        if col.name not in attrs:
            yield ""
        elif col.type == "string":
            yield _neo4j_text(_as_text(attrs[col.name]), quote=col.neo4j_type == "string")
        else:
            yield _as_text(attrs[col.name])


def _neo4j_text(value: Any, *, quote: bool = True) -> str:
    """A CSV field for neo4j-admin: quoted (inner quotes doubled) when text or when needed."""
    text = str(value)
    if quote or any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _OpenFiles:
    """Opens the Neo4j CSV files (header first) and closes them all, atomically, at the end."""

    def __init__(self) -> None:
        self._stack: list[Any] = []

    def open(self, path: Path, header: list[str]) -> IO[str]:
        manager = _atomic(path)
        fh = manager.__enter__()
        self._stack.append(manager)
        fh.write(",".join(header) + "\n")
        return fh

    def __enter__(self) -> _OpenFiles:
        return self

    def __exit__(self, *exc: Any) -> None:
        for manager in reversed(self._stack):
            manager.__exit__(*exc)


# -- GEXF ----------------------------------------------------------------------------------


@dataclass
class _Timeline:
    """When each node appears (seconds), and how its ``articles`` count grows."""

    own: dict[str, int]  # nodes with their own publication time
    derived: dict[str, int]  # nodes that appear with the first dated node pointing to them
    steps: dict[str, list[tuple[int, int]]]  # node -> [(time, articles from then on)]

    @classmethod
    def of(cls, G: nx.Graph) -> _Timeline:
        own = {_text(n): d["published_ts"] for n, d in G.nodes(data=True)
               if type(d.get("published_ts")) is int}
        derived: dict[str, int] = {}
        steps: dict[str, list[tuple[int, int]]] = {}
        pointing = G.predecessors if G.is_directed() else G.neighbors
        for n, data in G.nodes(data=True):
            key = _text(n)
            if key in own:
                continue
            times = sorted(own[t] for t in map(_text, pointing(n)) if t in own)
            if not times:
                continue
            derived[key] = times[0]
            total = data.get("articles")
            if type(total) is int:
                count = max(total - len(times), 0)
                steps[key] = []
                for t, n_at in sorted(Counter(times).items()):
                    count += n_at
                    steps[key].append((t, count))
        return cls(own, derived, steps)

    def start(self, node: str) -> int | None:
        return self.own.get(node, self.derived.get(node))

    @property
    def dynamic(self) -> bool:
        return bool(self.own)


class _GexfWriter:
    def __init__(self, fh: IO[str], source: _Source, timeline: _Timeline,
                 node_cols: list[_Column], edge_cols: list[_Column]) -> None:
        self.fh = fh
        self.source = source
        self.timeline = timeline
        self.node_cols = [c for c in node_cols if c.name != "label"]
        self.weight_xml = any(c.name == "weight" and c.type in ("int", "long", "double")
                              for c in edge_cols)
        skip = {"label", "weight"} if self.weight_xml else {"label"}
        self.edge_cols = [c for c in edge_cols if c.name not in skip]
        self.dynamic_cols = {"articles"} if timeline.steps else set()
        # networkx's reader takes an edge attribute "networkx_key" as the multigraph key (and
        # fails on one named "key"), as its writer writes it
        self.titles = {("edge", "key"): "networkx_key"} if source.multigraph else {}
        self.ids: dict[tuple[str, str], str] = {}

    def write(self, n_nodes: int, n_edges: int) -> None:
        w = self.fh.write
        mode = "dynamic" if self.timeline.dynamic else "static"
        direction = "directed" if self.source.directed else "undirected"
        w(f'<?xml version="1.0" encoding="UTF-8"?>\n<gexf {_GEXF_NS}>\n'
          "  <meta>\n    <creator>graphnews</creator>\n  </meta>\n"
          f'  <graph defaultedgetype="{direction}" mode="{mode}"')
        if self.timeline.dynamic:
            w(' timeformat="date" timerepresentation="interval" timezone="UTC"')
        w(">\n")
        static_nodes = [c for c in self.node_cols if c.name not in self.dynamic_cols]
        dynamic_nodes = [c for c in self.node_cols if c.name in self.dynamic_cols]
        self._declare("node", "static", static_nodes)
        self._declare("node", "dynamic", dynamic_nodes)
        self._declare("edge", "static", self.edge_cols)
        w(f'    <nodes count="{n_nodes}">\n')
        for node, attrs in self.source.nodes():
            self._node(node, attrs)
        w(f'    </nodes>\n    <edges count="{n_edges}">\n')
        for number, (u, v, attrs) in enumerate(self.source.edges()):
            self._edge(number, u, v, attrs)
        w("    </edges>\n  </graph>\n</gexf>\n")

    def _declare(self, cls: str, mode: str, columns: list[_Column]) -> None:
        if not columns:
            return
        self.fh.write(f'    <attributes class="{cls}" mode="{mode}">\n')
        for col in columns:
            number = str(len(self.ids))
            self.ids[(cls, col.name)] = number
            title = self.titles.get((cls, col.name), col.name)
            self.fh.write(f'      <attribute id="{number}" title='
                          f'"{_xml(title, attribute=True)}" type="{_GEXF_TYPES[col.type]}"/>\n')
        self.fh.write("    </attributes>\n")

    def _node(self, node: str, attrs: Attrs) -> None:
        head = f'      <node id="{_xml(node, attribute=True)}"'
        if "label" in attrs:
            head += f' label="{_xml(attrs["label"], attribute=True)}"'
        own = self.timeline.own.get(node)
        if own is not None:
            head += f' start="{_iso(own)}"'
        values = self._attvalues("node", self.node_cols, attrs, self.timeline.steps.get(node))
        derived = self.timeline.derived.get(node)
        spells = (f'<spells><spell start="{_iso(derived)}"/></spells>'
                  if derived is not None else "")
        body = values + spells
        self.fh.write(head + (f">{body}</node>\n" if body else "/>\n"))

    def _edge(self, number: int, u: str, v: str, attrs: Attrs) -> None:
        head = (f'      <edge id="{number}" source="{_xml(u, attribute=True)}" '
                f'target="{_xml(v, attribute=True)}"')
        if "label" in attrs:
            head += f' label="{_xml(attrs["label"], attribute=True)}"'
        if self.weight_xml and "weight" in attrs:
            head += f' weight="{_xml(attrs["weight"], attribute=True)}"'
        if isinstance(attrs.get("kind"), str):
            head += f' kind="{_xml(attrs["kind"], attribute=True)}"'
        body = self._attvalues("edge", self.edge_cols, attrs, None)
        starts = [t for t in (self.timeline.start(u), self.timeline.start(v)) if t is not None]
        if starts:
            body += f'<spells><spell start="{_iso(max(starts))}"/></spells>'
        self.fh.write(head + (f">{body}</edge>\n" if body else "/>\n"))

    def _attvalues(self, cls: str, columns: list[_Column], attrs: Attrs,
                   steps: list[tuple[int, int]] | None) -> str:
        parts = []
        for col in columns:
            if col.name not in attrs:
                continue
            key = self.ids[(cls, col.name)]
            if col.name in self.dynamic_cols and steps:
                for i, (t, count) in enumerate(steps):
                    end = f' end="{_iso(steps[i + 1][0] - 1)}"' if i + 1 < len(steps) else ""
                    parts.append(f'<attvalue for="{key}" value="{count}" start="{_iso(t)}"'
                                 f"{end}/>")
            else:
                parts.append(f'<attvalue for="{key}" value="'
                             f'{_xml(attrs[col.name], attribute=True)}"/>')
        return f"<attvalues>{''.join(parts)}</attvalues>" if parts else ""


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- files ---------------------------------------------------------------------------------


def _story_id(db: Database, graph: str) -> str | None:
    """The story id of ``story:ID`` (checked to exist), None for the other graphs."""
    if not graph.startswith("story:"):
        if graph not in GRAPH_KINDS:
            raise BadInputError(f"unknown graph {graph!r}: use one of {', '.join(GRAPH_KINDS)} "
                                "or story:ID")
        return None
    story = graph.split(":", 1)[1]
    if db.conn.execute("SELECT 1 FROM stories WHERE id = ?", (story,)).fetchone() is None:
        raise NotFoundError(f"no story {story!r} in the database")
    return story


def _target(to: str, graph: str, out: Path | None) -> Path:
    stem = re.sub(r"[^\w.-]+", "-", graph)
    base = DEFAULT_DB.parent
    if to not in _EXTENSIONS:
        if out is not None and out.is_file():
            raise BadInputError(f"{out} is a file: a {to} export writes a folder of files")
        return out if out is not None else base / f"{stem}-{to}"
    name = stem + _EXTENSIONS[to]
    if out is None:
        return base / name
    return out / name if out.is_dir() or not out.suffix else out


def _folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def _atomic(path: Path, *, newline: str = "\n") -> Iterator[IO[str]]:
    """A UTF-8 text file that appears under its name only once completely written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline=newline) as fh:
            yield fh
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _text_output(target: Target) -> Iterator[IO[str]]:
    """Write text to a path (atomically) or to an open file, binary or text."""
    if isinstance(target, str | os.PathLike):
        with _atomic(Path(target)) as fh:
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
