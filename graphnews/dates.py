"""Dates and times, one way everywhere: parse what users and documents give, print ISO 8601 UTC.

Every module that reads or writes a moment goes through here, so that ``since``/``until``, a
document's ``datePublished`` and the ``published`` column agree.

>>> utc_now().endswith("Z")
True
"""

from __future__ import annotations

import datetime as dt

__all__ = ["iso_utc", "utc_now"]


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_utc(ts: int) -> str:
    """A Unix time as UTC ISO 8601 with seconds, four-digit years included.

    (``strftime("%Y")`` writes year 1 as ``1`` on Linux, which is not ISO 8601.)

    >>> iso_utc(-62135596800), iso_utc(253402300799)
    ('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z')
    """
    return dt.datetime.fromtimestamp(ts, dt.UTC).replace(tzinfo=None).isoformat() + "Z"
