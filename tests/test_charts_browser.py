"""Attention charts of the HTML site in Debian's chromium: no request, no console error, one
bar per period, axis labels and dates drawn as text."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import graphnews
from graphnews.attention import attention
from graphnews.collections import import_outlets, resolve_collection, save_collection
from graphnews.render import render_site
from tests.helpers_corpus import article, plant_stories, write_corpus
from tests.test_render_browser import SCREENSHOTS, browser, visit  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

DAYS = ["2022-06-13", "2022-06-13", "2022-06-14", "2022-06-19", "2022-06-20", "2022-07-02"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("charts")
    docs = []
    for i, day in enumerate(DAYS):
        outlet = "us1.com" if i % 2 else "uk1.co.uk"
        doc = article(outlet, str(i), f"{day}T1{i}:00:00Z", title=f"Driverless taxis news {i}")
        doc["topics"] = ["AI" if i < 4 else "Cars"]
        docs.append(doc)
    db = graphnews.open(folder / "c.db")
    db.ingest([write_corpus(folder / "docs", docs)])
    (folder / "m.csv").write_text("domain,country\nus1.com,us\nuk1.co.uk,uk\n")
    import_outlets(db, folder / "m.csv")
    save_collection(db, "uk", rule="country=uk")
    plant_stories(db, {"s-000000000001": ["https://us1.com/1", "https://uk1.co.uk/2",
                                          "https://us1.com/3"]})
    pages = render_site(db, folder / "site")
    days = attention(db, every="day").periods
    uk = attention(db, every="day", by="collection", span=(days[0], days[-1]),
                   collections=[resolve_collection(db, "uk")])
    return {"pages": {p.name: p for p in pages}, "days": days, "uk": uk.series[0]["articles"]}


def bars(seen: Any, chart: str) -> int:
    return int(seen.js(f"document.querySelectorAll('#{chart} rect.bar').length"))


def texts(seen: Any, chart: str, css: str) -> list[str]:
    return list(seen.js(f"[...document.querySelectorAll('#{chart} {css}')]"
                        ".map(t => t.textContent)"))


def test_overview_charts_in_the_browser(visit: Any, site: dict[str, Any],  # noqa: F811
                                        tmp_path: Path) -> None:
    seen = visit(site["pages"]["index.html"], ready=False)
    seen.assert_clean()  # zero requests but the file, no console error
    days = site["days"]
    assert len(days) == 20
    charts = seen.js("[...document.querySelectorAll('figure.attention')].map(f => f.id)")
    assert charts == ["attention-all-0", "attention-topic-0", "attention-topic-1",
                      "attention-collection-0"]
    for chart in charts:
        assert bars(seen, chart) == len(days)
        assert texts(seen, chart, "text.axis-label.y") == ["articles per day"]
        assert texts(seen, chart, "text.axis-label.x") == ["published (UTC)"]
        ticks = texts(seen, chart, "text.tick.x")
        assert ticks[0] == "2022-06-13" and all(t in days for t in ticks)
    assert texts(seen, "attention-all-0", "text.tick.y") == ["0", "1", "2"]
    assert texts(seen, "attention-collection-0", "text.chart-title") == [
        "Collection uk: articles per day"]
    heights = seen.js("[...document.querySelectorAll('#attention-collection-0 rect.bar')]"
                      ".map(r => r.getBBox().height)")
    assert [h > 0 for h in heights] == [n > 0 for n in site["uk"]]
    seen.page.locator("#attention").screenshot(path=str(tmp_path / "attention.png"))
    assert (tmp_path / "attention.png").read_bytes().startswith(b"\x89PNG")


def test_story_chart_in_the_browser(visit: Any, site: dict[str, Any]) -> None:  # noqa: F811
    story = site["pages"]["story-s-000000000001.html"]
    seen = visit(story)
    seen.assert_clean()
    # its articles: June 13 11:00, June 14 12:00 and June 19 13:00: one bar a day, 13..19
    assert bars(seen, "attention-story") == 7
    assert texts(seen, "attention-story", "text.value") == ["1", "1", "1"]
    assert texts(seen, "attention-story", "text.tick.x")[0] == "2022-06-13"


def test_screenshot_of_the_real_corpus_charts(visit: Any, real_db_path: Path,  # noqa: F811
                                              tmp_path: Path) -> None:
    """The README's screenshot: the overview charts of the shared corpus."""
    from tests.conftest import DATA

    db = graphnews.open(tmp_path / "real.db")
    graphnews.open(real_db_path).conn.backup(db.conn)
    import_outlets(db, DATA / "outlets-sample.csv")
    save_collection(db, "uk", rule="country=uk")
    pages = render_site(db, tmp_path / "site", top_stories=1)
    seen = visit(pages[0], ready=False)
    seen.assert_clean()
    shot = tmp_path / "attention.png"
    seen.page.locator("#attention").screenshot(path=str(shot))
    assert len(shot.read_bytes()) > 10_000
    if os.environ.get("GRAPHNEWS_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / "attention.png")
