"""Stories: which articles report the same event (`detect`), and the stored result (`stored`)."""

from __future__ import annotations

from graphnews._lazy import attach

#: CPM resolution: the evidence weight per pair of members a story must hold to stay together.
#: Chosen on generated corpora (benchmarks/bench_stories.py) and the real June 2022 documents.
DEFAULT_RESOLUTION = 0.03

__getattr__, __dir__, _loaded_on_use = attach(
    __name__,
    {
        "detect": [
            "Evidence",
            "StoryRun",
            "detect_stories",
            "stories_are_current",
            "update_stories",
        ],
        "stored": [
            "Story",
            "article_stories",
            "get_story",
            "load_stories",
            "story_of_article",
            "story_urls",
        ],
    },
)

__all__ = ["DEFAULT_RESOLUTION", *_loaded_on_use]
