"""Does ``graphnews compare --ranges`` say which comparisons to trust? Against labels.

For each hand-labelled real source (``stories_eval/``), the outlets are split into two
collections by a hash of their domain (the sources carry no outlet metadata; any split serves,
the question is whether the stories are right), and ``graphnews compare`` is run three ways:
over the stories graphnews stores (the shipped model, the defaults), with ranges over the nine
alternative clusterings, and over the labelled (true) stories, every unlabelled article alone.
Each stored story of two or more outlets is followed into the true stories (the labelled story
holding most of its articles). Reported: how often its first collection (which collection
reported first) is the true story's, for the stories whose first collection holds in every
clustering ("held") and for the rest; and how often a blindspot is one under the true stories
too, by the same split, and how many of the true stories' blindspots the stored stories find
(the stored story holding most of the true one's articles is a blindspot of the same
collection). Blindspot rule: ``--min-outlets 2`` (real labelled sets hold few stories
of four or more outlets), the other thresholds the defaults. By default only the sources the
shipped model was never fitted on (`stories_eval.SCORED_ONLY`).

    python benchmarks/compare_ranges.py [--all-sources]     # results/compare_ranges.json
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from spread_ranges import held_shares, truth_copy
from stories_eval import _database, chosen_sources, source_arguments

import graphnews
from graphnews.collections import import_outlets, parse_rule
from graphnews.compare import BlindspotRule, CompareReport, compare
from graphnews.stories import detect_stories

GROUPS = [parse_rule("group=a"), parse_rule("group=b")]
RULE = BlindspotRule(min_outlets=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_arguments(parser, work="graphnews-compare-ranges")
    args = parser.parse_args()
    rows = []
    for name, story_of, folder in chosen_sources(args):
        rows.append(_source(name, story_of, folder, args.work))
        print(f"{name}: {rows[-1]['first']['stories']} stories of 2+ outlets, "
              f"{rows[-1]['blindspots']['stories']} blindspots", file=sys.stderr, flush=True)
    pooled = {"source": "all"} | {
        kind: held_shares([c for r in rows for c in r[kind]["checks"]])
        for kind in ("first", "blindspots")
    } | {k: sum(r[k] for r in rows) for k in ("true_blindspots", "true_blindspots_found")}
    print(_table([*rows, pooled]))
    write_results("compare_ranges", {"machine": machine(), "rule": RULE.as_dict(),
                                     "rows": rows, "pooled": pooled})


def _source(name: str, story_of: dict[str, str], folder: Path, work: Path) -> dict[str, Any]:
    """The stored comparison of one source beside the true one."""
    path = work / f"{name}.db"
    db = _database(path, [folder])
    detect_stories(db)
    domains = [d for (d,) in db.conn.execute("SELECT domain FROM outlets ORDER BY domain")]
    sheet = work / f"{name}-groups.csv"
    sheet.write_text("domain,group\n" + "".join(
        f"{d},{'ab'[hashlib.sha1(d.encode()).digest()[0] % 2]}\n" for d in domains))
    import_outlets(db, sheet)
    shown = compare(db, GROUPS, rule=RULE, words=0, ranges=True)
    stored = _members(db, shown)
    db.close()
    truth = truth_copy(path, story_of, work / f"{name}-truth.db")
    true = compare(truth, GROUPS, rule=RULE, words=0)
    true_members = _members(truth, true)
    truth.close()
    rows = {s["story"]: s for s in true.stories}
    true_blind = {(b["story"], b["blind"]) for b in true.blindspots}
    everywhere = len(shown.clusterings)
    first = []
    for s in shown.stories:
        if s["outlets"] >= 2:
            held = _holder(stored[s["story"]], true_members)
            first.append((s["first_collection_held"] == everywhere,
                          rows[held]["first_collection"] == s["first_collection"]))
    blind = [(b["held"] == everywhere,
              (_holder(stored[b["story"]], true_members), b["blind"]) in true_blind)
             for b in shown.blindspots]
    shown_blind = {(b["story"], b["blind"]) for b in shown.blindspots}
    found = [(_holder(true_members[b["story"]], stored), b["blind"]) in shown_blind
             for b in true.blindspots]
    return {"source": name, "first": held_shares(first), "blindspots": held_shares(blind),
            "true_blindspots": len(found), "true_blindspots_found": sum(found)}


def _members(db: graphnews.Database, report: CompareReport) -> dict[str, set[int]]:
    """Each story of ``report`` as its articles (every outlet is in one of the two groups)."""
    out: dict[str, set[int]] = {s["story"]: set() for s in report.stories}
    for story, article in db.conn.execute("SELECT story_id, article_id FROM story_articles"):
        out[story].add(article)
    return out


def _holder(articles: set[int], members: dict[str, set[int]]) -> str:
    """The story of ``members`` holding most of ``articles`` (ties: the lowest id)."""
    return min(members, key=lambda s: (-len(articles & members[s]), s))


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(s: dict[str, Any]) -> str:
        def pct(v: float | None) -> str:
            return "-" if v is None else f"{100 * v:.0f}%"

        return (f"{s['stories']}: {pct(s['right'])}; held {s['held']}: "
                f"{pct(s['held_right'])}; moved {s['moved']}: {pct(s['moved_right'])}")

    lines = ["| source | first collection right | blindspot right | true blindspots found |",
             "|---|---|---|---|"]
    lines += [f"| {r['source']} | {cell(r['first'])} | {cell(r['blindspots'])} | "
              f"{r['true_blindspots_found']} of {r['true_blindspots']} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
