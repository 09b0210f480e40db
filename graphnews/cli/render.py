"""``graphnews render``: the offline HTML pages (thin glue over `graphnews.render`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    OutOption,
    SilentOption,
    SinceOption,
    UntilOption,
    old_name,
    open_database,
    report_filters,
)
from graphnews.cli.output import Format, emit_rows
from graphnews.render import DEFAULT_TOP, DEFAULT_TOP_STORIES

__all__ = ["render_command"]

TopOption = Annotated[
    int, typer.Option("--top", "-n", help="Draw at most this many outlets, topics and articles "
                      "per story page: the highest by --rank-by (the page says 'showing N of M').")
]
RankByOption = Annotated[
    str, typer.Option("--rank-by", help="The measure outlets are ranked by: which --top are "
                      "drawn, their node size on the outlet page, the central-outlets table's "
                      "order. (Old name: --size-by.)")
]
CommunityResolutionOption = Annotated[
    float, typer.Option("--community-resolution", help="Louvain resolution of the communities "
                        "that colour outlets and topics: above 1 gives more, smaller "
                        "communities. (Old name: --resolution.)")
]
SeedOption = Annotated[
    int, typer.Option("--seed", help="Random seed of the layout and the communities.")
]
StoriesOption = Annotated[
    int, typer.Option("--stories", help="Write a page for each of this many largest stories.")
]


@app.command("render")
def render_command(
    out: OutOption = Path("output"),
    db: DbOption = None,
    top: TopOption = DEFAULT_TOP,
    rank_by: RankByOption = "pagerank",
    size_by: Annotated[str | None, old_name("--size-by", "--rank-by")] = None,
    community_resolution: CommunityResolutionOption = 1.0,
    resolution: Annotated[float | None, old_name("--resolution", "--community-resolution")
                          ] = None,
    seed: SeedOption = 0,
    stories: StoriesOption = DEFAULT_TOP_STORIES,
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    ranges: Annotated[bool, typer.Option(
        "--ranges", help="Also say on each story page and in the overview in how many of nine "
        "clusterings of the same evidence (resolutions 0.4, 0.5, 0.6 x seeds 0, 1, 2) the story "
        "is found whole, and its sizes there (costs about one more computation of the stories; "
        "the stored stories are kept).")] = False,
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """Write the HTML pages: index.html, the outlet and topic networks, one page per story.

    Every page is a single file that works offline (no request to any host): open it in any
    browser, attach it to a mail, put it on a USB stick. Story pages need stored stories
    (graphnews stories, or graphnews run).

    Example: graphnews render --out output/ --top 50 --rank-by betweenness
    """
    from graphnews.render import render_site  # igraph, networkx, pyvis: only here

    database = open_database(db, readonly=True)
    written = render_site(database, out, top=top, size_by=rank_by if size_by is None else size_by,
                          resolution=community_resolution if resolution is None else resolution,
                          seed=seed, top_stories=stories, ranges=ranges,
                          filters=report_filters(database, since=since, until=until,
                                                 collections=collection, languages=language))
    emit_rows([{"page": p.name, "path": str(p), "bytes": p.stat().st_size} for p in written],
              fmt, title="graphnews render")
    if not silent and stories and not any(p.name.startswith("story-") for p in written):
        typer.echo("no stories are stored yet, so there are no story pages: run "
                   "'graphnews stories' (or 'graphnews run') first", err=True)
