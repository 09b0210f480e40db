"""``graphnews stories``, ``graphnews story ID|URL`` and ``graphnews spread``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    SilentOption,
    SinceOption,
    UntilOption,
    open_database,
    ranges_note,
    report_filters,
    span,
)
from graphnews.cli.output import Format, console, emit_object, emit_rows, err_console
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.spread import (
    EVERY,
    RANGE_FIGURES,
    StorySpread,
    first_per_window,
    outlet_spread,
    ranks,
    spread_ranges,
    stories_spread,
    story_spread,
    with_ranges,
)
from graphnews.store import Database
from graphnews.stories.constraints import load_constraints

if TYPE_CHECKING:
    from graphnews.stories.detect import Evidence, StoryRun
    from graphnews.stories.score import LabelScore

__all__ = ["ensure_stories", "spread_command", "stories_command", "story_command"]

#: Columns of the ``stories`` table (JSON and CSV carry every key).
STORY_COLUMNS = (
    "id",
    "size",
    "outlets",
    "first_reporter",
    "first_seen",
    "duration_hours",
    "confidence",
    "headline",
)
#: Columns of the ``spread`` table.
SPREAD_COLUMNS = (
    "outlet",
    "stories",
    "first",
    "first_tied",
    "followed",
    "median_lag_hours",
    "leader_score",
    "follows",
)

#: Columns of the ``stories --score`` table (CSV and JSON have every key).
SCORE_COLUMNS = ("source", "labelled", "missing", "labelled_stories", "precision", "recall",
                 "f1", "f1_90", "bcubed_f1", "alone_bcubed_f1", "links_f1", "links_bcubed_f1")
#: Columns of the ``spread --ranges`` table: each figure beside its lowest-highest range.
RANGE_COLUMNS = (
    "outlet",
    "stories",
    "stories_range",
    "first",
    "first_range",
    "leader_score",
    "leader_score_range",
    "rank",
    "rank_range",
    "clusterings",
)

#: Rows of the spread chart of ``graphnews story`` before it says how many more there are.
CHART_ROWS = 25

TopOption = Annotated[int, typer.Option("--top", "-n", min=1, help="Show the first N rows.")]
AllOption = Annotated[bool, typer.Option("--all", help="Show every row (ignores --top).")]
MinOutletsOption = Annotated[
    int, typer.Option("--min-outlets", min=1, help="Only stories covered by at least K outlets.")
]
MinStoriesOption = Annotated[
    int,
    typer.Option(
        "--min-stories",
        min=1,
        help="Only outlets that covered at least this many stories with two or more outlets.",
    ),
]
EveryOption = Annotated[
    str | None,
    typer.Option(
        "--every", help=f"The same table for each window: {', '.join(EVERY)}.", show_default=False
    ),
]
ResolutionOption = Annotated[
    float | None,
    typer.Option(
        "--resolution",
        min=0.0,
        max=1.0,
        show_default=False,
        help="The probability (0-1) that two articles report one story above which they are "
        "pulled into one story: higher splits stories finer. Default: the value the "
        "stored stories were computed with, else 0.5. Kept for later commands. Articles "
        "without related lists that are all in stories of two or more already (a set of "
        "grouped stories, not a feed): 0.4 found more of their stories (docs/stories.md).",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed",
        show_default=False,
        help="Leiden's random seed. Default: the stored stories' seed, else 0. Kept for later "
        "commands.",
    ),
]
FitOption = Annotated[
    Path | None,
    typer.Option(
        "--fit",
        exists=True,
        dir_okay=False,
        show_default=False,
        help="Fit the same-story model on your own labels (a TSV or CSV with url and story "
        "columns, optionally source), report its cross-validated scores beside those of the model "
        "before it (the shipped one) on the same left-out parts, and keep it in the database "
        "for every later command (--shipped-model goes back).",
    ),
]
ShippedModelOption = Annotated[
    bool,
    typer.Option(
        "--shipped-model",
        help="Forget the model fitted with --fit and compute the stories with the shipped "
        "model again (for every later command).",
    ),
]


ScoreOption = Annotated[
    Path | None,
    typer.Option(
        "--score",
        show_default=False,
        help="Instead of the list, score the stored stories against your own labels (a TSV or "
        "CSV with url and story columns, optionally source, as for --fit; --label-sheet writes "
        "one to fill in): pairwise precision, "
        "recall, F1 (f1_90: the middle 90% of a bootstrap over the labelled stories; it held "
        "the whole corpus's F1 80-87% of the time on samples of 100-150 articles) and BCubed F1 "
        "beside every article alone, the connected components of "
        "the related links and the stories computed the other way about the related lists "
        "(without them; with them after --ignore-related) and about single articles "
        "(--no-singletons), and the stories that merge or split labelled ones; with --ranges "
        "also the stories at resolutions 0.4-0.6 and seeds 0-2 (JSON: clusterings; CSV: "
        "those rows). Nothing is fitted or changed.",
    ),
]


StoryRangesOption = Annotated[
    bool,
    typer.Option(
        "--ranges",
        help="Also cluster the stories again at resolutions 0.4, 0.5 and 0.6 with seeds 0, 1 "
        "and 2 (the stored stories are kept) and say, for each story, in how many of those "
        "clusterings its articles are exactly one story (kept, of clusterings), the "
        "lowest and highest size of the story holding most of them (size_min, size_max), and "
        "in how many that story has the same first reporter (first_reporter_held).",
    ),
]
RangesOption = Annotated[
    bool,
    typer.Option(
        "--ranges",
        help="Also cluster the stories again at resolutions 0.4, 0.5 and 0.6 with seeds 0, 1 "
        "and 2 (the stored stories are kept) and show each outlet's lowest and highest "
        "stories, first, leader_score and rank over those clusterings (keys *_min, *_max, "
        "rank, clusterings): how far each figure depends on the story detection.",
    ),
]


def ensure_stories(
    database: Database,
    *,
    resolution: float | None = None,
    seed: int | None = None,
    silent: bool = False,
    keep_evidence: bool = False,
) -> StoryRun:
    """Bring stored stories up to date, with the stored parameters unless others are given;
    ``keep_evidence`` for a ``--ranges`` to come (`graphnews.stories.update_stories`)."""
    from graphnews.stories import update_stories

    report = update_stories(database, resolution=resolution, seed=seed,
                            keep_evidence=keep_evidence)
    if report.mode != "unchanged" and not silent:
        err_console().print(
            f"stories: {report.stories:,} ({report.mode}: {report.recomputed:,} of "
            f"{report.articles:,} articles clustered in {sum(report.seconds.values()):.1f} s, "
            f"resolution {report.resolution:g}, seed {report.seed}; "
            f"{report.window_texts:,.0f} other articles within 7 days of the median one"
            f"{_model_note(report)}"
            f"{f'; {report.corrections} corrections by hand' if report.corrections else ''})",
            highlight=False,
        )
        for note in report.caveats():
            err_console().print(f"stories: {note}", highlight=False)
    return report


def _model_note(report: StoryRun) -> str:
    """Which of the model's fits scored the stories, when it is the text-only one."""
    if report.related_ignored:
        return "; related lists ignored: the text-only model"
    return "; no related links: the text-only model" if report.text_only else ""


