"""Corrections to the stories (`graphnews.stories.constraints`): join and separate.

The clustering with corrections is checked against every partition of a small graph (the best
one that keeps the corrections, by the objective `cluster` maximises, computed here from
`Clustering.weights` alone), and through the database: stored, honoured by full and
incremental computations and by the ranges, forgotten back to the stories before.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.errors import BadInputError, NotFoundError
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.stories import detect_stories, stories_are_current, update_stories
from graphnews.stories.alternatives import alternative_stories
from graphnews.stories.constraints import constrain, load_constraints
from graphnews.stories.pairs import Clustering, Pairs, _Contraction, cluster
from graphnews.stories.stored import load_stories, story_of_article

runner = CliRunner()


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for smaller in _partitions(rest):
        yield [[first], *smaller]
        for i in range(len(smaller)):
            yield [*smaller[:i], [first, *smaller[i]], *smaller[i + 1:]]


def _objective(labels: list[int], u: np.ndarray, v: np.ndarray, weights: np.ndarray,
               node: np.ndarray, separate: list[tuple[int, int]]) -> float:
    """What `cluster` maximises: the pairs' weights inside stories, less each pair of articles
    in one story ``node_i * node_j`` (the non-candidate penalty, which the pair weights include
    back for candidate pairs), less a separated pair's `SEPARATE_LOG_ODDS` (huge)."""
    total = sum(w for a, b, w in zip(u, v, weights, strict=True) if labels[a] == labels[b])
    total -= sum(node[i] * node[j] for i, j in itertools.combinations(range(len(labels)), 2)
                 if labels[i] == labels[j])
    return total - 1e6 * sum(labels[a] == labels[b] for a, b in separate)


def _small() -> tuple[Pairs, np.ndarray]:
    """Seven articles: two likely stories {0, 1, 2} and {3, 4, 5}, 6 between, a weak link
    2-3."""
    edges = [(0, 1, 3.0), (0, 2, 2.5), (1, 2, 2.0), (3, 4, 3.0), (3, 5, 2.0), (4, 5, 2.5),
             (2, 3, -0.5), (5, 6, 0.8), (1, 6, 0.6), (0, 6, -1.0)]
    u, v, log_odds = (np.array(c) for c in zip(*edges, strict=True))
    x = np.linspace(0.2, 0.6, len(u)).reshape(-1, 1)  # a text cosine per pair
    return Pairs(u.astype(np.int64), v.astype(np.int64), x, ("text_cos",)), log_odds


