"""Structural fuzzing of the ingest at scale (issue 14): at least 10,000 hostile documents.

Each hypothesis example is a batch of up to 50 hostile documents (tests/fuzz_documents.py:
nesting to 1,200 levels, keys of every YAML type, lone surrogates, .nan, years 0001/9999,
5,000-digit numbers, in YAML, JSON and NDJSON) ingested beside one good document into a fresh
database; the property is checked after each. Prints one JSON line: cases, batches, seconds,
failures (with the first failing example, if any).

    python benchmarks/fuzz_ingest.py --cases 10000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz_documents import check_batch, document

BATCH = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="documents to try (>= 10,000)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    cases = 0
    batches = 0

    @settings(max_examples=-(-args.cases // BATCH), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(document(), min_size=BATCH, max_size=BATCH))
    def run(docs: list[tuple[str, str]]) -> None:
        nonlocal cases, batches
        with tempfile.TemporaryDirectory() as tmp:
            check_batch(Path(tmp) / "in", docs)
        cases += len(docs)
        batches += 1

    started = time.perf_counter()
    failure = None
    try:
        seed(args.seed)(run)()
    except Exception as exc:  # the property failed: report the shrunk example
        failure = f"{type(exc).__name__}: {exc}"[:2000]
    print(json.dumps({"cases": cases, "batches": batches, "batch_size": BATCH,
                      "seconds": round(time.perf_counter() - started, 1),
                      "failures": 0 if failure is None else 1, "first_failure": failure}))


if __name__ == "__main__":
    main()
