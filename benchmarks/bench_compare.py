"""How long `graphnews attention` and `graphnews compare` take on a large database.

For each corpus size: ingest a generated corpus, detect stories, import outlet metadata (a
`lean` and a `country` for every outlet, assigned by a hash of the domain), detect languages,
then time (median of ``--repeat`` runs, after one warm-up):

- attention: all coverage per day, per week by topic, per month by collection with shares —
  beside the peer: the same per-day counts read into Python and counted with a Counter (what
  a user writes over the database without graphnews), in the same run;
- compare --by lean (every part, distinctive words included) — beside the peer: building the
  outlet co-coverage graph with `graphnews.graph.outlet_graph` and networkx's
  ``attribute_assortativity_coefficient`` on it (the network view alone, done by hand).

Run: ``python benchmarks/bench_compare.py --sizes 1000,10000`` (the machine's load average is
recorded). Results: ``benchmarks/results/compare.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import corpus_arguments, ensure_corpus, machine, write_results  # noqa: E402

import graphnews  # noqa: E402
from graphnews.attention import attention  # noqa: E402
from graphnews.collections import import_outlets, parse_rule  # noqa: E402
from graphnews.compare import compare  # noqa: E402
from graphnews.filters import Filters  # noqa: E402
from graphnews.language import detect_languages  # noqa: E402
from graphnews.stories import detect_stories  # noqa: E402

LEANS = ("left", "left-center", "center", "right-center", "right")
COUNTRIES = ("us", "uk", "in", "au")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser, sizes="1000,10000")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    runs = [measure(args.work, n, seed=args.seed, repeat=args.repeat) for n in args.sizes]
    path = write_results("compare", {"machine": machine(), "runs": runs})
    print(f"wrote {path}")


def measure(work: Path, documents: int, *, seed: int, repeat: int) -> dict[str, Any]:
    corpus = ensure_corpus(work, documents, seed=seed)
    db_path = work / f"compare-{documents}-seed{seed}.db"
    setup: dict[str, float] = {}
    fresh = not db_path.exists()
    db = graphnews.open(db_path)
    if fresh:
        setup["ingest_s"] = _once(lambda: db.ingest([corpus]))
        setup["stories_s"] = _once(lambda: detect_stories(db))
    meta = work / f"outlets-{documents}.csv"
    meta.write_text("domain,lean,country\n" + "".join(
        f"{d},{_pick(d, LEANS)},{_pick(d, COUNTRIES, salt='c')}\n"
        for (d,) in db.conn.execute("SELECT domain FROM outlets")))
    setup["outlets_import_s"] = _once(lambda: import_outlets(db, meta))
    with db.transaction() as conn:  # languages from scratch, even on a reused database
        conn.execute("DELETE FROM article_languages")
    setup["languages_s"] = _once(lambda: detect_languages(db))
    stats = db.stats()
    groups = [parse_rule("lean=left,left-center"), parse_rule("lean=center"),
              parse_rule("lean=right-center,right")]
    timings = {
        "attention --every day": _median(lambda: attention(db, every="day"), repeat),
        "naive per-day count (peer)": _median(lambda: _naive_per_day(db), repeat),
        "attention --every week --by topic": _median(
            lambda: attention(db, every="week", by="topic"), repeat),
        "attention --every month --by collection (3)": _median(
            lambda: attention(db, every="month", by="collection", collections=groups), repeat),
        "compare --by lean (all parts)": _median(
            lambda: compare(db, _lean_groups(), filters=Filters()), repeat),
        "compare, network view only by hand (peer)": _median(
            lambda: _naive_network(db), repeat),
    }
    run = {"documents": stats["documents"], "articles": stats["articles"],
           "outlets": stats["outlets"], "stories": stats["stories"],
           "load_average": os.getloadavg()[0], "setup_seconds": setup, "seconds": timings}
    print(run, flush=True)
    return run


def _lean_groups() -> list[Any]:
    return [parse_rule(f"lean={v}") for v in LEANS]


def _naive_per_day(db: Any) -> Counter[str]:
    return Counter(p[:10] for (p,) in db.conn.execute(
        "SELECT published FROM articles WHERE published IS NOT NULL"))


def _naive_network(db: Any) -> float:
    import networkx as nx

    from graphnews.graph import outlet_graph

    G = outlet_graph(db)
    return float(nx.attribute_assortativity_coefficient(G, "lean"))


def _pick(domain: str, values: tuple[str, ...], *, salt: str = "") -> str:
    digest = hashlib.sha256((salt + domain).encode()).digest()
    return values[digest[0] % len(values)]


def _once(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return round(time.perf_counter() - started, 3)


def _median(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm-up: page cache and statement cache
    return round(statistics.median(_once(call) for _ in range(repeat)), 3)


if __name__ == "__main__":
    main()
