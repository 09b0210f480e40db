"""networkx graphs over the store: the coverage graph and its projections.

Every builder takes the `Database` first and the shared filters keyword-only (``since``,
``until``, ``topics``, ``outlets``, ``min_weight``, or a ready `Filters` as ``filters``). The
projections are aggregated in SQL, so they stay cheap at 100,000 documents; only
`coverage_graph` materialises every article. The graph model is documented in
docs/architecture.md.

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
>>> G = outlet_graph(db)
>>> G["outlet:a.com"]["outlet:b.com"]["weight"]
1
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graphnews.collections import node_attributes, outlet_metadata
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.store import Database

__all__ = [
    "GRAPH_KINDS",
    "LIST_SEPARATOR",
    "LinkedPair",
    "build_graph",
    "coverage_graph",
    "follow_links",
    "follows_graph",
    "heaviest_partners",
    "linked_pairs",
    "outlet_attributes",
    "outlet_graph",
    "resolve_filters",
    "topic_graph",
]

#: How list-valued data (topics, outlet names) is joined into one string attribute.
LIST_SEPARATOR = "; "
#: The graphs `build_graph` knows by name (plus ``story:<id>``).
GRAPH_KINDS = ("coverage", "outlets", "follows", "topics")


@dataclass(frozen=True)
class LinkedPair:
    """Two articles joined by a ``related`` link (either direction, counted once).

    ``a`` < ``b`` are article ids; ``outlet_a``/``outlet_b`` their outlet domains; ``ts_a``/``ts_b``
    their publication times (seconds, or None when unknown).
    """

    a: int
    b: int
    outlet_a: str
    outlet_b: str
    ts_a: int | None
    ts_b: int | None


def resolve_filters(
    filters: Filters | None = None, *, since: str | dt.date | None = None,
    until: str | dt.date | None = None, topics: Iterable[str] | None = None,
    outlets: Iterable[str] | None = None, min_weight: float = 0.0,
) -> Filters:
    """One `Filters` from either a ready object or the filter keywords (not both).

    The graph builders take both, for notebook use (``outlet_graph(db, min_weight=2)``); every
    report above them takes the `Filters` value whole.
    """
    given = since or until or topics or outlets or min_weight
    if filters is not None:
        if given:
            raise TypeError("pass either filters= or individual filter options, not both")
        return filters
    return Filters.build(since=since, until=until, topics=topics, outlets=outlets,
                         min_weight=min_weight)


def linked_pairs(db: Database, *, filters: Filters | None = None) -> list[LinkedPair]:
    """Every distinct linked article pair whose two articles pass the filters.

    Self-links (an article listing itself) and pairs where either article has no outlet are
    left out. Pairs of one outlet (both articles from the same outlet) are kept: callers decide.
    """
    sql, params = _linked_sql(filters or Filters())
    return [LinkedPair(*row) for row in db.conn.execute(
        f"{sql} SELECT l.x, l.y, ox.domain, oy.domain, l.ts_x, l.ts_y FROM linked l "
        f"JOIN outlets ox ON ox.id = l.outlet_x JOIN outlets oy ON oy.id = l.outlet_y "
        f"ORDER BY l.x, l.y", params)]


def _linked_sql(f: Filters) -> tuple[str, list[object]]:
    """A ``WITH`` clause whose table ``linked`` holds the pairs of `linked_pairs`: ``x`` < ``y``
    (article ids), ``outlet_x``/``outlet_y`` (outlet ids: grouping by integers, not domains, is
    what makes the outlet graphs cheap; `_outlet_domains` names them), ``ts_x``/``ts_y``."""
    cond_a, params_a = f.article_sql("a")
    cond_b, params_b = f.article_sql("b")
    sql = f"""
        WITH pairs AS (
            SELECT DISTINCT min(from_article, to_article) AS x, max(from_article, to_article) AS y
            FROM related_links WHERE from_article != to_article
        ), linked AS (
            SELECT p.x AS x, p.y AS y, a.outlet_id AS outlet_x, b.outlet_id AS outlet_y,
                   a.published_ts AS ts_x, b.published_ts AS ts_y
            FROM pairs p JOIN articles a ON a.id = p.x JOIN articles b ON b.id = p.y
            WHERE a.outlet_id IS NOT NULL AND b.outlet_id IS NOT NULL AND {cond_a} AND {cond_b}
        )
    """
    return sql, [*params_a, *params_b]


def coverage_graph(
    db: Database, *, filters: Filters | None = None, story: str | None = None,
    articles: Iterable[int] | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    topics: Iterable[str] | None = None,
    outlets: Iterable[str] | None = None,
    min_weight: float = 0.0,
) -> nx.MultiDiGraph:
    """The coverage graph: articles, outlets and topics with published_by/about/related edges.

    Parameters
    ----------
    db : Database
    filters : Filters, optional
        Or the keywords ``since``, ``until``, ``topics``, ``outlets``, ``min_weight``.
    story : str, optional
        Keep only the articles of this story id.
    articles : iterable of int, optional
        Keep only these article ids (`graphnews.query.neighbors` passes a neighbourhood).

    Returns
    -------
    networkx.MultiDiGraph
        Keyed edges (key = edge kind); attributes as in docs/architecture.md.
    """
    f = resolve_filters(filters, since=since, until=until, topics=topics, outlets=outlets,
                        min_weight=min_weight)
    cond, params = f.article_sql("a")
    if story is not None:
        cond += " AND a.id IN (SELECT article_id FROM story_articles WHERE story_id = ?)"
        params.append(story)
    if articles is not None:
        cond += " AND a.id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(set(articles))))
    c = db.conn
    c.execute("DROP TABLE IF EXISTS kept")
    c.execute(f"CREATE TEMP TABLE kept AS SELECT a.id FROM articles a WHERE {cond}", params)
    c.execute("CREATE UNIQUE INDEX kept_id ON kept(id)")
    if articles is not None:  # a few articles: statistics make the joins start from `kept`
        c.execute("ANALYZE kept")
    G = nx.MultiDiGraph()
    topics_of: dict[int, list[str]] = defaultdict(list)
    for article_id, name in c.execute(
        "SELECT DISTINCT t.article_id, p.name FROM article_topics t JOIN kept k "
        "ON k.id = t.article_id JOIN topics p ON p.id = t.topic_id ORDER BY t.article_id, p.name"
    ):
        topics_of[article_id].append(name)
    stories = dict(c.execute(
        "SELECT s.article_id, s.story_id FROM story_articles s JOIN kept k ON k.id = s.article_id"))
    outlet_articles: Counter[str] = Counter()
    for row in c.execute(
        "SELECT a.id, a.canonical_url, a.title, a.excerpt, a.published, a.published_ts, a.type, "
        "a.has_document, o.domain FROM articles a JOIN kept k ON k.id = a.id "
        "LEFT JOIN outlets o ON o.id = a.outlet_id ORDER BY a.id"
    ):
        article_id, url, title, excerpt, published, ts, kind, has_doc, domain = row
        node = f"article:{article_id}"
        attrs = _scalars(
            kind="article", label=title or url, url=url, title=title, excerpt=excerpt,
            outlet=domain, published=published, published_ts=ts, type=kind,
            topics=LIST_SEPARATOR.join(topics_of.get(article_id, [])) or None,
            has_document=bool(has_doc), story=stories.get(article_id),
        )
        G.add_node(node, **attrs)
        if domain is not None:
            G.add_edge(node, f"outlet:{domain}", key="published_by", kind="published_by")
            outlet_articles[domain] += 1
        for name in topics_of.get(article_id, []):
            G.add_edge(node, f"topic:{name}", key="about", kind="about")
    for domain, attrs in outlet_attributes(db, outlet_articles).items():
        G.add_node(f"outlet:{domain}", **attrs)
    topic_articles = Counter(t for names in topics_of.values() for t in names)
    for name, n in topic_articles.items():
        G.add_node(f"topic:{name}", kind="topic", label=name, name=name, articles=n)
    for doc, position, src, dst in c.execute(
        "SELECT r.document_id, r.position, r.from_article, r.to_article FROM related_links r "
        "JOIN kept k1 ON k1.id = r.from_article JOIN kept k2 ON k2.id = r.to_article "
        "ORDER BY r.document_id, r.position"
    ):
        G.add_edge(f"article:{src}", f"article:{dst}", key=f"related:{doc}:{position}",
                   kind="related", document=doc, position=position)
    c.execute("DROP TABLE kept")
    return G


def outlet_graph(
    db: Database, *, filters: Filters | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    topics: Iterable[str] | None = None,
    outlets: Iterable[str] | None = None,
    min_weight: float = 0.0,
) -> nx.Graph:
    """The outlet co-coverage graph: outlets joined by linked article pairs and shared stories.

    Edge ``weight`` = distinct linked article pairs between the two outlets (``pairs``) plus the
    number of stories both covered (``stories``; 0 until stories are computed). Every outlet with
    an article passing the filters is a node, isolated or not. Edges lighter than
    ``min_weight`` are dropped. Filters as in `coverage_graph`.
    """
    f = resolve_filters(filters, since=since, until=until, topics=topics, outlets=outlets,
                        min_weight=min_weight)
    counts = _article_counts(db, f)
    G = nx.Graph()
    G.add_nodes_from((f"outlet:{domain}", attrs)
                     for domain, attrs in outlet_attributes(db, counts).items())
    sql, params = _linked_sql(f)
    domain = _outlet_domains(db)
    pairs: Counter[tuple[str, str]] = Counter()
    for x, y, n in db.conn.execute(
        f"{sql} SELECT min(outlet_x, outlet_y), max(outlet_x, outlet_y), count(*) "
        f"FROM linked WHERE outlet_x != outlet_y GROUP BY 1, 2", params):
        dx, dy = domain[x], domain[y]
        pairs[(dx, dy) if dx < dy else (dy, dx)] = n
    shared = _shared_stories(db, f)

    def edges() -> Iterator[tuple[str, str, dict[str, int]]]:
        # one at a time: networkx copies each attribute dict, so a list of them would be held
        # twice (1.2 million edges at 19,649 outlets)
        for key in sorted(pairs.keys() | shared.keys()):
            linked, stories = pairs.get(key, 0), shared.get(key, 0)  # not Counter's __missing__
            weight = linked + stories
            if weight >= f.min_weight and weight > 0:
                yield (f"outlet:{key[0]}", f"outlet:{key[1]}",
                       {"weight": weight, "pairs": linked, "stories": stories})

    G.add_edges_from(edges())
    return G


def follows_graph(
    db: Database, *, filters: Filters | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    topics: Iterable[str] | None = None,
    outlets: Iterable[str] | None = None,
    min_weight: float = 0.0,
) -> nx.DiGraph:
    """Who follows whom: edge ``B -> A`` when B published after A on a linked article pair.

    Edge ``weight`` = number of such pairs, ``median_lag_hours`` = their median delay.
    Pairs published at the same second, or with an unknown time, give no edge. Filters as in
    `coverage_graph` (``min_weight``: fewest pairs an edge needs).
    """
    f = resolve_filters(filters, since=since, until=until, topics=topics, outlets=outlets,
                        min_weight=min_weight)
    counts = _article_counts(db, f)
    G = nx.DiGraph()
    G.add_nodes_from((f"outlet:{domain}", attrs)
                     for domain, attrs in outlet_attributes(db, counts).items())
    sql, params = _linked_sql(f)
    # Per (follower, leader): the number of pairs and the one or two middle delays (seconds).
    rows = db.conn.execute(f"""
        {sql}, lags AS (
            SELECT CASE WHEN ts_x < ts_y THEN outlet_y ELSE outlet_x END AS follower,
                   CASE WHEN ts_x < ts_y THEN outlet_x ELSE outlet_y END AS leader,
                   abs(ts_y - ts_x) AS lag
            FROM linked WHERE outlet_x != outlet_y AND ts_x != ts_y
        ), ranked AS (
            SELECT follower, leader, lag,
                   row_number() OVER (PARTITION BY follower, leader ORDER BY lag) AS k,
                   count(*) OVER (PARTITION BY follower, leader) AS n
            FROM lags
        )
        SELECT follower, leader, n, lag FROM ranked WHERE k IN ((n + 1) / 2, (n + 2) / 2)
        ORDER BY follower, leader, k""", params)
    domain = _outlet_domains(db)
    edges = []
    for (follower, leader, n), middle in itertools.groupby(rows, key=lambda r: r[:3]):
        if n < f.min_weight:
            continue
        hours = [lag / 3600.0 for *_, lag in middle]
        edges.append((f"outlet:{domain[follower]}", f"outlet:{domain[leader]}", n,
                      float(statistics.median(hours))))
    edges.sort()  # by follower, then leader (each pair once)
    # attribute dicts made one at a time: networkx copies each (see `outlet_graph`)
    G.add_edges_from((u, v, {"weight": n, "median_lag_hours": lag}) for u, v, n, lag in edges)
    return G


def topic_graph(
    db: Database, *, filters: Filters | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    topics: Iterable[str] | None = None,
    outlets: Iterable[str] | None = None,
    min_weight: float = 0.0,
) -> nx.Graph:
    """Topic co-occurrence: topics joined by the number of articles about both.

    Filters as in `coverage_graph`.
    """
    f = resolve_filters(filters, since=since, until=until, topics=topics, outlets=outlets,
                        min_weight=min_weight)
    cond, params = f.article_sql("a")
    rows = db.conn.execute(
        f"SELECT DISTINCT t.article_id, p.name FROM article_topics t "
        f"JOIN topics p ON p.id = t.topic_id JOIN articles a ON a.id = t.article_id "
        f"WHERE {cond} ORDER BY t.article_id, p.name", params)
    topic_articles, together = _co_occurrence(rows)
    G = nx.Graph()
    for name, n in sorted(topic_articles.items()):
        G.add_node(f"topic:{name}", kind="topic", label=name, name=name, articles=n)
    for (x, y), n in sorted(together.items()):
        if n >= f.min_weight:
            G.add_edge(f"topic:{x}", f"topic:{y}", weight=n)
    return G


def build_graph(db: Database, kind: str, *, filters: Filters | None = None) -> nx.Graph:
    """Build a graph by name: ``coverage``, ``outlets``, ``follows``, ``topics`` or ``story:ID``.

    Raises
    ------
    BadInputError
        For an unknown name.
    """
    f = filters or Filters()
    if kind.startswith("story:"):
        return coverage_graph(db, filters=f, story=kind.split(":", 1)[1])
    builders = {"coverage": coverage_graph, "outlets": outlet_graph, "follows": follows_graph,
                "topics": topic_graph}
    if kind not in builders:
        raise BadInputError(f"unknown graph {kind!r}: use one of {', '.join(GRAPH_KINDS)} "
                            "or story:ID")
    return builders[kind](db, filters=f)


def heaviest_partners(G: nx.Graph, node: str, limit: int) -> list[dict[str, Any]]:
    """A node's heaviest co-coverage partners: ``{outlet, name, weight, pairs, stories}``."""
    if node not in G:
        return []
    heavy = sorted(G[node].items(), key=lambda item: (-item[1]["weight"], item[0]))[:limit]
    return [{"outlet": G.nodes[v]["domain"], "name": G.nodes[v]["name"], "weight": d["weight"],
             "pairs": d["pairs"], "stories": d["stories"]} for v, d in heavy]


