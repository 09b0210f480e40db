"""graphnews.query on the real corpus (seeds + related/) and on a tiny corpus worked out by hand.

The search, article, neighbours and path tests run on both engines (tests/conftest.py's
`engine`); the read-only SQL tests are SQLite's (PostgreSQL's: tests/test_engine_parity.py).
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml

import graphnews
from graphnews import query
from graphnews.engines import sqlite as sqlite_engine
from graphnews.errors import BadInputError, DatabaseError, NotFoundError, ReadOnlyError
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.graph import linked_pairs, outlet_graph
from graphnews.identity import canonical_url
from graphnews.ingest.reader import read_bytes
from graphnews.query import (
    HIGHLIGHT,
    article,
    neighbors,
    path,
    resolve_node,
    search,
    sql,
)
from graphnews.render.neighborhood import neighborhood_page
from graphnews.store import Database
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.md"))


def seed_fields(seed: Path) -> dict[str, Any]:
    """The front matter of a seed, read by the project's reader."""
    (document,) = read_bytes(str(seed), seed.read_bytes())
    return document.fields


@pytest.fixture(scope="module")
def real(real_target: str) -> Database:
    return graphnews.open(real_target, readonly=True)


# -- a tiny corpus whose answers are worked out by hand ------------------------------------------
#
#   A1 (a.com) lists B1, B2, B3 (b.com) and C9 (c.com); B1, B2, B3 each list one c.com article
#   (C1, C2, C3); E1 (e.com) lists nothing. Outlet pairs: a-b 3, a-c 1, b-c 3.
TINY = {
    "a1": ("https://a.com/1", "a.com", "Robots take the wheel", ["b1", "b2", "b3", "c9"],
           ["Robots"]),
    "b1": ("https://b.com/1", "b.com", "Taxi robots in town", ["c1"], ["Robots", "Autos"]),
    "b2": ("https://b.com/2", "b.com", "Robot taxis charge fares", ["c2"], ["Autos"]),
    "b3": ("https://b.com/3", "b.com", "Riders try robot taxis", ["c3"], []),
    "e1": ("https://e.com/1", "e.com", "Nothing to do with it", [], []),
}
TINY_RELATED = {"c1": "https://c.com/1", "c2": "https://c.com/2", "c3": "https://c.com/3",
                "c9": "https://c.com/9"}


def _item(key: str) -> dict[str, Any]:
    if key in TINY:
        url, domain, title, _, topics = TINY[key]
        return {"title": title, "webUrl": url, "provider": {"name": domain.upper(),
                                                             "domain": domain},
                "topics": topics}
    url = TINY_RELATED[key]
    return {"title": f"C story {key}", "webUrl": url, "provider": {"name": "C",
                                                                   "domain": "c.com"}}


@pytest.fixture(scope="module")
def tiny_target(tmp_path_factory: pytest.TempPathFactory, new_target: Callable[[], str]) -> str:
    folder = tmp_path_factory.mktemp("tiny")
    for day, (key, (_, _, _, related, _)) in enumerate(TINY.items(), 1):
        fields = _item(key) | {"publishedDateTime": f"2022-06-0{day}T10:00:00Z",
                               "related": [_item(r) for r in related]}
        (folder / f"{key}.md").write_text(f"---\n{yaml.safe_dump(fields)}---\n", encoding="utf-8")
    target = new_target()
    with graphnews.open(target) as db:
        assert db.ingest([folder]).rejected == []
    return target


@pytest.fixture(scope="module")
def tiny(tiny_target: str) -> Database:
    return graphnews.open(tiny_target, readonly=True)


def node_of(db: Database, key: str) -> str:
    return resolve_node(db, TINY[key][0] if key in TINY else TINY_RELATED[key])


