"""Stored stories: read what `graphnews.stories.detect` wrote to ``stories`` and ``story_articles``.

A story's ``id`` is a hash of its earliest article's canonical URL (``story_id`` in the tables
and in every other module's output).

>>> import graphnews
>>> load_stories(graphnews.open(":memory:"))
[]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from graphnews.errors import NotFoundError
from graphnews.store import Database

__all__ = [
    "RELATED_META_KEY",
    "SINGLETONS_META_KEY",
    "Story",
    "get_story",
    "keep_singletons",
    "largest_stories",
    "load_stories",
    "related_ignored",
    "singletons_kept",
    "story_of_article",
    "story_urls",
    "time_order",
    "use_related",
]


@dataclass(frozen=True)
class Story:
    """One story: its id, its articles (ids, earliest first) and the confidence in it.

    ``confidence`` is the calibrated mean probability, over the candidate pairs inside the
    story, that the two articles report one story; for an article alone, the probability that
    it belongs with none of its candidates (1.0 when it has none).
    """

    id: str
    articles: tuple[int, ...]
    confidence: float

    @property
    def size(self) -> int:
        return len(self.articles)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "confidence": self.confidence,
            "articles": list(self.articles),
        }


def load_stories(db: Database) -> list[Story]:
    """The stored stories, largest first (empty before `detect_stories` ran)."""
    members: dict[str, list[tuple[int | None, int]]] = {}
    for story_id, article_id, ts in db.conn.execute(
        "SELECT s.story_id, s.article_id, a.published_ts FROM story_articles s "
        "JOIN articles a ON a.id = s.article_id"
    ):
        members.setdefault(story_id, []).append((ts, article_id))
    confidence = dict(db.conn.execute("SELECT id, confidence FROM stories"))
    stories = [
        Story(sid, tuple(a for _, a in sorted(rows, key=time_order)), float(confidence.get(sid, 0)))
        for sid, rows in members.items()
    ]
    stories.sort(key=lambda s: (-s.size, s.id))
    return stories


def largest_stories(db: Database, limit: int, *, min_size: int = 2) -> list[str]:
    """The ids of the ``limit`` largest stored stories of ``min_size`` articles or more.

    In `load_stories`' order (largest first, then by id), read from the ``stories`` table alone.
    """
    return [str(sid) for (sid,) in db.conn.execute(
        "SELECT id FROM stories WHERE size >= ? ORDER BY size DESC, id LIMIT ?",
        (min_size, max(limit, 0)),
    )]


def get_story(db: Database, story: str) -> Story:
    """One stored story, by its id or by the URL (any alias) of one of its articles.

    Raises
    ------
    NotFoundError
        When no story has that id and no stored article has that URL.
    """
    story_id = story.strip()
    if "://" in story_id:
        article = db.resolve_url(story_id)
        found = None if article is None else story_of_article(db, article)
        if found is None:
            raise NotFoundError(f"no story holds the article {story!r}")
        story_id = found
    rows = db.conn.execute(
        "SELECT s.article_id, a.published_ts FROM story_articles s "
        "JOIN articles a ON a.id = s.article_id WHERE s.story_id = ?",
        (story_id,),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"no story {story!r}: see 'graphnews stories --all'")
    confidence = db.conn.execute(
        "SELECT confidence FROM stories WHERE id = ?", (story_id,)
    ).fetchone()
    articles = tuple(a for _, a in sorted(((ts, a) for a, ts in rows), key=time_order))
    return Story(story_id, articles, float(confidence[0]) if confidence else 0.0)


def story_of_article(db: Database, article: int | str) -> str | None:
    """The story id of an article (by id or by any URL of it), or None when it has none."""
    article_id = db.resolve_url(article) if isinstance(article, str) else article
    if article_id is None:
        return None
    row = db.conn.execute(
        "SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def story_urls(db: Database) -> dict[str, str]:
    """Canonical URL -> story id for every article with a stored story (for scoring)."""
    return {
        str(u): str(s)
        for u, s in db.conn.execute(
            "SELECT a.canonical_url, s.story_id FROM story_articles s "
            "JOIN articles a ON a.id = s.article_id"
        )
    }


def time_order(row: tuple[int | None, int]) -> tuple[float, int]:
    """Sort key of a ``(published_ts, article id)`` row: earliest first, unknown times last."""
    ts, article = row
    return (math.inf if ts is None else float(ts), article)


#: ``meta`` key of the choice to compute stories without the ``related`` lists
#: (``graphnews stories --ignore-related``): "ignore" when made.
RELATED_META_KEY = "story_related"


def related_ignored(db: Database) -> bool:
    """Whether the database's stories are computed without the ``related`` lists
    (``graphnews stories --ignore-related``; `graphnews.stories.detect.update_stories`)."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (RELATED_META_KEY,)).fetchone()
    return row is not None and row[0] == "ignore"


def use_related(db: Database, related: bool) -> None:
    """Keep the choice to compute the stories with (True) or without the ``related`` lists
    (``graphnews stories --use-related`` / ``--ignore-related``) for every later computation,
    fit and explanation; nothing is recomputed here."""
    if related_ignored(db) is related:  # the choice changes
        with db.transaction():
            if related:
                db.conn.execute("DELETE FROM meta WHERE key = ?", (RELATED_META_KEY,))
            else:
                db.put_meta(RELATED_META_KEY, "ignore")


#: ``meta`` key of the choice to leave no article alone (``graphnews stories
#: --no-singletons``): "join" when made.
SINGLETONS_META_KEY = "story_singletons"


def singletons_kept(db: Database) -> bool:
    """Whether an article may be a story of its own (the default), or every article with a
    candidate pair joins a story (``graphnews stories --no-singletons``: a set of grouped
    stories; `graphnews.stories.pairs.join_singletons`)."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?",
                          (SINGLETONS_META_KEY,)).fetchone()
    return row is None or row[0] != "join"


def keep_singletons(db: Database, keep: bool) -> None:
    """Keep the choice to let an article be a story of its own (True) or to leave none alone
    (``graphnews stories --singletons`` / ``--no-singletons``) for every later computation of
    the stories and their alternatives; nothing is recomputed here."""
    if singletons_kept(db) is not keep:  # the choice changes
        with db.transaction():
            if keep:
                db.conn.execute("DELETE FROM meta WHERE key = ?", (SINGLETONS_META_KEY,))
            else:
                db.put_meta(SINGLETONS_META_KEY, "join")
