"""Central outlets: every measure, what it means in a newsroom, and how edge weights enter it.

`graphnews.centrality.report.central_outlets` ranks the outlets of a database with these
measures, on the two graphs `graphnews.graph` builds with the same filters — the outlet
co-coverage graph (``outlets``, undirected, edge ``weight`` = linked article pairs + shared
stories) and the follows graph (``follows``, ``B -> A`` when B published after A) — so the
figures can be recomputed from what ``graphnews export --graph outlets`` / ``--graph follows``
writes (docs/centrality.md shows how).

The measures are public functions over any networkx graph (`degree`, `strength`,
`betweenness`, `closeness`, `eigenvector`, `pagerank`, `hits`, `first_reports`, `reach`). Each
returns `Scores`: the values keyed by node, and notes saying what was done when the graph is
disconnected, has edges of weight 0 or less (left out), or a solver did not converge. None of
them raises on a graph of any shape, empty included.

How weights enter, in one place (`MEASURES` says it per measure):

- distances are ``1 / weight`` (betweenness, closeness): much shared coverage = close;
- the weighted adjacency matrix is used as is (eigenvector, PageRank, HITS);
- degree and reach count partners, strength sums weights.

Examples
--------
>>> import networkx as nx
>>> G = nx.star_graph(3)          # outlet 0 shares coverage with 1, 2 and 3
>>> nx.set_edge_attributes(G, 1, "weight")
>>> betweenness(G).values[0]      # every route between two leaves goes through the hub
1.0
>>> round(closeness(G).values[1], 4)
0.6
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackNoConvergence, aslinearoperator, eigsh

from graphnews.centrality.glossary import (
    BETWEENNESS_SAMPLES,
    DAMPING,
    EXACT_BETWEENNESS_LIMIT,
    PATH_TOLERANCE,
)
from graphnews.errors import BadInputError

__all__ = [
    "Scores",
    "betweenness",
    "closeness",
    "degree",
    "eigenvector",
    "first_reports",
    "hits",
    "measure_outlets",
    "pagerank",
    "reach",
    "strength",
]

# Components up to this size get a dense eigen-decomposition; larger ones ARPACK (eigsh).
_DENSE_LIMIT = 400
# ARPACK's iteration budget before the dense fallback; sources per Dijkstra batch.
_ARPACK_MAX_ITER = 10_000
_BATCH = 256
# networkx's PageRank settings: the L1 change below n times this ends the iteration.
_PAGERANK_TOLERANCE = 1e-12
_PAGERANK_MAX_ITER = 10_000
# Leading eigenvalues within this relative difference tie (several groups are scored).
_TIE = 1e-9




class Scores(NamedTuple):
    """A measure's values keyed by node, and notes on what was done to get them."""

    values: dict[Hashable, float]
    notes: tuple[str, ...] = ()


# -- the measures: functions over a networkx graph ------------------------------------------------
def degree(G: nx.Graph, *, weight: str = "weight") -> Scores:
    """Number of partners joined by an edge of positive weight.

    >>> degree(nx.path_graph(3)).values
    {0: 1, 1: 2, 2: 1}
    """
    return _degree(_arrays(G, weight))


def strength(G: nx.Graph, *, weight: str = "weight") -> Scores:
    """Sum of the weights of a node's edges (edges of weight 0 or less left out).

    >>> G = nx.Graph([(0, 1, {"weight": 2}), (1, 2, {"weight": 3})])
    >>> strength(G).values
    {0: 2.0, 1: 5.0, 2: 3.0}
    """
    return _strength(_arrays(G, weight))


