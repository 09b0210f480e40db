"""``graphnews run``: from documents to every report in one go.

`run` ingests the inputs (incrementally) and then runs each analysis step over the whole
database, writing its files into one output folder, and ``summary.json`` naming them:

========== ========================================================== =========================
step       what it does                                               writes
========== ========================================================== =========================
ingest     read the documents into the database (unchanged files are  (the database)
           skipped; `graphnews.ingest`)
stories    detect and store the stories (`graphnews.stories`), and    ``stories.json``
           how each spread (`graphnews.spread`)
centrality rank the outlets by every measure (`graphnews.centrality`) ``central-outlets.json``
spread     each outlet as leader or follower (`graphnews.spread`)     ``spread.json``
render     the offline HTML site (`graphnews.render`)                 ``index.html``,
                                                                      ``outlets.html``,
                                                                      ``topics.html``,
                                                                      ``story-<id>.html``
export     GraphML of the coverage and outlet graphs                  ``coverage.graphml``,
           (`graphnews.export`)                                       ``outlets.graphml``
========== ========================================================== =========================

A second run over unchanged input is cheap: after ingest, the run compares a fingerprint of the
database (every file's content hash, the outlet overrides, the stored stories) and of the run's
options with the one ``summary.json`` recorded; when they match and every file it names is still
there, the analysis steps are reused (``reused=True``) instead of recomputed. Each step is
deterministic, so a recomputation gives byte-identical files anyway.

With two cores and a database another process can open, the spread and the coverage export are
computed in a second process as soon as the stories are stored, beside centrality and render
(their steps then collect the result); the files are the same either way.

A step that fails does not stop the others (each reads what the database holds); the failure is
recorded in the `RunReport` with its reason, and `RunReport.exit_code` is 1 when a step failed or
input was rejected.

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.md").write_text('---\\ntitle: Hi\\nwebUrl: https://ex.com/a\\n---\\n')
>>> db = graphnews.open(d / "news.db")
>>> report = run(db, [d], out_dir=d / "out")
>>> report.exit_code, report.reused
(0, False)
>>> [p.name for p in report.written][-3:]
['coverage.graphml', 'outlets.graphml', 'summary.json']
>>> run(db, [d], out_dir=d / "out").reused
True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphnews import __version__
from graphnews._files import write_text
from graphnews._memory import release as release_memory
from graphnews._processes import may_start_processes
from graphnews.errors import GraphnewsError
from graphnews.filters import Filters
from graphnews.ingest import IngestReport, ingest
from graphnews.ingest.reader import expand_inputs
from graphnews.progress import Progress, no_progress
from graphnews.store import Database
from graphnews.stories.stored import (
    keep_singletons,
    related_ignored,
    singletons_kept,
    use_related,
)

if TYPE_CHECKING:
    import networkx as nx

    from graphnews.spread import OutletSpread
    from graphnews.stories.alternatives import Alternatives, StoryStability

__all__ = [
    "CENTRAL_OUTLETS_FILE",
    "EXPORTED_GRAPHS",
    "SPREAD_FILE",
    "STORIES_FILE",
    "SUMMARY_FILE",
    "RunReport",
    "StepReport",
    "inputs_outside",
    "run",
]
#: The file every run writes into its output folder, naming everything else it wrote.
SUMMARY_FILE = "summary.json"
#: Every story and how it spread: what ``graphnews stories --all --format json`` prints.
STORIES_FILE = "stories.json"
#: The central outlets (`graphnews.centrality.CentralityReport.as_dict`): the measure ranked
#: by, notes, and each outlet's row as ``graphnews outlets --all --format json`` prints it.
CENTRAL_OUTLETS_FILE = "central-outlets.json"
#: Each outlet as leader or follower: what ``graphnews spread --all --format json`` prints.
SPREAD_FILE = "spread.json"
#: The graphs written as GraphML (``<graph>.graphml``).
EXPORTED_GRAPHS = ("coverage", "outlets")


@dataclass
class StepReport:
    """One step of a run: how long it took, what it wrote, what it found, or why it failed.

    ``written`` are paths inside the output folder; ``counts`` a few numbers worth showing
    (``{"stories": 12}``); ``reused`` is True when nothing changed since the previous run, so
    its files were kept as they were; ``notes`` what its results cannot be trusted for (the
    stories' `graphnews.stories.StoryRun.caveats`).
    """

    name: str
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    reused: bool = False
    notes: list[str] = field(default_factory=list)  # what its results cannot be trusted for

    def as_dict(self, out_dir: Path | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 3),
            "written": [_relative(p, out_dir) for p in self.written],
            "counts": self.counts,
            "error": self.error,
            "reused": self.reused,
            "notes": self.notes,
        }


@dataclass
class RunReport:
    """What one run did (the ``run --format json`` contract)."""

    out_dir: Path
    database: str
    ingest: IngestReport
    steps: list[StepReport] = field(default_factory=list)
    seconds: float = 0.0
    reused: bool = False

    @property
    def failed(self) -> list[StepReport]:
        """The steps that failed."""
        return [s for s in self.steps if s.error is not None]

    @property
    def written(self) -> list[Path]:
        """Every file the run wrote (or kept, when reused), ``summary.json`` last."""
        return [p for s in self.steps for p in s.written] + [self.out_dir / SUMMARY_FILE]

    @property
    def exit_code(self) -> int:
        """0 when all went well; 1 when input was rejected or a step failed."""
        return 1 if self.ingest.rejected or self.failed else 0

    @property
    def reasons(self) -> list[str]:
        """Why the exit code is not 0, one sentence each (empty when it is 0)."""
        reasons = [f"step {s.name} failed: {s.error}" for s in self.failed]
        rejected = self.ingest.rejected
        if rejected:
            more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
            reasons.append(f"input rejected: {rejected[0]}{more}")
        return reasons

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "database": self.database,
            "exit_code": self.exit_code,
            "reasons": self.reasons,
            "reused": self.reused,
            "seconds": round(self.seconds, 3),
            "steps": [s.as_dict(self.out_dir) for s in self.steps],
            "written": [str(p) for p in self.written],
            "ingest": self.ingest.as_dict(),
        }


def run(
    db: Database,
    inputs: Iterable[str | os.PathLike[str]],
    *,
    out_dir: str | os.PathLike[str] = Path("output"),
    progress: Progress | None = None,
    max_size: int | None = None,
    overrides: str | os.PathLike[str] | None = None,
    force: bool = False,
    filters: Filters | None = None,
    ranges: bool = False,
    related: bool | None = None,
    singletons: bool | None = None,
) -> RunReport:
    """Ingest ``inputs`` into ``db``, then run every analysis step, writing into ``out_dir``.

    Parameters
    ----------
    db : Database
    inputs : iterable of paths or globs
        Files, folders (read recursively), globs or ``-``, as for `graphnews.ingest.ingest`.
    out_dir : path
        The folder to write into (created when missing).
    progress : Progress, optional
        ``progress(step, done, total)`` (`graphnews.progress`): ``(step, 0, None)`` when a step
        starts and ``(step, 1, 1)`` when it ends; ingest counts files and stories its stages
        in between.
    max_size, overrides
        Passed to ingest.
    force : bool
        Recompute every step even when nothing changed since the previous run.
    filters : Filters, optional
        Which articles the reports, the site and the exports keep (stories are detected over
        the whole database, then filtered like every report). With languages, the articles'
        languages are detected first.
    ranges : bool
        Also say how far each figure depends on the stories: the stories are clustered again
        at resolutions 0.4, 0.5 and 0.6 with seeds 0, 1 and 2 (once, for every step;
        `graphnews.stories.alternatives.alternative_stories`), each story of ``stories.json``
        gets the keys of ``graphnews stories --ranges``, each row of ``spread.json`` those
        of ``graphnews spread --ranges``, and the story pages and overview say in how many
        clusterings each story is found whole (``graphnews render --ranges``). Costs about
        one more computation of the stories.
    related : bool, optional
        Compute the stories with the documents' ``related`` lists (True) or without them
        (False: text, names and time alone), and keep that choice for later commands, as
        ``graphnews stories --use-related`` / ``--ignore-related`` do; None keeps the stored
        choice (with the lists unless changed).
    singletons : bool, optional
        Let an article be a story of its own (True), or leave none alone (False: for a set of
        grouped stories, `graphnews.stories.pairs.join_singletons`), and keep that choice, as
        ``graphnews stories --singletons`` / ``--no-singletons`` do; None keeps the stored
        choice (single articles allowed unless changed).

    Returns
    -------
    RunReport
    """
    started = time.perf_counter()
    progress = progress or no_progress
    ingested = ingest(db, inputs_outside(inputs, out_dir), max_size=max_size,
                      overrides=overrides, progress=progress)
    release_memory()  # what the ingest writer freed (graphnews._memory)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = RunReport(out_dir=out, database=db.path, ingest=ingested,
                       steps=[_ingest_step(ingested)])
    if related is not None:
        use_related(db, related)
    if singletons is not None:
        keep_singletons(db, singletons)
    f = filters or Filters()
    options: dict[str, Any] = {"version": __version__, "steps": [s.name for s in _STEPS]}
    if related_ignored(db):  # the stories a previous run left may be those of the other choice
        options["related"] = "ignored"
    if not singletons_kept(db):
        options["singletons"] = "joined"
    if not f.is_empty:
        options["filters"] = f.as_dict()
    if ranges:
        options["ranges"] = True
    if f.languages:
        from graphnews.language import detect_languages

        detect_languages(db)
    fingerprint = _fingerprint(db, options)
    previous = None if force else _previous_run(out, fingerprint)
    if previous is not None:
        report.reused = True
        report.steps.extend(_reused_step(s, out) for s in previous)
    else:
        with _side_process(db) as side:
            context = _Context(db=db, out_dir=out, progress=progress, filters=f, side=side,
                               ranges=ranges)
            for step in _STEPS:
                report.steps.append(_run_step(step, context))
        _write_summary(report, db, _fingerprint(db, options))
    report.seconds = time.perf_counter() - started
    return report


def inputs_outside(
    inputs: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str]
) -> list[str]:
    """The inputs without the output folder: a run must not read back the files it wrote.

    A folder input that holds ``out_dir`` (``graphnews run .``) is replaced by its files outside
    ``out_dir``; every other input is kept as given.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "output").mkdir(); _ = (d / "output" / "summary.json").write_text("{}")
    >>> _ = (d / "a.md").write_text("---\\ntitle: A\\n---\\n")
    >>> [pathlib.Path(p).name for p in inputs_outside([d], d / "output")]
    ['a.md']
    """
    out = Path(out_dir).resolve()
    kept: list[str] = []
    for item in inputs:
        text = os.fspath(item)
        folder = Path(text).expanduser()
        if text != "-" and folder.is_dir() and out.is_relative_to(folder.resolve()):
            files, _ = expand_inputs([folder])
            kept.extend(f for f in files if not Path(f).is_relative_to(out))
        else:
            kept.append(text)
    return kept


# -- the steps ---------------------------------------------------------------------------------
@dataclass
class _Context:
    """What the steps share: the database, the output folder, the progress callback, the
    filters, and the outlet measures and outlet graph of the centrality step (so that render
    and export do not compute them again)."""

    db: Database
    out_dir: Path
    progress: Progress
    filters: Filters
    measures: dict[str, dict[str, float]] | None = None
    graphs: dict[str, nx.Graph] = field(default_factory=dict)  # by `build_graph` name
    #: A second process for work that needs nothing of the steps between (`_side_process`).
    side: ProcessPoolExecutor | None = None
    #: Work started in ``side`` once the stories are stored: the outlet spread rows
    #: (``"spread"``) and the coverage export's files (``"coverage"``).
    early: dict[str, Future[Any]] = field(default_factory=dict)
    #: With ``ranges`` (`run`): the alternative clusterings, made once the stories are stored,
    #: and each story's stability under them (`graphnews.stories.alternatives`).
    ranges: bool = False
    alternatives: Alternatives | None = None
    stability: dict[str, StoryStability] = field(default_factory=dict)


@dataclass(frozen=True)
class _Step:
    """One analysis step: ``call(context, step_report)`` fills in the report's written/counts."""

    name: str
    call: Callable[[_Context, StepReport], None]


