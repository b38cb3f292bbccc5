"""The OpenAPI document is the contract: every request body is checked against it, and the
server tests check every answer against it (tests/server/conftest.py)."""

import json
import re

import pytest
from tornado.httpclient import HTTPClientError

from nbops.server.contract import document

from .conftest import assert_documented

BODY_ROUTES = [
    (path, method)
    for path, ops in document()["paths"].items()
    for method, op in ops.items()
    if isinstance(op, dict) and "requestBody" in op
]


def test_the_document_has_request_bodies_to_check():
    assert len(BODY_ROUTES) >= 8


@pytest.mark.parametrize("path, method", BODY_ROUTES)
async def test_every_request_body_is_checked_against_its_schema(jp_fetch, project, path, method):
    parts = re.sub(r"\{[^}]+\}", "x", path).strip("/").split("/")
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", *parts, method=method.upper(), body=json.dumps({"surprise": 1}))
    answer = json.loads(caught.value.response.body)
    assert caught.value.code == 400 and answer["reason"] == "invalid_value"
    # the schema's words (an unknown field, or a required one missing), before any handler logic
    assert answer["message"].startswith(f"{method.upper()} {path.lstrip('/')} "), answer["message"]
    assert "'surprise'" in answer["message"] or " needs the " in answer["message"], answer["message"]


async def test_nan_in_a_body_is_refused_as_not_json(jp_fetch, project):
    from nbops.store import open_store

    run_id = open_store().runs.create("exp")
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", "runs", run_id, method="PATCH", body='{"tags": {"loss": NaN}}')
    assert caught.value.code == 400 and "NaN is not JSON" in json.loads(caught.value.response.body)["message"]
    assert open_store().runs.get(run_id)["tags"] == {}


class _Answer:
    def __init__(self, body):
        self.headers, self.body = {"Content-Type": "application/json"}, json.dumps(body).encode()


def test_an_answer_off_the_document_fails_the_test():
    assert_documented(("nbops", "api", "version"), "GET", 200, _Answer({"version": "1.0"}))
    with pytest.raises(AssertionError, match="version: 3 is not of type 'string'"):
        assert_documented(("nbops", "api", "version"), "GET", 200, _Answer({"version": 3}))
    with pytest.raises(AssertionError, match="no JSON answer for status 418"):
        assert_documented(("nbops", "api", "version"), "GET", 418, _Answer({}))
