"""What ``--ranges`` costs (``spread``, ``compare``), from 1k to 100k documents, beside peers.

For each corpus size: a database of a generated corpus with its stories detected and each
outlet given a ``lean`` of three by a hash of its domain (made once and reused), then the wall
and CPU time and peak RSS of whole processes (the median of ``--repeat`` runs after one
warm-up), each with ``--format json``:

- ``graphnews spread --all``: the table the ranges are added to (the peer a user compares with);
- ``graphnews stories --resolution 0.45 --all`` on a fresh copy of the database: one full
  recomputation of the stories (the evidence and one clustering, then storing them), what
  looking at one other clustering by hand costs;
- ``graphnews spread --all --ranges``: the evidence once and nine clusterings, none stored;
- ``graphnews compare --by lean --words 0`` and the same ``--ranges``;
- ``graphnews run DOCUMENTS --force`` (every step after ingest recomputed but the stories,
  which are current) and the same ``--ranges``: what the main job waits for the ranges;
- the same two, as ``run_new`` and ``run_new_ranges``, on a fresh copy of the database whose
  stories were never computed (the first run on new data: the stories computed in full, and
  with ``--ranges`` clustered again from the same evidence).

Each ``--ranges`` command is timed twice: as the first one on the data (the clusterings made:
the database's kept clusterings removed before each run) and, as ``<name>_kept``, as a later
one (the clusterings the database keeps read back: `alternative_stories`).

    python benchmarks/bench_spread_ranges.py --sizes 1000,10000,100000 --work /tmp/NAME-tmp/bench
    python benchmarks/bench_spread_ranges.py --commands run,run_ranges   # some of them

Results: ``benchmarks/results/spread_ranges_time.json`` (with ``--commands``:
``spread_ranges_time_<commands>.json``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import corpus_arguments, ensure_corpus, machine, run_process, write_results  # noqa: E402

import graphnews  # noqa: E402
from graphnews.collections import import_outlets  # noqa: E402
from graphnews.stories import detect_stories  # noqa: E402
from graphnews.stories.alternatives import CACHE_META_KEY, alternative_stories  # noqa: E402

LEANS = ("left", "center", "right")
#: Ratios of the times measured: name -> (numerator, denominator, digits).
RATIOS = {
    "ranges_over_spread": ("spread_ranges", "spread", 1),
    "ranges_over_stories_full": ("spread_ranges", "stories_full", 2),
    "compare_ranges_over_compare": ("compare_ranges", "compare", 1),
    "run_ranges_over_run": ("run_ranges", "run", 2),
    "kept_ranges_over_spread": ("spread_ranges_kept", "spread", 1),
    "kept_compare_ranges_over_compare": ("compare_ranges_kept", "compare", 1),
    "kept_run_ranges_over_run": ("run_ranges_kept", "run", 2),
    "new_run_ranges_over_run": ("run_new_ranges", "run_new", 2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser, sizes="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commands", default="",
                        help="comma-separated names of the commands to time (default: all)")
    args = parser.parse_args()
    chosen = [name for name in args.commands.split(",") if name]
    rows = []
    for documents in args.sizes:
        folder = ensure_corpus(args.work, documents, seed=args.seed)
        db = _database(folder.parent / "spread-ranges.db", folder)
        row: dict[str, Any] = {"documents": documents, "load_before": os.getloadavg()[0]}
        copy = db.with_name("copy.db")
        compared = ["compare", "--by", "lean", "--words", "0"]
        ran = ["run", str(folder), "--out", str(folder.parent / "run-out"), "--force",
               "--silent"]
        commands = {  # name: (words, database, copied fresh, clusterings kept, stories)
            "spread": (["spread", "--all", "--silent"], db, False, False, True),
            "stories_full": (["stories", "--resolution", "0.45", "--all", "--silent"], copy,
                             True, False, True),
            "spread_ranges": (["spread", "--all", "--silent", "--ranges"], db, False, False,
                              True),
            "spread_ranges_kept": (["spread", "--all", "--silent", "--ranges"], db, False, True,
                                   True),
            "compare": (compared, db, False, False, True),
            "compare_ranges": ([*compared, "--ranges"], db, False, False, True),
            "compare_ranges_kept": ([*compared, "--ranges"], db, False, True, True),
            "run": (ran, db, False, False, True),
            "run_ranges": ([*ran, "--ranges"], db, False, False, True),
            "run_ranges_kept": ([*ran, "--ranges"], db, False, True, True),
            "run_new": (ran, copy, True, False, False),
            "run_new_ranges": ([*ran, "--ranges"], copy, True, False, False),
        }
        for name, (words, target, fresh, kept, stories) in commands.items():
            if chosen and name not in chosen:
                continue
            row[name] = _timed(words, db, target, fresh=fresh, kept=kept, stories=stories,
                               repeat=args.repeat)
            print(f"{documents:,} {name}: {row[name]}", file=sys.stderr, flush=True)
        for ratio, (over, under, digits) in RATIOS.items():
            if over in row and under in row:
                row[ratio] = round(row[over]["seconds"] / row[under]["seconds"], digits)
        row["load_after"] = os.getloadavg()[0]
        rows.append(row)
    name = "spread_ranges_time" + "".join(f"_{c}" for c in chosen)
    write_results(name, {"machine": machine(), "rows": rows})
    for r in rows:
        print(f"{r['documents']:>7,} docs: " + ", ".join(
            f"{k} {v['seconds']} s" for k, v in r.items() if isinstance(v, dict))
            + "; " + ", ".join(f"{k} {r[k]}" for k in RATIOS if k in r))


def _database(path: Path, documents: Path) -> Path:
    """The corpus ingested and its stories detected (made once), a lean for every outlet."""
    if not path.exists():
        db = graphnews.open(str(path))
        db.ingest([documents])
        detect_stories(db)
        db.close()
    db = graphnews.open(str(path))
    domains = [d for (d,) in db.conn.execute("SELECT domain FROM outlets")]
    sheet = path.with_name("lean.csv")
    sheet.write_text("domain,lean\n" + "".join(
        f"{d},{LEANS[hashlib.sha1(d.encode()).digest()[0] % 3]}\n" for d in domains))
    import_outlets(db, sheet)
    db.close()
    return path


def _timed(words: list[str], db: Path, target: Path, *, fresh: bool, kept: bool,
           stories: bool, repeat: int) -> dict[str, float]:
    """Median wall and CPU seconds and peak RSS (MiB, its largest process: `run_process`) of
    ``graphnews WORDS --format json --db TARGET``
    (``fresh``: ``target`` copied from ``db`` before each run), after one warm-up; ``kept``:
    with the database's alternative clusterings made before, else removed before each run;
    ``stories`` False: the stories' state removed too, as if never computed."""
    runs = []
    for _ in range(repeat + 1):
        if fresh:
            shutil.copy(db, target)
        _clusterings(target, kept=kept)
        if not stories:
            with graphnews.open(str(target)) as made, made.transaction():
                made.conn.execute("DELETE FROM meta WHERE key = 'stories'")
        result = run_process([sys.executable, "-m", "graphnews", *words, "--format", "json",
                              "--db", str(target)])
        if not result["finished"]:
            raise SystemExit(f"graphnews {' '.join(words)} failed: {result['error']}")
        runs.append(result)
    return {key: round(statistics.median(r[key] for r in runs[1:]), 3)
            for key in ("seconds", "cpu_seconds", "peak_rss_mb")}


def _clusterings(path: Path, *, kept: bool) -> None:
    """Make the database keep its alternative clusterings (``kept``), or keep none."""
    db = graphnews.open(str(path))
    if kept:
        alternative_stories(db)
    else:
        with db.transaction():
            db.conn.execute("DELETE FROM meta WHERE key = ?", (CACHE_META_KEY,))
    db.close()


if __name__ == "__main__":
    main()
