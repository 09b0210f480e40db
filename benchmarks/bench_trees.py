"""Scoring the same-story model's boosted trees: graphnews's numpy scoring beside scikit-learn's.

graphnews keeps its fitted trees as arrays (`graphnews.stories.trees.Trees`) and scores them with
numpy, the way QuickScorer does (a tree's leaves as the bits of a byte, one lookup per feature), so
that scoring never imports scikit-learn. This measures that scoring beside the peer that fitted
the trees, scikit-learn's compiled predictor (`HistGradientBoostingClassifier.decision_function`,
its OpenMP threads on every core), on the same rows, at each ``--rows`` size: the median of
``--repeat`` timings of each, in one process, and the largest difference of their log-odds.

The trees are fitted as the shipped model's are (`fit_trees`: depth 3, at most 200 rounds, the
log-odds rising with the first column) on 9,000 rows of 16 features (a pair's features are 16;
under 10,000 rows scikit-learn does not stop early, so all 200 rounds are kept, as in the shipped
model), and scikit-learn is fitted again with the same settings on the same rows: deterministic,
the same trees (`tests/test_story_model.py` checks it). The scored rows are drawn the same way.

Run: ``python benchmarks/bench_trees.py [--rows 10000,100000,1000000] [--repeat 3]``.
Results: ``benchmarks/results/trees.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import machine, parse_sizes, write_results  # noqa: E402

from graphnews.stories.trees import DEPTH, LEARNING_RATE, ROUNDS, fit_trees  # noqa: E402

FEATURES = 16


def _rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, FEATURES))
    signal = x[:, 0] + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3]
    return x, (signal + rng.logistic(size=n) > 0).astype(float)


def _median_seconds(score: Callable[[], np.ndarray], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        score()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> None:
    """Fit the trees, score each size with both, print the table, write trees.json."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=parse_sizes, default=parse_sizes("10000,100000,1000000"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x, y = _rows(rng, 9_000)
    weights = np.ones(len(y))
    trees = fit_trees(x, y, weights, increasing=[0])
    peer = HistGradientBoostingClassifier(
        max_depth=DEPTH,
        max_iter=ROUNDS,
        learning_rate=LEARNING_RATE,
        monotonic_cst=[1] + [0] * (FEATURES - 1),
        random_state=0,
    ).fit(x, y.astype(int), sample_weight=weights)
    results: dict[str, Any] = {
        "machine": machine(),
        "trees": len(trees.roots),
        "features_split_on": len(set(trees.feature[~trees.leaf].tolist())),
        "sizes": [],
    }
    for n in args.rows:
        rows, _ = _rows(rng, n)
        ours = _median_seconds(lambda rows=rows: trees.log_odds(rows), args.repeat)
        theirs = _median_seconds(lambda rows=rows: peer.decision_function(rows), args.repeat)
        gap = float(np.max(np.abs(trees.log_odds(rows) - peer.decision_function(rows))))
        results["sizes"].append(
            {
                "rows": n,
                "graphnews_seconds": round(ours, 4),
                "scikit_learn_seconds": round(theirs, 4),
                "ratio": round(ours / theirs, 2),
                "max_log_odds_difference": gap,
            }
        )
    print(_table(results))
    print(f"results written to {write_results('trees', results)}", file=sys.stderr)


def _table(results: dict[str, Any]) -> str:
    lines = [
        f"{results['trees']} trees of depth {DEPTH} over {FEATURES} features "
        f"({results['features_split_on']} split on)",
        "",
        "| rows | graphnews (numpy, one thread) | scikit-learn (compiled, every core) | ratio "
        "| largest log-odds difference |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s['rows']:,} | {s['graphnews_seconds']:.3f} s | {s['scikit_learn_seconds']:.3f} s "
        f"| {s['ratio']:.2f}x | {s['max_log_odds_difference']:.1e} |"
        for s in results["sizes"]
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
