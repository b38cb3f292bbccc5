"""Two real sklearn classifiers of different capacity, registered, and a labelled holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def synthetic(n: int, seed: int) -> pd.DataFrame:
    """A non-linear label (an XOR of two features plus noise) that a depth-1 tree cannot learn."""
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    label = ((x1 > 0) ^ (x2 > 0)).astype(int)
    flip = rng.random(n) < 0.05
    region = np.where(x3 > 0, "north", "south")
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "region": region, "label": np.where(flip, 1 - label, label)})


@pytest.fixture
def registry(project, store):
    """``churn`` v1 (a stump, production) and v2 (a depth-6 tree, candidate); the holdout CSV."""
    from sklearn.tree import DecisionTreeClassifier

    import nbops

    train = synthetic(2000, 1)
    features = train[["x1", "x2", "x3"]]
    for depth, alias in ((1, "production"), (6, "candidate")):
        with nbops.start_run("churn", params={"max_depth": depth}):
            nbops.log_dataset(train, "churn-train", snapshot=True)
            model = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(features, train["label"])
            nbops.log_metric("train_accuracy", model.score(features, train["label"]))
            nbops.register_model("churn", model, alias=alias)
    holdout = project / "holdout.csv"
    synthetic(1000, 2).to_csv(holdout, index=False)
    return holdout


@pytest.fixture
def jp_server_config(project):
    # ``project`` first: the extension must find the test's store, not a global one.
    return {"ServerApp": {"jpserver_extensions": {"nbops": True}}}


@pytest.fixture
def jp_fetch(jp_fetch):
    """As in tests/server: every JSON answer of the governance routes must match the
    OpenAPI document (evaluation, explanation, events, card, promote)."""
    from tests.server.conftest import documented_fetch

    return documented_fetch(jp_fetch)
