"""Tiny hand-made corpora for the collections, compare and attention tests, and the labelled
subset of tests/data for the story tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

import graphnews
from graphnews.collections import import_outlets
from graphnews.store import Database
from graphnews.stories import detect_stories
from graphnews.stories.fit import read_labels

#: The labelled subset of ai-2022-06 (its documents and labels.tsv).
LABELLED = Path(__file__).parent / "data" / "stories_eval"


def article(domain: str, slug: str, when: str, title: str = "", excerpt: str = "",
            related: Sequence[dict[str, object]] = ()) -> dict[str, object]:
    """A document (or a related item) of ``domain`` published at ``when``."""
    item: dict[str, object] = {
        "title": title or f"{domain} {slug}", "webUrl": f"https://{domain}/{slug}",
        "provider": {"name": domain.split(".")[0].title(), "domain": domain},
        "publishedDateTime": when,
    }
    if excerpt:
        item["excerpt"] = excerpt
    if related:
        item["related"] = list(related)
    return item


def write_corpus(folder: Path, documents: Iterable[dict[str, object]]) -> Path:
    """One Markdown file with YAML front matter per document."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(documents):
        text = "---\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) + "---\n"
        (folder / f"doc-{i:03d}.md").write_text(text, encoding="utf-8")
    return folder


def plant_stories(db: Database, stories: dict[str, Sequence[str]]) -> None:
    """Store stories by hand: story id -> canonical URLs of its articles."""
    with db.transaction() as conn:
        for story, urls in stories.items():
            conn.execute("INSERT INTO stories (id, size, confidence, signature, computed_at) "
                         "VALUES (?, ?, 1.0, ?, '2022-06-30T00:00:00Z')",
                         (story, len(urls), story))
            for url in urls:
                (article_id,) = conn.execute(
                    "SELECT id FROM articles WHERE canonical_url = ?", (url,)).fetchone()
                conn.execute("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)",
                             (story, article_id))


def labelled_subset(path: Path) -> tuple[Database, dict[str, dict[str, str]]]:
    """The labelled subset ingested into a database at ``path``, its stories detected, and
    its labels (`graphnews.stories.fit.read_labels`)."""
    db = graphnews.open(path)
    db.ingest([LABELLED / "ai-2022-06" / "documents"])
    detect_stories(db)
    return db, read_labels(LABELLED / "labels.tsv")


def assign_leans(db: Database, folder: Path, leans: Sequence[str]) -> None:
    """Give every outlet but every seventh a lean, in turn (the seventh are in no collection)."""
    domains = [d for (d,) in db.conn.execute("SELECT domain FROM outlets ORDER BY id")]
    sheet = folder / "lean.csv"
    sheet.write_text("domain,lean\n" + "".join(f"{d},{leans[i % len(leans)]}\n"
                                               for i, d in enumerate(domains) if i % 7))
    import_outlets(db, sheet)
