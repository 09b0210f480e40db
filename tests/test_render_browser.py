"""The rendered pages in a real browser: Debian's chromium driven by Playwright.

Never a downloaded browser: ``/usr/bin/chromium`` or nothing. Without it the tests skip with a
reason on a developer machine, and fail in CI (``CI`` set), where they must run.

Set ``GRAPHNEWS_SCREENSHOTS=1`` to also write the screenshots into ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import graphnews
from graphnews.render import render_site
from graphnews.stories import detect_stories
from tests.conftest import IMG, ROOT, SCRIPT, storied_copy, write_hostile_corpus

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass
class Visit:
    """A page opened in the browser, with everything it did."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No request but the file itself, no console error or uncaught exception, no dialog."""
        assert self.requests and set(self.requests) == {self.url}, self.requests
        assert self.errors == []
        assert self.dialogs == []

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs these")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    """``visit(path)`` opens a page in a fresh context, recording what it does."""
    contexts = []

    def open_page(path: Path, *, ready: bool = True) -> Visit:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page=page, url=path.resolve().as_uri())
        page.on("request", lambda r: seen.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
        page.on("pageerror", lambda e: seen.errors.append(f"uncaught: {e}"))
        page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
        page.goto(seen.url)
        if ready:
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
        return seen

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def real_site(real_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The site of the real corpus (seeds + related/), by page name, with ``--ranges``."""
    folder = tmp_path_factory.mktemp("site")
    with graphnews.open(storied_copy(real_db_path, folder), readonly=True) as database:
        pages = render_site(database, folder / "site", top_stories=3, ranges=True)
    return {p.name: p for p in pages}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The site of `write_hostile_corpus`, ingested end to end."""
    folder = tmp_path_factory.mktemp("hostile")
    write_hostile_corpus(folder / "docs")
    with graphnews.open(folder / "h.db") as database:
        assert database.ingest([folder / "docs"]).rejected == []
        detect_stories(database)
        pages = render_site(database, folder / "site")
    return {p.name: p for p in pages}


def story_page(site: dict[str, Path]) -> Path:
    return next(p for name, p in site.items() if name.startswith("story-"))


def hover(seen: Visit, node: str) -> str:
    """Move the mouse onto ``node`` and return the text of the tooltip that shows."""
    page = seen.page
    box = page.locator("#network").bounding_box()
    at = seen.js("id => { const n = window.graphnews.network;"
                 " return n.canvasToDOM(n.getPositions([id])[id]); }", node)
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.move(box["x"] + at["x"], box["y"] + at["y"], steps=3)
    tip = page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5_000)
    return str(tip.inner_text())


def click(seen: Visit, node: str) -> None:
    box = seen.page.locator("#network").bounding_box()
    at = seen.js("id => { const n = window.graphnews.network;"
                 " return n.canvasToDOM(n.getPositions([id])[id]); }", node)
    seen.page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])


# -- offline ----------------------------------------------------------------------------------

def test_every_page_requests_nothing_but_itself(visit: Any, real_site: dict[str, Path]) -> None:
    assert len(real_site) == 6  # index, outlets, topics, 3 stories
    for name, path in real_site.items():
        seen = visit(path, ready=name != "index.html")
        if name != "index.html":
            node = seen.js("window.graphnews.nodes.getIds()[0]")
            assert hover(seen, node)
            click(seen, node)
            assert seen.page.locator("#details .name").inner_text()
        seen.page.wait_for_timeout(200)
        seen.assert_clean()


# -- usable at once ---------------------------------------------------------------------------

def test_outlet_page_reaches_stabilized_and_then_keeps_still(
    visit: Any, real_site: dict[str, Path]
) -> None:
    seen = visit(real_site["outlets.html"])
    state = seen.js("({stabilized: window.graphnews.stabilized,"
                    " at: window.graphnews.stabilizedAt, nodes: window.graphnews.nodes.length})")
    assert state["stabilized"] is True and state["at"] > 0
    assert state["nodes"] == 100
    before = seen.js("window.graphnews.network.getPositions()")
    seen.page.wait_for_timeout(500)
    assert seen.js("window.graphnews.network.getPositions()") == before  # physics is off
    assert "Showing 100 of 131 outlets" in seen.page.locator("#caption").inner_text()
    assert seen.page.locator("#legend li").count() >= 2
    seen.assert_clean()


def test_search_box_finds_a_node_by_name(visit: Any, real_site: dict[str, Path]) -> None:
    seen = visit(real_site["outlets.html"])
    page = seen.page
    page.fill("#search", "cnet")
    page.press("#search", "Enter")
    assert seen.js("window.graphnews.network.getSelectedNodes()") == ["outlet:cnet.com"]
    assert page.locator("#search-status").inner_text() == "found: CNET"
    assert page.locator("#details .name").inner_text() == "CNET"
    page.fill("#search", "techcrunch.com")  # a domain works too
    page.press("#search", "Enter")
    assert seen.js("window.graphnews.network.getSelectedNodes()") == ["outlet:techcrunch.com"]
    page.fill("#search", "no such outlet")
    page.press("#search", "Enter")
    assert seen.js("window.graphnews.network.getSelectedNodes()") == []
    assert "nothing on this page matches" in page.locator("#search-status").inner_text()
    seen.assert_clean()


def test_slider_hides_weak_edges(visit: Any, real_site: dict[str, Path]) -> None:
    seen = visit(real_site["outlets.html"])
    slider = seen.page.locator("#min-weight")
    top = int(slider.get_attribute("max"))
    weights = seen.js("window.graphnews.edges.get().map(e => e.weight)")
    slider.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", top)
    shown = seen.js("window.graphnews.edges.get({filter: e => !e.hidden}).length")
    assert shown == sum(1 for w in weights if w >= top) < len(weights)
    assert seen.page.locator("#min-weight-value").inner_text() == (
        f"{top} ({shown} of {len(weights)} edges)")
    seen.assert_clean()


# -- safe -------------------------------------------------------------------------------------

def test_hostile_text_shows_as_text_and_never_runs(visit: Any,
                                                   hostile_site: dict[str, Path]) -> None:
    assert {"index.html", "outlets.html", "topics.html"} < set(hostile_site)
    for name, path in hostile_site.items():
        seen = visit(path, ready=name != "index.html")
        # Nothing the corpus wrote became an element: only our three scripts, no img, no iframe.
        assert seen.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
        assert seen.js("document.scripts.length") == (0 if name == "index.html" else 3)
        if name != "index.html":
            for node in seen.js("window.graphnews.nodes.getIds()"):
                tip = hover(seen, node)
                assert tip.strip()
                click(seen, node)
            texts = seen.js("Array.from(document.querySelectorAll('#legend li, #details'))"
                            ".map(e => e.textContent).join(' ')")
            seen.page.fill("#search", "<script>")
            seen.page.press("#search", "Enter")
            assert seen.page.locator("#search-status").inner_text().startswith("found: ")
        else:
            texts = seen.page.locator("body").inner_text()
        assert SCRIPT in texts or IMG in texts, name
        seen.page.wait_for_timeout(200)
        seen.assert_clean()


def test_hostile_outlet_names_in_tooltip_details_and_legend(
    visit: Any, hostile_site: dict[str, Path]
) -> None:
    seen = visit(hostile_site["outlets.html"])
    assert hover(seen, "outlet:img.example").splitlines()[:2] == [IMG, "img.example"]
    assert hover(seen, "outlet:evil.example").splitlines()[0] == SCRIPT
    click(seen, "outlet:img.example")
    assert seen.page.locator("#details .name").inner_text() == IMG
    assert SCRIPT in seen.page.locator("#legend").inner_text()
    story = visit(story_page(hostile_site))
    rows = story.page.locator("#articles tbody tr")
    assert rows.count() == 3
    assert SCRIPT in rows.first.inner_text() and IMG in rows.first.inner_text()
    hrefs = story.js("Array.from(document.querySelectorAll('#articles a')).map(a => a.href)")
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    seen.assert_clean()
    story.assert_clean()


# -- screenshots ------------------------------------------------------------------------------

def test_screenshots_of_the_real_corpus(visit: Any, real_site: dict[str, Path],
                                        tmp_path: Path) -> None:
    shots = {"outlets.png": real_site["outlets.html"], "story.png": story_page(real_site)}
    for name, path in shots.items():
        seen = visit(path)
        seen.page.screenshot(path=str(tmp_path / name), full_page=name == "story.png")
        seen.assert_clean()
        if name == "story.png":  # what --ranges adds is on the page a reader sees
            shown = seen.page.locator("#spread").inner_text()
            assert "found whole" in shown and " of " in shown
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 20_000
        if os.environ.get("GRAPHNEWS_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / name, SCREENSHOTS / name)
