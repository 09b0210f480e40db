"""``graphnews run``: the files, the summary, the exit codes and their reasons."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from tests.conftest import seeds_and_generated

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seeds and 40 generated documents, in one folder."""
    return seeds_and_generated(tmp_path_factory, documents=40, seed=2)


def test_run_writes_the_files_it_names_and_a_second_run_is_identical(
    corpus: Path, tmp_path: Path
) -> None:
    out, db = tmp_path / "out", str(tmp_path / "news.db")
    result = runner.invoke(app, ["run", str(corpus), "--out", str(out), "--db", db, "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [s["name"] for s in report["steps"]] == ["ingest", "stories", "centrality", "spread",
                                                    "render", "export"]
    assert (report["exit_code"], report["reasons"], report["reused"]) == (0, [], False)
    written = [Path(p) for p in report["written"]]
    assert sorted(written) == sorted(p for p in out.rglob("*") if p.is_file())
    assert {"summary.json", "index.html", "coverage.graphml", "outlets.graphml",
            "central-outlets.json", "stories.json", "spread.json"} <= {p.name for p in written}
    files = {p: p.read_bytes() for p in written}

    again = runner.invoke(app, ["run", str(corpus), "--out", str(out), "--db", db, "-f", "json"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert second["reused"] is True and second["ingest"]["unchanged"] == 42
    assert [s["counts"] for s in second["steps"][1:]] == [s["counts"] for s in report["steps"][1:]]
    assert {p: p.read_bytes() for p in written} == files

    forced = runner.invoke(app, ["run", str(corpus), "--out", str(out), "--db", db, "--force"])
    assert forced.exit_code == 0, forced.output
    assert {p: p.read_bytes() for p in written} == files
    assert f"Wrote {len(written)} files into {out}/ in " in forced.stdout
    for step in ("ingest", "stories", "centrality", "spread", "render", "export"):
        assert step in forced.stdout


def test_table_summary_says_when_files_were_kept(corpus: Path, tmp_path: Path) -> None:
    args = ["run", str(corpus / "seeds"), "--out", str(tmp_path / "out"),
            "--db", str(tmp_path / "news.db")]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "nothing changed since the last run: its files were kept" in result.stdout
    assert "index.html, outlets.html, topics.html and " in result.stdout


def test_rejected_input_exits_1_with_the_reason(corpus: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(corpus / "seeds", inputs)
    (inputs / "bad.md").write_text("---\ntitle: [oops\n---\n")
    result = runner.invoke(app, ["run", str(inputs), "--out", str(tmp_path / "out"),
                                 "--db", str(tmp_path / "news.db")])
    assert result.exit_code == 1
    bad = inputs / "bad.md"
    assert f"rejected {bad}:2: the front matter is not valid YAML" in result.stderr
    assert f"Error: input rejected: {bad}:2: the front matter is not valid YAML" in result.stderr
    assert (tmp_path / "out" / "index.html").is_file()  # the good documents still made a site
    assert "Traceback" not in result.output


def test_missing_input_exits_1_and_silent_keeps_only_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["run", str(missing), "--out", str(tmp_path / "out"),
                                 "--db", str(tmp_path / "news.db"), "--silent"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: input rejected: {missing}:1: no such file or folder\n"


def test_failed_step_exits_1_naming_the_step(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "outlets.graphml").mkdir(parents=True)
    result = runner.invoke(app, ["run", str(corpus / "seeds"), "--out", str(out),
                                 "--db", str(tmp_path / "news.db"), "-f", "json"])
    assert result.exit_code == 1
    assert "Error: step export failed: IsADirectoryError: " in result.stderr
    report = json.loads(result.stdout)
    assert [s["name"] for s in report["steps"] if s["error"]] == ["export"]
    assert (out / "index.html").is_file()


def test_help_ends_with_an_example() -> None:
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    assert "Example: graphnews run seeds/ --out output/" in result.stdout


def test_ranges_write_what_stories_and_spread_ranges_print(corpus: Path, tmp_path: Path) -> None:
    """``run --ranges``: stories.json and spread.json are what ``stories --ranges --all`` and
    ``spread --ranges --all`` print as JSON on the same database."""
    out, db = tmp_path / "out", str(tmp_path / "news.db")
    result = runner.invoke(app, ["run", str(corpus), "--out", str(out), "--db", db, "--ranges",
                                 "--silent"])
    assert result.exit_code == 0, result.output
    for command, name in (("stories", "stories.json"), ("spread", "spread.json")):
        printed = runner.invoke(app, [command, "--db", db, "--ranges", "--all", "-f", "json",
                                      "--silent"])
        assert printed.exit_code == 0, printed.output
        written = json.loads((out / name).read_text())
        assert written == json.loads(printed.stdout) and written
        assert all("clusterings" in row for row in written)


def test_run_without_the_related_lists_keeps_the_choice(corpus: Path, tmp_path: Path) -> None:
    """`run --ignore-related`: the stories of the same articles with no link between them
    (those of a copy of the database whose links are deleted), the step saying so; a later
    run keeps the choice (and its files); `--use-related` gives back the first run's stories."""
    out, db = tmp_path / "out", str(tmp_path / "news.db")

    def run(*options: str) -> tuple[dict, set[frozenset[str]]]:
        result = runner.invoke(app, ["run", str(corpus), "--out", str(out), "--db", db,
                                     "-f", "json", *options])
        assert result.exit_code == 0, result.output
        rows = json.loads((out / "stories.json").read_text(encoding="utf-8"))
        return json.loads(result.stdout), {frozenset(r["articles"]) for r in rows}

    _, with_lists = run()
    unlinked = str(tmp_path / "unlinked.db")
    with graphnews.open(db) as source, graphnews.open(unlinked) as copy:
        source.conn.backup(copy.conn)  # (the run's last writes may still be in its WAL)
    with graphnews.open(unlinked) as database, database.transaction():
        database.conn.execute("DELETE FROM related_links")
        database.conn.execute("DELETE FROM meta WHERE key = 'stories'")
    listed = runner.invoke(app, ["stories", "--all", "-f", "json", "--db", unlinked])
    expected = {frozenset(s["articles"]) for s in json.loads(listed.stdout)}

    report, ignored = run("--ignore-related")
    assert report["reused"] is False and ignored == expected and ignored != with_lists
    stories_step = next(s for s in report["steps"] if s["name"] == "stories")
    assert any("without the documents' related lists" in n for n in stories_step["notes"])
    again, kept = run()
    assert again["reused"] is True and kept == ignored
    back, restored = run("--use-related")
    assert back["reused"] is False and restored == with_lists
