"""Exports read back by the tools they are for: networkx, python-igraph, csv, Neo4j's header format.

Every round trip compares node count, edge count and every attribute value with the graph that
was written. The coverage graph is streamed from SQL; those files must be byte for byte what
``build_graph`` + the writer give. The tests of a database run on both engines
(tests/conftest.py's `engine`).
"""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import io
import json
import math
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import numpy as np
import pytest

import graphnews
from graphnews.errors import BadInputError, NotFoundError
from graphnews.export import (
    export,
    neo4j_import_command,
    write_csv,
    write_gexf,
    write_graphml,
    write_json,
    write_neo4j,
)
from graphnews.export._xml import _XML_ILLEGAL, _node_id, _xml, _xml_id, _xml_text
from graphnews.filters import Filters
from graphnews.graph import build_graph
from graphnews.store import Database
from tests.helpers_corpus import article, write_corpus

GRAPHS = ("coverage", "outlets", "follows", "topics")
csv.field_size_limit(1 << 24)  # LONG below is past the csv module's default 128 KiB field limit
STORY = "s-0123456789ab"
GEXF = "{http://gexf.net/1.3}"
# XML 1.0 forbids these: the XML writers drop them, JSON and CSV keep them
FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"
HOSTILE = (
    f'  "Quotes" & <tags> ]]> {FORBIDDEN} tab\there\r\nCRLF\nnewline '
    "中文标题 العربية Ελληνικά 🦉 𝄞 \u200b  "
)
LONG = "A very long title " * 12_000  # 216,000 characters


def expected_xml(text: str) -> str:
    """What survives XML: everything but the forbidden control characters."""
    return re.sub(f"[{FORBIDDEN}]", "", text)


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(real_target: str) -> Database:
    """The seeds and the June 2022 related/ corpus, opened read-only."""
    return graphnews.open(real_target, readonly=True)


@pytest.fixture(scope="module")
def storied(real_target: str, new_target: Callable[[], str]) -> Database:
    """A copy of the real database with one story, and hostile titles on its articles
    (PostgreSQL's text holds no NUL character: there the title is without it)."""
    from graphnews.copy import copy_database

    target = new_target()
    copy_database(real_target, target)
    database = graphnews.open(target)
    hostile = HOSTILE if database.engine == "sqlite" else HOSTILE.replace("\x00", "")
    with database.conn:
        members = [r[0] for r in database.conn.execute(
            "SELECT DISTINCT to_article FROM related_links ORDER BY to_article LIMIT 6")]
        database.conn.execute(
            "INSERT INTO stories (id, size, confidence, signature, computed_at) "
            "VALUES (?, ?, 0.9, 'x', '2022-07-01T00:00:00Z')", (STORY, len(members)))
        database.conn.executemany("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)",
                                  [(STORY, m) for m in members])
        database.conn.execute("UPDATE articles SET title = ? WHERE id = ?", (hostile, members[0]))
        database.conn.execute("UPDATE articles SET title = ? WHERE id = ?", (LONG, members[1]))
    return database


def hostile_graph() -> nx.MultiDiGraph:
    """A user's graph with every kind of value networkx's own writers trip on."""
    G = nx.MultiDiGraph(name="hostile")
    G.add_node("article:1", kind="article", label=HOSTILE, title=LONG, published_ts=1656357120,
               topics=["AI", "Ethics"], missing=None, score=np.float64(0.25), n=np.int64(3),
               when=dt.datetime(2022, 6, 27, 19, 12, tzinfo=dt.UTC), flags={"b", "a"},
               meta={"k": [1, None]}, mixed=1, big=2**40, ratio=1)
    G.add_node('outlet:"odd" & <name>', kind="outlet", label="Ödd", articles=1, mixed="one",
               ratio=0.5)
    G.add_node("outlet:中文.cn", kind="outlet", label="中文", articles=0, ratio=math.inf)
    G.add_edge("article:1", 'outlet:"odd" & <name>', key="published_by", kind="published_by")
    G.add_edge("article:1", "outlet:中文.cn", key=7, kind="about", note=HOSTILE, weight=2)
    G.add_edge("article:1", "outlet:中文.cn", key="second", kind="about", note=None, weight=1.5)
    return G


