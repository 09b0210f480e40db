"""``graphnews export``: files written, the JSON listing, messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from graphnews.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(real_db_path: Path) -> str:
    return str(real_db_path)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_export_graphml_with_a_time_window(db: str, tmp_path: Path) -> None:
    code, out, _ = run("export", "--to", "graphml", "--since", "2022-06-27", "--until",
                       "2022-06-27", "--db", db, "--out", str(tmp_path), "-f", "json")
    assert code == 0
    (listing,) = json.loads(out)
    assert listing == {"file": str(tmp_path / "coverage.graphml"),
                       "bytes": (tmp_path / "coverage.graphml").stat().st_size}
    G = nx.read_graphml(tmp_path / "coverage.graphml", force_multigraph=True)
    days = {d["published"][:10] for d in G.nodes.values() if d["kind"] == "article"}
    assert days == {"2022-06-27"}


def test_export_neo4j_lists_files_and_says_how_to_import(db: str, tmp_path: Path) -> None:
    code, out, err = run("export", "-t", "neo4j", "-g", "follows", "--db", db, "-o",
                         str(tmp_path / "neo"), "-f", "csv")
    assert code == 0
    assert out.splitlines()[0] == "file,bytes"
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == [
        str(tmp_path / "neo" / name) for name in ("Outlet.csv", "FOLLOWS.csv", "neo4j-import.sh")]
    assert err.strip() == f"import into Neo4j with: sh {tmp_path / 'neo' / 'neo4j-import.sh'} " \
                          "[database]"
    _, _, quiet = run("export", "-t", "neo4j", "-g", "follows", "--db", db, "-o",
                      str(tmp_path / "neo"), "--silent")
    assert quiet == ""


def test_export_errors_are_one_line_with_exit_codes(db: str) -> None:
    code, _, err = run("export", "--to", "csv", "--graph", "authors", "--db", db)
    assert (code, err.strip()) == (
        2, "Error: unknown graph 'authors': use one of coverage, outlets, follows, topics "
           "or story:ID")
    code, _, err = run("export", "--to", "csv", "--graph", "story:s-000000000000", "--db", db)
    assert (code, err.strip()) == (1, "Error: no story 's-000000000000' in the database")
    code, _, err = run("export", "--to", "csv", "--since", "June", "--db", db)
    assert code == 2 and err.startswith("Error: 'June' is not a date")
    code, _, err = run("export", "--to", "xml", "--db", db)
    assert code == 2 and "'xml' is not one of" in err


def test_export_refuses_a_missing_database(tmp_path: Path) -> None:
    code, _, err = run("export", "--to", "csv", "--db", str(tmp_path / "none.db"))
    assert code == 1 and err.startswith("Error: no database at")
