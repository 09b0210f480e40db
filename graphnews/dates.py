"""Dates and times, one way everywhere: parse what users and documents give, print ISO 8601 UTC.

Every module that reads or writes a moment goes through here, so that ``since``/``until``, a
document's ``datePublished`` and the ``published`` column agree.

>>> utc_now().endswith("Z")
True
"""

from __future__ import annotations

import datetime as dt

__all__ = ["utc_now"]


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
