"""Synthetic corpora with planted stories, and the ground truth to score story detection against.

`generate_corpus` writes one Markdown document per article into ``OUT/documents/`` (YAML front
matter in exactly the shape of the real everyday-cc documents: provider, topics, images,
``related`` list, ``secured`` blob) and ``OUT/truth.json`` mapping every canonical article URL to
the story it was planted in. The truth sits outside ``documents/`` because ingest would read it as
a (rejected) news document: ingest ``OUT/documents``.

How a corpus is made:

- **stories** have lognormal sizes (median ``story_median``, shape ``story_sigma``) and start at a
  uniform time within ``days`` days; each later article of a story follows the first after an
  exponential lag (mean ``lag_hours``);
- **outlets** are drawn with Zipf popularity (exponent ``zipf``); each writes its name in a few
  variants ("Ladomi Times", "LADOMI TIMES", "ladomitimes.com") and its domain with or without
  ``www.``, and has its own URL style, with AMP (``/amp/``, ``?amp``), Google AMP cache and
  tracking-parameter variants of the same article;
- **related lists** hold 3-8 items; each item is, with probability ``noise``, a *noise link* to an
  article of another story published around the same time (the recommender's mistakes), otherwise
  another article of the document's own story. A small story cannot fill its lists with its own
  articles, so they are shorter but keep their noise links: the realised share of noise links
  (``noise_links_share`` in the truth) is a little above ``noise`` (0.23 for 0.2);
- **titles and excerpts** carry only part of their story's words: a story has 2 entity words
  (drawn with Zipf popularity, so entities recur across stories like "Microsoft" does) and 10
  event words; a title takes 2-4 of them, an excerpt 3-6, the rest is topic and background
  vocabulary shared by every story. No story id appears in any URL, title or file name.

**Regimes** (`REGIMES`, named `Regime` settings of these options) make the stories harder to
tell apart the ways real coverage does: titles that carry only ``title_key_words`` of a story's
``key_words`` among ``title_beat_words`` generic words of its beat (shared by every story of that
beat), short or long excerpts (``excerpt_words``), noise links to other stories of the same beat
(``noise_kind="topical"``), no related lists (``related_lists=False``: the same corpus, lists
emptied), small stories (``max_story_size``), bursts of many stories on one day, beat and entity
(``bursts``, ``burst_stories``), one URL per article (``url_variants=False``), and event words
drawn from a pool shared by the stories of a beat (``beat_event_words``), so that no story has
words of its own, only its combination of them (the ``general-news`` regime). The default
options give the very corpora of the earlier generator (the ``planted`` regime); the truth records
every option, the realised noise (``noise_links_share``, ``topical_noise_share``), the bursts
(``burst_list``) and each story's beat (``GroundTruth.story_topic``).

>>> " ".join(REGIMES)
'planted topical-noise generic-titles short-text no-related bursts small-stories general-news'

Everything is deterministic for a seed, and fast: 100,000 documents of 10 KB take about a
minute, most of it writing the gigabyte of files.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> truth = generate_corpus(out, documents=50, noise=0.2, seed=1)
>>> len(list((out / DOCUMENTS_DIR).glob("*.md")))
50
>>> truth.score(truth.story_of)["ari"]
1.0

From a shell: ``python -m graphnews.generator OUT --documents 1000 --noise 0.2 --seed 0``
(``--regime generic-titles`` for another kind of corpus).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import math
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from graphnews.dates import iso
from graphnews.identity import canonical_url

__all__ = [
    "DOCUMENTS_DIR",
    "NOISE_KINDS",
    "REGIMES",
    "TRUTH_FILE",
    "GroundTruth",
    "Regime",
    "adjusted_rand_index",
    "generate_corpus",
    "main",
    "normalized_mutual_info",
]

#: The ground-truth file, written in the output folder.
TRUTH_FILE = "truth.json"
#: The subfolder of the output folder that holds the documents (what to ingest).
DOCUMENTS_DIR = "documents"
#: What a noise link points to: any story's article of the time window, or one of the same beat.
NOISE_KINDS = ("random", "topical")

_TOPICS = (
    "AI in Autos", "Computer Vision", "AI Hardware", "Microsoft AI", "AWS AI", "AI in Robotics",
    "AI Ethics", "Natural Language Processing", "Machine Learning", "Google AI", "Facebook AI",
    "AI in Healthcare", "AI in Security", "AI in Sales", "AI in Finance", "Chatbots",
)  # fmt: skip
_BACKGROUND = (
    "new", "announces", "report", "says", "company", "plans", "launch", "first", "year", "could",
    "after", "week", "more", "data", "people", "users", "technology", "service", "world", "global",
    "market", "deal", "update", "million", "billion", "time", "today", "latest", "help", "make",
    "work", "way", "will", "over", "into", "about", "just", "also", "big", "major", "top",
    "inside", "why", "how", "what", "here", "next", "best", "former", "chief", "executive",
    "officer", "industry", "experts", "research", "study", "team", "build", "using", "used", "use",
    "based", "power", "future", "system", "systems", "tool", "tools", "app", "apps", "platform",
    "network", "cloud", "software", "startup", "startups", "firm", "firms", "business",
    "customers", "access", "partner", "partnership", "announced", "launches", "unveils", "reveals",
    "rolls", "back", "move", "moves", "push", "pushes", "calls", "call", "plan", "plus", "open",
    "early", "late", "growing", "growth", "rise", "fall", "jobs", "workers"
)  # fmt: skip
_SECTIONS = ("tech", "news", "business", "technology", "science", "innovation", "ai", "world")
_NAME_FORMS = ("{w} Times", "{w} News", "The {w}", "{w} Daily", "{w}", "{w} Post", "{w} Wire",
               "{w} Tech")  # fmt: skip
_DOMAIN_FORMS = ("{w}times", "{w}news", "the{w}", "{w}daily", "{w}", "{w}post", "{w}wire",
                 "{w}tech")  # fmt: skip
_TLDS = (".com", ".com", ".com", ".com", ".net", ".co.uk", ".com.au", ".in")
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_EPOCH = int(dt.datetime(2022, 1, 1, tzinfo=dt.UTC).timestamp())


@dataclass
class GroundTruth:
    """The planted stories of a generated corpus: canonical URL -> story id, and the parameters.

    ``story_topic`` gives each story's beat (its topic), for scores within one beat.
    """

    story_of: dict[str, str]
    parameters: dict[str, Any] = field(default_factory=dict)
    story_topic: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        """Read a ``truth.json`` (or the folder holding it)."""
        p = Path(path)
        data = json.loads((p / TRUTH_FILE if p.is_dir() else p).read_text(encoding="utf-8"))
        return cls(
            story_of=data["stories"],
            parameters=data["parameters"],
            story_topic=data.get("topics", {}),
        )

    def save(self, path: str | Path) -> None:
        """Write ``truth.json`` (the parameters first, then URL -> story id)."""
        body = {"parameters": self.parameters, "topics": self.story_topic, "stories": self.story_of}
        Path(path).write_text(json.dumps(body, indent=1, sort_keys=False), encoding="utf-8")

    def score(self, predicted: Mapping[str, Hashable]) -> dict[str, float]:
        """ARI and NMI of a predicted story per canonical URL against the truth.

        Every URL of the truth is scored; one missing from ``predicted`` counts as a story of
        its own.

        >>> GroundTruth({"a": "s1", "b": "s1", "c": "s2"}).score({"a": 1, "b": 1, "c": 1})
        {'ari': 0.0, 'nmi': 0.0}
        """
        urls = list(self.story_of)
        truth = [self.story_of[u] for u in urls]
        guess = [predicted.get(u, ("missing", u)) for u in urls]
        return {
            "ari": round(adjusted_rand_index(truth, guess), 6),
            "nmi": round(normalized_mutual_info(truth, guess), 6),
        }


def adjusted_rand_index(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """The adjusted Rand index of two labellings of the same items (1 = identical partitions).

    >>> adjusted_rand_index([0, 0, 1, 1], ["x", "x", "y", "y"])
    1.0
    """
    table, n = _contingency(a, b)
    if n < 2:
        return 1.0
    pairs = _pairs(table.data).sum()
    rows, cols = (
        _pairs(np.asarray(table.sum(axis=1)).ravel()).sum(),
        _pairs(np.asarray(table.sum(axis=0)).ravel()).sum(),
    )
    expected = rows * cols / _pairs(np.array([n]))[0]
    maximum = (rows + cols) / 2
    if maximum == expected:  # both partitions trivial (all singletons or one block)
        return 1.0
    return float((pairs - expected) / (maximum - expected))


def normalized_mutual_info(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Mutual information of two labellings over the mean of their entropies (arithmetic).

    >>> round(normalized_mutual_info([0, 0, 1, 1], [0, 0, 0, 1]), 4)
    0.3437
    """
    table, n = _contingency(a, b)
    if n == 0:
        return 1.0
    rows = np.asarray(table.sum(axis=1)).ravel() / n
    cols = np.asarray(table.sum(axis=0)).ravel() / n
    h_a, h_b = float(-(rows * np.log(rows)).sum()), float(-(cols * np.log(cols)).sum())
    if h_a == 0 and h_b == 0:
        return 1.0
    coo = table.tocoo()
    p = coo.data / n
    mi = float((p * np.log(p / (rows[coo.row] * cols[coo.col]))).sum())
    return max(0.0, float(mi / ((h_a + h_b) / 2)))


