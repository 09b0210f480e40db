"""``--collection`` (and ``--language``) on every report: a report filtered to a collection equals
the same report of the corpus restricted to that collection.

The restricted corpus is a copy of the shared sample's database (seeds + related/, the sample
outlet metadata, stories detected once) from which every article of an outlet outside the
collection is deleted (its links, topics and story memberships go with it). Stories are not
detected again, so both sides hold the same stories.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphnews
from graphnews import query
from graphnews.attention import attention
from graphnews.centrality import central_outlets
from graphnews.cli import app
from graphnews.collections import import_outlets, parse_rule
from graphnews.compare import compare
from graphnews.export import export
from graphnews.filters import Filters
from graphnews.language import detect_languages
from graphnews.render import render_site
from graphnews.spread import outlet_spread, stories_spread, story_spread
from graphnews.store import Database
from tests.conftest import DATA, storied_copy

runner = CliRunner()
CENTER = parse_rule("lean=center")
#: The outlets with ``lean=center`` in tests/data/outlets-sample.csv that the seeds and
#: related/ documents hold (by hand: 12 in the file, less cnbc.com, ibtimes.com and qz.com,
#: which only the other folders have): these and no others survive the filter.
CENTER_OUTLETS = {"bbc.co.uk", "businessinsider.com", "cnet.com", "dallasnews.com",
                  "forbes.com", "npr.org", "reuters.com", "sciencedaily.com", "techcrunch.com"}


@pytest.fixture(scope="module")
def whole_and_part(real_db_path: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> tuple[Database, Database]:
    folder = tmp_path_factory.mktemp("collection-filter")
    path = storied_copy(real_db_path, folder)
    with graphnews.open(path) as db:
        import_outlets(db, DATA / "outlets-sample.csv")
        detect_languages(db)
    shutil.copy(path, folder / "part.db")
    part = graphnews.open(folder / "part.db")
    with part.transaction() as conn:
        conn.execute("DELETE FROM articles WHERE outlet_id NOT IN (SELECT id FROM outlets "
                     "WHERE domain IN (SELECT value FROM json_each(?)))",
                     (json.dumps(sorted(CENTER.members(part))),))
    return graphnews.open(path), part


FILTERED = Filters(collections=(CENTER,))


def test_the_collection_is_the_hand_checked_outlets(whole_and_part: tuple[Database, Database]
                                                     ) -> None:
    whole, part = whole_and_part
    assert CENTER.members(whole) == CENTER_OUTLETS
    kept = {d for (d,) in part.conn.execute(
        "SELECT DISTINCT o.domain FROM articles a JOIN outlets o ON o.id = a.outlet_id")}
    assert kept == CENTER_OUTLETS
    (n,) = whole.conn.execute(
        "SELECT count(*) FROM articles a JOIN outlets o ON o.id = a.outlet_id WHERE o.domain IN "
        "(SELECT value FROM json_each(?))", (json.dumps(sorted(CENTER_OUTLETS)),)).fetchone()
    assert part.stats()["articles"] == n < whole.stats()["articles"]


def test_reports_equal_those_of_the_restricted_corpus(whole_and_part: tuple[Database, Database],
                                                      tmp_path: Path) -> None:
    whole, part = whole_and_part
    stories = [s.as_dict() for s in stories_spread(whole, filters=FILTERED)]
    assert stories == [s.as_dict() for s in stories_spread(part)]
    assert stories and stories != [s.as_dict() for s in stories_spread(whole)]
    assert [r.as_dict() for r in outlet_spread(whole, filters=FILTERED)] == [
        r.as_dict() for r in outlet_spread(part)]
    shared = [s["id"] for s in stories if s["size"] > 1]
    for story in shared:
        assert story_spread(whole, story, filters=FILTERED).as_dict(detail=True) == (
            story_spread(part, story).as_dict(detail=True))
    assert central_outlets(whole, filters=FILTERED).as_dict() == central_outlets(part).as_dict()
    for graph in ("coverage", "outlets", "follows", "topics"):
        (a,) = export(whole, to="json", graph=graph, out=tmp_path / "a", filters=FILTERED)
        (b,) = export(part, to="json", graph=graph, out=tmp_path / "b")
        assert a.read_bytes() == b.read_bytes(), graph
    groups = [parse_rule("country=us"), parse_rule("country=uk")]
    assert compare(whole, groups, filters=FILTERED).as_dict() == compare(part, groups).as_dict()
    # attention: the same counts (the share's denominator is all coverage, by design)
    a = attention(whole, every="week", by="outlet", filters=FILTERED, top=None)
    b = attention(part, every="week", by="outlet", top=None)
    assert a.periods == b.periods
    assert {s["key"]: s["articles"] for s in a.series} == {s["key"]: s["articles"]
                                                           for s in b.series}
    # search: the same articles match (bm25 scores differ: they weigh words by the whole index)
    hits = query.search(whole, "robot OR ai", collections=[CENTER], limit=500)
    assert {h["article_id"] for h in hits} == {
        h["article_id"] for h in query.search(part, "robot OR ai", limit=500)}
    assert hits and {h["outlet"] for h in hits} <= CENTER_OUTLETS


def test_the_site_pages_equal_those_of_the_restricted_corpus(
        whole_and_part: tuple[Database, Database], tmp_path: Path) -> None:
    whole, part = whole_and_part
    stories = [s.id for s in stories_spread(part) if s.size > 1][:3]
    a = render_site(whole, tmp_path / "a", filters=FILTERED, stories=stories)
    b = render_site(part, tmp_path / "b", stories=stories)
    assert [p.name for p in a] == [p.name for p in b]
    for page_a, page_b in zip(a[1:], b[1:], strict=True):  # the index also counts the database
        assert page_a.read_bytes() == page_b.read_bytes(), page_a.name


def _json(*args: str) -> object:
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_report_command_takes_collection_and_language(
        whole_and_part: tuple[Database, Database], tmp_path: Path) -> None:
    whole, part = whole_and_part
    only = ["--collection", "lean=center", "--db", whole.path]
    both = [*only, "--language", "en"]  # every article of the sample is English
    assert _json("stories", "--all", *only) == _json("stories", "--all", *both) == [
        s.as_dict() for s in stories_spread(whole, filters=FILTERED)]
    assert _json("spread", "--all", *both) == [
        r.as_dict() for r in outlet_spread(part)]
    story = next(s.id for s in stories_spread(part) if s.size > 1)
    shown = _json("story", story, *both)
    assert shown == story_spread(part, story).as_dict(detail=True) | {"corrections": []}
    found = _json("search", "ai", *both)
    assert found and {h["outlet"] for h in found} <= CENTER_OUTLETS
    outlets = _json("outlets", "--all", *both)
    assert outlets and {r["outlet"] for r in outlets} <= CENTER_OUTLETS
    attention_report = _json("attention", "--by", "outlet", *both)
    assert {s["key"] for s in attention_report["series"]} <= CENTER_OUTLETS
    for command in (["export", "--graph", "outlets", "--to", "json", "-o", str(tmp_path / "e")],
                    ["render", "-o", str(tmp_path / "site")]):
        result = runner.invoke(app, [*command, *both])
        assert result.exit_code == 0, result.output
    nodes = json.loads((tmp_path / "e" / "outlets.json").read_text())["nodes"]
    assert {n["domain"] for n in nodes} <= CENTER_OUTLETS
    none = runner.invoke(app, ["stories", "--language", "fr", "--db", whole.path, "-f", "json"])
    assert none.exit_code == 0 and json.loads(none.stdout) == []
    unknown = runner.invoke(app, ["spread", "--collection", "no-such", "--db", whole.path])
    assert unknown.exit_code == 1 and "no collection 'no-such'" in unknown.output


def test_language_needs_detected_languages(real_db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(real_db_path, path)
    result = runner.invoke(app, ["search", "robot", "--language", "en", "--db", str(path)])
    assert result.exit_code == 2 and "graphnews languages" in result.output


def test_run_takes_collection_and_language(real_db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    shutil.copy(real_db_path, path)
    with graphnews.open(path) as db:
        import_outlets(db, DATA / "outlets-sample.csv")
    out = tmp_path / "out"
    args = ["run", str(DATA / "corpus" / "related" / "*.md"), "--db", str(path), "-o", str(out),
            "-s", "--collection", "lean=center", "--language", "en", "-f", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    central = json.loads((out / "central-outlets.json").read_text())
    assert central["outlets"] and {r["outlet"] for r in central["outlets"]} <= CENTER_OUTLETS
    spread = json.loads((out / "spread.json").read_text())
    assert {r["outlet"] for r in spread} <= CENTER_OUTLETS
    with graphnews.open(path) as db:
        assert spread == [r.as_dict() for r in outlet_spread(db, filters=FILTERED)]
    assert json.loads(runner.invoke(app, args).stdout)["reused"] is True
    unfiltered = runner.invoke(app, [*args[:-6], "-f", "json"])
    assert json.loads(unfiltered.stdout)["reused"] is False  # other filters, other files
