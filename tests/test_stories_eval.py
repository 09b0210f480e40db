"""The labelled stories (benchmarks/stories_eval, and its small copy in tests/data) join graphnews.

Every label must name an article graphnews reads from the source's documents, every article read
must have a label, and the documents must be the ones SOURCE.txt names: a label that silently
matches nothing would make every score computed on it wrong.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import graphnews
from graphnews.generator import REGIMES, TRUTH_FILE
from graphnews.identity import canonical_url
from graphnews.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
FULL = ROOT / "benchmarks" / "stories_eval"
SUBSET = ROOT / "tests" / "data" / "stories_eval"
#: The public repositories the labelled documents come from.
REPOSITORIES = {
    "everyday-cc/ai", "everyday-cc/azure", "SmartableAI/microsoft-power-apps",
    "SmartableAI/artificial-intelligence", "huqi-pr/trending-in-one",
    "groundcobra009/japan-news-frontpage-index", "dllmdllm/rss-news", "k-blo/all.news",
    "gesab001/headlines",
}  # fmt: skip
NOTE_KINDS = {
    "same-day-beat", "same-beat", "same-company", "follow-up", "development", "syndicated",
    "roundup", "opinion", "tutorial", "off-topic", "preview", "unclear",
}  # fmt: skip


def _rows(folder: Path, name: str = "labels.tsv") -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert reader.fieldnames == ["source", "url", "story", "note"]
        return list(reader)


def _sources(folder: Path) -> list[tuple[Path, str]]:
    return [(folder, source) for source in sorted({row["source"] for row in _rows(folder)})]


SOURCES = _sources(FULL) + _sources(SUBSET)


def _check_note(note: str) -> None:
    """A note is empty or ``;``-separated hard cases, each starting with a known kind."""
    words = {re.split(r"[ (:]", part.strip())[0] for part in note.split(";")}
    assert not note or words <= NOTE_KINDS, note


def test_labels_are_well_formed() -> None:
    rows = _rows(FULL)
    assert len(rows) >= 400
    assert len({row["source"] for row in rows}) >= 3
    assert len({row["story"] for row in rows}) >= 80
    seen: set[tuple[str, str | None]] = set()
    for row in rows:
        assert row["story"].startswith(row["source"] + ":"), row
        assert row["url"].startswith(("http://", "https://")), row
        key = (row["source"], canonical_url(row["url"]))
        assert key not in seen, f"{row['url']} labelled twice"
        seen.add(key)
        _check_note(row["note"])


def test_the_second_labelling_covers_its_sources_article_for_article() -> None:
    """``labels_second.tsv`` (the agreement study) labels exactly the articles the first
    labelling has in each of its sources, with well-formed stories and notes."""
    first = _rows(FULL)
    second = _rows(FULL, "labels_second.tsv")
    sources = {row["source"] for row in second}
    assert len(sources) >= 4
    for source in sources:
        urls = [row["url"] for row in second if row["source"] == source]
        assert len(urls) == len(set(urls))
        assert set(urls) == {row["url"] for row in first if row["source"] == source}
    for row in second:
        assert row["story"].startswith(row["source"] + ":"), row
        _check_note(row["note"])


def test_the_subset_is_a_copy_of_the_full_labels() -> None:
    full = {(row["source"], row["url"]): row for row in _rows(FULL)}
    subset = _rows(SUBSET)
    assert len({row["story"] for row in subset}) >= 10
    for row in subset:
        assert full[(row["source"], row["url"])] == row


@pytest.mark.parametrize(("folder", "source"), SOURCES, ids=lambda v: getattr(v, "name", v))
def test_every_article_has_one_label(tmp_path: Path, folder: Path, source: str) -> None:
    db = graphnews.open(tmp_path / "eval.db")
    report = ingest(db, [folder / source / "documents"])
    assert report.as_dict()["rejected"] == []
    article_of = dict(db.conn.execute("SELECT canonical_url, id FROM articles"))
    article_of.update(db.conn.execute("SELECT url, article_id FROM aliases"))
    story_of: dict[int, str] = {}
    for row in _rows(folder):
        if row["source"] != source:
            continue
        article = article_of.get(canonical_url(row["url"]))
        assert article is not None, f"{row['url']} is not an article of {source}"
        assert story_of.setdefault(article, row["story"]) == row["story"], row["url"]
    articles = db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert len(story_of) == articles


def _local_name(path: str) -> str:
    """The file name a document of the site has here (JSON API pages: ``<topic>-page-<n>.json``)."""
    page = re.fullmatch(r"api/news/([^/]+)/page/(\d+)/index\.json", path)
    return f"{page[1]}-page-{page[2]}.json" if page else Path(path).name


@pytest.mark.parametrize(("folder", "source"), SOURCES, ids=lambda v: getattr(v, "name", v))
def test_source_txt_names_every_document(folder: Path, source: str) -> None:
    named = []
    for line in (folder / source / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
        # A fourth field: the document was built from a row of that file (the headline archives
        # of the Chinese and Japanese sources), not copied from it.
        repo, path, commit, *built = line.split(" ")
        assert repo in REPOSITORIES, line
        assert re.fullmatch(r"[0-9a-f]{40}", commit), line
        assert len(built) <= 1, line
        named.append(built[0] if built else _local_name(path))
    files = sorted(p.name for p in (folder / source / "documents").iterdir())
    assert sorted(named) == files


@pytest.fixture
def stories_eval(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The benchmark script as a module (it imports its neighbour `harness`)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("stories_eval")


def test_scored_only_sources_are_labelled_and_never_fitted(stories_eval: ModuleType) -> None:
    """`stories_eval.SCORED_ONLY` names labelled sources, and the shipped model saw none of them."""
    from graphnews.stories.pairs import load_model

    scored_only = stories_eval.SCORED_ONLY
    labelled = {row["source"] for row in _rows(FULL)}
    assert scored_only and set(scored_only) <= labelled
    model = load_model()
    for fitted in (model, model.dense):
        assert fitted is not None
        assert not set(scored_only) & set(fitted.report["sources"])


def test_text_only_fitted_sources_are_one_source_of_the_text_only_model_alone(
    stories_eval: ModuleType,
) -> None:
    """`stories_eval.TEXT_ONLY_FITTED` names labelled sources that are not scored only; the
    shipped text-only model was fitted on them as one source (``en-news``), the model and its
    dense one never saw them."""
    from graphnews.stories.pairs import load_model

    text_only = stories_eval.TEXT_ONLY_FITTED
    labelled = {row["source"] for row in _rows(FULL)}
    assert text_only and set(text_only) <= labelled
    assert not set(text_only) & set(stories_eval.SCORED_ONLY)
    group = stories_eval._one_source(list(text_only))
    assert group == "en-news"
    model = load_model()
    assert model.text_only is not None and model.dense is not None
    assert model.text_only.report["sources"][group] > 0
    assert not set(text_only) & set(model.text_only.report["sources"])
    for fitted in (model, model.dense):
        assert not ({group, *text_only} & set(fitted.report["sources"]))


def test_text_only_fitted_sources_are_marked_for_every_script_that_fits(
    stories_eval: ModuleType,
) -> None:
    """`_fitted_and_scored_only` (the table of record's split, and `stories_agreement.py`'s)
    marks the text-only-fitted sources as one source and keeps the scored-only ones apart."""
    sources = [
        stories_eval.Source(name, True, [], [])
        for name in ("ai", "en-news-2020-04-28", "en-news-2020-06-08", "blind")
    ]
    fitted, scored = stories_eval._fitted_and_scored_only(
        sources,
        scored_only=["blind"],
        text_only_fitted=["en-news-2020-04-28", "en-news-2020-06-08"],
    )
    assert [s.name for s in scored] == ["blind"]
    assert {s.name: s.text_only_group for s in fitted} == {
        "ai": "",
        "en-news-2020-04-28": "en-news",
        "en-news-2020-06-08": "en-news",
    }


def test_a_cached_generated_corpus_is_drawn_again_when_its_regime_changed(
    tmp_path: Path, stories_eval: ModuleType
) -> None:
    """The benchmark reuses a corpus only when it was drawn by the generator code installed now
    with its regime's options as they are now: a regime changed since (an option added or set)
    or a corpus another checkout's generator drew is drawn again, not scored stale."""
    from harness import GENERATOR_STAMP, stamp_corpus

    regime = REGIMES["small-stories"]
    folder = tmp_path / "gen-small-stories"
    assert stories_eval._cached_truth(folder, regime) is None
    drawn = regime.generate(folder, documents=60, noise=0.0, seed=1)
    assert stories_eval._cached_truth(folder, regime) is None  # no stamp: drawn by whom?
    stamp_corpus(folder)
    cached = stories_eval._cached_truth(folder, regime)
    assert cached is not None and cached.story_of == drawn.story_of
    assert stories_eval._cached_truth(folder, dataclasses.replace(regime, excerpt_words=40)) is None
    # Drawn by another generator under the same options (a branch's sentence-case titles once
    # left such corpora in the shared cache): stale.
    stamp = folder / GENERATOR_STAMP
    stamp.write_text("0" * 64, encoding="utf-8")
    assert stories_eval._cached_truth(folder, regime) is None
    stamp_corpus(folder)
    assert stories_eval._cached_truth(folder, regime) is not None
    # A truth written before an option existed reads as that option's default (here
    # url_variants=True), which this regime does not use.
    truth = json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))
    del truth["parameters"]["url_variants"]
    (folder / TRUTH_FILE).write_text(json.dumps(truth), encoding="utf-8")
    assert stories_eval._cached_truth(folder, regime) is None


