"""JSON and NDJSON records read from a file one at a time, in memory bounded by the record size.

`TextStream` decodes a binary file's UTF-8 chunk by chunk and keeps only the text not yet read.
`json_records` splits it into records: the lines of NDJSON, the items of a top-level list or of
a page file's ``value`` list (``{"page": N, "value": [...]}``), or one top-level value. It
never holds more than one record and one chunk: a record larger than ``max_size`` is skipped
by scanning (only its first ``max_size`` characters are kept, for the quarantine), and a file
that stops being valid UTF-8 or valid JSON yields what came before and one rejection for the
rest (its first ``max_size`` bytes kept).

The reader (`graphnews.ingest.reader`) turns what this yields into documents and rejections.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple

__all__ = ["CHUNK", "TOO_DEEP", "Bad", "Record", "TextStream", "json_records"]

#: Bytes read from a file at a time.
CHUNK = 1 << 20
#: Stands for the value of a record nested too deeply to parse.
TOO_DEEP = object()

_BOM = b"\xef\xbb\xbf"
_SPACE = " \t\r\n"
# Outside a string: the characters that change the nesting depth or open a string.
_STRUCTURE = re.compile(r'["\[\]{}]')
# Inside a string: everything up to its closing quote or the end of the text read so far.
_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
# Where a number or a literal ends.
_DELIMITER = re.compile(r"[\s,\]}]")


class Record(NamedTuple):
    """One record: its first line, exact text and value (`TOO_DEEP` when nested too deeply)."""

    line: int
    raw: str
    value: Any


class Bad(NamedTuple):
    """What could not be read: its line, why (to follow the file name), its raw bytes."""

    line: int
    message: str
    raw: bytes


class TextStream:
    """The UTF-8 text of a binary file, read ``chunk`` bytes at a time.

    ``text[pos:]`` is what is not read yet; `more` drops ``text[:pos]`` and appends the next
    chunk. Reading stops at the first byte that is not UTF-8 (``bad_byte``, its offset in the
    file), as at the end of the file.
    """

    def __init__(self, fh: BinaryIO, *, chunk: int = CHUNK) -> None:
        self.text = ""
        self.pos = 0
        self.eof = False
        #: True once `rest` took what was left of the file.
        self.done = False
        #: Offset in the file of the first byte that is not UTF-8, once reading reached it.
        self.bad_byte: int | None = None
        self._fh = fh
        self._chunk = chunk
        self._pending = b""  # bytes not decoded yet: an incomplete character, or the bad rest
        self._offset = 0  # file offset of the first byte in _pending
        self._mark = 0  # an index into text whose line number is _mark_line
        self._mark_line = 1
        self._started = False

    def more(self) -> bool:
        """Read more text; False when there is no more (end of file or a bad byte)."""
        if self.pos:
            self.line_at(self.pos)
            self.text = self.text[self.pos :]
            self._mark -= self.pos
            self.pos = 0
        while not self.eof:
            # the first read takes at least a byte order mark's worth
            data = self._fh.read(self._chunk if self._started else max(self._chunk, len(_BOM)))
            if not self._started:
                self._started = True
                if data.startswith(_BOM):
                    self._offset = len(_BOM)
                    data = data[len(_BOM) :] or self._fh.read(self._chunk)
            if not data:
                self.eof = True
                if self._pending:  # the file ends inside a character
                    self.bad_byte = self._offset
                return False
            data = self._pending + data
            cut = _whole_characters(data)
            try:
                piece = data[:cut].decode("utf-8")
            except UnicodeDecodeError as exc:
                piece = data[: exc.start].decode("utf-8")
                self.eof = True
                self.bad_byte = self._offset + exc.start
                cut = exc.start
            self._pending = data[cut:]
            self._offset += cut
            self.text += piece
            if piece:
                return True
        return False

    def line_at(self, index: int) -> int:
        """The line number (from 1) of ``text[index]``; cheap for increasing indexes."""
        if index >= self._mark:
            self._mark_line += self.text.count("\n", self._mark, index)
        else:
            self._mark_line -= self.text.count("\n", index, self._mark)
        self._mark = index
        return self._mark_line

    def skip_space(self) -> str | None:
        """Move ``pos`` past white space; the next character, or None at the end."""
        while True:
            text, i = self.text, self.pos
            n = len(text)
            while i < n and text[i] in _SPACE:
                i += 1
            self.pos = i
            if i < n:
                return text[i]
            if not self.more():
                return None

    def rest(self, start: int, limit: int) -> bytes:
        """The first ``limit`` bytes of the file from ``text[start]`` on (ends the reading)."""
        kept = self.text[start:].encode("utf-8")[:limit]
        kept += self._pending[: limit - len(kept)]
        if len(kept) < limit and not (self.eof and self.bad_byte is None):
            kept += self._fh.read(limit - len(kept))
        self.text, self.pos, self.eof, self.done = "", 0, True, True
        return kept


def json_records(stream: TextStream, *, max_size: int) -> Iterator[Record | Bad]:
    """The records of a JSON or NDJSON file, one at a time (see the module's description)."""
    decoder = json.JSONDecoder()
    first = stream.skip_space()
    if first is None:
        if stream.bad_byte is None:
            yield Bad(1, "this file is empty", b"")
        else:
            yield _not_utf8(stream, max_size)
        return
    if first in "[{" and not _one_record_per_line(stream, decoder, max_size):
        yield from _json_document(stream, decoder, max_size)
    else:
        yield from _ndjson(stream, decoder, max_size)
    if stream.bad_byte is not None and not stream.done:
        yield _not_utf8(stream, max_size)


def _one_record_per_line(stream: TextStream, decoder: json.JSONDecoder, max_size: int) -> bool:
    """True when the first line is a whole JSON value and more follows (NDJSON).

    ``pos`` stays where it is: the first line is read again as a record.
    """
    while (end := stream.text.find("\n", stream.pos)) < 0:
        if len(stream.text) - stream.pos > max_size or not stream.more():
            return False
    if end - stream.pos > max_size:  # too long to tell: read as JSON (NDJSON after it, if any)
        return False
    try:
        decoder.decode(stream.text[stream.pos : end])
    except (ValueError, RecursionError):
        return False
    return _text_after(stream, end)


def _text_after(stream: TextStream, index: int) -> bool:
    """True when anything but white space follows ``text[index]`` (``pos`` is kept)."""
    while True:
        text = stream.text
        while index < len(text) and text[index] in _SPACE:
            index += 1
        if index < len(text):
            return True
        offset = index - stream.pos
        if not stream.more():
            return False
        index = stream.pos + offset


def _ndjson(stream: TextStream, decoder: json.JSONDecoder, max_size: int) -> Iterator[Record | Bad]:
    while True:
        end = stream.text.find("\n", stream.pos)
        while end < 0 and len(stream.text) - stream.pos <= max_size and stream.more():
            end = stream.text.find("\n", stream.pos)
        start, text = stream.pos, stream.text
        line = stream.line_at(start)
        if end < 0 and len(text) - start > max_size:
            yield _skip_line(stream, line, max_size)
            continue
        if end < 0:
            end = len(text)
            if end == start or stream.bad_byte is not None:
                stream.pos = start
                return
        stream.pos = end + 1
        raw = text[start:end]
        if not raw.strip():
            continue
        if end - start > max_size:
            yield _too_large(line, end - start, max_size, raw[:max_size])
            continue
        try:
            value = decoder.decode(raw)
        except (ValueError, RecursionError) as exc:
            yield Bad(line, f"this line is not valid JSON: {_reason(exc)}", raw.encode("utf-8"))
            continue
        yield Record(line, raw, value)


def _skip_line(stream: TextStream, line: int, max_size: int) -> Bad:
    """Skip a line longer than ``max_size`` characters, keeping its first ``max_size``."""
    kept = stream.text[stream.pos : stream.pos + max_size]
    size = 0
    while True:
        end = stream.text.find("\n", stream.pos)
        if end >= 0:
            size += end - stream.pos
            stream.pos = end + 1
            break
        size += len(stream.text) - stream.pos
        stream.pos = len(stream.text)
        if not stream.more():
            break
    return _too_large(line, size, max_size, kept)


def _json_document(
    stream: TextStream, decoder: json.JSONDecoder, max_size: int
) -> Iterator[Record | Bad]:
    """A list (its items), a page file that starts with its ``page`` key, or one value."""
    if stream.text[stream.pos] == "[":
        stream.pos += 1
        yield from _items(stream, decoder, max_size)
    elif _starts_with_page(stream):
        yield from _page(stream, decoder, max_size)
    else:
        whole = _value(stream, decoder, max_size)
        if isinstance(whole, Record) and _is_page(whole.value):  # a page with its keys reordered
            page = TextStream(io.BytesIO(whole.raw.encode("utf-8")))
            page.more()
            page.pos = 1
            page.skip_space()
            for item in _page(page, decoder, max_size):
                yield item._replace(line=item.line + whole.line - 1)
        else:
            yield whole
            if not stream.done and stream.skip_space() is not None:  # more values: NDJSON
                yield from _ndjson(stream, decoder, max_size)
    if not stream.done and stream.skip_space() is not None:
        yield _invalid(stream, "there is more text after the end of the JSON value", max_size)


def _items(stream: TextStream, decoder: json.JSONDecoder, max_size: int) -> Iterator[Record | Bad]:
    """The items of a list whose ``[`` was read, through its closing bracket."""
    if stream.skip_space() == "]":
        stream.pos += 1
        return
    while True:
        if stream.skip_space() is None:
            yield _invalid(stream, "the list is never closed by ']'", max_size)
            return
        yield _value(stream, decoder, max_size)
        if stream.done:
            return
        more = _after_item(stream, "]", "after an item of the list", max_size)
        if isinstance(more, Bad):
            yield more
        if more is not True:
            return


def _after_item(stream: TextStream, closing: str, where: str, max_size: int) -> bool | Bad:
    """Past the ',' after an item (True) or the closing bracket (False); else the rest rejected."""
    char = stream.skip_space()
    if char in (",", closing):
        stream.pos += 1
        return char == ","
    return _invalid(stream, f"expected ',' or '{closing}' {where}", max_size)


def _is_page(value: Any) -> bool:
    return isinstance(value, dict) and "page" in value and isinstance(value.get("value"), list)


def _starts_with_page(stream: TextStream) -> bool:
    """True when the object at ``pos`` starts with the key ``"page"``; then ``pos`` is at it."""
    index = stream.pos + 1
    while True:
        text = stream.text
        while index < len(text) and text[index] in _SPACE:
            index += 1
        if len(text) - index >= len('"page"') or stream.eof:
            if text[index : index + len('"page"')] != '"page"':
                return False
            stream.pos = index
            return True
        offset = index - stream.pos
        stream.more()
        index = stream.pos + offset


def _page(stream: TextStream, decoder: json.JSONDecoder, max_size: int) -> Iterator[Record | Bad]:
    """The items of a page file's ``value`` list (``pos`` is at its first key)."""
    while True:
        key = _value(stream, decoder, max_size)
        if not isinstance(key, Record) or stream.skip_space() != ":":
            yield _invalid(stream, "expected a key and ':' in the page object", max_size)
            return
        stream.pos += 1
        if stream.skip_space() == "[" and key.value == "value":
            stream.pos += 1
            yield from _items(stream, decoder, max_size)
            if stream.done:
                return
        else:
            other = _value(stream, decoder, max_size)
            if isinstance(other, Bad):
                yield other
                return
        more = _after_item(stream, "}", "in the page object", max_size)
        if isinstance(more, Bad):
            yield more
        if more is not True:
            return
        stream.skip_space()


def _value(stream: TextStream, decoder: json.JSONDecoder, max_size: int) -> Record | Bad:
    """The JSON value at ``pos`` (after white space), reading more text as needed."""
    while True:
        start, text = stream.pos, stream.text
        try:
            value, end = decoder.raw_decode(text, start)
        except RecursionError:
            return _skip_value(stream, max_size, TOO_DEEP)
        except ValueError as exc:  # JSONDecodeError, or a number too long to convert
            end = _value_end(text, start)
            if end is None and stream.bad_byte is not None:
                return _not_utf8(stream, max_size)
            whole = end is not None or stream.eof  # the value is all there: it is not valid
            # ... unless it is over the limit: then, as when it is read in small pieces, that
            # is what is said, whatever else is wrong with it.
            if whole and (len(text) if end is None else end) - start <= max_size:
                where = exc.pos if isinstance(exc, json.JSONDecodeError) else start
                line = stream.line_at(start) + text.count("\n", start, where)
                stream.pos = len(text) if end is None else end
                raw = text[start : stream.pos].encode("utf-8")[:max_size]
                return Bad(line, f"this file is not valid JSON: {_reason(exc)}", raw)
        else:
            if end < len(text) or stream.eof:
                stream.pos = end
                line = stream.line_at(start)
                if end - start > max_size:
                    return _too_large(line, end - start, max_size, text[start : start + max_size])
                return Record(line, text[start:end], value)
        if len(text) - start > max_size:
            return _skip_value(stream, max_size, None)
        stream.more()


def _value_end(text: str, start: int) -> int | None:
    """Where the list, object or string at ``start`` ends; None when ``text`` ends first."""
    if start >= len(text):  # the text ended before the value began
        return None
    if text[start] == '"':
        body = _STRING_BODY.match(text, start + 1)
        end = body.end() if body else start + 1
        return end + 1 if end < len(text) and text[end] == '"' else None
    if text[start] not in "[{":  # a number, a literal or a stray character: up to a delimiter
        match = _DELIMITER.search(text, start)
        return match.start() if match else None
    depth, i = 0, start
    while (match := _STRUCTURE.search(text, i)) is not None:
        char, i = match.group(), match.end()
        if char == '"':
            body = _STRING_BODY.match(text, i)
            i = body.end() if body else i
            if i >= len(text):
                return None
            i += 1
        elif char in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return i
    return None


def _skip_value(stream: TextStream, max_size: int, value: object) -> Bad:
    """Skip the list or object at ``pos`` (too large or too deep), reading as needed.

    Keeps its first ``max_size`` characters; ``value`` is `TOO_DEEP` for a value nested too
    deeply, None for one too large.
    """
    line = stream.line_at(stream.pos)
    kept = stream.text[stream.pos : stream.pos + max_size]
    if stream.text[stream.pos] not in '[{"':
        return _skip_scalar(stream, line, max_size, kept)
    size, depth, in_string, i = 0, 0, False, stream.pos
    while True:
        text = stream.text
        while i < len(text):
            if in_string:
                body = _STRING_BODY.match(text, i)
                j = body.end() if body else i
                if j >= len(text) or (text[j] == "\\" and j == len(text) - 1):
                    i = j
                    break
                in_string, i = False, j + 1
                if depth == 0:  # the value was this string
                    size += i - stream.pos
                    stream.pos = i
                    return _too_large(line, size, max_size, kept)
                continue
            match = _STRUCTURE.search(text, i)
            if match is None:
                i = len(text)
                break
            char, i = match.group(), match.end()
            if char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    size += i - stream.pos
                    stream.pos = i
                    if value is TOO_DEEP and size <= max_size:
                        return Bad(
                            line,
                            "this record is not valid JSON: it is nested too "
                            "deeply (hundreds of lists or mappings inside each other) "
                            "to be read",
                            kept.encode("utf-8"),
                        )
                    return _too_large(line, size, max_size, kept)
        size += i - stream.pos
        stream.pos = i
        if not stream.more():
            return (
                _too_large(line, size, max_size, kept)
                if size > max_size
                else Bad(
                    line,
                    "this file is not valid JSON: it ends inside this record",
                    kept.encode("utf-8"),
                )
            )
        i = stream.pos


def _skip_scalar(stream: TextStream, line: int, max_size: int, kept: str) -> Bad:
    """Skip a number or literal longer than ``max_size``, up to the next delimiter."""
    size = 0
    while (match := _DELIMITER.search(stream.text, stream.pos)) is None:
        size += len(stream.text) - stream.pos
        stream.pos = len(stream.text)
        if not stream.more():
            return _too_large(line, size, max_size, kept)
    size += match.start() - stream.pos
    stream.pos = match.start()
    return _too_large(line, size, max_size, kept)


def _too_large(line: int, size: int, limit: int, kept: str) -> Bad:
    return Bad(
        line,
        f"this document is {size:,} bytes, more than the limit of {limit:,} "
        "bytes (raise it with --max-size)",
        kept.encode("utf-8")[:limit],
    )


def _invalid(stream: TextStream, what: str, max_size: int) -> Bad:
    """The rest of the file, rejected: it is not valid JSON from ``pos`` on."""
    if stream.bad_byte is not None and stream.skip_space() is None:
        return _not_utf8(stream, max_size)
    line = stream.line_at(stream.pos)
    return Bad(line, f"this file is not valid JSON: {what}", stream.rest(stream.pos, max_size))


def _not_utf8(stream: TextStream, max_size: int) -> Bad:
    line = stream.line_at(len(stream.text))
    return Bad(
        line,
        f"this file is not valid UTF-8 text (bad byte at position "
        f"{stream.bad_byte}); save it as UTF-8 and ingest it again",
        stream.rest(stream.pos, max_size),
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return (
            "it is nested too deeply (hundreds of lists or mappings inside each other) to be read"
        )
    if "digits" in str(exc):
        return "it holds a number with more digits than can be read (4,300 at most)"
    return str(exc)


def _whole_characters(data: bytes) -> int:
    """The length of ``data`` without an incomplete UTF-8 character at its end."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back
            continue
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) - back if needed > back else len(data)
        return len(data)
    return len(data)