# -- resolve_node --------------------------------------------------------------------------------
def test_resolve_node_takes_every_spelling(tiny: Database) -> None:
    a1 = node_of(tiny, "a1")
    assert a1.startswith("article:")
    assert resolve_node(tiny, a1) == a1
    assert resolve_node(tiny, "https://www.a.com/1/amp?utm_source=feed") == a1
    assert resolve_node(tiny, "a.com/1") == a1
    assert resolve_node(tiny, "WWW.B.com") == "outlet:b.com"
    assert resolve_node(tiny, "outlet:b.com") == "outlet:b.com"
    assert resolve_node(tiny, "topic:robots") == "topic:Robots"


@pytest.mark.parametrize(("text", "error", "message"), [
    ("outlet:nowhere.org", NotFoundError, "no outlet nowhere.org in the database"),
    ("topic:Cooking", NotFoundError, "no topic 'Cooking' in the database"),
    ("article:999999", NotFoundError, "no article 999999 in the database"),
    ("article:abc", BadInputError, "'article:abc': an article node is article:<number>"),
    ("https://a.com/404", NotFoundError, "no article with the URL https://a.com/404"),
    ("robots", BadInputError, "'robots' is not a node: use outlet:DOMAIN, article:ID, "
                              "topic:NAME, a URL or a domain"),
])
def test_resolve_node_errors(tiny: Database, text: str, error: type[Exception],
                             message: str) -> None:
    with pytest.raises(error) as info:
        resolve_node(tiny, text)
    assert str(info.value) == message


# -- search --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_search_for_a_phrase_of_a_seed_title_finds_the_seed_first(real: Database,
                                                                  seed: Path) -> None:
    fields = seed_fields(seed)
    words = fields["title"].split()
    phrase = " ".join(words[1:6])  # five words from the middle of the title
    expected = canonical_url(fields["webUrl"])
    assert search(real, f'"{phrase}"')[0]["canonical_url"] == expected
    assert search(real, phrase)[0]["canonical_url"] == expected
    # any of the words: many articles match, bm25 still puts the seed first
    any_word = search(real, " OR ".join(phrase.split()), limit=50)
    assert len(any_word) > 10
    assert any_word[0]["canonical_url"] == expected and any_word[0]["rank"] == 1
    assert any_word[0]["title"] == fields["title"]
    assert [h["score"] for h in any_word] == sorted((h["score"] for h in any_word), reverse=True)


def test_search_keys_snippet_and_limit(real: Database) -> None:
    hits = search(real, "emotion recognition", limit=3)
    assert len(hits) == 3
    assert list(hits[0]) == ["rank", "article_id", "canonical_url", "title", "outlet",
                             "published", "score", "snippet"]
    opening, closing = HIGHLIGHT
    assert all(f"{opening}" in h["snippet"] and closing in h["snippet"] for h in hits)
    assert f"{opening}recognition{closing}".lower() in hits[0]["snippet"].lower()


def test_search_text_that_is_not_fts_syntax_is_searched_as_words(real: Database) -> None:
    # an apostrophe and hyphens are FTS5 syntax errors: the plain words are searched instead
    hits = search(real, "Chick-fil-A's self-driving")
    assert hits and "Chick-fil-A" in hits[0]["title"]


def test_search_filters(real: Database) -> None:
    everything = search(real, "Microsoft", limit=100)
    outlets = {h["outlet"] for h in everything}
    assert len(outlets) > 3
    only_nbc = search(real, "Microsoft", outlet="www.nbcnews.com", limit=100)
    assert {h["outlet"] for h in only_nbc} == {"nbcnews.com"}
    about = search(real, "Microsoft", topic="microsoft ai", limit=100)  # any case
    assert 0 < len(about) < len(everything)
    late = search(real, "Microsoft", since="2022-06-27", limit=100)
    assert late and all(h["published"] >= "2022-06-27" for h in late)
    assert len(late) < len(everything)
    day = search(real, "Microsoft", since="2022-06-27", until="2022-06-27", limit=100)
    assert day and all(h["published"].startswith("2022-06-27") for h in day)


