"""Drift benchmark: nbops vs Evidently's DataDriftPreset on the same synthetic data.

    python tests/benchmarks/bench_drift.py [--rows 1000000] [--runs 3] [--evidently-runs 1]

Reference and current: ``rows`` x 20 columns (15 numeric N(0, 1), 5 categorical with 10
levels). In current: num_00 +0.5, num_01 +0.2, num_02 x1.5 scale, num_03 +0.05 (too small
to matter), num_04 +1.0. nbops must fit + check in <= 3 s and flag exactly num_00, num_01,
num_02 and num_04.

Each engine runs in its own subprocess so peak memory is its own. Evidently runs when it
imports in this interpreter or in ``.venv-bench`` at the repository root (Evidently 0.7
needs pandas < 3, so it usually lives in that separate environment). Both engines then run
in that same interpreter, on the same pandas and numpy, each after the same warm-up call on
1,000 rows; peak RSS above the data is measured the same way for both.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ["num_00", "num_01", "num_02", "num_04"]
WARM_UP_ROWS = 1000
SHIFTS = {"num_00": (0.5, 1.0), "num_01": (0.2, 1.0), "num_02": (0.0, 1.5), "num_03": (0.05, 1.0), "num_04": (1.0, 1.0)}


def make_frames(rows: int, seed: int = 7):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    levels = np.array([f"level_{i}" for i in range(10)], dtype=object)
    weights = np.arange(1, 11) / 55.0

    def frame(shifted: bool):
        cols = {}
        for i in range(15):
            name = f"num_{i:02d}"
            shift, scale = SHIFTS.get(name, (0.0, 1.0)) if shifted else (0.0, 1.0)
            cols[name] = rng.standard_normal(rows) * scale + shift
        for i in range(5):
            cols[f"cat_{i:02d}"] = levels[rng.choice(10, size=rows, p=weights)]
        return pd.DataFrame(cols)

    return frame(False), frame(True)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class _PeakAboveData:
    """Peak resident memory above what the process held on entry (the data), sampled every
    2 ms: ru_maxrss cannot tell once building the frames peaked higher than the run."""

    def __enter__(self):
        import threading

        self.base = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())
        self.above_mb = self.peak - self.base


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_nbops(rows: int, runs: int) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    import nbops.drift as drift

    ref, cur = make_frames(rows)
    drift.compare(ref.head(WARM_UP_ROWS), cur.head(WARM_UP_ROWS))  # imports and first-call costs out of the timing

    def once():
        t0 = time.perf_counter()
        reference = drift.fit_reference(ref)
        t1 = time.perf_counter()
        report = drift.compare(reference, cur)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, report

    with _PeakAboveData() as memory:
        fit_s, check_s, report = once()
    rss_peak = memory.above_mb
    times = [(fit_s, check_s)] + [once()[:2] for _ in range(runs - 1)]
    tracemalloc.start()
    once()
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    totals = [a + b for a, b in times]
    return {
        "engine": "nbops",
        "seconds": statistics.median(totals),
        "all_seconds": totals,
        "fit_seconds": statistics.median(a for a, _ in times),
        "check_seconds": statistics.median(b for _, b in times),
        "peak_traced_mb": traced,
        "peak_rss_above_data_mb": rss_peak,
        "process_peak_rss_mb": _maxrss_mb(),
        "flagged": sorted(report.summary["drifted"]),
        "dataset_drift": report.summary["dataset_drift"],
        "pandas": _pandas_version(),
        "evidently_policy_flagged": sorted(
            drift.compare(drift.fit_reference(ref), cur, policy="evidently").summary["drifted"]
        ),
    }


def child_evidently(rows: int, runs: int) -> dict:
    import evidently
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref, cur = make_frames(rows)
    Report([DataDriftPreset()]).run(cur.head(WARM_UP_ROWS), ref.head(WARM_UP_ROWS))  # the same warm-up as nbops
    totals, flagged = [], []
    with _PeakAboveData() as memory:  # the first run, as for nbops
        t0 = time.perf_counter()
        snapshot = Report([DataDriftPreset()]).run(cur, ref)
        totals.append(time.perf_counter() - t0)
    rss_peak = memory.above_mb
    for _ in range(runs - 1):
        t0 = time.perf_counter()
        snapshot = Report([DataDriftPreset()]).run(cur, ref)
        totals.append(time.perf_counter() - t0)
    for metric in snapshot.dict()["metrics"]:
        cfg = metric.get("config", {})
        if cfg.get("type", "").endswith("ValueDrift"):
            value, threshold = metric["value"], cfg["threshold"]
            is_p = "p_value" in cfg.get("method", "")
            if (value < threshold) if is_p else (value >= threshold):
                flagged.append(cfg["column"])
    return {
        "engine": f"evidently {evidently.__version__}",
        "seconds": statistics.median(totals),
        "all_seconds": totals,
        "peak_rss_above_data_mb": rss_peak,
        "process_peak_rss_mb": _maxrss_mb(),
        "flagged": sorted(flagged),
        "pandas": _pandas_version(),
    }


def _pandas_version() -> str:
    import pandas

    return pandas.__version__


def run_child(python: str, engine: str, rows: int, runs: int) -> dict | None:
    cmd = [python, str(Path(__file__).resolve()), "--child", engine, "--rows", str(rows), "--runs", str(runs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"{engine} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def evidently_python() -> str | None:
    for python in (sys.executable, str(ROOT / ".venv-bench" / "bin" / "python")):
        if (
            Path(python).exists()
            and subprocess.run([python, "-c", "import evidently.presets"], capture_output=True).returncode == 0
        ):
            return python
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--evidently-runs", type=int, default=1)
    parser.add_argument("--no-evidently", action="store_true")
    parser.add_argument("--child", choices=["nbops", "evidently"])
    args = parser.parse_args()
    if args.child:
        fn = child_nbops if args.child == "nbops" else child_evidently
        print(json.dumps(fn(args.rows, args.runs)))
        return 0

    # One interpreter for both engines (Evidently's, when it lives elsewhere): same pandas, same numpy
    python = None if args.no_evidently else evidently_python()
    print(
        f"drift benchmark: {args.rows:,} rows x 20 columns, reference and current; "
        f"{time.strftime('%Y-%m-%d')}; interpreter {python or sys.executable}"
    )
    ours = run_child(python or sys.executable, "nbops", args.rows, args.runs)
    if ours is None:
        return 1
    ok = ours["flagged"] == EXPECTED and ours["seconds"] <= 3.0
    print(
        f"nbops     : median {ours['seconds']:.2f} s of {args.runs} (fit {ours['fit_seconds']:.2f} s + "
        f"check {ours['check_seconds']:.2f} s; runs {', '.join(f'{s:.2f}' for s in ours['all_seconds'])}), "
        f"peak traced {ours['peak_traced_mb']:.0f} MB, peak RSS above data "
        f"{_mb(ours['peak_rss_above_data_mb'])}, process peak RSS with data {ours['process_peak_rss_mb']:.0f} MB, "
        f"flagged {ours['flagged']}"
    )
    print(f"            evidently policy flags {ours['evidently_policy_flagged']}; pandas {ours['pandas']}")
    if python is None:
        print("evidently : not installed here nor in .venv-bench; skipped")
    else:
        theirs = run_child(python, "evidently", args.rows, args.evidently_runs)
        if theirs:
            print(
                f"{theirs['engine']}: median {theirs['seconds']:.1f} s of {args.evidently_runs}, "
                f"peak RSS above data {_mb(theirs['peak_rss_above_data_mb'])}, process peak RSS with data "
                f"{theirs['process_peak_rss_mb']:.0f} MB, flagged {theirs['flagged']}; pandas {theirs['pandas']}"
            )
            print(
                f"ratio     : nbops is {theirs['seconds'] / ours['seconds']:.0f}x faster; "
                f"same verdicts: {theirs['flagged'] == ours['flagged']}"
            )
    print("PASS" if ok else f"FAIL: expected {EXPECTED} within 3 s")
    return 0 if ok else 1


def _mb(x) -> str:
    return "n/a (below the data's own peak)" if x is None else f"{x:.0f} MB"


if __name__ == "__main__":
    sys.exit(main())
