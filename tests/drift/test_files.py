"""`nbops drift check` reads CSV and parquet in chunks; the merged sketch equals the whole table's."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.drift import monitor
from nbops.drift.files import chunks, expand, sketch_files
from nbops.drift.persistence import load_reference, resolve
from nbops.errors import InvalidValueError

RNG = np.random.default_rng(17)


def frame(n, shift=0.0):
    return pd.DataFrame(
        {
            "age": RNG.normal(40 + 10 * shift, 10, n),
            "spend": RNG.gamma(2.0, 50.0, n),
            "plan": RNG.choice(["basic", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
        }
    )


def cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "nbops.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_chunked_files_give_exactly_the_sketch_of_the_whole_table(store, tmp_path):
    nbops.log_dataset(frame(5000), "customers")
    reference = load_reference(store, resolve(store, "customers")["dataset_id"])
    current = frame(30_000, 1.0)
    current.iloc[:12_000].to_csv(tmp_path / "a.csv", index=False)
    current.iloc[12_000:].to_parquet(tmp_path / "b.parquet", row_group_size=5_000)
    paths = expand(str(tmp_path / "*.*"))
    assert [p.name for p in paths] == ["a.csv", "b.parquet"]
    assert max(len(c) for c in chunks(paths, 4_000)) == 4_000
    merged = sketch_files(reference, paths, chunk_rows=4_000)
    whole = reference.sketch(current)
    assert merged.rows == 30_000
    assert nbops.drift.compare(reference, merged).features == nbops.drift.compare(reference, whole).features


def test_the_cli_checks_a_window_stores_it_and_can_fail_on_drift(store, tmp_path, python_env):
    nbops.log_dataset(frame(5000), "customers")
    for i in range(3):
        frame(4000, 1.0 if i else 0.0).to_parquet(tmp_path / f"part-{i}.parquet")
    result = cli(
        python_env,
        "drift",
        "check",
        "--reference",
        "customers",
        "--current",
        str(tmp_path / "part-*.parquet"),
        "--window",
        "2024-W19",
        "--chunk-rows",
        "1500",
        "--json",
        "--fail-on-drift",
    )
    assert result.returncode == 3, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows_current"] == 12_000 and summary["files"] == 3
    assert summary["drifted"] == ["age"] and summary["window"] == "2024-W19"
    # Re-running the scheduled job replaces the window
    again = cli(
        python_env,
        "drift",
        "check",
        "--reference",
        "customers",
        "--current",
        str(tmp_path / "part-0.parquet"),
        "--window",
        "2024-W19",
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("customers window 2024-W19: 4,000 rows from 1 file(s), 0 of 3 features drifted")
    assert [w["rows"] for w in monitor.windows(store, "customers")["windows"]] == [4000]


def test_bad_arguments_are_one_line_errors(python_env, tmp_path, store):
    nbops.log_dataset(frame(500), "customers")
    missing = cli(
        python_env, "drift", "check", "--reference", "customers", "--current", str(tmp_path / "*.csv"), "--window", "W1"
    )
    assert missing.returncode == 2
    assert (
        missing.stderr.strip()
        == f"nbops drift: --current {str(tmp_path / '*.csv')!r} matches no file: give a CSV or parquet path or a glob"
    )
    (tmp_path / "x.json").write_text("{}")
    wrong = cli(
        python_env,
        "drift",
        "check",
        "--reference",
        "customers",
        "--current",
        str(tmp_path / "x.json"),
        "--window",
        "W1",
    )
    assert wrong.returncode == 2 and "use .csv or .parquet files" in wrong.stderr
    nobody = cli(
        python_env, "drift", "check", "--reference", "nobody", "--current", str(tmp_path / "x.json"), "--window", "W1"
    )
    assert nobody.returncode == 2


def test_expand_refuses_a_pattern_that_matches_nothing(tmp_path):
    with pytest.raises(InvalidValueError, match="matches no file"):
        expand(str(tmp_path / "nothing-*.parquet"))
