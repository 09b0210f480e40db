"""Options shared by every command, defined once (sqlite-utils style)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graphnews.cli.output import Format
from graphnews.store import Database, default_db_path, open_db

__all__ = [
    "DbOption",
    "FormatOption",
    "OutOption",
    "SilentOption",
    "SinceOption",
    "UntilOption",
    "open_database",
]

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file. Default: $GRAPHNEWS_DB, else output/graphnews.db.",
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
OutOption = Annotated[
    Path, typer.Option("--out", "-o", help="Folder (or file) to write into.")
]


def open_database(db: Path | None, *, readonly: bool = False) -> Database:
    """Open the database a command was pointed at."""
    return open_db(db if db is not None else default_db_path(), readonly=readonly)
