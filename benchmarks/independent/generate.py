"""An independent story corpus generator, written apart from graphnews's own generator and its
evaluation, after the model was built, and never used to choose anything in graphnews.

Words are real English words taken from the shared corpus's titles and excerpts; stories of a
beat share the beat's vocabulary and its names (no story has a word of its own). Regimes:
``links``: stories of 2-12 articles with related lists (their own story's articles under AMP or
utm URL variants, plus noise links to same-beat articles within +-2 days); ``news``: stories of
2-3 articles, no related lists, ~500-character excerpts. Both: Zipf outlets over 400, bursts
(busy days with many stories on one beat).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

STOP = set(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "have",
        "will",
        "your",
        "their",
        "about",
        "into",
        "more",
        "what",
        "when",
        "which",
        "their",
        "they",
        "them",
        "than",
        "then",
        "there",
        "were",
        "been",
        "being",
        "also",
        "after",
        "over",
        "under",
        "only",
        "most",
        "some",
        "such",
        "just",
        "like",
        "would",
        "could",
        "should",
        "while",
        "where",
        "these",
        "those",
        "other",
        "its",
        "it's",
        "our",
        "out",
        "how",
        "why",
        "who",
        "all",
        "any",
        "can",
        "new",
        "not",
        "has",
        "had",
        "was",
        "are",
        "but",
        "you",
        "his",
        "her",
        "she",
        "him",
        "one",
        "two",
        "three",
        "first",
        "last",
        "year",
        "years",
        "said",
        "says",
        "make",
        "made",
    ]
)


def vocabulary(corpus: Path) -> tuple[list[str], list[str]]:
    words: dict[str, int] = {}
    names: dict[str, int] = {}
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in {".md", ".txt"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if line.strip().startswith(("title:", "excerpt:")):
                for w in re.findall(r"[A-Za-z]{4,12}", line.split(":", 1)[1]):
                    if w[0].isupper() and not w.isupper():
                        names[w] = names.get(w, 0) + 1
                    lw = w.lower()
                    if lw not in STOP:
                        words[lw] = words.get(lw, 0) + 1
    common = sorted(words, key=lambda w: -words[w])
    name_list = [n for n in sorted(names, key=lambda n: -names[n]) if n.lower() not in STOP]
    return common[:2000], name_list[:400]


def _sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--regime", choices=["links", "news"], default="links")
    ap.add_argument("--noise", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument(
        "--event-share", type=float, default=0.08, help="share of excerpt words from the event"
    )
    ap.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words, names = vocabulary(a.corpus)
    rng.shuffle(words)
    rng.shuffle(names)
    beats = [(words[i * 250 : (i + 1) * 250], names[i * 12 : (i + 1) * 12]) for i in range(4)]
    generic = words[1000:1300]
    outlets = [
        f"{rng.choice(words)}{rng.choice(words)}.{rng.choice(['com', 'net', 'org', 'co.uk'])}"
        for _ in range(400)
    ]
    weights = [1 / (k + 1) ** 1.1 for k in range(400)]
    start = datetime(2021, 3, 1, tzinfo=UTC)
    busy = {rng.randrange(60): rng.randrange(4) for _ in range(5)}  # day -> beat of a burst
    articles: list[dict] = []
    story = 0
    while len(articles) < a.documents:
        day = rng.randrange(60)
        beat = busy[day] if day in busy and rng.random() < 0.6 else rng.randrange(4)
        vocab, beat_names = beats[beat]
        size = (
            rng.choice([2, 2, 3])
            if a.regime == "news"
            else min(12, 2 + int(rng.expovariate(1 / 3)))
        )
        event = rng.sample(vocab, 8)
        keys = event[:4]
        who = rng.sample(beat_names, 2)
        t0 = start + timedelta(days=day, hours=rng.uniform(0, 20))
        for k in range(size):
            title = [*rng.sample(keys, 2), rng.choice(who), *rng.sample(generic, 3)]
            rng.shuffle(title)
            n_ex = rng.randint(60, 80) if a.regime == "news" else rng.randint(15, 30)
            ex = [
                rng.choice(event)
                if rng.random() < a.event_share
                else (
                    rng.choice(who)
                    if rng.random() < 0.05
                    else rng.choice(vocab if rng.random() < 0.5 else generic)
                )
                for _ in range(n_ex)
            ]
            outlet = rng.choices(outlets, weights)[0]
            when = t0 + timedelta(hours=rng.expovariate(1 / 10) if k else 0)
            slug = "-".join(title[:5]).lower()
            articles.append(
                {
                    "story": story,
                    "beat": beat,
                    "outlet": outlet,
                    "when": when,
                    "title": _sentence(title),
                    "excerpt": _sentence(ex) + ".",
                    "url": f"https://www.{outlet}/{when:%Y/%m/%d}/{slug}-{len(articles)}",
                }
            )
        story += 1
    by_story: dict[int, list[int]] = {}
    for i, art in enumerate(articles):
        by_story.setdefault(art["story"], []).append(i)
    a.out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i, art in enumerate(articles):
        related: list[int] = []
        if a.regime == "links":
            mates = [j for j in by_story[art["story"]] if j != i]
            related = rng.sample(mates, max(0, len(mates) - rng.randrange(2))) if mates else []
            n_noise = (
                round(len(related) * a.noise / (1 - a.noise))
                if related
                else int(rng.random() < a.noise)
            )
            pool = [
                j
                for j, b in enumerate(articles)
                if b["beat"] == art["beat"]
                and b["story"] != art["story"]
                and abs((b["when"] - art["when"]).days) <= 2
            ]
            related += rng.sample(pool, min(n_noise, len(pool)))
            rng.shuffle(related)
        lines = [
            "---",
            f"title: {json.dumps(art['title'])}",
            f"excerpt: {json.dumps(art['excerpt'])}",
            f"publishedDateTime: {art['when']:%Y-%m-%dT%H:%M:%SZ}",
            f"webUrl: {json.dumps(art['url'])}",
            "provider:",
            f"  name: {json.dumps(art['outlet'].split('.')[0].title())}",
            f"  domain: {art['outlet']}",
            "topics:",
            f"  - Beat {art['beat']}",
        ]
        if related:
            lines.append("related:")
            for j in related:
                b = articles[j]
                variant = rng.random()
                url = b["url"] + (
                    "/amp" if variant < 0.3 else "?utm_source=feed" if variant < 0.5 else ""
                )
                lines += [
                    f"  - title: {json.dumps(b['title'])}",
                    f"    webUrl: {json.dumps(url)}",
                    f"    publishedDateTime: {b['when']:%Y-%m-%dT%H:%M:%SZ}",
                    "    provider:",
                    f"      domain: {b['outlet']}",
                ]
        lines.append("---")
        (a.out / f"{i:05d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        truth[art["url"]] = art["story"]
    (a.out.parent / (a.out.name + ".truth.json")).write_text(json.dumps(truth))
    print(f"{len(articles)} documents, {story} stories -> {a.out}")


if __name__ == "__main__":
    main()