def test_agreement_scores_a_hand_worked_example(stories_eval: ModuleType) -> None:
    """`stories_agreement`'s scores on four articles worked by hand (the fixture puts the
    benchmarks on the path): the annotators agree that a-b is one story and a-d, b-d, c-d
    two; they differ on a-c and b-c (left out of the consensus)."""
    agreement = importlib.import_module("stories_agreement")
    first = {"a": 1, "b": 1, "c": 2, "d": 3}
    second = {"a": 1, "b": 1, "c": 1, "d": 3}
    # Annotators: first's one pair (a-b) is among second's three (a-b, a-c, b-c).
    both = agreement._agreement(first, second)
    assert (both["precision"], both["recall"]) == (pytest.approx(1 / 3, abs=1e-6), 1.0)
    assert both["f1"] == pytest.approx(0.5, abs=1e-6)
    # graphnews joins b, c and d: of the consensus pairs (a-b same; a-d, b-d, c-d apart) it
    # claims b-d and c-d (both wrong) and misses a-b; b-c is not a consensus pair.
    predicted = {"a": 1, "b": 2, "c": 2, "d": 2}
    consensus = agreement._consensus(first, second, predicted)
    assert consensus == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    # Joining a-b alone is right on every consensus pair.
    assert agreement._consensus(first, second, {"a": 1, "b": 1, "c": 2, "d": 3}) == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    assert agreement._pairs(second) == 3


