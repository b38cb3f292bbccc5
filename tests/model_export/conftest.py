"""A real scikit-learn classifier registered with the dataset it was trained on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def churn_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, size=n)
    charges = rng.normal(70, 20, size=n)
    calls = rng.poisson(2, size=n)
    noise = rng.normal(size=n)
    label = ((charges / 30 + calls - tenure / 20 + 0.3 * noise) > 2).astype(int)
    return pd.DataFrame({"tenure": tenure, "charges": charges, "calls": calls, "noise": noise, "churned": label})


FEATURES = ["tenure", "charges", "calls", "noise"]


@pytest.fixture
def registered(project):
    """``churn`` v1, a random forest on four typed columns, alias production; returns (model, holdout)."""
    return register_churn()


def register_churn():
    """Register ``churn`` v1 in the store NBOPS_HOME names; returns (model, holdout)."""
    from sklearn.ensemble import RandomForestClassifier

    import nbops

    train = churn_frame(600, 1)
    with nbops.start_run("churn"):
        nbops.log_dataset(train, "churn-train")  # the label column too, as users log it
        model = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0).fit(
            train[FEATURES], train["churned"]
        )
        nbops.register_model("churn", model, alias="production")
    return model, churn_frame(50, 2)[FEATURES]
