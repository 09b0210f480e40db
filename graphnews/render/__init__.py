"""Offline HTML pages: what each page shows (`pages`), the self-contained page (`page`)."""

from __future__ import annotations

from graphnews._lazy import attach

#: How many outlets (or topics) a network page draws unless told otherwise.
DEFAULT_TOP = 100
#: How many story pages `render_site` writes unless told otherwise.
DEFAULT_TOP_STORIES = 20

__getattr__, __dir__, _loaded_on_use = attach(
    __name__,
    {
        "pages": [
            "PALETTE",
            "PHYSICS_LIMIT",
            "GraphPage",
            "outlet_network",
            "render_site",
            "story_network",
            "topic_network",
        ],
    },
)

__all__ = ["DEFAULT_TOP", "DEFAULT_TOP_STORIES", *_loaded_on_use]