def betweenness(
    G: nx.Graph,
    *,
    weight: str = "weight",
    exact: bool | None = None,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = 0,
) -> Scores:
    """Normalised weighted betweenness with distance = 1/weight (Brandes's algorithm).

    Parameters
    ----------
    G : networkx.Graph
        Undirected; edges of weight 0 or less are left out.
    exact : bool, optional
        ``None`` (default): exact up to `EXACT_BETWEENNESS_LIMIT` nodes, estimated above.
        ``True``: always exact. ``False``: estimate whenever ``samples`` < number of nodes.
    samples : int
        About how many source nodes the estimate uses, drawn without replacement by
        ``numpy.random.default_rng(seed)`` within each connected group in proportion to its
        size (at least 2 per group); each source's dependencies count ``size / drawn`` times.
    seed : int

    Returns
    -------
    Scores
        Values in [0, 1]: the share of the (n-1)(n-2)/2 pairs of other nodes whose shortest
        paths pass through the node (split evenly among equally short paths). A note says
        when the values are estimated.

    Notes
    -----
    Two paths whose lengths differ by less than a relative `PATH_TOLERANCE` are taken as
    equally short, as igraph does. networkx's ``betweenness_centrality`` compares lengths
    exactly, so with 1/weight distances it can miss ties that floating-point rounding hides
    (1/3 + 1/6 against 1/2) and differ from this in the sixth decimal.

    Examples
    --------
    >>> P = nx.path_graph(4)          # 0 - 1 - 2 - 3
    >>> betweenness(P).values
    {0: 0.0, 1: 0.6666666666666666, 2: 0.6666666666666666, 3: 0.0}
    """
    return _shortest_paths(_arrays(G, weight), exact=exact, samples=samples, seed=seed)[0]


def closeness(
    G: nx.Graph,
    *,
    weight: str = "weight",
    exact: bool | None = None,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = 0,
) -> Scores:
    """Closeness with distance = 1/weight, scaled by the share of nodes each one reaches.

    ``((r-1) / sum of distances to the nodes it reaches) * ((r-1) / (n-1))``, ``r`` counting
    the node itself; 0 for a node that reaches nobody. This is networkx's
    ``closeness_centrality(G, distance=...)`` (Wasserman and Faust's formula), and igraph's
    normalised ``closeness`` times ``(r-1)/(n-1)``.

    ``exact``, ``samples`` and ``seed`` as in `betweenness` (the same sampled sources): an
    estimate takes each node's mean distance to the others from its distances to the sampled
    sources of its group (the sampled source itself left out), and a note says so.

    >>> closeness(nx.path_graph(3)).values
    {0: 0.6666666666666666, 1: 1.0, 2: 0.6666666666666666}
    """
    return _shortest_paths(_arrays(G, weight), exact=exact, samples=samples, seed=seed)[1]


def eigenvector(G: nx.Graph, *, weight: str = "weight") -> Scores:
    """Eigenvector centrality: the leading eigenvector of the weighted adjacency matrix.

    Scaled so the top node has 1 (as igraph's ``eigenvector_centrality`` and Gephi; divide by
    the Euclidean norm for networkx's scaling). On a disconnected graph the leading
    eigenvector lives on the connected group with the largest leading eigenvalue and is 0
    elsewhere; when several groups tie, each is scored on its own (its top node = 1), which is
    one of the equally valid leading eigenvectors. A note says which case applied.

    >>> eigenvector(nx.star_graph(4)).values[0]
    1.0
    """
    return _eigenvector(_arrays(G, weight))


def pagerank(G: nx.Graph, *, weight: str = "weight", alpha: float = DAMPING) -> Scores:
    """PageRank of a weighted graph (networkx's, iterated until the L1 change < n * 1e-12).

    A walker moves along an edge with probability proportional to its weight, or (with
    probability ``1 - alpha``, and always from a node without edges) jumps to a node chosen
    uniformly. Values sum to 1. With ``alpha`` < 1 the iteration always converges.

    >>> p = pagerank(nx.star_graph(2)).values
    >>> round(p[0], 4), round(sum(p.values()), 6)
    (0.4865, 1.0)
    """
    return _pagerank(_arrays(G, weight), alpha=alpha)


