"""How stories spread: per story (who was first, how fast outlets followed) and per outlet.

Works on the stored stories (`graphnews.stories`); call `graphnews.stories.detect_stories`
first. Times are publication times; an article without one counts in a story's size and outlets
but not in its times.

Per story (`StorySpread`): articles, outlets, the first reporter (the outlet of the earliest
article; several when they published at the same minute: ties are reported as ties), first and
last seen, duration, hours until 2, 5 and 10 outlets covered it, the median lag of the other
outlets after the first report, the cumulative spread curve (outlets over time) and topics.

Per outlet (`OutletSpread`), over the stories covered by at least two outlets: how often it was
first, its median lag when it followed, a leader/follower score, and the outlets it typically
followed (those that were first on the stories it followed).

How far the per-outlet figures depend on the stories (`spread_ranges`, ``graphnews spread
--ranges``): the same table under other clustering choices (resolutions 0.4, 0.5 and 0.6, three
Leiden seeds; `graphnews.stories.alternatives`), each outlet's lowest and highest ``stories``,
``first``, ``leader_score`` and rank. A figure whose range is wide stands on stories the model
is unsure of: cite it with its range, or not at all.

Both take ``filters`` (a `graphnews.filters.Filters`: only the articles it keeps count, by time,
topic or outlet, as in every other report) and ``every``
(``"day"``, ``"week"`` or ``"month"``: the same table for each calendar window, each row with its
``window``).

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> from graphnews.generator import generate_corpus, DOCUMENTS_DIR
>>> from graphnews.stories import detect_stories
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate_corpus(out, documents=100, seed=2)
>>> db = graphnews.open(":memory:")
>>> _ = db.ingest([out / DOCUMENTS_DIR])
>>> biggest = detect_stories(db)[0]
>>> spread = story_spread(db, biggest.id)
>>> spread.size == biggest.size, spread.curve[-1]["outlets"] == spread.outlets
(True, True)
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from graphnews.dates import iso
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.stories import get_story

if TYPE_CHECKING:
    from graphnews.store import Database
    from graphnews.stories.alternatives import Alternatives

__all__ = [
    "EVERY",
    "MILESTONES",
    "RANGE_FIGURES",
    "RANGE_KEYS",
    "OutletRange",
    "OutletSpread",
    "StoryArticle",
    "StorySpread",
    "first_per_window",
    "outlet_spread",
    "ranks",
    "spread_ranges",
    "stories_spread",
    "story_spread",
    "windows",
    "with_ranges",
]

_Row = TypeVar("_Row", "StorySpread", "OutletSpread")

#: The window lengths ``every`` takes.
EVERY = ("day", "week", "month")
#: Outlet counts whose time-to-reach each story reports (``hours_to_2_outlets`` ...).
MILESTONES = (2, 5, 10)
#: The figures `spread_ranges` gives a range of, and the keys each range adds to a row.
RANGE_FIGURES = ("stories", "first", "leader_score", "rank")
RANGE_KEYS = ("clusterings", *(f"{name}_{end}" for name in RANGE_FIGURES for end in ("min", "max")))


@dataclass
class StoryArticle:
    """One article of a story, as the spread measures see it."""

    id: int
    url: str
    title: str | None
    ts: int | None
    outlet: str


@dataclass
class StorySpread:
    """How one story spread (see the module docstring for each measure)."""

    id: str
    confidence: float
    articles: list[StoryArticle]  # in time order, unknown times last
    outlets: int
    first_reporter: list[str]
    first_seen: str | None
    last_seen: str | None
    duration_hours: float | None
    hours_to: dict[int, float | None]
    median_lag_hours: float | None
    curve: list[dict[str, Any]]
    topics: list[str]
    outlet_first: dict[str, int] = field(repr=False, default_factory=dict)
    window: str | None = None

    @property
    def size(self) -> int:
        return len(self.articles)

    @property
    def headline(self) -> str:
        """The title of the earliest article with one (else its URL)."""
        for a in self.articles:
            if a.title:
                return a.title
        return self.articles[0].url if self.articles else ""

    def as_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """The JSON object of the ``stories`` / ``story`` commands (stable keys).

        ``detail`` adds the ``timeline`` (each article) and the spread ``curve``.
        """
        out: dict[str, Any] = {} if self.window is None else {"window": self.window}
        out |= {
            "id": self.id,
            "size": self.size,
            "outlets": self.outlets,
            "first_reporter": self.first_reporter,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "duration_hours": self.duration_hours,
            **{f"hours_to_{k}_outlets": v for k, v in self.hours_to.items()},
            "median_lag_hours": self.median_lag_hours,
            "confidence": self.confidence,
            "headline": self.headline,
            "topics": self.topics,
            "articles": [a.url for a in self.articles],
        }
        if detail:
            out["timeline"] = [
                {"published": iso(a.ts), "outlet": a.outlet, "title": a.title, "url": a.url}
                for a in self.articles]
            out["curve"] = self.curve
        return out


@dataclass
class OutletSpread:
    """One outlet's record as a leader or follower across stories."""

    outlet: str
    stories: int
    first: int
    first_tied: int
    followed: int
    median_lag_hours: float | None
    leader_score: float
    follows: list[str]
    window: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of the ``spread`` command (stable keys)."""
        out: dict[str, Any] = {} if self.window is None else {"window": self.window}
        return out | {
            "outlet": self.outlet, "stories": self.stories, "first": self.first,
            "first_tied": self.first_tied, "followed": self.followed,
            "median_lag_hours": self.median_lag_hours, "leader_score": self.leader_score,
            "follows": self.follows,
        }


@dataclass
class OutletRange:
    """How far one outlet's figures move over the alternative clusterings (`spread_ranges`):
    each ``(lowest, highest)`` over every clustering (``stories`` and ``first`` 0 where it
    covered no story of two or more outlets), ``rank`` over those where it has a row."""

    outlet: str
    clusterings: int  # in how many it has a row (covered >= min_stories stories)
    stories: tuple[int, int]
    first: tuple[int, int]
    leader_score: tuple[float, float]
    rank: tuple[int, int]  # its place in the table, 1 = highest leader score
    window: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The keys ``graphnews spread --ranges`` adds to each row (flat, for spreadsheets)."""
        out: dict[str, Any] = {"clusterings": self.clusterings}
        for name in RANGE_FIGURES:
            low, high = getattr(self, name)
            out |= {f"{name}_min": low, f"{name}_max": high}
        return out


