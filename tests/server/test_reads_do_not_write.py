"""GET routes only read: a panel polling the store never takes the write lock from a logger."""

import json
import sqlite3
import subprocess
import sys

import pytest

from nbops.store import Store


@pytest.fixture
def no_sweep(monkeypatch):
    """The server's periodic sweep writes on purpose; this test is about the reads alone."""
    import nbops.server

    monkeypatch.setattr(nbops.server, "_sweep_periodically", lambda store: None)


async def test_listing_a_run_and_following_the_feed_leave_the_store_unchanged(no_sweep, jp_fetch, project):
    store = Store(project / ".nbops")
    run_id = store.runs.create("reads", params={"lr": 0.1})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with store.transaction() as conn:  # its process is gone: a read that swept would mark it crashed
        conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
    observer = sqlite3.connect(project / ".nbops" / "nbops.db")
    version = observer.execute("PRAGMA data_version").fetchone()[0]
    seq = observer.execute("SELECT seq FROM change_counter").fetchone()[0]

    listed = json.loads((await jp_fetch("nbops", "api", "runs")).body)
    detail = json.loads((await jp_fetch("nbops", "api", "runs", run_id)).body)
    feed = json.loads((await jp_fetch("nbops", "api", "changes", params={"since": "0"})).body)
    await jp_fetch("nbops", "api", "runs", params={"filter": "status = 'running'", "sort": "-start_time"})

    assert [r["status"] for r in listed["runs"]] == ["running"] and detail["status"] == "running"
    assert feed["seq"] == seq
    assert observer.execute("PRAGMA data_version").fetchone()[0] == version  # nobody committed
    assert observer.execute("SELECT seq FROM change_counter").fetchone()[0] == seq
