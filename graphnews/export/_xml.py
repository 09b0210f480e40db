"""GraphML and GEXF 1.3: the XML formats (see docs/exports.md).

XML 1.0 cannot carry most control characters, not even as character references: `_xml`
drops them and escapes the rest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import networkx as nx

from graphnews.dates import iso
from graphnews.export._rows import (
    Attrs,
    Column,
    Source,
    Target,
    as_text,
    clean_text,
    graph_source,
    schema_of,
    text_output,
)

__all__ = ["write_gexf_graph", "write_graphml_rows"]

# the characters XML 1.0 forbids; one character class each below, as a class is searched
# several times faster than an alternation or a negated class
_ILLEGAL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_XML_ILLEGAL = re.compile(f"[{_ILLEGAL_CHARS}]")
_XML_SPECIAL = re.compile(f'[&<>"\t\n\r{_ILLEGAL_CHARS}]')
# what makes `_xml_text` and `_xml_id` call `_xml` (and `_node_id`)
_TEXT_SPECIAL = re.compile(f"[&<>\r{_ILLEGAL_CHARS}]").search
_ID_SPECIAL = re.compile(f'[&<>"\t\n\r\\\\{_ILLEGAL_CHARS}]').search
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


def write_gexf_graph(G: nx.Graph, path: Target) -> None:
    """GEXF 1.3 of a networkx graph (see `graphnews.export.write_gexf`)."""
    source = graph_source(G, scalars=True)
    timeline = _Timeline.of(G)
    node_cols = schema_of(attrs for _, attrs in source.nodes())
    edge_cols = schema_of(attrs for _, _, attrs in source.edge_schema_rows())
    with text_output(path) as fh:
        _GexfWriter(fh, source, timeline, node_cols, edge_cols).write(
            G.number_of_nodes(), G.number_of_edges())


def write_graphml_rows(source: Source, path: Target) -> None:
    """GraphML of a source: typed keys from a first pass, then nodes and edges."""
    declared = {
        "graph": schema_of([source.graph]),
        "node": schema_of(attrs for _, attrs in source.nodes()),
        "edge": schema_of(attrs for _, _, attrs in source.edge_schema_rows()),
    }
    # per domain: (attribute name, the opening tag of its data element)
    keys: dict[str, list[tuple[str, str]]] = {}
    with text_output(path) as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<graphml {_GRAPHML_NS}>\n')
        number = 0
        for domain in ("node", "edge", "graph"):
            keys[domain] = []
            for col in declared[domain]:
                fh.write(f'  <key id="d{number}" for="{domain}" attr.name='
                         f'"{_xml(col.name, attribute=True)}" attr.type="{col.type}"/>\n')
                keys[domain].append((col.name, f'<data key="d{number}">'))
                number += 1
        direction = "directed" if source.directed else "undirected"
        fh.write(f'  <graph id="G" edgedefault="{direction}">\n')
        if source.graph:
            fh.write(f"    {_graphml_data(source.graph, keys['graph'])}\n")
        _write_lines(fh, _graphml_nodes(source, keys["node"]))
        _write_lines(fh, _graphml_edges(source, keys["edge"]))
        fh.write("  </graph>\n</graphml>\n")


def _graphml_nodes(source: Source, keys: list[tuple[str, str]]) -> Iterator[str]:
    for node, attrs in source.nodes():
        data = _graphml_data(attrs, keys)
        yield (f'    <node id="{_xml_id(node)}"'
               + (f">{data}</node>\n" if data else "/>\n"))


def _graphml_edges(source: Source, keys: list[tuple[str, str]]) -> Iterator[str]:
    for u, v, attrs in source.edges():
        data = _graphml_data(attrs, keys)
        yield (f'    <edge source="{_xml_id(u)}" target="{_xml_id(v)}"'
               + (f">{data}</edge>\n" if data else "/>\n"))


def _graphml_data(attrs: Attrs, keys: list[tuple[str, str]]) -> str:
    return "".join([f"{tag}{_xml_text(attrs[name])}</data>" for name, tag in keys
                    if name in attrs])


def _write_lines(fh: IO[str], lines: Iterable[str], *, batch: int = 4096) -> None:
    """Write lines ``batch`` at a time (one call per line costs more than the joining)."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == batch:
            fh.write("".join(chunk))
            chunk.clear()
    fh.write("".join(chunk))


