"""Whether this process may start worker processes of its own.

graphnews spreads work over the machine's cores with worker processes (ingest's parse
workers, the story step's tokenising and clusterings, the main job's side process). A daemonic
process may not start any: a `multiprocessing.Pool` worker is one, and a notebook that runs
graphnews in a pool of them (one corpus per worker, say) would get "daemonic processes are not
allowed to have children" instead of its results. There each of these runs its work in the
process itself, one piece after another: the same results, on one core.

>>> may_start_processes()
True
"""

from __future__ import annotations

import multiprocessing

__all__ = ["may_start_processes"]


def may_start_processes() -> bool:
    """False in a daemonic process (see the module docstring)."""
    return not multiprocessing.current_process().daemon
