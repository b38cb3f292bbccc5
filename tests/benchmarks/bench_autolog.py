"""Cost of autologging and of the system-metrics sampler.

    python tests/benchmarks/bench_autolog.py [--repeats 5] [--only fit|blocks|sampler] [--mlflow-lean]

``fit``: a 10,000-row LogisticRegression fitted plainly, with ``nbops.autolog()`` and with
MLflow's ``mlflow.sklearn.autolog()``, each side in fresh processes, interleaved (plain,
nbops, MLflow, plain, nbops, MLflow …). MLflow runs with its defaults, as its users get it:
its default tracking store (``sqlite:///mlflow.db`` in the working folder) and the fitted
model logged as an artifact, with its pip requirements inferred; ``--mlflow-lean`` adds a
fourth side with ``log_models=False, log_datasets=False``. Each process times ten fits
(MLflow: three, as each takes seconds) after a first one (reported apart, wall and CPU: it
creates the store and lists the installed packages), waiting until everything the fits
logged is written (provenance included); rows are medians over processes, and the ratio is
the overhead (budget: ≤ 5 %). CPU time is the figure to judge on a shared machine, where
wall time swings by half between identical fits, except for MLflow's: it infers a model's
requirements in a subprocess, whose CPU the process's clock does not count. Every side runs
with default settings: with either autolog each fit is a run of its own, with params and
training metrics (nbops adds provenance, MLflow the model). Two BLAS modes, each group of
processes in both: numpy's default OpenBLAS threads (which spin while they wait for work,
and their spinning counts as CPU time: the figure swings) and ``OPENBLAS_NUM_THREADS=1``
(steady; a fit costs less CPU, so the same autolog work is a larger share of it).

``blocks``: one process, one BLAS thread, blocks of ten fits alternating autolog off and on
(``autolog(disable=True)`` restores the original methods); the median difference of CPU per fit
is what autolog adds, steadier than the fresh-process ratio on a loaded host. Run it with
another checkout's ``src`` on ``PYTHONPATH`` to compare two versions.

``sampler``: the CPU time a process spends over 20 s of an open run with the sampler on
(1 s interval, five times the default rate) against off, interleaved; the difference as a
share of one core (budget: ≤ 1 %).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

FIT = r"""
import json, sys, time
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
X, y = make_classification(n_samples=10_000, n_features=20, n_informative=10, random_state=0)
FITS = 3 if sys.argv[1].startswith("mlflow") else 10
if sys.argv[1] == "autolog":
    import nbops
    nbops.autolog(experiment="bench")
elif sys.argv[1] == "mlflow":
    import mlflow
    mlflow.sklearn.autolog()
elif sys.argv[1] == "mlflow-lean":
    import mlflow
    mlflow.sklearn.autolog(log_models=False, log_datasets=False)

def settle():  # background work a fit started (provenance) is part of its cost
    if sys.argv[1] == "autolog":  # one long-lived thread reads it: wait for its queue, not the thread
        from nbops.tracking.provenance import recorder
        from nbops.tracking.session import _flush_all
        recorder.wait(60)
        _flush_all()  # and write what it handed to the metric buffer

start, first_cpu = time.perf_counter(), time.process_time()
LogisticRegression(max_iter=500).fit(X, y)  # first fit: store creation, package list
settle()
first, first_cpu = time.perf_counter() - start, time.process_time() - first_cpu
cpu0, wall0 = time.process_time(), time.perf_counter()
for _ in range(FITS):
    LogisticRegression(max_iter=500).fit(X, y)
settle()
print(json.dumps([(time.process_time() - cpu0) / FITS, (time.perf_counter() - wall0) / FITS, first, first_cpu]))
"""

BLOCKS = r"""
import json, statistics, sys, time
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
import nbops
from nbops.tracking.provenance import recorder
from nbops.tracking.session import _flush_all
X, y = make_classification(n_samples=10_000, n_features=20, n_informative=10, random_state=0)
nbops.autolog(experiment="bench")
LogisticRegression(max_iter=500).fit(X, y)  # store creation, package list
recorder.wait(60)
cpu = {"plain": [], "autolog": []}
for _ in range(int(sys.argv[1])):
    for side in cpu:
        nbops.autolog(disable=side == "plain", experiment="bench")
        start = time.process_time()
        for _ in range(10):
            LogisticRegression(max_iter=500).fit(X, y)
        recorder.wait(60)
        _flush_all()
        cpu[side].append((time.process_time() - start) / 10)
