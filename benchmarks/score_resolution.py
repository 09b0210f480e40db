"""Does a resolution chosen on a labelled sample (``stories --score --ranges``) suit the rest?

docs/citing.md advises: label a sample, score the stories at resolutions 0.4, 0.5 and 0.6
(``graphnews stories --score labels.tsv --ranges``), and if another fits the sample clearly
better, recompute with it. This checks that advice on the hand-labelled real sources: each
source's labelled stories are split in two halves by a hash of the story's label; the
resolution with the best pairwise F1 on one half (seed 0; the default 0.5 unless another is
better by more than ``--margin``) is scored on the other half beside the default, both ways
round. By default only the sources the shipped model was never fitted on
(`stories_eval.SCORED_ONLY`).

    python benchmarks/score_resolution.py [--all-sources]     # results/score_resolution.json
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from stories_eval import _database, chosen_sources, source_arguments

from graphnews.stories import detect_stories
from graphnews.stories.score import score_clusterings

RESOLUTIONS = (0.4, 0.5, 0.6)
DEFAULT = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_arguments(parser, work="graphnews-score-resolution")
    parser.add_argument("--margin", type=float, default=0.05,
                        help="pairwise F1 by which another resolution must beat 0.5")
    args = parser.parse_args()
    rows = []
    for name, story_of, folder in chosen_sources(args):
        rows += _source(name, story_of, folder, args.work, args.margin)
    moved = [r for r in rows if r["chosen"] != DEFAULT]
    summary = {
        "halves": len(rows), "chose_another": len(moved),
        "held_out_f1_default": round(statistics.mean(r["held_out_default"] for r in rows), 3),
        "held_out_f1_chosen": round(statistics.mean(r["held_out_chosen"] for r in rows), 3),
        "better": sum(r["held_out_chosen"] > r["held_out_default"] for r in moved),
        "worse": sum(r["held_out_chosen"] < r["held_out_default"] for r in moved),
    }
    for r in rows:
        print(f"{r['source']} half {r['chosen_on']}: sample F1 {r['sample']} -> chose "
              f"{r['chosen']}; held-out F1 at 0.5 {r['held_out_default']}, at the chosen "
              f"{r['held_out_chosen']}")
    print(summary)
    write_results("score_resolution", {"machine": machine(), "margin": args.margin,
                                       "rows": rows, "summary": summary})


def _source(name: str, story_of: dict[str, str], folder: Path, work: Path, margin: float
            ) -> list[dict[str, Any]]:
    halves: list[dict[str, str]] = [{}, {}]
    for url, story in story_of.items():
        halves[hashlib.sha1(story.encode()).digest()[0] % 2][url] = story
    db = _database(work / f"{name}.db", [folder])
    detect_stories(db)
    f1 = [{r["resolution"]: r["f1"] for r in score_clusterings(
        db, {name: half}, resolutions=RESOLUTIONS, seeds=(0,)) if r["seed"] == 0}
        for half in halves]
    db.close()
    out = []
    for chosen_on in (0, 1):
        sample = f1[chosen_on]
        best = max(RESOLUTIONS, key=lambda r: (sample[r], r == DEFAULT))
        chosen = best if sample[best] > sample[DEFAULT] + margin else DEFAULT
        held_out = f1[1 - chosen_on]
        out.append({"source": name, "chosen_on": chosen_on, "sample": sample,
                    "chosen": chosen, "held_out_default": held_out[DEFAULT],
                    "held_out_chosen": held_out[chosen]})
    return out


if __name__ == "__main__":
    main()
