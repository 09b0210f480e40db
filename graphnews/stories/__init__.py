"""Stories: which articles report the same event (`detect`), and the stored result (`stored`).

`graphnews.stories.pairs` is the same-story pair model (candidate pairs, features, the fitted
and calibrated logistic model, the clustering); `graphnews.stories.fit` fits it on labelled
stories; `graphnews.stories.explain` says why a story's articles are together.
"""

from __future__ import annotations

from graphnews._lazy import attach

#: The probability a candidate pair needs to pull its two articles into one story: 0.5, "more
#: likely than not". Not tuned; higher splits stories finer, lower merges more. A sweep of
#: 0.35-0.6 on the development corpora kept it (docs/stories.md, "other calibrations").
DEFAULT_RESOLUTION = 0.5
#: Leiden's random seed when none is given and none is stored.
DEFAULT_SEED = 0

# The names of each submodule's __all__ (DEFAULT_RESOLUTION and DEFAULT_SEED are detect's too).
__getattr__, __dir__, __all__ = attach(__name__, {"detect": None, "stored": None})
