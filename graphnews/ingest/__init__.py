"""Incremental ingest: inputs -> reader -> records -> store, one transaction per batch.

A file whose size and modification time are unchanged is skipped without being read; one whose
bytes hash the same is skipped after reading; a changed file replaces its earlier contribution
(the earlier documents stay in the database with ``current = 0``). Every problem is collected
in the `IngestReport`, never raised: a bad document is quarantined and the rest goes on.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import gc
import hashlib
import multiprocessing
import os
import signal
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from graphnews._processes import can_fork, may_start_processes
from graphnews.identity import Overrides
from graphnews.ingest.reader import (
    DEFAULT_MAX_SIZE,
    STDIN,
    Document,
    Problem,
    Rejected,
    expand_inputs,
    plain_reason,
    read_bytes,
    read_file,
    spool_stdin,
)
from graphnews.ingest.records import ArticleRecord, RecordError, to_record
from graphnews.ingest.writer import Writer
from graphnews.progress import Progress
from graphnews.store import document_zlib

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = ["BATCH_FILES", "IngestReport", "ingest"]

#: Files written per transaction. Each commit rewrites the index and full-text pages its batch
#: touched (spread over the whole of a large database) and fsyncs them: at 100k documents,
#: 2,000 files instead of 500 cut the writer's CPU by ~14% (commits 4.5-5.1 -> 2.4-3.5 s).
BATCH_FILES = 2_000


@dataclass
class IngestReport:
    """What one ingest did (the ``ingest --format json`` contract).

    ``documents`` counts documents stored by this run, ``unchanged`` the files skipped because
    they did not change, ``updated`` the files that changed since an earlier ingest and replaced
    its contribution, ``rejected`` the documents (or inputs) that could not be read, and
    ``warnings`` the related items that were skipped inside otherwise good documents.
    """

    documents: int = 0
    unchanged: int = 0
    updated: int = 0
    new_files: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        """Count what ``other`` (a part of this ingest) did into this report."""
        for name in ("documents", "unchanged", "updated", "new_files", "bytes_read"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected)
        self.warnings.extend(other.warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "unchanged": self.unchanged,
            "updated": self.updated,
            "new_files": self.new_files,
            "bytes_read": self.bytes_read,
            "seconds": round(self.seconds, 3),
            "rejected": [p.as_dict() for p in self.rejected],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def ingest(
    db: Database,
    inputs: Iterable[str | os.PathLike[str]],
    *,
    max_size: int | None = None,
    overrides: str | os.PathLike[str] | Overrides | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Ingest files, folders (recursive), globs and ``-`` (standard input) into ``db``.

    Parameters
    ----------
    db : Database
    inputs : iterable of paths or globs
    max_size : int, optional
        Refuse documents larger than this many bytes (default 5,000,000).
    overrides : path or Overrides, optional
        Outlet overrides (merge domains, rename outlets); stored in the database and applied to
        every article, earlier ones included.
    progress : Progress, optional
        ``progress("ingest", files_done, files_total)`` (`graphnews.progress`).
    workers : int, optional
        Processes that read and parse files while this one writes. Default: one per CPU when
        more than `PARALLEL_FROM` files need reading, else none (0).

    Returns
    -------
    IngestReport
    """
    started = time.perf_counter()
    limit = DEFAULT_MAX_SIZE if max_size is None else max_size
    report = IngestReport()
    paths, problems = expand_inputs(inputs)
    report.rejected.extend(problems)
    writer = Writer(db)
    known = writer.known_files()
    changed = False
    if overrides is not None:
        loaded = overrides if isinstance(overrides, Overrides) else Overrides.load(overrides)
        with db.transaction():
            writer.set_overrides(loaded)
        changed = True
    todo: list[_Task] = []
    stdin = contextlib.ExitStack()
    for path in paths:
        if path == "-":  # kept in a temporary file, then read as a stream like a large file
            spooled, digest = spool_stdin(stdin)
            todo.append(_Task(f"{STDIN}:{digest[:12]}", None, True, spooled))
            continue
        try:
            st = os.stat(path)
        except OSError:  # vanished or unreadable: `_prepare` says why, and it is quarantined
            todo.append(_Task(path, None, False))
            continue
        before = known.get(path)
        if before is not None and before[0] == st.st_size and before[1] == st.st_mtime_ns:
            report.unchanged += 1
        else:
            todo.append(_Task(path, before[2] if before else None, st.st_size > STREAM_FROM,
                              size=st.st_size))
    total, done = len(paths), len(paths) - len(todo)
    if progress is not None:
        progress("ingest", done, total)
    with stdin, _collection_paused(), _parser(len(todo), workers) as (pool, count):
        prepared = _prepared(todo, pool, ahead=max(_AHEAD, count), limit=limit)
        for batch in _batches(prepared, BATCH_FILES, BATCH_BYTES):
            changed |= _write_batch(db, writer, batch, known, report, limit=limit)
            done += len(batch)
            if progress is not None:
                progress("ingest", done, total)
    if changed:
        with db.transaction():
            writer.finish(replaced=report.updated > 0)
    report.seconds = time.perf_counter() - started
    return report


