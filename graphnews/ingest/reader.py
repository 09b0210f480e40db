"""Read news documents from files, folders, globs and standard input.

A *document* is one record: the YAML front matter of a Markdown file (``---`` ... ``---``), or one
object of a JSON list, an NDJSON line, or an item of a news-site page file
(``{"page": N, "value": [...]}``). The reader only splits and parses; it never decides what a
record means (`graphnews.ingest.records`). Whatever cannot be read becomes a `Rejected` carrying
the raw bytes, the line and a plain-words reason, and reading goes on with the rest.

YAML is parsed with ``yaml-rs`` (a Rust parser, ~5x faster than PyYAML's C loader on these files,
same results on the real corpus, line numbers in its errors and a built-in alias-expansion limit).
Tests keep PyYAML as the reference.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import yaml_rs

from graphnews.errors import RefusedValueError
from graphnews.ingest.jsonstream import CHUNK, Bad, TextStream, json_records

__all__ = [
    "DEFAULT_MAX_SIZE",
    "STDIN",
    "SUFFIXES",
    "Document",
    "Problem",
    "Rejected",
    "expand_inputs",
    "parse_text",
    "plain_reason",
    "read_bytes",
    "read_file",
    "spool_stdin",
]

#: File name endings the reader takes when it walks a folder.
SUFFIXES = (".md", ".markdown", ".txt", ".json", ".ndjson", ".jsonl")
#: The path recorded for documents read from standard input.
STDIN = "<stdin>"
#: Documents larger than this many bytes are refused (``--max-size`` changes it).
DEFAULT_MAX_SIZE = 5_000_000

# A front matter legitimately uses no aliases at all; this bounds an alias bomb to ~1 ms.
_ALIAS_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=100_000)
_YAML_LINE = re.compile(r"at line (\d+)")
# The first line that is not blank, and a line closing the front matter.
_FIRST_LINE = re.compile(r"(?:[ \t\r]*\n)*([^\n]*)")
# Searched from the newline before the fields: a literal first character keeps it fast (a
# MULTILINE ``^`` is tried at every character of a 10 KB front matter).
_CLOSING_LINE = re.compile(r"\n(?:---|\.\.\.)[ \t\r]*(?=\n|\Z)")
# How much of a file with an unknown ending is read to tell Markdown from JSON.
_SNIFF_BYTES = 4096
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input, located at ``path:line``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Rejected:
    """A document (or a whole file) that could not be read, with its raw bytes."""

    problem: Problem
    raw: bytes


@dataclass(frozen=True)
class Document:
    """One parsed record: where it came from, its exact text and its fields."""

    path: str
    position: int
    line: int
    format: str
    raw: str
    fields: Any

    def line_of(self, key: str) -> int:
        """The file line where top-level ``key`` is written (the record's first line if unknown)."""
        if self.format == "markdown":
            match = re.search(rf"^{re.escape(key)}\s*:", self.raw, re.MULTILINE)
        else:
            match = re.search(rf'"{re.escape(key)}"\s*:', self.raw)
        if match is None:
            return self.line
        return self.line + self.raw.count("\n", 0, match.start()) - self._text_offset_lines

    def related_line(self, index: int) -> int:
        """The file line where item ``index`` of the ``related`` list starts."""
        base = self.line_of("related")
        if self.format != "markdown" or base == self.line:
            return base
        lines = self.raw.split("\n")
        start = base - self.line + self._text_offset_lines
        indent: int | None = None
        count = -1
        for offset, text in enumerate(lines[start + 1 :], start=1):
            stripped = text.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            width = len(text) - len(stripped)
            if width == 0 and not stripped.startswith("- "):
                break
            if stripped.startswith("- ") or stripped == "-":
                if indent is None:
                    indent = width
                if width == indent:
                    count += 1
                    if count == index:
                        return base + offset
        return base

    @property
    def _text_offset_lines(self) -> int:
        # Markdown raw text starts at the file's first line, while `line` is the front matter's.
        return self.line - 1 if self.format == "markdown" else 0


def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Problem]]:
    """Turn files, folders (walked recursively), globs and ``-`` into a sorted list of paths.

    Returns the paths (absolute; ``-`` stays ``-``) and a problem for each input that matched
    nothing.
    """
    found: dict[str, None] = {}
    problems: list[Problem] = []
    for item in inputs:
        text = os.fspath(item)
        if text == "-":
            found["-"] = None
            continue
        path = os.path.abspath(os.path.expanduser(text))
        if os.path.isdir(path):
            before = len(problems)
            matches = sorted(_walk(path, problems, set(), ()))
            if not matches and len(problems) == before:
                problems.append(Problem(text, 1, "this folder holds no .md, .txt or .json files"))
        elif os.path.isfile(path):
            matches = [path]
        else:
            matches = sorted(
                os.path.abspath(p) for p in glob.glob(path, recursive=True) if os.path.isfile(p)
            )
            if not matches:
                problems.append(Problem(text, 1, "no such file or folder"))
        for m in matches:
            found[m] = None
    return list(found), problems