@dataclass
class _Timeline:
    """When each node appears (seconds), and how its ``articles`` count grows."""

    own: dict[str, int]  # nodes with their own publication time
    derived: dict[str, int]  # nodes that appear with the first dated node pointing to them
    steps: dict[str, list[tuple[int, int]]]  # node -> [(time, articles from then on)]

    @classmethod
    def of(cls, G: nx.Graph) -> _Timeline:
        own = {clean_text(n): d["published_ts"] for n, d in G.nodes(data=True)
               if type(d.get("published_ts")) is int}
        derived: dict[str, int] = {}
        steps: dict[str, list[tuple[int, int]]] = {}
        pointing = G.predecessors if G.is_directed() else G.neighbors
        for n, data in G.nodes(data=True):
            key = clean_text(n)
            if key in own:
                continue
            times = sorted(own[t] for t in map(clean_text, pointing(n)) if t in own)
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
    def __init__(self, fh: IO[str], source: Source, timeline: _Timeline,
                 node_cols: list[Column], edge_cols: list[Column]) -> None:
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

    def _declare(self, cls: str, mode: str, columns: list[Column]) -> None:
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
        head = f'      <node id="{_xml_id(node)}"'
        if "label" in attrs:
            head += f' label="{_xml(attrs["label"], attribute=True)}"'
        own = self.timeline.own.get(node)
        if own is not None:
            head += f' start="{iso(own)}"'
        values = self._attvalues("node", self.node_cols, attrs, self.timeline.steps.get(node))
        derived = self.timeline.derived.get(node)
        spells = (f'<spells><spell start="{iso(derived)}"/></spells>'
                  if derived is not None else "")
        body = values + spells
        self.fh.write(head + (f">{body}</node>\n" if body else "/>\n"))

    def _edge(self, number: int, u: str, v: str, attrs: Attrs) -> None:
        head = f'      <edge id="{number}" source="{_xml_id(u)}" target="{_xml_id(v)}"'
        if "label" in attrs:
            head += f' label="{_xml(attrs["label"], attribute=True)}"'
        if self.weight_xml and "weight" in attrs:
            head += f' weight="{_xml(attrs["weight"], attribute=True)}"'
        if isinstance(attrs.get("kind"), str):
            head += f' kind="{_xml(attrs["kind"], attribute=True)}"'
        body = self._attvalues("edge", self.edge_cols, attrs, None)
        starts = [t for t in (self.timeline.start(u), self.timeline.start(v)) if t is not None]
        if starts:
            body += f'<spells><spell start="{iso(max(starts))}"/></spells>'
        self.fh.write(head + (f">{body}</edge>\n" if body else "/>\n"))

    def _attvalues(self, cls: str, columns: list[Column], attrs: Attrs,
                   steps: list[tuple[int, int]] | None) -> str:
        parts = []
        for col in columns:
            if col.name not in attrs:
                continue
            key = self.ids[(cls, col.name)]
            if col.name in self.dynamic_cols and steps:
                for i, (t, count) in enumerate(steps):
                    end = f' end="{iso(steps[i + 1][0] - 1)}"' if i + 1 < len(steps) else ""
                    parts.append(f'<attvalue for="{key}" value="{count}" start="{iso(t)}"'
                                 f"{end}/>")
            else:
                parts.append(f'<attvalue for="{key}" value="'
                             f'{_xml(attrs[col.name], attribute=True)}"/>')
        return f"<attvalues>{''.join(parts)}</attvalues>" if parts else ""


def _xml_id(node: Any) -> str:
    """A node id as an XML attribute value (`_node_id`, then `_xml`): most ids need neither."""
    if type(node) is str and not _ID_SPECIAL(node):
        return node
    return _xml(_node_id(node), attribute=True)


def _xml_text(value: Any) -> str:
    """`_xml` of element text, without the call for ints and for text that needs no change."""
    if type(value) is int:
        return str(value)
    if type(value) is str and not _TEXT_SPECIAL(value):
        return value
    return _xml(value)


def _node_id(node: Any) -> Any:
    r"""A node id XML can hold, distinct for distinct ids: characters XML 1.0 forbids (control
    characters) become ``\uXXXX``, and in such ids and ids with a backslash ``\`` is doubled.

    Two names differing only by a control character stay two nodes (dropping the character, as
    for attribute text, would merge them).

    >>> _node_id("topic:a\x01"), _node_id("topic:a\\x"), _node_id("topic:a"), _node_id(3)
    ('topic:a\\u0001', 'topic:a\\\\x', 'topic:a', 3)
    """
    if type(node) is not str or not (_XML_ILLEGAL.search(node) or "\\" in node):
        return node
    text = node.replace("\\", "\\\\")
    return _XML_ILLEGAL.sub(lambda m: "".join(f"\\u{ord(c):04x}" for c in m.group()), text)


def _xml(value: Any, *, attribute: bool = False) -> str:
    """A scalar as XML text: forbidden characters dropped, markup escaped.

    In attribute values tab, newline and carriage return become character references (a
    parser would turn them into spaces); in text only the carriage return does.
    """
    if type(value) is not str:
        return as_text(value, inf="INF")
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