def test_search_errors(real: Database) -> None:
    with pytest.raises(BadInputError, match="'June 1st' is not a date"):
        search(real, "Microsoft", since="June 1st")
    with pytest.raises(BadInputError, match="nothing to search for"):
        search(real, " -- ")
    with pytest.raises(NotFoundError, match=r"no outlet nowhere\.org"):
        search(real, "Microsoft", outlet="nowhere.org")
    assert search(real, "xylophoneqq") == []


# -- article -------------------------------------------------------------------------------------
def test_amp_and_cdn_amp_urls_of_seed_related_articles_resolve_to_one_article(
    real: Database,
) -> None:
    checked = 0
    for seed in SEED_FILES:
        for item in seed_fields(seed)["related"]:
            if not (item.get("ampWebUrl") and item.get("cdnAmpWebUrl")):
                continue
            amp, cdn = article(real, item["ampWebUrl"]), article(real, item["cdnAmpWebUrl"])
            assert amp["article_id"] == cdn["article_id"]
            assert amp["canonical_url"] == canonical_url(item["webUrl"])
            assert "ampproject.org" in item["cdnAmpWebUrl"]
            checked += 1
    assert checked >= 5  # 8 in the two seeds


def test_amp_url_with_a_different_path_resolves_through_the_aliases(real: Database) -> None:
    # the NBC seed's AMP page is /news/amp/rcna35087: only the aliases table knows it
    seed = seed_fields(SEEDS / "000_8ffd7cabeec5d02a.md")
    found = article(real, seed["ampWebUrl"])
    assert found["canonical_url"] == canonical_url(seed["webUrl"])
    assert article(real, seed["cdnAmpWebUrl"])["article_id"] == found["article_id"]
    assert article(real, seed["webUrl"] + "?utm_source=twitter")["article_id"] == \
        found["article_id"]
    assert canonical_url(seed["ampWebUrl"]) in {a["url"] for a in found["aliases"]}


def test_article_shows_outlet_topics_and_related_both_ways(real: Database) -> None:
    seed = seed_fields(SEEDS / "000_8ffd7cabeec5d02a.md")
    found = article(real, seed["webUrl"])
    assert (found["outlet"], found["outlet_name"]) == ("nbcnews.com", "NBC News")
    assert found["topics"] == sorted(seed["topics"])
    assert found["has_document"] is True and found["published"] == "2022-06-27T19:12:00Z"
    listed = [canonical_url(item["webUrl"]) for item in seed["related"]]
    assert [r["canonical_url"] for r in found["related"]] == list(dict.fromkeys(listed))
    # who points to it: every document of the corpus whose related list names it
    pointing = {r[0] for r in real.conn.execute(
        "SELECT DISTINCT l.from_article FROM related_links l WHERE l.to_article = ? "
        "AND l.from_article != l.to_article", (found["article_id"],))}
    assert pointing and {r["article_id"] for r in found["related_by"]} == pointing
    assert found["story"] is None  # stories not computed in this database


def test_article_story_is_read_from_the_story_tables(real_copy: str) -> None:
    with graphnews.open(real_copy) as db:
        article_id = resolve_node(db, "https://www.nbcnews.com/news/amp/rcna35087")
        number = int(article_id.split(":")[1])
        db.conn.execute("INSERT INTO stories (id, size, confidence, signature, computed_at) "
                        "VALUES ('s-000000000001', 3, 0.75, 'x', '2022-07-01T00:00:00Z')")
        db.conn.execute("INSERT INTO story_articles (story_id, article_id) "
                        "VALUES ('s-000000000001', ?)", (number,))
        db.conn.commit()
        assert article(db, article_id)["story"] == {"story_id": "s-000000000001", "size": 3,
                                                     "confidence": 0.75}


def test_article_errors(real: Database) -> None:
    with pytest.raises(NotFoundError, match=r"no article with the URL https://example\.org/x"):
        article(real, "https://example.org/x")
    with pytest.raises(BadInputError, match="is not a web address"):
        article(real, "mailto:someone")


