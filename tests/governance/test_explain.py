"""nbops.explain on real models: permutation importance finds the features the label depends on,
SHAP agrees when installed (and the record says why when it is not), the explanation is kept
per version and served by the REST route."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.errors import InvalidValueError, NotFoundError


def frame(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """``strong`` decides the label, ``weak`` nudges it, ``noise`` does nothing."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"noise": rng.normal(size=n), "weak": rng.normal(size=n), "strong": rng.normal(size=n)})
    return x, ((2.5 * x["strong"] + 0.6 * x["weak"] + 0.3 * rng.normal(size=n)) > 0).astype(int)


@pytest.fixture
def churn(project):
    """``churn`` v1 (a random forest) and v2 (a logistic regression that ignores nothing)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    x, y = frame(800, 1)
    models = [
        RandomForestClassifier(n_estimators=30, max_depth=4, random_state=0).fit(x, y),
        LogisticRegression().fit(x, y),
    ]
    for model in models:
        nbops.register_model("churn", model)
    return models, frame(300, 2)


def test_permutation_importance_and_shap_rank_the_deciding_feature_first(churn, store):
    (forest, _), (x, y) = churn
    record = nbops.explain(forest, x, y, name="churn", version=1)
    names = [f["feature"] for f in record["features"]]
    assert names == ["strong", "weak", "noise"]  # sorted by importance, strongest first
    strong, weak, noise = record["features"]
    assert strong["importance"] > 0.2 and abs(noise["importance"]) < 0.02 and strong["std"] >= 0
    assert record["methods"] == ["permutation", "shap"] and record["scoring"] == "accuracy"
    assert strong["shap"] > weak["shap"] > noise["shap"] >= 0
    assert (record["target"], record["rows"], record["version"]) == ("labels", 300, 1)
    assert store.explanations.latest("churn", 1) == record


def test_without_labels_the_models_predictions_are_the_target_and_the_record_says_so(churn):
    (_, logistic), (x, _) = churn
    record = nbops.explain(logistic, x.to_numpy(), name="churn")  # the latest version, from an array
    assert record["version"] == 2 and record["target"] == "predictions"
    assert any("the target is the model's own predictions" in note for note in record["notes"])
    assert record["features"][0]["feature"] == "strong"  # named from the model's feature_names_in_


def test_without_shap_the_explanation_keeps_permutation_importance_and_says_why(churn, monkeypatch):
    monkeypatch.setitem(sys.modules, "shap", None)  # `import shap` raises ImportError, as when not installed
    (forest, _), (x, y) = churn
    record = nbops.explain(forest, x, y, name="churn", version=1)
    assert record["methods"] == ["permutation"]
    assert all(f["shap"] is None for f in record["features"])
    assert "SHAP skipped: the shap package is not installed (pip install shap)" in record["notes"]


def test_the_registry_model_is_explained_when_none_is_given_and_the_newest_explanation_wins(churn, store):
    _, (x, y) = churn
    first = nbops.explain(None, x, y, name="churn", version=1, n_repeats=2)
    second = nbops.explain(None, x.iloc[:100], y.iloc[:100], name="churn", version=1, n_repeats=2)
    assert store.explanations.latest("churn", 1)["id"] == second["id"] > first["id"]
    assert store.explanations.latest("churn", 1)["rows"] == 100
    assert store.explanations.latest("churn", 2) is None


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"name": None}, InvalidValueError, "pass name= (a registered model)"),
        ({"name": "nope"}, NotFoundError, "no model named 'nope' is registered"),
        ({"name": "churn", "version": 9}, NotFoundError, "has no version or alias 9"),
        ({"name": "churn", "n_repeats": 0}, InvalidValueError, "n_repeats 0 is not valid"),
        ({"name": "churn", "X": "data.csv"}, InvalidValueError, "X str is not valid"),
        ({"name": "churn", "y": [0, 1]}, InvalidValueError, "pass one label per row of X (300 rows)"),
        ({"name": "churn", "X": pd.DataFrame({"other": [1.0, 2.0]})}, InvalidValueError, "the model cannot score X"),
    ],
)
def test_bad_input_is_refused_by_name_and_stores_nothing(churn, store, kwargs, error, message):
    (forest, _), (x, _) = churn
    arguments = {"X": x, **kwargs}
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        nbops.explain(forest, **arguments)
    assert store.explanations.latest("churn", 1) is None and store.explanations.latest("churn", 2) is None


@pytest.fixture
def jp_server_config(project):
    return {"ServerApp": {"jpserver_extensions": {"nbops": True}}}


async def test_the_rest_route_serves_a_versions_explanation_by_number_or_alias(churn, store, jp_fetch):
    (forest, _), (x, y) = churn
    record = nbops.explain(forest, x, y, name="churn", version=1)
    store.models.set_alias("churn", "production", 1)
    for label in ("1", "production"):
        response = await jp_fetch("nbops", "api", "models", "churn", "versions", label, "explanation")
        body = json.loads(response.body)
        assert body["version"] == label and body["explanation"] == record
    empty = json.loads((await jp_fetch("nbops", "api", "models", "churn", "versions", "2", "explanation")).body)
    assert empty["explanation"] is None
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch("nbops", "api", "models", "churn", "versions", "7", "explanation")
    assert (
        missing.value.code == 404 and "has no version or alias 7" in json.loads(missing.value.response.body)["message"]
    )


def test_the_model_card_lists_the_versions_explanation(churn):
    from nbops.governance.card import model_card

    (forest, _), (x, y) = churn
    nbops.explain(forest, x, y, name="churn", version=1)
    card = model_card(nbops.store(), "churn", 1)
    section = card.split("## Explanation")[1].split("\n## ")[0]
    assert "Permutation importance of accuracy on 300 rows against the labels" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "Feature" not in line]
    assert [row.split("|")[1].strip() for row in rows] == ["strong", "weak", "noise"]
    assert "## Explanation" not in model_card(nbops.store(), "churn", 2)  # v2 was never explained
