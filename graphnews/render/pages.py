"""Offline, single-file pyvis pages: the outlet network, the topic network, one page per story.

What each page shows: which nodes (capped, "showing N of M"), their size (a centrality
measure), colour (Louvain community), layout, tooltips and details. Every page is one HTML file
holding all it needs (`render.page`: the vis-network bundle of the pyvis package, the page's
own script and styles, the graph as JSON, a Content-Security-Policy). Text from the corpus
(titles, excerpts, outlet names) only ever reaches the page escaped by the template or through
``textContent``.

The networks are pyvis `Network` objects (`GraphPage`), so a notebook user can build one and
display it inline; `render_site` writes the whole site. docs/pages.md describes the pages.

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.md").write_text(
...     "---\\ntitle: A\\nwebUrl: https://a.com/1\\nprovider: {name: A, domain: a.com}\\n"
...     "related:\\n  - {title: B, webUrl: 'https://b.com/2',"
...     " provider: {name: B, domain: b.com}}\\n"
...     "---\\n")
>>> db = graphnews.open(":memory:"); _ = db.ingest([d])
>>> net = outlet_network(db, size_by="articles")
>>> sorted(n["id"] for n in net.nodes)
['outlet:a.com', 'outlet:b.com']
>>> "<script src=" in net.generate_html()
False
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from graphnews._files import write_text
from graphnews.attention import attention, count_by_period
from graphnews.centrality import MEASURES, central_outlets
from graphnews.collections import resolve_collections
from graphnews.communities import communities, igraph_graph, seeded
from graphnews.dates import timestamp
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.graph import coverage_graph, outlet_graph, topic_graph
from graphnews.render import DEFAULT_TOP, DEFAULT_TOP_STORIES
from graphnews.render.charts import BarChart, attention_charts, bar_chart, period_for_span
from graphnews.render.page import PALETTE, GraphPage, node_colour, render_page
from graphnews.spread import StorySpread, story_spread
from graphnews.store import Database
from graphnews.stories import get_story, largest_stories
from graphnews.stories.alternatives import StoryStability, story_stability
from graphnews.stories.constraints import Constraint, load_constraints

__all__ = [
    "DEFAULT_TOP",
    "DEFAULT_TOP_STORIES",
    "PALETTE",
    "PHYSICS_LIMIT",
    "GraphPage",
    "outlet_network",
    "render_site",
    "story_network",
    "topic_network",
]

#: Pages with more nodes than this get a precomputed layout and no physics at all.
PHYSICS_LIMIT = 150
_LABEL_CHARS = 40
# Measures an outlet's tooltip and the central-outlets table list first (after the one node
# size shows); the details panel lists them all.
_TIP_MEASURES = ("pagerank", "betweenness", "degree", "first_reports")


@dataclass(frozen=True)
class _Ranked:
    """The nodes a network page draws, with the values behind their size."""

    nodes: list[str]
    values: dict[str, float]
    total: int


def outlet_network(
    db: Database,
    *,
    top: int = DEFAULT_TOP,
    size_by: str = "pagerank",
    measures: Mapping[str, Mapping[str, float]] | None = None,
    resolution: float = 1.0,
    seed: int = 0,
    max_edges: int | None = None,
    filters: Filters | None = None,
) -> GraphPage:
    """The outlet co-coverage network as a page: the top outlets, coloured by community.

    Parameters
    ----------
    db : Database
    top : int
        Draw this many outlets: the highest by ``size_by`` (ties by domain).
    size_by : str
        What node size shows: a measure of `graphnews.centrality.MEASURES` (``pagerank``,
        ``betweenness``, ``articles``, ...), or one of ``measures`` when given.
    measures : mapping, optional
        Measure name -> {node id -> value}, e.g. ``{"pagerank": {"outlet:a.com": 0.4}}``.
        Default: every measure of `graphnews.centrality.central_outlets`. Each is listed in
        the outlet's details; ``articles`` is always there.
    resolution, seed : float, int
        Of the Louvain communities that colour the outlets (see `communities`, computed on the
        whole co-coverage graph, not only on the outlets drawn); ``seed`` also fixes the layout
        and the betweenness estimate.
    max_edges : int, optional
        Draw at most this many edges among the drawn outlets, the heaviest. Default ``5 * top``.
    filters : Filters, optional
        Which articles and edges count (`graphnews.filters.Filters`).

    Returns
    -------
    GraphPage
        A pyvis network; ``write_html(path)`` writes the page.

    Raises
    ------
    BadInputError
        When ``size_by`` names no known measure, or ``top`` is below 1.
    """
    G, measures = _outlet_measures(db, filters or Filters(), measures,
                                   size_by=size_by, seed=seed)
    return _outlet_page(G, measures, top=top, size_by=size_by, resolution=resolution,
                        seed=seed, max_edges=max_edges)


def topic_network(
    db: Database,
    *,
    top: int = DEFAULT_TOP,
    resolution: float = 1.0,
    seed: int = 0,
    max_edges: int | None = None,
    filters: Filters | None = None,
) -> GraphPage:
    """Topic co-occurrence as a page: the ``top`` topics by articles, coloured by community.

    Parameters as in `outlet_network`; node size is the topic's number of articles, edge width
    the number of articles about both topics.
    """
    G = topic_graph(db, filters=filters)
    ranked = _rank(G, _with_articles(G, None), "articles", top)
    page = GraphPage(title="Topic co-occurrence", noun="topic")
    edges = _heaviest_edges(G, ranked.nodes, max_edges if max_edges is not None else 5 * top)
    page.caption = (f"Showing {len(ranked.nodes):,} of {ranked.total:,} topics (the top by "
                    f"articles) and {len(edges):,} of {G.number_of_edges():,} edges.")
    classes = _community_classes(G, ranked.nodes, communities(G, resolution=resolution,
                                                                   seed=seed), page)
    positions = _layout(ranked.nodes, edges, seed=seed)
    page.physics = len(ranked.nodes) <= PHYSICS_LIMIT
    for node in ranked.nodes:
        attrs = G.nodes[node]
        name = str(attrs.get("name", node))
        together = sum(1 for _ in G.neighbors(node))
        page.add_node(node, label=_short(name), name=name, color=node_colour(classes[node][0]),
                      value=attrs["articles"], search=name.lower(),
                      title=f"{name}\n{attrs['articles']:,} articles\n"
                            f"co-occurs with {together:,} topics",
                      details=[("articles", f"{attrs['articles']:,}"),
                               ("co-occurring topics", f"{together:,}"),
                               ("community", classes[node][1])],
                      **positions[node])
    for u, v, attrs in edges:
        page.add_edge(u, v, weight=attrs["weight"], value=attrs["weight"],
                      title=f"{G.nodes[u]['name']} + {G.nodes[v]['name']}\n"
                            f"{attrs['weight']:,} articles about both")
    page.notes = [
        "Node size: articles about the topic. Edge width: articles about both topics.",
        f"Colour: Louvain community (resolution {resolution}, seed {seed}).",
    ]
    return page


def story_network(db: Database, story: str, *, top: int = DEFAULT_TOP,
                  filters: Filters | None = None,
                  stability: StoryStability | None = None) -> GraphPage:
    """One story as a page: its articles left to right in publication order.

    Articles are coloured by outlet (the ten with most articles in the story, ties to the
    earliest; the rest grey) and joined by an arc where one lists the other as related. Under
    the graph: the story's spread figures and curve (`graphnews.spread.story_spread`: first
    reporter, hours until 2, 5, 10 outlets; articles and outlets so far as inline SVG) and the
    articles in time order. The spread figures count the articles the filters keep, as the
    graph does.

    Parameters
    ----------
    db : Database
    story : str
        A story id, or the URL of one of its articles (see `graphnews.stories.get_story`).
    top : int
        Draw at most this many articles: the most linked (by ``related`` links within the
        story). The spread curve always counts them all.
    filters : Filters, optional
        Which articles count (`graphnews.filters.Filters`), spread figures included.
    stability : StoryStability, optional
        The story under other clusterings (`graphnews.stories.alternatives.story_stability`):
        the figures then say in how many it is found whole and its sizes there.

    Raises
    ------
    NotFoundError
        When there is no such story, or the filters leave none of its articles.
    """
    story_id = get_story(db, story).id
    f = filters or Filters()
    G = coverage_graph(db, filters=f, story=story_id)
    in_time = {n: (G.nodes[n].get("published_ts", math.inf), n)
               for n, k in G.nodes(data="kind") if k == "article"}
    if not in_time:
        raise NotFoundError(f"the filters leave no article of story {story_id!r}")
    everything = sorted(in_time, key=in_time.__getitem__)
    links = {(u, v) for u, v in G.edges() if u != v and u in in_time and v in in_time}
    degree = Counter(n for pair in links for n in pair)
    linked = sorted(everything, key=lambda n: (-degree[n], in_time[n]))[:top]
    articles = sorted(linked, key=in_time.__getitem__)
    outlet_names = {n: G.nodes[n].get("name", n) for n, k in G.nodes(data="kind")
                    if k == "outlet"}
    outlet_of = {a: G.nodes[a].get("outlet", "") for a in everything}
    per_outlet = Counter(outlet_of[a] for a in everything)  # in order of first coverage
    first = {d: i for i, d in enumerate(per_outlet)}
    coloured = sorted(per_outlet, key=lambda d: (-per_outlet[d], first[d]))
    css = {d: f"c{i}" if i < len(PALETTE) else "other" for i, d in enumerate(coloured)}
    page = GraphPage(title=f"Story {story_id}", noun="article", directed=True)
    page.physics = False
    page.caption = (f"{len(everything):,} articles from {len(per_outlet):,} outlets, "
                    f"{_when(G.nodes[everything[0]])} to {_when(G.nodes[everything[-1]])}.")
    if len(articles) < len(everything):
        page.caption += (f" Showing {len(articles):,} of {len(everything):,} articles "
                         "(the most linked).")
    for rank, a in enumerate(articles):
        attrs = G.nodes[a]
        domain = outlet_of[a]
        outlet = str(outlet_names.get(f"outlet:{domain}", domain) or "unknown outlet")
        title = str(attrs.get("title") or attrs.get("url", a))
        details = [("outlet", outlet), ("published", _when(attrs)),
                   ("excerpt", str(attrs.get("excerpt", "")))]
        # x: the article's place in time; four staggered rows keep the labels apart.
        page.add_node(a, label=_short(outlet), name=title, color=node_colour(css[domain]), size=16,
                      url=attrs.get("url", ""), search=f"{title} {outlet}".lower(),
                      title=f"{title}\n{outlet}\n{_when(attrs)}\nclick for the link",
                      details=[d for d in details if d[1]], x=rank * 75.0,
                      y=((rank % 4) - 1.5) * 90.0, font={"size": 16})
    for u, v in sorted(links):
        if u in page.node_map and v in page.node_map:
            page.add_edge(u, v, title="listed as related",
                          smooth={"enabled": True, "type": "curvedCW", "roundness": 0.35})
    page.legend = [(css[d], f"{outlet_names.get(f'outlet:{d}', d)} ({per_outlet[d]})")
                   for d in coloured[: len(PALETTE)]]
    if len(coloured) > len(PALETTE):
        rest = len(coloured) - len(PALETTE)
        page.legend.append(("other", f"{rest} more outlet{'' if rest == 1 else 's'}"))
    page.notes = ["Left to right: the articles in the order they were published. Colour: "
                  "outlet (the ten with most articles in the story, ties to the earliest). "
                  "Arrow: an article listing another as related."]
    page.template_name = "story.html"
    spread = story_spread(db, story_id, filters=f)
    names = {d: str(outlet_names.get(f"outlet:{d}", d)) for d in per_outlet}
    page.context = {
        "network_class": "short", "size": len(everything), "outlets": len(per_outlet),
        "first_reporter": ", ".join(names.get(d, d) for d in spread.first_reporter),
        "spread": _spread_summary(spread, names) + _stability_rows(stability)
        + _correction_rows(load_constraints(db).touching(a.url for a in spread.articles)),
        "curve": _spread_curve([a.ts for a in spread.articles if a.ts is not None],
                               [(timestamp(p["time"]), p["outlets"]) for p in spread.curve]),
        "attention": _story_attention([a.ts for a in spread.articles if a.ts is not None]),
        "articles": [{"published": _when(G.nodes[a]), "css_class": css[outlet_of[a]],
                      "outlet": outlet_names.get(f"outlet:{outlet_of[a]}", outlet_of[a]),
                      "title": G.nodes[a].get("title") or G.nodes[a].get("url", a),
                      "url": _safe_url(G.nodes[a].get("url"))} for a in articles],
    }
    return page


def render_site(
    db: Database,
    out_dir: str | os.PathLike[str],
    *,
    top: int = DEFAULT_TOP,
    size_by: str = "pagerank",
    measures: Mapping[str, Mapping[str, float]] | None = None,
    graph: nx.Graph | None = None,
    resolution: float = 1.0,
    seed: int = 0,
    stories: Sequence[str] | None = None,
    top_stories: int = DEFAULT_TOP_STORIES,
    filters: Filters | None = None,
    ranges: bool = False,
    stability: Mapping[str, StoryStability] | None = None,
) -> list[Path]:
    """Write the site: ``index.html``, ``outlets.html``, ``topics.html``, ``story-<id>.html``.

    Parameters
    ----------
    db : Database
    out_dir : path-like
        The folder to write into (created when missing); existing pages are replaced.
    top, size_by, measures, resolution, seed
        As in `outlet_network` (``top`` also caps the topic page).
    graph : networkx.Graph, optional
        With ``measures``: the outlet graph under these filters when already built
        (`graphnews run` passes the centrality step's), so that it is not built again.
    stories : sequence of str, optional
        The story ids to give a page, in order. Default: the ``top_stories`` largest stored
        stories of at least two articles (`graphnews.stories.largest_stories`).
    top_stories : int
        How many stories get a page when ``stories`` is not given.
    filters : Filters, optional
        Which articles and edges count (`graphnews.filters.Filters`); a story
        they leave no article of gets no page.
    ranges : bool
        Also say, on each story page and in the overview's story table, in how many of the
        clusterings of `graphnews.stories.alternatives.story_stability` the story is found
        whole (that clusters the stories again: about one more computation of the stories).
    stability : mapping, optional
        With ``ranges``: `story_stability` by story id when already computed (`graphnews run
        --ranges` passes its own), so that the stories are not clustered again.

    Returns
    -------
    list of Path
        The files written, ``index.html`` first.
    """
    f = filters or Filters()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    story_ids = list(stories) if stories is not None else largest_stories(db, top_stories)
    nav = [("index.html", "Overview"), ("outlets.html", "Outlets"), ("topics.html", "Topics")]
    G, measures = _outlet_measures(db, f, measures, graph=graph, size_by=size_by, seed=seed)
    outlets = _outlet_page(G, measures, top=top, size_by=size_by, resolution=resolution,
                           seed=seed, max_edges=None)
    topics = topic_network(db, top=top, resolution=resolution, seed=seed, filters=f)
    pages: list[tuple[str, GraphPage]] = [("outlets.html", outlets), ("topics.html", topics)]
    story_rows = []
    if stability is None:
        stability = story_stability(db) if ranges and story_ids else {}
    for story in story_ids:
        try:
            held = stability.get(story)  # (story ids: ``stories`` are ids)
            page = story_network(db, story, top=top, filters=f, stability=held)
        except NotFoundError:  # the filters leave none of its articles
            continue
        href = f"story-{story}.html"
        pages.append((href, page))
        first = page.context["articles"][0]
        story_rows.append({"id": story, "href": href, "articles": page.context["size"],
                           "outlets": page.context["outlets"], "first": first["published"],
                           "first_reporter": page.context["first_reporter"],
                           "headline": first["title"],
                           "kept": None if held is None else f"{held.kept} of {held.clusterings}"})
    written = [out / "index.html"]
    for name, page in pages:
        page.nav = nav
        page.write_html(out / name)
        written.append(out / name)
    index = render_page(
        "index.html", network=False, title="graphnews: what this corpus holds", caption="", nav=nav,
        summary=_summary(db, f, len(story_rows)),
        views=[("outlets.html", "Outlet co-coverage network", outlets.caption),
               ("topics.html", "Topic co-occurrence network", topics.caption),
               *((r["href"], f"Story {r['id']}", r["headline"]) for r in story_rows)],
        central=_central_table(G, measures, size_by),
        stories=story_rows, ranges=ranges, attention=_site_attention(db, f))
    write_text(written[0], index)
    return written


# -- private helpers --------------------------------------------------------------------------

#: Topics given their own attention chart on the overview page.
ATTENTION_TOPICS = 4


def _site_attention(db: Database, f: Filters) -> list[BarChart]:
    """Overview charts: all coverage, the largest topics, each saved collection."""
    first, last = db.conn.execute("SELECT min(published), max(published) FROM articles "
                                  "WHERE published IS NOT NULL").fetchone()
    every = period_for_span(first, last)
    overall = attention(db, every=every, filters=f)
    if not overall.periods:
        return []
    span = (overall.periods[0], overall.periods[-1])  # every chart on the same axis
    charts = attention_charts(overall, "attention-all", title="All coverage: articles per "
                              "{every}")
    topics = attention(db, every=every, by="topic", filters=f, top=ATTENTION_TOPICS, span=span)
    charts += attention_charts(topics, "attention-topic", title="Topic {key}: articles per "
                               "{every}")
    saved = [name for (name,) in db.conn.execute("SELECT name FROM collections ORDER BY name")]
    if saved:
        per = attention(db, every=every, by="collection", filters=f, top=None, span=span,
                        collections=resolve_collections(db, saved))
        charts += attention_charts(per, "attention-collection",
                                   title="Collection {key}: articles per {every}")
    return charts


def _story_attention(times: Sequence[int]) -> BarChart | None:
    """The story's articles per day (per hour when it all happened within two days)."""
    if not times:
        return None
    if max(times) - min(times) <= 2 * 86400:
        start = min(times) - min(times) % 3600
        hours = [(t - start) // 3600 for t in times]
        counts = Counter(hours)
        periods = [_format_ts(start + h * 3600)[:13] + ":00" for h in range(max(hours) + 1)]
        return bar_chart("attention-story", "Articles per hour (UTC)", periods,
                         [counts[h] for h in range(max(hours) + 1)],
                         y_label="articles per hour")
    periods, counts_per_day = count_by_period(times, "day")
    return bar_chart("attention-story", "Articles per day (UTC)", periods, counts_per_day,
                     y_label="articles per day")


def _outlet_measures(
    db: Database, f: Filters, measures: Mapping[str, Mapping[str, float]] | None, *,
    graph: nx.Graph | None = None, size_by: str, seed: int,
) -> tuple[nx.Graph, dict[str, Mapping[str, float]]]:
    """The outlet graph and the measures to show: the given ones (and the given graph, else
    `outlet_graph`), or `central_outlets`'."""
    if measures is not None:
        G = graph if graph is not None else outlet_graph(db, filters=f)
        return G, _with_articles(G, measures)
    report = central_outlets(db, by=size_by if size_by in MEASURES else "pagerank",
                             filters=f, seed=seed)
    computed: dict[str, dict[str, float]] = {name: {} for name in MEASURES}
    for row in report.rows:
        values = row.as_dict()
        for name in MEASURES:
            computed[name][f"outlet:{row.outlet}"] = values[name]
    return report.graph, dict(computed)


def _outlet_page(G: nx.Graph, measures: Mapping[str, Mapping[str, float]], *, top: int,
                 size_by: str, resolution: float, seed: int, max_edges: int | None
                 ) -> GraphPage:
    ranked = _rank(G, measures, size_by, top)
    page = GraphPage(title="Outlet co-coverage", noun="outlet")
    edges = _heaviest_edges(G, ranked.nodes, max_edges if max_edges is not None else 5 * top)
    page.caption = (f"Showing {len(ranked.nodes):,} of {ranked.total:,} outlets (the top by "
                    f"{size_by}) and {len(edges):,} of {G.number_of_edges():,} co-coverage edges.")
    labels = communities(G, resolution=resolution, seed=seed)
    classes = _community_classes(G, ranked.nodes, labels, page)
    positions = _layout(ranked.nodes, edges, seed=seed)
    page.physics = len(ranked.nodes) <= PHYSICS_LIMIT
    in_tip = list(dict.fromkeys([size_by, *_TIP_MEASURES]))
    in_tip = [m for m in in_tip if m in measures and m != "articles"][:4]
    for node in ranked.nodes:
        attrs = G.nodes[node]
        name = str(attrs.get("name", node))
        details = [("domain", attrs.get("domain", "")), ("community", classes[node][1])]
        details += [(m, _number(values.get(node))) for m, values in measures.items()]
        if attrs.get("names") and attrs["names"] != name:
            details.append(("also called", attrs["names"]))
        tip = [name, attrs.get("domain", ""), f"{attrs.get('articles', 0):,} articles"]
        tip += [f"{m}: {_number(measures[m].get(node))}" for m in in_tip]
        page.add_node(node, label=_short(name), name=name, color=node_colour(classes[node][0]),
                      value=ranked.values[node], title="\n".join(tip), details=details,
                      search=" ".join((name, attrs.get("domain", ""), attrs.get("names", ""))
                                      ).lower(),
                      **positions[node])
    for u, v, attrs in edges:
        page.add_edge(u, v, weight=attrs["weight"], value=attrs["weight"],
                      title=(f"{G.nodes[u].get('name', u)} — {G.nodes[v].get('name', v)}\n"
                             f"weight {attrs['weight']}: {attrs.get('pairs', 0)} linked article "
                             f"pairs, {attrs.get('stories', 0)} shared stories"))
    meaning = MEASURES[size_by].meaning if size_by in MEASURES else ""
    page.notes = [
        f"Node size: {size_by}. {meaning}".strip(),
        "Edge width: co-coverage weight (linked article pairs plus stories both outlets "
        "covered).",
        f"Colour: Louvain community on the whole co-coverage graph (resolution {resolution}, "
        f"seed {seed}), numbered by size; the ten largest with an outlet on this page have "
        "a colour, the rest are grey.",
    ]
    return page



def _with_articles(G: nx.Graph, measures: Mapping[str, Mapping[str, float]] | None
                   ) -> dict[str, Mapping[str, float]]:
    """The given measures plus ``articles`` (every node's article count) when not given."""
    found: dict[str, Mapping[str, float]] = {"articles": dict(G.nodes(data="articles",
                                                                      default=0))}
    found.update(measures or {})
    return found


def _rank(G: nx.Graph, measures: Mapping[str, Mapping[str, float]], size_by: str, top: int
          ) -> _Ranked:
    if top < 1:
        raise BadInputError(f"--top must be at least 1, not {top}")
    if size_by not in measures:
        raise BadInputError(f"unknown measure {size_by!r}: use one of "
                            f"{', '.join(sorted(measures))}")
    values = {n: float(measures[size_by].get(n, 0.0) or 0.0) for n in G}
    nodes = sorted(G, key=lambda n: (-values[n], n))[:top]
    return _Ranked(nodes=nodes, values={n: values[n] for n in nodes}, total=G.number_of_nodes())


def _heaviest_edges(G: nx.Graph, nodes: Sequence[str], limit: int
                    ) -> list[tuple[str, str, dict[str, Any]]]:
    # Each edge as (smaller, larger) node: a subgraph view yields an undirected edge either
    # way round, in hash order, so the page would differ between two processes.
    edges = [(min(u, v), max(u, v), d) for u, v, d in G.subgraph(nodes).edges(data=True)]
    edges.sort(key=lambda e: (-e[2].get("weight", 1), e[0], e[1]))
    return edges[:max(limit, 0)]


def _community_classes(G: nx.Graph, nodes: Sequence[str], labels: Mapping[str, int],
                       page: GraphPage) -> dict[str, tuple[str, str]]:
    """Node -> (css class, community description); fills the page's legend."""
    drawn: dict[int, list[str]] = {}
    for node in nodes:
        drawn.setdefault(labels[node], []).append(node)
    sizes: dict[int, int] = {}
    for label in labels.values():
        sizes[label] = sizes.get(label, 0) + 1
    order = sorted(drawn)  # community numbers follow size on the whole graph
    result: dict[str, tuple[str, str]] = {}
    for rank, c in enumerate(order):
        lead = str(G.nodes[drawn[c][0]].get("name", drawn[c][0]))
        text = f"community {c + 1}: {lead} and {sizes[c] - 1:,} more" if sizes[c] > 1 else \
            f"{lead} (a community of its own)"
        css = f"c{rank}" if rank < len(PALETTE) else "other"
        for node in drawn[c]:
            result[node] = (css, text)
        if rank < len(PALETTE):
            page.legend.append((css, f"{text} ({len(drawn[c])} on this page)"))
    if len(order) > len(PALETTE):
        rest = len(order) - len(PALETTE)
        page.legend.append(("other", f"{rest} smaller communit{'y' if rest == 1 else 'ies'}"))
    return result


def _layout(nodes: Sequence[str], edges: Iterable[tuple[str, str, dict[str, Any]]], *,
            seed: int) -> dict[str, dict[str, float]]:
    """Node -> {x, y} in vis-network pixels: seeded Fruchterman-Reingold of the drawn edges.

    igraph's, in C: 1.5 s for 968 outlets where networkx's ``spring_layout`` takes 12 s.
    Spread over about 80 px per node, so vis-network's physics (small pages) has little to do.
    """
    if not nodes:
        return {}
    graph, weights = igraph_graph(nodes, edges, "weight")
    with seeded(seed):
        coords = graph.layout_fruchterman_reingold(weights=weights or None, niter=500).coords
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    half = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    scale = (40.0 * math.sqrt(len(nodes)) + 100.0) / half
    return {n: {"x": round((x - cx) * scale, 1), "y": round((y - cy) * scale, 1)}
            for n, (x, y) in zip(nodes, coords, strict=True)}


def _spread_curve(article_times: Sequence[int], outlet_steps: Sequence[tuple[int, int]]
                  ) -> dict[str, Any] | None:
    """The SVG geometry of articles and outlets so far over time (None without any time).

    ``outlet_steps`` are (time, outlets so far) as `graphnews.spread.StorySpread.curve` has them.
    """
    times = sorted(article_times)
    if not times:
        return None
    width, height, left, right, top, bottom = 720, 230, 48, 700, 14, 200
    t0, t1 = times[0], times[-1]
    max_count = max(len(times), *(n for _, n in outlet_steps))

    def line(steps: Iterable[tuple[int, int]]) -> str:
        def xy(t: int, count: int) -> str:
            x = left + ((t - t0) / (t1 - t0) * (right - left) if t1 > t0 else 0)
            return f"{x:.1f},{bottom - count / max_count * (bottom - top):.1f}"

        points, before = [xy(t0, 0)], 0
        for t, count in steps:
            points += [xy(t, before), xy(t, count)]
            before = count
        return " ".join(points)

    return {"width": width, "height": height, "left": left, "right": right, "top": top,
            "bottom": bottom, "max_count": max_count,
            "articles": line((t, i) for i, t in enumerate(times, 1)),
            "outlets": line(outlet_steps), "start": _format_ts(t0), "end": _format_ts(t1)}


def _spread_summary(spread: StorySpread, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The story's spread figures (`graphnews.spread`) as (label, text) rows."""
    def hours(value: float | None) -> str:
        return "" if value is None else f"{value:,.1f} h"

    rows = [("first reported by", ", ".join(names.get(d, d) for d in spread.first_reporter)),
            ("first seen", spread.first_seen or ""), ("last seen", spread.last_seen or ""),
            ("duration", hours(spread.duration_hours)),
            *((f"hours until {k} outlets", hours(v)) for k, v in spread.hours_to.items()),
            ("median lag of the followers", hours(spread.median_lag_hours)),
            ("topics", ", ".join(spread.topics)),
            ("confidence", f"{spread.confidence:.2f}")]
    return [(k, v) for k, v in rows if v]


def _stability_rows(stability: StoryStability | None) -> list[tuple[str, str]]:
    """How the story fares under other clusterings, as (label, text) rows (none without)."""
    if stability is None:
        return []
    low, high = stability.size
    return [("found whole", f"in {stability.kept} of {stability.clusterings} clusterings"),
            ("size over the clusterings", f"{low}" if low == high else f"{low} to {high}")]


def _correction_rows(corrections: Sequence[Constraint]) -> list[tuple[str, str]]:
    """The corrections by hand that touch the story, as (label, text) rows (none without)."""
    joins = sum(c.kind == "join" for c in corrections)
    apart = len(corrections) - joins
    text = ", ".join(f"{n} {what}{'s' if n > 1 else ''}"
                     for n, what in ((joins, "join"), (apart, "separation")) if n)
    return [("corrected by hand", text)] if corrections else []


def _summary(db: Database, f: Filters, stories: int) -> list[tuple[str, str]]:
    stats = db.stats()
    cond, params = f.article_sql("a")
    first, last = db.conn.execute(
        f"SELECT min(a.published), max(a.published) FROM articles a WHERE {cond}", params
    ).fetchone()
    rows = [("documents", stats["documents"]), ("articles", stats["articles"]),
            ("outlets", stats["outlets"]), ("topics", stats["topics"]),
            ("related links", stats["related_links"]), ("rejected documents", stats["rejected"]),
            ("story pages", stories)]
    result = [(k, f"{v:,}") for k, v in rows]
    if first:
        result.append(("published", f"{first} to {last}"))
    if not f.is_empty:
        result.append(("filters", "pages show a filtered view"))
    return result


def _central_table(G: nx.Graph, measures: Mapping[str, Mapping[str, float]], size_by: str,
                   limit: int = 20) -> dict[str, Any]:
    ranked = _rank(G, measures, size_by, limit)
    preferred = [m for m in _TIP_MEASURES if m in measures]
    names = list(dict.fromkeys([size_by, "articles", *preferred, *measures]))[:7]
    return {
        "caption": f"The top {len(ranked.nodes)} of {ranked.total:,} outlets by {size_by}.",
        "measures": names,
        "rows": [{"name": G.nodes[n].get("name", n), "domain": G.nodes[n].get("domain", ""),
                  "cells": [_number(measures[m].get(n)) for m in names]}
                 for n in ranked.nodes],
    }


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.4g}"


def _format_ts(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _when(attrs: Mapping[str, Any]) -> str:
    ts = attrs.get("published_ts")
    return _format_ts(int(ts)) if ts is not None else "time unknown"


def _safe_url(url: Any) -> str | None:
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) \
        else None
