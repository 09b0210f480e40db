"""``graphnews stories``, ``story`` and ``spread``: JSON contracts, tables, errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphnews
import graphnews.stories
from graphnews.cli import app
from tests.conftest import NBC, SILICON, ZAWYA

runner = CliRunner()


@pytest.fixture
def real(real_db_path: Path, tmp_path: Path) -> str:
    """A writable copy of the real database (stories are computed on first use)."""
    path = tmp_path / "real.db"
    shutil.copy(real_db_path, path)
    return str(path)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_stories_all_json_lists_every_story_with_its_articles(real: str) -> None:
    code, out, err = invoke("stories", "--all", "--format", "json", "--db", real)
    assert code == 0, err
    assert err.startswith("stories: ")  # computed on first use, said on stderr
    stories = json.loads(out)
    for key in ("id", "size", "outlets", "first_reporter", "first_seen", "last_seen", "articles"):
        assert all(key in s for s in stories), key
    articles = [u for s in stories for u in s["articles"]]
    n_articles = graphnews.open(real).stats()["articles"]
    assert len(articles) == len(set(articles)) == n_articles  # every article, singletons too
    assert all(s["size"] == len(s["articles"]) for s in stories)
    facial = next(
        s
        for s in stories
        if "https://nbcnews.com/tech/tech-news/microsoft-removing-"
        "emotion-recognition-features-facial-recognition-tec-rcna35087" in s["articles"]
    )
    assert (
        "https://siliconrepublic.com/enterprise/facial-recognition-microsoft-azure-ai"
        in facial["articles"]
    )
    assert not any("zawya.com" in u for u in facial["articles"])
    # The first reporter is the outlet of the story's earliest article (its first URL).
    earliest = facial["articles"][0].split("/")[2]
    assert facial["first_reporter"] == [earliest]
    # Second call: nothing to recompute, nothing said.
    code, _, err = invoke("stories", "--db", real)
    assert code == 0 and err == ""


def test_stories_top_and_min_outlets(real: str) -> None:
    code, out, _ = invoke("stories", "--top", "3", "--min-outlets", "5", "-f", "json", "--db", real)
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert all(r["outlets"] >= 5 for r in rows)
    assert [r["outlets"] for r in rows] == sorted((r["outlets"] for r in rows), reverse=True)
    code, out, _ = invoke("stories", "--top", "3", "--db", real)
    assert code == 0 and "first_reporter" in out and "headline" in out


def test_story_by_url_shows_timeline_and_chart(real: str) -> None:
    code, out, _ = invoke("story", "https://www.nbcnews.com/news/amp/rcna35087", "--db", real)
    assert code == 0
    assert "articles in time order" in out and "siliconrepublic.com" in out
    assert "hours after the first report" in out and "█" in out
    code, out, _ = invoke("story", SILICON, "-f", "json", "--db", real)
    body = json.loads(out)
    assert code == 0 and body["curve"][-1]["outlets"] == body["outlets"]
    assert [t["published"] for t in body["timeline"]] == sorted(
        t["published"] for t in body["timeline"]
    )
    code, out, _ = invoke("story", body["id"], "-f", "csv", "--db", real)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (
        code == 0
        and len(rows) == body["size"]
        and set(rows[0]) == {"published", "outlet", "title", "url"}
    )
    assert not any("zawya" in r["url"] for r in rows) and any(NBC[12:40] in r["url"] for r in rows)


def test_spread_table_json_and_windows(real: str) -> None:
    code, out, _ = invoke("spread", "--all", "-f", "json", "--db", real)
    rows = json.loads(out)
    assert code == 0 and rows
    contract = "outlet stories first first_tied followed median_lag_hours leader_score follows"
    assert set(rows[0]) == set(contract.split())
    assert all(-1.0 <= r["leader_score"] <= 1.0 for r in rows)
    code, out, _ = invoke("spread", "--every", "week", "-n", "2", "-f", "csv", "--db", real)
    weekly = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and weekly[0]["window"] == "2022-05-30"
    assert max(sum(r["window"] == w for r in weekly) for w in {r["window"] for r in weekly}) == 2


def test_spread_ranges_add_keys_and_hold_the_figures_shown(real: str) -> None:
    code, out, err = invoke("spread", "--all", "--ranges", "-f", "json", "--db", real)
    rows = json.loads(out)
    assert code == 0 and rows, err
    said = " ".join(err.split())  # stderr is wrapped at the console's width
    assert "ranges over 9 clusterings" in said and "resolution 0.4, 0.5, 0.6 x seed 0, 1, 2" in said
    contract = "outlet stories first first_tied followed median_lag_hours leader_score follows"
    added = "rank clusterings " + " ".join(
        f"{name}_{end}" for name in ("stories", "first", "leader_score", "rank")
        for end in ("min", "max"))
    assert set(rows[0]) == set(contract.split()) | set(added.split())
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:  # the stored stories' clustering is one of the nine
        for name in ("stories", "first", "leader_score", "rank"):
            assert r[f"{name}_min"] <= r[name] <= r[f"{name}_max"], (r["outlet"], name)
    assert any(r["rank_min"] != r["rank_max"] for r in rows)  # the figures do move
    code, out, _ = invoke("spread", "--ranges", "-n", "3", "--db", real)
    assert code == 0 and "first_range" in out and "rank_range" in out
    assert " to " in out or all(r["rank_min"] == r["rank_max"] for r in rows[:3])


def test_stories_ranges_add_keys(real: str) -> None:
    code, out, err = invoke("stories", "--all", "--ranges", "-f", "json", "--db", real)
    stories = json.loads(out)
    assert code == 0 and stories, err
    for key in ("id", "size", "outlets", "first_reporter", "first_seen", "last_seen", "articles",
                "kept", "clusterings", "size_min", "size_max"):
        assert key in stories[0]
    # the stored stories (computed in full on first use) are one of the nine clusterings
    assert all(s["clusterings"] == 9 and 1 <= s["kept"] <= 9 for s in stories)
    assert all(s["size_min"] <= s["size"] <= s["size_max"] for s in stories)
    assert any(s["kept"] < 9 for s in stories)
    code, out, _ = invoke("stories", "--ranges", "-n", "3", "--db", real)
    assert code == 0 and " of 9 " in out and "size_range" in out


def test_story_ranges_say_what_joins_and_leaves(real: str) -> None:
    code, out, err = invoke("story", NBC, "--ranges", "-f", "json", "--db", real)
    body = json.loads(out)
    assert code == 0, err
    variants = body["ranges"]
    assert sum(len(v["clusterings"]) for v in variants) == 9
    assert any(v["joined"] == v["left"] == [] and v["size"] == body["size"] for v in variants)
    for v in variants:
        assert v["size"] == body["size"] + len(v["joined"]) - len(v["left"])
        assert all(set(a) == {"article_id", "canonical_url", "title", "outlet", "published"}
                   for a in v["joined"] + v["left"])
    code, out, _ = invoke("story", NBC, "--ranges", "--db", real)
    assert code == 0 and "the story under other clusterings" in out and "(seeds 0, 1, 2)" in out


def test_user_errors_are_one_line(real: str) -> None:
    assert invoke("stories", "--db", real)[0] == 0  # stories computed: nothing more on stderr
    code, _, err = invoke("story", "s-000000000000", "--db", real)
    assert code == 1 and err.startswith("Error: no story 's-000000000000'")
    code, _, err = invoke("story", ZAWYA.replace("zawya", "nowhere"), "--db", real)
    assert code == 1 and "Error: no story holds" in err
    code, _, err = invoke("spread", "--every", "year", "--db", real)
    assert code == 2 and err.startswith("Error: --every must be one of day, week, month")
    code, _, err = invoke("stories", "--since", "2022-07-01", "--until", "2022-06-01", "--db", real)
    assert code == 2 and "--since is after --until" in err


@pytest.mark.parametrize("command", ["stories", "story", "spread"])
def test_help_ends_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Example: graphnews " + command in result.stdout


def test_stories_keep_the_resolution_and_seed_they_were_computed_with(real: str) -> None:
    """Issue 18: `stories --resolution 0.2 --seed 7`, then `story ID` showed a re-clustering
    with the defaults (another story, another size). The stored parameters now stay."""
    code, out, err = invoke(
        "stories", "--all", "--resolution", "0.2", "--seed", "7", "--format", "json", "--db", real
    )
    assert code == 0, err
    assert "resolution 0.2, seed 7" in " ".join(err.split())
    chosen = json.loads(out)
    microsoft = next(s for s in chosen if any("rcna35087" in u for u in s["articles"]))
    code, out, err = invoke("story", microsoft["id"], "--format", "json", "--db", real)
    assert code == 0, err
    assert err == ""  # nothing recomputed
    shown = json.loads(out)
    assert shown["id"] == microsoft["id"] and shown["size"] == microsoft["size"]
    for command in (("spread",), ("stories",)):
        code, _, err = invoke(*command, "--db", real)
        assert code == 0 and err == "", command
    code, out, _ = invoke("stories", "--all", "--format", "json", "--db", real)
    assert json.loads(out) == chosen
    # The defaults cluster differently, and only when asked for.
    code, out, err = invoke(
        "stories", "--all", "--resolution", "0.5", "--seed", "0", "--format", "json", "--db", real
    )
    assert code == 0 and "resolution 0.5, seed 0" in " ".join(err.split())
    assert json.loads(out) != chosen
    assert graphnews.stories.stored_parameters(graphnews.open(real)) == {
        "resolution": 0.5,
        "seed": 0,
        "related": True,
        "singletons": True,
    }


def test_stories_without_the_related_lists_are_kept_and_use_every_article(
    real: str, tmp_path: Path
) -> None:
    """`stories --ignore-related`: the stories of the same articles with no link between them
    (those of a copy of the database whose links are deleted), kept for every later command
    until `--use-related`, which gives back the stories computed with the lists."""
    def stories(db: str, *options: str) -> tuple[set[frozenset[str]], str]:
        code, out, err = invoke("stories", "--all", "--format", "json", *options, "--db", db)
        assert code == 0, err
        return {frozenset(s["articles"]) for s in json.loads(out)}, " ".join(err.split())

    with_lists, _ = stories(real)
    unlinked = str(tmp_path / "unlinked.db")
    shutil.copy(real, unlinked)
    with graphnews.open(unlinked) as db, db.transaction():
        db.conn.execute("DELETE FROM related_links")
        db.conn.execute("DELETE FROM meta WHERE key = 'stories'")
    expected, _ = stories(unlinked)
    ignored, said = stories(real, "--ignore-related")
    assert "related lists ignored: the text-only model" in said
    assert "stories: computed without the documents' related lists" in said
    assert ignored == expected and ignored != with_lists
    assert sum(len(s) for s in ignored) == sum(len(s) for s in with_lists)  # every article
    database = graphnews.open(real)
    assert graphnews.stories.stored_parameters(database)["related"] is False
    assert graphnews.stories.evidence_key(database)["related"] == "ignored"
    database.close()
    for command in (("stories",), ("spread",), ("story", NBC, "--explain")):
        code, _, err = invoke(*command, "--db", real)
        assert code == 0 and err == "", command  # kept: nothing recomputed
    assert stories(real)[0] == ignored
    back, said = stories(real, "--use-related")
    assert back == with_lists and "related lists ignored" not in said
    assert graphnews.stories.stored_parameters(graphnews.open(real))["related"] is True


def test_score_says_what_the_other_choice_about_the_related_lists_gives(
    real: str, tmp_path: Path
) -> None:
    """`stories --score` scores too the stories computed the other way about the related
    lists (not stored): exactly the scores those stories get once that choice is made."""
    labels = str(Path(__file__).parent / "data" / "stories_eval" / "labels.tsv")

    def scores(db: str, *options: str) -> dict[str, float]:
        code, out, err = invoke("stories", "--score", labels, "--format", "json", *options,
                                "--db", db)
        assert code == 0, err
        return json.loads(out)["scores"][0]

    used = scores(real)
    ignored = scores(real, "--ignore-related")
    keys = ("precision", "recall", "f1", "bcubed_f1")
    assert {k: used[f"without_related_{k}"] for k in keys} == {k: ignored[k] for k in keys}
    assert {k: ignored[f"with_related_{k}"] for k in keys} == {k: used[k] for k in keys}
    assert used["f1"] != ignored["f1"] and "with_related_f1" not in used
    code, out, _ = invoke("stories", "--score", labels, "--db", real)
    assert code == 0 and "with_related_f1" in out and "--use-related" in " ".join(out.split())
    unlinked = str(tmp_path / "unlinked.db")
    shutil.copy(real, unlinked)
    with graphnews.open(unlinked) as db, db.transaction():
        db.conn.execute("DELETE FROM related_links")
    assert not any(k.startswith(("with_related", "without_related")) for k in scores(unlinked))


def test_score_says_which_choice_about_the_related_lists_the_labels_prefer(real: str) -> None:
    """`stories --score` (table) ends with what to do when the labels score the other choice
    about the related lists higher, and says nothing of it when they do not: in exactly one of
    the two choices, naming the flag that makes the other and both F1s."""
    labels = str(Path(__file__).parent / "data" / "stories_eval" / "labels.tsv")
    said = {}
    for choice in ("--use-related", "--ignore-related"):
        code, _, err = invoke("stories", choice, "--db", real)
        assert code == 0, err
        code, out, err = invoke("stories", "--score", labels, "--format", "json", "--db", real)
        assert code == 0, err
        overall = json.loads(out)["scores"][-1]
        code, table, err = invoke("stories", "--score", labels, "--db", real)
        assert code == 0, err
        said[choice] = (" ".join(table.split()), overall)
    hinted = [c for c, (text, _) in said.items() if "Your labels score the stories" in text]
    assert len(hinted) == 1
    text, overall = said[hinted[0]]
    other = "--ignore-related" if hinted[0] == "--use-related" else "--use-related"
    prefix = "without_related" if hinted[0] == "--use-related" else "with_related"
    assert overall[f"{prefix}_f1"] > overall["f1"]
    assert f"'graphnews stories {other}' makes that choice" in text
    assert f"pairwise F1 {overall[f'{prefix}_f1']:.2f} against {overall['f1']:.2f}" in text
    invoke("stories", "--use-related", "--db", real)


def test_a_fit_without_the_related_lists_sees_what_the_stories_will(
    real: str, tmp_path: Path
) -> None:
    """`stories --ignore-related --fit labels.tsv`: the choice comes first, so the model is
    fitted on the evidence the stories are then computed from (a database without links)."""
    from graphnews.stories.detect import MODEL_META_KEY
    from graphnews.stories.fit import cross_validate, read_labels

    labels = Path(__file__).parent / "data" / "stories_eval" / "labels.tsv"
    unlinked = tmp_path / "unlinked.db"
    shutil.copy(real, unlinked)
    with graphnews.open(unlinked) as db, db.transaction():
        db.conn.execute("DELETE FROM related_links")
    with graphnews.open(unlinked) as db:
        expected = cross_validate(db, read_labels(labels))[0].as_dict()
    code, _, err = invoke("stories", "--ignore-related", "--fit", str(labels), "--db", real)
    assert code == 0, err
    with graphnews.open(real) as db:
        row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (MODEL_META_KEY,))
        fitted = json.loads(row.fetchone()[0])
    assert fitted["coef"] == expected["coef"] and fitted["intercept"] == expected["intercept"]


def test_story_explain_names_the_evidence(real: str) -> None:
    code, out, err = invoke("story", NBC, "--explain", "--format", "json", "--db", real)
    assert code == 0, err
    found = json.loads(out)
    assert found["size"] >= 15 and 0.5 < found["confidence"] <= 1.0
    strongest = found["strongest_pairs"][0]
    assert strongest["probability"] > 0.5 and strongest["because"]
    terms = {t["term"] for t in found["shared"]}
    assert "microsoft" in terms and ({"facial", "emotion", "recognition"} & terms)
    assert found["weakest_member"]["mean_probability"] <= strongest["probability"]
    code, out, _ = invoke("story", NBC, "--explain", "--db", real)
    assert code == 0 and "strongest pairs" in out and "shared names and terms" in out
    # Microsoft's story: its titles lead with the feed's own subject, so no actor
    assert found["actors"] == []


CRUISE = "https://engadget.com/cruise-charge-fully-driverless-rides-san-francisco-092000547.html"


def test_story_explain_names_whose_news_the_titles_lead_with(real: str) -> None:
    """Cruise's permit to charge for driverless rides: the titles that lead with Cruise and
    whose excerpts name it again ("Cruise can now charge ..."); "Driverless taxis are coming
    ..." leads with a word its excerpt does not capitalise."""
    code, out, err = invoke("story", CRUISE, "--explain", "--format", "json", "--db", real)
    assert code == 0, err
    found = json.loads(out)
    assert found["actors"][0] == {"actor": "cruise", "articles": 2}
    assert "driverless" not in {a["actor"] for a in found["actors"]}
    code, out, _ = invoke("story", CRUISE, "--explain", "--db", real)
    assert code == 0 and "title actors" in out


