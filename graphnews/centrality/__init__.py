"""Central outlets: the measures (functions over a graph) and the report over a database.

`graphnews.centrality.measures` holds the measures, functions over any networkx graph;
`graphnews.centrality.report` ranks a database's outlets with them (`central_outlets`).
"""

from __future__ import annotations

from graphnews.centrality.measures import (
    BETWEENNESS_SAMPLES,
    DAMPING,
    EXACT_BETWEENNESS_LIMIT,
    MEASURES,
    PATH_TOLERANCE,
    Measure,
    Scores,
    betweenness,
    closeness,
    degree,
    eigenvector,
    first_reports,
    hits,
    measure_outlets,
    pagerank,
    reach,
    strength,
)
from graphnews.centrality.report import CentralityReport, OutletCentrality, Reason, central_outlets

__all__ = [
    "BETWEENNESS_SAMPLES",
    "DAMPING",
    "EXACT_BETWEENNESS_LIMIT",
    "MEASURES",
    "PATH_TOLERANCE",
    "CentralityReport",
    "Measure",
    "OutletCentrality",
    "Reason",
    "Scores",
    "betweenness",
    "central_outlets",
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