HOSTILE_SCALARS = {  # what every non-JSON format writes for hostile_graph()'s article
    "kind": "article", "label": HOSTILE, "title": LONG, "published_ts": 1656357120,
    "topics": '["AI", "Ethics"]', "score": 0.25, "n": 3, "when": "2022-06-27T19:12:00+00:00",
    "flags": '["a", "b"]', "meta": '{"k": [1, null]}', "mixed": "1", "big": 2**40, "ratio": 1.0,
}


# -- comparing graphs ----------------------------------------------------------------------


def written(G: nx.Graph) -> tuple[dict[str, dict[str, Any]], Counter[Any]]:
    """Nodes and edges as the writers put them: a multigraph's key is the attribute ``key``."""
    nodes = {str(n): dict(d) for n, d in G.nodes(data=True)}
    if G.is_multigraph():
        edges = Counter(edge_row(u, v, {**d, "key": k}) for u, v, k, d in
                        G.edges(keys=True, data=True))
    else:
        edges = Counter(edge_row(u, v, d) for u, v, d in G.edges(data=True))
    return nodes, edges


def edge_row(u: Any, v: Any, attrs: dict[str, Any], undirected: bool = False) -> tuple[Any, ...]:
    ends = tuple(sorted((str(u), str(v)))) if undirected else (str(u), str(v))
    return (*ends, frozenset(attrs.items()))


def assert_networkx_round_trip(G: nx.Graph, H: nx.Graph) -> None:
    nodes, edges = written(G)
    assert (H.number_of_nodes(), H.number_of_edges()) == (len(nodes), sum(edges.values()))
    assert {str(n): dict(d) for n, d in H.nodes(data=True)} == nodes
    if H.is_multigraph():
        read = Counter(edge_row(u, v, d) for u, v, d in H.edges(data=True))
    else:
        read = Counter(edge_row(u, v, d) for u, v, d in H.edges(data=True))
    if not G.is_directed():
        edges = Counter({edge_row(*row[:2], dict(row[2]), True): n for row, n in edges.items()})
        read = Counter({edge_row(*row[:2], dict(row[2]), True): n for row, n in read.items()})
    assert read == edges


def igraph_value_matches(value: Any, expected: Any) -> bool:
    if expected is None:  # absent: igraph fills its column default
        return value == "" or value is False or (isinstance(value, float) and math.isnan(value))
    return bool(value == expected)


def igraph_ids(g: igraph.Graph) -> list[str]:
    """Node ids as written: igraph (libxml2's SAX2 without entity substitution) reports an
    ``&`` in an XML attribute as ``&#38;``; its data values are read right."""
    return [i.replace("&#38;", "&") for i in g.vs["id"]]


def assert_igraph_round_trip(G: nx.Graph, path: Path) -> None:
    g = igraph.Graph.Read_GraphML(str(path))
    ids = igraph_ids(g)
    nodes, edges = written(G)
    assert (g.vcount(), g.ecount(), g.is_directed()) == (len(nodes), sum(edges.values()),
                                                          G.is_directed())
    names = [a for a in g.vs.attributes() if a != "id"]
    assert set(names) == {k for d in nodes.values() for k in d}
    for vertex, node in zip(g.vs, ids, strict=True):
        for name in names:
            assert igraph_value_matches(vertex[name], nodes[node].get(name)), (node, name)
    read: Counter[Any] = Counter()
    for e in g.es:
        present = {k: v for k, v in e.attributes().items()
                   if not igraph_value_matches(v, None)}
        read[edge_row(ids[e.source], ids[e.target], present, not G.is_directed())] += 1
    expected = Counter({edge_row(*row[:2], dict(row[2]), not G.is_directed()): n
                        for row, n in edges.items()})
    assert read == expected


# -- streamed exports ----------------------------------------------------------------------


@pytest.mark.parametrize("to", ["graphml", "json", "csv", "neo4j"])
@pytest.mark.parametrize("graph, options", [
    ("coverage", {}),
    ("coverage", {"since": "2022-06-10", "until": "2022-06-20"}),
    ("coverage", {"topics": ["AI Ethics"]}),
    (f"story:{STORY}", {}),
])
def test_streamed_export_equals_build_graph_and_writer(
    storied: Database, tmp_path: Path, to: str, graph: str, options: dict[str, Any]
) -> None:
    assert_streamed_equals_built(storied, tmp_path, to, graph, Filters.build(**options))


