"""Each article's language, detected from its title and excerpt, stored in the database.

The detector is py3langid (BSD-3-Clause): langid.py's naive Bayes model over byte n-grams for 97
languages, shipped inside the package (no download at run time), deterministic, a few ms to
import its model and ~0.1 ms per title. docs/collections.md says why it was chosen over lingua,
langdetect, pycld2 and fastText, with the measurements.

`detect_languages` is incremental: an article is (re)detected only when it has none yet or its
text changed since (a hash of the text is stored). Articles without a title or excerpt get
``und`` (undetermined). The language is then a filter (``--language en``) and a grouping
(``attention --by language``, ``compare --by language``) like any outlet attribute.

>>> detect_text("Google engineer says the company's AI bot has come to life")
('en', ...)
>>> detect_text("Le gouvernement annonce une nouvelle loi sur l'intelligence artificielle")[0]
'fr'
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from graphnews.collections import Collection
from graphnews.errors import NotFoundError
from graphnews.store import Database

__all__ = [
    "UNDETERMINED",
    "LanguageReport",
    "detect_languages",
    "detect_text",
    "language_collections",
    "languages",
    "outlet_languages",
]

#: The code stored when an article has no text to detect from (ISO 639-2 'undetermined').
UNDETERMINED = "und"
#: Texts shorter than this many letters are too short to tell: stored as UNDETERMINED.
MIN_LETTERS = 3
#: A guess less probable than this is stored as UNDETERMINED: on two or three words
#: ("Tesla Autopilot crash") the model's best guess is often wrong and says so (p ~ 0.05); every
#: headline of benchmarks/language/ scores above 0.48, every article of the shared corpus too.
MIN_PROBABILITY = 0.2
#: Only the first characters of title + excerpt are read: enough to tell the language, and the
#: cost grows with the text (a 10 KB excerpt takes 40 times as long as a headline).
MAX_CHARS = 160
_BATCH = 2000


@dataclass
class LanguageReport:
    """What `detect_languages` did: articles looked at, detected now, kept, and the counts."""

    articles: int
    detected: int
    unchanged: int
    languages: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_text(text: str) -> tuple[str, float]:
    """The language of ``text`` (ISO 639-1) and its probability; ``und`` (undetermined) when
    the text is too short or the best guess is less probable than `MIN_PROBABILITY`.

    >>> detect_text("  ")
    ('und', 0.0)
    >>> detect_text("Tesla Autopilot crash")[0]
    'und'
    """
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    language, score = _identifier().classify(text)
    if score < MIN_PROBABILITY:
        return UNDETERMINED, round(float(score), 4)
    return str(language), round(float(score), 4)


def _article_text(title: str | None, excerpt: str | None) -> str:
    text = " ".join(part.strip() for part in (title, excerpt) if part and part.strip())
    return text[:MAX_CHARS]


def detect_languages(db: Database) -> LanguageReport:
    """Detect the language of every article whose text is new or changed; store it."""
    rows = db.conn.execute(
        "SELECT a.id, a.title, a.excerpt, l.text_hash FROM articles a "
        "LEFT JOIN article_languages l ON l.article_id = a.id ORDER BY a.id").fetchall()
    todo: list[tuple[int, str, float, int]] = []
    for article_id, title, excerpt, known in rows:
        text = _article_text(title, excerpt)
        digest = zlib.crc32(text.encode("utf-8"))
        if known == digest:
            continue
        language, score = detect_text(text)
        todo.append((article_id, language, score, digest))
    for batch in _batches(todo):
        with db.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO article_languages (article_id, language, score, "
                "text_hash) VALUES (?, ?, ?, ?)", batch)
    return LanguageReport(articles=len(rows), detected=len(todo),
                          unchanged=len(rows) - len(todo), languages=languages(db))


def languages(db: Database) -> dict[str, int]:
    """Articles per detected language, most first."""
    return dict(db.conn.execute(
        "SELECT language, count(*) FROM article_languages GROUP BY language "
        "ORDER BY 2 DESC, 1"))


def outlet_languages(db: Database) -> dict[str, str]:
    """Each outlet's language: the one most of its articles are in (ties: alphabetical)."""
    found: dict[str, str] = {}
    for domain, language, _ in db.conn.execute(
        "SELECT o.domain, l.language, count(*) FROM article_languages l "
        "JOIN articles a ON a.id = l.article_id JOIN outlets o ON o.id = a.outlet_id "
        "WHERE l.language != ? GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2", (UNDETERMINED,)):
        found.setdefault(domain, language)
    return found


def language_collections(db: Database) -> tuple[Collection, ...]:
    """One listed collection per outlet language (``language=en``, ...), largest first.

    Raises `NotFoundError` when no language was detected yet.
    """
    members: dict[str, set[str]] = {}
    for domain, language in outlet_languages(db).items():
        members.setdefault(language, set()).add(domain)
    if not members:
        raise NotFoundError("no article has a language yet: run 'graphnews languages'")
    return tuple(Collection(name=f"language={language}", domains=frozenset(domains))
                 for language, domains in sorted(members.items(),
                                                 key=lambda kv: (-len(kv[1]), kv[0])))


def _batches(items: list[tuple[int, str, float, int]]) -> Iterator[list[tuple[int, str, float,
                                                                              int]]]:
    for start in range(0, len(items), _BATCH):
        yield items[start:start + _BATCH]
