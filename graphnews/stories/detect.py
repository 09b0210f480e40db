"""Story detection: which articles, across outlets, report the same event.

``related`` lists are evidence, and they are noisy: a recommender lists a fintech press release
beside three articles on Microsoft retiring emotion recognition. Connected components of
``related`` links therefore melt unrelated events into one giant "story". Instead every
candidate pair of articles gets the probability that the two report one story, from a fitted,
calibrated model (`graphnews.stories.pairs`: text, names, time, links, co-citation, outlet), and
the articles are grouped by a correlation clustering of those probabilities (Leiden, CPM).

``resolution`` is the probability a pair needs to pull its articles into one story (default
0.5, "more likely than not"); higher splits stories finer. No weight is tuned per corpus: the
model's coefficients were fitted on labelled stories (benchmarks/stories_eval.py).

Stories are stored in the ``stories`` and ``story_articles`` tables with the parameters they
were computed with (`stored_parameters`); `update_stories` without parameters keeps those, so
`story`, `spread`, `render` and `run` use the stories a user computed, never silently
re-clustered with the defaults. A story's id is a hash of its earliest article's canonical URL,
so a story keeps its id when recomputation leaves it unchanged (or only adds later articles to
it). Recomputation is incremental: nothing is done when the database did not change since the
last computation (tracked in ``meta``); after an ingest that touched a limited time span only
the stories around it are recomputed (see `update_stories`).

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> from graphnews.generator import generate_corpus, DOCUMENTS_DIR
>>> from graphnews.stories.stored import story_urls
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> truth = generate_corpus(out, documents=400, noise=0.2, seed=3)
>>> db = graphnews.open(":memory:")
>>> _ = db.ingest([out / DOCUMENTS_DIR])
>>> stories = detect_stories(db)
>>> truth.score(story_urls(db))["ari"] > 0.9
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphnews._memory import release as release_memory
from graphnews.errors import BadInputError
from graphnews.progress import Progress, no_progress
from graphnews.stories import DEFAULT_RESOLUTION, DEFAULT_SEED
from graphnews.stories.constraints import StoryConstraints, load_constraints
from graphnews.stories.pairs import (
    Articles,
    CandidateSearch,
    Clustering,
    Model,
    Pairs,
    candidate_pairs,
    window_density,
)
from graphnews.stories.stored import (
    Story,
    keep_singletons,
    load_stories,
    related_ignored,
    singletons_kept,
    use_related,
)
from graphnews.stories.words import LANGUAGE_NAMES, unfitted_script

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = [
    "DEFAULT_RESOLUTION",
    "DEFAULT_SEED",
    "MODEL_META_KEY",
    "Evidence",
    "StoryRun",
    "but_corrections",
    "corrected_articles",
    "current_model",
    "database_density",
    "detect_stories",
    "dirty_region",
    "evidence_key",
    "evidence_prints",
    "fitted_model",
    "region_pairs",
    "stored_parameters",
    "stories_are_current",
    "update_stories",
    "use_model",
    "use_related",
]

#: The stages of a recomputation: ``progress("stories", done, len(STAGES))`` before each.
STAGES = ("load", "evidence", "cluster", "store")

_META_KEY = "stories"
#: A model fitted on a user's own labels (``graphnews stories --fit``) is kept in ``meta``.
MODEL_META_KEY = "story_model"


@dataclass
class Evidence:
    """Every article's candidate pairs and their probabilities, as a full computation of the
    stories made them (`update_stories` with ``keep_evidence``): what
    `graphnews.stories.alternatives.alternative_stories` clusters again at other cuts and
    seeds, so that one process (``graphnews run --ranges``) does not compute them twice."""

    key: dict[str, Any]  # `evidence_key` of the database they were made from
    corpus: Articles
    prints: np.ndarray  # `evidence_prints` of the corpus
    routing: dict[str, Any]  # which of the model's parts scored them (`Model.for_texts`)
    clustering: Clustering


@dataclass
class StoryRun:
    """What `update_stories` did: ``mode`` is 'unchanged', 'incremental' or 'full'."""

    mode: str
    articles: int = 0
    recomputed: int = 0
    stories: int = 0
    edges: int = 0
    resolution: float = DEFAULT_RESOLUTION
    seed: int = DEFAULT_SEED
    window_texts: float = 0.0  # `window_density` of the articles: which model applies
    text_only: bool = False  # no related links between the articles: `Model.text_only` scored
    untimed: int = 0  # articles without a publication time: in a story only through links
    unfitted_script: int = 0  # articles titled in Chinese, Japanese or Korean (`unfitted_script`)
    language: str = "en"  # the corpus's language, as its stop words go (`corpus_language`)
    shipped_model: bool = True  # the shipped model (fitted on English news), not your own fit
    corrections: int = 0  # the user's corrections honoured (`graphnews.stories.constraints`)
    related_ignored: bool = False  # computed without the related lists (``--ignore-related``)
    singletons_joined: bool = False  # no article left alone (``--no-singletons``)
    seconds: dict[str, float] = field(default_factory=dict)
    #: A full computation's evidence, when asked for (`update_stories` ``keep_evidence``).
    evidence: Evidence | None = field(default=None, repr=False, compare=False)

    def caveats(self) -> list[str]:
        """What the stories cannot be trusted for, in plain words (empty: nothing known)."""
        notes = []
        if self.related_ignored:
            notes.append(
                "computed without the documents' related lists, as 'graphnews stories "
                "--ignore-related' chose ('--use-related' uses them again)"
            )
        if self.singletons_joined:
            notes.append(
                "no article with a candidate pair is left alone, as 'graphnews stories "
                "--no-singletons' chose for a set of grouped stories ('--singletons' lets "
                "an article be a story of its own again)"
            )
        if self.untimed:
            notes.append(
                f"{self.untimed:,} of {self.articles:,} articles have no publication time: "
                "their texts are compared with no other, so they join a story only through "
                "their related links"
            )
        if self.unfitted_script and self.shipped_model:
            notes.append(
                f"{self.unfitted_script:,} of {self.articles:,} articles are titled in Chinese, "
                "Japanese or Korean: the same-story model was fitted on English news and finds "
                "few of their stories (docs/stories.md, \"Chinese and Japanese\")"
            )
        if self.language != "en" and self.shipped_model:
            name = LANGUAGE_NAMES[self.language]
            notes.append(
                f"the articles read as {name} ({name} stop words are left out of their "
                "texts): the same-story model was fitted on English news; of other languages "
                "only German was measured, on two labelled days of Swiss news, where it did "
                "better than every article alone but missed most articles of the big stories "
                "(pairwise recall 0.20 on one day); score them on a labelled sample of your "
                "own before relying on them (graphnews stories --label-sheet, then --score; "
                "docs/labelling.md; docs/stories.md, \"German\")"
            )
        return notes


def detect_stories(
    db: Database,
    *,
    resolution: float | None = None,
    seed: int | None = None,
    model: Model | None = None,
    incremental: bool = True,
    related: bool | None = None,
    singletons: bool | None = None,
) -> list[Story]:
    """Detect the stories of every article, store them, and return them (largest first).

    Parameters
    ----------
    db : Database
        A writable database.
    resolution : float, optional
        The probability a pair needs to pull its articles into one story, between 0 and 1
        (`DEFAULT_RESOLUTION`); higher splits stories finer. None: the resolution the stored
        stories were computed with, else the default.
    seed : int, optional
        Leiden's random seed; the same data, parameters and seed give the same stories. None:
        the stored stories' seed, else `DEFAULT_SEED`.
    model : Model, optional
        The same-story pair model (default `current_model`: a model fitted with
        ``graphnews stories --fit`` and kept in the database, else the shipped one).
    incremental : bool
        Reuse the stored stories (see `update_stories`); False recomputes everything.
    related : bool, optional
        False: compute the stories without the documents' ``related`` lists (text, names and
        time alone, the text-only model), for a corpus whose lists join other stories of a
        beat (a recommender's "more like this"); True: with them again. Kept in the database
        for every later command and computation. None: as stored (with them until chosen).
    singletons : bool, optional
        False: leave no article alone, for a set of grouped stories (every article in a story
        of two or more, as a curated collection is): an article the clustering leaves alone
        joins the story of its likeliest candidate partner (`graphnews.stories.pairs.
        join_singletons`); True: let an article be a story of its own again (the default, for
        a news feed, whose single articles are real). Kept like ``related``.

    Returns
    -------
    list of Story
        Every article's story, singletons included, largest first.

    Raises
    ------
    BadInputError
        When ``resolution`` is not strictly between 0 and 1.
    """
    update_stories(db, resolution=resolution, seed=seed, model=model, incremental=incremental,
                   related=related, singletons=singletons)
    return load_stories(db)


def update_stories(
    db: Database,
    *,
    resolution: float | None = None,
    seed: int | None = None,
    model: Model | None = None,
    incremental: bool = True,
    progress: Progress | None = None,
    keep_evidence: bool = False,
    related: bool | None = None,
    singletons: bool | None = None,
) -> StoryRun:
    """Bring the stored stories up to date with the database; say what was recomputed.

    Without ``resolution`` / ``seed`` the stored stories' parameters are kept (the defaults
    when none are stored): stories computed with ``--resolution 0.2 --seed 7`` stay the ones
    every later command shows. Incremental by default: nothing is recomputed when the data did
    not change since the stories were computed with the same parameters and model. Otherwise
    every article whose evidence changed (new, re-dated, retitled, or with new ``related``
    links) marks as dirty its link neighbours, the articles within the text window of it, and
    the stored stories of all of these; only that region is clustered again, and every other
    story keeps its articles and its id. When the region holds more than half of the
    articles, everything is recomputed.

    Parameters are those of `detect_stories`; ``progress("stories", done, 4)`` is called
    before each of the four `STAGES` and after the last (`graphnews.progress`).
    ``keep_evidence``: a full computation returns its candidate pairs and their probabilities
    too (`StoryRun.evidence`), for the alternative clusterings made next
    (`graphnews.stories.alternatives.alternative_stories`); they hold the corpus's memory
    until the report is dropped. ``related``: with or without the ``related`` lists,
    ``singletons``: single articles allowed or joined, each kept for later (see
    `detect_stories`).
    """
    if related is not None:
        use_related(db, related)
    if singletons is not None:
        keep_singletons(db, singletons)
    stored = stored_parameters(db) or {}
    resolution = stored.get("resolution", DEFAULT_RESOLUTION) if resolution is None else resolution
    seed = stored.get("seed", DEFAULT_SEED) if seed is None else seed
    data = _data_version(db)
    chosen, density = _model_for(db, model, data)
    report = _Detector(
        db,
        resolution=float(resolution),
        seed=int(seed),
        model=chosen,
        data=data,
        density=density,
        progress=progress,
    ).run(incremental=incremental, keep_evidence=keep_evidence)
    report.shipped_model = model is None and fitted_model(db) is None
    return report


def current_model(db: Database, model: Model | None = None) -> Model:
    """The pair model stories are computed with, for this database's density.

    ``model`` (default: the database's own fit from ``graphnews stories --fit``, else the
    shipped one), or its ``dense`` model when the database's median article has at least
    ``dense_from`` other articles within the search window (`Model.for_density`). A corpus
    that grows past that line is recomputed in full with the dense model, never mixed.
    """
    return _model_for(db, model, _data_version(db))[0]


def _model_for(db: Database, model: Model | None, data: str) -> tuple[Model, float | None]:
    """`current_model` given the database's `_data_version`, and the density that chose it
    (None when the model has no dense one: nothing was chosen)."""
    from graphnews.stories.pairs import load_model

    if model is None:
        own = fitted_model(db)
        model = load_model() if own is None else own
    if model.dense is None:
        return model, None
    # The stored stories' density holds while the data is the one they were computed from
    # (an unchanged re-run then reads no article: 0.2 s at 100,000 documents).
    state = _load_state(db)
    same_data = state is not None and state["key"][0] == data
    density = state.get("window_texts") if same_data else None
    if density is None:
        density = database_density(db)
    return model.for_density(density), density


def fitted_model(db: Database) -> Model | None:
    """The database's own fit (``graphnews stories --fit``, `use_model`), if it has one."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (MODEL_META_KEY,)).fetchone()
    return None if row is None else Model.from_dict(json.loads(row[0]))


