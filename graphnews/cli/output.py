"""Output shared by every command: ``--format table|json|csv``, written the same way everywhere.

JSON keys are a contract (scripts rely on them); tables are for people and may change.
"""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from graphnews.progress import Progress

__all__ = ["Format", "console", "emit_object", "emit_rows", "err_console", "progress_bars"]


class Format(enum.StrEnum):
    """Output formats of every reporting command."""

    table = "table"
    json = "json"
    csv = "csv"


def console() -> Console:
    """A console for tables: the terminal's width, or wide and plain when piped."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=200, no_color=True, soft_wrap=False)


def err_console() -> Console:
    return Console(stderr=True, no_color=not sys.stderr.isatty())


@contextmanager
def progress_bars(silent: bool) -> Iterator[Progress]:
    """A `graphnews.progress.Progress` drawing one bar per task on stderr, while the block runs.

    Quiet when ``silent`` or when stderr is not a terminal.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TaskID,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Bars

    stderr = err_console()
    bars = Bars(SpinnerColumn(), "[progress.description]{task.description}", BarColumn(),
                MofNCompleteColumn(), TimeElapsedColumn(), console=stderr,
                disable=silent or not stderr.is_terminal, transient=True)
    tasks: dict[str, TaskID] = {}

    def progress(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            tasks[task] = bars.add_task(task, total=total)
        bars.update(tasks[task], completed=done, total=total)

    with bars:
        yield progress


def emit_rows(
    rows: Sequence[Mapping[str, Any]],
    fmt: Format,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    json_wrapper: str | None = None,
) -> None:
    """Print rows as a table, a JSON list (or ``{json_wrapper: [...]}``) or CSV with a header."""
    cols = list(columns) if columns else (list(rows[0]) if rows else [])
    if fmt is Format.json:
        body: Any = [dict(r) for r in rows]
        if json_wrapper:
            body = {json_wrapper: body}
        _print_json(body)
    elif fmt is Format.csv:
        from graphnews.export._rows import spreadsheet_safe  # lazy: export imports networkx

        writer = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _cell(spreadsheet_safe(r.get(k))) for k in cols})
    else:
        table = Table(title=title, show_lines=False, header_style="bold")
        for c in cols:
            numeric = bool(rows) and isinstance(rows[0].get(c), int | float)
            table.add_column(c, justify="right" if numeric else "left", overflow="fold")
        for r in rows:
            table.add_row(*(Text(_visible(_cell(r.get(c)))) for c in cols))
        console().print(table)


def emit_object(obj: Mapping[str, Any], fmt: Format, *, title: str | None = None) -> None:
    """Print one object: JSON as is, CSV as key,value lines, a table as two columns."""
    if fmt is Format.json:
        _print_json(dict(obj))
    else:
        emit_rows([{"key": k, "value": v} for k, v in obj.items()], fmt, title=title)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


# Control characters (C0, DEL, C1): a title holding ESC [ 2 J would clear the terminal.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def _visible(text: str) -> str:
    """Text for the terminal: control characters shown as visible escapes (``\\x1b``)."""
    return text.translate(_CONTROLS)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    return str(value)
