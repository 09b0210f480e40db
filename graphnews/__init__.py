"""graphnews: a graph database of news coverage.

Ingest news documents (YAML front matter or JSON) into a SQLite file, then ask it which outlets
cover which stories, how a story spread, and which outlets sit at the centre.

>>> import graphnews
>>> db = graphnews.open(":memory:")
>>> sorted(db.stats())[:3]
['aliases', 'articles', 'articles_with_document']

This module is the public face of the library, above every layer: the store below knows nothing
of ingest, so ``db.ingest(...)`` lives on the `Database` that `open` returns here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import MethodType
from typing import TYPE_CHECKING

from graphnews import store
from graphnews._lazy import attach
from graphnews.errors import (
    BadInputError,
    DatabaseError,
    GraphnewsError,
    NotFoundError,
    ReadOnlyError,
)

if TYPE_CHECKING:
    from graphnews.ingest import IngestReport

# The ingest machinery (YAML and JSON parsers, worker processes) loads when first used, so that
# `import graphnews` (and every command that only reads the database) stays cheap.
__getattr__, __dir__, _loaded_on_use = attach(__name__, {"ingest": ["IngestReport"]})

__version__ = "0.1.0"


class _IngestMethod:
    """``db.ingest(inputs, ...)`` is `graphnews.ingest.ingest` ``(db, inputs, ...)``, the same
    function bound to the database (its parameters and help are that function's), imported on
    first use."""

    def __get__(
        self, db: Database | None, owner: type | None = None
    ) -> Callable[..., IngestReport]:
        from graphnews.ingest import ingest

        return ingest if db is None else MethodType(ingest, db)


class Database(store.Database):
    """A graphnews database (`graphnews.store.Database`) that can also ingest, as a method.

    ``db.ingest(inputs, ...)`` reads documents from files, folders, globs or ``-`` (stdin) into
    the database: it is `graphnews.ingest.ingest` ``(db, inputs, ...)``. Incremental: unchanged
    files are skipped, changed files replace their earlier contribution.

    >>> import graphnews, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.md").write_text('---\\ntitle: Hi\\nwebUrl: https://ex.com/a\\n---\\n')
    >>> report = graphnews.open(":memory:").ingest([d])
    >>> report.documents, report.rejected
    (1, [])
    """

    ingest = _IngestMethod()


def open(path: str | os.PathLike[str] | None = None, *, readonly: bool = False,
         create: bool = True) -> Database:
    """Open (creating when needed) the graphnews database at ``path``.

    Parameters
    ----------
    path : path-like or str, optional
        The database file; ``":memory:"`` for a throwaway one; or a PostgreSQL database's URL,
        ``postgresql://user@host:port/dbname`` (docs/postgres.md). Default: ``$GRAPHNEWS_DB``,
        else ``output/graphnews.db`` (`graphnews.store.default_db_path`).
    readonly : bool
        Open the file read-only (SQLite refuses every write); it must exist.
    create : bool
        Create the file when it does not exist (default); ``create=False`` makes a missing
        file an error, as every ``graphnews`` command but those that put data in does.

    Raises
    ------
    DatabaseError
        When the file is not a graphnews database, or a read-only database (or one opened
        without ``create``) does not exist.
    """
    return Database(path, readonly=readonly, create=create)


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
