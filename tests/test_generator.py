"""The corpus generator: real documents' shape, planted truth, no leakage, determinism, scores."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

import graphnews
from graphnews.generator import (
    DOCUMENTS_DIR,
    NOISE_KINDS,
    REGIMES,
    TRUTH_FILE,
    GroundTruth,
    Regime,
    adjusted_rand_index,
    generate_corpus,
    main,
    normalized_mutual_info,
)
from graphnews.identity import canonical_url
from graphnews.ingest.reader import read_bytes
from graphnews.ingest.records import to_record


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate_corpus(out, documents=300, noise=0.3, seed=7)


@pytest.fixture(scope="module")
def corpus_db(
    corpus: tuple[Path, GroundTruth], tmp_path_factory: pytest.TempPathFactory
) -> graphnews.Database:
    db = graphnews.open(tmp_path_factory.mktemp("db") / "g.db")
    report = db.ingest([corpus[0] / DOCUMENTS_DIR])
    assert not report.rejected and not report.warnings
    return db


def test_documents_have_the_real_front_matter_shape(corpus: tuple[Path, GroundTruth]) -> None:
    out, _ = corpus
    files = sorted((out / DOCUMENTS_DIR).glob("*.md"))
    assert len(files) == 300
    real = Path(__file__).resolve().parents[1] / "seeds" / "000_8ffd7cabeec5d02a.md"
    real_keys = _top_keys(real.read_text(encoding="utf-8"))
    for path in files[:40]:
        text = path.read_text(encoding="utf-8")
        assert _top_keys(text) <= real_keys | {"ampWebUrl", "cdnAmpWebUrl", "images"}
        assert {
            "title",
            "excerpt",
            "publishedDateTime",
            "webUrl",
            "provider",
            "topics",
            "related",
            "secured",
        } <= _top_keys(text)
        (doc,) = list(read_bytes(str(path), path.read_bytes()))
        record, problems = to_record(doc)
        assert problems == []
        assert len(record.related) <= 8
        items = doc.fields["related"] or []
        item_keys = set().union(*items) if items else set()
        assert item_keys <= {
            "title",
            "excerpt",
            "publishedDateTime",
            "webUrl",
            "ampWebUrl",
            "cdnAmpWebUrl",
            "type",
            "provider",
            "quality",
            "images",
        }


def test_related_lists_hold_three_to_eight_items_unless_the_story_is_small(
    corpus: tuple[Path, GroundTruth],
) -> None:
    out, _ = corpus
    lengths = [
        len(re.findall(r"^  - title:", p.read_text(encoding="utf-8"), re.M))
        for p in (out / DOCUMENTS_DIR).glob("*.md")
    ]
    assert max(lengths) <= 8
    assert np.mean([3 <= n <= 8 for n in lengths]) > 0.7


def test_documents_are_about_doc_bytes(tmp_path: Path) -> None:
    generate_corpus(tmp_path, documents=60, seed=1, doc_bytes=10_000)
    sizes = [p.stat().st_size for p in (tmp_path / DOCUMENTS_DIR).glob("*.md")]
    assert 9_000 < np.mean(sizes) < 11_000


def test_truth_covers_exactly_the_articles_ingest_finds(
    corpus: tuple[Path, GroundTruth], corpus_db: graphnews.Database
) -> None:
    _, truth = corpus
    urls = {r[0] for r in corpus_db.conn.execute("SELECT canonical_url FROM articles")}
    assert urls == set(truth.story_of)
    assert truth.parameters["articles"] == len(urls)
    assert GroundTruth.load(corpus[0] / TRUTH_FILE).story_of == truth.story_of


def test_url_variants_resolve_to_one_article(
    corpus: tuple[Path, GroundTruth], corpus_db: graphnews.Database
) -> None:
    variants = {"ampWebUrl": 0, "cdnAmpWebUrl": 0, "originalUrl": 0}
    for path in (corpus[0] / DOCUMENTS_DIR).glob("*.md"):
        fields = next(iter(read_bytes(str(path), path.read_bytes()))).fields
        article = corpus_db.resolve_url(fields["webUrl"])
        assert article is not None
        for kind in variants:
            if fields.get(kind) and fields[kind] != fields["webUrl"]:
                assert corpus_db.resolve_url(fields[kind]) == article, fields[kind]
                variants[kind] += 1
    assert min(variants.values()) > 20  # every kind of variant occurs


def test_outlets_go_by_several_names_and_follow_zipf(corpus_db: graphnews.Database) -> None:
    names = corpus_db.conn.execute(
        "SELECT count(*) FROM (SELECT outlet_id FROM outlet_names GROUP BY outlet_id "
        "HAVING count(*) > 1)"
    ).fetchone()[0]
    assert names > 5
    counts = sorted(
        (r[0] for r in corpus_db.conn.execute("SELECT count(*) FROM articles GROUP BY outlet_id")),
        reverse=True,
    )
    assert counts[0] > 5 * np.median(counts)  # a few outlets publish much more


def test_no_story_leaks_into_urls_titles_or_file_names(corpus: tuple[Path, GroundTruth]) -> None:
    out, truth = corpus
    story_ids = set(truth.story_of.values())
    assert all(re.fullmatch(r"story-\d{6}", s) for s in story_ids)
    for path in list((out / DOCUMENTS_DIR).glob("*.md"))[:50]:
        assert "story" not in path.read_text(encoding="utf-8").lower()
        assert "story" not in path.name


def test_noise_links_are_the_share_asked_for(
    corpus: tuple[Path, GroundTruth], corpus_db: graphnews.Database
) -> None:
    _, truth = corpus
    story = {u: truth.story_of[u] for u in truth.story_of}
    pairs = corpus_db.conn.execute(
        "SELECT f.canonical_url, t.canonical_url FROM related_links r "
        "JOIN articles f ON f.id = r.from_article JOIN articles t ON t.id = r.to_article"
    )
    flags = [story[a] != story[b] for a, b in pairs]
    share = float(np.mean(flags))
    assert share == pytest.approx(truth.parameters["noise_links_share"], abs=0.01)
    # 0.3 asked: at least that, a little more because small stories cannot fill their lists
    # with their own articles (the truth reports the share as realised).
    assert 0.29 <= share <= 0.4


def test_without_noise_connected_components_recover_the_truth(tmp_path: Path) -> None:
    truth = generate_corpus(tmp_path, documents=200, noise=0.0, seed=3)
    db = graphnews.open(tmp_path / "g.db")
    db.ingest([tmp_path / DOCUMENTS_DIR])
    ids = [r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY id")]
    urls = [r[0] for r in db.conn.execute("SELECT canonical_url FROM articles ORDER BY id")]
    links = np.array(
        db.conn.execute("SELECT from_article, to_article FROM related_links").fetchall()
    )
    index = np.searchsorted(ids, links)
    graph = sparse.csr_matrix(
        (np.ones(len(index)), (index[:, 0], index[:, 1])), shape=(len(ids), len(ids))
    )
    _, labels = connected_components(graph, directed=False)
    assert truth.score(dict(zip(urls, labels.tolist(), strict=True)))["ari"] == 1.0


def test_same_seed_same_corpus_other_seed_other_corpus(tmp_path: Path) -> None:
    a = generate_corpus(tmp_path / "a", documents=40, seed=5)
    b = generate_corpus(tmp_path / "b", documents=40, seed=5)
    c = generate_corpus(tmp_path / "c", documents=40, seed=6)
    assert a.story_of == b.story_of != c.story_of
    for path in (tmp_path / "a" / DOCUMENTS_DIR).iterdir():
        assert path.read_bytes() == (tmp_path / "b" / DOCUMENTS_DIR / path.name).read_bytes()


def test_stories_have_lognormal_sizes_and_exponential_lags(tmp_path: Path) -> None:
    truth = generate_corpus(tmp_path, documents=1000, seed=2, story_median=4.0)
    sizes = np.bincount(np.unique(list(truth.story_of.values()), return_inverse=True)[1])
    assert sizes.max() > 5 * np.median(sizes)  # heavy tail
    assert 2 <= np.median(sizes) <= 6


def test_module_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path), "--documents", "12", "--noise", "0.1", "--seed", "4"])
    params = json.loads(capsys.readouterr().out)
    assert params["documents"] == 12 and params["noise"] == 0.1 and params["seed"] == 4
    assert len(list((tmp_path / DOCUMENTS_DIR).glob("*.md"))) == 12


def test_bad_parameters_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="noise"):
        generate_corpus(tmp_path, documents=5, noise=1.5)
    with pytest.raises(ValueError, match="documents"):
        generate_corpus(tmp_path, documents=0)


@pytest.mark.parametrize(
    ("a", "b", "ari", "nmi"),
    [
        ([0, 0, 1, 1], [5, 5, 7, 7], 1.0, 1.0),  # same partition, other labels
        ([0, 0, 1, 1], [0, 1, 0, 1], -0.5, 0.0),  # as far apart as can be
        ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2], 0.24242424, 0.5158037),
    ],
)
def test_scores_match_hand_computed_values(
    a: list[int], b: list[int], ari: float, nmi: float
) -> None:
    assert adjusted_rand_index(a, b) == pytest.approx(ari)
    assert normalized_mutual_info(a, b) == pytest.approx(nmi)


def test_score_counts_a_missing_url_as_its_own_story() -> None:
    truth = GroundTruth({"a": "s1", "b": "s1", "c": "s2", "d": "s2"})
    assert truth.score({"a": 1, "b": 1, "c": 2, "d": 2}) == {"ari": 1.0, "nmi": 1.0}
    assert truth.score({"a": 1, "c": 2, "d": 2})["ari"] < 1.0


def _top_keys(text: str) -> set[str]:
    front = text.split("---")[1]
    return set(re.findall(r"^([A-Za-z]+):", front, re.M))


# -- regimes ---------------------------------------------------------------------------------


def _documents(out: Path) -> list[dict]:
    return [
        next(iter(read_bytes(str(p), p.read_bytes()))).fields
        for p in sorted((out / DOCUMENTS_DIR).glob("*.md"))
    ]


def _noise_links(out: Path, truth: GroundTruth) -> tuple[int, int, int]:
    """Related items, those of another story, and those of another story of the same beat.

    Only documents whose beat holds another story count: a beat of one story has no topical
    mistake to make.
    """
    stories_of_beat = Counter(truth.story_topic.values())
    items = noise = topical = 0
    for doc in _documents(out):
        story = truth.story_of[canonical_url(doc["webUrl"])]
        if stories_of_beat[truth.story_topic[story]] < 2:
            continue
        for item in doc["related"] or []:
            other = truth.story_of[canonical_url(item["webUrl"])]
            items += 1
            noise += other != story
            topical += other != story and truth.story_topic[other] == truth.story_topic[story]
    return items, noise, topical


def test_regime_fields_have_the_generators_defaults() -> None:
    defaults = {
        name: p.default for name, p in inspect.signature(generate_corpus).parameters.items()
    }
    fields = {f.name: f.default for f in dataclasses.fields(Regime)}
    shared = set(fields) & set(defaults)
    assert len(shared) == 17  # all but name, description, documents_per_day, bursts_per_1000
    assert {name: fields[name] for name in shared} == {name: defaults[name] for name in shared}


def test_the_planted_regime_is_the_original_corpus(tmp_path: Path) -> None:
    generate_corpus(tmp_path / "a", documents=60, noise=0.2, seed=9)
    truth = REGIMES["planted"].generate(tmp_path / "b", documents=60, noise=0.2, seed=9)
    assert truth.parameters["regime"] == "planted"
    for path in (tmp_path / "a" / DOCUMENTS_DIR).iterdir():
        assert path.read_bytes() == (tmp_path / "b" / DOCUMENTS_DIR / path.name).read_bytes()


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_noise_share_and_kind_are_what_was_asked(tmp_path: Path, kind: str) -> None:
    # Large stories fill their lists with their own articles, so the share is the one asked.
    truth = generate_corpus(
        tmp_path,
        documents=400,
        noise=0.25,
        seed=3,
        story_median=15,
        story_sigma=0.1,
        noise_kind=kind,
    )
    items, noise, topical = _noise_links(tmp_path, truth)
    assert noise / items == pytest.approx(0.25, abs=0.03)
    if kind == "topical":
        assert topical / noise > 0.95
    else:
        assert topical / noise < 0.4  # the same beat only by chance


def test_the_truth_reports_the_realised_noise(tmp_path: Path) -> None:
    truth = generate_corpus(tmp_path, documents=150, noise=0.3, seed=8, noise_kind="topical")
    items = noise = topical = 0
    for doc in _documents(tmp_path):
        story = truth.story_of[canonical_url(doc["webUrl"])]
        for item in doc["related"] or []:
            other = truth.story_of[canonical_url(item["webUrl"])]
            items += 1
            noise += other != story
            topical += other != story and truth.story_topic[other] == truth.story_topic[story]
    assert truth.parameters["noise_links_share"] == round(noise / items, 4)
    assert truth.parameters["topical_noise_share"] == round(topical / noise, 4)


def test_bursts_put_their_stories_on_one_day_and_beat(tmp_path: Path) -> None:
    truth = generate_corpus(
        tmp_path, documents=400, seed=4, bursts=2, burst_stories=9, document_share=1.0
    )
    first: dict[str, str] = {}
    for doc in _documents(tmp_path):
        story = truth.story_of[canonical_url(doc["webUrl"])]
        day = str(doc["publishedDateTime"])[:10]
        first[story] = min(first.get(story, day), day)
    bursts = truth.parameters["burst_list"]
    assert len(bursts) == 2 and len({s for b in bursts for s in b["stories"]}) == 18
    for burst in bursts:
        assert {first[s] for s in burst["stories"]} == {burst["day"]}
        assert {truth.story_topic[s] for s in burst["stories"]} == {burst["topic"]}
    others = [day for story, day in first.items() if all(story not in b["stories"] for b in bursts)]
    assert max(others.count(b["day"]) for b in bursts) < 9  # a burst day stands out


def test_generic_titles_carry_few_key_words_among_beat_words(tmp_path: Path) -> None:
    truth = REGIMES["generic-titles"].generate(tmp_path, documents=400, noise=0.2, seed=5)
    docs_of: dict[str, list[dict]] = {}
    for doc in _documents(tmp_path):
        docs_of.setdefault(truth.story_of[canonical_url(doc["webUrl"])], []).append(doc)
    checked = 0
    for docs in docs_of.values():
        if len(docs) < 8:
            continue
        # The story's key words: those of all its texts (2 in each title, the 2 others in each
        # excerpt); beat and background words come and go from one article to the next.
        counts = Counter(w for d in docs for w in set(_words(d["title"] + " " + d["excerpt"])))
        key = {w for w, n in counts.items() if n == len(docs)}
        assert len(key) in (3, 4)  # 2 entity and 2 event words (the 2 entities may coincide)
        for doc in docs:
            title = _words(doc["title"])
            assert sum(w in key for w in title) == 2
            assert 2 + 3 + 3 <= len(title) <= 2 + 3 + 5  # 2 key, 3 beat, 3-5 background words
        checked += 1
    assert checked >= 5


def _words(text: str) -> list[str]:
    return text.lower().rstrip(".").split()


def test_excerpt_length_and_story_size_cap(tmp_path: Path) -> None:
    truth = generate_corpus(
        tmp_path, documents=200, seed=6, excerpt_words=40, excerpt_key_words=3, max_story_size=3
    )
    assert {len(doc["excerpt"].split()) for doc in _documents(tmp_path)} == {40}
    assert max(Counter(truth.story_of.values()).values()) <= 3


def test_without_related_lists_and_url_variants_the_texts_stay(tmp_path: Path) -> None:
    generate_corpus(tmp_path / "a", documents=80, seed=7, noise_kind="topical")
    truth = generate_corpus(
        tmp_path / "b",
        documents=80,
        seed=7,
        noise_kind="topical",
        related_lists=False,
        url_variants=False,
    )
    with_lists, without = _documents(tmp_path / "a"), _documents(tmp_path / "b")
    assert [d["title"] for d in with_lists] == [d["title"] for d in without]
    assert any(d["related"] for d in with_lists)
    assert all(d["related"] == [] for d in without)
    assert all(d["originalUrl"] == d["webUrl"] and "ampWebUrl" not in d for d in without)
    assert truth.parameters["articles"] == 80


def test_every_regime_is_deterministic(tmp_path: Path) -> None:
    for name, regime in REGIMES.items():
        a = regime.generate(tmp_path / name / "a", documents=120, noise=0.2, seed=2)
        b = regime.generate(tmp_path / name / "b", documents=120, noise=0.2, seed=2)
        assert a.story_of == b.story_of and a.story_topic == b.story_topic, name
        assert GroundTruth.load(tmp_path / name / "a").parameters["regime"] == name


def test_module_entry_point_takes_a_regime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([str(tmp_path), "--documents", "40", "--regime", "short-text"])
    params = json.loads(capsys.readouterr().out)
    assert params["regime"] == "short-text" and params["title_key_words"] == 1


def test_bad_regime_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="noise_kind"):
        generate_corpus(tmp_path, documents=5, noise_kind="sideways")
    with pytest.raises(ValueError, match="key_words"):
        generate_corpus(tmp_path, documents=5, key_words=3)
    with pytest.raises(ValueError, match="bursts of 50 stories"):
        generate_corpus(tmp_path, documents=20, bursts=3, burst_stories=50)
