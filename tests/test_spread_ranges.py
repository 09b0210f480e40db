"""How far the spread figures and the stories move under other clusterings (`spread_ranges`,
`story_stability`, `story_variants`).

Checked against an independent path: for each resolution and seed, the stories stored by
`detect_stories` in a copy of the database and `outlet_spread` over them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

import graphnews
from graphnews.errors import BadInputError
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.spread import (
    OutletSpread,
    _ranges,
    outlet_spread,
    spread_ranges,
    stories_spread,
)
from graphnews.stories import detect_stories, update_stories
from graphnews.stories.alternatives import (
    CACHE_META_KEY,
    Alternatives,
    _Kept,
    alternative_stories,
    story_stability,
    story_variants,
)
from graphnews.stories.constraints import constrain
from graphnews.stories.detect import stored_parameters
from graphnews.stories.stored import load_stories
from tests.conftest import write_doc


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus of 300 documents with 20% noise links, its stories stored."""
    folder = tmp_path_factory.mktemp("ranges")
    generate_corpus(folder, documents=300, noise=0.2, seed=5)
    path = folder / "news.db"
    db = graphnews.open(str(path))
    db.ingest([folder / DOCUMENTS_DIR])
    detect_stories(db)
    db.close()
    return path


def _partition(groups: dict[int, object]) -> set[frozenset[int]]:
    out: dict[object, set[int]] = defaultdict(set)
    for article, group in groups.items():
        out[group].add(article)
    return {frozenset(g) for g in out.values()}


def test_the_stored_parameters_give_the_stored_stories_and_nothing_is_stored(
    corpus: Path, tmp_path: Path
) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(corpus, path)
    db = graphnews.open(str(path))
    before = load_stories(db)
    found = alternative_stories(db, resolutions=(0.5, 0.3), seeds=(0,))
    assert load_stories(db) == before and stored_parameters(db) == {
        "resolution": 0.5, "seed": 0, "related": True, "singletons": True}
    stored = {a: s.id for s in before for a in s.articles}
    def under(key: tuple[float, int]) -> dict[int, object]:
        return dict(zip(found.ids.tolist(), found.labels[key].tolist(), strict=True))

    assert _partition(under((0.5, 0))) == _partition(stored)
    assert _partition(under((0.3, 0))) != _partition(stored)  # a real alternative


def _independent(corpus: Path, tmp_path: Path, keys: list[tuple[float, int]], min_stories: int,
                 every: str | None) -> dict[tuple[str | None, str], list[tuple]]:
    """Per (window, outlet): (stories, first, leader_score, rank) under each clustering, from
    the stories each one stores in a copy of the database (no row: 0, 0, None; rank None
    below ``min_stories``)."""
    tables = []
    for resolution, seed in keys:
        path = tmp_path / f"{resolution}-{seed}.db"
        shutil.copy(corpus, path)
        db = graphnews.open(str(path))
        detect_stories(db, resolution=resolution, seed=seed, incremental=False)
        tables.append(outlet_spread(db, every=every, min_stories=1))
        db.close()
    outlets = {(r.window, r.outlet) for table in tables for r in table
               if r.stories >= min_stories}
    figures: dict[tuple[str | None, str], list[tuple]] = {key: [] for key in outlets}
    for table in tables:
        places: dict[str | None, int] = defaultdict(int)
        rank = {}
        for row in table:
            if row.stories >= min_stories:
                places[row.window] += 1
                rank[(row.window, row.outlet)] = places[row.window]
        rows = {(r.window, r.outlet): r for r in table}
        for key in outlets:
            row = rows.get(key)
            figures[key].append((0, 0, None, None) if row is None else
                                (row.stories, row.first, row.leader_score, rank.get(key)))
    return figures


