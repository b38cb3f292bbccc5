"""Benchmark: multivariate drift on 1M rows × 20 columns, nbops against NannyML 0.13.1.

    python tests/benchmarks/bench_multivariate.py [--rows 1000000] [--runs 3]

The analysis rows flip the correlation of two columns (every marginal unchanged). NannyML
runs in its own virtualenv (see bench_performance_estimation.py, which creates it). Each
engine runs in fresh processes, interleaved; reported: whether each flags the flip, its
statistic (domain-classifier AUC, reconstruction error), and median times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_performance_estimation import nannyml_python, run  # noqa: E402

CHILD_NBOPS = r"""
import json, sys, time
import numpy as np, pandas as pd
data = np.load(sys.argv[1])
ref, cur = (pd.DataFrame(data[k], columns=[f"c{i:02d}" for i in range(data[k].shape[1])]) for k in ("ref", "cur"))
from nbops.drift import multivariate_drift
import sklearn.ensemble, sklearn.model_selection, scipy.stats  # imports outside the timing, as NannyML's
t = time.perf_counter()
r = multivariate_drift(ref, cur)
print(json.dumps({"seconds": time.perf_counter() - t, "metrics": {
    "flagged": r["drifted"], "domain_auc": r["domain_auc"], "auc_threshold": r["auc_threshold"],
    "error_ratio": r["error_ratio"]}}))
"""

CHILD_NANNYML = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
data = np.load(sys.argv[1])
cols = [f"c{i:02d}" for i in range(data["ref"].shape[1])]
ref, cur = (pd.DataFrame(data[k], columns=cols) for k in ("ref", "cur"))
import nannyml as nml
t = time.perf_counter()
calc = nml.DataReconstructionDriftCalculator(column_names=cols, chunk_number=1).fit(ref)
res = calc.calculate(cur).filter(period="analysis").to_df()
t_pca = time.perf_counter() - t
out = {"reconstruction_error": float(res[("reconstruction_error", "value")].iloc[0]),
       "reconstruction_alert": bool(res[("reconstruction_error", "alert")].iloc[0])}
t2 = time.perf_counter()
try:
    dc = nml.DomainClassifierCalculator(feature_column_names=cols, chunk_number=1).fit(ref)
    r2 = dc.calculate(cur).filter(period="analysis").to_df()
    out["domain_auc"] = float(r2[("domain_classifier_auroc", "value")].iloc[0])
    out["domain_alert"] = bool(r2[("domain_classifier_auroc", "alert")].iloc[0])
except Exception as exc:
    out["domain_error"] = repr(exc)[:200]
t_dc = time.perf_counter() - t2
out["flagged"] = out["reconstruction_alert"] or out.get("domain_alert", False)
print(json.dumps({"seconds": t_pca + t_dc, "seconds_pca": t_pca, "seconds_domain": t_dc, "metrics": out}))
"""


def make_data(path: Path, rows: int, reference_rows: int, columns: int = 20, seed: int = 5) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)

    def draw(n, rho):
        x = rng.normal(0, 1, (n, columns))
        x[:, 1] = rho * x[:, 0] + np.sqrt(1 - rho**2) * x[:, 1]
        return x

    np.savez(path, ref=draw(reference_rows, 0.8), cur=draw(rows, -0.8))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    peer = nannyml_python()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "mv.npz"
        make_data(data, args.rows, args.reference_rows)
        results: dict[str, list[dict]] = {"nbops": [], "nannyml": []}
        for _ in range(args.runs):
            results["nbops"].append(run(sys.executable, CHILD_NBOPS, data))
            results["nannyml"].append(run(peer, CHILD_NANNYML, data))
    print(f"multivariate drift, {args.rows:,} × 20 analysis rows (correlation flip), {args.runs} runs each")
    print("nbops  :", json.dumps(results["nbops"][-1]["metrics"]))
    print("NannyML:", json.dumps(results["nannyml"][-1]["metrics"]))
    ts = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    print(
        f"median: nbops {ts['nbops']:.2f} s, NannyML {ts['nannyml']:.2f} s "
        f"(reconstruction {statistics.median(r['seconds_pca'] for r in results['nannyml']):.2f} s + domain "
        f"classifier {statistics.median(r['seconds_domain'] for r in results['nannyml']):.2f} s), "
        f"ratio {ts['nannyml'] / ts['nbops']:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
