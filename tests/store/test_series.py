import time

import pytest

from nbops.errors import InvalidValueError, NotFoundError
from nbops.store.series import Series, parse_keys


def log(store, run_id, key, values, start=0):
    now = time.time()
    store.metrics.write([(run_id, key, start + i, v, now + i) for i, v in enumerate(values)])


def test_a_spike_survives_downsampling_as_the_bucket_max(store):
    run_id = store.runs.create("exp")
    values = [0.5] * 100_000
    values[71_234] = 9.0
    log(store, run_id, "loss", values)
    series = Series(store.db).of_run(run_id, ["loss"], max_points=1000)["metrics"]["loss"]
    assert series["downsampled"] and len(series["step"]) == 1000 and series["bucket_width"] == 100
    assert max(series["max"]) == 9.0 and min(series["min"]) == 0.5
    spiked = series["max"].index(9.0)
    assert series["step"][spiked] <= 71_234 < series["step"][spiked] + 100
    assert series["value"][spiked] == pytest.approx(0.5 + 8.5 / 100)  # the mean hides it, the max does not
    assert sum(series["count"]) == 100_000


def test_short_series_come_back_point_for_point_with_times(store):
    run_id = store.runs.create("exp")
    start = store.runs.get(run_id)["start_time"]
    log(store, run_id, "acc", [0.1, 0.2, float("nan"), 0.4], start=5)
    series = Series(store.db).of_run(run_id, max_points=1000)["metrics"]["acc"]
    assert series["step"] == [5, 6, 7, 8] and not series["downsampled"]
    assert series["value"] == series["last"] == [0.1, 0.2, None, 0.4]
    assert series["relative_time"][0] == pytest.approx(series["wall_time"][0] - start)
    assert series["wall_time"][3] - series["wall_time"][0] == pytest.approx(3)


def test_last_value_and_first_step_of_each_bucket(store):
    run_id = store.runs.create("exp")
    log(store, run_id, "x", list(range(10)))
    series = Series(store.db).of_run(run_id, ["x"], max_points=4)["metrics"]["x"]
    # 10 steps in at most 4 buckets of width 3: [0-2] [3-5] [6-8] [9]
    assert series["step"] == [0, 3, 6, 9]
    assert series["last"] == [2, 5, 8, 9] and series["value"] == [1, 4, 7, 9]


def test_sparse_steps_are_not_padded(store):
    run_id = store.runs.create("exp")
    now = time.time()
    store.metrics.write([(run_id, "val", step, 1.0, now) for step in (0, 50_000, 99_999)])
    series = Series(store.db).of_run(run_id, ["val"], max_points=100)["metrics"]["val"]
    assert series["step"] == [0, 50_000, 99_999]


def test_unknown_keys_are_listed_and_unknown_runs_refused(store):
    run_id = store.runs.create("exp")
    log(store, run_id, "loss", [1.0])
    answer = Series(store.db).of_run(run_id, ["loss", "nope"])
    assert list(answer["metrics"]) == ["loss"] and answer["missing_keys"] == ["nope"]
    with pytest.raises(NotFoundError, match="'ghost'"):
        Series(store.db).of_run("ghost")


@pytest.mark.parametrize("points", [0, 1, 10_001, True])
def test_max_points_is_bounded(store, points):
    run_id = store.runs.create("exp")
    with pytest.raises(InvalidValueError, match="max_points"):
        Series(store.db).of_run(run_id, max_points=points)


def test_keys_parse_and_are_limited():
    assert parse_keys(" loss, acc ,loss,") == ["loss", "acc"]
    assert parse_keys("") is None
    with pytest.raises(InvalidValueError, match="at most 100"):
        parse_keys(",".join(f"k{i}" for i in range(101)))


def test_buckets_are_read_through_the_primary_key_never_a_table_scan(store):
    from nbops.store.series import _BUCKETS

    plan = [
        r[-1]
        for r in store.db.connection().execute(
            "EXPLAIN QUERY PLAN " + _BUCKETS, {"run": "r", "key": "k", "low": 0, "width": 1}
        )
    ]
    assert "SEARCH metrics USING PRIMARY KEY (run_id=? AND key=?)" in plan
    assert not [step for step in plan if step.startswith("SCAN") and step != "SCAN b"], plan
