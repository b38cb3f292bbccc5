"""MLflow's scoring protocol on a real ``nbops serve``: every payload format, predict_proba,
bad payloads answered 400/413 with what is wrong, the token, the probes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from serving.registry import FEATURES, table

ROWS = table(25, 5)[FEATURES]


def payloads(frame):
    records = frame.to_dict(orient="records")
    split = frame.to_dict(orient="split", index=False)
    return {
        "dataframe_split": {"dataframe_split": split},
        "dataframe_records": {"dataframe_records": records},
        "instances (records)": {"instances": records},
        "instances (rows)": {"instances": split["data"]},
        "inputs (columns)": {"inputs": {c: [r[i] for r in split["data"]] for i, c in enumerate(split["columns"])}},
        "inputs (rows)": {"inputs": split["data"]},
    }


@pytest.mark.parametrize("fmt", list(payloads(ROWS.head(1))))
def test_each_format_predicts_what_the_model_predicts(servers, models, fmt):
    with servers["main"].client() as client:
        answer = client.post("/invocations", json=payloads(ROWS)[fmt])
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == models[1].predict(ROWS).tolist()
    assert len(answer.headers["X-Request-Id"]) == 32
    assert answer.headers["X-Nbops-Version"] == "1"


def test_predict_proba_through_params(servers, models):
    body = payloads(ROWS)["dataframe_split"] | {"params": {"method": "predict_proba"}}
    with servers["main"].client() as client:
        answer = client.post("/invocations", json=body)
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(answer.json()["predictions"], models[1].predict_proba(ROWS), rtol=1e-12)


def _row(**change):
    return {"dataframe_records": [{"x1": 0.5, "x2": -1.0, "count": 3, "plan": "pro"} | change]}


BAD = {
    "missing column": ({"dataframe_records": [{"x1": 0.5, "x2": -1.0, "plan": "pro"}]}, 400, ["missing", "'count'"]),
    "unknown column": (_row(age=41), 400, ["unknown", "'age'"]),
    "text in a number column": (_row(x1="abc"), 400, ["'x1'", '"abc"', "float64"]),
    "number in a text column": (_row(plan=3), 400, ["'plan'", "string"]),
    "boolean for a number": (_row(count=True), 400, ["'count'", "true"]),
    "nested value": (_row(x2=[1, 2]), 400, ["'x2'"]),
    "no rows": ({"dataframe_records": []}, 400, ["no rows"]),
    "two formats": ({"inputs": [], "instances": []}, 400, ["exactly one"]),
    "unknown key": ({"data": [[1, 2, 3, "pro"]]}, 400, ["'data'"]),
    "ragged split": ({"dataframe_split": {"columns": FEATURES, "data": [[1, 2]]}}, 400, ["2 values", "4 columns"]),
    "row of wrong length": ({"instances": [[1, 2, 3]]}, 400, ["3 values"]),
    "bad method": (_row() | {"params": {"method": "transform"}}, 400, ["'transform'", "predict_proba"]),
    "columns of unequal length": (
        {"inputs": {"x1": [1], "x2": [1, 2], "count": [1], "plan": ["a"]}},
        400,
        ["same length"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_payloads_get_400_naming_the_problem(servers, case):
    body, status, words = BAD[case]
    with servers["main"].client() as client:
        answer = client.post("/invocations", json=body)
    assert answer.status_code == status, answer.text
    message = answer.json()["message"]
    for word in words:
        assert word in message, message
    assert answer.json()["error_code"] == "BAD_REQUEST"


JUNK = [
    b"",
    b"{",
    b"not json",
    b"null",
    b"[]",
    b"42",
    b'"text"',
    b"\xff\xfe",
    b'{"inputs": null}',
    b'{"inputs": 3}',
    b'{"dataframe_split": []}',
    b'{"dataframe_split": {"data": 1}}',
    b'{"dataframe_records": [1, 2]}',
    b'{"instances": [{"x1": {}}]}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"inputs": [[NaN, Infinity, 1, "pro"]]}',
    b'{"params": 1, "inputs": [[1, 1, 1, "pro"]]}',
    b'{"dataframe_split": {"columns": "x1", "data": [[1]]}}',
]


def test_junk_never_gets_a_500(servers):
    with servers["main"].client() as client:
        for body in JUNK:
            answer = client.post("/invocations", content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code in (400, 413), (body[:40], answer.status_code, answer.text)
            assert answer.json()["message"]
        assert client.get("/ping").status_code == 200  # and the server still serves


def test_too_big_a_body_gets_413(servers):
    rows = table(4000, 6)[FEATURES]  # ~250 KB of JSON; the main server's limit is 200,000 bytes
    with servers["main"].client() as client:
        answer = client.post("/invocations", json=payloads(rows)["dataframe_records"])
        assert answer.status_code == 413
        assert "200,000" in answer.json()["message"]
        # a streamed body without Content-Length is cut at the limit too
        chunks = (b" " * 50_000 for _ in range(10))
        answer = client.post("/invocations", content=chunks)
        assert answer.status_code == 413


def test_the_token_is_required_except_on_probes(servers):
    import httpx

    url = servers["main"].url
    body = _row()
    assert httpx.post(url + "/invocations", json=body).status_code == 401
    wrong = httpx.post(url + "/invocations", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    assert httpx.get(url + "/stats").status_code == 401
    assert httpx.get(url + "/ping").status_code == 200
    assert httpx.get(url + "/health").json()["status"] == "ok"
    with servers["main"].client() as client:
        assert client.post("/invocations", json=body).status_code == 200
        version = client.get("/version").json()
    assert version["versions"]["primary"]["version"] == 1
    assert [f["name"] for f in version["versions"]["primary"]["features"]] == FEATURES


def test_concurrent_requests_scored_together_get_their_own_answers(servers, models):
    """Requests that arrive together are scored in one call: each still gets its own rows'
    predictions, and a request the model refuses (NaN) fails alone."""
    import asyncio

    import httpx

    from serving.conftest import TOKEN

    rows = table(64, 61)[FEATURES]
    expected = models[1].predict(rows).tolist()
    nan = {"inputs": [[float("nan"), 0.0, 1, "pro"]]}

    async def run():
        async with httpx.AsyncClient(
            base_url=servers["main"].url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            calls = [
                client.post("/invocations", json={"dataframe_records": rows.iloc[i : i + 2].to_dict("records")})
                for i in range(0, 64, 2)
            ]
            calls.insert(
                7,
                client.post(
                    "/invocations",
                    content=json.dumps(nan, allow_nan=True),
                    headers={"Content-Type": "application/json"},
                ),
            )
            return await asyncio.gather(*calls)

    answers = asyncio.run(run())
    bad = answers.pop(7)
    assert bad.status_code == 400 and "could not score" in bad.json()["message"]
    assert [a.status_code for a in answers] == [200] * 32
    assert [p for a in answers for p in a.json()["predictions"]] == expected
