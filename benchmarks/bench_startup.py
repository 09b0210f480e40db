"""How long a user waits for a database command: whole processes, beside sqlite-utils.

A database command should feel like the SQLite tools people already use. Each command below runs
as a whole process (what a user waits for, interpreter start and imports included), ``--repeat``
times, on one database built from a generated corpus of ``--documents`` documents; the report is
the median wall time beside ``sqlite-utils query`` on the same file, in the same run:

- ``graphnews --help``
- ``graphnews stats``
- ``graphnews search WORDS``
- ``graphnews article URL``
- ``graphnews sql "select count(*) from articles"``
- peer: ``sqlite-utils query DB "select count(*) from articles"``

The aim (issue 12) is at most 1.5x sqlite-utils for each command. Nothing here is asserted;
``tests/test_cli_startup.py`` pins the cause instead (no heavy library imported by these commands).

Run: ``pip install -e '.[bench]' && python benchmarks/bench_startup.py [--documents 2000]``.
Results: ``benchmarks/results/startup.json``.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import ROOT, ensure_corpus, machine, write_results  # noqa: E402

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--repeat", type=int, default=9, help="runs of each command (default 9)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gn-bench",
                        help="where the corpus and database are kept (reused when present)")
    args = parser.parse_args(argv)
    sqlite_utils = shutil.which("sqlite-utils", path=Path(sys.executable).parent)
    if sqlite_utils is None:
        parser.error("sqlite-utils is not installed: pip install -e '.[bench]'")
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / f"startup-{args.documents}.db"
    if not db.exists():
        corpus = ensure_corpus(args.work, args.documents)
        subprocess.run(_graphnews("ingest", str(corpus), "--db", str(db), "--silent"), check=True)
    word, url = _sample(db)
    commands: dict[str, list[str]] = {
        "graphnews --help": _graphnews("--help"),
        "graphnews stats": _graphnews("stats", "--db", str(db)),
        "graphnews search": _graphnews("search", word, "--db", str(db)),
        "graphnews article": _graphnews("article", url, "--db", str(db)),
        "graphnews sql": _graphnews("sql", "select count(*) from articles", "--db", str(db)),
        "sqlite-utils query": [sqlite_utils, "query", str(db), "select count(*) from articles"],
    }
    rows = [{"command": name, **_time(command, repeat=args.repeat)}
            for name, command in commands.items()]
    peer = rows[-1]["median_s"]
    for row in rows:
        row["x_sqlite_utils"] = round(row["median_s"] / peer, 2)
    print(f"{args.documents} documents, median of {args.repeat} runs, machine load "
          f"{machine()['load_average']}\n")
    print("| command | median s | min s | x sqlite-utils |\n|---|---:|---:|---:|")
    for row in rows:
        print(f"| `{row['command']}` | {row['median_s']:.3f} | {row['min_s']:.3f} "
              f"| {row['x_sqlite_utils']:.2f} |")
    write_results("startup", {"machine": machine(), "documents": args.documents,
                              "repeat": args.repeat, "rows": rows})


def _graphnews(*args: str) -> list[str]:
    """The ``graphnews`` console script of this environment (how a user starts it)."""
    script = Path(sys.executable).with_name("graphnews")
    return [str(script), *args]


def _sample(db: Path) -> tuple[str, str]:
    """A word to search for and an article URL to look up, from the database itself."""
    with sqlite3.connect(db) as con:
        title, url = con.execute(
            "select title, canonical_url from articles where title is not null order by id limit 1"
        ).fetchone()
    return title.split()[0], url


def _time(command: list[str], *, repeat: int) -> dict[str, Any]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 4), "min_s": round(min(seconds), 4)}


if __name__ == "__main__":
    main()