def _stories(context: _Context, step: StepReport) -> None:
    from graphnews.spread import stories_spread
    from graphnews.stories import update_stories

    made = update_stories(context.db, progress=context.progress, keep_evidence=context.ranges)
    step.notes = made.caveats()
    stories = stories_spread(context.db, filters=context.filters)
    rows = [s.as_dict() for s in stories]
    if context.ranges:
        from graphnews.stories.alternatives import alternative_stories, story_stability

        context.alternatives = alternative_stories(context.db, evidence=made.evidence)
        made.evidence = None  # its memory back before the later steps
        context.stability = story_stability(context.db, alternatives=context.alternatives)
        rows = [r | context.stability[r["id"]].as_dict() for r in rows]
    step.written.append(_write_json(context.out_dir / STORIES_FILE, rows))
    shared = sum(s.size > 1 for s in stories)
    step.counts = {"stories": shared, "single articles": len(stories) - shared}
    if context.ranges:  # of the stories of two or more articles
        step.counts["found whole in every clustering"] = sum(
            r["kept"] == r["clusterings"] for r in rows if r["size"] > 1)
    if context.side is not None:  # these need the stories and nothing of the later steps
        path, filters = context.db.path, context.filters
        context.early = {"spread": context.side.submit(_outlet_spread, path, filters),
                         "coverage": context.side.submit(_export_coverage, path,
                                                         context.out_dir, filters)}


