"""``graphnews outlets`` and ``graphnews outlet DOMAIN``: the JSON contract, explained output,
and figures recomputed with igraph from what ``graphnews export`` writes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import igraph as ig
import pytest
from typer.testing import CliRunner

import graphnews
from graphnews.centrality import MEASURES
from graphnews.cli import app
from graphnews.graph import follows_graph, outlet_graph
from tests.conftest import igraph_measures_from

runner = CliRunner()

CONTRACT = {"outlet", "name", "articles", "degree", "strength", "betweenness", "closeness",
            "eigenvector", "pagerank", "hub", "authority", "first_reports", "reach"}


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.stdout


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # igraph: "graph not connected"
def test_all_json_is_recomputable_from_the_graphml_export(real_db_path: Path,
                                                          tmp_path: Path) -> None:
    db = str(real_db_path)
    rows = json.loads(run("outlets", "--all", "--format", "json", "--db", db))
    assert isinstance(rows, list) and len(rows) == graphnews.open(db).stats()["outlets"]
    for row in rows:
        assert set(row) >= CONTRACT
        assert isinstance(row["reach"], int) and isinstance(row["first_reports"], int)
    assert [r["pagerank"] for r in rows] == sorted((r["pagerank"] for r in rows), reverse=True)
    for graph in ("outlets", "follows"):
        run("export", "--to", "graphml", "--graph", graph, "--db", db,
            "--out", str(tmp_path / f"{graph}.graphml"))
    g = ig.Graph.Read_GraphML(str(tmp_path / "outlets.graphml"))
    f = ig.Graph.Read_GraphML(str(tmp_path / "follows.graphml"))
    expected = igraph_measures_from(g, f)
    by_node = {f"outlet:{r['outlet']}": r for r in rows}
    for measure, values in expected.items():
        worst = max(abs(by_node[node][measure] - value) for node, value in values.items())
        assert worst <= 1e-6, measure
    articles = dict(zip(g.vs["id"], g.vs["articles"], strict=True))
    assert {node: r["articles"] for node, r in by_node.items()} == articles


def test_top_by_and_csv(real_db_path: Path) -> None:
    db = str(real_db_path)
    rows = json.loads(run("outlets", "--rank-by", "betweenness", "--top", "3", "-f", "json",
                          "--db", db))
    everything = json.loads(run("outlets", "--all", "--rank-by", "betweenness", "-f", "json",
                                "--db", db))
    assert rows == everything[:3]
    assert rows[0]["betweenness"] == max(r["betweenness"] for r in everything)
    table = list(csv.DictReader(io.StringIO(run("outlets", "-n", "5", "-f", "csv",
                                                "--db", db))))
    assert len(table) == 5 and set(table[0]) >= CONTRACT
    (top,) = json.loads(run("outlets", "--top", "1", "-f", "json", "--db", db))
    assert table[0]["outlet"] == top["outlet"]
    assert float(table[0]["pagerank"]) == pytest.approx(top["pagerank"])


def test_table_says_what_to_know(real_db_path: Path) -> None:
    result = runner.invoke(app, ["outlets", "--top", "4", "--db", str(real_db_path)])
    assert result.exit_code == 0
    assert "central outlets by pagerank (4 of" in result.stdout
    assert "first_reports" in result.stdout
    # The real corpus is disconnected: the notes say how each measure dealt with it.
    assert "note: the co-coverage graph falls apart into" in result.stderr
    assert "note: eigenvector: the links fall apart" in result.stderr
    quiet = runner.invoke(app, ["outlets", "--db", str(real_db_path), "--silent"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_explain_in_every_format(real_db_path: Path) -> None:
    db = str(real_db_path)
    table = run("outlets", "--top", "2", "--explain", "--db", db)
    for m in MEASURES.values():
        assert m.name in table
    assert "1/weight" in table
    assert "ranks #1 by pagerank" in table and "ranks #2 by pagerank" in table
    explained = json.loads(run("outlets", "--top", "2", "--explain", "-f", "json", "--db", db))
    assert set(explained["measures"]) == set(MEASURES)
    assert explained["measures"]["closeness"]["weights"].startswith("distance = 1/weight")
    first = explained["outlets"][0]
    assert set(first) >= CONTRACT
    why = first["why"]
    G = outlet_graph(graphnews.open(db))
    heaviest = max(d["weight"] for d in G[f"outlet:{first['outlet']}"].values())
    assert why["partners"][0]["weight"] == heaviest
    assert why["first_reports"] == first["first_reports"]
    assert why["text"].startswith(f"{first['outlet']} ranks #1 by pagerank")
    rows = list(csv.DictReader(io.StringIO(run("outlets", "--top", "2", "--explain", "-f",
                                               "csv", "--db", db))))
    assert rows[0]["why"] == why["text"]


def test_since_until_and_topic_filters(real_db_path: Path) -> None:
    db = str(real_db_path)
    everything = json.loads(run("outlets", "--all", "-f", "json", "--db", db))
    june = json.loads(run("outlets", "--all", "-f", "json", "--since", "2022-06-20",
                          "--until", "2022-06-30", "--db", db))
    assert 0 < len(june) < len(everything)
    database = graphnews.open(db)
    expected = {d for (d,) in database.conn.execute(
        "SELECT DISTINCT o.domain FROM articles a JOIN outlets o ON o.id = a.outlet_id "
        "WHERE a.published >= '2022-06-20' AND a.published < '2022-07-01'")}
    assert {r["outlet"] for r in june} == expected
    topic = database.conn.execute(
        "SELECT p.name FROM topics p JOIN article_topics t ON t.topic_id = p.id "
        "GROUP BY p.name ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    about = json.loads(run("outlets", "--all", "-f", "json", "--topic", topic, "--db", db))
    assert 0 < len(about) < len(everything)
    heavy = json.loads(run("outlets", "--all", "-f", "json", "--min-weight", "2", "--db", db))
    assert sum(r["degree"] for r in heavy) < sum(r["degree"] for r in everything)


def test_bad_values_are_one_line_errors(real_db_path: Path) -> None:
    result = runner.invoke(app, ["outlets", "--rank-by", "fame", "--db", str(real_db_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot rank by 'fame': use one of articles, degree")
    result = runner.invoke(app, ["outlets", "--since", "June", "--db", str(real_db_path)])
    assert result.exit_code == 2 and "Error: 'June' is not a date" in result.stderr
    result = runner.invoke(app, ["outlets", "--db", str(real_db_path.parent / "none.db")])
    assert result.exit_code == 1 and result.stderr.startswith("Error: no database at")


def test_an_empty_database(db: graphnews.Database) -> None:
    result = runner.invoke(app, ["outlets", "-f", "json", "--db", db.path])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "note: no outlets match the filters: nothing to rank" in result.stderr


def test_outlet_profile(real_db_path: Path) -> None:
    db = str(real_db_path)
    database = graphnews.open(db)
    profile = json.loads(run("outlet", "https://www.CNET.com/", "-f", "json", "--db", db))
    assert (profile["outlet"], profile["name"]) == ("cnet.com", "CNET")
    assert profile["names"][0] == {"name": "CNET", "count": profile["names"][0]["count"]}
    articles = database.conn.execute(
        "SELECT count(*) FROM articles a JOIN outlets o ON o.id = a.outlet_id "
        "WHERE o.domain = 'cnet.com'").fetchone()[0]
    assert profile["articles"] == articles
    assert sum(m["articles"] for m in profile["months"]) + profile["undated"] == articles
    assert [m["month"] for m in profile["months"]] == sorted(m["month"] for m in profile["months"])
    G, F = outlet_graph(database), follows_graph(database)
    node = "outlet:cnet.com"
    weights = sorted((d["weight"] for d in G[node].values()), reverse=True)
    assert [p["weight"] for p in profile["partners"]] == weights[:10]
    assert {p["outlet"] for p in profile["followed_by"]} <= {
        u.split(":", 1)[1] for u, _ in F.in_edges(node)}
    assert {p["outlet"] for p in profile["follows"]} <= {
        v.split(":", 1)[1] for _, v in F.out_edges(node)}
    assert profile["first_reports"] == F.in_degree(node, weight="weight")
    row = next(r for r in json.loads(run("outlets", "--all", "-f", "json", "--db", db))
               if r["outlet"] == "cnet.com")
    assert profile["first_reports"] == row["first_reports"]
    assert len(profile["topics"]) == min(10, row["reach_topics"])
    short = json.loads(run("outlet", "cnet.com", "--top", "2", "-f", "json", "--db", db))
    assert len(short["partners"]) == 2 and short["partners"] == profile["partners"][:2]


def test_outlet_profile_table_and_csv(real_db_path: Path) -> None:
    db = str(real_db_path)
    table = run("outlet", "cnet.com", "--db", db)
    for title in ("outlet cnet.com", "articles per month", "co-coverage partners",
                  "published after cnet.com"):
        assert title in table
    lines = run("outlet", "cnet.com", "-f", "csv", "--db", db).splitlines()
    assert lines[0] == "key,value" and "outlet,cnet.com" in lines
    assert any(line.startswith("partners,") for line in lines)


def test_unknown_outlet_suggests_close_domains(real_db_path: Path) -> None:
    result = runner.invoke(app, ["outlet", "cnet.co", "--db", str(real_db_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: no outlet 'cnet.co' in the database: did you mean cnet.com")


@pytest.mark.parametrize("command", ["outlets", "outlet"])
def test_help_ends_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert f"Example: graphnews {command}" in result.stdout