def assert_streamed_equals_built(db: Database, tmp_path: Path, to: str, graph: str = "coverage",
                                 filters: Filters | None = None) -> list[Path]:
    """The streamed export's files are byte for byte `build_graph` + the writer's; returned."""
    streamed = export(db, to=to, graph=graph, out=tmp_path / "streamed", filters=filters)
    G = build_graph(db, graph, filters=filters)
    writer = {"graphml": write_graphml, "json": write_json, "csv": write_csv,
              "neo4j": write_neo4j}[to]
    reference = tmp_path / "reference"
    reference.mkdir()
    if to in ("csv", "neo4j"):
        built = writer(G, reference)
    else:
        built = [reference / streamed[0].name]
        writer(G, built[0])
    assert [p.name for p in streamed] == [p.name for p in built]
    for a, b in zip(streamed, built, strict=True):
        assert filecmp.cmp(a, b, shallow=False), a.name
    assert G.number_of_nodes() > 0
    return streamed


def linked_db(tmp_path: Path, target: str) -> Database:
    """One a.com document listing b.com's article, c.com's, b.com's again and c.com's again."""
    b, c = article("b.com", "1", "2022-06-01T10:00:00Z"), article("c.com", "2", None)
    db = graphnews.open(target)
    assert not db.ingest([write_corpus(tmp_path / "docs", [
        article("a.com", "0", "2022-06-01T09:00:00Z", related=[b, c, b, c])])]).rejected
    return db


def test_streamed_related_edges_grouped_by_target_in_order_of_first_listing(
    tmp_path: Path, new_target: Callable[[], str]
) -> None:
    (path,) = assert_streamed_equals_built(linked_db(tmp_path, new_target()), tmp_path, "graphml")
    H = nx.read_graphml(path, force_multigraph=True)
    assert [k for *_, k in H.out_edges(keys=True) if k.startswith("related")] == [
        "related:1:0", "related:1:2", "related:1:1", "related:1:3"]


@pytest.mark.parametrize("to", ["graphml", "csv", "neo4j"])
@pytest.mark.parametrize("position", [-(2**40), 2**40])
def test_streamed_edge_columns_see_the_least_and_greatest_ints(
    tmp_path: Path, new_target: Callable[[], str], to: str, position: int
) -> None:
    """A position past 32 bits, least or greatest, makes the column long (the streamed first
    pass reads only the extremes of the related edges)."""
    db = linked_db(tmp_path, new_target())
    with db.conn:
        db.conn.execute("UPDATE related_links SET position = ? WHERE position = 0", (position,))
    files = assert_streamed_equals_built(db, tmp_path, to)
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    assert ('attr.name="position" attr.type="long"' in text if to == "graphml"
            else "position:long" in text if to == "neo4j" else str(position) in text)


def test_story_graph_holds_the_story_and_its_hostile_titles(storied: Database,
                                                           tmp_path: Path) -> None:
    (path,) = export(storied, to="graphml", graph=f"story:{STORY}", out=tmp_path)
    H = nx.read_graphml(path, force_multigraph=True)
    articles = {n: d for n, d in H.nodes(data=True) if d["kind"] == "article"}
    assert len(articles) == 6 and {d["story"] for d in articles.values()} == {STORY}
    assert {d["title"] for d in articles.values()} >= {expected_xml(HOSTILE), LONG}
    g = igraph.Graph.Read_GraphML(str(path))
    assert set(g.vs["title"]) >= {expected_xml(HOSTILE), LONG}


# -- GraphML -------------------------------------------------------------------------------


@pytest.mark.parametrize("graph", GRAPHS)
def test_graphml_round_trips_through_networkx_and_igraph(real: Database, tmp_path: Path,
                                                         graph: str) -> None:
    (path,) = export(real, to="graphml", graph=graph, out=tmp_path)
    G = build_graph(real, graph)
    assert G.number_of_edges() > 0
    H = nx.read_graphml(path, force_multigraph=G.is_multigraph())
    assert_networkx_round_trip(G, H)
    assert_igraph_round_trip(G, path)


