"""The stories under other clustering choices: how far a figure depends on them.

Every spread figure (who was first, how often, leader scores) stands on the stories, and the
clustering that makes them has two free choices: the resolution (the probability a pair needs
to pull its two articles into one story) and Leiden's random seed. `alternative_stories`
clusters the same evidence (the candidate pairs and their probabilities, computed once) under
each combination (`graphnews.stories.pairs.Clustering`: what the cuts share is done once), and
leaves the stored stories alone. `story_stability` says, for each stored
story, in how many of them it is found whole (``graphnews stories --ranges``);
`graphnews.spread.spread_ranges` turns them into the range of each outlet's figures
(``graphnews spread --ranges``).

The default resolutions, 0.4, 0.5 and 0.6, span what the development corpora measured: 0.5 is
the default; for corpora without related lists 0.4 found more of the stories of sets of
already grouped stories, 0.6 did better on days of general news, whose many small stories
merge (docs/stories.md, "the text-only model's cut, 0.3 to 0.6").

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> from graphnews.generator import generate_corpus, DOCUMENTS_DIR
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate_corpus(out, documents=200, noise=0.2, seed=3)
>>> db = graphnews.open(":memory:")
>>> _ = db.ingest([out / DOCUMENTS_DIR])
>>> found = alternative_stories(db, resolutions=(0.4, 0.6), seeds=(0,))
>>> sorted(found.labels), len(found.labels[(0.4, 0)]) == len(found.ids)
([(0.4, 0), (0.6, 0)], True)
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphnews.errors import BadInputError
from graphnews.stories.constraints import StoryConstraints, load_constraints
from graphnews.stories.detect import (
    Evidence,
    but_corrections,
    corrected_articles,
    current_model,
    dirty_region,
    evidence_key,
    evidence_prints,
    region_pairs,
    stored_parameters,
    stories_are_current,
)
from graphnews.stories.pairs import Articles, CandidateSearch, Clustering, Model
from graphnews.stories.stored import get_story, load_stories, singletons_kept

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = [
    "RANGE_RESOLUTIONS",
    "RANGE_SEEDS",
    "Alternatives",
    "StoryStability",
    "StoryVariant",
    "alternative_stories",
    "holders",
    "story_stability",
    "story_variants",
]

#: Resolutions of the alternative clusterings (see the module docstring for why these).
RANGE_RESOLUTIONS = (0.4, 0.5, 0.6)
#: Leiden seeds of the alternative clusterings.
RANGE_SEEDS = (0, 1, 2)
#: ``meta`` key of the last clusterings made, read back while nothing they depend on changed.
CACHE_META_KEY = "story_alternatives"
_KEPT_FORMAT = 1  # of the value kept under it (`_Kept`): another is made again, not read


@dataclass
class Alternatives:
    """Stories of every article under each ``(resolution, seed)``: ``labels[key][i]`` is the
    story number of the article ``ids[i]`` (numbers mean nothing across keys)."""

    ids: np.ndarray  # article ids, ascending
    labels: dict[tuple[float, int], np.ndarray]
    ts: np.ndarray  # each article's publication time (seconds; NaN unknown), as ``ids``
    outlets: np.ndarray  # each article's outlet id (-1 unknown)
    #: How many articles were clustered to make them: all, or after new data those of the
    #: stories it touched (`dirty_region`); 0 when they were read back as kept.
    clustered: int = 0


def alternative_stories(
    db: Database,
    *,
    resolutions: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
    model: Model | None = None,
    evidence: Evidence | None = None,
) -> Alternatives:
    """Cluster every article of ``db`` under each resolution and seed; the stories stay as
    they are.

    ``resolutions`` default to `RANGE_RESOLUTIONS`, ``seeds`` to `RANGE_SEEDS`; the stored
    stories' own resolution and seed are always added, and there, while the stored stories
    are current (and without ``model``), the clustering is the stored stories themselves, so
    that every figure of theirs lies within its range whether they were last computed in full
    or updated. The evidence is the stored
    stories' (the model `graphnews.stories.detect_stories` would use, chosen the same way),
    computed once for every article. A writable database keeps the last clusterings made
    (``meta`` key `CACHE_META_KEY`): they are read back while the data, the model, the user's
    corrections and the resolutions and seeds asked for are the same (at 100,000 documents
    0.25 s, not 18), and after new data only the stories it touches are clustered again, as
    `graphnews.stories.update_stories` does for the stored stories (`dirty_region`); else
    each clustering is a full one. ``evidence``: what a full computation of the stories just
    made (`graphnews.stories.update_stories` with ``keep_evidence``), clustered again rather
    than computed again while the database's evidence is still the same (at 100,000
    documents about 10 s saved); the clusterings are those made without it.

    Raises
    ------
    BadInputError
        When a resolution is not strictly between 0 and 1, or none or no seed is given.
    """
    if (resolutions is not None and not resolutions) or (seeds is not None and not seeds):
        raise BadInputError("give at least one resolution and one seed")
    for r in resolutions or ():
        if not 0.0 < r < 1.0:
            raise BadInputError(
                f"a resolution is the probability a pair of articles needs to be one story, "
                f"between 0 and 1, not {r}"
            )
    stored = stored_parameters(db)
    own_resolution, own_seed = ([stored["resolution"]], [stored["seed"]]) if stored else ([], [])
    choices = [(float(r), int(s))
               for r in sorted({*(resolutions or RANGE_RESOLUTIONS), *own_resolution})
               for s in sorted({*(seeds or RANGE_SEEDS), *own_seed})]
    key = evidence_key(db, model)
    data = key["data"]
    wanted = {"evidence": {k: v for k, v in key.items() if k != "data"}, "clusterings": choices}
    own = ((own_resolution[0], own_seed[0])
           if stored and model is None and stories_are_current(db) else None)
    kept = _Kept.read(db)
    if kept is not None and kept.data == data and kept.wanted == wanted:
        return _with_stored(db, kept.found, own)
    if kept is not None and (kept.wanted["clusterings"] != choices or but_corrections(
            kept.wanted["evidence"]) != but_corrections(wanted["evidence"])):
        kept = None  # another model or other clusterings: made again in full
    corrections = load_constraints(db)
    # a full computation's evidence, unless kept clusterings can be updated in a region
    if evidence is not None and evidence.key == key and (
            kept is None or kept.routing != evidence.routing):
        corpus, prints, routing = evidence.corpus, evidence.prints, evidence.routing
        clustering, region = evidence.clustering, None
    else:
        corpus, prints, routing, clustering, region = _evidence_of(db, model, kept, corrections)
    labels = {}
    for choice, made in zip(choices, clustering.memberships(choices), strict=True):
        if kept is not None and region is not None:  # the rest as it was
            made = _spliced(kept.found, corpus.ids, region, made, choice)
        labels[choice] = made
    found = Alternatives(corpus.ids, labels, corpus.ts, corpus.outlets,
                         clustered=clustering.n)
    if not db.readonly:
        _Kept(data, wanted, routing, found, prints,
              [c.as_dict() for c in corrections.items]).write(db)
    return _with_stored(db, found, own)


def _evidence_of(db: Database, model: Model | None, kept: _Kept | None,
                 corrections: StoryConstraints
                 ) -> tuple[Articles, np.ndarray, dict[str, Any], Clustering, np.ndarray | None]:
    """The corpus, its `evidence_prints`, which of the model's parts scores it, and the
    clustering of its candidate pairs: of every article, or after new data or
    ``corrections`` made or forgotten, when ``kept`` clusterings of the same model, choices
    and routing are there, of the articles they touch (`dirty_region`, returned too; None:
    every article)."""
    corpus = Articles.load(db)
    unrouted = current_model(db, model)
    chosen = unrouted.for_texts(linked=corpus.linked, language=corpus.language)
    routing = {"text_only": chosen is not unrouted, "language": corpus.language}
    prints = evidence_prints(corpus)
    search = CandidateSearch()
    region = None
    corrected = None if kept is None else corrected_articles(
        kept.corrections, kept.wanted["evidence"], corrections, corpus)
    if kept is not None and kept.routing == routing and corrected is not None:
        region = dirty_region(corpus, prints, kept.found.ids, kept.prints,
                              list(kept.found.labels.values()), window_days=search.window_days,
                              also=corrected)
    subset = np.arange(len(corpus.ids)) if region is None else region
    pairs = region_pairs(corpus, subset, search, every_term=chosen.every_term,
                         full=region is None)
    join, separate = corrections.positions([corpus.urls[i] for i in subset])
    clustering = Clustering(len(subset), pairs.keeping("text_cos"), chosen.log_odds(pairs.x),
                            join=join, separate=separate, singletons=singletons_kept(db))
    return corpus, prints, routing, clustering, region


def _with_stored(db: Database, found: Alternatives, own: tuple[float, int] | None
                 ) -> Alternatives:
    """``found`` with the stored stories themselves as the clustering at their own resolution
    and seed ``own`` (an article without a stored story: a story of its own), so that every
    figure of the stored stories lies within its range, however they were last computed (an
    update clusters again only a region, as the clusterings kept do, and the regions differ)."""
    if own is None:
        return found
    rows = db.conn.execute("SELECT article_id, story_id FROM story_articles").fetchall()
    articles = np.fromiter((a for a, _ in rows), dtype=np.int64, count=len(rows))
    names: dict[str, int] = {}
    stories = np.fromiter((names.setdefault(s, len(names)) for _, s in rows), dtype=np.int64,
                          count=len(rows))
    mine = np.arange(len(found.ids)) + len(names)  # an article without a stored story: alone
    at = np.searchsorted(found.ids, articles)
    inside = at < len(found.ids)
    inside[inside] = found.ids[at[inside]] == articles[inside]
    mine[at[inside]] = stories[inside]
    labels = dict(found.labels)
    labels[own] = np.unique(mine, return_inverse=True)[1].reshape(-1)
    return Alternatives(found.ids, labels, found.ts, found.outlets, clustered=found.clustered)


def _spliced(old: Alternatives, ids: np.ndarray, region: np.ndarray, made: np.ndarray,
             choice: tuple[float, int]) -> np.ndarray:
    """Clustering ``choice`` of the articles ``ids``: ``made`` for those at ``region``
    (clustered again), ``old``'s for every other; story numbers from 0 again."""
    labels = np.empty(len(ids), dtype=np.int64)
    outside = np.ones(len(ids), dtype=bool)
    outside[region] = False
    before = old.labels[choice]
    labels[outside] = before[np.searchsorted(old.ids, ids[outside])]
    labels[region] = made + before.max(initial=-1) + 1
    return np.unique(labels, return_inverse=True)[1].reshape(-1)


