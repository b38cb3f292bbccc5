"""Live monitoring with no user code: requests fill the version's drift window, a shifted
batch raises an alert, feedback labels give realized accuracy, and /stats reports it all."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from serving.registry import FEATURES, LABEL, table


def _records(frame):
    return frame[FEATURES].to_dict(orient="records")


def _window(store, subject):
    return (
        store.reader()
        .execute("SELECT * FROM drift_windows WHERE subject = ? AND superseded_at IS NULL ORDER BY id DESC", (subject,))
        .fetchall()
    )


def test_requests_fill_the_drift_window_and_a_shifted_batch_alerts(servers, serving_store):
    server = servers["monitored"]  # serves churn v3; nothing else sends it requests
    rows = table(100, 11)
    with server.client() as client:
        for record in _records(rows):
            assert client.post("/invocations", json={"dataframe_records": [record]}).status_code == 200
        client.get("/stats")  # writes what is queued
        (window,) = _window(serving_store, "churn:3")
        assert window["rows"] == 100
        assert window["model_version_id"] == serving_store.models.version("churn", 3)["id"]
        features = {
            r["feature"]: dict(r)
            for r in serving_store.reader().execute("SELECT * FROM drift_features WHERE window_id = ?", (window["id"],))
        }
        # the inputs, and the predictions sketched into the training label column
        assert set(features) == set(FEATURES) | {LABEL}
        assert all(f["n_current"] == 100 for f in features.values())
        assert (
            not serving_store.reader().execute("SELECT 1 FROM drift_alert_events WHERE subject = 'churn:3'").fetchall()
        )

        shifted = table(400, 12, shift=3.0)
        for start in range(0, 400, 50):
            batch = {"dataframe_records": _records(shifted.iloc[start : start + 50])}
            assert client.post("/invocations", json=batch).status_code == 200
        client.get("/stats")
    (window,) = _window(serving_store, "churn:3")  # the same window grew: no history rows
    assert window["rows"] == 500
    events = serving_store.reader().execute("SELECT * FROM drift_alert_events WHERE subject = 'churn:3'").fetchall()
    assert len(events) == 1, [dict(e) for e in events]
    assert "x1" in json.loads(events[0]["features"])
    assert events[0]["window_id"] == window["id"]
    # the Drift Monitor's read side sees the served version as a subject
    from nbops.drift import monitor

    assert monitor.windows(serving_store, "churn:3")["windows"][-1]["rows"] == 500
    # raw inputs are not stored without --log-inputs
    assert (
        serving_store.reader()
        .execute(
            "SELECT COUNT(*) FROM serving_requests WHERE version_id = ? AND inputs IS NOT NULL",
            (window["model_version_id"],),
        )
        .fetchone()[0]
        == 0
    )


def test_feedback_gives_realized_accuracy(servers, models, serving_store):
    rows = table(120, 21)
    ids, labels = [], []
    with servers["main"].client() as client:
        for start in range(0, 120, 4):  # 30 requests of 4 rows, and one of a single row
            chunk = rows.iloc[start : start + 4]
            answer = client.post("/invocations", json={"dataframe_records": _records(chunk)})
            ids.append(answer.headers["X-Request-Id"])
            labels.append(chunk[LABEL].tolist())
        single = table(1, 22)
        answer = client.post("/invocations", json={"dataframe_records": _records(single)})
        ids.append(answer.headers["X-Request-Id"])
        labels.append(int(single[LABEL].iloc[0]))  # one row: a bare label
        result = client.post("/feedback", json={"request_ids": ids, "labels": labels})
        assert result.status_code == 200, result.text
        stats = client.get("/stats").json()
    truth = rows[LABEL].tolist() + single[LABEL].tolist()
    both = pd.concat([rows[FEATURES], single[FEATURES]])
    expected = accuracy_score(truth, models[1].predict(both))
    (performance,) = result.json()["performance"]
    assert performance["version"] == 1 and performance["labelled_rows"] == 121
    assert performance["accuracy"] == pytest.approx(expected, abs=1e-12)
    stored = (
        serving_store.reader()
        .execute(
            "SELECT value FROM serving_performance WHERE version_id = ? AND metric = 'accuracy'",
            (serving_store.models.version("churn", 1)["id"],),
        )
        .fetchone()[0]
    )
    assert stored == pytest.approx(expected, abs=1e-12)
    (version,) = stats["stats"]
    assert version["windows"][-1]["performance"]["accuracy"]["value"] == pytest.approx(expected, abs=1e-12)


def test_feedback_errors_name_the_problem(servers):
    with servers["main"].client() as client:
        answer = client.post("/invocations", json={"dataframe_records": _records(table(2, 23))})
        rid = answer.headers["X-Request-Id"]
        unknown = client.post("/feedback", json={"request_ids": ["nope"], "labels": [1]})
        assert unknown.status_code == 400 and "'nope'" in unknown.json()["message"]
        wrong_count = client.post("/feedback", json={"request_ids": [rid], "labels": [[1]]})
        assert wrong_count.status_code == 400 and "2 row(s)" in wrong_count.json()["message"]
        mismatch = client.post("/feedback", json={"request_ids": [rid, rid], "labels": [[1, 0]]})
        assert mismatch.status_code == 400 and "same length" in mismatch.json()["message"]
        assert client.post("/feedback", content=b"{").status_code == 400


def test_stats_report_latency_errors_and_predictions(servers, models):
    with servers["main"].client() as client:
        before = client.get("/stats").json()["stats"][0]
        rows = table(10, 31)
        client.post("/invocations", json={"dataframe_records": _records(rows)})
        client.post("/invocations", json={"dataframe_records": [{"x1": "bad"}]})
        after = client.get("/stats").json()
    (version,) = after["stats"]
    assert version["requests"] - before["requests"] == 2
    assert version["errors"] - before["errors"] == 1
    assert version["rows"] - before["rows"] == 10
    predicted = models[1].predict(rows[FEATURES]).tolist()
    gained = {k: v - before["predictions"]["counts"].get(k, 0) for k, v in version["predictions"]["counts"].items()}
    assert gained == {k: predicted.count(int(k)) for k in gained}
    assert 0 < version["latency_ms"]["p50"] <= version["latency_ms"]["p99"]
    assert after["split"] == {"mode": "single"}
