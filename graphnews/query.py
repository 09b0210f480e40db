"""Questions to the coverage database: full-text search, article lookup, neighbourhoods, paths, SQL.

Every function reads the store with SQL (indexes and the ``articles_fts`` full-text index), so a
question about one article, outlet or topic stays fast on a large database: nothing here builds
the whole coverage graph. Nodes are named as in the graph model of docs/architecture.md:
``article:<id>``, ``outlet:<domain>``, ``topic:<name>``; `resolve_node` also takes any URL of an
article (AMP, Google AMP cache, tracking parameters) and a bare outlet domain.

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.md").write_text(
...     "---\\ntitle: Robots drive taxis\\nwebUrl: https://ex.com/a\\n"
...     "provider:\\n  domain: ex.com\\nrelated:\\n  - title: Taxis without drivers\\n"
...     "    webUrl: https://other.org/b\\n    provider:\\n      domain: other.org\\n---\\n")
>>> db = graphnews.open(folder / "news.db")
>>> _ = db.ingest([folder / "a.md"])
>>> [hit["title"] for hit in search(db, "taxis")]
['Robots drive taxis', 'Taxis without drivers']
>>> article(db, "https://www.ex.com/a/amp?utm_source=x")["related"][0]["outlet"]
'other.org'
>>> [row["node"] for row in neighbors(db, "outlet:ex.com", kind="outlet").rows]
['outlet:other.org']
>>> path(db, "ex.com", "other.org")["hops"][0]["pairs"]
1
>>> sql(folder / "news.db", "SELECT count(*) AS n FROM articles").rows
[(2,)]
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from graphnews.engines import refusal
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.identity import canonical_url, outlet_domain
from graphnews.store import DEFAULT_DB, Database

if TYPE_CHECKING:
    import networkx as nx

    from graphnews.collections import Collection

__all__ = [
    "HIGHLIGHT",
    "NEIGHBORHOOD_FORMATS",
    "SEARCH_WEIGHTS",
    "WRITE_STATEMENTS",
    "Neighborhood",
    "SqlResult",
    "article",
    "briefs",
    "neighbors",
    "path",
    "resolve_node",
    "search",
    "sql",
]

#: bm25 weight of a match in the title and in the excerpt: a title match counts ten times more.
SEARCH_WEIGHTS: tuple[float, float] = (10.0, 1.0)
#: What `search` puts around each matched word of a snippet.
HIGHLIGHT: tuple[str, str] = ("[", "]")

Kind = Literal["outlet", "article", "topic"]
KINDS: tuple[str, ...] = ("outlet", "article", "topic")
#: The files `Neighborhood.write` writes (``graphnews neighbors --to``).
NEIGHBORHOOD_FORMATS = ("graphml", "json", "html")


# -- nodes --------------------------------------------------------------------------------------
def resolve_node(db: Database, text: str) -> str:
    """The node id (``article:<id>``, ``outlet:<domain>``, ``topic:<name>``) that ``text`` names.

    ``text`` is a node id, any URL of an article (its aliases resolve to it), or a bare outlet
    domain. Topic names match without regard to case; an outlet domain merged into another by
    the overrides file resolves to the outlet it was merged into.

    Raises
    ------
    BadInputError
        When ``text`` is none of these forms.
    NotFoundError
        When the database holds no such article, outlet or topic.
    """
    value = text.strip()
    prefix, _, rest = value.partition(":")
    if prefix == "article":
        if not rest.strip().isdigit():
            raise BadInputError(f"{value!r}: an article node is article:<number>")
        article_id = int(rest)
        if db.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            return f"article:{article_id}"
        raise NotFoundError(f"no article {article_id} in the database")
    if prefix == "outlet":
        return f"outlet:{_outlet(db, rest)[1]}"
    if prefix == "topic":
        return f"topic:{_topic(db, rest)[1]}"
    if "://" in value or value.startswith("//") or "/" in value:
        return f"article:{_article_id(db, value)}"
    if "." in value and " " not in value:
        return f"outlet:{_outlet(db, value)[1]}"
    raise BadInputError(
        f"{value!r} is not a node: use outlet:DOMAIN, article:ID, topic:NAME, a URL or a domain"
    )


# -- search -------------------------------------------------------------------------------------
def search(
    db: Database,
    text: str,
    *,
    since: str | None = None,
    until: str | None = None,
    outlet: str | None = None,
    topic: str | None = None,
    collections: Sequence[Collection] = (),
    languages: Sequence[str] = (),
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Full-text search over article titles and excerpts, best match first (bm25).

    Parameters
    ----------
    db : Database
    text : str
        Words to find (every word must occur), in SQLite FTS5 query syntax: ``"a phrase"``,
        ``prefix*``, ``OR``, ``NOT``, ``title: word``. Text that is not valid FTS5 syntax (an
        apostrophe, a hyphen) is searched as its plain words.
    since, until : str, optional
        Publication window, as for every report (see `graphnews.dates.parse_when`).
    outlet : str, optional
        Only articles of this outlet (domain).
    topic : str, optional
        Only articles about this topic (name, any case).
    collections : sequence of Collection
        Only articles of outlets in any of these collections (`graphnews.collections`).
    languages : sequence of str
        Only articles detected in any of these languages (`graphnews.language`).
    limit : int
        At most this many hits.

    Returns
    -------
    list of dict
        One dict per hit with the keys ``rank`` (1 = best), ``article_id``, ``canonical_url``,
        ``title``, ``outlet``, ``published``, ``score`` (bm25 relevance, higher is better; a
        title match weighs `SEARCH_WEIGHTS`) and ``snippet`` (the best-matching part of the title
        or excerpt with each match between the `HIGHLIGHT` marks).

    Raises
    ------
    BadInputError
        For empty text, a bad date or a limit below 1.
    NotFoundError
        For an unknown outlet or topic.
    """
    if limit < 1:
        raise BadInputError("the limit must be at least 1")
    filters = Filters.build(
        since=since,
        until=until,
        outlets=[_outlet(db, outlet)[1]] if outlet else None,
        topics=[_topic(db, topic)[1]] if topic else None,
        collections=collections,
        languages=languages,
    )
    where, params = filters.article_sql("a")
    _require_words(text)
    rows = db.engine_module.search(db.conn, text, where=where, params=params,
                                   weights=SEARCH_WEIGHTS, highlight=HIGHLIGHT, limit=limit)
    return _hits(rows)


