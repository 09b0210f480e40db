"""What every benchmark script shares: step timing, measured subprocesses, corpora, the machine.

Inside a measured process, `Steps` times named steps; a background thread samples the resident
set size of the process and its workers (`current_rss`) every 10 ms, and their proportional set
size (`current_pss`: pages a forked worker shares with its parent counted once) every 100 ms,
so each step gets its own peaks, not only the process's high-water mark. Each finished step is
printed at once as one JSON line on standard output, so a parent that kills the process at its
time limit still knows how far it got. In the parent, `run_process` runs such a process with a
time limit and collects those lines, its wall time and the high-water RSS of its largest single
process (from ``wait4``).

Importing this module puts the checkout it belongs to first on ``sys.path``: a benchmark (and
every process it starts, which imports this module first) measures the graphnews of its own
checkout, whatever ``pip install -e`` points at. `machine` records that checkout's commit.

>>> steps = Steps(echo=False)
>>> with steps.step("sum"):
...     _ = sum(range(1000))
>>> steps.close(); [s["step"] for s in steps.done]
['sum']
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "MB",
    "RESULTS",
    "Steps",
    "corpora",
    "cpu_seconds",
    "current_pss",
    "current_rss",
    "database_contents",
    "draw_corpus",
    "drawn_here",
    "emit",
    "ensure_corpus",
    "folder_size",
    "machine",
    "run_process",
    "stamp_corpus",
    "write_results",
]

T = TypeVar("T")

MB = 1024 * 1024
#: The checkout whose graphnews the benchmarks measure.
ROOT = Path(__file__).resolve().parents[1]
#: Where every benchmark writes its JSON results.
RESULTS = ROOT / "benchmarks" / "results"
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))
_PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children it has waited for
    (ingest's parse workers count once their pool is closed)."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def current_rss(pid: int | None = None) -> int:
    """Resident set size of this process (or ``pid``) and all its descendants now, in bytes.

    Worker processes (ingest parses in a process pool) count: their RSS is added to this
    process's. Pages a forked worker still shares with its parent are counted in both, so the
    sum is an upper bound (`current_pss` counts them once).
    """
    return _tree_total(pid, _rss)


def current_pss(pid: int | None = None) -> int:
    """Proportional set size of this process (or ``pid``) and its descendants now, in bytes:
    the memory they hold, a page shared by k of them counted 1/k in each (Linux's
    ``smaps_rollup``). Reading it walks the page tables, a few ms at 1 GB, so `Steps` samples
    it less often than RSS."""
    return _tree_total(pid, _pss)


def _rss(process: int) -> int:
    with open(f"/proc/{process}/statm", "rb") as f:
        return int(f.read().split()[1]) * _PAGE


def _pss(process: int) -> int:
    with open(f"/proc/{process}/smaps_rollup", "rb") as f:
        for line in f:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def _tree_total(pid: int | None, measure: Callable[[int], int]) -> int:
    """``measure`` summed over ``pid`` (default this process) and all its descendants."""
    total = 0
    pending = [os.getpid() if pid is None else pid]
    while pending:
        process = pending.pop()
        try:
            total += measure(process)
            for task in os.listdir(f"/proc/{process}/task"):
                with open(f"/proc/{process}/task/{task}/children", "rb") as f:
                    pending.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):  # the process ended while we looked
            continue
    return total


#: `Steps` reads the PSS at every this many RSS samples (each read walks the page tables).
_PSS_EVERY = 10


class Steps:
    """Times named steps and records each step's peak RSS, printing one JSON line per step.

    Parameters
    ----------
    echo : bool
        Print each finished step as a JSON line on stdout (what `run_process` reads).
    interval : float
        Seconds between RSS samples.
    """

    def __init__(self, *, echo: bool = True, interval: float = 0.01) -> None:
        self.echo = echo
        self.done: list[dict[str, Any]] = []
        self._interval = interval
        self._peak = 0
        self._peak_pss = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._name: str | None = None
        self._started = 0.0
        self._cpu = 0.0
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @property
    def current(self) -> str | None:
        """The step under way, if any."""
        return self._name

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Measure the block as one step called ``name``."""
        self.begin(name)
        try:
            yield
        finally:
            self.end()

    def begin(self, name: str) -> None:
        """Start the step ``name``, ending the one under way (if any)."""
        self.end()
        with self._lock:
            self._name = name
            self._peak = current_rss()
            self._peak_pss = current_pss()
            self._started = time.perf_counter()
            self._cpu = cpu_seconds()

    def end(self) -> None:
        """End the step under way (if any) and record it."""
        if self._name is None:
            return
        seconds = time.perf_counter() - self._started
        cpu = cpu_seconds() - self._cpu
        with self._lock:
            peak = max(self._peak, current_rss())
            pss = max(self._peak_pss, current_pss())
            row = {"step": self._name, "seconds": round(seconds, 3),
                   "cpu_seconds": round(cpu, 3), "peak_rss_mb": round(peak / MB, 1),
                   "peak_pss_mb": round(pss / MB, 1)}
            self._name = None
        self.done.append(row)
        if self.echo:
            emit(row)

    def close(self) -> None:
        """End the step under way and stop sampling."""
        self.end()
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        samples = 0
        while not self._stop.wait(self._interval):
            rss = current_rss()
            pss = current_pss() if samples % _PSS_EVERY == 0 else 0
            samples += 1
            with self._lock:
                self._peak = max(self._peak, rss)
                self._peak_pss = max(self._peak_pss, pss)


