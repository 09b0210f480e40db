"""Coverage compared between collections of outlets (docs/collections.md explains every number).

`compare` answers ``graphnews compare --by lean`` (one collection per value of an attribute) or
``--collection A --collection B ...``:

- per story: each collection's articles, outlets and shares, which collection reported first and
  how many hours after the first report each other collection joined;
- per collection: the stories it covered most and least relative to its usual share;
- blindspots: stories that the other collections covered and one barely did (`BlindspotRule`);
- the network view: how collections mix in the co-coverage and follows graphs (mixing matrix
  and attribute assortativity, weighted by edge weight; the unweighted values equal networkx's
  ``attribute_mixing_matrix`` and ``attribute_assortativity_coefficient``), and who follows whom
  across collections;
- distinctive words of each collection against the others (`fightin_words`: weighted log-odds
  with an informative Dirichlet prior, Monroe, Colaresi & Quinn 2008), overall or in one story.

An outlet in several of the compared collections counts in the first one given; outlets in none
are left out (``unassigned_articles`` says how many articles that leaves out).
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from graphnews.collections import Collection
from graphnews.dates import iso
from graphnews.errors import BadInputError, NotFoundError
from graphnews.filters import Filters
from graphnews.store import Database

__all__ = [
    "BlindspotRule",
    "CompareReport",
    "assortativity",
    "compare",
    "fightin_words",
    "mixing_matrix",
    "tokenize",
]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class BlindspotRule:
    """When a story is a blindspot of collection C (all three must hold):

    - at least ``min_outlets`` outlets of the *other* compared collections covered the story;
    - C's share of the story's outlets is at most ``max_share``;
    - C's share of all outlets active in the compared period is at least ``min_baseline``
      (C is big enough that its silence is news, not its size).
    """

    min_outlets: int = 3
    max_share: float = 0.1
    min_baseline: float = 0.2

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CompareReport:
    """Everything ``graphnews compare`` shows (the ``--format json`` contract)."""

    collections: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    most_and_least: dict[str, dict[str, list[dict[str, Any]]]]
    blindspots: list[dict[str, Any]]
    rule: dict[str, Any]
    mixing: dict[str, Any]
    follows: list[dict[str, Any]]
    words: dict[str, list[dict[str, Any]]]
    unassigned_articles: int
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the report --------------------------------------------------------------------------------
def compare(
    db: Database,
    collections: Sequence[Collection],
    *,
    filters: Filters | None = None,
    rule: BlindspotRule | None = None,
    story: str | None = None,
    top: int = 5,
    words: int = 15,
    prior_size: float | None = None,
    min_count: int = 3,
) -> CompareReport:
    """Compare coverage between ``collections`` (at least two) over the filtered articles.

    Parameters
    ----------
    story : str, optional
        Distinctive words within this story only (the rest of the report is unchanged).
    top : int
        Stories listed as covered most / least per collection.
    words : int
        Distinctive words listed per collection (0: skip the word counts).
    prior_size, min_count
        See `fightin_words`.

    Raises
    ------
    BadInputError
        With fewer than two collections, or when no article belongs to any of them.
    """
    if len(collections) < 2:
        raise BadInputError("compare needs at least two collections: --by ATTRIBUTE or "
                            "--collection A --collection B")
    f = filters or Filters()
    rule = rule or BlindspotRule()
    group_of = _assign(db, collections)
    names = [c.name for c in collections]
    cond, params = f.article_sql("a")
    rows = db.conn.execute(
        f"SELECT a.id, o.domain, a.published_ts, s.story_id, a.title, a.excerpt "
        f"FROM articles a JOIN outlets o ON o.id = a.outlet_id "
        f"LEFT JOIN story_articles s ON s.article_id = a.id WHERE {cond}", params).fetchall()
    kept = [r for r in rows if r[1] in group_of]
    if not kept:
        raise BadInputError("no article of the filtered set belongs to any of the collections "
                            f"{', '.join(names)}")
    messages: list[str] = []
    totals = _collection_totals(kept, group_of, names)
    stories = _story_rows(db, kept, group_of, names, totals)
    if not stories:
        messages.append("no stories: run 'graphnews stories' (or 'graphnews run') first for the "
                        "per-story comparison and blindspots")
    mixing, follows = _network(db, f, kept, group_of, names)
    text = [(group_of[r[1]], r[4], r[5]) for r in kept if story is None or r[3] == story]
    if story is not None and not text:
        raise NotFoundError(f"no article of story {story!r} belongs to the collections")
    return CompareReport(
        collections=[totals[n] for n in names],
        stories=stories,
        most_and_least=_most_and_least(stories, names, totals, rule, top),
        blindspots=_blindspots(stories, names, totals, rule),
        rule=rule.as_dict(),
        mixing=mixing,
        follows=follows,
        words=_words(text, names, words, prior_size, min_count) if words else {},
        unassigned_articles=len(rows) - len(kept),
        messages=messages,
    )


def _assign(db: Database, collections: Sequence[Collection]) -> dict[str, str]:
    """Outlet domain -> the first of ``collections`` holding it."""
    group_of: dict[str, str] = {}
    for c in collections:
        for domain in sorted(c.members(db)):
            group_of.setdefault(domain, c.name)
    return group_of


def _collection_totals(rows: Sequence[tuple[Any, ...]], group_of: Mapping[str, str],
                       names: Sequence[str]) -> dict[str, dict[str, Any]]:
    articles = Counter(group_of[r[1]] for r in rows)
    outlets: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        outlets[group_of[r[1]]].add(r[1])
    all_articles = sum(articles.values())
    all_outlets = sum(len(v) for v in outlets.values())
    return {n: {"collection": n, "articles": articles[n], "outlets": len(outlets[n]),
                "article_share": _ratio(articles[n], all_articles),
                "outlet_share": _ratio(len(outlets[n]), all_outlets)} for n in names}


def _story_rows(db: Database, rows: Sequence[tuple[Any, ...]], group_of: Mapping[str, str],
                names: Sequence[str], totals: Mapping[str, Mapping[str, Any]]
                ) -> list[dict[str, Any]]:
    members: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        if r[3] is not None:
            members[r[3]].append(r)
    headlines = _headlines(db, list(members))
    result = []
    for story_id, arts in members.items():
        outlets_all = {a[1] for a in arts}
        dated = [a[2] for a in arts if a[2] is not None]
        first_ts = min(dated) if dated else None
        per: dict[str, dict[str, Any]] = {}
        for n in names:
            mine = [a for a in arts if group_of[a[1]] == n]
            outlets = {a[1] for a in mine}
            times = [a[2] for a in mine if a[2] is not None]
            first = min(times) if times else None
            per[n] = {
                "articles": len(mine), "outlets": len(outlets),
                "article_share": _ratio(len(mine), len(arts)),
                "outlet_share": _ratio(len(outlets), len(outlets_all)),
                "first_published": iso(first),
                "lag_hours": (None if first is None or first_ts is None
                              else round((first - first_ts) / 3600, 2)),
            }
        leaders = [n for n in names if per[n]["lag_hours"] == 0]
        result.append({
            "story": story_id, "headline": headlines.get(story_id), "articles": len(arts),
            "outlets": len(outlets_all), "first_published": iso(first_ts),
            "first_collection": leaders[0] if len(leaders) == 1 else
            ("; ".join(leaders) if leaders else None),
            "collections": per,
        })
    result.sort(key=lambda s: (-s["outlets"], -s["articles"], s["story"]))
    return result


def _headlines(db: Database, story_ids: Sequence[str]) -> dict[str, str]:
    """Each story's headline: the title of its earliest titled article."""
    found: dict[str, str] = {}
    for story_id, title in db.conn.execute(
        "SELECT s.story_id, a.title FROM story_articles s JOIN articles a ON a.id = s.article_id "
        "WHERE s.story_id IN (SELECT value FROM json_each(?)) AND a.title IS NOT NULL "
        "ORDER BY s.story_id, a.published_ts IS NULL, a.published_ts, a.id",
        (json.dumps(list(story_ids)),)):
        found.setdefault(story_id, title)
    return found


