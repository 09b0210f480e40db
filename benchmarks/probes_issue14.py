"""Issue 14's probes, each run before and after the fix: the closing note's table.

For each finding of issue 14 the hostile input is built in a fresh temporary folder and the
real command line is run on it as a whole process (``PYTHON -m graphnews ...``, from the
checkout of that side, so ``-m`` imports that checkout's graphnews) once with the BEFORE
interpreter and checkout and once with the AFTER ones. What happened is written in plain
words: exit code (or "killed after N s" at the probe's time limit), traceback or not, the first
line of the message (the exception's line for a traceback), what the database holds and, where
it matters, the peak RSS of the process tree (sampled every 20 ms, parse workers included).

Prints a Markdown table (probe | command | before | after) and writes
``benchmarks/results/probes_issue14.json``.

    python benchmarks/probes_issue14.py \\
        --before-python /work/venv-before/bin/python --before-checkout /work/robust-before \\
        --after-python /work/venv-probes/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench_memory import _base_documents, _build_input
from harness import MB, ROOT, current_rss, database_contents, machine, write_results

from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from tests.conftest import SEEDS, without_dac_override, write_front_matter
from tests.test_concurrency_run import _STARTER, START_DELAY
from tests.test_hostile_ingest import DEEP, HOSTILE, ODD, _good
from tests.test_runaway_queries import FOREVER, _wait_until_it_opens

#: Good documents beside each hostile one.
GOOD = 50
_SAMPLE_SECONDS = 0.02
_MESSAGE_CHARS = 110


@dataclass(frozen=True)
class Side:
    """One side of the comparison: an interpreter and the checkout it runs graphnews from."""

    name: str
    python: Path
    checkout: Path

    def commit(self) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()


@dataclass
class Run:
    """One finished (or killed) graphnews process."""

    code: int | None  # None when it was killed at its time limit
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    limit: float

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr

    def message(self, work: Path) -> str:
        """The first line of the message (a traceback's exception line), paths made relative."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        if not lines:
            return ""
        line = lines[-1] if self.traceback else lines[0]
        line = line.replace(f"{work}/", "").replace(str(work), ".")
        return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 3] + "..."

    def words(self, work: Path) -> str:
        """Exit code or kill, traceback or not, and the message's first line."""
        if self.code is None:
            return f"killed after {self.limit:g} s"
        said = self.message(work)
        head = f"exit {self.code}, " + ("traceback" if self.traceback else "no traceback")
        return f"{head}: `{said}`" if said else head

    def record(self) -> dict[str, Any]:
        return {
            "exit_code": self.code,
            "killed": self.code is None,
            "seconds": round(self.seconds, 2),
            "peak_rss_mb": self.peak_rss_mb,
            "traceback": self.traceback,
            "stderr": self.stderr[-2000:],
            "stdout": self.stdout[:2000],
        }


class Process:
    """A graphnews process under way: its output goes to temporary files, its tree's RSS is
    sampled until it ends."""

    def __init__(
        self,
        side: Side,
        args: list[str],
        *,
        at: float | None = None,
        preexec_fn: Callable[[], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        # ``at``: start at this time.time(), via the concurrency tests' starter, so that two
        # processes really run together (not one while the other still imports).
        start = ["-c", _STARTER, repr(at)] if at is not None else ["-m", "graphnews"]
        # Files, not pipes: a large output neither blocks the process nor fills this one's
        # memory. They outlive this method and are closed in `finish`.
        self._out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(side.python), *start, *args],
            cwd=side.checkout,
            stdout=self._out,
            stderr=self._err,
            preexec_fn=preexec_fn,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        self._peak = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, current_rss(self.proc.pid))
            self._stop.wait(_SAMPLE_SECONDS)

    def finish(self, limit: float) -> Run:
        """Wait for the end, killing the process and its workers after ``limit`` s in all."""
        left = max(0.0, limit - (time.perf_counter() - self.started))
        try:
            self.proc.wait(timeout=left)
            code: int | None = self.proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            code = None
        seconds = time.perf_counter() - self.started
        self._stop.set()
        self._sampler.join()
        text = []
        for stream in (self._out, self._err):
            stream.seek(0)
            text.append(stream.read(1 << 20).decode("utf-8", "replace"))
            stream.close()
        return Run(code, seconds, round(self._peak / MB, 1), text[0], text[1], limit)


