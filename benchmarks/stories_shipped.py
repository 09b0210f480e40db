"""The shipped same-story model on every labelled real source, as ``graphnews stories`` runs it.

Not leave-one-source-out: the shipped model (``graphnews/stories/model.json``) was fitted on
every source of ``labels.tsv`` except the scored-only ones (`stories_eval.SCORED_ONLY`), so
its scores on a fitted source are in-sample, and only the scored-only rows say how it does on
real data it was never fitted on (of those, smartable-ai-2021-01 is development data: its
errors were read while choosing). Each source is scored with and without its ``related``
lists, beside connected components of the lists (every article alone without them). And how
far the model's pair probabilities hold on the scored-only sources as labelled: each one's
mean probability beside its share of same-story pairs, and the reliability table of all of
them together (``never_fitted_calibration``).

    python benchmarks/stories_shipped.py          # results/stories_shipped.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from harness import machine, write_results
from stories_eval import EVAL, SCORED_ONLY, _link_components, _real_sources, _score

from graphnews.stories.pairs import load_model, reliability


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=EVAL / "labels.tsv")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "graphnews-stories-eval"
    )
    args = parser.parse_args()
    model = load_model()
    rows: list[dict[str, Any]] = []
    blind_p: list[np.ndarray] = []
    blind_y: list[np.ndarray] = []
    for source in _real_sources(args.labels, args.work):
        variants = [(c, bool(source.bare)) for c in source.corpora]
        for corpus, lists in [*variants, *((c, False) for c in source.bare)]:
            chosen, scored = corpus.scored_by(model)  # the pairs of the model that scores it
            labelled = scored.labelled
            p = chosen.predict(scored.pairs.x[labelled])
            y = scored.same[labelled]
            if source.name in SCORED_ONLY and corpus in source.corpora:
                blind_p.append(p)
                blind_y.append(y)
            rows.append(
                {
                    "source": source.name,
                    "related_lists": lists,
                    "fitted_on": source.name not in SCORED_ONLY,
                    "text_only_model": chosen is model.text_only,
                    "articles": len(corpus.truth()),
                    "candidate_pairs": int(labelled.sum()),
                    "same_story_pairs": int(scored.same[labelled].sum()),
                    "mean_probability": round(float(p.mean()), 4) if len(p) else None,
                    "graphnews": _score(corpus, corpus.predict(model), real=True),
                    "connected components": _score(
                        corpus, _link_components(corpus, 0.0), real=True
                    ),
                }
            )
    print(_table(rows))
    p, y = np.concatenate(blind_p), np.concatenate(blind_y)
    calibration = {
        "pairs": len(y),
        "same_story_share": round(float(y.mean()), 4),
        "mean_probability": round(float(p.mean()), 4),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "reliability": reliability(p, y),
    }
    print(f"\nnever-fitted sources as labelled, {calibration['pairs']:,} candidate pairs: mean "
          f"probability {calibration['mean_probability']}, same-story share "
          f"{calibration['same_story_share']}, Brier {calibration['brier']}")
    for b in calibration["reliability"]:
        print(f"  {b['bin']}: {b['pairs']:>5} pairs, predicted {b['predicted']}, "
              f"observed {b['observed']}")
    write_results("stories_shipped", {"machine": machine(), "rows": rows,
                                      "never_fitted_calibration": calibration})


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(s: dict[str, float]) -> str:
        return (
            f"F1 {s['f1']:.2f} (P {s['precision']:.2f} R {s['recall']:.2f}), "
            f"B³ {s['bcubed_f1']:.2f}"
        )

    lines = [
        "| source | related lists | shipped model fitted on it | articles | candidate pairs "
        "(same story) | graphnews | connected components |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['source']} | {'yes' if r['related_lists'] else 'none or removed'} | "
            f"{'yes (in-sample)' if r['fitted_on'] else 'no'} | {r['articles']} | "
            f"{r['candidate_pairs']:,} ({r['same_story_pairs']:,}) | {cell(r['graphnews'])} | "
            f"{cell(r['connected components'])} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
