"""``graphnews copy``: move a database between files and engines (SQLite <-> PostgreSQL)."""

from __future__ import annotations

from typing import Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import FormatOption, SilentOption
from graphnews.cli.output import Format, emit_object


@app.command("copy")
def copy_command(
    source: Annotated[
        str, typer.Argument(help="The database to copy: a file or a postgresql:// URL.")
    ],
    destination: Annotated[
        str,
        typer.Argument(help="Where to copy it: a new file or an empty PostgreSQL database (URL)."),
    ],
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """Copy a whole database, every table and id, to another file or engine; resumable.

    Rows go over in batches, one transaction each; run the same command again after an
    interruption and it carries on. The row counts of every table are compared at the end.

    Example: graphnews copy output/graphnews.db postgresql://me@dbhost/news
    """
    from graphnews.copy import copy_database

    def progress(table: str, done: int, total: int) -> None:
        typer.echo(f"\r{table}: {done}/{total} rows", nl=False, err=True)

    report = copy_database(source, destination, progress=None if silent else progress)
    if not silent:
        typer.echo("", err=True)
    summary = report.as_dict()
    if fmt is Format.json:
        emit_object(summary, fmt)
    else:
        emit_object(
            {k: v for k, v in summary.items() if k != "rows"} | {"rows": sum(report.rows.values())},
            fmt,
            title="copy",
        )
