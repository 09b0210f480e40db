"""Pages at scale: the outlet page of a large corpus, its size, and its time to `stabilized`.

One command::

    python benchmarks/bench_render.py                       # 10,000 and 100,000 documents
    python benchmarks/bench_render.py --sizes 100000

For each `graphnews.generator` corpus (shared with the other benchmarks, made when missing), the
database is prepared once (ingest and story detection, reused by later runs), then:

- ``graphnews``: `graphnews.render.render_site` (the whole site) and the outlet page alone
  (`outlet_network`, default cap of 100 outlets): seconds and bytes; then the page in headless
  Debian chromium: milliseconds from navigation start to vis-network's ``stabilized`` event
  (median of three fresh loads) and every request the page made;
- ``graphnews, no cap``: the same outlet page with ``top`` = every outlet (precomputed layout,
  physics off): what the cap saves;
- ``naive pyvis``: what the pyvis card shows, ``Network(cdn_resources="in_line")``,
  ``from_nx`` of the whole outlet graph, ``write_html``: bytes, the requests it tries (to CDNs;
  blocked here, as offline) and its time to ``stabilized`` (given up after ``--limit`` s).

The aims (measured, never asserted): outlet page under 5 MB and ``stabilized`` within 5 s.
Prints a Markdown table and writes ``benchmarks/results/bench_render.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    Steps,
    corpus_arguments,
    ensure_corpus,
    machine,
    run_process,
    write_results,
)

__all__ = ["AIMS", "main"]

#: The issue's aims (measured, never asserted).
AIMS = {"outlet_page_mb": 5.0, "stabilized_s": 5.0}
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LOADS = 3
MB = 1024 * 1024


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, prepare the database, measure, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser, sizes="10000,100000")
    parser.add_argument("--limit", type=float, default=60.0,
                        help="give up waiting for `stabilized` after this many seconds")
    parser.add_argument("--naive-limit", type=float, default=600.0,
                        help="give up building the naive page after this many seconds")
    parser.add_argument("--naive", nargs=2, metavar=("DB", "PAGE"),
                        help=argparse.SUPPRESS)  # build the naive page, in the child process
    args = parser.parse_args(argv)
    if args.naive:
        _naive_page(Path(args.naive[0]), Path(args.naive[1]))
        return
    results: dict[str, Any] = {"machine": machine(), "aims": AIMS, "limit": args.limit,
                               "naive_limit": args.naive_limit, "sizes": []}
    for documents in args.sizes:
        results["sizes"].append(_size(documents, args))
    path = write_results("bench_render", results)
    print(_table(results))
    print(f"results written to {path}", file=sys.stderr)


def _size(documents: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement on the corpus of ``documents`` documents."""
    from graphnews.graph import outlet_graph
    from graphnews.render import DEFAULT_TOP, outlet_network, render_site

    database, prep = _prepare(args.work, documents, args.seed)
    out = args.work / f"render-{documents}" / "site"
    result: dict[str, Any] = {"documents": documents, "prepare": prep,
                              "stats": database.stats(), "pages": {}}
    print(f"{documents:,} documents: render_site", file=sys.stderr, flush=True)
    started = time.perf_counter()
    site = render_site(database, out)
    result["site"] = {"seconds": round(time.perf_counter() - started, 2), "pages": len(site),
                      "mb": round(sum(p.stat().st_size for p in site) / MB, 2)}
    started = time.perf_counter()
    page = outlet_network(database)
    page.write_html(out / "bench-outlets.html")
    result["pages"]["graphnews"] = {"seconds": round(time.perf_counter() - started, 2),
                                    "top": DEFAULT_TOP, "caption": page.caption}
    outlets = database.stats()["outlets"]
    started = time.perf_counter()
    uncapped = outlet_network(database, top=max(outlets, 1))
    uncapped.write_html(out / "bench-outlets-all.html")
    result["pages"]["graphnews, no cap"] = {"seconds": round(time.perf_counter() - started, 2),
                                            "top": outlets, "caption": uncapped.caption}
    print(f"{documents:,} documents: naive pyvis page", file=sys.stderr, flush=True)
    naive = run_process([sys.executable, __file__, "--naive", database.path,
                         str(out / "naive-outlets.html")], timeout=args.naive_limit)
    G = outlet_graph(database)
    result["pages"]["naive pyvis"] = {
        "seconds": naive["steps"][0]["seconds"] if naive["finished"] else None,
        "timed_out": naive["timed_out"], "error": naive["error"], "top": outlets,
        "caption": f"all {G.number_of_nodes():,} outlets and {G.number_of_edges():,} edges"}
    files = {"graphnews": "bench-outlets.html", "graphnews, no cap": "bench-outlets-all.html"}
    if naive["finished"]:
        files["naive pyvis"] = "naive-outlets.html"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, file in files.items():
            print(f"{documents:,} documents: browser, {name}", file=sys.stderr, flush=True)
            row = result["pages"][name]
            row["mb"] = round((out / file).stat().st_size / MB, 2)
            naive_page = name == "naive pyvis"  # one load: it takes the whole limit
            loads = [_load(browser, out / file, naive=naive_page, limit=args.limit)
                     for _ in range(1 if naive_page else LOADS)]
            row["loads"] = loads
            done = [x["stabilized_ms"] for x in loads if x["stabilized_ms"] is not None]
            ready = [x["ready_ms"] for x in loads if x["ready_ms"] is not None]
            row["stabilized_s"] = round(statistics.median(done) / 1000, 2) if done else None
            row["ready_s"] = round(statistics.median(ready) / 1000, 2) if ready else None
            row["other_requests"] = sorted({r for x in loads for r in x["other_requests"]})
        browser.close()
    database.close()
    ours = result["pages"]["graphnews"]
    result["aims"] = {
        "outlet_page_mb": {"value": ours["mb"], "met": ours["mb"] < AIMS["outlet_page_mb"]},
        "stabilized_s": {"value": ours["stabilized_s"],
                         "met": ours["stabilized_s"] is not None
                         and ours["stabilized_s"] < AIMS["stabilized_s"]},
    }
    return result