def _spread(context: _Context, step: StepReport) -> None:
    from graphnews.spread import outlet_spread, ranks, spread_ranges, with_ranges

    pending = context.early.pop("spread", None)
    rows = (pending.result() if pending is not None  # computed in the side process
            else outlet_spread(context.db, filters=context.filters))
    out = [r.as_dict() for r in rows]
    if context.alternatives is not None:
        _, found = spread_ranges(context.db, filters=context.filters,
                                 alternatives=context.alternatives)
        out = with_ranges(out, ranks(rows), found)
    step.written.append(_write_json(context.out_dir / SPREAD_FILE, out))
    step.counts = {"outlets": len(rows)}
    if rows:
        step.counts["most often first"] = max(rows, key=lambda r: (r.first, r.stories)).outlet


def _centrality(context: _Context, step: StepReport) -> None:
    from graphnews.centrality import MEASURES, central_outlets

    report = central_outlets(context.db, filters=context.filters)
    context.measures = {name: {f"outlet:{r.outlet}": getattr(r, name) for r in report.rows}
                        for name in MEASURES}
    context.graphs["outlets"] = report.graph
    step.written.append(_write_json(context.out_dir / CENTRAL_OUTLETS_FILE, report.as_dict()))
    step.counts = {"outlets": len(report.rows)}
    if report.rows:
        step.counts["most central"] = report.rows[0].outlet


