"""Read-side queries of the Drift monitor: subjects, series over windows, markers, alerts."""

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.drift import monitor
from nbops.drift.rules import rule_from_json
from nbops.errors import InvalidValueError, NotFoundError

RNG = np.random.default_rng(3)


def frame(n, shift=0.0):
    return pd.DataFrame({"x": RNG.normal(shift, 1, n), "c": RNG.choice(["a", "b"], n)})


def test_a_dataset_model_version_trained_on_it_is_a_marker_on_the_dataset_timeline(store):
    with nbops.start_run("e", capture_provenance=False):
        nbops.log_dataset(frame(1000), "train", role="train")
        nbops.register_model("m", {"w": 1}, alias="production")
    nbops.check_drift("train", frame(300), window="A", store=store)
    markers = monitor.windows(store, "train")["model_versions"]
    assert [(m["model"], m["version"], m["aliases"]) for m in markers] == [("m", 1, ["production"])]


def test_a_dataset_relogged_without_reference_keeps_the_earlier_reference(store):
    nbops.log_dataset(frame(1000), "events")
    store.datasets.add(None, "events", "train", "digest", 10, 1, None)  # e.g. data drift cannot sketch
    item = monitor.subject(store, "events")
    assert item["rows"] == 1000 and item["features"] == 2


def test_windows_align_every_series_with_the_windows(store):
    nbops.log_dataset(frame(2000), "d")
    for i, shift in enumerate([0.0, 0.0, 1.0]):
        nbops.check_drift("d", frame(500, shift), window=f"w{i}", store=store)
    body = monitor.windows(store, "d", limit=2)
    assert [w["window"] for w in body["windows"]] == ["w1", "w2"]
    x = next(f for f in body["features"] if f["feature"] == "x")
    assert x["tier"] == ["ok", "drift"] and all(len(v) == 2 for v in x["values"].values())
    assert x["values"]["effect"] == pytest.approx(x["values"]["wasserstein"])


def test_thresholds_follow_the_policy_of_the_last_window():
    assert monitor.thresholds("default", 5000)["jensen_shannon"] == {"warn": 0.05, "drift": 0.1}
    assert monitor.thresholds("evidently", 5000) == {
        "wasserstein": {"warn": 0.1, "drift": 0.1},
        "jensen_shannon_e": {"warn": 0.1, "drift": 0.1},
    }
    assert monitor.thresholds("my-own", 10)["wasserstein"]["drift"] == 0.1  # unknown name: the defaults


def test_unknown_subject_names_the_known_ones(store):
    nbops.log_dataset(frame(100), "known")
    with pytest.raises(NotFoundError, match=r"known subjects are \['known'\]"):
        monitor.windows(store, "unknown")


def test_alert_feed_counts_unseen_and_pages_by_id(store):
    nbops.log_dataset(frame(2000), "d")
    for i in range(3):
        nbops.check_drift("d", frame(500, 2.0), window=f"w{i}", store=store)
    feed = monitor.alert_feed(store, unseen_only=True)
    assert feed["unseen"] == 3 and [a["window"] for a in feed["alerts"]] == ["w2", "w1", "w0"]
    assert [a["window"] for a in monitor.alert_feed(store, after=feed["alerts"][1]["id"])["alerts"]] == ["w2"]
    with pytest.raises(InvalidValueError, match="limit=0"):
        monitor.alert_feed(store, limit=0)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"statistic": "psi", "threshold": float("nan")}, "threshold nan is not valid"),
        ({"statistic": "psi", "threshold": True}, "threshold True is not valid"),
        ({"statistic": "psi", "threshold": -1}, "threshold -1 is not valid: use a finite number above 0"),
        ({"statistic": "psi", "threshold": 0}, "threshold 0 is not valid"),
        ({"statistic": "psi", "threshold": 1, "consecutive": 1.5}, "consecutive 1.5"),
        ({"statistic": "psi", "threshold": 1, "features": []}, "features [] is not valid"),
        ({"statistic": "psi", "threshold": 1, "name": "\ud800"}, "name '\\ud800' is not valid"),
    ],
)
def test_rule_json_is_checked_field_by_field(body, fragment):
    with pytest.raises(InvalidValueError) as caught:
        rule_from_json(body)
    assert fragment in caught.value.message


def test_a_valid_rule_json_becomes_an_alert_rule():
    rule = rule_from_json({"statistic": "psi", "threshold": 0.2, "consecutive": 2.0, "features": ["x"], "name": " p "})
    assert (rule.statistic, rule.threshold, rule.consecutive, rule.cooldown, rule.features, rule.label) == (
        "psi",
        0.2,
        2,
        0,
        ("x",),
        "p",
    )
