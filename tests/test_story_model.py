"""The same-story pair model: the numpy fit and tree scoring against scikit-learn, calibration,
labels, scores."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from graphnews.errors import BadInputError
from graphnews.stories import pairs as pairs_module
from graphnews.stories.fit import bcubed_f1, pairwise_scores, read_labels
from graphnews.stories.pairs import (
    ADJUSTED,
    DENSE_INCREASING,
    FEATURES,
    INCREASING,
    NOT_IN_TREES,
    TREES_SHARE,
    Articles,
    Model,
    candidate_pairs,
    cluster,
    fit_logistic,
    fit_model,
    load_model,
    window_density,
)
from graphnews.stories.trees import DEPTH, LEARNING_RATE, ROUNDS, Trees, fit_trees


def test_irls_matches_scikit_learn() -> None:
    """The numpy IRLS fit minimises what scikit-learn's LogisticRegression(C=1/l2) does."""
    from sklearn import linear_model  # a test-only dependency (the test extra)

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 5))
    y = (x @ np.array([1.5, -2.0, 0.0, 0.5, 3.0]) + rng.logistic(size=2000) > 0.3).astype(float)
    weights = rng.uniform(0.5, 2.0, size=2000)
    coef, intercept = fit_logistic(x, y, weights, l2=2.0)
    reference = linear_model.LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000).fit(
        x, y, sample_weight=weights
    )
    np.testing.assert_allclose(coef, reference.coef_[0], atol=1e-5)
    assert intercept == pytest.approx(reference.intercept_[0], abs=1e-5)


def test_trees_score_as_scikit_learn_does() -> None:
    """The fitted trees read back as arrays give scikit-learn's own log-odds, split only on the
    columns they were given, and rise with the columns constrained to."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(4)
    x = rng.normal(size=(12_000, 5))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.logistic(size=len(x)) > 0).astype(float)
    weights = rng.uniform(0.5, 2.0, size=len(x))
    trees = fit_trees(x, y, weights, columns=[0, 1, 2, 4], increasing=[0])
    reference = HistGradientBoostingClassifier(
        max_depth=DEPTH,
        max_iter=ROUNDS,
        learning_rate=LEARNING_RATE,
        monotonic_cst=[1, 0, 0, 0],
        random_state=0,
    ).fit(x[:, [0, 1, 2, 4]], y.astype(int), sample_weight=weights)
    np.testing.assert_allclose(
        trees.log_odds(x), reference.decision_function(x[:, [0, 1, 2, 4]]), atol=1e-9
    )
    assert 3 not in trees.feature[~trees.leaf].tolist()
    assert len(trees.roots) == reference.n_iter_
    higher = x.copy()
    higher[:, 0] += 0.5
    assert (trees.log_odds(higher) >= trees.log_odds(x) - 1e-12).all()
    row = x[0]
    assert trees.contributions(row)[3] == 0.0 and trees.contributions(row)[0] != 0.0


def test_trees_score_by_hand() -> None:
    """Three hand-made trees: a lone leaf, a split with a leaf on one side and a split on the
    other, and a split whose threshold a row meets exactly (it goes left)."""
    nan = float("nan")
    trees = Trees(
        feature=np.array([0, 0, 0, 1, 0, 0, 0, 0, 0]),
        threshold=np.array([nan, 0.5, nan, 2.0, nan, nan, 1.0, nan, nan]),
        left=np.array([0, 2, 0, 4, 0, 0, 7, 0, 0]),
        right=np.array([0, 3, 0, 5, 0, 0, 8, 0, 0]),
        leaf=np.array([1, 0, 1, 0, 1, 1, 0, 1, 1], dtype=bool),
        value=np.array([0.25, 0.0, -1.0, 0.0, 2.0, 3.0, 0.0, 10.0, 20.0]),
        roots=np.array([0, 1, 6]),
        baseline=0.5,
    )
    x = np.array([[0.5, 9.0], [0.6, 2.0], [0.6, 2.1], [1.0, 0.0], [1.5, 0.0]])
    # lone leaf 0.25; x0 <= 0.5: -1, else x1 <= 2: 2, else 3; x0 <= 1: 10, else 20.
    expected = 0.5 + 0.25 + np.array([-1 + 10, 2 + 10, 3 + 10, 2 + 10, 2 + 20])
    np.testing.assert_allclose(trees.log_odds(x), expected, atol=1e-12)


def test_calibration_on_data_drawn_from_a_logistic_model() -> None:
    """Out-of-fold calibrated probabilities match the observed rates bin by bin."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20_000, len(FEATURES)))
    truth = 1.0 / (1.0 + np.exp(-(2.0 * x[:, 0] - 1.0 * x[:, 5] - 0.5)))
    y = (rng.uniform(size=len(truth)) < truth).astype(float)
    model = fit_model(x, y, np.array(["a", "b"] * 10_000))
    for row in model.report["reliability"]:
        if row["pairs"] > 500:
            assert abs(row["predicted"] - row["observed"]) < 0.05, row
    assert model.report["out_of_fold_brier"] < 0.2
    assert np.corrcoef(model.predict(x), truth)[0, 1] > 0.99