def _hits(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    return [
        {"rank": rank, "article_id": r[0], "canonical_url": r[1], "title": r[2], "outlet": r[3],
         "published": r[4], "score": round(r[5], 4), "snippet": r[6]}
        for rank, r in enumerate(rows, 1)
    ]


# -- one article --------------------------------------------------------------------------------
def article(db: Database, url: str) -> dict[str, Any]:
    """Everything known about one article, found by any of its URLs (or ``article:<id>``).

    Returns
    -------
    dict
        ``article_id``, ``canonical_url``, ``title``, ``excerpt``, ``published``, ``type``,
        ``has_document``, ``outlet`` (domain), ``outlet_name``, ``aliases`` (list of
        ``{url, kind}``), ``topics`` (list of names), ``related`` (the articles its document
        lists, in list order), ``related_by`` (the articles whose documents list it, newest
        first) and ``story`` (``{story_id, size, confidence}``, or None before stories are
        computed or when it belongs to none). Each related article is ``{article_id,
        canonical_url, title, outlet, published}``.

    Raises
    ------
    NotFoundError
        When no article has that URL.
    """
    node = url.strip()
    article_id = (int(resolve_node(db, node).split(":", 1)[1]) if node.startswith("article:")
                  else _article_id(db, node))
    # every part at once: one round trip to a PostgreSQL server (`Database.fetch_all`)
    row_of, related_rows, related_by_rows, brief_rows, story_of, alias_rows, topic_rows = (
        db.fetch_all([
            ("SELECT a.canonical_url, a.title, a.excerpt, a.published, a.type, a.has_document, "
             "o.domain, o.name FROM articles a LEFT JOIN outlets o ON o.id = a.outlet_id "
             "WHERE a.id = ?", (article_id,)),
            ("SELECT to_article FROM related_links WHERE from_article = ?1 AND to_article != ?1 "
             "GROUP BY to_article ORDER BY min(position), to_article", (article_id,)),
            ("SELECT DISTINCT l.from_article, a.published_ts IS NULL, a.published_ts FROM "
             "related_links l JOIN articles a ON a.id = l.from_article WHERE l.to_article = ?1 "
             "AND l.from_article != ?1 ORDER BY 2, 3 DESC, 1", (article_id,)),
            # one IN over a UNION: PostgreSQL plans "IN (...) OR IN (...)" as a full scan
            (_BRIEFS + "WHERE a.id IN (SELECT to_article FROM related_links WHERE "
             "from_article = ?1 UNION SELECT from_article FROM related_links WHERE "
             "to_article = ?1)", (article_id,)),
            ("SELECT s.id, s.size, s.confidence FROM story_articles m JOIN stories s "
             "ON s.id = m.story_id WHERE m.article_id = ?", (article_id,)),
            ("SELECT url, kind FROM aliases WHERE article_id = ? ORDER BY url", (article_id,)),
            ("SELECT DISTINCT p.name FROM article_topics t JOIN topics p ON p.id = t.topic_id "
             "WHERE t.article_id = ? ORDER BY p.name", (article_id,)),
        ]))
    (row,) = row_of
    briefs = {r[0]: _brief(r) for r in brief_rows}
    story = story_of[0] if story_of else None
    return {
        "article_id": article_id,
        "canonical_url": row[0],
        "title": row[1],
        "excerpt": row[2],
        "published": row[3],
        "type": row[4],
        "has_document": bool(row[5]),
        "outlet": row[6],
        "outlet_name": row[7],
        "aliases": [{"url": u, "kind": k} for u, k in alias_rows],
        "topics": [r[0] for r in topic_rows],
        "related": [briefs[r[0]] for r in related_rows],
        "related_by": [briefs[r[0]] for r in related_by_rows],
        "story": None if story is None else
        {"story_id": story[0], "size": story[1], "confidence": story[2]},
    }


# -- neighbourhoods -----------------------------------------------------------------------------
@dataclass
class Neighborhood:
    """The coverage neighbourhood of one node: its neighbours as rows, its subgraph on demand.

    ``articles`` maps each article of the neighbourhood to its number of related links from the
    centre's own articles. ``rows`` lists the neighbours (of ``kind`` only, when given), nearest
    and best linked first, as dicts with the keys ``node``, ``kind``, ``label``, ``distance``
    and ``links``. ``distance`` counts hops from the centre the way the neighbourhood grows:
    centre -> its articles -> related articles (one hop per link) -> their outlets and topics
    (one more hop); so an outlet's co-coverage neighbours are 3 hops away and an article's own
    outlet 1. ``links`` says how tightly a node is tied in: an outlet's or topic's articles in
    the neighbourhood, an article's linked articles in it.

    ``graph`` is the neighbourhood as part of the coverage graph (`graphnews.graph.coverage_graph`
    of these articles: a ``networkx.MultiDiGraph`` with the attributes of the graph model), built
    the first time it is asked for: the rows alone need no networkx graph.
    """

    center: str
    depth: int
    kind: str | None
    articles: dict[int, int]
    rows: list[dict[str, Any]]
    db: Database = field(repr=False)

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The neighbourhood's part of the coverage graph (built on first use)."""
        from graphnews.graph import coverage_graph  # networkx: only when the graph is asked for

        return coverage_graph(self.db, articles=self.articles)

    def as_dict(self) -> dict[str, Any]:
        """Centre, depth, kind, number of articles and the neighbour rows."""
        return {"center": self.center, "depth": self.depth, "kind": self.kind,
                "articles": len(self.articles), "neighbors": self.rows}

    def write(self, to: str, out: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """Write the neighbourhood graph as GraphML, node-link JSON or an offline HTML page.

        ``to`` is one of `NEIGHBORHOOD_FORMATS`; ``out`` a file, or a folder (created when
        missing; default ``output/``) to write ``neighbors-<centre>.<ext>`` into. Returns the
        centre, the file written and the graph's numbers of nodes and edges (the ``neighbors
        --to`` contract).
        """
        from graphnews.export import file_stem, write_graphml, write_json  # networkx: only here

        if to not in NEIGHBORHOOD_FORMATS:
            raise BadInputError(f"cannot write a neighbourhood as {to!r}: use one of "
                                f"{', '.join(NEIGHBORHOOD_FORMATS)}")
        target = Path(out) if out is not None else DEFAULT_DB.parent
        if not target.suffix:  # a folder: name the file after the centre
            target = target / f"neighbors-{file_stem(self.center)}.{to}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if to == "html":
            from graphnews.render.neighborhood import neighborhood_page  # pyvis: only here

            neighborhood_page(self.graph, self.center, depth=self.depth).write_html(target)
        else:
            (write_graphml if to == "graphml" else write_json)(self.graph, target)
        return {"center": self.center, "file": str(target),
                "nodes": self.graph.number_of_nodes(), "edges": self.graph.number_of_edges()}


def neighbors(
    db: Database, node: str, *, depth: int = 1, kind: Kind | None = None
) -> Neighborhood:
    """The coverage neighbourhood of an article, outlet or topic, built with SQL over the store.

    The neighbourhood holds the centre's articles (the article itself, an outlet's articles, the
    articles about a topic), every article up to ``depth`` related links away from them (either
    direction), and the outlets and topics of all these articles, with every ``published_by``,
    ``about`` and ``related`` edge among them. So the outlets at depth 1 around an outlet are the
    ones whose articles are linked with its own (its co-coverage neighbours).

    Parameters
    ----------
    db : Database
    node : str
        ``outlet:DOMAIN``, ``article:ID``, ``topic:NAME``, an article URL or a bare domain.
    depth : int
        How many related links to follow from the centre's articles (at least 1).
    kind : {"outlet", "article", "topic"}, optional
        List only neighbours of this kind (the graph keeps every node).

    Raises
    ------
    BadInputError
        For a depth below 1, an unknown kind or a text that is not a node.
    NotFoundError
        When the node is not in the database.

    Examples
    --------
    See the module docstring.
    """
    if depth < 1:
        raise BadInputError("the depth must be at least 1")
    if kind is not None and kind not in KINDS:
        raise BadInputError(f"unknown kind {kind!r}: use outlet, article or topic")
    center = resolve_node(db, node)
    articles = _expand(db, _own_articles(db, center), depth)
    rows = _neighbor_rows(db, center, articles, kind)
    return Neighborhood(center=center, depth=depth, kind=kind, articles=articles, rows=rows,
                        db=db)


# -- paths --------------------------------------------------------------------------------------
def path(db: Database, a: str, b: str, *, max_links: int = 5) -> dict[str, Any]:
    """How two outlets (or two articles) are connected: the shortest weighted path.

    Outlets are linked when an article of one lists an article of the other in ``related`` (or
    the other way round); an edge weighs ``1 / pairs``, where ``pairs`` is the number of distinct
    linked article pairs between the two outlets, so a path through heavily co-covering outlets
    is short. Articles are linked by ``related`` links (either direction, a pair counted once),
    each edge weighing 1: the article path is the one with the fewest hops (a breadth-first
    search from both ends in SQL). Self-links are left out.

    Parameters
    ----------
    db : Database
    a, b : str
        Two outlets or two articles, in any form `resolve_node` takes.
    max_links : int
        Name at most this many linking article pairs per hop (newest first); ``pairs`` still
        counts all of them.

    Returns
    -------
    dict
        ``source``, ``target`` (node ids), ``cost`` (sum of the weights), ``nodes`` (the path)
        and ``hops``: one ``{from, to, pairs, weight, links}`` per edge, ``links`` being
        ``{from_article, from_title, from_url, to_article, to_title, to_url}`` dicts: an article
        on the ``from`` side linked with one on the ``to`` side.

    Raises
    ------
    BadInputError
        When ``a`` and ``b`` are the same node, not of the same kind, or topics.
    NotFoundError
        When a node is unknown or the two are not connected.
    """
    import networkx as nx

    source, target = resolve_node(db, a), resolve_node(db, b)
    kind = source.split(":", 1)[0]
    if kind != target.split(":", 1)[0] or kind == "topic":
        raise BadInputError("a path joins two outlets or two articles")
    if source == target:
        raise BadInputError(f"{source} is both ends of the path")
    if max_links < 0:
        raise BadInputError("max_links cannot be negative")
    if kind == "outlet":
        graph = _outlet_links(db)
        try:
            cost, nodes = nx.bidirectional_dijkstra(graph, source, target, weight="weight")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            nodes = []
        steps = [(graph.edges[u, v]["pairs"], graph.edges[u, v]["weight"],
                  _outlet_pairs(db, u, v, max_links)) for u, v in itertools.pairwise(nodes)]
    else:
        ids = _article_path(db, int(source.split(":")[1]), int(target.split(":")[1]))
        nodes = [f"article:{i}" for i in ids]
        cost = float(len(ids) - 1)
        steps = [(1, 1.0, [(x, y)][:max_links]) for x, y in itertools.pairwise(ids)]
    if not nodes:
        raise NotFoundError(f"{source} and {target} are not connected through shared coverage")
    found = briefs(db, [i for _, _, pairs in steps for pair in pairs for i in pair])
    hops = [{"from": u, "to": v, "pairs": n, "weight": weight,
             "links": [{"from_article": x, "from_title": found[x]["title"],
                        "from_url": found[x]["canonical_url"], "to_article": y,
                        "to_title": found[y]["title"], "to_url": found[y]["canonical_url"]}
                       for x, y in pairs]}
            for (u, v), (n, weight, pairs) in zip(itertools.pairwise(nodes), steps, strict=True)]
    return {"source": source, "target": target, "cost": cost, "nodes": nodes, "hops": hops}


# -- read-only SQL ------------------------------------------------------------------------------
@dataclass
class SqlResult:
    """The columns and rows a statement returned (column names made unique: ``id``, ``id_2``)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    #: True when the statement had more rows than the ``limit`` returned.
    truncated: bool = False

    def as_dicts(self) -> list[dict[str, Any]]:
        """One dict per row, keyed by column (the ``sql --format json`` contract)."""
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


#: Statements `sql` refuses before SQLite sees them (the authorizer catches the rest).
WRITE_STATEMENTS = frozenset({
    "INSERT", "REPLACE", "UPDATE", "DELETE", "UPSERT", "CREATE", "DROP", "ALTER", "ATTACH",
    "DETACH", "VACUUM", "REINDEX", "ANALYZE", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT",
    "RELEASE"})
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*", re.DOTALL)


#: Seconds `sql` lets a statement run before stopping it (``--timeout``; 0 or None: no limit).
SQL_TIMEOUT = 5.0
#: Rows `sql` returns at most (``--top``; 0 or None: all).
SQL_LIMIT = 10_000
#: The largest text or BLOB value a statement may build or return, in bytes.
SQL_MAX_VALUE = 50_000_000


def sql(db: Database | str | os.PathLike[str] | None, statement: str, *,
        timeout: float | None = SQL_TIMEOUT, limit: int | None = SQL_LIMIT) -> SqlResult:
    """Run one read-only SQL statement over the database ``db`` (schema: docs/schema.md).

    ``db`` is a `Database` or the path (or URL) of one; None is the default database
    (`graphnews.store.default_db_path`). Either way the statement runs on a connection of its
    own, opened read-only, so that nothing it does reaches the caller's connection.

    A statement running longer than ``timeout`` seconds is stopped (`QueryTimeoutError`), at
    most ``limit`` rows are returned (``truncated`` says when more were there), and no value
    may exceed `SQL_MAX_VALUE` bytes (``zeroblob(300000000)`` is refused, not built).

    The database is opened read-only (``mode=ro``) with ``PRAGMA query_only``, and an SQLite
    authorizer lets through only reads, so nothing a statement says can change the file: a
    statement that writes (``INSERT``, ``DELETE``, ``DROP``, ``ATTACH``, ``VACUUM``, a pragma that
    sets something such as ``writable_schema``) is refused with `ReadOnlyError`.

    Raises
    ------
    ReadOnlyError
        For a statement that would write.
    QueryTimeoutError
        When the statement ran longer than ``timeout`` seconds.
    BadInputError
        For an empty statement, several statements, or SQL that SQLite cannot run (the message
        is SQLite's).
    DatabaseError
        When there is no graphnews database at that path.

    Examples
    --------
    See the module docstring; docs/queries.md has more.
    """
    word = _LEADING.sub("", statement, count=1).split(None, 1)
    if not word:
        raise BadInputError("the SQL statement is empty")
    first = re.split(r"\W", word[0], maxsplit=1)[0].upper()
    if first in WRITE_STATEMENTS:
        raise refusal(first)
    with Database(db.path if isinstance(db, Database) else db, readonly=True) as own:
        columns, rows, truncated = own.engine_module.read_only(
            own.conn, statement, timeout=timeout, limit=limit, max_value=SQL_MAX_VALUE)
    return SqlResult(columns=_unique(columns), rows=rows, truncated=truncated)


# -- private helpers ----------------------------------------------------------------------------
def _ids(values: Iterable[int | str]) -> str:
    """A JSON array for ``json_each(?)``: one parameter however many ids a query takes."""
    return json.dumps(sorted(set(values)))


def _article_id(db: Database, url: str) -> int:
    text = url.strip()
    if "://" not in text and not text.startswith("//"):
        text = "https://" + text
    if canonical_url(text) is None:
        raise BadInputError(f"{url!r} is not a web address")
    found = db.resolve_url(text)
    if found is None:
        raise NotFoundError(f"no article with the URL {url.strip()}")
    return found


def _outlet(db: Database, text: str) -> tuple[int, str]:
    """(id, domain) of the outlet a domain names, following an override merge."""
    domain = outlet_domain(text)
    if not domain:
        raise BadInputError(f"{text!r} is not an outlet domain")
    row = db.conn.execute("SELECT id, domain FROM outlets WHERE domain = ?", (domain,)).fetchone()
    if row is None:
        row = db.conn.execute(
            "SELECT o.id, o.domain FROM outlet_overrides v JOIN outlets o "
            "ON o.domain = v.merge_into WHERE v.domain = ?", (domain,)).fetchone()
    if row is None:
        raise NotFoundError(f"no outlet {domain} in the database")
    return int(row[0]), str(row[1])


def _topic(db: Database, text: str) -> tuple[int, str]:
    """(id, name) of a topic, matched exactly or else without regard to case."""
    name = text.strip()
    row = db.conn.execute("SELECT id, name FROM topics WHERE name = ?", (name,)).fetchone()
    if row is None:
        rows = db.conn.execute(
            "SELECT id, name FROM topics WHERE lower(name) = lower(?)", (name,)).fetchall()
        if len(rows) != 1:
            raise NotFoundError(f"no topic {name!r} in the database")
        row = rows[0]
    return int(row[0]), str(row[1])


def _require_words(text: str) -> None:
    """Refuse search text without a single word."""
    if not re.findall(r"\w+", text):
        raise BadInputError("nothing to search for: give some words")


#: The columns of a related article in `article`'s answer (`_brief`).
_BRIEFS = ("SELECT a.id, a.canonical_url, a.title, o.domain, a.published FROM articles a "
           "LEFT JOIN outlets o ON o.id = a.outlet_id ")


def briefs(db: Database, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each article's ``{article_id, canonical_url, title, outlet, published}``, by id."""
    rows = db.conn.execute(_BRIEFS + "WHERE a.id IN (SELECT value FROM json_each(?))",
                           (_ids(ids),))
    return {r[0]: _brief(r) for r in rows}


def _brief(row: Sequence[Any]) -> dict[str, Any]:
    """``{article_id, canonical_url, title, outlet, published}`` of a row of `_BRIEFS`."""
    return {"article_id": row[0], "canonical_url": row[1], "title": row[2], "outlet": row[3],
            "published": row[4]}


def _own_articles(db: Database, center: str) -> set[int]:
    kind, _, key = center.partition(":")
    if kind == "article":
        return {int(key)}
    if kind == "outlet":
        rows = db.conn.execute("SELECT a.id FROM articles a JOIN outlets o ON o.id = a.outlet_id "
                               "WHERE o.domain = ?", (key,))
    else:
        rows = db.conn.execute("SELECT DISTINCT t.article_id FROM article_topics t JOIN topics p "
                               "ON p.id = t.topic_id WHERE p.name = ?", (key,))
    return {r[0] for r in rows}


def _expand(db: Database, start: set[int], depth: int) -> dict[int, int]:
    """Article -> related links from ``start`` (either direction), for those at most ``depth``."""
    distance = dict.fromkeys(start, 0)
    frontier = start
    for step in range(1, depth + 1):
        if not frontier:
            break
        frontier = {r[0] for r in db.conn.execute(
            "SELECT to_article FROM related_links WHERE from_article IN "
            "(SELECT value FROM json_each(?1)) UNION SELECT from_article FROM related_links "
            "WHERE to_article IN (SELECT value FROM json_each(?1))", (_ids(frontier),))}
        frontier -= distance.keys()
        distance.update(dict.fromkeys(frontier, step))
    return distance


def _neighbor_rows(db: Database, center: str, articles: dict[int, int], kind: str | None
                   ) -> list[dict[str, Any]]:
    """The rows of `Neighborhood` in SQL (only the queries ``kind`` needs)."""
    ids = _ids(articles)
    base = 0 if center.startswith("article:") else 1  # hops from the centre to its articles
    rows: dict[str, dict[str, Any]] = {}

    def reached(node: str, node_kind: str, label: str, article: int) -> None:
        hops = base + articles[article] + 1
        row = rows.setdefault(node, {"node": node, "kind": node_kind, "label": label,
                                     "distance": hops, "links": 0})
        row["distance"] = min(row["distance"], hops)
        row["links"] += 1

    # only the queries ``kind`` needs, all at once (one round trip to a PostgreSQL server)
    queries = {
        "articles": ("SELECT a.id, coalesce(a.title, a.canonical_url), o.domain, o.name "
                     "FROM articles a LEFT JOIN outlets o ON o.id = a.outlet_id "
                     "WHERE a.id IN (SELECT value FROM json_each(?))", (ids,)),
        "topics": ("SELECT DISTINCT t.article_id, p.name FROM article_topics t JOIN topics p "
                   "ON p.id = t.topic_id WHERE t.article_id IN (SELECT value FROM json_each(?))",
                   (ids,)),
        "links": ("SELECT from_article, to_article FROM related_links WHERE from_article IN "
                  "(SELECT value FROM json_each(?))", (ids,)),
    }
    needed = {"articles": kind in (None, "article", "outlet"), "topics": kind in (None, "topic"),
              "links": kind in (None, "article")}
    names = [name for name, wanted in needed.items() if wanted]
    found = dict(zip(names, db.fetch_all([queries[n] for n in names]), strict=True))
    for article_id, label, domain, name in found.get("articles", []):
        if kind in (None, "article"):
            rows[f"article:{article_id}"] = {
                "node": f"article:{article_id}", "kind": "article", "label": label,
                "distance": base + articles[article_id], "links": 0}
        if kind in (None, "outlet") and domain is not None:
            reached(f"outlet:{domain}", "outlet", name, article_id)
    for article_id, name in found.get("topics", []):
        reached(f"topic:{name}", "topic", name, article_id)
    pairs = {(min(x, y), max(x, y)) for x, y in found.get("links", [])
             if y in articles and x != y}
    for pair in pairs:
        for article_id in pair:
            rows[f"article:{article_id}"]["links"] += 1
    rows.pop(center, None)
    return sorted(rows.values(), key=lambda r: (r["distance"], -r["links"], r["label"],
                                                r["node"]))


def _outlet_links(db: Database) -> nx.Graph:
    """Outlets joined by linked article pairs: ``pairs`` (as in `graphnews.graph.outlet_graph`)
    and ``weight = 1 / pairs``, counted in one SQL aggregate."""
    import networkx as nx

    graph = nx.Graph()
    for a, b, pairs in db.conn.execute(
        "WITH pairs AS (SELECT DISTINCT min(from_article, to_article) AS x, "
        "max(from_article, to_article) AS y FROM related_links WHERE from_article != to_article) "
        "SELECT min(ax.outlet_id, ay.outlet_id), max(ax.outlet_id, ay.outlet_id), count(*) "
        "FROM pairs "
        "JOIN articles ax ON ax.id = pairs.x JOIN articles ay ON ay.id = pairs.y "
        "WHERE ax.outlet_id != ay.outlet_id "
        "GROUP BY min(ax.outlet_id, ay.outlet_id), max(ax.outlet_id, ay.outlet_id)"):
        graph.add_edge(a, b, pairs=pairs, weight=1.0 / pairs)
    domains = dict(db.conn.execute("SELECT id, domain FROM outlets"))
    return nx.relabel_nodes(graph, {i: f"outlet:{domains[i]}" for i in graph}, copy=False)


def _outlet_pairs(db: Database, u: str, v: str, limit: int) -> list[tuple[int, int]]:
    """Linked article pairs (article of outlet ``u``, article of ``v``), newest first."""
    found: dict[tuple[int, int], int] = {}
    for side_a, side_b, flip in ((u, v, False), (v, u, True)):
        for x, y, when in db.conn.execute(
            "SELECT l.from_article, l.to_article, max(coalesce(ax.published_ts, 0), "
            "coalesce(ay.published_ts, 0)) FROM outlets ox JOIN articles ax "
            "ON ax.outlet_id = ox.id JOIN related_links l ON l.from_article = ax.id "
            "JOIN articles ay ON ay.id = l.to_article JOIN outlets oy ON oy.id = ay.outlet_id "
            "WHERE ox.domain = ? AND oy.domain = ?",
            (side_a.split(":", 1)[1], side_b.split(":", 1)[1])):
            found[(y, x) if flip else (x, y)] = when
    return sorted(found, key=lambda p: (-found[p], p))[:limit]


def _article_path(db: Database, a: int, b: int) -> list[int]:
    """The fewest related links from article ``a`` to ``b`` (either direction), or [].

    Bidirectional breadth-first search in SQL: each step expands the smaller frontier with one
    indexed query, so two nearby articles cost a few milliseconds however large the database.
    """
    # per side: article -> (the article it was reached from, hops from that side's start)
    reached: list[dict[int, tuple[int, int]]] = [{a: (a, 0)}, {b: (b, 0)}]
    frontiers = [{a}, {b}]
    while frontiers[0] and frontiers[1]:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, theirs = reached[side], reached[1 - side]
        found = set()
        for node, linked in db.conn.execute(
            "SELECT from_article, to_article FROM related_links WHERE from_article IN "
            "(SELECT value FROM json_each(?1)) UNION SELECT to_article, from_article "
            "FROM related_links WHERE to_article IN (SELECT value FROM json_each(?1)) "
            "ORDER BY 1, 2", (_ids(frontiers[side]),)):
            if linked not in mine:
                mine[linked] = (node, mine[node][1] + 1)
                found.add(linked)
        meeting = [n for n in found if n in theirs]
        if meeting:
            middle = min(meeting, key=lambda n: (mine[n][1] + theirs[n][1], n))
            halves = [_walk(reached[0], middle), _walk(reached[1], middle)]
            return halves[0][::-1] + halves[1][1:]
        frontiers[side] = found
    return []


def _walk(reached: dict[int, tuple[int, int]], node: int) -> list[int]:
    """From ``node`` back to the start of a search, following where each article came from."""
    out = [node]
    while reached[node][0] != node:
        node = reached[node][0]
        out.append(node)
    return out


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
