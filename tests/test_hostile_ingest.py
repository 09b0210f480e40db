"""Hostile input: one bad document or folder never ends an ingest (issue 14).

Each case sits beside good documents: the ingest stores every good one, rejects the bad one at
file:line in plain words, keeps its raw bytes in the quarantine table and counts it in stats.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphnews
from tests.conftest import without_dac_override

GOOD = 20


def _good(folder: Path, count: int = GOOD) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"good{i:03}.md").write_text(
            f"---\ntitle: Good {i}\nwebUrl: https://good.example/a{i}\n"
            "provider:\n  domain: good.example\n---\n", encoding="utf-8")


DEEP = 990
HOSTILE = {
    "deep-yaml.md": "---\nwebUrl: https://bad.example/x\na:\n"
    + "".join(" " * (2 * i + 2) + "b:\n" for i in range(DEEP)) + "---\n",
    "deep-json.json": '{"webUrl": "https://bad.example/x", "a": ' + "[" * DEEP + "]" * DEEP + "}",
    "deep-ndjson.ndjson": '{"webUrl": "https://bad.example/x", "a": ' + "[" * DEEP + "]" * DEEP
    + "}\n",
    "surrogate.ndjson": '{"webUrl": "https://bad.example/x", "title": "\\ud800"}\n',
    "surrogate-topic.md": '---\nwebUrl: https://bad.example/x\ntopics: ["\\ud800"]\n---\n',
    "huge-int.json": '[{"webUrl": "https://bad.example/x", "n": ' + "9" * 5000 + "}]",
}
# Documents whose article is fine but whose fields are no JSON: stored, their raw text kept;
# `document_fields()` gives NULL for them instead of failing every query that reads fields.
ODD = {
    "deep-yaml.md": HOSTILE.pop("deep-yaml.md"),
    "complex-key.md": "---\nwebUrl: https://bad.example/x\n? [a, b]\n: 1\n---\n",
    "surrogate-key.json": '[{"webUrl": "https://bad.example/x", "\\udfff": 1}]',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_one_hostile_document_is_rejected_and_the_rest_goes_in(tmp_path: Path, name: str) -> None:
    corpus = tmp_path / "in"
    _good(corpus)
    (corpus / name).write_text(HOSTILE[name], encoding="utf-8")
    db = graphnews.open(tmp_path / "t.db")
    report = db.ingest([corpus])
    assert report.documents == GOOD
    assert len(report.rejected) == 1, report.rejected
    problem = report.rejected[0]
    assert problem.path.endswith(name) and problem.line >= 1
    assert "Error" not in problem.message and "Traceback" not in problem.message
    assert db.stats()["rejected"] == 1
    (raw,) = db.conn.execute("SELECT raw FROM quarantine").fetchone()
    assert raw and len(raw) <= len(HOSTILE[name].encode("utf-8"))


@pytest.mark.parametrize("name", sorted(ODD))
def test_fields_that_are_no_json_are_stored_and_read_back_as_null(tmp_path: Path,
                                                                  name: str) -> None:
    corpus = tmp_path / "in"
    _good(corpus)
    (corpus / name).write_text(ODD[name], encoding="utf-8")
    db = graphnews.open(tmp_path / "t.db")
    report = db.ingest([corpus])
    assert report.documents == GOOD + 1 and not report.rejected
    fields = dict(db.conn.execute(
        "SELECT path, document_fields(raw_zlib, format) FROM documents").fetchall())
    assert fields.pop(str(corpus / name)) is None
    assert all(fields.values())


def test_odd_scalars_are_stored_as_valid_json(tmp_path: Path) -> None:
    """.nan and .inf are not JSON numbers: stored as text, so SQLite's JSON functions work."""
    corpus = tmp_path / "in"
    _good(corpus, 1)
    (corpus / "odd.md").write_text(
        "---\nwebUrl: https://odd.example/x\nscore: .nan\nhigh: .inf\nlow: -.inf\n"
        "publishedDateTime: 0001-01-01T00:00:00Z\nbig: 123456789012345678901234567890\n---\n",
        encoding="utf-8")
    db = graphnews.open(tmp_path / "t.db")
    report = db.ingest([corpus])
    assert report.documents == 2 and not report.rejected
    row = db.conn.execute(
        "SELECT document_fields(d.raw_zlib, d.format) ->> 'score', "
        "document_fields(d.raw_zlib, d.format) ->> 'high', a.published "
        "FROM documents d JOIN articles a ON a.id = d.article_id "
        "WHERE d.path LIKE '%odd.md'").fetchone()
    assert tuple(row) == ("NaN", "Infinity", "0001-01-01T00:00:00Z")


