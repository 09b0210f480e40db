"""Several graphnews processes on one database and one output folder at once (issue 14).

Real processes (``python -m graphnews``), started together: two ``run`` into the same
``--out``; and ``ingest`` beside ``run``, ``render`` and queries. Each must end as the same
commands one after another would: no error, no traceback, no document stored twice, every
output file whole.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphnews
from graphnews._files import atomic
from tests.conftest import SEEDS
from tests.test_hostile_ingest import _good

# Every process sleeps until this many seconds after the test started them, then begins, so
# that they really run at the same time (not one after another while the next one imports).
START_DELAY = 4.0
_STARTER = (
    "import runpy, sys, time; time.sleep(max(0, float(sys.argv.pop(1)) - time.time())); "
    "sys.argv[0] = 'graphnews'; runpy.run_module('graphnews', run_name='__main__')"
)


def _start(args: list[str], at: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _STARTER, repr(at), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def _run(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "graphnews", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two parts: the real seeds, and 60 small generated-by-hand documents."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SEEDS, folder / "seeds")
    _good(folder / "more", 60)
    return folder


def _contents(db: Path) -> dict[str, object]:
    """What ingest decides, as the whole database's counts and its article URLs."""
    with graphnews.open(db, readonly=True) as opened:
        stats = opened.stats()
        stats.pop("stories")  # computed by `run` over whatever was stored when it ran
        urls = [
            r[0]
            for r in opened.conn.execute(
                "SELECT canonical_url FROM articles ORDER BY canonical_url"
            )
        ]
    return {"stats": stats, "urls": urls}


def test_two_writers_of_one_file_each_write_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "summary.json"
    with atomic(target) as first:
        first.write('{"run": 1')
        with atomic(target) as second:  # another run writes the same file meanwhile
            second.write('{"run": 2}\n')
        assert target.read_text() == '{"run": 2}\n'
        first.write("}\n")
    assert target.read_text() == '{"run": 1}\n'  # the last to finish wins, whole
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]


def test_two_runs_into_one_out_folder_at_once(corpus: Path, tmp_path: Path) -> None:
    seeds = str(corpus / "seeds")
    sequential_db, sequential_out = tmp_path / "seq.db", tmp_path / "seq-out"
    for _ in range(2):
        _run(["run", seeds, "--out", str(sequential_out), "--db", str(sequential_db), "-s"])
    expected = {
        p.relative_to(sequential_out): p.read_bytes()
        for p in sequential_out.rglob("*")
        if p.is_file()
    }
    db, out = tmp_path / "both.db", tmp_path / "out"
    # Once without the database (both ingest at once), once with it (both write at once).
    procs = [
        _start(
            ["run", seeds, "--out", str(out), "--db", str(db), "-f", "json", "-s"],
            time.time() + START_DELAY,
        )
        for _ in range(2)
    ]
    for code, stdout, err in map(_finish, procs):
        report = json.loads(stdout)
        assert code == 0 and report["reasons"] == [], (report["reasons"], err)
    assert _contents(db) == _contents(sequential_db)
    at = time.time() + START_DELAY
    procs = [
        _start(
            ["run", seeds, "--out", str(out), "--db", str(db), "-f", "json", "-s", "--force"], at
        )
        for _ in range(2)
    ]
    for code, stdout, err in map(_finish, procs):
        report = json.loads(stdout)
        assert code == 0 and report["reasons"] == [], (report["reasons"], err)
    assert _contents(db) == _contents(sequential_db)
    found = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert found == expected  # every file whole and as one run writes it; no stray temp file


def test_ingest_beside_run_render_and_queries(corpus: Path, tmp_path: Path) -> None:
    seeds, more = str(corpus / "seeds"), str(corpus / "more")
    sequential = tmp_path / "seq.db"
    _run(["ingest", seeds, "--db", str(sequential), "-s"])
    before = _contents(sequential)["stats"]
    _run(["ingest", more, "--db", str(sequential), "-s"])
    _run(["run", seeds, "--out", str(tmp_path / "seq-out"), "--db", str(sequential), "-s"])
    expected = _contents(sequential)

    db = tmp_path / "shared.db"
    _run(["ingest", seeds, "--db", str(db), "-s"])
    at = time.time() + START_DELAY
    writers = [
        _start(["ingest", more, "--db", str(db), "-s"], at),
        _start(["run", seeds, "--out", str(tmp_path / "out"), "--db", str(db), "-s"], at),
        _start(["render", "--db", str(db), "--out", str(tmp_path / "site"), "-s"], at),
    ]
    queries = [
        ["stats", "-f", "json"],
        ["search", "Microsoft", "-f", "json"],
        ["sql", "SELECT count(*) AS n FROM documents WHERE current = 1", "-f", "json"],
        ["outlets", "-f", "json"],
    ]
    readers = [_start([*q, "--db", str(db)], at) for q in queries * 2]
    for proc in writers:
        code, _, err = _finish(proc)
        assert code == 0, err
    seen = set()
    for proc in readers:
        code, stdout, err = _finish(proc)
        assert code == 0, err
        body = json.loads(stdout)
        if isinstance(body, dict) and "documents" in body:
            seen.add(body["documents"])
    # a query sees the database before the ingest or after it, never half of it
    assert seen <= {before["documents"], expected["stats"]["documents"]}  # type: ignore[index]
    assert _contents(db) == expected
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "out" / "summary.json").is_file()
