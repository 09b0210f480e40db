"""Do ``graphnews spread --ranges`` and ``stories --ranges`` say what to trust? Against labels.

For each hand-labelled real source (``stories_eval/``), the per-outlet figures of ``graphnews
spread`` (stories, first, leader_score; outlets with two or more stories two or more outlets
covered) are computed three ways: over the stories graphnews stores (the shipped model, the
defaults), as ranges over the nine alternative clusterings (`graphnews.spread.spread_ranges`),
and over the labelled (true) stories, every unlabelled article alone. Reported per source: how
often the stored figure is the true one, how often the true one lies within the range, and both
for the outlets whose range is a single value ("narrow") and for the rest ("wide"). And for
each stored story of two or more articles (`graphnews.stories.alternatives.story_stability`):
whether it is exactly one labelled story ("exact") or lies within one ("pure"), for the
stories kept whole in every clustering ("stable") and for the rest. By default
only the sources the shipped model was never fitted on (`stories_eval.SCORED_ONLY`): on the
others its stories are in-sample.

    python benchmarks/spread_ranges.py [--all-sources]     # results/spread_ranges.json
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from stories_eval import _database, chosen_sources, source_arguments

import graphnews
from graphnews.spread import (
    OutletRange,
    OutletSpread,
    outlet_spread,
    spread_ranges,
    stories_spread,
)
from graphnews.stories import detect_stories
from graphnews.stories.alternatives import story_stability
from graphnews.stories.stored import load_stories

#: Outlets count when they covered at least this many stories of two or more outlets.
MIN_STORIES = 2
FIGURES = ("stories", "first", "leader_score")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_arguments(parser, work="graphnews-spread-ranges")
    args = parser.parse_args()
    rows = []
    for name, story_of, folder in chosen_sources(args):
        rows.append(_source(name, story_of, folder, args.work))
        print(f"{name}: {rows[-1]['outlets']} outlets", file=sys.stderr, flush=True)
    total = _pooled(rows)
    print(_table([*rows, total]))
    summary = total["story_stability"]
    for kind in ("stable", "unstable", "most_confident", "least_confident",
                 "stable_and_most_confident"):
        c = summary[kind]
        print(f"{kind}: {c['stories']} stories, exact {c['exact']}, pure {c['pure']}")
    f = total["first_reporter"]
    print(f"first reporter of {f['stories']} stories of 2+ outlets: right {f['right']}; held in "
          f"all clusterings {f['held']}: {f['held_right']}; moved {f['moved']}: "
          f"{f['moved_right']}")
    write_results("spread_ranges", {"machine": machine(), "min_stories": MIN_STORIES,
                                    "rows": rows, "pooled": total})


def _source(name: str, story_of: dict[str, str], folder: Path, work: Path) -> dict[str, Any]:
    """The three views of one source's outlet figures, compared."""
    db = _database(work / f"{name}.db", [folder])
    detect_stories(db)
    shown = {r.outlet: r for r in outlet_spread(db, min_stories=MIN_STORIES)}
    _, found = spread_ranges(db, min_stories=MIN_STORIES)
    ranges = {r.outlet: r for r in found}
    stories = _stories(db, story_of)
    mine = {frozenset(a.id for a in s.articles): tuple(s.first_reporter)
            for s in stories_spread(db) if s.outlets > 1}
    stability = story_stability(db)
    held = {frozenset(s.articles): stability[s.id].first_held == stability[s.id].clusterings
            for s in load_stories(db)}
    db.close()
    truth = _true_rows(work / f"{name}.db", story_of, work / f"{name}-truth.db")
    labelled = graphnews.open(work / f"{name}-truth.db")
    true_first = {frozenset(a.id for a in s.articles): tuple(s.first_reporter)
                  for s in stories_spread(labelled)}
    labelled.close()
    first_reporter = []  # per stored story of 2+ outlets: (held in all nine, right)
    for members, reporters in mine.items():
        holder = max(true_first, key=lambda t: (len(members & t), -min(t)))
        first_reporter.append((held[members], true_first[holder] == reporters))
    checks: dict[str, list[tuple[float, float, float, float]]] = {f: [] for f in FIGURES}
    for outlet, row in shown.items():
        true = truth.get(outlet)
        for figure in FIGURES:
            value = 0 if true is None else getattr(true, figure)
            low, high = getattr(ranges[outlet], figure)
            stored = getattr(row, figure)
            checks[figure].append((stored == value, low <= value <= high, low == high,
                                   abs(stored - value)))
    return {"source": name, "outlets": len(shown),
            "narrow_outlets": sum(_narrow(ranges[o]) for o in shown),
            **{f: _shares(c) for f, c in checks.items()},
            "story_stability": _story_summary(stories), "story_rows": stories,
            "first_reporter": held_shares(first_reporter)}


