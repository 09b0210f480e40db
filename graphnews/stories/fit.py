"""Fitting the same-story model on labelled stories, and scoring stories against labels.

Labels are a tab-separated (or comma-separated) file with a header: ``url`` and ``story``
columns, and optionally ``source`` (each source is its own corpus: pairs across sources are
never compared, and cross-validation leaves one source out at a time). URLs are joined to
articles by their canonical form, so AMP and tracking variants of one article name the same
article.

Scores of a predicted story per URL against the labelled story per URL:

- **pairwise** precision, recall and F1: over pairs of labelled articles, how many put together
  are one labelled story (precision), how many labelled-together pairs are put together (recall);
- **BCubed** F1: per article, the share of its predicted story that is its labelled story
  (precision) and the share of its labelled story in its predicted story (recall), averaged.

>>> truth = {"a": 1, "b": 1, "c": 2}
>>> pairwise_scores(truth, {"a": "x", "b": "x", "c": "x"})
{'precision': 0.333333, 'recall': 1.0, 'f1': 0.5}
>>> bcubed_f1(truth, {"a": "x", "b": "y", "c": "z"})  # precision 1, recall (1/2+1/2+1)/3
0.8
"""

from __future__ import annotations

import csv
import io
import zlib
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphnews.errors import BadInputError
from graphnews.stories.pairs import (
    INCREASING,
    Articles,
    Model,
    Pairs,
    candidate_pairs,
    cluster,
    fit_model,
    window_density,
)

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = [
    "Labelled",
    "bcubed_f1",
    "cross_validate",
    "fit",
    "label_scores",
    "labelled_pairs",
    "pairwise_scores",
    "read_labels",
]


def read_labels(path: str | Path) -> dict[str, dict[str, str]]:
    """Source -> canonical URL -> story, from a labels TSV, or CSV when the header has commas and
    no tab (``source`` defaults to the file name).

    A row that repeats the header is skipped, so that labelling sheets joined with ``cat``
    (`graphnews.stories.sheet`; each keeps its ``source``) read as one labels file.

    Raises
    ------
    BadInputError
        When the file has no ``url`` or ``story`` column, a row misses one, or one source
        labels an article twice with different stories (file and line).
    """
    from graphnews.identity import canonical_url

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"{p}: cannot read the labels: {error}") from error
    # (csv splits the rows itself: str.splitlines would also split at a U+2028 inside a URL;
    # a header without a tab is a spreadsheet's comma-separated export)
    first = text.split("\n", 1)[0]
    rows = csv.DictReader(io.StringIO(text, newline=""),
                          delimiter="\t" if "\t" in first or "," not in first else ",")
    if not rows.fieldnames or not {"url", "story"} <= set(rows.fieldnames):
        raise BadInputError(
            f"{p}:1: the labels need a header row with 'url' and 'story' "
            f"columns (tab- or comma-separated), found {rows.fieldnames}"
        )
    out: dict[str, dict[str, str]] = {}
    seen: dict[tuple[str, str], int] = {}  # (source, URL) -> the line that labelled it first
    header = dict(zip(rows.fieldnames, rows.fieldnames, strict=True))
    for row in rows:
        line = rows.line_num
        if row == header:  # the header again: sheets joined by `cat a.tsv b.tsv`
            continue
        url, story = (row.get("url") or "").strip(), (row.get("story") or "").strip()
        canonical = canonical_url(url) if url else None
        if canonical is None or not story:
            raise BadInputError(
                f"{p}:{line}: a row needs a URL and a story, got url={url!r} story={story!r}"
            )
        source = (row.get("source") or "").strip() or p.stem
        first = seen.setdefault((source, canonical), line)
        label = out.setdefault(source, {}).setdefault(canonical, f"{source}:{story}")
        if label != f"{source}:{story}":
            raise BadInputError(
                f"{p}:{line}: {url} is labelled again, with another story ({story!r}; line "
                f"{first}: {label.removeprefix(f'{source}:')!r}); an article is in one story"
            )
    if not out:
        raise BadInputError(f"{p}: no labels (only a header row)")
    return out


