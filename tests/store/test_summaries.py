"""The cached run summary never serves stale params, metrics or tags."""

from __future__ import annotations

import math


def _summary(store, run_id):
    return store.db.connection().execute("SELECT summary FROM runs WHERE id = ?", (run_id,)).fetchone()[0]


def _finished_run(store, params=None, metrics=None, tags=None):
    run_id = store.runs.create("exp", params=params or {"lr": 0.1}, tags=tags or {"team": "a"})
    store.metrics.write([(run_id, k, 0, v, 1.0) for k, v in (metrics or {"auc": 0.9}).items()])
    store.runs.end(run_id)
    return run_id


def test_a_finished_run_is_listed_from_its_cached_summary(store):
    run_id = _finished_run(store)
    assert _summary(store, run_id) is not None
    (run,) = store.runs.search("exp").runs
    assert (run["params"], run["metrics"], run["tags"]) == ({"lr": "0.1"}, {"auc": 0.9}, {"team": "a"})
    assert store.runs.get(run_id)["metrics"] == {"auc": 0.9}


def test_editing_a_finished_run_drops_its_summary_and_shows_the_edit(store):
    run_id = _finished_run(store)
    store.runs.set_tags(run_id, {"team": "b"})
    assert _summary(store, run_id) is None
    assert store.runs.get(run_id)["tags"] == {"team": "b"}
    store.runs.delete_tag(run_id, "team")
    store.runs.log_params(run_id, {"lr": 0.2})
    store.metrics.write([(run_id, "auc", 1, 0.95, 2.0)])
    run = store.runs.search("exp").runs[0]
    assert (run["params"], run["metrics"], run["tags"]) == ({"lr": "0.2"}, {"auc": 0.95}, {})


def test_a_child_write_after_the_run_row_changed_in_the_same_transaction_drops_the_summary(store):
    run_id = _finished_run(store)
    with store.db.transaction() as conn:
        conn.execute("UPDATE runs SET name = 'renamed' WHERE id = ?", (run_id,))
        conn.execute("INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, 'team', 'c')", (run_id,))
    assert store.runs.get(run_id)["tags"] == {"team": "c"}


def test_non_finite_latest_metrics_come_back_as_floats(store):
    run_id = _finished_run(store, metrics={"loss": float("nan"), "up": float("inf"), "down": float("-inf")})
    assert _summary(store, run_id) is None
    metrics = store.runs.search("exp").runs[0]["metrics"]
    assert math.isnan(metrics["loss"]) and metrics["up"] == math.inf and metrics["down"] == -math.inf


def test_listed_metrics_are_the_logged_doubles_to_the_last_bit(store):
    values = {"a": 0.7954325675964355, "b": 0.1, "c": 1 / 3, "d": -2.5e-7, "e": 1e-300, "f": 5.0}
    finished = _finished_run(store, metrics=values)
    running = store.runs.create("exp")
    store.metrics.write([(running, k, 0, v, 1.0) for k, v in values.items()])
    for run in store.runs.search("exp").runs:  # the cached summary and the one assembled live
        assert run["metrics"] == values, run["id"]
    assert store.runs.get(finished)["metrics"] == values


def test_running_and_finished_runs_mix_on_one_page(store):
    done = _finished_run(store, params={"k": "done"})
    live = store.runs.create("exp", params={"k": "live"})
    store.metrics.write([(live, "auc", 0, 0.5, 1.0)])
    runs = {r["id"]: r for r in store.runs.search("exp", order_by="metrics.auc").runs}
    assert runs[done]["params"] == {"k": "done"} and runs[live]["params"] == {"k": "live"}
    assert runs[live]["metrics"] == {"auc": 0.5}


def test_upgrading_a_store_caches_the_summaries_of_its_ended_runs(tmp_path):
    import sqlite3

    from nbops.store import Store
    from nbops.store.migrations import _CHANGE_TRIGGERS

    old = Store(tmp_path / ".nbops")
    done = _finished_run(old)
    live = old.runs.create("exp", params={"k": "live"})
    old.close()
    conn = sqlite3.connect(tmp_path / ".nbops" / "nbops.db")
    for name, event, run in _CHANGE_TRIGGERS:  # back to the triggers of migration 0003
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(
            f"CREATE TRIGGER {name} {event} WHEN (SELECT change_seq FROM runs WHERE id = {run}) < "
            "(SELECT seq FROM change_counter WHERE id = 1) BEGIN UPDATE runs SET change_seq = "
            f"(SELECT seq FROM change_counter WHERE id = 1) WHERE id = {run}; END"
        )
    conn.execute("ALTER TABLE runs DROP COLUMN summary")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0004_run_summaries'")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    upgraded = Store(tmp_path / ".nbops")
    assert _summary(upgraded, done) is not None and _summary(upgraded, live) is None
    upgraded.runs.set_tags(done, {"team": "z"})
    assert upgraded.runs.get(done)["tags"] == {"team": "z"}


def test_listings_cut_long_values_and_the_run_by_id_carries_them_in_full(store):
    from nbops.store.changes import Changes
    from nbops.store.summaries import MAX_LISTED_VALUE

    big = "x" * 10_000_000  # a 10 MB param once went out whole with every page and change
    ended = store.runs.create("exp", name="n" * 5000, params={"big": big, "small": "ok"}, tags={"long": "t" * 2000})
    store.runs.set_note(ended, "note " * 1000)
    store.runs.end(ended)
    running = store.runs.create("exp", params={"big": big})
    cut = "x" * MAX_LISTED_VALUE + "…"
    listed = {r["id"]: r for r in store.runs.search("exp").runs}
    fed = {r["id"]: r for r in Changes(store.db).since(0)["runs"]}
    for runs in (listed, fed):
        assert runs[ended]["params"] == {"big": cut, "small": "ok"} and runs[running]["params"] == {"big": cut}
        assert runs[ended]["tags"] == {"long": "t" * MAX_LISTED_VALUE + "…"}
        assert runs[ended]["name"] == "n" * MAX_LISTED_VALUE + "…" and len(runs[ended]["note"]) == MAX_LISTED_VALUE + 1
    assert len(_summary(store, ended)) < 5_000
    full = store.runs.get(ended)
    assert full["params"]["big"] == big and full["tags"]["long"] == "t" * 2000
    assert full["name"] == "n" * 5000 and full["note"] == "note " * 1000
    assert store.runs.get(running)["params"]["big"] == big


def test_a_value_of_exactly_the_cap_is_listed_whole(store):
    from nbops.store.summaries import MAX_LISTED_VALUE

    run_id = _finished_run(store, params={"edge": "e" * MAX_LISTED_VALUE})
    assert store.runs.search("exp").runs[0]["params"]["edge"] == "e" * MAX_LISTED_VALUE
    assert store.runs.get(run_id)["params"]["edge"] == "e" * MAX_LISTED_VALUE


def test_migration_5_cuts_the_long_values_of_older_summaries(store):
    from nbops.store.migrations import m0005_listed_summaries
    from nbops.store.summaries import MAX_LISTED_VALUE

    run_id = _finished_run(store, params={"big": "y" * 5000})
    old = '[{"big": "' + "y" * 5000 + '"}, {"auc": 0.9}, {"team": "a"}]'  # as nbops 4 stored it
    store.db.connection().execute("UPDATE runs SET summary = ? WHERE id = ?", (old, run_id))
    from sqlite_utils import Database

    with store.db.transaction() as conn:
        m0005_listed_summaries(Database(conn))
    assert store.runs.search("exp").runs[0]["params"]["big"] == "y" * MAX_LISTED_VALUE + "…"
    assert _summary(store, run_id) is not None
