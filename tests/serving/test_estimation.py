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
        for start in range(0, len(shifted), 150):  # labels withheld: only the features are sent
            body = {"dataframe_records": shifted[FEATURES].iloc[start : start + 150].to_dict(orient="records")}
            answer = client.post("/invocations", json=body)
            assert answer.status_code == 200, answer.text
        client.get("/stats")  # writes the window, and its estimate
    realized = accuracy_score(shifted[LABEL], models[4].predict(shifted[FEATURES]))
    conn = serving_store.reader()
    (window,) = conn.execute(
        "SELECT window, rows FROM drift_windows WHERE subject = 'churn:4' AND superseded_at IS NULL"
    ).fetchall()
    assert window["rows"] == len(shifted)
    estimates = {
        r["metric"]: dict(r)
        for r in conn.execute(
            "SELECT * FROM drift_performance WHERE subject = 'churn:4' AND window = ?", (window["window"],)
        )
    }
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