def graphnews(
    side: Side,
    *args: str,
    limit: float,
    preexec_fn: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``graphnews ARGS`` with ``side`` to its end (or kill it after ``limit`` s)."""
    return Process(side, list(args), preexec_fn=preexec_fn, env=env).finish(limit)


# -- what a database holds ----------------------------------------------------------------------
def _count(db: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def stored(db: Path) -> str:
    """Documents stored and rejected (quarantined), in words."""
    if not db.is_file():
        return "no database"
    documents = database_contents(db)["counts"]["documents"]
    return f"{documents} stored, {_count(db, 'quarantine')} quarantined"


def outlets(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT domain FROM outlets ORDER BY domain")]
    finally:
        conn.close()


# -- the probes -------------------------------------------------------------------------------
@dataclass
class Context:
    """What every probe gets: the side, a fresh folder, the shared inputs and the options."""

    side: Side
    work: Path
    shared: Path
    args: argparse.Namespace
    runs: list[Run] = field(default_factory=list)

    def graphnews(self, *args: str, limit: float | None = None, **kwargs: Any) -> Run:
        run = graphnews(self.side, *args, limit=limit or self.args.limit, **kwargs)
        self.runs.append(run)
        return run

    def ingest(self, source: Path, db: Path | None = None, **kwargs: Any) -> Run:
        return self.graphnews(
            "ingest", str(source), "--db", str(db or self.work / "t.db"), **kwargs
        )

    def seeds_db(self) -> Path:
        """A database of the real seeds, made by this side's own ingest."""
        db = self.work / "q.db"
        self.ingest(SEEDS, db)
        return db


@dataclass(frozen=True)
class Probe:
    name: str
    command: str
    check: Callable[[Context], str]


def _ingest_beside_good(setup: Callable[[Path], None], **kwargs: Any) -> Callable[[Context], str]:
    """A probe: ``GOOD`` good documents in in/, ``setup(in/)`` adds the hostile part, ingest."""

    def check(ctx: Context) -> str:
        corpus = ctx.work / "in"
        _good(corpus, GOOD)
        setup(corpus)
        run = ctx.ingest(corpus, **kwargs)
        return f"{run.words(ctx.work)}; {stored(ctx.work / 't.db')}"

    return check


def _file(name: str, text: str) -> Callable[[Path], None]:
    return lambda corpus: (corpus / name).write_text(text, encoding="utf-8")


def _link_loops(corpus: Path) -> None:
    (corpus / "sub").mkdir()
    (corpus / "sub" / "loop").symlink_to(corpus)  # a link back up: a loop
    (corpus / "self.md").symlink_to(corpus / "self.md")  # ELOOP (errno 40) on stat


def _unreadable(corpus: Path) -> None:
    (corpus / "locked").mkdir()
    (corpus / "locked" / "x.md").write_text("---\nwebUrl: https://x.example/a\n---\n")
    (corpus / "secret.md").write_text("---\nwebUrl: https://x.example/b\n---\n")
    (corpus / "locked").chmod(0)
    (corpus / "secret.md").chmod(0)


def _two_at_once(ctx: Context, args: list[str]) -> list[Run]:
    at = time.time() + START_DELAY
    procs = [Process(ctx.side, args, at=at) for _ in range(2)]
    runs = [p.finish(ctx.args.limit + START_DELAY) for p in procs]
    ctx.runs.extend(runs)
    return runs


def _both(runs: list[Run], work: Path) -> str:
    words = [r.words(work) for r in runs]
    return "both " + words[0] if words[0] == words[1] else " / ".join(words)


def _links(db: Path) -> str:
    counts = database_contents(db)["counts"]
    return f"{counts['documents']} docs, {counts['related_links']} links"


def _gen300(ctx: Context) -> Path:
    """300 generated documents (seed 5, as in the concurrency test), made once."""
    folder = ctx.shared / "gen300"
    if not (folder / DOCUMENTS_DIR).is_dir():
        generate_corpus(folder, documents=300, seed=5)
    return folder / DOCUMENTS_DIR


def _empty_db(ctx: Context, db: Path) -> Path:
    """``db`` made by this side's own ingest of an empty folder: the two processes then race on
    the documents, not on the schema (the probe of a new database does that)."""
    empty = ctx.work / "empty"
    empty.mkdir(exist_ok=True)
    ctx.ingest(empty, db)
    return db


def concurrent_ingests(ctx: Context) -> str:
    corpus = _gen300(ctx)
    sequential = ctx.work / "seq.db"
    for _ in range(2):
        ctx.ingest(corpus, sequential, limit=ctx.args.limit * 3)
    parts = [f"one after the other: {_links(sequential)}"]
    for trial in range(1, ctx.args.trials + 1):
        db = _empty_db(ctx, ctx.work / f"both{trial}.db")
        runs = _two_at_once(ctx, ["ingest", str(corpus), "--db", str(db), "-s"])
        parts.append(f"at once #{trial}: {_links(db)} ({_both(runs, ctx.work)})")
    return "; ".join(parts)


def concurrent_new_database(ctx: Context) -> str:
    corpus = ctx.work / "in"
    _good(corpus, GOOD)
    failed: list[str] = []
    for trial in range(1, ctx.args.trials + 2):
        runs = _two_at_once(
            ctx, ["ingest", str(corpus), "--db", str(ctx.work / f"n{trial}.db"), "-s"]
        )
        failed += [r.words(ctx.work) for r in runs if r.code != 0]
    pairs = ctx.args.trials + 1
    if not failed:
        return f"{pairs} pairs: every process exit 0"
    return f"{pairs} pairs: {len(failed)} of {2 * pairs} processes failed, first {failed[0]}"


def concurrent_runs(ctx: Context) -> str:
    corpus = _gen300(ctx)
    parts = []
    for trial in range(1, ctx.args.trials + 1):
        db, out = _empty_db(ctx, ctx.work / f"t{trial}.db"), ctx.work / f"out{trial}"
        runs = _two_at_once(ctx, ["run", str(corpus), "--out", str(out), "--db", str(db), "-s"])
        left = sorted(p.name for p in out.rglob("*") if p.name.startswith(".") or "part" in p.name)
        parts.append(
            f"#{trial}: {_both(runs, ctx.work)}; {_links(db)}"
            + (f"; left behind: {', '.join(left)}" if left else "")
        )
    return "; ".join(parts)


def runaway_sql(ctx: Context) -> str:
    db = ctx.seeds_db()
    run = ctx.graphnews("sql", FOREVER, "--db", str(db), limit=ctx.args.runaway_limit)
    return run.words(ctx.work) + ("" if run.code is None else f" (after {run.seconds:.1f} s)")


def ctrl_c(ctx: Context) -> str:
    db = ctx.seeds_db()
    process = Process(ctx.side, ["sql", FOREVER, "--db", str(db)])
    _wait_until_it_opens(process.proc, db)  # type: ignore[arg-type]
    time.sleep(0.5)  # the statement runs right after the database is opened
    sent = time.perf_counter()
    process.proc.send_signal(signal.SIGINT)
    limit = time.perf_counter() - process.started + ctx.args.sigint_wait
    run = process.finish(limit)
    ctx.runs.append(run)
    if run.code is None:
        return f"SIGINT ignored: still running {ctx.args.sigint_wait:g} s later, killed"
    return f"{run.words(ctx.work)} {time.perf_counter() - sent:.1f} s after SIGINT"


def zeroblob(ctx: Context) -> str:
    db = ctx.seeds_db()
    run = ctx.graphnews(
        "sql",
        "SELECT zeroblob(300000000)",
        "--db",
        str(db),
        "--format",
        "csv",
        limit=ctx.args.limit * 2,
    )
    return f"{run.words(ctx.work)}; peak RSS {run.peak_rss_mb:,.0f} MB"


def _read_only_folder(*command: str) -> Callable[[Context], str]:
    def check(ctx: Context) -> str:
        db = ctx.seeds_db()
        ctx.work.chmod(0o555)
        try:
            run = ctx.graphnews(
                *command, "--db", str(db), "--format", "csv", preexec_fn=without_dac_override
            )
        finally:
            ctx.work.chmod(0o755)
        out = " ".join(run.stdout.split()[:4])
        return f"{run.words(ctx.work)}" + (f"; output `{out}`" if run.code == 0 else "")

    return check


def _outlets_of(*docs: tuple[str, str]) -> Callable[[Context], str]:
    """A probe: one document per (webUrl, provider.domain); the outlets the ingest makes."""

    def check(ctx: Context) -> str:
        corpus = ctx.work / "in"
        for i, (url, domain) in enumerate(docs):
            write_front_matter(corpus, f"{i}.md", webUrl=url, provider={"domain": domain})
        run = ctx.ingest(corpus)
        found = outlets(ctx.work / "t.db")
        return f"{run.words(ctx.work)}; {len(found)} outlet(s): {', '.join(found)}"

    return check


def _ndjson_db(ctx: Context, **fields: object) -> Path:
    """A database of one NDJSON document with ``fields`` (ingested by this side)."""
    corpus = ctx.work / "in"
    corpus.mkdir()
    record = {"webUrl": "https://a.example/1", **fields}
    (corpus / "a.ndjson").write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = ctx.work / "t.db"
    ctx.ingest(corpus, db)
    return db


CONTROL_TOPICS = ["a", *("a" + chr(c) for c in range(1, 9))]


def graphml_control_characters(ctx: Context) -> str:
    import networkx as nx

    db = _ndjson_db(ctx, topics=CONTROL_TOPICS)
    path = ctx.work / "g.graphml"
    run = ctx.graphnews("export", "--to", "graphml", "-o", str(path), "--db", str(db))
    if run.code != 0:
        return run.words(ctx.work)
    topics = [n for n in nx.read_graphml(path) if n.startswith("topic:")]
    return f"{len(CONTROL_TOPICS)} topic names in, {len(topics)} topic nodes read back"


def csv_formula(ctx: Context) -> str:
    db = _ndjson_db(ctx)
    run = ctx.graphnews(
        "sql",
        "SELECT '=HYPERLINK(\"http://x\")' AS a, '@SUM(1)' AS b",
        "--db",
        str(db),
        "--format",
        "csv",
    )
    return f"cells written `{run.stdout.splitlines()[1]}`" if run.code == 0 else run.words(ctx.work)


ESCAPES = "Hi\x1b[2J\x1b]0;owned\x07 there"


def terminal_escapes(ctx: Context) -> str:
    db = _ndjson_db(ctx, title=ESCAPES)
    run = ctx.graphnews("sql", "SELECT title FROM articles", "--db", str(db))
    raw = run.stdout.count("\x1b") + run.stdout.count("\x07")
    if raw:
        return f"{raw} raw ESC/BEL bytes reach the terminal"
    line = next((line for line in run.stdout.splitlines() if "Hi" in line), "")
    return f"shown as visible escapes: `{line.strip(' │|')}`"


_DATE = re.compile(r'"(-?\d+-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')


def extreme_years(ctx: Context) -> str:
    corpus = ctx.work / "in"
    for i, when in enumerate(("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")):
        write_front_matter(
            corpus, f"{i}.md", webUrl=f"https://a.example/{i}", publishedDateTime=when, topics=["x"]
        )
    db, path = ctx.work / "t.db", ctx.work / "g.gexf"
    ctx.ingest(corpus, db)
    run = ctx.graphnews("export", "--to", "gexf", "-o", str(path), "--db", str(db))
    if run.code != 0:
        return run.words(ctx.work)
    dates = _DATE.findall(path.read_text(encoding="utf-8"))
    wrong = [d for d in dates if not re.match(r"\d{4}-", d)]
    if wrong:
        shown = ", ".join(f"`{d}` ({wrong.count(d)} times)" for d in sorted(set(wrong)))
        return f"not ISO 8601: {shown}; {len(dates) - len(wrong)} of {len(dates)} dates right"
    return f"all {len(dates)} dates ISO 8601 (`{min(dates)}` ... `{max(dates)}`)"


def long_topic(ctx: Context) -> str:
    topic = "T" * 300
    db = _ndjson_db(ctx, topics=[topic])
    out = ctx.work / "out"
    run = ctx.graphnews(
        "neighbors", f"topic:{topic}", "--to", "graphml", "-o", str(out), "--db", str(db)
    )
    written = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    names = f"; wrote a file named {len(written[0])} characters long" if written else ""
    return run.words(ctx.work) + names


def held_lock(ctx: Context) -> str:
    corpus = ctx.work / "in"
    _good(corpus, 2)
    db = ctx.work / "t.db"
    ctx.ingest(corpus, db)
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")
    try:
        (corpus / "new.md").write_text("---\nwebUrl: https://new.example/1\n---\n")
        run = ctx.ingest(corpus, db, env={"GRAPHNEWS_LOCK_TIMEOUT": "12"})
    finally:
        holder.rollback()
        holder.close()
    return f"{run.words(ctx.work)} (after {run.seconds:.0f} s)"


def large_ndjson(ctx: Context) -> str:
    memory = ctx.shared / "memory"
    source = _build_input(memory, _base_documents(memory), "ndjson", ctx.args.ndjson_mb * MB)
    run = ctx.graphnews(
        "ingest",
        str(source),
        "--db",
        str(ctx.work / "t.db"),
        "--format",
        "json",
        "--silent",
        limit=ctx.args.ndjson_limit,
    )
    size = source.stat().st_size / MB
    rss = f"peak RSS {run.peak_rss_mb:,.0f} MB ({run.peak_rss_mb / size:.2f}x the file)"
    if run.code != 0:
        return f"{run.words(ctx.work)}; {rss}"
    return f"exit 0; {json.loads(run.stdout)['documents']:,} stored; {rss}, {run.seconds:.0f} s"


DB = "--db t.db"
PROBES = [
    Probe(
        "nesting 990 deep (YAML) beside 50 good",
        f"`graphnews ingest in {DB}`; in/: 50 good .md + deep.md ({DEEP} nested maps)",
        _ingest_beside_good(_file("deep-yaml.md", ODD["deep-yaml.md"])),
    ),
    Probe(
        "nesting 990 deep (JSON) beside 50 good",
        f"`graphnews ingest in {DB}`; in/: 50 good .md + deep.json ({DEEP} nested lists)",
        _ingest_beside_good(_file("deep-json.json", HOSTILE["deep-json.json"])),
    ),
    Probe(
        "complex YAML key `? [a, b]` beside 50 good",
        f"`graphnews ingest in {DB}`; in/: 50 good .md + a doc with key `? [a, b]`",
        _ingest_beside_good(_file("complex-key.md", ODD["complex-key.md"])),
    ),
    Probe(
        "NDJSON lone surrogate beside 50 good",
        f'`graphnews ingest in {DB}`; in/: 50 good .md + a line `"title": "\\ud800"`',
        _ingest_beside_good(_file("surrogate.ndjson", HOSTILE["surrogate.ndjson"])),
    ),
    Probe(
        "symlink loops under the input folder",
        f"`graphnews ingest in {DB}`; in/: 50 good .md, in/sub/loop -> in, self.md -> self.md",
        _ingest_beside_good(_link_loops),
    ),
    Probe(
        "unreadable subfolder and file",
        f"`graphnews ingest in {DB}` without CAP_DAC_OVERRIDE; in/: 50 good .md, "
        "in/locked/ and in/secret.md mode 000",
        _ingest_beside_good(_unreadable, preexec_fn=without_dac_override),
    ),
    Probe(
        "two ingests of the same 300 files at once",
        "2 x `graphnews ingest gen300 --db t.db -s` started together (300 generated docs, "
        "seed 5; t.db made first), beside the same two one after the other",
        concurrent_ingests,
    ),
    Probe(
        "two ingests into a NEW database at once",
        "2 x `graphnews ingest in --db new.db -s` started together, repeated",
        concurrent_new_database,
    ),
    Probe(
        "`run` twice into one --out at once",
        "2 x `graphnews run gen300 --out out --db t.db -s` started together (the 300 docs; "
        "t.db made first)",
        concurrent_runs,
    ),
    Probe(
        "a write lock held by another process",
        f"`graphnews ingest in {DB}` while another connection holds BEGIN IMMEDIATE "
        "(GRAPHNEWS_LOCK_TIMEOUT=12)",
        held_lock,
    ),
    Probe(
        "runaway recursive CTE",
        "`graphnews sql 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        f"SELECT count(*) FROM c' {DB}`",
        runaway_sql,
    ),
    Probe(
        "Ctrl-C on the runaway CTE",
        "the same, SIGINT 0.5 s after the process holds t.db open",
        ctrl_c,
    ),
    Probe(
        "`zeroblob(300000000)`",
        f"`graphnews sql 'SELECT zeroblob(300000000)' {DB} --format csv`",
        zeroblob,
    ),
    Probe(
        "`stats` in a read-only folder",
        f"`graphnews stats {DB} --format csv`, folder mode 555, without CAP_DAC_OVERRIDE",
        _read_only_folder("stats"),
    ),
    Probe(
        "`sql` in a read-only folder",
        f"`graphnews sql 'SELECT count(*) FROM documents' {DB} --format csv`, folder mode 555",
        _read_only_folder("sql", "SELECT count(*) AS n FROM documents"),
    ),
    Probe(
        "Unicode host and its punycode",
        f"`graphnews ingest in {DB}`; webUrl https://bücher.example/1 and "
        "https://xn--bcher-kva.example/2, provider.domain the same",
        _outlets_of(
            ("https://bücher.example/1", "bücher.example"),
            ("https://xn--bcher-kva.example/2", "xn--bcher-kva.example"),
        ),
    ),
    Probe(
        "port in provider.domain",
        f"`graphnews ingest in {DB}`; https://ports.example:8080/3 with domain "
        "ports.example:8080, https://ports.example/4 with ports.example",
        _outlets_of(
            ("https://ports.example:8080/3", "ports.example:8080"),
            ("https://ports.example/4", "ports.example"),
        ),
    ),
    Probe(
        "`provider.domain: ../../x`",
        f"`graphnews ingest in {DB}`; webUrl https://safe.example/5, domain ../../x",
        _outlets_of(("https://safe.example/5", "../../x")),
    ),
    Probe(
        "GraphML ids differing by control characters",
        f"`graphnews export --to graphml -o g.graphml {DB}`; topics a, a\\x01 ... a\\x08; "
        "read back by networkx",
        graphml_control_characters,
    ),
    Probe(
        "CSV cell starting with `=`",
        "`graphnews sql 'SELECT '=HYPERLINK(\"http://x\")' AS a, '@SUM(1)' AS b' "
        f"{DB} --format csv`",
        csv_formula,
    ),
    Probe(
        "escape sequences in a title, table output",
        f"`graphnews sql 'SELECT title FROM articles' {DB}`; title `Hi\\e[2J\\e]0;owned\\a there`",
        terminal_escapes,
    ),
    Probe(
        "years 0001 and 9999",
        f"`graphnews export --to gexf -o g.gexf {DB}`; published 0001-01-01T00:00:00Z and "
        "9999-12-31T23:59:59Z",
        extreme_years,
    ),
    Probe(
        "300-character topic name",
        f"`graphnews neighbors topic:T...T --to graphml -o out {DB}` (300 T)",
        long_topic,
    ),
]


def large_ndjson_probe(size_mb: int) -> Probe:
    return Probe(
        f"{size_mb} MB NDJSON, peak RSS",
        f"`graphnews ingest big.ndjson {DB} --format json --silent`; "
        f"bench_memory's {size_mb} MB NDJSON (1k generated docs, copied)",
        large_ndjson,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before-python", type=Path, required=True)
    parser.add_argument(
        "--before-checkout",
        type=Path,
        required=True,
        help="the BEFORE checkout (its graphnews is what --before-python runs)",
    )
    parser.add_argument("--after-python", type=Path, required=True)
    parser.add_argument(
        "--after-checkout",
        type=Path,
        default=ROOT,
        help="the AFTER checkout (default: this one, %(default)s)",
    )
    parser.add_argument(
        "--limit",
        type=float,
        default=60,
        help="seconds before a probe's process is killed (default: %(default)s)",
    )
    parser.add_argument(
        "--runaway-limit",
        type=float,
        default=30,
        help="seconds the runaway CTE may run (default: %(default)s)",
    )
    parser.add_argument(
        "--sigint-wait",
        type=float,
        default=10,
        help="seconds to wait for the end after SIGINT (default: %(default)s)",
    )
    parser.add_argument(
        "--ndjson-mb",
        type=int,
        default=200,
        help="size of the large NDJSON input in MB (default: %(default)s)",
    )
    parser.add_argument(
        "--ndjson-limit",
        type=float,
        default=900,
        help="seconds the large NDJSON ingest may run (default: %(default)s)",
    )
    parser.add_argument(
        "--trials",
        type=int,
        default=3,
        help="trials of each two-at-once probe (default: %(default)s)",
    )
    parser.add_argument(
        "--only", default="", help="run only the probes whose name contains this text"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "probes14",
        help="folder for the shared inputs, kept between runs (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    sides = [
        Side("before", args.before_python, args.before_checkout.resolve()),
        Side("after", args.after_python, args.after_checkout.resolve()),
    ]
    args.work.mkdir(parents=True, exist_ok=True)
    probes = [p for p in [*PROBES, large_ndjson_probe(args.ndjson_mb)] if args.only in p.name]
    started = machine()
    rows = []
    for probe in probes:
        row: dict[str, Any] = {"probe": probe.name, "command": probe.command}
        for side in sides:
            with tempfile.TemporaryDirectory(dir=args.work) as tmp:
                ctx = Context(side, Path(tmp), args.work, args)
                words = probe.check(ctx)
                row[side.name] = words
                row[f"{side.name}_runs"] = [r.record() for r in ctx.runs]
            print(f"{probe.name} | {side.name}: {words}", file=sys.stderr, flush=True)
        rows.append(row)
    print(table(rows))
    write_results(
        "probes_issue14",
        {
            "machine": started,
            "sides": {
                s.name: {"python": str(s.python), "checkout": str(s.checkout), "commit": s.commit()}
                for s in sides
            },
            "options": {k: str(v) for k, v in vars(args).items()},
            "rows": rows,
        },
    )


def table(rows: list[dict[str, Any]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| probe | command | before | after |", "|---|---|---|---|"]
    lines += [
        f"| {cell(r['probe'])} | {cell(r['command'])} | {cell(r['before'])} | {cell(r['after'])} |"
        for r in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