def test_the_shipped_model_loads_and_says_what_it_was_fitted_on() -> None:
    model = load_model()
    assert model.features == FEATURES
    assert len(model.report["sources"]) >= 4  # real labelled sources and generator regimes
    p = model.predict(np.zeros((3, len(FEATURES))))
    assert ((p > 0) & (p < 1)).all()


def test_the_shipped_model_has_a_dense_model_fitted_on_denser_corpora(tmp_path: Path) -> None:
    model = load_model()
    assert model.dense is not None and model.dense_from == 1000.0
    assert model.report["documents_per_generated_corpus"] == [500]
    assert model.dense.report["documents_per_generated_corpus"] == [1000]
    assert model.for_density(999.0) is model and model.for_density(1000.0) is model.dense
    model.save(tmp_path / "model.json")
    again = load_model(tmp_path / "model.json")
    assert again.as_dict() == model.as_dict() and again.dense is not None
    np.testing.assert_array_equal(again.dense.coef, model.dense.coef)
    assert again.dense.dense is None  # one level: a dense model has no denser one


def test_the_shipped_model_has_a_text_only_model_for_corpora_without_links(
    tmp_path: Path,
) -> None:
    """`Model.text_only` counts every term and scores corpora without related links, except in
    a language whose cosines count every term already; a model saved without one (before 5
    December, session 22) scores every corpus with itself, as it did."""
    model = load_model()
    text_only = model.text_only
    assert text_only is not None and text_only.every_term and not model.every_term
    assert text_only.text_only is None and text_only.dense is None
    assert model.for_texts(linked=False, language="en") is text_only
    assert model.for_texts(linked=True, language="en") is model
    assert model.for_texts(linked=False, language="de") is model
    model.save(tmp_path / "model.json")
    again = load_model(tmp_path / "model.json")
    assert again.as_dict() == model.as_dict()
    assert again.text_only is not None and again.text_only.every_term
    older = {k: v for k, v in model.as_dict().items() if k != "text_only"}
    assert Model.from_dict(older).for_texts(linked=False, language="en").text_only is None


def test_every_term_lowers_the_cosine_of_texts_with_words_of_their_own(tmp_path: Path) -> None:
    """Two headlines sharing one word and little else: over shared words alone their cosine
    is high; with every term in the length (a text-only model's features) it falls."""
    import graphnews
    from tests.test_stories import write_doc

    docs = tmp_path / "docs"
    write_doc(docs, "a", "Reality star dies after car crash on motorway", "",
              "2023-11-10T08:00:00Z", "bbc.co.uk")
    write_doc(docs, "b", "Fraudster's mind-blowing car collection seized by police", "",
              "2023-11-10T09:00:00Z", "dailymail.co.uk")
    write_doc(docs, "c", "Police seize car of crash suspect", "", "2023-11-10T10:00:00Z",
              "rnz.co.nz")
    db = graphnews.open(tmp_path / "t.db")
    db.ingest([docs])
    articles = Articles.load(db)
    shared, every = candidate_pairs(articles), candidate_pairs(articles, every_term=True)
    assert len(shared) and len(every)
    by_pair = {(u, v): c for u, v, c in zip(shared.u.tolist(), shared.v.tolist(),
                                             shared.feature("text_cos").tolist(), strict=True)}
    for u, v, c in zip(every.u.tolist(), every.v.tolist(), every.feature("text_cos").tolist(),
                       strict=True):
        assert c < by_pair.get((u, v), 1.0)


