"""Do a term's bursts tell same-story pairs apart better than the TF-IDF cosine?

A probe of a signal graphnews does not use (docs/stories.md, "Bursts of a story's words"): each
term of an article is weighted by how much more often it appears among the articles published
within ``--hours`` of it than its rate over the whole corpus predicts, ``1 + max(0, log((L + 1)
/ (E + 1)))`` (``L``: those articles holding the term, ``E``: the term's share of the corpus's
dated articles times their number), and the weighted vectors are renormalised. An event's own
words crowd into its days; a beat's words run at their rate every day. Beside it, the burst
counted only as far as the other articles holding the term within those hours agree with the
article on their other words (``agreeing``: the weight's log times the share of them whose
cosine with it, the term left out, is at least `CandidateSearch.min_similarity`): a
conference's name bursts on its day in every announcement, an announcement's own words in its
own reports only. And a second kind of evidence, the nearest texts two articles share
(`neighbour_cosines`). For each labelled source, the ROC AUC of telling same-story pairs from
the others among the shipped model's candidate pairs, by the TF-IDF cosine of title + excerpt,
by the burst cosine, by the agreeing burst's cosine, by the two neighbour cosines and by the
shipped model's probability (and among the pairs published within ``--hours`` of each other,
where a day's stories meet); and which same-story and other pairs each article's 10 nearest
texts within 7 days (cosine >= 0.1, as `CandidateSearch`) hold by either cosine. Nothing is
fitted: no parameter is chosen here. By default the development sources (those not scored only,
plus the three scored-only sources the development record reads:
`sentence_vectors.DEVELOPMENT_SCORED`), then generator regimes (`--regimes`; 500 documents, 20%
noise, with and without their lists, development seed 3).

    python benchmarks/burst_signal.py              # results/burst_signal.json
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from sentence_vectors import _auc, development_corpora, probe_arguments

from graphnews.stories.fit import Labelled
from graphnews.stories.pairs import (
    FEATURES,
    CandidateSearch,
    _every_term,
    _row_dots,
    _term_counts,
    _text_neighbours,
    _text_vectors,
    load_model,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    probe_arguments(parser, work="graphnews-burst-signal")
    parser.add_argument("--hours", type=float, default=24.0,
                        help="a term's burst is counted within this many hours of the article")
    args = parser.parse_args()
    model = load_model()
    rows = []
    for corpus in development_corpora(args, generated_lists=True):
        rows.append(_source(corpus, model, args.hours))
        print(rows[-1], flush=True)
    write_results("burst_signal", {"machine": machine(), "hours": args.hours, "rows": rows})


def _source(corpus: Labelled, model: Any, hours: float) -> dict[str, Any]:
    articles = corpus.articles
    n = len(articles.ids)
    titles, excerpts, _ = _term_counts(articles, np.arange(n))
    text = _text_vectors(titles, excerpts, every_term=_every_term(articles, every_term=False))
    burst = burst_vectors(text, articles.ts, hours)
    agreeing = burst_vectors(text, articles.ts, hours, agreeing=True)
    u, v = corpus.pairs.u[corpus.labelled], corpus.pairs.v[corpus.labelled]
    same = corpus.same[corpus.labelled] == 1.0
    near = np.abs(articles.ts[u] - articles.ts[v]) <= hours * 3600.0
    chosen, scored = corpus.scored_by(model)
    row: dict[str, Any] = {
        "source": corpus.name, "articles": n, "candidate_pairs": len(u),
        "candidate_same": int(same.sum()),
        "auc_model": _auc(scored.same[scored.labelled] == 1.0,
                          chosen.predict(scored.pairs.x[scored.labelled])),
    }
    cosines = {"tfidf": corpus.pairs.x[corpus.labelled, FEATURES.index("text_cos")],
               "burst": _row_dots(burst, u, v), "agreeing": _row_dots(agreeing, u, v),
               **neighbour_cosines(text, articles.ts, u, v)}
    for label, cosine in cosines.items():
        row[f"auc_{label}"] = _auc(same, cosine)
        row[f"auc_{label}_within_hours"] = _auc(same[near], cosine[near])
    for label, vectors in (("tfidf", text), ("burst", burst)):
        row[f"nearest_{label}_same"], row[f"nearest_{label}_other"] = _nearest(
            vectors, articles.ts, corpus.story)
    return row


def burst_vectors(text: sparse.csr_matrix, ts: np.ndarray, hours: float, *,
                  agreeing: bool = False) -> sparse.csr_matrix:
    """``text`` with each term of an article weighted by its burst (module docstring; with
    ``agreeing``, only as far as the other articles holding it agree), each row rescaled to its
    length before; articles without a time, and corpora of fewer than two dated ones, keep
    their vectors."""
    coo = text.tocoo()
    rows, cols = coo.row, coo.col
    known = ~np.isnan(ts)
    dated = int(known.sum())
    if dated < 2 or not len(rows):
        return text
    h = hours * 3600.0
    at = np.where(known, ts - np.nanmin(ts), 0.0)
    span = float(at.max()) + 4.0 * h + 1.0  # keys of one term apart from the next term's
    held = known[rows]
    keys = np.sort(cols[held] * span + at[rows[held]])
    here = cols * span + at[rows]
    local = np.searchsorted(keys, here + h, side="right") - np.searchsorted(keys, here - h)
    times = np.sort(at[known])
    around = np.searchsorted(times, at + h, side="right") - np.searchsorted(times, at - h)
    rate = np.bincount(cols[held], minlength=text.shape[1]) / dated
    ratio = (local + 1.0) / (around[rows] * rate[cols] + 1.0)
    rise = np.maximum(np.log(ratio), 0.0)
    if agreeing:
        rise = rise * _agreement(text, ts, hours)
    weight = np.where(held, 1.0 + rise, 1.0)
    weighted = sparse.csr_matrix((coo.data * weight, (rows, cols)), shape=text.shape)
    # Each vector keeps its length (below 1 where every term counts in it: `_tfidf`).
    before, after = _lengths(text), _lengths(weighted)
    scale = np.divide(before, after, out=np.zeros_like(after), where=after > 0)
    return sparse.diags(scale) @ weighted


def neighbour_cosines(text: sparse.csr_matrix, ts: np.ndarray, u: np.ndarray,
                      v: np.ndarray) -> dict[str, np.ndarray]:
    """Two pair cosines of the articles' rows of `CandidateSearch`'s nearest-text similarity
    matrix (each article's 10 nearest texts within 7 days, as the product finds them):
    ``shared``, of those rows (the nearest texts two articles share, 0 when none), and
    ``nearest``, of those rows each with the article itself at 1 (their own similarity too)."""
    near = _text_neighbours(text, ts, CandidateSearch())
    own = near + sparse.identity(near.shape[0], format="csr")
    found = {}
    for label, rows in (("shared", near), ("nearest", own)):
        length = _lengths(rows)
        scale = np.divide(1.0, length, out=np.zeros_like(length), where=length > 0)
        found[label] = _row_dots(sparse.diags(scale) @ rows, u, v)
    return found


def _lengths(vectors: sparse.csr_matrix) -> np.ndarray:
    """Each row's Euclidean length."""
    return np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())


