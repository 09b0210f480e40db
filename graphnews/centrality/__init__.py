"""Central outlets: the measures (functions over a graph) and the report over a database.

`graphnews.centrality.measures` holds the measures, functions over any networkx graph;
`graphnews.centrality.report` ranks a database's outlets with them (`central_outlets`).
"""

from __future__ import annotations

from graphnews._lazy import attach
from graphnews.centrality.glossary import (
    BETWEENNESS_SAMPLES,
    DAMPING,
    EXACT_BETWEENNESS_LIMIT,
    MEASURES,
    PATH_TOLERANCE,
    Measure,
)

__getattr__, __dir__, _loaded_on_use = attach(
    __name__,
    {
        "measures": [
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
        ],
        "report": ["CentralityReport", "OutletCentrality", "Reason", "central_outlets"],
    },
)

__all__ = [
    "BETWEENNESS_SAMPLES",
    "DAMPING",
    "EXACT_BETWEENNESS_LIMIT",
    "MEASURES",
    "PATH_TOLERANCE",
    "Measure",
    *_loaded_on_use,
]
