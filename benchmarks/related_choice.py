"""With or without the related lists: the shipped model on each labelled real source that has
them, as ``graphnews stories`` and ``graphnews stories --ignore-related`` compute it.

Each source's documents are ingested into a fresh database and its stories computed twice,
with the lists and without (`graphnews.stories.update_stories` ``related=False``: every
article kept, the links left out, the text-only model), then scored against the source's
labels (`graphnews.stories.score.score_stories`: pairwise precision, recall, F1 and BCubed
F1 over the labelled articles). ai-2022-06 is also split by the documents' dates (1-23 and
24-30 June 2022), each half a database of its own. The shipped model was fitted on
ai-2022-06 (its rows are in-sample); the smartable-ai sources are scored only, never fitted
(`stories_eval.SCORED_ONLY`). With ``--generated`` also corpora whose lists name a story's
own articles (generated, development seed 3; scored by pairwise F1 as the real ones). Nothing
is chosen on these numbers: the default stays "with".

    python benchmarks/related_choice.py --generated   # results/related_choice.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import independent_corpus, machine, write_results
from stories_eval import EVAL

import graphnews
from graphnews.generator import DOCUMENTS_DIR, REGIMES
from graphnews.ingest import ingest
from graphnews.stories import update_stories
from graphnews.stories.fit import read_labels
from graphnews.stories.score import LabelScore, score_stories

#: ai-2022-06's documents by date: the two halves of the month.
HALVES = {"ai-2022-06 (1-23 June)": "2022-06-0,2022-06-1,2022-06-20,2022-06-21,2022-06-22,"
          "2022-06-23", "ai-2022-06 (24-30 June)": "2022-06-24,2022-06-25,2022-06-26,"
          "2022-06-27,2022-06-28,2022-06-29,2022-06-30"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=EVAL / "labels.tsv")
    parser.add_argument("--work", type=Path, default=Path(tempfile.mkdtemp()))
    parser.add_argument("--generated", action="store_true", help="also corpora whose lists "
                        "name a story's own articles (development seed 3): four regimes of "
                        "graphnews.generator and the independent generator's links regime")
    args = parser.parse_args()
    labels = read_labels(args.labels)
    corpora: list[tuple[str, dict[str, str], list[Path], bool]] = []
    for name in sorted(labels):
        files = sorted((EVAL / name / "documents").iterdir())
        corpora.append((name, labels[name], files, True))
        if name == "ai-2022-06":
            corpora += [(half, labels[name], [f for f in files if f.name.startswith(
                tuple(prefixes.split(",")))], True) for half, prefixes in HALVES.items()]
    if args.generated:
        corpora += _generated(args.work)
    rows: list[dict[str, Any]] = []
    for index, (corpus, story_of, files, real) in enumerate(corpora):
        # one database per corpus: a corpus without links is skipped, and its documents must
        # not stay in the database of the next (until session 34 the file was named after the
        # rows so far, so they did)
        db = graphnews.open(args.work / f"{index}.db")
        ingest(db, files)
        if not db.conn.execute("SELECT count(*) FROM related_links").fetchone()[0]:
            db.close()
            continue
        halves = _halves(story_of)
        documents = sum(len(list(f.glob("*.md"))) if f.is_dir() else 1 for f in files)
        for related in (True, False):
            update_stories(db, related=related)
            score, *by_half = (_score(db, corpus, part) for part in (story_of, *halves))
            rows.append({"corpus": corpus, "real": real, "documents": documents,
                         "related": related, "labelled": score.labelled, **score.stories,
                         "halves_f1": [h.stories["f1"] for h in by_half]})
        db.close()
        with_, without = rows[-2], rows[-1]
        print(f"{corpus:28} docs {documents:4}  with lists F1 {with_['f1']:.3f} "
              f"(P {with_['precision']:.2f} R {with_['recall']:.2f}) B3 {with_['bcubed_f1']:.3f}"
              f"  ignored F1 {without['f1']:.3f} (P {without['precision']:.2f} "
              f"R {without['recall']:.2f}) B3 {without['bcubed_f1']:.3f}", flush=True)
    choices = _choices([r for r in rows if r["real"]])
    agreed = sum(c["held_out_agrees"] for c in choices)
    chosen = _mean(c["held_out_f1"] for c in choices)
    always = _mean(c["held_out_with"] for c in choices)
    print(f"chosen on half of a real corpus's labelled stories, the other half agrees: {agreed} "
          f"of {len(choices)}; held-out F1 as chosen {chosen:.3f}, with the lists always "
          f"{always:.3f}")
    path = write_results("related_choice", {"machine": machine(), "rows": rows,
                                            "choices": choices})
    print(f"results written to {path}", file=sys.stderr)


def _generated(work: Path) -> list[tuple[str, dict[str, str], list[Path], bool]]:
    """Generated corpora with lists (each document lists its story's other articles and noise
    links): four regimes at 20% and 40% noise links, 500 documents, and the independent
    generator's ``links`` regime at 1,000; all at development seed 3."""
    out = []
    for regime in ("planted", "topical-noise", "short-text", "bursts"):
        for noise in (0.2, 0.4):
            folder = work / f"{regime}-{noise}"
            truth = REGIMES[regime].generate(folder, documents=500, noise=noise, seed=3)
            out.append((f"{regime} {noise:.0%}", truth.story_of, [folder / DOCUMENTS_DIR],
                        False))
    for noise in (0.2, 0.4):
        folder = work / f"independent-links-{noise}"
        truth = independent_corpus(folder, regime="links", noise=noise, seed=3, documents=1000)
        out.append((f"independent links {noise:.0%}", truth, [folder], False))
    return out


def _halves(story_of: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The labelled articles split in two by story (a story's articles on one side)."""
    side = {u: zlib.crc32(s.encode()) % 2 for u, s in story_of.items()}
    return ({u: s for u, s in story_of.items() if side[u] == 0},
            {u: s for u, s in story_of.items() if side[u] == 1})


def _score(db: graphnews.Database, source: str, story_of: dict[str, str]) -> LabelScore:
    return next(s for s in score_stories(db, {source: story_of}).scores if s.source == source)


def _choices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each corpus and half of its labelled stories: with or without the lists, chosen
    by pairwise F1 on that half (with them unless better without), scored on the other."""
    out = []
    for with_, without in zip(rows[::2], rows[1::2], strict=True):
        for chosen_on, held_out in ((0, 1), (1, 0)):
            keep = with_["halves_f1"][chosen_on] >= without["halves_f1"][chosen_on]
            best = with_ if with_["halves_f1"][held_out] >= without["halves_f1"][held_out] \
                else without
            out.append({
                "corpus": with_["corpus"], "chosen_on_half": chosen_on, "related": keep,
                "held_out_f1": (with_ if keep else without)["halves_f1"][held_out],
                "held_out_with": with_["halves_f1"][held_out],
                "held_out_agrees": best is (with_ if keep else without)})
    return out


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values)


if __name__ == "__main__":
    main()