def hits(F: nx.DiGraph, *, weight: str = "weight") -> tuple[Scores, Scores]:
    """HITS hub and authority scores of a weighted directed graph.

    With ``A[u, v]`` the weight of the edge ``u -> v``, authorities are the leading right
    singular vector of ``A`` (the leading eigenvector of ``A^T A``) and hubs the leading left
    one, each scaled so the top node has 1 (igraph's ``hub_score``/``authority_score``). On
    the follows graph (``B -> A``: B published after A) a hub follows agenda setters and an
    authority is followed. When ``A`` falls apart into blocks (groups of hubs and authorities
    linked only among themselves), only the block with the largest singular value scores;
    tied blocks are each scored on their own, and a note says so.

    Returns
    -------
    (Scores, Scores)
        Hubs and authorities.

    >>> F = nx.DiGraph([("b", "a"), ("c", "a")])   # b and c follow a
    >>> hubs, authorities = hits(F)
    >>> authorities.values["a"], hubs.values["b"]
    (1.0, 1.0)
    """
    return _hits(_arrays(F, weight))


def first_reports(F: nx.DiGraph, *, weight: str = "weight") -> Scores:
    """Times a node published first: its weighted in-degree on the follows graph.

    >>> F = nx.DiGraph([("b", "a", {"weight": 2}), ("c", "a", {"weight": 1})])
    >>> first_reports(F).values
    {'b': 0.0, 'a': 3.0, 'c': 0.0}
    """
    a = _arrays(F, weight)
    return a.scores(np.bincount(a.j, a.w, len(a.nodes)).tolist())


def reach(G: nx.Graph, *, weight: str = "weight") -> Scores:
    """Partners joined by at least one linked article pair (edge ``pairs`` > 0).

    An edge without a ``pairs`` attribute counts when its weight is positive; on the outlet
    graph this equals `degree` until stories are computed, when partners linked only by a
    shared story no longer count.

    >>> G = nx.Graph([(0, 1, {"weight": 2, "pairs": 1}), (1, 2, {"weight": 1, "pairs": 0})])
    >>> reach(G).values
    {0: 1, 1: 1, 2: 0}
    """
    return _reach(_arrays(G, weight))


def measure_outlets(
    G: nx.Graph, F: nx.DiGraph, *, exact: bool | None = None, seed: int = 0
) -> dict[str, Scores]:
    """Every graph measure of `MEASURES` on an outlet graph ``G`` and follows graph ``F``.

    Keyed by measure name (``articles`` excluded: it is a node attribute). What
    `central_outlets` computes after building the graphs; use it on graphs read back from an
    export. Each graph is read into arrays once, and betweenness and closeness share their
    shortest-path searches.
    """
    a, f = _arrays(G, "weight"), _arrays(F, "weight")
    between, near = _shortest_paths(a, exact=exact, samples=BETWEENNESS_SAMPLES, seed=seed)
    hub, authority = _hits(f)
    return {
        "degree": _degree(a), "strength": _strength(a), "betweenness": between,
        "closeness": near, "eigenvector": _eigenvector(a), "pagerank": _pagerank(a),
        "hub": hub, "authority": authority,
        "first_reports": f.scores(np.bincount(f.j, f.w, len(f.nodes)).tolist()),
        "reach": _reach(a),
    }


# -- the graph as arrays, and the measures over them ----------------------------------------------
class _Arrays(NamedTuple):
    """A graph's nodes and its edges of positive weight as index and weight arrays.

    ``i[k] -> j[k]`` (indices into ``nodes``) has weight ``w[k]`` and ``pairs[k]`` (the edge's
    ``pairs`` attribute, or 1 when it has none). ``notes`` says which edges were left out.
    """

    nodes: list[Hashable]
    i: np.ndarray
    j: np.ndarray
    w: np.ndarray
    pairs: np.ndarray
    notes: tuple[str, ...]

    def scores(self, values: list[Any], more: tuple[str, ...] = ()) -> Scores:
        return Scores(dict(zip(self.nodes, values, strict=True)), self.notes + more)