RelatedOption = Annotated[
    bool | None,
    typer.Option(
        "--ignore-related/--use-related",
        show_default=False,
        help="Compute the stories without the documents' related lists (every article kept; "
        "text, names and time alone), or with them again. Kept for later commands, like "
        "--resolution. For lists that recommend other stories of the beat: on all 8 "
        "labelled real sources with lists that the model never saw, leaving them out scored "
        "higher (on one by 0.01); on the one it was fitted on, lower (docs/stories.md, "
        "\"Related lists: yours to leave out\"). Check on a few labels of your own with "
        "--score, with and without.",
    ),
]


SingletonsOption = Annotated[
    bool | None,
    typer.Option(
        "--no-singletons/--singletons",
        show_default=False,
        help="For a set of grouped stories (every article in a story of two or more, as a "
        "curated collection is): leave no article alone; one the clustering leaves alone "
        "joins the story of its likeliest candidate partner. Kept for later commands, like "
        "--resolution; --singletons lets an article be a story of its own again. Not for a "
        "news feed, whose single articles are real (docs/stories.md, \"No single articles\").",
    ),
]


@app.command("stories")
def stories_command(
    top: TopOption = 20,
    all_rows: AllOption = False,
    min_outlets: MinOutletsOption = 1,
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    every: EveryOption = None,
    resolution: ResolutionOption = None,
    seed: SeedOption = None,
    ignore_related: RelatedOption = None,
    no_singletons: SingletonsOption = None,
    fit: FitOption = None,
    shipped_model: ShippedModelOption = False,
    score: ScoreOption = None,
    ranges: StoryRangesOption = False,
    correct: Annotated[Path | None, typer.Option(
        "--correct", show_default=False,
        help="Make the stories agree with your labels (a TSV or CSV as for --score) by "
        "corrections: each labelled story's articles joined, labelled stories kept apart, the "
        "stories recomputed until they agree (unlabelled articles go where the evidence puts "
        "them); kept like 'graphnews story A --join B'. Or add the corrections of a file "
        "'graphnews stories --constraints' wrote (JSON or CSV; from another database, say).")
    ] = None,
    constraints: Annotated[bool, typer.Option(
        "--constraints", help="Instead of the list, the corrections made with 'graphnews story "
        "A --join B' or '--separate B': both articles, their titles and their stories now.")
    ] = False,
    label_sheet: Annotated[Path | None, typer.Option(
        "--label-sheet", show_default=False, dir_okay=False,
        help="Instead of the list, write a sheet to label stories by hand: every article that "
        "--since, --until, --collection and --language keep, earliest first, one row each "
        "(n, story, published, outlet, title, excerpt, document, url, source, note; story "
        "starts as n, the article alone). Give the articles of one story the same story "
        "value; the sheet is then the labels file of --score, --correct and --fit. It shows "
        "nothing of the stored stories, and never writes over a file.")] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """List stories (articles across outlets about one event), most outlets first.

    Stories are detected (or brought up to date) first when the database changed since they
    were last computed. JSON and CSV carry every measure of each story (id, size, outlets,
    first_reporter, first_seen, last_seen, hours to 2/5/10 outlets, median lag, topics,
    articles as canonical URLs); --all --format json lists every story, singletons included.

    Each story's confidence is the calibrated mean probability, over its candidate pairs, that
    the two articles report one story; on real sources the model never saw it overstates
    (pairs given 0.9-1.0 were one story 78% of the time): rank by it. --ranges says in how many
    of nine other clusterings each story is found whole. --resolution and --seed are kept with
    the stories: story, spread, render and run show the same stories afterwards.

    The shipped model has three fits: one for corpora whose median article has fewer than 1,000
    other articles within 7 days of it (every real source it was checked on), one for denser
    corpora (say 10,000 documents over a few weeks), and one for corpora where no article lists
    another in related (text and time only; every word of a text counts); stderr says the
    density, and the text-only model when it scores, whenever stories are computed, and what
    they cannot judge: articles without a publication time, titles in
    Chinese, Japanese or Korean, a corpus in German, French, Spanish, Italian, Portuguese or
    Dutch (the model was fitted on English news; measured in docs/stories.md).

    Example: graphnews stories --top 10 --min-outlets 3
    """
    if shipped_model and fit is not None:
        raise BadInputError("--shipped-model and --fit contradict each other: give one")
    database = open_database(db)
    if label_sheet is not None:
        _write_sheet(database, label_sheet, filters=report_filters(
            database, since=since, until=until, collections=collection, languages=language),
            silent=silent)
        return
    if ignore_related is not None:  # before --fit: the fit sees the evidence the stories will
        from graphnews.stories.detect import use_related

        use_related(database, not ignore_related)
    if no_singletons is not None:  # before --fit too: its clusterings honour the choice
        from graphnews.stories.stored import keep_singletons

        keep_singletons(database, not no_singletons)
    if shipped_model:
        _forget_fit(database, silent=silent)
    if fit is not None:
        _fit(database, fit, silent=silent)
    if correct is not None:
        _correct_from(database, correct, silent=silent)
    made = ensure_stories(database, resolution=resolution, seed=seed, silent=silent,
                          keep_evidence=ranges)
    if score is not None:
        _score(database, score, fmt=fmt, top=None if all_rows else top, ranges=ranges,
               evidence=made.evidence)
        return
    if constraints:
        from graphnews.stories.constraints import describe

        rows = describe(database, load_constraints(database))
        if rows or fmt is not Format.table:
            emit_rows(rows, fmt, title="corrections: articles that are (join) or are not "
                      "(separate) one story")
        else:
            console().print("no corrections stored: 'graphnews story A --join B' or "
                            "'--separate B' makes one", highlight=False)
        return
    filters = report_filters(database, since=since, until=until, collections=collection,
                             languages=language)
    rows = stories_spread(database, filters=filters, every=every, min_outlets=min_outlets)
    if not all_rows:
        rows = first_per_window(rows, top)
    out = [r.as_dict() for r in rows]
    columns = STORY_COLUMNS
    if ranges:
        from graphnews.stories.alternatives import alternative_stories, story_stability

        stability = story_stability(
            database, alternatives=alternative_stories(database, evidence=made.evidence))
        out = [r | stability[r["id"]].as_dict() for r in out]
        if fmt is Format.table:
            columns = (*STORY_COLUMNS[:-1], "kept", "size_range", "first_held",
                       STORY_COLUMNS[-1])
            out = [r | {"kept": f"{r['kept']} of {r['clusterings']}",
                        "size_range": span(r["size_min"], r["size_max"]),
                        "first_held": f"{r['first_reporter_held']} of {r['clusterings']}"}
                   for r in out]
    emit_rows(
        out,
        fmt,
        columns=(("window",) if every else ()) + columns if fmt is Format.table else None,
        title="stories",
    )


@app.command("story")
def story_command(
    story: Annotated[
        str,
        typer.Argument(
            help="A story id (s-...) or the URL of one of its articles.", show_default=False
        ),
    ],
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Why its articles are together: the strongest pairs and what weighs "
            "for them, the names and terms they share, the weakest member.",
        ),
    ] = False,
    ranges: Annotated[
        bool,
        typer.Option(
            "--ranges",
            help="Also what the story becomes when the stories are clustered again at "
            "resolutions 0.4, 0.5 and 0.6 with seeds 0, 1 and 2 (the stored stories are kept): "
            "the articles that join it and leave it under each (JSON: ranges).",
        ),
    ] = False,
    join: Annotated[list[str] | None, typer.Option(
        "--join", help="Correct the stories: this article or story (a URL or s-...) and STORY "
        "are one story, in every later computation (repeatable).", show_default=False)] = None,
    separate: Annotated[list[str] | None, typer.Option(
        "--separate", help="Correct the stories: this article or story and STORY are not one "
        "story (a story stands for its first article: an article URL as STORY and a story id "
        "here take the article out of that story). Repeatable.", show_default=False)] = None,
    forget: Annotated[list[str] | None, typer.Option(
        "--forget", help="Drop what --join or --separate said of this article or story and "
        "STORY (repeatable).", show_default=False)] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """One story: its articles in time order, its outlets, and how it spread.

    CSV gives the timeline (one row per article); JSON the story's measures with its
    timeline and spread curve (and, with --ranges, the story under other clusterings).
    --join, --separate and --forget correct the stories by hand: kept in the database, honoured
    by every later computation (graphnews stories --constraints lists them); only the stories
    around the two articles are clustered again.

    Example: graphnews story https://www.nbcnews.com/news/amp/rcna35087 --explain

    Example: graphnews story s-d2508f8e5008 --join s-fb0bb4962220
    """
    database = open_database(db)
    if join or separate or forget:
        story = _correct(database, story, join=join or [], separate=separate or [],
                         forget=forget or [], silent=silent)
    ensure_stories(database, silent=silent)
    if explain:
        _explain(database, story, fmt)
        return
    filters = report_filters(database, since=since, until=until, collections=collection,
                             languages=language)
    spread = story_spread(database, story, filters=filters)
    detail = spread.as_dict(detail=True) | {"corrections": [
        c.as_dict() for c in load_constraints(database).touching(a.url for a in spread.articles)]}
    variants = _variants(database, spread.id) if ranges else None
    if fmt is Format.json:
        emit_object(detail if variants is None else detail | {"ranges": variants}, fmt)
        return
    if fmt is Format.csv:
        emit_rows(detail["timeline"], fmt, columns=("published", "outlet", "title", "url"))
        return
    summary = {k: v for k, v in detail.items()
               if k not in ("articles", "timeline", "curve", "corrections")}
    if detail["corrections"]:
        summary["corrected by hand"] = "; ".join(
            f"{c['kind']} {c['a']} and {c['b']}" for c in detail["corrections"])
    emit_object(summary, fmt, title=f"story {spread.id}")
    emit_rows(
        detail["timeline"],
        fmt,
        columns=("published", "outlet", "title", "url"),
        title="articles in time order",
    )
    console().print(_chart(spread), highlight=False)
    if variants is not None:
        emit_rows(
            [{"clusterings": _clusterings(v["clusterings"]), "size": v["size"],
              "joined": [f"{a['outlet']}: {a['title']}" for a in v["joined"]],
              "left": [f"{a['outlet']}: {a['title']}" for a in v["left"]]} for v in variants],
            fmt,
            title="the story under other clusterings (the stored one: nothing joined or left)",
        )


