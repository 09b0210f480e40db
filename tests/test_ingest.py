from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphnews
from graphnews.store import Database, document_text
from tests.conftest import DATA, ROOT, SEEDS, schema_2, shared, sqlite_only

SEED_000 = SEEDS / "000_8ffd7cabeec5d02a.md"
GOOD = (
    "---\ntitle: Good {n}\nwebUrl: https://good.example.com/{n}\n"
    "publishedDateTime: 2022-06-01T10:00:00Z\n"
    "provider: {{name: Good, domain: good.example.com}}\n---\n"
)


@pytest.fixture
def db(engine_db: Database) -> Database:
    """The tests here that take ``db`` run on both engines (tests/conftest.py's `engine`)."""
    return engine_db


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_smartable_corpus_and_seeds_counts(db: Database) -> None:
    report = db.ingest([SEEDS, shared("smartable-power-apps")])
    assert report.rejected == [] and report.documents == 194
    stats = db.stats()
    # 194 documents; one URL is published twice in the smartable corpus, so 193 articles have a
    # document of their own; the seeds' related lists add 22 more articles.
    assert {k: stats[k] for k in ("documents", "articles", "outlets", "topics", "rejected")} == {
        "documents": 194, "articles": 215, "outlets": 46, "topics": 11, "rejected": 0}
    assert stats["articles_with_document"] == 193
    assert stats["related_links"] == 22


def test_every_kind_of_bad_document_is_reported_quarantined_and_the_rest_kept(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        _write(folder, f"good{n}.md", GOOD.format(n=n))
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)) + "title: boom\n---\n"
    bad = {
        "nofront.md": ("just some text\n", 1, "no front matter"),
        "yaml.md": ("---\ntitle: ok\nwebUrl: [unclosed\nexcerpt: x\n---\n", 4, "not valid YAML"),
        "list.md": ("---\n- a\n- b\n---\n", 2, "must be a set of 'name: value' fields"),
        "nourl.md": ("---\ntitle: t\nwebUrl: not a link\n---\n", 3, "no usable web address"),
        "date.md": ("---\ntitle: t\nwebUrl: https://x.com/1\npublishedDateTime: next tuesday\n"
                    "---\n", 4, "is not a date and time"),
        "utf8.md": (b"---\ntitle: caf\xe9\nwebUrl: https://x.com/2\n---\n", 2, "not valid UTF-8"),
        "big.md": ("---\ntitle: big\nwebUrl: https://x.com/3\nexcerpt: " + "x" * 5000 + "\n---\n",
                   1, "more than the limit"),
        "bomb.md": (bomb, 2, "alias bomb"),
        "unclosed.md": ("---\ntitle: t\n", 1, "never closed"),
    }
    for name, (text, _, _) in bad.items():
        _write(folder, name, text)
    report = db.ingest([folder], max_size=4000)
    by_file = {Path(p.path).name: p for p in report.rejected}
    assert set(by_file) == set(bad)
    for name, (_, line, words) in bad.items():
        assert by_file[name].line == line, (name, by_file[name])
        assert words in by_file[name].message, (name, by_file[name])
        assert str(by_file[name]).startswith(f"{folder / name}:{line}: ")
    assert report.documents == 3 and db.stats()["documents"] == 3
    kept = {Path(p).name: raw for p, raw in db.conn.execute("SELECT path, raw FROM quarantine")}
    for name, (text, _, _) in bad.items():  # the raw bytes, within the size limit
        assert kept[name] == (text if isinstance(text, bytes) else text.encode("utf-8"))[:4000]
    assert len(kept["big.md"]) == 4000
    assert db.stats()["rejected"] == len(bad)


def test_bad_related_item_is_skipped_and_reported_good_items_kept(
    db: Database, tmp_path: Path
) -> None:
    text = SEED_000.read_text().replace(
        'publishedDateTime: 2022-06-24T14:24:00Z', 'publishedDateTime: "sometime in June"')
    path = _write(tmp_path, "doc.md", text)
    report = db.ingest([path])
    assert report.rejected == [] and report.documents == 1
    (warning,) = report.warnings
    assert "related item 2 was skipped" in warning.message
    assert warning.line == text.split("\n").index(
        '  - title: "Why Microsoft is rolling back its AI-powered facial analysis tech"') + 1
    assert db.stats()["related_links"] == 4


