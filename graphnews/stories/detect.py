"""Story detection: which articles, across outlets, report the same event.

``related`` lists are the evidence, and they are noisy: a recommender lists a fintech press
release beside three articles on Microsoft retiring emotion recognition. Connected components of
``related`` links therefore melt unrelated events into one giant "story". Instead, every pair of
articles gets an evidence weight, and the weighted graph is clustered with Leiden.

Evidence for a pair of articles ``i``, ``j`` (see `Evidence` for the weights):

- **link**: one lists the other in ``related``; **reciprocity** adds to it when both list each
  other;
- **co-citation**: they share ``related`` neighbours (cosine of their neighbour sets, from two
  shared neighbours on, or from one when they are also linked). A noise link joins two articles
  that share nothing else, so this is what tells a real link from a recommender's mistake;
- **text**: TF-IDF cosine similarity of title and excerpt, found by a nearest-neighbour search
  *within a time window*: articles are sorted by time and each block of them is compared only with
  the articles published within ``window_days`` (never all pairs). This finds coverage that no
  chain of links joins (the two seeds share no ``related`` item, yet report the same event);
- **time**: everything above is scaled by ``exp(-|t_i - t_j| / time_scale)``, since the articles
  of one event appear within days of each other.

The TF-IDF is a few lines of numpy/scipy (both core dependencies) rather than scikit-learn: the
vectoriser needed here is small, and scikit-learn would add a large dependency for it.

Clustering is Leiden with the Constant Potts Model (CPM): a set of articles stays one story when
its internal evidence exceeds ``resolution`` per pair of members. Unlike modularity, CPM has no
resolution limit, so two small stories joined by one noise link stay apart however large the
corpus grows, and the same ``resolution`` means the same thing at 1,000 and at 100,000 articles.
Leiden (not Louvain) guarantees connected communities. It runs as igraph's own implementation
(``Graph.community_leiden``, the same algorithm as ``leidenalg`` by the same author): on the
100,000-document corpus it takes 0.8 s where ``leidenalg.find_partition`` takes 27-38 s, with
identical scores. A private generator seeded with ``seed`` makes it deterministic.

Link evidence is only believed as far as the texts confirm it. On real data the recommender's
"noise" is topical and correlated (the late-June Microsoft documents all list each other, the
CWallet press release included), so links and co-citation say "same topic"; the text says "same
event". Link, reciprocity and co-citation weights are therefore scaled by a ramp of the pair's
text similarity (`Evidence.unconfirming_similarity` to `Evidence.confirming_similarity`).

Stories are stored in the ``stories`` and ``story_articles`` tables. A story's id is a hash of
its earliest article's canonical URL, so a story keeps its id when recomputation leaves it
unchanged (or only adds later articles to it). Recomputation is incremental: nothing is done when
the database did not change since the last computation (tracked in ``meta``); after an ingest
that touched a limited time span only the stories around it are recomputed (see
`detect_stories`).

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> from graphnews.generator import generate_corpus, DOCUMENTS_DIR
>>> from graphnews.stories.stored import story_urls
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> truth = generate_corpus(out, documents=200, noise=0.2, seed=3)
>>> db = graphnews.open(":memory:")
>>> _ = db.ingest([out / DOCUMENTS_DIR])
>>> stories = detect_stories(db)
>>> truth.score(story_urls(db))["ari"] > 0.9
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from graphnews.communities import seeded
from graphnews.errors import BadInputError
from graphnews.stories import DEFAULT_RESOLUTION
from graphnews.stories.stored import Story, load_stories

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = [
    "DEFAULT_RESOLUTION",
    "Evidence",
    "StoryRun",
    "detect_stories",
    "stories_are_current",
    "update_stories",
]


#: Called as ``progress(step)`` with the name of each step while stories are computed.
Progress = Callable[[str], None]

_META_KEY = "stories"
_TOKEN = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset((
    "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was",
    "one", "our", "out", "has", "have", "him", "his", "how", "its", "may", "new", "now", "old",
    "see", "two", "who", "did", "get", "got", "let", "say", "she", "too", "use", "that", "this",
    "with", "from", "they", "will", "what", "when", "your", "more", "into", "over", "than", "then",
    "them", "these", "those", "been", "were", "which", "their", "there", "about", "would", "could",
    "after", "before", "while", "where", "also", "just", "only", "some", "such", "very", "most",
    "other", "said", "says"
))


@dataclass(frozen=True)
class Evidence:
    """Weights of the evidence that two articles report the same story.

    Attributes
    ----------
    link : float
        A ``related`` link between the two, either direction.
    reciprocal : float
        Added when each lists the other.
    cocitation : float
        Times the cosine of their ``related`` neighbour sets.
    text : float
        Times the TF-IDF cosine of title and excerpt (pairs found by the windowed search).
    unconfirming_similarity, confirming_similarity : float
        Link, reciprocity and co-citation evidence count only as far as the two texts confirm
        them: not at all up to the first text similarity, fully from the second on, linearly in
        between.
    time_scale_hours : float
        Evidence decays as ``exp(-hours apart / time_scale_hours)``.
    window_days : float
        The text search compares articles published at most this many days apart.
    neighbours : int
        Text neighbours kept per article.
    min_similarity : float
        Text similarities below this are no evidence.
    """

    link: float = 1.0
    reciprocal: float = 0.5
    cocitation: float = 2.0
    text: float = 2.0
    unconfirming_similarity: float = 0.08
    confirming_similarity: float = 0.25
    time_scale_hours: float = 96.0
    window_days: float = 7.0
    neighbours: int = 10
    min_similarity: float = 0.15


@dataclass
class StoryRun:
    """What `update_stories` did: ``mode`` is 'unchanged', 'incremental' or 'full'."""

    mode: str
    articles: int = 0
    recomputed: int = 0
    stories: int = 0
    edges: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def detect_stories(
    db: Database,
    *,
    resolution: float = DEFAULT_RESOLUTION,
    seed: int = 0,
    evidence: Evidence | None = None,
    incremental: bool = True,
) -> list[Story]:
    """Detect the stories of every article, store them, and return them (largest first).

    Parameters
    ----------
    db : Database
        A writable database.
    resolution : float
        CPM resolution of Leiden: higher splits stories finer (see `DEFAULT_RESOLUTION`).
    seed : int
        Leiden's random seed; the same data, parameters and seed give the same stories.
    evidence : Evidence, optional
        Evidence weights (default `Evidence()`).
    incremental : bool
        Reuse the stored stories (see `update_stories`); False recomputes everything.

    Returns
    -------
    list of Story
        Every article's story, singletons included, largest first.

    Raises
    ------
    BadInputError
        When ``resolution`` is not positive.
    """
    update_stories(db, resolution=resolution, seed=seed, evidence=evidence,
                   incremental=incremental)
    return load_stories(db)


def update_stories(
    db: Database,
    *,
    resolution: float = DEFAULT_RESOLUTION,
    seed: int = 0,
    evidence: Evidence | None = None,
    incremental: bool = True,
    progress: Progress | None = None,
) -> StoryRun:
    """Bring the stored stories up to date with the database; say what was recomputed.

    Incremental by default: nothing is recomputed when the data did not change since the
    stories were computed with the same parameters. Otherwise every article whose evidence
    changed (new, re-dated, retitled, or with new ``related`` links) marks as dirty its link
    neighbours, the articles within the text window of it, and the stored stories of all of
    these; only that region is clustered again, and every other story keeps its articles and
    its id. When the region holds more than half of the articles, everything is recomputed.

    Parameters are those of `detect_stories`; ``progress(step)`` is called before each step.
    """
    return _Detector(db, resolution=resolution, seed=seed, evidence=evidence or Evidence(),
                     progress=progress).run(incremental=incremental)


def stories_are_current(
    db: Database,
    *,
    resolution: float = DEFAULT_RESOLUTION,
    seed: int = 0,
    evidence: Evidence | None = None,
) -> bool:
    """True when stored stories exist for the current data and these parameters."""
    state = _load_state(db)
    return state is not None and state.get("key") == _state_key(
        db, resolution, seed, evidence or Evidence())


# -- the detector ---------------------------------------------------------------------------


@dataclass
class _Corpus:
    """The articles (in id order) and their links, as arrays."""

    ids: np.ndarray  # article ids, ascending
    ts: np.ndarray  # float seconds, NaN when unknown
    texts: list[str]
    urls: list[str]
    src: np.ndarray  # link endpoints as indices into ids
    dst: np.ndarray

    @classmethod
    def load(cls, db: Database) -> _Corpus:
        rows = db.conn.execute(
            "SELECT id, published_ts, coalesce(title, '') || ' ' || coalesce(excerpt, ''), "
            "canonical_url FROM articles ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        ts = np.fromiter((np.nan if r[1] is None else r[1] for r in rows), dtype=np.float64,
                         count=len(rows))
        links = np.fromiter(chain.from_iterable(db.conn.execute(
            "SELECT from_article, to_article FROM related_links")), dtype=np.int64).reshape(-1, 2)
        index = np.searchsorted(ids, links)
        return cls(ids, ts, [r[2] for r in rows], [r[3] for r in rows], index[:, 0], index[:, 1])

    def fingerprints(self) -> np.ndarray:
        """A 63-bit hash per article of everything its evidence depends on.

        Time and text are hashed per article; each link adds a hash of its two article ids to
        both ends (a sum, so the order of links does not matter).
        """
        out = np.fromiter(
            (int.from_bytes(hashlib.blake2b(f"{t}|{text}".encode(), digest_size=8).digest())
             for t, text in zip(self.ts.tolist(), self.texts, strict=True)),
            dtype=np.uint64, count=len(self.ids))
        with np.errstate(over="ignore"):
            a, b = self.ids[self.src].astype(np.uint64), self.ids[self.dst].astype(np.uint64)
            link = _mix(a * np.uint64(0x9E3779B97F4A7C15) + b)
            np.add.at(out, self.src, link)
            np.add.at(out, self.dst, _mix(link))
        return (out >> np.uint64(1)).astype(np.int64)


class _Detector:
    def __init__(self, db: Database, *, resolution: float, seed: int, evidence: Evidence,
                 progress: Progress | None) -> None:
        if not resolution > 0:
            raise BadInputError(f"the resolution must be positive, not {resolution}")
        self.db = db
        self.resolution = resolution
        self.seed = seed
        self.evidence = evidence
        self.progress = progress or (lambda _step: None)
        self.report = StoryRun(mode="full")

    def run(self, *, incremental: bool) -> StoryRun:
        import time

        clock = time.perf_counter()
        timings = self.report.seconds

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[step] = round(timings.get(step, 0.0) + now - clock, 3)
            clock = now

        key = _state_key(self.db, self.resolution, self.seed, self.evidence)
        state = _load_state(self.db)
        if incremental and state is not None and state.get("key") == key:
            self.report.mode = "unchanged"
            self.report.stories, self.report.articles = self.db.conn.execute(
                "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM story_articles)"
            ).fetchone()
            return self.report
        self.progress("load")
        corpus = _Corpus.load(self.db)
        prints = corpus.fingerprints()
        lap("load")
        region = None
        if incremental and state is not None and state.get("params") == key[1]:
            region = self._dirty_region(corpus, prints)
            lap("region")
        subset = np.arange(len(corpus.ids)) if region is None else region
        self.report.mode = "full" if region is None else "incremental"
        self.report.articles = len(corpus.ids)
        self.report.recomputed = len(subset)
        self.progress("evidence")
        u, v, w = _evidence_edges(corpus, subset, self.evidence)
        self.report.edges = len(u)
        lap("evidence")
        self.progress("cluster")
        membership = _leiden(len(subset), u, v, w, self.resolution, self.seed)
        confidence = _confidence(membership, u, v, w)
        lap("cluster")
        self.progress("store")
        self._store(corpus, subset, membership, confidence, prints, replace_all=region is None,
                    key=key)
        lap("store")
        self.report.stories = self.db.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        return self.report

    def _dirty_region(self, corpus: _Corpus, prints: np.ndarray) -> np.ndarray | None:
        """Indices of the articles to recompute, or None when recomputing all is cheaper."""
        rows = self.db.conn.execute(
            "SELECT article_id, fingerprint, story_id FROM story_articles ORDER BY article_id"
        ).fetchall()
        old_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        old_prints = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        _, old_story = np.unique(np.array([r[2] for r in rows], dtype=object).astype(str),
                                 return_inverse=True)
        n = len(corpus.ids)
        at = np.clip(np.searchsorted(old_ids, corpus.ids), 0, max(len(old_ids) - 1, 0))
        known = (old_ids[at] == corpus.ids) if len(old_ids) else np.zeros(n, dtype=bool)
        changed = ~known | (old_prints[at] != prints) if len(old_ids) else ~known
        story = np.where(known, old_story[at] if len(old_ids) else -1, -1)
        gone = old_story[~np.isin(old_ids, corpus.ids)]
        if not changed.any() and not len(gone):
            return np.array([], dtype=np.int64)
        # Articles whose evidence may change: the changed ones, their link neighbours, and
        # every article within the text window of a changed one.
        touched = changed.copy()
        link_touch = changed[corpus.src] | changed[corpus.dst]
        touched[corpus.src[link_touch]] = True
        touched[corpus.dst[link_touch]] = True
        window = self.evidence.window_days * 86400
        times = np.sort(corpus.ts[changed & ~np.isnan(corpus.ts)])
        if len(times):
            dated = np.flatnonzero(~np.isnan(corpus.ts))
            nearest = np.searchsorted(times, corpus.ts[dated])
            before = np.abs(corpus.ts[dated] - times[np.clip(nearest - 1, 0, len(times) - 1)])
            after = np.abs(times[np.clip(nearest, 0, len(times) - 1)] - corpus.ts[dated])
            touched[dated[np.minimum(before, after) <= window]] = True
        # Whole stories: a story touched anywhere is recomputed as a whole.
        dirty = np.union1d(gone, story[touched & (story >= 0)])
        region = np.flatnonzero(touched | np.isin(story, dirty))
        if len(region) > n // 2:
            return None
        return region

    def _store(self, corpus: _Corpus, subset: np.ndarray, membership: np.ndarray,
               confidence: np.ndarray, prints: np.ndarray, *, replace_all: bool,
               key: tuple[str, str]) -> None:
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
                db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _redo (article_id INTEGER "
                                "PRIMARY KEY)")
                db.conn.execute("DELETE FROM _redo")
                db.conn.executemany("INSERT INTO _redo VALUES (?)", ids)
                db.conn.execute("DELETE FROM stories WHERE id IN (SELECT story_id FROM "
                                "story_articles WHERE article_id IN "
                                "(SELECT article_id FROM _redo))")
                db.conn.execute("DELETE FROM stories WHERE id NOT IN "
                                "(SELECT story_id FROM story_articles)")
                db.conn.execute("DELETE FROM story_articles WHERE article_id NOT IN "
                                "(SELECT id FROM articles)")
            taken = {r[0] for r in db.conn.execute("SELECT id FROM stories")}
            story_rows = []
            member_rows = []
            for community, positions in groups.items():
                first = subset[positions[0]]
                story_id = _story_id(corpus.urls[first], taken)
                taken.add(story_id)
                members = [int(corpus.ids[subset[p]]) for p in positions]
                signature = hashlib.blake2b(json.dumps(sorted(members)).encode(),
                                            digest_size=8).hexdigest()
                story_rows.append((story_id, len(members), round(float(confidence[community]), 4),
                                   signature, now))
                member_rows.extend((story_id, int(corpus.ids[subset[p]]),
                                    int(prints[subset[p]])) for p in positions)
            db.conn.executemany("INSERT INTO stories (id, size, confidence, signature, "
                                "computed_at) VALUES (?, ?, ?, ?, ?)", story_rows)
            db.conn.executemany("INSERT OR REPLACE INTO story_articles (story_id, article_id, "
                                "fingerprint) VALUES (?, ?, ?)", member_rows)
            db.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                "value = excluded.value",
                (_META_KEY, json.dumps({"key": list(key), "params": key[1], "computed_at": now})))


# -- evidence -------------------------------------------------------------------------------


def _evidence_edges(corpus: _Corpus, subset: np.ndarray, evidence: Evidence
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted evidence edges ``(u, v, weight)``, ``u < v``, among ``subset`` (local indices)."""
    n = len(subset)
    local = np.full(len(corpus.ids), -1, dtype=np.int64)
    local[subset] = np.arange(n)
    src, dst = local[corpus.src], local[corpus.dst]
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    directed = sparse.csr_matrix((np.ones(int(keep.sum())), (src[keep], dst[keep])),
                                 shape=(n, n))
    directed.data[:] = 1.0
    both = directed + directed.T  # 1: one lists the other, 2: each lists the other
    linked = both.copy()
    linked.data[:] = 1.0
    ts = corpus.ts[subset]
    vectors = _tfidf([corpus.texts[i] for i in subset])
    cocited = _cocitation(linked)
    near = _text_neighbours(vectors, ts, evidence)
    # Every candidate pair, once, u < v; then each kind of evidence looked up for it.
    u, v = _pairs(linked, cocited, near)
    is_linked = _lookup(linked, u, v)
    reciprocal = (_lookup(both, u, v) == 2).astype(np.float64)
    cosine = _lookup(cocited, u, v)
    similarity = _pair_similarity(vectors, u, v)
    structure = (evidence.link * is_linked + evidence.reciprocal * reciprocal
                 + evidence.cocitation * cosine)
    support = np.clip((similarity - evidence.unconfirming_similarity)
                      / (evidence.confirming_similarity - evidence.unconfirming_similarity), 0, 1)
    text = evidence.text * np.where(similarity >= evidence.min_similarity, similarity, 0.0)
    gap = np.abs(ts[u] - ts[v]) / 3600.0
    decay = np.where(np.isnan(gap), 0.5, np.exp(-np.nan_to_num(gap) / evidence.time_scale_hours))
    w = decay * (text + structure * support)
    keep = w > 1e-9
    return u[keep], v[keep], w[keep]


