"""When monitoring data is written: on its timer, at shutdown, and never with ``--no-monitoring``.

Each server here serves churn v1 with a window length no other server uses, so its drift
window is its own, and reads its stats and request log by its session id.
"""

from __future__ import annotations

import time

import pytest

from serving.peer import ServeProcess
from serving.registry import FEATURES, table


@pytest.fixture(scope="module")
def lifecycle(serving_home):
    started = {
        # the timer never writes during the test: only shutdown can
        "shutdown": ServeProcess(serving_home, "churn:1", "--flush-seconds", "3600", "--window-seconds", "999983"),
        # drift windows every 10 x 0.2 s
        "timer": ServeProcess(serving_home, "churn:1", "--flush-seconds", "0.2", "--window-seconds", "999979"),
        "off": ServeProcess(serving_home, "churn:1", "--no-monitoring"),
        # polled as Lab polls it: the timer never writes during the test
        "polled": ServeProcess(serving_home, "churn:1", "--flush-seconds", "3600", "--window-seconds", "999961"),
    }
    try:
        for server in started.values():
            server.wait()
        yield started
    finally:
        for server in started.values():
            server.stop()


def _send(server, rows) -> str:
    """Send the rows one request each; the serving session's id."""
    with server.client() as client:
        for record in rows[FEATURES].to_dict(orient="records"):
            answer = client.post("/invocations", json={"dataframe_records": [record]})
            assert answer.status_code == 200, answer.text
        return client.get("/version").json()["session_id"]  # /version writes nothing


def _written(store, session: str) -> dict:
    """What the session wrote: stats and request-log rows, and its drift window's rows."""
    conn = store.reader()
    requests, rows = conn.execute(
        "SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(rows), 0) FROM serving_stats WHERE session_id = ?",
        (session,),
    ).fetchone()
    windows = [
        r[0] for r in conn.execute("SELECT DISTINCT window FROM serving_requests WHERE session_id = ?", (session,))
    ]
    logged = conn.execute("SELECT COUNT(*) FROM serving_requests WHERE session_id = ?", (session,)).fetchone()[0]
    drift = [
        r[0]
        for r in conn.execute(
            "SELECT rows FROM drift_windows WHERE subject = 'churn:1' AND superseded_at IS NULL AND window IN "
            f"({','.join('?' * len(windows))})",
            windows,
        )
    ]
    return {"requests": requests, "rows": rows, "logged": logged, "drift_rows": sum(drift)}


def test_shutdown_writes_everything_the_timer_had_not(lifecycle, serving_store):
    server = lifecycle["shutdown"]
    session = _send(server, table(40, 51))
    assert _written(serving_store, session) == {"requests": 0, "rows": 0, "logged": 0, "drift_rows": 0}
    # SIGTERM: uvicorn shuts down gracefully (then re-raises the signal: exit -15), the
    # monitor writes its queue and windows
    server.stop()
    assert _written(serving_store, session) == {"requests": 40, "rows": 40, "logged": 40, "drift_rows": 40}
    (stopped,) = (
        serving_store.reader().execute("SELECT stopped_at FROM serving_sessions WHERE id = ?", (session,)).fetchone()
    )
    assert stopped is not None


def test_the_timer_writes_stats_log_and_drift_window_without_being_asked(lifecycle, serving_store):
    session = _send(lifecycle["timer"], table(30, 52))
    deadline = time.monotonic() + 60  # drift windows every 2 s; a loaded host can be slow
    written = _written(serving_store, session)
    while written["drift_rows"] < 30 and time.monotonic() < deadline:
        time.sleep(0.2)
        written = _written(serving_store, session)
    assert written == {"requests": 30, "rows": 30, "logged": 30, "drift_rows": 30}
    with lifecycle["timer"].client() as client:
        stats = client.get("/stats").json()
    assert stats["flush_seconds"] == 0.2 and stats["monitoring"] is True
    assert stats["monitor_cpu_seconds"] > 0  # what writing cost this worker


def test_no_monitoring_serves_and_writes_nothing(lifecycle, serving_store, models):
    server = lifecycle["off"]
    rows = table(20, 53)
    with server.client() as client:
        answer = client.post("/invocations", json={"dataframe_records": rows[FEATURES].to_dict(orient="records")})
        assert answer.json()["predictions"] == models[1].predict(rows[FEATURES]).tolist()
        request_id = answer.headers["X-Request-Id"]
        stats = client.get("/stats").json()
        feedback = client.post("/feedback", json={"request_ids": [request_id], "labels": [[0] * 20]})
    assert stats["monitoring"] is False and stats["monitor_cpu_seconds"] is None and stats["stats"] == []
    assert feedback.status_code == 400 and "--no-monitoring" in feedback.json()["message"]
    server.stop()
    assert _written(serving_store, stats["session_id"]) == {"requests": 0, "rows": 0, "logged": 0, "drift_rows": 0}


def test_a_poll_writes_the_request_log_and_leaves_drift_windows_to_their_beat(lifecycle, serving_store):
    server = lifecycle["polled"]
    session = _send(server, table(30, 53))
    with server.client() as client:
        stats = client.get("/stats", params={"flush": "requests"}).json()
        assert stats["stats"][0]["requests"] == 30
        assert _written(serving_store, session) == {"requests": 30, "rows": 30, "logged": 30, "drift_rows": 0}
        refused = client.get("/stats", params={"flush": "drift"})
        assert refused.status_code == 400
        assert refused.json()["message"] == "flush='drift' is not one of: all, requests"
        assert client.get("/stats").status_code == 200  # flush=all, the default
    assert _written(serving_store, session) == {"requests": 30, "rows": 30, "logged": 30, "drift_rows": 30}