def test_the_shipped_model_mixes_trees_that_never_split_on_time(tmp_path: Path) -> None:
    """Both models are the logistic part and trees (`TREES_SHARE`); the trees never split on
    `NOT_IN_TREES`; the dense model's trees rise with every feature of `DENSE_INCREASING`, the
    other's with `INCREASING`; the titles' actors (`ADJUSTED`) are added last; saved and loaded,
    the same."""
    model = load_model()
    assert model.dense is not None and model.trees is not None and model.dense.trees is not None
    x = np.random.default_rng(2).normal(size=(500, len(FEATURES)))
    model.save(tmp_path / "model.json")
    again = load_model(tmp_path / "model.json")
    for fitted, loaded, increasing in (
        (model, again, INCREASING),
        (model.dense, again.dense, DENSE_INCREASING),
    ):
        assert fitted.trees is not None and loaded is not None
        split_on = {FEATURES[f] for f in fitted.trees.feature[~fitted.trees.leaf].tolist()}
        assert split_on and not split_on & set(NOT_IN_TREES)
        logistic = fitted.slope * (
            (x - fitted.mean) / fitted.scale @ fitted.coef + fitted.intercept
        )
        expected = (1 - TREES_SHARE) * (logistic + fitted.offset) + TREES_SHARE * (
            fitted.trees.log_odds(x)
        )
        assert fitted.adjust is not None  # the titles' actors, added last
        expected += x[:, [FEATURES.index(f) for f in ADJUSTED]] @ fitted.adjust
        np.testing.assert_allclose(fitted.log_odds(x), expected, atol=1e-12)
        for feature in increasing:
            higher = x.copy()
            higher[:, FEATURES.index(feature)] += 0.3
            assert (fitted.trees.log_odds(higher) >= fitted.trees.log_odds(x) - 1e-12).all()
        np.testing.assert_array_equal(loaded.log_odds(x), fitted.log_odds(x))
    dense_only = set(DENSE_INCREASING) - set(INCREASING)
    assert dense_only and dense_only & {
        FEATURES[f] for f in model.dense.trees.feature[~model.dense.trees.leaf].tolist()
    }


def test_window_density_is_the_median_of_a_plain_count() -> None:
    rng = np.random.default_rng(7)
    ts = np.round(rng.uniform(0, 60 * 86400, size=400), -3)  # rounding makes ties
    ts[rng.choice(400, size=30, replace=False)] = np.nan
    week = 7 * 86400
    dated = ts[~np.isnan(ts)]
    counts = [sum(1 for other in dated if abs(other - t) <= week) - 1 for t in dated]
    assert window_density(ts) == float(np.median(counts))
    assert window_density(np.array([np.nan])) == 0.0


def test_a_refit_of_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    load_model().save(path)
    path.write_text(path.read_text().replace('"text_cos"', '"something_else"'))
    with pytest.raises(BadInputError, match="refit"):
        load_model(path)


def test_scores_by_hand() -> None:
    truth = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
    # Pairs put together: ab (right), cd (wrong). True pairs: ab, ac, bc, de.
    assert pairwise_scores(truth, predicted) == {
        "precision": 0.5,
        "recall": 0.25,
        "f1": round(1 / 3, 6),
    }
    # BCubed precision: a 1, b 1, c 1/2, d 1/2, e 1 -> 0.8; recall: a 2/3, b 2/3, c 1/3,
    # d 1/2, e 1/2 -> 8/15.
    assert bcubed_f1(truth, predicted) == round(2 * 0.8 * (8 / 15) / (0.8 + 8 / 15), 6)


