"""Story detection against planted truth: ARI / NMI from 0% to 40% noise links, beside
connected components of the ``related`` links (the naive approach), and the time it takes at
scale, full and incremental. (The leave-one-source-out evaluation of the fitted model on real
labelled stories and generator regimes is benchmarks/stories_eval.py.)

    python benchmarks/bench_stories.py                     # 2,000 documents, seeds 1-3
    python benchmarks/bench_stories.py --scale 100000      # also time 100,000 documents

Writes ``benchmarks/results/stories.json``. Corpora come from `graphnews.generator` (titles carry
only part of their story's words; no story id in any URL or title) and are kept in ``--work``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import draw_corpus, drawn_here, machine, write_results

import graphnews
from graphnews.generator import DOCUMENTS_DIR, GroundTruth, generate_corpus
from graphnews.stories import DEFAULT_RESOLUTION, story_urls, update_stories
from graphnews.stories.alternatives import RANGE_RESOLUTIONS, RANGE_SEEDS, alternative_stories

#: The methods compared: graphnews (the shipped model) and connected components of the links.
METHODS = ("graphnews", "connected components")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--noise", default="0,0.1,0.2,0.4")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="also time full and incremental detection at this many documents",
    )
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="only the timing at --scale (skip the quality table)",
    )
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "graphnews-bench"
    )
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    levels = [float(x) for x in args.noise.split(",")]
    results: dict[str, Any] = {
        "machine": machine(),
        "documents": args.documents,
        "seeds": seeds,
        "resolution": DEFAULT_RESOLUTION,
        "quality": [],
        "scale": None,
    }
    for noise in levels if not args.scale_only else ():
        for seed in seeds:
            folder = _corpus(args.work, args.documents, noise, seed)
            truth = GroundTruth.load(folder)
            db = _database(folder)
            for method in METHODS:
                started = time.perf_counter()
                predicted = _components(db) if method == "connected components" else _detect(db)
                seconds = time.perf_counter() - started
                results["quality"].append(
                    {
                        "noise": noise,
                        "seed": seed,
                        "method": method,
                        "noise_links_share": truth.parameters["noise_links_share"],
                        "seconds": round(seconds, 3),
                        **truth.score(predicted),
                    }
                )
            db.close()
            print(f"noise {noise:.0%} seed {seed} done", file=sys.stderr, flush=True)
    if not args.scale_only:
        results["summary"] = _summary(results["quality"], levels)
        print(_quality_table(results["summary"], levels))
    if args.scale:
        results["scale"] = _scale(args.work, args.scale)
        print(_scale_table(results["scale"]))
    path = write_results("stories_scale" if args.scale_only else "stories", results)
    print(f"results written to {path}", file=sys.stderr)


def _corpus(work: Path, documents: int, noise: float, seed: int) -> Path:
    folder = work / f"stories-{documents}-noise{noise:g}-seed{seed}"
    if not (folder / "truth.json").is_file() or not drawn_here(folder):
        draw_corpus(folder, partial(generate_corpus, documents=documents, noise=noise, seed=seed))
    return folder


def _database(folder: Path) -> graphnews.Database:
    path = folder / "graphnews.db"
    if not path.exists():
        fresh = graphnews.open(path)
        fresh.ingest([folder / DOCUMENTS_DIR])
        fresh.close()
    return graphnews.open(path)


def _detect(db: graphnews.Database) -> dict[str, str]:
    update_stories(db, incremental=False)
    return story_urls(db)


def _components(db: graphnews.Database) -> dict[str, int]:
    """The naive approach: connected components of ``related`` links."""
    ids = np.array([r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY id")])
    urls = [r[0] for r in db.conn.execute("SELECT canonical_url FROM articles ORDER BY id")]
    links = np.array(
        db.conn.execute("SELECT from_article, to_article FROM related_links").fetchall()
    ).reshape(-1, 2)
    index = np.searchsorted(ids, links)
    n = len(ids)
    graph = sparse.csr_matrix((np.ones(len(index)), (index[:, 0], index[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return {u: int(label) for u, label in zip(urls, labels, strict=True)}


def _summary(rows: list[dict[str, Any]], levels: list[float]) -> list[dict[str, Any]]:
    out = []
    for method in METHODS:
        for noise in levels:
            picked = [r for r in rows if r["method"] == method and r["noise"] == noise]
            out.append(
                {
                    "method": method,
                    "noise": noise,
                    "ari": round(statistics.mean(r["ari"] for r in picked), 4),
                    "ari_min": round(min(r["ari"] for r in picked), 4),
                    "nmi": round(statistics.mean(r["nmi"] for r in picked), 4),
                    "seconds": round(statistics.mean(r["seconds"] for r in picked), 3),
                }
            )
    return out


def _quality_table(summary: list[dict[str, Any]], levels: list[float]) -> str:
    head = "| method | " + " | ".join(f"{x:.0%} noise ARI / NMI" for x in levels) + " |"
    lines = [head, "|---" * (len(levels) + 1) + "|"]
    for method in METHODS:
        cells = [f"{r['ari']:.3f} / {r['nmi']:.3f}" for r in summary if r["method"] == method]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _scale(work: Path, documents: int) -> dict[str, Any]:
    """Full detection at scale, then an incremental update after ingesting the last 1%; the
    alternative clusterings of ``--ranges`` (`alternative_stories`) made in full before it and
    updated after it."""
    folder = _corpus(work, documents, 0.2, 0)
    truth = GroundTruth.load(folder)
    db_path = folder / "scale.db"
    for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        p.unlink(missing_ok=True)
    files = sorted((folder / DOCUMENTS_DIR).iterdir())  # named by date: the last are the latest
    cut = len(files) - max(1, len(files) // 100)
    early, late = folder / "early", folder / "late"
    for target, part in ((early, files[:cut]), (late, files[cut:])):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        for f in part:
            os.link(f, target / f.name)
    db = graphnews.open(db_path)
    db.ingest([early])
    started = time.perf_counter()
    full = update_stories(db, incremental=False)
    full_seconds = time.perf_counter() - started
    started = time.perf_counter()
    unchanged = update_stories(db)
    unchanged_seconds = time.perf_counter() - started
    started = time.perf_counter()
    alternatives = alternative_stories(db)
    alternatives_seconds = time.perf_counter() - started
    db.ingest([late])
    started = time.perf_counter()
    incremental = update_stories(db)
    incremental_seconds = time.perf_counter() - started
    score_incremental = truth.score(story_urls(db))
    started = time.perf_counter()
    updated = alternative_stories(db)
    updated_seconds = time.perf_counter() - started
    started = time.perf_counter()
    update_stories(db, incremental=False)
    full_after_seconds = time.perf_counter() - started
    score_full = truth.score(story_urls(db))
    db.close()
    return {
        "documents": documents,
        "noise": 0.2,
        "articles": full.articles,
        "edges": full.edges,
        "full_seconds": round(full_seconds, 2),
        "full_steps": full.seconds,
        "unchanged_mode": unchanged.mode,
        "unchanged_seconds": round(unchanged_seconds, 3),
        "late_documents": len(files) - cut,
        "incremental_mode": incremental.mode,
        "incremental_recomputed": incremental.recomputed,
        "incremental_seconds": round(incremental_seconds, 2),
        "incremental_steps": incremental.seconds,
        "full_after_seconds": round(full_after_seconds, 2),
        "alternatives_seconds": round(alternatives_seconds, 2),
        "alternatives_clustered": alternatives.clustered,
        "alternatives_updated_seconds": round(updated_seconds, 2),
        "alternatives_updated_clustered": updated.clustered,
        "ari_incremental": score_incremental["ari"],
        "ari_full": score_full["ari"],
        "nmi_full": score_full["nmi"],
    }


def _scale_table(s: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"\n{s['documents']:,} documents ({s['articles']:,} articles, {s['edges']:,} evidence "
            "edges), 20% noise",
            "| step | seconds | ARI |",
            "|---|---|---|",
            f"| full detection | {s['full_seconds']} | |",
            f"| unchanged (skip) | {s['unchanged_seconds']} | |",
            f"| incremental after the last {s['late_documents']:,} documents "
            f"({s['incremental_mode']}, {s['incremental_recomputed']:,} articles) | "
            f"{s['incremental_seconds']} | {s['ari_incremental']} |",
            f"| full recomputation of the same | {s['full_after_seconds']} | {s['ari_full']} |",
            f"| `--ranges`: the {len(RANGE_RESOLUTIONS) * len(RANGE_SEEDS)} alternative "
            f"clusterings, before the last documents ({s['alternatives_clustered']:,} articles) "
            f"| {s['alternatives_seconds']} | |",
            f"| `--ranges` after them ({s['alternatives_updated_clustered']:,} articles) | "
            f"{s['alternatives_updated_seconds']} | |",
        ]
    )


if __name__ == "__main__":
    main()
