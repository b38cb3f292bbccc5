"""Benchmark: CBPE on 1M rows, nbops against NannyML 0.13.1 on the same data.

    python tests/benchmarks/bench_performance_estimation.py [--rows 1000000] [--runs 3]

NannyML needs pandas < 3 and statsmodels, so it lives in its own virtualenv, created on
first use under ``~/.cache/nbops-bench/nannyml`` (never in CI). The parent writes one data
file (scores, predictions and labels of a logistic model on a covariate-shifted case); each
engine runs in a fresh process, interleaved (nbops, NannyML, nbops, NannyML...), timing
fit + estimate. Reported: each engine's estimates, NannyML's band, whether nbops's estimate
is inside it, the realized values, median times and the ratio.
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
METRICS = ("accuracy", "f1", "roc_auc")


def make_data(path: Path, rows: int, reference_rows: int, seed: int = 7) -> dict:
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


CHILD_NBOPS = r"""
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
t1 = time.perf_counter()
result = estimate_performance(Scores(), ref_X, data["reference_y_true"], cur_X)
t2 = time.perf_counter()
print(json.dumps({"seconds": t2 - t1, "import_seconds": t1 - t0, "metrics": result}))
"""

CHILD_NANNYML = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
data = np.load(sys.argv[1])
t0 = time.perf_counter()
import nannyml as nml
import pandas as pd
frames = {p: pd.DataFrame({k: data[f"{p}_{k}"] for k in ("y_pred_proba", "y_pred", "y_true")})
          for p in ("reference", "analysis")}
t1 = time.perf_counter()
est = nml.CBPE(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true",
               problem_type="classification_binary", metrics=["accuracy", "f1", "roc_auc"], chunk_number=1)
est.fit(frames["reference"])
res = est.estimate(frames["analysis"].drop(columns=["y_true"])).filter(period="analysis").to_df()
t2 = time.perf_counter()
out = {}
for m in ("accuracy", "f1", "roc_auc"):
    out[m] = {"estimate": float(res[(m, "value")].iloc[0]),
              "lower": float(res[(m, "lower_confidence_boundary")].iloc[0]),
              "upper": float(res[(m, "upper_confidence_boundary")].iloc[0])}
print(json.dumps({"seconds": t2 - t1, "import_seconds": t1 - t0, "metrics": out}))
"""


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
    env = dict(os.environ, OMP_NUM_THREADS="1")  # both sides single-threaded on a shared host
    proc = subprocess.run([python, "-c", code, str(data)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="analysis rows")
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    peer = nannyml_python()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cbpe.npz"
        realized = make_data(data, args.rows, args.reference_rows)
        results: dict[str, list[dict]] = {"nbops": [], "nannyml": []}
        for _ in range(args.runs):  # interleaved: A, B, A, B
            results["nbops"].append(run(sys.executable, CHILD_NBOPS, data))
            results["nannyml"].append(run(peer, CHILD_NANNYML, data))
    ours, theirs = results["nbops"][-1]["metrics"], results["nannyml"][-1]["metrics"]
    print(f"CBPE, {args.rows:,} analysis rows, {args.reference_rows:,} reference rows, {args.runs} runs each")
    print(f"{'metric':9} {'realized':>9} {'nbops':>24} {'NannyML':>24}  nbops inside NannyML's band")
    for m in METRICS:
        o, t = ours[m], theirs[m]
        inside = t["lower"] <= o["estimate"] <= t["upper"]
        print(
            f"{m:9} {realized[m]:9.4f} {o['estimate']:.4f} [{o['lower']:.4f}, {o['upper']:.4f}]"
            f" {t['estimate']:.4f} [{t['lower']:.4f}, {t['upper']:.4f}]  {'yes' if inside else 'NO'}"
        )
    ts = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    imports = {k: statistics.median(r["import_seconds"] for r in v) for k, v in results.items()}
    print(f"imports (not timed above), median: nbops {imports['nbops']:.2f} s, NannyML {imports['nannyml']:.2f} s")
    print(
        f"fit + estimate, median: nbops {ts['nbops']:.2f} s, NannyML {ts['nannyml']:.2f} s, "
        f"ratio {ts['nannyml'] / ts['nbops']:.1f}x (all runs: "
        f"nbops {[round(r['seconds'], 2) for r in results['nbops']]}, "
        f"NannyML {[round(r['seconds'], 2) for r in results['nannyml']]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