def use_model(db: Database, model: Model | None) -> None:
    """Keep ``model`` (fitted on the user's labels: `graphnews.stories.fit.cross_validate`) as
    the database's own, for every later computation of its stories; None forgets the
    database's own fit, so that the shipped model computes them again (``graphnews stories
    --shipped-model``). Nothing is recomputed here: the next computation sees the model
    changed and recomputes every story."""
    with db.transaction():
        if model is None:
            db.conn.execute("DELETE FROM meta WHERE key = ?", (MODEL_META_KEY,))
        else:
            db.put_meta(MODEL_META_KEY, json.dumps(model.as_dict()))


def database_density(db: Database) -> float:
    """`window_density` of the database's articles: other texts within 7 days, median."""
    times = np.fromiter(
        (r[0] for r in db.conn.execute(
            "SELECT published_ts FROM articles WHERE published_ts IS NOT NULL"
        )),
        dtype=np.float64,
    )
    return window_density(times, CandidateSearch().window_days)


def stored_parameters(db: Database) -> dict[str, Any] | None:
    """``{"resolution": ..., "seed": ..., "related": ..., "singletons": ...}`` of the stored
    stories (None before any); ``related`` is False when they were computed without the
    related lists, ``singletons`` False when no article was left alone."""
    state = _load_state(db)
    if state is None:
        return None
    params = json.loads(state["params"])
    return {"resolution": params["resolution"], "seed": params["seed"],
            "related": params.get(_RELATED) != "ignored",
            "singletons": params.get(_SINGLETONS) != "joined"}