@pytest.mark.parametrize(("every", "min_stories"), [(None, 2), ("week", 2), (None, 4)])
def test_ranges_are_those_of_the_stories_each_clustering_stores(
    corpus: Path, tmp_path: Path, every: str | None, min_stories: int
) -> None:
    db = graphnews.open(str(corpus))
    clusterings, ranges = spread_ranges(db, every=every, min_stories=min_stories,
                                        resolutions=(0.4, 0.6), seeds=(0, 1))
    # the stored stories' own resolution and seed are added
    assert clusterings == [(r, s) for r in (0.4, 0.5, 0.6) for s in (0, 1)]
    expected = _independent(corpus, tmp_path, clusterings, min_stories, every)
    got = {(r.window, r.outlet): r for r in ranges}
    assert set(got) == set(expected)
    for key, values in expected.items():
        r = got[key]
        stories, first, scores, ranks = zip(*values, strict=True)
        scores = [s for s in scores if s is not None]
        ranks = [k for k in ranks if k is not None]
        assert r.clusterings == len(ranks)
        assert r.stories == (min(stories), max(stories))
        assert r.first == (min(first), max(first))
        assert r.leader_score == (min(scores), max(scores))
        assert r.rank == (min(ranks), max(ranks))
    # the clusterings differ: some figure moves (else this test could not fail)
    assert any(r.rank[0] != r.rank[1] or r.clusterings < len(clusterings) for r in ranges)
    assert any(r.stories[0] < r.stories[1] for r in ranges)


def test_one_clustering_gives_the_stored_figures(corpus: Path) -> None:
    db = graphnews.open(str(corpus))
    clusterings, ranges = spread_ranges(db, min_stories=1, resolutions=(0.5,), seeds=(0,))
    assert clusterings == [(0.5, 0)]
    rows = outlet_spread(db, min_stories=1)
    assert [(r.outlet, r.stories, r.first, r.leader_score) for r in rows] == [
        (r.outlet, r.stories[0], r.first[0], r.leader_score[0]) for r in ranges]
    assert all(r.stories[0] == r.stories[1] and r.rank == (i, i)
               for i, r in enumerate(ranges, start=1))


@pytest.mark.parametrize(("resolutions", "seeds", "says"), [
    ((1.0,), (0,), "between 0 and 1, not 1.0"),
    ((0.5,), (), "at least one resolution and one seed"),
])
def test_bad_choices_are_refused(corpus: Path, resolutions: tuple[float, ...],
                                 seeds: tuple[int, ...], says: str) -> None:
    db = graphnews.open(str(corpus))
    with pytest.raises(BadInputError, match=says):
        alternative_stories(db, resolutions=resolutions, seeds=seeds)


def test_story_stability_is_what_the_stored_clusterings_say(corpus: Path, tmp_path: Path) -> None:
    """`kept`: in how many clusterings (each stored in a copy by `detect_stories`) the story's
    articles are exactly one story; `size`: the sizes of the story holding most of them."""
    db = graphnews.open(str(corpus))
    stories = list(load_stories(db))
    found = story_stability(db, resolutions=(0.3, 0.7), seeds=(0,))
    partitions = []
    firsts = []  # per clustering: each story's articles -> its first reporters, by spread
    for resolution in (0.3, 0.5, 0.7):
        path = tmp_path / f"{resolution}.db"
        shutil.copy(corpus, path)
        other = graphnews.open(str(path))
        detect_stories(other, resolution=resolution, seed=0, incremental=False)
        partitions.append([frozenset(s.articles) for s in load_stories(other)])
        firsts.append({frozenset(a.id for a in s.articles): tuple(s.first_reporter)
                       for s in stories_spread(other)})
        other.close()
    mine = {frozenset(a.id for a in s.articles): tuple(s.first_reporter)
            for s in stories_spread(db)}
    untied = 0
    for story in stories:
        members = frozenset(story.articles)
        got = found[story.id]
        assert got.clusterings == 3
        assert got.kept == sum(members in p for p in partitions)
        # the holding story's size, whichever of the stories tied for most of them it is
        possible = []
        for p in partitions:
            overlap = max(len(members & c) for c in p)
            possible.append({len(c) for c in p if len(members & c) == overlap})
        assert min(min(s) for s in possible) <= got.size[0] <= min(max(s) for s in possible)
        # first reporter held: counted where one story holds most of it (no tie)
        holders = [[c for c in p if len(members & c) == max(len(members & d) for d in p)]
                   for p in partitions]
        assert max(min(s) for s in possible) <= got.size[1] <= max(max(s) for s in possible)
        assert got.kept < 3 or got.size == (story.size, story.size)
        if all(len(h) == 1 for h in holders):
            untied += 1
            assert got.first_held == sum(
                first[h[0]] == mine[members] for first, h in zip(firsts, holders, strict=True))
    assert untied > 0.9 * len(stories)
    assert any(found[s.id].first_held < 3 for s in stories)  # it can move
    assert any(f.kept == 3 for f in found.values()) and any(f.kept < 3 for f in found.values())


