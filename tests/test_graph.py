"""The graph builders of `graphnews.graph`, checked on the real corpus and on tiny hand-made ones.

Weights are recomputed independently from the ``related_links`` table; filters are checked
against plain SQL over ``articles``. Every test runs on both engines (tests/conftest.py's
`engine`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml

import graphnews
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.graph import (
    GRAPH_KINDS,
    build_graph,
    coverage_graph,
    follows_graph,
    linked_pairs,
    outlet_graph,
    topic_graph,
)
from graphnews.store import Database

SCALARS = (str, int, float, bool)


@pytest.fixture(scope="module")
def real(real_target: str) -> Database:
    return graphnews.open(real_target, readonly=True)


def article(domain: str, slug: str, when: str | None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"title": f"{domain} {slug}", "webUrl": f"https://{domain}/{slug}",
                            "provider": {"name": domain.split(".")[0].title(),
                                         "domain": domain}}
    if when:
        item["publishedDateTime"] = when
    return item | extra


def corpus(tmp_path: Path, target: str, *documents: dict[str, Any]) -> Database:
    """A database at ``target`` of the given documents, one Markdown file each."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for k, doc in enumerate(documents):
        (folder / f"{k}.md").write_text("---\n" + yaml.safe_dump(doc) + "---\n")
    db = graphnews.open(target)
    assert not db.ingest([folder]).rejected
    return db


# -- the real corpus ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", GRAPH_KINDS)
def test_attributes_are_typed_scalars(real: Database, kind: str, tmp_path: Path) -> None:
    G = build_graph(real, kind)
    assert G.number_of_nodes() > 10 and G.number_of_edges() > 20
    for node, attrs in G.nodes(data=True):
        assert node.split(":", 1)[0] in {"article", "outlet", "topic"}
        assert attrs["kind"] == node.split(":", 1)[0]
        for key, value in attrs.items():
            assert isinstance(value, SCALARS), (node, key, value)
    for *_, attrs in G.edges(data=True):
        for key, value in attrs.items():
            assert isinstance(value, SCALARS), (key, value)
    nx.write_graphml(G, tmp_path / f"{kind}.graphml")  # every writer takes them
    assert nx.read_graphml(tmp_path / f"{kind}.graphml").number_of_nodes() == len(G)


def test_coverage_graph_holds_the_store(real: Database) -> None:
    G = coverage_graph(real)
    stats = real.stats()
    kinds = Counter(kind for _, kind in G.nodes(data="kind"))
    assert kinds == {"article": stats["articles"], "outlet": stats["outlets"],
                     "topic": stats["topics"]}
    edges = Counter(kind for *_, kind in G.edges(data="kind"))
    assert edges["related"] == stats["related_links"]
    assert edges["published_by"] == real.conn.execute(
        "SELECT count(*) FROM articles WHERE outlet_id IS NOT NULL").fetchone()[0]
    assert edges["about"] == real.conn.execute(
        "SELECT count(DISTINCT article_id || '/' || topic_id) FROM article_topics").fetchone()[0]
    with_document = real.conn.execute(
        "SELECT count(*) FROM articles WHERE has_document = 1").fetchone()[0]
    assert sum(d is True for _, d in G.nodes(data="has_document")) == with_document
    assert all(url.startswith("https://") for _, url in G.nodes(data="url") if url)


def test_outlet_weights_are_distinct_linked_pairs(real: Database) -> None:
    outlet_of = dict(real.conn.execute(
        "SELECT a.id, o.domain FROM articles a JOIN outlets o ON o.id = a.outlet_id"))
    pairs = {frozenset(link) for link in real.conn.execute(
        "SELECT from_article, to_article FROM related_links WHERE from_article != to_article")}
    expected: Counter[frozenset[str]] = Counter()
    for pair in pairs:
        x, y = sorted(pair)
        if x in outlet_of and y in outlet_of and outlet_of[x] != outlet_of[y]:
            expected[frozenset((outlet_of[x], outlet_of[y]))] += 1
    G = outlet_graph(real)
    found = {frozenset((u[7:], v[7:])): d for u, v, d in G.edges(data=True)}
    assert {k: d["weight"] for k, d in found.items()} == dict(expected)
    assert all(d["pairs"] == d["weight"] and d["stories"] == 0 for d in found.values())
    assert nx.number_of_selfloops(G) == 0
    # Every outlet with an article is a node, linked or not.
    assert G.number_of_nodes() == real.stats()["outlets"]


