"""Canonical identity: one URL per article, one domain per outlet.

An article is known by its canonical URL, so that the AMP page, the Google AMP cache copy and the
page with tracking parameters all resolve to one article. An outlet is known by its provider domain;
the user's overrides file can merge domains and rename outlets.

Examples
--------
>>> canonical_url("https://www-nbcnews-com.cdn.ampproject.org/c/s/www.nbcnews.com/news/amp/rcna35087")
'https://nbcnews.com/news/rcna35087'
>>> canonical_url("http://WWW.Example.com/a/b/?utm_source=x&id=3#top")
'https://example.com/a/b?id=3'
>>> outlet_domain("WWW.Forbes.com")
'forbes.com'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from graphnews.errors import OverridesError

__all__ = ["URL_FIELDS", "Overrides", "canonical_url", "outlet_domain"]

#: The URL fields of a record, in order of preference for the article's canonical URL.
URL_FIELDS: tuple[str, ...] = ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")

_HOST_PREFIXES = ("www.", "m.", "amp.")
_AMP_SEGMENTS = frozenset({"amp", "google-amp"})
_DROPPED_PARAMS = frozenset({"amp", "fbclid", "gclid"})
_AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
# The usual shape of an article URL: http(s), a host of letters, digits, dots and dashes (no user,
# no port), a path and a query without whitespace, any fragment. `_split` takes it apart without
# urllib, whose `urlsplit` with `hostname` and `port` was half of canonicalising a new URL.
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9.-]+)(/[^?#\s]*)?(?:\?([^#\s]*))?(?:#.*)?",
                        re.ASCII | re.IGNORECASE | re.DOTALL)
# Labels of letters, digits, '-' and '_' (seen in real hosts), joined by single dots.
_HOST = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")


def canonical_url(url: object) -> str | None:
    """Return the canonical form of an article URL, or None when it is not a usable web URL.

    https, lowercase host without ``www.``/``m.``/``amp.``, Google AMP cache URLs unwrapped,
    ``/amp`` and ``/google-amp`` path segments removed, ``amp``, ``utm_*``, ``fbclid`` and ``gclid``
    query parameters and the fragment dropped, trailing slash dropped.
    """
    if not isinstance(url, str):
        return None
    return _canonical(url)


@lru_cache(maxsize=1 << 18)
def _canonical(url: str) -> str | None:
    # The same URLs recur in many `related` lists: the cache makes a repeat free.
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        if text.startswith("//"):
            text = "https:" + text
        else:
            return None
    try:
        scheme, hostname, port, path, query = _split(text)
    except ValueError:
        return None
    host = _host(hostname)
    if scheme not in ("http", "https") or host is None or "." not in host:
        return None
    if host.endswith(_AMP_CACHE_SUFFIX):
        unwrapped = _unwrap_amp_cache(path, query)
        if unwrapped is None:
            return None
        return _canonical(unwrapped)
    host = _strip_host_prefixes(host)
    if port not in (None, 80, 443):  # a port other than the scheme's default names another site
        host = f"{host}:{port}"
    segments = [s for s in path.split("/") if s and s.lower() not in _AMP_SEGMENTS]
    clean_path = "/" + "/".join(segments) if segments else ""
    if query:
        query = urlencode([
            (k, v)
            for k, v in parse_qsl(query, keep_blank_values=True)
            if k.lower() not in _DROPPED_PARAMS and not k.lower().startswith("utm_")
        ])
    return f"https://{host}{clean_path}?{query}" if query else f"https://{host}{clean_path}"


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """Scheme, host name, port, path and query of ``url``, as `urllib.parse.urlsplit` gives them
    (scheme and host name lowercase; raises ValueError for a bad port), the usual shape without it.

    >>> _split("HTTP://Example.com/a?b=1#c"), _split("https://user@example.com:8080")
    (('http', 'example.com', None, '/a', 'b=1'), ('https', 'example.com', 8080, '', ''))
    """
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:
        scheme, host, path, query = plain.groups()
        return scheme.lower(), host.lower(), None, path or "", query or ""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port, parts.path, parts.query


def outlet_domain(domain: object) -> str | None:
    """Return the outlet identity for a provider domain: lowercase, without ``www.``."""
    if not isinstance(domain, str):
        return None
    return _outlet_domain(domain)


@lru_cache(maxsize=1 << 16)
def _outlet_domain(domain: str) -> str | None:
    # Every document and related item names its provider's domain: a few hundred distinct ones.
    text = domain.strip().lower().rstrip(".")
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/")[0]
    if text.count(":") == 1:  # a port never makes another outlet
        text = text.split(":")[0]
    if text.startswith("www."):
        text = text[4:]
    return _host(text)


def _host(text: str) -> str | None:
    """A host name in one spelling (IDNA: Unicode names as punycode), or None if it is none.

    >>> _host("Bücher.example"), _host("xn--bcher-kva.example"), _host("../../x")
    ('xn--bcher-kva.example', 'xn--bcher-kva.example', None)
    """
    text = text.strip().lower().rstrip(".")
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return text if _HOST.fullmatch(text) else None


def _strip_host_prefixes(host: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") > 1:
                host = host[len(prefix) :]
                stripped = True
    return host


def _unwrap_amp_cache(path: str, query: str) -> str | None:
    # /c/s/HOST/PATH (https origin) or /c/HOST/PATH (http origin); /v/ and /i/ for other types.
    segments = path.lstrip("/").split("/")
    if len(segments) < 2 or segments[0] not in ("c", "v", "i"):
        return None
    rest = segments[2:] if segments[1] == "s" else segments[1:]
    if not rest or not rest[0]:
        return None
    target = "https://" + "/".join(rest)
    return f"{target}?{query}" if query else target


@dataclass
class Overrides:
    """The user's outlet overrides: merge domains into one outlet, and rename outlets.

    The overrides file is YAML (or JSON) with two optional mappings::

        merge:                       # provider domain -> outlet domain it belongs to
          blogs.microsoft.com: microsoft.com
          news.microsoft.com: microsoft.com
        rename:                      # outlet domain -> display name
          microsoft.com: Microsoft

    Examples
    --------
    >>> o = Overrides(merge={"blogs.microsoft.com": "microsoft.com"})
    >>> o.outlet_for("www.blogs.microsoft.com")
    'microsoft.com'
    """

    merge: dict[str, str] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Overrides:
        """Read an overrides file; raise `OverridesError` with a plain message when it is wrong."""
        import yaml  # only for an overrides file

        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
            data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            raise OverridesError(f"{p}: cannot read the overrides file: {exc}") from None
        data = data or {}
        if not isinstance(data, dict) or set(data) - {"merge", "rename"}:
            raise OverridesError(
                f"{p}: the overrides file must be a mapping with 'merge' and/or 'rename' keys"
            )
        merge, rename = data.get("merge") or {}, data.get("rename") or {}
        for key, mapping in (("merge", merge), ("rename", rename)):
            if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
            ):
                raise OverridesError(f"{p}: '{key}' must map domain names to text")
        return cls(
            merge={outlet_domain(k) or k: outlet_domain(v) or v for k, v in merge.items()},
            rename={outlet_domain(k) or k: v for k, v in rename.items()},
        )

    def outlet_for(self, domain: str) -> str:
        """The outlet domain a provider domain belongs to after merges."""
        d = outlet_domain(domain) or domain
        seen = {d}
        while d in self.merge:
            d = self.merge[d]
            if d in seen:
                break
            seen.add(d)
        return d