def _render(context: _Context, step: StepReport) -> None:
    from graphnews.render import render_site

    step.written.extend(render_site(context.db, context.out_dir, measures=context.measures,
                                    graph=context.graphs.get("outlets"), filters=context.filters,
                                    ranges=context.ranges, stability=context.stability))
    step.counts = {"pages": len(step.written)}


def _export(context: _Context, step: StepReport) -> None:
    from graphnews.export import export

    for graph in EXPORTED_GRAPHS:
        pending = context.early.pop(graph, None)
        if pending is not None:
            step.written.extend(pending.result())  # written in the side process
        else:
            step.written.extend(export(context.db, to="graphml", graph=graph,
                                       out=context.out_dir, filters=context.filters,
                                       built=context.graphs.get(graph)))
    step.counts = {"files": len(step.written)}


def _outlet_spread(path: str, filters: Filters) -> list[OutletSpread]:
    """`outlet_spread` from a connection of this process's own."""
    from graphnews.spread import outlet_spread

    with Database(path, readonly=True) as db:
        return outlet_spread(db, filters=filters)


def _export_coverage(path: str, out_dir: Path, filters: Filters) -> list[Path]:
    """The coverage graph's GraphML, from a connection of this process's own."""
    from graphnews.export import export

    with Database(path, readonly=True) as db:
        return export(db, to="graphml", graph="coverage", out=out_dir, filters=filters)