def _arrays(G: nx.Graph, weight: str) -> _Arrays:
    """``G`` as `_Arrays`, its edges of weight 0 or less left out (a missing weight is 1)."""
    nodes = list(G)
    index = {v: k for k, v in enumerate(nodes)}
    rows = [(index[u], index[v], d.get(weight, 1), d.get("pairs", 1))
            for u, v, d in G.edges(data=True)]
    table = np.array(rows, dtype=float).reshape(-1, 4)
    keep = table[:, 2] > 0
    notes: tuple[str, ...] = ()
    if not keep.all():
        notes = (f"{int((~keep).sum())} link(s) with weight 0 or less were left out: they "
                 "carry no shared coverage",)
        table = table[keep]
    return _Arrays(nodes, table[:, 0].astype(np.intp), table[:, 1].astype(np.intp),
                   table[:, 2], table[:, 3], notes)


def _degree(a: _Arrays) -> Scores:
    return a.scores(np.bincount(np.r_[a.i, a.j], minlength=len(a.nodes)).tolist())


def _strength(a: _Arrays) -> Scores:
    return a.scores(np.bincount(np.r_[a.i, a.j], np.r_[a.w, a.w], len(a.nodes)).tolist())


def _reach(a: _Arrays) -> Scores:
    linked = a.pairs > 0
    ends = np.r_[a.i[linked], a.j[linked]]
    return a.scores(np.bincount(ends, minlength=len(a.nodes)).tolist())


def _eigenvector(a: _Arrays) -> Scores:
    n = len(a.nodes)
    A = sp.csr_array((np.r_[a.w, a.w], (np.r_[a.i, a.j], np.r_[a.j, a.i])), shape=(n, n))
    labels = csgraph.connected_components(A, directed=False)[1] if n else np.zeros(0, int)
    groups = [np.flatnonzero(labels == g) for g in np.unique(labels[np.r_[a.i, a.j]])]
    blocks = [(g, g, A[g][:, g]) for g in groups]
    values, _, more = _leading(n, blocks, what="eigenvector")
    return a.scores(values.tolist(), more)


def _hits(a: _Arrays) -> tuple[Scores, Scores]:
    n = len(a.nodes)
    A = sp.csr_array((a.w, (a.i, a.j)), shape=(n, n))
    # Hub u is node u, authority v is node n + v; the blocks of A are the components.
    link = sp.csr_array((np.ones(len(a.i)), (a.i, n + a.j)), shape=(2 * n, 2 * n))
    labels = csgraph.connected_components(link, directed=False)[1] if n else np.zeros(0, int)
    blocks = []
    for g in np.unique(labels[a.i]):
        rows = np.flatnonzero(labels[:n] == g)
        cols = np.flatnonzero(labels[n:] == g)
        blocks.append((rows, cols, A[rows][:, cols]))
    hub, authority, more = _leading(n, blocks, what="hub and authority", rectangular=True)
    return a.scores(hub.tolist(), more), a.scores(authority.tolist(), more)


def _pagerank(a: _Arrays, *, alpha: float = DAMPING) -> Scores:
    """networkx's ``pagerank`` (its scipy power iteration), on the arrays of an undirected graph:
    each edge both ways, a self-loop once."""
    n = len(a.nodes)
    if not n:
        return a.scores([])
    loop = a.i == a.j
    rows, cols = np.r_[a.i, a.j[~loop]], np.r_[a.j, a.i[~loop]]
    A = sp.csr_array((np.r_[a.w, a.w[~loop]], (rows, cols)), shape=(n, n))
    out = A.sum(axis=1)
    dangling = out == 0
    Q = sp.diags_array(np.divide(1.0, out, out=np.zeros(n), where=~dangling)) @ A
    x = np.full(n, 1.0 / n)
    for _ in range(_PAGERANK_MAX_ITER):
        last = x
        x = alpha * (x @ Q + x[dangling].sum() / n) + (1 - alpha) / n
        if np.abs(x - last).sum() < n * _PAGERANK_TOLERANCE:
            return a.scores(x.tolist())
    return a.scores(x.tolist(), (f"pagerank did not converge in {_PAGERANK_MAX_ITER:,} "
                                 f"iterations (damping {alpha})",))