def test_unchanged_files_are_skipped_and_changed_files_replace_their_contribution(
    db: Database, tmp_path: Path
) -> None:
    path = _write(tmp_path, "seed.md", SEED_000.read_text())
    first = db.ingest([tmp_path])
    assert (first.documents, first.unchanged, first.updated) == (1, 0, 0)
    again = db.ingest([tmp_path])
    assert (again.documents, again.unchanged, again.updated) == (0, 1, 0)
    os.utime(path, ns=(1, 1))  # touched, same bytes: read, hashed, skipped
    touched = db.ingest([tmp_path])
    assert (touched.documents, touched.unchanged) == (0, 1)
    # change the title and drop the Zawya press release from the related list
    text = SEED_000.read_text().replace(
        "Microsoft is removing emotion recognition", "Microsoft removes emotion recognition")
    text = re.sub(r"  - title: \"CWallet.*?isCached: true\n", "", text, flags=re.S)
    path.write_text(text)
    changed = db.ingest([tmp_path])
    assert (changed.documents, changed.unchanged, changed.updated) == (1, 0, 1)
    stats = db.stats()
    assert stats["documents"] == 1 and stats["document_versions"] == 2
    assert stats["related_links"] == 4
    assert db.resolve_url("https://www.zawya.com/en/press-release/companies-news/"
                          "cwallet-and-microsoft-qatar-partner-to-bring-the-latest-fintech-"
                          "services-to-organizations-through-azure-s8nv00o3") is None
    assert "zawya.com" not in {r[0] for r in db.conn.execute("SELECT domain FROM outlets")}
    versions = db.conn.execute(  # document_text() is SQLite's only: read the text in Python
        "SELECT version, current, raw_zlib FROM documents ORDER BY version"
    ).fetchall()
    assert [(v, c, "removes emotion" in document_text(z)) for v, c, z in versions] == [
        (1, 0, False), (2, 1, True)]
    title = db.conn.execute("SELECT title FROM articles WHERE has_document = 1").fetchone()[0]
    assert title.startswith("Microsoft removes emotion recognition")


def test_same_document_under_two_paths_is_one_article(db: Database, tmp_path: Path) -> None:
    _write(tmp_path, "a.md", SEED_000.read_text())
    _write(tmp_path, "b.md", SEED_000.read_text())
    db.ingest([tmp_path])
    stats = db.stats()
    assert stats["documents"] == 2 and stats["articles_with_document"] == 1
    assert stats["articles"] == 6


def test_aliases_resolve_and_related_items_merge_with_their_own_document(
    db: Database, tmp_path: Path
) -> None:
    db.ingest([SEED_000])
    amp = "https://www.nbcnews.com/news/amp/rcna35087"
    cdn = "https://www-nbcnews-com.cdn.ampproject.org/c/s/www.nbcnews.com/news/amp/rcna35087"
    web = ("https://www.nbcnews.com/tech/tech-news/microsoft-removing-emotion-recognition-"
           "features-facial-recognition-tec-rcna35087?utm_source=x")
    assert db.resolve_url(amp) == db.resolve_url(cdn) == db.resolve_url(web) is not None
    popsci_amp = ("https://www-popsci-com.cdn.ampproject.org/c/s/www.popsci.com/technology/"
                  "microsoft-removes-facial-recognition-tools/?amp")
    popsci = db.resolve_url(popsci_amp)
    assert popsci is not None
    # popsci's own document, later, under its AMP address only: it becomes the same article
    _write(tmp_path, "popsci.md", "---\ntitle: Why Microsoft is rolling back (full)\n"
           f"ampWebUrl: \"{popsci_amp}\"\ntopics: [AI Ethics]\n"
           "provider: {name: PopSci, domain: www.popsci.com}\n---\n")
    db.ingest([tmp_path / "popsci.md"])
    assert db.resolve_url(popsci_amp) == popsci
    row = db.conn.execute("SELECT title, has_document, canonical_url FROM articles WHERE id = ?",
                          (popsci,)).fetchone()
    assert tuple(row) == ("Why Microsoft is rolling back (full)", 1,
                          "https://popsci.com/technology/microsoft-removes-facial-recognition-tools")
    assert db.stats()["articles"] == 6