def generate_corpus(
    out_dir: str | Path,
    *,
    documents: int,
    noise: float = 0.2,
    seed: int = 0,
    doc_bytes: int = 10_000,
    outlets: int | None = None,
    zipf: float = 1.1,
    story_median: float = 4.0,
    story_sigma: float = 1.0,
    lag_hours: float = 18.0,
    days: int | None = None,
    document_share: float = 0.7,
    noise_window_days: float = 3.0,
    max_story_size: int = 500,
    min_story_size: int = 1,
    key_words: int = 12,
    beat_event_words: int | None = None,
    title_key_words: int | None = None,
    title_beat_words: int = 1,
    excerpt_key_words: int | None = None,
    excerpt_beat_words: int = 3,
    excerpt_words: int | None = None,
    noise_kind: str = "random",
    related_lists: bool = True,
    bursts: int = 0,
    burst_stories: int = 12,
    url_variants: bool = True,
) -> GroundTruth:
    """Write a corpus of ``documents`` Markdown documents with planted stories into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write into (created when missing): the documents go to its ``documents/``
        subfolder, the truth to ``truth.json``.
    documents : int
        How many documents (files) to write.
    noise : float
        Share of ``related`` items that are noise links to another story (0..1).
    seed : int
        Random seed; the same seed and parameters give byte-identical corpora.
    doc_bytes : int
        Target size of one document; the opaque ``secured`` blob is sized to reach it.
    outlets : int, optional
        Number of outlets (default ``20 + 3 * sqrt(documents)``).
    zipf : float
        Exponent of the outlets' Zipf popularity.
    story_median, story_sigma : float
        Lognormal story sizes (articles per story): median and shape.
    lag_hours : float
        Mean exponential lag of a story's later articles after its first.
    days : int, optional
        Time span of story starts (default: about 400 documents a day, at least 30 days).
    document_share : float
        Share of articles that have a document of their own; the others only appear as
        ``related`` items.
    noise_window_days : float
        Noise links go to articles published within this many days of the document.
    max_story_size : int
        Largest story (articles); lognormal draws above it are cut to it.
    min_story_size : int
        Smallest story (articles); draws below it are raised to it (the last story of the
        corpus may stay smaller, to give exactly the number of articles).
    key_words : int
        A story's own words: 2 entity words (Zipf-popular, so companies recur across stories)
        and ``key_words - 2`` event words (at least 2).
    beat_event_words : int, optional
        Draw the event words from a pool of this many words per beat, shared by every story of
        the beat (the more popular ones more often), as real stories of one beat share
        "lawsuit", "earnings", "outage": no story has a word of its own, only its combination
        of words. Default: each story draws its own from a lexicon of thousands, so that its
        event words are, in effect, invented for it.
    title_key_words : int, optional
        How many of its story's key words each title carries (default: 2 to 4 at random).
    title_beat_words : int
        Generic words of the story's beat (topic) in each title, shared by every story of that
        beat; with few key words and several beat words, titles of one beat look alike.
    excerpt_key_words : int, optional
        How many key words each excerpt carries (default: 3 to 6 at random); the excerpt takes
        them from the other end of the story's words than the title.
    excerpt_beat_words : int
        Generic words of the story's beat in each excerpt.
    excerpt_words : int, optional
        Words per excerpt (default: about 20); background words fill it up.
    noise_kind : {"random", "topical"}
        ``"random"``: a noise link goes to any other story's article published around the same
        time; ``"topical"``: to another story of the same beat (in the time window when it has
        one, else at any time), the way a recommender errs on real sites.
    related_lists : bool
        ``False`` writes every document with ``related: []`` (the same corpus otherwise): the
        text and time alone must carry the stories.
    bursts : int
        Burst events: each puts ``burst_stories`` stories on one day (starts within 10 hours),
        one beat and one popular entity word, like the announcements of one conference.
    burst_stories : int
        Stories per burst.
    url_variants : bool
        ``False`` writes no AMP, AMP-cache or tracking variants: every article has one URL.

    Returns
    -------
    GroundTruth
        Canonical URL -> story id for every article the corpus mentions, and the parameters
        (with ``noise_links_share``, the share of related items that really are noise links).
    """
    _check_options(
        documents=documents,
        noise=noise,
        key_words=key_words,
        beat_event_words=beat_event_words,
        min_story_size=min_story_size,
        title_key_words=title_key_words,
        excerpt_words=excerpt_words,
        noise_kind=noise_kind,
        bursts=bursts,
        burst_stories=burst_stories,
        max_story_size=max_story_size,
    )
    started = time.perf_counter()
    out = Path(out_dir)
    docs = out / DOCUMENTS_DIR
    docs.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # Draws of the regime options come from a second stream, so that the default options give
    # the very corpora of earlier versions (benchmarks cache them, doctests count them).
    extra = np.random.default_rng([seed, 1])
    n_outlets = outlets or int(20 + 3 * math.sqrt(documents))
    span_days = days or max(30, math.ceil(documents / 400))
    n_articles = max(documents, round(documents / document_share))

    # Stories: lognormal sizes, uniform starts, exponential lags.
    sizes = _story_sizes(
        rng, n_articles, story_median, story_sigma, (min_story_size, max_story_size)
    )
    n_stories = len(sizes)
    story = np.repeat(np.arange(n_stories), sizes)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    is_first = np.zeros(n_articles, dtype=bool)
    is_first[offsets] = True
    start = rng.integers(0, span_days * 86400, size=n_stories)
    lag = np.where(is_first, 0.0, rng.exponential(lag_hours * 3600, size=n_articles))
    story_topic = None
    burst_entity = np.full(n_stories, -1)
    burst_list: list[dict[str, Any]] = []
    if noise_kind == "topical" or bursts:
        story_topic = extra.choice(len(_TOPICS), size=n_stories, p=_topic_weights())
    if bursts:
        if bursts * burst_stories > n_stories:
            raise ValueError(
                f"{bursts} bursts of {burst_stories} stories need more than the "
                f"{n_stories} stories of {documents} documents"
            )
        burst_list = _plant_bursts(
            extra,
            start,
            story_topic,
            burst_entity,
            bursts=bursts,
            burst_stories=burst_stories,
            span_days=span_days,
        )
    when = (_EPOCH + start[story] + lag.astype(np.int64)) // 60 * 60

    # Outlets with Zipf popularity.
    popularity = 1.0 / np.arange(1, n_outlets + 1) ** zipf
    outlet = rng.choice(n_outlets, size=n_articles, p=popularity / popularity.sum())

    # Which articles have a document, and their related lists.
    has_doc = np.zeros(n_articles, dtype=bool)
    doc_articles = np.sort(rng.choice(n_articles, size=documents, replace=False))
    has_doc[doc_articles] = True
    related, noise_items, topical_items = _related_lists(
        rng,
        doc_articles,
        story,
        sizes,
        offsets,
        when,
        noise,
        noise_window_days,
        topic=None if noise_kind == "random" or story_topic is None else story_topic[story],
    )
    if not related_lists:  # the same corpus, its lists emptied
        related, noise_items, topical_items = [related[0][:0]] * len(related), 0, 0
    mentioned = has_doc.copy()
    for items in related:
        mentioned[items] = True

    words = _Vocabulary(
        rng,
        n_stories,
        n_articles,
        key_words=key_words,
        story_topic=story_topic,
        burst_entity=burst_entity,
        beat_pool=(extra, beat_event_words),
    )
    outlet_info = _outlets(rng, n_outlets)
    texts = words.texts(
        rng,
        story,
        extra=extra,
        title_key_words=title_key_words,
        title_beat_words=title_beat_words,
        excerpt_key_words=excerpt_key_words,
        excerpt_beat_words=excerpt_beat_words,
        excerpt_words=excerpt_words,
    )
    urls = _urls(rng, outlet_info, outlet, texts, when, variants=url_variants)
    renderer = _Renderer(rng, outlet_info, outlet, texts, urls, when)
    total_items = 0
    for position, article in enumerate(doc_articles):
        items = related[position]
        total_items += len(items)
        text = renderer.document(int(article), items, doc_bytes, variants=url_variants)
        name = f"{_day(int(when[article]))}-{urls.slug[article][:60]}-{position}.md"
        (docs / name).write_text(text, encoding="utf-8")

    story_ids = [f"story-{i:06d}" for i in range(n_stories)]
    kept = sorted(set(story[mentioned].tolist()))
    truth = GroundTruth(
        story_of={urls.canonical[a]: story_ids[story[a]] for a in np.flatnonzero(mentioned)},
        parameters={
            "documents": documents,
            "noise": noise,
            "seed": seed,
            "doc_bytes": doc_bytes,
            "outlets": n_outlets,
            "zipf": zipf,
            "story_median": story_median,
            "story_sigma": story_sigma,
            "lag_hours": lag_hours,
            "days": span_days,
            "document_share": document_share,
            "noise_window_days": noise_window_days,
            "max_story_size": max_story_size,
            "min_story_size": min_story_size,
            "key_words": key_words,
            "beat_event_words": beat_event_words,
            "title_key_words": title_key_words,
            "title_beat_words": title_beat_words,
            "excerpt_key_words": excerpt_key_words,
            "excerpt_beat_words": excerpt_beat_words,
            "excerpt_words": excerpt_words,
            "noise_kind": noise_kind,
            "related_lists": related_lists,
            "bursts": bursts,
            "burst_stories": burst_stories,
            "url_variants": url_variants,
            "articles": int(mentioned.sum()),
            "stories": len(kept),
            "related_items": total_items,
            "noise_links_share": round(noise_items / total_items, 4) if total_items else 0.0,
            "topical_noise_share": round(topical_items / noise_items, 4) if noise_items else 0.0,
            "burst_list": [
                {**b, "stories": [story_ids[i] for i in b["stories"]]} for b in burst_list
            ],
            "seconds": round(time.perf_counter() - started, 2),
        },
        story_topic={story_ids[i]: words.topic_of(i) for i in kept},
    )
    truth.save(out / TRUTH_FILE)
    return truth


