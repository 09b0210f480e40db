"""Why a story's articles are together: its strongest pairs, shared names, weakest member.

The pairs are scored again by the model the stories were computed with, over the articles
published within the candidate window of the story (the same features detection used, with
term weights of that span), so the probabilities are those of detection up to the TF-IDF
weights of a smaller corpus.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from graphnews.stories.detect import current_model
from graphnews.stories.pairs import Articles, CandidateSearch, candidate_pairs
from graphnews.stories.stored import get_story
from graphnews.stories.words import names, stop_words, tokens

if TYPE_CHECKING:
    from graphnews.store import Database

__all__ = ["explain_story"]


def explain_story(db: Database, story: str, *, pairs: int = 5) -> dict[str, Any]:
    """The evidence that holds a stored story together (by id or any URL of its articles).

    Returns a dict: ``id``, ``size``, ``confidence``, ``strongest_pairs`` (the ``pairs`` most
    probable pairs inside the story: both titles, the probability, and the features that
    weigh most for it), ``shared`` (names and terms found in at least half of the articles,
    most shared first), and ``weakest_member`` (the article with the lowest mean probability
    of being one story with the others, and that mean), and ``actors`` (whose news its titles
    lead with, `graphnews.stories.actors.title_actors`, with how many titles: empty where the
    corpus's titles do not lead with names).
    """
    found = get_story(db, story)
    articles = Articles.load(db)
    members = np.searchsorted(articles.ids, np.asarray(found.articles, dtype=np.int64))
    subset = _span(articles, members)
    model = current_model(db).for_texts(linked=articles.linked, language=articles.language)
    candidates = candidate_pairs(  # the terms weighed as in the whole corpus, as detected
        articles, subset, CandidateSearch(), every_term=model.every_term, weights_from_all=True
    )
    inside = np.isin(subset[candidates.u], members) & np.isin(subset[candidates.v], members)
    u, v, x = subset[candidates.u[inside]], subset[candidates.v[inside]], candidates.x[inside]
    p = model.predict(x)
    order = np.argsort(-p, kind="stable")[:pairs]
    strongest = []
    for k in order.tolist():
        parts = model.contributions(x[k])
        reasons = sorted(parts, key=lambda f: -parts[f])[:3]
        strongest.append(
            {
                "probability": round(float(p[k]), 3),
                "a": _describe(articles, int(u[k])),
                "b": _describe(articles, int(v[k])),
                "because": {f: round(float(x[k][model.features.index(f)]), 3) for f in reasons},
            }
        )
    return {
        "id": found.id,
        "size": found.size,
        "confidence": found.confidence,
        "strongest_pairs": strongest,
        "shared": _shared(articles, members),
        "weakest_member": _weakest(articles, members, u, v, p),
        "actors": _actors(articles, members),
    }


def _span(articles: Articles, members: np.ndarray) -> np.ndarray:
    """The story's articles and every article published within the window of its span."""
    ts = articles.ts[members]
    known = ts[~np.isnan(ts)]
    if not len(known):
        return np.sort(members)
    window = CandidateSearch().window_days * 86400
    near = (articles.ts >= known.min() - window) & (articles.ts <= known.max() + window)
    return np.union1d(np.flatnonzero(near), members)


def _describe(articles: Articles, i: int) -> dict[str, Any]:
    return {"url": articles.urls[i], "title": articles.titles[i]}


def _shared(articles: Articles, members: np.ndarray, most: int = 12) -> list[dict[str, Any]]:
    """Names and terms in at least half of the members (and two), most shared first."""
    counts: Counter[str] = Counter()
    stop = stop_words(articles.language)
    for i in members.tolist():
        text = f"{articles.titles[i]} {articles.excerpts[i]}"
        counts.update(set(names(text, stop=stop)) | set(tokens(text, stop=stop)))
    floor = max(2, (len(members) + 1) // 2)
    return [{"term": t, "articles": c} for t, c in counts.most_common() if c >= floor][:most]


def _actors(articles: Articles, members: np.ndarray) -> list[dict[str, Any]]:
    """The members' title actors (found over the whole corpus, as detection finds them), most
    titles first."""
    found = articles.actors
    counts = Counter(found[i] for i in members.tolist() if found[i] is not None)
    return [{"actor": a, "articles": c} for a, c in counts.most_common()]


def _weakest(
    articles: Articles, members: np.ndarray, u: np.ndarray, v: np.ndarray, p: np.ndarray
) -> dict[str, Any] | None:
    """The member with the lowest mean probability over its pairs inside the story."""
    if len(members) < 2:
        return None
    total = np.zeros(len(articles.ids))
    count = np.zeros(len(articles.ids))
    np.add.at(total, u, p)
    np.add.at(total, v, p)
    np.add.at(count, u, 1)
    np.add.at(count, v, 1)
    mean = np.where(count[members] > 0, total[members] / np.maximum(count[members], 1), 0.0)
    k = int(np.argmin(mean))
    return {
        **_describe(articles, int(members[k])),
        "mean_probability": round(float(mean[k]), 3),
        "pairs": int(count[members[k]]),
    }
