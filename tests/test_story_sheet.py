"""``graphnews stories --label-sheet``: a sheet to label stories by hand, read back as labels.

The real labelled subset of ai-2022-06: its sheet, filled in with the committed labels, scores
exactly as the labels file does; a sheet never overwrites a file; the window filters; texts on
one line; an unfilled sheet scored gets a word that it says nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.identity import canonical_url
from graphnews.stories.fit import read_labels
from graphnews.stories.sheet import SHEET_COLUMNS, label_sheet
from tests.helpers_corpus import LABELLED, article, write_corpus

runner = CliRunner()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture
def ai_db(tmp_path: Path) -> Path:
    path = tmp_path / "ai.db"
    result = runner.invoke(app, ["ingest", str(LABELLED / "ai-2022-06" / "documents"),
                                 "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _score(db: Path, labels: Path) -> dict[str, object]:
    result = runner.invoke(app, ["stories", "--score", str(labels), "--db", str(db),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_filled_sheet_scores_as_the_labels_do(ai_db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "ai-2022-06.tsv"
    result = runner.invoke(app, ["stories", "--label-sheet", str(sheet), "--db", str(ai_db)])
    assert result.exit_code == 0, result.output
    assert "wrote 38 articles, 2022-06-20 to 2022-06-27 (8 days)" in result.stderr
    rows = _read(sheet)
    with graphnews.open(ai_db) as db:
        articles = db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        stored = db.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    assert len(rows) == articles == 38
    assert stored == 0  # the sheet computes (and shows) no story
    assert list(rows[0]) == list(SHEET_COLUMNS)
    assert [r["n"] for r in rows] == [r["story"] for r in rows] == [str(i) for i in
                                                                   range(1, 39)]
    assert [r["published"] for r in rows] == sorted(r["published"] for r in rows)
    assert {r["source"] for r in rows} == {"ai-2022-06"}
    assert {r["document"] for r in rows} == {"yes", "no"}
    assert all(r["title"] and r["outlet"] for r in rows)

    # a reader fills in the stories (here: the committed labels, which name every article)
    labels = read_labels(LABELLED / "labels.tsv")["ai-2022-06"]
    assert sorted(labels) == sorted(canonical_url(r["url"]) for r in rows)
    for row in rows:
        row["story"] = labels[canonical_url(row["url"])].split(":", 1)[1]
    filled = tmp_path / "filled" / "ai-2022-06.tsv"
    filled.parent.mkdir()
    with filled.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SHEET_COLUMNS, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    by_sheet, by_labels = _score(ai_db, filled), _score(ai_db, LABELLED / "labels.tsv")
    assert by_sheet["scores"] == by_labels["scores"]
    assert by_sheet["scores"][0]["labelled"] == 38
    assert by_sheet["scores"][0]["labelled_stories"] == 12


def test_an_unfilled_sheet_scored_says_it_holds_no_story(ai_db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "s.tsv"
    assert runner.invoke(app, ["stories", "--label-sheet", str(sheet), "--db",
                               str(ai_db)]).exit_code == 0
    result = runner.invoke(app, ["stories", "--score", str(sheet), "--db", str(ai_db)])
    assert result.exit_code == 0, result.output
    assert "no two of its 38 labelled articles share a story" in result.stderr
    filled = runner.invoke(app, ["stories", "--score", str(LABELLED / "labels.tsv"), "--db",
                                 str(ai_db)])
    assert "share a story" not in filled.stderr


def test_never_writes_over_a_file(ai_db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "labelled.tsv"
    sheet.write_text("n\tstory\turl\n1\tmy work\thttps://example.com/a\n", encoding="utf-8")
    before = sheet.read_bytes()
    result = runner.invoke(app, ["stories", "--label-sheet", str(sheet), "--db", str(ai_db)])
    assert result.exit_code != 0
    assert "exists" in result.stderr and "Traceback" not in result.output
    assert sheet.read_bytes() == before


def test_the_window_and_texts_on_one_line(new_target: Callable[[], str], tmp_path: Path
                                          ) -> None:
    """On both engines (the sheet's SQL orders and joins as SQLite's does)."""
    docs = [article("a.com", "early", "2022-06-01T10:00:00Z", title="Early\tone",
                    excerpt="line one\nline  two\r\n\tthree"),
            article("b.com", "inside", "2022-06-02T09:00:00Z", title="Inside"),
            article("c.com", "late", "2022-06-04T00:00:00Z", title="Late")]
    target = new_target()
    db = graphnews.open(target)
    db.ingest([write_corpus(tmp_path / "docs", docs)])
    rows = label_sheet(db)
    assert [r.title for r in rows] == ["Early one", "Inside", "Late"]
    assert rows[0].excerpt == "line one line two three"
    db.close()

    sheet = tmp_path / "june2.tsv"
    result = runner.invoke(app, ["stories", "--label-sheet", str(sheet), "--since",
                                 "2022-06-02", "--until", "2022-06-03", "--db", target])
    assert result.exit_code == 0, result.output
    assert [(r["n"], r["story"], r["url"]) for r in _read(sheet)] == [
        ("1", "1", "https://b.com/inside")]
    assert sheet.read_text(encoding="utf-8").count("\n") == 2

    empty = tmp_path / "none.tsv"
    result = runner.invoke(app, ["stories", "--label-sheet", str(empty), "--since",
                                 "2023-01-01", "--db", target])
    assert result.exit_code != 0
    assert "no article to label" in result.stderr and not empty.exists()


def test_two_sheets_joined_with_cat_read_as_one_labels_file(ai_db: Path, tmp_path: Path
                                                           ) -> None:
    first, second = tmp_path / "early.tsv", tmp_path / "late.tsv"
    for sheet, since, until in ((first, "2022-06-20", "2022-06-23"),
                                (second, "2022-06-24", "2022-06-27")):
        result = runner.invoke(app, ["stories", "--label-sheet", str(sheet), "--since", since,
                                     "--until", until, "--db", str(ai_db)])
        assert result.exit_code == 0, result.output
    joined = tmp_path / "joined.tsv"
    joined.write_bytes(first.read_bytes() + second.read_bytes())  # the header twice
    labels = read_labels(joined)
    assert set(labels) == {"early", "late"}
    assert len(labels["early"]) + len(labels["late"]) == 38
    # story "1" of one sheet is not story "1" of the other
    assert labels["early"][canonical_url(_read(first)[0]["url"])] == "early:1"
    assert labels["late"][canonical_url(_read(second)[0]["url"])] == "late:1"


def test_an_article_labelled_twice_with_two_stories_is_refused(tmp_path: Path) -> None:
    labels = tmp_path / "twice.tsv"
    labels.write_text("url\tstory\nhttps://a.com/x\t1\nhttps://b.com/y\t2\n"
                      "https://www.a.com/x/\t1\nhttps://a.com/x?utm_source=feed\t3\n",
                      encoding="utf-8")
    with pytest.raises(graphnews.BadInputError, match=r"twice.tsv:5: https://a.com/x\?utm_"
                       r"source=feed is labelled again, with another story \('3'; line 2: "
                       r"'1'\)"):
        read_labels(labels)
    labels.write_text("url\tstory\nhttps://a.com/x\t1\nhttps://www.a.com/x/\t1\n",
                      encoding="utf-8")
    assert read_labels(labels) == {"twice": {canonical_url("https://a.com/x"): "twice:1"}}
