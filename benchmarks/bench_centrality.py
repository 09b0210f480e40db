"""Central outlets at 1k, 10k and 100k documents, beside the naive whole-graph betweenness.

Each side runs in a fresh process (`harness.run_process`) on the same database:

- **graphnews**: `graphnews.centrality.central_outlets(db)`, the call behind ``graphnews
  outlets``: the outlet and follows graphs aggregated in SQL, then every measure on the outlet
  projection (betweenness exact up to 2,000 outlets, with a vectorised Brandes over scipy's
  Dijkstra). Timed as a whole, then step by step (each graph, each measure). Also the wall time
  of ``graphnews outlets --all --format json`` as a user runs it (interpreter start included).
- **naive**: what a user writes with networkx alone: one ``networkx.Graph`` of every article and
  outlet (article-outlet and article-article edges, read from the same tables) and
  ``networkx.betweenness_centrality`` on all of it, read off at the outlets. Before the full
  computation it times 100 sampled sources and estimates the full time (sample time x nodes /
  100); when the estimate is beyond ``--naive-timeout`` it stops there (the estimate is what is
  reported), otherwise it runs in full, killed at the time limit if the estimate was short. The
  overlap of the two top-10 betweenness lists is reported when it finishes.

Run: ``python benchmarks/bench_centrality.py [--documents 1000 10000 100000]``.
Results: ``benchmarks/results/centrality.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Steps, emit, ensure_corpus, machine, run_process, write_results  # noqa: E402

__all__ = ["main", "measure"]

#: Sources the naive side times before the full computation (to estimate it when killed).
NAIVE_SAMPLE = 100


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[1000, 10_000, 100_000],
                        help="corpus sizes to generate and measure")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "graphnews-bench",
                        help="where corpora and databases are kept (reused when present)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--naive-timeout", type=float, default=600.0,
                        help="kill the naive process after this many seconds")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        side, db = args.child
        if side == "graphnews":
            _graphnews(Path(db))
        else:
            _naive(Path(db), budget=args.naive_timeout)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    host = machine()
    runs = []
    for documents in args.documents:
        run = measure(args.work, documents, seed=args.seed, naive_timeout=args.naive_timeout)
        runs.append(run)
        print(f"{documents:,} documents measured", file=sys.stderr)
    _print(runs)
    path = write_results("centrality", {"machine": host, "runs": runs})
    print(f"\nwrote {path}")


def measure(work: Path, documents: int, *, seed: int, naive_timeout: float) -> dict[str, Any]:
    """Both sides on a database of a generated corpus of ``documents`` documents."""
    import graphnews

    corpus = ensure_corpus(work, documents, seed=seed)
    db_path = work / f"centrality-{documents}-seed{seed}.db"
    ingest_seconds = None
    if not db_path.exists():
        started = time.perf_counter()
        with graphnews.open(db_path) as db:
            report = db.ingest([corpus])
        assert not report.rejected, report.rejected[:3]
        ingest_seconds = round(time.perf_counter() - started, 1)
    with graphnews.open(db_path, readonly=True) as db:
        stats = db.stats()
    child = [sys.executable, str(Path(__file__).resolve()), "--child"]
    ours = run_process([*child, "graphnews", str(db_path)])
    cli = run_process(["graphnews", "outlets", "--all", "--format", "json", "--silent",
                       "--db", str(db_path)])
    naive = run_process([*child, "naive", str(db_path), "--naive-timeout", str(naive_timeout)],
                        timeout=naive_timeout * 1.1 + 60)
    info = _merged(ours["lines"])
    naive_info = _merged(naive["lines"])
    sample = _step(naive, "betweenness_sample_100")
    estimate = (round(sample * naive_info["nodes"] / NAIVE_SAMPLE, 1)
                if sample is not None else None)
    full = _step(naive, "betweenness")
    overlap = None
    if "top10" in naive_info:
        overlap = len(set(naive_info["top10"]) & set(info["top10"]))
    return {
        "documents": documents, "articles": stats["articles"],
        "related_links": stats["related_links"], "ingest_seconds": ingest_seconds,
        "outlets": info["outlets"], "outlet_edges": info["edges"],
        "follows_edges": info["follows_edges"], "betweenness_exact": info["betweenness_exact"],
        "graphnews": {"central_outlets_seconds": _step(ours, "central_outlets"),
                      "peak_rss_mb": ours["peak_rss_mb"], "steps": ours["steps"],
                      "error": ours["error"]},
        "cli": {"seconds": cli["seconds"], "peak_rss_mb": cli["peak_rss_mb"],
                "finished": cli["finished"]},
        "naive": {"nodes": naive_info.get("nodes"), "edges": naive_info.get("edges"),
                  "finished": full is not None, "timed_out": naive["timed_out"],
                  "stopped_after_estimate": bool(naive_info.get("stopped_after_estimate")),
                  "graph_seconds": _step(naive, "graph"),
                  "betweenness_seconds": full, "estimated_betweenness_seconds": estimate,
                  "peak_rss_mb": naive["peak_rss_mb"], "steps": naive["steps"],
                  "error": naive["error"], "top10_overlap": overlap},
    }


def _graphnews(db_path: Path) -> None:
    """The graphnews side: `central_outlets`, then each of its parts on its own."""
    steps = Steps()
    steps.begin("import")
    import graphnews
    from graphnews import centrality
    from graphnews.graph import follows_graph, outlet_graph

    db = graphnews.open(db_path, readonly=True)
    steps.begin("central_outlets")
    report = centrality.central_outlets(db, by="betweenness")
    steps.end()
    emit({"outlets": len(report.rows), "edges": report.graph.number_of_edges(),
          "follows_edges": report.follows.number_of_edges(),
          "betweenness_exact": report.betweenness_exact,
          "top10": [r.outlet for r in report.rows[:10]]})
    steps.begin("outlet_graph")
    G = outlet_graph(db)
    steps.begin("follows_graph")
    F = follows_graph(db)
    for name in ("degree", "strength", "betweenness", "closeness", "eigenvector", "pagerank",
                 "reach"):
        steps.begin(name)
        getattr(centrality, name)(G)
    for name in ("hits", "first_reports"):
        steps.begin(name)
        getattr(centrality, name)(F)
    steps.close()


def _naive(db_path: Path, *, budget: float) -> None:
    """The naive side: networkx alone, betweenness of every article and outlet node.

    Stops after the sampled sources when the full computation would not fit in ``budget``.
    """
    import sqlite3

    import networkx as nx

    started = time.perf_counter()
    steps = Steps()
    steps.begin("graph")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    G = nx.Graph()
    for article, domain in conn.execute(
            "SELECT a.id, o.domain FROM articles a JOIN outlets o ON o.id = a.outlet_id"):
        G.add_edge(f"article:{article}", f"outlet:{domain}")
    G.add_edges_from((f"article:{a}", f"article:{b}") for a, b in conn.execute(
        "SELECT from_article, to_article FROM related_links WHERE from_article != to_article"))
    steps.end()
    emit({"nodes": G.number_of_nodes(), "edges": G.number_of_edges()})
    steps.begin(f"betweenness_sample_{NAIVE_SAMPLE}")
    nx.betweenness_centrality(G, k=min(NAIVE_SAMPLE, len(G)), seed=0)
    steps.end()
    estimate = steps.done[-1]["seconds"] * len(G) / NAIVE_SAMPLE
    if estimate > budget - (time.perf_counter() - started):
        emit({"stopped_after_estimate": True})
        steps.close()
        return
    steps.begin("betweenness")
    between = nx.betweenness_centrality(G)
    steps.end()
    outlets = sorted((n for n in G if n.startswith("outlet:")), key=lambda n: -between[n])
    emit({"top10": [n.split(":", 1)[1] for n in outlets[:10]]})
    steps.close()


def _merged(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The child's non-step JSON lines, merged into one dict."""
    merged: dict[str, Any] = {}
    for line in lines:
        if "step" not in line:
            merged |= line
    return merged


