"""Spread metrics on two stories whose answers are worked out by hand, and time windows.

The tests of a database run on both engines (tests/conftest.py's `engine`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

import graphnews
from graphnews.dates import iso_utc, parse_when
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.render import story_network
from graphnews.spread import outlet_spread, stories_spread, story_spread, windows
from tests.conftest import write_doc

# story s-one: a.com and b.com tie at 10:00, c.com follows at 12:00, a.com again at 13:00,
# d.com at 20:00. story s-two (next day): c.com at 08:00, a.com at 09:00.
ARTICLES = {
    "s-one": [("a1", "a.com", "2022-06-01T10:00:00Z"), ("b1", "b.com", "2022-06-01T10:00:00Z"),
              ("c1", "c.com", "2022-06-01T12:00:00Z"), ("a2", "a.com", "2022-06-01T13:00:00Z"),
              ("d1", "d.com", "2022-06-01T20:00:00Z")],
    "s-two": [("c2", "c.com", "2022-06-02T08:00:00Z"), ("a3", "a.com", "2022-06-02T09:00:00Z")],
}


@pytest.fixture
def db(tmp_path: Path, new_target: Callable[[], str]) -> graphnews.Database:
    database = graphnews.open(new_target())
    docs = tmp_path / "docs"
    for rows in ARTICLES.values():
        for name, outlet, when in rows:
            write_doc(docs, name, f"Title {name}", "Excerpt", when, outlet)
    database.ingest([docs])
    with database.transaction() as conn:
        for story, rows in ARTICLES.items():
            conn.execute("INSERT INTO stories (id, size, confidence, signature, computed_at) "
                         "VALUES (?, ?, 0.75, '', '')", (story, len(rows)))
            for name, outlet, _ in rows:
                conn.execute("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)",
                             (story, database.resolve_url(f"https://{outlet}/news/{name}")))
    return database


def test_iso_times_are_those_of_the_standard_library() -> None:
    """Spread times are written as the epoch plus a timedelta (faster): the same text as
    ``datetime.fromtimestamp(ts, UTC)`` for any moment of years 1-9999, numpy numbers and
    fractions of a second included."""
    import datetime as dt
    import random

    import numpy as np

    rng = random.Random(7)
    moments: list[float] = [rng.randint(-62135596800, 253402300799) for _ in range(20_000)]
    moments += [np.int64(1656357120), np.float64(1.5), 1656357120.123456, -0.5, 0]
    for ts in moments:
        expected = dt.datetime.fromtimestamp(ts, dt.UTC).replace(tzinfo=None).isoformat() + "Z"
        assert iso_utc(ts) == expected, ts


def test_story_measures(db: graphnews.Database) -> None:
    s = story_spread(db, "s-one")
    assert (s.size, s.outlets) == (5, 4)
    assert s.first_reporter == ["a.com", "b.com"]  # a tie is reported as a tie
    assert (s.first_seen, s.last_seen) == ("2022-06-01T10:00:00Z", "2022-06-01T20:00:00Z")
    assert s.duration_hours == 10.0
    assert s.hours_to == {2: 0.0, 5: None, 10: None}
    assert s.median_lag_hours == 6.0  # c.com after 2 h, d.com after 10 h
    assert s.curve == [{"time": "2022-06-01T10:00:00Z", "outlets": 2},
                       {"time": "2022-06-01T12:00:00Z", "outlets": 3},
                       {"time": "2022-06-01T20:00:00Z", "outlets": 4}]
    assert s.topics == ["AI"]
    assert s.headline == "Title a1"
    assert s.confidence == 0.75


def test_story_by_url_and_its_json(db: graphnews.Database) -> None:
    s = story_spread(db, "https://c.com/news/c2")
    body = s.as_dict(detail=True)
    assert body["id"] == "s-two" and body["first_reporter"] == ["c.com"]
    assert body["articles"] == ["https://c.com/news/c2", "https://a.com/news/a3"]
    assert [t["outlet"] for t in body["timeline"]] == ["c.com", "a.com"]
    assert body["hours_to_2_outlets"] == 1.0 and body["median_lag_hours"] == 1.0
    with pytest.raises(NotFoundError):
        story_spread(db, "s-three")


def test_outlet_leaders_and_followers(db: graphnews.Database) -> None:
    rows = {r.outlet: r for r in outlet_spread(db)}
    assert [r.outlet for r in outlet_spread(db)] == ["b.com", "a.com", "c.com", "d.com"]
    a, b, c, d = rows["a.com"], rows["b.com"], rows["c.com"], rows["d.com"]
    # a.com: ahead of c and d on s-one, behind c on s-two -> (2 - 1) / 3.
    assert (a.stories, a.first, a.first_tied, a.followed) == (2, 1, 1, 1)
    assert a.leader_score == pytest.approx(1 / 3, abs=1e-4)
    assert a.median_lag_hours == 1.0 and a.follows == ["c.com"]
    assert (b.leader_score, b.first_tied, b.median_lag_hours) == (1.0, 1, None)
    assert c.leader_score == 0.0 and c.first == 1 and c.follows == ["a.com", "b.com"]
    assert d.leader_score == -1.0 and d.median_lag_hours == 10.0


def test_since_until_keep_only_their_articles(db: graphnews.Database) -> None:
    later = stories_spread(db, filters=Filters.build(since="2022-06-02"))
    assert [s.id for s in later] == ["s-two"]
    only_first_day = stories_spread(db, filters=Filters.build(until="2022-06-01"))
    assert [s.id for s in only_first_day] == ["s-one"]
    late = stories_spread(
        db, filters=Filters.build(since="2022-06-01T12:00:00Z", until="2022-06-01"))
    assert late[0].first_reporter == ["c.com"] and late[0].size == 3
    with pytest.raises(BadInputError, match="--since is after --until"):
        Filters.build(since="2022-06-03", until="2022-06-01")


def test_every_day_gives_the_same_table_per_window(db: graphnews.Database) -> None:
    per_day = stories_spread(db, every="day")
    assert [(s.window, s.id) for s in per_day] == [("2022-06-01", "s-one"),
                                                     ("2022-06-02", "s-two")]
    outlets = outlet_spread(db, every="day")
    first_day = {r.outlet: r.leader_score for r in outlets if r.window == "2022-06-01"}
    assert first_day == {"a.com": 1.0, "b.com": 1.0, "c.com": pytest.approx(-1 / 3, abs=1e-4),
                         "d.com": -1.0}
    assert outlets[0].as_dict()["window"] == "2022-06-01"
    assert "window" not in outlet_spread(db)[0].as_dict()
    with pytest.raises(BadInputError, match="--every"):
        outlet_spread(db, every="year")


def test_min_outlets_and_min_stories(db: graphnews.Database) -> None:
    assert [s.id for s in stories_spread(db, min_outlets=3)] == ["s-one"]
    assert {r.outlet for r in outlet_spread(db, min_stories=2)} == {"a.com", "c.com"}


@pytest.mark.parametrize(
    ("since", "until", "every", "labels"),
    [
        ("2022-06-30", "2022-07-01", "day", ["2022-06-30", "2022-07-01"]),
        ("2022-06-29", "2022-07-11", "week", ["2022-06-27", "2022-07-04", "2022-07-11"]),
        ("2022-01-15", "2022-03-01", "month", ["2022-01-01", "2022-02-01", "2022-03-01"]),
    ],
)
def test_calendar_windows(since: str, until: str, every: str, labels: list[str]) -> None:
    found = windows(parse_when(since), parse_when(until, end=True), every)
    assert [w[0] for w in found] == labels
    assert all(b - a >= 86399 for _, a, b in found)
    assert all(found[i][2] + 1 == found[i + 1][1] for i in range(len(found) - 1))


# -- filters reach the spread figures ------------------------------------------------------------
# a.com and c.com write about AI, b.com and d.com about robots.
TOPIC = {"a.com": "AI", "b.com": "Robots", "c.com": "AI", "d.com": "Robots"}


def _corpus(folder: Path, target: str, keep: set[str]) -> graphnews.Database:
    """A database at ``target`` of the ARTICLES of the outlets in ``keep``, with the stories."""
    database = graphnews.open(target)
    for rows in ARTICLES.values():
        for name, outlet, when in rows:
            if outlet in keep:
                write_doc(folder / "docs", name, f"Title {name}", "Excerpt", when, outlet,
                          topic=TOPIC[outlet])
    database.ingest([folder / "docs"])
    with database.transaction() as conn:
        for story, rows in ARTICLES.items():
            conn.execute("INSERT INTO stories (id, size, confidence, signature, computed_at) "
                         "VALUES (?, ?, 0.75, '', '')", (story, len(rows)))
            for name, outlet, _ in rows:
                if outlet in keep:
                    conn.execute("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)",
                                 (story, database.resolve_url(f"https://{outlet}/news/{name}")))
    return database


@pytest.mark.parametrize(("filters", "kept"), [
    (Filters.build(topics=["AI"]), {"a.com", "c.com"}),
    (Filters.build(outlets=["b.com", "www.d.com"]), {"b.com", "d.com"}),
    (Filters.build(topics=["AI"], since="2022-06-01T12:00:00Z"), {"a.com", "c.com"}),
])
def test_filtered_spread_equals_the_spread_of_the_filtered_corpus(
        tmp_path: Path, new_target: Callable[[], str], filters: Filters, kept: set[str]) -> None:
    """The wrong result of issue 13: a filtered site showed unfiltered spread figures."""
    whole = _corpus(tmp_path / "whole", new_target(), set(TOPIC))
    part = _corpus(tmp_path / "part", new_target(), kept)
    # the part corpus holds only the kept outlets' articles: filter it by time alone
    only_time = dataclasses.replace(filters, topics=frozenset(), outlets=frozenset())
    for story, rows in ARTICLES.items():
        if not any(outlet in kept for _, outlet, _ in rows):
            continue
        filtered = story_spread(whole, story, filters=filters).as_dict(detail=True)
        assert filtered == story_spread(part, story, filters=only_time).as_dict(detail=True)
        assert {a["outlet"] for a in filtered["timeline"]} <= kept
        page = story_network(whole, story, filters=filters)
        expected = story_network(part, story, filters=only_time)
        assert page.context["spread"] == expected.context["spread"]
        assert page.context["curve"] == expected.context["curve"]
    rows = [s.as_dict() for s in stories_spread(whole, filters=filters)]
    assert rows == [s.as_dict() for s in stories_spread(part, filters=only_time)]
    assert rows != [s.as_dict() for s in stories_spread(whole)]  # the filter did something
    leaders = [r.as_dict() for r in outlet_spread(whole, filters=filters, every="day")]
    assert leaders == [r.as_dict() for r in outlet_spread(part, filters=only_time, every="day")]
