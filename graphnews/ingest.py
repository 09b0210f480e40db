"""Incremental ingest: inputs -> reader -> records -> store, one transaction per batch.

A file whose size and modification time are unchanged is skipped without being read; one whose
bytes hash the same is skipped after reading; a changed file replaces its earlier contribution
(the earlier documents stay in the database with ``current = 0``). Every problem is collected
in the `IngestReport`, never raised: a bad document is quarantined and the rest goes on.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphnews.identity import Overrides
from graphnews.reader import (
    DEFAULT_MAX_SIZE,
    STDIN,
    Problem,
    Rejected,
    expand_inputs,
    read_bytes,
    read_stdin,
)
from graphnews.records import RecordError, to_record

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = ["BATCH_FILES", "IngestReport", "Progress", "ingest"]

#: Called as ``progress(files_done, files_total)`` while an ingest runs.
Progress = Callable[[int, int], None]
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
    progress : callable, optional
        ``progress(files_done, files_total)``.

    Returns
    -------
    IngestReport
    """
    started = time.perf_counter()
    limit = DEFAULT_MAX_SIZE if max_size is None else max_size
    report = IngestReport()
    paths, problems = expand_inputs(inputs)
    for p in problems:
        report.rejected.append(p)
    known = db.known_files()
    changed = False
    if overrides is not None:
        loaded = overrides if isinstance(overrides, Overrides) else Overrides.load(overrides)
        with db.transaction():
            db.set_overrides(loaded)
        changed = True
    total = len(paths)
    done = 0
    for start in range(0, total, BATCH_FILES):
        batch = paths[start : start + BATCH_FILES]
        with db.transaction():
            for path in batch:
                changed |= _ingest_one(db, path, known, limit, report)
            done += len(batch)
        if progress is not None:
            progress(done, total)
    if changed:
        with db.transaction():
            db.finish_ingest(replaced=report.updated > 0)
    report.seconds = time.perf_counter() - started
    return report


def _ingest_one(
    db: Database,
    path: str,
    known: dict[str, tuple[int, int, str, int]],
    limit: int,
    report: IngestReport,
) -> bool:
    """Ingest one input; return True when the database changed."""
    if path == "-":
        data = read_stdin()
        digest = hashlib.sha256(data).hexdigest()
        path, size, mtime_ns = f"{STDIN}:{digest[:12]}", len(data), 0
    else:
        try:
            st = os.stat(path)
            before = known.get(path)
            if before is not None and before[0] == st.st_size and before[1] == st.st_mtime_ns:
                report.unchanged += 1
                return False
            data = Path(path).read_bytes()
        except OSError as exc:
            report.rejected.append(Problem(path, 1, f"cannot read this file: {exc.strerror}"))
            return False
        size, mtime_ns = st.st_size, st.st_mtime_ns
        digest = hashlib.sha256(data).hexdigest()
    before = known.get(path)
    if before is not None and before[2] == digest:
        db.touch_file(path, size, mtime_ns)
        report.unchanged += 1
        return False
    report.bytes_read += len(data)
    if before is None:
        report.new_files += 1
    else:
        report.updated += 1
    version = db.begin_file(path, size, mtime_ns, digest)
    for item in read_bytes(path, data, max_size=limit):
        if isinstance(item, Rejected):
            _reject(db, report, item.problem, item.raw)
            continue
        try:
            record, problems = to_record(item)
        except RecordError as exc:
            _reject(db, report, Problem(path, exc.line, exc.message), item.raw.encode("utf-8"))
            continue
        report.warnings.extend(problems)
        db.add_document(
            path=path, position=item.position, line=item.line, format=item.format, raw=item.raw,
            content_hash=hashlib.sha256(item.raw.encode("utf-8")).hexdigest(), version=version,
            record=record,
        )
        report.documents += 1
    return True


def _reject(db: Database, report: IngestReport, problem: Problem, raw: bytes) -> None:
    db.quarantine(problem.path, problem.line, problem.message, raw)
    report.rejected.append(problem)
