"""Attention over time: articles per day, week or month, overall or per topic, outlet,
collection, story, language or outlet attribute, raw and as a share of all coverage.

`attention` answers ``graphnews attention`` and feeds the charts of the HTML site. Counting is
done in SQL (one grouped query per series kind), so it stays fast at 100,000 documents.

- A **period** is a UTC day (``2022-06-14``), an ISO week named by its Monday (``2022-06-13``)
  or a month (``2022-06``). Periods run without gaps from the first to the last one with a
  filtered article; empty periods count 0.
- **share** = the series' articles in the period / *all* dated articles of the database in that
  period (filters do not touch the denominator: "what part of all coverage was this").
- Undated articles are left out (``undated`` counts them). An article about two topics counts in
  both topics' series.

>>> import graphnews, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> for i, day in enumerate(["2022-06-01", "2022-06-01", "2022-06-03"]):
...     _ = (d / f"{i}.md").write_text(f"---\\ntitle: T{i}\\nwebUrl: https://a.com/{i}\\n"
...                                    f"publishedDateTime: {day}T10:00:00Z\\n---\\n")
>>> db = graphnews.open(":memory:"); _ = db.ingest([d])
>>> r = attention(db, every="day")
>>> r.periods, r.series[0]["articles"]
(['2022-06-01', '2022-06-02', '2022-06-03'], [2, 0, 1])
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from graphnews.collections import Collection
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.store import Database

__all__ = [
    "BY",
    "EVERY",
    "AttentionReport",
    "attention",
    "count_by_period",
    "period_of",
    "periods_between",
]

#: Period lengths.
EVERY = ("day", "week", "month")
#: Built-in series kinds (any other name is an outlet attribute of the imported metadata).
BY = ("topic", "outlet", "collection", "story", "language")

_PERIOD_SQL = {  # portable SQL (SQLite and PostgreSQL): weeks are folded from days in Python
    "day": "substr(a.published, 1, 10)",
    "week": "substr(a.published, 1, 10)",
    "month": "substr(a.published, 1, 7)",
}
_KEY_SQL = {  # (joins, key expression) per built-in series kind
    None: ("", "'all'"),
    "topic": ("JOIN article_topics t ON t.article_id = a.id JOIN topics p ON p.id = t.topic_id",
              "p.name"),
    "outlet": ("JOIN outlets o ON o.id = a.outlet_id", "o.domain"),
    "story": ("JOIN story_articles s ON s.article_id = a.id", "s.story_id"),
    "language": ("JOIN article_languages l ON l.article_id = a.id", "l.language"),
}


@dataclass
class AttentionReport:
    """Articles per period per series (the ``--format json`` contract)."""

    every: str
    by: str | None
    periods: list[str]
    totals: list[int]  # all dated articles of the database per period (the share's denominator)
    series: list[dict[str, Any]]  # {key, total, articles: [...], share: [...]}, largest first
    series_count: int  # series before --top cut them
    undated: int
    messages: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """Long format: one ``{period, key, articles, share}`` per period and series."""
        return [{"period": p, "key": s["key"], "articles": s["articles"][i],
                 "share": s["share"][i]}
                for s in self.series for i, p in enumerate(self.periods)]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def period_of(when: dt.date, every: str) -> str:
    """The name of the period holding ``when``.

    >>> period_of(dt.date(2022, 6, 19), "week"), period_of(dt.date(2022, 6, 19), "month")
    ('2022-06-13', '2022-06')
    """
    if every == "day":
        return when.isoformat()
    if every == "week":
        return (when - dt.timedelta(days=when.weekday())).isoformat()
    return when.strftime("%Y-%m")


def periods_between(first: str, last: str, every: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive.

    >>> periods_between("2022-11", "2023-02", "month")
    ['2022-11', '2022-12', '2023-01', '2023-02']
    """
    if every == "month":
        year, month = map(int, first.split("-"))
        found = []
        while f"{year:04d}-{month:02d}" <= last:
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    step = dt.timedelta(days=7 if every == "week" else 1)
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    found = []
    while day <= end:
        found.append(day.isoformat())
        day += step
    return found


def count_by_period(timestamps: Sequence[int], every: str) -> tuple[list[str], list[int]]:
    """Periods without gaps from the first to the last timestamp, and how many fall in each.

    >>> count_by_period([1654077600, 1654081200, 1654250400], "day")
    (['2022-06-01', '2022-06-02', '2022-06-03'], [2, 0, 1])
    """
    if not timestamps:
        return [], []
    named = [period_of(dt.datetime.fromtimestamp(t, dt.UTC).date(), every) for t in timestamps]
    periods = periods_between(min(named), max(named), every)
    counts = {p: 0 for p in periods}
    for p in named:
        counts[p] += 1
    return periods, [counts[p] for p in periods]


