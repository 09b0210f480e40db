"""Ingest throughput: cold ingest, unchanged re-ingest, and plain YAML parsing of the same files.

One command::

    python benchmarks/bench_ingest.py                    # 1,000 and 10,000 documents
    python benchmarks/bench_ingest.py --sizes 100000 --profile

For each size (a `graphnews.generator` corpus of ~10 KB documents, shared with
``benchmarks/run.py``), each measurement in a fresh process:

- ``cold``: `graphnews.ingest.ingest` into an empty database (MB/s of input);
- ``unchanged``: the same ingest again over the unchanged files (share of the cold time);
- ``yaml.safe_load``: what the naive script does, reading each file and parsing its front
  matter with PyYAML's pure-Python loader (no database at all);
- ``yaml CSafeLoader``: the same with PyYAML's libyaml loader, the fastest PyYAML can do.

The YAML baselines parse at most ``--baseline-files`` files (10,000): their MB/s is what compares.

``--profile`` adds a cProfile of the cold ingest and prints its top functions by own time.
Prints a Markdown table and writes ``benchmarks/results/bench_ingest.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    Steps,
    corpora,
    corpus_arguments,
    database_contents,
    emit,
    ensure_corpus,
    folder_size,
    machine,
    run_process,
)
from harness import write_results as write_json  # noqa: E402

__all__ = ["AIMS", "main", "measure"]

#: The issue's aims (measured, never asserted).
AIMS = {"cold_mb_per_s": 20.0, "csafeloader_ratio": 2.0, "unchanged_share": 0.02}
#: The measurements, each run in a fresh process.
KINDS = ("cold", "unchanged", "yaml.safe_load", "yaml CSafeLoader")


def measure(kind: str, corpus: Path, db: Path, *, profile: Path | None = None,
            files: int | None = None) -> None:
    """Run one measurement in this process; print one JSON line for it (see `harness.Steps`),
    then one with the bytes it read. The YAML baselines parse only the first ``files`` files."""
    steps = Steps()
    if kind in ("cold", "unchanged"):
        import graphnews

        with graphnews.open(db) as database:
            steps.begin(kind)
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            report = database.ingest([corpus])
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            steps.end()
        emit({"documents": report.documents, "unchanged": report.unchanged,
              "bytes": report.bytes_read, "rejected": len(report.rejected)})
    else:
        import yaml

        loader = yaml.CSafeLoader if kind == "yaml CSafeLoader" else yaml.SafeLoader
        paths = sorted(corpus.rglob("*.md"))[:files]
        steps.begin(kind)
        size = 0
        for path in paths:
            text = path.read_text(encoding="utf-8")
            size += len(text.encode("utf-8"))
            yaml.load(text.split("---\n")[1], Loader=loader)
        steps.end()
        emit({"documents": len(paths), "bytes": size})
    steps.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, measure each size, print the table, write bench_ingest.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser, sizes="1000,10000", outlets=True)
    parser.add_argument("--profile", action="store_true",
                        help="profile the cold ingest with cProfile and print its hotspots")
    parser.add_argument("--measure", nargs=3, metavar=("KIND", "CORPUS", "DB"),
                        help=argparse.SUPPRESS)  # one measurement, in the child process
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--name", default="bench_ingest",
                        help="results file: benchmarks/results/NAME.json (default: %(default)s)")
    parser.add_argument("--baseline-files", type=int, default=10_000,
                        help="the YAML baselines parse at most this many files (MB/s compares "
                        "them; yaml.safe_load needs ~30 min for 100k) (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.measure:
        kind, corpus, db = args.measure
        measure(kind, Path(corpus), Path(db), profile=args.profile_to,
                files=args.baseline_files)
        return
    results: dict[str, Any] = {"machine": machine(), "aims": AIMS, "sizes": []}
    for documents, corpus in corpora(args):
        results["sizes"].append(_size(documents, args.work, seed=args.seed, outlets=args.outlets,
                                      zipf=args.zipf, profile=args.profile,
                                      baseline_files=args.baseline_files, corpus=corpus))
        write_json(args.name, results)  # after each size, so a long run keeps what it has
    path = write_json(args.name, results)
    print(_table(results))
    print(f"results written to {path}", file=sys.stderr)


def _size(documents: int, work: Path, *, seed: int, outlets: int | None, zipf: float | None,
          profile: bool, baseline_files: int, corpus: Path | None) -> dict[str, Any]:
    if corpus is None:
        corpus = ensure_corpus(work, documents, seed=seed, outlets=outlets, zipf=zipf)
    run_dir = work / f"ingest-{documents}-{corpus.parent.name}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    db = run_dir / "graphnews.db"
    megabytes = folder_size(corpus) / 1024**2
    row: dict[str, Any] = {"documents": documents, "corpus": str(corpus),
                           "corpus_mb": round(megabytes, 1)}
    for kind in KINDS:
        print(f"{documents:,} documents: {kind}", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--measure", kind, str(corpus), str(db),
                   "--baseline-files", str(baseline_files)]
        if profile and kind == "cold":
            command += ["--profile-to", str(run_dir / "cold.prof")]
        result = run_process(command)
        step = result["steps"][0] if result["finished"] else {"seconds": None}
        done = next((line for line in result["lines"] if "bytes" in line), {"bytes": 0})
        row[kind] = {"seconds": step["seconds"], "process_seconds": result["seconds"],
                     "process_cpu_seconds": result["cpu_seconds"],
                     "peak_rss_mb": result["peak_rss_mb"],
                     "documents": done.get("documents"), "error": result["error"],
                     "mb_per_s": round(done["bytes"] / 1024**2 / step["seconds"], 1)
                     if step["seconds"] and done["bytes"] else None,
                     "mb_per_cpu_s": round(done["bytes"] / 1024**2 / step["cpu_seconds"], 1)
                     if step.get("cpu_seconds") and done["bytes"] else None}
    contents = database_contents(db)
    row["database_mb"] = round(sum(contents["bytes"].values()) / 1024**2, 1)
    row["database_bytes"] = contents["bytes"]
    row["outlets"] = contents["counts"]["outlets"]
    cold, again = row["cold"]["seconds"], row["unchanged"]["seconds"]
    if cold and again is not None:
        # What a user waits for: whole processes, interpreter start and imports included.
        share = row["unchanged"]["process_seconds"] / row["cold"]["process_seconds"]
        row["unchanged"]["share_of_cold"] = round(share, 4)
        ratio = (row["cold"]["mb_per_s"] or 0) / (row["yaml CSafeLoader"]["mb_per_s"] or 1)
        row["cold"]["csafeloader_ratio"] = round(ratio, 2)
        row["aims"] = {
            "cold_mb_per_s": {"value": row["cold"]["mb_per_s"],
                              "met": row["cold"]["mb_per_s"] >= AIMS["cold_mb_per_s"]},
            "csafeloader_ratio": {"value": round(ratio, 2),
                                  "met": ratio >= AIMS["csafeloader_ratio"]},
            "unchanged_share": {"value": round(share, 4),
                                "met": share <= AIMS["unchanged_share"]},
            "database_to_input": {"value": round(row["database_mb"] / megabytes, 2),
                                  "met": row["database_mb"] <= megabytes},
        }
    if profile:
        row["profile"] = _hotspots(run_dir / "cold.prof", cold or 0.0)
        print(_hotspot_table(documents, row["profile"]), file=sys.stderr)
    return row


def _hotspots(path: Path, total: float, limit: int = 15) -> list[dict[str, Any]]:
    """The functions with the most own time in a cProfile dump."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.items():
        where = f"{Path(filename).name}:{line}" if line else filename
        rows.append({"function": f"{name} ({where})", "calls": calls, "own_s": round(own, 3),
                     "cumulative_s": round(cumulative, 3)})
    rows.sort(key=lambda r: -r["own_s"])
    profiled = sum(r["own_s"] for r in rows) or 1.0
    for r in rows:
        r["share"] = round(r["own_s"] / profiled, 3)
    return rows[:limit]


