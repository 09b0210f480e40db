"""`graphnews copy` round trip: an SQLite database -> PostgreSQL -> a new SQLite file.

Times each copy, then checks what must hold: equal `stats` on all three, and byte-equal
``graphnews outlets --all --format json`` output (run through the CLI in a child process).
Between the copies, the latency of search, article and neighbours on the source and on its
PostgreSQL copy (`bench_postgres.latencies`: the same sampled inputs on both).
PostgreSQL is a throwaway cluster of this run (tests/postgres_server.py, fsync off).

Run: ``python benchmarks/bench_copy.py --db /tmp/graphnews-bench/pg-bench-10000-1.db``
(a database bench_postgres.py left behind, or any graphnews SQLite file).
Results: ``benchmarks/results/copy-<articles>.json``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness
from bench_postgres import latencies

from tests.postgres_server import PostgresServer, binaries


def outlets_json(target: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "graphnews", "outlets", "--all", "--format", "json", "--db", target],
        capture_output=True,
        text=True,
        check=True,
        cwd=harness.ROOT,
    )
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the SQLite database to copy")
    args = parser.parse_args()
    import graphnews
    from graphnews.copy import copy_database

    folder = binaries()
    if folder is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer.start(folder)
    back = args.db.with_name(args.db.stem + "-back.db")
    for leftover in back.parent.glob(back.name + "*"):
        leftover.unlink()
    try:
        url = server.new_database()
        steps: dict[str, Any] = {}
        for name, src, dst in (
            ("sqlite_to_postgresql", str(args.db), url),
            ("postgresql_to_sqlite", url, str(back)),
        ):
            started = time.perf_counter()
            report = copy_database(src, dst)
            steps[name] = {
                "seconds": round(time.perf_counter() - started, 2),
                "rows": sum(report.rows.values()),
            }
            harness.emit({"step": name, **steps[name]})
        # query latency on the source and on its PostgreSQL copy (the same content)
        latency = {"sqlite": latencies(str(args.db), 0), "postgresql": latencies(url, 0)}
        harness.emit({"latency": latency})
        stats = [graphnews.open(t, readonly=True).stats() for t in (str(args.db), url, str(back))]
        outlets = [outlets_json(t) for t in (str(args.db), url, str(back))]
        body = {
            "machine": harness.machine(),
            "source": str(args.db),
            "stats": stats[0],
            "steps": steps,
            "latency": latency,
            "equal_stats": stats[0] == stats[1] == stats[2],
            "equal_outlets_json": outlets[0] == outlets[1] == outlets[2],
            "outlets_json_bytes": len(outlets[0]),
        }
    finally:
        server.stop()
    harness.emit({k: body[k] for k in ("equal_stats", "equal_outlets_json", "outlets_json_bytes")})
    print("wrote", harness.write_results(f"copy-{stats[0]['articles']}", body))


if __name__ == "__main__":
    main()
