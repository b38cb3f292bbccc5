"""REST API speed through a real Jupyter server over HTTP (the issue's budgets).

    python tests/benchmarks/bench_api.py [--requests 15] [--runs 10000]

Builds a store of 10,000 runs × 20 params × 20 metrics with direct executemany inserts,
plus 10 runs × 100,000 steps of one metric, then times (median of --requests):
``GET runs`` filtered and sorted by a metric, a page of 100 (budget 50 ms), and
``GET runs/{id}/metrics`` downsampled to 1,000 points (budget 200 ms per run).
With MLflow importable, prints its search_runs over the same runs for reference.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from live_server import live_server  # noqa: E402

PARAMS = METRICS = 20
CURVE_RUNS, CURVE_STEPS = 10, 100_000


def build_store(root: Path, runs: int) -> list[str]:
    from nbops.store import Store
    from nbops.store.summaries import store_all_summaries

    store = Store(root / ".nbops")
    rng = random.Random(0)
    now = time.time()
    # Random ids, as stores made before ids began with their creation time have them: rows
    # of one run are then scattered, the slower layout to read.
    ids = [os.urandom(8).hex() for _ in range(runs)]
    experiment = store.runs.experiment_id("bench")
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO runs (id, experiment_id, name, status, start_time, end_time) VALUES (?, ?, ?, 'finished', ?, ?)",
            [(run_id, experiment, f"run-{i}", now - i, now - i + 60) for i, run_id in enumerate(ids)],
        )
        conn.executemany(
            "INSERT INTO params (run_id, key, value, value_num) VALUES (?, ?, ?, ?)",
            [(run_id, f"p{k}", str(v), v) for run_id in ids for k in range(PARAMS) for v in [rng.randint(0, 9)]],
        )
        conn.executemany(
            "INSERT INTO latest_metrics (run_id, key, value, step, timestamp, min, max, count) VALUES (?, ?, ?, 0, ?, ?, ?, 1)",
            [(run_id, f"m{k}", v, now, v, v) for run_id in ids for k in range(METRICS) for v in [rng.random()]],
        )
        conn.executemany(
            "INSERT INTO metrics (run_id, key, step, value, timestamp) VALUES (?, ?, ?, ?, ?)",
            (
                (run_id, "loss", step, 1.0 / (step + 1) + rng.random() * 0.01, now + step * 0.01)
                for run_id in ids[:CURVE_RUNS]
                for step in range(CURVE_STEPS)
            ),
        )
        conn.executemany(
            "INSERT INTO latest_metrics (run_id, key, value, step, timestamp, min, max, count) "
            "SELECT run_id, key, value, step, timestamp, value, value, 1 FROM metrics "
            "WHERE run_id = ? AND key = 'loss' ORDER BY step DESC LIMIT 1",
            [(run_id,) for run_id in ids[:CURVE_RUNS]],
        )
        store_all_summaries(conn)  # as ending each run would have
    store.close()
    return ids


FILTER = "metrics.m1 > 0.5 and params.p2 = 3"


def matching(root: Path) -> int:
    """How many runs the benchmark's filter keeps (fewer than a page in a small store)."""
    from nbops.store import Store

    return len(Store(root / ".nbops").runs.search(experiment="bench", filter=FILTER, limit=1000).runs)


def nbops_search_in_process(runs: int, repeats: int) -> float:
    """The same query through the Python API, in process: the like-for-like peer figure."""
    from nbops.store import Store

    with tempfile.TemporaryDirectory() as folder:
        build_store(Path(folder), runs)
        store = Store(Path(folder) / ".nbops")
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            store.runs.search(experiment="bench", filter=FILTER, order_by="-metrics.m3", limit=100)
            samples.append(time.perf_counter() - start)
        store.close()
        return statistics.median(samples)


def timed(session: requests.Session, url: str, params: dict, repeats: int) -> tuple[float, dict]:
    samples, body = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        response = session.get(url, params=params)
        body = response.json()
        samples.append(time.perf_counter() - start)
        response.raise_for_status()
    return statistics.median(samples), body


