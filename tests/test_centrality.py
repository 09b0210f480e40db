"""Central outlets: hand-worked answers on tiny graphs, igraph as the independent check.

Every measure is compared with python-igraph on the same graph (max absolute difference
<= 1e-6, betweenness in exact mode); on the real corpus the comparison goes through GraphML
files, as a reader of ``graphnews export`` would recompute the figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import pytest

import graphnews
from graphnews.centrality import (
    MEASURES,
    betweenness,
    central_outlets,
    closeness,
    degree,
    eigenvector,
    first_reports,
    hits,
    measure_outlets,
    measures,
    pagerank,
    reach,
    strength,
)
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.graph import follows_graph, outlet_graph
from tests.conftest import igraph_measures_from

TOLERANCE = 1e-6


def weighted(G: nx.Graph, weight: float = 1) -> nx.Graph:
    nx.set_edge_attributes(G, weight, "weight")
    return G


def star() -> nx.Graph:
    return weighted(nx.star_graph(4))  # hub 0, leaves 1..4


def path() -> nx.Graph:
    return weighted(nx.path_graph(4))  # 0 - 1 - 2 - 3


def two_cliques() -> nx.Graph:
    """Two 4-cliques a0..a3 and b0..b3 joined by the bridge a0 - b0."""
    G = nx.Graph()
    for side in "ab":
        members = [f"{side}{k}" for k in range(4)]
        G.add_edges_from((u, v) for i, u in enumerate(members) for v in members[i + 1:])
    G.add_edge("a0", "b0")
    return weighted(G)


# -- hand-worked answers --------------------------------------------------------------------------
def test_star() -> None:
    G = star()
    assert degree(G).values == {0: 4, 1: 1, 2: 1, 3: 1, 4: 1}
    assert strength(G).values[0] == 4.0
    # All 6 pairs of leaves route through the hub; a leaf is on no route.
    assert betweenness(G).values == {0: 1.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
    # Hub: 4 outlets at distance 1. Leaf: 1 at distance 1, 3 at distance 2 -> 4/7.
    assert closeness(G).values[0] == pytest.approx(1.0)
    assert closeness(G).values[1] == pytest.approx(4 / 7)
    # Leading eigenvalue 2, eigenvector hub : leaf = 2 : 1.
    assert eigenvector(G).values == pytest.approx({0: 1.0, 1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5})
    # PageRank: x = 0.15/5 + 0.85 * 4y and y = 0.15/5 + 0.85 * x/4 give x = 0.132/0.2775.
    hub_rank = 0.132 / 0.2775
    assert pagerank(G).values == pytest.approx(
        {0: hub_rank, **dict.fromkeys(range(1, 5), (1 - hub_rank) / 4)}, abs=1e-9)


def test_path() -> None:
    G = path()
    # Inner nodes carry 2 of the 3 pairs of other nodes: (0, 2) and (0, 3) for node 1.
    assert betweenness(G).values == pytest.approx({0: 0, 1: 2 / 3, 2: 2 / 3, 3: 0})
    # End: distances 1 + 2 + 3 -> 3/6; inner: 1 + 1 + 2 -> 3/4.
    assert closeness(G).values == pytest.approx({0: 0.5, 1: 0.75, 2: 0.75, 3: 0.5})
    # Eigenvector of P4 is sin(k pi / 5): ends / middle = 1 / golden ratio.
    golden = (1 + math.sqrt(5)) / 2
    assert eigenvector(G).values == pytest.approx({0: 1 / golden, 1: 1, 2: 1, 3: 1 / golden})


def test_two_cliques_joined_by_a_bridge() -> None:
    G = two_cliques()
    between = betweenness(G).values
    # a0 carries the 3 x 4 pairs (a1..a3, b0..b3) of the 21 pairs of other nodes.
    assert between["a0"] == pytest.approx(12 / 21)
    assert between["b0"] == pytest.approx(12 / 21)
    assert between["a1"] == 0.0
    near = closeness(G).values
    assert near["a0"] == pytest.approx(7 / 10)  # 3 * 1 + 1 + 3 * 2
    assert near["a1"] == pytest.approx(7 / 14)  # 3 * 1 + 2 + 3 * 3
    # lambda^2 - 3 lambda - 1 = 0; a1 / a0 = 1 / (lambda - 2) = (sqrt(13) + 1) / 6.
    assert eigenvector(G).values["a1"] == pytest.approx((math.sqrt(13) + 1) / 6)
    assert eigenvector(G).values["a0"] == pytest.approx(1.0)
    assert degree(G).values["a0"] == 4


def test_weights_are_distances_one_over_weight() -> None:
    # Square a-b-c-d-a: a-b and b-c light (distance 1), c-d and d-a heavy (distance 1/4).
    G = nx.Graph()
    G.add_weighted_edges_from([("a", "b", 1), ("b", "c", 1), ("c", "d", 4), ("d", "a", 4)])
    # a..c goes through d (1/2 against 2); b..d ties through a and c (1 + 1/4 either way).
    assert betweenness(G).values == pytest.approx({"a": 1 / 6, "b": 0, "c": 1 / 6, "d": 1 / 3})
    P = nx.Graph()
    P.add_weighted_edges_from([(0, 1, 2), (1, 2, 1)])  # distances 1/2 and 1
    assert closeness(P).values == pytest.approx({0: 2 / 2, 1: 2 / 1.5, 2: 2 / 2.5})
    assert strength(P).values == {0: 2.0, 1: 3.0, 2: 1.0}


def test_paths_equal_up_to_rounding_are_equally_short() -> None:
    # 1/10 + 1/5 is 0.30000000000000004 in floating point, the direct edge 0.3: a tie.
    G = nx.Graph()
    G.add_weighted_edges_from([("s", "x", 10), ("x", "t", 5), ("s", "t", 1 / 0.3)])
    assert betweenness(G).values["x"] == pytest.approx(0.5)
    assert _igraph_betweenness(G)["x"] == pytest.approx(0.5)


def test_hits_hand_worked() -> None:
    # b and c follow a (b twice), c also follows d. A^T A = [[5, 1], [1, 1]]: 3 + sqrt(5).
    F = nx.DiGraph()
    F.add_weighted_edges_from([("b", "a", 2), ("c", "a", 1), ("c", "d", 1)])
    hubs, authorities = hits(F)
    assert authorities.values == pytest.approx({"a": 1, "b": 0, "c": 0, "d": math.sqrt(5) - 2})
    assert hubs.values == pytest.approx({"a": 0, "b": 1, "c": (math.sqrt(5) - 1) / 2, "d": 0})
    assert first_reports(F).values == {"a": 3.0, "b": 0.0, "c": 0.0, "d": 1.0}


def test_hits_of_a_large_group_matches_networkx_and_the_dense_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Above _DENSE_LIMIT ARPACK multiplies by A and A^T in turn (A^T A is never formed);
    # below it A^T A is decomposed densely. Both agree with each other and with networkx.
    F = nx.gnm_random_graph(120, 600, seed=4, directed=True)
    for k, (u, v) in enumerate(F.edges):
        F.edges[u, v]["weight"] = 1 + k % 5
    dense_hubs, dense_authorities = hits(F)
    monkeypatch.setattr(measures, "_DENSE_LIMIT", 10)
    hubs, authorities = hits(F)
    assert not hubs.notes
    assert _max_diff(hubs.values, dense_hubs.values) < 1e-9
    assert _max_diff(authorities.values, dense_authorities.values) < 1e-9
    nx_hubs, nx_authorities = nx.hits(F, max_iter=10_000, tol=1e-14)
    top_hub, top_authority = max(nx_hubs.values()), max(nx_authorities.values())
    assert _max_diff(hubs.values, {k: v / top_hub for k, v in nx_hubs.items()}) < 1e-6
    assert _max_diff(authorities.values,
                     {k: v / top_authority for k, v in nx_authorities.items()}) < 1e-6


def test_reach_counts_partners_with_a_linked_pair() -> None:
    G = nx.Graph()
    G.add_edge("x", "y", weight=3, pairs=2, stories=1)
    G.add_edge("x", "z", weight=1, pairs=0, stories=1)  # only a shared story
    assert reach(G).values == {"x": 1, "y": 1, "z": 0}
    assert degree(G).values == {"x": 2, "y": 1, "z": 1}


# -- graphs of every shape: a defined result and a note, never an exception ----------------------
def test_disconnected_graph_scores_the_strongest_group() -> None:
    G = weighted(nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4)]))
    G.add_node(5)
    scores = eigenvector(G)
    assert scores.values == pytest.approx({0: 1, 1: 1, 2: 1, 3: 0, 4: 0, 5: 0})
    assert any("only the group with the strongest links (3 outlets)" in n for n in scores.notes)
    near = closeness(G)
    assert near.values[5] == 0.0
    assert near.values[3] == pytest.approx(1 / 5)  # reaches 1 of 5 others at distance 1
    assert near.notes
    assert sum(pagerank(G).values.values()) == pytest.approx(1.0)


def test_tied_groups_are_each_scored() -> None:
    G = weighted(nx.Graph([(0, 1), (2, 3)]))
    scores = eigenvector(G)
    assert scores.values == pytest.approx(dict.fromkeys(range(4), 1.0))
    assert any("tie" in n for n in scores.notes)
    F = nx.DiGraph([("x", "y"), ("y", "z")])  # two blocks with singular value 1
    hubs, authorities = hits(F)
    assert authorities.values == pytest.approx({"x": 0, "y": 1, "z": 1})
    assert hubs.values == pytest.approx({"x": 1, "y": 1, "z": 0})
    assert any("tie" in n for n in hubs.notes)


@pytest.mark.parametrize("G", [nx.Graph(), nx.empty_graph(1), nx.empty_graph(3)],
                         ids=["empty", "single", "no-edges"])
def test_graphs_without_edges(G: nx.Graph) -> None:
    scores = measure_outlets(weighted(G), nx.DiGraph(G))
    for name, measured in scores.items():
        assert set(measured.values) == set(G), name
        if name != "pagerank":
            assert all(v == 0 for v in measured.values.values()), name
    if len(G):
        assert sum(scores["pagerank"].values.values()) == pytest.approx(1.0)
    assert any("no links" in n for n in scores["eigenvector"].notes)


def test_zero_weight_edges_are_left_out() -> None:
    G = nx.Graph()
    G.add_weighted_edges_from([(0, 1, 1), (1, 2, 0), (2, 3, -1)])
    scores = measure_outlets(G, nx.DiGraph())
    assert scores["degree"].values == {0: 1, 1: 1, 2: 0, 3: 0}
    assert scores["betweenness"].values == dict.fromkeys(range(4), 0.0)
    assert any("2 link(s) with weight 0 or less" in n for n in scores["closeness"].notes)


def test_eigenvector_falls_back_when_arpack_does_not_converge(
        monkeypatch: pytest.MonkeyPatch) -> None:
    G = nx.gnm_random_graph(300, 900, seed=3)
    G = G.subgraph(max(nx.connected_components(G), key=len)).copy()
    weighted(G)
    expected = eigenvector(G).values
    monkeypatch.setattr(measures, "_DENSE_LIMIT", 10)
    monkeypatch.setattr(measures, "_ARPACK_MAX_ITER", 1)
    scores = eigenvector(G)
    assert any("ARPACK did not converge" in n for n in scores.notes)
    assert _max_diff(scores.values, expected) < 1e-9
    assert _max_diff(scores.values, _igraph_eigenvector(G)) < TOLERANCE


def test_betweenness_estimate_is_marked_and_reproducible() -> None:
    G = _random_graph(200, 800, seed=5)
    first = betweenness(G, exact=False, samples=50, seed=7)
    assert first.values == betweenness(G, exact=False, samples=50, seed=7).values
    assert any("approximate" in n and "50 of 200" in n for n in first.notes)
    exact = betweenness(G, exact=True)
    assert not exact.notes
    assert _max_diff(first.values, exact.values) < 0.05
    # Sampling every node is the exact computation.
    assert _max_diff(betweenness(G, exact=False, samples=200).values, exact.values) < 1e-12


def test_betweenness_is_estimated_above_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measures, "EXACT_BETWEENNESS_LIMIT", 100)
    G = _random_graph(150, 400, seed=2)
    assert any("approximate" in n for n in betweenness(G, samples=20).notes)
    assert not betweenness(G, exact=True).notes


def _float_weighted(n: int, m: int, *, seed: int) -> nx.Graph:
    """A random graph with real-valued weights (no two paths equally long: networkx's exact
    comparison of lengths then agrees with the tolerance), a pair and a lone node beside it."""
    G = nx.gnm_random_graph(n, m, seed=seed)
    rng = np.random.default_rng(seed)
    for _, _, d in G.edges(data=True):
        d["weight"] = float(rng.uniform(0.5, 10))
    G.add_edge(n, n + 1, weight=2.5)
    G.add_node(n + 2)
    return G


@pytest.mark.parametrize(("n", "m"), [(12, 30), (60, 240), (400, 2400)],
                         ids=["small", "medium", "larger"])
def test_exact_paths_equal_networkx(n: int, m: int) -> None:
    G = _float_weighted(n, m, seed=n)
    for *_, d in G.edges(data=True):
        d["distance"] = 1 / d["weight"]
    scores = measure_outlets(G, nx.DiGraph(), exact=True)
    expected = nx.betweenness_centrality(G, weight="distance")
    assert _max_diff(scores["betweenness"].values, expected) < 1e-12
    expected = nx.closeness_centrality(G, distance="distance")
    assert _max_diff(scores["closeness"].values, expected) < 1e-12
    assert scores["pagerank"].values == pytest.approx(
        nx.pagerank(G, weight="weight", tol=1e-12, max_iter=10_000), abs=1e-12)


def test_estimates_stay_within_their_bound() -> None:
    """Sampled sources: every node within Hoeffding's bound (with probability 99%) of the exact
    value, as docs/centrality.md states it; small separate groups are computed whole."""
    G = _float_weighted(600, 3000, seed=4)
    G = nx.relabel_nodes(G, {600: "pair-a", 601: "pair-b", 602: "alone"})
    n, k = len(G), 60
    exact = measure_outlets(G, nx.DiGraph(), exact=True)
    between = betweenness(G, exact=False, samples=k, seed=3)
    near = closeness(G, exact=False, samples=k, seed=3)
    assert any(f"from 62 of {n}" in note for note in between.notes)  # 60, and the pair whole
    assert any("closeness is approximate" in note for note in near.notes)
    epsilon = math.sqrt(math.log(2 * n / 0.01) / (2 * k))
    assert _max_diff(between.values, exact["betweenness"].values) <= epsilon * n / (n - 1)
    # Mean distances: within epsilon times the diameter of the big group.
    big = G.subgraph(range(600))
    diameter = nx.diameter(big, weight=lambda u, v, d: 1 / d["weight"])
    for v in big:
        true_mean = (len(big) - 1) / exact["closeness"].values[v] / (n - 1)
        assert abs((len(big) - 1) / near.values[v] / (n - 1) - true_mean) <= epsilon * diameter
    # The pair is searched whole: exact there.
    for v in ("pair-a", "pair-b", "alone"):
        assert near.values[v] == exact["closeness"].values[v]
        assert between.values[v] == 0.0


# -- igraph, the independent implementation -------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # igraph: "graph not connected"
@pytest.mark.parametrize("make", [
    star, path, two_cliques, lambda: _random_graph(120, 500, seed=11, disconnected=True),
], ids=["star", "path", "two-cliques", "random"])
def test_every_measure_equals_igraph(make: Callable[[], nx.Graph]) -> None:
    G = make()
    F = nx.DiGraph()
    F.add_nodes_from(G)
    rng = np.random.default_rng(1)
    F.add_weighted_edges_from((u, v, int(rng.integers(1, 5))) if rng.random() < 0.5 else
                              (v, u, int(rng.integers(1, 5))) for u, v in G.edges())
    ours = measure_outlets(G, F, exact=True)
    theirs = _igraph_measures(G, F)
    for name, values in theirs.items():
        assert _max_diff(ours[name].values, values) <= TOLERANCE, name


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_every_measure_equals_igraph_on_the_real_corpus(real_db_path: Path,
                                                        tmp_path: Path) -> None:
    """Recompute every figure of ``central_outlets`` from GraphML files, with igraph."""
    db = graphnews.open(real_db_path, readonly=True)
    report = central_outlets(db)
    assert report.betweenness_exact
    nx.write_graphml(outlet_graph(db), tmp_path / "outlets.graphml")
    nx.write_graphml(follows_graph(db), tmp_path / "follows.graphml")
    g = ig.Graph.Read_GraphML(str(tmp_path / "outlets.graphml"))
    f = ig.Graph.Read_GraphML(str(tmp_path / "follows.graphml"))
    assert g.vcount() == len(report.rows) > 100
    assert g.ecount() > 100 and f.ecount() > 100
    expected = igraph_measures_from(g, f)
    rows = {f"outlet:{r.outlet}": r.as_dict() for r in report.rows}
    for name, values in expected.items():
        ours = {node: rows[node][name] for node in values}
        assert _max_diff(ours, values) <= TOLERANCE, name
    # Articles is the node attribute; the messages say the graph is disconnected.
    assert {node: rows[node]["articles"] for node in rows} == dict(
        zip(g.vs["id"], g.vs["articles"], strict=True))
    assert any("separate groups" in m for m in report.messages)


# -- central_outlets -------------------------------------------------------------------------------
def test_central_outlets_ranks_and_explains(real_db_path: Path) -> None:
    db = graphnews.open(real_db_path, readonly=True)
    report = central_outlets(db, by="betweenness")
    values = [r.betweenness for r in report.rows]
    assert values == sorted(values, reverse=True)
    assert [r.rank for r in report.rows] == list(range(1, len(report.rows) + 1))
    top = report.rows[0]
    reason = report.why(top.outlet)
    heaviest = max(d["weight"] for d in report.graph[f"outlet:{top.outlet}"].values())
    assert reason.partners[0]["weight"] == heaviest
    assert reason.first_reports == top.first_reports
    assert reason.text.startswith(f"{top.outlet} ranks #1 by betweenness")
    assert reason.partners[0]["outlet"] in reason.text
    row = top.as_dict()
    assert set(MEASURES) <= set(row)
    assert isinstance(row["reach"], int) and isinstance(row["reach_topics"], int)
    assert row["reach"] == sum(1 for d in report.graph[f"outlet:{top.outlet}"].values()
                               if d["pairs"] > 0)


def test_first_reports_count_pairs_published_first(real_db_path: Path) -> None:
    db = graphnews.open(real_db_path, readonly=True)
    report = central_outlets(db)
    wins: dict[str, int] = {}
    for earlier, later in db.conn.execute(
        "WITH p AS (SELECT DISTINCT min(from_article, to_article) x, "
        "max(from_article, to_article) y FROM related_links WHERE from_article != to_article) "
        "SELECT CASE WHEN a.published_ts < b.published_ts THEN oa.domain ELSE ob.domain END, "
        "CASE WHEN a.published_ts < b.published_ts THEN ob.domain ELSE oa.domain END "
        "FROM p JOIN articles a ON a.id = p.x JOIN articles b ON b.id = p.y "
        "JOIN outlets oa ON oa.id = a.outlet_id JOIN outlets ob ON ob.id = b.outlet_id "
        "WHERE a.published_ts != b.published_ts AND oa.id != ob.id"
    ):
        assert earlier != later
        wins[earlier] = wins.get(earlier, 0) + 1
    assert {r.outlet: r.first_reports for r in report.rows if r.first_reports} == wins


def test_central_outlets_filters(real_db_path: Path) -> None:
    db = graphnews.open(real_db_path, readonly=True)
    everything = central_outlets(db)
    june = central_outlets(db, filters=Filters.build(since="2022-06-01", until="2022-06-30"))
    assert 0 < len(june.rows) < len(everything.rows)
    assert june.graph.number_of_nodes() == len(june.rows)
    heavy = central_outlets(db, filters=Filters(min_weight=2))
    assert all(d["weight"] >= 2 for *_, d in heavy.graph.edges(data=True))
    assert heavy.graph.number_of_edges() < everything.graph.number_of_edges()


def test_central_outlets_refuses_an_unknown_measure(real_db_path: Path) -> None:
    db = graphnews.open(real_db_path, readonly=True)
    with pytest.raises(BadInputError, match="cannot rank by 'fame'"):
        central_outlets(db, by="fame")
    with pytest.raises(BadInputError, match="not among the ranked outlets"):
        central_outlets(db).why("nowhere.example")


def test_central_outlets_of_an_empty_database(db: graphnews.Database) -> None:
    report = central_outlets(db)
    assert report.rows == []
    assert report.messages == ["no outlets match the filters: nothing to rank"]


def test_outlets_without_links_or_alone(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for k, domain in enumerate(["a.com", "b.com", "b.com"]):
        (docs / f"{k}.md").write_text(f"---\ntitle: T{k}\nwebUrl: https://{domain}/{k}\n"
                                      f"provider: {{name: X, domain: {domain}}}\n---\n")
    db = graphnews.open(tmp_path / "t.db")
    db.ingest([docs])
    unlinked = central_outlets(db)
    # A tie in PageRank and strength goes to the domain in alphabetical order.
    assert [(r.outlet, r.articles, r.pagerank) for r in unlinked.rows] == [
        ("a.com", 1, 0.5), ("b.com", 2, 0.5)]
    assert unlinked.messages[0].startswith("no two outlets share coverage")
    alone = central_outlets(db, filters=Filters.build(outlets=["b.com"]))
    assert [(r.outlet, r.pagerank, r.betweenness) for r in alone.rows] == [("b.com", 1.0, 0.0)]
    assert alone.messages == [
        "only one outlet matches: every graph measure is 0 (its PageRank is 1)"]


def test_every_measure_is_explained() -> None:
    for name, m in MEASURES.items():
        assert m.name == name
        assert m.graph in {"outlets", "follows", "store"}
        assert m.meaning.endswith(".") and m.weights.endswith(".")
    assert "1/weight" in MEASURES["betweenness"].weights
    assert "1/weight" in MEASURES["closeness"].weights


# -- helpers --------------------------------------------------------------------------------------
def _random_graph(n: int, m: int, *, seed: int, disconnected: bool = False) -> nx.Graph:
    G = nx.gnm_random_graph(n, m, seed=seed)
    rng = np.random.default_rng(seed)
    for _, _, d in G.edges(data=True):
        d["weight"] = int(rng.integers(1, 10))
    if disconnected:
        G.add_edge(n, n + 1, weight=1)
        G.add_node(n + 2)
    return G


def _max_diff(ours: dict[Hashable, float], theirs: dict[Hashable, float]) -> float:
    assert set(ours) == set(theirs)
    return max((abs(ours[k] - theirs[k]) for k in theirs), default=0.0)


def _to_igraph(G: nx.Graph) -> tuple[ig.Graph, list[Hashable]]:
    nodes = list(G)
    index = {v: k for k, v in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in G.edges()],
                 directed=G.is_directed())
    g.vs["id"] = [str(v) for v in nodes]
    g.es["weight"] = [float(w) for *_, w in G.edges(data="weight")]
    return g, nodes


def _igraph_measures(G: nx.Graph, F: nx.DiGraph) -> dict[str, dict[Hashable, float]]:
    g, nodes = _to_igraph(G)
    f, follow_nodes = _to_igraph(F)
    assert follow_nodes == nodes
    by_id = igraph_measures_from(g, f)
    return {name: {v: values[str(v)] for v in nodes} for name, values in by_id.items()}


def _igraph_betweenness(G: nx.Graph) -> dict[Hashable, float]:
    g, nodes = _to_igraph(G)
    n = len(nodes)
    raw = g.betweenness(weights=[1.0 / w for w in g.es["weight"]])
    return {v: b / ((n - 1) * (n - 2) / 2) for v, b in zip(nodes, raw, strict=True)}


def _igraph_eigenvector(G: nx.Graph) -> dict[Hashable, float]:
    g, nodes = _to_igraph(G)
    return dict(zip(nodes, g.eigenvector_centrality(weights="weight", scale=True), strict=True))