@dataclass
class _Kept:
    """The last clusterings made (`alternative_stories`), as a writable database keeps them in
    ``meta``: what they were made from, and each article's `evidence_prints` then, so that
    new data clusters again only the stories it touches (`dirty_region`)."""

    data: str  # `graphnews.stories.detect._data_version`
    wanted: dict[str, Any]  # the rest of the evidence's key, and the clusterings asked for
    routing: dict[str, Any]  # which of the model's parts scored the corpus (`Model.for_texts`)
    found: Alternatives
    prints: np.ndarray
    #: The user's corrections they were made with (`Constraint.as_dict`; None: not recorded,
    #: by an older graphnews)
    corrections: list[dict[str, str]] | None

    @classmethod
    def read(cls, db: Database) -> _Kept | None:
        row = db.conn.execute("SELECT value FROM meta WHERE key = ?",
                              (CACHE_META_KEY,)).fetchone()
        if row is None:
            return None
        kept = json.loads(row[0])
        if kept.get("format") != _KEPT_FORMAT:  # kept by another version of graphnews
            return None
        with np.load(io.BytesIO(base64.b64decode(kept["arrays"]))) as arrays:
            choices = [(float(r), int(s)) for r, s in arrays["choices"].tolist()]
            found = Alternatives(arrays["ids"], dict(zip(choices, arrays["labels"], strict=True)),
                                 arrays["ts"], arrays["outlets"])
            prints = arrays["prints"]
        wanted = kept["wanted"] | {"clusterings": [tuple(c) for c in kept["wanted"]["clusterings"]]}
        return cls(kept["data"], wanted, kept["routing"], found, prints,
                   kept.get("corrections"))

    def write(self, db: Database) -> None:
        found = self.found
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, ids=found.ids, ts=found.ts, outlets=found.outlets, prints=self.prints,
            choices=np.array(list(found.labels), dtype=np.float64).reshape(-1, 2),
            labels=np.array(list(found.labels.values()), dtype=np.int64
                            ).reshape(len(found.labels), len(found.ids)))
        value = json.dumps({"format": _KEPT_FORMAT, "data": self.data, "wanted": self.wanted,
                            "corrections": self.corrections,
                            "routing": self.routing,
                            "arrays": base64.b64encode(buffer.getvalue()).decode()})
        with db.transaction():
            db.put_meta(CACHE_META_KEY, value)