def attention(
    db: Database,
    *,
    every: str = "day",
    by: str | None = None,
    collections: Sequence[Collection] = (),
    filters: Filters | None = None,
    top: int | None = 10,
    span: tuple[str, str] | None = None,
) -> AttentionReport:
    """Articles per period, overall (``by=None``) or per series.

    Parameters
    ----------
    every : ``day`` | ``week`` | ``month``
    by : None, ``topic``, ``outlet``, ``story``, ``language``, ``collection`` (one series per
        collection of ``collections``) or an outlet attribute name (``lean``: one series per
        value).
    collections : sequence of Collection
        The series of ``by="collection"``.
    filters : Filters, optional
        Which articles count (the share's denominator stays all coverage).
    top : int, optional
        Keep the ``top`` series with the most articles (None: all).
    span : (first, last) periods, optional
        Report exactly these periods (charts that share an axis); default: from the first to
        the last period with an article.

    Raises
    ------
    BadInputError
        For an unknown ``every`` or ``by``, or ``by="collection"`` without collections.
    """
    if every not in EVERY:
        raise BadInputError(f"unknown period {every!r}: use one of {', '.join(EVERY)}")
    f = filters or Filters()
    period = _PERIOD_SQL[every]
    cond, params = f.article_sql("a")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    name = _period_name(every)
    if by == "collection":
        if not collections:
            raise BadInputError("--by collection needs the collections: --collection A "
                                "--collection B ...")
        for c in collections:
            member, member_params = c.outlet_sql("o.domain")
            for p, n in db.conn.execute(
                f"SELECT {period}, count(*) FROM articles a JOIN outlets o ON o.id = a.outlet_id "
                f"WHERE a.published IS NOT NULL AND {cond} AND {member} GROUP BY 1",
                    [*params, *member_params]):
                counts[c.name][name(p)] += n
    else:
        joins, key, key_params = _series_sql(db, by)
        for p, k, n in db.conn.execute(
            f"SELECT {period}, {key}, count(DISTINCT a.id) FROM articles a {joins} "
            f"WHERE a.published IS NOT NULL AND {cond} GROUP BY 1, 2", [*key_params, *params]):
            counts[str(k)][name(p)] += n
    undated = int(db.conn.execute(
        f"SELECT count(*) FROM articles a WHERE a.published IS NULL AND {cond}",
        params).fetchone()[0])
    seen = sorted({p for per in counts.values() for p in per})
    if span is not None:
        seen = list(span)
    periods = periods_between(seen[0], seen[-1], every) if seen else []
    all_coverage: Counter[str] = Counter()
    for p, n in db.conn.execute(
            f"SELECT {period}, count(*) FROM articles a WHERE a.published IS NOT NULL GROUP BY 1"):
        all_coverage[name(p)] += n
    totals = [int(all_coverage.get(p, 0)) for p in periods]
    in_span = set(periods)
    total = {k: sum(n for p, n in per.items() if p in in_span) for k, per in counts.items()}
    if by == "collection":
        order = {c.name: i for i, c in enumerate(collections)}
        keys = sorted(counts, key=order.__getitem__)
    else:
        keys = sorted(counts, key=lambda k: (-total[k], k))
    messages = []
    if top is not None and len(keys) > top:
        messages.append(f"showing the {top} largest of {len(keys)} series (--top)")
    series = []
    for k in keys[:top] if top is not None else keys:  # only the series shown are spelled out
        articles = [int(counts[k].get(p, 0)) for p in periods]
        series.append({"key": k, "total": total[k], "articles": articles,
                       "share": [round(n / t, 6) if t else 0.0
                                 for n, t in zip(articles, totals, strict=True)]})
    return AttentionReport(every=every, by=by, periods=periods, totals=totals, series=series,
                           series_count=len(keys), undated=undated, messages=messages)


def _period_name(every: str) -> Callable[[str], str]:
    """The period of a day or month as the SQL of `_PERIOD_SQL` names it."""
    if every != "week":
        return str
    return lambda day: period_of(dt.date.fromisoformat(day), "week")


def _series_sql(db: Database, by: str | None) -> tuple[str, str, list[object]]:
    if by in _KEY_SQL:
        joins, key = _KEY_SQL[by]
        return joins, key, []
    attribute = str(by).strip().lower()
    if db.conn.execute("SELECT 1 FROM outlet_metadata WHERE key = ? LIMIT 1",
                       (attribute,)).fetchone() is None:
        raise BadInputError(f"cannot group by {by!r}: use one of {', '.join(BY)} or an outlet "
                            "attribute of the imported metadata (graphnews outlets import)")
    return ("JOIN outlets o ON o.id = a.outlet_id JOIN outlet_metadata m "
            "ON m.domain = o.domain AND m.key = ?", "lower(m.value)", [attribute])
