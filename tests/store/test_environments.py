"""A run's package list is stored once per environment (migration 0014_environments), and
every reader of provenance still gets the list back."""

import json

from nbops.store import Store
from tests.old_store import store_before

NUMPY = [{"name": "numpy", "version": "2.4.6"}]
BOTH = [*NUMPY, {"name": "scikit-learn", "version": "1.9.1"}]


def test_runs_of_one_environment_share_one_stored_package_list(store):
    first, second, other = (store.runs.create("exp") for _ in range(3))
    store.provenance.update(first, python="3.11.2", packages=BOTH)
    store.provenance.update(second, packages=json.dumps(BOTH))  # the JSON text is the same list
    store.provenance.update(other, packages=NUMPY)
    assert store.provenance.get(first) == {"python": "3.11.2", "packages": BOTH, "git_diff": None, "cells": None}
    assert store.provenance.get(second)["packages"] == BOTH
    assert store.runs.detail(other)["provenance"]["packages"] == NUMPY
    assert store.db.connection().execute("SELECT COUNT(*) FROM environments").fetchone()[0] == 2


def test_a_store_from_before_environments_keeps_every_runs_package_list(tmp_path):
    conn = store_before(tmp_path, "0014_environments")
    conn.execute("INSERT INTO experiments (id, name, created_at) VALUES (1, 'exp', 1.0)")
    rows = {"a": json.dumps(BOTH), "b": json.dumps(BOTH), "c": json.dumps(NUMPY), "d": None}
    for run_id, packages in rows.items():
        conn.execute(
            "INSERT INTO runs (id, experiment_id, status, start_time) VALUES (?, 1, 'finished', 1.0)", (run_id,)
        )
        conn.execute(
            "INSERT INTO provenance (run_id, python, packages, git_diff, cells) VALUES (?, '3.11.2', ?, 'diff', '[]')",
            (run_id, packages),
        )
    conn.close()
    store = Store(tmp_path / ".nbops")
    for run_id, packages in rows.items():
        assert store.provenance.get(run_id) == {
            "python": "3.11.2",
            "packages": None if packages is None else json.loads(packages),
            "git_diff": "diff",
            "cells": [],
        }
    assert store.db.connection().execute("SELECT COUNT(*) FROM environments").fetchone()[0] == 2
    store.close()
