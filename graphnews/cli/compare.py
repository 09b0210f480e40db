"""``graphnews compare``: coverage compared between collections of outlets."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    SinceOption,
    UntilOption,
    open_database,
    ranges_note,
    report_filters,
    span,
)
from graphnews.cli.output import Format, emit_object, emit_rows

if TYPE_CHECKING:
    from graphnews.compare import CompareReport

__all__ = ["compare_command"]


class Section(enum.StrEnum):
    """The parts of the comparison (``--show``)."""

    collections = "collections"
    stories = "stories"
    most = "most"
    blindspots = "blindspots"
    mixing = "mixing"
    follows = "follows"
    words = "words"


@app.command("compare")
def compare_command(
    by: Annotated[str | None, typer.Option(
        "--by", help="Compare one collection per value of this outlet attribute (lean, "
        "country, ...), or 'language': each outlet in the language most of its articles are "
        "in.", show_default=False)] = None,
    collection: CollectionOption = None,
    within: Annotated[list[str] | None, typer.Option(
        "--within", help="Restrict to outlets of this collection first (repeatable, any of "
        "them), e.g. --by lean --within country=us.", show_default=False)] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    topic: Annotated[list[str] | None, typer.Option(
        "--topic", help="Only articles about this topic (repeatable).", show_default=False)
    ] = None,
    language: LanguageOption = None,
    story: Annotated[str | None, typer.Option(
        "--story", help="Distinctive words within this story only.", show_default=False)
    ] = None,
    show: Annotated[list[Section] | None, typer.Option(
        "--show", help="Only these parts (repeatable). Default: all for table and JSON, "
        "'stories' for CSV.", show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Stories shown per table; "
                                     "stories covered most/least per collection.")] = 10,
    words: Annotated[int, typer.Option("--words", min=0, help="Distinctive words per "
                                       "collection (0: skip).")] = 10,
    prior: Annotated[float | None, typer.Option(
        "--prior", min=0, help="Weight of the informative Dirichlet prior in words (default: "
        "the size of the compared texts).", show_default=False)] = None,
    min_outlets: Annotated[int, typer.Option(
        "--min-outlets", min=1, help="Blindspot rule: at least this many outlets of the other "
        "collections covered the story.")] = 3,
    max_share: Annotated[float, typer.Option(
        "--max-share", min=0, max=1, help="Blindspot rule: the collection had at most this "
        "share of the story's outlets.")] = 0.1,
    min_baseline: Annotated[float, typer.Option(
        "--min-baseline", min=0, max=1, help="Blindspot rule: the collection holds at least "
        "this share of all active outlets.")] = 0.2,
    ranges: Annotated[bool, typer.Option(
        "--ranges", help="Also cluster the stories again at resolutions 0.4, 0.5 and 0.6 with "
        "seeds 0, 1 and 2 (the stored stories are kept) and say how far each figure that "
        "stands on them moves: per story in how many clusterings its first collection holds "
        "(first_collection_held) and it is found whole (kept), per blindspot in how many it "
        "holds (held), the range of each relative share, blindspot count and co-coverage "
        "assortativity (*_min, *_max; JSON: clusterings).")] = False,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Coverage compared between collections of outlets: per story (articles, outlets, share,
    who reported first and the lag), the stories each covered most and least, blindspots
    (rule: --min-outlets, --max-share, --min-baseline), how collections mix in the co-coverage
    and follows graphs (mixing matrix, assortativity), who follows whom, and distinctive words
    (weighted log-odds, informative Dirichlet prior, z-scores; Monroe et al. 2008).

    Example: graphnews compare --by lean

    Example: graphnews compare --collection lean=left,left-center --collection lean=center
    """
    from graphnews.collections import attribute_collections, resolve_collections
    from graphnews.compare import BlindspotRule, compare

    database = open_database(db, readonly=True)
    if by is not None and collection:
        raise typer.BadParameter("give --by or --collection, not both")
    if by == "language":
        from graphnews.language import language_collections

        groups = language_collections(database)
    elif by is not None:
        groups = attribute_collections(database, by)
    else:
        groups = resolve_collections(database, collection)
    filters = report_filters(database, since=since, until=until, topics=topic,
                             collections=within, languages=language)
    report = compare(database, groups, filters=filters, story=story, top=top, words=words,
                     prior_size=prior, rule=BlindspotRule(min_outlets=min_outlets,
                                                          max_share=max_share,
                                                          min_baseline=min_baseline),
                     ranges=ranges)
    if ranges:
        ranges_note(report.clusterings)
    sections = list(show or (Section if fmt is not Format.csv else [Section.stories]))
    if fmt is Format.json:
        emit_object({k: v for k, v in report.as_dict().items()
                     if k not in Section.__members__ or k in sections
                     or (k == "most_and_least" and Section.most in sections)}, fmt)
    else:
        for section in sections:
            rows, title = _section(report, section, top, table=fmt is Format.table)
            emit_rows(rows, fmt, title=title)
    for message in report.messages:
        typer.echo(f"note: {message}", err=True)


