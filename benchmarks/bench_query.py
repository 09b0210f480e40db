"""Query latency on a large database: search, article lookup, neighbours, paths.

Builds (or reuses) a database of a generated corpus, then times each `graphnews.query` function
on many sampled inputs and reports the median and 95th percentile in milliseconds, beside the
naive way of answering the same question in the same run:

- search: graphnews uses the FTS5 index with bm25 ranking; naive is ``LIKE '%words%'`` over
  titles and excerpts (a full scan, no ranking);
- article lookup: graphnews resolves a Google AMP cache URL through the canonical form and the
  aliases table; naive greps the stored documents' raw text for the URL (``LIKE``);
- neighbours: graphnews follows the related links in SQL and lists the neighbours from SQL
  (the networkx graph of the neighbourhood, for ``--to``, is timed on its own row); naive loads
  the whole coverage graph into networkx once (its build time and memory are reported) and
  takes the same neighbourhood from it;
- path: `graphnews.query.path` (no naive counterpart): between outlets it aggregates every
  linked pair in SQL each call; between articles it is a breadth-first search from both ends.

Outlets and topics are hubs: the neighbourhood of a big outlet or of a topic holds a large
share of the database, so those are reported on their own rows and not as "typical" latency.

Run: ``python benchmarks/bench_query.py --documents 1000 10000 100000`` (or ``--corpus DIR``
for a folder of documents). Results: ``benchmarks/results/query.json``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import MB, current_rss, ensure_corpus, machine, write_results  # noqa: E402

import graphnews  # noqa: E402
from graphnews import query  # noqa: E402
from graphnews.graph import coverage_graph  # noqa: E402
from graphnews.store import Database  # noqa: E402

__all__ = ["main", "measure"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[100_000],
                        help="corpus sizes to generate and measure")
    parser.add_argument("--corpus", type=Path, help="measure this folder of documents instead")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gn-bench",
                        help="where corpora and databases are kept (reused when present)")
    parser.add_argument("--samples", type=int, default=200, help="inputs per typical query")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    corpora = ([args.corpus] if args.corpus else
               [ensure_corpus(args.work, n, seed=args.seed) for n in args.documents])
    runs = []
    for corpus in corpora:
        db_path = args.work / f"query-{corpus.parent.name}-{corpus.name}.db"
        run = measure(corpus, db_path, samples=args.samples, seed=args.seed)
        _print(run)
        runs.append(run)
    path = write_results("query", {"machine": machine(), "runs": runs})
    print(f"\nwrote {path}")


def measure(corpus: Path, db_path: Path, *, samples: int, seed: int) -> dict[str, Any]:
    """Build (or reuse) the database of ``corpus`` and time every query on it."""
    built = None
    if not db_path.exists():
        started = time.perf_counter()
        with graphnews.open(db_path) as db:
            report = db.ingest([corpus])
        built = round(time.perf_counter() - started, 1)
        assert not report.rejected, report.rejected[:3]
    db = Database(db_path, readonly=True)
    stats = db.stats()
    rng = random.Random(seed)
    rows = []

    words = _title_words(db, rng, samples)
    rows.append(_row("search (2 title words)", words,
                     lambda w: query.search(db, w),
                     lambda w: _naive_search(db, w)))
    cdn_urls = [_cdn_amp(u) for u in _sample(db, "SELECT url FROM aliases", rng, samples)]
    rows.append(_row("article (by Google AMP cache URL)", cdn_urls,
                     lambda u: query.article(db, u),
                     lambda u: _naive_article(db, u), naive_samples=20))

    articles = [f"article:{i}" for i in _sample(db, "SELECT id FROM articles", rng, samples)]
    outlets = [f"outlet:{d}" for d in _sample(db, "SELECT domain FROM outlets", rng, samples)]
    biggest = [f"outlet:{d}" for d in _sample(
        db, "SELECT o.domain FROM outlets o JOIN articles a ON a.outlet_id = o.id "
        "GROUP BY o.id ORDER BY count(*) DESC LIMIT 3", rng, 3)]
    topics = [f"topic:{t}" for t in _sample(db, "SELECT name FROM topics", rng, 3)]

    rss_before = current_rss()
    started = time.perf_counter()
    G = coverage_graph(db)
    naive_build = {"seconds": round(time.perf_counter() - started, 2),
                   "rss_mb": round((current_rss() - rss_before) / MB), "nodes": len(G),
                   "edges": G.number_of_edges()}
    for label, nodes, repeat in (("neighbors article:ID (depth 1)", articles, None),
                                 ("neighbors outlet:DOMAIN (depth 1)", outlets, None),
                                 ("neighbors of the 3 biggest outlets (hubs)", biggest, 1),
                                 ("neighbors topic:NAME (hubs)", topics, 1)):
        rows.append(_row(label, nodes * (repeat or 1),
                         lambda n: query.neighbors(db, n),
                         lambda n, G=G: _naive_neighbors(G, n, depth=1)))
    rows.append(_row("neighbors outlet:DOMAIN as a graph (--to)", outlets,
                     lambda n: query.neighbors(db, n).graph, None))
    del G
    for label, ends in (("path outlet outlet", outlets[:11]), ("path article article", articles)):
        pairs = list(itertools.pairwise(ends))
        rows.append(_row(label, pairs, lambda p: _path(db, *p), None))
    db.close()
    return {"corpus": str(corpus), "database": str(db_path),
            "database_mb": round(db_path.stat().st_size / MB), "ingest_seconds": built,
            "documents": stats["documents"], "articles": stats["articles"],
            "outlets": stats["outlets"], "topics": stats["topics"],
            "related_links": stats["related_links"], "naive_graph_build": naive_build,
            "queries": rows}


# -- timing ---------------------------------------------------------------------------------------
def _row(label: str, inputs: Sequence[Any], ours: Callable[[Any], Any],
         naive: Callable[[Any], Any] | None, *, naive_samples: int | None = None
         ) -> dict[str, Any]:
    row: dict[str, Any] = {"query": label, "samples": len(inputs), **_times(ours, inputs)}
    if naive is not None:
        few = inputs[:naive_samples] if naive_samples else inputs
        row |= {f"naive_{k}": v for k, v in _times(naive, few).items()}
        row["naive_samples"] = len(few)
    return row


def _times(call: Callable[[Any], Any], inputs: Sequence[Any]) -> dict[str, float]:
    for value in inputs[:2]:  # warm the statement cache and the page cache
        call(value)
    ms = []
    for value in inputs:
        started = time.perf_counter()
        call(value)
        ms.append((time.perf_counter() - started) * 1000)
    ms.sort()
    return {"median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 2),
            "max_ms": round(ms[-1], 2)}


def _print(run: dict[str, Any]) -> None:
    print(f"\n{run['documents']:,} documents, {run['articles']:,} articles, "
          f"{run['outlets']:,} outlets, {run['related_links']:,} related links; "
          f"database {run['database_mb']} MB"
          + (f", ingested in {run['ingest_seconds']} s" if run["ingest_seconds"] else ""))
    build = run["naive_graph_build"]
    print(f"naive: whole coverage graph in networkx ({build['nodes']:,} nodes, "
          f"{build['edges']:,} edges) built in {build['seconds']} s, +{build['rss_mb']} MB")
    header = f"{'query':44} {'n':>5} {'median ms':>10} {'p95 ms':>9}   {'naive median':>12} " \
             f"{'naive p95':>10}"
    print(header + "\n" + "-" * len(header))
    for r in run["queries"]:
        naive = (f"{r['naive_median_ms']:>12} {r['naive_p95_ms']:>10}" if "naive_median_ms" in r
                 else f"{'-':>12} {'-':>10}")
        print(f"{r['query']:44} {r['samples']:>5} {r['median_ms']:>10} {r['p95_ms']:>9}   {naive}")


# -- inputs ---------------------------------------------------------------------------------------
def _sample(db: Database, sql: str, rng: random.Random, k: int) -> list[Any]:
    values = [r[0] for r in db.conn.execute(sql)]
    return rng.sample(values, min(k, len(values)))


def _title_words(db: Database, rng: random.Random, k: int) -> list[str]:
    titles = _sample(db, "SELECT title FROM articles WHERE title IS NOT NULL", rng, k)
    out = []
    for title in titles:
        words = [w for w in title.split() if w.isalpha()]
        start = rng.randrange(max(1, len(words) - 1))
        out.append(" ".join(words[start:start + 2]))
    return out


def _cdn_amp(url: str) -> str:
    """The Google AMP cache form of a URL (what a reader copies from a search result)."""
    parts = urlsplit(url)
    host = "www." + parts.netloc
    return (f"https://{host.replace('-', '--').replace('.', '-')}.cdn.ampproject.org/c/s/"
            f"{host}{parts.path}/amp" + (f"?{parts.query}" if parts.query else ""))


# -- the naive ways -------------------------------------------------------------------------------
def _naive_search(db: Database, words: str) -> list[Any]:
    like = f"%{words}%"
    return db.conn.execute("SELECT id, title FROM articles WHERE title LIKE ? OR excerpt LIKE ? "
                           "LIMIT 20", (like, like)).fetchall()


def _naive_article(db: Database, url: str) -> list[Any]:
    return db.conn.execute("SELECT article_id FROM documents WHERE raw LIKE ?",
                           (f"%{url}%",)).fetchall()


def _naive_neighbors(G: nx.MultiDiGraph, node: str, *, depth: int) -> nx.MultiDiGraph:
    """The same neighbourhood as `graphnews.query.neighbors`, from the whole graph in memory."""
    start = {node} if node.startswith("article:") else {u for u, _ in G.in_edges(node)}
    seen, frontier = set(start), start
    for _ in range(depth):
        linked = {b for a in frontier for b in itertools.chain(G.successors(a), G.predecessors(a))
                  if G.nodes[b]["kind"] == "article"}
        frontier = linked - seen
        seen |= frontier
    nodes = seen | {v for a in seen for v in G.successors(a)}
    return G.subgraph(nodes).copy()


def _path(db: Database, a: str, b: str) -> dict[str, Any] | None:
    try:
        return query.path(db, a, b)
    except graphnews.NotFoundError:  # not connected: still a timed answer
        return None


if __name__ == "__main__":
    main()
