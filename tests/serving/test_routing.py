"""Two versions under one endpoint: a seeded 90/10 canary split, and a shadow that is scored
and logged but never answers."""

from __future__ import annotations

import json

from serving.registry import FEATURES, table


def test_a_90_10_split_over_1000_requests(servers, models):
    rows = table(1000, 41)[FEATURES]
    records = rows.to_dict(orient="records")
    expected = {v: models[v].predict(rows).tolist() for v in (1, 2)}
    served = []
    with servers["canary"].client() as client:
        for i, record in enumerate(records):
            answer = client.post("/invocations", json={"dataframe_records": [record]})
            version = int(answer.headers["X-Nbops-Version"])
            served.append(version)
            # each answer is its own version's prediction
            assert answer.json()["predictions"] == [expected[version][i]]
        stats = client.get("/stats").json()
    share = served.count(2) / len(served)
    assert 0.07 <= share <= 0.13, share
    assert set(served) == {1, 2}
    by_version = {s["version"]: s for s in stats["stats"]}
    assert by_version[2]["requests"] == served.count(2) and by_version[2]["role"] == "canary"
    assert by_version[1]["requests"] == served.count(1) and by_version[1]["role"] == "primary"
    assert stats["split"] == {"mode": "canary", "canary_percent": 10.0}


def test_shadow_is_scored_and_logged_never_returned(servers, models, serving_store):
    rows = table(60, 51)[FEATURES]
    primary, challenger = models[1].predict(rows), models[2].predict(rows)
    assert (primary != challenger).mean() > 0.5  # the two versions disagree on most rows
    ids = []
    with servers["shadow"].client() as client:
        for start in range(0, 60, 3):
            chunk = rows.iloc[start : start + 3]
            answer = client.post("/invocations", json={"dataframe_records": chunk.to_dict(orient="records")})
            assert answer.headers["X-Nbops-Version"] == "1"
            assert answer.json()["predictions"] == primary[start : start + 3].tolist()
            ids.append(answer.headers["X-Request-Id"])
        by_version = _until_shadow_rows(client, 60)
    assert by_version[2]["role"] == "shadow" and by_version[2]["rows"] == 60
    assert by_version[2]["predictions"]["counts"] == {str(k): int((challenger == k).sum()) for k in set(challenger)}
    logged = dict(
        serving_store.reader()
        .execute(
            f"SELECT id, predictions FROM serving_requests WHERE role = 'shadow' AND id IN ({','.join('?' * len(ids))})",
            ids,
        )
        .fetchall()
    )
    assert [json.loads(logged[i]) for i in ids] == [challenger[s : s + 3].tolist() for s in range(0, 60, 3)]
    # --log-inputs: the raw inputs of each request are kept beside its predictions
    inputs = dict(
        serving_store.reader()
        .execute(
            f"SELECT id, inputs FROM serving_requests WHERE role = 'primary' AND id IN ({','.join('?' * len(ids))})",
            ids,
        )
        .fetchall()
    )
    assert [json.loads(inputs[i]) for i in ids] == [rows.iloc[s : s + 3].to_dict("records") for s in range(0, 60, 3)]


def _until_shadow_rows(client, rows: int, timeout: float = 10.0) -> dict:
    """The shadow scores after each answer is sent: wait until the last one is counted."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        by_version = {s["version"]: s for s in client.get("/stats").json()["stats"]}
        if by_version.get(2, {}).get("rows", 0) >= rows or time.monotonic() > deadline:
            return by_version
        time.sleep(0.05)
