"""Offline HTML pages: what each page shows (`pages`), the self-contained page (`page`)."""

from __future__ import annotations

from graphnews._lazy import attach

#: How many outlets (or topics) a network page draws unless told otherwise.
DEFAULT_TOP = 100
#: How many story pages `render_site` writes unless told otherwise.
DEFAULT_TOP_STORIES = 20

# The names of each submodule's __all__ (DEFAULT_TOP and DEFAULT_TOP_STORIES are pages' too).
__getattr__, __dir__, __all__ = attach(__name__, {"pages": None, "neighborhood": None})
