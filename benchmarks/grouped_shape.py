"""Can graphnews tell a set of grouped stories from a feed without labels?

``graphnews stories --no-singletons`` joins every article left alone into the story of its
likeliest candidate partner: right for a set of grouped stories (every article has a mate),
wrong for a feed (docs/stories.md, "No single articles"). A default could only switch it on by
itself if some statistic of the corpus told the two shapes apart. The one measured here is the
**mutual-best share**: the share of articles whose likeliest candidate partner (by the shipped
model's log-odds) has them as its own likeliest partner. In a set of grouped stories of two or
three nothing stands between an article and its mate; in a feed a single article's likeliest
partner usually prefers a mate of its own story. Beside it, per corpus, four ways of
clustering scored against the truth: the default, ``--no-singletons`` (the partner rule), and
two milder rules for an article the clustering leaves alone: join its likeliest partner only
when the two are each other's likeliest (mutual join), or only when that pair is more likely
than not to be one story (likely join: log-odds >= 0).

Development corpora only (nothing here is blind, and nothing is chosen from it): the fitted
real sources (in-sample: the shipped model was fitted on them) and the three development
scored-only ones, each as labelled, without its related lists when it has them, and as its
stories of two or more alone (the grouped shape); graphnews's generator regimes at 20% noise
links, seed 3, 500 documents, with and without lists; the independent generator
(``benchmarks/independent``), seed 3, 1,000 documents: ``news`` (stories of two or three,
every article has a mate) and ``links`` at 20% and 40% noise links (stories of 2-12).

    python benchmarks/grouped_shape.py      # results/grouped_shape.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import independent_corpus, machine, write_results
from stories_eval import (
    EVAL,
    SCORED_ONLY,
    _database,
    _generated_sources,
    _real_sources,
)

from graphnews.stories.fit import Labelled
from graphnews.stories.pairs import (
    Articles,
    Model,
    cluster,
    join_singletons,
    load_model,
    ranked_partners,
)

#: The scored-only sources that are development data (docs/stories.md, the protocol).
DEVELOPMENT_SCORED = ("de-ch-2026-06-11", "smartable-ai-2021-01", "zh-trending-2024-06-05")
INDEPENDENT = (("news", 0.0), ("links", 0.2), ("links", 0.4))
SEED = 3
#: The kinds of corpus, as the summary names them.
KINDS = {"feed": "real, as labelled (feeds)", "grouped": "real, stories of two or more alone",
         "generated": "graphnews's generator, 20% noise links",
         "independent": "the independent generator"}
#: The ways of joining single articles compared with the default: result key, column title.
WAYS = {"partner": "`--no-singletons`", "mutual": "mutual join", "likely": "likely join"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "graphnews-grouped-shape")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    model = load_model()
    rows = [_row(kind, corpus, model) for kind, corpus in _corpora(args.work)]
    for row in rows:
        print(f"{row['corpus']:45s} {row['kind']:8s} mutual-best {row['mutual_best']:.2f}  "
              f"alone in truth {row['truth_alone']:.2f}  pairwise F1 default "
              f"{row['default']['f1']:.2f}, "
              + ", ".join(f"{title} {row[way]['f1']:.2f}" for way, title in WAYS.items()),
              flush=True)
    summary = [_summary(kind, [r for r in rows if r["kind"] == kind]) for kind in KINDS]
    print("\n| corpora | mutual-best share | pairwise F1 by default | "
          + " | ".join(f"{title} (higher / lower)" for title in WAYS.values())
          + " |\n|---|---|---|" + "---|" * len(WAYS))
    for s in summary:
        print(f"| {KINDS[s['kind']]} ({s['corpora']}) | {s['mutual_best_min']:.2f}-"
              f"{s['mutual_best_max']:.2f} | {s['default_f1']:.3f} | "
              + " | ".join(f"{s[f'{way}_f1']:.3f} ({s[f'{way}_higher']} / {s[f'{way}_lower']})"
                           for way in WAYS) + " |")
    write_results("grouped_shape", {"machine": machine(), "seed": SEED, "rows": rows,
                                    "summary": summary})


def _summary(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One kind of corpus: the range of its mutual-best shares, and each way of joining
    single articles against the default (mean pairwise F1, corpora higher and lower)."""
    def mean(way: str) -> float:
        return sum(r[way]["f1"] for r in rows) / len(rows)  # unrounded: printed to 3 places

    def count(way: str, sign: int) -> int:
        return sum(1 for r in rows
                   if sign * (round(r[way]["f1"], 2) - round(r["default"]["f1"], 2)) > 0)

    shares = [r["mutual_best"] for r in rows]
    out = {"kind": kind, "corpora": len(rows), "mutual_best_min": min(shares),
           "mutual_best_max": max(shares), "default_f1": mean("default")}
    for way in WAYS:
        out |= {f"{way}_f1": mean(way), f"{way}_higher": count(way, 1),
                f"{way}_lower": count(way, -1)}
    return out


