"""The titles' actors (`graphnews.stories.actors`) and how the model adds them (`ADJUSTED`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphnews.errors import BadInputError
from graphnews.stories import actors
from graphnews.stories.actors import ACTOR_CHECKED, actor_features, title_actors
from graphnews.stories.pairs import ADJUSTED, FEATURES, Model, fit_model, load_model

# Headlines of a feed about Microsoft: most lead with the company whose news it is and name it
# again in the excerpt. "Microsoft" is in four titles, more than the 5% of them (at least 3)
# an actor may be in: it is the feed's subject, nobody's actor.
TITLES = [
    "Tealbook raises $50M to clean supplier data",
    "Tealbook's round is led by Ten Eleven",
    "Insent.ai raises $10M for chat marketing",
    "How Nuance wins over hospitals",  # a generic first word is skipped
    "Microsoft to buy Nuance for $16bn",  # the feed's subject: no actor
    "Microsoft earnings beat estimates",
    "Microsoft cloud grows 50%",
    "Microsoft Teams hits 145 million users",
    "Databricks opens Delta Sharing",
    "Snowflake adds Python support",
    "Confluent files for IPO",
    "Zoom picks Oracle cloud",
    "Okta buys Auth0",
    "the lower-case title of a blog",
    "Twilio launches Segment data hub",
    "Driverless taxis come to San Francisco",  # a first word, no name
]
EXCERPTS = [
    "Tealbook, a supplier data platform, said on Tuesday ...",
    "The round for Tealbook ...",
    "Insent.ai, which sells chat bots, ...",
    "Nuance makes speech software ...",
    "The deal values Nuance at ...",
    "Revenue rose ...",
    "Azure grew ...",
    "Teams now ...",
    "Databricks said ...",
    "Snowflake said ...",
    "Confluent said ...",
    "Zoom said ...",
    "Okta said ...",
    "",
    "Twilio said ...",
    "Cruise will charge for driverless taxi rides ...",
]


def test_a_title_leads_with_its_actor_unless_the_whole_feed_carries_it() -> None:
    actors = title_actors(TITLES, EXCERPTS)
    assert actors[:4] == ["tealbook", "tealbook", "insent.ai", "nuance"]  # possessive dropped
    assert actors[4:8] == [None, None, None, None]  # "Microsoft" is in 4 of 16 titles
    assert actors[8:13] == ["databricks", "snowflake", "confluent", "zoom", "okta"]
    assert actors[13] is None  # no capitalised word
    assert actors[14] == "twilio"
    assert actors[15] is None  # "Driverless" is not capitalised in its excerpt


def test_titles_that_do_not_lead_with_names_have_no_actors() -> None:
    """Generated or shuffled titles lead with any word: when under a quarter of the would-be
    actors are capitalised in their own excerpt, no title of the corpus has an actor."""
    salad = [f"Whopping{k} June partnered beyond" for k in range(20)]
    assert title_actors(salad, ["June thanks whopping ..."] * 20) == [None] * 20
    # the same titles, each actor named in its excerpt: actors
    named = [f"Whopping{k} said on June 3 ..." for k in range(20)]
    assert title_actors(salad, named) == [f"whopping{k}" for k in range(20)]
    # a quarter confirmed is enough, a fifth is not
    quarter = named[:5] + ["June thanks whopping ..."] * 15
    found = title_actors(salad, quarter)
    assert found[:5] == [f"whopping{k}" for k in range(5)]
    assert found[5:] == [None] * 15  # each actor is capitalised in its own excerpt too
    fifth = named[:4] + ["June thanks whopping ..."] * 16
    assert title_actors(salad, fifth) == [None] * 20
    # too few titles to judge (fewer than ACTOR_CHECKED with an actor and an excerpt)
    few = ACTOR_CHECKED - 1
    assert title_actors(salad[:few], named[:few]) == [None] * few


def test_pair_features_same_actor_and_conflict() -> None:
    """Hand-worked: pairs (indices into a subset of the corpus) of the same actor, of two
    actors neither names, of two actors one of whose texts names the other, without actors."""
    titles = [*TITLES, "Zoom shares jump", "Oracle wins Zoom deal"]
    excerpts = [*EXCERPTS, "Zoom stock rose after Oracle ...", "Oracle said ..."]
    subset = np.array([0, 1, 2, 11, 8, 9, 16, 17, 4])  # the corpus's rows of the subset's
    u = np.array([0, 0, 3, 4, 3, 7, 8])
    v = np.array([1, 2, 6, 5, 7, 8, 1])
    same, conflict = actor_features(
        titles, excerpts, subset, u, v, actors=title_actors(titles, excerpts)
    )
    # tealbook/tealbook; tealbook/insent.ai; zoom/zoom; databricks/snowflake; zoom/oracle
    # (whose excerpt does not name Zoom, but its title does); oracle/no actor; no actor/tealbook
    np.testing.assert_array_equal(same, [1, 0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(conflict, [0, 1, 0, 1, 0, 0, 0])


def _pairs_with_actors(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, len(FEATURES)))
    same, conflict = FEATURES.index("actor_same"), FEATURES.index("actor_conflict")
    x[:, same] = 0.0
    x[:, conflict] = 0.0
    known = rng.uniform(size=n) < 0.3
    x[known, same] = rng.uniform(size=int(known.sum())) < 0.4
    x[known, conflict] = 1.0 - x[known, same]
    z = 1.5 * x[:, 0] - 0.5 + 1.0 * x[:, same] - 2.5 * x[:, conflict]
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-z))).astype(float)
    return x, y


def test_the_actors_are_fitted_on_top_of_the_rest_and_leave_other_pairs_alone() -> None:
    """The model is fitted without the `ADJUSTED` features, which then add log-odds of their
    own: recovered in sign and size from data drawn so; a pair without actor evidence gets
    exactly the probability of the model fitted with no actor columns at all."""
    rng = np.random.default_rng(7)
    x, y = _pairs_with_actors(rng, 20_000)
    groups = np.array(["a", "b"] * 10_000)
    model = fit_model(x, y, groups)
    without = x.copy()
    without[:, [FEATURES.index(f) for f in ADJUSTED]] = 0.0
    reference = fit_model(without, y, groups)
    assert reference.adjust is None and model.adjust is not None
    same, conflict = model.adjust
    assert 0.5 < same < 1.5 and -3.2 < conflict < -1.8, model.adjust
    plain = ~x[:, [FEATURES.index(f) for f in ADJUSTED]].any(axis=1)
    np.testing.assert_allclose(model.predict(x[plain]), reference.predict(x[plain]), atol=1e-12)
    # a pair's explanation names what its actors added
    row = np.zeros(len(FEATURES))
    row[FEATURES.index("actor_conflict")] = 1.0
    parts = model.contributions(row)
    assert parts["actor_conflict"] == conflict and parts["actor_same"] == 0.0


def test_the_adjustment_survives_saving_and_the_shipped_model_has_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    x, y = _pairs_with_actors(rng, 4_000)
    model = fit_model(x, y, np.array(["a", "b"] * 2_000), trees=False)
    model.save(tmp_path / "model.json")
    again = load_model(tmp_path / "model.json")
    np.testing.assert_allclose(again.adjust, model.adjust, atol=1e-6)  # saved to 6 places
    np.testing.assert_allclose(again.predict(x), model.predict(x), atol=1e-5)
    shipped = load_model()
    assert isinstance(shipped, Model)
    for m in (shipped, shipped.dense):
        assert m is not None and m.adjust is not None
        assert m.adjust[ADJUSTED.index("actor_conflict")] < 0.0  # two actors: less likely


def test_the_gate_is_judged_on_the_first_titles_and_actors_found_over_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past `ACTOR_SAMPLE` titles the gate reads the first ones only; once open, actors (and
    how many titles carry each) come from every title."""
    monkeypatch.setattr(actors, "ACTOR_SAMPLE", 12)
    headlines = [f"Maker{k} raises money" for k in range(12)]
    named = [f"Maker{k} said ..." for k in range(12)]
    # 12 headlines first, then 4 more titles led by "Maker0": 5 of 16 carry it (> 3), 1 of 12
    # among the first
    found = actors.title_actors([*headlines, *["Maker0 again"] * 4], [*named, *[""] * 4])
    assert found[0] is None and found[1:12] == [f"maker{k}" for k in range(1, 12)]
    salad = [f"Whopping{k} June partnered" for k in range(12)]
    assert actors.title_actors([*salad, *headlines], [*(["june ..."] * 12), *named]) == [None] * 24