def pairwise_scores(
    truth: Mapping[Any, Hashable], predicted: Mapping[Any, Hashable]
) -> dict[str, float]:
    """Pairwise precision, recall and F1 over the labelled URLs (a missing URL: alone)."""
    urls = list(truth)
    gold = [truth[u] for u in urls]
    guess = [predicted.get(u, ("alone", u)) for u in urls]
    both = Counter(zip(gold, guess, strict=True))
    together = sum(c * (c - 1) // 2 for c in both.values())
    predicted_pairs = sum(c * (c - 1) // 2 for c in Counter(guess).values())
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(gold).values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}


def bcubed_f1(truth: Mapping[Any, Hashable], predicted: Mapping[Any, Hashable]) -> float:
    """BCubed F1 over the labelled URLs (a URL missing from ``predicted`` is alone)."""
    urls = list(truth)
    gold = [truth[u] for u in urls]
    guess = [predicted.get(u, ("alone", u)) for u in urls]
    both = Counter(zip(gold, guess, strict=True))
    gold_size, guess_size = Counter(gold), Counter(guess)
    precision = sum(both[(g, h)] / guess_size[h] for g, h in zip(gold, guess, strict=True))
    recall = sum(both[(g, h)] / gold_size[g] for g, h in zip(gold, guess, strict=True))
    precision, recall = precision / len(urls), recall / len(urls)
    return round(2 * precision * recall / (precision + recall), 6) if urls else 1.0


@dataclass
class Labelled:
    """A corpus with labelled stories: its articles, candidate pairs and pair labels."""

    name: str
    articles: Articles
    pairs: Pairs
    story: np.ndarray  # per article: its labelled story, or None
    labelled: np.ndarray  # per pair: both articles are labelled
    same: np.ndarray  # per pair: 1.0 when both are labelled with one story
    every_term: bool = False  # the pairs' features count every term (`Model.text_only`'s)
    _other: dict[bool, Labelled] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        name: str,
        articles: Articles,
        story_of: Mapping[str, str],
        *,
        every_term: bool = False,
    ) -> Labelled:
        pairs = candidate_pairs(articles, every_term=every_term)
        story = np.array([story_of.get(u) for u in articles.urls], dtype=object)
        return cls._labelled(name, articles, pairs, story, every_term=every_term)

    @classmethod
    def _labelled(
        cls, name: str, articles: Articles, pairs: Pairs, story: np.ndarray, *, every_term: bool
    ) -> Labelled:
        known = np.array([s is not None for s in story], dtype=bool)
        labelled = known[pairs.u] & known[pairs.v] if len(pairs) else np.zeros(0, dtype=bool)
        same = (labelled & (story[pairs.u] == story[pairs.v])).astype(np.float64)
        return cls(name, articles, pairs, story, labelled, same, every_term)

    def counting(self, *, every_term: bool) -> Labelled:
        """The same corpus and labels, its pairs' features computed with or without every
        term in the text vectors' length (computed once, then kept)."""
        if every_term == self.every_term:
            return self
        if every_term not in self._other:
            pairs = candidate_pairs(self.articles, every_term=every_term)
            self._other[every_term] = self._labelled(
                self.name, self.articles, pairs, self.story, every_term=every_term
            )
        return self._other[every_term]

    def scored_by(self, model: Model) -> tuple[Model, Labelled]:
        """The model that scores this corpus (its ``dense`` or ``text_only`` one, as
        `graphnews.stories.detect` picks them) and the corpus with that model's features."""
        chosen = model.for_density(window_density(self.articles.ts)).for_texts(
            linked=self.articles.linked, language=self.articles.language
        )
        return chosen, self.counting(every_term=chosen.every_term)

    def only(self, keep: np.ndarray) -> Labelled:
        """The same corpus with the labels of the articles outside ``keep`` forgotten."""
        story = np.where(keep, self.story, None)
        return self._labelled(
            self.name, self.articles, self.pairs, story, every_term=self.every_term
        )

    def truth(self) -> dict[str, str]:
        return {
            u: s
            for u, s in zip(self.articles.urls, self.story.tolist(), strict=True)
            if s is not None
        }

    def predict(self, model: Model, *, threshold: float = 0.5, seed: int = 0,
                singletons: bool = True) -> dict[str, int]:
        """Predicted story (a cluster number) per canonical URL, by the model (without
        ``singletons``: no article with a candidate pair left alone, `cluster`).

        The model's ``dense`` one scores a corpus of its density (`Model.for_density`), its
        ``text_only`` one a corpus without related links (`Model.for_texts`).
        """
        chosen, corpus = self.scored_by(model)
        membership = cluster(
            len(self.articles.ids),
            corpus.pairs,
            chosen.log_odds(corpus.pairs.x),
            threshold=threshold,
            seed=seed,
            singletons=singletons,
        )
        return dict(zip(self.articles.urls, membership.tolist(), strict=True))

    def scores(self, predicted: Mapping[str, Hashable]) -> dict[str, float]:
        return label_scores(self.truth(), predicted)


