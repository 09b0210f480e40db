from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphnews.cli import app
from tests.conftest import SEEDS

runner = CliRunner()


def test_ingest_and_stats_json_contract(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    result = runner.invoke(app, ["ingest", str(SEEDS), "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"documents", "unchanged", "updated", "rejected"} <= set(report)
    assert (report["documents"], report["unchanged"], report["updated"], report["rejected"]) == (
        2, 0, 0, [])
    again = json.loads(runner.invoke(app, ["ingest", str(SEEDS), "--db", db, "-f", "json"]).stdout)
    assert (again["documents"], again["unchanged"]) == (0, 2)
    stats = json.loads(runner.invoke(app, ["stats", "--db", db, "--format", "json"]).stdout)
    for key in ("documents", "articles", "outlets", "topics", "related_links", "rejected"):
        assert isinstance(stats[key], int), key
    assert (stats["documents"], stats["articles"], stats["related_links"]) == (2, 24, 22)


def test_rejected_documents_exit_1_with_file_line_messages(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\ntitle: [oops\n---\n")
    (tmp_path / "good.md").write_text("---\ntitle: ok\nwebUrl: https://ok.com/1\n---\n")
    db = str(tmp_path / "c.db")
    result = runner.invoke(app, ["ingest", str(tmp_path), "--db", db, "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["documents"] == 1
    (rejected,) = report["rejected"]
    assert rejected["path"].endswith("bad.md") and rejected["line"] == 2
    assert "not valid YAML" in rejected["message"]
    assert f"rejected {tmp_path / 'bad.md'}:2: the front matter is not valid YAML" in result.stderr
    assert "1 document(s) rejected" in result.stderr
    assert "Traceback" not in result.output


def test_csv_and_table_formats(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    runner.invoke(app, ["ingest", str(SEEDS), "--db", db])
    csv_out = runner.invoke(app, ["stats", "--db", db, "--format", "csv"]).stdout.splitlines()
    assert csv_out[0] == "key,value" and "documents,2" in csv_out
    table = runner.invoke(app, ["stats", "--db", db]).stdout
    assert "related_links" in table and "22" in table


def test_graphnews_db_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("GRAPHNEWS_DB", str(tmp_path / "env.db"))
    assert runner.invoke(app, ["ingest", str(SEEDS)]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_missing_database_and_bad_overrides_are_plain_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no database at")
    bad = tmp_path / "o.yml"
    bad.write_text("- a list\n")
    result = runner.invoke(app, ["ingest", str(SEEDS), "--db", str(tmp_path / "x.db"),
                                 "--overrides", str(bad)])
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "overrides file must be a mapping" in result.stderr


def test_not_a_database_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite" * 100)
    result = runner.invoke(app, ["stats", "--db", str(junk)])
    assert result.exit_code == 1 and "is not a graphnews database" in result.stderr


#: Every command that reads a database, as a user would type it (``--db`` appended).
READING = (
    ["stats"], ["stories"], ["stories", "--all", "--format", "json"], ["story", "s-1"],
    ["spread"], ["outlets"], ["outlet", "a.com"], ["search", "ai"], ["article", "x"],
    ["neighbors", "a.com"], ["path", "a.com", "b.com"], ["sql", "select 1"], ["attention"],
    ["languages"], ["render"], ["export", "--to", "graphml"], ["collections", "list"],
    ["collections", "remove", "wires"],
)  # fmt: skip


@pytest.mark.parametrize("command", READING, ids=" ".join)
def test_a_mistyped_database_path_is_an_error_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """A mistyped ``--db`` must not become an empty database that answers with nothing (until
    session 36 `stories`, `story`, `spread` and `languages` made one and printed an empty
    table, exit code 0)."""
    missing = tmp_path / "typo.db"
    result = runner.invoke(app, [*command, "--db", str(missing)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: no database at {missing}")
    assert not missing.exists()


@pytest.mark.parametrize("command", [
    ["ingest", str(SEEDS)], ["collections", "add", "wires", "reuters.com"],
], ids=" ".join)
def test_the_commands_that_put_data_in_make_the_database(
    tmp_path: Path, command: list[str]
) -> None:
    new = tmp_path / "new" / "graphnews.db"
    assert runner.invoke(app, [*command, "--db", str(new)]).exit_code == 0
    assert new.exists()
