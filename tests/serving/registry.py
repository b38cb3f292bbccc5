"""A small registry for the serving tests and benchmark, written by real nbops calls.

    python tests/serving/registry.py   (NBOPS_HOME names the store)

``churn`` v1 (``production``): a logistic regression on x1, x2, count and plan (one-hot);
v2 (``candidate``): the same pipeline trained on flipped labels, so it answers the opposite
on most rows; v3 (``monitored``): v1's model again, served by the drift test alone;
v4 (``estimated``): v1's pipeline with a labelled validation snapshot in its run, so its live
windows get estimated performance (CBPE), served by the estimation test alone.
The training dataset (with its label column ``churned``) is logged in each run.
``spend`` v1 (``estimated``): a one-hot + linear regression of a spend whose noise grows with
|x1|, with a labelled validation snapshot, so its live windows get DLE estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = ["x1", "x2", "count", "plan"]
LABEL = "churned"
SPEND = "spend"


def table(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(shift, 1.0, n), rng.normal(0.0, 1.0, n)
    count = rng.integers(0, 30, n)
    plan = rng.choice(["basic", "pro", "team"], n, p=[0.5, 0.3, 0.2])
    logit = 1.5 * x1 - x2 + 0.05 * count + np.where(plan == "pro", 0.8, 0.0)
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame({"x1": x1, "x2": x2, "count": count, "plan": plan, LABEL: label})


def spending(n: int, seed: int) -> pd.DataFrame:
    """``table``'s features with a numeric target whose error grows away from x1 = 0."""
    rng = np.random.default_rng([seed, 1])  # not table's stream: the noise is independent of x1
    rows = table(n, seed)[FEATURES]
    noise = rng.normal(0.0, 0.3 + 0.6 * np.abs(rows["x1"].to_numpy()), n)
    spend = 3 + 2 * rows["x1"] - rows["x2"] + 0.05 * rows["count"] + np.where(rows["plan"] == "pro", 0.8, 0.0)
    return rows.assign(**{SPEND: spend + noise})


def regression_pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    encode = ColumnTransformer([("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"])], remainder="passthrough")
    return make_pipeline(encode, LinearRegression())


def pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    encode = ColumnTransformer([("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"])], remainder="passthrough")
    return make_pipeline(encode, LogisticRegression(max_iter=500))


def main() -> None:
    import nbops

    train = table(2000, 1)
    for flipped, alias in ((False, "production"), (True, "candidate"), (False, "monitored")):
        with nbops.start_run("churn"):
            nbops.log_dataset(train, "churn-train")
            y = 1 - train[LABEL] if flipped else train[LABEL]
            model = pipeline().fit(train[FEATURES], y)
            nbops.register_model("churn", model, alias=alias)
    with nbops.start_run("churn"):
        nbops.log_dataset(train, "churn-train")
        nbops.log_dataset(table(3000, 2), "churn-valid", role="validation", snapshot=True)
        nbops.register_model("churn", pipeline().fit(train[FEATURES], train[LABEL]), alias="estimated")
    with nbops.start_run("spend"):
        spend = spending(3000, 3)
        nbops.log_dataset(spend, "spend-train")
        nbops.log_dataset(spending(4000, 4), "spend-valid", role="validation", snapshot=True)
        nbops.register_model("spend", regression_pipeline().fit(spend[FEATURES], spend[SPEND]), alias="estimated")


if __name__ == "__main__":
    main()