def story_spread(db: Database, story: str, *, filters: Filters | None = None) -> StorySpread:
    """How one story spread, by its id or the URL of one of its articles.

    ``filters`` keep the articles that count (time, topics, outlets), as in every report.

    Raises
    ------
    NotFoundError
        When there is no such story (see `graphnews.stories.get_story`).
    """
    found = get_story(db, story)
    spreads = _spreads(db, filters or Filters(), story_id=found.id)
    if not spreads:
        return _measure(found.id, found.confidence, [], [])
    return spreads[0]


def stories_spread(
    db: Database,
    *,
    filters: Filters | None = None,
    every: str | None = None,
    min_outlets: int = 1,
) -> list[StorySpread]:
    """Every stored story's spread, most outlets first (then most articles, earliest).

    Parameters
    ----------
    db : Database
    filters : Filters, optional
        Only the articles they keep count (``since``/``until``, ``topics``, ``outlets``); a
        story left without any is left out.
    every : {"day", "week", "month"}, optional
        The list for each calendar window, windows in time order, each story with its
        ``window`` (a story spanning two windows appears in both, with its articles of each).
    min_outlets : int
        Leave out stories covered by fewer outlets.
    """
    out: list[StorySpread] = []
    for label, window in _windowed(db, filters or Filters(), every):
        rows = [s for s in _spreads(db, window) if s.outlets >= min_outlets]
        rows.sort(key=lambda s: (-s.outlets, -s.size, s.first_seen or "~", s.id))
        for s in rows:
            s.window = label
        out.extend(rows)
    return out


def outlet_spread(
    db: Database,
    *,
    filters: Filters | None = None,
    every: str | None = None,
    min_stories: int = 1,
) -> list[OutletSpread]:
    """Each outlet as leader or follower, over the stories at least two outlets covered.

    ``leader_score`` is ``(led - trailed) / (led + trailed)`` over every other outlet of every
    such story it covered: +1 for one it published before, -1 for one it published after (ties
    count neither way), so 1.0 means always ahead and -1.0 always behind. ``follows`` lists the
    outlets that were first on the stories it followed, most often first (at most three).

    Parameters are those of `stories_spread`; ``min_stories`` leaves out outlets that covered
    fewer such stories. Rows: highest leader score first (then most stories).
    """
    out: list[OutletSpread] = []
    for label, window in _windowed(db, filters or Filters(), every):
        rows = _outlet_rows([s.outlet_first for s in _spreads(db, window)], label)
        out.extend(r for r in rows if r.stories >= min_stories)
    return out


