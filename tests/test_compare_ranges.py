"""``graphnews compare --ranges``: how far the comparison's figures move under other clusterings.

Checked against an independent path: for each resolution and seed, the stories stored by
`detect_stories` in a copy of the database, `compare` over them, and each stored story followed
into them in plain Python (the story holding most of its compared articles).
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.collections import parse_rule
from graphnews.compare import BlindspotRule, CompareReport, compare
from graphnews.filters import Filters
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.stories import detect_stories
from tests.helpers_corpus import assign_leans

runner = CliRunner()
LEANS = ("left", "center", "right")
GROUPS = [parse_rule(f"lean={v}") for v in LEANS]
NAMES = [g.name for g in GROUPS]
RULE = BlindspotRule(min_outlets=2, max_share=0.2)  # loose enough for many blindspots
RESOLUTIONS, SEEDS = (0.4, 0.6), (0, 1)
KEYS = [(r, s) for r in (0.4, 0.5, 0.6) for s in SEEDS]  # with the stored stories' (0.5, 0)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 generated documents, 20% noise links, stories stored, a lean for 6 outlets in 7."""
    folder = tmp_path_factory.mktemp("compare-ranges")
    generate_corpus(folder, documents=300, noise=0.2, seed=5)
    path = folder / "news.db"
    db = graphnews.open(str(path))
    db.ingest([folder / DOCUMENTS_DIR], workers=0)
    detect_stories(db)
    assign_leans(db, folder, LEANS)
    db.close()
    return path


def _members(db: graphnews.Database, report: CompareReport, filters: Filters
             ) -> dict[str, set[int]]:
    """Each story of the report as its compared articles (of a compared outlet, kept by the
    filters)."""
    members = {d for g in GROUPS for d in g.members(db)}
    cond, params = filters.article_sql("a")
    out: dict[str, set[int]] = {s["story"]: set() for s in report.stories}
    for story, article, domain in db.conn.execute(
            "SELECT s.story_id, a.id, o.domain FROM story_articles s JOIN articles a "
            f"ON a.id = s.article_id JOIN outlets o ON o.id = a.outlet_id WHERE {cond}", params):
        if domain in members:
            out[story].add(article)
    return out


def _holders(articles: set[int], members: dict[str, set[int]]) -> list[str]:
    """The stories holding most of ``articles`` (several when tied)."""
    counts = {s: len(articles & m) for s, m in members.items() if articles & m}
    most = max(counts.values())
    return [s for s, c in counts.items() if c == most]


def _followed(corpus: Path, tmp_path: Path, filters: Filters
              ) -> tuple[CompareReport, CompareReport, dict[tuple[str, ...], list[Any]]]:
    """The report without and with ranges over `KEYS` (the stored (0.5, 0) among them) and,
    counted in plain Python over copies that store each clustering's stories, each figure's
    value under each (None where two stories tie for holding a stored one)."""
    db = graphnews.open(str(corpus))
    plain = compare(db, GROUPS, filters=filters, rule=RULE, words=0, top=10_000)
    got = compare(db, GROUPS, filters=filters, rule=RULE, words=0, top=10_000, ranges=True,
                  resolutions=RESOLUTIONS, seeds=SEEDS)
    stored = _members(db, got, filters)
    db.close()
    figures: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for resolution, seed in KEYS:
        path = tmp_path / f"{resolution}-{seed}.db"
        shutil.copy(corpus, path)
        copy = graphnews.open(str(path))
        detect_stories(copy, resolution=resolution, seed=seed, incremental=False)
        report = compare(copy, GROUPS, filters=filters, rule=RULE, words=0, top=10_000)
        members = _members(copy, report, filters)
        copy.close()
        rows = {r["story"]: r for r in report.stories}
        blind = {(b["story"], b["blind"]) for b in report.blindspots}

        def holder(story: str, members: dict[str, set[int]] = members) -> str | None:
            found = _holders(stored[story], members)
            return found[0] if len(found) == 1 else None

        for s in got.stories:
            h = holder(s["story"])
            figures[("first", s["story"])].append(
                None if h is None else rows[h]["first_collection"] == s["first_collection"])
            figures[("kept", s["story"])].append(
                None if h is None else members[h] == stored[s["story"]])
            figures[("outlets", s["story"])].append(None if h is None else rows[h]["outlets"])
        for b in got.blindspots:
            h = holder(b["story"])
            figures[("held", b["story"], b["blind"])].append(
                None if h is None else (h, b["blind"]) in blind)
        for n, both in got.most_and_least.items():
            for e in both["most"] + both["least"]:
                h = holder(e["story"])
                figures[("relative", e["story"], n)].append(
                    None if h is None else _relative(rows[h], n, report))
        for c in report.collections:
            figures[("blindspots", c["collection"])].append(c["blindspots"])
        for key in ("assortativity", "edge_assortativity"):
            figures[("mixing", key)].append(report.mixing["coverage"][key])
    return plain, got, figures