def _section(report: CompareReport, section: Section, top: int, *, table: bool
             ) -> tuple[list[dict[str, Any]], str]:
    """The rows and title of one part; with ranges each range beside its figure (for a table
    as text: "7 of 9", "2 to 3"; for CSV as numbers)."""
    names = [c["collection"] for c in report.collections]
    n = len(report.clusterings)

    def of(count: int) -> str | int:
        return f"{count} of {n}" if table else count

    def between(row: dict[str, Any], name: str) -> dict[str, Any]:
        low, high = row[f"{name}_min"], row[f"{name}_max"]
        return {f"{name}_range": span(low, high)} if table else {f"{name}_min": low,
                                                                   f"{name}_max": high}

    if section is Section.collections:
        rows = [{k: v for k, v in c.items() if not k.startswith("blindspots_")}
                | (between(c, "blindspots") if n else {}) for c in report.collections]
        return rows, (f"collections ({report.unassigned_articles} articles of "
                      "outlets in none left out)")
    if section is Section.stories:
        rows = []
        for s in report.stories[:top]:
            row = {"story": s["story"], "outlets": s["outlets"], "articles": s["articles"],
                   "first": s["first_collection"]}
            if n:
                row |= {"first_held": of(s["first_collection_held"]), "kept": of(s["kept"])
                        } | between(s, "outlets")
            for name in names:
                c = s["collections"][name]
                lag = "" if c["lag_hours"] is None else f", +{c['lag_hours']:g} h"
                row[name] = f"{c['outlets']} ({c['outlet_share']:.0%}){lag}"
            rows.append(row | {"headline": s["headline"]})
        return rows, ("stories: outlets per collection (share of the story's outlets), "
                      "hours after the first report")
    if section is Section.most:
        rows = [{"collection": name, "covered": which, "story": s["story"],
                 "relative": s["relative"]} | (between(s, "relative") if n else {})
                | {"outlets": f"{s['collection_outlets']}/{s['outlets']}",
                   "headline": s["headline"]}
                for name, both in report.most_and_least.items() for which in ("most", "least")
                for s in both[which][:3]]
        return rows, ("covered most / least relative to the collection's share of outlets "
                      "(1 = as usual)")
    if section is Section.blindspots:
        rows = [{"story": b["story"], "blind": b["blind"],
                 "outlets": f"{b['blind_outlets']} of {b['blind_outlets'] + b['other_outlets']}",
                 "baseline": f"{b['baseline_share']:.0%}"}
                | ({"held": of(b["held"])} if n else {})
                | {"others": "; ".join(f"{m} {e['outlets']}" for m, e in b["evidence"].items()
                                       if m != b["blind"] and e["outlets"]),
                   "headline": b["headline"]} for b in report.blindspots[:top]]
        rule = report.rule
        return rows, (f"blindspots: >= {rule['min_outlets']} other outlets, collection share "
                      f"<= {rule['max_share']:.0%} of the story's outlets, baseline >= "
                      f"{rule['min_baseline']:.0%}")
    if section is Section.mixing:
        rows = []
        for graph in ("coverage", "follows"):
            m = report.mixing[graph]
            ranged = between(m, "assortativity") if n and graph == "coverage" else {}
            for name, row in zip(names, m["matrix"], strict=True):
                rows.append({"graph": graph, "from": name} | dict(zip(names, row, strict=True))
                            | {"assortativity": m["assortativity"]} | ranged)
        return rows, "mixing matrix (edge weights between collections) and assortativity"
    if section is Section.follows:
        return report.follows, "who follows whom: linked pairs where the follower published later"
    rows = [{"collection": n} | w for n, ws in report.words.items() for w in ws]
    return rows, ("distinctive words (weighted log-odds, informative Dirichlet prior; "
                  "|z| > 1.96: significant at 5%)")
