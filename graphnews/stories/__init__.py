"""Stories: detection of the articles that cover one story, and their storage."""

from __future__ import annotations

from graphnews.stories.detect import (
    DEFAULT_RESOLUTION,
    Evidence,
    Story,
    StoryRun,
    article_stories,
    detect_stories,
    get_story,
    load_stories,
    stories_are_current,
    story_of_article,
    story_urls,
    update_stories,
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
