"""Do corrections help the stories nobody corrected? Against labels.

For each hand-labelled real source (``stories_eval/``), its labelled stories are split in two
halves by a hash of the story's label. The stories graphnews stores (the shipped model, the
defaults) are scored on each half; then one half's labels are applied as corrections
(`graphnews.stories.constraints.correct_with_labels`: each labelled story joined, labelled
stories kept apart, recomputed until they agree) and the *other* half is scored again, both
ways round. What changes on the held-out half is what a user's corrections do for the stories
they did not read: the corrected articles' evidence now sits in the right stories, and the
clustering around them moves. By default only the sources the shipped model was never fitted
on (`stories_eval.SCORED_ONLY`).

    python benchmarks/corrections.py [--all-sources]     # results/corrections.json
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from stories_eval import _database, chosen_sources, source_arguments

import graphnews
from graphnews.stories import detect_stories
from graphnews.stories.constraints import correct_with_labels
from graphnews.stories.score import score_stories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_arguments(parser, work="graphnews-corrections")
    args = parser.parse_args()
    rows = []
    for name, story_of, folder in chosen_sources(args):
        for corrected in (0, 1):
            rows.append(_half(name, story_of, folder, args.work, corrected))
            print(f"{name} ({corrected}): {rows[-1]['held_out']}", file=sys.stderr, flush=True)
    summary = {key: {"before": round(statistics.mean(r["held_out"][key][0] for r in rows), 3),
                     "after": round(statistics.mean(r["held_out"][key][1] for r in rows), 3)}
               for key in ("precision", "recall", "f1", "bcubed_f1")}
    summary["halves"] = len(rows)
    summary["better_f1"] = sum(r["held_out"]["f1"][1] > r["held_out"]["f1"][0] for r in rows)
    summary["worse_f1"] = sum(r["held_out"]["f1"][1] < r["held_out"]["f1"][0] for r in rows)
    print(_table(rows, summary))
    write_results("corrections", {"machine": machine(), "rows": rows, "summary": summary})


def _half(name: str, story_of: dict[str, str], folder: Path, work: Path, corrected: int
          ) -> dict[str, Any]:
    """Correct with one half's labels, score the other half before and after."""
    halves: list[dict[str, str]] = [{}, {}]
    for url, story in story_of.items():
        halves[hashlib.sha1(story.encode()).digest()[0] % 2][url] = story
    base = work / f"{name}.db"
    if not base.exists():
        db = _database(base, [folder])
        detect_stories(db)
        db.close()
    path = work / f"{name}-{corrected}.db"
    shutil.copy(base, path)
    db = graphnews.open(path)
    held_out = {name: halves[1 - corrected]}
    (before,) = score_stories(db, held_out).scores
    done = correct_with_labels(db, {name: halves[corrected]})
    (after,) = score_stories(db, held_out).scores
    (own,) = score_stories(db, {name: halves[corrected]}).scores
    db.close()
    return {"source": name, "corrected_half": corrected,
            "corrected_articles": own.labelled, "held_out_articles": after.labelled,
            "held_out_same_story_pairs": after.same_story_pairs,
            "joins": done.joins, "separations": done.separations, "rounds": done.rounds,
            "corrected_f1": own.stories["f1"],
            "held_out": {k: (before.stories[k], after.stories[k])
                         for k in ("precision", "recall", "f1", "bcubed_f1")}}


def _table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    lines = ["| source | corrected half | corrections | held-out pairs | held-out F1 before -> "
             "after | precision | recall | BCubed |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        h = r["held_out"]
        lines.append(
            f"| {r['source']} | {r['corrected_half']} ({r['corrected_articles']} articles) | "
            f"{r['joins']} + {r['separations']} | {r['held_out_same_story_pairs']} | "
            f"{h['f1'][0]:.2f} -> {h['f1'][1]:.2f} | {h['precision'][0]:.2f} -> "
            f"{h['precision'][1]:.2f} | {h['recall'][0]:.2f} -> {h['recall'][1]:.2f} | "
            f"{h['bcubed_f1'][0]:.3f} -> {h['bcubed_f1'][1]:.3f} |")
    s = summary
    lines.append(f"| mean of {s['halves']} halves | | | | {s['f1']['before']} -> "
                 f"{s['f1']['after']} ({s['better_f1']} better, {s['worse_f1']} worse) | "
                 f"{s['precision']['before']} -> {s['precision']['after']} | "
                 f"{s['recall']['before']} -> {s['recall']['after']} | "
                 f"{s['bcubed_f1']['before']} -> {s['bcubed_f1']['after']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