def stories_are_current(
    db: Database,
    *,
    resolution: float | None = None,
    seed: int | None = None,
    model: Model | None = None,
) -> bool:
    """True when stored stories exist for the current data and these parameters."""
    state = _load_state(db)
    if state is None:
        return False
    stored = json.loads(state["params"])
    resolution = stored["resolution"] if resolution is None else resolution
    seed = stored["seed"] if seed is None else seed
    data = _data_version(db)
    return state.get("key") == (data, _params(resolution, seed, _model_for(db, model, data)[0],
                                              load_constraints(db), related_ignored(db),
                                              joined=not singletons_kept(db)))


def evidence_prints(corpus: Articles) -> np.ndarray:
    """A 63-bit hash per article of everything its evidence depends on.

    Time, outlet and texts are hashed per article; each link adds a hash of its two article
    ids to both ends (a sum, so the order of links does not matter).
    """
    out = np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(f"{t}|{o}|{a}|{b}".encode(), digest_size=8).digest())
            for t, o, a, b in zip(
                corpus.ts.tolist(), corpus.outlets.tolist(), corpus.titles, corpus.excerpts,
                strict=True
            )
        ),
        dtype=np.uint64,
        count=len(corpus.ids),
    )
    with np.errstate(over="ignore"):
        a, b = corpus.ids[corpus.src].astype(np.uint64), corpus.ids[corpus.dst].astype(np.uint64)
        link = _mix(a * np.uint64(0x9E3779B97F4A7C15) + b)
        np.add.at(out, corpus.src, link)
        np.add.at(out, corpus.dst, _mix(link))
    return (out >> np.uint64(1)).astype(np.int64)


