"""``graphnews attention``: articles per day, week or month, as a table, CSV, JSON or a chart."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    SinceOption,
    UntilOption,
    open_database,
    report_filters,
)
from graphnews.cli.output import Format, console, emit_object, emit_rows

if TYPE_CHECKING:
    from graphnews.attention import AttentionReport

__all__ = ["attention_command", "bar_lines", "sparkline"]

_TICKS = "▁▂▃▄▅▆▇█"


class Every(enum.StrEnum):
    day = "day"
    week = "week"
    month = "month"


@app.command("attention")
def attention_command(
    every: Annotated[Every, typer.Option("--every", help="Period: day, week (named by its "
                                         "Monday) or month.")] = Every.day,
    by: Annotated[str | None, typer.Option(
        "--by", help="One series per topic, outlet, story, language, collection (the "
        "--collection values) or outlet attribute (lean, country, ...). Default: all "
        "coverage.", show_default=False)] = None,
    normalise: Annotated[bool, typer.Option(
        "--normalise", "--normalize", help="Show each count as a share of all coverage in that "
        "period (all dated articles of the database).")] = False,
    chart: Annotated[bool, typer.Option("--chart", help="Draw a terminal chart instead of the "
                                        "table.")] = False,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="At most this many series, "
                                     "largest first.")] = 10,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    topic: Annotated[list[str] | None, typer.Option(
        "--topic", help="Only articles about this topic (repeatable).", show_default=False)
    ] = None,
    language: LanguageOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """How much coverage there was over time: articles per period, raw or as a share of all
    coverage in the period, overall or per topic, outlet, story, language, collection or
    outlet attribute.

    --collection restricts to those outlets, except with --by collection, where each
    collection is a series. CSV is long (period,key,articles,share), ready for a spreadsheet or
    pandas; JSON holds the periods, the totals and one list per series.

    Examples: graphnews attention --every week --chart
              graphnews attention --by lean --every month --normalise
    """
    from graphnews.attention import attention
    from graphnews.collections import resolve_collections

    database = open_database(db, readonly=True)
    groups = resolve_collections(database, collection)
    as_series = by == "collection"
    filters = report_filters(database, since=since, until=until, topics=topic,
                             collections=None if as_series else collection, languages=language)
    report = attention(database, every=every.value, by=by, filters=filters, top=top,
                       collections=groups if as_series else ())
    if fmt is Format.json:
        emit_object(report.as_dict(), fmt)
    elif fmt is Format.csv:
        emit_rows(report.rows(), fmt, columns=("period", "key", "articles", "share"))
    elif chart:
        _chart(report, normalise=normalise)
    else:
        value = "share" if normalise else "articles"
        rows = [{"period": p} | {s["key"]: _value(s[value][i], normalise)
                                 for s in report.series} | {"all coverage": report.totals[i]}
                for i, p in enumerate(report.periods)]
        emit_rows(rows, fmt, title=_title(report, normalise))
    for message in report.messages:
        typer.echo(f"note: {message}", err=True)


def _title(report: AttentionReport, normalise: bool) -> str:
    what = "share of all coverage" if normalise else "articles"
    by = f" by {report.by}" if report.by else ""
    return f"{what} per {report.every}{by} ({report.undated} undated left out)"


def _value(value: float, normalise: bool) -> float | str:
    return f"{value:.1%}" if normalise else value


def _chart(report: AttentionReport, *, normalise: bool) -> None:
    out = console()
    out.print(_title(report, normalise), style="bold", markup=False, highlight=False)
    key = "share" if normalise else "articles"
    if len(report.series) == 1:
        for line in bar_lines(report.periods, report.series[0][key], width=50,
                              percent=normalise):
            out.print(line, markup=False, highlight=False)
        return
    width = max((len(s["key"]) for s in report.series), default=0)
    out.print(f"{'':{width}}  {report.periods[0] if report.periods else ''} .. "
              f"{report.periods[-1] if report.periods else ''}", markup=False, highlight=False)
    for s in report.series:
        values = s[key]
        peak = max(range(len(values)), key=values.__getitem__) if values else 0
        peak_text = f"{values[peak]:.1%}" if normalise else f"{values[peak]}"
        out.print(f"{s['key']:{width}}  {sparkline(values, width=60)}  total {s['total']}, "
                  f"peak {peak_text} in {report.periods[peak]}", markup=False,
                  highlight=False)


def bar_lines(periods: list[str], values: list[float], *, width: int, percent: bool
              ) -> list[str]:
    """One line per period: its name, a bar scaled to the largest value, and the value.

    >>> bar_lines(["2022-06", "2022-07"], [4, 2], width=4, percent=False)
    ['2022-06 ████ 4', '2022-07 ██   2']
    """
    top = max(values, default=0) or 1
    return [f"{p} {'█' * round(width * v / top):{width}} {f'{v:.1%}' if percent else v}"
            for p, v in zip(periods, values, strict=True)]


def sparkline(values: list[float], *, width: int) -> str:
    """Values as block characters, at most ``width`` of them (neighbouring periods summed).

    >>> sparkline([0, 1, 2, 3, 4, 5, 6, 7], width=8)
    ' ▂▃▄▅▆▇█'
    """
    if not values:
        return ""
    size = -(-len(values) // width)
    buckets = [sum(values[i:i + size]) for i in range(0, len(values), size)]
    top = max(buckets) or 1
    return "".join(" " if b == 0 else _TICKS[min(len(_TICKS) - 1,
                                                 int(b / top * (len(_TICKS) - 1)))]
                   for b in buckets)
