"""An outlet's profile: names seen, articles over time, topics, partners, who it follows.

`outlet_profile` answers ``graphnews outlet DOMAIN``. Partners come from the outlet
co-coverage graph and following from the follows graph (`graphnews.graph`), built with the same
filters, so the profile agrees with ``graphnews outlets`` and ``graphnews export``.

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.md").write_text(
...     "---\\ntitle: A\\nwebUrl: https://a.com/1\\npublishedDateTime: 2022-06-01T10:00:00Z\\n"
...     "provider: {name: A News, domain: a.com}\\n"
...     "related:\\n  - {title: B, webUrl: 'https://b.com/2', provider: {name: B, domain: b.com},"
...     " publishedDateTime: '2022-06-01T12:00:00Z'}\\n---\\n")
>>> db = graphnews.open(":memory:"); _ = db.ingest([d])
>>> p = outlet_profile(db, "www.a.com")
>>> p.name, p.months, p.first_reports, [f["outlet"] for f in p.followed_by]
('A News', [{'month': '2022-06', 'articles': 1}], 1, ['b.com'])
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx

from graphnews.collections import outlet_metadata
from graphnews.errors import NotFoundError
from graphnews.filters import Filters
from graphnews.graph import (
    follow_links,
    follows_graph,
    heaviest_partners,
    outlet_graph,
)
from graphnews.identity import outlet_domain
from graphnews.store import Database

__all__ = ["OutletProfile", "outlet_profile"]


@dataclass
class OutletProfile:
    """Everything ``graphnews outlet DOMAIN`` shows (the ``--format json`` contract)."""

    outlet: str
    name: str
    names: list[dict[str, Any]]
    articles: int
    undated: int
    first_published: str | None
    last_published: str | None
    months: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    first_reports: int
    follows: list[dict[str, Any]]
    followed_by: list[dict[str, Any]]
    metadata: dict[str, str]  # imported attributes (graphnews outlets import)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def outlet_profile(
    db: Database,
    domain: str,
    *,
    limit: int = 10,
    filters: Filters | None = None,
) -> OutletProfile:
    """The profile of the outlet ``domain`` (any spelling: ``www.``, a URL, upper case).

    Parameters
    ----------
    db : Database
    domain : str
    limit : int
        At most this many topics, partners and outlets followed / following (heaviest first);
        names and months are always complete.
    filters : Filters, optional
        Which articles count (`graphnews.filters.Filters`).

    Returns
    -------
    OutletProfile
        ``names``: ``{name, count}`` (mentions using that name); ``months``:
        ``{month, articles}`` by publication month (UTC), ``undated`` counting the rest;
        ``topics``: ``{topic, articles}``; ``partners``: ``{outlet, name, weight, pairs,
        stories}`` from the co-coverage graph; ``follows`` (outlets it published after) and
        ``followed_by`` (outlets that published after it): ``{outlet, name, pairs,
        median_lag_hours}``; ``first_reports``: linked pairs on which it published first.

    Raises
    ------
    NotFoundError
        When no outlet has that domain (the message suggests close domains).
    """
    key = outlet_domain(domain) or domain
    row = db.conn.execute("SELECT id, name FROM outlets WHERE domain = ?", (key,)).fetchone()
    if row is None:
        known = [r[0] for r in db.conn.execute("SELECT domain FROM outlets")]
        close = difflib.get_close_matches(key, known, n=3)
        hint = f": did you mean {', '.join(close)}?" if close else ""
        raise NotFoundError(f"no outlet {key!r} in the database{hint}")
    outlet_id, name = row
    f = filters or Filters()
    cond, params = f.article_sql("a")
    mine = f"a.outlet_id = ? AND {cond}"
    mine_params = [outlet_id, *params]
    count, undated, first, last = db.conn.execute(
        f"SELECT count(*), count(*) - count(a.published), min(a.published), max(a.published) "
        f"FROM articles a WHERE {mine}", mine_params).fetchone()
    months = [{"month": m, "articles": n} for m, n in db.conn.execute(
        f"SELECT substr(a.published, 1, 7), count(*) FROM articles a "
        f"WHERE {mine} AND a.published IS NOT NULL GROUP BY 1 ORDER BY 1", mine_params)]
    topics = [{"topic": t, "articles": n} for t, n in db.conn.execute(
        f"SELECT p.name, count(DISTINCT a.id) FROM articles a "
        f"JOIN article_topics t ON t.article_id = a.id JOIN topics p ON p.id = t.topic_id "
        f"WHERE {mine} GROUP BY p.name ORDER BY 2 DESC, 1 LIMIT ?", [*mine_params, limit])]
    names = [{"name": n, "count": c} for n, c in db.conn.execute(
        "SELECT name, count FROM outlet_names WHERE outlet_id = ? ORDER BY count DESC, name",
        (outlet_id,))]
    node = f"outlet:{key}"
    G = outlet_graph(db, filters=f)
    F = follows_graph(db, filters=f)
    return OutletProfile(
        outlet=key, name=name, names=names, articles=count, undated=undated,
        first_published=first, last_published=last, months=months, topics=topics,
        partners=heaviest_partners(G, node, limit), first_reports=_first_reports(F, node),
        follows=follow_links(F, node, limit, outgoing=True),
        followed_by=follow_links(F, node, limit, outgoing=False),
        metadata=outlet_metadata(db, [key]).get(key, {}),
    )


def _first_reports(F: nx.DiGraph, node: str) -> int:
    return int(F.in_degree(node, weight="weight")) if node in F else 0
