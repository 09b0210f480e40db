"""Options shared by every command, defined once (sqlite-utils style)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from graphnews.cli.output import Format, err_console
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.store import Database, open_db

__all__ = [
    "CollectionOption",
    "DbOption",
    "FormatOption",
    "LanguageOption",
    "OutOption",
    "SilentOption",
    "SinceOption",
    "UntilOption",
    "old_name",
    "open_database",
    "ranges_note",
    "report_filters",
    "span",
]

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database file, or a PostgreSQL URL postgresql://user@host/dbname "
                 "(docs/postgres.md). Default: $GRAPHNEWS_DB, else output/graphnews.db.",
                 show_default=False),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output format: table for people, json or csv "
                         "for scripts (stable keys).")
]
SilentOption = Annotated[
    bool, typer.Option("--silent", "-s", help="No progress bars or summaries on stderr.")
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only articles published on or after this date "
                             "(YYYY-MM-DD, YYYY-MM or an ISO date-time).", show_default=False)
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Only articles published on or before this date "
                             "(a bare date includes that whole day).", show_default=False)
]
CollectionOption = Annotated[
    list[str] | None, typer.Option(
        "--collection", help="Only outlets of this collection: ATTRIBUTE=VALUE[,VALUE] over the "
        "imported outlet metadata (lean=left, country=uk,ie) or a name saved with 'graphnews "
        "collections add'. Repeat for several (any of them).", show_default=False)
]
LanguageOption = Annotated[
    list[str] | None, typer.Option(
        "--language", help="Only articles detected in this language (ISO 639-1 code: en, de, "
        "...; 'und' when undetermined). Repeat for several.", show_default=False)
]
OutOption = Annotated[
    Path, typer.Option("--out", "-o", help="Folder (or file) to write into.")
]


def old_name(old: str, new: str, *, min: float | None = None) -> Any:
    """A command's former name of its option ``new``: hidden from --help, still accepted.

    Declare it as its own parameter (``limit: Annotated[int | None, old_name("--limit", "--top")]
    = None``) and let its value, when given, win over the new option's default. Using it prints
    one warning on stderr naming the new option; scripts keep working (docs/cli.md lists them).
    """

    def warn(value: Any) -> Any:
        if value is not None:
            typer.echo(f"warning: {old} is the old name of {new} here; it still works, but "
                       f"use {new}", err=True)
        return value

    return typer.Option(old, hidden=True, show_default=False, min=min, callback=warn,
                        help=f"Old name of {new}.")


def open_database(db: str | Path | None, *, readonly: bool = False,
                  create: bool = False) -> Database:
    """Open the database a command was pointed at; a write waiting for a lock says so. Only
    the commands that put data in (``create``: ingest, run, collections) make a missing
    file; any other says there is no database there, rather than answer from an empty one."""
    return open_db(db, readonly=readonly, create=create,
                   on_wait=lambda message: typer.echo(message, err=True))


def report_filters(
    database: Database,
    *,
    since: str | None = None,
    until: str | None = None,
    topics: list[str] | None = None,
    outlets: list[str] | None = None,
    min_weight: float = 0.0,
    collections: list[str] | None = None,
    languages: list[str] | None = None,
) -> Filters:
    """The `Filters` of a command's options; collections resolved against ``database``.

    A language filter on a database whose languages were never detected is refused (it would
    keep nothing): the message says to run ``graphnews languages`` first.
    """
    from graphnews.collections import resolve_collections

    if languages and database.conn.execute(
            "SELECT 1 FROM article_languages LIMIT 1").fetchone() is None:
        raise BadInputError("--language needs the articles' languages: run 'graphnews "
                            "languages' first (it detects them once, then only new articles)")
    return Filters.build(since=since, until=until, topics=topics, outlets=outlets,
                         min_weight=min_weight,
                         collections=resolve_collections(database, collections),
                         languages=languages)


def ranges_note(clusterings: list[tuple[float, int]] | list[list[float]]) -> None:
    """Say on stderr which clusterings a ``--ranges`` report spans."""
    resolutions = sorted({r for r, _ in clusterings})
    seeds = sorted({int(s) for _, s in clusterings})
    err_console().print(
        f"ranges over {len(clusterings)} clusterings of the same evidence: resolution "
        f"{', '.join(f'{r:g}' for r in resolutions)} x seed {', '.join(map(str, seeds))} "
        "(the stored stories are kept)", highlight=False)


def span(low: float | None, high: float | None) -> str:
    """A range for a table cell: "3", "2 to 3", or empty when unknown."""
    return "" if low is None or high is None else f"{low:g}" if low == high \
        else f"{low:g} to {high:g}"
