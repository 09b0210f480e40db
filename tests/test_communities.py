"""graphnews.communities: Louvain communities on graphs whose answer is known, seeded runs."""

from __future__ import annotations

import networkx as nx

from graphnews.communities import communities


def test_communities_split_two_cliques_joined_by_a_bridge() -> None:
    G = nx.barbell_graph(5, 0)  # nodes 0-4 and 5-9, one bridge 4-5
    labels = communities(G, seed=0)
    assert {labels[n] for n in range(5)} != {labels[n] for n in range(5, 10)}
    assert len({labels[n] for n in range(5)}) == 1 and len(set(labels.values())) == 2
    assert sorted(labels.values()).count(0) == 5  # numbered by size, ties by smallest node
    assert labels[0] == 0


def test_community_resolution_and_seed() -> None:
    G = nx.ring_of_cliques(8, 4)
    coarse = communities(G, resolution=0.05, seed=1)
    fine = communities(G, resolution=1.0, seed=1)
    assert len(set(coarse.values())) < len(set(fine.values())) == 8
    assert communities(G, resolution=1.0, seed=1) == fine