def _shortest_paths(a: _Arrays, *, exact: bool | None, samples: int, seed: int
                    ) -> tuple[Scores, Scores]:
    """Betweenness and closeness from one set of Dijkstra searches per connected group.

    Exact: every node is a source. Estimated: ``samples`` sources in all, drawn within each
    group in proportion to its size (at least 2, at most the whole group); a source's
    dependencies count ``size / drawn`` times, and a node's mean distance is its mean
    distance to the drawn sources other than itself.
    """
    n = len(a.nodes)
    if exact is None:
        exact = n <= EXACT_BETWEENNESS_LIMIT
    sampled = not exact and samples < n
    if sampled and samples < 1:
        raise BadInputError("betweenness needs at least one sampled source")
    keep = a.i != a.j  # a self-loop is never on a shortest path
    i, j, length = a.i[keep], a.j[keep], 1.0 / a.w[keep]
    between, near = np.zeros(n), np.zeros(n)
    rng = np.random.default_rng(seed)
    labels = (csgraph.connected_components(
        sp.csr_array((length, (i, j)), shape=(n, n)), directed=False)[1]
        if n else np.zeros(0, np.intp))
    members = np.split(np.argsort(labels, kind="stable"), np.cumsum(np.bincount(labels))[:-1])
    edge_order = np.argsort(labels[i], kind="stable")
    edge_groups = np.split(edge_order, np.cumsum(np.bincount(labels[i], minlength=len(members)))
                           [:-1])
    local = np.zeros(n, np.intp)
    drawn_in_all = 0
    for nodes, edges in zip(members, edge_groups, strict=True):
        size = len(nodes)
        if size < 2:
            continue
        local[nodes] = np.arange(size)
        drawn = size
        sources = np.arange(size)
        if sampled:
            drawn = min(size, max(2, math.ceil(samples * size / n)))
            sources = np.sort(rng.choice(size, size=drawn, replace=False))
        drawn_in_all += drawn
        dependency, distance = _brandes(size, local[i[edges]], local[j[edges]], length[edges],
                                        sources)
        between[nodes] = dependency * (size / drawn)
        others = np.full(size, drawn, float)
        others[sources] -= 1  # a source's own distance 0 is not one of its distances
        mean = distance / others
        near[nodes] = np.divide(size - 1, mean * (n - 1), out=np.zeros(size), where=mean > 0)
    if n >= 3:
        between /= (n - 1) * (n - 2)  # each unordered pair was counted from both ends
    else:
        between[:] = 0.0
    notes_b: tuple[str, ...] = ()
    notes_c: tuple[str, ...] = ()
    if sampled:
        where = (f"estimated from {drawn_in_all:,} of {n:,} outlets (seed {seed}); --exact "
                 "(exact=True) computes it on every outlet")
        notes_b = (f"betweenness is approximate: {where}",)
        notes_c = (f"closeness is approximate: each outlet's mean distance {where}",)
    if len(np.unique(labels)) > 1:
        notes_c += ("closeness: the graph falls apart into separate groups; each outlet's "
                    "closeness counts only the outlets it can reach, scaled by their share",)
    return a.scores(between.tolist(), notes_b), a.scores(near.tolist(), notes_c)