def follow_links(F: nx.DiGraph, node: str, limit: int, *, outgoing: bool
                 ) -> list[dict[str, Any]]:
    """Heaviest follows edges out of ``node`` (whom it follows) or into it (who follows it).

    Each ``{outlet, name, pairs, median_lag_hours}``.
    """
    if node not in F:
        return []
    edges = F.out_edges(node, data=True) if outgoing else F.in_edges(node, data=True)
    other = 1 if outgoing else 0
    heavy = sorted(edges, key=lambda e: (-e[2]["weight"], e[other]))[:limit]
    return [{"outlet": F.nodes[e[other]]["domain"], "name": F.nodes[e[other]]["name"],
             "pairs": e[2]["weight"], "median_lag_hours": e[2]["median_lag_hours"]}
            for e in heavy]


def _ordered(x: str, y: str) -> tuple[str, str]:
    return (x, y) if x < y else (y, x)


def _scalars(**attrs: Any) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


def _outlet_domains(db: Database) -> dict[int, str]:
    """Outlet id -> domain."""
    return dict(db.conn.execute("SELECT id, domain FROM outlets"))


def _article_counts(db: Database, f: Filters) -> Counter[str]:
    cond, params = f.article_sql("a")
    return Counter(dict(db.conn.execute(
        f"SELECT o.domain, count(*) FROM articles a JOIN outlets o ON o.id = a.outlet_id "
        f"WHERE {cond} GROUP BY o.domain", params)))