def emit(row: dict[str, Any]) -> None:
    """Print one JSON line on stdout at once (for the parent process)."""
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()


def run_process(
    command: Sequence[str], *, timeout: float | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Run a measured process (one JSON line per step on stdout), killed after ``timeout`` s.

    Returns
    -------
    dict
        ``finished`` (exit code 0 within the time limit), ``timed_out``, ``seconds`` (wall
        time), ``cpu_seconds`` (user + system time of the process and its workers),
        ``peak_rss_mb`` (the larger of: the high-water mark of its largest single
        process, from ``wait4``; the highest sampled RSS of the process and its workers
        together, from its steps), ``peak_pss_mb`` (the highest sampled PSS of the process and its
        workers together: shared pages counted once; None without steps), ``steps`` (its JSON lines
        that have a ``step`` key), ``lines`` (all its JSON lines) and ``error`` (the last line of
        its stderr when it failed).
    """
    with tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=stderr, text=True,
                                cwd=cwd)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer is not None:
            timer.start()
        assert proc.stdout is not None
        lines = [json.loads(line) for line in proc.stdout  # one JSON object per line
                 if line.startswith("{") and line.rstrip().endswith("}")]
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if timer is not None:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        stderr.seek(0)
        errors = stderr.read().strip().splitlines()
    failed = not killed.is_set() and proc.returncode != 0
    return {
        "finished": proc.returncode == 0 and not killed.is_set(),
        "timed_out": killed.is_set(),
        "seconds": round(seconds, 3),
        # CPU time of the process and its workers (user + system): on a shared machine this
        # varies far less with the load than wall time does.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": max([round(usage.ru_maxrss / 1024, 1)]
                           + [line["peak_rss_mb"] for line in lines if "peak_rss_mb" in line]),
        "peak_pss_mb": max([line["peak_pss_mb"] for line in lines if "peak_pss_mb" in line],
                           default=None),
        "steps": [line for line in lines if "step" in line],
        "lines": lines,
        "error": errors[-1] if failed and errors else None,
    }


#: A cached generated corpus holds the digest of the generator code that drew it.
GENERATOR_STAMP = "generator.sha256"


@functools.cache
def generator_digest() -> str:
    """SHA-256 of ``graphnews/generator.py``: the generator needs no other file, so the same
    digest, options and seed draw the same corpus."""
    import graphnews.generator

    return hashlib.sha256(Path(graphnews.generator.__file__).read_bytes()).hexdigest()


def drawn_here(folder: Path) -> bool:
    """True when the corpus in ``folder`` was drawn by the generator code installed now.

    A corpus cached by another checkout (a branch whose generator writes other texts under the
    same options) is stale even when its recorded options match.
    """
    stamp = folder / GENERATOR_STAMP
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == generator_digest()


def stamp_corpus(folder: Path) -> None:
    """Record that the corpus just drawn in ``folder`` comes from the generator code of now."""
    (folder / GENERATOR_STAMP).write_text(generator_digest(), encoding="utf-8")


def draw_corpus(folder: Path, draw: Callable[[Path], T]) -> T:
    """Draw a corpus into ``folder`` afresh (what was there goes, its database with it) and
    stamp it (`drawn_here`); ``draw`` writes the corpus and returns what the caller keeps."""
    shutil.rmtree(folder, ignore_errors=True)
    drawn = draw(folder)
    stamp_corpus(folder)
    return drawn


def independent_corpus(folder: Path, *, regime: str, noise: float, seed: int,
                       documents: int) -> dict[str, str]:
    """A corpus of the independent generator (``independent/generate.py``) in ``folder``,
    drawn unless its truth file is there already, and its truth: URL -> story."""
    truth_file = folder.parent / f"{folder.name}.truth.json"
    if not truth_file.is_file():
        subprocess.run([sys.executable, str(Path(__file__).parent / "independent" / "generate.py"),
                        str(folder), "--regime", regime, "--noise", str(noise), "--seed",
                        str(seed), "--documents", str(documents)], check=True)
    return {url: str(story)
            for url, story in json.loads(truth_file.read_text(encoding="utf-8")).items()}


def ensure_corpus(work: Path, documents: int, *, seed: int = 0, outlets: int | None = None,
                  zipf: float | None = None) -> Path:
    """The documents folder of a generated corpus of ``documents`` documents (made when missing).

    ``outlets`` sets the number of outlets (default: the generator's ``20 + 3 * sqrt(documents)``,
    968 at 100k) and ``zipf`` the exponent of their popularity (default 1.1; lower spreads the
    articles over more of the outlets). A corpus already in ``work`` with the same size, seed
    and shape, drawn by the generator code installed now, is reused.
    """
    from graphnews.generator import DOCUMENTS_DIR, TRUTH_FILE, GroundTruth, generate_corpus

    shape = (f"-outlets{outlets}" if outlets else "") + (f"-zipf{zipf}" if zipf else "")
    folder = work / f"corpus-{documents}-seed{seed}{shape}"
    if (folder / TRUTH_FILE).is_file() and drawn_here(folder):
        params = GroundTruth.load(folder).parameters
        if params.get("documents") == documents and params.get("seed") == seed:
            return folder / DOCUMENTS_DIR
    if zipf:
        draw = functools.partial(
            generate_corpus, documents=documents, seed=seed, outlets=outlets, zipf=zipf)
    else:
        draw = functools.partial(generate_corpus, documents=documents, seed=seed, outlets=outlets)
    draw_corpus(folder, draw)
    return folder / DOCUMENTS_DIR


def corpus_arguments(parser: argparse.ArgumentParser, *, sizes: str, outlets: bool = False
                     ) -> None:
    """Add the options every size-based benchmark shares: ``--sizes``, ``--work``, ``--seed``
    (and ``--outlets``, the corpus shape, when ``outlets``)."""
    parser.add_argument("--sizes", default=sizes, type=parse_sizes,
                        help="comma-separated corpus sizes in documents (default: %(default)s)")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "graphnews-bench",
                        help="folder for corpora, databases and outputs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="a ready documents folder to measure instead of generating one "
                        "(e.g. /work/bench-data/gen-100k-5k-outlets/documents); repeat for "
                        "several; --sizes is then ignored")
    if not outlets:
        return
    parser.add_argument("--outlets", type=int, default=None,
                        help="outlets in the corpus (default: the generator's 20 + 3 * "
                        "sqrt(documents): 115 at 1k, 320 at 10k, 968 at 100k)")
    parser.add_argument("--zipf", type=float, default=None,
                        help="exponent of the outlets' Zipf popularity (default: the "
                        "generator's 1.1; 0.6 puts 5,611 of 8,000 outlets in 10k documents)")


def corpora(args: argparse.Namespace) -> list[tuple[int, Path | None]]:
    """``(documents, folder)`` for each ``--corpus`` (its files counted), else ``(size, None)``
    for each of ``--sizes`` (a corpus to generate)."""
    if args.corpus:
        return [(sum(1 for p in c.iterdir() if p.is_file()), c) for c in args.corpus]
    return [(documents, None) for documents in args.sizes]


def parse_sizes(text: str) -> list[int]:
    """``"1000,10_000"`` -> ``[1000, 10000]``."""
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def database_contents(db: Path) -> dict[str, Any]:
    """What a database holds: its outlets, articles and documents, and the bytes of each table
    and index (SQLite's ``dbstat``: pages in use, free space included; largest first)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("outlets", "articles", "documents", "related_links")}
        sizes = dict(conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"))
    finally:
        conn.close()
    return {"counts": counts, "bytes": sizes}


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def machine() -> dict[str, Any]:
    """The machine, the software and the graphnews commit a result was measured on, and when."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(memory / 1024**3, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "graphnews": _checkout(),
    }


def _checkout() -> dict[str, Any]:
    """Where the measured graphnews comes from: its folder, commit, and uncommitted changes."""
    import graphnews

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip()

    return {"path": str(Path(graphnews.__file__).parent), "commit": git("rev-parse", "HEAD"),
            "modified": git("status", "--porcelain", "--untracked-files=no", "--",
                            "graphnews").splitlines()}


def write_results(name: str, body: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path