def _step(result: dict[str, Any], name: str) -> float | None:
    return next((s["seconds"] for s in result["steps"] if s["step"] == name), None)


def _print(runs: list[dict[str, Any]]) -> None:
    print("\n| documents | outlets | outlet edges | graphnews central_outlets | peak MB | "
          "`graphnews outlets --all` | naive whole-graph betweenness | naive peak MB | "
          "top-10 overlap |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in runs:
        g, n = r["graphnews"], r["naive"]
        if n["finished"]:
            naive = f"{n['betweenness_seconds']:.1f} s on {n['nodes']:,} nodes"
        else:
            estimate = n["estimated_betweenness_seconds"]
            naive = (f"not finished within the limit; estimated {estimate:,.0f} s on "
                     f"{n['nodes']:,} nodes" if estimate else "killed before its estimate")
        print(f"| {r['documents']:,} | {r['outlets']:,} | {r['outlet_edges']:,} | "
              f"{g['central_outlets_seconds']:.2f} s | {g['peak_rss_mb']:.0f} | "
              f"{r['cli']['seconds']:.2f} s | {naive} | {n['peak_rss_mb']:.0f} | "
              f"{n['top10_overlap'] if n['top10_overlap'] is not None else '-'} |")
    print("\nsteps of graphnews (seconds):")
    for r in runs:
        parts = ", ".join(f"{s['step']} {s['seconds']:.2f}" for s in r["graphnews"]["steps"])
        print(f"- {r['documents']:,}: {parts}")


if __name__ == "__main__":
    main()
