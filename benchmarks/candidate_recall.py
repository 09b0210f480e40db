"""Candidate recall of story detection on the hand-labelled sources: which same-story pairs the
candidate search never proposes, and why.

For every real labelled source of ``benchmarks/stories_eval/`` (with and without its related
lists where it has them), every pair of labelled articles is put in one class:

- **candidate**: a candidate pair of `graphnews.stories.pairs.candidate_pairs` (a related link,
  co-citation, or one of the text neighbours);
- **(a) > 7 days**: published more than the search window apart;
- **(b) no time**: one or both publication times unknown;
- **(c) cos 0** / **(c) cos < 0.1**: within the window, TF-IDF cosine of title + excerpt 0 (no
  term that survives the TF-IDF is shared) or under the search's 0.1;
- **(d) rank 11-20 / 21-50 / > 50**: within the window and cosine >= 0.1, but outside both
  articles' 10 nearest texts; the rank is the better of the two (1 + the number of texts in the
  article's window more similar to it than its partner);
- **(e) other**: none of these (ties past the search's cap).

Same-story and different-story pairs are counted in the same classes, so the precision cost of
widening a gate is visible beside what it would recover; "rare name" counts the missed pairs
that share at least one rare name (`graphnews.stories.words.names`: capitalised words, figures,
quoted phrases; rare: in at most max(1% of the corpus's articles, 20) of them).

    python benchmarks/candidate_recall.py            # markdown tables on stdout
    python benchmarks/candidate_recall.py --output benchmarks/results/candidate_recall.md

The sources are loaded and ingested as ``benchmarks/stories_eval.py`` does (same work folder).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_eval import EVAL, _real_sources, _variants

from graphnews.stories.fit import Labelled
from graphnews.stories.pairs import (
    FEATURES,
    CandidateSearch,
    Clustering,
    _best_and_floor,
    _term_counts,
    _text_vectors,
    candidate_pairs,
    load_model,
)
from graphnews.stories.words import names

CLASSES = (
    "candidate",
    "(a) > 7 days",
    "(b) no time",
    "(c) cos 0",
    "(c) cos < 0.1",
    "(d) rank 11-20",
    "(d) rank 21-50",
    "(d) rank > 50",
    "(e) other",
)
MISSED = CLASSES[1:]


def text_vectors(corpus: Labelled) -> np.ndarray:
    """The TF-IDF vectors of title + excerpt the candidate search compares (dense rows)."""
    articles = corpus.articles
    titles, excerpts, _ = _term_counts(articles, np.arange(len(articles.ids)))
    return _text_vectors(titles, excerpts).toarray()


def classify(corpus: Labelled, search: CandidateSearch) -> dict[str, np.ndarray]:
    """Every pair ``u < v`` of labelled articles: its class (index into `CLASSES`), whether
    it is one story, whether it shares a rare name, its cosine and rank."""
    articles = corpus.articles
    n = len(articles.ids)
    vectors = text_vectors(corpus)
    cos = vectors @ vectors.T
    np.fill_diagonal(cos, 0.0)
    ts = articles.ts
    apart = np.abs(ts[:, None] - ts[None, :])
    no_time = np.isnan(apart)
    window = np.nan_to_num(apart, nan=np.inf) <= search.window_days * 86400
    eligible = window & (cos >= search.min_similarity)
    np.fill_diagonal(eligible, False)
    # rank[i, j]: 1 + the number of texts in i's window more similar to i than j is
    masked = np.where(eligible, cos, -1.0)
    ordered = np.sort(masked, axis=1)
    rank = np.empty((n, n), dtype=np.int64)
    for i in range(n):
        rank[i] = n - np.searchsorted(ordered[i], masked[i], side="right") + 1
    best_rank = np.minimum(rank, rank.T)

    terms = [set(names(t)) for t in articles.texts(np.arange(n))]
    df = Counter(t for s in terms for t in s)
    limit = max(0.01 * n, 20)
    rare = [{t for t in s if df[t] <= limit} for s in terms]

    known = np.array([s is not None for s in corpus.story], dtype=bool)
    u, v = np.triu_indices(n, k=1)
    keep = known[u] & known[v]
    u, v = u[keep], v[keep]
    candidate = np.zeros((n, n), dtype=bool)
    candidate[corpus.pairs.u, corpus.pairs.v] = True
    cls = np.full(len(u), CLASSES.index("(e) other"))
    r = best_rank[u, v]
    c = cos[u, v]
    rules = [
        ("(d) rank > 50", eligible[u, v] & (r > 50)),
        ("(d) rank 21-50", eligible[u, v] & (r > 20) & (r <= 50)),
        ("(d) rank 11-20", eligible[u, v] & (r > 10) & (r <= 20)),
        ("(c) cos < 0.1", window[u, v] & (c > 1e-12) & (c < search.min_similarity)),
        ("(c) cos 0", window[u, v] & (c <= 1e-12)),
        ("(b) no time", no_time[u, v]),
        ("(a) > 7 days", ~no_time[u, v] & ~window[u, v]),
        ("candidate", candidate[u, v]),
    ]
    for name, hit in rules:  # later rules win
        cls[hit] = CLASSES.index(name)
    story = corpus.story
    same = story[u] == story[v]
    shares = np.array(
        [bool(rare[a] & rare[b]) for a, b in zip(u.tolist(), v.tolist(), strict=True)]
    )
    pu, pv = corpus.pairs.u, corpus.pairs.v
    mates = corpus.same.astype(bool)
    model = load_model()
    likely = mates & (model.predict(corpus.pairs.x) >= 0.5)
    if_candidate = _probability_if_candidate(corpus, search, u, v)
    predicted = corpus.predict(model)
    together = np.array([predicted[corpus.articles.urls[i]] for i in range(n)])
    return {
        "u": u,
        "v": v,
        "class": cls,
        "same": same,
        "rare": shares,
        "cos": c,
        "rank": r,
        "reachable": _joined(n, pu[mates], pv[mates], u, v),
        "reachable_likely": _joined(n, pu[likely], pv[likely], u, v),
        "together": together[u] == together[v],
        "if_candidate": if_candidate,
        "days": apart[u, v] / 86400,
    }


def _probability_if_candidate(
    corpus: Labelled, search: CandidateSearch, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Per pair (u, v): the shipped model's probability were it a candidate (NaN: cosine 0).

    Every pair of non-zero text cosine is made a candidate (any time apart, any rank); the two
    features scaled by an article's candidates (``text_relative``, ``text_over_floor``) use the
    best and 10th cosines of the real candidate search, so a pair gets the features it would
    have if it alone were added."""
    n = len(corpus.articles.ids)
    wide = candidate_pairs(
        corpus.articles, search=CandidateSearch(window_days=1e6, neighbours=n, min_similarity=1e-9)
    )
    real = corpus.pairs
    best, floor = _best_and_floor(n, real.u, real.v, real.feature("text_cos"), search)
    x = wide.x.copy()
    cos = x[:, FEATURES.index("text_cos")]
    scale = np.sqrt(best[wide.u] * best[wide.v])
    x[:, FEATURES.index("text_relative")] = np.divide(
        cos, scale, out=np.zeros(len(cos)), where=scale > 0
    )
    x[:, FEATURES.index("text_over_floor")] = np.log(
        np.maximum(cos, search.min_similarity) / np.sqrt(floor[wide.u] * floor[wide.v])
    )
    p = load_model().predict(x)
    keys = wide.u * n + wide.v
    order = np.argsort(keys)
    wanted = u * n + v
    at = np.clip(np.searchsorted(keys[order], wanted), 0, max(len(keys) - 1, 0))
    found = keys[order][at] == wanted if len(keys) else np.zeros(len(u), dtype=bool)
    return np.where(found, p[order][at], np.nan)