def _correct_from(database: Database, path: Path, *, silent: bool) -> None:
    """``--correct FILE``: the corrections another database's ``--constraints`` wrote, or a
    labels TSV applied as corrections."""
    from graphnews.stories.constraints import (
        apply_corrections,
        correct_with_labels,
        read_corrections,
    )
    from graphnews.stories.fit import read_labels

    corrections = read_corrections(path)
    if corrections is not None:
        applied = apply_corrections(database, corrections)
        said = (f"stories: {applied.added} corrections added from {path} ({applied.unchanged} "
                "already stored)" + (f"; {len(applied.missing)} of its URLs are not in this "
                                     "database, their rows skipped" if applied.missing else ""))
    else:
        done = correct_with_labels(database, read_labels(path))
        said = (f"stories: {done.joins} joins and {done.separations} separations added from "
                f"{path} in {done.rounds} computations of the stories"
                + (f"; {done.merged} stories still join labelled ones (run it again)"
                   if done.merged else "; every label holds"))
    if not silent:
        err_console().print(said, highlight=False)


def _correct(database: Database, story: str, *, join: list[str], separate: list[str],
             forget: list[str], silent: bool) -> str:
    """Store the corrections of ``story`` against each other story given; return the URL of
    the article ``story`` stands for (its story may get another id when recomputed)."""
    from graphnews.stories.constraints import Kind, article_url, constrain

    said: dict[Kind | None, str] = {"join": "one story", "separate": "not one story",
                                    None: "forgotten"}
    asked: list[tuple[Kind | None, list[str]]] = [("join", join), ("separate", separate),
                                                 (None, forget)]
    for kind, others in asked:
        for other in others:
            try:
                stored = constrain(database, story, other, kind)
            except NotFoundError as error:
                if kind is not None:
                    raise
                raise NotFoundError(f"{error}; a story id names a story as it is now (a join "
                                    "merges two): forget a correction by its articles' URLs, "
                                    "as 'graphnews stories --constraints' lists them") from None
            if not silent:
                err_console().print(f"stories: {story} and {other}: {said[kind]} "
                                    f"({len(stored.items)} corrections stored)", highlight=False)
    return article_url(database, story)


