"""Communities and seeded igraph runs: Louvain groups of a networkx graph, reproducibly.

`communities` is what colours the outlet and topic pages; `seeded` is the one place igraph's
random generator is seeded (Louvain here, Leiden in `graphnews.stories.detect`, page layouts).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    import igraph as ig

__all__ = ["communities", "igraph_graph", "seeded"]


def communities(G: nx.Graph, *, resolution: float = 1.0, seed: int = 0,
                weight: str = "weight") -> dict[str, int]:
    """Louvain communities of ``G``: node -> community number, 0 for the largest.

    Louvain (Blondel et al. 2008) as igraph's ``community_multilevel`` implements it, in C:
    0.5 s instead of networkx's 2.6 s on the 968 outlets and 122,097 edges of a 100,000-document
    corpus.

    Parameters
    ----------
    G : networkx.Graph
    resolution : float
        Louvain's resolution γ: above 1 favours more, smaller communities, below 1 fewer,
        larger ones; 1 is modularity's own scale.
    seed : int
        Fixes the order Louvain visits nodes in, so the same graph gives the same colours.
    weight : str
        The edge attribute read as strength.

    Returns
    -------
    dict
        Node -> community number; numbers follow size (largest first), ties by smallest node.

    Examples
    --------
    >>> G = nx.barbell_graph(4, 0)
    >>> labels = communities(G)
    >>> labels[0] == labels[3], labels[0] == labels[4]
    (True, False)
    """
    nodes = list(G)
    if not nodes:
        return {}
    graph, weights = igraph_graph(nodes, G.edges(data=True), weight)
    with seeded(seed):
        found = graph.community_multilevel(weights=weights, resolution=resolution)
    groups: dict[int, list[str]] = {}
    for node, label in zip(nodes, found.membership, strict=True):
        groups.setdefault(label, []).append(node)
    ordered = sorted((sorted(c, key=str) for c in groups.values()),
                     key=lambda c: (-len(c), str(c[0])))
    return {node: number for number, members in enumerate(ordered) for node in members}


def igraph_graph(nodes: Sequence[str], edges: Iterable[tuple[str, str, dict[str, Any]]],
            weight: str) -> tuple[ig.Graph, list[float]]:
    """An igraph graph of ``nodes`` (in order) and ``edges``, with the edges' weights."""
    import igraph as ig

    index = {node: i for i, node in enumerate(nodes)}
    pairs, weights = [], []
    for u, v, attrs in edges:
        pairs.append((index[u], index[v]))
        weights.append(float(attrs.get(weight, 1.0)))
    return ig.Graph(n=len(nodes), edges=pairs), weights


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """igraph draws from Python's `random` module: give it a private generator seeded with ``seed``.

    Every igraph call that draws (Louvain, Leiden, layouts) runs inside this, so the same input
    and seed give the same result.
    """
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)