#: The leave-one-source-out tables of docs/stories.md: which results each column quotes.
TABLE_SECTION = "## Measured: leave one source out"
RESULTS = ROOT / "benchmarks" / "results"
BASELINES = ("connected components", "TF-IDF cosine threshold", "links-only Leiden")


def _cell(row: dict) -> str:
    if row["real"]:
        return (
            f"F1 {row['f1']:.2f} (P {row['precision']:.2f} R {row['recall']:.2f}), "
            f"B³ {row['bcubed_f1']:.2f}"
        )
    return f"{row['ari']:.3f} / {row['nmi']:.3f}"


def _by_corpus(results: str) -> dict[tuple[str, str], dict]:
    rows = json.loads((RESULTS / results).read_text(encoding="utf-8"))["rows"]
    return {(r["corpus"], r["method"]): r for r in rows}


def test_the_docs_table_of_record_quotes_the_committed_results() -> None:
    """Every row of the two tables of record in docs/stories.md is what the committed runs
    wrote (`benchmarks/results/stories_eval.json`; "graphnews before":
    `stories_eval_logistic.json`), in bold exactly where graphnews is ahead of every
    baseline: a table edited by hand after a re-run would quote numbers no run gave."""
    now, before = _by_corpus("stories_eval.json"), _by_corpus("stories_eval_logistic.json")
    checked = 0
    for line in _section(TABLE_SECTION).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) != 7 or cells[0].startswith("left-out"):
            continue
        name, lists = cells[0], cells[1]
        corpus = f"{name} (no related lists)" if lists == "removed" else name
        if (corpus, "graphnews") not in now:
            continue  # (another table of the section: variants, not corpora)
        ours = now[(corpus, "graphnews")]
        key = "f1" if ours["real"] else "ari"
        ahead = all(ours[key] > now[(corpus, b)][key] for b in BASELINES)
        assert cells[2] == _cell(before[(corpus, "graphnews")]), line
        assert cells[3] == (f"**{_cell(ours)}**" if ahead else _cell(ours)), line
        assert cells[4:] == [_cell(now[(corpus, b)]) for b in BASELINES], line
        checked += 1
    assert checked == 60  # 8 real rows, 52 generated


