"""Every failure of the REST API is one JSON shape with a 4xx, or a 503 for a store that cannot be
used; Jupyter keeps running whatever the store file holds."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest
from tornado.httpclient import HTTPClientError

from nbops.store import Store
from nbops.store.summaries import MAX_LISTED_VALUE

from .api_client import error_of, get

# Every route of the extension that reads the store, with arguments it accepts.
STORE_ROUTES = [
    ("experiments",),
    ("runs",),
    ("runs", "x"),
    ("runs", "x", "metrics"),
    ("runs", "x", "artifacts"),
    ("models",),
    ("changes",),
    ("drift", "references"),
    ("drift", "alerts"),
]


@pytest.fixture
def broken(project):
    """What the store file holds when the server starts; set by each test before it starts."""
    store_file = project / ".nbops" / "nbops.db"
    store_file.parent.mkdir(parents=True, exist_ok=True)
    return store_file


@pytest.fixture
def store_file(broken, request):
    """Writes the file a test names (parametrized indirectly) before the server starts."""
    writer = getattr(request, "param", None)
    if writer is not None:
        writer(broken)
    return broken


@pytest.fixture
def jp_server_config(store_file):
    return {"ServerApp": {"jpserver_extensions": {"nbops": True}}}


def _garbage(path):
    path.write_bytes(b"not an sqlite file\n" * 100)


def _foreign(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()


async def _answers_503_on_every_store_route(jp_fetch, fragment):
    for parts in STORE_ROUTES:
        code, message = await error_of(jp_fetch, *parts)
        assert code == 503 and fragment in message, (parts, code, message)


@pytest.mark.parametrize("store_file", [_garbage], indirect=True)
async def test_a_file_that_is_not_a_store_gives_503s_and_jupyter_keeps_running(jp_fetch, broken):
    await _answers_503_on_every_store_route(jp_fetch, str(broken))
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", "runs")
    assert json.loads(caught.value.response.body)["reason"] == "store_unavailable"
    assert (await jp_fetch("api", "status")).code == 200  # Jupyter itself
    assert (await get(jp_fetch, "version"))["version"]  # the handshake still answers
    broken.unlink()  # the user moves the bad file away: the next request opens a new store
    assert (await get(jp_fetch, "runs")) == {"runs": [], "next_cursor": None, "notice": None}


@pytest.mark.parametrize("store_file", [_foreign], indirect=True)
async def test_a_foreign_database_gives_503s_and_stays_untouched(jp_fetch, broken):
    before = broken.read_bytes()
    await _answers_503_on_every_store_route(jp_fetch, "did not create")
    assert broken.read_bytes() == before
    assert sqlite3.connect(broken).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


async def test_a_store_corrupted_while_the_server_runs_gives_503(jp_fetch, project):
    store = Store(project / ".nbops")
    store.runs.create("exp", params={"lr": 0.1})
    assert len((await get(jp_fetch, "runs"))["runs"]) == 1
    store.db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = project / ".nbops" / "nbops.db"
    path.write_bytes(b"\0garbage" * (path.stat().st_size // 8))
    code, message = await error_of(jp_fetch, "runs")
    assert code == 503 and str(path) in message and ("not a database" in message or "malformed" in message)


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"cursor": _cursor([{"a": 1}, "x"])}, "cursor"),
        ({"cursor": _cursor([10**30, "x"])}, "cursor"),
        ({"filter": "(" * 1900 + "status = 'x'" + ")" * 1900}, "parentheses nest deeper than 20"),
        ({"filter": "(" * 5000 + "status = 'x'" + ")" * 5000}, "longer than 4,000 characters"),
        ({"filter": " or ".join(f"metrics.m > {i}" for i in range(2000))}, "longer than 4,000 characters"),
        (
            {"filter": " or ".join(f"m.x > {i}" for i in range(150)).replace("m.x", "metrics.x")},
            "more than 100 comparisons",
        ),
    ],
)
async def test_hostile_queries_are_400s_naming_the_problem(jp_fetch, project, params, fragment):
    Store(project / ".nbops").runs.create("exp")
    code, message = await error_of(jp_fetch, "runs", sort="-metrics.auc", **params)
    assert code == 400 and fragment in message and len(message) < 600


async def test_a_method_a_route_lacks_is_405_with_allow(jp_fetch, project):
    for parts, allowed in [(("runs", "x"), "GET, PATCH, DELETE"), (("version",), "GET"), (("runs",), "GET")]:
        for method in ("TRACE", "PUT"):
            with pytest.raises(HTTPClientError) as caught:
                await jp_fetch(
                    "nbops",
                    "api",
                    *parts,
                    method=method,
                    allow_nonstandard_methods=True,
                    body=b"" if method == "PUT" else None,
                )
            assert caught.value.code == 405 and caught.value.response.headers["Allow"] == allowed, (parts, method)
            assert set(json.loads(caught.value.response.body)) == {"message", "reason"}


async def test_a_body_with_a_lone_surrogate_is_a_400(jp_fetch, project):
    run_id = Store(project / ".nbops").runs.create("exp")
    code, message = await error_of(jp_fetch, "runs", run_id, method="PATCH", body={"tags": {"a": "\ud800"}})
    assert code == 400 and "not valid JSON text" in message


async def test_pages_and_the_feed_carry_a_huge_param_cut_and_the_run_carries_it_whole(jp_fetch, project):
    big = "v" * 20_000_000
    store = Store(project / ".nbops")
    run_id = store.runs.create("exp", params={"big": big})
    store.runs.end(run_id)
    for answer in [
        await jp_fetch("nbops", "api", "runs"),
        await jp_fetch("nbops", "api", "changes", params={"since": 0}),
    ]:
        assert len(answer.body) < 10_000
        (run,) = json.loads(answer.body)["runs"]
        assert run["params"]["big"] == "v" * MAX_LISTED_VALUE + "…"
    assert (await get(jp_fetch, "runs", run_id))["params"]["big"] == big