def _walk(
    folder: str, problems: list[Problem], seen: set[tuple[int, int]],
    ancestors: tuple[tuple[int, int], ...],
) -> Iterator[str]:
    """Files under ``folder`` (recursively) with a readable ending; hidden entries skipped.

    A folder that cannot be read, or a link leading back into a folder that holds it (a loop),
    becomes a problem and the walk goes on; a folder reached twice through links is read once;
    a file that vanishes meanwhile is simply not listed.
    """
    try:
        st = os.stat(folder)
        key = (st.st_dev, st.st_ino)
        if key in ancestors:
            problems.append(Problem(folder, 1, "this link leads back into a folder that holds "
                                    "it (a loop); it was not followed"))
            return
        if key in seen:
            return
        seen.add(key)
        with os.scandir(folder) as entries:
            listed = list(entries)
    except OSError as exc:
        problems.append(Problem(folder, 1, f"cannot read this folder: {exc.strerror}"))
        return
    for entry in listed:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as exc:  # e.g. a link loop: "too many levels of symbolic links"
            problems.append(Problem(entry.path, 1, f"cannot read this entry: {exc.strerror}"))
            continue
        if is_dir:
            yield from _walk(entry.path, problems, seen, (*ancestors, key))
        elif is_file and _suffix(entry.name) in SUFFIXES:
            yield entry.path


def _suffix(name: str) -> str:
    """``os.path.splitext(name)[1].lower()`` for a name not starting with a dot, at a third of
    its cost (an unchanged re-ingest lists every file)."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def plain_reason(exc: BaseException) -> str:
    """Why a document could not be read or stored, in plain words, to follow "this document"."""
    if isinstance(exc, RecursionError):
        return ("is nested too deeply (hundreds of lists or mappings inside each other) "
                "to be read")
    if isinstance(exc, UnicodeError):
        return ("holds text that is not valid Unicode (such as a lone surrogate "
                "\\ud800), which cannot be stored")
    if isinstance(exc, TypeError) and "keys must be" in str(exc):
        return ("uses a key that is not text (such as a list used as a key, "
                "'? [a, b]: ...')")
    if isinstance(exc, OverflowError):
        return "holds a number or date too large to be stored"
    if isinstance(exc, RefusedValueError):
        return str(exc)
    return f"could not be read ({type(exc).__name__}: {exc})"


def read_file(path: str, *, max_size: int = DEFAULT_MAX_SIZE, source: str | None = None
              ) -> Iterator[Document | Rejected]:
    """The documents of one file, read as a stream.

    Memory stays within about one document and one chunk of the file, whatever its size: JSON
    and NDJSON are read record by record (`graphnews.ingest.jsonstream`), a Markdown file
    (one document) only up to ``max_size`` bytes. ``path`` names the file in messages;
    ``source`` is the file to read when it is another (standard input kept in a temporary
    file). Raises OSError when the file cannot be opened.
    """
    with open(source or path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
        fh.seek(0)
        if _format_for(path, head) == "json":
            yield from _read_json(path, fh, max_size)
            return
        data = fh.read(max_size + 1)
        if len(data) > max_size:
            size = os.fstat(fh.fileno()).st_size
            yield _too_large(path, 1, size, max_size, data[:max_size])
            return
    yield from read_bytes(path, data, max_size=max_size)


def read_bytes(path: str, data: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> Iterator[
    Document | Rejected
]:
    """Split the bytes of one input into documents, parsing each.

    ``path`` names the input in messages; its ending picks the format (Markdown front matter, JSON
    or NDJSON). Standard input, or an unknown ending, is sniffed from its first characters.
    The raw bytes kept with a rejection are at most ``max_size``.
    """
    if _format_for(path, data[:_SNIFF_BYTES]) == "json":
        yield from _read_json(path, io.BytesIO(data), max_size)
        return
    if len(data) > max_size:
        yield _too_large(path, 1, len(data), max_size, data[:max_size])
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield Rejected(
            Problem(path, line, f"this file is not valid UTF-8 text (bad byte at position "
                    f"{exc.start}); save it as UTF-8 and ingest it again"),
            data,
        )
        return
    yield _read_markdown(path, text)


def parse_text(text: str, format: str) -> Any:
    """The fields of one document's exact text, as `read_bytes` parsed them.

    ``format`` is the document's format (``markdown``, ``json`` or ``ndjson``). Raises
    ValueError when the text cannot be read.

    >>> parse_text('---\\ntitle: Hi\\n---\\nbody', "markdown")
    {'title': 'Hi'}
    """
    if format != "markdown":
        return json.loads(text)
    doc = _read_markdown(STDIN, text)
    if isinstance(doc, Rejected):
        raise ValueError(doc.problem.message)
    return doc.fields


def spool_stdin(stack: contextlib.ExitStack) -> tuple[str, str]:
    """Copy standard input into a temporary file, deleted when ``stack`` closes.

    Returns the file's path and the sha256 of its bytes; memory holds one chunk at a time.
    """
    spool = stack.enter_context(tempfile.NamedTemporaryFile(prefix="graphnews-stdin-"))  # noqa: SIM115
    digest = hashlib.sha256()
    while chunk := sys.stdin.buffer.read(CHUNK):
        digest.update(chunk)
        spool.write(chunk)
    spool.flush()
    return spool.name, digest.hexdigest()


def _format_for(path: str, head: bytes) -> str:
    """``markdown`` or ``json``: by the file name's ending, else by its first characters."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".md", ".markdown", ".txt"):
        return "markdown"
    if suffix in (".json", ".ndjson", ".jsonl"):
        return "json"
    return "markdown" if head.removeprefix(_BOM).lstrip().startswith(b"---") else "json"


