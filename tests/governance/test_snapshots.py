"""Data versioning: parquet snapshots restored equal, deduplicated; DVC files by reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import nbops
from nbops.errors import InvalidValueError, NotFoundError


def frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame(
        {
            "age": rng.integers(18, 90, 50).astype("int32"),
            "income": rng.normal(50_000, 9_000, 50),
            "plan": pd.Categorical(rng.choice(["basic", "pro"], 50)),
            "joined": pd.date_range("2024-01-01", periods=50, freq="D"),
            "note": [f"row {i}" if i % 7 else None for i in range(50)],
        },
        index=pd.Index([f"c{i}" for i in range(50)], name="customer"),
    )
    return out


def test_load_dataset_restores_an_equal_frame_with_dtypes_and_index(project):
    df = frame()
    with nbops.start_run("snap"):
        nbops.log_dataset(df, "customers", snapshot=True)
    restored = nbops.load_dataset("customers")
    assert_frame_equal(restored, df, check_dtype=True, check_index_type=True)
    assert restored.index.name == "customer"


def test_same_content_is_stored_once_and_versions_are_addressable(project, store):
    first, second = frame(0), frame(1)
    one = nbops.log_dataset(first, "customers", snapshot=True)
    two = nbops.log_dataset(first.copy(), "customers", snapshot=True)
    three = nbops.log_dataset(second, "customers", snapshot=True)
    rows = {d["id"]: d for d in store.datasets.versions("customers")}
    assert rows[one]["snapshot_sha256"] == rows[two]["snapshot_sha256"] != rows[three]["snapshot_sha256"]
    blobs = [p for p in (project / ".nbops" / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 2  # the repeated frame reused the first blob
    assert_frame_equal(nbops.load_dataset("customers"), second)
    assert_frame_equal(nbops.load_dataset("customers", version=one), first)
    assert_frame_equal(nbops.load_dataset("customers", version=rows[one]["digest"][:12]), first)


def test_missing_snapshot_names_the_dataset_and_the_fix(project):
    nbops.log_dataset(frame(), "plain")
    with pytest.raises(
        NotFoundError, match=r"'plain' has no snapshot: log it with nbops.log_dataset\(df, 'plain', snapshot=True\)"
    ):
        nbops.load_dataset("plain")
    with pytest.raises(NotFoundError, match="no dataset named 'nothing'"):
        nbops.load_dataset("nothing")
    with pytest.raises(NotFoundError, match="has no version 999"):
        nbops.load_dataset("plain", version=999)
    with pytest.raises(InvalidValueError, match="snapshots are of pandas DataFrames"):
        nbops.log_dataset([{"a": 1}], "records", snapshot=True)


def test_a_dvc_tracked_file_is_logged_by_its_hash_and_remote_not_copied(project, store):
    (project / ".dvc").mkdir()
    (project / ".dvc" / "config").write_text(
        "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n"
    )
    data = project / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,2\n")
    (data / "train.csv.dvc").write_text(
        "outs:\n- md5: 3f2a1b6c7d8e9f00112233445566778a\n  size: 8\n  hash: md5\n  path: train.csv\n"
    )
    dataset_id = nbops.log_dataset(str(data / "train.csv"), "train-csv")
    row = store.datasets.get(dataset_id)
    assert row["digest"] == "md5:3f2a1b6c7d8e9f00112233445566778a"
    assert row["source"] == {
        "kind": "dvc",
        "md5": "3f2a1b6c7d8e9f00112233445566778a",
        "remote": "storage",
        "path": "train.csv",
        "dvc_file": "train.csv.dvc",
        "size": 8,
    }
    assert row["snapshot_sha256"] is None
    assert not (project / ".nbops" / "blobs").exists() or not any((project / ".nbops" / "blobs").rglob("*"))
    with pytest.raises(NotFoundError, match=r"tracked by DVC .*remote 'storage'.*dvc pull train.csv.dvc"):
        nbops.load_dataset("train-csv")


def test_an_output_remote_in_the_dvc_file_wins_and_a_bad_dvc_file_is_named(project, store):
    (project / "x.parquet").write_bytes(b"PAR1")
    (project / "x.parquet.dvc").write_text("outs:\n- md5: abc123\n  path: x.parquet\n  remote: archive\n")
    row = store.datasets.get(nbops.log_dataset(project / "x.parquet", "x"))
    assert row["source"]["remote"] == "archive"
    (project / "y.csv").write_text("a\n")
    (project / "y.csv.dvc").write_text("outs:\n- path: y.csv\n")
    with pytest.raises(InvalidValueError, match=r"y.csv.dvc does not describe y.csv with an md5"):
        nbops.log_dataset(str(project / "y.csv"), "y")


def test_a_path_dvc_does_not_track_is_refused_with_the_fix(project):
    (project / "plain.csv").write_text("a\n1\n")
    with pytest.raises(InvalidValueError, match=r"path '.*plain.csv', which no .dvc file beside it tracks"):
        nbops.log_dataset(str(project / "plain.csv"), "plain")