def test_a_deep_item_of_a_json_list_rejects_only_that_item(tmp_path: Path) -> None:
    items = ['{"webUrl": "https://a.example/1"}', "[" * DEEP + "]" * DEEP,
             '{"webUrl": "https://a.example/2", "title": "]"}']
    path = tmp_path / "list.json"
    path.write_text("[\n" + ",\n".join(items) + "\n]\n", encoding="utf-8")
    report = graphnews.open(tmp_path / "t.db").ingest([path])
    assert report.documents == 2
    assert [(p.line, "nested too deeply" in p.message) for p in report.rejected] == [(3, True)]


def test_folder_walk_survives_link_loops_and_dangling_links(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    _good(corpus / "sub")
    (corpus / "sub" / "loop").symlink_to(corpus)  # a link back up: a loop
    (corpus / "self.md").symlink_to(corpus / "self.md")  # ELOOP on stat
    (corpus / "gone.md").symlink_to(tmp_path / "nowhere.md")  # vanished file
    (tmp_path / "twice").symlink_to(corpus / "sub")  # the same folder by another way
    report = graphnews.open(tmp_path / "t.db").ingest([corpus])
    assert report.documents == GOOD
    messages = " | ".join(str(p) for p in report.rejected)
    assert "loop" in messages and "self.md" in messages, messages


# -- permissions: as root, file modes apply only without CAP_DAC_OVERRIDE (conftest) -------
def _graphnews(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "graphnews", *args], capture_output=True,
                          text=True, timeout=120,
                          preexec_fn=without_dac_override)


def test_unreadable_folder_and_file_are_rejected_quarantined_and_counted(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    _good(corpus)
    (corpus / "locked").mkdir()
    (corpus / "locked" / "x.md").write_text("---\nwebUrl: https://x.example/a\n---\n")
    (corpus / "secret.md").write_text("---\nwebUrl: https://x.example/b\n---\n")
    (corpus / "locked").chmod(0)
    (corpus / "secret.md").chmod(0)
    db_path = tmp_path / "t.db"
    done = _graphnews("ingest", str(corpus), "--db", str(db_path), "--format", "json")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{corpus / 'locked'}:1: cannot read this folder" in done.stderr
    assert f"{corpus / 'secret.md'}:1: cannot read this file" in done.stderr
    stats = graphnews.open(db_path, readonly=True).stats()
    assert stats["documents"] == GOOD
    assert stats["rejected"] == 1  # the unreadable file (a folder is not a document)
    again = _graphnews("ingest", str(corpus), "--db", str(db_path))
    assert again.returncode == 1
    assert graphnews.open(db_path, readonly=True).stats()["rejected"] == 1  # not counted twice


# -- two processes at once -----------------------------------------------------------------
def _stats(path: Path) -> dict[str, int]:
    return graphnews.open(path, readonly=True).stats()


def test_two_ingests_at_once_give_the_sequential_result(tmp_path: Path) -> None:
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus

    generate_corpus(tmp_path / "gen", documents=300, seed=5)
    corpus = tmp_path / "gen" / DOCUMENTS_DIR
    sequential = tmp_path / "seq.db"
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "graphnews", "ingest", str(corpus), "--db",
                        str(sequential), "-s"], check=True, capture_output=True)
    expected = _stats(sequential)
    for trial in range(2):
        target = tmp_path / f"both{trial}.db"
        procs = [subprocess.Popen([sys.executable, "-m", "graphnews", "ingest", str(corpus),
                                   "--db", str(target), "-s"], stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        errors = [p.communicate(timeout=300)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errors
        assert _stats(target) == expected
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_schema_creation_is_safe_to_race(tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    start = time.time() + 3  # every process imported and waiting, then all open at once
    code = (f"import time, graphnews; time.sleep(max(0, {start!r} - time.time())); "
            f"graphnews.open({str(target)!r}).stats()")
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors


def test_a_held_lock_gives_a_message_a_wait_and_a_clear_error(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    _good(corpus, 2)
    target = tmp_path / "t.db"
    graphnews.open(target).close()
    holder = sqlite3.connect(target)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "graphnews", "ingest", str(corpus), "--db", str(target)],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "GRAPHNEWS_LOCK_TIMEOUT": "2"})
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "waiting for another process writing to" in done.stderr
    assert "still locked by another process after 2 s" in done.stderr
