"""``graphnews compare``: hand-worked mixing matrices and log-odds, networkx agreement, a planted
blindspot, and the CLI contract on the real corpus with the sample metadata file."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.collections import import_outlets, parse_rule
from graphnews.compare import (
    BlindspotRule,
    assortativity,
    compare,
    fightin_words,
    mixing_matrix,
    tokenize,
    word_counts,
)
from graphnews.filters import Filters
from graphnews.graph import follows_graph, linked_pairs, outlet_graph
from graphnews.store import Database
from graphnews.stories import detect_stories
from tests.conftest import DATA
from tests.helpers_corpus import article, assign_leans, plant_stories, write_corpus

runner = CliRunner()
A, B = parse_rule("group=a"), parse_rule("group=b")


@pytest.fixture
def linked(tmp_path: Path) -> Database:
    """a1, a2 (group a) and b1 (group b); linked pairs a1-a2, a1-b1, b1-a2."""
    docs = [
        article("a1.com", "1", "2022-06-01T10:00:00Z", related=[
            article("a2.com", "1", "2022-06-01T12:00:00Z"),
            article("b1.com", "1", "2022-06-01T13:00:00Z")]),
        article("b1.com", "2", "2022-06-02T10:00:00Z", related=[
            article("a2.com", "2", "2022-06-02T09:00:00Z")]),
    ]
    db = graphnews.open(tmp_path / "linked.db")
    db.ingest([write_corpus(tmp_path / "docs", docs)])
    meta = tmp_path / "groups.csv"
    meta.write_text("domain,group\na1.com,a\na2.com,a\nb1.com,b\n")
    import_outlets(db, meta)
    return db


def test_mixing_matrices_and_assortativity_worked_by_hand(linked: Database) -> None:
    report = compare(linked, [A, B], words=0)
    coverage, follows = report.mixing["coverage"], report.mixing["follows"]
    # Co-coverage: a1-a2 (a,a), a1-b1 (a,b), a2-b1 (a,b), weight 1 each; an undirected edge
    # counts both ways: e = [[2, 2], [2, 0]] / 6, a = b = (2/3, 1/3), Tr e = 1/3,
    # sum a_i b_i = 5/9, r = (1/3 - 5/9) / (1 - 5/9) = -1/2.
    assert coverage["matrix"] == [[2, 2], [2, 0]]
    assert coverage["assortativity"] == pytest.approx(-0.5)
    # Follows (follower -> leader): a2 after a1 (2 h), b1 after a1 (3 h), b1 after a2 (1 h):
    # e = [[1, 0], [2, 0]] / 3, rows a = (1/3, 2/3), columns b = (1, 0): Tr e = 1/3 = sum a b
    # so r = 0; b followed a twice, median lag 2 h.
    assert follows["matrix"] == [[1, 0], [2, 0]]
    assert follows["assortativity"] == pytest.approx(0.0)
    assert report.follows == [
        {"follower": "group=b", "leader": "group=a", "pairs": 2, "median_lag_hours": 2.0},
        {"follower": "group=a", "leader": "group=a", "pairs": 1, "median_lag_hours": 2.0}]


def test_unweighted_values_equal_networkx(real_db_path: Path, tmp_path: Path) -> None:
    db = graphnews.open(real_db_path)  # read only: the metadata goes into a copy
    copy = graphnews.open(tmp_path / "copy.db")
    db.conn.backup(copy.conn)
    import_outlets(copy, DATA / "outlets-sample.csv")
    detect_stories(copy)  # co-coverage weights: linked pairs plus shared stories
    groups = [parse_rule("country=us"), parse_rule("country=uk"), parse_rule("country=in")]
    report = compare(copy, groups, words=0)
    names = [g.name for g in groups]
    members = {f"outlet:{d}": g.name for g in groups for d in g.members(copy)}
    for label, G in (("coverage", outlet_graph(copy)), ("follows", follows_graph(copy))):
        H = G.subgraph(members).copy()
        nx.set_node_attributes(H, members, "group")
        expected = nx.attribute_mixing_matrix(H, "group", mapping={n: i for i, n in
                                                                   enumerate(names)},
                                              normalized=False)
        assert report.mixing[label]["edge_matrix"] == expected.tolist()
        assert report.mixing[label]["edge_assortativity"] == pytest.approx(
            nx.attribute_assortativity_coefficient(H, "group"), abs=1e-4)
        # the weighted matrix is the graph's edge weights between the groups
        weighted = mixing_matrix(G.edges(data="weight"), members, names,
                                 directed=G.is_directed())
        assert report.mixing[label]["matrix"] == weighted
    assert assortativity([[0, 0], [0, 0]]) is None


def test_fightin_words_worked_by_hand() -> None:
    # a: tax x3, cut x1; b: cut x2, spend x2. Background counts tax 3, cut 3, spend 2, N = 8;
    # prior a0 = 4, so a_w = 4 * y_w / 8: tax 1.5, cut 1.5, spend 1. n_a = n_b = 4.
    scored = fightin_words({"a": Counter(tax=3, cut=1), "b": Counter(cut=2, spend=2)},
                           prior_size=4, min_count=1)
    tax = next(w for w in scored["a"] if w["word"] == "tax")
    # delta = log((3 + 1.5) / (4 + 4 - 3 - 1.5)) - log((0 + 1.5) / (4 + 4 - 0 - 1.5))
    #       = log(4.5 / 3.5) - log(1.5 / 6.5) = 0.251314 + 1.466337 = 1.717651
    # var = 1 / 4.5 + 1 / 1.5 = 0.888889, z = 1.717651 / 0.942809 = 1.821860
    assert tax["log_odds"] == pytest.approx(1.7177, abs=1e-4)
    assert tax["z"] == pytest.approx(1.822, abs=1e-3)
    assert (tax["count"], tax["other_count"]) == (3, 0)
    cut = next(w for w in scored["b"] if w["word"] == "cut")
    # b vs a on cut: log((2 + 1.5) / (4 + 4 - 2 - 1.5)) - log((1 + 1.5) / (4 + 4 - 1 - 1.5))
    #              = log(3.5 / 4.5) - log(2.5 / 5.5) = -0.251314 + 0.788457 = 0.537143
    # z = 0.537143 / sqrt(1 / 3.5 + 1 / 2.5) = 0.537143 / 0.828079 = 0.648661
    assert cut["log_odds"] == pytest.approx(0.5371, abs=1e-4)
    assert cut["z"] == pytest.approx(0.649, abs=1e-3)
    # each word's score for a is minus its score for b (two groups: i vs j and j vs i)
    for w in scored["a"]:
        other = next(x for x in scored["b"] if x["word"] == w["word"])
        assert w["log_odds"] == pytest.approx(-other["log_odds"], abs=2e-4)
    assert scored["a"][0]["word"] == "tax"  # highest z first
    assert math.isfinite(scored["b"][-1]["z"])


def test_planted_blindspot_is_found_and_near_misses_are_not(tmp_path: Path) -> None:
    a = [f"a{i}.com" for i in range(1, 4)]
    b = [f"b{i}.com" for i in range(1, 5)]
    stories = {
        "s-blind": b,                    # 4 b outlets, no a outlet: a's blindspot
        "s-mixed": [a[0], a[1], b[0]],   # a has 2 of 3: not blind; b's others are only 2
        "s-small": [b[0], b[1], a[2]],   # a has 1 of 3 (33% > 10%)
        "s-few": [b[2], b[3]],           # only 2 other outlets: too few to call
    }
    docs, urls = [], {}
    for story, outlets in stories.items():
        urls[story] = []
        for k, domain in enumerate(outlets):
            slug = f"{story}-{k}"
            docs.append(article(domain, slug, f"2022-06-0{k + 1}T10:00:00Z",
                                title=f"{story} news"))
            urls[story].append(f"https://{domain}/{slug}")
    db = graphnews.open(tmp_path / "blind.db")
    db.ingest([write_corpus(tmp_path / "docs", docs)])
    plant_stories(db, urls)
    meta = tmp_path / "m.csv"
    meta.write_text("domain,group\n" + "".join(f"{d},a\n" for d in a)
                    + "".join(f"{d},b\n" for d in b))
    import_outlets(db, meta)
    report = compare(db, [A, B], words=0)
    found = [(s["story"], s["blind"]) for s in report.blindspots]
    assert found == [("s-blind", "group=a")]
    spot = report.blindspots[0]
    assert spot["evidence"] == {"group=a": {"outlets": 0, "articles": 0},
                                "group=b": {"outlets": 4, "articles": 4}}
    assert spot["baseline_share"] == pytest.approx(3 / 7, abs=1e-4)
    # the thresholds are the rule: with 2 other outlets and a third of the outlets enough,
    # every near miss becomes one (b's 1 of 3 in s-mixed too)
    loose = compare(db, [A, B], words=0, rule=BlindspotRule(max_share=0.34, min_outlets=2))
    assert {(s["story"], s["blind"]) for s in loose.blindspots} == {
        ("s-blind", "group=a"), ("s-small", "group=a"), ("s-few", "group=a"),
        ("s-mixed", "group=b")}
    # and a collection too small to be expected anywhere is never blind
    strict = compare(db, [A, B], words=0, rule=BlindspotRule(min_baseline=0.5))
    assert strict.blindspots == []
    s_blind = next(s for s in report.stories if s["story"] == "s-blind")
    assert s_blind["first_collection"] == "group=b"
    assert s_blind["collections"]["group=a"]["lag_hours"] is None


def test_cli_compare_on_the_real_corpus(real_db_path: Path, tmp_path: Path) -> None:
    db = graphnews.open(tmp_path / "real.db")
    graphnews.open(real_db_path).conn.backup(db.conn)
    import_outlets(db, DATA / "outlets-sample.csv")
    detect_stories(db)
    result = runner.invoke(app, ["compare", "--by", "country", "-f", "json", "--db", db.path])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {c["collection"] for c in report["collections"]} >= {"country=us", "country=uk"}
    for key in ("stories", "blindspots", "mixing", "follows", "words", "rule",
                "most_and_least", "unassigned_articles"):
        assert key in report
    csv_out = runner.invoke(app, ["compare", "--collection", "lean=left,left-center",
                                  "--collection", "lean=center", "-f", "csv", "--db", db.path])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("story,outlets,articles,first")
    one = runner.invoke(app, ["compare", "--collection", "lean=center", "--db", db.path])
    assert one.exit_code == 2 and "at least two collections" in one.output


# -- the SQL and sparse-matrix report against a plain Python count -------------------------------
LEANS = ("left", "center", "right")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A generated corpus (planted stories, noisy links) with stories detected and a lean for
    every outlet but every seventh (those are in no collection)."""
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus

    folder = tmp_path_factory.mktemp("compare-generated")
    generate_corpus(folder, documents=300, seed=5)
    db = graphnews.open(folder / "g.db")
    db.ingest([folder / DOCUMENTS_DIR], workers=0)
    detect_stories(db)
    assign_leans(db, folder, LEANS)
    return db


