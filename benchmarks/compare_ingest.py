"""Cold-ingest CPU of two checkouts of graphnews on one corpus, alternating, in one session.

On a shared machine wall times drift with the load from minute to minute; alternating the two
checkouts and counting CPU seconds (the ingest process and its parse workers, from
``getrusage``) compares them fairly::

    python benchmarks/compare_ingest.py OLD_CHECKOUT NEW_CHECKOUT CORPUS [--rounds 2]

Prints one line per ingest: checkout, wall seconds, CPU seconds of the writer (main process) and
of the parse workers, and the load average.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

#: One cold ingest in a fresh process, measuring the checkout given as argv[1].
CHILD = """
import os, resource, sys, time
sys.path.insert(0, sys.argv[1])
import graphnews
db = graphnews.open(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
started = time.perf_counter()
db.ingest([sys.argv[2]], workers=2)
wall = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
main, workers = (a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
print(f"{sys.argv[1]} wall {wall:.1f} s, writer {main:.2f} CPU s, workers {workers:.2f} CPU s, "
      f"load {os.getloadavg()[0]:.1f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(args.rounds):
            for checkout in (args.old, args.new):
                db = Path(work) / f"{checkout.name}-{round_}.db"
                subprocess.run([sys.executable, "-c", CHILD, str(checkout), str(args.corpus),
                                str(db)], check=True)


if __name__ == "__main__":
    main()
