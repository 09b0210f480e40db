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

Inside: ``_rows`` (sources, value cleaning, typed columns, files), ``_xml`` (GraphML, GEXF),
``_tables`` (JSON, CSV, Neo4j).

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

import hashlib
import os
import re
from pathlib import Path

import networkx as nx

from graphnews.errors import BadInputError, NotFoundError
from graphnews.export._rows import Source, Target, coverage_source, graph_source
from graphnews.export._tables import (
    neo4j_import_command,
    write_csv_rows,
    write_json_rows,
    write_neo4j_rows,
)
from graphnews.export._xml import write_gexf_graph, write_graphml_rows
from graphnews.filters import Filters
from graphnews.graph import GRAPH_KINDS, build_graph
from graphnews.store import DEFAULT_DB, Database

__all__ = [
    "FORMATS",
    "RELATIONSHIP_TYPES",
    "export",
    "file_stem",
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

_EXTENSIONS = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json"}
_UNSAFE = re.compile(r"[^\w.-]+")


def export(
    db: Database,
    *,
    to: str,
    graph: str = "coverage",
    out: str | os.PathLike[str] | None = None,
    filters: Filters | None = None,
    built: nx.Graph | None = None,
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
        Which articles and edges to write (`graphnews.filters.Filters`).
    built : networkx graph, optional
        That graph under these filters when the caller has built it already (`graphnews run`
        passes the centrality step's outlet graph): it is written as it is, not built again.

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
    f = filters or Filters()
    story = _story_id(db, graph)
    target = _target(to, graph, None if out is None else Path(out))
    streamed = story is not None or graph == "coverage"
    if streamed and to != "gexf" and built is None:
        with coverage_source(db, f, story) as source:
            return _write_source(source, to, target, graph)
    G = build_graph(db, graph, filters=f) if built is None else built
    if to == "gexf":
        write_gexf(G, target)
        return [target]
    return _write_source(graph_source(G, scalars=to != "json"), to, target, graph)


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
    write_graphml_rows(graph_source(G, scalars=True), path)


def write_json(G: nx.Graph, path: Target) -> None:
    """Write ``G`` as node-link JSON (`networkx.node_link_data` layout), one element a line.

    Keys are in a stable order: ``id`` then the attributes alphabetically for nodes,
    ``source``, ``target``, ``key`` (multigraphs) then the rest for edges. Read it back with
    ``networkx.node_link_graph(json.load(f), edges="edges")``.
    """
    write_json_rows(graph_source(G, scalars=False), path)


def write_csv(G: nx.Graph, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``nodes.csv`` (``id``, attributes) and ``edges.csv`` (``source``, ``target``, ...).

    UTF-8 without a byte-order mark, RFC 4180 quoting, ``true``/``false`` for booleans, an
    empty cell for a missing value. Return the two paths.
    """
    return write_csv_rows(graph_source(G, scalars=True), Path(folder))


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
    return write_neo4j_rows(graph_source(G, scalars=True), Path(folder), relationship_type)


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
    write_gexf_graph(G, path)


def _write_source(source: Source, to: str, target: Path, graph: str) -> list[Path]:
    if to == "graphml":
        write_graphml_rows(source, target)
    elif to == "json":
        write_json_rows(source, target)
    elif to == "csv":
        return write_csv_rows(source, target)
    else:
        return write_neo4j_rows(source, target, RELATIONSHIP_TYPES.get(graph, "LINKS"))
    return [target]


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


def file_stem(name: str) -> str:
    """A file name part for a graph or node name: safe characters, short enough for any file
    system (a long name keeps its start and gets a hash of the whole).

    >>> file_stem("story:s-1"), len(file_stem("outlet:" + "x" * 300))
    ('story-s-1', 77)
    """
    stem = _UNSAFE.sub("-", name)
    if len(stem) <= 80:
        return stem
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{stem[:64]}-{digest}"


def _target(to: str, graph: str, out: Path | None) -> Path:
    stem = file_stem(graph)
    base = DEFAULT_DB.parent
    if to not in _EXTENSIONS:
        if out is not None and out.is_file():
            raise BadInputError(f"{out} is a file: a {to} export writes a folder of files")
        return out if out is not None else base / f"{stem}-{to}"
    name = stem + _EXTENSIONS[to]
    if out is None:
        return base / name
    return out / name if out.is_dir() or not out.suffix else out