def spread_ranges(
    db: Database,
    *,
    filters: Filters | None = None,
    every: str | None = None,
    min_stories: int = 1,
    resolutions: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
    alternatives: Alternatives | None = None,
) -> tuple[list[tuple[float, int]], list[OutletRange]]:
    """`outlet_spread` under each alternative clustering: how far each outlet's figures move.

    The stories are clustered again from the same evidence at each resolution and seed
    (`graphnews.stories.alternatives.alternative_stories`; default resolutions 0.4, 0.5 and
    0.6 and seeds 0, 1 and 2; the stored stories' own resolution and seed are always added, so
    that every figure `outlet_spread` gives lies within its range); the stored stories are
    left as they are. Returns the clusterings, as ``(resolution, seed)``,
    and a range per outlet and window that has a row under at least one of them (parameters
    as in `outlet_spread`; outlets in the order they first have one, the first clustering's
    table first). ``alternatives``: the clusterings when already made (as in
    `graphnews.stories.alternatives.story_stability`).
    """
    from graphnews.stories.alternatives import alternative_stories

    if alternatives is None:
        alternatives = alternative_stories(db, resolutions=resolutions, seeds=seeds)
    out: list[OutletRange] = []
    for label, window in _windowed(db, filters or Filters(), every):
        timed = [a for a in _kept_articles(db, window) if a.ts is not None]
        at = alternatives.ids.searchsorted([a.id for a in timed])
        tables = []
        for labels in alternatives.labels.values():
            firsts: dict[int, dict[str, int]] = defaultdict(dict)  # story: outlet's first time
            for a, story in zip(timed, labels[at].tolist(), strict=True):
                first = firsts[story]
                if a.ts < first.get(a.outlet, a.ts + 1):
                    first[a.outlet] = a.ts
            tables.append(_outlet_rows(firsts.values(), label))
        out.extend(_ranges(tables, label, min_stories))
    return list(alternatives.labels), out


def ranks(rows: Iterable[OutletSpread]) -> dict[tuple[str | None, str], int]:
    """Each row's place in its window's table, 1 first (rows as `outlet_spread` orders them)."""
    places: Counter[str | None] = Counter()
    out = {}
    for row in rows:
        places[row.window] += 1
        out[(row.window, row.outlet)] = places[row.window]
    return out


def with_ranges(
    rows: Iterable[dict[str, Any]],
    rank: Mapping[tuple[str | None, str], int],
    found: Iterable[OutletRange],
) -> list[dict[str, Any]]:
    """``outlet_spread`` rows (as dicts) with each one's ``rank`` (`ranks`) and the keys of its
    `OutletRange` (`spread_ranges`; None where it has none): a ``spread --ranges`` row."""
    by_key = {(r.window, r.outlet): r.as_dict() for r in found}
    missing = dict.fromkeys(RANGE_KEYS)
    return [
        r
        | {"rank": rank[(r.get("window"), r["outlet"])]}
        | by_key.get((r.get("window"), r["outlet"]), missing)
        for r in rows
    ]


def first_per_window(rows: list[_Row], top: int) -> list[_Row]:
    """The first ``top`` rows of each window (rows come grouped by window, in order).

    What ``graphnews stories --top N --every week`` shows: N rows per window, not N in all.
    """
    counts: dict[str | None, int] = {}
    out = []
    for row in rows:
        counts[row.window] = counts.get(row.window, 0) + 1
        if counts[row.window] <= top:
            out.append(row)
    return out


def windows(since_ts: int, until_ts: int, every: str) -> list[tuple[str, int, int]]:
    """Calendar windows ``(label, first second, last second)`` covering a span (UTC).

    Weeks start on Monday; the label is the window's first day.

    >>> from graphnews.dates import parse_when
    >>> [w[0] for w in windows(parse_when("2022-06-27"), parse_when("2022-07-05"), "week")]
    ['2022-06-27', '2022-07-04']
    """
    if every not in EVERY:
        raise BadInputError(f"--every must be one of {', '.join(EVERY)}, not {every!r}")
    day = dt.datetime.fromtimestamp(since_ts, dt.UTC).replace(hour=0, minute=0, second=0)
    if every == "week":
        day -= dt.timedelta(days=day.weekday())
    elif every == "month":
        day = day.replace(day=1)
    out = []
    while int(day.timestamp()) <= until_ts:
        if every == "day":
            nxt = day + dt.timedelta(days=1)
        elif every == "week":
            nxt = day + dt.timedelta(days=7)
        else:
            nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        out.append((day.strftime("%Y-%m-%d"), int(day.timestamp()), int(nxt.timestamp()) - 1))
        day = nxt
    return out