@dataclass
class StoryStability:
    """How one stored story fares under the alternative clusterings (`story_stability`)."""

    story: str
    kept: int  # in how many clusterings its articles are exactly one story
    clusterings: int
    size: tuple[int, int]  # lowest and highest size of the story holding most of its articles
    first_held: int = 0  # in how many the story holding most of it has its first reporter(s)

    def as_dict(self) -> dict[str, int]:
        """The keys ``graphnews stories --ranges`` adds to each story."""
        return {"kept": self.kept, "clusterings": self.clusterings, "size_min": self.size[0],
                "size_max": self.size[1], "first_reporter_held": self.first_held}


def story_stability(
    db: Database,
    *,
    resolutions: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
    alternatives: Alternatives | None = None,
) -> dict[str, StoryStability]:
    """For each stored story: in how many alternative clusterings (`alternative_stories`) its
    articles are exactly one story, the sizes of the story that holds most of them, and in how
    many that story has the same first reporter (the outlets of its earliest article; every
    article counts, as in `graphnews.spread` without filters).

    A story found whole at every resolution and seed does not hang on the clustering's free
    choices; one that grows or splits does (how far that tells a right story from a wrong one
    on labelled data: docs/stories.md, "How far the figures depend on the stories").

    ``alternatives``: the clusterings when already made (`graphnews run --ranges` makes them
    once for its stories, spread and pages); else made here from ``resolutions`` and ``seeds``.
    """
    if alternatives is None:
        alternatives = alternative_stories(db, resolutions=resolutions, seeds=seeds)
    stories = load_stories(db)
    if not stories:
        return {}
    # each article's stored story (-1: none, as for an article ingested after the stories)
    position = {article: i for i, article in enumerate(alternatives.ids.tolist())}
    stored = np.full(len(position), -1, dtype=np.int64)
    for number, story in enumerate(stories):
        stored[[position[a] for a in story.articles if a in position]] = number
    sizes = np.bincount(stored[stored >= 0], minlength=len(stories))
    kept = np.zeros(len(stories), dtype=np.int64)
    first_held = np.zeros(len(stories), dtype=np.int64)
    low = np.full(len(stories), np.iinfo(np.int64).max)
    high = np.zeros(len(stories), dtype=np.int64)
    firsts = _first_reporters(stored, alternatives)
    for labels in alternatives.labels.values():
        other, held = holders(stored, labels, len(stories))
        # the size of the story holding most of each stored story's articles (0: none left)
        holding = np.where(other >= 0, np.bincount(labels)[np.maximum(other, 0)], 0)
        kept += (held == sizes) & (holding == sizes) & (sizes > 0)
        theirs = _first_reporters(labels, alternatives)
        first_held += [o >= 0 and theirs.get(int(o)) == firsts.get(i)
                       for i, o in enumerate(other.tolist())]
        low = np.minimum(low, holding)
        high = np.maximum(high, holding)
    return {
        s.id: StoryStability(s.id, int(kept[i]), len(alternatives.labels),
                             (int(low[i]), int(high[i])), int(first_held[i]))
        for i, s in enumerate(stories)
    }


