"""The change feed as the Experiments sidebar follows it: it polls only ``changes``, so a
run whose process died must show up there as crashed."""

import asyncio
import json
import subprocess
import sys
import time

import pytest

from nbops.store import Store
from nbops.store.changes import Changes


async def changes(jp_fetch, **params):
    response = await jp_fetch("nbops", "api", "changes", params=params)
    return json.loads(response.body)


@pytest.fixture
def fast_sweep(monkeypatch):
    """The server's periodic dead-run sweep every 0.2 s instead of every 15 s."""
    import nbops.server

    monkeypatch.setattr(nbops.server, "SWEEP_SECONDS", 0.2)


async def test_a_run_whose_process_died_comes_through_the_feed_as_crashed(fast_sweep, jp_fetch, project):
    store = Store(project / ".nbops")
    run_id = store.runs.create("feed", name="doomed")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    seq = Changes(store.db).current()  # the sidebar has seen the run running
    with store.transaction() as conn:  # its process is gone (a pid change stamps nothing)
        conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))

    # the feed only reads; the server's periodic sweep is what marks the run crashed
    deadline = time.monotonic() + 10
    while not (body := await changes(jp_fetch, since=str(seq)))["runs"]:
        assert time.monotonic() < deadline, "the server never swept the dead run"
        await asyncio.sleep(0.1)

    assert [(run["id"], run["status"]) for run in body["runs"]] == [(run_id, "crashed")]
    assert (await changes(jp_fetch, since=str(body["seq"])))["runs"] == []


async def test_a_live_running_run_stays_running_in_the_feed(jp_fetch, project):
    store = Store(project / ".nbops")
    run_id = store.runs.create("feed", name="alive")  # this test process owns it
    body = await changes(jp_fetch, since="0")
    assert [(run["id"], run["status"]) for run in body["runs"]] == [(run_id, "running")]
