"""The page of one node's coverage neighbourhood (``graphnews neighbors NODE --to html``).

The graph comes from `graphnews.query.neighbors` (its ``graph``); this module only draws it.

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> from graphnews.query import neighbors
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.md").write_text("---\\ntitle: A\\nwebUrl: https://a.com/1\\n---\\n")
>>> db = graphnews.open(d / "a.db"); _ = db.ingest([d / "a.md"])
>>> hood = neighbors(db, "a.com")
>>> page = neighborhood_page(hood.graph, hood.center, depth=hood.depth)
>>> sorted(n["id"] for n in page.nodes)
['article:1', 'outlet:a.com']
"""

from __future__ import annotations

import networkx as nx

from graphnews.render.page import PALETTE, GraphPage
from graphnews.render.pages import PHYSICS_LIMIT

__all__ = ["neighborhood_page"]

#: The colour class of each kind of node (render's palette classes), in the legend's order.
_KIND_CLASSES = {"outlet": 0, "article": 1, "topic": 4}


def neighborhood_page(
    G: nx.MultiDiGraph, center: str, *, depth: int, top: int | None = None
) -> GraphPage:
    """A neighbourhood graph ``G`` around ``center`` as an offline HTML page (`GraphPage`).

    Draws the centre and the ``top`` nodes nearest to it (best linked first; default
    `PHYSICS_LIMIT`), coloured by kind; ``depth`` (the related links followed) goes into the
    caption. ``write_html(path)`` writes the page.
    """
    limit = PHYSICS_LIMIT if top is None else top
    hops = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), center)
    degree = dict(G.degree())
    drawn = sorted(G, key=lambda n: (hops.get(n, len(G)), -degree[n], n))[: limit + 1]
    page = GraphPage(title=f"Neighbourhood of {G.nodes[center]['label']}", noun="node")
    page.caption = (
        f"{center}, {depth} related link{'s' if depth > 1 else ''} deep: showing "
        f"{len(drawn):,} of {len(G):,} nodes (the nearest)."
    )
    page.physics = len(drawn) <= PHYSICS_LIMIT
    shown: dict[str, int] = {}
    for n in drawn:
        attrs = G.nodes[n]
        kind, label = attrs["kind"], str(attrs["label"])
        shown[kind] = shown.get(kind, 0) + 1
        details = [("kind", kind), ("hops from the centre", str(hops.get(n, "")))]
        details += [
            (k, str(attrs[k])) for k in ("outlet", "published", "topics", "articles") if k in attrs
        ]
        page.add_node(
            n,
            label=label if len(label) <= 40 else label[:39] + "…",
            name=label,
            color=PALETTE[_KIND_CLASSES[kind]],
            size=24 if n == center else 12,
            url=attrs.get("url", ""),
            search=label.lower(),
            title=f"{label}\n{kind}",
            details=details,
        )
    for u, v, kind in G.edges(data="kind"):
        if u != v and u in page.node_map and v in page.node_map:
            page.add_edge(u, v, title=kind.replace("_", " "))
    page.legend = [(f"c{c}", f"{k} ({shown[k]:,})") for k, c in _KIND_CLASSES.items() if k in shown]
    page.notes = [
        "Articles are joined to their outlet and topics, and to the articles they list as "
        "related (or that list them)."
    ]
    return page