def test_a_model_fitted_before_the_actors_still_loads_and_scores_as_it_did() -> None:
    """A `model.json` (or a database's own fit) from before the actors has 16 features: it is
    read with the actors' columns left out, and scores every pair as it did; any other feature
    list is refused."""
    shipped = load_model().as_dict()

    def older(data: dict) -> dict:
        kept = len(FEATURES) - len(ADJUSTED)
        out = {k: v for k, v in data.items() if k != "adjust"}
        out["features"] = data["features"][:kept]
        for key in ("mean", "scale", "coef"):
            out[key] = data[key][:kept]
        if "dense" in data:
            out["dense"] = older(data["dense"])
        return out

    old = Model.from_dict(older(shipped))
    assert old.features == FEATURES and old.adjust is None and old.dense is not None
    x = np.random.default_rng(4).normal(size=(300, len(FEATURES)))
    x[:, [FEATURES.index(f) for f in ADJUSTED]] = 0.0
    new = Model.from_dict(shipped)
    for model, reference in ((old, new), (old.dense, new.dense)):
        assert model is not None and reference is not None
        np.testing.assert_allclose(model.log_odds(x), reference.log_odds(x), atol=1e-12)
    with pytest.raises(BadInputError, match="refit it"):
        Model.from_dict({**older(shipped), "features": older(shipped)["features"][:-1]})