@dataclass(frozen=True)
class Regime:
    """A named setting of `generate_corpus`'s options: one kind of corpus to score stories on.

    The fields are `generate_corpus` options (same names, same defaults), except
    ``documents_per_day`` (sets ``days`` from the corpus size; ``None``: the generator's default)
    and ``bursts_per_1000`` (burst events per 1,000 documents, at least one when above 0).
    The noise share and the seed are given per corpus, to `Regime.generate`.

    >>> import tempfile
    >>> truth = REGIMES["bursts"].generate(tempfile.mkdtemp(), documents=300, noise=0.2, seed=1)
    >>> p = truth.parameters
    >>> p["regime"], p["noise_kind"], len(p["burst_list"]), len(p["burst_list"][0]["stories"])
    ('bursts', 'topical', 2, 12)
    """

    name: str
    description: str
    documents_per_day: float | None = None
    zipf: float = 1.1
    story_median: float = 4.0
    story_sigma: float = 1.0
    document_share: float = 0.7
    max_story_size: int = 500
    min_story_size: int = 1
    key_words: int = 12
    beat_event_words: int | None = None
    title_key_words: int | None = None
    title_beat_words: int = 1
    excerpt_key_words: int | None = None
    excerpt_beat_words: int = 3
    excerpt_words: int | None = None
    noise_kind: str = "random"
    related_lists: bool = True
    bursts_per_1000: float = 0.0
    burst_stories: int = 12
    url_variants: bool = True

    def generate(
        self,
        out_dir: str | Path,
        *,
        documents: int,
        noise: float,
        seed: int,
        doc_bytes: int = 10_000,
    ) -> GroundTruth:
        """Write a corpus of this regime (see `generate_corpus`); its truth names the regime."""
        days = None
        if self.documents_per_day is not None:
            days = max(1, math.ceil(documents / self.documents_per_day))
        bursts = 0
        if self.bursts_per_1000 > 0:
            bursts = max(1, round(self.bursts_per_1000 * documents / 1000))
        truth = generate_corpus(
            out_dir,
            documents=documents,
            noise=noise,
            seed=seed,
            doc_bytes=doc_bytes,
            days=days,
            zipf=self.zipf,
            story_median=self.story_median,
            story_sigma=self.story_sigma,
            document_share=self.document_share,
            max_story_size=self.max_story_size,
            min_story_size=self.min_story_size,
            key_words=self.key_words,
            beat_event_words=self.beat_event_words,
            title_key_words=self.title_key_words,
            title_beat_words=self.title_beat_words,
            excerpt_key_words=self.excerpt_key_words,
            excerpt_beat_words=self.excerpt_beat_words,
            excerpt_words=self.excerpt_words,
            noise_kind=self.noise_kind,
            related_lists=self.related_lists,
            bursts=bursts,
            burst_stories=self.burst_stories,
            url_variants=self.url_variants,
        )
        truth.parameters["regime"] = self.name
        truth.save(Path(out_dir) / TRUTH_FILE)
        return truth