def fit(
    corpora: list[Labelled],
    groups: Mapping[str, str] | None = None,
    *,
    trees: bool = True,
    increasing: Sequence[str] = INCREASING,
) -> Model:
    """The model fitted on the labelled pairs of corpora (with boosted trees: ``trees``, their
    log-odds rising with the features ``increasing``).

    ``groups`` maps a corpus name to its source (default: each corpus is its own source).
    """
    x, y, names = labelled_pairs(corpora)
    source = groups or {}
    return fit_model(
        x, y, np.array([source.get(n, n) for n in names]), trees=trees, increasing=increasing
    )


def label_scores(truth: Mapping[Any, Hashable], predicted: Mapping[Any, Hashable]
                 ) -> dict[str, float]:
    """Pairwise precision, recall and F1 and BCubed F1 of ``predicted`` over the ``truth``
    keys (`pairwise_scores`, `bcubed_f1`): the scores of every story benchmark."""
    return pairwise_scores(truth, predicted) | {"bcubed_f1": bcubed_f1(truth, predicted)}


def labelled_pairs(corpora: list[Labelled]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and source name of every labelled candidate pair of the corpora."""
    x = np.vstack([c.pairs.x[c.labelled] for c in corpora])
    y = np.concatenate([c.same[c.labelled] for c in corpora])
    groups = np.concatenate([np.full(int(c.labelled.sum()), c.name, dtype=object) for c in corpora])
    return x, y, groups.astype(str)


def cross_validate(
    db: Database, labels: Mapping[str, Mapping[str, str]], *, folds: int = 5
) -> tuple[Model, dict[str, Any]]:
    """Fit the model on the labelled articles of a database, with cross-validated scores.

    With two or more sources, each source is left out in turn; with one, its stories are
    split into ``folds`` groups and each group is left out in turn (pairs reaching into the
    left-out group are not fitted on). Each left-out part is scored by clustering the whole
    database with the model fitted without it, and by clustering it with the model in force
    before the fit (`graphnews.stories.detect.current_model`: the shipped one, or the
    database's earlier fit; named by ``model_before``), so that the two can be compared on the
    same parts (``*_before``). Both clusterings are made at resolution 0.5 with seed 0,
    without the database's corrections, with its choice about single articles
    (`graphnews.stories.stored.singletons_kept`). Returns the model fitted on everything
    and a report of the scores per left-out part and their means (``mean``,
    ``mean_before``).

    The model is the logistic regression alone, without the shipped model's boosted trees: on
    one source's labels (ai-2022-06, azure-2020-04, azure-2020-09 of the project's labelled
    sources, five folds each) the trees scored 0.007-0.011 lower pairwise F1 than without.
    """
    from graphnews.stories.detect import current_model, fitted_model
    from graphnews.stories.stored import singletons_kept

    articles = Articles.load(db)
    story_of = {u: s for source in labels.values() for u, s in source.items()}
    corpus = Labelled.build("labels", articles, story_of)
    found = int(sum(s is not None for s in corpus.story))
    if found < 2:
        raise BadInputError(
            f"only {found} of the {len(story_of)} labelled URLs are articles of "
            "this database: ingest the labelled documents first"
        )
    source_of = {u: name for name, source in labels.items() for u in source}
    if len(labels) > 1:
        part = np.array([source_of.get(u, "") for u in articles.urls], dtype=object)
    else:
        part = np.array(
            [
                "" if s is None else f"fold {zlib.crc32(s.encode()) % folds + 1}"
                for s in corpus.story.tolist()
            ],
            dtype=object,
        )
    singletons = singletons_kept(db)
    before = corpus.predict(current_model(db), singletons=singletons)
    results = []
    for name in sorted({p for p in part.tolist() if p}):
        training = corpus.only(part != name)
        if not training.same.any():
            continue
        predicted = corpus.predict(fit([training], trees=False), singletons=singletons)
        truth = {
            u: s
            for u, s, p in zip(articles.urls, corpus.story.tolist(), part.tolist(), strict=True)
            if p == name
        }
        results.append(
            {"left_out": name, "articles": len(truth), **label_scores(truth, predicted)}
            | {f"{k}_before": v for k, v in label_scores(truth, before).items()}
        )
    if not results:
        raise BadInputError(
            "the labels need at least two stories with two or more articles "
            "each to fit and cross-validate the model"
        )
    model = fit([corpus], trees=False)
    keys = ("precision", "recall", "f1", "bcubed_f1")
    report = {
        "labelled_articles": found,
        "labelled_urls": len(story_of),
        "left_out": results,
        "mean": {k: round(float(np.mean([r[k] for r in results])), 4) for k in keys},
        "mean_before": {
            k: round(float(np.mean([r[f"{k}_before"] for r in results])), 4) for k in keys
        },
        "model_before": "fitted" if fitted_model(db) is not None else "shipped",
    }
    model.report["cross_validation"] = report
    return model, report
