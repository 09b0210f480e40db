"""graphnews.pipeline: one run writes every promised file; a second run is reused and identical."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest

import graphnews
from graphnews import pipeline
from graphnews.centrality import MEASURES, central_outlets
from graphnews.export import export
from graphnews.pipeline import (
    CENTRAL_OUTLETS_FILE,
    EXPORTED_GRAPHS,
    SPREAD_FILE,
    STORIES_FILE,
    SUMMARY_FILE,
    RunReport,
    inputs_outside,
    run,
)
from graphnews.render import render_site
from graphnews.spread import outlet_spread, ranks, spread_ranges, with_ranges
from graphnews.stories.alternatives import story_stability
from tests.conftest import SEEDS, seeds_and_generated

#: The steps of a run, in order.
STEPS = ["ingest", "stories", "centrality", "spread", "render", "export"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two real seeds and 60 generated documents with planted stories, in one folder."""
    return seeds_and_generated(tmp_path_factory, documents=60, seed=5)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> tuple[Path, RunReport]:
    """A cold run of the corpus: (its folder, holding news.db and out/; its report)."""
    folder = tmp_path_factory.mktemp("run")
    with graphnews.open(folder / "news.db") as db:
        report = run(db, [corpus], out_dir=folder / "out")
    return folder, report


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_writes_every_promised_file(first: tuple[Path, RunReport]) -> None:
    folder, report = first
    out = folder / "out"
    assert report.exit_code == 0 and report.reasons == [] and not report.reused
    assert [s.name for s in report.steps] == STEPS
    names = {p.relative_to(out).as_posix() for p in report.written}
    assert {"summary.json", "stories.json", "central-outlets.json", "spread.json", "index.html",
            "outlets.html", "topics.html", "coverage.graphml", "outlets.graphml"} <= names
    assert any(n.startswith("story-s-") and n.endswith(".html") for n in names)
    # the folder holds exactly what the report names, and summary.json names the same files
    assert names == set(snapshot(out))
    summary = json.loads((out / SUMMARY_FILE).read_text())
    assert {p for s in summary["steps"] for p in s["written"]} | {SUMMARY_FILE} == names
    with graphnews.open(folder / "news.db", readonly=True) as db:
        stats = db.stats()
    assert summary["database"] == stats
    assert stats["documents"] == 62 and stats["rejected"] == 0
    # the exports read back with every article and every outlet
    coverage = nx.read_graphml(out / "coverage.graphml")
    kinds = [k for _, k in coverage.nodes(data="kind")]
    assert (kinds.count("article"), kinds.count("outlet")) == (stats["articles"],
                                                               stats["outlets"])
    outlets = nx.read_graphml(out / "outlets.graphml")
    central = json.loads((out / CENTRAL_OUTLETS_FILE).read_text())
    assert {r["outlet"] for r in central["outlets"]} == {
        d for _, d in outlets.nodes(data="domain")}
    assert len(central["outlets"]) == stats["outlets"]
    # stories.json holds every article once; spread.json every outlet of a shared story
    stories = json.loads((out / STORIES_FILE).read_text())
    urls = [u for s in stories for u in s["articles"]]
    assert len(urls) == len(set(urls)) == stats["articles"]
    spread = json.loads((out / SPREAD_FILE).read_text())
    assert {r["outlet"] for r in spread} == {
        o for s in stories if s["outlets"] > 1 for o in _outlets(coverage, s["articles"])}
    # the step counts agree with the database
    counts = {s.name: s.counts for s in report.steps}
    assert counts["ingest"]["documents"] == 62
    assert counts["centrality"]["outlets"] == stats["outlets"]
    assert counts["stories"]["stories"] + counts["stories"]["single articles"] == stats["stories"]
    assert counts["stories"]["stories"] == sum(s["size"] > 1 for s in stories)
    assert counts["spread"]["outlets"] == len(spread)
    assert counts["render"]["pages"] == 3 + sum(n.startswith("story-") for n in names)


def test_run_exports_and_pages_are_those_written_alone(first: tuple[Path, RunReport],
                                                       tmp_path: Path) -> None:
    """Render and export take the centrality step's outlet graph rather than build it again:
    their files are byte for byte those `export` and `render_site` write on their own."""
    folder, _ = first
    with graphnews.open(folder / "news.db", readonly=True) as db:
        written = [p for graph in EXPORTED_GRAPHS
                   for p in export(db, to="graphml", graph=graph, out=tmp_path)]
        rows = central_outlets(db).rows
        measures = {name: {f"outlet:{r.outlet}": getattr(r, name) for r in rows}
                    for name in MEASURES}
        written += render_site(db, tmp_path / "site", measures=measures)
    for path in written:
        assert path.read_bytes() == (folder / "out" / path.name).read_bytes(), path.name