@pytest.mark.parametrize(("join", "separate"), [
    ([], []),
    ([(2, 3)], []),
    ([], [(0, 1)]),
    ([(2, 3), (6, 0)], [(1, 4)]),
    ([(0, 6)], [(5, 6), (0, 2)]),
])
def test_clustering_with_corrections_is_the_best_partition_that_keeps_them(
    join: list[tuple[int, int]], separate: list[tuple[int, int]]
) -> None:
    pairs, log_odds = _small()
    as_array = [np.array(c, dtype=np.int64).reshape(-1, 2) for c in (join, separate)]
    clustering = Clustering(7, pairs, log_odds, join=as_array[0], separate=as_array[1])
    got = clustering.membership(threshold=0.5, seed=0).tolist()
    for a, b in join:
        assert got[a] == got[b]
    for a, b in separate:
        assert got[a] != got[b]
    weights, node = Clustering(7, pairs, log_odds).weights(0.5)  # the uncorrected weights
    best = -np.inf
    for partition in _partitions(list(range(7))):
        labels = [0] * 7
        for number, part in enumerate(partition):
            for i in part:
                labels[i] = number
        if all(labels[a] == labels[b] for a, b in join):
            best = max(best, _objective(labels, pairs.u, pairs.v, weights, node, separate))
    assert _objective(got, pairs.u, pairs.v, weights, node, separate) == pytest.approx(best)
    if not join and not separate:
        assert got == cluster(7, pairs, log_odds).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_on_random_graphs_too(seed: int) -> None:
    """Eight articles, random candidate pairs and log-odds (so that the penalties of articles
    whose nearest texts are unlikely weigh), two joins and a separation."""
    rng = np.random.default_rng(seed)
    u, v = (np.array(c, dtype=np.int64) for c in zip(
        *[(i, j) for i, j in itertools.combinations(range(8), 2) if rng.random() < 0.6],
        strict=True))
    log_odds = rng.normal(0.0, 3.0, len(u))
    pairs = Pairs(u, v, rng.random((len(u), 1)), ("text_cos",))
    order = rng.permutation(8)
    join = [(int(order[0]), int(order[1])), (int(order[1]), int(order[2]))]
    separate = [(int(order[3]), int(order[4]))]
    got = Clustering(8, pairs, log_odds, join=np.array(join), separate=np.array(separate)
                     ).membership(threshold=0.5, seed=0).tolist()
    weights, node = Clustering(8, pairs, log_odds).weights(0.5)
    best = max(
        _objective(labels, u, v, weights, node, separate)
        for partition in _partitions(list(range(8)))
        for labels in [[next(k for k, part in enumerate(partition) if i in part)
                        for i in range(8)]]
        if all(labels[a] == labels[b] for a, b in join))
    assert _objective(got, u, v, weights, node, separate) == pytest.approx(best)
    assert max(node) > 0.5  # the penalties weigh here


@pytest.mark.parametrize("seed", range(4))
def test_the_joined_graph_scores_every_partition_as_the_articles_do(seed: int) -> None:
    """The contraction is exact: for every partition of the joined graph, its objective (over
    the contracted edges and summed node weights) and the articles' objective of the same
    stories differ by one constant (the pairs inside each joined group)."""
    rng = np.random.default_rng(seed)
    u, v = (np.array(c, dtype=np.int64) for c in zip(
        *[(i, j) for i, j in itertools.combinations(range(8), 2) if rng.random() < 0.6],
        strict=True))
    pairs = Pairs(u, v, rng.random((len(u), 1)), ("text_cos",))
    log_odds = rng.normal(0.0, 3.0, len(u))
    join = np.array([(0, 1), (1, 2), (5, 6)])
    separate = np.array([(3, 7)])
    weights, node = Clustering(8, pairs, log_odds).weights(0.5)
    contracted = _Contraction.of(8, u, v, join, separate)
    assert contracted is not None and contracted.nodes == 5
    edge_weights, node_weights = contracted.weights(weights, node)
    cu, cv = contracted.edges()
    differences = set()
    for partition in _partitions(list(range(contracted.nodes))):
        labels = [next(k for k, part in enumerate(partition) if g in part)
                  for g in range(contracted.nodes)]
        mine = _objective(labels, cu, cv, edge_weights, node_weights, [])
        articles = [labels[g] for g in contracted.group]
        differences.add(round(mine - _objective(articles, u, v, weights, node,
                                                separate.tolist()), 6))
    assert len(differences) == 1