def _relative(story: Mapping[str, Any], name: str, totals: Mapping[str, Mapping[str, Any]],
              groups: int) -> float:
    """Smoothed ratio of the collection's outlet share in the story to its baseline share."""
    per = story["collections"][name]
    smoothed = (per["outlets"] + 0.5) / (story["outlets"] + 0.5 * groups)
    return smoothed / max(totals[name]["outlet_share"], 1e-9)


def _most_and_least(stories: Sequence[Mapping[str, Any]], names: Sequence[str],
                    totals: Mapping[str, Mapping[str, Any]], rule: BlindspotRule, top: int
                    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per collection, the stories (of at least ``rule.min_outlets`` outlets) it covered more
    than usual (``relative`` > 1, most first) and less (< 1, least first). ``relative`` is the
    collection's share of the story's outlets, smoothed by half an outlet per collection,
    divided by its share of all active outlets."""
    big = [s for s in stories if s["outlets"] >= rule.min_outlets]
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for n in names:
        ranked = sorted(big, key=lambda s, n=n: (-_relative(s, n, totals, len(names)),
                                                 s["story"]))

        def brief(s: Mapping[str, Any], n: str = n) -> dict[str, Any]:
            return {"story": s["story"], "headline": s["headline"], "outlets": s["outlets"],
                    "collection_outlets": s["collections"][n]["outlets"],
                    "relative": round(_relative(s, n, totals, len(names)), 3)}

        above = [s for s in ranked if _relative(s, n, totals, len(names)) > 1]
        below = [s for s in reversed(ranked) if _relative(s, n, totals, len(names)) < 1]
        found[n] = {"most": [brief(s) for s in above[:top]],
                    "least": [brief(s) for s in below[:top]]}
    return found


def _blindspots(stories: Sequence[Mapping[str, Any]], names: Sequence[str],
                totals: Mapping[str, Mapping[str, Any]], rule: BlindspotRule
                ) -> list[dict[str, Any]]:
    found = []
    for s in stories:
        for n in names:
            per = s["collections"][n]
            others = s["outlets"] - per["outlets"]
            baseline = totals[n]["outlet_share"]
            if (others >= rule.min_outlets and per["outlet_share"] <= rule.max_share
                    and baseline >= rule.min_baseline):
                found.append({
                    "story": s["story"], "headline": s["headline"], "blind": n,
                    "blind_outlets": per["outlets"], "blind_share": per["outlet_share"],
                    "baseline_share": baseline, "other_outlets": others,
                    "evidence": {m: {"outlets": s["collections"][m]["outlets"],
                                     "articles": s["collections"][m]["articles"]}
                                 for m in names},
                })
    found.sort(key=lambda b: (-b["other_outlets"], b["story"], b["blind"]))
    return found


# -- the network view ----------------------------------------------------------------------------
def mixing_matrix(edges: Iterable[tuple[str, str, float]], group_of: Mapping[str, str],
                  names: Sequence[str], *, directed: bool, weighted: bool = True
                  ) -> list[list[float]]:
    """Edge ends between groups: ``M[i][j]`` sums the weights (or counts the edges) from a
    node of ``names[i]`` to one of ``names[j]``, for ``(u, v, weight)`` edges.

    As networkx's ``attribute_mixing_matrix`` (unnormalised): an undirected edge counts in both
    directions, a directed one from its source's group to its target's. Nodes without a group
    are left out.
    """
    index = {n: i for i, n in enumerate(names)}
    M = [[0.0] * len(names) for _ in names]
    for u, v, weight in edges:
        if u not in group_of or v not in group_of:
            continue
        w = float(weight) if weighted else 1.0
        i, j = index[group_of[u]], index[group_of[v]]
        M[i][j] += w
        if not directed:
            M[j][i] += w
    return M


def assortativity(M: Sequence[Sequence[float]]) -> float | None:
    """Newman's attribute assortativity of a mixing matrix: ``(Tr e - ||e²||) / (1 - ||e²||)``
    with ``e = M / sum(M)`` (None when undefined: no edges, or every edge in one group)."""
    total = sum(map(sum, M))
    if total == 0:
        return None
    e = [[x / total for x in row] for row in M]
    a = [sum(row) for row in e]
    b = [sum(col) for col in zip(*e, strict=True)]
    trace = sum(e[i][i] for i in range(len(e)))
    square = sum(x * y for x, y in zip(a, b, strict=True))
    return None if math.isclose(square, 1.0) else (trace - square) / (1 - square)


def _network(db: Database, f: Filters, rows: Sequence[tuple[Any, ...]],
             group_of: Mapping[str, str], names: Sequence[str]
             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Mixing in the co-coverage and follows graphs, built from the same linked pairs and
    shared stories as `graphnews.graph.outlet_graph` and `follows_graph` (one pass over the
    pairs instead of three; tests/test_compare.py checks the result against those graphs)."""
    from graphnews.graph import linked_pairs

    pairs: Counter[tuple[str, str]] = Counter()
    lags: dict[tuple[str, str], list[float]] = defaultdict(list)
    for p in linked_pairs(db, filters=f):
        if p.outlet_a == p.outlet_b:
            continue
        pairs[(min(p.outlet_a, p.outlet_b), max(p.outlet_a, p.outlet_b))] += 1
        if p.ts_a is None or p.ts_b is None or p.ts_a == p.ts_b:
            continue
        (leader, t0), (follower, t1) = sorted(((p.outlet_a, p.ts_a), (p.outlet_b, p.ts_b)),
                                              key=lambda x: x[1])
        lags[(follower, leader)].append((t1 - t0) / 3600)
    outlets_of: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r[3] is not None:
            outlets_of[r[3]].add(r[1])
    shared: Counter[tuple[str, str]] = Counter()
    for members in outlets_of.values():
        ordered = sorted(members)
        for i, x in enumerate(ordered):
            for y in ordered[i + 1:]:
                shared[(x, y)] += 1
    coverage = [(u, v, w) for (u, v) in pairs.keys() | shared.keys()
                if (w := pairs[(u, v)] + shared[(u, v)]) >= max(f.min_weight, 1)]
    follows = [(u, v, len(h)) for (u, v), h in lags.items() if len(h) >= f.min_weight]
    mixing: dict[str, Any] = {"collections": list(names)}
    for label, edges, directed in (("coverage", coverage, False), ("follows", follows, True)):
        weighted = mixing_matrix(edges, group_of, names, directed=directed)
        counted = mixing_matrix(edges, group_of, names, directed=directed, weighted=False)
        mixing[label] = {
            "matrix": weighted, "assortativity": _round(assortativity(weighted)),
            "edge_matrix": counted, "edge_assortativity": _round(assortativity(counted)),
        }
    across: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (follower, leader), hours in lags.items():
        if follower in group_of and leader in group_of:
            across[(group_of[follower], group_of[leader])].extend(hours)
    follows_rows = [{"follower": a, "leader": b, "pairs": len(h),
                     "median_lag_hours": round(statistics.median(h), 2)}
                    for (a, b), h in sorted(across.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return mixing, follows_rows


# -- distinctive words -----------------------------------------------------------------------------
def tokenize(text: str) -> list[str]:
    """Lowercased words of two letters or more (apostrophes kept inside words).

    >>> tokenize("Google's AI bot: 'it has feelings', says engineer (2022)")
    ["google's", 'ai', 'bot', 'it', 'has', 'feelings', 'says', 'engineer']
    """
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1]


def fightin_words(
    counts: Mapping[str, Counter[str]],
    *,
    prior_size: float | None = None,
    min_count: int = 3,
) -> dict[str, list[dict[str, Any]]]:
    """Weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
    "Fightin' Words", section 3.5), each group against all the others together.

    For group i and the rest j, with ``y`` word counts, ``n`` totals, background counts ``y_w``
    (all groups together, total ``N``) and prior ``a_w = a0 * y_w / N``::

        delta_w = log((y_iw + a_w) / (n_i + a0 - y_iw - a_w))
                - log((y_jw + a_w) / (n_j + a0 - y_jw - a_w))
        var_w   = 1 / (y_iw + a_w) + 1 / (y_jw + a_w)
        z_w     = delta_w / sqrt(var_w)

    Parameters
    ----------
    counts : mapping of group -> Counter of words
    prior_size : float, optional
        ``a0``, the prior's weight in words. Default: ``N``, the background's own size (the prior
        is the pooled counts themselves), which shrinks rare words hard.
    min_count : int
        Words used fewer times than this in all groups together are left out.

    Returns
    -------
    dict
        Group -> every kept word ``{word, count, other_count, log_odds, z}``, highest z first.
    """
    background: Counter[str] = Counter()
    for c in counts.values():
        background.update(c)
    N = sum(background.values())
    if N == 0:
        return {g: [] for g in counts}
    a0 = float(N if prior_size is None else prior_size)
    result: dict[str, list[dict[str, Any]]] = {}
    for group, mine in counts.items():
        n_i = sum(mine.values())
        n_j = N - n_i
        scored = []
        for w, y_w in background.items():
            if y_w < min_count:
                continue
            a_w = a0 * y_w / N
            y_i = mine.get(w, 0)
            y_j = y_w - y_i
            delta = (math.log((y_i + a_w) / (n_i + a0 - y_i - a_w))
                     - math.log((y_j + a_w) / (n_j + a0 - y_j - a_w)))
            z = delta / math.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))
            scored.append({"word": w, "count": y_i, "other_count": y_j,
                           "log_odds": round(delta, 4), "z": round(z, 3)})
        scored.sort(key=lambda s: (-s["z"], s["word"]))
        result[group] = scored
    return result


def _words(text: Iterable[tuple[str, str | None, str | None]], names: Sequence[str], top: int,
           prior_size: float | None, min_count: int) -> dict[str, list[dict[str, Any]]]:
    counts: dict[str, Counter[str]] = {n: Counter() for n in names}
    for group, title, excerpt in text:
        counts[group].update(tokenize(" ".join(t for t in (title, excerpt) if t)))
    scored = fightin_words(counts, prior_size=prior_size, min_count=min_count)
    return {n: scored[n][:top] for n in names}


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