def test_labels_are_read_with_their_source_and_errors_name_the_line(tmp_path: Path) -> None:
    good = tmp_path / "mine.tsv"
    good.write_text(
        "source\turl\tstory\nx\thttps://www.example.com/a?utm_source=t\ts1\n"
        "\thttps://example.com/b\ts1\n",
        encoding="utf-8",
    )
    labels = read_labels(good)
    assert labels == {
        "x": {"https://example.com/a": "x:s1"},
        "mine": {"https://example.com/b": "mine:s1"},
    }
    no_header = tmp_path / "plain.tsv"
    no_header.write_text("https://example.com/a\ts1\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"plain.tsv:1: .*'url' and 'story'"):
        read_labels(no_header)


def test_labels_saved_as_csv_by_a_spreadsheet_read_as_the_tsv_does(tmp_path: Path) -> None:
    """A spreadsheet's comma-separated export (quoted cells, Windows line ends) gives the same
    labels as the tab-separated sheet; a header with neither tab nor comma is refused."""
    rows = [("url", "story", "source"),
            ("https://example.com/a?x=1,2", "Cerebras, record", "june"),
            ("https://example.com/b", "Cerebras, record", "june"),
            ("https://example.com/c", "3", "june")]
    tsv, comma = tmp_path / "labels.tsv", tmp_path / "labels.csv"
    tsv.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    with comma.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)  # quotes the cells with commas, ends lines with \r\n
    assert '"Cerebras, record"' in comma.read_text(encoding="utf-8")
    assert read_labels(comma) == read_labels(tsv)
    assert len(set(read_labels(comma)["june"].values())) == 2
    alone = tmp_path / "one.csv"
    alone.write_text("url story\nhttps://example.com/a s1\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"one.csv:1: .*\(tab- or comma-separated\)"):
        read_labels(alone)


def test_labels_keep_a_url_with_a_line_separator_and_name_the_right_line(tmp_path: Path) -> None:
    """A URL may hold U+2028 (a YAML escape in a real SpaceNews document): it is one row, and
    the next row (Windows line ends) is read whole; an error names the file's line."""
    odd = "https://spacenews.com/azure-space\u2028/"
    path = tmp_path / "odd.tsv"
    path.write_text(
        f"url\tstory\r\n{odd}\ts1\r\nhttps://example.com/b\ts2\r\nhttps://example.com/c\t\r\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError, match=r"odd.tsv:4: a row needs a URL and a story"):
        read_labels(path)
    path.write_text(
        f"url\tstory\r\n{odd}\ts1\r\nhttps://example.com/b\ts2\r\n", encoding="utf-8"
    )
    labels = read_labels(path)["odd"]
    assert sorted(labels.values()) == ["odd:s1", "odd:s2"]
    assert labels["https://example.com/b"] == "odd:s2"
    assert any("\u2028" in url for url in labels)


def test_missing_related_lists_and_excerpts_are_flagged_not_guessed(tmp_path: Path) -> None:
    import graphnews
    from tests.test_stories import write_doc

    docs = tmp_path / "docs"
    a = write_doc(docs, "a", "Volcano erupts near Grindavik", "", "2023-11-10T08:00:00Z", "ruv.is")
    write_doc(
        docs,
        "b",
        "Grindavik volcano eruption: lava reaches town",
        "Lava and Grindavik",
        "2023-11-10T10:00:00Z",
        "bbc.co.uk",
        [(a, "Volcano erupts near Grindavik")],
    )
    write_doc(
        docs,
        "c",
        "Chip plant opens in Arizona",
        "Wafers shipped",
        "2023-11-10T09:00:00Z",
        "reuters.com",
    )
    db = graphnews.open(tmp_path / "t.db")
    db.ingest([docs])
    articles = Articles.load(db)
    pairs = candidate_pairs(articles)
    assert len(pairs) == 1  # the volcano pair: linked and similar; the chip plant is alone
    assert pairs.feature("no_excerpt")[0] == 1 and pairs.feature("linked")[0] == 1
    assert pairs.feature("lists_one")[0] == 1
    bare = candidate_pairs(articles.without_links())
    assert bare.feature("linked")[0] == 0 and bare.feature("lists_one")[0] == 0
    model = load_model()
    assert model.predict(pairs.x)[0] > 0.5
    membership = cluster(len(articles.ids), pairs, model.log_odds(pairs.x))
    assert len(set(membership.tolist())) == 2


def test_two_cores_give_exactly_the_one_core_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokenising in two processes and the neighbour search on two threads change nothing:
    the same vocabulary ids, so bit-identical features (floating-point sums included)."""
    from scipy import sparse

    import graphnews
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus
    from graphnews.stories import _parallel, pairs

    generate_corpus(tmp_path, documents=400, noise=0.3, seed=6)
    db = graphnews.open(":memory:")
    db.ingest([tmp_path / DOCUMENTS_DIR])
    articles = Articles.load(db)

    everything = np.arange(len(articles.ids))
    text = pairs._text_vectors(*pairs._term_counts(articles, everything)[:2])

    def computed(cores: int, parallel_from: int) -> tuple[pairs.Pairs, sparse.csr_matrix]:
        monkeypatch.setattr(_parallel.os, "cpu_count", lambda: cores)
        monkeypatch.setattr(pairs, "PARALLEL_FROM", parallel_from)
        # Blocks of 40 articles (on two threads: 20), so that there are many of them.
        near = pairs._text_neighbours(text, articles.ts, pairs.CandidateSearch(), block=40)
        return candidate_pairs(articles), near

    one, one_near = computed(1, 10**9)
    two, two_near = computed(2, 0)
    monkeypatch.setattr("graphnews._processes.sys.platform", "darwin")  # spawned, as on macOS
    spawned, _ = computed(2, 0)
    assert len(one) > 1000
    for name in ("u", "v", "x"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
        assert np.array_equal(getattr(one, name), getattr(spawned, name)), name
    assert (one_near != two_near).nnz == 0 and one_near.nnz > 1000


def test_only_keeps_the_links_between_kept_articles_renumbered() -> None:
    """`Articles.only`: the kept articles in order, a link kept when both its ends are, its
    ends renumbered into the smaller corpus."""
    articles = Articles(
        ids=np.array([10, 11, 12, 13]),
        ts=np.array([0.0, 1.0, 2.0, 3.0]),
        titles=["a", "b", "c", "d"],
        excerpts=["", "", "", ""],
        outlets=np.array([1, 2, 3, 4]),
        urls=["u0", "u1", "u2", "u3"],
        src=np.array([0, 1, 3, 3]),
        dst=np.array([3, 2, 1, 0]),
        documented=np.array([True, True, False, True]),
    )
    kept = articles.only(np.array([True, False, True, True]))
    assert kept.ids.tolist() == [10, 12, 13] and kept.urls == ["u0", "u2", "u3"]
    assert kept.titles == ["a", "c", "d"] and kept.outlets.tolist() == [1, 3, 4]
    assert kept.documented is not None and kept.documented.tolist() == [True, False, True]
    # 0->3 and 3->0 stay (now 0->2 and 2->0); 1->2 and 3->1 lose an end
    assert sorted(zip(kept.src.tolist(), kept.dst.tolist(), strict=True)) == [(0, 2), (2, 0)]
    bare = articles.without_links()
    assert bare.urls == ["u0", "u1", "u3"] and not bare.linked


def test_leiden_passes_give_igraphs_own_until_stable_stories(tmp_path: Path) -> None:
    """`cluster`'s bounded passes find the stories igraph's ``n_iterations=-1`` finds (the same
    random draws, pass for pass), over a generated corpus's candidate pairs weighted both ways."""
    import igraph as ig

    import graphnews
    from graphnews.communities import seeded
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus

    generate_corpus(tmp_path, documents=300, noise=0.3, seed=9)
    db = graphnews.open(":memory:")
    db.ingest([tmp_path / DOCUMENTS_DIR])
    articles = Articles.load(db)
    pairs = candidate_pairs(articles)
    rng = np.random.default_rng(9)
    weights = rng.normal(size=len(pairs)).tolist()  # negative and positive, as in `cluster`
    nodes = rng.uniform(0.1, 1.0, size=len(articles.ids)).tolist()
    graph = ig.Graph(n=len(articles.ids), edges=np.column_stack((pairs.u, pairs.v)).tolist())
    for seed in (0, 1):
        with seeded(seed):
            bounded = pairs_module._leiden(graph, weights, nodes)
        with seeded(seed):
            until_stable = graph.community_leiden(
                objective_function="CPM",
                weights=weights,
                node_weights=nodes,
                resolution=1.0,
                n_iterations=-1,
            ).membership
        assert bounded == until_stable
        assert 1 < len(set(bounded)) < len(articles.ids)  # stories of several articles


def test_leiden_passes_stop_when_a_pass_never_settles(monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph whose every pass moves an article (what igraph's ``n_iterations=-1`` would loop
    on for ever) is left after `LEIDEN_PASSES` passes with the last pass's stories."""

    from types import SimpleNamespace

    class Flipping:
        """Stands in for an igraph graph whose Leiden passes never settle."""

        def __init__(self) -> None:
            self.passes = 0

        def community_leiden(self, **_: object) -> SimpleNamespace:
            self.passes += 1
            return SimpleNamespace(membership=[self.passes % 2, 0, 1])

    monkeypatch.setattr(pairs_module, "LEIDEN_PASSES", 7)
    graph = Flipping()
    assert pairs_module._leiden(graph, [1.0], [1.0, 1.0, 1.0]) == [1, 0, 1]
    assert graph.passes == 7