_PLANTED = Regime(
    "planted",
    "the original corpora: each story has its own invented words, and "
    "titles carry 2-4 of its 12; random noise links",
)
_GENERIC = Regime(
    "generic-titles",
    "titles carry 2 of a story's 4 key words among 3 generic "
    "words of its beat, excerpts 2 others; topical noise links; Zipf outlets, AMP "
    "variants",
    key_words=4,
    title_key_words=2,
    title_beat_words=3,
    excerpt_key_words=2,
    noise_kind="topical",
)

#: The named regimes a benchmark iterates over (every one with each noise share and seed).
REGIMES: dict[str, Regime] = {
    r.name: r
    for r in (
        _PLANTED,
        replace(
            _PLANTED,
            name="topical-noise",
            description="the original texts, but noise links go to other stories of the same beat",
            noise_kind="topical",
        ),
        _GENERIC,
        replace(
            _GENERIC,
            name="short-text",
            description="1 key word in the title, a 6-word "
            "excerpt with 1 more: links and co-citation must carry the stories",
            title_key_words=1,
            excerpt_key_words=1,
            excerpt_words=6,
        ),
        replace(
            _GENERIC,
            name="no-related",
            description="generic titles, no related lists: text and time alone",
            related_lists=False,
        ),
        replace(
            _GENERIC,
            name="bursts",
            description="generic titles; 5 bursts per 1,000 "
            "documents, each 12 stories on one day, beat and entity (a conference)",
            bursts_per_1000=5.0,
        ),
        Regime(
            "small-stories",
            "stories of 1-3 articles, no related lists, 80-word excerpts, 40 "
            "documents a day, flatter outlet popularity, one URL per article",
            documents_per_day=40.0,
            zipf=0.8,
            story_median=2.0,
            story_sigma=0.35,
            max_story_size=3,
            key_words=6,
            title_key_words=2,
            title_beat_words=2,
            excerpt_key_words=3,
            excerpt_words=80,
            related_lists=False,
            url_variants=False,
        ),
        Regime(
            "general-news",
            "general news of one beat: stories of 2-3 articles, no related lists, titles and "
            "~500-character excerpts whose event words come from the beat's shared vocabulary "
            "(no story has a word of its own), about 11 stories a day over the beats (1-6 on "
            "the busiest), Zipf outlets, one URL per article",
            documents_per_day=30.0,
            story_median=2.7,
            story_sigma=0.25,
            document_share=1.0,
            max_story_size=3,
            min_story_size=2,
            key_words=6,
            beat_event_words=40,
            title_key_words=2,
            title_beat_words=2,
            excerpt_key_words=3,
            excerpt_beat_words=10,
            excerpt_words=70,
            related_lists=False,
            url_variants=False,
        ),
    )
}


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m graphnews.generator OUT --documents N --noise 0.2 --seed 0``."""
    parser = argparse.ArgumentParser(
        prog="python -m graphnews.generator",
        description="Write a synthetic news corpus with planted stories and its truth.json.",
    )
    parser.add_argument("out", type=Path, help="folder to write the documents into")
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--noise", type=float, default=0.2, help="share of noise links")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--doc-bytes", type=int, default=10_000)
    parser.add_argument(
        "--regime",
        choices=sorted(REGIMES),
        default="planted",
        help="kind of corpus (default: planted, the original generator): "
        + "; ".join(f"{r.name}: {r.description}" for r in REGIMES.values()),
    )
    args = parser.parse_args(argv)
    truth = REGIMES[args.regime].generate(
        args.out,
        documents=args.documents,
        noise=args.noise,
        seed=args.seed,
        doc_bytes=args.doc_bytes,
    )
    print(json.dumps(truth.parameters, indent=1))


# -- private helpers ------------------------------------------------------------------------


def _contingency(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[Any, int]:
    from scipy.sparse import coo_matrix

    if len(a) != len(b):
        raise ValueError("both labellings must label the same items")
    ia = _codes(a)
    ib = _codes(b)
    n = len(ia)
    table = coo_matrix(
        (np.ones(n), (ia, ib)), shape=(ia.max(initial=-1) + 1, ib.max(initial=-1) + 1)
    ).tocsr()
    table.sum_duplicates()
    return table, n


def _codes(labels: Sequence[Hashable]) -> np.ndarray:
    index: dict[Hashable, int] = {}
    return np.fromiter(
        (index.setdefault(x, len(index)) for x in labels), dtype=np.int64, count=len(labels)
    )


def _pairs(counts: np.ndarray) -> np.ndarray:
    c = np.asarray(counts, dtype=np.float64)
    return c * (c - 1) / 2


def _check_options(
    *,
    documents: int,
    noise: float,
    key_words: int,
    beat_event_words: int | None,
    min_story_size: int,
    title_key_words: int | None,
    excerpt_words: int | None,
    noise_kind: str,
    bursts: int,
    burst_stories: int,
    max_story_size: int,
) -> None:
    if documents < 1:
        raise ValueError("documents must be at least 1")
    if not 0.0 <= noise <= 1.0:
        raise ValueError("noise must be between 0 and 1")
    if key_words < 4:
        raise ValueError("key_words must be at least 4 (2 entity and 2 event words)")
    if title_key_words is not None and not 0 <= title_key_words <= key_words:
        raise ValueError("title_key_words must be between 0 and key_words")
    if excerpt_words is not None and excerpt_words < 1:
        raise ValueError("excerpt_words must be at least 1")
    if noise_kind not in NOISE_KINDS:
        raise ValueError(f"noise_kind must be one of {', '.join(NOISE_KINDS)}")
    if bursts < 0 or burst_stories < 1:
        raise ValueError("bursts must be 0 or more, burst_stories 1 or more")
    if not 1 <= min_story_size <= max_story_size:
        raise ValueError("min_story_size must be between 1 and max_story_size")
    if beat_event_words is not None and beat_event_words < key_words - 2:
        raise ValueError("beat_event_words must be at least key_words - 2 (a story's event words)")


def _topic_weights() -> np.ndarray:
    weights = 1.0 / np.arange(1, len(_TOPICS) + 1) ** 0.8
    return weights / weights.sum()


def _plant_bursts(
    rng: np.random.Generator,
    start: np.ndarray,
    story_topic: np.ndarray,
    burst_entity: np.ndarray,
    *,
    bursts: int,
    burst_stories: int,
    span_days: int,
) -> list[dict[str, Any]]:
    """Move ``burst_stories`` stories per burst onto one day, beat and entity (in place)."""
    chosen = rng.permutation(len(start))[: bursts * burst_stories].reshape(bursts, burst_stories)
    planted = []
    for members in chosen:
        day = int(rng.integers(0, span_days)) * 86400
        topic = int(rng.choice(len(_TOPICS), p=_topic_weights()))
        start[members] = day + rng.integers(0, 10 * 3600, size=burst_stories)
        story_topic[members] = topic
        burst_entity[members] = int(rng.integers(0, 10))  # one of the most popular entities
        planted.append(
            {
                "day": _day(_EPOCH + day),
                "topic": _TOPICS[topic],
                "stories": sorted(members.tolist()),
            }
        )
    return planted


def _story_sizes(
    rng: np.random.Generator, total: int, median: float, sigma: float, bounds: tuple[int, int]
) -> np.ndarray:
    smallest, largest = bounds
    draws = np.rint(rng.lognormal(math.log(median), sigma, size=total)).astype(np.int64)
    draws = np.clip(draws, smallest, largest)
    cut = int(np.searchsorted(np.cumsum(draws), total))
    sizes = draws[: cut + 1].copy()
    sizes[-1] -= int(sizes.sum()) - total
    return sizes[sizes > 0]


def _related_lists(
    rng: np.random.Generator,
    doc_articles: np.ndarray,
    story: np.ndarray,
    sizes: np.ndarray,
    offsets: np.ndarray,
    when: np.ndarray,
    noise: float,
    window_days: float,
    *,
    topic: np.ndarray | None = None,
) -> tuple[list[np.ndarray], int, int]:
    """Each document's related articles, and how many items are noise links (and topical ones).

    With ``topic`` (each article's beat), noise links go to another story of the document's
    beat: in its time window when there is one, else at any time, else (a beat of one story)
    to any story in the window.
    """
    n = len(doc_articles)
    length = rng.integers(3, 9, size=n)
    n_noise = rng.binomial(length, noise)
    order = np.argsort(when, kind="stable")
    sorted_when = when[order]
    window = int(window_days * 86400)
    lo = np.searchsorted(sorted_when, when[doc_articles] - window, side="left")
    hi = np.searchsorted(sorted_when, when[doc_articles] + window, side="right")
    beats = _BeatWindows(order, when, topic, doc_articles, window) if topic is not None else None
    # Draw generously, then keep the first distinct ones per document.
    same_draw = rng.random((n, 8))
    noise_draw = rng.integers(0, 2**62, size=(n, 12))
    lists: list[np.ndarray] = []
    noise_total = topical_total = 0
    for i, article in enumerate(doc_articles.tolist()):
        s = story[article]
        others = int(sizes[s]) - 1
        want_same = min(int(length[i] - n_noise[i]), others)
        chosen: list[int] = []
        if want_same:
            picks = (same_draw[i] * others).astype(np.int64)
            base = int(offsets[s])
            own = article - base
            for p in dict.fromkeys((picks + (picks >= own)).tolist()):
                chosen.append(base + p)
                if len(chosen) == want_same:
                    break
        k = int(n_noise[i])
        pools = [order[lo[i] : hi[i]]]
        if beats is not None and k:
            pools[:0] = [pool[story[pool] != s] for pool in beats.pools(i)]
        for pool in pools:
            for r in noise_draw[i].tolist():
                if k == 0 or not len(pool):
                    break
                target = int(pool[r % len(pool)])
                if story[target] != s and target not in chosen:
                    chosen.append(target)
                    noise_total += 1
                    topical_total += topic is not None and topic[target] == topic[article]
                    k -= 1
        lists.append(np.array(rng.permutation(chosen), dtype=np.int64))
    return lists, noise_total, topical_total


class _BeatWindows:
    """The articles of a document's beat published within the noise window of it."""

    def __init__(
        self,
        order: np.ndarray,
        when: np.ndarray,
        topic: np.ndarray,
        doc_articles: np.ndarray,
        window: int,
    ) -> None:
        self.by_beat = {int(t): order[topic[order] == t] for t in np.unique(topic)}
        self.beat = topic[doc_articles]
        self.when = when
        self.doc_when = when[doc_articles]
        self.window = window

    def pools(self, i: int) -> list[np.ndarray]:
        """The beat's articles within the window of document ``i``, then all the beat's."""
        members = self.by_beat[int(self.beat[i])]
        times = self.when[members]
        lo = np.searchsorted(times, self.doc_when[i] - self.window, side="left")
        hi = np.searchsorted(times, self.doc_when[i] + self.window, side="right")
        return [members[lo:hi], members]


class _Vocabulary:
    """Pseudo-words: background and topic vocabulary shared by all, entity and event words."""

    def __init__(
        self,
        rng: np.random.Generator,
        n_stories: int,
        n_articles: int,
        *,
        key_words: int,
        story_topic: np.ndarray | None,
        burst_entity: np.ndarray,
        beat_pool: tuple[np.random.Generator, int | None],
    ) -> None:
        extra, pool = beat_pool
        n_entities = max(200, n_stories // 10)
        n_events = max(2000, 4 * n_stories, len(_TOPICS) * (pool or 0))
        lexicon = _pseudowords(rng, n_entities + n_events + 16 * 30 + 300)
        self.entities = lexicon[:n_entities]
        self.events = lexicon[n_entities : n_entities + n_events]
        rest = lexicon[n_entities + n_events :]
        self.topic_words = [rest[i * 30 : (i + 1) * 30] for i in range(len(_TOPICS))]
        self.background = list(_BACKGROUND) + rest[16 * 30 :]
        weights = 1.0 / np.arange(1, n_entities + 1)
        self.story_entities = rng.choice(n_entities, size=(n_stories, 2), p=weights / weights.sum())
        self.story_entities[burst_entity >= 0, 0] = burst_entity[burst_entity >= 0]
        self.story_events = rng.integers(0, n_events, size=(n_stories, key_words - 2))
        if story_topic is None:
            story_topic = rng.choice(len(_TOPICS), size=n_stories, p=_topic_weights())
        self.story_topic = story_topic
        self.n_articles = n_articles
        if pool is not None:  # event words from the beat's shared pool, popular ones more often
            weights = 1.0 / np.arange(1, pool + 1) ** 0.5
            for s in range(n_stories):
                picks = extra.choice(
                    pool, size=key_words - 2, replace=False, p=weights / weights.sum()
                )
                self.story_events[s] = int(story_topic[s]) * pool + picks

    def topic_of(self, story: int) -> str:
        return _TOPICS[self.story_topic[story]]

    def texts(
        self,
        rng: np.random.Generator,
        story: np.ndarray,
        *,
        extra: np.random.Generator,
        title_key_words: int | None,
        title_beat_words: int,
        excerpt_key_words: int | None,
        excerpt_beat_words: int,
        excerpt_words: int | None,
    ) -> _Texts:
        """A title and an excerpt per article, each with only part of its story's words.

        ``rng`` draws what the default options use, in their historical order; ``extra`` draws
        what other options need (more beat words, longer excerpts).
        """
        n = len(story)
        bg = self.background
        n_bg = len(bg)
        n_own = 2 + self.story_events.shape[1]
        story_pick = rng.random((n, n_own)).argsort(axis=1)  # a random order of the story words
        t_story = np.minimum(rng.integers(2, 5, size=n), n_own)
        e_story = np.minimum(rng.integers(3, 7, size=n), n_own)
        t_bg = rng.integers(0, n_bg, size=(n, 6))
        e_bg = rng.integers(0, n_bg, size=(n, 18))
        topic_pick = rng.integers(0, 30, size=(n, 4))
        shuffle = rng.random((n, 32))
        n_title_bg = rng.integers(3, 6, size=n)
        n_excerpt_bg = rng.integers(12, 19, size=n)
        if title_key_words is not None:
            t_story[:] = title_key_words
        if excerpt_key_words is not None:
            e_story[:] = min(excerpt_key_words, n_own)
        title_topic = topic_pick[:, :1]
        if title_beat_words != 1:
            title_topic = extra.integers(0, 30, size=(n, title_beat_words))
        excerpt_topic = topic_pick[:, 1:]
        if excerpt_beat_words != 3:
            excerpt_topic = extra.integers(0, 30, size=(n, excerpt_beat_words))
        if excerpt_words is not None:
            n_excerpt_bg = np.maximum(0, excerpt_words - e_story - excerpt_beat_words)
            e_bg = extra.integers(0, n_bg, size=(n, max(1, int(n_excerpt_bg.max()))))
        longest = max(
            32,
            int(t_story.max()) + title_beat_words + 5,
            int(e_story.max() + excerpt_beat_words + n_excerpt_bg.max()),
        )
        if longest > 32:
            shuffle = extra.random((n, longest))
        titles: list[str] = []
        excerpts: list[str] = []
        for i in range(n):
            s = story[i]
            own = [self.entities[e] for e in self.story_entities[s]] + [
                self.events[e] for e in self.story_events[s]
            ]
            order = story_pick[i]
            topic = self.topic_words[self.story_topic[s]]
            title_words = (
                [own[j] for j in order[: t_story[i]]]
                + [topic[j] for j in title_topic[i]]
                + [bg[j] for j in t_bg[i, : n_title_bg[i]]]
            )
            excerpt_words_i = (
                [own[j] for j in order[n_own - e_story[i] :]]
                + [topic[j] for j in excerpt_topic[i]]
                + [bg[j] for j in e_bg[i, : n_excerpt_bg[i]]]
            )
            title_words = _shuffled(title_words, shuffle[i])
            excerpt_words_i = _shuffled(excerpt_words_i, shuffle[i, ::-1])
            titles.append(" ".join(w.capitalize() for w in title_words))
            excerpts.append(
                excerpt_words_i[0].capitalize() + " " + " ".join(excerpt_words_i[1:]) + "."
            )
        return _Texts(titles, excerpts, [_TOPICS[t] for t in self.story_topic[story]])


@dataclass
class _Texts:
    titles: list[str]
    excerpts: list[str]
    topics: list[str]


@dataclass
class _Outlets:
    domains: list[str]
    names: list[list[str]]  # the main name first, then variants
    style: np.ndarray  # URL style per outlet
    section: list[str]
    www: np.ndarray  # bool: the site lives on www.


@dataclass
class _Urls:
    web: list[str]
    amp: list[str | None]
    cdn: list[str | None]
    canonical: list[str]
    slug: list[str]


def _pseudowords(rng: np.random.Generator, count: int) -> list[str]:
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS] + [
        c + v + "n" for c in _CONSONANTS for v in _VOWELS
    ]
    words: dict[str, None] = {}
    while len(words) < count:
        need = (count - len(words)) * 2
        lengths = rng.integers(2, 4, size=need)
        parts = rng.integers(0, len(syllables), size=(need, 3))
        for n, row in zip(lengths.tolist(), parts.tolist(), strict=True):
            words["".join(syllables[p] for p in row[:n])] = None
            if len(words) == count:
                break
    return list(words)


def _shuffled(items: list[str], keys: np.ndarray) -> list[str]:
    return [items[j] for j in np.argsort(keys[: len(items)])]


def _outlets(rng: np.random.Generator, count: int) -> _Outlets:
    roots = _pseudowords(rng, count * 2)
    forms = rng.integers(0, len(_NAME_FORMS), size=count)
    tlds = rng.integers(0, len(_TLDS), size=count)
    domains: list[str] = []
    names: list[list[str]] = []
    seen: set[str] = set()
    root_iter = iter(roots)
    for i in range(count):
        while True:
            root = next(root_iter)
            domain = _DOMAIN_FORMS[forms[i]].format(w=root) + _TLDS[tlds[i]]
            if domain not in seen:
                break
        seen.add(domain)
        name = _NAME_FORMS[forms[i]].format(w=root.capitalize())
        domains.append(domain)
        names.append([name, name.upper(), domain])
    return _Outlets(
        domains=domains,
        names=names,
        style=rng.integers(0, 4, size=count),
        section=[_SECTIONS[j] for j in rng.integers(0, len(_SECTIONS), size=count)],
        www=rng.random(count) < 0.7,
    )


def _urls(
    rng: np.random.Generator,
    outlets: _Outlets,
    outlet: np.ndarray,
    texts: _Texts,
    when: np.ndarray,
    *,
    variants: bool,
) -> _Urls:
    """Every article's web URL in its outlet's style, with AMP and AMP-cache variants."""
    n = len(outlet)
    numbers = rng.integers(10_000_000, 99_999_999, size=n)
    web: list[str] = []
    amp: list[str | None] = []
    cdn: list[str | None] = []
    canonical: list[str] = []
    slugs: list[str] = []
    for i in range(n):
        o = int(outlet[i])
        domain = outlets.domains[o]
        host = ("www." + domain) if outlets.www[o] else domain
        slug = "-".join(texts.titles[i].lower().split()[:8])
        section = outlets.section[o]
        style = int(outlets.style[o])
        day = _day(int(when[i])).replace("-", "/")
        if style == 0:  # dated path, /amp/ suffix
            path = f"/{section}/{day}/{slug}/"
            amp_url: str | None = f"https://{host}{path}amp/"
        elif style == 1:  # numeric id, /amp/ prefix
            path = f"/{section}/{slug}-{numbers[i]}"
            amp_url = f"https://{host}/amp{path}"
        elif style == 2:  # ?amp query
            path = f"/{section}/{slug}/"
            amp_url = f"https://{host}{path}?amp"
        else:  # .html, no AMP page
            path = f"/{section}/article-{numbers[i]}/{slug}.html"
            amp_url = None
        url = f"https://{host}{path}"
        if not variants:
            amp_url = None
        web.append(url)
        amp.append(amp_url)
        cdn.append(
            None
            if amp_url is None
            else f"https://{host.replace('-', '--').replace('.', '-')}.cdn.ampproject.org/c/s/"
            + amp_url.removeprefix("https://")
        )
        canonical.append(canonical_url(url) or url)
        slugs.append(slug)
    return _Urls(web, amp, cdn, canonical, slugs)


def _day(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


def _stamp(ts: int) -> str:
    return iso(ts) or ""


class _Renderer:
    """Front matter text in the real documents' exact shape."""

    def __init__(
        self,
        rng: np.random.Generator,
        outlets: _Outlets,
        outlet: np.ndarray,
        texts: _Texts,
        urls: _Urls,
        when: np.ndarray,
    ) -> None:
        n = len(outlet)
        self.rng = rng
        self.outlets, self.outlet, self.texts, self.urls = outlets, outlet, texts, urls
        self.when = [_stamp(int(t)) for t in when]
        self.quality = rng.integers(10, 120, size=n)
        self.image_id = rng.integers(0, 2**40, size=n)
        self.image_size = rng.choice(
            np.array([[640, 427], [800, 600], [1200, 800], [1920, 1280], [2500, 1667]]), size=n
        )
        self.has_image = rng.random(n) < 0.8
        self.extra_topics = rng.integers(0, len(_TOPICS), size=(n, 2))
        self.item_cache: dict[int, str] = {}

    def document(self, article: int, related: np.ndarray, doc_bytes: int, *, variants: bool) -> str:
        u, o = self.urls, int(self.outlet[article])
        rng = self.rng
        variant = int(rng.integers(0, 4))
        web = u.web[article]
        if not variants:
            original = web
        elif variant == 1:  # the original URL carries tracking parameters
            original = web + "?utm_source=feed&utm_medium=rss"
        elif variant == 2:  # or is the http, non-www spelling
            original = web.replace("https://www.", "http://")
        else:
            original = web
        lines = [
            "---",
            "category: news",
            f'title: "{self.texts.titles[article]}"',
            f'excerpt: "{self.texts.excerpts[article]}"',
            f"publishedDateTime: {self.when[article]}",
            f'originalUrl: "{original}"',
            f'webUrl: "{web}"',
        ]
        if u.amp[article] is not None:
            lines.append(f'ampWebUrl: "{u.amp[article]}"')
            lines.append(f'cdnAmpWebUrl: "{u.cdn[article]}"')
        topics = dict.fromkeys(
            [self.texts.topics[article], "AI"]
            + [_TOPICS[t] for t in self.extra_topics[article, : variant % 2]]
        )
        domain = self.outlets.domains[o]
        lines += [
            "type: article",
            f"quality: {self.quality[article]}",
            "heat: -1",
            "published: false",
            "",
            "provider:",
            f"  name: {self.outlets.names[o][0 if variant else 1]}",
            f"  domain: {'www.' + domain if variant == 3 else domain}",
            "",
            "topics:",
            *[f"  - {t}" for t in topics],
            "",
        ]
        if self.has_image[article]:
            lines += ["images:", *self._image(article, "  "), ""]
        lines.append("related:" if len(related) else "related: []")
        lines += [self._item(int(r)) for r in related]
        head = "\n".join(lines) + "\n\n"
        pad = max(64, doc_bytes - len(head) - 24 + int(rng.integers(-200, 200)))
        blob = base64.b64encode(rng.bytes(pad * 3 // 4)).decode("ascii")
        return f'{head}secured: "{blob};{base64.b64encode(rng.bytes(16)).decode()}"\n---\n'

    def _image(self, article: int, indent: str) -> list[str]:
        o = int(self.outlet[article])
        width, height = self.image_size[article]
        return [
            f'{indent}- url: "https://images.{self.outlets.domains[o]}/uploads/'
            f'{self.when[article][:7].replace("-", "/")}/{self.image_id[article]:010x}.jpg"',
            f"{indent}  width: {width}",
            f"{indent}  height: {height}",
            f"{indent}  isCached: true",
        ]

    def _item(self, article: int) -> str:
        """A related item; its provider name is one of the outlet's spellings."""
        spelling = article % 3
        cached = self.item_cache.get(article)
        if cached is not None:
            return cached
        u, o = self.urls, int(self.outlet[article])
        lines = [
            f'  - title: "{self.texts.titles[article]}"',
            f'    excerpt: "{self.texts.excerpts[article]}"',
            f"    publishedDateTime: {self.when[article]}",
            f'    webUrl: "{u.web[article]}"',
        ]
        if u.amp[article] is not None:
            lines.append(f'    ampWebUrl: "{u.amp[article]}"')
            lines.append(f'    cdnAmpWebUrl: "{u.cdn[article]}"')
        lines += [
            "    type: article",
            "    provider:",
            f"      name: {self.outlets.names[o][spelling]}",
            f"      domain: {self.outlets.domains[o]}",
            f"    quality: {self.quality[article]}",
        ]
        if self.has_image[article]:
            lines += ["    images:", *self._image(article, "      ")]
        text = "\n".join(lines)
        self.item_cache[article] = text
        return text


if __name__ == "__main__":
    main()
