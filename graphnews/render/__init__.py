"""Offline HTML pages: what each page shows (`pages`), the self-contained page (`page`)."""

from __future__ import annotations

from graphnews.render.pages import (
    DEFAULT_TOP,
    DEFAULT_TOP_STORIES,
    PALETTE,
    PHYSICS_LIMIT,
    GraphPage,
    outlet_network,
    render_site,
    story_network,
    topic_network,
)

__all__ = [
    "DEFAULT_TOP",
    "DEFAULT_TOP_STORIES",
    "PALETTE",
    "PHYSICS_LIMIT",
    "GraphPage",
    "outlet_network",
    "render_site",
    "story_network",
    "topic_network",
]