# -- private helpers ------------------------------------------------------------------------
#: What a `StoryArticle` is read from (after its id), and the join that gives its outlet.
_ARTICLE_COLUMNS = (
    "a.canonical_url, a.title, a.published_ts, coalesce(o.domain, a.provider_domain, '')"
)
_OUTLET_JOIN = "LEFT JOIN outlets o ON o.id = a.outlet_id"


def _windowed(db: Database, f: Filters, every: str | None
              ) -> Iterator[tuple[str | None, Filters]]:
    """``f`` itself, or one copy of it per calendar window (its time bounds narrowed)."""
    if every is None:
        yield None, f
        return
    low, high = db.conn.execute(
        "SELECT min(a.published_ts), max(a.published_ts) FROM story_articles s "
        "JOIN articles a ON a.id = s.article_id").fetchone()
    if low is None:
        windows(0, 0, every)  # validates ``every``
        return
    start = f.since_ts if f.since_ts is not None else low
    end = f.until_ts if f.until_ts is not None else high
    for label, first, last in windows(start, end, every):
        yield label, dataclasses.replace(f, since_ts=max(first, start), until_ts=min(last, end))


def _spreads(db: Database, f: Filters, story_id: str | None = None) -> list[StorySpread]:
    """The spread of every story (or one), counting only the articles ``f`` keeps."""
    cond, params = f.article_sql("a")
    if story_id is not None:
        cond += " AND s.story_id = ?"
        params.append(story_id)
    members: dict[str, list[StoryArticle]] = defaultdict(list)
    for sid, aid, url, title, ts, outlet in db.conn.execute(
        f"SELECT s.story_id, a.id, {_ARTICLE_COLUMNS} FROM story_articles s "
        f"JOIN articles a ON a.id = s.article_id {_OUTLET_JOIN} WHERE {cond}", params
    ):
        members[sid].append(StoryArticle(aid, url, title, ts, outlet))
    topics: dict[str, Counter[str]] = defaultdict(Counter)
    for sid, name, n in db.conn.execute(
        "SELECT s.story_id, t.name, count(DISTINCT at.article_id) FROM story_articles s "
        "JOIN articles a ON a.id = s.article_id JOIN article_topics at ON at.article_id = a.id "
        f"JOIN topics t ON t.id = at.topic_id WHERE {cond} GROUP BY 1, 2", params
    ):
        topics[sid][name] = n
    confidence = dict(db.conn.execute("SELECT id, confidence FROM stories"))
    return [
        _measure(sid, float(confidence.get(sid, 0.0)), arts,
                 [t for t, _ in sorted(topics[sid].items(), key=lambda kv: (-kv[1], kv[0]))])
        for sid, arts in members.items()
    ]


def _kept_articles(db: Database, f: Filters) -> list[StoryArticle]:
    """Every article ``f`` keeps, story or not."""
    cond, params = f.article_sql("a")
    return [StoryArticle(*row) for row in db.conn.execute(
        f"SELECT a.id, {_ARTICLE_COLUMNS} FROM articles a {_OUTLET_JOIN} WHERE {cond}", params)]