def _variants(database: Database, story: str) -> list[dict[str, Any]]:
    """``story_variants`` as JSON: each article that joins or leaves as its
    `graphnews.query.briefs` (id, URL, title, outlet, published)."""
    from graphnews.query import briefs
    from graphnews.stories.alternatives import story_variants

    found = story_variants(database, story)
    about = briefs(database, {a for v in found for a in (*v.joined, *v.left)})
    return [{"clusterings": [list(k) for k in v.clusterings], "size": v.size,
             "joined": [about[a] for a in v.joined], "left": [about[a] for a in v.left]}
            for v in found]


def _clusterings(keys: list[list[float]]) -> str:
    """``[[0.4, 0], [0.4, 1]]`` -> "0.4 (seeds 0, 1)"."""
    seeds: dict[float, list[str]] = {}
    for resolution, seed in keys:
        seeds.setdefault(resolution, []).append(f"{seed:g}")
    return "; ".join(f"{r:g} (seed{'s' if len(s) > 1 else ''} {', '.join(s)})"
                     for r, s in seeds.items())


@app.command("spread")
def spread_command(
    top: TopOption = 20,
    all_rows: AllOption = False,
    min_stories: MinStoriesOption = 1,
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    every: EveryOption = None,
    db: DbOption = None,
    ranges: RangesOption = False,
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """Which outlets lead and which follow, over the stories two or more outlets covered.

    first: stories it was first on (first_tied: of those, shared with another outlet at the
    same minute); median_lag_hours: how long after the first report it published when it
    followed; leader_score: +1 always ahead of the other outlets of its stories, -1 always
    behind; follows: the outlets first on the stories it followed, most often first.

    Every figure stands on the stories; --ranges says how far each moves when the stories
    are clustered at other resolutions and seeds (cite a figure whose range is narrow).

    Example: graphnews spread --every week --since 2022-06-01 --min-stories 3
    """
    database = open_database(db)
    made = ensure_stories(database, silent=silent, keep_evidence=ranges)
    filters = report_filters(database, since=since, until=until, collections=collection,
                             languages=language)
    rows = outlet_spread(database, filters=filters, every=every, min_stories=min_stories)
    rank = ranks(rows)  # before --top cuts the rows
    if not all_rows:
        rows = first_per_window(rows, top)
    out = [r.as_dict() for r in rows]
    columns = SPREAD_COLUMNS
    if ranges:
        out = _with_ranges(database, out, rank, filters=filters, every=every,
                           min_stories=min_stories, silent=silent, evidence=made.evidence)
        columns = RANGE_COLUMNS
        if fmt is Format.table:
            out = [_range_cells(r) for r in out]
    emit_rows(
        out,
        fmt,
        columns=(("window",) if every else ()) + columns if fmt is Format.table else None,
        title="leaders and followers",
    )


def _with_ranges(
    database: Database,
    rows: list[dict[str, Any]],
    rank: dict[tuple[str | None, str], int],
    *,
    filters: Filters,
    every: str | None,
    min_stories: int,
    silent: bool,
    evidence: Evidence | None,
) -> list[dict[str, Any]]:
    """``rows`` (the ``spread`` rows) with each one's ``rank`` and ranges (`spread_ranges`;
    ``evidence``: the stories' just computed, `alternative_stories`)."""
    from graphnews.stories.alternatives import alternative_stories

    clusterings, found = spread_ranges(
        database, filters=filters, every=every, min_stories=min_stories,
        alternatives=alternative_stories(database, evidence=evidence))
    if not silent:
        ranges_note(clusterings)
    return with_ranges(rows, rank, found)


def _range_cells(row: dict[str, Any]) -> dict[str, Any]:
    """A ``spread --ranges`` row for the table: each range as "lowest-highest"."""
    out = dict(row)
    for name in RANGE_FIGURES:
        out[f"{name}_range"] = span(row.get(f"{name}_min"), row.get(f"{name}_max"))
    return out


def _fit(database: Database, labels: Path, *, silent: bool) -> None:
    """Fit the model on the user's labels, report cross-validated scores beside the model's
    before it, keep it in the database."""
    from graphnews.stories.detect import use_model
    from graphnews.stories.fit import cross_validate, read_labels

    model, report = cross_validate(database, read_labels(labels))
    use_model(database, model)
    if silent:
        return
    from rich.table import Table

    before = "the shipped model" if report["model_before"] == "shipped" else "the earlier fit"
    # On stderr: stdout stays the stories list (table, CSV or JSON).
    table = Table(
        title=f"cross-validated scores of the model fitted on "
        f"{report['labelled_articles']:,} labelled articles (each part scored "
        f"by the model fitted without it), and of {before} on the same parts",
        header_style="bold",
    )
    columns = ("left_out", "articles", "precision", "recall", "f1", "bcubed_f1", "f1_before",
               "bcubed_f1_before")
    for c in columns:
        table.add_column(c, justify="left" if c == "left_out" else "right")
    mean = report["mean"] | {f"{k}_before": v for k, v in report["mean_before"].items()}
    rows = [*report["left_out"],
            {"left_out": "mean", "articles": report["labelled_articles"], **mean}]
    for r in rows:
        table.add_row(*(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c])
                        for c in columns))
    err_console().print(table)
    err_console().print(_fit_verdict(report, before), highlight=False)


