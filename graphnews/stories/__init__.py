"""Stories: which articles report the same event (`detect`), and the stored result (`stored`)."""

from __future__ import annotations

from graphnews.stories.detect import (
    DEFAULT_RESOLUTION,
    Evidence,
    StoryRun,
    detect_stories,
    stories_are_current,
    update_stories,
)
from graphnews.stories.stored import (
    Story,
    article_stories,
    get_story,
    load_stories,
    story_of_article,
    story_urls,
)

__all__ = [
    "DEFAULT_RESOLUTION",
    "Evidence",
    "Story",
    "StoryRun",
    "article_stories",
    "detect_stories",
    "get_story",
    "load_stories",
    "stories_are_current",
    "story_of_article",
    "story_urls",
    "update_stories",
]
