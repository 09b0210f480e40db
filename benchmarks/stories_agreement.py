"""How far two annotators agree on the labelled stories, beside graphnews against each.

``benchmarks/stories_eval/labels_second.tsv`` holds a second, independent labelling of some
sources of ``labels.tsv`` (same rule, another annotator who never saw the first labels). For
each such source this prints the agreement of the two labellings (pairwise F1 and BCubed F1 are
symmetric: either labelling may be taken as the truth; precision and recall take the first as
the truth) and graphnews's left-out stories scored against each labelling, and against the
pairs both annotators call one story or both call two (the rest left out).

graphnews's stories here are those of the leave-one-source-out table (`stories_eval.py`): the
model of the source's fold, fitted on every other fitted source (`TEXT_ONLY_FITTED` ones by the
text-only model alone) and the generator regimes
(``--seed``, 500 documents), the source's articles clustered with it.

    python benchmarks/stories_agreement.py            # results/stories_agreement.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine, write_results
from stories_eval import (
    EVAL,
    SCORED_ONLY,
    TEXT_ONLY_FITTED,
    _fit_models,
    _fitted_and_scored_only,
    _generated_sources,
    _real_sources,
)

from graphnews.stories.fit import label_scores, read_labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=EVAL / "labels.tsv")
    parser.add_argument("--second", type=Path, default=EVAL / "labels_second.tsv")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated corpora")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "graphnews-stories-eval"
    )
    args = parser.parse_args()
    # The fold models are fitted as the table of record fits them.
    args.fit_documents, args.dense_documents, args.dense_from = [500], [1000], 1000.0
    second = read_labels(args.second)
    real = _real_sources(args.labels, args.work)
    fitted, _ = _fitted_and_scored_only(
        real, scored_only=SCORED_ONLY, text_only_fitted=TEXT_ONLY_FITTED
    )
    generated = _generated_sources(args.work, [500, 1000], args.seed, [500])
    rows: list[dict[str, Any]] = []
    for source in (s for s in real if s.name in second):
        training = [s for s in fitted + generated if s is not source]
        model = _fit_models(training, args, args.seed)
        corpus = source.corpora[0]
        first = corpus.truth()
        other = {u: second[source.name].get(u) for u in first}
        if None in other.values():
            missing = sum(v is None for v in other.values())
            sys.exit(f"{args.second}: {source.name}: {missing} labelled articles have no row")
        row: dict[str, Any] = {
            "source": source.name,
            "articles": len(first),
            "stories": [len(set(first.values())), len(set(other.values()))],
            "same_story_pairs": [_pairs(first), _pairs(other)],
            "variants": {},
        }
        # With its lists removed a source keeps only its documents' articles (as the table of
        # record scores it): both labellings are restricted to them.
        variants = [("as labelled", corpus), *(("lists removed", b) for b in source.bare)]
        for variant, scored in variants:
            predicted = scored.predict(model)
            kept = scored.truth()
            other_kept = {u: other[u] for u in kept}
            row["variants"][variant] = {
                "articles": len(kept),
                "annotators": _agreement(kept, other_kept),
                "first": _agreement(kept, predicted),
                "second": _agreement(other_kept, predicted),
                "consensus": _consensus(kept, other, predicted),
            }
        rows.append(row)
        print(f"scored {source.name}", file=sys.stderr, flush=True)
    print(_table(rows))
    write_results(
        "stories_agreement",
        {"machine": machine(), "seed": args.seed, "rows": rows},
    )


def _pairs(labels: Mapping[str, Hashable]) -> int:
    return sum(c * (c - 1) // 2 for c in Counter(labels.values()).values())


def _agreement(truth: Mapping[str, Hashable], other: Mapping[str, Hashable]) -> dict[str, float]:
    return label_scores(truth, other)


def _consensus(
    first: Mapping[str, Hashable], second: Mapping[str, Hashable], predicted: Mapping[str, Hashable]
) -> dict[str, float]:
    """Pairwise scores over the pairs of ``first``'s articles both annotators call the same
    (one story, or two)."""
    urls = sorted(first)
    hits = claimed = truths = 0
    for i, u in enumerate(urls):
        for v in urls[i + 1 :]:
            same = first[u] == first[v]
            if same != (second[u] == second[v]):
                continue
            guess = predicted[u] == predicted[v]
            hits += same and guess
            claimed += guess
            truths += same
    precision = hits / claimed if claimed else 1.0
    recall = hits / truths if truths else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(s: dict[str, float]) -> str:
        b = f", B³ {s['bcubed_f1']:.2f}" if "bcubed_f1" in s else ""
        return f"F1 {s['f1']:.2f} (P {s['precision']:.2f} R {s['recall']:.2f}){b}"

    lines = [
        "| source | articles scored | stories (first / second) | same-story pairs "
        "| annotators agree | graphnews vs first | vs second | vs consensus pairs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for variant, g in r["variants"].items():
            lists = "" if variant == "as labelled" else " (lists removed)"
            lines.append(
                f"| {r['source']}{lists} | {g['articles']} | {r['stories'][0]} / "
                f"{r['stories'][1]} | {r['same_story_pairs'][0]:,} / "
                f"{r['same_story_pairs'][1]:,} | {cell(g['annotators'])} | "
                f"{cell(g['first'])} | {cell(g['second'])} | {cell(g['consensus'])} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