def _outlets(coverage: nx.Graph, urls: list[str]) -> set[str]:
    """The outlet domains of the articles with these URLs, read from the coverage export."""
    by_url = {attrs.get("url"): attrs.get("outlet") for _, attrs in coverage.nodes(data=True)}
    return {by_url[u] for u in urls if by_url.get(u)}


def test_second_run_reuses_everything_and_forced_run_is_byte_identical(
    first: tuple[Path, RunReport], corpus: Path
) -> None:
    folder, report = first
    out = folder / "out"
    before = snapshot(out)
    with graphnews.open(folder / "news.db") as db:
        again = run(db, [corpus], out_dir=out)
        assert again.reused and again.exit_code == 0
        assert again.ingest.unchanged == 62 and again.ingest.documents == 0
        assert [s.name for s in again.steps] == STEPS
        assert all(s.reused for s in again.steps[1:])
        assert again.written == report.written
        assert [s.counts for s in again.steps[1:]] == [s.counts for s in report.steps[1:]]
        assert snapshot(out) == before
        forced = run(db, [corpus], out_dir=out, force=True)
    assert not forced.reused and not any(s.reused for s in forced.steps)
    assert snapshot(out) == before


def test_a_fresh_database_gives_the_same_files(
    first: tuple[Path, RunReport], corpus: Path, tmp_path: Path
) -> None:
    with graphnews.open(tmp_path / "other.db") as db:
        report = run(db, [corpus], out_dir=tmp_path / "out")
    assert report.exit_code == 0 and not report.reused
    assert snapshot(tmp_path / "out") == snapshot(first[0] / "out")