def _pairs(*matrices: sparse.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """The union of the upper-triangle non-zeros of symmetric matrices, in row-major order."""
    n = matrices[0].shape[0]
    keys = []
    for m in matrices:
        upper = sparse.triu(m, k=1).tocoo()
        keys.append(upper.row.astype(np.int64) * n + upper.col)
    union = np.unique(np.concatenate(keys)) if keys else np.array([], dtype=np.int64)
    return union // max(n, 1), union % max(n, 1)


def _lookup(matrix: sparse.spmatrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``matrix[u, v]`` for many pairs at once (0 where it has no entry)."""
    n = matrix.shape[0]
    coo = sparse.triu(matrix, k=1).tocoo()
    keys = coo.row.astype(np.int64) * n + coo.col
    order = np.argsort(keys)
    keys, data = keys[order], coo.data[order]
    wanted = u * n + v
    at = np.clip(np.searchsorted(keys, wanted), 0, max(len(keys) - 1, 0))
    if len(keys) == 0:
        return np.zeros(len(u))
    return np.where(keys[at] == wanted, data[at], 0.0)


def _pair_similarity(vectors: sparse.csr_matrix, u: np.ndarray, v: np.ndarray,
                     chunk: int = 200_000) -> np.ndarray:
    """Cosine similarity of rows ``u[k]`` and ``v[k]`` (rows are l2-normalised)."""
    out = np.empty(len(u))
    for start in range(0, len(u), chunk):
        a, b = vectors[u[start:start + chunk]], vectors[v[start:start + chunk]]
        out[start:start + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def _cocitation(linked: sparse.csr_matrix) -> sparse.csr_matrix:
    """Cosine of ``related`` neighbour sets, for pairs sharing two neighbours (one if linked)."""
    degree = np.asarray(linked.sum(axis=1)).ravel()
    # Hubs (listed by very many) say little about a pair and cost quadratically: skip them.
    hub = degree > max(50.0, 20 * (degree.mean() if len(degree) else 0.0))
    trimmed = linked @ sparse.diags((~hub).astype(np.float64))
    shared = (trimmed @ trimmed.T).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()
    strong = sparse.csr_matrix(shared.multiply(shared >= 2) + shared.multiply(linked)).tocoo()
    cosine = strong.data / np.sqrt(degree[strong.row] * degree[strong.col])
    return sparse.csr_matrix((cosine, (strong.row, strong.col)), shape=linked.shape)


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


def _tfidf(texts: list[str]) -> sparse.csr_matrix:
    """Sublinear TF-IDF rows (l2-normalised) of titles and excerpts.

    Terms found in a single text can match nothing and are dropped; so are terms found in more
    than 1% of the texts (at least 200): they say little about which event a text reports and
    would dominate the cost of the neighbour search.
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        for token in _tokens(text):
            rows.append(row)
            cols.append(vocabulary.setdefault(token, len(vocabulary)))
    n = len(texts)
    counts = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(vocabulary)))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=len(vocabulary))
    useful = (df >= 2) & (df <= max(200, 0.01 * n))
    idf = np.where(useful, np.log((1 + n) / (1 + df)) + 1.0, 0.0)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    counts.eliminate_zeros()
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)


