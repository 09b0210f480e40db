"""graphnews's side of the benchmark: one ``graphnews run`` in this process, step by step.

Calls `graphnews.pipeline.run` (the function behind ``graphnews run``) on a corpus, timing each
step through the pipeline's progress callback and sampling its memory with `harness.Steps`; one
JSON line per step, then one ``{"run": ...}`` line with the run's own report.

Run it as a script (``python benchmarks/graphnews_run.py CORPUS DB OUT``); `run_graphnews` runs
it in a fresh process.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Steps, emit, run_process  # noqa: E402

__all__ = ["main", "run_graphnews"]


def run_graphnews(corpus: Path, db: Path, out: Path, *, timeout: float | None = None
                  ) -> dict[str, Any]:
    """Run graphnews on ``corpus`` into ``db`` and ``out`` in a fresh process.

    Returns
    -------
    dict
        What `harness.run_process` returns, plus ``report``: the run's own report
        (`graphnews.pipeline.RunReport.as_dict`), or None when it did not finish. A run that
        rejected input or had a failed step is not ``finished``; ``error`` says why.
    """
    command = [sys.executable, str(HERE / "graphnews_run.py"), str(corpus), str(db), str(out)]
    result = run_process(command, timeout=timeout)
    report = next((line["run"] for line in result["lines"] if "run" in line), None)
    result["report"] = report
    if report is not None and report["reasons"]:
        result["error"] = "; ".join(report["reasons"])
    return result


def main(corpus: Path, db: Path, out: Path) -> None:
    """One run, each step measured (``startup`` is importing graphnews)."""
    steps = Steps()
    steps.begin("startup")
    import graphnews
    from graphnews.pipeline import run

    steps.begin("ingest")

    def progress(step: str, done: int, total: int | None) -> None:
        if step != steps.current:
            steps.begin(step)

    with graphnews.open(db) as database:
        report = run(database, [corpus], out_dir=out, progress=progress)
    steps.close()
    emit({"run": report.as_dict()})
    sys.exit(report.exit_code)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