def _agreement(text: sparse.csr_matrix, ts: np.ndarray, hours: float) -> np.ndarray:
    """Per stored term of ``text`` (in its COO order), the share of the other articles holding
    the term within ``hours`` of the article whose cosine with it, the term left out, is at
    least `CandidateSearch.min_similarity` (0 when none does; all pairs compared: the labelled
    corpora are small)."""
    coo = text.tocoo()
    similar = (text @ text.T).toarray()
    share = np.zeros(len(coo.data))
    order = np.lexsort((coo.row, coo.col))  # each term's holders together
    starts = np.flatnonzero(np.r_[True, np.diff(coo.col[order]) != 0, True])
    for begin, end in itertools.pairwise(starts):
        at = order[begin:end]
        rows, values = coo.row[at], coo.data[at]
        others = np.abs(ts[rows][:, None] - ts[rows][None, :]) <= hours * 3600.0
        np.fill_diagonal(others, False)
        rest = similar[np.ix_(rows, rows)] - np.outer(values, values)
        agree = (others & (rest >= CandidateSearch.min_similarity)).sum(axis=1)
        share[at] = np.divide(agree, others.sum(axis=1), out=np.zeros(len(at)),
                              where=others.any(axis=1))
    return share


def _nearest(vectors: sparse.csr_matrix, ts: np.ndarray, story: np.ndarray) -> tuple[int, int]:
    """Same-story and other labelled pairs among each article's `CandidateSearch` nearest
    texts (all pairs compared: the labelled corpora are small)."""
    search = CandidateSearch()
    similar = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similar, -1.0)
    similar[np.abs(ts[:, None] - ts[None, :]) > search.window_days * 86400] = -1.0
    similar[similar < search.min_similarity] = -1.0
    top = np.argsort(-similar, axis=1)[:, : search.neighbours]
    rows = np.repeat(np.arange(len(ts)), top.shape[1])
    kept = similar[rows, top.ravel()] > 0
    pairs = {(min(a, b), max(a, b)) for a, b in zip(rows[kept].tolist(), top.ravel()[kept].tolist(),
                                                    strict=True)}
    labelled = [(a, b) for a, b in pairs if story[a] is not None and story[b] is not None]
    same = sum(story[a] == story[b] for a, b in labelled)
    return same, len(labelled) - same


if __name__ == "__main__":
    main()
