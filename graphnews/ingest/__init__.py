"""Incremental ingest: inputs -> reader -> records -> store, one transaction per batch.

A file whose size and modification time are unchanged is skipped without being read; one whose
bytes hash the same is skipped after reading; a changed file replaces its earlier contribution
(the earlier documents stay in the database with ``current = 0``). Every problem is collected
in the `IngestReport`, never raised: a bad document is quarantined and the rest goes on.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import hashlib
import itertools
import multiprocessing
import os
import signal
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

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
    read_stdin,
)
from graphnews.ingest.records import ArticleRecord, RecordError, to_record
from graphnews.ingest.writer import Writer
from graphnews.progress import Progress
from graphnews.store import document_zlib

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = ["BATCH_FILES", "IngestReport", "ingest"]

#: Files written per transaction.
BATCH_FILES = 500


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
    todo: list[tuple[str, str | None]] = []
    for path in paths:
        if path == "-":
            todo.append((path, None))
            continue
        try:
            st = os.stat(path)
        except OSError:  # vanished or unreadable: `_prepare` says why, and it is quarantined
            todo.append((path, None))
            continue
        before = known.get(path)
        if before is not None and before[0] == st.st_size and before[1] == st.st_mtime_ns:
            report.unchanged += 1
        else:
            todo.append((path, before[2] if before else None))
    total, done = len(paths), len(paths) - len(todo)
    if progress is not None:
        progress("ingest", done, total)
    with _parser(len(todo), workers) as parse:
        prepared = parse(functools.partial(_prepare, limit=limit), todo, chunksize=16)
        for batch in _batches(prepared, BATCH_FILES):
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


class _Parsed(NamedTuple):
    """A parsed document as the writer needs it (built in a worker, pickled to the writer)."""

    position: int
    line: int
    format: str
    raw_zlib: bytes  # the exact text, zlib-compressed
    content_hash: str  # sha256 of the exact text
    record: ArticleRecord
    problems: list[Problem]


@dataclass(frozen=True)
class _Prepared:
    """One input read and parsed (in a worker process), ready to be written."""

    path: str
    size: int
    mtime_ns: int
    digest: str
    unchanged: bool
    items: list[_Parsed | Rejected | Problem]
    error: Problem | None = None


@contextlib.contextmanager
def _parser(files: int, workers: int | None) -> Iterator[Callable[..., Iterable[_Prepared]]]:
    """``map`` in this process, or over a pool of worker processes for many files."""
    count = (os.cpu_count() or 1) if workers is None else workers
    if count < 1 or (workers is None and files < PARALLEL_FROM):
        yield lambda fn, items, chunksize: map(fn, items)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context(method),
                             initializer=_die_with_parent) as pool:
        yield pool.map


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


def _prepare(task: tuple[str, str | None], *, limit: int) -> _Prepared:
    """Read, hash and parse one input (runs in a worker process)."""
    path, known_digest = task
    if path == "-":
        data = read_stdin()
        digest = hashlib.sha256(data).hexdigest()
        path, size, mtime_ns = f"{STDIN}:{digest[:12]}", len(data), 0
    else:
        try:
            st = os.stat(path)
            data = Path(path).read_bytes()
        except OSError as exc:
            problem = Problem(path, 1, f"cannot read this file: {exc.strerror}")
            return _Prepared(path, 0, 0, "", False, [], problem)
        size, mtime_ns = st.st_size, st.st_mtime_ns
        digest = hashlib.sha256(data).hexdigest()
    if digest == known_digest:
        return _Prepared(path, size, mtime_ns, digest, True, [])
    items: list[_Parsed | Rejected | Problem] = []
    try:
        for item in read_bytes(path, data, max_size=limit):
            items.append(item if isinstance(item, Rejected) else _interpret(item, data, digest))
    except Exception as exc:  # whatever breaks on one input rejects that input
        items.append(Rejected(Problem(path, 1, f"this file {plain_reason(exc)}"), data[:limit]))
    return _Prepared(path, size, mtime_ns, digest, False, items)


def _interpret(doc: Document, data: bytes, digest: str) -> _Parsed | Rejected:
    """A parsed document as the writer needs it, or its rejection (never an exception)."""
    try:
        record, problems = to_record(doc)
        text = doc.raw.encode("utf-8")
        # A Markdown file is one document: its text is the file's bytes, already hashed.
        content_hash = digest if text == data else hashlib.sha256(text).hexdigest()
        return _Parsed(doc.position, doc.line, doc.format, document_zlib(text), content_hash,
                       record, problems)
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
        raw = b"".join(e.raw if isinstance(e, Rejected) else zlib.decompress(e.raw_zlib)
                       for e in item.items)[:limit]
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
    for entry in item.items:
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
    return True


def _batches(items: Iterable[_Prepared], size: int) -> Iterator[list[_Prepared]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