def outlet_attributes(db: Database, counts: Counter[str]) -> dict[str, dict[str, Any]]:
    """Node attributes of the outlets in ``counts`` (domain -> article count), sorted by domain.

    Besides ``kind``, ``label``, ``name``, ``domain``, ``names`` and ``articles``, each outlet
    carries its imported metadata (``lean``, ``country``, ...; `graphnews.collections`)."""
    names: dict[str, list[str]] = defaultdict(list)
    display: dict[str, str] = {}
    for domain, name, outlet_name in db.conn.execute(
        "SELECT o.domain, n.name, o.name FROM outlets o LEFT JOIN outlet_names n "
        "ON n.outlet_id = o.id WHERE o.domain IN (SELECT value FROM json_each(?)) "
        "ORDER BY o.domain, n.count DESC, n.name", (json.dumps(sorted(counts)),)
    ):
        display[domain] = outlet_name
        if name is not None:
            names[domain].append(name)
    metadata = outlet_metadata(db, counts)
    return {
        domain: {
            "kind": "outlet", "label": display.get(domain, domain),
            "name": display.get(domain, domain), "domain": domain,
            "names": LIST_SEPARATOR.join(names.get(domain, [])) or display.get(domain, domain),
            "articles": int(n),
        } | node_attributes(metadata.get(domain, {}))
        for domain, n in sorted(counts.items())
    }


def _shared_stories(db: Database, f: Filters) -> Counter[tuple[str, str]]:
    cond, params = f.article_sql("a")
    rows = db.conn.execute(
        f"SELECT DISTINCT s.story_id, o.domain FROM story_articles s "
        f"JOIN articles a ON a.id = s.article_id JOIN outlets o ON o.id = a.outlet_id "
        f"WHERE {cond} ORDER BY s.story_id, o.domain", params)
    return _co_occurrence(rows)[1]


def _co_occurrence(
    rows: Iterable[tuple[Any, str]],
) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """From (group, item) rows sorted by group then item: how many groups hold each item, and
    each pair of items (x < y)."""
    items: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for _, group in itertools.groupby(rows, key=lambda row: row[0]):
        members = [item for _, item in group]
        items.update(members)
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                pairs[(x, y)] += 1
    return items, pairs
