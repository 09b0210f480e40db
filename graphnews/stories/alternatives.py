"""The stories under other clustering choices: how far a figure depends on them.

Every spread figure (who was first, how often, leader scores) stands on the stories, and the
clustering that makes them has two free choices: the resolution (the probability a pair needs
to pull its two articles into one story) and Leiden's random seed. `alternative_stories`
clusters the same evidence (the candidate pairs and their probabilities, computed once) under
each combination, and leaves the stored stories alone. `graphnews.spread.spread_ranges` turns
them into the range of each outlet's figures; ``graphnews spread --ranges`` shows it.

The default resolutions, 0.4, 0.5 and 0.6, span what the development corpora measured: 0.5 is
the default; for corpora without related lists 0.4 found more of the stories of sets of
already grouped stories, 0.6 did better on days of general news, whose many small stories
merge (docs/stories.md, "the text-only model's cut, 0.3 to 0.6").

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> from graphnews.generator import generate_corpus, DOCUMENTS_DIR
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate_corpus(out, documents=200, noise=0.2, seed=3)
>>> db = graphnews.open(":memory:")
>>> _ = db.ingest([out / DOCUMENTS_DIR])
>>> found = alternative_stories(db, resolutions=(0.4, 0.6), seeds=(0,))
>>> sorted(found.labels), len(found.labels[(0.4, 0)]) == len(found.ids)
([(0.4, 0), (0.6, 0)], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from graphnews.errors import BadInputError
from graphnews.stories.detect import current_model
from graphnews.stories.pairs import Articles, CandidateSearch, Model, candidate_pairs, cluster

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = ["RANGE_RESOLUTIONS", "RANGE_SEEDS", "Alternatives", "alternative_stories"]

#: Resolutions of the alternative clusterings (see the module docstring for why these).
RANGE_RESOLUTIONS = (0.4, 0.5, 0.6)
#: Leiden seeds of the alternative clusterings.
RANGE_SEEDS = (0, 1, 2)


@dataclass
class Alternatives:
    """Stories of every article under each ``(resolution, seed)``: ``labels[key][i]`` is the
    story number of the article ``ids[i]`` (numbers mean nothing across keys)."""

    ids: np.ndarray  # article ids, ascending
    labels: dict[tuple[float, int], np.ndarray]

    def story_of(self, key: tuple[float, int]) -> dict[int, int]:
        """Article id -> story number under ``key``."""
        return dict(zip(self.ids.tolist(), self.labels[key].tolist(), strict=True))


def alternative_stories(
    db: Database,
    *,
    resolutions: Sequence[float] = RANGE_RESOLUTIONS,
    seeds: Sequence[int] = RANGE_SEEDS,
    model: Model | None = None,
) -> Alternatives:
    """Cluster every article of ``db`` under each resolution and seed; store nothing.

    The evidence is the stored stories' (the same model as `graphnews.stories.detect_stories`
    would use, chosen the same way), computed once for every article; each clustering is a
    full one, so under the stored stories' own resolution and seed it gives the stored stories
    whenever they were last computed in full.

    Raises
    ------
    BadInputError
        When a resolution is not strictly between 0 and 1, or none is given.
    """
    if not resolutions or not seeds:
        raise BadInputError("give at least one resolution and one seed")
    for r in resolutions:
        if not 0.0 < r < 1.0:
            raise BadInputError(
                f"a resolution is the probability a pair of articles needs to be one story, "
                f"between 0 and 1, not {r}"
            )
    corpus = Articles.load(db)
    chosen = current_model(db, model).for_texts(linked=corpus.linked, language=corpus.language)
    everything = np.arange(len(corpus.ids))
    pairs = candidate_pairs(corpus, everything, CandidateSearch(), every_term=chosen.every_term)
    log_odds = chosen.log_odds(pairs.x)
    pairs = pairs.keeping("text_cos")
    labels = {
        (float(r), int(s)): cluster(len(everything), pairs, log_odds, threshold=r, seed=s)
        for r in resolutions
        for s in seeds
    }
    return Alternatives(corpus.ids, labels)
