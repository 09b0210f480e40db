from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphnews
from graphnews.errors import OverridesError
from graphnews.identity import _PLAIN_URL, Overrides, _split, canonical_url, outlet_domain


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.nbcnews.com/tech/a-b", "https://nbcnews.com/tech/a-b"),
        ("http://WWW.NBCNews.com/tech/a-b/", "https://nbcnews.com/tech/a-b"),
        ("https://m.example.com/x", "https://example.com/x"),
        ("https://amp.example.com/x", "https://example.com/x"),
        ("https://www.nbcnews.com/news/amp/rcna35087", "https://nbcnews.com/news/rcna35087"),
        ("https://www-nbcnews-com.cdn.ampproject.org/c/s/www.nbcnews.com/news/amp/rcna35087",
         "https://nbcnews.com/news/rcna35087"),
        ("https://www-kxan-com.cdn.ampproject.org/c/s/www.kxan.com/news/local/x/amp/",
         "https://kxan.com/news/local/x"),
        ("https://example.com/a/google-amp/b", "https://example.com/a/b"),
        ("https://www.popsci.com/technology/x/?amp", "https://popsci.com/technology/x"),
        ("https://example.com/x?amp=1&id=7", "https://example.com/x?id=7"),
        ("https://example.com/x?utm_source=tw&utm_medium=s&fbclid=1&gclid=2&page=2",
         "https://example.com/x?page=2"),
        ("https://example.com/x#comments", "https://example.com/x"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com/Case/Sensitive", "https://example.com/Case/Sensitive"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", [None, "", "   ", "not a url", "ftp://example.com/x",
                                 "https://localhost/x", 42, "https://x.cdn.ampproject.org/zz"])
def test_canonical_url_refuses_what_is_not_a_web_address(url: object) -> None:
    assert canonical_url(url) is None


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.from_regex(_PLAIN_URL, fullmatch=True),
                 st.text(alphabet="htps:/.?#=&@[]%_-:8 \t\nAZaz\u212a\u0131", max_size=40)))
def test_split_agrees_with_urllib(url: str) -> None:
    """The usual shape is split without urllib, exactly as urllib splits it."""
    try:
        parts = urlsplit(url)
        expected = (parts.scheme, parts.hostname or "", parts.port, parts.path, parts.query)
    except ValueError:
        with pytest.raises(ValueError):
            _split(url)
        return
    assert _split(url) == expected


def test_amp_variants_of_one_article_agree() -> None:
    variants = [
        "https://www.forbes.com/sites/q/2022/06/24/on-crm/",
        "https://www.forbes.com/sites/q/2022/06/24/on-crm/amp/",
        "https://www-forbes-com.cdn.ampproject.org/c/s/www.forbes.com/sites/q/2022/06/24/on-crm/amp/",
        "https://forbes.com/sites/q/2022/06/24/on-crm?utm_campaign=x#top",
    ]
    assert len({canonical_url(v) for v in variants}) == 1


def test_outlet_domain() -> None:
    assert outlet_domain("WWW.Forbes.com") == "forbes.com"
    assert outlet_domain("https://www.bbc.co.uk/news") == "bbc.co.uk"
    assert outlet_domain(None) is None
    assert outlet_domain("  ") is None


def test_overrides_merge_chains_and_rename(tmp_path: Path) -> None:
    path = tmp_path / "o.yml"
    path.write_text("merge:\n  blogs.microsoft.com: news.microsoft.com\n"
                    "  news.microsoft.com: microsoft.com\nrename:\n  microsoft.com: Microsoft\n")
    overrides = Overrides.load(path)
    assert overrides.outlet_for("www.blogs.microsoft.com") == "microsoft.com"
    assert overrides.outlet_for("forbes.com") == "forbes.com"
    assert overrides.rename == {"microsoft.com": "Microsoft"}


@pytest.mark.parametrize("text", ["[1, 2]", "merge: [a]", "other: {}", "merge: {a: [b]}",
                                  "merge: {a: b"])
def test_bad_overrides_file_is_a_plain_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "o.yml"
    path.write_text(text)
    with pytest.raises(OverridesError, match=r"o\.yml"):
        Overrides.load(path)


def test_outlet_identity_is_one_spelling_and_only_hosts(tmp_path) -> None:
    """Issue 14: Unicode host and punycode are one outlet; a port never makes another outlet
    (article URLs keep a non-default port); what is not a host falls back to the URL's host."""
    folder = tmp_path / "in"
    folder.mkdir()
    docs = [("https://bücher.example/1", "bücher.example"),
            ("https://xn--bcher-kva.example/2", "xn--bcher-kva.example"),
            ("https://ports.example:8080/3", "ports.example:8080"),
            ("https://ports.example/4", "ports.example"),
            ("https://safe.example/5", "../../x")]
    for i, (url, domain) in enumerate(docs):
        (folder / f"{i}.md").write_text(
            f"---\nwebUrl: {url}\nprovider:\n  domain: {domain}\n---\n", encoding="utf-8")
    db = graphnews.open(tmp_path / "t.db")
    assert not db.ingest([folder]).rejected
    outlets = sorted(r[0] for r in db.conn.execute("SELECT domain FROM outlets"))
    assert outlets == ["ports.example", "safe.example", "xn--bcher-kva.example"]
    urls = sorted(r[0] for r in db.conn.execute("SELECT canonical_url FROM articles"))
    assert "https://ports.example:8080/3" in urls and "https://xn--bcher-kva.example/1" in urls
