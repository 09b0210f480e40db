"""What the centrality measures are called and mean, and their settings: light to import.

The command line builds its options and help from these without loading numpy, scipy or
networkx; `graphnews.centrality.measures` computes them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = [
    "BETWEENNESS_SAMPLES",
    "DAMPING",
    "EXACT_BETWEENNESS_LIMIT",
    "MEASURES",
    "PATH_TOLERANCE",
    "Measure",
]

#: Betweenness and closeness are exact for graphs of at most this many outlets; above, they
#: are estimated from sampled source outlets.
EXACT_BETWEENNESS_LIMIT = 2000
#: About how many source outlets the estimate samples (with the report's seed).
BETWEENNESS_SAMPLES = 500
#: PageRank's damping factor: the chance a reader follows a link rather than jumping anywhere.
DAMPING = 0.85
#: Two path lengths within this relative difference are equally short (as in igraph).
PATH_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Measure:
    """One measure: the graph it is computed on, what it means, how edge weights enter it."""

    name: str
    graph: str
    meaning: str
    weights: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


#: Every measure of `central_outlets`, in output order, explained in newsroom terms.
MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("articles", "store",
            "How many articles the outlet published (within the filters).",
            "not a graph measure: the outlet node's `articles` attribute."),
    Measure("degree", "outlets",
            "How many other outlets it shares coverage with: its number of co-coverage partners.",
            "ignored: each partner counts once, however much coverage they share."),
    Measure("strength", "outlets",
            "How much coverage it shares in all: linked article pairs plus shared stories, "
            "summed over its partners.",
            "summed: the sum of the `weight` of its edges."),
    Measure("betweenness", "outlets",
            "How often it sits on the shortest route between two other outlets: a broker whose "
            "coverage connects newsrooms that otherwise do not cover the same things.",
            "distance = 1/weight, so heavily co-covering outlets are close; the share of the "
            "(n-1)(n-2)/2 pairs of other outlets whose shortest routes pass through it (paths "
            f"within a relative {PATH_TOLERANCE:g} count as equally short); exact up to "
            f"{EXACT_BETWEENNESS_LIMIT:,} outlets, above that estimated from about "
            f"{BETWEENNESS_SAMPLES} sampled source outlets (fixed seed)."),
    Measure("closeness", "outlets",
            "How near it is to the outlets it can reach: its coverage connects to theirs "
            "through few, heavy links.",
            "distance = 1/weight; (r-1)/(sum of distances to the r-1 outlets it reaches), "
            "times (r-1)/(n-1) so an outlet in a small separate group does not look central "
            "(Wasserman-Faust, networkx's default); exact up to "
            f"{EXACT_BETWEENNESS_LIMIT:,} outlets, above that each outlet's mean distance is "
            "estimated from its distances to the sampled source outlets of betweenness."),
    Measure("eigenvector", "outlets",
            "Whether its partners are central themselves: sharing coverage with "
            "well-connected outlets counts more than with peripheral ones.",
            "the leading eigenvector of the weighted adjacency matrix (weight as is), scaled "
            "so the top outlet has 1; on a disconnected graph only the group with the largest "
            "leading eigenvalue scores, the others get 0 (see the messages)."),
    Measure("pagerank", "outlets",
            "Where a reader who keeps following related links from outlet to outlet ends up "
            "most often.",
            f"the walk moves to a partner with probability proportional to the edge weight; "
            f"damping {DAMPING}, an outlet without partners jumps anywhere; sums to 1."),
    Measure("hub", "follows",
            "Whether it follows the agenda setters: it publishes after outlets that many "
            "others also follow.",
            "the follows graph's weighted adjacency (weight = linked pairs it published "
            "later on); leading left singular vector, top outlet = 1."),
    Measure("authority", "follows",
            "Whether it sets the agenda: the outlets that follow others tend to follow it.",
            "as hub; leading right singular vector, top outlet = 1."),
    Measure("first_reports", "follows",
            "How many times it published first on a linked pair of articles from two "
            "outlets. Pairs published at the same second are not firsts for either; pairs "
            "with an unknown time do not count.",
            "the weighted in-degree on the follows graph (the weights of the edges "
            "pointing at it)."),
    Measure("reach", "outlets",
            "How many distinct outlets its articles are linked with, either direction "
            "(`reach_topics`: how many distinct topics its articles are about).",
            "ignored: partners joined by at least one linked article pair (edge attribute "
            "`pairs` > 0) count once."),
)}
