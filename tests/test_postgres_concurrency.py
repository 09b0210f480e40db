"""Four ingest processes writing one corpus into one PostgreSQL database at once give exactly
the counts of one clean ingest (the write lock, and the incremental check inside the writing
transaction)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import graphnews
from tests.conftest import ROOT, seeds_and_generated
from tests.postgres_server import PostgresServer

#: One ingest process; small batches so that the four interleave many times.
_INGEST = """
import sys
import graphnews, graphnews.ingest
graphnews.ingest.BATCH_FILES = 25
report = graphnews.open(sys.argv[1]).ingest([sys.argv[2]], workers=0)
print(report.new_files, report.unchanged)
"""


@pytest.mark.slow
def test_four_concurrent_ingests_equal_one_clean_ingest(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    corpus = seeds_and_generated(tmp_path_factory, documents=200, seed=11)
    clean = postgres.new_database()
    with graphnews.open(clean) as db:
        db.ingest([corpus], workers=0)
        expected = db.stats()
    shared = postgres.new_database()
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _INGEST, shared, str(corpus)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err for _, err in outputs]
    new_files = [int(out.split()[0]) for out, _ in outputs]
    assert sum(new_files) == expected["files"]  # each file written by exactly one process
    with graphnews.open(shared) as db:
        assert db.stats() == expected
        assert (
            db.conn.execute(
                "SELECT count(*) FROM (SELECT path, position FROM documents WHERE current = 1 "
                "GROUP BY path, position HAVING count(*) > 1) AS twice"
            ).fetchone()[0]
            == 0
        )


def test_data_version_read_during_a_write_in_flight_shows_the_change_later(
    postgres: PostgresServer,
) -> None:
    """Another writer's count is never seen before its rows: a count read while it writes
    differs from the one read after its commit (the count is a sequence, not transactional)."""
    url = postgres.new_database()
    with graphnews.open(url) as writer, graphnews.open(url) as reader:
        with writer.transaction():
            writer.conn.execute("INSERT INTO topics (name) VALUES ('in flight')")
            during = reader.conn.execute("PRAGMA data_version").fetchone()[0]
            assert reader.conn.execute(
                "SELECT count(*) FROM topics WHERE name = 'in flight'").fetchone()[0] == 0
        after = reader.conn.execute("PRAGMA data_version").fetchone()[0]
        assert during != after  # the write shows as a change once its rows do
        assert reader.conn.execute(
            "SELECT count(*) FROM topics WHERE name = 'in flight'").fetchone()[0] == 1