# -- neighbours ----------------------------------------------------------------------------------
def test_neighbors_of_an_outlet_by_hand(tiny: Database) -> None:
    hood = neighbors(tiny, "a.com", kind="outlet")
    # a.com -> A1 -> (B1, B2, B3, C9) -> b.com (3 articles), c.com (1 article): 3 hops each
    assert [(r["node"], r["distance"], r["links"]) for r in hood.rows] == [
        ("outlet:b.com", 3, 3), ("outlet:c.com", 3, 1)]
    deeper = neighbors(tiny, "outlet:a.com", depth=2, kind="outlet")
    # depth 2 adds C1, C2, C3: c.com now has 4 articles in the neighbourhood
    assert [(r["node"], r["links"]) for r in deeper.rows] == [("outlet:c.com", 4),
                                                               ("outlet:b.com", 3)]
    assert "outlet:e.com" not in deeper.graph


def test_neighbors_of_an_article_and_a_topic_by_hand(tiny: Database) -> None:
    a1 = node_of(tiny, "a1")
    hood = neighbors(tiny, a1, kind="article")
    expected = {node_of(tiny, k) for k in ("b1", "b2", "b3", "c9")}
    assert {r["node"] for r in hood.rows} == expected
    assert {(r["distance"], r["links"]) for r in hood.rows} == {(1, 1)}
    topics = neighbors(tiny, "topic:robots", kind="topic")
    # Robots: A1 and B1; their neighbourhood holds B1's other topic, Autos (B2 has it too)
    assert [(r["node"], r["links"]) for r in topics.rows] == [("topic:Autos", 2)]
    assert topics.center == "topic:Robots"


def test_neighborhood_graph_follows_the_graph_model(tiny: Database) -> None:
    hood = neighbors(tiny, "a.com")
    G = hood.graph
    a1 = node_of(tiny, "a1")
    assert G.nodes[a1]["kind"] == "article" and G.nodes[a1]["url"] == "https://a.com/1"
    assert G.nodes[a1]["label"] == "Robots take the wheel"
    assert G.nodes["outlet:b.com"]["kind"] == "outlet"
    assert G.nodes["outlet:b.com"]["names"] == "B.COM"
    assert {d["kind"] for _, _, d in G.edges(data=True)} == {"published_by", "about", "related"}
    for _, data in G.nodes(data=True):
        assert all(isinstance(v, str | int | float | bool) for v in data.values())
    article_nodes = {n for n, kind in G.nodes(data="kind") if kind == "article"}
    assert article_nodes == {f"article:{i}" for i in hood.articles}
    assert {r["node"] for r in hood.rows} == set(G) - {"outlet:a.com"}
    summary = hood.as_dict()
    assert (summary["center"], summary["articles"]) == ("outlet:a.com", len(article_nodes))


def test_neighbors_of_an_outlet_with_no_links_is_empty(tiny: Database) -> None:
    assert neighbors(tiny, "e.com", kind="outlet").rows == []
    assert [r["kind"] for r in neighbors(tiny, "e.com").rows] == ["article"]


def test_neighbors_errors(tiny: Database) -> None:
    with pytest.raises(BadInputError, match="the depth must be at least 1"):
        neighbors(tiny, "a.com", depth=0)
    with pytest.raises(BadInputError, match="unknown kind 'story'"):
        neighbors(tiny, "a.com", kind="story")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        neighbors(tiny, "outlet:zzz.com")


def test_neighbors_on_the_real_corpus(real: Database) -> None:
    hood = neighbors(real, "https://www-nbcnews-com.cdn.ampproject.org/c/s/www.nbcnews.com/"
                           "news/amp/rcna35087", kind="outlet")
    assert {"outlet:popsci.com", "outlet:extremetech.com", "outlet:forbes.com"} <= {
        r["node"] for r in hood.rows}
    assert "outlet:nbcnews.com" in {r["node"] for r in hood.rows}  # its own outlet, 1 hop
    assert hood.rows[0]["distance"] == 1


