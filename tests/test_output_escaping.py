"""Data that changes on the way out (issue 14): terminal escapes, CSV formulas, file names."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

import graphnews
from graphnews.export import write_csv


def _graphnews(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "graphnews", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def _db(tmp_path: Path, front: str) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.md").write_text(f"---\nwebUrl: https://a.example/1\n{front}---\n",
                                          encoding="utf-8")
    path = tmp_path / "t.db"
    assert not graphnews.open(path).ingest([tmp_path / "in"]).rejected
    return path


def test_table_output_shows_escape_sequences_as_visible_escapes(tmp_path: Path) -> None:
    db = _db(tmp_path, 'title: "Hi\\e[2J\\e]0;owned\\a there"\n')
    done = _graphnews("sql", "SELECT title FROM articles", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "Hi\\x1b[2J\\x1b]0;owned\\x07 there" in done.stdout


def test_csv_cells_that_a_spreadsheet_would_run_are_made_inert(tmp_path: Path) -> None:
    statement = "SELECT '=HYPERLINK(\"http://x\")' AS a, '@SUM(1)' AS b, -5 AS c, 'ok' AS d"
    db = _db(tmp_path, "title: x\n")
    safe = _graphnews("sql", statement, "--db", str(db), "--format", "csv")
    assert list(csv.reader(safe.stdout.splitlines()))[1] == [
        "'=HYPERLINK(\"http://x\")", "'@SUM(1)", "-5", "ok"]
    raw = _graphnews("sql", statement, "--db", str(db), "--format", "csv",
                     env={"GRAPHNEWS_CSV_RAW": "1"})
    assert list(csv.reader(raw.stdout.splitlines()))[1][:2] == ['=HYPERLINK("http://x")',
                                                                "@SUM(1)"]


def test_exported_csv_files_are_spreadsheet_safe(tmp_path: Path) -> None:
    G = nx.Graph()
    G.add_node("topic:=cmd|' /C calc'!A0", kind="topic", name="=cmd|' /C calc'!A0", n=-3)
    G.add_node("topic:plain", kind="topic", name="plain", n=2)
    G.add_edge("topic:=cmd|' /C calc'!A0", "topic:plain", weight=1)
    nodes, _ = write_csv(G, tmp_path / "out")
    rows = {r["id"]: r for r in csv.DictReader(nodes.open(encoding="utf-8"))}
    assert rows["topic:=cmd|' /C calc'!A0"]["name"] == "'=cmd|' /C calc'!A0"
    assert rows["topic:=cmd|' /C calc'!A0"]["n"] == "-3"
    assert rows["topic:plain"]["name"] == "plain"


def test_a_300_character_topic_name_gives_a_short_file_name(tmp_path: Path) -> None:
    topic = "T" * 300
    db = _db(tmp_path, f"topics: [{topic}]\n")
    done = _graphnews("neighbors", f"topic:{topic}", "--to", "graphml", "-o",
                      str(tmp_path / "out"), "--db", str(db), "--format", "json")
    assert done.returncode == 0, done.stderr
    (written,) = (tmp_path / "out").iterdir()
    assert written.suffix == ".graphml" and len(written.name) < 120
    assert nx.read_graphml(written).has_node(f"topic:{topic}")


def test_graphml_and_gexf_keep_names_differing_by_control_characters_apart(
        tmp_path: Path) -> None:
    from graphnews.export import write_gexf, write_graphml

    names = ["a", *("a" + chr(c) for c in range(1, 9))]
    G = nx.Graph()
    for name in names:
        G.add_node(f"topic:{name}", kind="topic", name=name)
    G.add_edge("topic:a\x01", "topic:a\x02")
    write_graphml(G, tmp_path / "g.graphml")
    write_gexf(G, tmp_path / "g.gexf")
    for back in (nx.read_graphml(tmp_path / "g.graphml"), nx.read_gexf(tmp_path / "g.gexf")):
        assert back.number_of_nodes() == 9
        assert back.has_edge("topic:a\\u0001", "topic:a\\u0002")
        assert back.has_node("topic:a")
