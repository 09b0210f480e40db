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

import dataclasses
import functools
import itertools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
from scipy import sparse

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
    "word_counts",
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
    clusterings: list[list[float]] = field(default_factory=list)  # with ranges: [[res, seed]]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values: its own lists and dicts (already plain), not
        copies (`dataclasses.asdict` copied them all: about 1 s of ``compare --format json``
        at 100,000 documents)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


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
    ranges: bool = False,
    resolutions: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
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
    ranges : bool
        Also cluster the stories again at each of ``resolutions`` and ``seeds`` (defaults and
        meaning as in `graphnews.stories.alternatives.alternative_stories`; nothing stored) and
        say how far each figure that stands on the stories moves (`_add_ranges` lists the keys).

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
    names = [c.name for c in collections]
    arts = _Compared.read(db, collections, f)
    if not arts.id.size:
        raise BadInputError("no article of the filtered set belongs to any of the collections "
                            f"{', '.join(names)}")
    cond, params = f.article_sql("a")
    filtered = db.conn.execute(f"SELECT count(*) FROM articles a WHERE {cond}",
                               params).fetchone()[0]
    messages: list[str] = []
    totals = _collection_totals(arts, names)
    stories = _story_rows(arts, names)
    if not stories:
        messages.append("no stories: run 'graphnews stories' (or 'graphnews run') first for the "
                        "per-story comparison and blindspots")
    mixing, follows, outlets = _network(db, arts, f, names)
    blindspots = _blindspots(stories, names, totals, rule)
    for n in names:
        totals[n]["blindspots"] = sum(b["blind"] == n for b in blindspots)
    report = CompareReport(
        collections=[totals[n] for n in names],
        stories=stories,
        most_and_least=_most_and_least(stories, names, totals, rule, top),
        blindspots=blindspots,
        rule=rule.as_dict(),
        mixing=mixing,
        follows=follows,
        words=_words(arts, names, story=story, top=words, prior_size=prior_size,
                     min_count=min_count) if words else {},
        unassigned_articles=int(filtered) - int(arts.id.size),
        messages=messages,
    )
    if ranges:
        _add_ranges(report, db, arts, outlets, rule, resolutions=resolutions, seeds=seeds)
    return report


@dataclass(frozen=True)
class _Compared:
    """The compared articles (filtered, of an outlet in a compared collection), read once.

    One entry per article, in arrays: ``id``, ``outlet`` (outlet id), ``group`` (index of the
    first compared collection holding the outlet), ``ts`` (publication time, -1 when unknown),
    ``story`` (index into ``story_ids``, -1 for none); ``titles`` and ``excerpts`` as lists.
    """

    id: Any
    outlet: Any
    group: Any
    ts: Any
    story: Any
    story_ids: list[str]
    titles: list[str | None]
    excerpts: list[str | None]

    @classmethod
    def read(cls, db: Database, collections: Sequence[Collection], f: Filters) -> _Compared:
        outlet_ids = dict(db.conn.execute("SELECT domain, id FROM outlets"))
        group_of: dict[int, int] = {}
        for i, c in enumerate(collections):  # an outlet counts in the first collection given
            for domain in c.members(db):
                group_of.setdefault(outlet_ids[domain], i)
        cond, params = f.article_sql("a")
        rows = db.conn.execute(
            f"SELECT a.id, a.outlet_id, a.published_ts, s.story_id, a.title, a.excerpt "
            f"FROM articles a LEFT JOIN story_articles s ON s.article_id = a.id "
            f"WHERE a.outlet_id IN (SELECT value FROM json_each(?)) AND {cond} ORDER BY a.id",
            [json.dumps(sorted(group_of)), *params]).fetchall()
        ids, outlets, times, stories, titles, excerpts = (
            tuple(column) for column in zip(*rows, strict=True)) if rows else ((),) * 6
        index: dict[str, int] = {}
        return cls(
            id=np.array(ids, dtype=np.int64),
            outlet=np.array(outlets, dtype=np.int64),
            group=np.array([group_of[o] for o in outlets], dtype=np.int64),
            ts=np.array([-1 if t is None else t for t in times], dtype=np.int64),
            story=np.array([-1 if s is None else index.setdefault(s, len(index))
                            for s in stories], dtype=np.int64),
            story_ids=list(index), titles=list(titles), excerpts=list(excerpts))

    def story_outlets(self) -> tuple[Any, Any]:
        """Each (story, outlet) pair once: two arrays."""
        width = int(self.outlet.max()) + 1
        pairs = np.unique(self.story[self.story >= 0] * width + self.outlet[self.story >= 0])
        return pairs // width, pairs % width


