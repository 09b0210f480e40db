"""``graphnews run``: everything in one go (thin glue over `graphnews.pipeline`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    OutOption,
    SilentOption,
    open_database,
)
from graphnews.cli.ingest import InputsArgument, MaxSizeOption, OverridesOption, say_problems
from graphnews.cli.output import (
    Format,
    console,
    emit_object,
    emit_rows,
    err_console,
    progress_bars,
)
from graphnews.cli.stories import RelatedOption, SingletonsOption

if TYPE_CHECKING:
    from graphnews.pipeline import RunReport

__all__ = ["run_command"]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Recompute every step even when nothing changed since the "
                       "last run into this folder.")
]


RunRangesOption = Annotated[
    bool, typer.Option("--ranges", help="Also say how far each figure depends on the stories: "
                       "the stories clustered again at resolutions 0.4-0.6 with three seeds, "
                       "each story and spread row given the ranges of 'stories --ranges' and "
                       "'spread --ranges', the pages those of 'render --ranges' (about one "
                       "more computation of the stories).")
]


@app.command("run")
def run_command(
    inputs: InputsArgument,
    out: OutOption = Path("output"),
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    max_size: MaxSizeOption = 5_000_000,
    overrides: OverridesOption = None,
    force: ForceOption = False,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    ranges: RunRangesOption = False,
    ignore_related: RelatedOption = None,
    no_singletons: SingletonsOption = None,
    silent: SilentOption = False,
) -> None:
    """Do everything in one go: ingest, then every report, into one folder.

    Ingests the documents (incremental: unchanged files are skipped), then runs each analysis
    step over the whole database and writes its files into --out, with summary.json naming
    them all. A second run over unchanged input reuses the files of the first. The exit code
    is 1 when a document was rejected or a step failed (the reason is printed).

    --collection and --language restrict every report, page and export to those outlets or
    languages (stories are still detected over the whole database).

    Before citing a figure that stands on the stories, add --ranges (docs/citing.md).

    --ignore-related computes the stories without the documents' related lists (kept for
    later runs and commands; --use-related brings them back): on feeds whose lists recommend
    other stories of the beat, the stories are better without them (docs/stories.md).
    --no-singletons leaves no article alone, for a set of grouped stories (kept too;
    --singletons undoes it).

    Example: graphnews run seeds/ --out output/
    """
    from graphnews.collections import resolve_collections
    from graphnews.filters import Filters
    from graphnews.pipeline import run

    database = open_database(db, create=True)
    # not report_filters: the run detects the languages itself (after its ingest)
    filters = Filters.build(collections=resolve_collections(database, collection),
                            languages=language)
    with progress_bars(silent) as progress:
        report = run(database, inputs, out_dir=out, progress=progress, max_size=max_size,
                     overrides=overrides, force=force, filters=filters, ranges=ranges,
                     related=None if ignore_related is None else not ignore_related,
                     singletons=None if no_singletons is None else not no_singletons)
    say_problems(report.ingest, silent=silent)
    if fmt is Format.json:
        emit_object(report.as_dict(), fmt)
    else:
        _print_summary(report, fmt)
    if report.exit_code:
        for reason in report.reasons:
            typer.echo(f"Error: {reason}", err=True)
        raise typer.Exit(code=report.exit_code)


def _names(paths: list[Path], folder: Path, shown: int = 3) -> str:
    """The first few file names, then how many more."""
    names = [p.relative_to(folder).as_posix() for p in paths]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _print_summary(report: RunReport, fmt: Format) -> None:
    rows = [
        {"step": s.name,
         "seconds": round(s.seconds, 2),
         "result": s.error or ", ".join(f"{k} {v}" for k, v in s.counts.items()),
         "wrote": _names(s.written, report.out_dir)}
        for s in report.steps
    ]
    emit_rows(rows, fmt, columns=["step", "seconds", "result", "wrote"], title="graphnews run")
    if fmt is Format.table:
        note = " (nothing changed since the last run: its files were kept)" if report.reused else ""
        console().print(f"Wrote {len(report.written)} files into {report.out_dir}/ "
                        f"in {report.seconds:.1f} s{note}", markup=False, highlight=False)
    for step in report.steps:
        for caveat in step.notes:
            err_console().print(f"{step.name}: {caveat}", markup=False, highlight=False)
