from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from pyvis.network import Network
from typer.testing import CliRunner

import graphnews
from graphnews.centrality import central_outlets
from graphnews.cli import app
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.render import (
    GraphPage,
    outlet_network,
    render_site,
    story_network,
    topic_network,
)
from graphnews.render.pages import _spread_curve as spread_curve
from graphnews.store import Database
from graphnews.stories import detect_stories, load_stories
from graphnews.stories.alternatives import story_stability
from tests.conftest import storied_copy, write_front_matter, write_hostile_corpus

runner = CliRunner()

def item(outlet: str, n: int, day: int, title: str | None = None) -> dict[str, object]:
    """A related item (or the fields of a document) of article ``n`` of ``outlet``."""
    return {"title": title or f"{outlet} article {n}", "webUrl": f"https://{outlet}/{n}",
            "publishedDateTime": f"2022-06-{day:02d}T10:00:00Z",
            "provider": {"name": outlet.split(".")[0].upper(), "domain": outlet}}


@pytest.fixture
def small_db(db: Database, tmp_path: Path) -> Database:
    """Outlets a (3 articles), b (2), c (1), d (1); linked pairs a-b 2, a-c 1, b-d 1."""
    docs = tmp_path / "docs"
    for n, related in ((1, ("b.com", 1)), (2, ("b.com", 1)), (3, ("c.com", 1))):
        write_front_matter(docs, f"a{n}.md", **item("a.com", n, n), related=[item(*related, 5)])
    write_front_matter(docs, "b2.md", **item("b.com", 2, 6), related=[item("d.com", 1, 7)])
    assert db.ingest([docs]).rejected == []
    return db