def test_follows_weights_add_up_to_the_timed_pairs(real: Database) -> None:
    F = follows_graph(real)
    timed = [p for p in linked_pairs(real) if p.outlet_a != p.outlet_b
             and p.ts_a is not None and p.ts_b is not None and p.ts_a != p.ts_b]
    assert sum(w for *_, w in F.edges(data="weight")) == len(timed)
    for follower, leader, d in F.edges(data=True):
        assert d["weight"] >= 1 and d["median_lag_hours"] > 0
        assert follower != leader


def test_topic_weights_count_articles_about_both(real: Database) -> None:
    T = topic_graph(real)
    sql = ("SELECT count(DISTINCT a.article_id) FROM article_topics a "
           "JOIN article_topics b ON b.article_id = a.article_id "
           "JOIN topics x ON x.id = a.topic_id JOIN topics y ON y.id = b.topic_id "
           "WHERE x.name = ? AND y.name = ?")
    for u, v, w in list(T.edges(data="weight"))[:25]:
        assert w == real.conn.execute(sql, (u[6:], v[6:])).fetchone()[0]
    for node, n in T.nodes(data="articles"):
        assert n == real.conn.execute(
            "SELECT count(DISTINCT t.article_id) FROM article_topics t JOIN topics p "
            "ON p.id = t.topic_id WHERE p.name = ?", (node[6:],)).fetchone()[0]


# -- filters ---------------------------------------------------------------------------------------
def test_since_until_keep_articles_of_the_window(real: Database) -> None:
    window = {"since": "2022-06-20", "until": "2022-06-25"}
    G = outlet_graph(real, **window)
    domains = {d for (d,) in real.conn.execute(
        "SELECT DISTINCT o.domain FROM articles a JOIN outlets o ON o.id = a.outlet_id "
        "WHERE a.published >= '2022-06-20' AND a.published < '2022-06-26'")}
    assert {n[7:] for n in G} == domains
    assert 0 < len(domains) < real.stats()["outlets"]
    C = coverage_graph(real, **window)
    stamps = [a["published"] for _, a in C.nodes(data=True) if a["kind"] == "article"]
    assert stamps and all("2022-06-20" <= s[:10] <= "2022-06-25" for s in stamps)
    assert all(p.ts_a is not None and p.ts_b is not None for p in
               linked_pairs(real, filters=Filters.build(**window)))
    assert G.size(weight="weight") < outlet_graph(real).size(weight="weight")


def test_topic_and_outlet_filters(real: Database) -> None:
    G = outlet_graph(real, topics=["Computer Vision"])
    domains = {d for (d,) in real.conn.execute(
        "SELECT DISTINCT o.domain FROM articles a JOIN outlets o ON o.id = a.outlet_id "
        "JOIN article_topics t ON t.article_id = a.id JOIN topics p ON p.id = t.topic_id "
        "WHERE p.name = 'Computer Vision'")}
    assert {n[7:] for n in G} == domains
    T = topic_graph(real, topics=["Computer Vision"])
    assert all(T.has_edge("topic:Computer Vision", t) for t in T if t != "topic:Computer Vision")
    mine = outlet_graph(real, outlets=["www.cnet.com", "theguardian.com"])
    assert set(mine) == {"outlet:cnet.com", "outlet:theguardian.com"}
    assert mine["outlet:cnet.com"]["outlet:theguardian.com"]["weight"] == outlet_graph(
        real)["outlet:cnet.com"]["outlet:theguardian.com"]["weight"]


@pytest.mark.parametrize("kind", ["outlets", "follows", "topics"])
def test_min_weight_drops_lighter_edges_only(real: Database, kind: str) -> None:
    full = build_graph(real, kind)
    heavy = build_graph(real, kind, filters=Filters(min_weight=2))
    assert set(heavy) == set(full)
    assert {(u, v) for u, v, w in full.edges(data="weight") if w >= 2} == set(heavy.edges())
    assert 0 < heavy.number_of_edges() < full.number_of_edges()


def test_build_graph_by_name_is_the_builder_of_that_name(hand: Database) -> None:
    since = Filters.build(since="2022-06-01")
    for name, builder in (("coverage", coverage_graph), ("outlets", outlet_graph),
                          ("follows", follows_graph), ("topics", topic_graph)):
        built, direct = build_graph(hand, name, filters=since), builder(hand, filters=since)
        assert type(built) is type(direct) and nx.utils.graphs_equal(built, direct)
        assert built.number_of_nodes() > 0
    with pytest.raises(BadInputError, match="unknown graph 'people'"):
        build_graph(hand, "people")
    with pytest.raises(TypeError, match="not both"):
        outlet_graph(hand, filters=Filters(), since="2022-06-01")


