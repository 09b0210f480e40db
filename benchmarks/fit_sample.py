"""Does fitting the model on a labelled sample of your own beat the shipped model?

docs/labelling.md has a researcher label a sheet of consecutive articles; ``graphnews stories
--fit`` then fits the model on those labels, reports its cross-validated scores beside the
shipped model's on the same left-out parts, and keeps it for the whole corpus. This measures,
on the hand-labelled real sources, what that fit does for the articles nobody labelled: for
every run of K consecutive labelled articles (by publication time, windows side by side), the
model fitted on the run (`graphnews.stories.fit.cross_validate`, as ``--fit`` does) and the
shipped model each cluster the whole source, and both are scored against the labels of every
other labelled article of the source. Also the first half of a source's labelled articles
against the second half. Reported per K: how often the fit scores higher on the rest, by how
much, and how often the cross-validation's comparison (``--fit``'s verdict) named the one
that scored higher on the rest.

By default only the sources the shipped model was never fitted on (`stories_eval.SCORED_ONLY`:
there the shipped model is what a user of a new corpus has); nothing is chosen from it.

    python benchmarks/fit_sample.py [--all-sources]     # results/fit_sample.json
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from label_sample import _in_time_order
from stories_eval import _database, chosen_sources, source_arguments

from graphnews.errors import BadInputError
from graphnews.stories.detect import current_model
from graphnews.stories.fit import Labelled, cross_validate, label_scores
from graphnews.stories.pairs import Articles

SIZES = (60, 100, 150)
HALF = "half"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_arguments(parser, work="graphnews-fit-sample")
    args = parser.parse_args()
    sources = []
    for name, story_of, folder in chosen_sources(args):
        sources.append(_source(name, story_of, folder, args.work))
        print(f"{name}: {len(sources[-1]['windows'])} samples fitted", flush=True)
    summary = [_summary(k, sources) for k in (*SIZES, HALF)]
    for row in summary:
        print(f"K={row['articles']}: {row['fitted']} samples fitted of {row['samples']} "
              f"({row['sources']} sources); on the rest of the source the fit scored higher "
              f"{row['fit_higher']} times, lower {row['fit_lower']}; pairwise F1 on the rest: "
              f"shipped {row['rest_f1_shipped']}, fit {row['rest_f1_fit']}, as --fit's "
              f"comparison chose {row['rest_f1_chosen']}; the comparison named the higher "
              f"{row['verdict_right']} of {row['verdict_decided']} times; on the "
              f"{row['with_related_links']} samples of sources with related links: shipped "
              f"{row['linked_rest_f1_shipped']}, fit {row['linked_rest_f1_fit']}, shipped "
              f"without the lists {row['linked_rest_f1_shipped_without_related']}")
    write_results("fit_sample", {"machine": machine(), "sizes": [*SIZES, HALF],
                                 "sources": sources, "summary": summary})


def _source(name: str, story_of: dict[str, str], folder: Path, work: Path) -> dict[str, Any]:
    db = _database(work / f"{name}.db", [folder])
    in_order = _in_time_order(db, story_of)
    corpus = Labelled.build(name, Articles.load(db), {})
    model = current_model(db)  # the shipped one: the database has no fit of its own
    shipped = corpus.predict(model)
    # what `--ignore-related` gives instead, on a source with related links
    unlinked = (Labelled.build(name, Articles.load(db, related=False), {}).predict(model)
                if corpus.articles.linked else None)
    samples = {f"{k}@{start}": in_order[start:start + k]
               for k in SIZES for start in range(0, len(in_order) - k + 1, k)}
    samples[f"{HALF}@0"] = in_order[:len(in_order) // 2]
    held = set(in_order)
    windows = []
    for key, urls in samples.items():
        sample = {url: story_of[url] for url in urls}
        rest = {url: story for url, story in story_of.items()
                if url not in sample and url in held}
        try:
            own, report = cross_validate(db, {name: sample})
        except BadInputError as error:  # too few stories of two or more in the sample
            windows.append({"sample": key, "fitted": False, "why": str(error)})
            continue
        fitted = corpus.predict(own)
        windows.append({"sample": key, "fitted": True, "articles": len(sample),
                        "rest": len(rest),
                        "cv_f1_fit": report["mean"]["f1"],
                        "cv_f1_shipped": report["mean_before"]["f1"],
                        **_rest_scores(rest, fitted, "fit"),
                        **_rest_scores(rest, shipped, "shipped"),
                        **(_rest_scores(rest, unlinked, "shipped_without_related")
                           if unlinked is not None else {})})
    db.close()
    return {"source": name, "labelled": len(in_order), "windows": windows}


def _rest_scores(rest: dict[str, str], predicted: dict[str, int], name: str) -> dict[str, float]:
    """Pairwise F1 and BCubed F1 of ``predicted`` over the unlabelled-in-the-sample ``rest``."""
    scores = label_scores(rest, predicted)
    return {f"rest_f1_{name}": scores["f1"], f"rest_bcubed_f1_{name}": scores["bcubed_f1"]}


def _summary(k: int | str, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """Over the samples of ``k`` articles: how the fit and the shipped model score on the rest
    of their source, and how often the cross-validation named the higher one."""
    mine = [(s, w) for s in sources for w in s["windows"] if w["sample"].split("@")[0] == str(k)]
    fitted = [w for _, w in mine if w["fitted"]]
    higher = [w for w in fitted if w["rest_f1_fit"] > w["rest_f1_shipped"]]
    lower = [w for w in fitted if w["rest_f1_fit"] < w["rest_f1_shipped"]]
    decided = [w for w in fitted
               if w["rest_f1_fit"] != w["rest_f1_shipped"] and w["cv_f1_fit"] != w["cv_f1_shipped"]]
    right = [w for w in decided
             if (w["cv_f1_fit"] > w["cv_f1_shipped"]) == (w["rest_f1_fit"] > w["rest_f1_shipped"])]

    def mean(key: str, rows: list[dict[str, Any]]) -> float | None:
        return round(statistics.fmean(w[key] for w in rows), 3) if rows else None

    chosen = [{"f1": w["rest_f1_fit"] if w["cv_f1_fit"] > w["cv_f1_shipped"]
               else w["rest_f1_shipped"]} for w in fitted]
    linked = [w for w in fitted if "rest_f1_shipped_without_related" in w]
    return {"articles": k, "sources": len({s["source"] for s, _ in mine}),
            "samples": len(mine), "fitted": len(fitted),
            "fit_higher": len(higher), "fit_lower": len(lower),
            "rest_f1_shipped": mean("rest_f1_shipped", fitted),
            "rest_f1_fit": mean("rest_f1_fit", fitted),
            "rest_f1_chosen": mean("f1", chosen),
            "rest_bcubed_f1_shipped": mean("rest_bcubed_f1_shipped", fitted),
            "rest_bcubed_f1_fit": mean("rest_bcubed_f1_fit", fitted),
            "verdict_decided": len(decided), "verdict_right": len(right),
            "with_related_links": len(linked),
            "linked_rest_f1_shipped": mean("rest_f1_shipped", linked),
            "linked_rest_f1_fit": mean("rest_f1_fit", linked),
            "linked_rest_f1_shipped_without_related": mean("rest_f1_shipped_without_related",
                                                           linked)}


if __name__ == "__main__":
    main()
