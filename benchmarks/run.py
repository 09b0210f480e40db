"""The project's benchmark: ``graphnews run`` against the naive script, at 1k, 10k and 100k docs.

One command::

    python benchmarks/run.py                      # 1,000, 10,000 and 100,000 documents
    python benchmarks/run.py --sizes 1000,10000   # a subset

For each size it generates a corpus with `graphnews.generator` (~10 KB documents with planted
stories and noise; kept in ``--work`` and reused next time), then, each in a fresh process:

1. graphnews cold: `graphnews.pipeline.run` into an empty database and output folder, each step
   timed with its own peak RSS (``benchmarks/graphnews_run.py``);
2. graphnews again over the unchanged corpus (the incremental re-run);
3. the naive script (``benchmarks/naive.py``), killed at ``--naive-timeout`` seconds, recording
   how far it got.

It prints Markdown tables (paste-ready for docs/benchmarks.md) and writes everything to
``benchmarks/results/run.json``. Nothing here asserts a time: the aims are measured and
reported, met or not.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from graphnews_run import run_graphnews  # noqa: E402
from harness import (  # noqa: E402
    corpora,
    corpus_arguments,
    database_contents,
    ensure_corpus,
    folder_size,
    machine,
    write_results,
)
from naive import run_naive  # noqa: E402

__all__ = ["STEP_ORDER", "benchmark_size", "main", "tables"]

#: Every step either side may report, in the order they run.
STEP_ORDER = ("startup", "ingest", "graph", "stories", "centrality", "spread", "render", "export")
#: The issue's aims (measured, never asserted).
AIMS = {
    "speedup_at_1k": 20.0,       # graphnews end to end >= 20x faster than the naive script
    "seconds_at_100k": 90.0,     # the whole run under 90 s (issue 15)
    "rss_mb_at_100k": 1024.0,    # peak RSS under 1 GB (issue 15)
    "rerun_share": 0.05,         # an unchanged re-run under 5% of the cold run
}


def benchmark_size(documents: int, work: Path, *, seed: int, naive_timeout: float | None,
                   outlets: int | None = None, zipf: float | None = None,
                   corpus: Path | None = None) -> dict[str, Any]:
    """Generate (or reuse) a corpus of ``documents`` documents (and ``outlets`` outlets), or take
    the ready documents folder ``corpus``, and measure both sides on it."""
    began = time.perf_counter()
    name = f"run-{documents}" + (f"-outlets{outlets}" if outlets else "") + (
        f"-zipf{zipf}" if zipf else "")
    if corpus is None:
        corpus = ensure_corpus(work, documents, seed=seed, outlets=outlets, zipf=zipf)
    else:
        name = f"run-{corpus.parent.name}-{corpus.name}"
    generated = time.perf_counter() - began
    run_dir = work / name
    shutil.rmtree(run_dir, ignore_errors=True)
    db, out = run_dir / "graphnews.db", run_dir / "output"
    _say(f"{documents:,} documents: graphnews cold run")
    cold = run_graphnews(corpus, db, out)
    _say(f"{documents:,} documents: graphnews unchanged re-run")
    rerun = run_graphnews(corpus, db, out)
    contents = database_contents(db)
    row: dict[str, Any] = {
        "documents": documents,
        "corpus": str(corpus),
        "corpus_mb": round(folder_size(corpus) / 1024**2, 1),
        "generate_seconds": round(generated, 1),
        "graphnews": _without_lines(cold),
        "rerun": _without_lines(rerun),
        "outlets": contents["counts"]["outlets"],
        "articles": contents["counts"]["articles"],
        "database_bytes": contents["bytes"],
        "database_mb": round(sum(p.stat().st_size for p in run_dir.glob("graphnews.db*"))
                             / 1024**2, 1),
        "output_mb": round(folder_size(out) / 1024**2, 1),
    }
    if naive_timeout:
        _say(f"{documents:,} documents: naive script (time limit {naive_timeout:.0f} s)")
        row["naive"] = _without_lines(run_naive(corpus, run_dir / "naive", timeout=naive_timeout))
        if row["naive"]["finished"] and cold["finished"]:
            row["speedup"] = round(row["naive"]["seconds"] / cold["seconds"], 1)
    row["aims"] = _aims(row)
    return row


def tables(results: dict[str, Any]) -> str:
    """The results as Markdown: one summary table, then one table of steps per size."""
    m = results["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, "
        f"Python {m['python']}, SQLite {m['sqlite']} (load average {m['load_average'][0]} "
        f"at the start), graphnews {m['graphnews']['commit'][:7]}; `python benchmarks/run.py`.",
        "",
        "| documents | outlets | corpus | database | graphnews run | CPU | peak RSS | peak PSS | "
        "unchanged re-run | naive script | speed-up |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results["sizes"]:
        g, again = r["graphnews"], r["rerun"]
        share = f" ({100 * again['seconds'] / g['seconds']:.1f}%)" if g["seconds"] else ""
        if again["finished"] and not (again["report"] or {}).get("reused"):
            share += ", recomputed"
        lines.append(
            f"| {r['documents']:,} | {r['outlets']:,} | {r['corpus_mb']:,.0f} MB | "
            f"{r['database_mb']:,.0f} MB | {_secs(g)} | {g['cpu_seconds']:,.1f} s | "
            f"{g['peak_rss_mb']:,.0f} MB | {_mb(g.get('peak_pss_mb'))} | {_secs(again)}{share} | "
            f"{_naive_cell(r.get('naive'))} | {_speedup(r)} |")
    for r in results["sizes"]:
        lines += ["", f"Steps at {r['documents']:,} documents (wall seconds, CPU seconds, peak "
                  "RSS of the step's processes summed, and their PSS):",
                  "", "| step | graphnews | naive script |", "|---|---:|---:|"]
        ours = {s["step"]: s for s in r["graphnews"]["steps"]}
        theirs = {s["step"]: s for s in (r.get("naive") or {}).get("steps", [])}
        stopped = (r.get("naive") or {}).get("stopped_in")
        for name in STEP_ORDER:
            if name not in ours and name not in theirs and name != stopped:
                continue
            naive_cell = _step_cell(theirs.get(name))
            if name == stopped:
                naive_cell = f"killed at {r['naive']['timeout']:.0f} s"
            lines.append(f"| {name} | {_step_cell(ours.get(name))} | {naive_cell} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, benchmark each size, print the tables, write run.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus_arguments(parser, sizes="1000,10000,100000", outlets=True)
    parser.add_argument("--naive-timeout", type=float, default=600.0,
                        help="seconds before the naive script is killed; 0 skips it "
                        "(default: %(default)s)")
    parser.add_argument("--name", default="run",
                        help="results file: benchmarks/results/NAME.json (default: %(default)s)")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": machine(), "aims": AIMS, "sizes": []}
    for documents, corpus in corpora(args):
        results["sizes"].append(benchmark_size(documents, args.work, seed=args.seed,
                                               naive_timeout=args.naive_timeout or None,
                                               outlets=args.outlets, zipf=args.zipf,
                                               corpus=corpus))
        write_results(args.name, results)  # after each size, so a long run keeps what it has
    print(tables(results))
    _say(f"results written to {write_results(args.name, results)}")


def _aims(row: dict[str, Any]) -> dict[str, Any]:
    """Each aim that applies to this size: the measured value and whether it was met."""
    g = row["graphnews"]
    aims: dict[str, Any] = {}
    if g["seconds"]:
        share = row["rerun"]["seconds"] / g["seconds"]
        aims["rerun_share"] = {"value": round(share, 4), "met": share < AIMS["rerun_share"]}
    if row["documents"] == 1000 and "speedup" in row:
        aims["speedup_at_1k"] = {"value": row["speedup"],
                                 "met": row["speedup"] >= AIMS["speedup_at_1k"]}
    if row["documents"] == 100_000:
        aims["seconds_at_100k"] = {"value": g["seconds"],
                                   "met": g["finished"] and g["seconds"] < AIMS["seconds_at_100k"]}
        aims["rss_mb_at_100k"] = {"value": g["peak_rss_mb"],
                                  "met": g["peak_rss_mb"] < AIMS["rss_mb_at_100k"]}
        if g.get("peak_pss_mb") is not None:  # the same aim, shared pages counted once
            aims["pss_mb_at_100k"] = {"value": g["peak_pss_mb"],
                                      "met": g["peak_pss_mb"] < AIMS["rss_mb_at_100k"]}
    return aims


def _without_lines(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "lines"}


def _secs(result: dict[str, Any]) -> str:
    if result["finished"]:
        return f"{result['seconds']:,.{2 if result['seconds'] < 10 else 1}f} s"
    return f"failed after {result['seconds']:,.1f} s: {result['error']}"


def _naive_cell(naive: dict[str, Any] | None) -> str:
    if naive is None:
        return "not run"
    if naive["finished"]:
        return f"{naive['seconds']:,.1f} s, {naive['peak_rss_mb']:,.0f} MB"
    if naive["timed_out"]:
        return f"killed at {naive['timeout']:.0f} s in {naive['stopped_in']}"
    return f"failed: {naive['error']}"


def _speedup(row: dict[str, Any]) -> str:
    return f"{row['speedup']:.0f}x" if "speedup" in row else "-"


def _step_cell(step: dict[str, Any] | None) -> str:
    if step is None:
        return "-"
    cpu = f", {step['cpu_seconds']:,.2f} s CPU" if "cpu_seconds" in step else ""
    pss = f" (PSS {step['peak_pss_mb']:,.0f} MB)" if step.get("peak_pss_mb") else ""
    return f"{step['seconds']:,.2f} s{cpu}, {step['peak_rss_mb']:,.0f} MB{pss}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