def test_record_listing_urls_of_two_known_articles_merges_them(db: Database, tmp_path: Path
                                                                ) -> None:
    _write(tmp_path, "a.md", "---\ntitle: A\nwebUrl: https://a.com/story\n---\n")
    _write(tmp_path, "b.md", "---\ntitle: B amp\nampWebUrl: https://a.com/story-amp\n---\n")
    db.ingest([tmp_path])
    assert db.stats()["articles"] == 2
    _write(tmp_path, "c.md", "---\ntitle: A full\nwebUrl: https://a.com/story\n"
           "ampWebUrl: https://a.com/story-amp\n---\n")
    db.ingest([tmp_path / "c.md"])
    assert db.stats()["articles"] == 1
    assert db.resolve_url("https://a.com/story-amp") == db.resolve_url("https://a.com/story")
    if db.engine == "sqlite":  # PostgreSQL checks every foreign key at each statement
        assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_outlet_names_are_counted_and_overrides_merge_and_rename(
    db: Database, tmp_path: Path
) -> None:
    for n, (name, domain) in enumerate([("Microsoft", "microsoft.com"),
                                        ("Microsoft News", "www.microsoft.com"),
                                        ("Microsoft", "microsoft.com"),
                                        ("MS Blogs", "blogs.microsoft.com")]):
        _write(tmp_path, f"{n}.md", f"---\ntitle: t{n}\nwebUrl: https://x.com/{n}\n"
               f"provider: {{name: {name}, domain: {domain}}}\n---\n")
    db.ingest([tmp_path])
    names = db.conn.execute("SELECT o.domain, n.name, n.count FROM outlet_names n JOIN outlets o "
                            "ON o.id = n.outlet_id ORDER BY 1, 3 DESC").fetchall()
    assert [tuple(r) for r in names] == [("blogs.microsoft.com", "MS Blogs", 1),
                                         ("microsoft.com", "Microsoft", 2),
                                         ("microsoft.com", "Microsoft News", 1)]
    overrides = tmp_path / "overrides.yml"
    overrides.write_text("merge:\n  blogs.microsoft.com: microsoft.com\n"
                         "rename:\n  microsoft.com: Microsoft Corp.\n")
    db.ingest([tmp_path], overrides=overrides)
    outlets = db.conn.execute("SELECT domain, name FROM outlets").fetchall()
    assert [tuple(r) for r in outlets] == [("microsoft.com", "Microsoft Corp.")]
    # a later ingest keeps applying the stored overrides
    _write(tmp_path, "9.md", "---\ntitle: t9\nwebUrl: https://x.com/9\n"
           "provider: {name: MS Blogs, domain: blogs.microsoft.com}\n---\n")
    db.ingest([tmp_path])
    assert db.stats()["outlets"] == 1


@sqlite_only  # document_fields()/document_text() are SQLite's SQL functions
def test_json_page_file_with_nulls_and_offsets(db: Database) -> None:
    report = db.ingest([DATA / "ai-ethics-page-1.json"])
    assert report.rejected == [] and report.documents == db.stats()["documents"] > 1
    data = db.conn.execute("SELECT document_fields(raw_zlib, format) FROM documents "
                           "ORDER BY id LIMIT 1").fetchone()[0]
    assert '"path":"_news/2021-08-12-report-identifies' in data and '"sourceUrl":null' in data


