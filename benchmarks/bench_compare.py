"""How long `graphnews attention` and `graphnews compare` take, from 1k to 100k documents.

For each corpus size: a database of a generated corpus with its stories detected (made once and
reused), outlet metadata (a ``lean`` of five values and a ``country`` for every outlet, assigned
by a hash of the domain, so the same on every run), then the wall time and the CPU time of this
process (median of ``--repeat`` runs after one warm-up) of:

- ``attention --every day`` beside its peer in the same run: the same per-day counts as one plain
  ``sqlite3`` ``GROUP BY`` query (no graphnews);
- ``attention --every week --by topic`` and ``--every month --by collection`` (three collections);
- ``compare --by lean`` (every part: per story, most/least, blindspots, mixing, follows, words)
  beside its peer: the per-story coverage alone (articles, outlets, first report per story and
  lean) as one plain ``sqlite3`` ``GROUP BY`` query, the floor any implementation pays.

The corpora are read from ``--corpora`` (the shared ``/work/bench-data/gen-1k``, ``gen-10k``,
``gen-100k`` folders) when there, else generated into ``--work``. Run::

    python benchmarks/bench_compare.py --sizes 1000,10000,100000 --work /tmp/NAME-tmp/bench

The machine's load average is recorded before and after each size. Results:
``benchmarks/results/compare.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import corpus_arguments, ensure_corpus, machine, write_results  # noqa: E402

import graphnews  # noqa: E402
from graphnews.attention import attention  # noqa: E402
from graphnews.collections import attribute_collections, import_outlets, parse_rule  # noqa: E402
from graphnews.compare import compare  # noqa: E402
from graphnews.generator import DOCUMENTS_DIR  # noqa: E402
from graphnews.stories import detect_stories  # noqa: E402

LEANS = ("left", "left-center", "center", "right-center", "right")
COUNTRIES = ("us", "uk", "in", "au")
#: The shared corpora's folder names by size (/work/bench-data/README.md).
SHARED = {1000: "gen-1k", 10_000: "gen-10k", 100_000: "gen-100k"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser, sizes="1000,10000")
    parser.add_argument("--corpora", type=Path, default=Path("/work/bench-data"),
                        help="folder of ready corpora gen-1k, gen-10k, gen-100k (default: "
                        "%(default)s; a size without one is generated into --work)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    runs = [measure(args.work, n, corpora=args.corpora, seed=args.seed, repeat=args.repeat)
            for n in args.sizes]
    path = write_results("compare", {"machine": machine(), "runs": runs})
    print(f"wrote {path}")


def measure(work: Path, documents: int, *, corpora: Path, seed: int, repeat: int
            ) -> dict[str, Any]:
    db_path = work / f"compare-{documents}-seed{seed}.db"
    setup: dict[str, float] = {}
    if not db_path.exists():
        corpus = corpus_folder(work, corpora, documents, seed=seed)
        with graphnews.open(db_path) as db:
            setup["ingest_s"] = _once(lambda: db.ingest([corpus]))[0]
            setup["stories_s"] = _once(lambda: detect_stories(db))[0]
    db = graphnews.open(db_path)
    meta = work / f"outlets-{documents}.csv"
    meta.write_text(metadata_csv(d for (d,) in db.conn.execute("SELECT domain FROM outlets")))
    setup["outlets_import_s"] = _once(lambda: import_outlets(db, meta))[0]
    stats = db.stats()
    groups = [parse_rule("lean=left,left-center"), parse_rule("lean=center"),
              parse_rule("lean=right-center,right")]
    plain = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    load_before = os.getloadavg()[0]
    timings = {
        "attention --every day": _median(lambda: attention(db, every="day"), repeat),
        "peer: per-day counts, one sqlite3 GROUP BY": _median(
            lambda: plain.execute(
                "SELECT substr(published, 1, 10), count(*) FROM articles "
                "WHERE published IS NOT NULL GROUP BY 1").fetchall(), repeat),
        "attention --every week --by topic": _median(
            lambda: attention(db, every="week", by="topic"), repeat),
        "attention --every month --by collection (3)": _median(
            lambda: attention(db, every="month", by="collection", collections=groups), repeat),
        "compare --by lean (all parts)": _median(
            lambda: compare(db, attribute_collections(db, "lean")), repeat),
        "peer: per-story coverage by lean, one sqlite3 GROUP BY": _median(
            lambda: plain.execute(_STORY_COVERAGE).fetchall(), repeat),
    }
    plain.close()
    run = {"documents": stats["documents"], "articles": stats["articles"],
           "outlets": stats["outlets"], "stories": stats["stories"],
           "related_links": stats["related_links"],
           "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
           "setup_seconds": setup, "seconds": timings}
    print(run, flush=True)
    return run


#: The peer of compare: each story's articles, outlets and first report per lean, in SQL alone.
_STORY_COVERAGE = """
SELECT s.story_id, m.value, count(*), count(DISTINCT a.outlet_id), min(a.published_ts)
FROM articles a JOIN outlets o ON o.id = a.outlet_id
JOIN outlet_metadata m ON m.domain = o.domain AND m.key = 'lean'
JOIN story_articles s ON s.article_id = a.id
GROUP BY s.story_id, m.value
"""


def corpus_folder(work: Path, corpora: Path, documents: int, *, seed: int) -> Path:
    """The documents of the shared corpus of this size (seed 0), else a generated one."""
    shared = corpora / SHARED.get(documents, "-") / DOCUMENTS_DIR
    if seed == 0 and shared.is_dir():
        return shared
    return ensure_corpus(work, documents, seed=seed)


def metadata_csv(domains: Any) -> str:
    """A ``domain,lean,country`` CSV with values picked by a hash of each domain."""
    return "domain,lean,country\n" + "".join(
        f"{d},{_pick(d, LEANS)},{_pick(d, COUNTRIES, salt='c')}\n" for d in domains)


def _pick(domain: str, values: tuple[str, ...], *, salt: str = "") -> str:
    digest = hashlib.sha256((salt + domain).encode()).digest()
    return values[digest[0] % len(values)]


def _once(call: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds (this process: SQLite runs inside it) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3)


def _median(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    call()  # warm-up: page cache and statement cache
    runs = [_once(call) for _ in range(repeat)]
    return {"wall": round(statistics.median(w for w, _ in runs), 3),
            "cpu": round(statistics.median(c for _, c in runs), 3)}


if __name__ == "__main__":
    main()