def _fit_verdict(report: dict[str, Any], before: str) -> str:
    """What the cross-validation says of the fit against the model before it, and how far
    that comparison is to be trusted (`benchmarks/fit_sample.py`)."""
    mine, theirs = report["mean"]["f1"], report["mean_before"]["f1"]
    side = "higher" if mine > theirs else "lower" if mine < theirs else "as high"
    return (
        f"Your fit scores {side} than {before} on the left-out parts (pairwise F1 {mine:.2f} "
        f"against {theirs:.2f}). It is kept in the database and the stories are recomputed "
        "with it; 'graphnews stories --shipped-model' goes back to the shipped model. Measured "
        "on 20 labelled sources the shipped model never saw: fits on a labelled sample (60 to "
        "150 consecutive articles, or the first half) scored lower than it on the rest of "
        "their source more often than higher (59 against 42 of 110), and this comparison "
        "named the higher one 47 times in 88, no better than a coin; check the stories with "
        "--score on labels the fit did not see (docs/labelling.md)."
    )


def _forget_fit(database: Database, *, silent: bool) -> None:
    """``--shipped-model``: the database's own fit forgotten (said when there was none)."""
    from graphnews.stories.detect import fitted_model, use_model

    had = fitted_model(database) is not None
    use_model(database, None)
    if not silent:
        err_console().print(
            "the model fitted with --fit is forgotten: the stories are computed with the "
            "shipped model" if had else "no model fitted with --fit: the shipped model "
            "computes the stories already", highlight=False)


