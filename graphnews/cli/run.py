"""``graphnews run``: everything in one go (thin glue over `graphnews.pipeline`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TimeElapsedColumn,
)

from graphnews.cli import app
from graphnews.cli.common import DbOption, FormatOption, OutOption, SilentOption, open_database
from graphnews.cli.ingest import InputsArgument, MaxSizeOption, OverridesOption, run_ingest
from graphnews.cli.output import Format, console, emit_object, emit_rows, err_console

if TYPE_CHECKING:
    from graphnews.pipeline import RunReport

__all__ = ["run_command"]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Recompute every step even when nothing changed since the "
                       "last run into this folder.")
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
    silent: SilentOption = False,
) -> None:
    """Do everything in one go: ingest, then every report, into one folder.

    Ingests the documents (incremental: unchanged files are skipped), then runs each analysis
    step over the whole database and writes its files into --out, with summary.json naming
    them all. A second run over unchanged input reuses the files of the first. The exit code
    is 1 when a document was rejected or a step failed (the reason is printed).

    Example: graphnews run seeds/ --out output/
    """
    from graphnews.pipeline import inputs_outside, run_steps

    started = time.perf_counter()
    database = open_database(db)
    ingested = run_ingest(database, inputs_outside(inputs, out), max_size=max_size,
                          overrides=overrides, silent=silent)
    with _step_bars(silent) as progress:
        report = run_steps(database, ingested, out_dir=out, progress=progress, force=force,
                           started=started)
    if fmt is Format.json:
        emit_object(report.as_dict(), fmt)
    else:
        _print_summary(report, fmt)
    if report.exit_code:
        for reason in report.reasons:
            typer.echo(f"Error: {reason}", err=True)
        raise typer.Exit(code=report.exit_code)


@contextmanager
def _step_bars(silent: bool) -> Iterator[Any]:
    """A ``progress(step, done, total)`` callback drawing one bar per step on stderr.

    Quiet when --silent or when stderr is not a terminal.
    """
    stderr = err_console()
    bars = Progress(SpinnerColumn(), "[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=stderr,
                    disable=silent or not stderr.is_terminal, transient=True)
    tasks: dict[str, TaskID] = {}

    def progress(step: str, done: int, total: int | None) -> None:
        if step not in tasks:
            tasks[step] = bars.add_task(step, total=total)
        bars.update(tasks[step], completed=done, total=total)

    with bars:
        yield progress


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
