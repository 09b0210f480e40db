"""``graphnews ingest`` and ``graphnews stats``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import DbOption, FormatOption, SilentOption, open_database
from graphnews.cli.output import Format, emit_object, progress_bars

if TYPE_CHECKING:
    from graphnews.ingest import IngestReport

__all__ = ["ingest_command", "say_problems", "stats_command"]

InputsArgument = Annotated[
    list[str], typer.Argument(help="Files, folders (read recursively), globs, or - for stdin.",
                              show_default=False)
]
MaxSizeOption = Annotated[
    int, typer.Option("--max-size", help="Refuse documents larger than this many bytes.")
]
OverridesOption = Annotated[
    Path | None, typer.Option("--overrides", help="YAML file merging outlet domains and renaming "
                              "outlets (see docs/overrides.md).", show_default=False)
]


def say_problems(report: IngestReport, *, silent: bool) -> None:
    """Each rejected document and each warning of an ingest, one line each on stderr."""
    if not silent:
        for problem in report.rejected:
            typer.echo(f"rejected {problem}", err=True)
        for problem in report.warnings:
            typer.echo(f"warning {problem}", err=True)


@app.command("ingest")
def ingest_command(
    inputs: InputsArgument,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    max_size: MaxSizeOption = 5_000_000,
    overrides: OverridesOption = None,
    silent: SilentOption = False,
) -> None:
    """Read news documents into the database (incremental: unchanged files are skipped).

    Takes Markdown files with YAML front matter (.md, .markdown, .txt) and JSON (a list, NDJSON,
    or news-site page files {"page": N, "value": [...]}), record by record: memory does not grow
    with a file's size. A bad document is reported as file:line: reason, kept in the quarantine
    table (its first --max-size bytes), and the rest is still ingested; the exit code is 1 when
    anything was rejected.

    Example: graphnews ingest seeds/ ../more/*.json --db news.db
    """
    from graphnews.ingest import ingest  # the parsers: only when ingesting

    database = open_database(db, create=True)
    with progress_bars(silent) as progress:
        report = ingest(database, inputs, max_size=max_size, overrides=overrides,
                        progress=progress)
    say_problems(report, silent=silent)
    summary = report.as_dict()
    if fmt is Format.json:
        emit_object(summary, fmt)
    else:
        emit_object({k: v for k, v in summary.items() if k not in ("rejected", "warnings")}
                    | {"rejected": len(report.rejected), "warnings": len(report.warnings)}, fmt,
                    title="ingest")
    if report.rejected:
        typer.echo(f"{len(report.rejected)} document(s) rejected; their raw text is kept in the "
                   "quarantine table", err=True)
        raise typer.Exit(code=1)


@app.command("stats")
def stats_command(db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Count what the database holds: documents, articles, outlets, topics, links, rejected.

    Example: graphnews stats --format json
    """
    database = open_database(db, readonly=True)
    emit_object(database.stats(), fmt, title="graphnews stats")