@pytest.mark.parametrize("platform", ["linux", "darwin"])  # workers forked, spawned
def test_parallel_parsing_gives_the_same_database(tmp_path: Path, platform: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphnews._processes.sys.platform", platform)
    inputs = [SEEDS, DATA]
    serial, parallel = graphnews.open(tmp_path / "s.db"), graphnews.open(tmp_path / "p.db")
    serial.ingest(inputs, workers=0)
    parallel.ingest(inputs, workers=2)
    query = ("SELECT a.canonical_url, a.title, a.published, o.domain FROM articles a "
             "JOIN outlets o ON o.id = a.outlet_id ORDER BY 1")
    assert serial.conn.execute(query).fetchall() == parallel.conn.execute(query).fetchall()
    assert serial.stats() == parallel.stats()


def test_stdin(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    cmd = [sys.executable, "-m", "graphnews", "ingest", "-", "--db", str(db_path),
           "--format", "json"]
    out = subprocess.run(cmd, input=SEED_000.read_bytes(), capture_output=True, check=True)
    assert b'"documents": 1' in out.stdout
    again = subprocess.run(cmd, input=SEED_000.read_bytes(), capture_output=True, check=True)
    assert b'"unchanged": 1' in again.stdout
    assert graphnews.open(db_path).stats()["documents"] == 1


def _replicas(folder: Path, copies: int) -> None:
    folder.mkdir()
    texts = [p.read_text() for p in sorted(SEEDS.glob("*.md"))]
    for k in range(copies):
        for i, text in enumerate(texts):
            varied = re.sub(r'(https://[^"\s?]+)', rf"\1-{k}", text)
            (folder / f"d{k:05d}_{i}.md").write_text(varied)


@pytest.mark.slow
def test_sigkill_during_ingest_leaves_a_sound_database_that_converges(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _replicas(corpus, 1500)
    reference = graphnews.open(tmp_path / "ref.db")
    reference.ingest([corpus])
    expected = reference.stats()
    db_path = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "graphnews", "ingest", str(corpus), "--db", str(db_path),
           "--silent", "--format", "json"]
    kills = 0
    for delay in (0.25, 0.6, 0.9, 1.3, 0.45, 1.8):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        _assert_no_process_left(str(db_path))
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert kills >= 3, "the ingest finished before it could be killed: make the corpus larger"
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    assert graphnews.open(db_path).stats() == expected


def _assert_no_process_left(marker: str) -> None:
    """No parse worker of a killed ingest lingers (they die with their parent)."""
    deadline = time.monotonic() + 5
    while True:
        left = []
        for entry in Path("/proc").iterdir():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if entry.name.isdigit() and marker.encode() in cmdline:
                left.append(entry.name)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == [], f"processes of the killed ingest still running: {left}"


@sqlite_only  # document_fields()/document_text() are SQLite's SQL functions
def test_every_field_and_the_exact_text_are_recoverable(db: Database) -> None:
    """The text is stored once, compressed; the fields and each related item come back from it."""
    import hashlib
    import json

    import yaml

    db.ingest([SEED_000])
    text, fields, digest = db.conn.execute(
        "SELECT document_text(raw_zlib), document_fields(raw_zlib, format), content_hash "
        "FROM documents").fetchone()
    assert text == SEED_000.read_text(encoding="utf-8")
    assert digest == hashlib.sha256(SEED_000.read_bytes()).hexdigest()
    expected = yaml.safe_load(text.split("---\n")[1])  # PyYAML as the independent reader
    assert json.loads(fields)["title"] == expected["title"]
    iso = json.dumps(expected["related"], default=lambda v: v.isoformat())
    assert json.loads(fields)["related"] == json.loads(iso)
    for position, url in db.conn.execute(
        "SELECT l.position, json_extract(document_fields(d.raw_zlib, d.format), "
        "'$.related[' || l.position || '].webUrl') FROM related_links l "
        "JOIN documents d ON d.id = l.document_id"):
        assert url == expected["related"][position]["webUrl"]


def test_a_schema_2_database_is_migrated_keeping_every_document(tmp_path: Path) -> None:
    """Schema 2 kept the text in `raw` and the fields again in `data`; 3 compresses the text."""
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.executescript(schema_2() + "; PRAGMA user_version = 2;")
    text = SEED_000.read_text(encoding="utf-8")
    conn.execute("INSERT INTO documents (id, path, position, line, format, content_hash, raw, "
                 "data, version, ingested_at, provider_domain, provider_name) VALUES "
                 "(1, 'a.md', 0, 2, 'markdown', 'h', ?, '{}', 1, 'now', 'x.com', 'X')", (text,))
    conn.commit()
    conn.close()
    db = graphnews.open(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert db.conn.execute("SELECT document_text(raw_zlib) FROM documents").fetchone()[0] == text
    columns = {r[1] for r in db.conn.execute("PRAGMA table_info(related_links)")}
    assert "data" not in columns
