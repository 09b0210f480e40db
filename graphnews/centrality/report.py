"""The central outlets of a database: `central_outlets` ranks them by every measure and says why.

It builds the outlet co-coverage graph and the follows graph with the same filters
(`graphnews.graph`), runs every measure of `graphnews.centrality.measures` on them, and adds what
only the database knows (topics reached). ``graphnews outlets`` prints this report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from graphnews.centrality.glossary import MEASURES
from graphnews.centrality.measures import measure_outlets
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.graph import (
    follow_links,
    follows_graph,
    heaviest_partners,
    outlet_graph,
)
from graphnews.store import Database

__all__ = ["CentralityReport", "OutletCentrality", "Reason", "central_outlets"]


@dataclass
class OutletCentrality:
    """One outlet's row: the ``outlets --format json`` contract (plus ``rank``)."""

    rank: int
    outlet: str
    name: str
    articles: int
    degree: int
    strength: float
    betweenness: float
    closeness: float
    eigenvector: float
    pagerank: float
    hub: float
    authority: float
    first_reports: int
    reach: int
    reach_topics: int
    betweenness_exact: bool
    closeness_exact: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reason:
    """Why an outlet ranks where it does: its heaviest partners and its first reports."""

    outlet: str
    rank: int
    by: str
    value: float
    partners: list[dict[str, Any]]
    first_reports: int
    followed_by: list[dict[str, Any]]
    text: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CentralityReport:
    """Every outlet with every measure, ranked by ``by``; messages say what to know about them.

    ``graph`` and ``follows`` are the two graphs the figures were computed on.
    """

    by: str
    rows: list[OutletCentrality]
    messages: list[str]
    betweenness_exact: bool
    graph: nx.Graph = field(repr=False)
    follows: nx.DiGraph = field(repr=False)

    @property
    def closeness_exact(self) -> bool:
        """Closeness uses the same shortest-path searches, exact or sampled, as betweenness."""
        return self.betweenness_exact

    def top(self, count: int | None = None) -> list[OutletCentrality]:
        """The first ``count`` rows (all when None)."""
        return self.rows if count is None else self.rows[:count]

    def as_dict(self, count: int | None = None) -> dict[str, Any]:
        return {"by": self.by, "betweenness_exact": self.betweenness_exact,
                "closeness_exact": self.closeness_exact, "messages": list(self.messages),
                "outlets": [r.as_dict() for r in self.top(count)]}

    def why(self, outlet: str, *, partners: int = 3) -> Reason:
        """Why ``outlet`` (a domain) ranks where it does, in numbers and in one sentence."""
        row = next((r for r in self.rows if r.outlet == outlet), None)
        if row is None:
            raise BadInputError(f"{outlet} is not among the ranked outlets")
        node = f"outlet:{outlet}"
        partner_rows = heaviest_partners(self.graph, node, partners)
        follower_rows = follow_links(self.follows, node, partners, outgoing=False)
        value = getattr(row, self.by)
        return Reason(outlet=outlet, rank=row.rank, by=self.by, value=value,
                      partners=partner_rows, first_reports=row.first_reports,
                      followed_by=follower_rows,
                      text=_reason_text(row, self.by, value, partner_rows, follower_rows))