def test_a_fit_is_scored_beside_the_model_before_it_and_can_be_forgotten(
    tmp_path: Path,
) -> None:
    """`stories --fit`: each left-out part is also scored by the model in force before the fit
    (`f1_before`), which is what the stories computed as `graphnews stories` computes them
    score there (an independent path: the stored stories, not the fit's own clustering); a
    second fit compares with the first; `--shipped-model` forgets it and the stories are the
    shipped model's again."""
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus
    from graphnews.stories.detect import fitted_model
    from graphnews.stories.fit import pairwise_scores

    truth = generate_corpus(tmp_path / "c", documents=200, noise=0.2, seed=5)
    db_path = str(tmp_path / "g.db")
    graphnews.open(db_path).ingest([tmp_path / "c" / DOCUMENTS_DIR])
    stories = sorted(set(truth.story_of.values()))
    source = {s: "odd" if i % 2 else "even" for i, s in enumerate(stories)}
    labels = tmp_path / "labels.tsv"
    labels.write_text("url\tstory\tsource\n" + "".join(
        f"{u}\t{s}\t{source[s]}\n" for u, s in truth.story_of.items()), encoding="utf-8")
    part = {name: {u: s for u, s in truth.story_of.items() if source[s] == name}
            for name in ("even", "odd")}

    def stored_scores() -> dict[str, float]:
        assert invoke("stories", "--db", db_path, "--silent")[0] == 0
        with graphnews.open(db_path) as database:
            stored = graphnews.stories.story_urls(database)
        return {name: pairwise_scores(t, stored)["f1"] for name, t in part.items()}

    shipped = stored_scores()
    code, _, err = invoke("stories", "--fit", str(labels), "--db", db_path)
    assert code == 0, err
    with graphnews.open(db_path) as database:
        first = fitted_model(database)
    assert first is not None
    report = first.report["cross_validation"]
    said = " ".join(err.split())  # the table's title and the verdict wrap at the console's width
    assert "and of the shipped model on the same parts" in said
    side = "higher" if report["mean"]["f1"] > report["mean_before"]["f1"] else "lower"
    assert (f"Your fit scores {side} than the shipped model on the left-out parts (pairwise F1 "
            f"{report['mean']['f1']:.2f} against {report['mean_before']['f1']:.2f})") in said
    assert "'graphnews stories --shipped-model' goes back to the shipped model" in said
    assert report["model_before"] == "shipped"
    assert {r["left_out"]: r["f1_before"] for r in report["left_out"]} == shipped
    assert report["mean_before"]["f1"] == round(sum(shipped.values()) / 2, 4)
    by_first = stored_scores()  # the stories the first fit computes
    code, _, err = invoke("stories", "--fit", str(labels), "--db", db_path)
    assert code == 0 and "and of the earlier fit on the same parts" in " ".join(err.split())
    with graphnews.open(db_path) as database:
        second = fitted_model(database)
    assert second is not None and second.report["cross_validation"]["model_before"] == "fitted"
    assert {r["left_out"]: r["f1_before"]
            for r in second.report["cross_validation"]["left_out"]} == by_first
    code, _, err = invoke("stories", "--shipped-model", "--db", db_path)
    assert code == 0 and "the model fitted with --fit is forgotten" in err
    with graphnews.open(db_path) as database:
        assert fitted_model(database) is None
    assert stored_scores() == shipped
    code, _, err = invoke("stories", "--shipped-model", "--db", db_path)
    assert code == 0 and "no model fitted with --fit" in err
    code, _, err = invoke("stories", "--shipped-model", "--fit", str(labels), "--db", db_path)
    assert code != 0 and "contradict" in err and "Traceback" not in err