def dirty_region(corpus: Articles, prints: np.ndarray, old_ids: np.ndarray,
                 old_prints: np.ndarray, old_stories: list[np.ndarray], *,
                 window_days: float, also: np.ndarray | None = None) -> np.ndarray | None:
    """Indices of the articles of ``corpus`` to cluster again, or None when clustering all
    is cheaper (more than half of them).

    ``old_ids`` (ascending) and ``old_prints`` are the articles and their `evidence_prints`
    when the stories were made, ``old_stories`` one or more clusterings of them (a story
    number per old article). Every article whose evidence changed (new, re-dated, retitled,
    or with new ``related`` links) marks as dirty its link neighbours, the articles within
    the text window of it, and the stories of all of these; a story touched anywhere is
    clustered again as a whole, in every clustering (so the region grows until no story of
    any of them has articles both in it and out of it). ``also``: positions of articles to
    count as changed though their evidence is not (a correction by hand of theirs changed).
    """
    n = len(corpus.ids)
    at = np.clip(np.searchsorted(old_ids, corpus.ids), 0, max(len(old_ids) - 1, 0))
    known = (old_ids[at] == corpus.ids) if len(old_ids) else np.zeros(n, dtype=bool)
    changed = ~known | (old_prints[at] != prints) if len(old_ids) else ~known
    if also is not None:
        changed[also] = True
    gone = ~np.isin(old_ids, corpus.ids)
    if not changed.any() and not gone.any():
        return np.array([], dtype=np.int64)
    touched = changed.copy()
    link_touch = changed[corpus.src] | changed[corpus.dst]
    touched[corpus.src[link_touch]] = True
    touched[corpus.dst[link_touch]] = True
    touched[_within_window(corpus.ts, np.flatnonzero(changed), window_days)] = True
    stories = [np.where(known, old[at] if len(old_ids) else -1, -1) for old in old_stories]
    region = touched | np.any([np.isin(story, old[gone]) for story, old in
                               zip(stories, old_stories, strict=True)], axis=0)
    while True:  # whole stories of every clustering, until none reaches out of the region
        grown = region | np.any([np.isin(story, story[region & (story >= 0)])
                                 for story in stories], axis=0)
        if (grown == region).all():
            break
        region = grown
    if region.sum() > n // 2:
        return None
    return np.flatnonzero(region)