@contextlib.contextmanager
def _side_process(db: Database) -> Iterator[ProcessPoolExecutor | None]:
    """One worker process beside the steps when there is a second core and the database is a
    file or server a second process can open (not ``:memory:``); else None.

    The outlet spread and the coverage export (2.6 and 5 CPU s at 100k documents) then run
    during centrality and render instead of after them. The worker is started (``spawn``: a
    clean interpreter, no copy of this process's memory or threads) only when work is given.
    """
    if (os.cpu_count() or 1) < 2 or db.path == ":memory:" or not may_start_processes():
        yield None
        return
    with ProcessPoolExecutor(max_workers=1,
                             mp_context=multiprocessing.get_context("spawn")) as side:
        yield side


#: The analysis steps after ingest, in order. Each imports its module when it runs, so that a
#: run with nothing to do does not pay for importing them.
_STEPS: tuple[_Step, ...] = (
    _Step("stories", _stories),
    _Step("centrality", _centrality),
    _Step("spread", _spread),
    _Step("render", _render),
    _Step("export", _export),
)


def _ingest_step(ingested: IngestReport) -> StepReport:
    return StepReport(
        name="ingest", seconds=ingested.seconds,
        counts={"documents": ingested.documents, "unchanged": ingested.unchanged,
                "updated": ingested.updated, "rejected": len(ingested.rejected)},
    )


def _run_step(step: _Step, context: _Context) -> StepReport:
    result = StepReport(name=step.name)
    begun = time.perf_counter()
    context.progress(step.name, 0, None)
    try:
        step.call(context, result)
    except GraphnewsError as exc:
        result.error = str(exc)
    except Exception as exc:  # a step's bug must not lose the other steps' results
        result.error = f"{type(exc).__name__}: {exc}"
    release_memory()  # the step's freed memory, before the next step allocates its own
    result.seconds = time.perf_counter() - begun
    context.progress(step.name, 1, 1)
    return result


# -- the summary and the fingerprint ------------------------------------------------------------
def _fingerprint(db: Database, options: dict[str, Any]) -> str:
    """A hash of everything the analysis steps read: files, overrides, stories, outlet
    metadata (exports carry it), options."""
    h = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for sql in ("SELECT path, content_hash FROM files ORDER BY path",
                "SELECT domain, merge_into, name FROM outlet_overrides ORDER BY domain",
                "SELECT id, signature FROM stories ORDER BY id",
                "SELECT domain, key, value FROM outlet_metadata ORDER BY domain, key"):
        for row in db.conn.execute(sql):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _write_summary(report: RunReport, db: Database, fingerprint: str) -> None:
    """Write ``summary.json``: what the database holds and what each step wrote and found.

    It holds no times or dates, so two runs over the same input write the same bytes; the
    fingerprint is recorded only when every step succeeded (a failed run is redone in full).
    """
    body = {
        "graphnews": __version__,
        "fingerprint": fingerprint if not report.failed else None,
        "database": db.stats(),
        "steps": [
            {"name": s.name, "written": [_relative(p, report.out_dir) for p in s.written],
             "counts": s.counts, **({"notes": s.notes} if s.notes else {})}
            for s in report.steps if s.name != "ingest" and s.error is None
        ],
    }
    _write_json(report.out_dir / SUMMARY_FILE, body)


def _write_json(path: Path, body: Any) -> Path:
    """Write ``body`` as the ``--format json`` output of the commands writes it."""
    return write_text(path, json.dumps(body, indent=2, ensure_ascii=False, default=str) + "\n")


def _previous_run(out_dir: Path, fingerprint: str) -> list[dict[str, Any]] | None:
    """The steps of the previous run into ``out_dir`` when it can be reused as it is."""
    try:
        summary = json.loads((out_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("fingerprint") != fingerprint:
        return None
    steps: list[dict[str, Any]] = summary.get("steps", [])
    if not all((out_dir / p).is_file() for s in steps for p in s["written"]):
        return None
    return steps


def _reused_step(step: dict[str, Any], out_dir: Path) -> StepReport:
    return StepReport(name=step["name"], written=[out_dir / p for p in step["written"]],
                      counts=step["counts"], reused=True, notes=step.get("notes", []))


def _relative(path: Path, out_dir: Path | None) -> str:
    if out_dir is not None:
        try:
            return path.relative_to(out_dir).as_posix()
        except ValueError:
            pass
    return str(path)