print(json.dumps({side: statistics.median(values) for side, values in cpu.items()}))
"""

SAMPLER = r"""
import json, sys, time
import nbops
from nbops.tracking import system_metrics
system_metrics.configure(enabled=sys.argv[1] == "on", interval=1.0)
run = nbops.start_run("bench", capture_provenance=False)
time.sleep(0.5)
cpu0, wall0 = time.process_time(), time.perf_counter()
time.sleep(20)
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
nbops.end_run()
points = len(nbops.store().metrics.history(run.id, "system/cpu_utilization_percentage"))
print(json.dumps([cpu, wall, points]))
"""


def measure(script: str, side: str, env: dict) -> object:
    with tempfile.TemporaryDirectory() as folder:
        env = dict(env, NBOPS_HOME=os.path.join(folder, ".nbops"))
        out = subprocess.run(
            [sys.executable, "-c", script, side], env=env, cwd=folder, capture_output=True, text=True, check=True
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=["fit", "blocks", "sampler"])
    parser.add_argument("--mlflow-lean", action="store_true", help="also MLflow without models and datasets")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("NBOPS_SYSTEM_METRICS", None)  # default settings on both sides

    if args.only in (None, "fit"):
        modes = {"default BLAS threads": env, "OPENBLAS_NUM_THREADS=1": dict(env, OPENBLAS_NUM_THREADS="1")}
        sides = ("plain", "autolog", "mlflow", *(("mlflow-lean",) if args.mlflow_lean else ()))
        rows: dict[str, dict[str, list]] = {mode: {side: [] for side in sides} for mode in modes}
        for _ in range(args.repeats):
            for mode, mode_env in modes.items():
                for side in sides:
                    rows[mode][side].append(measure(FIT, side, mode_env))
        for mode in modes:
            for index, what in ((0, "CPU time"), (1, "wall time"), (2, "first fit, wall"), (3, "first fit, CPU")):
                plain = statistics.median(r[index] for r in rows[mode]["plain"])
                report = f"fit 10k-row LogisticRegression, {mode}, {what}: plain {plain * 1e3:.1f} ms"
                for side in sides[1:]:
                    value = statistics.median(r[index] for r in rows[mode][side])
                    report += f"; {side} {value * 1e3:.1f} ms ({(value / plain - 1) * 100:+.1f} %)"
                print(report)

    if args.only in (None, "blocks"):
        single = dict(env, OPENBLAS_NUM_THREADS="1")
        blocks = measure(BLOCKS, str(max(args.repeats, 10)), single)
        assert isinstance(blocks, dict)
        p, a = blocks["plain"], blocks["autolog"]
        print(
            f"one process, OPENBLAS_NUM_THREADS=1, blocks of ten fits: plain {p * 1e3:.2f} ms, "
            f"autolog {a * 1e3:.2f} ms of CPU per fit; autolog adds {(a - p) * 1e3:.2f} ms ({(a / p - 1) * 100:+.1f} %)"
        )

    if args.only in (None, "sampler"):
        off, on = [], []
        for _ in range(max(2, args.repeats // 2)):
            off.append(measure(SAMPLER, "off", env))
            on.append(measure(SAMPLER, "on", env))
        share = lambda rows: statistics.median(cpu / wall for cpu, wall, _ in rows)  # noqa: E731
        cost = (share(on) - share(off)) * 100
        print(
            f"sampler at 1 s: {share(on) * 100:.3f} % of a core on, {share(off) * 100:.3f} % off, "
            f"cost {cost:.3f} % of one core (budget ≤ 1 %); {on[0][2]} samples in 20 s"
        )


if __name__ == "__main__":
    main()
