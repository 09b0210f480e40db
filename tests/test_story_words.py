"""The words story detection compares, in any alphabet, and what stories say they cannot judge."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import graphnews
from graphnews.cli import app
from graphnews.generator import generate_corpus
from graphnews.stories import update_stories
from graphnews.stories.actors import title_actors
from graphnews.stories.pairs import Articles
from graphnews.stories.stored import story_urls
from graphnews.stories.words import (
    ENGLISH,
    LANGUAGE_NAMES,
    OTHER,
    corpus_language,
    names,
    stop_words,
    tokens,
    unfitted_script,
)

CHINESE = (
    Path(__file__).resolve().parents[1]
    / "benchmarks"
    / "stories_eval"
    / "zh-trending-2024-06-05"
    / "documents"
)


def test_names_start_with_a_capital_of_any_alphabet() -> None:
    assert names("Österreich: Regierung und Élysée") == ["österreich", "regierung", "élysée"]
    assert names("Москва и Путин") == ["москва", "путин"]
    assert names("Ørsted wins 1,2 GW in Taiwan") == ["ørsted", "1,2", "gw", "taiwan"]
    # English as before: A-Z capitals, figures, quoted phrases.
    assert names('Microsoft cuts 1,800 jobs, says "a small share"') == [
        "microsoft",
        "1,800",
        "a small share",
    ]


def test_words_of_any_alphabet_are_tokens() -> None:
    assert tokens("Österreichs Regierung stoppt Überwachung") == [
        "österreichs",
        "regierung",
        "stoppt",
        "überwachung",
    ]


def test_a_title_actor_may_start_with_any_capital() -> None:
    titles = [f"Ørsted{k} wins an offshore wind lease" for k in range(12)]
    excerpts = [f"Ørsted{k}, the Danish developer, said on Monday ..." for k in range(12)]
    assert title_actors(titles, excerpts)[:2] == ["ørsted0", "ørsted1"]


def _cjk_majority(text: str) -> bool:
    """The same question as `unfitted_script`, answered from the Unicode character names."""
    letters = [c for c in text if c.isalpha()]
    cjk = [
        c
        for c in letters
        if unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))
    ]
    return bool(letters) and 2 * len(cjk) >= len(letters)


def test_unfitted_script_is_most_letters_chinese_japanese_or_korean() -> None:
    assert unfitted_script("厅官耗资百万建大院未完工人已落马")
    assert unfitted_script("両親就寝の自宅に放火、殺人未遂容疑などで中学生逮捕 福岡・大牟田")
    assert unfitted_script("마이크로소프트, 새 AI 모델 발표")
    assert not unfitted_script("Xiaomi (小米) launches its first electric car in Beijing")
    assert not unfitted_script("Москва и Путин")
    assert not unfitted_script("1,800")
    for path in sorted(CHINESE.iterdir()):
        title = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["title"]
        assert unfitted_script(title) == _cjk_majority(title), title


def test_stories_say_what_they_cannot_judge(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(CHINESE, docs)
    (docs / "untimed.md").write_text(
        "---\ntitle: Volcano erupts near Grindavik\nurl: https://ruv.is/volcano\n"
        "provider:\n  name: RUV\n  domain: ruv.is\n---\n",
        encoding="utf-8",
    )
    titles = [
        yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])["title"]
        for p in sorted(docs.iterdir())
    ]
    db_path = tmp_path / "t.db"
    db = graphnews.open(db_path)
    db.ingest([docs])
    report = update_stories(db)
    db.close()
    assert report.articles == len(titles) == 272
    assert report.untimed == 1
    assert report.unfitted_script == sum(map(_cjk_majority, titles)) == 269
    notes = report.caveats()
    assert notes[0].startswith("1 of 272 articles have no publication time")
    assert notes[1].startswith("269 of 272 articles are titled in Chinese, Japanese or Korean")
    # The CLI says so on stderr whenever it computes the stories.
    result = CliRunner().invoke(app, ["stories", "--db", str(db_path), "--resolution", "0.6"])
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "stories: 1 of 272 articles have no publication time" in said
    assert "stories: 269 of 272 articles are titled in Chinese, Japanese or Korean" in said


def test_english_stories_carry_no_caveat(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[1] / "benchmarks" / "stories_eval" / "azure-2021-08"
    db = graphnews.open(tmp_path / "t.db")
    db.ingest([docs / "documents"])
    report = update_stories(db)
    assert report.untimed == report.unfitted_script == 0
    assert report.caveats() == []


def test_a_run_keeps_the_stories_caveats_in_its_report(tmp_path: Path) -> None:
    args = ["run", str(CHINESE), "--db", str(tmp_path / "t.db"), "--out", str(tmp_path / "out")]
    for reused in (False, True):  # the second run changes nothing and keeps the first's notes
        result = CliRunner().invoke(app, [*args, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        step = next(s for s in report["steps"] if s["name"] == "stories")
        assert step["reused"] is reused
        assert len(step["notes"]) == 1
        assert step["notes"][0].startswith(
            "269 of 271 articles are titled in Chinese, Japanese or Korean"
        )
    table = CliRunner().invoke(app, [*args, "--force"])
    assert "stories: 269 of 271 articles are titled in Chinese" in " ".join(table.stderr.split())


GERMAN = CHINESE.parents[1] / "de-ch-2026-06-11" / "documents"


def test_a_corpus_in_another_language_leaves_out_its_stop_words(tmp_path: Path) -> None:
    assert set(LANGUAGE_NAMES) == set(OTHER)
    german = stop_words("de")
    assert german > ENGLISH and {"der", "und", "für", "nicht"} <= german
    text = "Der Bundesrat will die Armee für den Schutz der Schweiz stärken"
    assert tokens(text) == [
        *("der", "bundesrat", "die", "armee", "für", "den", "schutz", "der"),
        *("schweiz", "stärken"),
    ]
    assert tokens(text, stop=german) == ["bundesrat", "armee", "schutz", "schweiz", "stärken"]
    assert names(text, stop=german) == ["bundesrat", "armee", "schutz", "schweiz"]
    # A German corpus (a labelled day of Swiss news) reads as German, and says so.
    db = graphnews.open(tmp_path / "de.db")
    db.ingest([GERMAN])
    articles = Articles.load(db)
    assert articles.language == "de"
    report = update_stories(db)
    assert report.language == "de" and report.shipped_model
    assert report.caveats()[-1].startswith("the articles read as German")
    db.close()
    # With a model fitted on the corpus's own labels, the English model's caveat goes.
    labels = tmp_path / "labels.tsv"
    rows = (CHINESE.parents[1] / "labels.tsv").read_text(encoding="utf-8").splitlines()
    labels.write_text(
        "\n".join([rows[0], *(r for r in rows if r.startswith("de-ch-2026-06-11\t"))]) + "\n",
        encoding="utf-8",
    )
    args = ["stories", "--db", str(tmp_path / "de.db"), "--fit", str(labels)]
    fitted = CliRunner().invoke(app, args)
    assert fitted.exit_code == 0, fitted.stderr
    assert "cross-validated scores" in fitted.stderr and "read as German" not in fitted.stderr
    again = graphnews.open(tmp_path / "de.db")
    report = update_stories(again, incremental=False)
    assert report.language == "de" and not report.shipped_model and report.caveats() == []


def test_english_and_generated_corpora_keep_the_english_stop_words(tmp_path: Path) -> None:
    truth = generate_corpus(tmp_path / "gen", documents=300, seed=5)
    assert truth  # (the corpus is written)
    for folder in (tmp_path / "gen", CHINESE.parents[1] / "azure-2021-08" / "documents"):
        db = graphnews.open(tmp_path / f"{folder.parent.name}.db")
        db.ingest([folder])
        assert Articles.load(db).language == "en"
        db.close()


def test_word_salad_with_a_few_foreign_stop_words_stays_english() -> None:
    # Titles of random words (as the independent generator writes them: 0.1-0.4% of its words
    # are stop words of any language): one word in 40 is an Italian stop word ("per"), none
    # English; more Italian than English, but under 5% of the words.
    words = [
        "cloud", "quantum", "ledger", "satellite", "robot", "chip", "outage", "fund", "merger",
        "startup", "battery", "vaccine", "tariff", "drone", "lithium", "senate", "harbour",
        "crypto", "wildfire", "league", "museum", "pipeline", "glacier", "festival", "rocket",
        "vineyard", "stadium", "airline", "refinery", "orchestra", "telescope", "reactor",
        "bridge", "mineral", "tunnel", "cathedral", "island", "forest", "canyon", "per",
    ]
    assert len(words) == 40
    titles = [" ".join(words[k:] + words[:k]) for k in range(len(words))]
    assert corpus_language(titles, [""] * len(titles)) == "en"
    # Real Italian reads as Italian.
    italian = ["Il governo approva la legge per la riforma della scuola con i sindacati"] * 5
    assert corpus_language(italian, [""] * 5) == "it"


def test_german_cosines_count_every_word(tmp_path: Path) -> None:
    """German compounds are words no other text has: left out of a vector's length, two
    headlines sharing one place name were as alike as two copies (cosine 1.0)."""
    from scipy import sparse

    from graphnews.stories.fit import Labelled, bcubed_f1, read_labels
    from graphnews.stories.pairs import WHOLE_TEXT_LANGUAGES, _tfidf, candidate_pairs

    # Three texts: the first two share only their first term; the others are their own.
    counts = sparse.csr_matrix(np.array([[1, 1, 1, 0, 0], [1, 0, 0, 1, 0], [0, 0, 0, 0, 1]]))
    shared, whole = _tfidf(counts), _tfidf(counts, every_term=True)
    assert (shared @ shared.T)[0, 1] == pytest.approx(1.0)
    assert 0.0 < (whole @ whole.T)[0, 1] < 0.6
    assert "de" in WHOLE_TEXT_LANGUAGES and "en" not in WHOLE_TEXT_LANGUAGES

    db = graphnews.open(tmp_path / "de.db")
    db.ingest([GERMAN])
    articles = Articles.load(db)
    titles = {t: i for i, t in enumerate(articles.titles)}
    a = titles["Düdingen ehrt seine Helden"]
    b = titles["Gottérons Sportchef zu Gast bei der OS Düdingen"]
    pairs = candidate_pairs(articles)
    at = np.flatnonzero(
        (np.minimum(pairs.u, pairs.v) == min(a, b)) & (np.maximum(pairs.u, pairs.v) == max(a, b))
    )
    assert len(at) == 1 and 0.1 < pairs.feature("text_cos")[at[0]] < 0.6  # (0.26; was 1.0)
    # Scored against the day's labels, its stories beat every article alone by BCubed (with
    # the cosine over shared words only: 0.59 against 0.90).
    labels = read_labels(CHINESE.parents[1] / "labels.tsv")["de-ch-2026-06-11"]
    update_stories(db)
    corpus = Labelled.build("de", articles, labels)
    truth = corpus.truth()
    alone = bcubed_f1(truth, {u: u for u in truth})
    assert bcubed_f1(truth, story_urls(db)) > alone + 0.02
    db.close()