def test_one_core_writes_the_same_files_without_a_side_process(
    first: tuple[Path, RunReport], corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two cores the spread and the coverage export run in a side process during
    centrality and render; with one, or a database in memory, in their steps. Same bytes."""
    with graphnews.open(tmp_path / "a.db") as db, pipeline._side_process(db) as side:
        assert side is not None
    with graphnews.open(":memory:") as db, pipeline._side_process(db) as side:
        assert side is None
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 1)
    with graphnews.open(tmp_path / "other.db") as db:
        with pipeline._side_process(db) as side:
            assert side is None
        report = run(db, [corpus], out_dir=tmp_path / "out")
    assert report.exit_code == 0
    assert snapshot(tmp_path / "out") == snapshot(first[0] / "out")


def test_changed_input_is_recomputed(corpus: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(corpus, inputs)
    with graphnews.open(tmp_path / "news.db") as db:
        run(db, [inputs], out_dir=tmp_path / "out")
        stories_before = db.stats()["stories"]
        extra = inputs / "extra.md"
        extra.write_text("---\ntitle: A new article\nwebUrl: https://new.example/1\n"
                         "provider: {name: New, domain: new.example}\n---\n")
        report = run(db, [inputs], out_dir=tmp_path / "out")
        assert not report.reused
        assert (report.ingest.documents, report.ingest.new_files) == (1, 1)
        assert db.stats()["stories"] == stories_before + 1
    central = json.loads((tmp_path / "out" / CENTRAL_OUTLETS_FILE).read_text())
    assert "new.example" in {r["outlet"] for r in central["outlets"]}


def test_another_ingest_into_the_database_invalidates_the_previous_run(
    corpus: Path, tmp_path: Path
) -> None:
    with graphnews.open(tmp_path / "news.db") as db:
        run(db, [corpus / "seeds"], out_dir=tmp_path / "out")
        db.ingest([corpus / "generated"])
        report = run(db, [corpus / "seeds"], out_dir=tmp_path / "out")
    assert not report.reused and report.ingest.unchanged == 2
    summary = json.loads((tmp_path / "out" / SUMMARY_FILE).read_text())
    assert summary["database"]["documents"] == 62


def test_a_deleted_output_file_is_written_again(corpus: Path, tmp_path: Path) -> None:
    with graphnews.open(tmp_path / "news.db") as db:
        run(db, [corpus / "seeds"], out_dir=tmp_path / "out")
        (tmp_path / "out" / "outlets.graphml").unlink()
        report = run(db, [corpus / "seeds"], out_dir=tmp_path / "out")
    assert not report.reused
    assert (tmp_path / "out" / "outlets.graphml").is_file()


def test_rejected_input_gives_exit_code_1_and_the_rest_still_runs(
    corpus: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(corpus / "seeds", inputs)
    (inputs / "bad.md").write_text("---\ntitle: [oops\n---\n")
    with graphnews.open(tmp_path / "news.db") as db:
        report = run(db, [inputs, tmp_path / "missing"], out_dir=tmp_path / "out")
    assert report.exit_code == 1
    assert [s.name for s in report.steps] == STEPS and report.failed == []
    (reason,) = report.reasons
    assert reason == (f"input rejected: {tmp_path / 'missing'}:1: no such file or folder "
                      "(and 1 more)")
    assert str(inputs / "bad.md") in {p.path for p in report.ingest.rejected}
    assert (tmp_path / "out" / "index.html").is_file()
    assert report.as_dict()["exit_code"] == 1


def test_a_failed_step_is_reported_and_the_other_steps_still_run(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "coverage.graphml").mkdir(parents=True)  # the export cannot write its file
    with graphnews.open(tmp_path / "news.db") as db:
        report = run(db, [corpus / "seeds"], out_dir=out)
        assert report.exit_code == 1
        (failed,) = report.failed
        assert failed.name == "export" and "Is a directory" in (failed.error or "")
        assert report.reasons == [f"step export failed: {failed.error}"]
        assert all(s.error is None for s in report.steps if s.name != "export")
        assert (out / "index.html").is_file() and (out / CENTRAL_OUTLETS_FILE).is_file()
        summary = json.loads((out / SUMMARY_FILE).read_text())
        assert summary["fingerprint"] is None
        assert "export" not in [s["name"] for s in summary["steps"]]
        (out / "coverage.graphml").rmdir()
        fixed = run(db, [corpus / "seeds"], out_dir=out)  # a failed run is never reused
    assert fixed.exit_code == 0 and not fixed.reused
    assert (out / "coverage.graphml").is_file()


def test_output_folder_inside_the_input_folder_is_not_read_back(
    corpus: Path, tmp_path: Path
) -> None:
    shutil.copytree(corpus / "seeds", tmp_path / "news")
    out = tmp_path / "news" / "output"
    with graphnews.open(tmp_path / "news.db") as db:
        first = run(db, [tmp_path / "news"], out_dir=out)
        second = run(db, [tmp_path / "news"], out_dir=out)
    assert first.exit_code == second.exit_code == 0
    assert second.reused and second.ingest.unchanged == 2 and second.ingest.rejected == []
    kept = inputs_outside([tmp_path / "news", "-", str(SEEDS / "x.md")], out)
    assert sorted(Path(p).name for p in kept[:-2]) == sorted(p.name for p in SEEDS.iterdir())
    assert kept[-2:] == ["-", str(SEEDS / "x.md")]


def test_progress_reports_every_step(corpus: Path, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int | None]] = []
    with graphnews.open(tmp_path / "news.db") as db:
        run(db, [corpus / "seeds"], out_dir=tmp_path / "out",
            progress=lambda step, done, total: calls.append((step, done, total)))
    assert list(dict.fromkeys(step for step, _, _ in calls)) == STEPS
    for step in STEPS:
        last = [c for c in calls if c[0] == step][-1]
        assert last[1] == last[2]  # each step ends complete
    assert ("ingest", 2, 2) in calls
    # the same callback reaches ingest (files) and stories (its four stages, then done)
    assert [c for c in calls if c[0] == "stories" and c[2] == 4] == [
        ("stories", done, 4) for done in range(5)]


def test_ranges_add_the_keys_of_stories_spread_and_render_ranges(
    first: tuple[Path, RunReport], corpus: Path, tmp_path: Path
) -> None:
    """``run(ranges=True)`` clusters the alternatives once for every step: each story of
    stories.json is the plain run's story with `story_stability`'s keys, each spread row the
    plain row with the keys `with_ranges` adds from `spread_ranges`, each story page says in how
    many clusterings the story is found whole; and only then (the plain run has none of it)."""
    plain = first[0] / "out"
    out = tmp_path / "out"
    with graphnews.open(tmp_path / "news.db") as db:
        report = run(db, [corpus], out_dir=out, ranges=True)
        assert report.exit_code == 0 and not report.reused
        stability = story_stability(db)
        rows = outlet_spread(db)
        _, found = spread_ranges(db)
        again = run(db, [corpus], out_dir=out, ranges=True)
        assert again.reused
        unranged = run(db, [corpus], out_dir=tmp_path / "other")
        assert not unranged.reused  # the option is part of the fingerprint
    stories = json.loads((out / STORIES_FILE).read_text())
    expected = json.loads((plain / STORIES_FILE).read_text())
    assert stories == [s | stability[s["id"]].as_dict() for s in expected]
    assert all("kept" not in s for s in expected)
    assert any(s["kept"] < s["clusterings"] for s in stories)  # something moves in this corpus
    counts = next(s.counts for s in report.steps if s.name == "stories")
    assert counts["found whole in every clustering"] == sum(
        s["kept"] == s["clusterings"] for s in stories if s["size"] > 1) > 0
    spread = json.loads((out / SPREAD_FILE).read_text())
    assert spread == with_ranges(json.loads((plain / SPREAD_FILE).read_text()), ranks(rows), found)
    assert all(r["first_min"] <= r["first"] <= r["first_max"] for r in spread
               if r["clusterings"] is not None)
    pages = sorted(out.glob("story-*.html"))
    assert pages and all("found whole" in p.read_text() for p in pages)
    assert not any("found whole" in p.read_text() for p in plain.glob("story-*.html"))
    assert snapshot(tmp_path / "other") == snapshot(plain)
