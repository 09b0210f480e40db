"""Whether this process may start worker processes of its own, and whether by fork.

graphnews spreads work over the machine's cores with worker processes (ingest's parse
workers, the story step's tokenising and clusterings, the main job's side process). A daemonic
process may not start any: a `multiprocessing.Pool` worker is one, and a notebook that runs
graphnews in a pool of them (one corpus per worker, say) would get "daemonic processes are not
allowed to have children" instead of its results. There each of these runs its work in the
process itself, one piece after another: the same results, on one core.

A forked worker starts at once with its parent's memory (no interpreter to start, no module to
import, nothing to pickle to it), and graphnews forks where that is safe: on Linux. On macOS
a forked child of a process that loaded the system's frameworks (Accelerate under numpy, say)
can crash or hang, which is why Python spawns there by default; graphnews spawns there too, or
does the work in the process itself where only a fork will do (`can_fork`).

>>> may_start_processes()
True
"""

from __future__ import annotations

import multiprocessing
import sys

__all__ = ["can_fork", "may_start_processes"]


def may_start_processes() -> bool:
    """False in a daemonic process (see the module docstring)."""
    return not multiprocessing.current_process().daemon


def can_fork() -> bool:
    """True where worker processes are forked: Linux (see the module docstring)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