def _joined(n: int, eu: np.ndarray, ev: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per pair (u, v): whether a path of the edges (eu, ev) joins its two articles."""
    graph = sparse.csr_matrix((np.ones(len(eu)), (eu, ev)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    return component[u] == component[v]


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def tables(rows: list[tuple[str, dict[str, np.ndarray]]]) -> str:
    out = []
    for title, same in (("Same-story pairs", True), ("Different-story pairs", False)):
        out += [
            f"\n### {title}\n",
            "Each class as a share of all the corpus's "
            + ("same-story" if same else "different-story")
            + " pairs; *rare name*: share of the missed pairs (not candidates) sharing a rare "
            "name.\n",
            "| corpus | pairs | candidates | "
            + " | ".join(MISSED)
            + " | missed with a rare name | missed, P >= 0.5 if candidates |",
            "|---|---|---|" + "---|" * len(MISSED) + "---|---|",
        ]
        for name, r in rows:
            sel = r["same"] == same
            cls = r["class"][sel]
            total = int(sel.sum())
            counts = np.bincount(cls, minlength=len(CLASSES))
            missed = cls != 0
            cells = [f"{total:,}", _percent(int(counts[0]), total)]
            cells += [_percent(int(counts[CLASSES.index(m)]), total) for m in MISSED]
            cells.append(_percent(int(r["rare"][sel][missed].sum()), int(missed.sum())))
            likely = r["if_candidate"][sel][missed] >= 0.5
            cells.append(_percent(int(likely.sum()), int(missed.sum())))
            out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += [
        "\n### What widening a gate would add\n",
        "Per class, over all the corpora above (each corpus counted once, with and without its "
        "lists separately): same-story / different-story pairs, all and those sharing a rare "
        "name; *precision* is same / (same + different).\n",
        "*If candidates*: how many of them the shipped model (fitted on these sources) would "
        "give P >= 0.5 were they candidate pairs (same / different).\n",
        "| class | same | different | precision | same, rare name | different, rare name "
        "| precision, rare name | if candidates, P >= 0.5: same / different |",
        "|---|---|---|---|---|---|---|---|",
    ]
    late = CLASSES.index("(a) > 7 days")
    groups = [(name, lambda r, k=k: r["class"] == k) for k, name in enumerate(CLASSES)]
    groups.insert(
        late + 1,
        ("(a), of which 7-14 days", lambda r: (r["class"] == late) & (r["days"] <= 14)),
    )
    for name, member in groups:

        def count(extra, member=member):
            return sum(int((member(r) & extra(r)).sum()) for _, r in rows)

        s = count(lambda r: r["same"])
        d = count(lambda r: ~r["same"])
        sr = count(lambda r: r["same"] & r["rare"])
        dr = count(lambda r: ~r["same"] & r["rare"])
        sl = count(lambda r: r["same"] & (r["if_candidate"] >= 0.5))
        dl = count(lambda r: ~r["same"] & (r["if_candidate"] >= 0.5))
        out.append(
            f"| {name} | {s:,} | {d:,} | {_precision(s, d)} | {sr:,} | {dr:,} | "
            f"{_precision(sr, dr)} | {sl:,} / {dl:,} |"
        )
    return "\n".join(out)


def _precision(same: int, different: int) -> str:
    return f"{same / (same + different):.3f}" if same + different else "-"


def stories_table(rows: list[tuple[str, dict[str, np.ndarray]]], corpora: dict) -> str:
    """How concentrated the missed same-story pairs are: the largest stories' share."""
    out = [
        "\n### Where the missed same-story pairs are\n",
        "*Joined*: the missed pair's two articles are joined by a path of same-story candidate "
        "pairs (any probability; then with P >= 0.5 by the shipped model, which was fitted on "
        "these sources, so an optimistic count): what the clustering can still put together "
        "without the pair being a candidate. *Clustered together*: same-story pairs the "
        "shipped model and clustering put in one story (candidates / missed; the model saw "
        "these sources).\n",
        "| corpus | stories with 2+ articles | largest story (articles) | its pairs missed | "
        "share of all missed pairs in the 3 largest stories | missed, joined | "
        "missed, joined by likely pairs | clustered together: candidates / missed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        story = corpora[name].story
        sizes = Counter(s for s in story.tolist() if s is not None)
        big = [s for s, k in sizes.most_common(3)]
        sel = r["same"] & (r["class"] != 0)
        hit = r["same"] & (r["class"] == 0)
        of = story[r["u"][sel]]
        largest = big[0]
        total_largest = sizes[largest] * (sizes[largest] - 1) // 2
        in_largest = int((of == largest).sum())
        in_big = int(np.isin(of, big).sum())
        out.append(
            f"| {name} | {sum(1 for k in sizes.values() if k > 1)} | {sizes[largest]} | "
            f"{in_largest:,} of {total_largest:,} | {_percent(in_big, int(sel.sum()))} | "
            f"{_percent(int(r['reachable'][sel].sum()), int(sel.sum()))} | "
            f"{_percent(int(r['reachable_likely'][sel].sum()), int(sel.sum()))} | "
            f"{_percent(int(r['together'][hit].sum()), int(hit.sum()))} / "
            f"{_percent(int(r['together'][sel].sum()), int(sel.sum()))} |"
        )
    return "\n".join(out)


def balance_table(
    rows: list[tuple[str, dict[str, np.ndarray]]], corpora: dict[str, Labelled]
) -> str:
    """The clustering's account of each corpus's 3 largest stories, as one story."""
    model = load_model()
    out = [
        "\n### The clustering's account of the largest stories\n",
        "What the correlation clustering (`graphnews.stories.pairs.cluster`) gains and pays for "
        "putting all of a story's articles in one story, with the shipped model: the sum of "
        "its candidate pairs' clipped log-odds minus logit(0.5) (and the part from its "
        "unlikely ones), against the sum of sqrt(a_i a_j) over its non-candidate pairs; and "
        "into how many stories the clustering splits it; and the median log-odds its missed "
        "pairs would have as candidates (against what they cost as non-candidates).\n",
        "| corpus | story | articles | candidate pairs | candidate log-odds (unlikely ones) "
        "| non-candidate cost | median a | predicted stories (largest) "
        "| missed pairs as candidates: median log-odds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        corpus = corpora[name]
        n, pairs = len(corpus.articles.ids), corpus.pairs
        clustering = Clustering(n, pairs, model.log_odds(pairs.x))
        excess, node = clustering.clipped, clustering.weights(0.5)[1]
        predicted = corpus.predict(model)
        label = np.array([predicted[url] for url in corpus.articles.urls])
        sizes = Counter(s for s in corpus.story.tolist() if s is not None)
        for story, size in sizes.most_common(3):
            if size < 3:
                continue
            inside = corpus.story == story
            both = inside[pairs.u] & inside[pairs.v]
            total = node[inside].sum()
            all_cost = (total * total - (node[inside] ** 2).sum()) / 2
            cost = all_cost - float((node[pairs.u[both]] * node[pairs.v[both]]).sum())
            gain = excess[both]
            parts = Counter(label[inside].tolist())
            missed = (
                (corpus.story[r["u"]] == story)
                & (corpus.story[r["v"]] == story)
                & (r["class"] != 0)
            )
            p = r["if_candidate"][missed]
            odds = np.log(p / (1 - p))
            median = f"{np.nanmedian(odds):+.1f}" if np.isfinite(odds).any() else "-"
            out.append(
                f"| {name} | {story.rsplit(':', 1)[-1]} | {size} | {int(both.sum())} of "
                f"{size * (size - 1) // 2} | {gain.sum():+.1f} ({gain[gain < 0].sum():+.1f}) | "
                f"{max(cost, 0.0):.1f} | {np.median(node[inside] ** 2):.2f} | {len(parts)} "
                f"({parts.most_common(1)[0][1]}) | {median} |"
            )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=EVAL / "labels.tsv")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "graphnews-stories-eval"
    )
    parser.add_argument("--output", type=Path, help="also write the tables to this file")
    args = parser.parse_args()
    search = CandidateSearch()
    rows = []
    corpora = {}
    for source in _real_sources(args.labels, args.work):
        for corpus, bare in _variants(source, []):
            name = (
                corpus.name
                if bare
                else corpus.name + (" (with related lists)" if source.bare else "")
            )
            rows.append((name, classify(corpus, search)))
            corpora[name] = corpus
    text = (
        f"## Candidate recall on the labelled sources\n\nSearch: {search.neighbours} nearest "
        f"texts, cosine >= {search.min_similarity}, window {search.window_days:g} days.\n"
        + tables(rows)
        + "\n"
        + stories_table(rows, corpora)
        + "\n"
        + balance_table(rows, corpora)
        + "\n"
    )
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
