"""Score graphnews's stories on an independent corpus against two baselines.

    python score.py CORPUS_DIR GRAPHNEWS_PYTHON
Baselines: connected components of the related links; TF-IDF (title + excerpt) cosine
threshold, single linkage within 7 days, with the threshold chosen on the truth (an oracle: an
upper bound for that baseline).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
from collections import Counter
from itertools import combinations
from pathlib import Path


def pairs_of(labels: dict[str, object]) -> set[tuple[str, str]]:
    groups: dict[object, list[str]] = {}
    for url, g in labels.items():
        groups.setdefault(g, []).append(url)
    return {tuple(sorted(p)) for m in groups.values() for p in combinations(m, 2)}


def ari(truth: dict[str, object], pred: dict[str, object]) -> float:
    urls = list(truth)
    n = len(urls)
    c2 = lambda x: x * (x - 1) / 2  # noqa: E731
    joint = Counter((truth[u], pred[u]) for u in urls)
    a = Counter(truth[u] for u in urls)
    b = Counter(pred[u] for u in urls)
    index = sum(c2(v) for v in joint.values())
    sa, sb = sum(c2(v) for v in a.values()), sum(c2(v) for v in b.values())
    expected = sa * sb / c2(n)
    top = (sa + sb) / 2
    return (index - expected) / (top - expected) if top != expected else 1.0


def scores(truth: dict[str, object], pred: dict[str, object]) -> str:
    t, p = pairs_of(truth), pairs_of(pred)
    hit = len(t & p)
    prec = hit / len(p) if p else 1.0
    rec = hit / len(t) if t else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f"F1 {f1:.3f} (P {prec:.2f} R {rec:.2f}) ARI {ari(truth, pred):.3f}"


def components(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, object]:
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        if u in parent and v in parent:
            parent[find(u)] = find(v)
    return {n: find(n) for n in nodes}


def main() -> None:
    corpus, python = Path(sys.argv[1]), sys.argv[2]
    truth = {
        u.replace("://www.", "://"): g
        for u, g in json.loads((corpus.parent / (corpus.name + ".truth.json")).read_text()).items()
    }
    docs = {}
    for f in sorted(corpus.glob("*.md")):
        text = f.read_text()
        url = json.loads(re.search(r"^webUrl: (.*)$", text, re.M).group(1)).replace(
            "://www.", "://"
        )
        title = json.loads(re.search(r"^title: (.*)$", text, re.M).group(1))
        excerpt = json.loads(re.search(r"^excerpt: (.*)$", text, re.M).group(1))
        when = re.search(r"^publishedDateTime: (.*)$", text, re.M).group(1)
        rel = [
            re.sub(r"(/amp|\?utm_source=feed)$", "", json.loads(m)).replace("://www.", "://")
            for m in re.findall(r"^    webUrl: (.*)$", text, re.M)
        ]
        docs[url] = (title + " " + excerpt, when, rel)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/g.db"
        subprocess.run(
            [python, "-m", "graphnews", "ingest", str(corpus), "--db", db],
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [python, "-m", "graphnews", "stories", "--all", "--format", "json", "--db", db],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    pred = {}
    for s in json.loads(out):
        for u in s["articles"]:
            pred[u] = s["id"]
    missing = [u for u in truth if u not in pred]
    for u in missing:
        pred[u] = u
    print(
        f"graphnews            {scores(truth, {u: pred[u] for u in truth})}"
        + (f"  ({len(missing)} truth URLs not found)" if missing else "")
    )
    urls = list(truth)
    if len(sys.argv) > 3 and sys.argv[3] == "--graphnews-only":
        return
    links = [(u, v) for u in urls for v in docs[u][2]]
    print(f"connected components {scores(truth, components(urls, links))}")
    # TF-IDF cosine, oracle threshold
    toks = {u: Counter(re.findall(r"[a-z0-9]+", docs[u][0].lower())) for u in urls}
    df = Counter(w for c in toks.values() for w in c)
    n = len(urls)
    vec = {}
    for u, c in toks.items():
        v = {w: (1 + math.log(k)) * math.log(n / df[w]) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1
        vec[u] = {w: x / norm for w, x in v.items()}
    from datetime import datetime

    ts = {u: datetime.fromisoformat(docs[u][1].replace("Z", "+00:00")).timestamp() for u in urls}
    sims = []
    for u, v in combinations(urls, 2):
        if abs(ts[u] - ts[v]) <= 7 * 86400:
            a, b = vec[u], vec[v]
            if len(a) > len(b):
                a, b = b, a
            s = sum(x * b.get(w, 0) for w, x in a.items())
            if s > 0.1:
                sims.append((s, u, v))
    best = None
    for th in [0.15 + 0.025 * k for k in range(30)]:
        r = scores(truth, components(urls, [(u, v) for s, u, v in sims if s >= th]))
        f1 = float(r.split()[1])
        if best is None or f1 > best[0]:
            best = (f1, th, r)
    print(f"tfidf oracle >= {best[1]:.3f} {best[2]}")


if __name__ == "__main__":
    main()
