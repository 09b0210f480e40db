"""Generator regimes: earlier corpora stay byte for byte; the general-news regime has its shape.

The digests below are of corpora written by the generator before the general-news options
(``min_story_size``, ``beat_event_words``, ``excerpt_beat_words``, ``document_share`` in
`Regime`) were added: a new option must never change what the default options, or any earlier
regime, write (benchmarks cache those corpora, and scores reported on them must stay
comparable).
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from graphnews.generator import DOCUMENTS_DIR, REGIMES, generate_corpus
from graphnews.identity import canonical_url
from tests.test_generator import _documents

#: sha256 (first 16 hex digits) of every document's name and bytes, in name order.
EARLIER = {
    "default": "3a9df7d733506110",  # generate_corpus(documents=60, noise=0.2, seed=9)
    # REGIMES[name].generate(documents=120, noise=0.2, seed=2):
    "planted": "7999b34a37798bbb",
    "topical-noise": "e434b4beed90ca7e",
    "generic-titles": "09c0ecfa151c1ec3",
    "short-text": "317bdde6dfa98f46",
    "no-related": "f86fc67190168984",
    "bursts": "74bc5f72acd305f4",
    "small-stories": "458a6f540d362fe7",
}


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((folder / DOCUMENTS_DIR).iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def test_default_and_earlier_regimes_write_the_same_bytes_as_before(tmp_path: Path) -> None:
    generate_corpus(tmp_path / "default", documents=60, noise=0.2, seed=9)
    written = {"default": _digest(tmp_path / "default")}
    for name in EARLIER.keys() - {"default"}:
        REGIMES[name].generate(tmp_path / name, documents=120, noise=0.2, seed=2)
        written[name] = _digest(tmp_path / name)
    assert written == EARLIER


@pytest.fixture(scope="module")
def general_news(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict[str, str]]:
    out = tmp_path_factory.mktemp("general-news")
    truth = REGIMES["general-news"].generate(out, documents=400, noise=0.2, seed=3)
    assert truth.parameters["regime"] == "general-news"
    return _documents(out), truth.story_of


def test_general_news_has_small_stories_and_no_links(
    general_news: tuple[list[dict], dict[str, str]],
) -> None:
    docs, story_of = general_news
    assert len(docs) == len(story_of) == 400  # every article has its document
    sizes = sorted(Counter(story_of.values()).values())
    assert set(sizes[1:]) <= {2, 3} and sizes[0] >= 1  # the last story may be cut short
    assert sizes.count(3) > sizes.count(2)  # most stories have 3 articles (median 2.7)
    assert all(d["related"] == [] for d in docs)
    assert all(d["originalUrl"] == d["webUrl"] for d in docs)


def test_general_news_excerpts_are_about_500_characters(
    general_news: tuple[list[dict], dict[str, str]],
) -> None:
    docs, _ = general_news
    assert {len(d["excerpt"].split()) for d in docs} == {70}
    assert 420 <= statistics.mean(len(d["excerpt"]) for d in docs) <= 580
    assert {len(d["title"].split()) for d in docs} == {7, 8, 9}  # 2 key, 2 beat, 3-5 background


def test_general_news_has_a_few_stories_a_day_on_the_busiest_beat(tmp_path: Path) -> None:
    truth = REGIMES["general-news"].generate(tmp_path, documents=600, noise=0.0, seed=4)
    first: dict[str, str] = {}
    for doc in _documents(tmp_path):
        story = truth.story_of[canonical_url(doc["webUrl"])]
        day = str(doc["publishedDateTime"])[:10]
        first[story] = min(first.get(story, day), day)
    busiest = Counter(truth.story_topic.values()).most_common(1)[0][0]
    per_day = Counter(day for story, day in first.items() if truth.story_topic[story] == busiest)
    assert 1.5 <= statistics.mean(per_day.values()) <= 3.5
    assert max(per_day.values()) <= 8


def _own_words(regime: str, folder: Path) -> float:
    """Median over stories of 2+ articles: words in 2+ of its texts and in no other story."""
    truth = REGIMES[regime].generate(folder, documents=300, noise=0.2, seed=3)
    texts: dict[str, list[set[str]]] = defaultdict(list)
    for doc in _documents(folder):
        words = (doc["title"] + " " + doc["excerpt"]).lower().rstrip(".").split()
        texts[truth.story_of[canonical_url(doc["webUrl"])]].append(set(words))
    stories_with = Counter(w for sets in texts.values() for w in set().union(*sets))
    own = []
    for sets in texts.values():
        if len(sets) > 1:
            counts = Counter(w for words in sets for w in words)
            own.append(sum(n > 1 and stories_with[w] == 1 for w, n in counts.items()))
    return statistics.median(own)


def test_general_news_stories_have_no_invented_words_of_their_own(tmp_path: Path) -> None:
    # Planted stories repeat event words no other story uses; general-news stories draw theirs
    # from the beat's pool, so what is left of their own are rare entity names (at most 2).
    assert _own_words("planted", tmp_path / "planted") >= 6
    assert _own_words("general-news", tmp_path / "general-news") <= 2


def test_bad_general_news_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="min_story_size"):
        generate_corpus(tmp_path, documents=5, min_story_size=4, max_story_size=3)
    with pytest.raises(ValueError, match="beat_event_words"):
        generate_corpus(tmp_path, documents=5, key_words=8, beat_event_words=5)
