"""The stored stories scored against a user's own labels (``graphnews stories --score``).

Before citing a spread figure, a researcher can hand-label a sample of the corpus (a TSV with
``url`` and ``story`` columns, optionally ``source``: the format of ``--fit``,
`graphnews.stories.fit.read_labels`) and see how far the stories graphnews stores agree with
it, beside two references computed on the same articles: every article alone, and the
connected components of the ``related`` links (what a link-following script finds). Scores are
those of the story benchmark (pairwise precision, recall and F1; BCubed F1), per source and, with
several sources, over all of them (pairs within each source; a source is one labelled sample).
And where they disagree: the stored stories that join labelled stories (merges) and the
labelled stories the stored ones split, largest first, to read by hand.

Nothing is fitted or changed: this scores the stories as stored (``--fit`` fits a model on the
labels instead). Scores on the articles a model was fitted on are in-sample: label a sample the
model has not seen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from graphnews.stories.fit import label_scores

if TYPE_CHECKING:
    import numpy as np

    from graphnews.store import Database
    from graphnews.stories.alternatives import Alternatives

__all__ = ["LabelScore", "ScoreReport", "score_clusterings", "score_stories"]


@dataclass
class LabelScore:
    """One source's (or all sources') scores: the stored stories and the two references."""

    source: str
    labelled: int  # labelled articles found in the database
    missing: int  # labelled URLs the database does not hold
    labelled_stories: int  # labelled stories among the found articles
    labelled_alone: int  # of them, stories of one labelled article
    same_story_pairs: int  # pairs of found articles labelled one story
    stories: dict[str, float]  # the stored stories: precision, recall, f1, bcubed_f1
    alone: dict[str, float]  # every article alone
    links: dict[str, float]  # connected components of the related links
    #: The stories the other choice about the related lists gives (`score_stories`
    #: ``compare_related``), and that choice: True with the lists, False without.
    other: dict[str, float] | None = None
    other_related: bool | None = None
    #: The stories the other choice about single articles gives (`score_stories`
    #: ``compare_singletons``), and the stored stories' choice: True when they let an article
    #: be a story of its own (the other choice joins them), False when they join them.
    other_singletons: dict[str, float] | None = None
    singletons_allowed: bool | None = None
    #: How far the stored stories' F1s would move on another sample (`score_interval`).
    interval: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Flat, for tables and CSV: the stored stories' scores (and `interval`'s) unprefixed,
        the references as ``alone_*`` and ``links_*``, the other choice's as
        ``without_related_*`` (the stored stories use the lists) or ``with_related_*`` (they
        do not), the other choice about single articles as ``without_singletons_*`` (the
        stored stories let an article be alone) or ``with_singletons_*``."""
        out: dict[str, Any] = {k: v for k, v in asdict(self).items()
                               if k not in ("stories", "alone", "links", "other",
                                            "other_related", "interval", "other_singletons",
                                            "singletons_allowed")}
        out |= self.stories | self.interval
        out |= {f"alone_{k}": v for k, v in self.alone.items()}
        out |= {f"links_{k}": v for k, v in self.links.items()}
        if self.other is not None:
            out |= {f"{self.other_prefix}_{k}": v for k, v in self.other.items()}
        if self.other_singletons is not None:
            out |= {f"{self.singletons_prefix}_{k}": v for k, v in self.other_singletons.items()}
        return out

    @property
    def other_prefix(self) -> str | None:
        """The keys' prefix of the other choice's scores: ``with_related`` (the stored stories
        leave the lists out), ``without_related`` (they use them); None: not scored."""
        if self.other_related is None:
            return None
        return "with_related" if self.other_related else "without_related"

    @property
    def singletons_prefix(self) -> str | None:
        """The keys' prefix of the other choice about single articles: ``without_singletons``
        (the stored stories let an article be alone; the other joins it), ``with_singletons``
        (they join them); None: not scored."""
        if self.singletons_allowed is None:
            return None
        return "without_singletons" if self.singletons_allowed else "with_singletons"