def _section(heading: str) -> str:
    """The section of docs/stories.md that starts with ``heading``, up to the next one."""
    text = (ROOT / "docs" / "stories.md").read_text(encoding="utf-8")
    start = text.index(heading)
    return text[start : text.index("\n## ", start + 1)]


def _grouped_rows(heading: str, now: dict[tuple[str, str], dict]
                  ) -> Iterator[tuple[str, list[str], str]]:
    """The table rows of a section of docs/stories.md that name a source whose stories-only
    corpus the results ``now`` hold: the line, its cells, that corpus."""
    for line in _section(heading).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        corpus = f"{cells[0]} (stories of 2+ only)"
        if line.startswith("| ") and (corpus, "graphnews") in now:
            yield line, cells, corpus


def test_the_docs_stories_only_table_quotes_the_committed_results() -> None:
    """Every row of the stories-only table in docs/stories.md ("Stories of two or more
    alone") is what the committed table of record wrote for that source's stories-only
    corpus, in bold exactly where graphnews is ahead of the cosine threshold; every real
    source has its row."""
    now = _by_corpus("stories_eval.json")
    quoted = set()
    for line, cells, corpus in _grouped_rows("## Stories of two or more alone", now):
        ours, cosine = now[(corpus, "graphnews")], now[(corpus, "TF-IDF cosine threshold")]
        assert ours["stories_only"] and len(cells) == 4, line
        bold = ours["f1"] > cosine["f1"]
        assert cells[2] == (f"**{_cell(ours)}**" if bold else _cell(ours)), line
        assert cells[3] == _cell(cosine), line
        quoted.add(cells[0])
    assert quoted == {r["source"] for r in _rows(FULL)}


def test_the_docs_no_singletons_table_and_figures_quote_the_committed_results() -> None:
    """Every row of the table in docs/stories.md's "No single articles" is what the committed
    table of record wrote for that source's stories-only corpus (graphnews, `--no-singletons`
    in bold exactly where it is ahead of the cosine threshold, the threshold), every real
    source has its row, and the means the section quotes are those rows' means."""
    now = _by_corpus("stories_eval.json")
    quoted = set()
    for line, cells, corpus in _grouped_rows("## No single articles", now):
        ours, joined = now[(corpus, "graphnews")], now[(corpus, "graphnews --no-singletons")]
        cosine = now[(corpus, "TF-IDF cosine threshold")]
        assert len(cells) == 5 and cells[2] == _cell(ours) and cells[4] == _cell(cosine), line
        bold = joined["f1"] > cosine["f1"]
        assert cells[3] == (f"**{_cell(joined)}**" if bold else _cell(joined)), line
        quoted.add(cells[0])
    assert quoted == {r["source"] for r in _rows(FULL)}
    development = {"smartable-ai-2021-01", "de-ch-2026-06-11", "zh-trending-2024-06-05"}
    rows = json.loads((RESULTS / "stories_eval.json").read_text(encoding="utf-8"))["rows"]

    def mean(method: str, key: str, *, grouped: bool, blind: bool) -> str:
        picked = [r[key] for r in rows if r["method"] == method and r["real"]
                  and r["stories_only"] == grouped and r["related_lists"] != grouped
                  and (r["scored_only"] if blind else not r["scored_only"])
                  and not (grouped and blind and r["source"] in development)]
        return f"{sum(picked) / len(picked):.3f}"

    flat = " ".join(_section("## No single articles").split())
    plain, joined_name = "graphnews", "graphnews --no-singletons"
    assert (f"mean pairwise F1 {mean(plain, 'f1', grouped=True, blind=True)} -> "
            f"{mean(joined_name, 'f1', grouped=True, blind=True)}") in flat
    assert (f"BCubed {mean(plain, 'bcubed_f1', grouped=True, blind=True)} -> "
            f"{mean(joined_name, 'bcubed_f1', grouped=True, blind=True)}") in flat
    assert (f"On the fitted sources {mean(plain, 'f1', grouped=True, blind=False)} -> "
            f"{mean(joined_name, 'f1', grouped=True, blind=False)}") in flat
    assert (f"pairwise F1 {mean(plain, 'f1', grouped=False, blind=True)} -> "
            f"{mean(joined_name, 'f1', grouped=False, blind=True)} and BCubed "
            f"{mean(plain, 'bcubed_f1', grouped=False, blind=True)} -> "
            f"{mean(joined_name, 'bcubed_f1', grouped=False, blind=True)}") in flat