# -- paths ---------------------------------------------------------------------------------------
def test_outlet_path_prefers_strong_co_coverage_by_hand(tiny: Database) -> None:
    found = path(tiny, "a.com", "c.com")
    # direct a-c: 1 pair, cost 1; through b: 1/3 + 1/3 = 2/3
    assert found["nodes"] == ["outlet:a.com", "outlet:b.com", "outlet:c.com"]
    assert found["cost"] == pytest.approx(2 / 3)
    first, second = found["hops"]
    assert (first["pairs"], first["weight"]) == (3, pytest.approx(1 / 3))
    assert {link["from_url"] for link in first["links"]} == {"https://a.com/1"}
    assert {link["to_url"] for link in first["links"]} == {
        "https://b.com/1", "https://b.com/2", "https://b.com/3"}
    assert {link["to_url"] for link in second["links"]} == {
        "https://c.com/1", "https://c.com/2", "https://c.com/3"}
    assert len(path(tiny, "a.com", "c.com", max_links=1)["hops"][0]["links"]) == 1


def test_article_path_takes_the_fewest_related_hops(tiny: Database) -> None:
    found = path(tiny, "https://a.com/1", "https://c.com/1")
    assert found["nodes"] == [node_of(tiny, k) for k in ("a1", "b1", "c1")]
    assert found["cost"] == pytest.approx(2.0)
    assert [(h["links"][0]["from_url"], h["links"][0]["to_url"]) for h in found["hops"]] == [
        ("https://a.com/1", "https://b.com/1"), ("https://b.com/1", "https://c.com/1")]


def test_path_errors(tiny: Database) -> None:
    with pytest.raises(NotFoundError, match=r"outlet:a\.com and outlet:e\.com are not connected"):
        path(tiny, "a.com", "e.com")
    with pytest.raises(BadInputError, match="a path joins two outlets or two articles"):
        path(tiny, "a.com", "https://b.com/1")
    with pytest.raises(BadInputError, match="a path joins two outlets or two articles"):
        path(tiny, "topic:Robots", "topic:Autos")
    with pytest.raises(BadInputError, match="both ends"):
        path(tiny, "a.com", "www.a.com")


def test_path_on_the_real_corpus_names_the_linking_articles(real: Database) -> None:
    found = path(real, "nbcnews.com", "popsci.com")
    (hop,) = found["hops"]
    (link,) = hop["links"]
    assert link["from_title"].startswith("Microsoft is removing emotion recognition")
    assert link["to_url"] == "https://popsci.com/technology/microsoft-removes-facial-recognition-tools"


