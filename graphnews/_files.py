"""Output files that appear whole or not at all, even when two processes write them at once.

`atomic` writes into a temporary file of its own (a unique hidden name in the target's folder)
and moves it over the target with ``os.replace`` only once it is complete. Two ``graphnews
run`` into one ``--out`` each write their own temporary files: the last one to finish wins,
and a reader only ever sees a whole file, never a mix or a half.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "a.json"
>>> _ = write_text(target, "{}\\n")
>>> target.read_text(), [p.name for p in target.parent.iterdir()]
('{}\\n', ['a.json'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic", "write_text"]

# The permissions a plain open() would give (tempfile makes its files private to the owner).
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic(path: str | os.PathLike[str], *, newline: str = "\n") -> Iterator[IO[str]]:
    """A UTF-8 text file that appears under its name only once completely written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with open(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    with atomic(path) as fh:
        fh.write(text)
    return Path(path)