def region_pairs(corpus: Articles, subset: np.ndarray, search: CandidateSearch, *,
                 every_term: bool, full: bool) -> Pairs:
    """The candidate pairs among ``subset`` (``full``: every article), their features as in a
    full computation.

    A pair's text features compare it with each article's other candidates (its best and
    its 10th cosine), so the region is computed together with its context: every article
    within the text window of it. Only the pairs inside the region are kept. The terms are
    weighed by every article's texts, as in a full computation (in a region's own texts a
    beat's words are rarer, and the same two texts are less alike).
    """
    if full:
        return candidate_pairs(corpus, subset, search, every_term=every_term)
    context = np.union1d(subset, _within_window(corpus.ts, subset, search.window_days))
    pairs = candidate_pairs(corpus, context, search, every_term=every_term, weights_from_all=True)
    position = np.full(len(context), -1, dtype=np.int64)
    position[np.searchsorted(context, subset)] = np.arange(len(subset))
    u, v = position[pairs.u], position[pairs.v]
    inside = (u >= 0) & (v >= 0)
    return Pairs(u[inside], v[inside], pairs.x[inside])


class _Detector:
    def __init__(
        self,
        db: Database,
        *,
        resolution: float,
        seed: int,
        model: Model,
        data: str,
        density: float | None,
        progress: Progress | None,
    ) -> None:
        if not 0.0 < resolution < 1.0:
            raise BadInputError(
                f"the resolution is the probability a pair of articles needs to "
                f"be one story, between 0 and 1 (default "
                f"{DEFAULT_RESOLUTION}), not {resolution}"
            )
        self.db = db
        self.resolution = resolution
        self.seed = seed
        self.model = model
        self.data = data  # `_data_version` when the computation began
        self.density = density  # the `window_density` that chose the model, if one was chosen
        self.search = CandidateSearch()
        self.progress = progress or no_progress
        self.report = StoryRun(mode="full", resolution=resolution, seed=seed)
        self.constraints = StoryConstraints()  # the user's corrections, read when it runs

    def _stage(self, name: str) -> None:
        self.progress("stories", STAGES.index(name), len(STAGES))

    def run(self, *, incremental: bool, keep_evidence: bool) -> StoryRun:
        import time

        clock = time.perf_counter()
        timings = self.report.seconds

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[step] = round(timings.get(step, 0.0) + now - clock, 3)
            clock = now

        constraints = self.constraints = load_constraints(self.db)
        self.report.corrections = len(constraints.items)
        ignored = self.report.related_ignored = related_ignored(self.db)
        joined = self.report.singletons_joined = not singletons_kept(self.db)
        key = (self.data, _params(self.resolution, self.seed, self.model, constraints, ignored,
                                  joined=joined))
        state = _load_state(self.db)
        if incremental and state is not None and state.get("key") == key:
            self.report.mode = "unchanged"
            # what the stories cannot judge, as found when they were computed
            self.report.untimed = state.get("untimed", 0)
            self.report.unfitted_script = state.get("unfitted_script", 0)
            self.report.language = state.get("language", "en")
            self.report.text_only = state.get("text_only", False)
            self.report.stories, self.report.articles = self.db.conn.execute(
                "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM story_articles)"
            ).fetchone()
            return self.report
        self._stage("load")
        corpus = Articles.load(self.db)
        prints = evidence_prints(corpus)
        self.report.window_texts = (
            window_density(corpus.ts, self.search.window_days)
            if self.density is None
            else self.density
        )
        self.report.untimed = int(np.isnan(corpus.ts).sum())
        self.report.unfitted_script = sum(
            unfitted_script(title or excerpt)
            for title, excerpt in zip(corpus.titles, corpus.excerpts, strict=True)
        )
        self.report.language = corpus.language
        unrouted = self.model
        routed = self.model.for_texts(linked=corpus.linked, language=corpus.language)
        self.report.text_only = routed is not self.model
        self.model = routed
        lap("load")
        region = None
        if (
            incremental
            and state is not None
            and but_corrections(json.loads(state.get("params", "{}")))
            == but_corrections(json.loads(key[1]))
            and state.get("language", "en") == corpus.language  # else other stop words
            and state.get("text_only", False) == self.report.text_only  # else other features
            and (corrected := corrected_articles(
                state.get("corrections"), json.loads(state["params"]), constraints, corpus)
                 ) is not None
        ):
            region = self._dirty_region(corpus, prints, corrected)
            lap("region")
        subset = np.arange(len(corpus.ids)) if region is None else region
        self.report.mode = "full" if region is None else "incremental"
        self.report.articles = len(corpus.ids)
        self.report.recomputed = len(subset)
        self._stage("evidence")
        pairs = region_pairs(corpus, subset, self.search, every_term=self.model.every_term,
                             full=region is None)
        log_odds = self.model.log_odds(pairs.x)
        pairs = pairs.keeping("text_cos")  # all that clustering reads of the features
        release_memory()
        self.report.edges = len(pairs)
        lap("evidence")
        self._stage("cluster")
        join, separate = constraints.positions([corpus.urls[i] for i in subset])
        clustering = Clustering(len(subset), pairs, log_odds, join=join, separate=separate,
                                singletons=not joined)
        membership = clustering.membership(threshold=self.resolution, seed=self.seed)
        confidence = _confidence(membership, pairs.u, pairs.v, log_odds)
        if keep_evidence and region is None:
            self.report.evidence = Evidence(
                {"data": self.data} | _evidence(unrouted, constraints, ignored, joined=joined),
                corpus, prints,
                {"text_only": self.report.text_only, "language": corpus.language}, clustering)
        lap("cluster")
        self._stage("store")
        self._store(
            corpus, subset, membership, confidence, prints, replace_all=region is None, key=key
        )
        lap("store")
        self.progress("stories", len(STAGES), len(STAGES))
        self.report.stories = self.db.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        return self.report

    def _dirty_region(self, corpus: Articles, prints: np.ndarray, corrected: np.ndarray
                      ) -> np.ndarray | None:
        """`dirty_region` of the stored stories; the ``corrected`` articles count as changed."""
        rows = self.db.conn.execute(
            "SELECT article_id, fingerprint, story_id FROM story_articles ORDER BY article_id"
        ).fetchall()
        old_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        old_prints = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        _, old_story = np.unique(
            np.array([r[2] for r in rows], dtype=object).astype(str), return_inverse=True
        )
        return dirty_region(corpus, prints, old_ids, old_prints, [old_story],
                            window_days=self.search.window_days, also=corrected)

    def _store(
        self,
        corpus: Articles,
        subset: np.ndarray,
        membership: np.ndarray,
        confidence: np.ndarray,
        prints: np.ndarray,
        *,
        replace_all: bool,
        key: tuple[str, str],
    ) -> None:
        db = self.db
        from graphnews.dates import utc_now

        now = utc_now()
        groups: dict[int, list[int]] = {}
        for position, community in enumerate(membership.tolist()):
            groups.setdefault(community, []).append(position)
        when = np.nan_to_num(corpus.ts[subset], nan=np.inf).tolist()
        for positions in groups.values():  # earliest first, ties by URL
            positions.sort(key=lambda p: (when[p], corpus.urls[subset[p]]))
        with db.transaction():
            if replace_all:
                db.conn.execute("DELETE FROM story_articles")
                db.conn.execute("DELETE FROM stories")
            else:
                ids = [(int(a),) for a in corpus.ids[subset]]
                db.conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS _redo (article_id INTEGER PRIMARY KEY)"
                )
                db.conn.execute("DELETE FROM _redo")
                db.conn.executemany("INSERT INTO _redo VALUES (?)", ids)
                db.conn.execute(
                    "DELETE FROM stories WHERE id IN (SELECT story_id FROM "
                    "story_articles WHERE article_id IN "
                    "(SELECT article_id FROM _redo))"
                )
                db.conn.execute(
                    "DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM story_articles)"
                )
                db.conn.execute(
                    "DELETE FROM story_articles WHERE article_id NOT IN (SELECT id FROM articles)"
                )
            taken = {r[0] for r in db.conn.execute("SELECT id FROM stories")}
            story_rows = []
            member_rows = []
            for community, positions in groups.items():
                first = subset[positions[0]]
                story_id = _story_id(corpus.urls[first], taken)
                taken.add(story_id)
                members = [int(corpus.ids[subset[p]]) for p in positions]
                signature = hashlib.blake2b(
                    json.dumps(sorted(members)).encode(), digest_size=8
                ).hexdigest()
                story_rows.append(
                    (story_id, len(members), round(float(confidence[community]), 4), signature, now)
                )
                member_rows.extend(
                    (story_id, int(corpus.ids[subset[p]]), int(prints[subset[p]]))
                    for p in positions
                )
            db.conn.executemany(
                "INSERT INTO stories (id, size, confidence, signature, "
                "computed_at) VALUES (?, ?, ?, ?, ?)",
                story_rows,
            )
            db.conn.executemany(
                "INSERT OR REPLACE INTO story_articles (story_id, article_id, "
                "fingerprint) VALUES (?, ?, ?)",
                member_rows,
            )
            db.put_meta(_META_KEY, json.dumps({
                "key": list(key),
                "params": key[1],
                "window_texts": self.report.window_texts,
                "untimed": self.report.untimed,
                "unfitted_script": self.report.unfitted_script,
                "language": self.report.language,
                "text_only": self.report.text_only,
                "corrections": [c.as_dict() for c in self.constraints.items],
                "computed_at": now,
            }))


