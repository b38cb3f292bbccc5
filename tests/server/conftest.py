import json

import pytest
from tornado.httpclient import HTTPClientError

from nbops.server.contract import response_validator


@pytest.fixture
def jp_server_config(project):
    # ``project`` first: the extension must find the test's store, not a global one.
    return {"ServerApp": {"jpserver_extensions": {"nbops": True}}}


@pytest.fixture
def jp_fetch(jp_fetch):
    """pytest-jupyter's ``jp_fetch``, where every JSON answer of the nbops API (errors
    included) must match the OpenAPI document: a test fails when the code and the document
    part ways."""
    return documented_fetch(jp_fetch)


def documented_fetch(jp_fetch):
    """``jp_fetch`` checking each JSON answer against the OpenAPI document."""

    async def checked(*parts, method="GET", **kwargs):
        try:
            response = await jp_fetch(*parts, method=method, **kwargs)
        except HTTPClientError as exc:
            if exc.response is not None:
                assert_documented(parts, method, exc.code, exc.response)
            raise
        assert_documented(parts, method, response.code, response)
        return response

    return checked


def assert_documented(parts, method: str, status: int, response) -> None:
    if parts[:2] != ("nbops", "api") or not response.headers.get("Content-Type", "").startswith("application/json"):
        return  # another extension's route, or a file (an artifact's bytes)
    route = "/".join(parts[2:])
    checker = response_validator(route, method, status)
    assert checker is not None, f"the OpenAPI document gives {method} {route} no JSON answer for status {status}"
    problems = [
        f"{'.'.join(map(str, e.absolute_path)) or '(answer)'}: {e.message[:300]}"
        for e in checker.iter_errors(json.loads(response.body))
    ]
    assert not problems, f"{method} {route} answered {status} off the OpenAPI document:\n" + "\n".join(problems[:10])