def test_graphml_declares_typed_keys(real: Database, tmp_path: Path) -> None:
    (path,) = export(real, to="graphml", out=tmp_path)
    root = ET.parse(path).getroot()
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type")
             for k in root.iter(f"{ns}key")}
    assert types[("node", "published_ts")] == "int"
    assert types[("node", "has_document")] == "boolean"
    assert types[("node", "articles")] == "int"
    assert types[("node", "title")] == "string"
    assert types[("edge", "key")] == "string"
    assert set(types.values()) <= {"int", "long", "double", "boolean", "string"}
    # no edge ids: they would repeat across the file (yEd, Gephi) and igraph misreads them
    assert all(e.get("id") is None for e in root.iter(f"{ns}edge"))


def test_graphml_of_a_hostile_graph(tmp_path: Path) -> None:
    G = hostile_graph()
    with pytest.raises(nx.NetworkXError):  # why this module writes GraphML itself
        nx.write_graphml(G, tmp_path / "networkx.graphml")
    write_graphml(G, tmp_path / "h.graphml")
    H = nx.read_graphml(tmp_path / "h.graphml", force_multigraph=True)
    assert H.graph == {"name": "hostile", "node_default": {}, "edge_default": {}}
    article = H.nodes["article:1"]
    assert article == {**HOSTILE_SCALARS, "label": expected_xml(HOSTILE)}
    assert H.nodes["outlet:中文.cn"]["ratio"] == math.inf
    assert set(H['article:1']['outlet:中文.cn']) == {"7", "second"}
    assert H.edges["article:1", "outlet:中文.cn", "7"]["note"] == expected_xml(HOSTILE)
    assert_igraph_round_trip(nx.MultiDiGraph(H), tmp_path / "h.graphml")


def test_xml_escaping_fast_paths_agree_with_the_escaper() -> None:
    """The forbidden characters are XML 1.0's (its Char production), and `_xml_text` and
    `_xml_id` skip `_xml` (and `_node_id`) only where these would change nothing."""
    def allowed(code: int) -> bool:
        return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD \
            or code >= 0x10000
    assert [c for c in range(0x110000) if bool(_XML_ILLEGAL.match(chr(c))) == allowed(c)] == []
    for code in [*range(0x10000), 0x1F989, 0x10FFFF]:
        for text in (f"a{chr(code)}b", f"a{chr(code)}\\b"):
            assert _xml_text(text) == _xml(text)
            assert _xml_id(text) == _xml(_node_id(text), attribute=True)
    for value in (3, -(2**40), True, False, 1.5, math.inf, math.nan):
        assert _xml_text(value) == _xml(value)
        assert _xml_id(value) == _xml(_node_id(value), attribute=True)


def test_graphml_writes_to_open_files(tmp_path: Path) -> None:
    G = nx.path_graph(3)
    binary, text = io.BytesIO(), io.StringIO()
    write_graphml(G, binary)
    write_graphml(G, text)
    assert binary.getvalue().decode("utf-8") == text.getvalue()
    H = nx.read_graphml(io.BytesIO(binary.getvalue()), node_type=int)
    assert list(H.nodes) == [0, 1, 2] and list(H.edges) == [(0, 1), (1, 2)]


def test_mixed_types_become_text_and_big_ints_long(tmp_path: Path) -> None:
    write_graphml(hostile_graph(), tmp_path / "h.graphml")
    root = ET.parse(tmp_path / "h.graphml").getroot()
    types = {k.get("attr.name"): k.get("attr.type") for k in root
             if k.tag.endswith("key") and k.get("for") == "node"}
    assert (types["mixed"], types["big"], types["ratio"], types["n"]) == (
        "string", "long", "double", "int")


# -- GEXF ----------------------------------------------------------------------------------