@dataclass
class ScoreReport:
    """Everything ``graphnews stories --score`` shows (the ``--format json`` keys)."""

    scores: list[LabelScore]
    merged: list[dict[str, Any]] = field(default_factory=list)
    split: list[dict[str, Any]] = field(default_factory=list)
    missing_urls: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"scores": [s.as_dict() for s in self.scores], "merged": self.merged,
                "split": self.split, "missing_urls": self.missing_urls}


def score_stories(db: Database, labels: Mapping[str, Mapping[str, str]], *,
                  compare_related: bool = False, compare_singletons: bool = False
                  ) -> ScoreReport:
    """Score the stored stories of ``db`` against ``labels`` (source -> URL -> story, as
    `graphnews.stories.fit.read_labels` reads them).

    An article in no stored story (ingested after the stories were computed) counts as alone;
    a labelled URL the database does not hold is left out and listed (``missing_urls``).
    ``compare_related``: when the database has related links, score too the stories the other
    choice about them gives (without the lists when the stored stories use them, with them
    when they do not: ``graphnews stories --ignore-related``), computed in full at the stored
    resolution and seed and not stored (`LabelScore.other`). ``compare_singletons``: score too
    the stories the other choice about single articles gives (none left alone when the stored
    stories allow them: ``graphnews stories --no-singletons``; allowed when they do not),
    computed the same way (`LabelScore.other_singletons`).
    """
    stored = dict(db.conn.execute("SELECT article_id, story_id FROM story_articles"))
    other_related, other = _other_choice(db) if compare_related else (None, None)
    allowed, singles = _singletons_choice(db) if compare_singletons else (None, None)
    component = _link_components(db)
    sizes = Counter(stored.values())
    scores, merged, split = [], [], []
    pooled: dict[str, list[Any]] = defaultdict(list)
    truths, missing_urls = _truths(db, labels)
    for source, truth in truths.items():
        guess = {a: stored.get(a, ("alone", a)) for a in truth}
        linked = {a: component.get(a, ("alone", a)) for a in truth}
        chosen = None if other is None else {a: other.get(a, ("alone", a)) for a in truth}
        joined = None if singles is None else {a: singles.get(a, ("alone", a)) for a in truth}
        scores.append(_score(source, truth, guess, linked, (chosen, other_related),
                             (joined, allowed), missing=len(labels[source]) - len(truth)))
        mine = {a: story.removeprefix(f"{source}:") for a, story in truth.items()}
        merged += _merges(source, mine, guess, sizes)
        split += _splits(source, mine, guess, sizes)
        for name, mapping in (("truth", truth), ("guess", guess), ("linked", linked),
                              ("other", chosen), ("singles", joined)):
            pooled[name].append(mapping)
    if len(labels) > 1:
        scores.append(_pooled(pooled, other_related, allowed, missing=len(missing_urls)))
    merged.sort(key=lambda m: (-m["labelled_articles"], m["source"], str(m["story"])))
    split.sort(key=lambda s: (-s["articles"], s["source"], s["labelled_story"]))
    return ScoreReport(scores, merged, split, missing_urls)


def score_clusterings(
    db: Database,
    labels: Mapping[str, Mapping[str, str]],
    *,
    resolutions: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
    alternatives: Alternatives | None = None,
) -> list[dict[str, Any]]:
    """The stories of each alternative clustering (`graphnews.stories.alternatives`: by
    default resolutions 0.4, 0.5 and 0.6, seeds 0, 1 and 2, and the stored stories' own) scored
    against ``labels`` as `score_stories` scores the stored ones, over every source (pairs
    within each): one row per clustering, ``resolution``, ``seed``, ``stored`` (the stored
    stories' parameters), pairwise ``precision``, ``recall``, ``f1`` and ``bcubed_f1``.

    How far the scores move with the resolution, on a labelled sample. Not a way to choose the
    resolution from a small one: on the never-fitted sources, one chosen on half of the labels
    did worse on the other half as often as better (`benchmarks/score_resolution.py`).
    ``alternatives``: the clusterings when already made (as in
    `graphnews.stories.alternatives.story_stability`).
    """
    from graphnews.stories.alternatives import alternative_stories
    from graphnews.stories.detect import stored_parameters

    found = (alternative_stories(db, resolutions=resolutions, seeds=seeds)
             if alternatives is None else alternatives)
    at = {article: i for i, article in enumerate(found.ids.tolist())}
    truths, _ = _truths(db, labels)
    truth = {(source, a): (source, s) for source, t in truths.items() for a, s in t.items()}
    own = stored_parameters(db) or {}
    rows = []
    for (resolution, seed), numbers in found.labels.items():
        guess = {(source, a): (source, int(numbers[at[a]])) for source, a in truth}
        rows.append({"resolution": resolution, "seed": seed,
                     "stored": (own.get("resolution"), own.get("seed")) == (resolution, seed)}
                    | label_scores(truth, guess))
    return rows


