"""``graphnews stories --score``: the stored stories against a user's labels.

A case worked by hand (planted stories, labels in two sources, links), and the real labelled
subset of ai-2022-06 checked against a plain count over every pair of labelled articles.
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.identity import canonical_url
from graphnews.stories import detect_stories
from graphnews.stories.fit import bcubed_f1, pairwise_scores, read_labels
from graphnews.stories.score import (
    block_counts,
    counts_f1,
    score_clusterings,
    score_interval,
    score_stories,
)
from tests.conftest import DATA
from tests.helpers_corpus import LABELLED, article, labelled_subset, plant_stories, write_corpus

runner = CliRunner()


def _url(slug: str) -> str:
    return f"https://{slug[0]}.com/{slug}"


@pytest.fixture
def planted(tmp_path: Path) -> tuple[graphnews.Database, Path]:
    """Stored S1 = {a1, a2, b1}, S2 = {a3}, S3 = {b2, u1}; c1 in none. Links a1-a2, b1-b2,
    a3-u1, u1-c1. Labels: source one X = {a1, a2, a3}, Y = {b1, b2}; source two Z = {c1, u1};
    and one URL the database does not hold."""
    def doc(slug: str, *links: str) -> dict[str, object]:
        return article(f"{slug[0]}.com", slug, "2022-06-01T10:00:00Z",
                       related=[article(f"{t[0]}.com", t, "2022-06-01T11:00:00Z")
                                for t in links])

    docs = [doc("a1", "a2"), doc("b1", "b2"), doc("a3", "u1"), doc("u1", "c1")]
    db = graphnews.open(tmp_path / "planted.db")
    db.ingest([write_corpus(tmp_path / "docs", docs)])
    plant_stories(db, {"S1": [_url("a1"), _url("a2"), _url("b1")], "S2": [_url("a3")],
                       "S3": [_url("b2"), _url("u1")]})
    labels = tmp_path / "labels.tsv"
    rows = [("one", "a1", "X"), ("one", "a2", "X"), ("one", "a3", "X"), ("one", "b1", "Y"),
            ("one", "b2", "Y"), ("two", "c1", "Z"), ("two", "u1", "Z")]
    labels.write_text("source\turl\tstory\n" + "".join(f"{s}\t{_url(a)}\t{t}\n"
                                                       for s, a, t in rows)
                      + "one\thttps://nowhere.example/gone\tX\n")
    return db, labels


def test_scores_merges_and_splits_worked_by_hand(
    planted: tuple[graphnews.Database, Path]
) -> None:
    db, labels = planted
    report = score_stories(db, read_labels(labels))
    one, two, everything = (s.as_dict() for s in report.scores)
    # source one: predicted pairs a1-a2, a1-b1, a2-b1 (S1), one of them right; true pairs
    # a1-a2, a1-a3, a2-a3, b1-b2: P 1/3, R 1/4, F1 2/7. BCubed precision (2/3 + 2/3 + 1/3 + 1
    # + 1) / 5, recall (2/3 + 2/3 + 1/3 + 1/2 + 1/2) / 5.
    p, r = 11 / 15, 8 / 15
    assert one == pytest.approx({
        "source": "one", "labelled": 5, "missing": 1, "labelled_stories": 2,
        "labelled_alone": 0, "same_story_pairs": 4, "precision": 1 / 3, "recall": 1 / 4,
        "f1": 2 / 7,
        "bcubed_f1": 2 * p * r / (p + r), "alone_precision": 1.0, "alone_recall": 0.0,
        # X, Y and the stored S1 share articles: one block, nothing to resample
        "f1_low": 2 / 7, "f1_high": 2 / 7, "bcubed_f1_low": 2 * p * r / (p + r),
        "bcubed_f1_high": 2 * p * r / (p + r),
        "alone_f1": 0.0, "alone_bcubed_f1": pytest.approx(2 * 1 * 0.4 / 1.4, abs=1e-6),
        # links: components {a1, a2}, {b1, b2}, {a3, u1, c1}: a1-a2 and b1-b2, both right
        "links_precision": 1.0, "links_recall": 0.5, "links_f1": 2 / 3,
        # recall (2/3 + 2/3 + 1/3 + 1 + 1) / 5: a3's component holds no other article of one
        "links_bcubed_f1": pytest.approx(2 * p / (1 + p), abs=1e-6)}, abs=1e-6)
    # source two: c1 alone, u1 with b2 of the other source: no pair put together
    assert (two["precision"], two["recall"], two["f1"]) == (1.0, 0.0, 0.0)
    assert (two["links_precision"], two["links_recall"]) == (1.0, 1.0)
    # all: pairs within each source only: true 4 + 1, predicted 3 + 0, right 1 + 0
    assert everything["source"] == "all" and everything["labelled"] == 7
    assert (everything["precision"], everything["recall"]) == pytest.approx((1 / 3, 1 / 5))
    assert (everything["links_precision"], everything["links_recall"]) == (1.0, 0.6)
    assert report.missing_urls == ["https://nowhere.example/gone"]
    assert report.merged == [{"source": "one", "story": "S1", "size": 3,
                              "labelled_articles": 3, "labelled_stories": {"X": 2, "Y": 1}}]
    assert report.split == [
        {"source": "one", "labelled_story": "X", "articles": 3,
         "stories": {"S1": 2, "alone": 1}},  # S2 holds a3 alone
        {"source": "one", "labelled_story": "Y", "articles": 2, "stories": {"S1": 1, "S3": 1}},
        {"source": "two", "labelled_story": "Z", "articles": 2, "stories": {"alone": 1, "S3": 1}},
    ]


def test_the_real_subset_equals_a_count_over_every_pair(tmp_path: Path) -> None:
    db, labels = labelled_subset(tmp_path / "ai.db")
    report = score_stories(db, labels)
    (got,) = report.scores
    # independently: each labelled URL's article by its canonical URL among the aliases, each
    # pair of them counted once
    aliases = dict(db.conn.execute("SELECT url, article_id FROM aliases"))
    stored = dict(db.conn.execute("SELECT article_id, story_id FROM story_articles"))
    truth = {}
    for line in (LABELLED / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        _, url, story = line.split("\t")[:3]
        article = aliases.get(canonical_url(url))
        if article is not None:
            truth.setdefault(article, story)
    pairs = list(itertools.combinations(sorted(truth), 2))
    same = [truth[a] == truth[b] for a, b in pairs]
    together = [stored[a] == stored[b] for a, b in pairs]
    right = sum(s and t for s, t in zip(same, together, strict=True))
    assert got.labelled == len(truth) > 20 and got.same_story_pairs == sum(same) > 5
    assert got.stories["precision"] == pytest.approx(right / sum(together), abs=1e-6)
    assert got.stories["recall"] == pytest.approx(right / sum(same), abs=1e-6)
    assert 0 < got.stories["f1"] < 1 and got.links["f1"] > 0  # the subset has related lists
    for m in report.merged:
        assert len(m["labelled_stories"]) > 1
    for s in report.split:
        assert sum(s["stories"].values()) == s["articles"]


def test_each_clustering_scores_as_its_stored_stories_would(tmp_path: Path) -> None:
    db, labels = labelled_subset(tmp_path / "ai.db")
    rows = score_clusterings(db, labels, resolutions=(0.2, 0.5), seeds=(0, 1))
    db.close()
    assert [(r["resolution"], r["seed"], r["stored"]) for r in rows] == [
        (0.2, 0, False), (0.2, 1, False), (0.5, 0, True), (0.5, 1, False)]
    for row in rows:  # independently: the stories a copy stores at that resolution and seed
        path = tmp_path / f"{row['resolution']}-{row['seed']}.db"
        shutil.copy(tmp_path / "ai.db", path)
        copy = graphnews.open(path)
        detect_stories(copy, resolution=row["resolution"], seed=row["seed"], incremental=False)
        (want,) = score_stories(copy, labels).scores
        copy.close()
        assert {k: row[k] for k in ("precision", "recall", "f1", "bcubed_f1")} == want.stories
    assert len({r["f1"] for r in rows}) > 1  # the resolutions differ on these labels


def test_cli_score(tmp_path: Path) -> None:
    folder = DATA / "stories_eval"
    db = tmp_path / "ai.db"
    assert runner.invoke(app, ["ingest", str(folder / "ai-2022-06" / "documents"),
                               "--db", str(db), "--silent"]).exit_code == 0
    labels = str(folder / "labels.tsv")
    result = runner.invoke(app, ["stories", "--score", labels, "--db", str(db), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"scores", "merged", "split", "missing_urls"}
    assert report["scores"][0]["source"] == "ai-2022-06" and "bcubed_f1" in report["scores"][0]
    table = runner.invoke(app, ["stories", "--score", labels, "--db", str(db)])
    assert table.exit_code == 0 and "labelled stories the stored ones split" in table.stdout
    ranged = json.loads(runner.invoke(app, ["stories", "--score", labels, "--ranges", "--db",
                                            str(db), "-f", "json"]).stdout)
    assert len(ranged["clusterings"]) == 9 and ranged["scores"] == report["scores"]
    csv = runner.invoke(app, ["stories", "--score", labels, "--db", str(db), "-f", "csv"])
    assert csv.stdout.splitlines()[0].startswith("source,labelled,missing,labelled_stories")
    bad = tmp_path / "bad.tsv"
    bad.write_text("address\tgroup\nx\ty\n")
    refused = runner.invoke(app, ["stories", "--score", str(bad), "--db", str(db)])
    assert refused.exit_code != 0 and "'url' and 'story'" in " ".join(refused.output.split())
    assert "Traceback" not in refused.output


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6) | st.none()), min_size=1,
                max_size=30))
def test_the_interval_counts_what_the_scores_count(rows: list[tuple[int, int | None]]) -> None:
    """Summed over the blocks, the bootstrap's counts give the scores of `pairwise_scores`
    and `bcubed_f1` (an independent implementation: pair and item counting over the whole
    sample), for any labels and stories, an article missing from the stories alone."""
    truth = {i: f"L{label}" for i, (label, _) in enumerate(rows)}
    guess = {i: f"S{story}" for i, (_, story) in enumerate(rows) if story is not None}
    counts = block_counts(truth, guess)
    scores = counts_f1(counts.sum(axis=0))
    assert scores["f1"][0] == pytest.approx(pairwise_scores(truth, guess)["f1"], abs=1e-6)
    assert scores["bcubed_f1"][0] == pytest.approx(bcubed_f1(truth, guess), abs=1e-6)
    assert counts[:, 5].sum() == len(rows)


def test_the_interval_by_hand_and_narrower_with_more_labels() -> None:
    # blocks: {a1, a2, a3} (labelled X, stored S1 joins a3 of Y), {b1, b2} (Z, split), {c1}
    truth = {"a1": "X", "a2": "X", "a3": "Y", "b1": "Z", "b2": "Z", "c1": "W"}
    guess = {"a1": "S1", "a2": "S1", "a3": "S1", "b1": "S2", "b2": "S3"}
    counts = block_counts(truth, guess)
    assert sorted(map(tuple, counts[:, :3].tolist())) == [(0, 0, 0), (0, 0, 1), (1, 3, 1)]
    once = score_interval(truth, guess)
    assert once == score_interval(truth, guess)  # seeded
    assert once["f1_low"] < pairwise_scores(truth, guess)["f1"] < once["f1_high"]
    # the same sample four times over (disjoint copies): the same score, a narrower interval
    many = {(k, a): s for k in range(4) for a, s in truth.items()}
    more = score_interval(many, {(k, a): (k, s) for k in range(4) for a, s in guess.items()})
    assert more["f1_high"] - more["f1_low"] < once["f1_high"] - once["f1_low"]
    # one block: nothing to resample, the interval is the score
    assert score_interval({"a": "X", "b": "X"}, {"a": "S", "b": "S"}) == {
        "f1_low": 1.0, "f1_high": 1.0, "bcubed_f1_low": 1.0, "bcubed_f1_high": 1.0}


def test_the_interval_does_not_depend_on_the_order_of_the_labels() -> None:
    sizes = [1, 2, 2, 3, 5, 8, 1, 4]  # labelled stories of unlike sizes, stored ones unlike
    truth = {f"u{i:02d}": f"L{k}" for i, k in enumerate(
        k for k, n in enumerate(sizes) for _ in range(n))}
    guess = {u: f"S{int(u[1:]) // 3 if int(u[1:]) < 12 else int(u[1:])}" for u in truth}
    backwards = dict(reversed(list(truth.items())))
    renamed = {u: f"other-{s}" for u, s in truth.items()}
    assert score_interval(truth, guess) == score_interval(backwards, guess) == score_interval(
        renamed, guess)
