"""The naive peer: the script a user writes with PyYAML, networkx and pyvis alone.

``yaml.safe_load`` on each file's front matter, one networkx ``Graph`` of everything (articles,
outlets, topics; ``related`` items as article-article edges), stories as the connected components
of the article-article links, degree / betweenness / PageRank on the whole graph, one pyvis page
of the whole graph and one GraphML file of it. Its steps carry graphnews's step names so the two
can be compared step by step.

Run it as a script (``python benchmarks/naive.py CORPUS OUT``): it prints one JSON line per
finished step (see `harness.Steps`). `run_naive` runs it in a subprocess killed at a time limit
and says how far it got.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Steps, run_process  # noqa: E402

__all__ = ["STEPS", "main", "run_naive"]

#: The naive script's steps, in the order it runs them.
STEPS = ("ingest", "graph", "stories", "centrality", "render", "export")


def run_naive(corpus: Path, out: Path, *, timeout: float) -> dict[str, Any]:
    """Run the naive script on ``corpus`` in a fresh process, killed after ``timeout`` seconds.

    Returns
    -------
    dict
        What `harness.run_process` returns, plus ``stopped_in``: the step under way when the
        time limit killed it (None when it finished).
    """
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(HERE / "naive.py"), str(corpus.resolve()), str(out.resolve())]
    result = run_process(command, timeout=timeout, cwd=out)  # pyvis writes its lib/ into cwd
    done = [s["step"] for s in result["steps"]]
    result["stopped_in"] = next((s for s in STEPS if s not in done), None) \
        if result["timed_out"] else None
    result["timeout"] = timeout
    return result


def main(corpus: Path, out: Path) -> None:
    """The naive script, step by step (each step timed by `harness.Steps`)."""
    import networkx as nx
    import yaml
    from pyvis.network import Network

    out.mkdir(parents=True, exist_ok=True)
    steps = Steps()
    steps.begin("ingest")
    docs = []
    for path in sorted(corpus.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        front = text.split("---\n")[1]
        docs.append(yaml.safe_load(front))

    steps.begin("graph")
    G = nx.Graph()
    for doc in docs:
        article = _add_article(G, doc)
        for topic in doc.get("topics") or []:
            G.add_node(f"topic:{topic}", kind="topic")
            G.add_edge(article, f"topic:{topic}")
        for item in doc.get("related") or []:
            other = _add_article(G, item)
            if other != article:
                G.add_edge(article, other, kind="related")

    steps.begin("stories")
    articles = [n for n, kind in G.nodes(data="kind") if kind == "article"]
    linked = G.subgraph(articles)
    stories = [c for c in nx.connected_components(linked) if len(c) > 1]
    for number, members in enumerate(stories):
        for node in members:
            G.nodes[node]["story"] = number

    steps.begin("centrality")
    degree = nx.degree_centrality(G)
    betweenness = nx.betweenness_centrality(G)
    pagerank = nx.pagerank(G)
    for node in G:
        G.nodes[node].update(degree=degree[node], betweenness=betweenness[node],
                             pagerank=pagerank[node])

    steps.begin("render")
    net = Network(height="900px", width="100%")
    net.from_nx(G)
    net.write_html(str(out / "naive.html"), notebook=False)

    steps.begin("export")
    nx.write_graphml(G, out / "naive.graphml")
    steps.close()


def _add_article(G: Any, doc: dict[str, Any]) -> str:
    url = doc.get("webUrl") or doc.get("originalUrl") or doc.get("title") or "?"
    provider = doc.get("provider") or {}
    domain = provider.get("domain") or "unknown"
    G.add_node(url, kind="article", title=str(doc.get("title") or ""),
               published=str(doc.get("publishedDateTime") or ""))
    G.add_node(f"outlet:{domain}", kind="outlet", name=str(provider.get("name") or domain))
    G.add_edge(url, f"outlet:{domain}")
    return str(url)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