def _brandes(n: int, tail: np.ndarray, head: np.ndarray, length: np.ndarray,
             sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Summed dependencies and summed distances of every node over ``sources`` (Brandes 2001).

    ``tail - head`` undirected edges of the given lengths, on one connected group. For each
    source: distances by scipy's Dijkstra, the shortest-path DAG as the arcs with
    ``d[tail] + length == d[head]`` (within `PATH_TOLERANCE`), then path counts and
    dependencies propagated along the DAG until they stop changing (as many rounds as the DAG
    is deep).
    """
    tail, head, length = np.r_[tail, head], np.r_[head, tail], np.r_[length, length]
    matrix = sp.csr_array((length, (tail, head)), shape=(n, n))
    dependency, distance = np.zeros(n), np.zeros(n)
    for start in range(0, len(sources), _BATCH):
        batch = sources[start:start + _BATCH]
        for s, dist in zip(batch, csgraph.dijkstra(matrix, indices=batch), strict=True):
            distance += dist
            via = dist[tail] + length
            on = np.abs(via - dist[head]) <= PATH_TOLERANCE * dist[head]
            dependency += _dependencies(n, s, tail[on], head[on])
    return dependency, distance


def _dependencies(n: int, source: int, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Every node's dependency on ``source``, given its shortest-path DAG arcs ``up -> down``.

    Path counts flow down the DAG and dependencies back up, each iterated until it stops
    changing (as many rounds as the DAG is deep); counts are whole numbers, so exact.
    """
    sigma = np.zeros(n)
    sigma[source] = 1.0
    while True:
        paths = np.bincount(down, sigma[up], n)
        paths[source] = 1.0
        if np.array_equal(paths, sigma):
            break
        sigma = paths
    inverse = np.divide(1.0, sigma, out=np.zeros(n), where=sigma > 0)
    delta = np.zeros(n)
    while True:
        share = sigma * np.bincount(up, ((1.0 + delta) * inverse)[down], n)
        if np.array_equal(share, delta):
            break
        delta = share
    delta[source] = 0.0
    return delta


def _leading(
    n: int,
    blocks: list[tuple[np.ndarray, np.ndarray, sp.csr_array]],
    *,
    what: str,
    rectangular: bool = False,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The leading eigenvector (or singular vector pair) of a block-diagonal matrix.

    ``blocks`` are ``(rows, cols, M)`` with ``M`` the block; symmetric when not
    ``rectangular``. The block(s) with the largest eigenvalue (squared singular value) are
    scored, each scaled to a maximum of 1; the rest is 0. Returns the row-side vector, the
    column-side vector and notes.
    """
    left, right = np.zeros(n), np.zeros(n)
    if not blocks:
        return left, right, (f"{what}: no links, every outlet scores 0",)
    notes: list[str] = []
    found = []
    for rows, cols, M in blocks:
        lam, vec, note = _perron(M, gram=rectangular)
        found.append((lam, rows, cols, M, vec))
        if note:
            notes.append(f"{what}: {note}")
    best = max(lam for lam, *_ in found)
    winners = [b for b in found if b[0] >= best * (1 - _TIE)]
    for lam, rows, cols, M, vec in winners:
        right[cols] = vec / vec.max()
        if rectangular:
            hub = np.abs(M @ vec) / np.sqrt(lam)
            left[rows] = hub / hub.max()
        else:
            left[rows] = right[cols]
    if len(winners) > 1:
        notes.append(f"{what}: {len(winners)} separate groups tie for the strongest links; "
                     "each is scored on its own (its top outlet = 1), the rest get 0")
    elif len(found) > 1:
        outside = n - len(winners[0][1])
        notes.append(f"{what}: the links fall apart into {len(found)} separate groups; as in "
                     f"any whole-graph computation, only the group with the strongest links "
                     f"({len(winners[0][1])} outlets) scores, the {outside} other outlets get 0")
    return left, right, tuple(notes)


def _perron(M: sp.csr_array, *, gram: bool = False) -> tuple[float, np.ndarray, str | None]:
    """Largest eigenvalue and its (non-negative) eigenvector of a symmetric block ``M``, or of
    ``M.T @ M`` when ``gram``.

    ``M.T @ M`` is never formed for a large block: ARPACK multiplies by ``M`` and ``M.T`` in
    turn. Formed, it is nearly dense (5,385 outlets: 29 million entries, ~0.7 GB at its peak).
    """
    size = M.shape[1]
    note = None
    if size > _DENSE_LIMIT:
        operator = aslinearoperator(M.astype(float))
        try:
            vals, vecs = eigsh(operator.T @ operator if gram else operator, k=1, which="LA",
                               v0=np.ones(size), maxiter=_ARPACK_MAX_ITER)
            return float(vals[0]), np.abs(vecs[:, 0]), None
        except ArpackNoConvergence:
            note = (f"ARPACK did not converge on a group of {size} outlets; it was solved "
                    "with a dense eigen-decomposition instead")
    dense = M.toarray()
    vals, vecs = np.linalg.eigh(dense.T @ dense if gram else dense)
    return float(vals[-1]), np.abs(vecs[:, -1]), note
