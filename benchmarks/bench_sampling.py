"""How far the sampled betweenness and closeness fall from the exact ones on a real database.

One command::

    python benchmarks/bench_sampling.py DB [DB ...]

For each database: the outlet graph (`graphnews.graph.outlet_graph`), then betweenness and
closeness exact (every outlet a source) and estimated (the default ~500 sampled sources, seeds 0
to 2), each timed in CPU seconds. It reports the largest absolute error of betweenness, the
largest relative error of closeness, Spearman's rank correlation with the exact values, how many
of the exact top 20 the estimate also puts in its top 20, and Hoeffding's bound (99%) that the
estimate guarantees (docs/centrality.md). Writes ``benchmarks/results/bench_sampling.json``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import machine, write_results  # noqa: E402

__all__ = ["compare", "main"]


def compare(db_path: Path, *, seeds: Sequence[int] = (0, 1, 2)) -> dict[str, Any]:
    """Exact against sampled betweenness and closeness on ``db_path``'s outlet graph."""
    import graphnews
    from graphnews.centrality.measures import betweenness, closeness
    from graphnews.graph import outlet_graph

    G = outlet_graph(graphnews.open(db_path, readonly=True))
    n = len(G)
    began = time.process_time()
    exact_b = betweenness(G, exact=True)
    exact_c = closeness(G, exact=True)
    row: dict[str, Any] = {"database": str(db_path), "outlets": n,
                           "edges": G.number_of_edges(),
                           "exact_cpu_seconds": round(time.process_time() - began, 2),
                           "estimates": []}
    for seed in seeds:
        began = time.process_time()
        est_b = betweenness(G, exact=False, seed=seed)
        est_c = closeness(G, exact=False, seed=seed)
        cpu = time.process_time() - began
        drawn = next(int(note.split("from ")[1].split(" of")[0].replace(",", ""))
                     for note in est_b.notes if "approximate" in note)
        epsilon = math.sqrt(math.log(2 * n / 0.01) / (2 * drawn))
        row["estimates"].append({
            "seed": seed, "sources": drawn, "cpu_seconds": round(cpu, 2),
            "betweenness": _errors(exact_b.values, est_b.values, relative=False)
            | {"hoeffding_bound_99": round(epsilon * n / (n - 1), 4)},
            "closeness": _errors(exact_c.values, est_c.values, relative=True)
            | {"hoeffding_epsilon_99": round(epsilon, 4)},
        })
    return row


def _errors(exact: dict[Any, float], estimate: dict[Any, float], *, relative: bool
            ) -> dict[str, float]:
    nodes = list(exact)
    x = np.array([exact[v] for v in nodes])
    y = np.array([estimate[v] for v in nodes])
    error = np.abs(y - x)
    if relative:
        error = np.divide(error, x, out=np.zeros_like(error), where=x > 0)
    top_x = set(np.argsort(-x, kind="stable")[:20])
    top_y = set(np.argsort(-y, kind="stable")[:20])
    return {"max_error": float(error.max()), "mean_error": float(error.mean()),
            "spearman": _spearman(x, y), "top20_overlap": len(top_x & top_y)}


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    ry = np.argsort(np.argsort(y, kind="stable"), kind="stable")
    return float(np.corrcoef(rx, ry)[0, 1])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="+", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": machine(), "databases": []}
    for db in args.databases:
        results["databases"].append(compare(db))
        write_results("bench_sampling", results)
    print("| outlets | edges | exact CPU | sampled CPU | sources | betweenness max abs error "
          "(bound 99%) | closeness max rel. error | Spearman b / c | top-20 overlap b / c |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results["databases"]:
        for e in r["estimates"]:
            b, c = e["betweenness"], e["closeness"]
            print(f"| {r['outlets']:,} | {r['edges']:,} | {r['exact_cpu_seconds']:.1f} s | "
                  f"{e['cpu_seconds']:.1f} s | {e['sources']} | {b['max_error']:.4f} "
                  f"({b['hoeffding_bound_99']:.3f}) | {c['max_error']:.3f} | "
                  f"{b['spearman']:.4f} / {c['spearman']:.4f} | "
                  f"{b['top20_overlap']} / {c['top20_overlap']} |")


if __name__ == "__main__":
    main()
