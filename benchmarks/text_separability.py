"""How far the texts alone tell stories apart: real labelled sources beside the generator's regimes.

A generated regime is only a fair test if its stories are as hard to tell apart by their words
as real stories are. For every real source of ``benchmarks/stories_eval/labels.tsv`` and every
generator regime (`graphnews.generator.REGIMES`), this takes the candidate pairs graphnews's
story model scores (`graphnews.stories.pairs.candidate_pairs`: links, co-citation and the
nearest texts within a few days) among labelled articles, and reports for the TF-IDF cosine of
title + excerpt (the ``text_cos`` feature):

- ``auc``: the chance that a same-story pair has a higher cosine than a pair of two stories;
- ``best_f1``: the best pairwise F1 of "same story when the cosine reaches t" over every t
  (recall counted over *all* same-story pairs, so pairs the search never proposed count as
  missed);
- ``cos_same`` / ``cos_other``: the median cosine of same-story pairs and of the other pairs.

A regime whose ``auc`` and ``best_f1`` sit near 1 while the real sources sit far below is easy
in a way real coverage is not (stories told apart by words of their own).

    python benchmarks/text_separability.py --documents 1000
    # prints the table, writes benchmarks/results/text_separability.json
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results

import graphnews
from graphnews.generator import DOCUMENTS_DIR, REGIMES
from graphnews.stories.fit import Labelled, read_labels
from graphnews.stories.pairs import FEATURES, Articles

EVAL = Path(__file__).resolve().parent / "stories_eval"
TEXT = FEATURES.index("text_cos")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=EVAL / "labels.tsv")
    parser.add_argument("--documents", type=int, default=1000, help="documents per regime")
    parser.add_argument("--noise", type=float, default=0.2, help="noise links of the regimes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "graphnews-text-separability"
    )
    args = parser.parse_args()
    rows = []
    for name, story_of in sorted(read_labels(args.labels).items()):
        articles = _articles(args.work / f"real-{name}.db", args.labels.parent / name)
        rows.append({"corpus": name, "real": True, **separability(articles, story_of)})
    for name, regime in REGIMES.items():
        folder = args.work / f"{name}-{args.documents}-{args.noise:g}-{args.seed}"
        shutil.rmtree(folder, ignore_errors=True)  # never a database of an older generator
        truth = regime.generate(folder, documents=args.documents, noise=args.noise, seed=args.seed)
        articles = _articles(folder / "graphnews.db", folder / DOCUMENTS_DIR)
        rows.append({"corpus": name, "real": False, **separability(articles, truth.story_of)})
    print(_table(rows))
    body = {"machine": machine(), "documents": args.documents, "noise": args.noise, "rows": rows}
    print(f"results written to {write_results('text_separability', body)}", file=sys.stderr)


def separability(articles: Articles, story_of: dict[str, str]) -> dict[str, Any]:
    """The text cosine's power to tell same-story pairs from others, on labelled candidates."""
    corpus = Labelled.build("", articles, story_of)
    cos = corpus.pairs.x[corpus.labelled, TEXT]
    same = corpus.same[corpus.labelled].astype(bool)
    sizes = Counter(s for s in corpus.story.tolist() if s is not None)
    true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    return {
        "articles": sum(sizes.values()),
        "stories": len(sizes),
        "true_pairs": true_pairs,
        "candidate_pairs": len(cos),
        "auc": _auc(cos, same),
        "best_f1": _best_f1(cos, same, true_pairs),
        "cos_same": round(float(np.median(cos[same])), 3) if same.any() else None,
        "cos_other": round(float(np.median(cos[~same])), 3) if (~same).any() else None,
    }


def _auc(score: np.ndarray, positive: np.ndarray) -> float | None:
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return None
    ranks = rankdata(score)
    return round(float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)), 3)


def _best_f1(score: np.ndarray, positive: np.ndarray, true_pairs: int) -> float:
    if not true_pairs or not len(score):
        return 0.0
    order = np.argsort(-score, kind="stable")
    hits = np.cumsum(positive[order])
    predicted = np.arange(1, len(score) + 1)
    f1 = 2 * hits / (predicted + true_pairs)
    return round(float(f1.max()), 3)


def _articles(db_path: Path, documents: Path) -> Articles:
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fresh = graphnews.open(db_path)
        fresh.ingest([documents])
        fresh.close()
    db = graphnews.open(db_path)
    articles = Articles.load(db)
    db.close()
    return articles


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | kind | articles | stories | same-story pairs | AUC | best F1 "
        "| median cos same / other |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        kind = "real" if r["real"] else "generated"
        lines.append(
            f"| {r['corpus']} | {kind} | {r['articles']:,} | {r['stories']:,} | "
            f"{r['true_pairs']:,} | {r['auc']} | {r['best_f1']} | "
            f"{r['cos_same']} / {r['cos_other']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
