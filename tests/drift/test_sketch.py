"""Windows sketched on a reference merge and subtract exactly, and survive storage."""

import json

import numpy as np
import pytest

import nbops.drift as drift
from nbops.errors import InvalidValueError

RNG = np.random.default_rng(7)


def _table(n, shift=0.0):
    x = RNG.normal(shift, 1, size=n)
    x[RNG.uniform(size=n) < 0.05] = np.nan
    x[:3] = [np.inf, -np.inf, 50.0]
    return {
        "x": x,
        "k": RNG.choice(["a", "b", "c", "d"], size=n).astype(object),
        "d": RNG.integers(0, 6, size=n),
        "b": RNG.uniform(size=n) < 0.4,
    }


def _concat(a, b):
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _assert_same_counts(s1, s2):
    assert s1.rows == s2.rows
    for name, a in s1.columns.items():
        b = s2.columns[name]
        if a.kind == "continuous":
            assert np.array_equal(a.counts, b.counts)
            assert (a.missing, a.posinf, a.neginf, a.below, a.above) == (
                b.missing,
                b.posinf,
                b.neginf,
                b.below,
                b.above,
            )
            assert np.allclose(a.sums, b.sums, rtol=1e-9, atol=1e-9)
            assert a.mean == pytest.approx(b.mean, rel=1e-9, abs=1e-12)
            assert a.m2 == pytest.approx(b.m2, rel=1e-9)
        else:
            assert np.array_equal(a.buckets(), b.buckets())
            assert a.missing == b.missing


def test_merge_equals_sketch_of_union():
    ref = drift.fit_reference(_table(5000))
    a, b = _table(700, 0.3), _table(1100, -0.2)
    a["k"][:5] = "new"  # unseen categories merge too
    merged = ref.sketch(a) + ref.sketch(b)
    _assert_same_counts(merged, ref.sketch(_concat(a, b)))
    assert merged.columns["x"].min == ref.sketch(_concat(a, b)).columns["x"].min


def test_subtract_removes_a_merged_window():
    ref = drift.fit_reference(_table(5000))
    a, b = _table(700, 0.3), _table(1100, -0.2)
    union = ref.sketch(_concat(a, b))
    _assert_same_counts(union - ref.sketch(a), ref.sketch(b))


def test_merged_windows_score_like_one_window():
    ref = drift.fit_reference(_table(5000))
    a, b = _table(800, 0.4), _table(800, 0.4)
    r1 = drift.compare(ref, ref.sketch(a) + ref.sketch(b))
    r2 = drift.compare(ref, _concat(a, b))
    assert r1["x"]["ks"] == pytest.approx(r2["x"]["ks"])
    assert r1["x"]["wasserstein"] == pytest.approx(r2["x"]["wasserstein"])


def test_subtracting_a_window_that_was_not_merged_is_refused():
    ref = drift.fit_reference(_table(2000))
    small, big = ref.sketch(_table(100)), ref.sketch(_table(1000))
    with pytest.raises(InvalidValueError, match="not part of this sketch"):
        small - big


def test_sketches_of_different_references_do_not_merge():
    a = drift.fit_reference(_table(2000))
    b = drift.fit_reference(_table(2000, 1.0))
    with pytest.raises(InvalidValueError, match="different reference"):
        a.sketch(_table(100)) + b.sketch(_table(100))


def test_round_trip_through_strict_json_and_bytes_scores_the_same():
    ref = drift.fit_reference(_table(3000))
    cur = _table(1000, 0.5)
    text = json.dumps(drift.sketch_to_dict(ref), allow_nan=False)  # storable as JSON text
    back = drift.sketch_from_dict(json.loads(text))
    blob = drift.sketch_to_bytes(ref)
    assert isinstance(blob, bytes) and len(blob) < 20_000
    again = drift.sketch_from_bytes(blob)
    expected = drift.compare(ref, cur).features
    assert drift.compare(back, cur).features == expected
    assert drift.compare(again, cur).features == expected


def test_reference_keeps_no_raw_rows():
    data = _table(100_000)
    blob = drift.sketch_to_bytes(drift.fit_reference(data))
    assert len(blob) < 10_000  # ~100 bins per numeric column, a few keys per category


def test_garbage_bytes_are_refused():
    with pytest.raises(InvalidValueError, match="not a drift sketch"):
        drift.sketch_from_bytes(b"hello")
