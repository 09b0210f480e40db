"""``graphnews search``, ``article``, ``neighbors``, ``path``, ``sql``: questions to the database.

Thin glue over `graphnews.query`: open the database read-only, call one function, format the
result. Exit code 1 when nothing was found (no hit, no neighbour, no row), with a one-line
message on stderr; JSON and CSV still print their (empty) result so scripts can read it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from graphnews import query
from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    SinceOption,
    UntilOption,
    old_name,
    open_database,
    report_filters,
)
from graphnews.cli.output import Format, emit_object, emit_rows

__all__ = ["article_command", "neighbors_command", "path_command", "search_command",
           "sql_command"]


class NodeKind(enum.StrEnum):
    """The kinds of node `neighbors --kind` lists."""

    outlet = "outlet"
    article = "article"
    topic = "topic"


#: Files `neighbors --to` writes.
GraphFormat = enum.StrEnum("GraphFormat", {f: f for f in query.NEIGHBORHOOD_FORMATS})


_SEARCH_COLUMNS = ["rank", "article_id", "canonical_url", "title", "outlet", "published", "score",
                   "snippet"]
_SEARCH_TABLE = ["rank", "article_id", "published", "outlet", "title", "snippet"]
_ARTICLE_SUMMARY = ["title", "canonical_url", "article_id", "outlet", "outlet_name", "published",
                    "type", "has_document", "topics"]
_LINKED_COLUMNS = ["relation", "article_id", "canonical_url", "title", "outlet", "published"]
_NEIGHBOR_COLUMNS = ["node", "kind", "label", "distance", "links"]
_PATH_COLUMNS = ["hop", "from", "to", "pairs", "weight", "from_article", "from_title",
                 "from_url", "to_article", "to_title", "to_url"]
_PATH_TABLE = ["hop", "from", "to", "pairs", "from_title", "to_title"]


@app.command("search")
def search_command(
    text: Annotated[list[str], typer.Argument(help="Words to find (FTS5 syntax: \"a phrase\", "
                                              "prefix*, OR, NOT).", show_default=False)],
    since: SinceOption = None,
    until: UntilOption = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Only articles of this outlet "
                                               "(domain).", show_default=False)] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Only articles about this topic.",
                                              show_default=False)] = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="At most this many hits, best "
                                     "first. (Old name: --limit.)")] = 20,
    limit: Annotated[int | None, old_name("--limit", "--top", min=1)] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Full-text search over titles and excerpts, best match first (bm25; a title match counts
    ten times an excerpt match). Matches are shown [between brackets] in the snippet.

    Example: graphnews search emotion recognition --since 2022-06 --topic "AI Ethics"
    """
    database = open_database(db, readonly=True)
    within = report_filters(database, collections=collection, languages=language)
    hits = query.search(database, " ".join(text), since=since, until=until, outlet=outlet,
                        topic=topic, collections=within.collections,
                        languages=sorted(within.languages),
                        limit=top if limit is None else limit)
    _emit_found(hits, fmt, columns=_SEARCH_TABLE if fmt is Format.table else _SEARCH_COLUMNS,
                title=f"search: {' '.join(text)}", nothing="no article matches the search")