def test_stories_only_keeps_the_documents_whose_story_has_another(
    stories_eval: ModuleType, tmp_path: Path
) -> None:
    """A real source's ``stories_only`` corpus (scored, never fitted) holds exactly its
    documents whose story has at least one other document, without related links; counted
    here from the labels and the database, not by the code under test."""
    (source,) = stories_eval._real_sources(SUBSET / "labels.tsv", tmp_path)
    (only,) = source.stories_only
    db = graphnews.open(tmp_path / f"real-{source.name}.db")
    query = "SELECT canonical_url FROM articles WHERE has_document"
    documents = {u for (u,) in db.conn.execute(query)}
    db.close()
    story = {
        canonical_url(r["url"]): r["story"] for r in _rows(SUBSET) if r["source"] == source.name
    }
    sizes: dict[str, int] = {}
    for url in documents:
        sizes[story[url]] = sizes.get(story[url], 0) + 1
    expected = {u for u in documents if sizes[story[u]] >= 2}
    assert 0 < len(expected) < len(documents)  # the subset has single articles to drop
    assert set(only.articles.urls) == expected
    assert not only.articles.linked and source.corpora[0].articles.linked
    fitted = stories_eval._variants(source, [500])
    assert all(corpus is not only for corpus, _ in fitted)  # never fitted


def test_the_docs_grouped_shape_table_quotes_the_committed_results(
    stories_eval: ModuleType,
) -> None:
    """The table of docs/stories.md's "Can a corpus say it is a set of grouped stories?" is
    what `benchmarks/grouped_shape.py` wrote, and its summary is its rows' (counted here
    again: a summary edited by hand, or computed wrong, would not match; the fixture puts the
    benchmarks on the path)."""
    results = json.loads((RESULTS / "grouped_shape.json").read_text(encoding="utf-8"))
    grouped_shape = importlib.import_module("grouped_shape")
    expected = []
    for kind, title in grouped_shape.KINDS.items():
        rows = [r for r in results["rows"] if r["kind"] == kind]
        shares = [r["mutual_best"] for r in rows]

        def mean(way: str, rows: list[dict] = rows) -> str:
            return f"{sum(r[way]['f1'] for r in rows) / len(rows):.3f}"

        def moved(way: str, rows: list[dict] = rows) -> str:
            steps = [round(r[way]["f1"], 2) - round(r["default"]["f1"], 2) for r in rows]
            return f"({sum(s > 0 for s in steps)} / {sum(s < 0 for s in steps)})"

        expected.append(
            f"| {title} ({len(rows)}) | {min(shares):.2f}-{max(shares):.2f} | "
            f"{mean('default')} | "
            + " | ".join(f"{mean(way)} {moved(way)}" for way in grouped_shape.WAYS) + " |"
        )
    section = _section("## Can a corpus say it is a set of grouped stories?")
    quoted = [line for line in section.splitlines() if line.startswith("| ")][1:]
    assert quoted == expected