def _collection_totals(arts: _Compared, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each collection's articles and outlets, and its share of all compared."""
    articles = np.bincount(arts.group, minlength=len(names)).tolist()
    outlet_group = np.unique(arts.outlet * len(names) + arts.group) % len(names)
    outlets = np.bincount(outlet_group, minlength=len(names)).tolist()
    all_articles, all_outlets = sum(articles), sum(outlets)
    return {n: {"collection": n, "articles": articles[i], "outlets": outlets[i],
                "article_share": _ratio(articles[i], all_articles),
                "outlet_share": _ratio(outlets[i], all_outlets)}
            for i, n in enumerate(names)}


#: No first report (`_StoryCounts.first`): a story without a dated article of the collection.
_NONE = int(np.iinfo(np.int64).max)


@dataclass(frozen=True)
class _StoryCounts:
    """Per story (rows) and collection (columns): articles, outlets, first report (seconds,
    `_NONE` without one). An outlet is in one collection only, so a story's outlets are the
    sum over collections."""

    articles: Any
    outlets: Any
    first: Any

    @classmethod
    def of(cls, arts: _Compared, groups: int) -> _StoryCounts:
        n_stories = len(arts.story_ids)
        storied = arts.story >= 0
        key = arts.story[storied] * groups + arts.group[storied]
        articles = np.bincount(key, minlength=n_stories * groups).reshape(n_stories, groups)
        story, outlet = arts.story_outlets()
        member = np.zeros(int(arts.outlet.max()) + 1, dtype=np.int64)
        member[arts.outlet] = arts.group
        outlets = np.bincount(story * groups + member[outlet],
                              minlength=n_stories * groups).reshape(n_stories, groups)
        dated = arts.ts[storied] >= 0
        first = np.full(n_stories * groups, _NONE)
        np.minimum.at(first, key[dated], arts.ts[storied][dated])
        return cls(articles, outlets, first.reshape(n_stories, groups))

    def leaders(self, story: int, names: Sequence[str]) -> str | None:
        """The story's ``first_collection``: the collections whose first report lags the
        story's first by 0 hours (to the hundredth), joined by "; "; None: none dated."""
        firsts = self.first[story].tolist()
        first_ts = min(firsts)
        leaders = [n for n, mine, count in zip(names, firsts, self.articles[story].tolist(),
                                                strict=True)
                   if count and first_ts != _NONE and mine != _NONE
                   and round((mine - first_ts) / 3600, 2) == 0]
        return "; ".join(leaders) if leaders else None

    def blind(self, baseline: Sequence[float], rule: BlindspotRule) -> Any:
        """Per story and collection, whether the story is a blindspot of the collection
        (`_blindspots`' test, on the same rounded shares)."""
        total = self.outlets.sum(axis=1, keepdims=True)
        exact = self.outlets / np.maximum(total, 1)
        share = np.round(exact, 4)
        near = np.abs(exact - rule.max_share) < 1e-3  # Python's rounding, where it could differ
        share[near] = [round(x, 4) for x in exact[near].tolist()]
        return ((total - self.outlets >= rule.min_outlets) & (share <= rule.max_share)
                & (np.asarray(baseline) >= rule.min_baseline))


def _story_rows(arts: _Compared, names: Sequence[str]) -> list[dict[str, Any]]:
    """Per story: articles, outlets and first report of each collection (`_StoryCounts`),
    its headline and first collection."""
    if not arts.story_ids:
        return []
    counted = _StoryCounts.of(arts, len(names))
    headlines = _headlines(arts)
    stamp = functools.cache(iso)  # a story's first time is also its first collection's
    absent = {"articles": 0, "outlets": 0, "article_share": 0.0, "outlet_share": 0.0,
              "first_published": None, "lag_hours": None}
    result = []
    for s, (counts, outlet_counts, firsts) in enumerate(zip(
            counted.articles.tolist(), counted.outlets.tolist(), counted.first.tolist(),
            strict=True)):
        all_articles, all_outlets = sum(counts), sum(outlet_counts)
        first_ts = min(firsts)
        first_ts = None if first_ts == _NONE else first_ts
        per = {n: dict(absent) for n in names}
        for i, n in enumerate(names):
            if not counts[i]:
                continue
            mine = None if firsts[i] == _NONE else firsts[i]
            per[n] = {
                "articles": counts[i], "outlets": outlet_counts[i],
                "article_share": round(counts[i] / all_articles, 4),
                "outlet_share": round(outlet_counts[i] / all_outlets, 4),
                "first_published": stamp(mine),
                "lag_hours": None if mine is None else round((mine - first_ts) / 3600, 2),
            }
        result.append({
            "story": arts.story_ids[s], "headline": headlines.get(s), "articles": all_articles,
            "outlets": all_outlets, "first_published": stamp(first_ts),
            "first_collection": counted.leaders(s, names), "collections": per,
        })
    result.sort(key=lambda s: (-s["outlets"], -s["articles"], s["story"]))
    return result


def _headlines(arts: _Compared) -> dict[int, str]:
    """Each story's headline: the title of its earliest titled article among those compared
    (dated before undated, then by time, then by id; as in `graphnews.spread`, the filters
    decide which articles a story shows)."""
    titled = np.flatnonzero((arts.story >= 0)
                            & np.array([t is not None for t in arts.titles], dtype=bool))
    ts = arts.ts[titled]
    order = titled[np.lexsort((arts.id[titled], ts, ts < 0, arts.story[titled]))]
    stories, first = np.unique(arts.story[order], return_index=True)
    return {int(s): arts.titles[int(order[i])] for s, i in zip(stories, first, strict=True)}


def _relative(story: Mapping[str, Any], name: str, totals: Mapping[str, Mapping[str, Any]],
              groups: int) -> float:
    """Smoothed ratio of the collection's outlet share in the story to its baseline share."""
    return _smoothed_ratio(story["collections"][name]["outlets"], story["outlets"],
                           totals[name]["outlet_share"], groups)


def _smoothed_ratio(outlets: int, story_outlets: int, baseline: float, groups: int) -> float:
    """`_relative` of a collection with ``outlets`` of a story's ``story_outlets``."""
    return (outlets + 0.5) / (story_outlets + 0.5 * groups) / max(baseline, 1e-9)


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
        ranked = sorted(((_relative(s, n, totals, len(names)), s) for s in big),
                        key=lambda rs: (-rs[0], rs[1]["story"]))

        def brief(relative: float, s: Mapping[str, Any], n: str = n) -> dict[str, Any]:
            return {"story": s["story"], "headline": s["headline"], "outlets": s["outlets"],
                    "collection_outlets": s["collections"][n]["outlets"],
                    "relative": round(relative, 3)}

        above = [brief(r, s) for r, s in ranked[:top] if r > 1]
        below = [brief(r, s) for r, s in ranked[::-1][:top] if r < 1]
        found[n] = {"most": above, "least": below}
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


# -- ranges over other clusterings --------------------------------------------------------------
def _add_ranges(report: CompareReport, db: Database, arts: _Compared, outlets: _Outlets,
                rule: BlindspotRule, *, resolutions: Sequence[float] | None,
                seeds: Sequence[int] | None) -> None:
    """Add to ``report`` how far its figures that stand on the stories move when the stories are
    clustered again (`graphnews.stories.alternatives.alternative_stories`; the stored stories'
    own resolution and seed are among them, so every figure lies within its range).

    A stored story is followed into each clustering as the story holding most of its compared
    articles. Keys added: ``clusterings`` ([resolution, seed] of each); per story
    ``first_collection_held`` (in how many the holding story has the same first collection),
    ``kept`` (in how many it is exactly the story's compared articles), ``outlets_min/_max``;
    per blindspot ``held`` (in how many the holding story is a blindspot of the same
    collection); per story covered most / least ``relative_min/_max``; per collection
    ``blindspots_min/_max``; in the co-coverage mixing ``assortativity_min/_max`` and
    ``edge_assortativity_min/_max`` (the follows graph stands on links alone).
    """
    from graphnews.stories.alternatives import alternative_stories, holders

    alternatives = alternative_stories(db, resolutions=resolutions, seeds=seeds)
    names = [c["collection"] for c in report.collections]
    totals = {c["collection"]: c for c in report.collections}
    number = {story: i for i, story in enumerate(arts.story_ids)}
    at = alternatives.ids.searchsorted(arts.id)
    first_held = Counter[int]()
    kept = Counter[int]()
    blind_held = Counter[tuple[int, str]]()
    seen: dict[tuple[str, Any], list[Any]] = defaultdict(list)
    listed = {(number[e["story"]], n) for n, both in report.most_and_least.items()
              for shown in both.values() for e in shown}  # the relative shares shown
    column = {n: i for i, n in enumerate(names)}
    baseline = [totals[n]["outlet_share"] for n in names]
    for labels in alternatives.labels.values():
        found, story = np.unique(labels[at], return_inverse=True)
        alt = dataclasses.replace(arts, story=story, story_ids=[str(i) for i in
                                                                range(len(found))])
        counted = _StoryCounts.of(alt, len(names))
        articles, outlets_of = counted.articles.sum(axis=1), counted.outlets.sum(axis=1)
        blind = counted.blind(baseline, rule)
        holding, held = holders(arts.story, story, len(arts.story_ids))
        for s in report.stories:
            i = number[s["story"]]
            other = int(holding[i])
            first_held[i] += counted.leaders(other, names) == s["first_collection"]
            kept[i] += int(held[i]) == s["articles"] == int(articles[other])
            seen[("outlets", i)].append(int(outlets_of[other]))
        for i, n in listed:
            other = int(holding[i])
            seen[("relative", (i, n))].append(_smoothed_ratio(
                int(counted.outlets[other, column[n]]), int(outlets_of[other]),
                totals[n]["outlet_share"], len(names)))
        for b in report.blindspots:
            i = number[b["story"]]
            blind_held[(i, b["blind"])] += bool(blind[holding[i], column[b["blind"]]])
        for n, count in zip(names, blind.sum(axis=0).tolist(), strict=True):
            seen[("blindspots", n)].append(count)
        coverage = outlets.mixing(outlets.coverage(alt), directed=False)
        for key in ("assortativity", "edge_assortativity"):
            seen[("mixing", key)].append(coverage[key])
    report.clusterings = [[r, s] for r, s in alternatives.labels]
    for s in report.stories:
        i = number[s["story"]]
        s |= {"first_collection_held": first_held[i], "kept": kept[i]} | _low_high(
            "outlets", seen[("outlets", i)])
    for b in report.blindspots:
        b["held"] = blind_held[(number[b["story"]], b["blind"])]
    for n, both in report.most_and_least.items():
        for shown in both.values():
            for e in shown:
                e |= _low_high("relative", seen[("relative", (number[e["story"]], n))], digits=3)
    for n in names:
        totals[n] |= _low_high("blindspots", seen[("blindspots", n)])
    for key in ("assortativity", "edge_assortativity"):
        report.mixing["coverage"] |= _low_high(key, seen[("mixing", key)])


def _low_high(name: str, values: list[Any], *, digits: int | None = None) -> dict[str, Any]:
    """``{name}_min`` and ``{name}_max`` over the values that are not None (None when none)."""
    known = [v if digits is None else round(v, digits) for v in values if v is not None]
    return {f"{name}_min": min(known, default=None), f"{name}_max": max(known, default=None)}


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


def _network(db: Database, arts: _Compared, f: Filters, names: Sequence[str]
             ) -> tuple[dict[str, Any], list[dict[str, Any]], _Outlets]:
    """Mixing in the co-coverage and follows graphs, and who follows whom across collections.

    The graphs are those of `graphnews.graph.outlet_graph` and `follows_graph` (the same linked
    pairs and shared stories; tests/test_compare.py checks the result against them and
    networkx), built as sparse outlet-by-outlet matrices from the compared articles and the
    linked pairs. Also returns what the co-coverage graph needs besides the stories, for the
    ranges (`_Outlets`).
    """
    size = int(max(arts.id.max(), db.max_id("articles"))) + 1
    outlet_of, group_of, ts_of = (np.full(size, -1, dtype=np.int64) for _ in range(3))
    outlet_of[arts.id], group_of[arts.id], ts_of[arts.id] = arts.outlet, arts.group, arts.ts
    links = _integers(db.conn.execute(
        "SELECT from_article, to_article FROM related_links WHERE from_article != to_article"), 2)
    pairs = sparse.csr_matrix((np.ones(len(links)), (links.min(axis=1), links.max(axis=1))),
                              shape=(size, size))  # each linked pair once, either direction
    x = np.repeat(np.arange(size), np.diff(pairs.indptr))
    y = pairs.indices.astype(np.int64)
    both = (group_of[x] >= 0) & (group_of[y] >= 0)
    x, y = x[both], y[both]
    oa, ob = outlet_of[x], outlet_of[y]
    other = oa != ob
    x, y, oa, ob = x[other], y[other], oa[other], ob[other]
    n_outlets = int(arts.outlet.max()) + 1
    shape = (n_outlets, n_outlets)
    linked = sparse.coo_matrix((np.ones(oa.size), (np.minimum(oa, ob), np.maximum(oa, ob))),
                               shape=shape).tocsr()
    ta, tb = ts_of[x], ts_of[y]
    timed = (ta >= 0) & (tb >= 0) & (ta != tb)
    later = ta[timed] > tb[timed]
    follower = np.where(later, oa[timed], ob[timed])
    leader = np.where(later, ob[timed], oa[timed])
    lag_hours = np.abs(ta[timed] - tb[timed]) / 3600
    follows = _at_least(sparse.coo_matrix((np.ones(follower.size), (follower, leader)),
                                          shape=shape).tocsr(), f.min_weight)
    member = np.full(n_outlets, -1)
    member[arts.outlet] = arts.group
    onehot = sparse.coo_matrix((np.ones(int((member >= 0).sum())),
                                (np.flatnonzero(member >= 0), member[member >= 0])),
                               shape=(n_outlets, len(names))).tocsr()
    outlets = _Outlets(linked=linked, onehot=onehot, min_weight=f.min_weight)
    mixing: dict[str, Any] = {
        "collections": list(names),
        "coverage": outlets.mixing(outlets.coverage(arts), directed=False),
        "follows": outlets.mixing(follows, directed=True),
    }
    return mixing, _follows_across(member[follower], member[leader], lag_hours, names), outlets


@dataclass(frozen=True)
class _Outlets:
    """The outlet-by-outlet linked pairs (``linked``, each once) and each outlet's collection
    (``onehot``, outlets by collections): the co-coverage graph of any stories."""

    linked: Any
    onehot: Any
    min_weight: float

    def coverage(self, arts: _Compared) -> Any:
        """The co-coverage graph: linked pairs plus shared stories, at least ``min_weight``."""
        story, outlet = arts.story_outlets()
        stories = sparse.coo_matrix((np.ones(story.size), (story, outlet)),
                                    shape=(len(arts.story_ids), self.linked.shape[0])).tocsr()
        shared = sparse.triu(stories.T @ stories, k=1).tocsr()
        return _at_least(self.linked + shared, max(self.min_weight, 1))

    def mixing(self, M: Any, *, directed: bool) -> dict[str, Any]:
        """Mixing matrix and assortativity of ``M``, weighted and by edges."""
        edges = M.copy()
        edges.data[:] = 1
        weighted, counted = (_between(self.onehot, A, directed=directed) for A in (M, edges))
        return {"matrix": weighted, "assortativity": _round(assortativity(weighted)),
                "edge_matrix": counted, "edge_assortativity": _round(assortativity(counted))}


def _integers(rows: Iterable[Sequence[int]], columns: int) -> Any:
    """Rows of integers as an ``(n, columns)`` int64 array, read without a list of tuples."""
    return np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64).reshape(-1, columns)