# -- read-only SQL -------------------------------------------------------------------------------
def fingerprint(db_path: Path) -> tuple[str, list[str]]:
    """sha256 of the database file (and its WAL, if any) plus the folder's file names."""
    digest = hashlib.sha256()
    for part in (db_path, db_path.with_name(db_path.name + "-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    # a reader of a WAL database may leave an empty -wal and a -shm index: not new files
    wal_files = {f"{db_path.name}-wal", f"{db_path.name}-shm"}
    return digest.hexdigest(), sorted(p.name for p in db_path.parent.iterdir()
                                      if p.name not in wal_files)


@pytest.fixture
def sql_db(real_db_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "sql.db"
    shutil.copy(real_db_path, copy)
    return copy


@pytest.mark.parametrize(("statement", "refused"), [
    ("DELETE FROM articles", "DELETE"),
    ("delete from articles where id > 0", "DELETE"),
    ("DROP TABLE articles", "DROP"),
    ("ATTACH DATABASE 'other.db' AS other", "ATTACH"),
    ("PRAGMA writable_schema = ON", "PRAGMA writable_schema"),
    ("PRAGMA writable_schema", "PRAGMA writable_schema"),
    ("PRAGMA query_only = OFF", "PRAGMA query_only"),
    ("WITH doomed AS (SELECT id FROM articles) DELETE FROM articles", "DELETE"),
    ("  /* sneaky */ -- comment\n  INSERT INTO topics (name) VALUES ('x')", "INSERT"),
    ("VACUUM INTO 'copy.db'", "VACUUM"),
    ("CREATE TEMP TABLE t (x)", "CREATE"),
    ("EXPLAIN UPDATE articles SET title = 'x'", "UPDATE"),
    ("WITH x AS (SELECT 1) UPDATE sqlite_master SET sql = ''", "this statement"),
])
def test_sql_refuses_writes_and_leaves_the_database_unchanged(sql_db: Path, statement: str,
                                                              refused: str) -> None:
    before = fingerprint(sql_db)
    with pytest.raises(ReadOnlyError) as info:
        sql(sql_db, statement)
    assert str(info.value).startswith(f"{refused} is refused: 'graphnews sql' only reads")
    assert fingerprint(sql_db) == before
    assert sql(sql_db, "SELECT count(*) FROM articles").rows[0][0] > 100


def test_sql_reads(sql_db: Path) -> None:
    before = fingerprint(sql_db)
    result = sql(sql_db, "SELECT o.domain, count(*) AS articles FROM articles a JOIN outlets o "
                         "ON o.id = a.outlet_id GROUP BY o.domain ORDER BY 2 DESC, 1 LIMIT 3")
    assert result.columns == ["domain", "articles"]
    assert len(result.rows) == 3 and result.rows[0][1] >= result.rows[1][1]
    assert result.as_dicts()[0] == dict(zip(result.columns, result.rows[0], strict=True))
    fts = sql(sql_db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'microsoft'")
    assert fts.rows[0][0] > 10
    assert [r[1] for r in sql(sql_db, "PRAGMA table_info(outlets)").rows] == [
        "id", "domain", "name"]
    assert sql(sql_db, "SELECT name FROM pragma_table_info('topics')").rows == [("id",),
                                                                                ("name",)]
    assert sql(sql_db, "SELECT 1 AS id, 2 AS id, 3 AS id").columns == ["id", "id_2", "id_3"]
    assert sql(sql_db, "SELECT * FROM topics WHERE 0").rows == []
    assert fingerprint(sql_db) == before


@pytest.mark.parametrize(("statement", "message"), [
    ("", "the SQL statement is empty"),
    ("  -- only a comment", "the SQL statement is empty"),
    ("SELEC 1", 'bad SQL: near "SELEC": syntax error'),
    ("SELECT * FROM no_such_table", "bad SQL: no such table: no_such_table"),
    ("SELECT 1; DELETE FROM articles", "give one SQL statement at a time"),
])
def test_sql_bad_statements(sql_db: Path, statement: str, message: str) -> None:
    with pytest.raises(BadInputError) as info:
        sql(sql_db, statement)
    assert str(info.value) == message


def test_sql_needs_an_existing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no database at"):
        sql(tmp_path / "missing.db", "SELECT 1")
    assert not (tmp_path / "missing.db").exists()


def test_sql_read_only_connection_refuses_writes_without_the_other_checks(
    sql_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with the statement check and the authorizer switched off, mode=ro + query_only still hold
    monkeypatch.setattr(query, "WRITE_STATEMENTS", frozenset())
    monkeypatch.setattr(sqlite_engine, "_authorize", lambda refused, *args: sqlite3.SQLITE_OK)
    before = fingerprint(sql_db)
    for statement in ("DELETE FROM articles", "DROP TABLE topics",
                      "CREATE TABLE t (x)", "PRAGMA user_version = 7"):
        with pytest.raises(ReadOnlyError, match="this statement is refused"):
            sql(sql_db, statement)
    assert fingerprint(sql_db) == before


def test_neighborhood_page_draws_the_nearest_nodes_by_kind(tiny: Database) -> None:
    hood = neighbors(tiny, "a.com", depth=2)
    page = neighborhood_page(hood.graph, hood.center, depth=2)
    assert {n["id"] for n in page.nodes} == set(hood.graph)
    assert [text for _, text in page.legend] == ["outlet (3)", "article (8)", "topic (2)"]
    small = neighborhood_page(hood.graph, hood.center, depth=2, top=3)
    # the centre, its article A1 (1 hop), then A1's best-linked neighbours
    ids = [n["id"] for n in small.nodes]
    assert ids[:2] == ["outlet:a.com", node_of(tiny, "a1")] and len(ids) == 4
    assert "showing 4 of 13 nodes" in small.caption


def test_a_neighborhood_writes_its_file_named_after_the_centre(
    tiny: Database, tmp_path: Path
) -> None:
    hood = neighbors(tiny, "a.com", depth=2)
    written = hood.write("graphml", tmp_path / "new" / "folder")  # made when missing
    assert written == {"center": "outlet:a.com", "nodes": 13, "edges": written["edges"],
                       "file": str(tmp_path / "new" / "folder" / "neighbors-outlet-a.com.graphml")}
    G = nx.read_graphml(written["file"])
    assert (len(G), G.number_of_edges()) == (13, written["edges"]) and written["edges"] > 12
    page = hood.write("html", tmp_path / "hood.html")
    assert page["file"] == str(tmp_path / "hood.html")
    assert "Neighbourhood of" in (tmp_path / "hood.html").read_text(encoding="utf-8")
    with pytest.raises(BadInputError, match="use one of graphml, json, html"):
        hood.write("gexf", tmp_path)


def test_outlet_path_weights_count_the_pairs_of_the_outlet_graph(real: Database) -> None:
    projection = outlet_graph(real)
    links = query._outlet_links(real)
    assert {frozenset(e): d["pairs"] for *e, d in links.edges(data=True)} == {
        frozenset((u, v)): d["pairs"] for u, v, d in projection.edges(data=True) if d["pairs"]}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, new_target: Callable[[], str]
              ) -> Database:
    """A database of a small generated corpus: related links chain articles over many hops."""
    folder = tmp_path_factory.mktemp("generated")
    generate_corpus(folder, documents=300, noise=0.3, seed=3)
    target = new_target()
    with graphnews.open(target) as db:
        assert db.ingest([folder / DOCUMENTS_DIR]).rejected == []
    return graphnews.open(target, readonly=True)


def test_article_paths_are_as_short_as_networkx_finds(generated: Database) -> None:
    G = nx.Graph((f"article:{p.a}", f"article:{p.b}") for p in linked_pairs(generated))
    components = sorted(nx.connected_components(G), key=len, reverse=True)
    largest = sorted(components[0], key=lambda n: int(n.split(":")[1]))
    pairs = list(zip(largest[::7], largest[len(largest) // 2 :: 5], strict=False))
    lengths = []
    for a, b in pairs:
        found = path(generated, a, b)
        lengths.append(len(found["nodes"]) - 1)
        assert lengths[-1] == nx.shortest_path_length(G, a, b) == found["cost"]
        assert all(G.has_edge(u, v) for u, v in itertools.pairwise(found["nodes"]))
        assert [h["links"][0]["from_article"] for h in found["hops"]] == [
            int(n.split(":")[1]) for n in found["nodes"][:-1]]
    assert len(pairs) >= 20 and max(lengths) >= 4
    if len(components) > 1:
        with pytest.raises(NotFoundError, match="not connected"):
            path(generated, largest[0], min(components[1]))


def test_neighbor_rows_agree_with_the_neighbourhood_graph(real: Database) -> None:
    for node in ("outlet:cnet.com", "topic:AI Ethics", "https://www.nbcnews.com/news/amp/rcna35087"):
        hood = neighbors(real, node, depth=2)
        G = hood.graph
        assert {r["node"] for r in hood.rows} == set(G) - {hood.center}
        undirected = nx.Graph(G.to_undirected())
        hops = nx.single_source_shortest_path_length(undirected, hood.center)
        for row in hood.rows:
            n = row["node"]
            assert row["kind"] == G.nodes[n]["kind"] and row["label"] == G.nodes[n]["label"]
            assert row["distance"] >= hops[n]  # shortcuts through a shared topic are not hops
            if row["kind"] == "article":
                linked = {m for m in undirected[n] if G.nodes[m]["kind"] == "article"} - {n}
                assert row["links"] == len(linked)
            else:
                assert row["links"] == G.in_degree(n)