# -- confidence -----------------------------------------------------------------------------


def _confidence(
    membership: np.ndarray, u: np.ndarray, v: np.ndarray, log_odds: np.ndarray
) -> np.ndarray:
    """Per community: the mean probability of its candidate pairs (see `Story`)."""
    k = int(membership.max(initial=-1)) + 1
    p = 0.5 * (1.0 + np.tanh(0.5 * log_odds))
    cu, cv = membership[u], membership[v]
    inside = cu == cv
    total = np.bincount(cu[inside], weights=p[inside], minlength=k)
    count = np.bincount(cu[inside], minlength=k)
    strongest = np.zeros(k)  # for a community without an inside pair: its strongest outside
    np.maximum.at(strongest, cu[~inside], p[~inside])
    np.maximum.at(strongest, cv[~inside], p[~inside])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), 1.0 - strongest)


# -- private helpers ------------------------------------------------------------------------
def _within_window(ts: np.ndarray, around: np.ndarray, days: float) -> np.ndarray:
    """Indices of the dated articles published within ``days`` of one of ``around``."""
    times = np.sort(ts[around][~np.isnan(ts[around])])
    if not len(times):
        return np.array([], dtype=np.int64)
    dated = np.flatnonzero(~np.isnan(ts))
    nearest = np.searchsorted(times, ts[dated])
    before = np.abs(ts[dated] - times[np.clip(nearest - 1, 0, len(times) - 1)])
    after = np.abs(times[np.clip(nearest, 0, len(times) - 1)] - ts[dated])
    return dated[np.minimum(before, after) <= days * 86400]


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit integer hash (splitmix64's finaliser), elementwise."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _story_id(url: str, taken: Iterable[str]) -> str:
    """'s-' + 12 hex digits of the earliest article's canonical URL (extended on a clash)."""
    taken_set = taken if isinstance(taken, set) else set(taken)
    salt = 0
    while True:
        key = url if salt == 0 else f"{url}#{salt}"
        story_id = "s-" + hashlib.sha1(key.encode()).hexdigest()[:12]
        if story_id not in taken_set:
            return story_id
        salt += 1


def _data_version(db: Database) -> str:
    """What changes whenever the articles, their times or their links change."""
    data = db.conn.execute(
        "SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) FROM documents), "
        "(SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || total(published_ts) "
        "FROM articles), (SELECT count(*) FROM related_links)"
    ).fetchone()
    return "|".join(str(x) for x in data)


def _params(resolution: float, seed: int, model: Model, constraints: StoryConstraints,
            ignored: bool, *, joined: bool) -> str:
    """The parameters stored stories were computed with; with `_data_version`, their key.
    The user's corrections count once there are any, the related lists once ignored, the
    single articles once joined (stories stored before any of them stay current while there
    is none)."""
    return json.dumps(
        {"resolution": resolution, "seed": seed}
        | _evidence(model, constraints, ignored, joined=joined),
        sort_keys=True)


#: The key of the user's corrections' digest in the evidence (`_evidence`) and parameters.
_CORRECTIONS = "constraints"
#: The key saying the related lists were left out ("ignored"), there too.
_RELATED = "related"
#: The key saying no article was left alone ("joined", `singletons_kept`), there too.
_SINGLETONS = "singletons"


def but_corrections(evidence: dict[str, Any]) -> dict[str, Any]:
    """An `evidence_key` or the stored stories' parameters without the user's corrections:
    what else stories or clusterings were made from (`corrected_articles` finds what the
    corrections change)."""
    return {k: v for k, v in evidence.items() if k != _CORRECTIONS}


def corrected_articles(before: list[dict[str, str]] | None, evidence: dict[str, Any],
                       constraints: StoryConstraints, corpus: Articles) -> np.ndarray | None:
    """Positions in ``corpus`` of the articles of every correction made or forgotten since
    ``before`` (the corrections then, as `Constraint.as_dict`, of the stories or clusterings
    made from ``evidence``): what a correction changes (`dirty_region`'s ``also``). None when
    that is not known: ``before`` was not recorded (by an older graphnews) though the evidence
    says there were corrections then."""
    if before is None and _CORRECTIONS in evidence:
        return None
    then = {(c["kind"], c["a"], c["b"]) for c in before or ()}
    now = {(c.kind, c.a, c.b) for c in constraints.items}
    urls = {url for _, a, b in then ^ now for url in (a, b)}
    return np.array([i for i, url in enumerate(corpus.urls) if url in urls], dtype=np.int64)


def _evidence(model: Model, constraints: StoryConstraints, ignored: bool, *,
              joined: bool) -> dict[str, Any]:
    """What the candidate pairs and their probabilities depend on besides the data
    (``ignored``: the related lists are left out, `related_ignored`), and the two choices
    every clustering of them honours: the user's corrections and ``joined`` (no article left
    alone, `singletons_kept`), so that clusterings kept from other choices are made again."""
    fitted = hashlib.blake2b(
        json.dumps(
            {k: v for k, v in model.as_dict().items() if k != "report"}, sort_keys=True
        ).encode(),
        digest_size=8,
    ).hexdigest()
    params: dict[str, Any] = {"model": fitted, "search": CandidateSearch().__dict__}
    if (digest := constraints.digest()) is not None:
        params[_CORRECTIONS] = digest
    if ignored:
        params[_RELATED] = "ignored"
    if joined:
        params[_SINGLETONS] = "joined"
    return params


def evidence_key(db: Database, model: Model | None = None) -> dict[str, Any]:
    """Everything the stories' evidence depends on: ``data`` (`_data_version`), the model that
    scores it (`current_model`), the candidate search and the user's corrections. Two equal
    keys mean the same candidate pairs with the same probabilities."""
    data = _data_version(db)
    return {"data": data} | _evidence(_model_for(db, model, data)[0], load_constraints(db),
                                      related_ignored(db), joined=not singletons_kept(db))


def _load_state(db: Database) -> dict[str, Any] | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    if row is None:
        return None
    state = json.loads(row[0])
    state["key"] = tuple(state["key"])
    return state
