"""Sync state in the store: targets without credentials, marks, and the change feed."""

import pytest

from nbops.store.changes import Changes
from nbops.store.sync import clean_target


@pytest.mark.parametrize(
    "uri, target",
    [
        ("http://alice:s3cret@mlflow.example:5000/", "http://mlflow.example:5000"),
        ("https://token@mlflow.example/base/?x=1#y", "https://mlflow.example/base"),
        (" http://127.0.0.1:5000 ", "http://127.0.0.1:5000"),
    ],
)
def test_a_target_is_the_uri_without_credentials(uri, target):
    assert clean_target(uri) == target


def test_marks_advance_per_kind_and_key_and_a_state_change_reaches_the_change_feed(store):
    run_id = store.runs.create("sync")
    seq = Changes(store.db).current()
    store.sync.advance("http://m", run_id, "metric", {"loss": 999, "acc": 10})
    store.sync.advance("http://m", run_id, "metric", {"loss": 1999})
    assert store.sync.marks("http://m", run_id) == {"metric": {"loss": 1999, "acc": 10}}
    assert store.sync.marks("http://other", run_id) == {}
    assert Changes(store.db).since(seq)["runs"] == []  # marks alone do not stamp the run
    store.sync.record("http://m", run_id, "pushed", remote_id="abc")
    assert [r["id"] for r in Changes(store.db).since(seq)["runs"]] == [run_id]
    assert store.sync.remote("http://m", run_id)["remote_id"] == "abc"
    assert store.sync.local_id("http://m", "abc") == run_id
    store.sync.record("http://m", run_id, "failed", error="boom")  # keeps the known remote id
    assert store.sync.states([run_id])[run_id] | {"updated_at": 0} == {
        "state": "failed",
        "target": "http://m",
        "error": "boom",
        "updated_at": 0,
        "remote_id": "abc",
    }
