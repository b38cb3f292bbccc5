"""Label-free performance of live windows: a served classifier's windows get CBPE estimates
from the scores the server computed, calibrated on the run's labelled validation snapshot."""

from __future__ import annotations

import pytest
from sklearn.metrics import accuracy_score

from serving.registry import FEATURES, LABEL, table


def test_a_shifted_window_gets_estimated_accuracy_close_to_the_withheld_labels(servers, serving_store, models):
    from nbops.drift import AlertRule, persistence

    persistence.add_alert_rule(serving_store, "churn:4", AlertRule("accuracy_drop", 0.05, name="accuracy down"))
    # covariate shift: live rows have x1 in (-1.2, 0), where the classes overlap most;
    # P(churned | x) is the training data's
    rows = table(30_000, 41)
    shifted = rows[(rows["x1"] > -1.2) & (rows["x1"] < 0)].iloc[:3000]
    server = servers["estimated"]
    with server.client() as client:
        described = client.get("/version").json()["versions"]["primary"]
        assert described["estimated"] == {"method": "cbpe", "calibrated_on": "churn-valid (validation)"}
        _send_without_labels(client, shifted[FEATURES])
    realized = accuracy_score(shifted[LABEL], models[4].predict(shifted[FEATURES]))
    conn = serving_store.reader()
    estimates = _estimates_of_the_one_window(conn, "churn:4", rows=len(shifted))
    assert set(estimates) == {"accuracy", "f1", "roc_auc"}
    accuracy = estimates["accuracy"]
    assert accuracy["method"] == "cbpe"
    assert accuracy["estimate"] == pytest.approx(realized, abs=0.05)
    assert accuracy["lower"] <= realized <= accuracy["upper"]
    assert accuracy["upper"] - accuracy["lower"] < 0.1  # a band, not [0, 1]
    # the shift lowered accuracy below the validation set's: the rule on the estimate fired, once
    assert accuracy["reference"] - accuracy["estimate"] >= 0.05
    events = conn.execute("SELECT * FROM drift_alert_events WHERE subject = 'churn:4'").fetchall()
    assert [e["rule"] for e in events if "accuracy" in e["message"]] == ["accuracy down"]
    # the Drift Monitor's read side has the estimate beside the window's drift
    from nbops.drift import monitor

    shown = monitor.windows(serving_store, "churn:4")
    assert shown["performance"]["accuracy"]["estimate"][-1] == pytest.approx(accuracy["estimate"])


def test_versions_without_a_labelled_snapshot_are_served_without_estimates(servers):
    with servers["monitored"].client() as client:
        assert client.get("/version").json()["versions"]["primary"]["estimated"] is None


@pytest.fixture(scope="module")
def regressor_server(serving_home):
    from serving.peer import ServeProcess

    server = ServeProcess(serving_home, "spend@estimated", "--window-seconds", "10000000").wait()
    yield server
    server.stop()


def test_a_served_regressors_shifted_window_gets_dle_estimates_close_to_the_withheld_labels(
    regressor_server, serving_store
):
    import numpy as np

    from nbops.drift import AlertRule, monitor, persistence
    from nbops.serving.config import VersionRef
    from nbops.serving.loading import load_version
    from serving.registry import SPEND, spending

    persistence.add_alert_rule(serving_store, "spend:1", AlertRule("mae_increase", 0.2, name="mae up"))
    # covariate shift inside the validation set's range: x1 in (1, 2.2), where the noise is
    # larger; P(spend | x) is the training data's
    rows = spending(40_000, 41)
    shifted = rows[(rows["x1"] > 1.0) & (rows["x1"] < 2.2)].iloc[:3000]
    with regressor_server.client() as client:
        described = client.get("/version").json()["versions"]["primary"]
        assert described["estimated"] == {"method": "dle", "calibrated_on": "spend-valid (validation)"}
        _send_without_labels(client, shifted[FEATURES])
    model = load_version(serving_store, VersionRef("spend", 1)).model
    error = shifted[SPEND].to_numpy() - model.predict(shifted[FEATURES])
    realized = {"mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2)))}
    conn = serving_store.reader()
    estimates = _estimates_of_the_one_window(conn, "spend:1", rows=len(shifted))
    assert set(estimates) == {"mae", "rmse"}
    for metric, value in realized.items():
        estimate = estimates[metric]
        assert estimate["method"] == "dle"
        # Stated tolerance: 10 % of the realized error. The realized MAE of 3,000 rows has a
        # sampling error of ~1.5 %, the loss models fitted on 3,200 rows miss by a few % more.
        assert estimate["estimate"] == pytest.approx(value, rel=0.10), (metric, estimate, value)
        assert estimate["lower"] <= value <= estimate["upper"], (metric, estimate, value)
        assert estimate["upper"] - estimate["lower"] < 0.25 * value  # a band, not [0, inf)
    # the shift raised the error above the validation set's: the rule on the estimate fired, once
    mae = estimates["mae"]
    assert mae["estimate"] > 1.2 * mae["reference"]
    events = conn.execute("SELECT * FROM drift_alert_events WHERE subject = 'spend:1'").fetchall()
    assert [e["rule"] for e in events if "estimated mae" in e["message"]] == ["mae up"]
    shown = monitor.windows(serving_store, "spend:1")
    assert shown["performance"]["mae"]["estimate"][-1] == pytest.approx(mae["estimate"])


def _send_without_labels(client, features) -> None:
    """Post the rows in batches of 150, features only, then have the server write its window."""
    for start in range(0, len(features), 150):
        body = {"dataframe_records": features.iloc[start : start + 150].to_dict(orient="records")}
        answer = client.post("/invocations", json=body)
        assert answer.status_code == 200, answer.text
    client.get("/stats")  # writes the window, and its estimate


def _estimates_of_the_one_window(conn, subject: str, rows: int) -> dict[str, dict]:
    """The estimates stored for the subject's only live window, which holds ``rows`` rows."""
    (window,) = conn.execute(
        "SELECT window, rows FROM drift_windows WHERE subject = ? AND superseded_at IS NULL", (subject,)
    ).fetchall()
    assert window["rows"] == rows
    return {
        r["metric"]: dict(r)
        for r in conn.execute(
            "SELECT * FROM drift_performance WHERE subject = ? AND window = ?", (subject, window["window"])
        )
    }