def _relative(row: dict[str, Any], n: str, report: CompareReport) -> float:
    """The smoothed relative share, as docs/collections.md defines it."""
    share = next(c["outlet_share"] for c in report.collections if c["collection"] == n)
    mine = (row["collections"][n]["outlets"] + 0.5) / (row["outlets"] + 0.5 * len(NAMES))
    return round(mine / share, 3)


@pytest.mark.parametrize("filters", [Filters(), Filters.build(since="2022-01-05",
                                                              until="2022-01-20")])
def test_each_figure_equals_a_plain_count_over_the_stories_each_clustering_stores(
    corpus: Path, tmp_path: Path, filters: Filters
) -> None:
    plain, got, figures = _followed(corpus, tmp_path, filters)
    assert sorted(map(tuple, got.clusterings)) == KEYS
    # ranges add keys, they change none
    assert [{k: s[k] for k in plain.stories[0]} for s in got.stories] == plain.stories
    assert [{k: b[k] for k in plain.blindspots[0]} for b in got.blindspots] == plain.blindspots
    untied = 0
    for s in got.stories:
        for name, value in (("first", s["first_collection_held"]), ("kept", s["kept"])):
            seen = figures[(name, s["story"])]
            if None not in seen:
                untied += 1
                assert value == sum(seen), (name, s["story"])
        outlets = figures[("outlets", s["story"])]
        if None not in outlets:
            assert (s["outlets_min"], s["outlets_max"]) == (min(outlets), max(outlets))
        assert s["outlets_min"] <= s["outlets"] <= s["outlets_max"]
    assert untied > 0.9 * 2 * len(got.stories)  # ties are rare: the check checks
    assert any(s["kept"] < len(KEYS) for s in got.stories)  # the clusterings differ
    assert any(s["outlets_min"] < s["outlets_max"] for s in got.stories)
    assert len(got.blindspots) > 10
    for b in got.blindspots:
        seen = figures[("held", b["story"], b["blind"])]
        if None not in seen:
            assert b["held"] == sum(seen)
    for n, both in got.most_and_least.items():
        for e in both["most"] + both["least"]:
            seen = figures[("relative", e["story"], n)]
            if None not in seen:
                assert (e["relative_min"], e["relative_max"]) == (min(seen), max(seen))
            assert e["relative_min"] <= e["relative"] <= e["relative_max"]
    for c in got.collections:
        seen = figures[("blindspots", c["collection"])]
        assert (c["blindspots_min"], c["blindspots_max"]) == (min(seen), max(seen))
        assert c["blindspots_min"] <= c["blindspots"] <= c["blindspots_max"]
    for key in ("assortativity", "edge_assortativity"):
        seen = figures[("mixing", key)]
        coverage = got.mixing["coverage"]
        assert (coverage[f"{key}_min"], coverage[f"{key}_max"]) == (min(seen), max(seen))


def test_without_ranges_the_report_is_as_before_and_says_no_clusterings(corpus: Path) -> None:
    db = graphnews.open(str(corpus))
    plain = compare(db, GROUPS, rule=RULE, words=0)
    assert plain.clusterings == []
    assert not any(k.endswith(("_min", "_max")) for s in plain.stories for k in s)
    assert all("held" not in b for b in plain.blindspots)
    for c in plain.collections:
        assert c["blindspots"] == sum(b["blind"] == c["collection"] for b in plain.blindspots)


def test_cli_compare_ranges(corpus: Path) -> None:
    args = ["compare", "--by", "lean", "--min-outlets", "2", "--max-share", "0.2", "--words",
            "0", "--db", str(corpus)]
    plain = runner.invoke(app, [*args, "-f", "json"])
    ranged = runner.invoke(app, [*args, "-f", "json", "--ranges"])
    assert plain.exit_code == 0 and ranged.exit_code == 0, ranged.output
    before, after = json.loads(plain.stdout), json.loads(ranged.stdout)
    assert before["clusterings"] == [] and len(after["clusterings"]) == 9
    for old, new in zip(before["stories"], after["stories"], strict=True):
        assert new == old | {k: new[k] for k in ("first_collection_held", "kept",
                                                 "outlets_min", "outlets_max")}
    assert all(0 <= b["held"] <= 9 for b in after["blindspots"]) and after["blindspots"]
    assert "ranges over 9 clusterings" in " ".join(ranged.stderr.split())
    table = runner.invoke(app, [*args, "--ranges", "--show", "blindspots"])
    assert table.exit_code == 0 and " of 9" in table.stdout
    csv = runner.invoke(app, [*args, "--ranges", "-f", "csv"])
    header = csv.stdout.splitlines()[0].split(",")
    assert header[:8] == ["story", "outlets", "articles", "first", "first_held", "kept",
                          "outlets_min", "outlets_max"]
    assert csv.stdout.splitlines()[1].split(",")[4].isdigit()