def central_outlets(
    db: Database,
    *,
    by: str = "pagerank",
    filters: Filters | None = None,
    exact: bool | None = None,
    seed: int = 0,
) -> CentralityReport:
    """Rank the outlets of ``db`` by ``by``, with every measure of `MEASURES` for each.

    Parameters
    ----------
    db : Database
    by : str
        The measure to rank by (a key of `MEASURES`); ties go to the higher strength, then
        the domain in alphabetical order.
    filters : Filters, optional
        Which articles and edges count (`graphnews.filters.Filters`); they shape both graphs,
        as they do for ``graphnews export``.
    exact : bool, optional
        Betweenness and closeness mode (see `betweenness`): default exact up to
        `EXACT_BETWEENNESS_LIMIT` outlets, estimated from sampled source outlets above.
    seed : int
        Seed of the estimate.

    Returns
    -------
    CentralityReport

    Raises
    ------
    BadInputError
        For an unknown ``by``.

    Examples
    --------
    >>> import graphnews
    >>> report = central_outlets(graphnews.open(":memory:"))
    >>> report.rows, report.messages
    ([], ['no outlets match the filters: nothing to rank'])
    """
    if by not in MEASURES:
        raise BadInputError(f"cannot rank by {by!r}: use one of {', '.join(MEASURES)}")
    f = filters or Filters()
    G = outlet_graph(db, filters=f)
    F = follows_graph(db, filters=f)
    scores = measure_outlets(G, F, exact=exact, seed=seed)
    messages = _graph_messages(G)
    if len(G) > 1:  # one outlet or none: the measures have nothing more to say
        for measured in scores.values():
            messages.extend(note for note in measured.notes if note not in messages)
    exact_mode = not any(note.startswith("betweenness is approximate")
                         for note in scores["betweenness"].notes)
    topics = _topic_counts(db, f)
    rows = []
    for node, attrs in G.nodes(data=True):
        values = {name: s.values.get(node, 0.0) for name, s in scores.items()}
        domain = _domain(node)
        rows.append(OutletCentrality(
            rank=0, outlet=domain, name=str(attrs.get("name", domain)),
            articles=int(attrs.get("articles", 0)), degree=int(values["degree"]),
            strength=values["strength"], betweenness=values["betweenness"],
            closeness=values["closeness"], eigenvector=values["eigenvector"],
            pagerank=values["pagerank"], hub=values["hub"], authority=values["authority"],
            first_reports=round(values["first_reports"]), reach=int(values["reach"]),
            reach_topics=topics.get(domain, 0), betweenness_exact=exact_mode,
            closeness_exact=exact_mode))
    rows.sort(key=lambda r: (-getattr(r, by), -r.strength, r.outlet))
    for rank, row in enumerate(rows, 1):
        row.rank = rank
    return CentralityReport(by=by, rows=rows, messages=messages, betweenness_exact=exact_mode,
                            graph=G, follows=F)


# -- private helpers ------------------------------------------------------------------------------
def _graph_messages(G: nx.Graph) -> list[str]:
    """What a reader should know about the co-coverage graph itself."""
    n = G.number_of_nodes()
    if n == 0:
        return ["no outlets match the filters: nothing to rank"]
    if n == 1:
        return ["only one outlet matches: every graph measure is 0 (its PageRank is 1)"]
    groups = [len(c) for c in nx.connected_components(G)]
    if len(groups) == 1:
        return []
    alone = groups.count(1)
    if alone == n:
        return ["no two outlets share coverage: the graph measures are 0 (PageRank 1/n each)"]
    parts = []
    if len(groups) > alone:
        parts.append(f"{len(groups) - alone} connected group(s) (largest: {max(groups)} "
                     "outlets)")
    if alone:
        parts.append(f"{alone} outlet(s) without co-coverage")
    return ["the co-coverage graph falls apart into " + " and ".join(parts)]


def _topic_counts(db: Database, f: Filters) -> dict[str, int]:
    cond, params = f.article_sql("a")
    return dict(db.conn.execute(
        f"SELECT o.domain, count(DISTINCT t.topic_id) FROM articles a "
        f"JOIN outlets o ON o.id = a.outlet_id JOIN article_topics t ON t.article_id = a.id "
        f"WHERE {cond} GROUP BY o.domain", params))


def _domain(node: str) -> str:
    return node.split(":", 1)[1] if node.startswith("outlet:") else node


def _reason_text(row: OutletCentrality, by: str, value: float,
                 partners: list[Mapping[str, Any]], followers: list[Mapping[str, Any]]) -> str:
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    text = f"{row.outlet} ranks #{row.rank} by {by} ({shown}): "
    if partners:
        text += "its heaviest co-coverage partners are " + ", ".join(
            f"{p['outlet']} ({_weight_words(p)})" for p in partners)
    else:
        text += "it shares no coverage with another outlet"
    if row.first_reports:
        text += f"; it published first on {row.first_reports} linked pair(s)"
        if followers:
            text += ", followed most by " + ", ".join(
                f"{p['outlet']} ({p['pairs']}x, median {p['median_lag_hours']:.1f} h later)"
                for p in followers)
    else:
        text += "; it never published first on a linked pair"
    return text + "."


def _weight_words(edge: Mapping[str, Any]) -> str:
    pairs, stories = edge.get("pairs", 0), edge.get("stories", 0)
    words = f"{pairs} linked pair{'s' * (pairs != 1)}"
    if stories:
        words += f" + {stories} shared stor{'ies' if stories != 1 else 'y'}"
    return words
