"""Errors graphnews raises. The CLI prints each as ``Error: <message>`` and exits with code 1.

Messages are short, lowercase-first where they are not a path, and say what is wrong in words a
journalist understands.
"""

from __future__ import annotations

__all__ = [
    "BadInputError",
    "DatabaseError",
    "GraphnewsError",
    "NotFoundError",
    "OverridesError",
    "QueryTimeoutError",
    "ReadOnlyError",
    "RefusedValueError",
]


class GraphnewsError(Exception):
    """Base class of every error graphnews raises on purpose."""


class BadInputError(GraphnewsError):
    """A value the user gave (a date, a path, an option) cannot be used."""


class OverridesError(BadInputError):
    """The outlet overrides file cannot be read or has the wrong shape."""


class DatabaseError(GraphnewsError):
    """The database file cannot be opened or was written by an incompatible version."""


class NotFoundError(GraphnewsError):
    """The article, outlet, topic or story asked for is not in the database."""


class ReadOnlyError(GraphnewsError):
    """A statement tried to change the database through the read-only query interface."""


class QueryTimeoutError(GraphnewsError):
    """A query ran longer than its time limit and was stopped."""


class RefusedValueError(GraphnewsError, ValueError):
    """The database server refused a row's values (PostgreSQL: a NUL character in text, a
    number out of range, a broken constraint). Ingest rejects the file that held them; the
    message follows "it", as in "this file could not be stored: it holds ..."."""