def _first_reporters(labels: np.ndarray, alternatives: Alternatives
                     ) -> dict[int, tuple[int, ...]]:
    """Per story number (``labels[i]``: article i's, -1 none), the outlets of its earliest
    dated articles (a story without a dated article: none)."""
    ts, outlet = alternatives.ts, alternatives.outlets
    dated = (labels >= 0) & ~np.isnan(ts)
    earliest = np.full(int(labels.max(initial=-1)) + 1, np.inf)
    np.minimum.at(earliest, labels[dated], ts[dated])
    first = np.flatnonzero(dated)
    first = first[ts[first] == earliest[labels[first]]]
    pairs = np.unique(np.column_stack((labels[first], outlet[first])), axis=0)
    out: dict[int, tuple[int, ...]] = {}
    for story, outlet_id in pairs.tolist():
        out[story] = (*out.get(story, ()), outlet_id)
    return out


def holders(stored: np.ndarray, labels: np.ndarray, stories: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``stories`` stories, the story of another clustering that holds most of its
    articles (ties: the lowest number) and how many of them it holds.

    ``stored[i]`` and ``labels[i]`` are article i's story in each (``stored`` -1: none).
    Returns two arrays of length ``stories``: the holding story's number (-1 for a story with no
    article) and the articles it holds of it.
    """
    inside = stored >= 0
    span = int(labels.max(initial=0)) + 1
    both, counts = np.unique(stored[inside] * span + labels[inside], return_counts=True)
    story, other = both // span, both % span
    order = np.lexsort((other, -counts, story))
    first = order[np.r_[True, story[order][1:] != story[order][:-1]]] if len(order) else order
    holding = np.full(stories, -1, dtype=np.int64)
    held = np.zeros(stories, dtype=np.int64)
    holding[story[first]] = other[first]
    held[story[first]] = counts[first]
    return holding, held


@dataclass
class StoryVariant:
    """What one stored story becomes under some of the alternative clusterings
    (`story_variants`): the story holding most of its articles, as the articles it gains
    (``joined``) and loses (``left``), by article id."""

    clusterings: list[tuple[float, int]]
    size: int
    joined: list[int]
    left: list[int]


def story_variants(
    db: Database,
    story: str,
    *,
    resolutions: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
) -> list[StoryVariant]:
    """The stored story ``story`` (an id or any URL of one of its articles) under each
    alternative clustering (`alternative_stories`), clusterings with the same outcome
    together, the outcome of most clusterings first; the stored story itself is the variant
    with nothing joined and nothing left.

    Raises
    ------
    NotFoundError
        When there is no such story (`graphnews.stories.get_story`).
    """
    found = get_story(db, story)
    alternatives = alternative_stories(db, resolutions=resolutions, seeds=seeds)
    members = set(found.articles)
    at = np.flatnonzero(np.isin(alternatives.ids, list(members)))
    outcomes: dict[tuple[tuple[int, ...], tuple[int, ...]], list[tuple[float, int]]] = {}
    for key, labels in alternatives.labels.items():
        counts = np.bincount(labels[at])
        holding = set(alternatives.ids[labels == int(counts.argmax())].tolist())
        outcome = (tuple(sorted(holding - members)), tuple(sorted(members - holding)))
        outcomes.setdefault(outcome, []).append(key)
    variants = [
        StoryVariant(keys, len(members) + len(joined) - len(left), list(joined), list(left))
        for (joined, left), keys in outcomes.items()
    ]
    return sorted(variants, key=lambda v: (-len(v.clusterings), v.clusterings))