#: Below this many files to read, parsing stays in this process (a pool costs ~50 ms to start).
PARALLEL_FROM = 200
#: Files larger than this many bytes are read as a stream in this process, document by
#: document while they are written, so that memory does not grow with them; smaller files are
#: read whole (by the parse workers, when there are many).
STREAM_FROM = 8_000_000
#: A transaction also ends once its files hold this many bytes (as well as at `BATCH_FILES`).
BATCH_BYTES = 32_000_000
#: While one file is written, the writer's queued rows go to SQLite every this many documents
#: or bytes of them.
FLUSH_EVERY = 2_000
FLUSH_BYTES = 16_000_000
#: A parse worker's chunk: this many files, or fewer holding this many bytes. Each chunk's
#: result costs the writer a wake-up and a pipe read: 64 files instead of 16 saved it 7% of its
#: CPU at 10k documents; the byte limit keeps chunks of large files small.
_CHUNK_FILES = 64
_CHUNK_BYTES = 4_000_000
#: Chunks the parse workers may hold ahead of the writer: one transaction's worth of files, so
#: that they parse the next batch while the writer stores this one. With 4 chunks per worker
#: (512 files, a quarter of a batch) they sat idle through most of each write, and a cold ingest
#: took about as long as parsing and writing one after the other. Memory: at most this many
#: chunks of `_CHUNK_BYTES` held as parsed records.
_AHEAD = -(-BATCH_FILES // _CHUNK_FILES)


class _Task(NamedTuple):
    """One input to read: its name, its content hash from an earlier ingest, whether it is read
    as a stream, the file to read when that is not ``path`` (standard input), and its size when
    listed."""

    path: str
    known_digest: str | None
    streamed: bool
    source: str | None = None
    size: int = 0


class _Parsed(NamedTuple):
    """A parsed document as the writer needs it (built in a worker, pickled to the writer)."""

    position: int
    line: int
    format: str
    raw_zlib: bytes  # the exact text, zlib-compressed
    content_hash: str  # sha256 of the exact text
    record: ArticleRecord
    problems: list[Problem]
    size: int  # bytes of the exact text


class _Prepared(NamedTuple):
    """One input read and parsed (in a worker process), ready to be written."""

    path: str
    size: int
    mtime_ns: int
    digest: str
    unchanged: bool
    items: Iterable[_Parsed | Rejected]  # a list, or `_Streamed` (read again when iterated)
    error: Problem | None = None


@dataclass(frozen=True)
class _Streamed:
    """The documents of a large file, read from it each time they are iterated, never held."""

    path: str
    source: str
    digest: str
    limit: int

    def __iter__(self) -> Iterator[_Parsed | Rejected]:
        try:
            for item in read_file(self.path, max_size=self.limit, source=self.source):
                yield item if isinstance(item, Rejected) else _interpret(item, b"", self.digest)
        except Exception as exc:  # e.g. the file vanished meanwhile: the rest is rejected
            yield Rejected(Problem(self.path, 1, f"the rest of this file {plain_reason(exc)}"),
                           b"")


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Automatic garbage collection off in this process while the files are written.

    The writer receives millions of small objects from the parse workers (records, tuples),
    none in a reference cycle and each freed by its reference count once written; the collector
    would only traverse them again and again (8% of the writer's CPU at 100k documents).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextlib.contextmanager
def _parser(files: int, workers: int | None
            ) -> Iterator[tuple[ProcessPoolExecutor | None, int]]:
    """A pool of parse worker processes and its size; ``(None, 0)`` to parse in this process."""
    count = (os.cpu_count() or 1) if workers is None else workers
    if count < 1 or (workers is None and files < PARALLEL_FROM) or not may_start_processes():
        yield None, 0
        return
    method = "fork" if can_fork() else "spawn"
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker) as pool:
        yield pool, count


def _prepared(todo: list[_Task], pool: ProcessPoolExecutor | None, *, ahead: int, limit: int
              ) -> Iterator[_Prepared]:
    """Every input read and parsed, in order.

    Files read whole go to the pool in chunks, at most ``ahead`` chunks before the one being
    written (so memory stays bounded however fast the workers read); a streamed file is
    prepared here, its documents read only while they are written.
    """
    waiting: collections.deque[Future[list[_Prepared]] | list[_Task]] = collections.deque()
    for job in _jobs(todo):
        if pool is not None and not job[0].streamed:
            waiting.append(pool.submit(_prepare_all, job, limit=limit))
        else:
            waiting.append(job)
        while len(waiting) > ahead:
            yield from _finish(waiting.popleft(), limit=limit)
    while waiting:
        yield from _finish(waiting.popleft(), limit=limit)


def _jobs(todo: list[_Task]) -> Iterator[list[_Task]]:
    """Chunks of files read whole (`_CHUNK_FILES`, `_CHUNK_BYTES`), and each streamed file
    alone, in order."""
    chunk: list[_Task] = []
    held = 0
    for task in todo:
        if task.streamed or len(chunk) == _CHUNK_FILES or held >= _CHUNK_BYTES:
            if chunk:
                yield chunk
            chunk, held = [], 0
        if task.streamed:
            yield [task]
        else:
            chunk.append(task)
            held += task.size
    if chunk:
        yield chunk


def _finish(job: Future[list[_Prepared]] | list[_Task], *, limit: int) -> Iterable[_Prepared]:
    if isinstance(job, Future):
        return job.result()
    return (_prepare_stream(t, limit=limit) if t.streamed else _prepare(t, limit=limit)
            for t in job)


def _prepare_all(tasks: list[_Task], *, limit: int) -> list[_Prepared]:
    """`_prepare` of each task (one chunk, in a worker process)."""
    return [_prepare(t, limit=limit) for t in tasks]


def _start_worker() -> None:
    """Set up a parse worker: garbage collection on (paused in the writer it was forked from),
    and its end when the ingest process dies."""
    gc.enable()
    _die_with_parent()


def _die_with_parent() -> None:
    """Make a parse worker end when the ingest process dies, even by SIGKILL (Linux).

    Without it, workers of a killed ingest would wait forever on their task queue.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown has to do
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _prepare(task: _Task, *, limit: int) -> _Prepared:
    """Read, hash and parse one input whole (runs in a worker process)."""
    path = task.path
    try:
        with open(path, "rb", buffering=0) as fh:
            st = os.fstat(fh.fileno())
            data = fh.readall()
    except OSError as exc:
        return _unreadable(path, exc)
    size, mtime_ns = st.st_size, st.st_mtime_ns
    digest = hashlib.sha256(data).hexdigest()
    if digest == task.known_digest:
        return _Prepared(path, size, mtime_ns, digest, True, [])
    items: list[_Parsed | Rejected | Problem] = []
    try:
        for item in read_bytes(path, data, max_size=limit):
            items.append(item if isinstance(item, Rejected) else _interpret(item, data, digest))
    except Exception as exc:  # whatever breaks on one input rejects that input
        items.append(Rejected(Problem(path, 1, f"this file {plain_reason(exc)}"), data[:limit]))
    return _Prepared(path, size, mtime_ns, digest, False, items)


def _prepare_stream(task: _Task, *, limit: int) -> _Prepared:
    """Hash one large input; its documents are read later, while they are written."""
    source = task.source or task.path
    try:
        st = os.stat(source)
        with open(source, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        return _unreadable(task.path, exc)
    mtime_ns = 0 if task.source else st.st_mtime_ns
    if digest == task.known_digest:
        return _Prepared(task.path, st.st_size, mtime_ns, digest, True, [])
    return _Prepared(task.path, st.st_size, mtime_ns, digest, False,
                     _Streamed(task.path, source, digest, limit))


def _unreadable(path: str, exc: OSError) -> _Prepared:
    return _Prepared(path, 0, 0, "", False, [],
                     Problem(path, 1, f"cannot read this file: {exc.strerror}"))


def _interpret(doc: Document, data: bytes, digest: str) -> _Parsed | Rejected:
    """A parsed document as the writer needs it, or its rejection (never an exception)."""
    try:
        record, problems = to_record(doc)
        text = doc.raw.encode("utf-8")
        # A Markdown file is one document: its text is the file's bytes, already hashed.
        content_hash = digest if text == data else hashlib.sha256(text).hexdigest()
        return _Parsed(doc.position, doc.line, doc.format, document_zlib(text), content_hash,
                       record, problems, len(text))
    except RecordError as exc:
        return Rejected(Problem(doc.path, exc.line, exc.message), doc.raw.encode("utf-8"))
    except Exception as exc:  # one hostile document never ends the ingest
        return Rejected(Problem(doc.path, doc.line, f"this document {plain_reason(exc)}"),
                        doc.raw.encode("utf-8", "surrogatepass"))


# What storing one file's rows can raise besides a locked database: a value SQLite refuses.
_STORE_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.DataError, ValueError,
                 OverflowError, TypeError, RecursionError)


def _write_batch(
    db: Database,
    writer: Writer,
    batch: list[_Prepared],
    known: dict[str, tuple[int, int, str, int]],
    report: IngestReport,
    *,
    limit: int,
) -> bool:
    """Write prepared files in one transaction; return True when the database content changed.

    The check of what is already stored and the write happen in one write transaction: when
    another process wrote meanwhile (two ingests at once), the caches and ``known`` are reloaded
    first, so the result is that of the two ingests one after the other. A file SQLite refuses
    to store is retried alone and, failing again, rejected whole; the rest goes in.
    """
    scratch = IngestReport()
    changed = False
    try:
        with db.transaction():
            if writer.others_wrote():
                writer.forget()
                known.clear()
                known.update(writer.known_files())
            for item in batch:
                changed |= _write(writer, item, known, scratch)
            writer.flush()
    except _STORE_ERRORS as exc:
        writer.forget()
        if len(batch) > 1:
            return any([_write_batch(db, writer, [item], known, report, limit=limit)
                        for item in batch])
        item = batch[0]
        raw = _first_bytes((e.raw if isinstance(e, Rejected) else zlib.decompress(e.raw_zlib)
                            for e in item.items), limit)
        problem = Problem(item.path, 1, f"this file could not be stored: it {plain_reason(exc)}")
        with db.transaction():
            writer.quarantine(item.path, 1, problem.message, raw)
        report.rejected.append(problem)
        return False
    except BaseException:
        writer.forget()
        raise
    report.add(scratch)
    return changed


def _write(
    writer: Writer,
    item: _Prepared,
    known: dict[str, tuple[int, int, str, int]],
    report: IngestReport,
) -> bool:
    """Write one prepared input; return True when the database content changed."""
    if item.error is not None:
        writer.quarantine_unreadable(item.error.path, item.error.message)
        report.rejected.append(item.error)
        return False
    if item.unchanged or (item.path in known and known[item.path][2] == item.digest):
        writer.touch_file(item.path, item.size, item.mtime_ns)
        report.unchanged += 1
        return False
    before = known.get(item.path)
    if before is None:
        report.new_files += 1
    else:
        report.updated += 1
    report.bytes_read += item.size
    version = writer.begin_file(item.path, item.size, item.mtime_ns, item.digest,
                                None if before is None else before[3])
    queued = queued_bytes = 0
    for entry in item.items:
        if queued >= FLUSH_EVERY or queued_bytes >= FLUSH_BYTES:  # a large file's rows are
            writer.flush()  # not all held until the commit
            queued = queued_bytes = 0
        if isinstance(entry, Rejected):
            writer.quarantine(entry.problem.path, entry.problem.line, entry.problem.message,
                              entry.raw)
            report.rejected.append(entry.problem)
            continue
        report.warnings.extend(entry.problems)
        writer.add_document(
            path=item.path, position=entry.position, line=entry.line, format=entry.format,
            raw_zlib=entry.raw_zlib, content_hash=entry.content_hash, version=version,
            record=entry.record,
        )
        report.documents += 1
        queued += 1
        queued_bytes += entry.size
    return True


def _batches(items: Iterable[_Prepared], size: int, max_bytes: int
             ) -> Iterator[list[_Prepared]]:
    """Lists of at most ``size`` files, ended early once they hold ``max_bytes``."""
    batch: list[_Prepared] = []
    held = 0
    for item in items:
        batch.append(item)
        held += item.size
        if len(batch) >= size or held >= max_bytes:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _first_bytes(pieces: Iterable[bytes], limit: int) -> bytes:
    """The first ``limit`` bytes of ``pieces`` joined (reading no more of them than needed)."""
    kept = bytearray()
    for piece in pieces:
        kept += piece[: limit - len(kept)]
        if len(kept) >= limit:
            break
    return bytes(kept)
