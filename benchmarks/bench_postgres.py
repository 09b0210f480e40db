"""PostgreSQL beside SQLite on the same machine and corpus: cold ingest and query latency.

For each corpus size, each engine and 1 or 4 writer processes: a cold ingest (new database) of
the generated corpus, timed from the start of the first process to the end of the last; with 4
writers the corpus is split into 4 disjoint quarters of its files, one per process, all writing
into the one database at once (the several-crawlers case). MB/s = corpus bytes / wall seconds.
After the 1-writer ingest, the latency of `graphnews.query.search`, `article` and `neighbors`
(depth 1, articles) on the same sampled inputs on both engines: median and 95th percentile.

PostgreSQL is a throwaway cluster of this run (tests/postgres_server.py: Debian's initdb/pg_ctl,
unix socket, fsync off); SQLite is a file in the work folder (WAL, synchronous as graphnews sets
it). fsync off favours PostgreSQL's write path: say so beside the numbers.

Run: ``python benchmarks/bench_postgres.py --sizes 10000`` (or ``--corpus FOLDER``: a documents
folder made beforehand, such as /work/bench-data/gen-100k/documents).
Results: ``benchmarks/results/postgres-<sizes>-w<writers>.json``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness

from tests.postgres_server import PostgresServer, binaries

_WRITER = """
import sys
import harness
import graphnews
paths = open(sys.argv[2]).read().split("\\n")
report = graphnews.open(sys.argv[1]).ingest(paths)
assert not report.rejected, report.rejected[:3]
"""


def ingest(target: str, files: list[Path], writers: int, work: Path) -> dict[str, Any]:
    """Cold ingest of ``files`` into ``target`` by ``writers`` processes at once."""
    lists = []
    for i in range(writers):
        listing = work / f"writer-{i}.txt"
        listing.write_text("\n".join(str(p) for p in files[i::writers]))
        lists.append(listing)
    started = time.perf_counter()
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, target, str(listing)],
            cwd=Path(__file__).parent,
            stderr=subprocess.PIPE,
            text=True,
        )
        for listing in lists
    ]
    errors = [run.communicate()[1] for run in runs]
    seconds = time.perf_counter() - started
    failed = [e for run, e in zip(runs, errors, strict=True) if run.returncode]
    if failed:
        raise SystemExit(f"an ingest failed:\n{failed[0][-2000:]}")
    return {"seconds": round(seconds, 2)}


def latencies(target: str, seed: int) -> dict[str, dict[str, float]]:
    """Median and p95 milliseconds of search, article and neighbours on sampled inputs."""
    import graphnews
    from graphnews import query

    db = graphnews.open(target, readonly=True)
    rng = random.Random(seed)
    ids = [
        r[0] for r in db.conn.execute("SELECT id FROM articles WHERE has_document = 1 ORDER BY id")
    ]
    sample = rng.sample(ids, min(30, len(ids)))
    urls = [
        db.conn.execute("SELECT canonical_url FROM articles WHERE id = ?", (i,)).fetchone()[0]
        for i in sample
    ]
    titles = [
        db.conn.execute("SELECT title FROM articles WHERE id = ?", (i,)).fetchone()[0]
        for i in sample
    ]
    words = [
        next((w for w in (t or "").split() if len(w) > 5 and w.isalpha()), "news") for t in titles
    ]
    asks = {
        "search": [lambda w=w: query.search(db, w) for w in words],
        "article": [lambda u=u: query.article(db, u) for u in urls],
        "neighbors": [
            lambda i=i: query.neighbors(db, f"article:{i}", kind="article").rows for i in sample
        ],
    }
    out = {}
    for name, calls in asks.items():
        calls[0]()  # warm
        times = []
        for call in calls:
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out[name] = {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        }
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.corpus_arguments(parser, sizes="1000,10000")
    parser.add_argument("--writers", default="1,4", type=harness.parse_sizes)
    parser.add_argument(
        "--corpus",
        type=Path,
        help="a documents folder to ingest instead of generating one (e.g. "
        "/work/bench-data/gen-100k/documents); --sizes is then its number of files",
    )
    args = parser.parse_args()
    if args.corpus:
        args.sizes = [sum(1 for p in args.corpus.rglob("*") if p.is_file())]
    folder = binaries()
    if folder is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer.start(folder)
    rows: list[dict[str, Any]] = []
    try:
        for size in args.sizes:
            corpus = args.corpus or harness.ensure_corpus(args.work, size, seed=args.seed)
            files = sorted(p for p in corpus.rglob("*") if p.is_file())
            megabytes = harness.folder_size(corpus) / harness.MB
            for writers in args.writers:
                for engine in ("sqlite", "postgresql"):
                    if engine == "sqlite":
                        path = args.work / f"pg-bench-{size}-{writers}.db"
                        for leftover in args.work.glob(path.name + "*"):
                            leftover.unlink()
                        target = str(path)
                    else:
                        target = server.new_database()
                    row = {
                        "documents": size,
                        "engine": engine,
                        "writers": writers,
                        "corpus_mb": round(megabytes, 1),
                        **ingest(target, files, writers, args.work),
                    }
                    row["mb_per_s"] = round(megabytes / row["seconds"], 2)
                    if writers == 1:
                        row["latency"] = latencies(target, args.seed)
                    rows.append(row)
                    harness.emit(row)
    finally:
        server.stop()
    print(
        "wrote",
        harness.write_results(
            f"postgres-{'_'.join(map(str, args.sizes))}-w{'_'.join(map(str, args.writers))}",
            {
                "machine": harness.machine(),
                "fsync": "PostgreSQL fsync off; SQLite WAL as graphnews opens it",
                "rows": rows,
            },
        ),
    )


if __name__ == "__main__":
    main()