def _related_hint(score: LabelScore, flag: str) -> str | None:
    """What to do when the labels score the other choice about the related lists higher
    (``score``: the stored stories' scores over every labelled source; ``flag``: the option
    that makes the other choice)."""
    prefix = score.other_prefix
    if score.other is None or prefix is None or score.other["f1"] <= score.stories["f1"]:
        return None
    return (f"Your labels score the stories computed {prefix.replace('_', ' the ')} lists higher: "
            f"pairwise F1 {score.other['f1']:.2f} against {score.stories['f1']:.2f} over "
            f"{score.labelled} labelled articles. 'graphnews stories {flag}' makes that choice "
            "for every later command (docs/stories.md, \"Related lists: yours to leave out\").")


def _singletons_hint(score: LabelScore) -> str | None:
    """What to do when the labels say the other choice about single articles fits them
    (``score``: over every labelled source): their shape agrees with it (no labelled story of
    one article, for ``--no-singletons``; some, for ``--singletons``) and it scores higher by
    both pairwise F1 and BCubed F1. Both, because on a feed joining its single articles can
    lift pairwise F1 (big stories' pairs weigh most) while BCubed, which counts every article,
    falls (docs/stories.md, "No single articles")."""
    other, mine = score.other_singletons, score.stories
    if other is None or other["f1"] <= mine["f1"] or other["bcubed_f1"] <= mine["bcubed_f1"]:
        return None
    if score.singletons_allowed and not score.labelled_alone:
        shape = "put every article in a story of two or more"
        what, flag = "with no article left alone", "--no-singletons"
        when = "If your whole corpus is like that (a set of grouped stories, not a feed), "
    elif not score.singletons_allowed and score.labelled_alone:
        shape = f"have {score.labelled_alone} articles alone in their story"
        what, flag, when = "with single articles allowed", "--singletons", ""
    else:
        return None
    return (f"Your labels {shape} and score the stories {what} higher: pairwise F1 "
            f"{other['f1']:.2f} against {mine['f1']:.2f}, BCubed {other['bcubed_f1']:.2f} "
            f"against {mine['bcubed_f1']:.2f} over {score.labelled} labelled articles. {when}"
            f"'graphnews stories {flag}' makes that choice for every later command "
            "(docs/stories.md, \"No single articles\").")