def _hotspot_table(documents: int, rows: list[dict[str, Any]]) -> str:
    lines = [f"cold ingest hotspots at {documents:,} documents (cProfile, own time):", "",
             "| function | calls | own | cumulative | share |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['function']} | {r['calls']:,} | {r['own_s']:.2f} s | "
              f"{r['cumulative_s']:.2f} s | {100 * r['share']:.0f}% |" for r in rows]
    return "\n".join(lines) + "\n"


def _table(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores (load average "
             f"{m['load_average'][0]} at the start), graphnews {m['graphnews']['commit'][:7]}; "
             "`python benchmarks/bench_ingest.py`.", "",
             "| documents | outlets | corpus | database | cold ingest | x CSafeLoader "
             "| unchanged re-ingest (processes) | yaml.safe_load | yaml CSafeLoader |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["sizes"]:
        cells = [f"{r['documents']:,}", f"{r['outlets']:,}", f"{r['corpus_mb']:,.0f} MB",
                 f"{r['database_mb']:,.0f} MB"]
        for kind in KINDS:
            s = r[kind]
            if s["seconds"] is None:
                cells.append(f"failed: {s['error']}")
            elif kind == "unchanged":
                cells.append(f"{s['process_seconds']:.2f} s vs {r['cold']['process_seconds']:.1f}"
                             f" s ({100 * s.get('share_of_cold', 0):.1f}%)")
            elif s["documents"] != r["documents"]:
                cells.append(f"{s['mb_per_s']:.1f} MB/s (first {s['documents']:,} files)")
            else:
                cells.append(f"{s['seconds']:.1f} s, {s['mb_per_s']:.1f} MB/s, "
                             f"{s['peak_rss_mb']:,.0f} MB")
            if kind == "cold":
                cells.append(f"{s.get('csafeloader_ratio', 0):.1f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
