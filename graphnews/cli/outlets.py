"""``graphnews outlets`` (central outlets, explained) and ``graphnews outlet DOMAIN`` (profile)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from graphnews.centrality import BETWEENNESS_SAMPLES, EXACT_BETWEENNESS_LIMIT, MEASURES
from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    SilentOption,
    SinceOption,
    UntilOption,
    old_name,
    open_database,
    report_filters,
)
from graphnews.cli.output import Format, console, emit_object, emit_rows
from graphnews.collections import outlet_metadata

if TYPE_CHECKING:
    from graphnews.centrality import CentralityReport, OutletCentrality
    from graphnews.profile import OutletProfile

__all__ = ["outlet_command", "outlets_command"]

#: Columns of the ``outlets`` table (JSON and CSV carry every key of the row).
TABLE_COLUMNS = ("rank", "outlet", "name", *MEASURES)

RankByOption = Annotated[
    str, typer.Option("--rank-by", help=f"Rank by this measure: {', '.join(MEASURES)}. "
                      "(Old name: --by.)")
]
TopOption = Annotated[int, typer.Option("--top", "-n", min=1, help="Show the top N outlets.")]
AllOption = Annotated[bool, typer.Option("--all", help="Show every outlet (ignores --top).")]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Say what each measure means and how weights enter it, "
                       "and why each outlet shown ranks where it does.")
]
ExactOption = Annotated[
    bool | None, typer.Option("--exact/--sample", help="Betweenness and closeness over every "
                              f"outlet, or estimated from about {BETWEENNESS_SAMPLES} sampled "
                              f"source outlets. Default: exact up to "
                              f"{EXACT_BETWEENNESS_LIMIT:,} outlets.",
                              show_default=False)
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the betweenness and closeness "
                                         "estimate.")]
TopicsOption = Annotated[
    list[str] | None, typer.Option("--topic", help="Only articles about this topic (repeat for "
                                   "several: any of them).", show_default=False)
]
MinWeightOption = Annotated[
    float, typer.Option("--min-weight", min=0, help="Leave out co-coverage and follows links "
                        "lighter than this.")
]
ProfileTopOption = Annotated[
    int, typer.Option("--top", "-n", min=0, help="At most this many topics, partners and "
                      "outlets followed / following, the largest first. (Old name: --limit.)")
]


outlets_app = typer.Typer(name="outlets", rich_markup_mode=None, add_completion=False)
app.add_typer(outlets_app)


@outlets_app.callback(invoke_without_command=True)
def outlets_command(
    ctx: typer.Context,
    rank_by: RankByOption = "pagerank",
    by: Annotated[str | None, old_name("--by", "--rank-by")] = None,
    top: TopOption = 20,
    all_outlets: AllOption = False,
    since: SinceOption = None,
    until: UntilOption = None,
    topic: TopicsOption = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    min_weight: MinWeightOption = 0.0,
    exact: ExactOption = None,
    seed: SeedOption = 0,
    explain: ExplainOption = False,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """Which outlets are central, and why: every centrality measure for each outlet.

    Measures are computed on the outlet co-coverage graph (edge weight = linked article pairs
    plus shared stories) and the follows graph, the graphs 'graphnews export --graph outlets'
    and '--graph follows' write with the same filters. Betweenness and closeness use
    distance = 1/weight. Notes (disconnected graphs, approximate betweenness and closeness)
    go to stderr.

    Each outlet's metadata (stored with 'graphnews outlets import FILE') is in the JSON and CSV
    rows and in the table.

    Example: graphnews outlets --rank-by betweenness --top 10 --explain
    """
    if ctx.invoked_subcommand is not None:
        return
    from graphnews.centrality import central_outlets  # numpy, scipy, networkx: only here

    database = open_database(db, readonly=True)
    filters = report_filters(database, since=since, until=until, topics=topic,
                             min_weight=min_weight, collections=collection, languages=language)
    report = central_outlets(database, by=rank_by if by is None else by, filters=filters,
                             exact=exact, seed=seed)
    rows = report.top(None if all_outlets else top)
    if explain:
        _emit_explained(report, rows, fmt)
    else:
        metadata = outlet_metadata(database, [r.outlet for r in rows])
        keys = sorted({k for attrs in metadata.values() for k in attrs})
        shown = [r.as_dict() | {k: metadata.get(r.outlet, {}).get(k) for k in keys}
                 for r in rows]
        emit_rows(shown, fmt, columns=[*TABLE_COLUMNS, *keys] if fmt is Format.table else None,
                  title=_title(report, len(rows)))
    if not silent:
        for message in report.messages:
            typer.echo(f"note: {message}", err=True)


@app.command("outlet")
def outlet_command(
    domain: Annotated[str, typer.Argument(help="The outlet's domain (www. and URLs are fine).",
                                          show_default=False)],
    top: ProfileTopOption = 10,
    limit: Annotated[int | None, old_name("--limit", "--top", min=0)] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    language: LanguageOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """An outlet's profile: names seen, articles per month, topics, co-coverage partners, whom
    it follows and who follows it.

    Example: graphnews outlet cnet.com --since 2022-06
    """
    from graphnews.profile import outlet_profile  # networkx: only here

    database = open_database(db, readonly=True)
    profile = outlet_profile(database, domain, limit=top if limit is None else limit,
                             filters=report_filters(database, since=since, until=until,
                                                    languages=language))
    if fmt is Format.json:
        emit_object(profile.as_dict(), fmt)
    elif fmt is Format.csv:
        emit_object(_flat(profile, sections=True), fmt)
    else:
        emit_object(_flat(profile, sections=False), fmt, title=f"outlet {profile.outlet}")
        for key, title in (("months", "articles per month"), ("topics", "topics"),
                           ("partners", "co-coverage partners"),
                           ("follows", f"{profile.outlet} published after"),
                           ("followed_by", f"published after {profile.outlet}")):
            section = getattr(profile, key)
            if section:
                emit_rows(section, fmt, title=title)


def _title(report: CentralityReport, shown: int) -> str:
    title = f"central outlets by {report.by} ({shown} of {len(report.rows)})"
    if not report.betweenness_exact:
        title += " - betweenness and closeness approximate"
    return title


def _emit_explained(report: CentralityReport, rows: list[OutletCentrality], fmt: Format) -> None:
    reasons = [report.why(r.outlet) for r in rows]
    if fmt is Format.json:
        emit_object({
            "by": report.by, "betweenness_exact": report.betweenness_exact,
            "closeness_exact": report.closeness_exact, "messages": report.messages,
            "measures": {name: m.as_dict() for name, m in MEASURES.items()},
            "outlets": [r.as_dict() | {"why": w.as_dict()} for r, w in zip(rows, reasons,
                                                                          strict=True)],
        }, fmt)
    elif fmt is Format.csv:
        emit_rows([r.as_dict() | {"why": w.text} for r, w in zip(rows, reasons, strict=True)],
                  fmt)
    else:
        emit_rows([r.as_dict() for r in rows], fmt, columns=TABLE_COLUMNS,
                  title=_title(report, len(rows)))
        out = console()
        table = Table(title="what the measures mean", header_style="bold", show_lines=True)
        for column in ("measure", "graph", "meaning", "how weights enter"):
            table.add_column(column, overflow="fold")
        for m in MEASURES.values():
            table.add_row(m.name, m.graph, m.meaning, m.weights)
        out.print(table)
        out.print("why they rank", style="bold")
        for reason in reasons:
            out.print(reason.text, markup=False, highlight=False)


def _flat(profile: OutletProfile, *, sections: bool) -> dict[str, Any]:
    """The profile as key/value pairs; with ``sections``, lists rendered as one line each."""
    flat: dict[str, Any] = {
        "outlet": profile.outlet, "name": profile.name,
        "names": "; ".join(f"{n['name']} ({n['count']})" for n in profile.names),
        "articles": profile.articles, "undated": profile.undated,
        "first_published": profile.first_published, "last_published": profile.last_published,
        "first_reports": profile.first_reports,
    } | {f"metadata.{k}": v for k, v in profile.metadata.items()}
    if sections:
        flat |= {
            "months": "; ".join(f"{m['month']}: {m['articles']}" for m in profile.months),
            "topics": "; ".join(f"{t['topic']} ({t['articles']})" for t in profile.topics),
            "partners": "; ".join(f"{p['outlet']} ({p['weight']})" for p in profile.partners),
            "follows": "; ".join(f"{p['outlet']} ({p['pairs']})" for p in profile.follows),
            "followed_by": "; ".join(f"{p['outlet']} ({p['pairs']})"
                                     for p in profile.followed_by),
        }
    return flat