def _score(database: Database, labels: Path, *, fmt: Format, top: int | None,
           ranges: bool, evidence: Evidence | None) -> None:
    """The stored stories against the user's labels (`graphnews.stories.score`); with
    ``ranges`` each alternative clustering's too (``evidence``: the stories' just computed)."""
    from graphnews.stories.alternatives import alternative_stories
    from graphnews.stories.fit import read_labels
    from graphnews.stories.score import score_clusterings, score_stories

    read = read_labels(labels)
    report = score_stories(database, read, compare_related=True, compare_singletons=True)
    sources = report.scores[:-1] if len(report.scores) > 1 else report.scores  # not "all"
    for alone in (s for s in sources if s.labelled > 1 and not s.same_story_pairs):
        err_console().print(
            f"{alone.source}: no two of its {alone.labelled} labelled articles share a story, "
            "so its precision and F1 say only that the stored stories join some of them (a "
            "sheet from --label-sheet starts with every article alone: give the articles of "
            "one story the same 'story' value)", highlight=False, markup=False)
    clusterings = score_clusterings(
        database, read, alternatives=alternative_stories(database, evidence=evidence)
    ) if ranges else None
    if fmt is Format.json:
        emit_object(report.as_dict() | ({} if clusterings is None
                                        else {"clusterings": clusterings}), fmt)
        return
    if clusterings is not None and fmt is Format.csv:
        emit_rows(clusterings, fmt)
        return
    prefix = report.scores[0].other_prefix if report.scores else None
    singles = report.scores[0].singletons_prefix if report.scores else None
    choice = tuple(f"{p}_f1" for p in (prefix, singles) if p is not None)
    flag = "--use-related" if prefix == "with_related" else "--ignore-related"
    rows = [s.as_dict() for s in report.scores]
    if fmt is Format.table:
        rows = [r | {"f1_90": f"{r['f1_low']:.2f}-{r['f1_high']:.2f}"} for r in rows]
    emit_rows(rows, fmt, columns=(*SCORE_COLUMNS, *choice) if fmt is Format.table else None,
              title="the stored stories against your labels (pairwise and BCubed), beside "
              "every article alone and the related links' connected components"
              + ("" if prefix is None else f", the stories computed "
                 f"{prefix.replace('_', ' the ')} lists ({flag})")
              + ("" if singles is None else ", and the stories "
                 + ("with no article left alone (--no-singletons)"
                    if singles == "without_singletons"
                    else "with single articles allowed (--singletons)")))
    if fmt is Format.csv:
        return
    for found, what, key in ((report.merged, "stored stories that join labelled ones",
                              "labelled_stories"),
                             (report.split, "labelled stories the stored ones split",
                              "stories")):
        if not found:
            console().print(f"{what}: none", highlight=False)
            continue
        emit_rows([r | {key: ", ".join(f"{k} ({v})" for k, v in r[key].items())}
                   for r in found[:top]], fmt, title=f"{what} ({len(found)})")
    if report.scores and (hint := _related_hint(report.scores[-1], flag)):
        console().print(hint, highlight=False, markup=False)
    if report.scores and (hint := _singletons_hint(report.scores[-1])):
        console().print(hint, highlight=False, markup=False)
    if clusterings is not None:
        emit_rows(clusterings, fmt, title="the stories clustered at other resolutions and seeds, "
                  "against your labels (how far the scores move; on 60-150 labelled articles "
                  "not a way to choose the resolution: docs/citing.md)")
    if report.missing_urls:
        err_console().print(f"{len(report.missing_urls)} labelled URLs are not in the "
                            f"database, e.g. {report.missing_urls[0]}", highlight=False)


