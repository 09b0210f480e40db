"""CPU seconds of the centrality, render and export steps of ``graphnews run`` on a ready database.

For before/after comparisons of those steps (issue 15, third round: docs/benchmarks.md): the
database already holds its documents and stories (a copy of one ``graphnews run`` wrote), and
the three steps run as `graphnews.pipeline.run` runs them (sharing what centrality computed),
without ingest, stories and spread. One command::

    python benchmarks/bench_run_steps.py run100k.db out/ [--repeat 3]

prints one line per repetition: each step's CPU seconds (``time.process_time``: comparable on a
shared machine, unlike wall time), the load average and the peak RSS. Run it with
``PYTHONPATH=<other checkout>`` to measure another version, alternating, and compare the
output folders with ``cmp``. Hash-ordered sets make ``outlets.html`` differ between processes
at 100k whatever the version: set ``PYTHONHASHSEED`` to compare it.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["STEPS", "main"]

#: The steps measured, in the order a run takes them.
STEPS = ("centrality", "render", "export")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a database graphnews run has filled (not changed)")
    parser.add_argument("out", type=Path, help="the folder to write the pages and exports into")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions (default: 1)")
    args = parser.parse_args(argv)

    import graphnews
    from graphnews import pipeline
    from graphnews.filters import Filters
    from graphnews.progress import no_progress

    steps = [s for s in pipeline._STEPS if s.name in STEPS]
    with graphnews.open(args.db, readonly=True) as db:
        for _ in range(args.repeat):
            context = pipeline._Context(db=db, out_dir=args.out, progress=no_progress,
                                        filters=Filters())
            seconds = []
            for step in steps:
                started = time.process_time()
                report = pipeline._run_step(step, context)
                if report.error:
                    raise SystemExit(f"{step.name}: {report.error}")
                seconds.append(f"{step.name} {time.process_time() - started:.2f}")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            print(f"{Path(graphnews.__file__).parent}: {', '.join(seconds)} CPU s; "
                  f"load {os.getloadavg()[0]:.2f}; peak RSS {peak} MB", flush=True)


if __name__ == "__main__":
    main()
