"""Whose news a headline is: the *actor* a title leads with, and what it says of a pair.

Real headlines lead with whose news it is ("Tealbook raises $50M", "Insent.ai raises $10M"):
two articles that lead with different actors, neither of which the other names anywhere, are
rarely one story, and two that lead with the same actor often are. A title's actor is its
first capitalised word that is no generic title word ("The", "How", "Exclusive") and no
figure, if at most `ACTOR_SHARE` of the corpus's titles carry it (the feed's own subject,
"Microsoft" on an Azure feed, is nobody's actor) and its own excerpt capitalises it too (a
title's first word is capitalised whatever it is: "Driverless taxis are coming ...").

Titles that are not written as headlines (generated ones, or words in any order) lead with
any word, and a "conflict" between two of them says nothing. So the actors are only used in a
corpus whose titles show they lead with names: at least `ACTOR_CONFIRMED` of the titles'
actors are also capitalised in their own excerpt. On the hand-labelled real sources 34-76% of
the actors are; on every generated corpus of `graphnews.generator` and of the independent
generator (benchmarks/independent) 0-15% (docs/stories.md, "The title's actor, gated"). Checked on
English only: in a language that capitalises every noun the gate would open on nouns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from graphnews.stories.words import CAPITALISED

__all__ = [
    "ACTOR_CHECKED",
    "ACTOR_CONFIRMED",
    "ACTOR_SAMPLE",
    "ACTOR_SHARE",
    "GENERIC_TITLE_WORDS",
    "actor_features",
    "title_actors",
]

#: Capitalised words a title may lead with that are nobody's actor (compared in lower case).
GENERIC_TITLE_WORDS = frozenset(
    (
        "The A An How Why What When Who Where Which New This These That Is Are Was In On For "
        "With Here Report Reports Watch Opinion Exclusive Update Updated Live Breaking Video "
        "It Its After Before As At By From To Of Can Could Will Would Should Do Does Did Top "
        "Best Inside And Or But Not More Most Our Your We You I My Has Have First Now Today "
        "Week Weekly Daily Podcast Analysis Review Interview Explainer Q&A"
    )
    .lower()
    .split()
)

#: A title's actor is a name that at most this share of the corpus's titles carry (or 3).
ACTOR_SHARE = 0.05

#: Actors count only in a corpus where at least this share of them are also capitalised in
#: their own excerpt. Chosen from the descriptive rates alone, halfway between the lowest real
#: source (0.34) and the highest generated corpus (0.15); no score was looked at to set it.
ACTOR_CONFIRMED = 0.25

#: ... judged on at least this many titles with an actor and an excerpt (fewer: no actors).
ACTOR_CHECKED = 10
#: The gate is judged on the first this many titles (in corpus order, actors found among them
#: alone): a corpus whose titles do not lead with names costs these, not every title (141,334
#: generated titles: 0.92 s for all, 0.05 s for these).
ACTOR_SAMPLE = 5_000

def _word(word: str) -> str:
    """A capitalised word as an actor is compared: lower case, without a possessive 's."""
    word = word.lower()
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _capitalised(text: str) -> set[str]:
    return {_word(w) for w in CAPITALISED.findall(text)}


def title_actors(titles: Sequence[str], excerpts: Sequence[str]) -> list[str | None]:
    """Each title's actor (lower case), or None; None for every title of a corpus whose titles
    do not lead with names (see the module's docstring), judged on its first `ACTOR_SAMPLE`.

    A title's actor must be capitalised in its own excerpt as well: a title's first word is
    capitalised whatever it is ("Driverless taxis are coming ...", "Putting the metal to the
    pedal!"), a name is capitalised wherever it stands.

    >>> titles = [f"Maker{k} raises ${k}M for robots" for k in range(12)]
    >>> excerpts = [f"Maker{k}, a startup, said on Monday ..." for k in range(12)]
    >>> title_actors(titles, excerpts)[:2]
    ['maker0', 'maker1']
    >>> title_actors(titles, ["A startup said on Monday ..."] * 12)[:2]  # not confirmed
    [None, None]
    """
    leading = _leading(titles[:ACTOR_SAMPLE])
    named = _confirmed(leading, excerpts[:ACTOR_SAMPLE])
    checked = sum(a is not None and bool(e) for a, e in zip(leading, excerpts, strict=False))
    if checked < ACTOR_CHECKED or sum(a is not None for a in named) < ACTOR_CONFIRMED * checked:
        return [None] * len(titles)
    return named if len(titles) <= ACTOR_SAMPLE else _confirmed(_leading(titles), excerpts)


def _confirmed(actors: Sequence[str | None], excerpts: Sequence[str]) -> list[str | None]:
    """Each actor that its own excerpt capitalises too, else None."""
    return [
        a if a is not None and a in _capitalised(e) else None
        for a, e in zip(actors, excerpts, strict=True)
    ]


def _leading(titles: Sequence[str]) -> list[str | None]:
    """Each title's first capitalised word that is no generic title word, if at most
    `ACTOR_SHARE` of the titles (or 3) carry it."""
    firsts: list[str | None] = []
    carried: Counter[str] = Counter()
    for title in titles:
        words = [_word(w) for w in CAPITALISED.findall(title)]
        carried.update(set(words))
        firsts.append(next((w for w in words if w not in GENERIC_TITLE_WORDS), None))
    most = max(3.0, ACTOR_SHARE * len(titles))
    return [a if a is not None and carried[a] <= most else None for a in firsts]


def actor_features(
    titles: Sequence[str],
    excerpts: Sequence[str],
    subset: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    actors: Sequence[str | None],
) -> tuple[np.ndarray, np.ndarray]:
    """``actor_same`` and ``actor_conflict`` of the pairs ``(u, v)`` (indices into ``subset``,
    itself indices into ``titles``). ``actors`` are found over every title, not only the
    subset's, so an incremental run sees the same actors as a full one.

    ``actor_same``: both titles lead with the same actor. ``actor_conflict``: both lead with
    an actor, they differ, and neither article's title or excerpt names the other's actor.
    ``actors``: `title_actors` of ``titles`` (`graphnews.stories.pairs.Articles.actors`).
    """
    at = subset.tolist()
    ids: dict[str, int] = {}
    actor = np.array(
        [-1 if actors[i] is None else ids.setdefault(actors[i], len(ids)) for i in at],
        dtype=np.int64,
    )
    if not ids:
        return np.zeros(len(u)), np.zeros(len(u))
    au, av = actor[u], actor[v]
    same = ((au == av) & (au >= 0)).astype(float)
    conflict = np.zeros(len(u))
    named: dict[int, set[str]] = {}

    def names_in(k: int) -> set[str]:
        if k not in named:
            named[k] = _capitalised(f"{titles[at[k]]} {excerpts[at[k]]}")
        return named[k]

    for k in np.flatnonzero((au >= 0) & (av >= 0) & (au != av)).tolist():
        a, b = int(u[k]), int(v[k])
        conflict[k] = actors[at[b]] not in names_in(a) and actors[at[a]] not in names_in(b)
    return same, conflict
