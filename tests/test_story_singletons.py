"""No single articles (``graphnews stories --no-singletons``): for a set of grouped stories, an
article the clustering leaves alone joins the story of its likeliest candidate partner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.stories.alternatives import alternative_stories
from graphnews.stories.pairs import (
    Articles,
    Clustering,
    candidate_pairs,
    join_singletons,
    load_model,
)
from graphnews.stories.score import LabelScore

runner = CliRunner()


def test_the_likeliest_pair_places_first_and_a_separated_story_is_refused() -> None:
    """Worked by hand. Story 0 holds articles 0 and 1; 2, 3 and 4 are alone. Article 2's
    likeliest partner is 0 (log-odds +3), then 3 (+1); 3's only partners are 2 (+1) and 1
    (-2); 4 has no candidate pair."""
    membership = np.array([0, 0, 1, 2, 3])
    u, v = np.array([2, 2, 3]), np.array([0, 3, 1])
    log_odds = np.array([3.0, 1.0, -2.0])
    # 2 joins story 0 (its +3), then 3 joins 2's story, now story 0 (+1 over -2): 4 stays
    assert join_singletons(membership, u, v, log_odds).tolist() == [0, 0, 0, 0, 1]
    # 2 was separated from 1 by hand: story 0 is refused, 2 takes its next partner, 3; then
    # 3 is no longer alone and stays with 2
    apart = np.array([[2, 1]])
    assert join_singletons(membership, u, v, log_odds, separate=apart).tolist() == [0, 0, 1, 1, 2]
    # every partner refused: alone
    apart = np.array([[2, 1], [2, 3]])
    joined = join_singletons(membership, u, v, log_odds, separate=apart).tolist()
    assert joined[2] not in (joined[0], joined[3]) and joined.count(joined[2]) == 1
    # nothing alone: nothing moves (numbers as they first appear)
    assert join_singletons(np.array([1, 1, 0, 0]), np.array([0, 2]), np.array([2, 3]),
                           np.array([5.0, 5.0])).tolist() == [0, 0, 1, 1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> graphnews.Database:
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus

    out = tmp_path_factory.mktemp("singletons")
    generate_corpus(out / "c", documents=300, noise=0.2, seed=11)
    db = graphnews.open(str(out / "g.db"))
    db.ingest([out / "c" / DOCUMENTS_DIR])
    return db


def test_only_single_articles_move_and_only_those_without_candidates_stay(
    generated: graphnews.Database,
) -> None:
    """Against the clustering with single articles allowed: every story of two or more is
    inside one story (nothing splits, no two merge), and the articles still alone are
    exactly those without a candidate pair."""
    corpus = Articles.load(generated)
    model = load_model().for_texts(linked=corpus.linked, language=corpus.language)
    pairs = candidate_pairs(corpus, every_term=model.every_term)
    log_odds = model.log_odds(pairs.x)
    n = len(corpus.ids)
    allowed = Clustering(n, pairs, log_odds).membership()
    joined = Clustering(n, pairs, log_odds, singletons=False).membership()
    sizes = np.bincount(allowed)
    assert (sizes == 1).sum() > 0  # the test has single articles to move
    for story in np.flatnonzero(sizes >= 2):
        assert len(set(joined[allowed == story].tolist())) == 1
    for story in set(joined.tolist()):
        assert len({a for a in allowed[joined == story].tolist() if sizes[a] >= 2}) <= 1
    without_pairs = np.bincount(np.concatenate((pairs.u, pairs.v)), minlength=n) == 0
    assert ((np.bincount(joined)[joined] == 1) == without_pairs).all()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def stories(db: str, *options: str) -> tuple[set[frozenset[str]], str]:
    code, out, err = invoke("stories", "--all", "--format", "json", *options, "--db", db)
    assert code == 0, err
    return {frozenset(s["articles"]) for s in json.loads(out)}, err


def test_the_choice_is_kept_honoured_by_the_ranges_and_undone(real_db_path: Path,
                                                               tmp_path: Path) -> None:
    """`stories --no-singletons` on the seeds and June 2022: fewer single articles, every
    story of two or more whole inside one; kept for later commands (nothing recomputed); the
    nine clusterings of `--ranges` leave alone the same articles (those without a candidate
    pair, whatever the cut); `--singletons` gives back the stories as they were."""
    db = str(tmp_path / "real.db")
    shutil.copy(real_db_path, db)
    allowed, _ = stories(db)
    joined, said = stories(db, "--no-singletons")
    assert "no article with a candidate pair is left alone" in said
    alone = {next(iter(s)) for s in joined if len(s) == 1}
    assert len(alone) < sum(len(s) == 1 for s in allowed)
    for story in (s for s in allowed if len(s) >= 2):
        assert sum(story <= s for s in joined) == 1
    code, _, err = invoke("stories", "--db", db)
    assert code == 0 and err == ""  # kept: nothing recomputed
    with graphnews.open(db) as database:
        assert graphnews.stories.stored_parameters(database)["singletons"] is False
        assert graphnews.stories.evidence_key(database)["singletons"] == "joined"
        found = alternative_stories(database)
        urls = dict(database.conn.execute("SELECT id, canonical_url FROM articles"))
    for labels in found.labels.values():
        sizes = np.bincount(labels)
        assert {urls[int(i)] for i in found.ids[sizes[labels] == 1]} == alone
    back, said = stories(db, "--singletons")
    assert back == allowed and "left alone" not in said


def test_run_keeps_the_choice(tmp_path: Path) -> None:
    """`run --no-singletons`: the step says so, a later run reuses it, `--singletons` undoes
    it (the first run's stories again)."""
    seeds = Path(__file__).parent / "data" / "stories_eval" / "ai-2022-06"
    out, db = tmp_path / "out", str(tmp_path / "news.db")

    def run(*options: str) -> tuple[dict, set[frozenset[str]]]:
        result = runner.invoke(app, ["run", str(seeds), "--out", str(out), "--db", db,
                                     "-f", "json", *options])
        assert result.exit_code in (0, 1), result.output  # (one test document is rejected)
        rows = json.loads((out / "stories.json").read_text(encoding="utf-8"))
        return json.loads(result.stdout), {frozenset(r["articles"]) for r in rows}

    _, allowed = run()
    report, joined = run("--no-singletons")
    assert report["reused"] is False and joined != allowed
    step = next(s for s in report["steps"] if s["name"] == "stories")
    assert any("left alone" in note for note in step["notes"])
    again, kept = run()
    assert again["reused"] is True and kept == joined
    back, restored = run("--singletons")
    assert back["reused"] is False and restored == allowed


def test_score_gives_the_other_choice_about_single_articles(real_db_path: Path,
                                                            tmp_path: Path) -> None:
    """`stories --score` scores too the stories of the other choice about single articles
    (not stored): exactly the scores those stories get once that choice is made."""
    db = str(tmp_path / "real.db")
    shutil.copy(real_db_path, db)
    labels = str(Path(__file__).parent / "data" / "stories_eval" / "labels.tsv")

    def scores(*options: str) -> dict[str, float]:
        code, out, err = invoke("stories", "--score", labels, "--format", "json", *options,
                                "--db", db)
        assert code == 0, err
        return json.loads(out)["scores"][0]

    allowed = scores()
    joined = scores("--no-singletons")
    keys = ("precision", "recall", "f1", "bcubed_f1")
    assert {k: allowed[f"without_singletons_{k}"] for k in keys} == {k: joined[k] for k in keys}
    assert {k: joined[f"with_singletons_{k}"] for k in keys} == {k: allowed[k] for k in keys}
    assert allowed["f1"] != joined["f1"] and "with_singletons_f1" not in allowed
    assert allowed["labelled_alone"] == joined["labelled_alone"] > 0  # labels of a feed


def _label_score(*, allowed: bool, alone: int, mine: tuple[float, float],
                 other: tuple[float, float]) -> LabelScore:
    def scores(f1: float, bcubed: float) -> dict[str, float]:
        return {"precision": f1, "recall": f1, "f1": f1, "bcubed_f1": bcubed}

    return LabelScore(source="all", labelled=40, missing=0, labelled_stories=15,
                      labelled_alone=alone, same_story_pairs=30, stories=scores(*mine),
                      alone=scores(0.0, 0.5), links=scores(0.1, 0.5),
                      other_singletons=scores(*other), singletons_allowed=allowed)


def test_the_hint_needs_labels_of_that_shape_and_both_scores_higher() -> None:
    """`--no-singletons` is suggested only when no labelled story is of one article and the
    joined stories score higher by pairwise F1 and BCubed F1 both; `--singletons` (after
    `--no-singletons`) when some are and allowing them scores higher by both."""
    from graphnews.cli.stories import _singletons_hint

    grouped = _label_score(allowed=True, alone=0, mine=(0.5, 0.8), other=(0.7, 0.9))
    said = _singletons_hint(grouped)
    assert said is not None and "'graphnews stories --no-singletons'" in said
    assert "pairwise F1 0.70 against 0.50, BCubed 0.90 against 0.80 over 40" in said
    for quiet in (
        _label_score(allowed=True, alone=3, mine=(0.5, 0.8), other=(0.7, 0.9)),  # a feed's
        _label_score(allowed=True, alone=0, mine=(0.5, 0.8), other=(0.7, 0.7)),  # BCubed lower
        _label_score(allowed=True, alone=0, mine=(0.5, 0.8), other=(0.5, 0.9)),  # F1 equal
        _label_score(allowed=False, alone=0, mine=(0.5, 0.8), other=(0.7, 0.9)),  # grouped
    ):
        assert _singletons_hint(quiet) is None
    back = _singletons_hint(_label_score(allowed=False, alone=3, mine=(0.5, 0.8),
                                         other=(0.6, 0.85)))
    assert back is not None and "'graphnews stories --singletons'" in back
    assert "have 3 articles alone in their story" in back
