"""Export time and memory: the coverage graph streamed from SQL beside the in-memory graph.

One command::

    python benchmarks/bench_export.py                   # 10,000 and 100,000 documents
    python benchmarks/bench_export.py --sizes 100000

For each size (a `graphnews.generator` corpus of ~10 KB documents, ingested once into a
database under ``--work``), each measurement in a fresh process, reading the same database:

- ``graphml``, ``csv``, ``neo4j``, ``json`` streamed: `graphnews.export.export` of the
  coverage graph, rows written from SQL as they come (no networkx graph);
- ``graphml via build_graph``: `graphnews.graph.build_graph` then `write_graphml` on it;
- ``gexf via build_graph``: the same for GEXF (its timeline needs the whole graph);
- ``naive nx.write_graphml``: `build_graph` then networkx's own ``write_graphml``: what a
  script would do (it works here only because the graph holds no lists and no None).

Peak RSS is the process's resident set sampled every 10 ms during its steps (`harness.Steps`),
including Python and the imports (``baseline``: a process that only imports what the export
needs and opens the database). ``wait4``'s high-water mark is not used: it also counts the
parent's pages at fork time. The streamed
GraphML is compared byte for byte with the one written from ``build_graph``.
Prints a Markdown table and writes ``benchmarks/results/bench_export.json``.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    MB,
    Steps,
    corpus_arguments,
    emit,
    ensure_corpus,
    machine,
    run_process,
)
from harness import write_results as write_json  # noqa: E402

__all__ = ["KINDS", "main", "measure"]

#: The measurements, each in a fresh process.
KINDS = ("baseline", "graphml streamed", "csv streamed", "neo4j streamed", "json streamed",
         "graphml via build_graph", "gexf via build_graph", "naive nx.write_graphml")


def measure(kind: str, db: Path, out: Path) -> None:
    """Run one measurement in this process; print its steps and output size as JSON lines."""
    import networkx as nx

    import graphnews
    from graphnews.export import export, write_gexf, write_graphml
    from graphnews.graph import build_graph

    steps = Steps()
    database = graphnews.open(db, readonly=True)
    if kind == "baseline":
        steps.begin(kind)
        paths: list[Path] = []
    elif kind.endswith("streamed"):
        steps.begin(kind)
        paths = export(database, to=kind.split()[0], out=out)
    else:
        steps.begin("build_graph")
        G = build_graph(database, "coverage")
        emit({"nodes": G.number_of_nodes(), "edges": G.number_of_edges()})
        steps.begin("write")
        writer = {"graphml via build_graph": write_graphml, "gexf via build_graph": write_gexf,
                  "naive nx.write_graphml": nx.write_graphml}[kind]
        paths = [out / ("coverage.gexf" if "gexf" in kind else "coverage.graphml")]
        out.mkdir(parents=True, exist_ok=True)
        writer(G, paths[0])
    steps.close()
    emit({"bytes": sum(p.stat().st_size for p in paths)})


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, measure each size, print the table, write bench_export.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser, sizes="10000,100000")
    parser.add_argument("--measure", nargs=3, metavar=("KIND", "DB", "OUT"),
                        help=argparse.SUPPRESS)  # one measurement, in the child process
    args = parser.parse_args(argv)
    if args.measure:
        kind, db, out = args.measure
        measure(kind, Path(db), Path(out))
        return
    results: dict[str, Any] = {"machine": machine(), "sizes": []}
    for documents in args.sizes:
        results["sizes"].append(_size(documents, args.work, seed=args.seed))
    path = write_json("bench_export", results)
    print(_table(results))
    print(f"results written to {path}", file=sys.stderr)


def _size(documents: int, work: Path, *, seed: int) -> dict[str, Any]:
    import graphnews

    corpus = ensure_corpus(work, documents, seed=seed)
    db = work / f"export-{documents}-seed{seed}.db"
    if not db.exists():
        print(f"{documents:,} documents: ingest", file=sys.stderr, flush=True)
        with graphnews.open(db) as database:
            database.ingest([corpus])
    with graphnews.open(db, readonly=True) as database:
        stats = database.stats()
    row: dict[str, Any] = {"documents": documents, "articles": stats["articles"],
                           "outlets": stats["outlets"], "topics": stats["topics"],
                           "related_links": stats["related_links"], "runs": {}}
    for kind in KINDS:
        print(f"{documents:,} documents: {kind}", file=sys.stderr, flush=True)
        out = work / f"export-{documents}" / kind.replace(" ", "-").replace(".", "")
        shutil.rmtree(out, ignore_errors=True)
        result = run_process([sys.executable, __file__, "--measure", kind, str(db), str(out)])
        extra = {k: v for line in result["lines"] for k, v in line.items() if "step" not in line}
        row["runs"][kind] = {
            "seconds": sum(s["seconds"] for s in result["steps"]) if result["finished"] else None,
            "steps": {s["step"]: s["seconds"] for s in result["steps"]},
            # the child's own sampled peak: wait4's figure also counts the parent's pages at fork
            "peak_rss_mb": max((s["peak_rss_mb"] for s in result["steps"]), default=None),
            "output_mb": round(extra.get("bytes", 0) / MB, 1),
            "error": result["error"],
        }
        if "nodes" in extra:
            row["nodes"], row["edges"] = extra["nodes"], extra["edges"]
    streamed = work / f"export-{documents}" / "graphml-streamed" / "coverage.graphml"
    built = work / f"export-{documents}" / "graphml-via-build_graph" / "coverage.graphml"
    row["streamed_graphml_identical"] = (streamed.exists() and built.exists()
                                         and filecmp.cmp(streamed, built, shallow=False))
    shutil.rmtree(work / f"export-{documents}", ignore_errors=True)
    return row


def _table(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, load {m['load_average']};"
             " `python benchmarks/bench_export.py`.", ""]
    for r in results["sizes"]:
        lines += [f"{r['documents']:,} documents: coverage graph of {r.get('nodes', 0):,} nodes "
                  f"and {r.get('edges', 0):,} edges; streamed GraphML identical to "
                  f"build_graph + write_graphml: {r['streamed_graphml_identical']}", "",
                  "| export | seconds | peak RSS | output |", "|---|---:|---:|---:|"]
        for kind, run in r["runs"].items():
            if run["seconds"] is None:
                lines.append(f"| {kind} | failed: {run['error']} | | |")
                continue
            steps = run["steps"]
            detail = (f" (build {steps['build_graph']:.1f} + write {steps['write']:.1f})"
                      if "build_graph" in steps else "")
            lines.append(f"| {kind} | {run['seconds']:.1f}{detail} | {run['peak_rss_mb']:,.0f} MB "
                         f"| {run['output_mb']:,.1f} MB |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