def _at_least(M: Any, threshold: float) -> Any:
    """``M`` without the entries below ``threshold``."""
    M = M.tocsr()
    M.data[M.data < threshold] = 0
    M.eliminate_zeros()
    return M


def _between(onehot: Any, M: Any, *, directed: bool) -> list[list[float]]:
    """Mixing matrix of the outlet-by-outlet ``M``: entry (i, j) sums M from collection i to
    collection j; an undirected edge (stored once) counts both ways."""
    between = (onehot.T @ M @ onehot).toarray()
    if not directed:
        between = between + between.T
    return [[float(v) for v in row] for row in between]


def _follows_across(followers: Any, leaders: Any, lag_hours: Any, names: Sequence[str]
                    ) -> list[dict[str, Any]]:
    """Who follows whom across collections: linked pairs and median lag per (follower
    collection, leader collection), most pairs first."""
    rows = []
    key = followers * len(names) + leaders
    for k in np.unique(key):
        hours = lag_hours[key == k]
        rows.append({"follower": names[k // len(names)], "leader": names[k % len(names)],
                     "pairs": int(hours.size),
                     "median_lag_hours": round(float(np.median(hours)), 2)})
    rows.sort(key=lambda r: (-r["pairs"], r["follower"], r["leader"]))
    return rows


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
    top: int | None = None,
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
    top : int, optional
        Only the ``top`` words of highest z of each group (default: every kept word).

    Returns
    -------
    dict
        Group -> kept words ``{word, count, other_count, log_odds, z}``, highest z first
        (ties by word). A word whose score is undefined (a zero prior, or a word in no other
        group with ``a0`` = 0) is left out.
    """
    background: Counter[str] = Counter()
    for c in counts.values():
        background.update(c)
    N = sum(background.values())
    if N == 0:
        return {g: [] for g in counts}
    a0 = float(N if prior_size is None else prior_size)
    vocabulary = sorted(w for w, y in background.items() if y >= min_count)
    y_w = np.array([background[w] for w in vocabulary], dtype=float)
    a_w = a0 * y_w / N
    result: dict[str, list[dict[str, Any]]] = {}
    for group, mine in counts.items():
        n_i = sum(mine.values())
        n_j = N - n_i
        y_i = np.array([mine.get(w, 0) for w in vocabulary], dtype=float)
        y_j = y_w - y_i
        with np.errstate(divide="ignore", invalid="ignore"):  # a0 = 0, or one word only
            delta = (np.log((y_i + a_w) / (n_i + a0 - y_i - a_w))
                     - np.log((y_j + a_w) / (n_j + a0 - y_j - a_w)))
            z = delta / np.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))
        shown = _top_rounded(z, top)
        result[group] = [{"word": vocabulary[k], "count": int(y_i[k]),
                          "other_count": int(y_j[k]), "log_odds": round(float(delta[k]), 4),
                          "z": z_k} for k, z_k in shown]
    return result


def _top_rounded(z: Any, top: int | None) -> list[tuple[int, float]]:
    """``(index, z rounded to 3 decimals)`` of the ``top`` highest finite ``z``, ranked as
    shown: by rounded z, then by index (the vocabulary is sorted, so by word).

    Only the candidates within 0.001 of the top-th value are rounded and sorted: rounding is
    monotone, so no other value can round above them.
    """
    candidates = np.flatnonzero(np.isfinite(z))
    if top is not None and candidates.size > top:
        kth = -np.partition(-z[candidates], top - 1)[top - 1]
        candidates = candidates[z[candidates] >= kth - 0.001]
    shown = sorted(((int(k), round(float(z[k]), 3)) for k in candidates),
                   key=lambda kz: (-kz[1], kz[0]))
    return shown[:top]


def _words(arts: _Compared, names: Sequence[str], *, story: str | None, top: int,
           prior_size: float | None, min_count: int) -> dict[str, list[dict[str, Any]]]:
    """Distinctive words of each collection (titles and excerpts), overall or in ``story``."""
    rows = range(arts.id.size)
    if story is not None:
        index = arts.story_ids.index(story) if story in arts.story_ids else -2
        rows = np.flatnonzero(arts.story == index).tolist()
        if not rows:
            raise NotFoundError(f"no article of story {story!r} belongs to the collections")
    texts: list[list[str]] = [[] for _ in names]
    groups = arts.group.tolist()
    for r in rows:
        texts[groups[r]].extend(t for t in (arts.titles[r], arts.excerpts[r]) if t)
    counts = {n: word_counts(texts[i]) for i, n in enumerate(names)}
    return fightin_words(counts, prior_size=prior_size, min_count=min_count, top=top)


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each word of `tokenize` occurs in ``texts``.

    Words never span white space, so the texts are split on it first and each distinct piece
    is tokenised once (much faster than `tokenize` on every text, with the same counts).

    >>> sorted(word_counts(["Tax cut, tax rise", "a tax"]).items())
    [('cut', 1), ('rise', 1), ('tax', 3)]
    """
    pieces = Counter(" ".join(texts).lower().split())
    # a piece of letters only is one word already (letters are word characters, never digits)
    counts = Counter({p: n for p, n in pieces.items() if p.isalpha() and len(p) > 1})
    for piece, n in pieces.items():
        if not piece.isalpha():
            for word in tokenize(piece):
                counts[word] += n
    return counts


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


