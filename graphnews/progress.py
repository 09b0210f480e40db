"""The one progress callback every long task takes: ``progress(task, done, total)``.

``task`` names the work (``"ingest"``, ``"stories"``, a step of ``graphnews run``, a table being
copied), ``done`` is how much of it is done and ``total`` how much there is, ``None`` while that
is not known. `graphnews.ingest.ingest` counts files, `graphnews.stories.update_stories` its
stages, `graphnews.pipeline.run` its steps (passing the same callback to ingest and stories),
`graphnews.copy.copy_database` rows per table. The CLI draws one bar per task.

>>> seen = []
>>> progress: Progress = lambda task, done, total: seen.append((task, done, total))
>>> progress("ingest", 0, None); progress("ingest", 3, 3)
>>> seen
[('ingest', 0, None), ('ingest', 3, 3)]
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "no_progress"]

#: ``progress(task, done, total)``: ``total`` is None while unknown.
Progress = Callable[[str, int, int | None], None]


def no_progress(task: str, done: int, total: int | None) -> None:
    """A `Progress` that shows nothing (the default of every function taking one)."""