#: A sheet longer than this gets a word on its length (the labelled sources of
#: docs/stories.md hold 60-292 articles each).
LONG_SHEET = 300


def _write_sheet(database: Database, path: Path, *, filters: Filters, silent: bool) -> None:
    """Write the labelling sheet of the articles ``filters`` keep (`graphnews.stories.sheet`)."""
    from graphnews.stories.sheet import label_sheet, sheet_span, write_label_sheet

    rows = label_sheet(database, filters=filters, source=path.stem)
    if not rows:
        raise BadInputError("no article to label: the database holds none that --since, "
                            "--until, --collection and --language keep")
    write_label_sheet(rows, path)
    if silent:
        return
    err_console().print(
        f"wrote {len(rows):,} articles, {sheet_span(rows)}, to {path}. Give the articles of "
        "one story the same value in 'story' (say the n of its first row; every other article "
        "keeps its own; the rule: docs/labelling.md), then: graphnews stories --score "
        f"{path}", highlight=False, markup=False)
    if len(rows) > LONG_SHEET:
        err_console().print(
            f"{len(rows):,} articles is a long sheet to label by hand (each labelled source of "
            "docs/stories.md holds 60-292): --since and --until narrow it to a few days",
            highlight=False, markup=False)


def _explain(database: Database, story: str, fmt: Format) -> None:
    from graphnews.stories.explain import explain_story

    found = explain_story(database, story)
    if fmt is not Format.table:
        emit_object(found, fmt)
        return
    weakest = found["weakest_member"]
    emit_object(
        {
            "id": found["id"],
            "size": found["size"],
            "confidence": found["confidence"],
            "weakest_member": None
            if weakest is None
            else f"{weakest['title']} (mean probability {weakest['mean_probability']} over "
            f"{weakest['pairs']} pairs)",
        },
        fmt,
        title=f"why story {found['id']}",
    )
    emit_rows(
        [
            {
                "probability": p["probability"],
                "a": p["a"]["title"],
                "b": p["b"]["title"],
                "because": ", ".join(f"{k} {v}" for k, v in p["because"].items()),
            }
            for p in found["strongest_pairs"]
        ],
        fmt,
        columns=("probability", "a", "b", "because"),
        title="strongest pairs",
    )
    emit_rows(found["shared"], fmt, columns=("term", "articles"), title="shared names and terms")
    if found["actors"]:
        emit_rows(
            found["actors"],
            fmt,
            columns=("actor", "articles"),
            title="title actors",
        )


def _chart(spread: StorySpread) -> Text:
    """Outlets over time as horizontal bars: one row per outlet joining the story."""
    arrivals = sorted(spread.outlet_first.items(), key=lambda kv: (kv[1], kv[0]))
    text = Text("spread: outlets covering the story, hours after the first report\n")
    if not arrivals:
        text.append("  (no publication times)\n")
        return text
    start = arrivals[0][1]
    width = 40
    total = len(arrivals)
    for count, (outlet, ts) in enumerate(arrivals[:CHART_ROWS], start=1):
        bar = "█" * max(1, round(width * count / total))
        text.append(f"  {(ts - start) / 3600:8.1f} h  ")
        text.append(f"{bar:<{width}}", style="cyan")
        text.append(f" {count:>4}  {outlet}\n")
    if total > CHART_ROWS:
        last_hours = (arrivals[-1][1] - start) / 3600
        text.append(f"  ... {total - CHART_ROWS} more outlets, the last at {last_hours:.1f} h\n")
    return text
