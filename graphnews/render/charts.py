"""Attention charts for the HTML pages: bar charts drawn as inline SVG (no script, no request).

`bar_chart` lays out one series (articles per period, from `graphnews.attention`) as bars with
a y axis (0, half, maximum, and its label) and dates under the x axis, readable without
hovering; each bar also carries a ``<title>`` with its exact period and value. The template
macro ``charts.html`` draws it.

>>> c = bar_chart("c", "Articles per day", ["2022-06-01", "2022-06-02"], [3, 1])
>>> [b.value for b in c.bars], c.y_ticks[-1].text, [t.text for t in c.x_ticks]
([3, 1], '3', ['2022-06-01', '2022-06-02'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from graphnews.attention import AttentionReport

__all__ = ["Bar", "BarChart", "Tick", "attention_charts", "bar_chart", "period_for_span"]

#: Bars at most this many get their value written above them.
VALUE_LABELS_UP_TO = 31
#: Date labels under the x axis, at most.
X_LABELS = 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    period: str
    value: float
    text: str  # the value as shown


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass
class BarChart:
    """Everything the SVG needs, in its own coordinates."""

    id: str
    title: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    y_label: str
    x_label: str
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    value_labels: bool = False


def bar_chart(chart_id: str, title: str, periods: Sequence[str], values: Sequence[float], *,
              y_label: str = "articles", x_label: str = "published (UTC)", percent: bool = False,
              width: int = 720, height: int = 220) -> BarChart:
    """One bar per period, scaled to the largest value."""
    left, right, top, bottom = 56.0, width - 12.0, 28.0, height - 44.0
    chart = BarChart(id=chart_id, title=title, width=width, height=height, left=left,
                     right=right, top=top, bottom=bottom, y_label=y_label, x_label=x_label,
                     value_labels=len(periods) <= VALUE_LABELS_UP_TO)
    peak = max(values, default=0) or 1
    slot = (right - left) / max(len(periods), 1)
    gap = min(2.0, slot * 0.2)

    def show(v: float) -> str:
        return f"{v:.1%}" if percent else f"{v:g}"

    for i, (p, v) in enumerate(zip(periods, values, strict=True)):
        h = (bottom - top) * v / peak
        chart.bars.append(Bar(x=round(left + i * slot + gap / 2, 2), y=round(bottom - h, 2),
                              width=round(slot - gap, 2), height=round(h, 2), period=p,
                              value=v, text=show(v)))
    chart.y_ticks = [Tick(bottom, show(0)), Tick(round((top + bottom) / 2, 2), show(peak / 2)),
                     Tick(top, show(peak))] if values and max(values) > 0 else \
        [Tick(bottom, show(0))]
    if periods:
        step = max(1, -(-len(periods) // X_LABELS))
        shown = list(range(0, len(periods), step))
        if shown[-1] != len(periods) - 1 and len(periods) - 1 - shown[-1] >= step / 2:
            shown.append(len(periods) - 1)
        chart.x_ticks = [Tick(round(left + (i + 0.5) * slot, 2), periods[i]) for i in shown]
    return chart


def period_for_span(first: str | None, last: str | None) -> str:
    """``day`` up to 3 months of coverage, ``week`` up to 2 years, else ``month``.

    >>> period_for_span("2022-06-01", "2022-06-30"), period_for_span("2021-06-01", "2022-06-30")
    ('day', 'week')
    """
    if not first or not last:
        return "day"
    days = (dt.date.fromisoformat(last[:10]) - dt.date.fromisoformat(first[:10])).days
    return "day" if days <= 92 else "week" if days <= 731 else "month"


def attention_charts(report: AttentionReport, prefix: str, *, title: str) -> list[BarChart]:
    """One chart per series of an attention report (``title`` names the series with {key})."""
    return [bar_chart(f"{prefix}-{i}", title.format(key=s["key"], every=report.every),
                      report.periods, s["articles"], y_label=f"articles per {report.every}")
            for i, s in enumerate(report.series)]