def _plain_report(db: Database, names: list[str], group_of: dict[str, str], f: Filters
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per story coverage and who-follows-whom, counted article by article in plain Python."""
    cond, params = f.article_sql("a")
    rows = db.conn.execute(
        f"SELECT o.domain, a.published_ts, s.story_id FROM articles a JOIN outlets o "
        f"ON o.id = a.outlet_id JOIN story_articles s ON s.article_id = a.id WHERE {cond}",
        params).fetchall()
    members: dict[str, list[tuple[str, int | None]]] = {}
    for domain, ts, story in rows:
        if domain in group_of:
            members.setdefault(story, []).append((domain, ts))
    stories = {}
    for story, arts in members.items():
        first = min((t for _, t in arts if t is not None), default=None)
        per = {}
        for n in names:
            mine = [(d, t) for d, t in arts if group_of[d] == n]
            times = [t for _, t in mine if t is not None]
            per[n] = (len(mine), len({d for d, _ in mine}),
                      None if not times or first is None else round((min(times) - first) / 3600, 2))
        stories[story] = (len(arts), len({d for d, _ in arts}), per)
    lags: dict[tuple[str, str], list[float]] = {}
    for p in linked_pairs(db, filters=f):
        if (p.outlet_a == p.outlet_b or p.ts_a is None or p.ts_b is None or p.ts_a == p.ts_b
                or p.outlet_a not in group_of or p.outlet_b not in group_of):
            continue
        (leader, t0), (follower, t1) = sorted([(p.outlet_a, p.ts_a), (p.outlet_b, p.ts_b)],
                                              key=lambda x: x[1])
        lags.setdefault((group_of[follower], group_of[leader]), []).append((t1 - t0) / 3600)
    follows = sorted(({"follower": a, "leader": b, "pairs": len(h),
                       "median_lag_hours": round(statistics.median(h), 2)}
                      for (a, b), h in lags.items()),
                     key=lambda r: (-r["pairs"], r["follower"], r["leader"]))
    return stories, follows


@pytest.mark.parametrize("filters", [
    Filters(),
    Filters.build(since="2022-01-05", until="2022-01-20"),
    Filters.build(collections=[parse_rule("lean=left,right")]),
])
def test_story_rows_and_follows_equal_a_plain_python_count(generated: Database,
                                                           filters: Filters) -> None:
    groups = [parse_rule(f"lean={v}") for v in LEANS]
    names = [g.name for g in groups]
    group_of = {d: g.name for g in groups for d in g.members(generated)}
    report = compare(generated, groups, filters=filters, words=0)
    stories, follows = _plain_report(generated, names, group_of, filters)
    assert len(report.stories) == len(stories) > 20
    for s in report.stories:
        articles, outlets, per = stories[s["story"]]
        assert (s["articles"], s["outlets"]) == (articles, outlets)
        for n in names:
            c = s["collections"][n]
            assert (c["articles"], c["outlets"], c["lag_hours"]) == per[n]
    assert report.follows == follows and len(follows) >= 4
    assert report.unassigned_articles > 0 or filters.collections


def test_distinctive_word_counts_equal_tokenize_on_each_text(generated: Database) -> None:
    groups = [parse_rule(f"lean={v}") for v in LEANS]
    report = compare(generated, groups, words=5, min_count=1)
    tricky = ["Google's AI—bot: 'it has feelings' (2022)", "it’s 3rd-rate x2 über-cool İstanbul",
              "a_b o'clock... ÉTÉ\u2028nouveau \x1cmot"]
    assert word_counts(tricky) == Counter(w for text in tricky for w in tokenize(text))
    for g in groups:
        texts = [" ".join(t for t in row if t) for row in generated.conn.execute(
            "SELECT a.title, a.excerpt FROM articles a JOIN outlets o ON o.id = a.outlet_id "
            "WHERE o.domain IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(g.members(generated))),))]
        counts = Counter(w for text in texts for w in tokenize(text))
        assert word_counts(texts) == counts
        assert [w["count"] for w in report.words[g.name]] == [
            counts[w["word"]] for w in report.words[g.name]]
