"""How far the score of a labelled sample is the score of the whole corpus.

docs/labelling.md advises labelling a sheet of consecutive articles (``graphnews stories
--label-sheet`` over a few days) and scoring the stories against it (``--score``). This
measures what such a sample says on the hand-labelled real sources: each source's stories
computed as ``graphnews stories`` computes them (the shipped model, the documents as they
are), scored against all its labels, then against every run of K consecutive labelled
articles (by publication time, windows starting every K/2 articles), as if only those had been
labelled. Reported per K: how far a window's pairwise F1 (and BCubed F1) falls from the whole
source's, how often a window holds no two articles of one story (its F1 says nothing), and,
on the sources with related lists, how often a window prefers the same choice about them
(with or without, the hint of ``--score``) as the whole source.
By default only the sources the shipped model was never fitted on (`stories_eval.SCORED_ONLY`:
there the stories' scores are what a user of a new corpus sees); nothing is chosen from it.

    python benchmarks/label_sample.py [--all-sources]     # results/label_sample.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from stories_eval import _database, chosen_sources, source_arguments

import graphnews
from graphnews.stories import detect_stories
from graphnews.stories.score import LabelScore, score_stories

SIZES = (30, 60, 100, 150)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_arguments(parser, work="graphnews-label-sample")
    args = parser.parse_args()
    sources = [_source(name, story_of, folder, args.work)
               for name, story_of, folder in chosen_sources(args)]
    summary = [_summary(k, sources) for k in SIZES]
    for s in sources:
        print(f"{s['source']}: {s['labelled']} labelled articles, F1 {s['f1']}, "
              f"BCubed {s['bcubed_f1']}, better the other way about the related lists: "
              f"{s['prefers_other']}")
    for row in summary:
        print(f"K={row['articles']}: {row['windows']} windows of {row['sources']} sources, "
              f"{row['no_pair']} with no same-story pair; |F1 - whole| median "
              f"{row['f1_error_median']}, 90th percentile {row['f1_error_p90']}; BCubed "
              f"{row['bcubed_error_median']} / {row['bcubed_error_p90']}; with or without the "
              f"related lists as the whole source: {row['related_choice_agrees']} of "
              f"{row['related_windows']} windows; the window's 90% interval holds the whole "
              f"source's F1 in {row['f1_interval_covers']}, BCubed in "
              f"{row['bcubed_interval_covers']} of {row['windows'] - row['no_pair']}")
    write_results("label_sample", {"machine": machine(), "sizes": list(SIZES),
                                   "sources": sources, "summary": summary})


def _source(name: str, story_of: dict[str, str], folder: Path, work: Path) -> dict[str, Any]:
    db = _database(work / f"{name}.db", [folder])
    detect_stories(db)
    in_order = _in_time_order(db, story_of)
    samples: dict[str, dict[str, str]] = {name: story_of}  # the whole source, then each window
    for k in SIZES:
        for start in range(0, max(len(in_order) - k, 0) + 1, k // 2):
            if len(in_order) >= start + k:
                samples[f"{k}@{start}"] = {url: story_of[url]
                                           for url in in_order[start:start + k]}
    # one call: each window scored as a source of its own (pairs within it only), and the
    # stories the other choice about the related lists gives computed once for all of them
    whole, *found = score_stories(db, samples, compare_related=True).scores[:len(samples)]
    db.close()
    windows = [{"articles": int(key.split("@")[0]), "start": int(key.split("@")[1]),
                "same_story_pairs": score.same_story_pairs, "f1": score.stories["f1"],
                "bcubed_f1": score.stories["bcubed_f1"], **score.interval,
                "prefers_other": _prefers_other(score)}
               for key, score in zip(list(samples)[1:], found, strict=True)]
    return {"source": name, "labelled": whole.labelled, "f1": whole.stories["f1"],
            "bcubed_f1": whole.stories["bcubed_f1"], "prefers_other": _prefers_other(whole),
            "windows": windows}


def _prefers_other(score: LabelScore) -> bool | None:
    """Whether the stories computed the other way about the related lists score a higher
    pairwise F1 (``stories --score``'s hint); None without related links."""
    return None if score.other is None else score.other["f1"] > score.stories["f1"]


def _in_time_order(db: graphnews.Database, story_of: dict[str, str]) -> list[str]:
    """The labelled URLs the database holds, earliest first (no time: last), then by URL."""
    when = dict(db.conn.execute("SELECT canonical_url, published_ts FROM articles"))
    held = [url for url in story_of if url in when]
    return sorted(held, key=lambda url: (when[url] is None, when[url] or 0, url))


def _summary(k: int, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """Over every window of ``k`` articles that holds a same-story pair: how far its scores
    fall from its whole source's (median and 90th percentile of the absolute difference)."""
    f1: list[float] = []
    bcubed: list[float] = []
    covered = {"f1": 0, "bcubed_f1": 0}  # windows whose interval holds the whole source's
    windows = no_pair = used = 0
    for s in sources:
        mine = [w for w in s["windows"] if w["articles"] == k]
        used += bool(mine)
        windows += len(mine)
        no_pair += sum(not w["same_story_pairs"] for w in mine)
        for w in mine:
            if w["same_story_pairs"]:
                f1.append(abs(w["f1"] - s["f1"]))
                bcubed.append(abs(w["bcubed_f1"] - s["bcubed_f1"]))
                covered["f1"] += w["f1_low"] <= s["f1"] <= w["f1_high"]
                covered["bcubed_f1"] += w["bcubed_f1_low"] <= s["bcubed_f1"] <= w["bcubed_f1_high"]
    choices = [w["prefers_other"] == s["prefers_other"] for s in sources
               for w in s["windows"] if w["articles"] == k and s["prefers_other"] is not None
               and w["same_story_pairs"]]
    return {"articles": k, "sources": used, "windows": windows, "no_pair": no_pair,
            "related_windows": len(choices), "related_choice_agrees": sum(choices),
            "f1_error_median": _quantile(f1, 0.5), "f1_error_p90": _quantile(f1, 0.9),
            "bcubed_error_median": _quantile(bcubed, 0.5),
            "bcubed_error_p90": _quantile(bcubed, 0.9),
            "f1_interval_covers": covered["f1"], "bcubed_interval_covers": covered["bcubed_f1"]}


def _quantile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


if __name__ == "__main__":
    main()