def _too_large(path: str, line: int, size: int, limit: int, raw: bytes) -> Rejected:
    return Rejected(
        Problem(path, line, f"this document is {size:,} bytes, more than the limit of "
                f"{limit:,} bytes (raise it with --max-size)"),
        raw,
    )


def _read_json(path: str, fh: BinaryIO, max_size: int) -> Iterator[Document | Rejected]:
    for position, item in enumerate(json_records(TextStream(fh), max_size=max_size)):
        if isinstance(item, Bad):
            yield Rejected(Problem(path, item.line, item.message), item.raw)
        else:
            yield Document(path, position, item.line, "json", item.raw, item.value)


def _read_markdown(path: str, text: str) -> Document | Rejected:
    opening = _FIRST_LINE.match(text)
    if opening is None or opening.group(1).rstrip() != "---":
        where = 1 if opening is None else text.count("\n", 0, opening.start(1)) + 1
        return Rejected(
            Problem(path, where, "no front matter: the document must start with a line '---', "
                    "then the fields, then another '---'"),
            text.encode("utf-8"),
        )
    body_start = opening.end() + 1
    open_line = text.count("\n", 0, opening.start(1)) + 1
    start_line = open_line + 1
    closing = _CLOSING_LINE.search(text, body_start - 1)
    if closing is None:
        return Rejected(
            Problem(path, open_line, "the front matter that starts here is never closed "
                    "by a line '---'"),
            text.encode("utf-8"),
        )
    front = text[body_start : closing.start() + 1]
    try:
        fields = yaml_rs.loads(
            front,
            alias_limits=_ALIAS_LIMITS,
            duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins,
        )
    except yaml_rs.YAMLDecodeError as exc:
        return Rejected(_yaml_problem(path, start_line, str(exc)), text.encode("utf-8"))
    except Exception as exc:  # yaml-rs may raise other errors on hostile input
        return Rejected(Problem(path, start_line, f"the front matter cannot be read: {exc}"),
                        text.encode("utf-8"))
    return Document(path, 0, start_line, "markdown", text, fields)


def _yaml_problem(path: str, start_line: int, message: str) -> Problem:
    match = _YAML_LINE.search(message)
    line = start_line + int(match.group(1)) - 1 if match else start_line
    reason = message.strip().split("\n")[-1].strip()
    if "alias" in message and "limit" in message:
        text = ("the front matter expands YAML aliases far beyond any real document "
                "(an 'alias bomb'); it was not read")
    else:
        text = f"the front matter is not valid YAML: {reason}"
    return Problem(path, line, text)
