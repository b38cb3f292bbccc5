"""Calls of the nbops REST API from server tests, through pytest-jupyter's ``jp_fetch``."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


async def request(jp_fetch, method, *parts, body=None, **params) -> tuple[int, dict]:
    """The status code and decoded JSON body of ``<method> /nbops/api/<parts...>``."""
    response = await jp_fetch(
        "nbops", "api", *parts, method=method, params=params, body=None if body is None else json.dumps(body)
    )
    return response.code, json.loads(response.body)


async def call(jp_fetch, method, *parts, body=None, **params) -> dict:
    return (await request(jp_fetch, method, *parts, body=body, **params))[1]


async def get(jp_fetch, *parts, **params) -> dict:
    return await call(jp_fetch, "GET", *parts, **params)


async def error_of(jp_fetch, *parts, method="GET", body=None, **params) -> tuple[int, str]:
    """The status and message of a request that must fail, checking the one error shape."""
    with pytest.raises(HTTPClientError) as caught:
        await request(jp_fetch, method, *parts, body=body, **params)
    answer = json.loads(caught.value.response.body)
    assert set(answer) == {"message", "reason"}
    return caught.value.code, answer["message"]