def _text_neighbours(vectors: sparse.csr_matrix, ts: np.ndarray, evidence: Evidence,
                     block: int = 1000) -> sparse.csr_matrix:
    """Each article's most similar texts published within the window (symmetric, max)."""
    n = vectors.shape[0]
    known = np.flatnonzero(~np.isnan(ts))
    order = known[np.argsort(ts[known], kind="stable")]
    times = ts[order]
    window = evidence.window_days * 86400
    sorted_vectors = vectors[order]
    rows_out: list[np.ndarray] = []
    cols_out: list[np.ndarray] = []
    vals_out: list[np.ndarray] = []
    for start in range(0, len(order), block):
        stop = min(start + block, len(order))
        lo = int(np.searchsorted(times, times[start] - window, side="left"))
        hi = int(np.searchsorted(times, times[stop - 1] + window, side="right"))
        sims = (sorted_vectors[start:stop] @ sorted_vectors[lo:hi].T).tocoo()
        r, c, s = sims.row + start, sims.col + lo, sims.data
        keep = (r != c) & (s >= evidence.min_similarity) & (
            np.abs(times[r] - times[c]) <= window)
        r, c, s = r[keep], c[keep], s[keep]
        top = _top_per_row(r, s, evidence.neighbours)
        rows_out.append(order[r[top]])
        cols_out.append(order[c[top]])
        vals_out.append(s[top])
    if not rows_out:
        return sparse.csr_matrix((n, n))
    nearest = sparse.csr_matrix(
        (np.concatenate(vals_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
        shape=(n, n))
    return nearest.maximum(nearest.T)


def _top_per_row(rows: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values of each row."""
    order = np.lexsort((-values, rows))
    sorted_rows = rows[order]
    starts = np.searchsorted(sorted_rows, sorted_rows, side="left")
    rank = np.arange(len(order)) - starts
    return order[rank < k]


# -- clustering -----------------------------------------------------------------------------


def _leiden(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, resolution: float,
            seed: int) -> np.ndarray:
    """Leiden (CPM) membership of the ``n`` nodes, deterministic for the seed."""
    import igraph as ig

    if n == 0:
        return np.array([], dtype=np.int64)
    graph = ig.Graph(n=n, edges=np.column_stack((u, v)).tolist())
    with seeded(seed):
        clusters = graph.community_leiden(objective_function="CPM", weights=w.tolist(),
                                          resolution=resolution, n_iterations=-1)
    return np.asarray(clusters.membership, dtype=np.int64)


def _confidence(membership: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray
                ) -> np.ndarray:
    """Per community: the share of its members' evidence weight that stays inside it."""
    k = int(membership.max(initial=-1)) + 1
    cu, cv = membership[u], membership[v]
    inside = np.bincount(cu[cu == cv], weights=w[cu == cv], minlength=k)
    incident = np.bincount(cu, weights=w, minlength=k) + np.bincount(cv, weights=w, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(incident > 0, 2 * inside / incident, 1.0)
    return share


# -- private helpers ------------------------------------------------------------------------


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


def _state_key(db: Database, resolution: float, seed: int, evidence: Evidence
               ) -> tuple[str, str]:
    """(data version, parameters) the stored stories were computed from."""
    data = db.conn.execute(
        "SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) FROM documents), "
        "(SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || total(published_ts) "
        "FROM articles), (SELECT count(*) FROM related_links)").fetchone()
    params = json.dumps({"resolution": resolution, "seed": seed, **asdict(evidence)},
                        sort_keys=True)
    return "|".join(str(x) for x in data), params


def _load_state(db: Database) -> dict[str, Any] | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    if row is None:
        return None
    state = json.loads(row[0])
    state["key"] = tuple(state["key"])
    return state