def check_gexf_13(path: Path) -> ET.Element:
    """The structure the GEXF 1.3 schema (gexf.net/1.3/gexf.rnc + dynamics.rnc) asks for."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{GEXF}gexf" and root.get("version") == "1.3"
    (graph,) = root.findall(f"{GEXF}graph")
    assert graph.get("defaultedgetype") in ("directed", "undirected")
    assert graph.get("mode") in ("static", "dynamic")
    assert graph.get("timeformat", "date") in ("integer", "double", "date", "dateTime")
    assert graph.get("timerepresentation", "interval") == "interval"
    declared: dict[tuple[str, str], tuple[str, str]] = {}
    for block in graph.findall(f"{GEXF}attributes"):
        assert block.get("class") in ("node", "edge") and block.get("mode") in ("static",
                                                                               "dynamic")
        for attribute in block.findall(f"{GEXF}attribute"):
            assert attribute.get("type") in ("integer", "long", "double", "boolean", "string")
            assert attribute.get("title")
            key = (block.get("class"), attribute.get("id"))
            assert key not in declared
            declared[key] = (attribute.get("type"), block.get("mode"))
    parsers = {"integer": int, "long": int, "double": float, "string": str,
               "boolean": {"true": True, "false": False}.__getitem__}

    def check_element(element: ET.Element, cls: str) -> None:
        for t in (element.get("start"), element.get("end")):
            if t is not None:
                dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
        for value in element.iter(f"{GEXF}attvalue"):
            kind, mode = declared[(cls, value.get("for"))]
            parsers[kind](value.get("value"))
            if value.get("start") is not None:
                assert mode == "dynamic"
                dt.datetime.fromisoformat(value.get("start").replace("Z", "+00:00"))
        for spells in element.findall(f"{GEXF}spells"):
            assert spells.findall(f"{GEXF}spell")

    (nodes,) = graph.findall(f"{GEXF}nodes")
    ids = set()
    for node in nodes.findall(f"{GEXF}node"):
        assert node.get("id") not in ids
        ids.add(node.get("id"))
        check_element(node, "node")
    assert int(nodes.get("count")) == len(ids)
    (edges,) = graph.findall(f"{GEXF}edges")
    edge_ids = [e.get("id") for e in edges.findall(f"{GEXF}edge")]
    assert len(set(edge_ids)) == len(edge_ids) == int(edges.get("count"))
    for edge in edges.findall(f"{GEXF}edge"):
        assert edge.get("source") in ids and edge.get("target") in ids
        if edge.get("weight") is not None:
            float(edge.get("weight"))
        check_element(edge, "edge")
    return root


def test_gexf_coverage_is_dynamic_for_gephis_timeline(real: Database, tmp_path: Path) -> None:
    (path,) = export(real, to="gexf", out=tmp_path)
    check_gexf_13(path)
    G = build_graph(real, "coverage")
    H = nx.read_gexf(path)
    assert (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(),
                                                          G.number_of_edges())
    assert H.graph["mode"] == "dynamic"

    def iso(ts: int) -> str:
        return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    start: dict[str, str] = {}
    for n, d in G.nodes(data=True):
        read = dict(H.nodes[n])
        if "published_ts" in d:  # an article appears when it is published
            start[n] = read.pop("start")
            assert start[n] == iso(d["published_ts"])
        else:  # an outlet or topic appears with its first article; its count grows
            times = sorted(G.nodes[a]["published_ts"] for a in G.predecessors(n)
                           if "published_ts" in G.nodes[a])
            ((first, _),) = read.pop("spells")
            start[n] = first
            assert first == iso(times[0])
            steps = read.pop("articles")
            assert [s[1] for s in steps] == sorted({iso(t) for t in times})
            assert steps[-1][0] == d["articles"] and steps[-1][2] == "None"
            read["articles"] = d["articles"]
        assert read == d, n
    read_edges = Counter()
    for u, v, d in H.edges(data=True):
        ((first, _),) = d.pop("spells")
        assert first == max(start[u], start[v])
        d.pop("id")
        read_edges[edge_row(u, v, d)] += 1
    expected = Counter(edge_row(u, v, d) for u, v, d in G.edges(data=True))
    assert read_edges == expected


@pytest.mark.parametrize("graph", ["outlets", "follows", "topics"])
def test_gexf_projections_are_static(real: Database, tmp_path: Path, graph: str) -> None:
    (path,) = export(real, to="gexf", graph=graph, out=tmp_path)
    assert check_gexf_13(path).find(f"{GEXF}graph").get("mode") == "static"
    G = build_graph(real, graph)
    H = nx.read_gexf(path)
    assert (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(),
                                                          G.number_of_edges())
    for n, d in G.nodes(data=True):
        assert dict(H.nodes[n]) == d
    for u, v, d in G.edges(data=True):
        read = dict(H.edges[u, v])
        read.pop("id")
        assert read == d  # weight comes back as a float from GEXF's XML weight: 3.0 == 3


def test_gexf_of_a_hostile_graph(tmp_path: Path) -> None:
    G = hostile_graph()
    write_gexf(G, tmp_path / "h.gexf")
    check_gexf_13(tmp_path / "h.gexf")
    H = nx.read_gexf(tmp_path / "h.gexf")
    article = dict(H.nodes["article:1"])
    assert article.pop("start") == "2022-06-27T19:12:00Z"
    assert article == {**HOSTILE_SCALARS, "label": expected_xml(HOSTILE)}
    assert H.nodes['outlet:"odd" & <name>']["spells"] == [("2022-06-27T19:12:00Z", "None")]
    assert {k for _, _, k in H.edges(keys=True)} == {"published_by", "7", "second"}  # mixed: text
    notes = [d.get("note") for _, _, d in H.edges(data=True)]
    assert expected_xml(HOSTILE) in notes


# -- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize("graph", GRAPHS)
def test_json_round_trips_with_stable_key_order(real: Database, tmp_path: Path,
                                                graph: str) -> None:
    (path,) = export(real, to="json", graph=graph, out=tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    G = build_graph(real, graph)
    assert list(data) == ["directed", "multigraph", "graph", "nodes", "edges"]
    for node in data["nodes"]:
        assert list(node) == ["id", *sorted(k for k in node if k != "id")]
    ends = ["source", "target", "key"] if G.is_multigraph() else ["source", "target"]
    for edge in data["edges"]:
        assert list(edge)[:len(ends)] == ends
        assert list(edge)[len(ends):] == sorted(list(edge)[len(ends):])
    assert nx.utils.graphs_equal(nx.node_link_graph(data, edges="edges"), G)


def test_json_of_a_hostile_graph_keeps_everything(tmp_path: Path) -> None:
    G = hostile_graph()
    write_json(G, tmp_path / "h.json")
    H = nx.node_link_graph(json.loads((tmp_path / "h.json").read_text(encoding="utf-8")),
                           edges="edges")
    article = H.nodes["article:1"]
    assert (article["label"], article["title"], article["topics"]) == (HOSTILE, LONG,
                                                                         ["AI", "Ethics"])
    assert article["missing"] is None and article["flags"] == ["a", "b"]
    assert H.nodes["outlet:中文.cn"]["ratio"] is None  # JSON has no infinity
    assert H.edges["article:1", "outlet:中文.cn", 7]["note"] == HOSTILE
    assert H.graph == {"name": "hostile"}


# -- CSV -----------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("graph", GRAPHS)
def test_csv_round_trips_through_the_csv_module(real: Database, tmp_path: Path,
                                                graph: str) -> None:
    nodes_csv, edges_csv = export(real, to="csv", graph=graph, out=tmp_path / "csv")
    G = build_graph(real, graph)
    nodes, edges = written(G)
    rows = read_csv(nodes_csv)
    assert list(rows[0])[:3] == ["id", "label", "kind"]
    assert len(rows) == len(nodes)
    for row in rows:
        attrs = nodes[row.pop("id")]
        assert row == {k: as_text(attrs.get(k)) for k in row}
    rows = read_csv(edges_csv)
    assert list(rows[0])[:2] == ["source", "target"]
    read = Counter(edge_row(r.pop("source"), r.pop("target"),
                            {k: v for k, v in r.items() if v != ""}) for r in rows)
    assert read == Counter({edge_row(*row[:2], {k: as_text(v) for k, v in row[2]}): n
                            for row, n in edges.items()})


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def test_csv_of_a_hostile_graph_keeps_control_characters(tmp_path: Path) -> None:
    nodes_csv, edges_csv = write_csv(hostile_graph(), tmp_path)
    rows = {r["id"]: r for r in read_csv(nodes_csv)}
    assert rows["article:1"]["label"] == HOSTILE and rows["article:1"]["title"] == LONG
    assert rows["article:1"]["topics"] == '["AI", "Ethics"]'
    assert "missing" not in rows["article:1"]  # None everywhere: no column
    assert rows["outlet:中文.cn"]["title"] == ""  # absent: an empty cell
    assert rows["outlet:中文.cn"]["ratio"] == "Infinity"
    edges = read_csv(edges_csv)
    assert [e["key"] for e in edges] == ["published_by", "7", "second"]
    assert edges[1]["note"] == HOSTILE


# -- Neo4j ---------------------------------------------------------------------------------

# neo4j-admin database import header format (Neo4j operations manual, "Import header format")
PROPERTY_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string",
                  "point", "date", "localtime", "time", "localdatetime", "datetime", "duration"}
ID_FIELD = re.compile(r"(?P<name>[^:]*):ID\((?P<space>[^()]+)\)")
START_FIELD = re.compile(r":START_ID\((?P<space>[^()]+)\)")
END_FIELD = re.compile(r":END_ID\((?P<space>[^()]+)\)")
PROPERTY_FIELD = re.compile(r"(?P<name>[^:]+):(?P<type>[a-z]+)")
PARSE = {"int": int, "long": int, "double": float, "string": str,
         "boolean": {"true": True, "false": False}.__getitem__,
         "datetime": lambda t: dt.datetime.fromisoformat(t.replace("Z", "+00:00"))}


def check_neo4j(files: list[Path]) -> dict[str, Any]:
    """Check every header against the documented format and every row against its header.

    Returns id space -> {node id: properties} and the relationships as (type, start, end).
    """
    *csvs, script = files
    assert script.name == "neo4j-import.sh"
    nodes: dict[str, dict[str, dict[str, Any]]] = {}
    relationships: list[tuple[str, str, str, dict[str, Any]]] = []
    node_files, relationship_files = [], []
    for path in csvs:
        with path.open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        if any(ID_FIELD.fullmatch(f) for f in header):
            node_files.append(path.name)
            (space,) = [ID_FIELD.fullmatch(f)["space"] for f in header if ID_FIELD.fullmatch(f)]
            assert header[0] == f"id:ID({space})" and header[-1] == ":LABEL"
            props = [PROPERTY_FIELD.fullmatch(f) for f in header[1:-1]]
            assert all(p and p["type"] in PROPERTY_TYPES for p in props), header
            for row in rows:
                assert row[-1] == space  # each label is its own id space
                nodes.setdefault(space, {})[row[0]] = {
                    p["name"]: PARSE[p["type"]](v) for p, v in zip(props, row[1:-1],
                                                                   strict=True) if v != ""}
        else:
            relationship_files.append(path.name)
            start, end, kind = header[:3]
            assert START_FIELD.fullmatch(start) and END_FIELD.fullmatch(end) and kind == ":TYPE"
            props = [PROPERTY_FIELD.fullmatch(f) for f in header[3:]]
            assert all(p and p["type"] in PROPERTY_TYPES for p in props), header
            for row in rows:
                relationships.append((row[2], row[0], row[1], {
                    p["name"]: PARSE[p["type"]](v) for p, v in zip(props, row[3:], strict=True)
                    if v != ""}))
                assert row[0] in nodes.get(START_FIELD.fullmatch(start)["space"], {}) or \
                    START_FIELD.fullmatch(start)["space"] not in nodes
    for _, start, end, _ in relationships:
        assert any(start in ids for ids in nodes.values())
        assert any(end in ids for ids in nodes.values())
    command = neo4j_import_command(node_files, relationship_files,
                                   database='"${1:-neo4j}"', admin='"${NEO4J_ADMIN:-neo4j-admin}"')
    assert command in script.read_text(encoding="utf-8")
    return {"nodes": nodes, "relationships": relationships}


def test_neo4j_coverage_files_follow_the_import_header_format(real: Database,
                                                              tmp_path: Path) -> None:
    files = export(real, to="neo4j", out=tmp_path)
    assert [p.name for p in files] == ["Article.csv", "Outlet.csv", "Topic.csv", "ABOUT.csv",
                                       "PUBLISHED_BY.csv", "RELATED.csv", "neo4j-import.sh"]
    headers = {p.name: p.read_text(encoding="utf-8").split("\n", 1)[0] for p in files[:-1]}
    assert "published:datetime" in headers["Article.csv"].split(",")
    assert "has_document:boolean" in headers["Article.csv"].split(",")
    assert "articles:int" in headers["Outlet.csv"].split(",")
    assert headers["RELATED.csv"].startswith(":START_ID(Article),:END_ID(Article),:TYPE,")
    assert headers["PUBLISHED_BY.csv"].startswith(":START_ID(Article),:END_ID(Outlet),:TYPE")
    found = check_neo4j(files)
    G = build_graph(real, "coverage")
    expected_nodes: dict[str, dict[str, Any]] = {}
    for n, d in G.nodes(data=True):
        props = {k: v for k, v in d.items() if k != "kind"}
        props["published"] = props.get("published") and PARSE["datetime"](props["published"])
        expected_nodes.setdefault(d["kind"].capitalize(), {})[n] = {
            k: v for k, v in props.items() if v is not None}
    assert found["nodes"] == expected_nodes
    assert Counter((t, s, e, frozenset(p.items())) for t, s, e, p in found["relationships"]) \
        == Counter((d["kind"].upper(), u, v, frozenset(
            {"key": k, **{a: b for a, b in d.items() if a != "kind"}}.items()))
            for u, v, k, d in G.edges(keys=True, data=True))


@pytest.mark.parametrize("graph, kind", [("outlets", "CO_COVERS"), ("follows", "FOLLOWS"),
                                         ("topics", "CO_OCCURS")])
def test_neo4j_projections(real: Database, tmp_path: Path, graph: str, kind: str) -> None:
    files = export(real, to="neo4j", graph=graph, out=tmp_path)
    found = check_neo4j(files)
    G = build_graph(real, graph)
    assert sum(len(ids) for ids in found["nodes"].values()) == G.number_of_nodes()
    assert len(found["relationships"]) == G.number_of_edges()
    assert {r[0] for r in found["relationships"]} == {kind}
    for _, u, v, props in found["relationships"]:
        assert props == G.edges[u, v]


def test_neo4j_of_a_hostile_graph(tmp_path: Path) -> None:
    files = write_neo4j(hostile_graph(), tmp_path)
    assert [p.name for p in files] == ["Article.csv", "Outlet.csv", "ABOUT.csv",
                                       "PUBLISHED_BY.csv", "neo4j-import.sh"]
    found = check_neo4j(files)
    article = found["nodes"]["Article"]["article:1"]
    assert (article["label"], article["title"], article["big"]) == (HOSTILE, LONG, 2**40)
    headers = [p.read_text(encoding="utf-8").split("\n", 1)[0].split(",") for p in files[:2]]
    assert {"mixed:int", "when:datetime", "big:long"} <= set(headers[0])  # each label its own
    assert {"mixed:string", "ratio:double"} <= set(headers[1])
    notes = [p.get("note") for *_, p in found["relationships"]]
    assert HOSTILE in notes


def test_neo4j_refuses_property_names_its_header_cannot_hold(tmp_path: Path) -> None:
    G = nx.Graph()
    G.add_node("a", **{"time:zone": "UTC"})
    with pytest.raises(BadInputError, match="cannot be a Neo4j property name"):
        write_neo4j(G, tmp_path)


# -- export() ------------------------------------------------------------------------------


def test_export_default_paths_and_out(real: Database, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert export(real, to="graphml", graph="outlets") == [Path("output/outlets.graphml")]
    assert export(real, to="csv", graph="topics") == [Path("output/topics-csv/nodes.csv"),
                                                      Path("output/topics-csv/edges.csv")]
    assert export(real, to="gexf", out="spread.gexf") == [Path("spread.gexf")]
    assert export(real, to="json", out="folder") == [Path("folder/coverage.json")]
    assert not list(tmp_path.rglob("*.part"))
    with pytest.raises(BadInputError, match="is a file"):
        export(real, to="neo4j", out="spread.gexf")


def test_export_errors(real: Database, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="unknown export format 'xml'"):
        export(real, to="xml", out=tmp_path)
    with pytest.raises(BadInputError, match="unknown graph 'authors'"):
        export(real, to="csv", graph="authors", out=tmp_path)
    with pytest.raises(NotFoundError, match="no story 's-nope'"):
        export(real, to="csv", graph="story:s-nope", out=tmp_path)


def test_export_leaves_no_temporary_table(real: Database, tmp_path: Path) -> None:
    export(real, to="csv", out=tmp_path)
    if real.engine == "postgresql":
        assert real.conn.execute("SELECT to_regclass('pg_temp.export_kept')").fetchone() == (None,)
        return
    with pytest.raises(sqlite3.OperationalError):
        real.conn.execute("SELECT 1 FROM temp.export_kept")
