"""Benchmark: CBPE and DLE, nbops against NannyML 0.13.1 on the same data.

    python tests/benchmarks/bench_performance_estimation.py [--method cbpe|dle|both] [--rows N] [--runs 3]

NannyML needs pandas < 3 and statsmodels, so it lives in its own virtualenv, created on
first use under ``~/.cache/nbops-bench/nannyml`` (never in CI). For each method the parent
writes one data file; each engine runs in a fresh process, interleaved (nbops, NannyML,
nbops, NannyML...), timing fit + estimate (wall and CPU time). Reported: each engine's estimates, NannyML's
band, whether nbops's estimate is inside it, the realized values, median times and the ratio.

- CBPE (default 1,000,000 analysis rows): scores, predictions and labels of a logistic
  model on a covariate-shifted case.
- DLE (default 500,000 analysis rows): a fitted scikit-learn regressor whose errors grow
  away from the centre of x1, covariate-shifted analysis rows (x1's mean moves by 1 sd),
  metrics MAE and RMSE. Fewer rows than CBPE: both engines fit gradient-boosted loss models
  on the reference and predict every analysis row with them, seconds per 100k rows where
  CBPE needs milliseconds, and 500,000 rows keep five interleaved runs of each within minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

NANNYML_ENV = Path(os.environ.get("NBOPS_BENCH_CACHE", Path.home() / ".cache" / "nbops-bench")) / "nannyml"
NANNYML_PACKAGES = ["nannyml==0.13.1", "statsmodels", "pandas<3", "scikit-learn", "pyarrow"]
METRICS = {"cbpe": ("accuracy", "f1", "roc_auc"), "dle": ("mae", "rmse")}
DEFAULT_ROWS = {"cbpe": 1_000_000, "dle": 500_000}


def make_cbpe_data(path: Path, rows: int, reference_rows: int, seed: int = 7) -> dict:
    """Scores of a logistic model; the analysis rows are covariate-shifted, labels from the same P(y|x)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    rng = np.random.default_rng(seed)

    def draw(n, shift):
        x = rng.normal(0, 1, (n, 4)) + np.array([shift, -shift / 2, 0, 0])
        logit = 1.6 * x[:, 0] - 1.1 * x[:, 1] + 0.5 * x[:, 2] + 0.6 * np.sin(2 * x[:, 0])
        return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)

    model = LogisticRegression().fit(*draw(50_000, 0.0))
    out = {}
    for period, n, shift in (("reference", reference_rows, 0.0), ("analysis", rows, 0.7)):
        x, y = draw(n, shift)
        proba = model.predict_proba(x)[:, 1]
        out[period] = {"y_pred_proba": proba, "y_pred": (proba >= 0.5).astype(np.int64), "y_true": y}
    np.savez(path, **{f"{p}_{k}": v for p, cols in out.items() for k, v in cols.items()})
    a = out["analysis"]
    return {
        "accuracy": accuracy_score(a["y_true"], a["y_pred"]),
        "f1": f1_score(a["y_true"], a["y_pred"]),
        "roc_auc": roc_auc_score(a["y_true"], a["y_pred_proba"]),
    }


CHILD_NBOPS_CBPE = r"""
import json, sys, time
import numpy as np
data = np.load(sys.argv[1])
t0 = time.perf_counter()
from nbops.drift import estimate_performance
import scipy.optimize  # what CBPE imports on first use: outside the timing, as NannyML's imports

class Scores:  # the model's scores are its input here, as NannyML receives scores
    classes_ = np.array([0, 1])
    def predict_proba(self, X):
        return np.column_stack([1 - X, X])
    def predict(self, X):
        return (X >= 0.5).astype(np.int64)

ref_X, cur_X = data["reference_y_pred_proba"], data["analysis_y_pred_proba"]
t1, c1 = time.perf_counter(), time.process_time()
result = estimate_performance(Scores(), ref_X, data["reference_y_true"], cur_X)
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"seconds": t2 - t1, "cpu_seconds": c2 - c1, "import_seconds": t1 - t0, "metrics": result}))
"""

CHILD_NANNYML_CBPE = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
data = np.load(sys.argv[1])
t0 = time.perf_counter()
import nannyml as nml
import pandas as pd
frames = {p: pd.DataFrame({k: data[f"{p}_{k}"] for k in ("y_pred_proba", "y_pred", "y_true")})
          for p in ("reference", "analysis")}
t1, c1 = time.perf_counter(), time.process_time()
est = nml.CBPE(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true",
               problem_type="classification_binary", metrics=["accuracy", "f1", "roc_auc"], chunk_number=1)