def test_stories_fit_reports_cross_validated_scores_and_keeps_the_model(
    tmp_path: Path,
) -> None:
    from graphnews.generator import DOCUMENTS_DIR, generate_corpus

    truth = generate_corpus(tmp_path / "c", documents=300, noise=0.2, seed=21)
    db_path = str(tmp_path / "g.db")
    graphnews.open(db_path).ingest([tmp_path / "c" / DOCUMENTS_DIR])
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "url\tstory\n" + "".join(f"{u}\t{s}\n" for u, s in truth.story_of.items()), encoding="utf-8"
    )
    code, out, err = invoke("stories", "--fit", str(labels), "--format", "json", "--db", db_path)
    assert code == 0, err
    assert "cross-validated" in err and "fold 1" in err and "mean" in err
    assert json.loads(out)  # stdout stays the stories list
    database = graphnews.open(db_path)
    fitted = graphnews.stories.current_model(database)
    assert fitted.report["cross_validation"]["mean"]["f1"] > 0.8
    assert truth.score(graphnews.stories.story_urls(database))["ari"] > 0.9
    bad = tmp_path / "bad.tsv"
    bad.write_text("url\tstory\nhttps://example.com/a\t\n", encoding="utf-8")
    code, _, err = invoke("stories", "--fit", str(bad), "--db", db_path)
    assert code != 0 and "bad.tsv:2:" in err and "Traceback" not in err


def test_the_fit_verdict_quotes_the_committed_fit_sample_results() -> None:
    """The counts `--fit` prints as its caution are those of benchmarks/fit_sample.py's
    committed results (every sample size summed), not numbers typed in once and left."""
    from graphnews.cli.stories import _fit_verdict

    results = Path(__file__).parent.parent / "benchmarks" / "results" / "fit_sample.json"
    summary = json.loads(results.read_text(encoding="utf-8"))["summary"]

    def total(key: str) -> int:
        return sum(row[key] for row in summary)

    report = {"mean": {"f1": 0.5}, "mean_before": {"f1": 0.6}}
    said = _fit_verdict(report, "the shipped model")
    assert "Your fit scores lower than the shipped model" in said
    assert (f"more often than higher ({total('fit_lower')} against {total('fit_higher')} of "
            f"{total('fitted')})") in said
    assert f"named the higher one {total('verdict_right')} times in {total('verdict_decided')}" \
        in said
    assert len({row["sources"] for row in summary if row["articles"] != 150}) == 1
    assert f"on {summary[0]['sources']} labelled sources" in said