@pytest.fixture(scope="module")
def storied_db_path(real_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`storied_copy` once per module; read it, do not write."""
    return storied_copy(real_db_path, tmp_path_factory.mktemp("storied"))


def scripts_and_policy(page: str) -> tuple[list[str], str]:
    """The inline scripts of a page (not the JSON data block) and its CSP."""
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    return re.findall(r"<script>(.*?)</script>", page, flags=re.S), policy.group(1)


def sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# -- the outlet and topic networks ------------------------------------------------------------

def test_outlet_network_draws_the_top_outlets_and_says_how_many(small_db: Database) -> None:
    net = outlet_network(small_db, top=2, size_by="articles", measures={})
    assert isinstance(net, Network)
    nodes = {n["id"]: n for n in net.nodes}
    assert set(nodes) == {"outlet:a.com", "outlet:b.com"}
    assert (nodes["outlet:a.com"]["value"], nodes["outlet:b.com"]["value"]) == (3, 2)
    assert [(e["from"], e["to"], e["weight"]) for e in net.edges] == [
        ("outlet:a.com", "outlet:b.com", 2)]
    assert net.caption == ("Showing 2 of 4 outlets (the top by articles) and 1 of 3 "
                           "co-coverage edges.")
    a = nodes["outlet:a.com"]
    assert a["title"].split("\n")[:3] == ["A", "a.com", "3 articles"]
    assert ("articles", "3") in [tuple(d) for d in a["details"]]
    assert "x" in a and "y" in a  # a precomputed, seeded layout


def test_outlet_network_sizes_by_given_measure_and_caps_edges(small_db: Database) -> None:
    rank = {"outlet:a.com": 0.1, "outlet:b.com": 0.2, "outlet:c.com": 0.3, "outlet:d.com": 0.4}
    net = outlet_network(small_db, top=4, size_by="rank", measures={"rank": rank}, max_edges=2)
    assert [n["id"] for n in net.nodes] == ["outlet:d.com", "outlet:c.com", "outlet:b.com",
                                            "outlet:a.com"]
    assert {n["id"]: n["value"] for n in net.nodes} == rank
    assert [e["weight"] for e in net.edges] == [2, 1]  # the two heaviest of three
    assert "2 of 3 co-coverage edges" in net.caption


def test_outlet_network_default_measures_are_central_outlets(small_db: Database) -> None:
    report = central_outlets(small_db, by="pagerank")
    net = outlet_network(small_db)
    values = {n["id"]: n["value"] for n in net.nodes}
    assert values == pytest.approx({f"outlet:{r.outlet}": r.pagerank for r in report.rows})
    assert net.nodes[0]["id"] == f"outlet:{report.rows[0].outlet}"
    details = dict(map(tuple, net.nodes[0]["details"]))
    assert {"pagerank", "betweenness", "degree", "first_reports", "articles"} <= set(details)
    assert any(note.startswith("Node size: pagerank. Where a reader") for note in net.notes)


def test_outlet_network_refuses_unknown_measure_and_bad_top(small_db: Database) -> None:
    with pytest.raises(BadInputError, match=r"^unknown measure 'nope': use one of .*pagerank"):
        outlet_network(small_db, size_by="nope")
    with pytest.raises(BadInputError, match="--top must be at least 1, not 0"):
        outlet_network(small_db, top=0, size_by="articles", measures={})


def test_outlet_network_of_an_empty_database(db: Database) -> None:
    net = outlet_network(db)
    assert net.nodes == [] and net.edges == []
    assert net.caption.startswith("Showing 0 of 0 outlets")
    assert "vis.Network" in net.generate_html()


def test_topic_network_on_the_real_corpus(real_db_path: Path) -> None:
    with graphnews.open(real_db_path, readonly=True) as database:
        G = graphnews.graph.topic_graph(database)
        net = topic_network(database, top=5)
    top5 = sorted(G, key=lambda n: (-G.nodes[n]["articles"], n))[:5]
    assert [n["id"] for n in net.nodes] == top5
    assert {n["value"] for n in net.nodes} == {G.nodes[n]["articles"] for n in top5}
    assert net.caption.startswith(f"Showing 5 of {G.number_of_nodes()} topics")
    for edge in net.edges:
        assert edge["weight"] == G[edge["from"]][edge["to"]]["weight"]


# -- story pages ------------------------------------------------------------------------------

def test_story_page_lists_articles_in_time_order_with_the_spread_curve(
    storied_db_path: Path,
) -> None:
    with graphnews.open(storied_db_path, readonly=True) as database:
        story = load_stories(database)[0]
        net = story_network(database, story.id)
        small = story_network(database, story.id, top=5)
        with pytest.raises(NotFoundError, match="no story 's-000000000000'"):
            story_network(database, "s-000000000000")
    ids = [n["id"] for n in net.nodes]
    assert sorted(ids) == sorted(f"article:{a}" for a in story.articles)
    xs = [n["x"] for n in net.nodes]
    assert xs == sorted(xs)
    published = [row["published"] for row in net.context["articles"]]
    assert published == sorted(published) and len(published) == story.size
    assert net.context["curve"]["max_count"] == story.size
    assert net.context["curve"]["outlets"].split()[-1].endswith(
        f",{200 - net.context['outlets'] / story.size * 186:.1f}")
    spread = dict(net.context["spread"])
    assert spread["first reported by"] == net.context["first_reporter"] != ""
    assert spread["first seen"].startswith(published[0][:10])
    assert f"{story.size} articles from" in net.caption and "Showing" not in net.caption
    assert len(small.nodes) == 5
    assert f"Showing 5 of {story.size} articles (the most linked)." in small.caption
    assert small.context["curve"]["max_count"] == story.size  # the curve counts them all


def test_spread_curve_counts_articles_and_outlets_so_far() -> None:
    curve = spread_curve([7200, 0, 3600], [(0, 1), (7200, 2)])
    assert curve is not None and curve["max_count"] == 3
    assert curve["articles"].split()[-1] == "700.0,14.0"  # all 3, at the last time
    assert curve["outlets"].split()[-1] == "700.0,76.0"  # 2 of 3: 200 - 2/3 * 186
    assert curve["articles"].split()[:3] == ["48.0,200.0", "48.0,200.0", "48.0,138.0"]
    assert curve["start"] == "1970-01-01 00:00 UTC" and curve["end"] == "1970-01-01 02:00 UTC"
    assert spread_curve([], []) is None


# -- the page itself --------------------------------------------------------------------------

def test_page_is_one_file_whose_scripts_and_styles_are_allowed_by_hash(
    small_db: Database,
) -> None:
    page = outlet_network(small_db, size_by="articles", measures={}).generate_html()
    for forbidden in ("<script src", "<link", "<img", "<iframe", "@import", "url(http",
                      "cdn.jsdelivr", "cdnjs", "bootstrap", "tom-select"):
        assert forbidden not in page, forbidden
    scripts, policy = scripts_and_policy(page)
    assert len(scripts) == 2 and "vis-network" in scripts[0]
    assert policy.startswith("default-src 'none'; script-src ")
    for script in scripts:
        assert f"'sha256-{sha256(script)}'" in policy
    for style in re.findall(r"<style>(.*?)</style>", page, flags=re.S):
        assert f"'sha256-{sha256(style)}'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    data = json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)'
                                r"</script>", page, flags=re.S).group(1))
    assert {n["id"] for n in data["nodes"]} == {"outlet:a.com", "outlet:b.com", "outlet:c.com",
                                                "outlet:d.com"}
    assert data["physics"] is True and data["options"]["physics"]["stabilization"]["enabled"]


def test_hostile_text_is_escaped_everywhere_in_the_source(tmp_path: Path) -> None:
    write_hostile_corpus(tmp_path / "docs")
    database = graphnews.open(tmp_path / "h.db")
    assert database.ingest([tmp_path / "docs"]).rejected == []
    detect_stories(database)
    pages = render_site(database, tmp_path / "site")
    assert [p.name for p in pages][:3] == ["index.html", "outlets.html", "topics.html"]
    assert any(p.name.startswith("story-") for p in pages)
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "alert(1)</script>" not in text and "<img src=x" not in text, path.name
        assert "tracker.example" not in text  # featuredContent is never put on a page
    index = pages[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index  # shown as text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in index


def test_graph_page_for_notebooks(tmp_path: Path) -> None:
    page = GraphPage(title="Zürich ≠ Zurich")
    page.add_node("a", label="Zürich")
    page.add_node("b", label="B")
    page.add_edge("a", "b", weight=1)
    page.add_edge("b", "a", weight=1)  # the same undirected pair: kept once
    assert len(page.edges) == 1
    with pytest.raises(ValueError, match="non existent node 'c'"):
        page.add_edge("a", "c")
    inline = page._repr_html_()
    assert inline.startswith('<iframe sandbox="allow-scripts"')
    assert 'srcdoc="&lt;!doctype html&gt;' in inline
    page.write_html(tmp_path / "z.html")
    assert "<title>Zürich ≠ Zurich</title>" in (tmp_path / "z.html").read_text(encoding="utf-8")
    directed = GraphPage(title="d", directed=True)
    directed.add_node("a")
    directed.add_node("b")
    directed.add_edge("a", "b")
    directed.add_edge("b", "a")
    assert len(directed.edges) == 2


# -- the site ---------------------------------------------------------------------------------

def test_render_site_writes_every_page_and_is_deterministic(storied_db_path: Path,
                                                             tmp_path: Path) -> None:
    with graphnews.open(storied_db_path, readonly=True) as database:
        stories = [s.id for s in load_stories(database) if s.size > 1][:3]
        first = render_site(database, tmp_path / "one", top_stories=3)
        second = render_site(database, tmp_path / "two", top_stories=3)
        report = central_outlets(database)
    assert [p.name for p in first] == ["index.html", "outlets.html", "topics.html",
                                       *(f"story-{s}.html" for s in stories)]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert a.stat().st_size < 2_000_000
    index = first[0].read_text(encoding="utf-8")
    for path in first[1:]:
        assert f'href="{path.name}"' in index
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td>",
                      index.split('id="central-outlets"')[1].split("</table>")[0])
    assert [int(n) for n, _ in rows] == list(range(1, 21))
    assert rows[0][1] == report.rows[0].name
    assert "Showing 100 of 131 outlets (the top by pagerank)" in index
    sizes = re.findall(r'<tr><td><a href="story-([^"]+)\.html">[^<]*</a></td>'
                       r'<td class="num">(\d+)</td>', index)
    with graphnews.open(storied_db_path, readonly=True) as database:
        assert sizes == [(s.id, str(s.size)) for s in load_stories(database)[:3]]


def test_render_site_with_filters_skips_stories_they_empty(storied_db_path: Path,
                                                          tmp_path: Path) -> None:
    with graphnews.open(storied_db_path, readonly=True) as database:
        stories = [s for s in load_stories(database) if s.size > 1]
        (last,) = database.conn.execute("SELECT max(published) FROM articles").fetchone()
        last = last[:10]
        pages = render_site(database, tmp_path, filters=Filters.build(since=last),
                            stories=[s.id for s in stories])
    index = pages[0].read_text(encoding="utf-8")
    assert "pages show a filtered view" in index
    kept = [p.name for p in pages if p.name.startswith("story-")]
    assert 0 < len(kept) < len(stories)


def test_render_site_with_ranges_says_how_each_story_fares(storied_db_path: Path,
                                                          tmp_path: Path) -> None:
    with graphnews.open(storied_db_path, readonly=True) as database:
        stability = story_stability(database)
        plain = render_site(database, tmp_path / "plain", top_stories=3)
        pages = render_site(database, tmp_path / "ranged", top_stories=3, ranges=True)
    index = pages[0].read_text(encoding="utf-8")
    assert "found whole" in index and "found whole" not in plain[0].read_text(encoding="utf-8")
    cells = re.findall(r'<a href="story-([^"]+)\.html">[^<]*</a></td><td class="num">\d+</td>'
                       r'<td class="num">\d+</td><td class="num">(\d+) of (\d+)</td>', index)
    assert len(cells) == 3
    for story, kept, clusterings in cells:
        assert (int(kept), int(clusterings)) == (stability[story].kept,
                                                 stability[story].clusterings)
        page = (tmp_path / "ranged" / f"story-{story}.html").read_text(encoding="utf-8")
        low, high = stability[story].size
        assert f"<dt>found whole</dt><dd>in {kept} of {clusterings} clusterings</dd>" in page
        size = f"{low}" if low == high else f"{low} to {high}"
        assert f"<dt>size over the clusterings</dt><dd>{size}</dd>" in page
    assert any(int(k) < int(n) for _, k, n in cells) or all(
        stability[s].size[0] == stability[s].size[1] for s, _, _ in cells)
    # the pages other than the index and the story pages are unchanged
    for a, b in zip(plain[1:3], pages[1:3], strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_cli_render_writes_the_site(storied_db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = runner.invoke(app, ["render", "--db", str(storied_db_path), "--out", str(out),
                                 "--top", "30", "--stories", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["page"] for r in rows][:3] == ["index.html", "outlets.html", "topics.html"]
    assert len(rows) == 5
    ranged = runner.invoke(app, ["render", "--db", str(storied_db_path), "--out",
                                 str(tmp_path / "ranged"), "--stories", "2", "--ranges"])
    assert ranged.exit_code == 0, ranged.output
    assert "found whole" in (tmp_path / "ranged" / "index.html").read_text(encoding="utf-8")
    for row in rows:
        assert Path(row["path"]).stat().st_size == row["bytes"] > 0
    assert "Showing 30 of 131 outlets" in (out / "outlets.html").read_text(encoding="utf-8")


def test_cli_render_errors_and_hint(real_db_path: Path, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["render", "--db", str(real_db_path), "--out", str(tmp_path),
                              "--rank-by", "nope"])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: unknown measure 'nope': use one of articles, ")
    assert "Traceback" not in bad.output
    # The session's real database has no stories stored: the pages say so on stderr.
    ok = runner.invoke(app, ["render", "--db", str(real_db_path), "--out", str(tmp_path),
                             "--top", "10"])
    assert ok.exit_code == 0, ok.output
    assert "no stories are stored yet" in ok.stderr
    missing = runner.invoke(app, ["render", "--db", str(tmp_path / "none.db"), "--out",
                                  str(tmp_path)])
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no database at ")


def test_heaviest_edges_do_not_depend_on_insertion_order() -> None:
    """Two processes build the same graph in different node orders (hash order): the page
    must list the same edges, each the same way round (outlets.html differed between runs)."""
    import networkx as nx

    from graphnews.render.pages import _heaviest_edges

    edges = [("b.com", "a.com", 3), ("c.com", "a.com", 3), ("c.com", "b.com", 1),
             ("d.com", "a.com", 2)]
    one, two = nx.Graph(), nx.Graph()
    one.add_weighted_edges_from(edges)
    two.add_nodes_from(["d.com", "c.com", "b.com", "a.com"])
    two.add_weighted_edges_from([(v, u, w) for u, v, w in reversed(edges)])
    nodes = ["a.com", "b.com", "c.com", "d.com"]
    first = _heaviest_edges(one, nodes, 3)
    assert first == _heaviest_edges(two, list(reversed(nodes)), 3)
    assert [(u, v) for u, v, _ in first] == [
        ("a.com", "b.com"), ("a.com", "c.com"), ("a.com", "d.com")]
