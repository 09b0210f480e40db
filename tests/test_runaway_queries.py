"""Runaway queries (issue 14): a time limit, Ctrl-C, bounded results, read-only folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphnews
from tests.conftest import SEEDS, without_dac_override

FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
def seeds_db(tmp_path: Path) -> Path:
    path = tmp_path / "q.db"
    db = graphnews.open(path)
    db.ingest([SEEDS])
    db.close()
    return path


def _graphnews(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "graphnews", *args], capture_output=True,
                          text=True, timeout=120, **kwargs)  # type: ignore[call-overload]


def test_sql_stops_a_runaway_statement_at_the_time_limit(seeds_db: Path) -> None:
    started = time.monotonic()
    done = _graphnews("sql", FOREVER, "--db", str(seeds_db), "--timeout", "1")
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert "Error: the statement ran longer than 1 s and was stopped" in done.stderr
    assert "Traceback" not in done.stderr


def test_ctrl_c_stops_a_runaway_statement_at_once(seeds_db: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "graphnews", "sql", FOREVER, "--db",
                             str(seeds_db), "--timeout", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until_it_opens(proc, seeds_db)
    time.sleep(0.5)  # the statement runs right after the database is opened
    assert proc.poll() is None, proc.communicate()
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("SIGINT did not stop the statement within 10 s")
    assert time.monotonic() - sent < 10
    assert proc.returncode == 130, err
    assert "Interrupted." in err and "Traceback" not in err


def _wait_until_it_opens(proc: subprocess.Popen[str], path: Path) -> None:
    """Wait until ``proc`` holds ``path`` open: its imports are over, whatever the load."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            fds = f"/proc/{proc.pid}/fd"
            held = {os.readlink(f"{fds}/{fd}") for fd in os.listdir(fds)}
        except OSError:  # a descriptor closed while we looked
            held = set()
        if str(path.resolve()) in held:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"graphnews sql did not open {path}: {proc.communicate()}")


def test_sql_results_are_bounded(seeds_db: Path) -> None:
    big = _graphnews("sql", "SELECT zeroblob(300000000)", "--db", str(seeds_db),
                     "--format", "csv")
    assert big.returncode == 2 and "larger than 50,000,000 bytes" in big.stderr
    rows = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50) "
        "SELECT x FROM c")
    some = _graphnews("sql", rows, "--db", str(seeds_db), "--format", "csv", "--top", "7")
    assert some.stdout.split() == ["x", *map(str, range(1, 8))]
    assert "only the first 7 rows" in some.stderr


def test_sql_and_stats_work_on_a_database_in_a_read_only_folder(seeds_db: Path) -> None:
    folder = seeds_db.parent
    folder.chmod(0o555)
    try:
        stats = _graphnews("stats", "--db", str(seeds_db), "--format", "json",
                           preexec_fn=without_dac_override)
        found = _graphnews("sql", "SELECT count(*) AS n FROM documents", "--db", str(seeds_db),
                           "--format", "csv", preexec_fn=without_dac_override)
    finally:
        folder.chmod(0o755)
    assert stats.returncode == 0, stats.stderr
    assert '"documents": 2' in stats.stdout
    assert found.returncode == 0 and found.stdout.split() == ["n", "2"], found.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["q.db"]  # no -wal, no -shm
    assert os.access(seeds_db, os.R_OK)