est.fit(frames["reference"])
res = est.estimate(frames["analysis"].drop(columns=["y_true"])).filter(period="analysis").to_df()
t2, c2 = time.perf_counter(), time.process_time()
out = {}
for m in ("accuracy", "f1", "roc_auc"):
    out[m] = {"estimate": float(res[(m, "value")].iloc[0]),
              "lower": float(res[(m, "lower_confidence_boundary")].iloc[0]),
              "upper": float(res[(m, "upper_confidence_boundary")].iloc[0])}
print(json.dumps({"seconds": t2 - t1, "cpu_seconds": c2 - c1, "import_seconds": t1 - t0, "metrics": out}))
"""


def make_dle_data(path: Path, rows: int, reference_rows: int, seed: int = 7) -> dict:
    """A gradient-boosted regressor's predictions; its errors grow with |x1|, and the analysis
    rows have x1's mean moved by one standard deviation, so their MAE and RMSE rise."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)

    def draw(n, shift):
        x1, x2, x3 = rng.normal(shift, 1.0, n), rng.uniform(-1, 1, n), rng.normal(0, 1, n)
        plan = np.where(x2 + rng.normal(0, 0.3, n) > 0, "pro", "basic")
        noise = rng.normal(0, 0.3 + 0.6 * np.abs(x1), n)
        y = 2 * x1 + x2 + np.sin(2 * x3) + 0.8 * (plan == "pro") + noise
        return {"x1": x1, "x2": x2, "x3": x3, "plan": plan}, y

    def model_input(columns):
        return np.column_stack([columns["x1"], columns["x2"], columns["x3"], columns["plan"] == "pro"])

    train, train_y = draw(50_000, 0.0)
    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingRegressor(max_iter=100, random_state=seed).fit(model_input(train), train_y)
    arrays, realized = {}, {}
    for period, n, shift in (("reference", reference_rows, 0.0), ("analysis", rows, 1.0)):
        columns, y = draw(n, shift)
        with threadpool_limits(limits=1, user_api="openmp"):
            predicted = model.predict(model_input(columns))
        arrays.update({f"{period}_{k}": v for k, v in columns.items()})
        arrays[f"{period}_y_pred"], arrays[f"{period}_y_true"] = predicted, y
        error = y - predicted
        realized[period] = {"mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2)))}
    np.savez(path, **arrays)
    return realized["analysis"] | {f"reference {m}": v for m, v in realized["reference"].items()}


CHILD_NBOPS_DLE = r"""
import json, sys, time
import numpy as np
data = dict(np.load(sys.argv[1]))
t0 = time.perf_counter()
import pandas as pd
from nbops.drift import estimate_performance
import sklearn.ensemble, threadpoolctl  # what DLE imports on first use: outside the timing, as NannyML's imports
frames = {p: pd.DataFrame({k: data[f"{p}_{k}"] for k in ("x1", "x2", "x3", "plan")}) for p in ("reference", "analysis")}

class Fitted:  # the regressor's predictions, made once by the parent, as NannyML receives them
    def predict(self, X):  # looked up by row label: nbops asks only for its sample of a large set
        return data["reference_y_pred" if X is frames["reference"] else "analysis_y_pred"][X.index.to_numpy()]

t1, c1 = time.perf_counter(), time.process_time()
result = estimate_performance(Fitted(), frames["reference"], data["reference_y_true"], frames["analysis"])
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"seconds": t2 - t1, "cpu_seconds": c2 - c1, "import_seconds": t1 - t0, "metrics": result}))
"""

CHILD_NANNYML_DLE = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
data = dict(np.load(sys.argv[1]))
t0 = time.perf_counter()
import nannyml as nml
import pandas as pd
columns = ("x1", "x2", "x3", "plan", "y_pred", "y_true")
frames = {p: pd.DataFrame({k: data[f"{p}_{k}"] for k in columns}) for p in ("reference", "analysis")}
t1, c1 = time.perf_counter(), time.process_time()
est = nml.DLE(feature_column_names=["x1", "x2", "x3", "plan"], y_pred="y_pred", y_true="y_true",
              metrics=["mae", "rmse"], chunk_number=1)
est.fit(frames["reference"])
res = est.estimate(frames["analysis"].drop(columns=["y_true"])).filter(period="analysis").to_df()
t2, c2 = time.perf_counter(), time.process_time()
out = {}
for m in ("mae", "rmse"):
    out[m] = {"estimate": float(res[(m, "value")].iloc[0]),
              "lower": float(res[(m, "lower_confidence_boundary")].iloc[0]),
              "upper": float(res[(m, "upper_confidence_boundary")].iloc[0])}
print(json.dumps({"seconds": t2 - t1, "cpu_seconds": c2 - c1, "import_seconds": t1 - t0, "metrics": out}))
"""

ENGINES = {
    "cbpe": (make_cbpe_data, CHILD_NBOPS_CBPE, CHILD_NANNYML_CBPE),
    "dle": (make_dle_data, CHILD_NBOPS_DLE, CHILD_NANNYML_DLE),
}


def nannyml_python() -> str:
    python = NANNYML_ENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import nannyml"], capture_output=True).returncode == 0:
        return str(python)
    print(f"creating the NannyML environment in {NANNYML_ENV} (pip, ~2 min)...", flush=True)
    NANNYML_ENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(NANNYML_ENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *NANNYML_PACKAGES], check=True)
    return str(python)


def run(python: str, code: str, data: Path) -> dict:
    # Both sides single-threaded on a shared host. NannyML's usage telemetry off: this host is
    # offline, and a thread retrying uploads in the child is not NannyML's estimation work.
    env = dict(os.environ, OMP_NUM_THREADS="1", NML_DISABLE_USAGE_LOGGING="1")
    proc = subprocess.run([python, "-c", code, str(data)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(method: str, rows: int, reference_rows: int, runs: int, peer: str) -> None:
    """Run ``method`` on one data file, nbops and NannyML interleaved, and print the comparison."""
    make_data, child_nbops, child_nannyml = ENGINES[method]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"{method}.npz"
        realized = make_data(data, rows, reference_rows)
        results: dict[str, list[dict]] = {"nbops": [], "nannyml": []}
        for _ in range(runs):  # interleaved: A, B, A, B
            results["nbops"].append(run(sys.executable, child_nbops, data))
            results["nannyml"].append(run(peer, child_nannyml, data))
    ours, theirs = results["nbops"][-1]["metrics"], results["nannyml"][-1]["metrics"]
    print(f"{method.upper()}, {rows:,} analysis rows, {reference_rows:,} reference rows, {runs} runs each")
    print(
        f"{'metric':9} {'realized':>9} {'nbops':>24} {'NannyML':>24}  nbops inside NannyML's band"
        "  realized inside band (nbops, NannyML)"
    )
    for m in METRICS[method]:
        o, t = ours[m], theirs[m]
        inside = t["lower"] <= o["estimate"] <= t["upper"]
        covered = ["yes" if b["lower"] <= realized[m] <= b["upper"] else "no" for b in (o, t)]
        print(
            f"{m:9} {realized[m]:9.4f} {o['estimate']:.4f} [{o['lower']:.4f}, {o['upper']:.4f}]"
            f" {t['estimate']:.4f} [{t['lower']:.4f}, {t['upper']:.4f}]  {'yes' if inside else 'NO':27}"
            f"  {covered[0]}, {covered[1]}"
        )
    on_reference = {k.split()[1]: v for k, v in realized.items() if k.startswith("reference ")}
    if on_reference:
        print("realized on the reference rows: " + ", ".join(f"{m} {v:.4f}" for m, v in on_reference.items()))
    ts = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    cpu = {k: statistics.median(r["cpu_seconds"] for r in v) for k, v in results.items()}
    imports = {k: statistics.median(r["import_seconds"] for r in v) for k, v in results.items()}
    print(f"imports (not timed above), median: nbops {imports['nbops']:.2f} s, NannyML {imports['nannyml']:.2f} s")
    print(
        f"fit + estimate, median: nbops {ts['nbops']:.2f} s, NannyML {ts['nannyml']:.2f} s, "
        f"ratio {ts['nannyml'] / ts['nbops']:.1f}x (all runs: "
        f"nbops {[round(r['seconds'], 2) for r in results['nbops']]}, "
        f"NannyML {[round(r['seconds'], 2) for r in results['nannyml']]})",
        flush=True,
    )
    # CPU time of the same runs: what a loaded host inflates least (neither side waits for I/O)
    print(
        f"fit + estimate CPU time, median: nbops {cpu['nbops']:.2f} s, NannyML {cpu['nannyml']:.2f} s, "
        f"ratio {cpu['nannyml'] / cpu['nbops']:.1f}x",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=("cbpe", "dle", "both"), default="both")
    parser.add_argument(
        "--rows",
        type=int,
        help=f"analysis rows (default: {DEFAULT_ROWS['cbpe']:,} for CBPE, {DEFAULT_ROWS['dle']:,} for DLE)",
    )
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    peer = nannyml_python()
    for method in ("cbpe", "dle") if args.method == "both" else (args.method,):
        compare(method, args.rows or DEFAULT_ROWS[method], args.reference_rows, args.runs, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
