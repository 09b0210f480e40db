"""Central outlets: the measures (functions over a graph) and the report over a database.

`graphnews.centrality.measures` holds the measures, functions over any networkx graph;
`graphnews.centrality.report` ranks a database's outlets with them (`central_outlets`).
"""

from __future__ import annotations

from graphnews._lazy import attach

# The names of each submodule's __all__; the glossary is light (no numpy, scipy, networkx).
__getattr__, __dir__, __all__ = attach(
    __name__, {"glossary": None, "measures": None, "report": None}
)
