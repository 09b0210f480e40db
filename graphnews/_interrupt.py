"""Ctrl-C that is never lost: a flag SQLite's progress handler reads.

Python turns SIGINT into a KeyboardInterrupt at the next bytecode. One raised inside a finaliser
or a callback is printed and dropped ("Exception ignored in ..."), and a command would go on,
into a statement that may never end (``graphnews sql`` with ``--timeout 0``). The command line
installs `on_sigint` (`install`): it raises the KeyboardInterrupt as Python does and also sets
a flag that the store's progress handler (`requested`, every 100,000 SQLite steps) returns, so
SQLite stops the statement ("interrupted") however the exception went. A library user's
interpreter keeps its own handler: the progress handler is Python code, so a pending Ctrl-C
still raises inside it and stops the statement.

Some C code cannot be interrupted safely: igraph's Leiden frees memory twice when it stops for
Ctrl-C (igraph issue 1368, python-igraph issue 290), and the process aborts with "free():
invalid pointer" instead of saying "Interrupted." (graphnews `spread --ranges` at 100,000
documents: two Ctrl-C in six during the clusterings). `held` keeps Ctrl-C from such a call and
raises it as soon as the call returns.

>>> requested()
0
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["held", "install", "on_sigint", "requested"]

_requested = False


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """SIGINT: remember it, then raise KeyboardInterrupt as Python's own handler does."""
    global _requested
    _requested = True
    raise KeyboardInterrupt


def requested() -> int:
    """1 once Ctrl-C came (with `on_sigint` installed), else 0: a SQLite progress handler."""
    return int(_requested)


def install() -> None:
    """Use `on_sigint` for SIGINT, unless someone set a handler of their own."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_sigint)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Ctrl-C held back while the block runs (C code that cannot be interrupted safely: see the
    module docstring), then answered as the handler in place would have answered it (a
    KeyboardInterrupt, mostly). Only the main thread receives signals: elsewhere, nothing is
    held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        came.append(signum)

    previous = signal.signal(signal.SIGINT, remember)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if not came or previous is signal.SIG_IGN:
        return
    if callable(previous):  # Python's own handler and `on_sigint` raise KeyboardInterrupt
        previous(signal.SIGINT, None)
    else:  # the system's default: the process would end
        raise KeyboardInterrupt