def _corpora(work: Path) -> list[tuple[str, Labelled]]:
    real = _real_sources(EVAL / "labels.tsv", work,
                         keep=lambda name: name not in SCORED_ONLY or name in DEVELOPMENT_SCORED)
    generated = _generated_sources(work, [500], SEED, [500], noises=(0.2,))
    return [
        *((kind, corpus) for source in real
          for kind, corpora in (("feed", source.corpora + source.bare),
                                ("grouped", source.stories_only))
          for corpus in corpora),
        *(("generated", corpus) for source in generated
          for corpus in source.corpora + source.bare),
        *(("independent", _independent(work, regime, noise)) for regime, noise in INDEPENDENT),
    ]


def _independent(work: Path, regime: str, noise: float) -> Labelled:
    """A corpus of the independent generator (drawn once into ``work``), with its truth."""
    folder = work / f"independent-{regime}-{noise:g}-{SEED}"
    truth = {url.replace("://www.", "://"): story for url, story in independent_corpus(
        folder, regime=regime, noise=noise, seed=SEED, documents=1000).items()}
    db = _database(work / f"{folder.name}.db", [folder])
    articles = Articles.load(db)
    db.close()
    story_of = {u: truth[u.replace("://www.", "://")] for u in articles.urls
                if u.replace("://www.", "://") in truth}
    return Labelled.build(f"independent {regime} {noise:.0%}", articles, story_of)


def _row(kind: str, corpus: Labelled, shipped: Model) -> dict[str, Any]:
    model, scored = corpus.scored_by(shipped)
    n = len(corpus.articles.ids)
    u, v = scored.pairs.u, scored.pairs.v
    log_odds = model.log_odds(scored.pairs.x)
    membership = cluster(n, scored.pairs, log_odds)
    partner, best = _likeliest_partner(n, u, v, log_odds)
    has = partner >= 0
    mutual = has & (partner[np.where(has, partner, 0)] == np.arange(n))
    size = Counter(s for s in corpus.story if s is not None)
    return {
        "corpus": corpus.name,
        "kind": kind,
        "articles": n,
        "mutual_best": round(float(mutual.mean()), 4),
        "truth_alone": round(float(np.mean([s is None or size[s] == 1 for s in corpus.story])), 4),
        "default": _scores(corpus, membership),
        "partner": _scores(corpus, join_singletons(membership, u, v, log_odds)),
        "mutual": _scores(corpus, _join(membership, partner, best, mutual)),
        "likely": _scores(corpus, _join(membership, partner, best, has & (best >= 0))),
    }


def _likeliest_partner(n: int, u: np.ndarray, v: np.ndarray, log_odds: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Each article's likeliest candidate partner (-1: none), as `join_singletons` ranks them,
    and that pair's log-odds (-inf: none)."""
    start, others, odds = ranked_partners(n, u, v, log_odds)
    if not len(others):
        return np.full(n, -1), np.full(n, -np.inf)
    has = start[:-1] < start[1:]
    first = np.minimum(start[:-1], len(others) - 1)
    return np.where(has, others[first], -1), np.where(has, odds[first], -np.inf)


def _join(membership: np.ndarray, partner: np.ndarray, best: np.ndarray, chosen: np.ndarray
          ) -> np.ndarray:
    """``membership`` with each ``chosen`` article that is alone moved into its likeliest
    partner's story, the likeliest pairs first (an article a partner has joined meanwhile is
    no longer alone and stays)."""
    out = membership.copy()
    size = np.bincount(out)
    for a in sorted(np.flatnonzero(chosen).tolist(), key=lambda a: -best[a]):
        if size[out[a]] == 1:
            size[out[a]] -= 1
            out[a] = out[partner[a]]
            size[out[a]] += 1
    return out


def _scores(corpus: Labelled, membership: np.ndarray) -> dict[str, float]:
    scores = corpus.scores(dict(zip(corpus.articles.urls, membership.tolist(), strict=True)))
    return {k: round(scores[k], 4) for k in ("precision", "recall", "f1", "bcubed_f1")}


if __name__ == "__main__":
    main()
