"""The read views a handler needs hang off the Store as nouns (``store.series``,
``store.compare``, ``store.changes``, ``store.lineage``, ``store.runs.detail``)."""

import subprocess
import sys
import time

import pytest

from nbops.errors import NotFoundError


@pytest.fixture
def two_runs(store):
    now = time.time()
    a = store.runs.create("churn", params={"lr": 0.1, "depth": 3})
    b = store.runs.create("churn", params={"lr": 0.2, "depth": 3})
    store.metrics.write(
        [(a, "loss", i, 1.0 / (i + 1), now + i) for i in range(50)]
        + [(b, "loss", i, 2.0 / (i + 1), now + i) for i in range(50)]
    )
    return a, b


def test_series_of_a_run_is_downsampled_from_the_store(store, two_runs):
    a, _ = two_runs
    loss = store.series.of_run(a, ["loss"], max_points=10)["metrics"]["loss"]
    assert loss["downsampled"] and len(loss["step"]) == 10 and sum(loss["count"]) == 50
    assert loss["max"][0] == 1.0


def test_compare_marks_the_param_that_differs(store, two_runs):
    a, b = two_runs
    comparison = store.compare.of([a, b])
    differing = {row["key"]: row["differs"] for row in comparison["params"]}
    assert differing == {"lr": True, "depth": False}


def test_changes_since_a_seq_bring_only_what_changed_after_it(store, two_runs):
    a, b = two_runs
    assert store.changes.since(None)["runs"] == []  # without a seq: only the current seq
    first = store.changes.since(0)
    assert {r["id"] for r in first["runs"]} == {a, b}
    store.runs.set_tags(b, {"team": "churn"})
    later = store.changes.since(first["seq"])
    assert [r["id"] for r in later["runs"]] == [b]


def test_lineage_links_a_model_version_to_its_run(store, two_runs):
    a, _ = two_runs
    sha, _ = store.blobs.put_bytes(b"model bytes")
    store.models.add_version("churn", sha, run_id=a)
    (version,) = store.lineage.versions("churn")
    assert version["version"] == 1 and version["run"]["id"] == a


def test_run_detail_gathers_what_the_run_page_shows(store, two_runs):
    a, _ = two_runs
    child = store.runs.create("churn", parent_id=a)
    detail = store.runs.detail(a)
    assert detail["metric_summary"]["loss"]["count"] == 50
    assert detail["child_runs"] == [{"id": child, "name": None, "status": "running"}]
    assert detail["artifacts"] == [] and detail["datasets"] == [] and detail["sync"] is None
    assert set(detail["provenance"]) >= {"python", "packages"}
    with pytest.raises(NotFoundError, match="nope"):
        store.runs.detail("nope")


def test_opening_a_store_imports_none_of_the_views(tmp_path):
    code = (
        "import sys; from nbops.store import open_store; s = open_store(sys.argv[1]); "
        "print(sorted(m for m in sys.modules if m in ('nbops.store.series', 'nbops.store.compare', 'nbops.store.changes', 'nbops.store.lineage')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / ".nbops")], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
