"""Filters shared by every graph builder and report: time window, topics, outlets, weight.

One name per concept: ``since`` / ``until`` bound publication time (inclusive), ``topics`` and
``outlets`` restrict to articles about any of those topics or published by any of those outlets,
``collections`` to articles of outlets in any of those collections (`graphnews.collections`),
``languages`` to articles detected in any of those languages (`graphnews.language`),
``min_weight`` drops weaker edges.

>>> f = Filters.build(since="2022-06-01", until="2022-06-30")
>>> f.since_ts, f.until_ts
(1654041600, 1656633599)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from graphnews.collections import Collection
from graphnews.dates import parse_when
from graphnews.errors import BadInputError
from graphnews.identity import outlet_domain

__all__ = ["Filters"]


@dataclass(frozen=True)
class Filters:
    """Which articles and edges a builder or report keeps. The default keeps everything."""

    since_ts: int | None = None
    until_ts: int | None = None
    topics: frozenset[str] = frozenset()
    outlets: frozenset[str] = frozenset()
    min_weight: float = 0.0
    collections: tuple[Collection, ...] = ()
    languages: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        topics: Iterable[str] | None = None,
        outlets: Iterable[str] | None = None,
        min_weight: float = 0.0,
        collections: Iterable[Collection] | None = None,
        languages: Iterable[str] | None = None,
    ) -> Filters:
        """Filters from user values (dates as text, outlet domains in any spelling)."""
        since_ts, until_ts = parse_when(since), parse_when(until, end=True)
        if since_ts is not None and until_ts is not None and since_ts > until_ts:
            raise BadInputError("--since is after --until: nothing can match")
        return cls(
            since_ts=since_ts,
            until_ts=until_ts,
            topics=frozenset(t.strip() for t in topics or () if t.strip()),
            outlets=frozenset(outlet_domain(o) or o for o in outlets or ()),
            min_weight=float(min_weight),
            collections=tuple(collections or ()),
            languages=frozenset(x.strip().lower() for x in languages or () if x.strip()),
        )

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def as_dict(self) -> dict[str, object]:
        """Every setting as plain sorted values (stable across processes, for fingerprints).

        >>> Filters.build(topics=["b", "a"], since="2022-06-01").as_dict()["topics"]
        ['a', 'b']
        """
        return {"since_ts": self.since_ts, "until_ts": self.until_ts,
                "topics": sorted(self.topics), "outlets": sorted(self.outlets),
                "min_weight": self.min_weight,
                "collections": [c.as_dict() | {"key": c.key, "values": sorted(c.values)}
                                for c in self.collections],
                "languages": sorted(self.languages)}

    def article_sql(self, alias: str = "a") -> tuple[str, list[object]]:
        """A SQL condition over ``articles AS alias`` (outlet domains via ``outlets``)."""
        parts: list[str] = ["1 = 1"]
        params: list[object] = []
        if self.since_ts is not None:
            parts.append(f"{alias}.published_ts >= ?")
            params.append(self.since_ts)
        if self.until_ts is not None:
            parts.append(f"{alias}.published_ts <= ?")
            params.append(self.until_ts)
        if self.topics:
            marks = ",".join("?" * len(self.topics))
            parts.append(
                f"{alias}.id IN (SELECT t.article_id FROM article_topics t "
                f"JOIN topics p ON p.id = t.topic_id WHERE p.name IN ({marks}))"
            )
            params.extend(sorted(self.topics))
        if self.outlets:
            marks = ",".join("?" * len(self.outlets))
            parts.append(
                f"{alias}.outlet_id IN (SELECT id FROM outlets WHERE domain IN ({marks}))"
            )
            params.extend(sorted(self.outlets))
        if self.collections:
            conditions = [c.outlet_sql("domain") for c in self.collections]
            parts.append(f"{alias}.outlet_id IN (SELECT id FROM outlets WHERE "
                         + " OR ".join(cond for cond, _ in conditions) + ")")
            params.extend(p for _, ps in conditions for p in ps)
        if self.languages:
            marks = ",".join("?" * len(self.languages))
            parts.append(f"{alias}.id IN (SELECT article_id FROM article_languages "
                         f"WHERE language IN ({marks}))")
            params.extend(sorted(self.languages))
        return " AND ".join(parts), params
