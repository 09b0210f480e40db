"""The story step's independent pieces of work spread over the machine's cores, in order.

By the time stories are computed, ingest's parse workers have finished and the run's side
process has not started yet (`graphnews.pipeline`): the second core would idle. Two kinds of
work use it, each giving exactly what one process gives, since the pieces are independent and
their results are returned in their order:

- tokenising texts (`in_processes`): pure Python, so it needs a process of its own;
- the neighbour search's sparse products (`in_threads`): scipy's sparse kernels release the
  GIL, so a thread runs them beside the main one without copying the matrices;
- clusterings of one graph at several cuts and seeds (`in_forks`): igraph's Leiden holds the
  GIL, and the graph and its weights are too big to pickle to a worker (a forked one has
  them already).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from graphnews._processes import can_fork, may_start_processes

Result = TypeVar("Result")

#: The work of the `in_forks` call under way: what its forked workers find, as their parent had it.
_FORKED: tuple[Callable[..., Any], Sequence[tuple[Any, ...]]] | None = None

#: At most this many cores work at once. Measured on 2; every further process would hold its
#: own share of the texts and an interpreter with numpy and scipy (the 100k run's memory aim).
MOST_PARTS = 2


def parts() -> int:
    """How many pieces to split work into: one per core, at most `MOST_PARTS`."""
    return max(1, min(os.cpu_count() or 1, MOST_PARTS))


def in_processes(function: Callable[..., Result], jobs: Sequence[tuple[Any, ...]]
                 ) -> list[Result]:
    """``function(*job)`` of every job, in order: the first here, each other one in a worker
    process started for it, all at once.

    Workers are forked where that is safe (`graphnews._processes.can_fork`: Linux; as
    ingest's parse workers are): no interpreter to start, no module to import, no
    ``__main__`` to run again; else spawned. Arguments and
    results are pickled, so ``function`` sees the same data either way.
    """
    if len(jobs) < 2 or not may_start_processes():
        return [function(*job) for job in jobs]
    method = "fork" if can_fork() else "spawn"
    with ProcessPoolExecutor(max_workers=len(jobs) - 1,
                             mp_context=multiprocessing.get_context(method)) as pool:
        others = [pool.submit(function, *job) for job in jobs[1:]]
        return [function(*jobs[0]), *(other.result() for other in others)]


def in_threads(function: Callable[[Any], Result], items: Iterable[Any]) -> list[Result]:
    """``function(item)`` of every item, in order, on `parts` threads (this one alone: one)."""
    count = parts()
    if count < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=count) as threads:
        return list(threads.map(function, items))


def in_forks(function: Callable[..., Result], jobs: Sequence[tuple[Any, ...]]) -> list[Result]:
    """``function(*job)`` of every job, in order, as `in_processes` does, but the workers are
    forked with the function and the jobs already in their memory: nothing is pickled to them,
    only their results back (for work over data already in memory, too big to copy: a forked
    worker shares its parent's pages until it writes to them). Where processes are not forked
    (`graphnews._processes.can_fork`: but on Linux) or may not be started (a daemonic
    process), every job runs here, one after another: the same results.

    Ctrl-C is this process's to answer: the workers ignore it, and are stopped when this
    process stops waiting for them (an interrupt, an error in its own job or in theirs).
    """
    global _FORKED
    if len(jobs) < 2 or not can_fork() or not may_start_processes():
        return [function(*job) for job in jobs]
    context = multiprocessing.get_context("fork")
    _FORKED = (function, jobs)
    workers: list[tuple[Any, Any]] = []  # each worker and the end it sends its result on
    try:
        for index in range(1, len(jobs)):
            receive, send = context.Pipe(duplex=False)
            worker = context.Process(target=_forked_job, args=(index, send), daemon=True)
            worker.start()
            send.close()
            workers.append((worker, receive))
        results = [function(*jobs[0])]
        for _, receive in workers:
            done, value = receive.recv()
            if not done:
                raise value
            results.append(value)
        return results
    finally:
        _FORKED = None
        for worker, receive in workers:
            receive.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _forked_job(index: int, send: Any) -> None:
    """Job ``index`` of the `in_forks` call that forked this worker, its result (or the error
    it raised) sent back on ``send``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
    assert _FORKED is not None, "in_forks' workers are forked while its work is set"
    function, jobs = _FORKED
    try:
        send.send((True, function(*jobs[index])))
    except Exception as error:  # the parent raises it
        send.send((False, error))
    finally:
        send.close()
