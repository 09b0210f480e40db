"""graphnews: a graph database of news coverage.

Ingest news documents (YAML front matter or JSON) into a SQLite file, then ask it which outlets
cover which stories, how a story spread, and which outlets sit at the centre.

>>> import graphnews
>>> db = graphnews.open(":memory:")
>>> sorted(db.stats())[:3]
['aliases', 'articles', 'articles_with_document']
"""

from __future__ import annotations

from graphnews.errors import (
    BadInputError,
    DatabaseError,
    GraphnewsError,
    NotFoundError,
    ReadOnlyError,
)
from graphnews.ingest import IngestReport
from graphnews.store import Database, open_db

__version__ = "0.1.0"

#: ``graphnews.open(path)`` opens (creating when needed) a graphnews database.
open = open_db

__all__ = [
    "BadInputError",
    "Database",
    "DatabaseError",
    "GraphnewsError",
    "IngestReport",
    "NotFoundError",
    "ReadOnlyError",
    "__version__",
    "open",
]
