"""``graphnews attention`` and ``graphnews languages``: counts per period worked by hand, shares
of all coverage, series by topic / collection / attribute / language, the CLI outputs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.attention import attention
from graphnews.cli import app
from graphnews.collections import import_outlets, parse_rule
from graphnews.errors import BadInputError
from graphnews.filters import Filters
from graphnews.language import detect_languages, language_collections
from graphnews.store import Database
from tests.helpers_corpus import article, write_corpus

runner = CliRunner()

# (outlet, day, topic, title): Monday 2022-06-13 .. Monday 2022-06-20, and one in July.
ROWS = [
    ("us1.com", "2022-06-13", "AI", "Regulators approve driverless taxi rides in the city"),
    ("us1.com", "2022-06-13", "Cars", "Chip shortage slows car production across Europe"),
    ("uk1.co.uk", "2022-06-14", "AI", "Google engineer placed on leave over chatbot claims"),
    ("de1.de", "2022-06-19", "AI", "Behörden erlauben fahrerlose Taxis nach monatelangen Tests"),
    ("us1.com", "2022-06-20", "Cars", "Students build and program self-driving vehicles"),
    ("de1.de", "2022-07-02", "Cars", "Chipmangel bremst die Autoproduktion in Europa und Asien"),
]


@pytest.fixture
def timeline(tmp_path: Path) -> Database:
    docs = []
    for i, (outlet, day, topic, title) in enumerate(ROWS):
        doc = article(outlet, str(i), f"{day}T10:00:00Z", title=title)
        doc["topics"] = [topic]
        docs.append(doc)
    undated = article("uk1.co.uk", "undated", "", title="No date here")
    del undated["publishedDateTime"]
    docs.append(undated)
    db = graphnews.open(tmp_path / "t.db")
    db.ingest([write_corpus(tmp_path / "docs", docs)])
    meta = tmp_path / "m.csv"
    meta.write_text("domain,country\nus1.com,us\nuk1.co.uk,uk\nde1.de,de\n")
    import_outlets(db, meta)
    return db


def test_counts_per_day_week_and_month(timeline: Database) -> None:
    day = attention(timeline, every="day")
    assert day.periods[0] == "2022-06-13" and day.periods[-1] == "2022-07-02"
    assert len(day.periods) == 20  # no gaps: June 13..30 and July 1..2
    assert day.series[0]["articles"][:3] == [2, 1, 0] and day.undated == 1
    week = attention(timeline, every="week")
    # weeks by their Monday: 06-13 (13, 14, 19 Sunday), 06-20, 06-27 (July 2 is its Saturday)
    assert week.periods == ["2022-06-13", "2022-06-20", "2022-06-27"]
    assert week.series[0]["articles"] == [4, 1, 1]
    month = attention(timeline, every="month")
    assert (month.periods, month.series[0]["articles"]) == (["2022-06", "2022-07"], [5, 1])
    assert month.series[0]["share"] == [1.0, 1.0]


def test_series_and_shares_of_all_coverage(timeline: Database) -> None:
    topics = attention(timeline, every="week", by="topic")
    assert {s["key"]: s["articles"] for s in topics.series} == {"AI": [3, 0, 0],
                                                                "Cars": [1, 1, 1]}
    uk = Filters.build(collections=[parse_rule("country=uk")])
    only_uk = attention(timeline, every="week", filters=uk)
    # the share's denominator is all coverage of the period, not the filtered set
    assert only_uk.series[0]["articles"] == [1]
    assert only_uk.series[0]["share"] == [0.25] and only_uk.totals == [4]
    by_country = attention(timeline, every="month", by="country")
    assert {s["key"]: s["articles"] for s in by_country.series} == {
        "us": [3, 0], "de": [1, 1], "uk": [1, 0]}
    groups = [parse_rule("country=de"), parse_rule("country=us,uk")]
    by_collection = attention(timeline, every="month", by="collection", collections=groups)
    assert [(s["key"], s["articles"], s["share"]) for s in by_collection.series] == [
        ("country=de", [1, 1], [0.2, 1.0]), ("country=us,uk", [4, 0], [0.8, 0.0])]
    with pytest.raises(BadInputError, match="cannot group by 'owner'"):
        attention(timeline, by="owner")
    with pytest.raises(BadInputError, match="unknown period"):
        attention(timeline, every="year")


def test_languages_are_detected_once_and_filter_and_group(timeline: Database) -> None:
    first = detect_languages(timeline)
    # "No date here" is too short to tell: undetermined, not a wrong guess
    assert first.detected == 7 and first.languages == {"en": 4, "de": 2, "und": 1}
    again = detect_languages(timeline)
    assert (again.detected, again.unchanged) == (0, 7)
    german = Filters.build(languages=["DE"])
    assert attention(timeline, every="month", filters=german).series[0]["articles"] == [1, 1]
    by_language = attention(timeline, every="month", by="language")
    assert {s["key"]: s["total"] for s in by_language.series} == {"en": 4, "de": 2}
    assert [(c.name, sorted(c.domains)) for c in language_collections(timeline)] == [
        ("language=en", ["uk1.co.uk", "us1.com"]), ("language=de", ["de1.de"])]
    # a changed title is detected again
    timeline.conn.execute("UPDATE articles SET title = 'Le gouvernement annonce une "
                          "nouvelle loi sur les voitures' WHERE canonical_url LIKE '%/4'")
    timeline.conn.commit()
    third = detect_languages(timeline)
    assert third.detected == 1 and third.languages["fr"] == 1


def test_cli_attention_outputs(timeline: Database) -> None:
    db = timeline.path
    rows = list(csv.DictReader(io.StringIO(_run("attention", "--every", "week", "--by",
                                                "topic", "-f", "csv", "--db", db))))
    assert rows[0] == {"period": "2022-06-13", "key": "AI", "articles": "3", "share": "0.75"}
    assert len(rows) == 6
    data = json.loads(_run("attention", "--every", "month", "--by", "collection",
                           "--collection", "country=us", "--collection", "country=de",
                           "-f", "json", "--db", db))
    assert [s["key"] for s in data["series"]] == ["country=us", "country=de"]
    assert data["periods"] == ["2022-06", "2022-07"] and data["totals"] == [5, 1]
    chart = _run("attention", "--every", "week", "--chart", "--db", db)
    assert "2022-06-13 " + "█" * 50 + " 4" in chart
    assert "2022-06-20 " + "█" * 12 in chart  # 1 of 4: a quarter of the width
    share = _run("attention", "--every", "month", "--normalise", "--collection", "country=uk",
                 "--db", db)
    assert "20.0%" in share
    bad = runner.invoke(app, ["attention", "--by", "collection", "--db", db])
    assert bad.exit_code == 2 and "needs the collections" in bad.output


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout
