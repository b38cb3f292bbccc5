import subprocess
import sys
import time

import pytest

from nbops.errors import InvalidValueError
from nbops.store.changes import Changes


def changed(store, since):
    answer = Changes(store.db).since(since)
    return [r["id"] for r in answer["runs"]], answer["seq"]


def test_each_visible_change_moves_the_run_to_the_end_of_the_feed(store):
    feed = Changes(store.db)
    start = feed.since(None)
    assert start["runs"] == [] and start["seq"] == feed.current()
    a = store.runs.create("exp", params={"lr": 0.1})
    b = store.runs.create("exp")
    ids, seq = changed(store, start["seq"])
    assert ids == [a, b]
    steps = [
        lambda: store.metrics.write([(a, "loss", 0, 1.0, time.time())]),  # latest_metrics insert
        lambda: store.metrics.write([(a, "loss", 1, 0.5, time.time())]),  # latest_metrics update
        lambda: store.runs.log_params(a, {"depth": 3}),
        lambda: store.runs.set_tags(a, {"team": "x"}),
        lambda: store.runs.delete_tag(a, "team"),
        lambda: store.runs.set_note(a, "good"),
        lambda: store.runs.end(a),
        lambda: store.runs.soft_delete(a),
    ]
    for step in steps:
        step()
        ids, newer = changed(store, seq)
        assert ids == [a] and newer > seq
        seq = newer
    summary = Changes(store.db).since(seq - 1)["runs"][0]
    assert summary["deleted_at"] is not None and summary["note"] == "good" and summary["status"] == "finished"


def test_heartbeats_do_not_wake_the_panels(store):
    a = store.runs.create("exp")
    seq = Changes(store.db).current()
    store.runs.heartbeat([a])
    assert changed(store, seq) == ([], seq)


def test_sequence_follows_commit_order_across_processes(store, project, python_env):
    a = store.runs.create("exp")
    seq = Changes(store.db).current()
    code = (
        "import sys, time; from nbops.store import Store; s = Store(sys.argv[1]); "
        "s.metrics.write([(sys.argv[2], 'loss', i, 0.1, time.time()) for i in range(3)]); "
        "b = s.runs.create('exp'); print(b)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(project / ".nbops"), a],
        env=python_env,
        capture_output=True,
        text=True,
        check=True,
    )
    b = out.stdout.strip()
    ids, newest = changed(store, seq)
    assert ids == [a, b] and newest == Changes(store.db).current() > seq
    store.runs.set_note(a, "later")
    assert changed(store, newest)[0] == [a]


def test_a_long_backlog_comes_in_pages_and_a_future_seq_asks_for_a_reset(store):
    for _ in range(5):
        store.runs.create("exp")
    first = Changes(store.db).since(0, limit=3)
    assert len(first["runs"]) == 3 and first["more"]
    rest = Changes(store.db).since(first["seq"], limit=3)
    assert len(rest["runs"]) == 2 and not rest["more"]
    assert {r["id"] for r in first["runs"]}.isdisjoint(r["id"] for r in rest["runs"])
    future = Changes(store.db).since(rest["seq"] + 10)
    assert future["reset"] and future["runs"] == [] and future["seq"] == rest["seq"]
    with pytest.raises(InvalidValueError, match="since -1"):
        Changes(store.db).since(-1)


def test_a_store_from_before_the_feed_is_upgraded_with_its_runs_numbered(tmp_path):
    import sqlite3

    from nbops.store import Store

    old = Store(tmp_path / ".nbops")
    ids = [old.runs.create("exp") for _ in range(3)]
    old.close()
    conn = sqlite3.connect(tmp_path / ".nbops" / "nbops.db")
    for trigger in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DROP INDEX runs_by_change")
    conn.execute("ALTER TABLE runs DROP COLUMN change_seq")
    conn.execute("DROP TABLE change_counter")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_change_feed'")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    upgraded = Store(tmp_path / ".nbops")
    assert changed(upgraded, 0)[0] == ids
    upgraded.runs.set_note(ids[0], "after the upgrade")
    assert changed(upgraded, 3)[0] == [ids[0]]


def test_the_feed_carries_no_payload_of_deleted_runs(store):
    kept = store.runs.create("exp", params={"secret": "s" * 5000}, tags={"t": "v"})
    gone = store.runs.create("exp", params={"secret": "s" * 5000}, tags={"t": "v"})
    store.metrics.write([(gone, "loss", 0, 0.5, time.time())])
    store.runs.end(gone)
    store.runs.soft_delete(gone)
    runs = {r["id"]: r for r in Changes(store.db).since(0)["runs"]}
    assert runs[gone]["deleted_at"] is not None
    assert (runs[gone]["params"], runs[gone]["metrics"], runs[gone]["tags"]) == ({}, {}, {})
    assert runs[kept]["tags"] == {"t": "v"} and len(runs[kept]["params"]["secret"]) == 1001
    store.runs.soft_delete(gone, deleted=False)  # restored: its payload comes back
    (back,) = [r for r in Changes(store.db).since(0)["runs"] if r["id"] == gone]
    assert back["metrics"] == {"loss": 0.5} and back["tags"] == {"t": "v"}