def _stories(db: graphnews.Database, story_of: dict[str, str]) -> list[list[Any]]:
    """Each stored story of two or more articles as ``[stable, confidence, pure, exact]``:
    kept whole in every clustering; its confidence; within one labelled story; exactly one."""
    truth: dict[int, str] = {}
    for url, story in story_of.items():
        article = db.resolve_url(url)
        if article is not None:
            truth.setdefault(article, story)
    stability = story_stability(db)
    true_size: dict[str, int] = {}
    for story in truth.values():
        true_size[story] = true_size.get(story, 0) + 1
    out = []
    for s in load_stories(db):
        if s.size > 1:
            labels = {truth.get(a, f"alone-{a}") for a in s.articles}
            pure = len(labels) == 1
            out.append([stability[s.id].kept == stability[s.id].clusterings, s.confidence, pure,
                         pure and true_size.get(next(iter(labels)), 1) == s.size])
    return out


def _story_summary(stories: list[list[Any]]) -> dict[str, Any]:
    """Exact and pure stories among the stable ones and the others, beside the same number of
    the most confident ones and the rest (the signal `confidence` already gives)."""
    def count(rows: list[list[Any]]) -> dict[str, int]:
        return {"stories": len(rows), "pure": sum(r[2] for r in rows),
                "exact": sum(r[3] for r in rows)}

    stable = [r for r in stories if r[0]]
    ranked = sorted(stories, key=lambda r: -r[1])
    confident = ranked[:len(stable)]
    return {"stable": count(stable), "unstable": count([r for r in stories if not r[0]]),
            "most_confident": count(confident), "least_confident": count(ranked[len(stable):]),
            "stable_and_most_confident": count([r for r in confident if r[0]])}


def held_shares(checks: list[tuple[bool, bool]]) -> dict[str, Any]:
    """How often a stored answer is the labelled stories' (``checks``: held in all nine
    clusterings, right), in all and by held / moved."""
    def share(rows: list[tuple[bool, bool]]) -> float | None:
        return round(sum(r[1] for r in rows) / len(rows), 3) if rows else None

    held = [c for c in checks if c[0]]
    moved = [c for c in checks if not c[0]]
    return {"stories": len(checks), "right": share(checks), "held": len(held),
            "held_right": share(held), "moved": len(moved), "moved_right": share(moved),
            "checks": [list(c) for c in checks]}


def _narrow(r: OutletRange) -> bool:
    return all(getattr(r, f)[0] == getattr(r, f)[1] for f in FIGURES)


def _true_rows(db: Path, story_of: dict[str, str], path: Path) -> dict[str, OutletSpread]:
    """`outlet_spread` over the labelled stories (a copy of the database ``db`` holding them)."""
    truth = truth_copy(db, story_of, path)
    out = {r.outlet: r for r in outlet_spread(truth, min_stories=1)}
    truth.close()
    return out


