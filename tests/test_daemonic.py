"""graphnews in a daemonic process (a `multiprocessing.Pool` worker), which may not start
processes of its own: ingest's parse workers, the story step's forked clusterings and the main
job's side process run their work in it instead, with the same results."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

import graphnews
from graphnews._processes import can_fork
from graphnews.generator import DOCUMENTS_DIR, generate_corpus
from graphnews.pipeline import run
from graphnews.stories import _parallel, pairs, update_stories
from graphnews.stories.alternatives import alternative_stories

pytestmark = pytest.mark.skipif(not can_fork(),
                                reason="the pool's worker is forked with the test's patches")


def _everything(folder: str, path: str) -> dict[str, Any]:
    """Ingest with two parse workers, the stories with their evidence, the alternative
    clusterings (shared out over forked workers where a process may), and the main job."""
    db = graphnews.open(path)
    ingested = db.ingest([folder], workers=2)
    made = update_stories(db, keep_evidence=True)
    found = alternative_stories(db, resolutions=(0.4, 0.6), seeds=(0, 1),
                                evidence=made.evidence)
    ran = run(db, [folder], out_dir=Path(path).with_suffix(".out"), ranges=True)
    return {"daemon": multiprocessing.current_process().daemon,
            "documents": ingested.documents, "stories": made.stories,
            "clusterings": {k: v.tolist() for k, v in found.labels.items()},
            "steps": [s.name for s in ran.steps]}


def test_a_pool_worker_does_the_work_itself(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    generate_corpus(tmp_path / "c", documents=200, noise=0.2, seed=4)
    folder = str(tmp_path / "c" / DOCUMENTS_DIR)
    monkeypatch.setattr(pairs, "PARALLEL_FROM", 0)  # the clusterings forked, where allowed
    monkeypatch.setattr(_parallel, "parts", lambda: 2)
    here = _everything(folder, str(tmp_path / "here.db"))
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply(_everything, (folder, str(tmp_path / "there.db")))
    assert here.pop("daemon") is False and there.pop("daemon") is True
    assert here["documents"] == 200 and here["stories"] > 0
    assert there == here
