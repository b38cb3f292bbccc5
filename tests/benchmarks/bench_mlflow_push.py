"""``nbops mlflow push`` against MLflow's own client, both logging the same runs to one
real MLflow server (PostgreSQL backend, proxied artifacts) started here.

    python tests/benchmarks/bench_mlflow_push.py [--runs 100] [--points 10000] [--repeats 3] [--workers N]
    python tests/benchmarks/bench_mlflow_push.py --breakdown [--points 10000] [--repeats 3]

The server runs with MLflow's default settings (4 web workers), but for a 60 s health check
of its workers instead of 5 s (uvicorn kills a loaded worker otherwise). Each side runs in a fresh process, interleaved (nbops, MLflow, nbops, MLflow, ...), each
round into a new experiment so both send everything. nbops: ``push()`` of a store holding
``--runs`` finished runs of ``--points`` points (one metric), 3 params and 2 tags each.
MLflow: ``MlflowClient`` creating the same runs and logging the same points with
``log_batch`` (1,000 per request, MLflow's limit), then ending them. Prints medians and the
ratio; checks that the server holds every point of both.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from process_tree import cpu_seconds  # noqa: E402

HEALTHCHECK_SECONDS = 60
PARAMS = {"lr": 0.01, "depth": 6, "optimizer": "adam"}
TAGS = {"team": "churn", "stage": "bench"}


def build_store(folder: Path, runs: int, points: int) -> Path:
    import os

    os.environ["NBOPS_HOME"] = str(folder / ".nbops")
    import nbops

    for r in range(runs):
        with nbops.start_run("bench", name=f"run-{r}", params=PARAMS, tags=TAGS, capture_provenance=False) as run:
            for step in range(points):
                run.log_metric("loss", 1.0 / (step + 1) + r, step=step)
    return folder / ".nbops"


def side_nbops(uri: str, store_dir: str, experiment: str, workers: int) -> float:
    from nbops.mlflow_sync import push
    from nbops.store import open_store

    conn = sqlite3.connect(Path(store_dir) / "nbops.db")
    conn.execute("UPDATE experiments SET name = ?", (experiment,))
    conn.commit()
    conn.close()
    store = open_store(store_dir)
    start = time.perf_counter()
    report = push(store, uri, workers=workers)
    elapsed = time.perf_counter() - start
    assert not report.failed, "\n".join(report.lines())
    return elapsed


def side_mlflow(uri: str, runs: int, points: int, experiment: str) -> float:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    now = int(time.time() * 1000)
    start = time.perf_counter()
    experiment_id = client.create_experiment(experiment)
    for r in range(runs):
        run = client.create_run(experiment_id, run_name=f"run-{r}")
        metrics = [Metric("loss", 1.0 / (step + 1) + r, now + step, step) for step in range(points)]
        params = [Param(k, str(v)) for k, v in PARAMS.items()]
        tags = [RunTag(k, v) for k, v in TAGS.items()]
        for i in range(0, points, 1000):
            client.log_batch(
                run.info.run_id,
                metrics=metrics[i : i + 1000],
                params=params if i == 0 else [],
                tags=tags if i == 0 else [],
            )
        client.set_terminated(run.info.run_id)
    return time.perf_counter() - start


def breakdown(server, postgres_pid: int, work: Path, points: int, repeats: int) -> None:
    """Where one run's time goes: CPU of this client, of the server's process tree and of
    PostgreSQL's, per log_batch request, for MLflow's client and for nbops's push."""
    import os

    from mlflow.entities import Metric
    from mlflow.protos.service_pb2 import LogBatch
    from mlflow.utils.proto_json_utils import message_to_json

    from nbops.mlflow_sync import push
    from nbops.mlflow_sync.batches import log_batches
    from nbops.store import open_store

    store_dir = build_store(work / "breakdown", 1, points)
    store = open_store(store_dir)
    run_id = store.reader().execute("SELECT id FROM runs").fetchone()[0]
    batches = -(-points // 1000)
    now = int(time.time() * 1000)

    # the bodies alone, no network: MLflow's client path (entities -> protobuf -> JSON, as its
    # REST store does) against nbops's (SQLite rows -> orjson)
    start = time.process_time()
    metrics = [Metric("loss", 1.0 / (step + 1), now + step, step) for step in range(points)]
    entities = time.process_time() - start
    start = time.process_time()
    for i in range(0, points, 1000):
        message_to_json(LogBatch(run_id="r", metrics=[m.to_proto() for m in metrics[i : i + 1000]]))
    proto_json = time.process_time() - start
    start = time.process_time()
    built = sum(1 for _ in log_batches(store.reader(), run_id, "r", {}, {}, {"loss": None}))
    bodies = time.process_time() - start
    assert built == batches
    print(f"client CPU per {1000:,}-point batch, bodies only (no network):")
    print(
        f"  MLflow: Metric entities {entities / batches * 1000:6.1f} ms + protobuf/JSON {proto_json / batches * 1000:6.1f} ms"
    )
    print(f"  nbops : SQLite rows -> orjson {bodies / batches * 1000:6.1f} ms")

    def measure(side: str, round_: int) -> dict[str, float]:
        experiment = f"breakdown-{side}-{round_}"
        before = (time.perf_counter(), time.process_time(), cpu_seconds(server.process.pid), cpu_seconds(postgres_pid))
        if side == "mlflow":
            side_mlflow(server.uri, 1, points, experiment)
        else:
            conn = sqlite3.connect(store_dir / "nbops.db")
            conn.execute("DELETE FROM sync_marks")
            conn.execute("DELETE FROM sync_runs")
            conn.execute("UPDATE experiments SET name = ?", (experiment,))
            conn.commit()
            conn.close()
            assert not push(store, server.uri).failed
        after = (time.perf_counter(), time.process_time(), cpu_seconds(server.process.pid), cpu_seconds(postgres_pid))
        wall, client, web, pg = (b - a for a, b in zip(before, after))
        return {"wall": wall, "client": client, "server": web, "postgres": pg}

    results: dict[str, list[dict[str, float]]] = {"mlflow": [], "nbops": []}
    for round_ in range(repeats):
        for side in ("nbops", "mlflow"):
            results[side].append(measure(side, round_))
    print(f"one run of {points:,} points ({batches} log_batch requests), per request, median of {repeats}:")
    for side, rows in results.items():
        cell = {k: statistics.median(r[k] for r in rows) / batches * 1000 for k in rows[0]}
        print(
            f"  {side:6s} wall {cell['wall']:6.1f} ms | client CPU {cell['client']:6.1f} ms | "
            f"server CPU {cell['server']:6.1f} ms | PostgreSQL CPU {cell['postgres']:6.1f} ms"
        )
    os.environ.pop("NBOPS_HOME", None)


def count_points(uri: str, experiment: str) -> int:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    return sum(len(client.get_metric_history(r.info.run_id, "loss")) for r in runs)


def fresh_process(*args: str) -> float:
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
    import os

    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--breakdown", action="store_true", help="only measure where one run's time goes (client, server, PostgreSQL)"
    )
    parser.add_argument("--workers", type=int, help="push's requests in flight (default: push's default)")
    parser.add_argument("--side", choices=["nbops", "mlflow"], help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--experiment", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "nbops":
        print(side_nbops(args.uri, args.store, args.experiment, args.workers))
        return
    if args.side == "mlflow":
        print(side_mlflow(args.uri, args.runs, args.points, args.experiment))
        return

    from mlflow_sync.mlflow_peer import MlflowServer, Postgres

    from nbops.mlflow_sync.push import DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS

    work = Path(tempfile.mkdtemp(prefix="nbops-bench-mlflow-"))
    postgres = Postgres().start()
    server = None
    try:
        # MLflow's default server (4 web workers), as a team would run it, but for uvicorn's
        # health check: it kills a worker that has not answered within 5 s, which on a shared,
        # loaded 2-core host happens to busy workers (and to starting ones) again and again
        server = MlflowServer(
            postgres.create_database("mlflow"),
            work / "artifacts",
            work / "mlflow.log",
            workers=None,
            uvicorn_opts=f"--timeout-worker-healthcheck {HEALTHCHECK_SECONDS}",
        ).start(timeout=300)
        pg_pid = int((postgres.dir / "data" / "postmaster.pid").read_text().split()[0])
        if args.breakdown:
            breakdown(server, pg_pid, work, args.points, args.repeats)
            return

        def restarts() -> int:
            # uvicorn kills a worker that leaves its health check unanswered for 5 s (a loaded
            # host) and starts a cold one; the CPU of a killed worker drops out of the tree's sum
            return server.log.read_text(errors="replace").count("] died")

        def side(name: str, experiment: str, runs: int, points: int, store: Path) -> tuple[float, float, float, int]:
            """(wall s, server CPU s, PostgreSQL CPU s, server workers restarted) of one side in a fresh process."""
            extra = ["--store", str(store), "--workers", str(workers)] if name == "nbops" else []
            web, pg, died = cpu_seconds(server.process.pid), cpu_seconds(pg_pid), restarts()
            elapsed = fresh_process(
                *("--side", name, "--uri", server.uri, "--experiment", experiment),
                *("--runs", str(runs), "--points", str(points), *extra),
            )
            return elapsed, cpu_seconds(server.process.pid) - web, cpu_seconds(pg_pid) - pg, restarts() - died

        # Each of the server's worker processes spends seconds of CPU on its first requests
        # (imports, ORM set-up): warm them all up, untimed, so neither side pays for it.
        warm = build_store(work / "warm", 4, 1000)
        side("nbops", "warm-up-nbops", 4, 1000, warm)
        side("mlflow", "warm-up-mlflow", 4, 1000, warm)
        pristine = build_store(work / "pristine", args.runs, args.points)
        times: dict[str, list[tuple[float, float, float, int]]] = {"nbops": [], "mlflow": []}
        for round_ in range(args.repeats):
            copy = work / f"store-{round_}"
            shutil.copytree(pristine, copy)
            for name in ("nbops", "mlflow"):
                times[name].append(side(name, f"bench-{name}-{round_}", args.runs, args.points, copy))
                wall, web, pg, died = times[name][-1]
                print(
                    f"round {round_ + 1} {name:6s} {wall:7.2f} s (server CPU {web:6.1f} s, PostgreSQL CPU {pg:5.1f} s, "
                    f"{died} server workers killed and restarted)",
                    flush=True,
                )
        for side in ("nbops", "mlflow"):
            held = count_points(server.uri, f"bench-{side}-0")
            assert held == args.runs * args.points, f"{side}: the server holds {held} points"
        nb, ml = (statistics.median(t[0] for t in times[name]) for name in ("nbops", "mlflow"))
        total = args.runs * args.points
        print(f"\n{args.runs} runs x {args.points:,} points ({total:,} points), median of {args.repeats}:")
        for label, name, wall in (("nbops mlflow push", "nbops", nb), ("MlflowClient log_batch", "mlflow", ml)):
            web, pg = (statistics.median(t[i] for t in times[name]) for i in (1, 2))
            print(
                f"  {label:24s} {wall:7.2f} s  ({total / wall:,.0f} points/s; server CPU {web:.1f} s, PostgreSQL {pg:.1f} s)"
            )
        print(f"  ratio                    {ml / nb:7.2f}x faster ({workers} requests in flight)")
    finally:
        if server is not None:
            server.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