def test_corrections_in_a_corpus_of_a_hundred_thousand_articles() -> None:
    """Node pairs are keyed as one 64-bit number: with scipy's 32-bit component labels a
    corpus of 100,000 articles overflowed (found by timing a join there)."""
    n = 100_000
    u = np.array([99_990, 99_991, 99_992, 5], dtype=np.int64)
    v = np.array([99_991, 99_992, 99_999, 6], dtype=np.int64)
    pairs = Pairs(u, v, np.full((4, 1), 0.5), ("text_cos",))
    log_odds = np.array([3.0, 3.0, -3.0, 3.0])
    got = Clustering(n, pairs, log_odds, join=np.array([[99_992, 99_999], [0, 99_998]]),
                     separate=np.array([[5, 6]])).membership(threshold=0.5, seed=0)
    assert got[99_990] == got[99_991] == got[99_992] == got[99_999]
    assert got[0] == got[99_998] and got[5] != got[6]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated corpus split in two folders (three documents ingested later), 20% noise
    links."""
    folder = tmp_path_factory.mktemp("constraints")
    generate_corpus(folder, documents=300, noise=0.2, seed=5)
    files = sorted((folder / DOCUMENTS_DIR).rglob("*.md"))
    later = folder / "later"
    later.mkdir()
    for f in files[-3:]:
        shutil.move(f, later / f.name)
    return folder / DOCUMENTS_DIR, later


def _url(db: graphnews.Database, article: int) -> str:
    return str(db.conn.execute("SELECT canonical_url FROM articles WHERE id = ?",
                               (article,)).fetchone()[0])


def test_corrections_hold_through_full_and_incremental_computations_and_the_ranges(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    first, later = corpus
    db = graphnews.open(tmp_path / "news.db")
    db.ingest([first], workers=0)
    detect_stories(db)
    before = {frozenset(s.articles) for s in load_stories(db)}
    big = [s for s in load_stories(db) if s.size >= 4]
    a, b = big[0], big[1]
    constrain(db, a.id, b.id, "join")
    out = a.articles[-1]  # the last article of a: taken out of it
    constrain(db, _url(db, out), a.id, "separate")
    assert not stories_are_current(db)
    assert update_stories(db).mode == "full"

    def holds() -> None:
        assert story_of_article(db, a.articles[0]) == story_of_article(db, b.articles[0])
        assert story_of_article(db, out) != story_of_article(db, a.articles[0])

    holds()
    assert update_stories(db).mode == "unchanged"
    db.ingest([later], workers=0)
    assert update_stories(db).mode == "incremental"
    holds()
    found = alternative_stories(db, resolutions=(0.3, 0.7), seeds=(0, 1))
    at = {article: i for i, article in enumerate(found.ids.tolist())}
    assert len(found.labels) == 6
    for labels in found.labels.values():
        assert labels[at[a.articles[0]]] == labels[at[b.articles[0]]]
        assert labels[at[out]] != labels[at[a.articles[0]]]
    # forgetting both: the stories of the same data without corrections, exactly
    constrain(db, _url(db, a.articles[0]), _url(db, b.articles[0]), None)
    constrain(db, _url(db, out), _url(db, a.articles[0]), None)
    assert load_constraints(db).items == ()
    update_stories(db)
    fresh = graphnews.open(tmp_path / "fresh.db")
    fresh.ingest([first], workers=0)
    fresh.ingest([later], workers=0)
    detect_stories(fresh)
    assert {frozenset(_url(db, x) for x in s.articles) for s in load_stories(db)} == {
        frozenset(_url(fresh, x) for x in s.articles) for s in load_stories(fresh)}
    assert before  # (the first stories, before any correction, are those of less data)


def test_a_correction_clusters_again_only_the_stories_it_touches(tmp_path: Path) -> None:
    """A correction made or forgotten marks its two articles as changed: their stories and the
    articles within the text window of them are clustered again, every other story stays as
    it was, and the stories are those of a full computation but for Leiden's work on a
    region."""
    from sklearn.metrics import adjusted_rand_score

    generate_corpus(tmp_path / "c", documents=600, noise=0.2, seed=5, days=120)
    db = graphnews.open(tmp_path / "news.db")
    db.ingest([tmp_path / "c" / DOCUMENTS_DIR], workers=0)
    detect_stories(db)
    before = load_stories(db)
    when = dict(db.conn.execute("SELECT id, published_ts FROM articles"))
    big = sorted((s for s in before if s.size >= 3), key=lambda s: when[s.articles[0]])
    a, b = big[0], big[1]  # two early stories
    choices = {"resolutions": (0.4, 0.6), "seeds": (1,)}
    alternative_stories(db, **choices)  # kept, then updated as the stories are
    constrain(db, a.id, b.id, "join")
    made = update_stories(db)
    assert made.mode == "incremental" and 0 < made.recomputed < made.articles / 2
    assert story_of_article(db, a.articles[0]) == story_of_article(db, b.articles[0])
    found = alternative_stories(db, **choices)
    assert 0 < found.clustered < len(found.ids) / 2
    at = {x: i for i, x in enumerate(found.ids.tolist())}
    assert all(labels[at[a.articles[0]]] == labels[at[b.articles[0]]]
               for labels in found.labels.values())
    late = [s for s in before
            if min(when[x] for x in s.articles) > max(when[x] for x in a.articles + b.articles)
            + 30 * 86400]
    after = {s.id: s.articles for s in load_stories(db)}
    assert late and all(after.get(s.id) == s.articles for s in late)  # far away: as they were

    def partition(database: graphnews.Database) -> list[str]:
        story = {x: s.id for s in load_stories(database) for x in s.articles}
        return [story[x] for x in sorted(story)]

    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file copied
    shutil.copy(tmp_path / "news.db", tmp_path / "full.db")
    full = graphnews.open(tmp_path / "full.db")
    assert update_stories(full, incremental=False).mode == "full"
    assert adjusted_rand_score(partition(full), partition(db)) > 0.99
    with full.transaction():
        full.conn.execute("DELETE FROM meta WHERE key = 'story_alternatives'")
    made_in_full = alternative_stories(full, **choices)
    assert made_in_full.clustered == len(found.ids)
    assert all(adjusted_rand_score(made_in_full.labels[k], found.labels[k]) > 0.99
               for k in found.labels)
    # forgotten: clustered again in the same region, the stories of no correction
    constrain(db, a.id, _url(db, b.articles[0]), None)
    assert load_constraints(db).items == ()
    assert update_stories(db).mode == "incremental"
    assert story_of_article(db, a.articles[0]) != story_of_article(db, b.articles[0])
    assert {frozenset(s.articles) for s in load_stories(db)} == {
        frozenset(s.articles) for s in before}
    # stories stored by a graphnews that did not record its corrections: without any then,
    # a correction is clustered again where it is; with some, everything is
    def unrecorded() -> None:
        state = json.loads(db.conn.execute("SELECT value FROM meta WHERE key = 'stories'"
                                           ).fetchone()[0])
        assert state.pop("corrections") == [c.as_dict() for c in load_constraints(db).items]
        with db.transaction():
            db.put_meta("stories", json.dumps(state))

    unrecorded()
    constrain(db, a.id, b.id, "join")
    made = update_stories(db)
    assert made.mode == "incremental" and made.recomputed > 0
    assert story_of_article(db, a.articles[0]) == story_of_article(db, b.articles[0])
    unrecorded()
    constrain(db, a.id, _url(db, b.articles[0]), None)
    assert update_stories(db).mode == "full"


def test_contradictions_and_unknown_articles_are_refused(corpus: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    first, _ = corpus
    db = graphnews.open(tmp_path / "news.db")
    db.ingest([first], workers=0)
    detect_stories(db)
    s = next(s for s in load_stories(db) if s.size >= 3)
    x, y, z = (_url(db, a) for a in s.articles[:3])
    constrain(db, x, y, "join")
    constrain(db, y, z, "join")
    with pytest.raises(BadInputError, match="joined through other articles"):
        constrain(db, x, z, "separate")
    constrain(db, x, y, None)
    constrain(db, x, z, "separate")
    with pytest.raises(BadInputError, match="kept apart"):
        constrain(db, x, y, "join")
    with pytest.raises(BadInputError, match="the same article"):
        constrain(db, x, s.id, "join")  # the story stands for its first article, x
    with pytest.raises(NotFoundError):
        constrain(db, "https://nowhere.example/a", x, "join")
    with pytest.raises(NotFoundError):
        constrain(db, "s-000000000000", x, "join")
    # a later word on a pair replaces the earlier one
    constrain(db, y, z, "separate")
    kinds = {(c.a, c.b): c.kind for c in load_constraints(db).items}
    assert kinds == {tuple(sorted((y, z))): "separate", tuple(sorted((x, z))): "separate"}


def test_cli_join_separate_forget_and_list(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    first, _ = corpus
    path = tmp_path / "news.db"
    db = graphnews.open(path)
    db.ingest([first], workers=0)
    detect_stories(db)
    a, b = [s for s in load_stories(db) if s.size >= 3][:2]
    db.close()
    joined = runner.invoke(app, ["story", a.id, "--join", b.id, "--db", str(path), "-f",
                                 "json"])
    assert joined.exit_code == 0, joined.output
    shown = json.loads(joined.stdout)
    assert shown["size"] > max(a.size, b.size)
    said = " ".join(joined.stderr.split())  # stderr wraps at the terminal's width
    assert "one story (1 corrections stored)" in said
    assert "1 corrections by hand)" in said  # the recomputation says it honoured it
    assert [c["kind"] for c in shown["corrections"]] == ["join"]  # the story says so
    from graphnews.render import render_site

    with graphnews.open(path, readonly=True) as db:
        pages = render_site(db, tmp_path / "site", stories=[shown["id"]])
    page = next(p for p in pages if p.name.startswith("story-")).read_text(encoding="utf-8")
    assert "<dt>corrected by hand</dt><dd>1 join</dd>" in page
    listed = json.loads(runner.invoke(app, ["stories", "--constraints", "--db", str(path),
                                            "-f", "json"]).stdout)
    assert [c["kind"] for c in listed] == ["join"] and listed[0]["a_story"] == listed[0][
        "b_story"]
    merged = shown["id"]  # the id of its first article's story: a's or b's
    refused = runner.invoke(app, ["story", merged, "--separate", merged, "--db", str(path)])
    assert refused.exit_code != 0 and "the same article" in " ".join(refused.output.split())
    assert "Traceback" not in refused.output
    missing = runner.invoke(app, ["story", merged, "--join", "https://nowhere.example/x",
                                  "--db", str(path)])
    assert missing.exit_code != 0 and "no article has the URL" in " ".join(
        missing.output.split())
    db = graphnews.open(path)
    first_of_a, first_of_b = _url(db, a.articles[0]), _url(db, b.articles[0])
    db.close()
    gone = a.id if merged != a.id else b.id  # the id the join retired
    stale = runner.invoke(app, ["story", first_of_a, "--forget", gone, "--db", str(path)])
    assert stale.exit_code != 0 and "by its articles' URLs" in " ".join(stale.output.split())
    forgot = runner.invoke(app, ["story", first_of_a, "--forget", first_of_b, "--db",
                                 str(path)])
    assert forgot.exit_code == 0, forgot.output
    empty = runner.invoke(app, ["stories", "--constraints", "--db", str(path)])
    assert "no corrections stored" in empty.stdout


def test_labels_as_corrections_make_the_stories_agree_with_them(tmp_path: Path) -> None:
    from graphnews.stories.constraints import correct_with_labels
    from graphnews.stories.score import score_stories
    from tests.helpers_corpus import LABELLED, labelled_subset

    db, labels = labelled_subset(tmp_path / "ai.db")
    (before,) = score_stories(db, labels).scores
    assert before.stories["precision"] < 1  # the stored stories merge some labelled ones
    done = correct_with_labels(db, labels)
    assert done.merged == 0 and done.joins == before.labelled - before.labelled_stories
    assert done.separations > 0 and stories_are_current(db)
    (after,) = score_stories(db, labels).scores
    assert after.stories == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "bcubed_f1": 1.0}
    again = correct_with_labels(db, labels)  # nothing more to say
    assert (again.joins, again.separations, again.rounds) == (0, 0, 1)
    # a label against an earlier correction is refused, and nothing is added
    sizes = Counter(labels["ai-2022-06"].values())
    story = next(s for s, n in sizes.items() if n >= 2)
    a, b = [url for url, s in labels["ai-2022-06"].items() if s == story][:2]
    fresh, _ = labelled_subset(tmp_path / "fresh.db")
    constrain(fresh, a, b, "separate")
    with pytest.raises(BadInputError, match="forget that separation first"):
        correct_with_labels(fresh, labels)
    assert len(load_constraints(fresh).items) == 1
    other = next(url for url, s in labels["ai-2022-06"].items() if s != story)
    constrain(fresh, a, b, None)
    constrain(fresh, a, other, "join")  # two labelled stories joined before
    with pytest.raises(BadInputError, match="forget that join first"):
        correct_with_labels(fresh, labels)
    assert len(load_constraints(fresh).items) == 1  # nothing added
    result = runner.invoke(app, ["stories", "--correct", str(LABELLED / "labels.tsv"), "--db",
                                 str(tmp_path / "ai.db"), "-f", "json"])
    assert result.exit_code == 0 and "0 joins and 0 separations" in " ".join(
        result.stderr.split())


def test_corrections_carried_to_another_database_by_file(corpus: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    """What 'stories --constraints' writes (JSON or CSV), 'stories --correct' adds to another
    database of the same documents: the same corrections, the same stories."""
    from graphnews.stories.constraints import apply_corrections, read_corrections
    from tests.helpers_corpus import LABELLED

    first, _ = corpus
    paths = []
    for name in ("a", "b"):
        db = graphnews.open(tmp_path / f"{name}.db")
        db.ingest([first], workers=0)
        detect_stories(db)
        db.close()
        paths.append(tmp_path / f"{name}.db")
    db = graphnews.open(paths[0])
    a, b, c = [s for s in load_stories(db) if s.size >= 3][:3]
    constrain(db, a.id, b.id, "join")
    constrain(db, _url(db, c.articles[-1]), c.id, "separate")
    update_stories(db)
    stored = load_constraints(db).items
    stories = {frozenset(_url(db, x) for x in s.articles) for s in load_stories(db)}
    db.close()
    for fmt in ("json", "csv"):
        out = runner.invoke(app, ["stories", "--constraints", "-f", fmt, "--db", str(paths[0])])
        (tmp_path / f"fixes.{fmt}").write_text(out.stdout)
    added = runner.invoke(app, ["stories", "--correct", str(tmp_path / "fixes.json"), "--db",
                                str(paths[1]), "-f", "json"])
    assert added.exit_code == 0 and "2 corrections added" in " ".join(added.stderr.split())
    again = runner.invoke(app, ["stories", "--correct", str(tmp_path / "fixes.csv"), "--db",
                                str(paths[1]), "-f", "json"])
    said = " ".join(again.stderr.split())  # stderr wraps at the terminal's width
    assert again.exit_code == 0 and "0 corrections added" in said
    assert "(2 already stored)" in said
    other = graphnews.open(paths[1])
    assert load_constraints(other).items == stored
    assert {frozenset(_url(other, x) for x in s.articles) for s in load_stories(other)} == stories
    # a row naming an article this database lacks is skipped and said; a bad row is refused
    odd = tmp_path / "odd.csv"
    odd.write_text("kind,a,b\njoin,https://nowhere.example/x," + stored[0].a + "\n")
    assert apply_corrections(other, read_corrections(odd) or []).missing == [
        "https://nowhere.example/x"]
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,a,b\nmerge,https://a.example/1,https://a.example/2\n")
    with pytest.raises(BadInputError, match="line 2"):
        read_corrections(bad)
    assert read_corrections(LABELLED / "labels.tsv") is None  # labels are no corrections file
