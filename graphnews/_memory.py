"""Freed memory given back to the system between the large stages of a computation.

numpy frees a large array at once, but glibc's allocator keeps what a stage freed in many
pieces (sparse products, sorting, temporary arrays) for later allocations, and after the first
large array is freed it serves arrays of up to that size from this kept memory instead of
mapping fresh pages. The process's resident size then holds the peak of every stage so far,
and the next stage's arrays come on top: at 100k documents, the story evidence's neighbour
search left ~180 MB behind that the pair table was then allocated beside. `release` calls
glibc's ``malloc_trim(0)``, which returns the free pages, wherever they sit in the heap; it
takes milliseconds. With another C library (macOS, musl, Windows) it does nothing.

>>> release()
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache

__all__ = ["release"]


@cache
def _trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc, or no C library to ask
        return None


def release() -> None:
    """Give the memory this process freed back to the system (glibc), else nothing."""
    trim = _trim()
    if trim is not None:
        trim(0)