# -- hand-made corpora: the answers are known ------------------------------------------------------
#
# Six documents, seven articles, three outlets, three topics (times on 2022-06-01 unless said):
#
#   a1  a.com 10:00  AI, Cars      lists b1, c1
#   b1  b.com 12:00  Cars          lists a1 (the pair a1-b1 again, the other way)
#   c1  c.com 16:00                no document of its own: only listed by a1
#   c2  c.com 06-02 10:00  AI      lists b1
#   a2  a.com (no time) AI, Cars, Rain
#   a3  a.com 06-02 09:00          lists b1
#   c3  c.com 13:00                lists a1
#
# Linked pairs (either direction, once): a1-b1, a1-c1, c2-b1, a3-b1, c3-a1.
#   outlets:  a-b 2 (a1-b1, a3-b1), a-c 2 (a1-c1, c3-a1), b-c 1 (c2-b1)
#   follows:  b->a 1 (2 h), a->b 1 (a3 21 h after b1), c->a 2 (6 h, 3 h: median 4.5), c->b 1 (22 h)
#   topics:   AI 3 (a1 c2 a2), Cars 3 (a1 b1 a2), Rain 1; AI-Cars 2 (a1 a2), AI-Rain 1, Cars-Rain 1
#   coverage: 7 + 3 + 3 = 13 nodes; 7 published_by + 7 about + 6 related = 20 edges
A1 = article("a.com", "1", "2022-06-01T10:00:00Z", topics=["AI", "Cars"])
B1 = article("b.com", "1", "2022-06-01T12:00:00Z", topics=["Cars"])
C1 = article("c.com", "1", "2022-06-01T16:00:00Z")
C2 = article("c.com", "2", "2022-06-02T10:00:00Z", topics=["AI"])
A2 = article("a.com", "2", None, topics=["AI", "Cars", "Rain"])
A3 = article("a.com", "3", "2022-06-02T09:00:00Z")
C3 = article("c.com", "3", "2022-06-01T13:00:00Z")


def _listed(item: dict[str, Any]) -> dict[str, Any]:
    """A related item: the article as another document lists it (no topics there)."""
    return {k: v for k, v in item.items() if k != "topics"}


@pytest.fixture
def hand(tmp_path: Path, new_target: Callable[[], str]) -> Database:
    return corpus(tmp_path, new_target(), A1 | {"related": [_listed(B1), _listed(C1)]},
                  B1 | {"related": [_listed(A1)]}, C2 | {"related": [_listed(B1)]}, A2,
                  A3 | {"related": [_listed(B1)]}, C3 | {"related": [_listed(A1)]})


def _id(db: Database, item: dict[str, Any]) -> str:
    return f"article:{db.resolve_url(item['webUrl'])}"


def test_coverage_graph_of_the_hand_made_corpus(hand: Database) -> None:
    G = coverage_graph(hand)
    a1, b1, c1, c2, a2, a3, c3 = (_id(hand, x) for x in (A1, B1, C1, C2, A2, A3, C3))
    assert (G.number_of_nodes(), G.number_of_edges()) == (13, 20)
    assert {n for n in G if not n.startswith("article:")} == {
        "outlet:a.com", "outlet:b.com", "outlet:c.com", "topic:AI", "topic:Cars", "topic:Rain"}
    assert sorted((u, v) for u, v, k in G.edges(keys=True) if k.startswith("related")) == sorted(
        [(a1, b1), (a1, c1), (b1, a1), (c2, b1), (a3, b1), (c3, a1)])
    assert sorted(v for u, v, k in G.edges(a2, keys=True)) == [
        "outlet:a.com", "topic:AI", "topic:Cars", "topic:Rain"]
    assert [G.nodes[f"outlet:{d}"]["articles"] for d in ("a.com", "b.com", "c.com")] == [3, 1, 3]
    assert [G.nodes[f"topic:{t}"]["articles"] for t in ("AI", "Cars", "Rain")] == [3, 3, 1]
    assert G.nodes[c1] == {
        "kind": "article", "label": "c.com 1", "title": "c.com 1", "url": "https://c.com/1",
        "outlet": "c.com", "published": "2022-06-01T16:00:00Z", "published_ts": 1654099200,
        "has_document": False}
    assert G.nodes[a1]["topics"] == "AI; Cars" and G.nodes[a1]["has_document"] is True
    assert "published" not in G.nodes[a2]  # unknown: absent, never None