def _prepare(work: Path, documents: int, seed: int) -> tuple[Any, dict[str, Any]]:
    """The corpus's database with stories, made once and reused (timings of what was done)."""
    import graphnews
    from graphnews.stories import stories_are_current, update_stories

    corpus = ensure_corpus(work, documents, seed=seed)
    folder = work / f"render-{documents}"
    folder.mkdir(parents=True, exist_ok=True)
    database = graphnews.open(folder / "graphnews.db")
    prep: dict[str, Any] = {}
    if database.stats()["documents"] == 0:
        print(f"ingesting {documents:,} documents", file=sys.stderr, flush=True)
        started = time.perf_counter()
        database.ingest([corpus])
        prep["ingest_s"] = round(time.perf_counter() - started, 1)
    if not stories_are_current(database):
        print("detecting stories", file=sys.stderr, flush=True)
        started = time.perf_counter()
        update_stories(database)
        prep["stories_s"] = round(time.perf_counter() - started, 1)
    return database, prep


def _naive_page(db: Path, path: Path) -> None:
    """The pyvis card's way: every outlet and edge, pyvis's own template, CDN scripts."""
    from pyvis.network import Network

    import graphnews
    from graphnews.graph import outlet_graph

    G = outlet_graph(graphnews.open(db, readonly=True))
    steps = Steps()
    steps.begin("naive page")
    net = Network(height="900px", width="100%", cdn_resources="in_line")
    net.from_nx(G)
    net.write_html(str(path))
    steps.close()


def _load(browser: Any, path: Path, *, naive: bool, limit: float) -> dict[str, Any]:
    """Open ``path`` in a fresh context; ms from navigation start to `stabilized` and to ready.

    Every request but the file itself is recorded and aborted (the page is offline).
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    url = path.resolve().as_uri()
    others: list[str] = []

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            others.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    row: dict[str, Any] = {"stabilized_ms": None, "ready_ms": None}
    try:
        page.goto(url, wait_until="load", timeout=limit * 1000)
        if naive:
            # pyvis's page keeps `network` global; its physics runs long after load, so the
            # listener is in place before `stabilized`.
            row["stabilized_ms"] = page.evaluate(
                "limit => new Promise(done => { const wait = () => window.network ? "
                "window.network.once('stabilized', () => done(performance.now())) : "
                "setTimeout(wait, 5); wait(); setTimeout(() => done(null), limit); })",
                limit * 1000)
            row["ready_ms"] = row["stabilized_ms"]
        else:
            page.wait_for_selector("body[data-ready=true]", state="attached",
                                   timeout=limit * 1000)
            state = page.evaluate("({s: window.graphnews.stabilizedAt,"
                                  " r: window.graphnews.readyAt})")
            row["stabilized_ms"], row["ready_ms"] = state["s"], state["r"]
    except Exception as exc:  # a timeout: report it, keep measuring the others
        row["error"] = str(exc).splitlines()[0]
    finally:
        context.close()
    row["other_requests"] = others
    return row


def _table(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores (load average "
             f"{m['load_average'][0]}); `python benchmarks/bench_render.py`. `stabilized`: "
             f"median of {LOADS} loads, ms from navigation start.", "",
             "| documents | outlet page | drawn | build | size | `stabilized` | first draw "
             "| other requests |", "|---:|---|---|---:|---:|---:|---:|---:|"]
    for size in results["sizes"]:
        for name, row in size["pages"].items():
            cells = [f"{size['documents']:,}", name, row["caption"]]
            if row["seconds"] is None:
                why = f"failed: {row['error']}" if row.get("error") else \
                    f"not done in {results['naive_limit']:.0f} s"
                cells += [why, "—", "—", "—", "—"]
            else:
                stab = f"{row['stabilized_s']} s" if row["stabilized_s"] is not None else \
                    ("no physics" if row["ready_s"] is not None
                     else f"not in {results['limit']:.0f} s")
                ready = f"{row['ready_s']} s" if row["ready_s"] is not None else "—"
                cells += [f"{row['seconds']} s", f"{row['mb']} MB", stab, ready,
                          str(len(row["other_requests"]))]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for size in results["sizes"]:
        st, site = size["stats"], size["site"]
        lines.append(f"- {size['documents']:,} documents ({st['articles']:,} articles, "
                     f"{st['outlets']:,} outlets): whole site (`render_site`) "
                     f"{site['pages']} pages, {site['mb']} MB, {site['seconds']} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