def _same(a: Alternatives, b: Alternatives) -> bool:
    return (list(a.labels) == list(b.labels) and a.ids.tolist() == b.ids.tolist()
            and _partitions(a) == _partitions(b) and a.outlets.tolist() == b.outlets.tolist()
            and a.ts[~np.isnan(a.ts)].tolist() == b.ts[~np.isnan(b.ts)].tolist())


def test_the_clusterings_are_kept_until_what_they_depend_on_changes(corpus: Path,
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(corpus, path)
    db = graphnews.open(str(path))
    choices = {"resolutions": (0.4, 0.6), "seeds": (0, 1)}
    first = alternative_stories(db, **choices)
    kept = _Kept.read(db)
    assert kept is not None and _same(kept.found, first)
    # what is kept is what is read back: a kept clustering altered in place is returned
    altered = Alternatives(first.ids, dict(first.labels), first.ts, first.outlets)
    altered.labels[(0.4, 0)] = np.arange(len(first.ids))
    kept.found = altered
    kept.write(db)
    assert _same(alternative_stories(db, **choices), altered)
    # and a computation from nothing gives what was kept, as does one after clusterings kept
    # by another version of graphnews (another format: made again, not read)
    _forget(db)
    assert _same(alternative_stories(db, **choices), first)
    with db.transaction():
        db.put_meta(CACHE_META_KEY, json.dumps({"key": "an older format", "arrays": ""}))
    assert _same(alternative_stories(db, **choices), first)
    assert _Kept.read(db) is not None
    # other choices are made, not read (the stored stories' own 0.5 and seed 0 always added)
    other = alternative_stories(db, resolutions=(0.3,), seeds=(2,))
    assert list(other.labels) == [(0.3, 0), (0.3, 2), (0.5, 0), (0.5, 2)]
    # a correction: the two articles are one story in every clustering made after it
    a, b = [s for s in load_stories(db) if s.size >= 2][:2]
    at = {article: i for i, article in enumerate(first.ids.tolist())}
    assert first.labels[(0.4, 0)][at[a.articles[0]]] != first.labels[(0.4, 0)][at[b.articles[0]]]
    constrain(db, a.id, b.id, "join")
    joined = alternative_stories(db, **choices)
    assert all(labels[at[a.articles[0]]] == labels[at[b.articles[0]]]
               for labels in joined.labels.values())
    # new data: the new article is in every clustering
    folder = tmp_path / "later"
    url = write_doc(folder, "later", "A later article", "Nothing like the others at all.",
                    "2030-01-01T00:00:00Z", "later.example")
    db.ingest([folder], workers=0)
    grown = alternative_stories(db, **choices)
    assert len(grown.ids) == len(first.ids) + 1 and db.resolve_url(url) in grown.ids.tolist()
    # a read-only database reads what is kept, and keeps nothing of what it makes
    db.close()
    readonly = graphnews.open(str(path), readonly=True)
    assert _same(alternative_stories(readonly, **choices), grown)
    readonly.close()
    _forget(graphnews.open(str(path)))
    readonly = graphnews.open(str(path), readonly=True)
    made = alternative_stories(readonly, **choices)
    assert all(adjusted_rand_score(made.labels[k], grown.labels[k]) > 0.95 for k in made.labels)
    assert readonly.conn.execute("SELECT count(*) FROM meta WHERE key = ?",
                                 (CACHE_META_KEY,)).fetchone()[0] == 0


def _partitions(found: Alternatives) -> dict[tuple[float, int], set[frozenset[int]]]:
    return {key: _partition(dict(zip(found.ids.tolist(), labels.tolist(), strict=True)))
            for key, labels in found.labels.items()}


def test_new_data_clusters_again_only_the_stories_it_touches(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    generate_corpus(folder, documents=300, noise=0.2, seed=6, days=120)
    path = tmp_path / "news.db"
    db = graphnews.open(str(path))
    db.ingest([folder / DOCUMENTS_DIR], workers=0)
    detect_stories(db)
    choices = {"resolutions": (0.4, 0.6), "seeds": (0, 1)}
    before = alternative_stories(db, **choices)
    assert before.clustered == len(before.ids)
    assert alternative_stories(db, **choices).clustered == 0  # read back
    # far from every other article: its own story in each clustering, nothing else moves
    far = write_doc(tmp_path / "far", "far", "A later article", "Nothing like the others.",
                    "2030-01-01T00:00:00Z", "far.example")
    db.ingest([tmp_path / "far"], workers=0)
    grown = alternative_stories(db, **choices)
    assert grown.clustered == 1
    new = db.resolve_url(far)
    for key, stories in _partitions(grown).items():
        assert stories == _partitions(before)[key] | {frozenset({new})}
    full = alternative_stories(_fresh(path, tmp_path), **choices)
    assert all(adjusted_rand_score(full.labels[k], grown.labels[k]) > 0.95 for k in full.labels)
    # a copy of a story's article, published beside it: in that story in every clustering;
    # the stories of articles more than two windows away are those made before, exactly
    story = max(load_stories(db), key=lambda s: s.size)
    article = db.conn.execute("SELECT title, excerpt, published FROM articles WHERE id = ?",
                              (story.articles[0],)).fetchone()
    copy = write_doc(tmp_path / "copy", "copy", article[0], article[1], article[2],
                     "copy.example")
    db.ingest([tmp_path / "copy"], workers=0)
    before, grown = grown, alternative_stories(db, **choices)
    assert 0 < grown.clustered < len(grown.ids) / 2
    at = {a: i for i, a in enumerate(grown.ids.tolist())}
    when = dict(zip(grown.ids.tolist(), grown.ts.tolist(), strict=True))
    far_away = {a for a, t in when.items() if abs(t - when[story.articles[0]]) > 15 * 86400}
    full = alternative_stories(_fresh(path, tmp_path), **choices)
    for key, labels in grown.labels.items():
        assert labels[at[db.resolve_url(copy)]] == labels[at[story.articles[0]]]
        assert ({s for s in _partitions(grown)[key] if s <= far_away}
                == {s for s in _partitions(before)[key] if s <= far_away})
        assert adjusted_rand_score(full.labels[key], labels) > 0.95


def test_updated_stories_are_their_own_clustering(tmp_path: Path) -> None:
    """Stories updated in a region are the clustering at their resolution and seed, though a
    full clustering of the same data differs from them a little: every figure of theirs lies
    within its range."""
    generate_corpus(tmp_path / "c", documents=600, noise=0.2, seed=5, days=60)
    files = sorted((tmp_path / "c" / DOCUMENTS_DIR).iterdir())  # named by date
    for name, part in (("early", files[:560]), ("late", files[560:])):
        (tmp_path / name).mkdir()
        for f in part:
            shutil.copy(f, tmp_path / name)
    db = graphnews.open(str(tmp_path / "news.db"))
    db.ingest([tmp_path / "early"], workers=0)
    detect_stories(db)
    db.ingest([tmp_path / "late"], workers=0)
    assert update_stories(db).mode == "incremental"
    stored = _partition({a: s.id for s in load_stories(db) for a in s.articles})
    found = alternative_stories(db, resolutions=(0.4,), seeds=(1,))
    assert found.clustered == len(found.ids)  # made in full
    assert _partitions(found)[(0.5, 0)] == stored
    full = _fresh(tmp_path / "news.db", tmp_path)
    update_stories(full, incremental=False)
    assert _partition({a: s.id for s in load_stories(full) for a in s.articles}) != stored


def test_a_full_computations_evidence_is_clustered_again_not_made_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`update_stories(keep_evidence=True)` hands its candidate pairs to `alternative_stories`:
    the clusterings are those made from nothing, and no pair is computed again; evidence that
    no longer is the database's (new data since) is not used."""
    generate_corpus(tmp_path / "c", documents=300, noise=0.2, seed=7)
    db = graphnews.open(str(tmp_path / "news.db"))
    db.ingest([tmp_path / "c" / DOCUMENTS_DIR], workers=0)
    assert update_stories(db, keep_evidence=True).evidence is not None
    assert update_stories(db, keep_evidence=True).evidence is None  # unchanged: nothing made
    made = update_stories(db, incremental=False, keep_evidence=True)
    assert made.evidence is not None and made.evidence.clustering.n == made.articles
    choices = {"resolutions": (0.4, 0.6), "seeds": (0, 1)}
    expected = alternative_stories(_fresh(tmp_path / "news.db", tmp_path), **choices)

    def computed(*args: object, **kwargs: object) -> None:
        raise AssertionError("the candidate pairs were computed again")

    with monkeypatch.context() as patched:
        patched.setattr("graphnews.stories.alternatives.region_pairs", computed)
        found = alternative_stories(db, evidence=made.evidence, **choices)
    assert _same(found, expected) and found.clustered == len(found.ids)
    _forget(db)
    write_doc(tmp_path / "new", "late", "A late article", "Nothing like the rest",
              "2030-01-05", "late.example")
    db.ingest([tmp_path / "new"], workers=0)
    grown = alternative_stories(db, evidence=made.evidence, **choices)  # stale: made again
    assert len(grown.ids) == len(found.ids) + 1
    assert _same(grown, alternative_stories(_fresh(tmp_path / "news.db", tmp_path), **choices))


def test_clusterings_made_in_forked_workers_are_those_made_here(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Clustering.memberships` shares the cuts and seeds of a big corpus out over forked
    workers (here of any corpus): each clustering is the one `Clustering.membership` gives."""
    from graphnews.stories import _parallel, pairs

    shutil.copy(corpus, tmp_path / "copy.db")
    made = update_stories(graphnews.open(str(tmp_path / "copy.db")), incremental=False,
                          keep_evidence=True).evidence
    assert made is not None
    clustering = made.clustering
    choices = [(0.4, 0), (0.4, 1), (0.5, 2), (0.6, 0), (0.6, 2)]
    here = [clustering.membership(threshold=t, seed=s) for t, s in choices]
    where = tmp_path / "pids"
    alone = pairs.Clustering._memberships

    def noted(self: pairs.Clustering, some: list[tuple[float, int]]) -> list[np.ndarray]:
        with where.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return alone(self, some)

    monkeypatch.setattr(pairs, "PARALLEL_FROM", 0)
    monkeypatch.setattr(_parallel, "parts", lambda: 2)
    monkeypatch.setattr(pairs.Clustering, "_memberships", noted)
    forked = clustering.memberships(choices)
    assert len(set(where.read_text().split())) == 2, "one share here, one in a worker"
    assert len(forked) == len(choices)
    assert all(np.array_equal(a, b) for a, b in zip(here, forked, strict=True))
    assert len({tuple(m) for m in forked}) > 1  # the choices do give other clusterings
    # where processes are not forked (macOS, Windows), all of them here, one after another:
    # the same
    where.unlink()
    monkeypatch.setattr("graphnews._processes.sys.platform", "darwin")
    alone_here = clustering.memberships(choices)
    assert len(set(where.read_text().split())) == 1
    assert all(np.array_equal(a, b) for a, b in zip(here, alone_here, strict=True))


def _fresh(path: Path, tmp_path: Path) -> graphnews.Database:
    """A new copy of the database at ``path`` that keeps no clusterings."""
    with graphnews.open(str(path)) as db:  # everything written in the file, none in its log
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*.db')))}.db"
    shutil.copy(path, copy)
    db = graphnews.open(str(copy))
    _forget(db)
    return db


def _forget(db: graphnews.Database) -> None:
    with db.transaction():
        db.conn.execute("DELETE FROM meta WHERE key = ?", (CACHE_META_KEY,))


def test_an_empty_database_and_stories_older_than_the_data(corpus: Path, tmp_path: Path) -> None:
    empty = graphnews.open(str(tmp_path / "empty.db"))
    assert story_stability(empty) == {}
    assert spread_ranges(empty)[1] == []
    path = tmp_path / "stale.db"
    shutil.copy(corpus, path)
    db = graphnews.open(str(path))
    before = load_stories(db)
    write_doc(tmp_path / "new", "late", "A late article", "Nothing like the rest", "2021-01-05",
              "late.example")
    db.ingest([tmp_path / "new"])  # the stored stories have not seen it
    found = story_stability(db, resolutions=(0.5,), seeds=(0,))
    assert set(found) == {s.id for s in before}
    assert all(f.kept == 1 and f.size == (s.size, s.size) for s, f in
               ((s, found[s.id]) for s in before)), "the stored stories are the clustering's"


def test_story_variants_are_the_stories_each_clustering_stores(corpus: Path,
                                                             tmp_path: Path) -> None:
    db = graphnews.open(str(corpus))
    stability = story_stability(db, resolutions=(0.3,), seeds=(0,))
    moved = [s for s in load_stories(db) if stability[s.id].kept < stability[s.id].clusterings]
    assert moved  # a story the cut at 0.3 changes
    path = tmp_path / "cut.db"
    shutil.copy(corpus, path)
    other = graphnews.open(str(path))
    detect_stories(other, resolution=0.3, seed=0, incremental=False)
    at_cut = [set(s.articles) for s in load_stories(other)]
    for story in moved[:5]:
        variants = story_variants(db, story.id, resolutions=(0.3,), seeds=(0,))
        assert sorted(k for v in variants for k in v.clusterings) == [(0.3, 0), (0.5, 0)]
        stored = next(v for v in variants if (0.5, 0) in v.clusterings)
        assert (stored.joined, stored.left, stored.size) == ([], [], story.size)
        cut = next(v for v in variants if (0.3, 0) in v.clusterings)
        members = set(story.articles)
        holding = (members | set(cut.joined)) - set(cut.left)
        assert holding in at_cut and cut.size == len(holding)
        assert len(members & holding) == max(len(members & c) for c in at_cut)


def test_an_outlet_below_min_stories_in_one_clustering_keeps_its_figures_there() -> None:
    """Hand-made tables: x has two stories in the first clustering (below --min-stories 3: no
    rank there) and three in the second; y has three in the first and none in the second."""
    def row(outlet: str, stories: int, first: int, score: float) -> OutletSpread:
        return OutletSpread(outlet, stories, first, 0, stories - first, None, score, [])

    tables = [[row("y", 3, 1, 0.5), row("x", 2, 2, 1.0)], [row("x", 3, 1, 0.2)]]
    got = {r.outlet: r for r in _ranges(tables, None, 3)}
    assert list(got) == ["y", "x"]
    assert (got["x"].stories, got["x"].first, got["x"].leader_score, got["x"].rank,
            got["x"].clusterings) == ((2, 3), (1, 2), (0.2, 1.0), (1, 1), 1)
    assert (got["y"].stories, got["y"].first, got["y"].leader_score, got["y"].rank,
            got["y"].clusterings) == ((0, 3), (0, 1), (0.5, 0.5), (1, 1), 1)
