"""The query commands (search, article, neighbors, path, sql): JSON contracts and exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from graphnews.cli import app
from tests.test_query import fingerprint

runner = CliRunner()
NBC_CDN_AMP = "https://www-nbcnews-com.cdn.ampproject.org/c/s/www.nbcnews.com/news/amp/rcna35087"
NBC_URL = ("https://nbcnews.com/tech/tech-news/"
           "microsoft-removing-emotion-recognition-features-facial-recognition-tec-rcna35087")
POPSCI_URL = "https://popsci.com/technology/microsoft-removes-facial-recognition-tools"


@pytest.fixture(scope="module")
def db(real_db_path: Path) -> str:
    return str(real_db_path)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_search_json_contract(db: str) -> None:
    code, out, _ = run("search", "emotion", "recognition", "--db", db, "-f", "json", "-n", "3")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 3
    assert [list(h) for h in hits] == [["rank", "article_id", "canonical_url", "title", "outlet",
                                        "published", "score", "snippet"]] * 3
    assert hits[0]["canonical_url"] == NBC_URL and hits[0]["rank"] == 1


def test_search_table_highlights_and_csv(db: str) -> None:
    code, out, _ = run("search", "emotion recognition", "--db", db, "--until", "2022-06-30")
    assert code == 0 and "[Emotion] [recognition]" in out
    code, out, _ = run("search", "emotion recognition", "--db", db, "-f", "csv",
                       "--outlet", "nbcnews.com")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["outlet"] for r in rows] == ["nbcnews.com"]


def test_search_nothing_found_exits_1(db: str) -> None:
    code, out, err = run("search", "xylophoneqq", "--db", db, "-f", "json")
    assert (code, json.loads(out)) == (1, [])
    assert err.strip() == "no article matches the search"
    code, out, _ = run("search", "xylophoneqq", "--db", db)
    assert code == 1 and out == ""


@pytest.mark.parametrize(("args", "code", "message"), [
    (["search", "ai", "--since", "yesterday"], 2, "Error: 'yesterday' is not a date"),
    (["search", "ai", "--since", "2022-07-01", "--until", "2022-06-01"], 2,
     "Error: --since is after --until: nothing can match"),
    (["search", "ai", "--topic", "Cooking"], 1, "Error: no topic 'Cooking' in the database"),
    (["article", "https://example.org/nothing"], 1,
     "Error: no article with the URL https://example.org/nothing"),
    (["neighbors", "outlet:nowhere.org"], 1, "Error: no outlet nowhere.org in the database"),
    (["neighbors", "plainword"], 2, "Error: 'plainword' is not a node"),
    (["path", "nbcnews.com", "kxan.com"], 1,
     "Error: outlet:nbcnews.com and outlet:kxan.com are not connected through shared coverage"),
    (["path", "nbcnews.com", "topic:AI"], 2, "Error: a path joins two outlets or two articles"),
    (["sql", "SELEC 1"], 2, 'Error: bad SQL: near "SELEC": syntax error'),
])
def test_errors_are_one_line_with_the_documented_exit_code(db: str, args: list[str], code: int,
                                                           message: str) -> None:
    got, out, err = run(*args, "--db", db)
    assert got == code and out == ""
    assert err.startswith(message) and len(err.strip().splitlines()) == 1


def test_usage_errors_exit_2(db: str) -> None:
    assert run("neighbors", "nbcnews.com", "--depth", "0", "--db", db)[0] == 2
    assert run("neighbors", "nbcnews.com", "--kind", "story", "--db", db)[0] == 2
    assert run("search", "--db", db)[0] == 2


def test_article_by_cdn_amp_url(db: str) -> None:
    code, out, _ = run("article", NBC_CDN_AMP, "--db", db, "-f", "json")
    assert code == 0
    found = json.loads(out)
    assert list(found) == ["article_id", "canonical_url", "title", "excerpt", "published", "type",
                           "has_document", "outlet", "outlet_name", "aliases", "topics",
                           "related", "related_by", "story"]
    assert (found["canonical_url"], found["outlet"], found["story"]) == (NBC_URL, "nbcnews.com",
                                                                         None)
    assert POPSCI_URL in {r["canonical_url"] for r in found["related"]}
    code, out, _ = run("article", f"article:{found['article_id']}", "--db", db, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0]["relation"] == "article"
    assert {r["relation"] for r in rows} == {"article", "related", "related_by"}
    assert sum(r["relation"] == "related" for r in rows) == len(found["related"])
    code, out, _ = run("article", NBC_CDN_AMP, "--db", db)
    assert code == 0 and "its document lists" in out and "listed by the documents of" in out


def test_neighbors_json_and_kind(db: str) -> None:
    code, out, _ = run("neighbors", "nbcnews.com", "--kind", "outlet", "--db", db, "-f", "json")
    assert code == 0
    rows = json.loads(out)
    assert rows and all(list(r) == ["node", "kind", "label", "distance", "links"] for r in rows)
    assert {r["kind"] for r in rows} == {"outlet"}
    assert "outlet:popsci.com" in {r["node"] for r in rows}
    code, out, _ = run("neighbors", "nbcnews.com", "-n", "2", "--db", db, "-f", "json")
    assert code == 0 and len(json.loads(out)) == 2


def test_neighbors_nothing_found_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Alone\nwebUrl: https://alone.com/1\n---\n")
    db = str(tmp_path / "alone.db")
    assert run("ingest", str(tmp_path / "a.md"), "--db", db)[0] == 0
    code, out, err = run("neighbors", "alone.com", "--kind", "outlet", "--db", db, "-f", "json")
    assert (code, json.loads(out)) == (1, [])
    assert err.strip() == "outlet:alone.com has no neighbours of kind outlet"


def test_neighbors_to_graphml_and_json(db: str, tmp_path: Path) -> None:
    code, out, _ = run("neighbors", NBC_CDN_AMP, "--to", "graphml", "-o", str(tmp_path),
                       "--db", db, "-f", "json")
    assert code == 0
    written = json.loads(out)
    G = nx.read_graphml(written["file"])
    assert Path(written["file"]).name == f"neighbors-{written['center'].replace(':', '-')}.graphml"
    assert (G.number_of_nodes(), G.number_of_edges()) == (written["nodes"], written["edges"])
    assert G.nodes[written["center"]]["url"] == NBC_URL
    assert G.nodes["outlet:popsci.com"]["kind"] == "outlet"
    target = tmp_path / "hood.json"
    code, _, _ = run("neighbors", "nbcnews.com", "--to", "json", "-o", str(target), "--db", db)
    data = json.loads(target.read_text(encoding="utf-8"))
    H = nx.node_link_graph(data, edges="edges")
    assert code == 0 and "outlet:nbcnews.com" in H
    assert {d["kind"] for _, _, d in H.edges(data=True)} == {"published_by", "about", "related"}


def test_path_table_json_csv(db: str) -> None:
    code, out, _ = run("path", "nbcnews.com", "gizmodo.com", "--db", db, "-f", "json")
    assert code == 0
    found = json.loads(out)
    assert list(found) == ["source", "target", "cost", "nodes", "hops"]
    assert found["nodes"][0] == "outlet:nbcnews.com" and found["nodes"][-1] == "outlet:gizmodo.com"
    assert len(found["hops"]) == len(found["nodes"]) - 1
    assert found["cost"] == pytest.approx(sum(h["weight"] for h in found["hops"]))
    code, out, _ = run("path", "nbcnews.com", "gizmodo.com", "--db", db, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {int(r["hop"]) for r in rows} == set(range(1, len(found["hops"]) + 1))
    assert all(r["from_title"] and r["to_url"].startswith("https://") for r in rows)
    code, out, _ = run("path", "nbcnews.com", "popsci.com", "--db", db)
    assert code == 0 and "Why Microsoft is rolling back" in out


@pytest.fixture
def sql_db(real_db_path: Path, tmp_path: Path) -> str:
    copy = tmp_path / "sql.db"
    shutil.copy(real_db_path, copy)
    return str(copy)


def test_sql_formats(sql_db: str) -> None:
    statement = "SELECT domain, name FROM outlets WHERE domain LIKE 'nbc%' ORDER BY domain"
    code, out, _ = run("sql", statement, "--db", sql_db, "-f", "json")
    assert (code, json.loads(out)) == (0, [{"domain": "nbcnews.com", "name": "NBC News"}])
    code, out, _ = run("sql", statement, "--db", sql_db, "-f", "csv")
    assert (code, out) == (0, "domain,name\nnbcnews.com,NBC News\n")
    code, out, _ = run("sql", statement, "--db", sql_db)
    assert code == 0 and "NBC News" in out


def test_sql_no_rows_exits_1(sql_db: str) -> None:
    code, out, err = run("sql", "SELECT name FROM topics WHERE 0", "--db", sql_db, "-f", "csv")
    assert (code, out, err.strip()) == (1, "name\n", "the statement returned no rows")


@pytest.mark.parametrize("statement", [
    "DELETE FROM articles", "DROP TABLE outlets", "ATTACH 'x.db' AS x",
    "PRAGMA writable_schema = 1"])
def test_sql_refuses_writes_with_a_clear_message(sql_db: str, statement: str) -> None:
    before = fingerprint(Path(sql_db))
    code, out, err = run("sql", statement, "--db", sql_db)
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and "is refused: 'graphnews sql' only reads" in err
    assert fingerprint(Path(sql_db)) == before


def test_every_query_command_has_help_ending_with_an_example() -> None:
    for command in ("search", "article", "neighbors", "path", "sql"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert f"Example: graphnews {command} " in result.stdout


def test_neighbors_to_html_writes_an_offline_page(db: str, tmp_path: Path) -> None:
    target = tmp_path / "nbc.html"
    code, out, _ = run("neighbors", "nbcnews.com", "--to", "html", "-o", str(target), "--db", db,
                       "-f", "json")
    assert code == 0 and json.loads(out)["file"] == str(target)
    page = target.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script src=" not in page
    assert "Neighbourhood of NBC News" in page and '"outlet:popsci.com"' in page


@pytest.mark.browser
def test_neighbourhood_page_draws_in_chromium(db: str, tmp_path: Path) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(f"{chromium} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    target = tmp_path / "nbc.html"
    assert run("neighbors", NBC_CDN_AMP, "--to", "html", "-o", str(target), "--db", db)[0] == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium),
                                             args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(target.as_uri())
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
        drawn = page.evaluate("() => window.graphnews.network.body.data.nodes.getIds()")
        browser.close()
    assert (requests, errors) == ([target.as_uri()], [])
    assert "outlet:popsci.com" in drawn and "topic:AI" in drawn
