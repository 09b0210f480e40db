"""What a parsed document means: an article, its outlet, topics and related articles.

`to_record` turns the fields of one `Document` into an `ArticleRecord`, or raises `RecordError`
with the line and a plain-words reason when the document cannot become an article. A bad item of
the ``related`` list does not reject the document: it is dropped and reported as a `Problem`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from graphnews.dates import parse_datetime
from graphnews.identity import URL_FIELDS, canonical_url, outlet_domain
from graphnews.ingest.reader import Document, Problem, parse_text, plain_reason
from graphnews.store import SQL_FUNCTIONS, document_text

__all__ = ["ArticleRecord", "RecordError", "fields_json", "to_json", "to_record"]


class RecordError(Exception):
    """A document that cannot become an article (reported at ``line``)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class ArticleRecord(NamedTuple):
    """One article as a document or a related item describes it.

    A tuple, so that the parse workers hand it to the writer cheaply (unpickling a dataclass
    per article cost the writer a tenth of its time).
    """

    canonical_url: str
    url_rank: int
    aliases: tuple[tuple[str, str], ...]  # (canonical alias, field name)
    title: str | None
    excerpt: str | None
    published: str | None  # UTC ISO 8601
    published_ts: int | None
    type: str | None
    domain: str  # outlet domain as given (lowercase, no www.)
    provider_name: str
    topics: list[str]
    related: tuple[ArticleRecord, ...] = ()
    #: For a related item: its 0-based index in the document's ``related`` list.
    position: int = 0


def to_record(doc: Document) -> tuple[ArticleRecord, list[Problem]]:
    """Read one document's fields as an article; return it with the problems of its related items.

    Raises
    ------
    RecordError
        When the fields are not a mapping, hold no usable URL, or hold a date that is not a date.
    """
    fields = doc.fields
    if not isinstance(fields, dict):
        kind = "empty" if fields is None else f"a {_kind(fields)}"
        raise RecordError(doc.line, f"the front matter must be a set of 'name: value' fields, "
                          f"but it is {kind}")
    record = _article(fields, doc.line_of)
    problems: list[Problem] = []
    related = fields.get("related")
    if related is not None and not isinstance(related, list):
        problems.append(Problem(doc.path, doc.line_of("related"),
                                f"'related' should be a list of articles, not a {_kind(related)}; "
                                "it was ignored"))
        related = []
    items: list[ArticleRecord] = []
    for index, item in enumerate(related or []):
        try:
            if not isinstance(item, dict):
                raise RecordError(0, f"it is a {_kind(item)}, not an article")
            items.append(_article(item, _no_line, position=index))
        except RecordError as exc:
            problems.append(Problem(doc.path, doc.related_line(index),
                                    f"related item {index + 1} was skipped: {exc.message}"))
        except (ValueError, TypeError, RecursionError) as exc:  # text that cannot be stored
            reason = f"related item {index + 1} was skipped: it {plain_reason(exc)}"
            problems.append(Problem(doc.path, doc.related_line(index), reason))
    return record._replace(related=tuple(items)) if items else record, problems


def to_json(value: Any) -> str:
    """JSON text of parsed fields; dates and times become ISO 8601 strings.

    YAML's ``.nan`` and ``.inf`` become the strings ``"NaN"``, ``"Infinity"`` (JSON has no such
    numbers, and SQLite's JSON functions refuse them). Raises UnicodeEncodeError for text that
    cannot be stored (a lone surrogate).
    """
    try:
        text = _dumps(value)
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise
        text = _dumps(_finite(value))
    text.encode("utf-8")
    return text


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"),
                      allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def fields_json(text: str, format: str) -> str | None:
    """Every field of a stored document's text as JSON (None when it cannot be parsed).

    What the SQL function ``document_fields(raw_zlib, format)`` returns; the database keeps only
    the document's exact text, so its fields are parsed again, exactly as ingest parsed them.

    >>> fields_json("---\\ntitle: Hi\\nwhen: 2022-06-27T19:12:00Z\\n---\\nbody", "markdown")
    '{"title":"Hi","when":"2022-06-27T19:12:00+00:00"}'
    """
    try:
        return to_json(parse_text(text, format))
    except (ValueError, TypeError, RecursionError):  # e.g. a list as a key, 1000 levels deep
        return None