@app.command("article")
def article_command(
    url: Annotated[str, typer.Argument(help="Any URL of the article (AMP, AMP cache, tracking "
                                       "parameters) or article:ID.", show_default=False)],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One article: its outlet, topics, URLs, story, and related articles both ways (what its
    document lists, and which documents list it).

    Example: graphnews article "https://www.nbcnews.com/news/amp/rcna35087"
    """
    found = query.article(open_database(db, readonly=True), url)
    if fmt is Format.json:
        emit_object(found, fmt)
        return
    story = found["story"]
    summary = {k: found[k] for k in _ARTICLE_SUMMARY} | {
        "story_id": story["story_id"] if story else None,
        "aliases": [a["url"] for a in found["aliases"]], "excerpt": found["excerpt"]}
    linked = [{"relation": relation, **item} for relation in ("related", "related_by")
              for item in found[relation]]
    if fmt is Format.csv:
        emit_rows([{"relation": "article", **summary}, *linked], fmt, columns=_LINKED_COLUMNS)
        return
    emit_object(summary, fmt, title=f"article:{found['article_id']}")
    for relation, heading in (("related", "its document lists"),
                              ("related_by", "listed by the documents of")):
        rows = [r for r in linked if r["relation"] == relation]
        if rows:
            emit_rows(rows, fmt, columns=_LINKED_COLUMNS[1:], title=heading)


@app.command("neighbors")
def neighbors_command(
    node: Annotated[str, typer.Argument(help="outlet:DOMAIN, article:ID, topic:NAME, an article "
                                        "URL or a bare domain.", show_default=False)],
    depth: Annotated[int, typer.Option("--depth", "-d", min=1, help="Related links to follow "
                                       "from the node's articles.")] = 1,
    kind: Annotated[NodeKind | None, typer.Option("--kind", help="List only neighbours of this "
                                                  "kind.", show_default=False)] = None,
    to: Annotated[GraphFormat | None, typer.Option("--to", help="Write the neighbourhood graph "
                                                   "as GraphML, node-link JSON or an offline "
                                                   "HTML page instead of listing it.",
                                                   show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="File, or folder, for --to.")
                   ] = Path("output"),
    top: Annotated[int, typer.Option("--top", "-n", min=0, help="List at most this many "
                                     "neighbours, nearest first (0: all). (Old name: --limit.)")
                   ] = 0,
    limit: Annotated[int | None, old_name("--limit", "--top", min=0)] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The coverage neighbourhood of an outlet, article or topic: its articles, the articles up
    to --depth related links away, and their outlets and topics; nearest and best linked first.

    Example: graphnews neighbors nbcnews.com --kind outlet --to graphml -o nbc.graphml
    """
    hood = query.neighbors(open_database(db, readonly=True), node, depth=depth,
                           kind=None if kind is None else kind.value)
    top = top if limit is None else limit
    rows = hood.rows[:top] if top else hood.rows
    if to is None:
        _emit_found(rows, fmt, columns=_NEIGHBOR_COLUMNS, title=f"neighbours of {hood.center}",
                    nothing=f"{hood.center} has no neighbours" + (f" of kind {kind}" if kind
                                                                  else ""))
        return
    emit_object(hood.write(to.value, out), fmt, title="neighbors")


@app.command("path")
def path_command(
    a: Annotated[str, typer.Argument(help="An outlet (domain) or article (URL, article:ID).",
                                     show_default=False)],
    b: Annotated[str, typer.Argument(help="Another outlet or article.", show_default=False)],
    links: Annotated[int, typer.Option("--links", min=0, help="Name at most this many linking "
                                       "article pairs per hop.")] = 5,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """How two outlets (or two articles) are connected through shared coverage: the shortest
    path, each outlet hop weighing 1/(linked article pairs), with the linking articles named.

    Example: graphnews path nbcnews.com popsci.com
    """
    found = query.path(open_database(db, readonly=True), a, b, max_links=links)
    if fmt is Format.json:
        emit_object(found, fmt)
        return
    rows = []
    for number, hop in enumerate(found["hops"], 1):
        step = {"hop": number, "from": hop["from"], "to": hop["to"], "pairs": hop["pairs"],
                "weight": hop["weight"]}
        rows.extend([step | link for link in hop["links"]] or [step])
    emit_rows(rows, fmt, columns=_PATH_TABLE if fmt is Format.table else _PATH_COLUMNS,
              title=f"{found['source']} -> {found['target']} (cost {found['cost']:.4g})")


@app.command("sql")
def sql_command(
    statement: Annotated[str, typer.Argument(help="One read-only statement (SELECT, WITH, ...).",
                                             show_default=False)],
    timeout: Annotated[float, typer.Option("--timeout", min=0, help="Stop the statement after "
                                           "this many seconds (0: no limit).")
                       ] = query.SQL_TIMEOUT,
    top: Annotated[int, typer.Option("--top", "-n", min=0, help="Return at most this many "
                                     "rows, the first ones (0: all). (Old name: --limit.)")
                   ] = query.SQL_LIMIT,
    limit: Annotated[int | None, old_name("--limit", "--top", min=0)] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Read-only SQL over the database (schema: docs/schema.md, examples: docs/queries.md).
    The file is opened read-only; a statement that would write is refused. A statement is
    stopped after --timeout seconds and at most --top rows are shown; Ctrl-C stops it at once.

    Example: graphnews sql "SELECT domain, name FROM outlets ORDER BY domain LIMIT 5"
    """
    top = top if limit is None else limit
    result = query.sql(db, statement,
                       timeout=timeout or None, limit=top or None)
    if result.truncated:
        typer.echo(f"only the first {top:,} rows are shown (--top 0 shows all)", err=True)
    rows = [{k: _text(v) for k, v in row.items()} for row in result.as_dicts()]
    _emit_found(rows, fmt, columns=result.columns, title=None,
                nothing="the statement returned no rows")


def _emit_found(rows: Sequence[Mapping[str, Any]], fmt: Format, *, columns: Sequence[str],
                title: str | None, nothing: str) -> None:
    """Print rows; when there are none, say so on stderr and exit with code 1."""
    if rows or fmt is not Format.table:
        emit_rows(rows, fmt, columns=columns, title=title)
    if not rows:
        typer.echo(nothing, err=True)
        raise typer.Exit(code=1)


def _text(value: Any) -> Any:
    """A BLOB as text (quarantined raw bytes are documents), other values as they are."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