def test_projections_of_the_hand_made_corpus(hand: Database) -> None:
    G = outlet_graph(hand)
    assert sorted((u[7:], v[7:], w) for u, v, w in G.edges(data="weight")) == [
        ("a.com", "b.com", 2), ("a.com", "c.com", 2), ("b.com", "c.com", 1)]
    assert G.nodes["outlet:a.com"] == {"kind": "outlet", "label": "A", "name": "A",
                                       "domain": "a.com", "names": "A", "articles": 3}
    F = follows_graph(hand)
    assert sorted((u[7:], v[7:], d["weight"], d["median_lag_hours"])
                  for u, v, d in F.edges(data=True)) == [
        ("a.com", "b.com", 1, 21.0), ("b.com", "a.com", 1, 2.0), ("c.com", "a.com", 2, 4.5),
        ("c.com", "b.com", 1, 22.0)]
    T = topic_graph(hand)
    assert sorted((u[6:], v[6:], w) for u, v, w in T.edges(data="weight")) == [
        ("AI", "Cars", 2), ("AI", "Rain", 1), ("Cars", "Rain", 1)]
    assert dict(T.nodes(data="articles")) == {"topic:AI": 3, "topic:Cars": 3, "topic:Rain": 1}


def test_filters_on_the_hand_made_corpus(hand: Database) -> None:
    # since 06-02: a3 and c2 only (a2 has no time); neither is linked with the other
    late = outlet_graph(hand, since="2022-06-02")
    assert dict(late.nodes(data="articles")) == {"outlet:a.com": 1, "outlet:c.com": 1}
    assert late.number_of_edges() == 0
    # Cars: a1, b1, a2; of their pairs only a1-b1 stays
    cars = outlet_graph(hand, topics=["Cars"])
    assert sorted((u, v, w) for u, v, w in cars.edges(data="weight")) == [
        ("outlet:a.com", "outlet:b.com", 1)]
    assert dict(cars.nodes(data="articles")) == {"outlet:a.com": 2, "outlet:b.com": 1}
    # min_weight 2: the two heavy co-coverage edges, and c follows a, stay
    assert sorted(outlet_graph(hand, min_weight=2).edges()) == [
        ("outlet:a.com", "outlet:b.com"), ("outlet:a.com", "outlet:c.com")]
    assert list(follows_graph(hand, min_weight=2).edges()) == [("outlet:c.com", "outlet:a.com")]
    # outlets b and c: their one pair, c2-b1; the coverage graph keeps their articles only
    bc = coverage_graph(hand, outlets=["b.com", "c.com"])
    assert sorted(n for n, k in bc.nodes(data="kind") if k == "article") == sorted(
        _id(hand, x) for x in (B1, C1, C2, C3))
    assert [(u, v) for u, v, k in bc.edges(keys=True) if k.startswith("related")] == [
        (_id(hand, C2), _id(hand, B1))]


def test_a_pair_linked_both_ways_and_twice_counts_once(tmp_path: Path,
                                                       new_target: Callable[[], str]) -> None:
    a = article("a.com", "1", "2022-06-01T10:00:00Z")
    b = article("b.com", "2", "2022-06-01T12:00:00Z")
    c = article("c.com", "3", "2022-06-01T12:00:00Z")
    db = corpus(tmp_path, new_target(),
                a | {"related": [b, c, a]},        # a -> b, a -> c; a self-link is ignored
                b | {"related": [a]},              # b -> a again, the other way
                article("a.com", "4", None, related=[b]))  # a second a.com article -> b
    G = outlet_graph(db)
    assert G["outlet:a.com"]["outlet:b.com"]["weight"] == 2  # (a1, b2) and (a4, b2)
    assert G["outlet:a.com"]["outlet:c.com"]["weight"] == 1
    assert not G.has_edge("outlet:b.com", "outlet:c.com")
    F = follows_graph(db)
    # b and c published two hours after a1; a4 has no time, so (a4, b2) gives no edge.
    assert F["outlet:b.com"]["outlet:a.com"] == {"weight": 1, "median_lag_hours": 2.0}
    assert F["outlet:c.com"]["outlet:a.com"]["weight"] == 1
    assert F.number_of_edges() == 2


def test_equal_times_give_no_follows_edge(tmp_path: Path, new_target: Callable[[], str]
                                          ) -> None:
    same = "2022-06-01T10:00:00Z"
    db = corpus(tmp_path, new_target(),
                article("a.com", "1", same, related=[article("b.com", "2", same)]))
    assert outlet_graph(db).number_of_edges() == 1
    assert follows_graph(db).number_of_edges() == 0