def _document_fields(raw_zlib: bytes | None, format: str | None) -> str | None:
    text = document_text(raw_zlib)
    return None if text is None or format is None else fields_json(text, format)


# Every connection the store opens gets ``document_fields(raw_zlib, format)`` in SQL.
SQL_FUNCTIONS["document_fields"] = (2, _document_fields)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _article(fields: dict[str, Any], line_of: Callable[[str], int], *, position: int = 0
             ) -> ArticleRecord:
    urls = _urls(fields)
    if urls is None:
        raise RecordError(line_of("webUrl"), "no usable web address: none of webUrl, "
                          "originalUrl, ampWebUrl or cdnAmpWebUrl holds an http(s) URL")
    best, rank, aliases = urls
    raw_date = fields.get("publishedDateTime")
    try:
        published, published_ts = _moment(raw_date)
    except (ValueError, TypeError, OverflowError):  # TypeError: unhashable, so not a date
        raise RecordError(line_of("publishedDateTime"), f"publishedDateTime {raw_date!r} is not "
                          "a date and time (expected e.g. 2022-06-27T19:12:00Z)") from None
    provider = fields.get("provider")
    provider = provider if isinstance(provider, dict) else {}
    host = best.split("/")[2]
    domain = outlet_domain(provider.get("domain")) or outlet_domain(host) or host
    name = _text(provider.get("name")) or domain
    topics = fields.get("topics")
    if isinstance(topics, str):
        topics = [topics]
    topic_names = (
        list(dict.fromkeys(t.strip() for t in topics if isinstance(t, str) and t.strip()))
        if isinstance(topics, list) else []
    )
    title = _text(fields.get("title"))
    excerpt = _text(fields.get("excerpt"))
    kind = _text(fields.get("type"))
    for text in (title, excerpt, kind, name, domain, *topic_names, *[u for u, _ in aliases]):
        if text is not None and not text.isascii():
            text.encode("utf-8")  # UnicodeEncodeError for a lone surrogate (JSON "\ud800")
    return ArticleRecord(canonical_url=best, url_rank=rank, aliases=aliases, title=title,
                         excerpt=excerpt, published=published, published_ts=published_ts,
                         type=kind, domain=domain, provider_name=name, topics=topic_names,
                         position=position)


# The fields `_urls` reads, in order of preference.
_URL_NAMES = (*URL_FIELDS, "url")


def _urls(fields: dict[str, Any]) -> tuple[str, int, tuple[tuple[str, str], ...]] | None:
    """The canonical URL, its rank and the distinct aliases (with the field each came from) of a
    record's URL fields, in the order of `URL_FIELDS` then ``url``; None when none is usable."""
    aliases: dict[str, str] = {}
    rank = 0
    for index, name in enumerate(_URL_NAMES):
        url = canonical_url(fields.get(name))
        if url is None:
            continue
        if not aliases:
            rank = min(index, len(URL_FIELDS) - 1)
        aliases.setdefault(url, name)
    if not aliases:
        return None
    return next(iter(aliases)), rank, tuple(aliases.items())


@lru_cache(maxsize=1 << 16)
def _moment(value: object) -> tuple[str | None, int | None]:
    """A record's ``publishedDateTime`` as (UTC ISO 8601, seconds since 1970); cached."""
    moment = parse_datetime(value)
    if moment is None:
        return None, None
    return moment.isoformat().replace("+00:00", "Z"), int(moment.timestamp())


def _no_line(_key: str) -> int:
    return 0  # a related item's problems are located at the item (`Document.related_line`)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text.strip() or None


def _kind(value: object) -> str:
    return {list: "list", str: "piece of text", int: "number", float: "number",
            bool: "yes/no value"}.get(type(value), type(value).__name__)