def truth_copy(db: Path, story_of: dict[str, str], path: Path) -> graphnews.Database:
    """A copy of the database ``db`` whose stories are the labelled ones (``story_of``: URL ->
    story; two URLs of one article: its first label), every unlabelled article alone."""
    shutil.copy(db, path)
    truth = graphnews.open(path)
    story_of_article: dict[int, str] = {}
    for url, story in story_of.items():
        article = truth.resolve_url(url)
        if article is not None:
            story_of_article.setdefault(article, story)
    labelled: dict[str, list[int]] = {}
    for article, story in story_of_article.items():
        labelled.setdefault(story, []).append(article)
    with truth.transaction() as conn:
        conn.execute("DELETE FROM story_articles")
        conn.execute("DELETE FROM stories")
        inside = {a for members in labelled.values() for a in members}
        stories = [*labelled.values(), *([a] for (a,) in conn.execute(
            "SELECT id FROM articles").fetchall() if a not in inside)]
        for number, members in enumerate(stories):
            conn.execute("INSERT INTO stories (id, size, confidence, signature, computed_at) "
                         "VALUES (?, ?, 1.0, '', '')", (f"t-{number}", len(members)))
            conn.executemany("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)",
                             [(f"t-{number}", a) for a in members])
    return truth


def _shares(checks: list[tuple[float, float, float, float]]) -> dict[str, Any]:
    """Shares of outlets whose stored figure is the true one and whose range holds it, in all
    and by narrow (one value) and wide ranges; the mean distance of the stored figure from
    the true one."""
    def share(rows: list[tuple[float, float, float, float]], column: int) -> float | None:
        return round(sum(r[column] for r in rows) / len(rows), 3) if rows else None

    narrow = [c for c in checks if c[2]]
    wide = [c for c in checks if not c[2]]
    return {"stored_true": share(checks, 0), "range_holds_true": share(checks, 1),
            "narrow": len(narrow), "narrow_stored_true": share(narrow, 0),
            "wide": len(wide), "wide_stored_true": share(wide, 0),
            "wide_range_holds_true": share(wide, 1),
            "narrow_mean_error": share(narrow, 3), "wide_mean_error": share(wide, 3),
            "checks": [list(c) for c in checks]}


def _pooled(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every source's outlets together."""
    out: dict[str, Any] = {"source": "all", "outlets": sum(r["outlets"] for r in rows),
                           "narrow_outlets": sum(r["narrow_outlets"] for r in rows),
                           "story_stability": _story_summary(
                               [story for r in rows for story in r["story_rows"]]),
                           "first_reporter": held_shares(
                               [tuple(c) for r in rows for c in r["first_reporter"]["checks"]])}
    for figure in FIGURES:
        out[figure] = _shares([tuple(c) for r in rows for c in r[figure]["checks"]])
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(s: dict[str, Any]) -> str:
        def pct(v: float | None) -> str:
            return "-" if v is None else f"{100 * v:.0f}%"

        def num(v: float | None) -> str:
            return "-" if v is None else f"{v:.2f}"

        return (f"{pct(s['stored_true'])} / {pct(s['range_holds_true'])}; narrow "
                f"{s['narrow']}: {pct(s['narrow_stored_true'])}, off by "
                f"{num(s['narrow_mean_error'])}; wide {s['wide']}: "
                f"{pct(s['wide_stored_true'])} / {pct(s['wide_range_holds_true'])}, off by "
                f"{num(s['wide_mean_error'])}")

    def kind(s: dict[str, int]) -> str:
        n = s["stories"]
        return (f"{n}: exact {s['exact']} ({100 * s['exact'] / n:.0f}%), pure {s['pure']} "
                f"({100 * s['pure'] / n:.0f}%)" if n else "0")

    lines = ["| source | outlets | " + " | ".join(FIGURES) + " | stable stories | others |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['source']} | {r['outlets']} | "
                     + " | ".join(cell(r[f]) for f in FIGURES)
                     + f" | {kind(r['story_stability']['stable'])} | "
                     f"{kind(r['story_stability']['unstable'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
