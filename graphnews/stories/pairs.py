"""Same-story pairs: candidate pairs of articles, their features, and the calibrated model.

Story detection asks one question of many pairs of articles: *do these two report the same
event?* This module finds the pairs worth asking about and answers with a probability.

**Candidates** (never all pairs): a ``related`` link either way, two articles that share
``related`` neighbours (co-citation), and each article's nearest texts among the articles
published within ``window_days`` of it (TF-IDF of title and excerpt, blockwise sparse products
over the articles sorted by time).

**Features** of a candidate pair (`FEATURES`): title cosine and excerpt cosine separately and
together, the cosine of their *names* (capitalised words, figures, quoted phrases), hours apart,
a link either way, reciprocity, co-citation, a link confirmed by text, same outlet, and
indicators for a missing signal (no excerpt, no time, no ``related`` list on one or both
sides), so that a corpus without ``related`` lists or without excerpts scores on what it has.

**Model**: logistic regression over the standardised features, fitted on labelled pairs
(`fit_model`), then Platt-calibrated on out-of-fold scores (each labelled source's pairs scored
by the model fitted without that source), mixed with boosted trees fitted on the same pairs
(`TREES_SHARE` of the log-odds, `graphnews.stories.trees`), so an edge weight is the
probability that the two articles report the same story. The fitted model ships as
``model.json`` beside this module (`load_model`): ``python benchmarks/stories_eval.py
--refit`` refits it on the project's labelled sources; ``graphnews stories --fit labels.tsv``
fits one on a user's own labels.

Examples
--------
>>> import numpy as np
>>> model = load_model()
>>> probability = model.predict(np.zeros((1, len(FEATURES))))
>>> bool(0.0 < probability[0] < 1.0)
True
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from graphnews._interrupt import held
from graphnews._memory import release as release_memory
from graphnews.stories.actors import actor_features, title_actors
from graphnews.stories.stored import RELATED_META_KEY, related_ignored
from graphnews.stories.trees import Trees, fit_trees
from graphnews.stories.words import corpus_language, names, stop_words, tokens

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = [
    "FEATURES",
    "MODEL_FILE",
    "RELATED_META_KEY",
    "Articles",
    "CandidateSearch",
    "Clustering",
    "Model",
    "Pairs",
    "candidate_pairs",
    "fit_logistic",
    "fit_model",
    "join_singletons",
    "load_model",
    "related_ignored",
    "window_density",
]

#: The features of a candidate pair, in the order of `Pairs.x` columns.
FEATURES = (
    "text_cos",  # TF-IDF cosine of title + excerpt
    "text_relative",  # text_cos / geometric mean of both articles' best candidate cosine
    "title_cos",  # of the titles alone
    "excerpt_cos",  # of the excerpts alone (0 when either has none)
    "no_excerpt",  # 1 when either article has no excerpt
    "names_cos",  # cosine of capitalised words, figures and quoted phrases (IDF-weighted)
    "log_hours_apart",  # log(1 + hours between publication times); 0 when unknown
    "no_time",  # 1 when either time is unknown
    "linked",  # one lists the other in `related`
    "reciprocal",  # each lists the other
    "cocitation",  # cosine of their `related` neighbour sets (see `_cocitation`)
    "linked_text",  # linked x text_cos: a link the texts confirm
    "lists_both",  # both articles have a `related` list of their own
    "lists_one",  # exactly one has
    "same_outlet",  # both from one outlet
    "text_over_floor",  # log(max(text_cos, 0.1) / geometric mean of both 10th candidate cosines)
    "actor_same",  # both titles lead with the same actor (`title_actors`)
    "actor_conflict",  # both lead with an actor, they differ, neither text names the other's
)

#: The boosted trees of the model may only raise the log-odds as these features rise (a
#: constraint against learning a generator's quirks: more similar names or more shared
#: citations never count against a pair).
INCREASING = ("text_cos", "names_cos", "linked", "cocitation", "linked_text")

#: The dense model's trees rise with every text feature too. Free in the relative and
#: per-part cosines (`text_relative`, `text_over_floor`, the title and excerpt ones), the
#: trees of dense weeks learnt shapes that did not carry over (left out, `short-text` scored
#: 0.06-0.09 ARI under the dense model without trees); held to rising, they raised the mean
#: over the development corpora above the dense line by 0.027 (`bursts` +0.10, no corpus lower
#: by more than 0.03). Below the line the same constraint lost the real sources and the big
#: stories without lists (docs/stories.md, "Trees in the dense model").
DENSE_INCREASING = (*INCREASING, "title_cos", "excerpt_cos", "text_relative", "text_over_floor")

#: Features the trees never split on: the logistic part alone weighs time apart. Trees that
#: saw it learnt the generated corpora's tight stories and split real follow-ups days later
#: (the June 2022 check failed; docs/stories.md, "The mixed model").
NOT_IN_TREES = ("log_hours_apart",)

#: Features the model adds last, as log-odds fitted on top of the rest (`fit_model`): in the
#: regression beside the others, the actors' "no" let the fit lean more on text for every
#: other pair, and a feed whose titles name no actor (smartable-powerapps-2020) merged more
#: (pairwise F1 0.82 -> 0.61, development seeds 3 and 4; docs/stories.md, "The title's actor,
#: gated").
ADJUSTED = ("actor_same", "actor_conflict")
_ADJUSTED_COLUMNS = [FEATURES.index(f) for f in ADJUSTED]

#: The trees' share of a model's log-odds, the logistic part's the rest (`Model.log_odds`).
#: Chosen on development corpora only (docs/stories.md, "The mixed model"): with trees
#: without time apart, 0.3 raised every group of the development table, 0.5 lost the
#: independent generator's corpora with 20% noise links (0.941 / 0.914 against 0.963 / 0.966).
TREES_SHARE = 0.3

#: The shipped model, fitted by ``python benchmarks/stories_eval.py --refit``.
MODEL_FILE = Path(__file__).resolve().parent / "model.json"

@dataclass
class Articles:
    """Articles as arrays (in id order): what the pair features are computed from."""

    ids: np.ndarray  # article ids, ascending
    ts: np.ndarray  # float seconds, NaN when unknown
    titles: list[str]
    excerpts: list[str]
    outlets: np.ndarray  # outlet ids, -1 when unknown
    urls: list[str]  # canonical URLs
    src: np.ndarray  # `related` links as indices into ids
    dst: np.ndarray
    documented: np.ndarray | None = None  # per article: ingested as a document of its own

    @cached_property
    def actors(self) -> list[str | None]:
        """Each title's actor (`graphnews.stories.actors.title_actors`), found once: the pair
        features and `graphnews.stories.explain` both read them."""
        return title_actors(self.titles, self.excerpts)

    @property
    def linked(self) -> bool:
        """Whether any article lists another in ``related`` (`Model.for_texts`)."""
        return bool(len(self.src))

    @cached_property
    def language(self) -> str:
        """The language the corpus is mostly written in, for its stop words
        (`graphnews.stories.words.corpus_language`: ``en`` unless sure of another)."""
        return corpus_language(self.titles, self.excerpts)

    @classmethod
    def load(cls, db: Database, *, related: bool | None = None) -> Articles:
        """Every article of the database, with its ``related`` links unless the stories are
        computed without them (`related_ignored`): then every consumer of the evidence
        (stories, ranges, explanations, fits) sees the same corpus without links.
        ``related``: with (True) or without them (False) whatever the database says."""
        rows = db.conn.execute(
            "SELECT id, published_ts, coalesce(title, ''), coalesce(excerpt, ''), "
            "coalesce(outlet_id, -1), canonical_url, has_document FROM articles ORDER BY id"
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        ts = np.fromiter(
            (np.nan if r[1] is None else r[1] for r in rows), dtype=np.float64, count=len(rows)
        )
        links = np.fromiter(
            chain.from_iterable(
                db.conn.execute("SELECT from_article, to_article FROM related_links")
            ),
            dtype=np.int64,
        ).reshape(-1, 2)
        with_links = not related_ignored(db) if related is None else related
        if not with_links:
            links = links[:0]
        index = np.searchsorted(ids, links)
        return cls(
            ids,
            ts,
            [r[2] for r in rows],
            [r[3] for r in rows],
            np.fromiter((r[4] for r in rows), dtype=np.int64, count=len(rows)),
            [r[5] for r in rows],
            index[:, 0],
            index[:, 1],
            np.fromiter((bool(r[6]) for r in rows), dtype=bool, count=len(rows)),
        )

    def texts(self, subset: np.ndarray) -> list[str]:
        return [f"{self.titles[i]} {self.excerpts[i]}" for i in subset.tolist()]

    def only(self, keep: np.ndarray) -> Articles:
        """The corpus of the articles ``keep`` marks (a boolean per article), the ``related``
        links between two of them kept."""
        at = np.flatnonzero(keep)
        position = np.full(len(self.ids), -1, dtype=np.int64)
        position[at] = np.arange(len(at))
        links = keep[self.src] & keep[self.dst]
        rows = at.tolist()
        return Articles(
            self.ids[at],
            self.ts[at],
            [self.titles[i] for i in rows],
            [self.excerpts[i] for i in rows],
            self.outlets[at],
            [self.urls[i] for i in rows],
            position[self.src[links]],
            position[self.dst[links]],
            self.documented[at] if self.documented is not None else None,
        )

    def without_links(self) -> Articles:
        """The corpus as if no document had a ``related`` list (for ablations and fitting).

        Articles known only as items of ``related`` lists go with the lists: what remains is
        what ingesting the same documents without their lists gives.
        """
        keep = np.ones(len(self.ids), dtype=bool) if self.documented is None else self.documented
        unlinked = replace(self, src=self.src[:0], dst=self.dst[:0])
        return unlinked.only(keep)


@dataclass(frozen=True)
class CandidateSearch:
    """Which pairs are candidates: fixed by design, not tuned per corpus.

    Attributes
    ----------
    window_days : float
        The text search compares articles published at most this many days apart.
    neighbours : int
        Most similar texts kept per article.
    min_similarity : float
        Text similarities below this make no candidate.
    """

    window_days: float = 7.0
    neighbours: int = 10
    min_similarity: float = 0.1


@dataclass
class Pairs:
    """Candidate pairs ``u < v`` (indices into the subset) and their features (``names``:
    `FEATURES`, or the few a `keeping` copy holds)."""

    u: np.ndarray
    v: np.ndarray
    x: np.ndarray  # shape (pairs, len(names))
    names: tuple[str, ...] = FEATURES

    def __len__(self) -> int:
        return len(self.u)

    def feature(self, name: str) -> np.ndarray:
        return self.x[:, self.names.index(name)]

    def keeping(self, *names: str) -> Pairs:
        """The same pairs with only these features (what clustering needs is the text
        cosine: the whole table is 140 MB at 100k documents)."""
        columns = [self.names.index(name) for name in names]
        return Pairs(self.u, self.v, self.x[:, columns], names)


def candidate_pairs(
    articles: Articles,
    subset: np.ndarray | None = None,
    search: CandidateSearch | None = None,
    *,
    every_term: bool = False,
    weights_from_all: bool = False,
) -> Pairs:
    """Every candidate pair among ``subset`` (default: all articles) with its features; with
    ``every_term`` (a `Model.text_only`'s features) every term counts in the text vectors'
    length, as it does for `WHOLE_TEXT_LANGUAGES`. With ``weights_from_all`` the terms'
    weights (their document frequencies, and which terms are too common or too rare to count)
    are those of every article, not of the subset alone: the texts of a part of the corpus
    then compare as they do in the whole (what `graphnews.stories.detect.region_pairs` needs)."""
    search = search or CandidateSearch()
    subset = np.arange(len(articles.ids)) if subset is None else subset
    n = len(subset)
    local = np.full(len(articles.ids), -1, dtype=np.int64)
    local[subset] = np.arange(n)
    src, dst = local[articles.src], local[articles.dst]
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    directed = sparse.csr_matrix((np.ones(int(keep.sum())), (src[keep], dst[keep])), shape=(n, n))
    directed.data[:] = 1.0
    lists = np.zeros(len(articles.ids), dtype=bool)
    lists[articles.src] = True
    lists = lists[subset]
    both = (directed + directed.T).tocsr()  # 1: one lists the other, 2: each lists the other
    linked = both.copy()
    linked.data[:] = 1.0
    ts = articles.ts[subset]
    whole = _every_term(articles, every_term=every_term)
    counted = np.arange(len(articles.ids)) if weights_from_all else subset
    title_counts, excerpt_counts, entities = _term_counts(articles, counted, every_term=every_term)
    text = _text_vectors(title_counts, excerpt_counts, every_term=whole)
    titles = _tfidf(title_counts, every_term=whole)
    excerpts = _tfidf(excerpt_counts, every_term=whole)
    has_excerpt = np.diff(excerpt_counts.indptr) > 0
    del title_counts, excerpt_counts  # (memory: each matrix goes once nothing needs it)
    if weights_from_all:  # the subset's rows
        text, titles, excerpts, entities = (m[subset] for m in (text, titles, excerpts, entities))
        has_excerpt = has_excerpt[subset]
    cocited = _cocitation(linked)
    near = _text_neighbours(text, ts, search)
    u, v = _union(linked, cocited, near)
    del near  # (the pairs are all the nearest texts give)
    release_memory()  # the neighbour search's freed pieces: ~180 MB at 100k documents
    text_cos = _row_dots(text, u, v)
    best, floor = _best_and_floor(n, u, v, text_cos, search)
    scale = np.sqrt(best[u] * best[v])
    is_linked = _lookup(linked, u, v)
    hours = np.abs(ts[u] - ts[v]) / 3600.0
    outlets = articles.outlets[subset]
    columns = {
        "text_cos": text_cos,
        "text_relative": np.divide(text_cos, scale, out=np.zeros(len(u)), where=scale > 0),
        "title_cos": _row_dots(titles, u, v),
        "excerpt_cos": _row_dots(excerpts, u, v),
        "no_excerpt": ~(has_excerpt[u] & has_excerpt[v]),
        "names_cos": _row_dots(entities, u, v),
        "log_hours_apart": np.log1p(np.nan_to_num(hours, nan=0.0)),
        "no_time": np.isnan(hours),
        "linked": is_linked,
        "reciprocal": _lookup(both, u, v) == 2,
        "cocitation": _lookup(cocited, u, v),
        "linked_text": is_linked * text_cos,
        "lists_both": lists[u] & lists[v],
        "lists_one": lists[u] ^ lists[v],
        "same_outlet": (outlets[u] == outlets[v]) & (outlets[u] >= 0),
        "text_over_floor": np.log(
            np.maximum(text_cos, search.min_similarity) / np.sqrt(floor[u] * floor[v])
        ),
    }
    columns["actor_same"], columns["actor_conflict"] = actor_features(
        articles.titles, articles.excerpts, subset, u, v, actors=articles.actors
    )
    del text, titles, excerpts, entities, cocited, both, linked, directed
    release_memory()
    # The table is filled a column at a time, each column freed as it goes in, once the
    # matrices above are gone: at 100k documents x is 140 MB, the matrices ~300 MB.
    x = np.empty((len(u), len(FEATURES)))
    for i, name in enumerate(FEATURES):
        x[:, i] = columns.pop(name)
    return Pairs(u, v, x)


# -- the model ------------------------------------------------------------------------------


@dataclass
class Model:
    """A calibrated model of P(same story | pair features): logistic, with boosted trees.

    ``logistic = slope * (coef . (x - mean) / scale + intercept) + offset``: the logistic
    regression, then its Platt calibration (``slope``, ``offset``). With ``trees`` (boosted
    trees fitted on the same pairs, `graphnews.stories.trees`) the log-odds are
    ``(1 - TREES_SHARE) * logistic + TREES_SHARE * trees``; without, ``logistic``.

    A model may carry a second one, ``dense``, for corpora whose median article has at least
    ``dense_from`` other texts published within the search window of it (`window_density`):
    the text features are not scale-free, and a fit on sparse corpora over-rates the nearest
    texts of a dense week. `for_density` picks between the two.

    It may also carry ``text_only``, for corpora where no article lists another (no related
    links: text and time are all there is), fitted on such corpora alone with every term in
    the text vectors' length (``every_term``, as `WHOLE_TEXT_LANGUAGES` have it). `for_texts`
    picks it. A model without one scores every corpus as before.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    slope: float = 1.0
    offset: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)
    dense: Model | None = None
    dense_from: float = math.inf
    trees: Trees | None = None
    adjust: np.ndarray | None = None  # log-odds added per unit of each `ADJUSTED` feature
    text_only: Model | None = None
    every_term: bool = False  # its text vectors count every term in their length

    def for_density(self, density: float) -> Model:
        """The model for a corpus of this `window_density`: `dense` from `dense_from` on."""
        return self.dense if self.dense is not None and density >= self.dense_from else self

    def for_texts(self, *, linked: bool, language: str) -> Model:
        """The model for a corpus with (``linked``) or without related links between its
        articles: `text_only` without, unless the corpus's language already counts every term
        (`WHOLE_TEXT_LANGUAGES`: German keeps the model it was measured with)."""
        if self.text_only is None or linked or language in WHOLE_TEXT_LANGUAGES:
            return self
        return self.text_only

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        """Calibrated log-odds that each pair (row of ``x``) reports one story."""
        # coef . (x - mean) / scale, without two temporary copies of x (pairs x features)
        per_unit = self.coef / self.scale
        raw = x @ per_unit + (self.intercept - float(self.mean @ per_unit))
        logistic = self.slope * raw + self.offset
        if self.trees is not None:
            logistic = (1.0 - TREES_SHARE) * logistic + TREES_SHARE * self.trees.log_odds(x)
        if self.adjust is not None:
            logistic = logistic + x[:, _ADJUSTED_COLUMNS] @ self.adjust
        return logistic

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability that each pair (row of ``x``) reports one story."""
        return _sigmoid(self.log_odds(x))

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        """Each feature's share of one pair's log-odds (for explanations), by feature name."""
        parts = self.slope * self.coef * (row - self.mean) / self.scale
        if self.trees is not None:
            parts = (1.0 - TREES_SHARE) * parts + TREES_SHARE * self.trees.contributions(row)
        if self.adjust is not None:
            parts[_ADJUSTED_COLUMNS] += self.adjust * row[_ADJUSTED_COLUMNS]
        return {f: float(p) for f, p in zip(self.features, parts, strict=True)}

    def as_dict(self) -> dict[str, Any]:
        out = {
            "features": list(self.features),
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "coef": _rounded(self.coef),
            "intercept": round(self.intercept, 6),
            "slope": round(self.slope, 6),
            "offset": round(self.offset, 6),
            "report": self.report,
        }
        if self.dense is not None:
            out["dense_from"] = self.dense_from
            out["dense"] = self.dense.as_dict()
        if self.trees is not None:
            out["trees"] = self.trees.as_dict()
        if self.adjust is not None:
            out["adjust"] = _rounded(self.adjust)
        if self.every_term:
            out["every_term"] = True
        if self.text_only is not None:
            out["text_only"] = self.text_only.as_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        features = tuple(data["features"])
        if features == tuple(f for f in FEATURES if f not in ADJUSTED):
            # fitted before the titles' actors (5 December 2026): it scores as it did
            missing = len(FEATURES) - len(features)
            data = {
                **data,
                "features": list(FEATURES),
                **{
                    key: [*data[key], *[fill] * missing]
                    for key, fill in (("mean", 0.0), ("scale", 1.0), ("coef", 0.0))
                },
            }
            features = FEATURES
        if features != FEATURES:
            from graphnews.errors import BadInputError

            raise BadInputError(
                f"the story model has features {list(features)}, this version "
                f"of graphnews computes {list(FEATURES)}: refit it"
            )
        return cls(
            features,
            np.asarray(data["mean"], dtype=float),
            np.asarray(data["scale"], dtype=float),
            np.asarray(data["coef"], dtype=float),
            float(data["intercept"]),
            float(data["slope"]),
            float(data["offset"]),
            dict(data.get("report", {})),
            cls.from_dict(data["dense"]) if "dense" in data else None,
            float(data.get("dense_from", math.inf)),
            Trees.from_dict(data["trees"]) if "trees" in data else None,
            np.asarray(data["adjust"], dtype=float) if "adjust" in data else None,
            text_only=cls.from_dict(data["text_only"]) if "text_only" in data else None,
            every_term=bool(data.get("every_term", False)),
        )

    def save(self, path: str | Path) -> None:
        """Write the model as JSON (the trees' node arrays one line each, not a value a line)."""
        data = self.as_dict()
        arrays: dict[str, str] = {}
        for model in (data, data.get("dense", {}), data.get("text_only", {})):
            for key, value in model.get("trees", {}).items():
                token = f"@trees{len(arrays)}@"
                arrays[json.dumps(token)] = json.dumps(value, separators=(",", ":"))
                model["trees"][key] = token
        text = json.dumps(data, indent=1)
        for token, compact in arrays.items():
            text = text.replace(token, compact)
        Path(path).write_text(text + "\n", encoding="utf-8")


def window_density(ts: np.ndarray, days: float = CandidateSearch.window_days) -> float:
    """The median, over the dated articles, of the other articles published within ``days``.

    How many texts an article's nearest-text search looks among (either side; 0 without
    dated articles): what decides between a model and its ``dense`` one (`Model.for_density`).

    >>> window_density(np.array([0.0, 86400.0, 30 * 86400.0, np.nan]))
    1.0
    """
    times = np.sort(ts[~np.isnan(ts)])
    if not len(times):
        return 0.0
    span = days * 86400.0
    within = np.searchsorted(times, times + span, side="right") - np.searchsorted(
        times, times - span
    )
    return float(np.median(within - 1))


def load_model(path: str | Path | None = None) -> Model:
    """The model in ``path`` (default: the one shipped with graphnews, `MODEL_FILE`)."""
    p = Path(path) if path is not None else MODEL_FILE
    return Model.from_dict(json.loads(p.read_text(encoding="utf-8")))


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    l2: float = 1.0,
    iterations: int = 50,
    offset: np.ndarray | None = None,
    intercept: bool = True,
) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by iteratively reweighted least squares (Newton).

    Minimises ``sum(w * logloss) + l2 / 2 * |coef|^2`` (the intercept is not penalised), which
    is what scikit-learn's ``LogisticRegression(C=1 / l2)`` minimises with sample weights
    ``w``. With ``offset``, each row's log-odds start from it (the fit is what the features
    add to it); without ``intercept``, there is none (returned as 0). Returns
    ``(coef, intercept)``.
    """
    n = len(x)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    design = np.column_stack((x, np.ones(n))) if intercept else x
    penalty = np.full(design.shape[1], float(l2))
    if intercept:
        penalty[-1] = 0.0
    beta = np.zeros(design.shape[1])
    base = np.zeros(n) if offset is None else offset
    for _ in range(iterations):
        p = _sigmoid(design @ beta + base)
        gradient = design.T @ (w * (p - y)) + penalty * beta
        curvature = w * p * (1.0 - p)
        hessian = design.T @ (design * curvature[:, None]) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return (beta[:-1], float(beta[-1])) if intercept else (beta, 0.0)


def fit_model(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    l2: float = 1.0,
    trees: bool = True,
    increasing: Sequence[str] = INCREASING,
) -> Model:
    """Fit and calibrate the model on labelled pairs from one or more sources.

    ``groups`` names each pair's source. Every source weighs the same in total (a large
    generated corpus does not drown a small hand-labelled one). The logistic regression is
    fitted on all pairs; its Platt calibration on *out-of-fold* scores: each source's pairs
    scored by the regression fitted without that source (with one source only: five folds of
    its pairs). ``report`` holds the logistic part's out-of-fold Brier score and reliability
    table. With ``trees`` (and pairs of both kinds), boosted trees are fitted on the same
    weighted pairs (`graphnews.stories.trees.fit_trees`, the log-odds rising with the
    features ``increasing``, never splitting on `NOT_IN_TREES`).

    The `ADJUSTED` features (the titles' actors, `graphnews.stories.actors`) are left out of
    both and fitted last, as what they add to the calibrated log-odds of the rest (a logistic
    regression with those log-odds as its offset, no intercept). Most pairs have no actor
    evidence (every pair of a corpus whose titles do not lead with names): their
    probabilities are exactly what the model without actors gives them.
    """
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    x_adjusted = x[:, _ADJUSTED_COLUMNS]  # (a copy: fancy indexing)
    x = x.copy()
    x[:, _ADJUSTED_COLUMNS] = 0.0
    names_, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weights = (len(y) / len(names_)) / counts[inverse]
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    scale = x.std(axis=0) if len(x) else np.ones(x.shape[1])
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    coef, intercept = fit_logistic(z, y, weights, l2=l2)
    folds = inverse if len(names_) > 1 else np.arange(len(y)) % 5
    out_of_fold = np.empty(len(y))
    for fold in np.unique(folds):
        held = folds == fold
        c, b = fit_logistic(z[~held], y[~held], weights[~held], l2=l2)
        out_of_fold[held] = z[held] @ c + b
    slope_offset, offset = fit_logistic(out_of_fold[:, None], y, weights, l2=0.0)
    slope = float(slope_offset[0])
    calibrated = _sigmoid(slope * out_of_fold + offset)
    report = {
        "pairs": len(y),
        "positive_pairs": int(y.sum()),
        "sources": {str(s): int(c) for s, c in zip(names_, counts, strict=True)},
        "l2": l2,
        "out_of_fold_brier": round(float(np.average((calibrated - y) ** 2, weights=weights)), 4),
        "out_of_fold_brier_uncalibrated": round(
            float(np.average((_sigmoid(out_of_fold) - y) ** 2, weights=weights)), 4
        ),
        "reliability": reliability(calibrated, y, weights),
    }
    boosted = None
    if trees and 0 < y.sum() < len(y):
        boosted = fit_trees(
            x,
            y,
            weights,
            columns=[
                FEATURES.index(f) for f in FEATURES if f not in NOT_IN_TREES and f not in ADJUSTED
            ],
            increasing=[FEATURES.index(f) for f in increasing],
        )
        report["trees"] = len(boosted.roots)
    model = Model(
        FEATURES,
        mean,
        scale,
        coef,
        intercept,
        slope=slope,
        offset=offset,
        report=report,
        trees=boosted,
    )
    if x_adjusted.any():
        adjust, _ = fit_logistic(
            x_adjusted, y, weights, l2=l2, offset=model.log_odds(x), intercept=False
        )
        model.adjust = adjust
        report["adjust"] = dict(zip(ADJUSTED, _rounded(adjust), strict=True))
    return model


def reliability(
    p: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, bins: int = 10
) -> list[dict[str, float]]:
    """Predicted vs observed share of same-story pairs in ten probability bins."""
    w = np.ones(len(p)) if weights is None else weights
    which = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            out.append(
                {
                    "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                    "pairs": int(inside.sum()),
                    "predicted": round(float(np.average(p[inside], weights=w[inside])), 3),
                    "observed": round(float(np.average(y[inside], weights=w[inside])), 3),
                }
            )
    return out


def _best_and_floor(
    n: int, u: np.ndarray, v: np.ndarray, cosine: np.ndarray, search: CandidateSearch
) -> tuple[np.ndarray, np.ndarray]:
    """Per article, from its list of candidates: its best cosine, and its *floor* (its
    ``neighbours``-th best candidate cosine, at least ``min_similarity``: the level of texts
    that merely share a beat). Absolute cosines shift with corpus size and vocabulary; a
    cosine against an article's best and its floor does not."""
    ends, doubled = np.concatenate((u, v)), np.concatenate((cosine, cosine))
    best = np.zeros(n)
    np.maximum.at(best, ends, doubled)
    _, kth, degree = _ranked(n, ends, doubled, search.neighbours)
    floor = np.where(
        degree >= search.neighbours, np.maximum(kth, search.min_similarity), search.min_similarity
    )
    return best, floor


def _ranked(
    n: int, ends: np.ndarray, key: np.ndarray, k: int, ties: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ranked by ``key`` within each end (an article's pairs, a row's similarities).

    Returns, per entry, its rank among the entries of its end (0: the largest ``key``; equal
    keys in the order of ``ties``, then of storage); and per end (``n`` of them) the ``k``-th
    largest ``key`` (the smallest when it has fewer than ``k`` entries, NaN when none) and its
    number of entries.
    """
    order = np.lexsort((-key, ends) if ties is None else (ties, -key, ends))
    sorted_ends = ends[order]
    rank = np.empty(len(ends), dtype=np.int64)
    rank[order] = np.arange(len(ends)) - np.searchsorted(sorted_ends, sorted_ends)
    degree = np.bincount(ends, minlength=n)
    at = rank == np.minimum(degree[ends], k) - 1
    kth = np.full(n, np.nan)
    kth[ends[at]] = key[at]
    return rank, kth, degree


# -- text -----------------------------------------------------------------------------------


class _Vocabulary:
    """Term ids, assigned in order of first sight, shared by the texts counted with it."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def terms(self, texts: Iterable[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of texts given as lists of terms, one after the other, and where each
        text's ids end (the ``indices`` and ``indptr`` of a sparse row per text).

        Terms become integers as each text is read, so no list of every text's terms is held.
        """
        ids = self.ids
        cols = array("q")
        ends = array("q", [0])
        for terms in texts:
            cols.extend([ids.setdefault(t, len(ids)) for t in terms])
            ends.append(len(cols))
        return np.frombuffer(cols, dtype=np.int64), np.frombuffer(ends, dtype=np.int64)

    def adopt(self, terms: Iterable[str]) -> np.ndarray:
        """The ids of ``terms`` here, new ones appended in their order."""
        ids = self.ids
        return np.fromiter((ids.setdefault(t, len(ids)) for t in terms), dtype=np.int64)


def _counts(cols: np.ndarray, ends: np.ndarray, columns: int) -> sparse.csr_matrix:
    """The term count matrix of `_Vocabulary.terms` (``columns``: the vocabulary's size)."""
    matrix = sparse.csr_matrix((np.ones(len(cols)), cols, ends), shape=(len(ends) - 1, columns))
    matrix.sum_duplicates()
    return matrix


@dataclass
class _PartTerms:
    """The terms of consecutive articles, counted apart from the others (`_count_part`)."""

    words: list[str]  # title and excerpt words, in order of first sight (titles first)
    title_words: int  # how many of them the titles hold
    titles: tuple[np.ndarray, np.ndarray]  # `_Vocabulary.terms` of each title, ids into words
    excerpts: tuple[np.ndarray, np.ndarray]
    names: list[str]  # `names` of title and excerpt, in order of first sight
    entities: tuple[np.ndarray, np.ndarray]  # ids into names


def _count_part(titles: list[str], excerpts: list[str], language: str) -> _PartTerms:
    """Word ids of the titles then the excerpts (one vocabulary), name ids of both together
    (stop words: those of the corpus's ``language``)."""
    stop = stop_words(language)
    words = _Vocabulary()
    title_terms = words.terms(tokens(t, stop=stop) for t in titles)
    title_words = len(words)
    excerpt_terms = words.terms(tokens(t, stop=stop) for t in excerpts)
    entities = _Vocabulary()
    name_terms = entities.terms(
        names(f"{title} {excerpt}", stop=stop)
        for title, excerpt in zip(titles, excerpts, strict=True)
    )
    return _PartTerms(
        list(words.ids), title_words, title_terms, excerpt_terms, list(entities.ids), name_terms
    )


def _term_counts(
    articles: Articles, subset: np.ndarray, *, every_term: bool = False
) -> tuple[sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix]:
    """Term counts of the titles and of the excerpts of ``subset`` (one vocabulary, the
    titles' words first), and the TF-IDF vectors of their names (all that is needed of those).

    From `PARALLEL_FROM` articles on, consecutive parts of the subset are counted at once in
    processes of their own (tokenising is most of the cost, and pure Python), each with
    vocabularies of its own. Ids are assigned in order of first sight, so the vocabularies
    merge into exactly the one a single pass gives: every part's title words in the part's
    order, then every part's excerpt words, each term keeping the id it got first. The counts,
    and everything computed from them, are then the same whatever the number of parts.
    """
    from graphnews.stories._parallel import in_processes
    from graphnews.stories._parallel import parts as cores

    at = subset.tolist()
    count = cores() if len(at) >= PARALLEL_FROM else 1
    bounds = [len(at) * k // count for k in range(count + 1)]
    parts = in_processes(
        _count_part,
        [
            (
                [articles.titles[i] for i in at[a:b]],
                [articles.excerpts[i] for i in at[a:b]],
                articles.language,
            )
            for a, b in pairwise(bounds)
        ],
    )
    words, entities = _Vocabulary(), _Vocabulary()
    title_ids = [words.adopt(p.words[: p.title_words]) for p in parts]
    title_counts = _stacked([p.titles for p in parts], title_ids, len(words))
    word_ids = [
        np.concatenate((ids, words.adopt(p.words[p.title_words :])))
        for ids, p in zip(title_ids, parts, strict=True)
    ]
    excerpt_counts = _stacked([p.excerpts for p in parts], word_ids, len(words))
    name_ids = [entities.adopt(p.names) for p in parts]
    name_counts = _stacked([p.entities for p in parts], name_ids, len(entities))
    whole = _every_term(articles, every_term=every_term)
    return title_counts, excerpt_counts, _tfidf(name_counts, every_term=whole)


def _text_vectors(
    title_counts: sparse.csr_matrix, excerpt_counts: sparse.csr_matrix, *, every_term: bool = False
) -> sparse.csr_matrix:
    """The TF-IDF vectors of title + excerpt that the candidate search compares (the counts of
    `_term_counts`: one vocabulary, the titles' words first; ``every_term``: see `_tfidf`)."""
    words = excerpt_counts.shape[1]
    counts = _padded(title_counts, words) + _padded(excerpt_counts, words)
    return _tfidf(counts, every_term=every_term)


def _stacked(
    terms: list[tuple[np.ndarray, np.ndarray]], ids: list[np.ndarray], columns: int
) -> sparse.csr_matrix:
    """The counts of parts' `_Vocabulary.terms`, one after the other, their ids translated
    (``ids[k][i]``: the merged id of part k's term i)."""
    cols = np.concatenate(
        [part_ids[part_cols] for (part_cols, _), part_ids in zip(terms, ids, strict=True)]
    )
    ends = [np.zeros(1, dtype=np.int64)]
    for _, part_ends in terms:
        ends.append(part_ends[1:] + ends[-1][-1])
    return _counts(cols, np.concatenate(ends), columns)


def _padded(counts: sparse.csr_matrix, columns: int) -> sparse.csr_matrix:
    """``counts`` with as many columns as the vocabulary has now (later terms: zero)."""
    return sparse.csr_matrix(
        (counts.data, counts.indices, counts.indptr), shape=(counts.shape[0], columns)
    )


def _tfidf(counts: sparse.csr_matrix, *, every_term: bool = False) -> sparse.csr_matrix:
    """Sublinear TF-IDF rows (l2-normalised) of term counts (one row per text).

    Terms found in a single text can match nothing and are dropped; so are terms found in more
    than `_COMMON_SHARE` of the texts (at least 200): they say little about which event a text
    reports and would dominate the cost of the neighbour search. With ``every_term`` the rows
    are normalised by the length of the whole vector, dropped terms included (see
    `WHOLE_TEXT_LANGUAGES`): two texts then reach cosine 1 only when all their words match, not
    when the one word each shares with the corpus is the same.
    """
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    useful = (df >= 2) & (df <= max(200, _COMMON_SHARE * n))
    full = (1.0 + np.log(counts.data)) * (np.log((1 + n) / (1 + df)) + 1.0)[counts.indices]
    weights = sparse.csr_matrix(
        (np.where(useful[counts.indices], full, 0.0), counts.indices, counts.indptr),
        shape=counts.shape,
        copy=True,  # eliminate_zeros below must not change the counts' own arrays
    )
    weights.eliminate_zeros()
    lengths = (
        sparse.csr_matrix((full, counts.indices, counts.indptr), shape=counts.shape)
        if every_term
        else weights
    )
    norms = np.sqrt(np.asarray(lengths.multiply(lengths).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weights)


def _text_neighbours(
    vectors: sparse.csr_matrix, ts: np.ndarray, search: CandidateSearch, block: int = 1000
) -> sparse.csr_matrix:
    """Each article's most similar texts published within the window (symmetric, max).

    Articles sorted by time are compared a block at a time with themselves and the articles
    after them within the window; each similarity is computed once and counts for both
    articles of the pair. Similarities below ``min_similarity`` (most of them: texts that
    share a common word or two) are dropped inside the sparse result before anything else.
    The blocks are independent: they are computed on `graphnews.stories._parallel.parts`
    threads (scipy's sparse products release the GIL) and joined in their order.
    """
    from graphnews.stories._parallel import in_threads, parts

    n = vectors.shape[0]
    known = np.flatnonzero(~np.isnan(ts))
    order = known[np.argsort(ts[known], kind="stable")]
    times = ts[order]
    window = search.window_days * 86400
    sorted_vectors = vectors[order]
    step = max(1, block // parts())  # the products in memory at once: one block's worth

    def similar(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        stop = min(start + step, len(order))
        hi = int(np.searchsorted(times, times[stop - 1] + window, side="right"))
        sims = sorted_vectors[start:stop] @ sorted_vectors[start:hi].T
        sims.data[sims.data < search.min_similarity] = 0.0
        sims.eliminate_zeros()
        sims = sims.tocoo()
        r, c, s = sims.row + start, sims.col + start, sims.data
        keep = (c > r) & (times[c] - times[r] <= window)
        return r[keep], c[keep], s[keep]

    blocks = in_threads(similar, range(0, len(order), step))
    if not blocks:
        return sparse.csr_matrix((n, n))
    r, c, s = (np.concatenate(column) for column in zip(*blocks, strict=True))
    rows, cols, values = np.concatenate((r, c)), np.concatenate((c, r)), np.concatenate((s, s))
    top = _top_per_row(n, rows, cols, values, search.neighbours)
    nearest = sparse.csr_matrix(
        (values[top], (order[rows[top]], order[cols[top]])), shape=(n, n)
    )
    return nearest.maximum(nearest.T)


def _top_per_row(
    n: int, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, k: int
) -> np.ndarray:
    """Positions of the ``k`` largest values of each row and of the values tied with the
    ``k``-th (copies of one text are equally similar to a third: which of them would make the
    cut must not depend on storage order), up to ``_TIED * k`` per row, lower columns first."""
    rank, kth, _ = _ranked(n, rows, values, k, ties=cols)
    return np.flatnonzero((values >= kth[rows]) & (rank < _TIED * k))


# -- links ----------------------------------------------------------------------------------


def _cocitation(linked: sparse.csr_matrix) -> sparse.csr_matrix:
    """Cosine of ``related`` neighbour sets, for pairs sharing two neighbours (one if linked;
    twice the cosine for a linked pair sharing two or more, see below)."""
    degree = np.asarray(linked.sum(axis=1)).ravel()
    # Hubs (listed by very many) say little about a pair and cost quadratically: skip them.
    hub = degree > max(50.0, 20 * (degree.mean() if len(degree) else 0.0))
    trimmed = linked @ sparse.diags((~hub).astype(np.float64))
    shared = (trimmed @ trimmed.T).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()
    # A linked pair sharing two or more neighbours is in both terms, so its cosine counts
    # twice (up to 2): what every shipped model was fitted on. Counted once, every model
    # refitted, the development seeds moved by -0.08 to +0.05 a row, no mean by more than
    # 0.005 (docs/stories.md, "Spread ranges; co-citation counted once"): kept as fitted.
    strong = sparse.csr_matrix(shared.multiply(shared >= 2) + shared.multiply(linked)).tocoo()
    cosine = strong.data / np.sqrt(degree[strong.row] * degree[strong.col])
    return sparse.csr_matrix((cosine, (strong.row, strong.col)), shape=linked.shape)


# -- sparse helpers -------------------------------------------------------------------------


def _union(*matrices: sparse.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """The union of the upper-triangle non-zeros of symmetric matrices, in row-major order."""
    n = matrices[0].shape[0]
    keys = []
    for m in matrices:
        upper = sparse.triu(m, k=1).tocoo()
        keys.append(upper.row.astype(np.int64) * n + upper.col)
    union = np.unique(np.concatenate(keys)) if keys else np.array([], dtype=np.int64)
    return union // max(n, 1), union % max(n, 1)


def _lookup(matrix: sparse.spmatrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``matrix[u, v]`` for many pairs ``u < v`` at once (0 where it has no entry)."""
    n = matrix.shape[0]
    coo = sparse.triu(matrix, k=1).tocoo()
    if coo.nnz == 0:
        return np.zeros(len(u))
    keys = coo.row.astype(np.int64) * n + coo.col
    order = np.argsort(keys)
    keys, data = keys[order], coo.data[order]
    wanted = u * n + v
    at = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
    return np.where(keys[at] == wanted, data[at], 0.0)


def _row_dots(
    vectors: sparse.csr_matrix, u: np.ndarray, v: np.ndarray, chunk: int = 50_000
) -> np.ndarray:
    """Dot products of rows ``u[k]`` and ``v[k]`` (cosines for l2-normalised rows)."""
    out = np.empty(len(u))
    for start in range(0, len(u), chunk):
        a, b = vectors[u[start : start + chunk]], vectors[v[start : start + chunk]]
        out[start : start + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) if math.isfinite(v) else 0.0 for v in values]


# -- clustering -----------------------------------------------------------------------------


def cluster(
    n: int,
    pairs: Pairs,
    log_odds: np.ndarray,
    *,
    threshold: float = 0.5,
    seed: int = 0,
    singletons: bool = True,
) -> np.ndarray:
    """Stories as a correlation clustering of the pairs (a story number per article).

    Maximises the sum, over the pairs placed in one story, of ``logit(p) - logit(threshold)``:
    a candidate pair more likely than ``threshold`` to be one story pulls its two articles
    together, a less likely one pushes them apart. A pair that is no candidate (its texts are
    not among each other's nearest, no link or co-citation joins them) is less similar in text
    than either article's `CandidateSearch.neighbours`-th nearest candidate text, so it counts
    against as much as that candidate's log-odds say (at least `NON_CANDIDATE_LOG_ODDS`): an
    article whose nearest texts are all likely mates (a big story) lets its story grow past its
    candidate list, an article whose tenth nearest text is unlikely (a story of two on a busy
    beat) does not join a story through chains of other articles. With the penalty ``a_i`` of
    each article, a non-candidate pair counts ``-sqrt(a_i a_j)``; this is Leiden with the
    Constant Potts Model at resolution 1 with node weights ``sqrt(a_i)`` over the edge weights
    ``logit(p) - logit(threshold) + sqrt(a_u a_v)``. Log-odds are clipped to +-6 (one certain
    pair does not outvote several), and a candidate pair counts against at most
    `CANDIDATE_AGAINST_LOG_ODDS`: the pairs across two parts of one story (its explainers and
    its market reports, say) each say "no" for the same reason, and summed as independent votes
    they split big, varied stories. The penalties ``a_i`` are still estimated from the log-odds
    clipped at +-6 (how unlikely an article's nearest texts are is what keeps stories of two on
    a busy beat apart). Nothing is tuned per corpus; deterministic for the seed. Without
    ``singletons``, no article with a candidate pair is left alone (`join_singletons`).
    """
    return Clustering(n, pairs, log_odds, singletons=singletons).membership(
        threshold=threshold, seed=seed)


class Clustering:
    """`cluster`'s work over one set of candidate pairs, for as many cuts and seeds as asked.

    What depends on the pairs alone (each article's nearest candidates, the graph) is done
    once; each threshold's weights once; each ``membership`` is then one Leiden run. The
    stories are `cluster`'s, number for number (`cluster` is this with one cut and seed).
    """

    def __init__(self, n: int, pairs: Pairs, log_odds: np.ndarray, *,
                 join: np.ndarray | None = None, separate: np.ndarray | None = None,
                 singletons: bool = True) -> None:
        """``join`` and ``separate``: ``(k, 2)`` arrays of articles (by position) that must be
        one story and must not be (a user's corrections, `graphnews.stories.constraints`):
        joined articles are clustered as one node (their weights summed: the objective is
        exactly `cluster`'s, over the stories that keep them together), and a separated pair
        counts `SEPARATE_LOG_ODDS` against. Without ``singletons``, an article the clustering
        leaves alone then joins the story of its likeliest candidate partner
        (`join_singletons`)."""
        self.n = n
        self.u, self.v = pairs.u, pairs.v
        self._constraints = _Contraction.of(n, self.u, self.v, join, separate)
        # what `join_singletons` reads, kept only when it will
        self._alone: tuple[np.ndarray, np.ndarray | None] | None = (
            None if singletons else (np.asarray(log_odds, dtype=np.float64), separate))
        self.clipped = np.clip(log_odds, -_LOG_ODDS_LIMIT, _LOG_ODDS_LIMIT)
        # Each article's `CandidateSearch.neighbours` nearest candidate texts: which pairs.
        ends = np.concatenate((self.u, self.v))
        key = pairs.feature("text_cos")
        rank, _, _ = _ranked(n, ends, np.concatenate((key, key)), CandidateSearch.neighbours)
        nearest = rank < CandidateSearch.neighbours
        self._near_ends = ends[nearest]
        self._near_pairs = np.concatenate((np.arange(len(self.u)),) * 2)[nearest]
        self._near_count = np.bincount(self._near_ends, minlength=n)
        self._graph: Any = None
        self._lists: dict[float, tuple[list[float], list[float]]] = {}

    def membership(self, *, threshold: float = 0.5, seed: int = 0) -> np.ndarray:
        """A story number per article at this cut and Leiden seed (see `cluster`)."""
        from graphnews.communities import seeded

        if not 0.0 < threshold < 1.0:
            from graphnews.errors import BadInputError

            raise BadInputError(
                f"the story threshold is a probability between 0 and 1, not {threshold}"
            )
        if self.n == 0:
            return np.array([], dtype=np.int64)
        if threshold not in self._lists:
            edges, nodes = self.weights(threshold)
            if self._constraints is not None:
                edges, nodes = self._constraints.weights(edges, nodes)
            self._lists[threshold] = edges.tolist(), nodes.tolist()
        weights, node = self._lists[threshold]
        with seeded(seed):
            membership = np.asarray(_leiden(self.graph(), weights, node), dtype=np.int64)
        if self._constraints is not None:
            membership = membership[self._constraints.group]
        if self._alone is None:
            return membership
        log_odds, separate = self._alone
        return join_singletons(membership, self.u, self.v, log_odds, separate=separate)

    def memberships(self, choices: Sequence[tuple[float, int]]) -> list[np.ndarray]:
        """`membership` at each ``(threshold, seed)`` of ``choices``, in order. From
        `PARALLEL_FROM` articles on, the choices are shared out over the machine's cores
        (`graphnews.stories._parallel.in_forks`: Leiden holds the GIL); each clustering is the
        one `membership` gives, wherever it ran."""
        from graphnews.stories._parallel import in_forks, parts

        count = parts() if self.n >= PARALLEL_FROM else 1
        if count < 2 or len(choices) < 2:
            return self._memberships(choices)
        self.graph()  # made once, before the fork: every worker has it
        share = -(-len(choices) // count)
        jobs = [(choices[at:at + share],) for at in range(0, len(choices), share)]
        return [m for found in in_forks(self._memberships, jobs) for m in found]

    def _memberships(self, choices: Sequence[tuple[float, int]]) -> list[np.ndarray]:
        return [self.membership(threshold=t, seed=s) for t, s in choices]

    def graph(self) -> Any:
        """The igraph graph Leiden runs on: the candidate pairs, or with a user's corrections
        the graph of their groups (`_Contraction`); made once."""
        import igraph as ig

        if self._graph is None:
            contracted = self._constraints
            u, v = (self.u, self.v) if contracted is None else contracted.edges()
            self._graph = ig.Graph(n=self.n if contracted is None else contracted.nodes,
                                   edges=np.column_stack((u, v)).tolist())
        return self._graph

    def weights(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """The weights Leiden clusters at ``threshold``: per pair, ``logit(p) - logit(threshold)``
        (clipped, see `cluster`) plus ``sqrt(a_u a_v)``; per article, ``sqrt(a_i)``."""
        excess = self.clipped - math.log(threshold / (1.0 - threshold))
        # A pair that is no candidate is less similar than each article's nearest texts: it
        # counts against as much as those do on average (an article without candidates: the
        # least).
        total = np.bincount(self._near_ends, weights=excess[self._near_pairs], minlength=self.n)
        nearest = np.divide(
            total, self._near_count, out=np.full(self.n, np.nan), where=self._near_count > 0
        )
        node = np.sqrt(np.maximum(-np.nan_to_num(nearest, nan=0.0), NON_CANDIDATE_LOG_ODDS))
        weights = np.maximum(excess, -CANDIDATE_AGAINST_LOG_ODDS) + node[self.u] * node[self.v]
        return weights, node


def join_singletons(membership: np.ndarray, u: np.ndarray, v: np.ndarray,
                    log_odds: np.ndarray, *, separate: np.ndarray | None = None) -> np.ndarray:
    """``membership`` with every article that is alone in its story moved into the story of
    its likeliest candidate partner: for a set of grouped stories, where no article stands
    alone (``graphnews stories --no-singletons``).

    The articles alone are taken likeliest best pair first, so that the strongest evidence
    places first; one whose partner was alone too makes a story of two with it, and a later
    one whose story has since grown is left where it is. An article never joins a story that
    holds an article the user separated it from (``separate``, ``(k, 2)`` positions): it takes
    its next likeliest partner. An article without candidate pairs stays alone. Story numbers
    are renumbered from 0, in order of first appearance.

    >>> join_singletons(np.array([0, 1, 2, 3]), np.array([0, 1, 2]), np.array([1, 2, 3]),
    ...                 np.array([-1.0, -3.0, 2.0]))
    array([0, 0, 1, 1])
    """
    out = membership.copy()
    n = len(out)
    size = np.bincount(out, minlength=int(out.max(initial=-1)) + 1)
    start, others, odds = ranked_partners(n, u, v, log_odds)
    apart: dict[int, list[int]] = {}
    for a, b in np.asarray(separate if separate is not None else np.empty((0, 2)),
                           dtype=np.int64).tolist():
        apart.setdefault(a, []).append(b)
        apart.setdefault(b, []).append(a)
    alone = [a for a in range(n) if size[out[a]] == 1 and start[a] < start[a + 1]]
    alone.sort(key=lambda a: (-odds[start[a]], a))
    for a in alone:
        if size[out[a]] != 1:  # a partner joined it meanwhile
            continue
        refused = {out[b] for b in apart.get(a, ())}
        for b in others[start[a]:start[a + 1]].tolist():
            if out[b] not in refused:
                size[out[a]] -= 1
                out[a] = out[b]
                size[out[a]] += 1
                break
    return _first_seen(out)


def ranked_partners(n: int, u: np.ndarray, v: np.ndarray, log_odds: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each of ``n`` articles' candidate partners, likeliest first (ties: lower position first):
    ``start`` (``n + 1`` offsets), ``others`` and ``odds``, article ``a``'s partners being
    ``others[start[a]:start[a + 1]]`` with their log-odds (`join_singletons`; the likeliest
    partner of `benchmarks/grouped_shape.py`'s mutual-best share).

    >>> start, others, odds = ranked_partners(3, np.array([0, 0]), np.array([1, 2]),
    ...                                       np.array([-1.0, 2.0]))
    >>> start.tolist(), others.tolist(), odds.tolist()
    ([0, 2, 3, 4], [2, 1, 0, 0], [2.0, -1.0, -1.0, 2.0])
    """
    ends, others = np.concatenate((u, v)), np.concatenate((v, u))
    odds = np.concatenate((log_odds, log_odds))
    order = np.lexsort((others, -odds, ends))
    return np.searchsorted(ends[order], np.arange(n + 1)), others[order], odds[order]


def _first_seen(labels: np.ndarray) -> np.ndarray:
    """``labels`` renumbered 0, 1, ... in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


#: What a pair of articles a user separated counts against their being one story, in the
#: clustering's units (`Clustering`): more than every other pair of a corpus could count for.
SEPARATE_LOG_ODDS = 1e6


@dataclass(frozen=True)
class _Contraction:
    """The clustering's graph with a user's corrections: each group of joined articles one
    node (``group``: its node per article), edges between nodes summed, a separated pair's edge
    `SEPARATE_LOG_ODDS` against."""

    group: np.ndarray
    nodes: int
    keys: np.ndarray  # each node pair once: low * nodes + high
    pair_edge: np.ndarray  # per kept candidate pair, its node pair (index into keys)
    kept: np.ndarray  # the candidate pairs between two nodes (the rest lie inside one)
    separate_edge: np.ndarray  # per separated pair, its node pair

    @classmethod
    def of(cls, n: int, u: np.ndarray, v: np.ndarray, join: np.ndarray | None,
           separate: np.ndarray | None) -> _Contraction | None:
        join = np.empty((0, 2), dtype=np.int64) if join is None else join
        separate = np.empty((0, 2), dtype=np.int64) if separate is None else separate
        if not len(join) and not len(separate):
            return None
        from scipy.sparse.csgraph import connected_components

        links = sparse.coo_matrix((np.ones(len(join)), (join[:, 0], join[:, 1])), shape=(n, n))
        nodes, labels = connected_components(links, directed=False)
        group = labels.astype(np.int64)  # int32 from scipy: node pairs as one int64 key below
        gu, gv = group[u], group[v]
        kept = gu != gv
        su, sv = group[separate[:, 0]], group[separate[:, 1]]
        apart = su != sv  # a separation inside a joined group cannot hold (refused on input)
        low = np.concatenate((np.minimum(gu[kept], gv[kept]), np.minimum(su[apart], sv[apart])))
        high = np.concatenate((np.maximum(gu[kept], gv[kept]), np.maximum(su[apart], sv[apart])))
        keys, edge = np.unique(low * nodes + high, return_inverse=True)
        return cls(group=group, nodes=int(nodes), keys=keys,
                   pair_edge=edge[: int(kept.sum())], kept=kept,
                   separate_edge=edge[int(kept.sum()):])

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        return self.keys // self.nodes, self.keys % self.nodes

    def weights(self, edges: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`Clustering.weights` of the articles as the contracted graph's."""
        summed = np.bincount(self.pair_edge, weights=edges[self.kept], minlength=len(self.keys))
        summed -= SEPARATE_LOG_ODDS * np.bincount(self.separate_edge, minlength=len(self.keys))
        return summed, np.bincount(self.group, weights=nodes, minlength=self.nodes)


#: The most passes of Leiden `cluster` makes over a corpus's graph (`_leiden`). On every corpus
#: of the labelled sources (as labelled, without lists, stories of two or more alone), cut at
#: 0.3-0.7 with seeds 0-2 (885 clusterings, the shipped model), a pass changed nothing by the
#: fifth (2 passes: 664, 3: 202, 4: 9, 5: 10), and the stories were those of igraph's
#: ``n_iterations=-1`` in every one.
LEIDEN_PASSES = 50


def _leiden(graph: Any, weights: list[float], node_weights: list[float]) -> list[int]:
    """Leiden (the Constant Potts Model at resolution 1), pass after pass from the last pass's
    stories, until a pass leaves every article in its story, at most `LEIDEN_PASSES` passes.

    What igraph's ``n_iterations=-1`` does, with a bound: with negative edge weights the passes
    need not settle (a development run, a model fitted on other generated corpora and a cut at
    0.6, stayed in igraph's Leiden on 263 Chinese headlines for 25 minutes until it was
    stopped), and a user's ``graphnews stories`` must return.
    """

    def one_pass(start: list[int] | None) -> list[int]:
        with held():  # Ctrl-C in igraph's Leiden aborts the process: answered after the pass
            return graph.community_leiden(
                objective_function="CPM",
                weights=weights,
                node_weights=node_weights,
                resolution=1.0,
                n_iterations=1,
                initial_membership=start,
            ).membership

    membership = one_pass(None)
    for _ in range(LEIDEN_PASSES - 1):
        found = one_pass(membership)
        if found == membership:
            break
        membership = found
    return membership


#: The least a pair that is no candidate counts against its two articles being one story, in
#: log-odds, when they are clustered (see `cluster`): what an article whose nearest texts are
#: all likely mates (a big story) charges for a pair beyond its candidate list. Chosen on
#: development corpora no evaluation reports (every regime drawn with seed 3 at 500 documents,
#: leave one source out, and `planted` and `general-news` at 10,000 documents, seed 3), by
#: mean ARI over those 15 corpora: 0.03 0.762, 0.1 0.688. Lower floors chain big stories at
#: 10,000 documents (planted: 0.81 at 0.01, 0.91 at 0.03, 0.97 at 0.1). Never on a labelled
#: source.
NON_CANDIDATE_LOG_ODDS = 0.03

#: The most a candidate pair counts against its two articles being one story, in log-odds
#: over the threshold, when they are clustered (see `cluster`; p 0.18 at the threshold 0.5).
#: Chosen on the development corpora (seed 3: leave one source out at 500 documents, and
#: `planted` with and without lists and `general-news` at 10,000 documents): 1.0 / 1.25 / 1.5 /
#: 1.75 / 2 / 6 (the clip alone) give mean real-source pairwise F1 0.698 / 0.699 / 0.699 / 0.698
#: / 0.685 / 0.684 and mean generated ARI 0.822 / 0.820 / 0.815 / 0.814 / 0.808 / 0.802, with
#: `small-stories`, `general-news` and the 10,000-document corpora within 0.003 of 6 from 1.0 on;
#: under 1.5 the independent check's corpus with 40% noise links chains (ARI 0.897 at 6, 0.899 at
#: 1.5, 0.875 at 1.25, 0.855 at 1.0). The penalties of `cluster` are not limited by it: limited
#: too (1.5), `small-stories` lost 0.015 and `general-news` 0.013.
CANDIDATE_AGAINST_LOG_ODDS = 1.5

#: From this many articles on, texts are tokenised in as many processes as there are cores
#: (`_term_counts`, at most `graphnews.stories._parallel.MOST_PARTS`): ~70 µs an article on one
#: core (141,334 articles: 10 s), so below it the saving is about what a process costs to
#: start (a fork copies the page tables of a process of several hundred MB; a spawn starts an
#: interpreter and imports numpy and scipy, 0.3-0.5 s).
PARALLEL_FROM = 20_000

#: Corpora in these languages (`Articles.language`) have their cosines computed over every
#: word of each text (`_tfidf` with ``every_term``), not only over the words another text of
#: the corpus has too. German writes compounds as one word ("Schwimmweste",
#: "Ertrinkungsgefahr"): 57% of a text's words are found in no other text of the development
#: day de-ch-2026-06-11 (English sources: 20-45%, generated: 0-1%), and two headlines whose one
#: shared word was a place name scored cosine 1.0. Chosen on that day alone, with the model
#: fitted on English: pairwise F1 0.16 -> 0.69, BCubed 0.59 -> 0.94 (every article alone:
#: 0.90). For English the same change moved the model's calibration (development seeds 3 and
#: 4: `general-news` 0.635 -> 0.429 and 0.691 -> 0.519; docs/stories.md, "Every word in the
#: cosine"), so English corpora keep the cosine over shared words they were fitted on (a
#: `Model.text_only`, fitted with every term, has them for corpora without related links).
#: Dutch compounds as German does but no Dutch day is labelled: left as English.
WHOLE_TEXT_LANGUAGES = frozenset({"de"})


def _every_term(articles: Articles, *, every_term: bool) -> bool:
    """Whether the text vectors count every term in their length: asked for (a
    `Model.text_only`'s features), or the corpus's language does (`WHOLE_TEXT_LANGUAGES`)."""
    return every_term or articles.language in WHOLE_TEXT_LANGUAGES

#: Terms in more than this share of all texts (and more than 200) are left out of the text
#: vectors (`_tfidf`). It was 1%: at 10,000 documents of the ``general-news`` regime (seed 3,
#: a development corpus no table reports) every word of a beat's shared vocabulary crossed it,
#: 89% of word occurrences were dropped and the stories fell apart (ARI 0.137; 5%: 0.115, 10%:
#: 0.070, 20%: 0.733, no limit: 0.738). Below 1,000 texts the limit is 200 texts either way, so
#: the labelled sources and the 500-document regimes of the evaluation are unchanged. Cost: the
#: sparse products of the neighbour search grow (docs/stories.md, "Time").
_COMMON_SHARE = 0.2

#: A text's candidates tied with its `CandidateSearch.neighbours`-th most similar are kept as
#: well, up to this many times that number (a text reprinted hundreds of times in one week must
#: not make every copy a candidate of every other).
_TIED = 5

#: Log-odds are clipped to +-this before clustering (p between 0.0025 and 0.9975): one pair's
#: certainty should not outvote several others.
_LOG_ODDS_LIMIT = 6.0