def mlflow_search(runs: int, repeats: int) -> float | None:
    try:
        import mlflow
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as folder:
        mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
        client = mlflow.MlflowClient()
        experiment = client.create_experiment("bench")
        rng = random.Random(0)
        for _i in range(runs):
            run = client.create_run(experiment)
            from mlflow.entities import Metric, Param

            client.log_batch(
                run.info.run_id,
                metrics=[Metric(f"m{k}", rng.random(), 0, 0) for k in range(METRICS)],
                params=[Param(f"p{k}", str(rng.randint(0, 9))) for k in range(PARAMS)],
            )
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            mlflow.search_runs(
                experiment_ids=[experiment],
                filter_string="metrics.m1 > 0.5 and params.p2 = '3'",
                order_by=["metrics.m3 DESC"],
                max_results=100,
            )
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument(
        "--mlflow-runs",
        type=int,
        default=1_000,
        help="runs MLflow gets (it is slow to fill); nbops is timed in process on as many",
    )
    parser.add_argument(
        "--mlflow-python",
        default=str(Path(__file__).resolve().parents[2] / ".venv-mlflow" / "bin" / "python"),
        help="an interpreter with MLflow, when this one has none",
    )
    parser.add_argument("--mlflow-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mlflow_only:
        print(mlflow_search(args.mlflow_runs, 5))
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        start = time.perf_counter()
        ids = build_store(root, args.runs)
        print(
            f"store: {args.runs:,} runs × {PARAMS} params × {METRICS} metrics + {CURVE_RUNS} × {CURVE_STEPS:,} steps, "
            f"built in {time.perf_counter() - start:.1f} s"
        )
        with live_server(root) as server, requests.Session() as session:
            session.headers.update(server.headers)
            query = {"experiment": "bench", "filter": FILTER, "sort": "-metrics.m3", "limit": "100"}
            session.get(server.api + "/runs", params=query)  # warm the page cache
            page_time, page = timed(session, server.api + "/runs", query, args.requests)
            assert len(page["runs"]) == min(100, matching(root)), len(page["runs"])
            per_run = []
            for run_id in ids[:CURVE_RUNS]:
                elapsed, body = timed(
                    session,
                    f"{server.api}/runs/{run_id}/metrics",
                    {"keys": "loss", "max_points": "1000"},
                    max(3, args.requests // 3),
                )
                assert len(body["metrics"]["loss"]["step"]) == 1000
                per_run.append(elapsed)
        ours_in_process = nbops_search_in_process(args.mlflow_runs, 5)
        theirs = mlflow_search(args.mlflow_runs, 5)
        if theirs is None and Path(args.mlflow_python).exists():
            import subprocess

            out = subprocess.run(
                [args.mlflow_python, __file__, "--mlflow-only", "--mlflow-runs", str(args.mlflow_runs)],
                capture_output=True,
                text=True,
            )
            theirs = float(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else None
    print(f"medians over {args.requests} requests, HTTP round trip included\n")
    print("| request | nbops | budget |")
    print("|---|---|---|")
    verdict = lambda t, budget: "ok" if t <= budget else "OVER BUDGET"  # noqa: E731
    print(
        f"| GET runs: filter + sort by a metric, page of 100 of {args.runs:,} | {page_time * 1e3:.1f} ms | ≤ 50 ms ({verdict(page_time, 0.05)}) |"
    )
    median_run = statistics.median(per_run)
    print(
        f"| GET runs/{{id}}/metrics: {CURVE_STEPS:,} steps → 1,000 points (median of {CURVE_RUNS} runs) | {median_run * 1e3:.1f} ms | ≤ 200 ms ({verdict(median_run, 0.2)}) |"
    )
    print(f"| same, all {CURVE_RUNS} runs one after another | {sum(per_run) * 1e3:.0f} ms | — |")
    if theirs is None:
        print("\nMLflow not importable (nor at --mlflow-python): no reference figure")
    else:
        print(
            f"\nsearch_runs in process, same filter and sort, page of 100, over {args.mlflow_runs:,} runs each (SQLite): "
            f"nbops {ours_in_process * 1e3:.1f} ms, MLflow {theirs * 1e3:.0f} ms ({theirs / ours_in_process:,.0f}×)"
        )


if __name__ == "__main__":
    main()