def _truths(db: Database, labels: Mapping[str, Mapping[str, str]]
            ) -> tuple[dict[str, dict[int, str]], list[str]]:
    """Per source, each labelled article's story (two URLs of one article: its first label),
    and the labelled URLs the database does not hold."""
    truths: dict[str, dict[int, str]] = {}
    missing = []
    for source, story_of in labels.items():
        truth = truths.setdefault(source, {})
        for url, story in story_of.items():
            article = db.resolve_url(url)
            if article is None:
                missing.append(url)
            else:
                truth.setdefault(article, story)
    return truths, missing


#: Another choice's stories (None: not computed) and that choice (`LabelScore`).
_Other = tuple[Mapping[Any, Hashable] | None, bool | None]


def _score(source: str, truth: Mapping[Any, Hashable], guess: Mapping[Any, Hashable],
           linked: Mapping[Any, Hashable], related: _Other, singletons: _Other, *,
           missing: int) -> LabelScore:
    """``related``: the other choice about the related lists' stories and that choice;
    ``singletons``: the other choice about single articles' and the stored one."""
    both = partial(label_scores, truth)  # pairwise and BCubed scores of a prediction
    (other, other_related), (joined, allowed) = related, singletons
    counts = Counter(truth.values())
    return LabelScore(
        source=source, labelled=len(truth), missing=missing, labelled_stories=len(counts),
        labelled_alone=sum(c == 1 for c in counts.values()),
        same_story_pairs=sum(c * (c - 1) // 2 for c in counts.values()),
        stories=both(guess), alone=both({a: ("alone", a) for a in truth}), links=both(linked),
        other=None if other is None else both(other), other_related=other_related,
        other_singletons=None if joined is None else both(joined), singletons_allowed=allowed,
        interval=score_interval(truth, guess))


def _pooled(pooled: Mapping[str, Sequence[Mapping[int, Hashable] | None]],
            other_related: bool | None, allowed: bool | None, *, missing: int) -> LabelScore:
    """All sources together: each mapping's keys and values tagged with its source, so that
    pairs are only ever counted within one source."""
    def tagged(name: str) -> dict[tuple[int, int], tuple[int, Hashable]]:
        return {(i, a): (i, s) for i, m in enumerate(pooled[name]) if m is not None
                for a, s in m.items()}

    return _score("all", tagged("truth"), tagged("guess"), tagged("linked"),
                  (None if other_related is None else tagged("other"), other_related),
                  (None if allowed is None else tagged("singles"), allowed), missing=missing)


def _other_choice(db: Database) -> tuple[bool | None, dict[int, int] | None]:
    """The stories of every article under the other choice about the related lists (with
    them when the stored stories leave them out, else without), as `_computed` computes them:
    that choice and each article's story number ((None, None): the database has no links)."""
    from graphnews.stories.stored import related_ignored, singletons_kept

    if db.conn.execute("SELECT 1 FROM related_links LIMIT 1").fetchone() is None:
        return None, None
    related = related_ignored(db)
    return related, _computed(db, related=related, singletons=singletons_kept(db))


def _singletons_choice(db: Database) -> tuple[bool, dict[int, int]]:
    """The stories of every article under the other choice about single articles (none left
    alone when the stored stories allow them, else allowed), as `_computed` computes them: the
    stored choice (True: allowed) and each article's story number."""
    from graphnews.stories.stored import related_ignored, singletons_kept

    allowed = singletons_kept(db)
    return allowed, _computed(db, related=not related_ignored(db), singletons=not allowed)


def _computed(db: Database, *, related: bool, singletons: bool) -> dict[int, int]:
    """Each article's story number, computed in full with (``related``) or without the related
    lists and with single articles allowed (``singletons``) or joined, at the stored
    resolution and seed with the user's corrections, as a computation of the stories would;
    nothing stored."""
    from graphnews.stories import DEFAULT_RESOLUTION, DEFAULT_SEED
    from graphnews.stories.constraints import load_constraints
    from graphnews.stories.detect import current_model, stored_parameters
    from graphnews.stories.pairs import Articles, Clustering, candidate_pairs

    corpus = Articles.load(db, related=related)
    model = current_model(db).for_texts(linked=corpus.linked, language=corpus.language)
    pairs = candidate_pairs(corpus, every_term=model.every_term)
    join, separate = load_constraints(db).positions(corpus.urls)
    params = stored_parameters(db) or {}
    membership = Clustering(len(corpus.ids), pairs.keeping("text_cos"),
                            model.log_odds(pairs.x), join=join, separate=separate,
                            singletons=singletons).membership(
        threshold=params.get("resolution", DEFAULT_RESOLUTION),
        seed=params.get("seed", DEFAULT_SEED))
    return dict(zip(corpus.ids.tolist(), membership.tolist(), strict=True))


#: Resamples of `score_interval` and the share of them its interval spans.
INTERVAL_DRAWS = 1000
INTERVAL_LEVEL = 0.9


def score_interval(truth: Mapping[Any, Hashable], guess: Mapping[Any, Hashable], *,
                   draws: int = INTERVAL_DRAWS, level: float = INTERVAL_LEVEL,
                   seed: int = 0) -> dict[str, float]:
    """How far pairwise F1 and BCubed F1 would move on another sample like the labelled one.

    A bootstrap over *blocks*: the labelled articles joined by sharing a labelled story or a
    stored story (``guess``; a missing article alone). Every pair either score counts lies
    within one block, so a block is what can be drawn again: ``draws`` resamples of as many
    blocks, with replacement, each scored from its blocks' counts (`block_counts`); the
    interval is the middle ``level`` of those scores (keys ``f1_low``, ``f1_high``,
    ``bcubed_f1_low``, ``bcubed_f1_high``). Seeded: the same labels and stories give the same
    interval. On one block the interval is the score itself.
    """
    import numpy as np

    counts = block_counts(truth, guess)
    weights = np.random.default_rng(seed).multinomial(
        len(counts), np.full(len(counts), 1 / max(len(counts), 1)), size=draws)
    tail = (1 - level) / 2 * 100
    out = {}
    for key, f1 in counts_f1(weights @ counts).items():
        low, high = np.percentile(f1, [tail, 100 - tail])
        out[f"{key}_low"], out[f"{key}_high"] = round(float(low), 6), round(float(high), 6)
    return out


def block_counts(truth: Mapping[Any, Hashable], guess: Mapping[Any, Hashable]) -> np.ndarray:
    """Per block of `score_interval`, a row of what the scores count: pairs in one labelled
    and one stored story, pairs in one stored story, pairs in one labelled story, the sums of
    the articles' BCubed precision and recall, and the articles (summed over every block:
    the counts of `graphnews.stories.fit.pairwise_scores` and `bcubed_f1`)."""
    import numpy as np

    articles = sorted(truth, key=repr)  # blocks numbered alike whatever order labels come in
    found = [guess.get(a, ("alone", a)) for a in articles]
    block = _blocks([truth[a] for a in articles], found)
    gold_size = Counter(truth[a] for a in articles)
    guess_size = Counter(found)
    both = Counter(zip((truth[a] for a in articles), found, strict=True))
    counts = np.zeros((max(block, default=-1) + 1, 6))
    cell_block: dict[tuple[Hashable, Hashable], int] = {}
    gold_block: dict[Hashable, int] = {}
    guess_block: dict[Hashable, int] = {}
    for a, guessed, b in zip(articles, found, block, strict=True):
        cell_block.setdefault((truth[a], guessed), b)
        gold_block.setdefault(truth[a], b)
        guess_block.setdefault(guessed, b)
        counts[b, 5] += 1
    for (gold, guessed), n in both.items():
        counts[cell_block[gold, guessed], [0, 3, 4]] += (
            n * (n - 1) / 2, n * n / guess_size[guessed], n * n / gold_size[gold])
    for gold, n in gold_size.items():
        counts[gold_block[gold], 2] += n * (n - 1) / 2
    for guessed, n in guess_size.items():
        counts[guess_block[guessed], 1] += n * (n - 1) / 2
    return counts


def counts_f1(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Pairwise F1 and BCubed F1 (``f1``, ``bcubed_f1``) of rows of summed `block_counts`
    (no predicted pair: precision 1, no labelled pair: recall 1, as `pairwise_scores`)."""
    import numpy as np

    together, predicted, true, precision, recall, size = np.atleast_2d(totals).T
    ones = np.ones(len(together))
    pairs = (np.divide(together, predicted, out=ones.copy(), where=predicted > 0),
             np.divide(together, true, out=ones.copy(), where=true > 0))
    bcubed = (precision / np.maximum(size, 1), recall / np.maximum(size, 1))
    return {key: np.divide(2 * p * r, p + r, out=np.zeros(len(p)), where=p + r > 0)
            for key, (p, r) in (("f1", pairs), ("bcubed_f1", bcubed))}


def _blocks(gold: Sequence[Hashable], guess: Sequence[Hashable]) -> list[int]:
    """Each article's block: the components of "same labelled story or same stored story"."""
    parent = list(range(len(gold)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for labels in (gold, guess):
        first: dict[Hashable, int] = {}
        for i, label in enumerate(labels):
            parent[root(i)] = root(first.setdefault(label, i))
    roots = [root(i) for i in range(len(gold))]
    number = {r: n for n, r in enumerate(dict.fromkeys(roots))}
    return [number[r] for r in roots]


def _merges(source: str, truth: Mapping[int, str], guess: Mapping[int, Hashable],
            sizes: Mapping[str, int]) -> list[dict[str, Any]]:
    """Stored stories holding labelled articles of two or more labelled stories."""
    held: dict[Hashable, Counter[str]] = defaultdict(Counter)
    for article, story in truth.items():
        held[guess[article]][story] += 1
    return [{"source": source, "story": story, "size": sizes.get(story, 1),
             "labelled_articles": sum(labelled.values()),
             "labelled_stories": dict(labelled.most_common())}
            for story, labelled in held.items() if len(labelled) > 1]


def _splits(source: str, truth: Mapping[int, str], guess: Mapping[int, Hashable],
            sizes: Mapping[str, int]) -> list[dict[str, Any]]:
    """Labelled stories whose articles are in two or more stored stories (articles alone
    counted together as ``alone``)."""
    parts: dict[str, Counter[str]] = defaultdict(Counter)
    for article, story in truth.items():
        where = guess[article]
        parts[story][where if isinstance(where, str) and sizes[where] > 1 else "alone"] += 1
    return [{"source": source, "labelled_story": story, "articles": sum(counts.values()),
             "stories": dict(counts.most_common())}
            for story, counts in parts.items()
            if len(counts) > 1 or counts.get("alone", 0) > 1]


def _link_components(db: Database) -> dict[int, int]:
    """Each linked article's connected component of the related links (a component number)."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    links = np.array(db.conn.execute(
        "SELECT from_article, to_article FROM related_links WHERE from_article != to_article"
    ).fetchall(), dtype=np.int64).reshape(-1, 2)
    size = int(links.max(initial=0)) + 1
    graph = sparse.coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])),
                              shape=(size, size))
    _, component = connected_components(graph, directed=False)
    linked = np.unique(links)
    return dict(zip(linked.tolist(), component[linked].tolist(), strict=True))
