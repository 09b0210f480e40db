"""A labelling sheet: the articles of a window, to group into stories by hand.

``graphnews stories --label-sheet sheet.tsv --since 2022-06-01 --until 2022-06-03`` writes one
row per article (a document's own, or one its ``related`` lists name) in publication order:
``n`` numbers the rows, ``story`` starts as ``n`` (every article alone), then ``published``,
``outlet``, ``title``, ``excerpt``, ``document`` (``yes`` for an article ingested as a document
of its own, ``no`` for one only a ``related`` list names), ``url``, ``source`` and an empty
``note``. A reader gives the articles of one story the same ``story`` value (say the ``n`` of
its first row) and keeps every other article alone; the sheet is then the labels file that
``stories --score``, ``--correct`` and ``--fit`` read (`graphnews.stories.fit.read_labels`:
``url``, ``story`` and ``source``; the other columns are for the reader).

The sheet shows nothing of the stored stories: labels made while looking at the model's
answer agree with it more than the events do, and the score would say so. Texts are written on
one line each (whitespace runs, tabs and line breaks, become one space) so that every article
is one row in a text editor too.

>>> from graphnews.store import Database
>>> db = Database(":memory:")
>>> label_sheet(db)
[]
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphnews.errors import BadInputError
from graphnews.filters import Filters

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = ["SHEET_COLUMNS", "SheetRow", "label_sheet", "sheet_span", "write_label_sheet"]

#: The sheet's columns, in order (``url``, ``story`` and ``source`` are what the labels reader
#: reads; ``story`` second, beside the row number, where a reader fills it in).
SHEET_COLUMNS = ("n", "story", "published", "outlet", "title", "excerpt", "document", "url",
                 "source", "note")

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SheetRow:
    """One article of a labelling sheet (``story`` starts as ``n``: the article alone)."""

    n: int
    story: str
    published: str
    outlet: str
    title: str
    excerpt: str
    document: str
    url: str
    source: str
    note: str = ""


def label_sheet(db: Database, *, filters: Filters | None = None,
                source: str = "sheet") -> list[SheetRow]:
    """The articles ``filters`` keep (every article by default), earliest first, each alone.

    Articles without a publication time come last; ties go by URL, so the same database and
    filters give the same sheet. ``source`` fills the ``source`` column (a labels file of
    several sheets keeps their stories apart by it: story ``3`` of one sheet is not story ``3``
    of another).
    """
    cond, params = (filters or Filters()).article_sql("a")
    found = db.conn.execute(
        "SELECT a.canonical_url, a.published, a.title, a.excerpt, a.has_document, "
        "COALESCE(o.name, a.provider_domain, '') FROM articles a "
        f"LEFT JOIN outlets o ON o.id = a.outlet_id WHERE {cond} "
        "ORDER BY a.published_ts IS NULL, a.published_ts, a.canonical_url", params
    ).fetchall()
    return [
        SheetRow(n=n, story=str(n), published=published or "", outlet=_line(outlet),
                 title=_line(title), excerpt=_line(excerpt),
                 document="yes" if has_document else "no", url=url, source=source)
        for n, (url, published, title, excerpt, has_document, outlet) in enumerate(found, 1)
    ]


def write_label_sheet(rows: list[SheetRow], path: str | Path) -> Path:
    """Write ``rows`` as a tab-separated sheet with a header row; never over an existing file.

    Raises
    ------
    BadInputError
        When ``path`` exists (a sheet being labelled would be lost) or cannot be written.
    """
    p = Path(path)
    try:
        with p.open("x", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=SHEET_COLUMNS, delimiter="\t",
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(asdict(row) for row in rows)
    except FileExistsError as error:
        raise BadInputError(f"{p} exists: a sheet there may hold labels already; give another "
                            "path, or delete it first") from error
    except OSError as error:
        raise BadInputError(f"{p}: cannot write the sheet: {error}") from error
    return p


def sheet_span(rows: list[SheetRow]) -> str:
    """The sheet's first and last publication dates, for a reader's message."""
    dates = [r.published[:10] for r in rows if r.published]
    if not dates:
        return "no publication times"
    first, last = dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])
    return f"{first} to {last} ({(last - first).days + 1:,} days)"


def _line(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()