def _ranges(tables: list[list[OutletSpread]], window: str | None, min_stories: int
            ) -> list[OutletRange]:
    """Each outlet's lowest and highest figures over the tables (one per clustering, every
    outlet of it), for the outlets with ``min_stories`` in at least one. An outlet without a
    row in a table covered none of its stories of two or more outlets there: ``stories`` and
    ``first`` 0 (its leader score is undefined: no bound); its rank counts only where it has
    ``min_stories``, among the outlets that have."""
    rows = [{r.outlet: r for r in table} for table in tables]
    ranks = [
        {r.outlet: place for place, r in
         enumerate((r for r in table if r.stories >= min_stories), start=1)}
        for table in tables
    ]
    figures: dict[str, list[tuple[int, int, float | None, int | None]]] = {
        outlet: [
            (0, 0, None, None) if (row := found.get(outlet)) is None
            else (row.stories, row.first, row.leader_score, rank.get(outlet))
            for found, rank in zip(rows, ranks, strict=True)
        ]
        for outlet in dict.fromkeys(o for rank in ranks for o in rank)  # first seen, first
    }
    out = []
    for outlet, seen in figures.items():
        stories, first, scores, ranks = zip(*seen, strict=True)
        scored = [s for s in scores if s is not None]
        places = [r for r in ranks if r is not None]
        out.append(OutletRange(
            outlet=outlet,
            clusterings=len(places),
            stories=(min(stories), max(stories)),
            first=(min(first), max(first)),
            leader_score=(min(scored), max(scored)),
            rank=(min(places), max(places)),
            window=window,
        ))
    return out


def _measure(story_id: str, confidence: float, articles: list[StoryArticle], topics: list[str]
             ) -> StorySpread:
    articles = sorted(articles, key=lambda a: (a.ts is None, a.ts or 0, a.url))
    outlet_first: dict[str, int] = {}
    for a in articles:
        if a.ts is not None and a.outlet not in outlet_first:
            outlet_first[a.outlet] = a.ts
    outlets = {a.outlet for a in articles}
    times = sorted(outlet_first.values())
    first = times[0] if times else None
    last = max((a.ts for a in articles if a.ts is not None), default=None)
    leaders = sorted(o for o, t in outlet_first.items() if t == first)
    lags = [(t - first) / 3600 for o, t in outlet_first.items()
            if first is not None and t != first]
    curve: list[dict[str, Any]] = []
    previous = None
    for count, t in enumerate(times, start=1):
        if t == previous:
            curve[-1]["outlets"] = count
        else:
            curve.append({"time": iso(t), "outlets": count})
            previous = t
    return StorySpread(
        id=story_id,
        confidence=confidence,
        articles=articles,
        outlets=len(outlets),
        first_reporter=leaders,
        first_seen=iso(first),
        last_seen=iso(last),
        duration_hours=None if first is None or last is None else _hours(last - first),
        hours_to={k: _hours(times[k - 1] - times[0]) if len(times) >= k else None
                  for k in MILESTONES},
        median_lag_hours=_hours(statistics.median(lags) * 3600) if lags else None,
        curve=curve,
        topics=topics,
        outlet_first=outlet_first,
    )


def _outlet_rows(firsts: Iterable[dict[str, int]], window: str | None) -> list[OutletSpread]:
    """The outlet table of stories given as each outlet's first time in each
    (`StorySpread.outlet_first`)."""
    stories: Counter[str] = Counter()
    first: Counter[str] = Counter()
    tied: Counter[str] = Counter()
    led: Counter[str] = Counter()
    trailed: Counter[str] = Counter()
    lags: dict[str, list[float]] = defaultdict(list)
    follows: dict[str, Counter[str]] = defaultdict(Counter)
    for outlet_first in firsts:
        if len(outlet_first) < 2:
            continue
        times = sorted(outlet_first.values())
        start = times[0]
        leaders = sorted(o for o, t in outlet_first.items() if t == start)
        for outlet, t in outlet_first.items():
            stories[outlet] += 1
            before = _count_below(times, t)
            after = len(times) - _count_below(times, t + 1)
            led[outlet] += after
            trailed[outlet] += before
            if t == start:
                first[outlet] += 1
                tied[outlet] += len(leaders) > 1
            else:
                lags[outlet].append((t - start) / 3600)
                follows[outlet].update(leaders)
    rows = [
        OutletSpread(
            outlet=o,
            stories=n,
            first=first[o],
            first_tied=tied[o],
            followed=n - first[o],
            median_lag_hours=_hours(statistics.median(lags[o]) * 3600) if lags[o] else None,
            leader_score=round((led[o] - trailed[o]) / (led[o] + trailed[o]), 4)
            if led[o] + trailed[o] else 0.0,
            follows=[f for f, _ in sorted(follows[o].items(), key=lambda kv: (-kv[1], kv[0]))[:3]],
            window=window,
        )
        for o, n in stories.items()
    ]
    rows.sort(key=lambda r: (-r.leader_score, -r.stories, r.outlet))
    return rows


def _count_below(sorted_values: list[int], value: int) -> int:
    return bisect.bisect_left(sorted_values, value)


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)
