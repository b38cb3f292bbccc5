"""Benchmark: ``nbops serve`` against ``mlflow models serve`` on the same sklearn model, and
nbops with live monitoring on against off.

Run: python tests/benchmarks/bench_serving.py [--rounds 3] [--seconds 5] [--parts 2000]
Needs wrk, a compiled HTTP load generator: ``apt-get install -y wrk`` (Debian). The final
runs go under ``nice -n -10`` (root), which gives the servers and wrk alike a higher priority
than the host's other jobs.

The serving tests' registry (tests/serving/registry.py) is written to a temporary store; its
``churn`` v1 (a one-hot + logistic-regression pipeline) is also saved with
``mlflow.sklearn.save_model``. Three fresh server processes, one worker each, all defaults:
``nbops serve churn:1`` (monitoring on), ``nbops serve churn:1 --no-monitoring`` and
``mlflow models serve -m DIR --env-manager local``. Every request is one row in
``dataframe_split``, the same 100 bodies in the same order for every server. Each round
measures every server in turn (interleaved: nbops, mlflow, nbops-off, nbops, ...):

- single-row latency: wrk on one keep-alive connection (requests strictly one after
  another) for ``--seconds``; p50 and p99 from wrk's histogram, as the client saw them;
- throughput: wrk with 8 connections for ``--seconds``, and the server's CPU seconds per
  1,000 requests in that phase (its process tree, from psutil), which the neighbours of a
  shared host do not inflate the way they do wall-clock figures. For both nbops servers the
  phase starts and ends with ``GET /stats``, which writes everything monitoring had queued,
  so the phase's CPU includes writing what its requests queued (the drift windows too, whose
  beat is 10 s); the monitored server's ``/stats`` also gives its writer's own CPU time
  (``monitor_cpu_seconds``), so the monitoring cost is read two ways: whole-server CPU on
  against off, and the writer's CPU against the unmonitored server's.

wrk is written in C: at 8 connections it takes a small part of what the servers take (its CPU
per request is printed), where a Python client took more than the server it measured. Every
answer must be a 200 (wrk counts the others; the benchmark stops on any). First, in a fresh
process, the one-row path's parts are timed in process (``--parts`` runs each), and so is
the monitoring writer on 3,000 one-row requests. Prints medians over rounds and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from process_tree import cpu_seconds  # noqa: E402
from serving.registry import FEATURES, table  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=open(log, "wb")
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # MLflow imports for minutes on a loaded host
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/ping", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{command} did not start:\n{log.read_text()[-3000:]}")


def bodies(n: int) -> list[bytes]:
    rows = table(n, 99)[FEATURES]
    split = json.loads(rows.to_json(orient="split", index=False))
    return [
        json.dumps({"dataframe_split": {"columns": split["columns"], "data": [row]}}).encode() for row in split["data"]
    ]


WRK_SCRIPT = """
local bodies = {%s}
local requests, i = {}, 0
init = function(args)
  for k, body in ipairs(bodies) do
    requests[k] = wrk.format("POST", "/invocations", {["Content-Type"] = "application/json"}, body)
  end
end
request = function()
  i = i %% #requests + 1
  return requests[i]
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%.6f, "failed": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk(url: str, script: Path, connections: int, seconds: int) -> dict:
    """One wrk run; its summary with the load generator's own CPU seconds (``client_cpu``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{command} failed:\n{done.stdout}{done.stderr}")
    out = done.stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(out.strip().splitlines()[-1])
    if summary["failed"]:
        raise SystemExit(f"{url}: {summary['failed']} of {summary['requests']} requests failed:\n{out}")
    summary["client_cpu"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return summary


def parts(iterations: int) -> None:
    """The one-row path's parts in this process, on the store NBOPS_HOME names: wall-clock
    median and p99, and median CPU time (this thread's, which a loaded host inflates less), in
    microseconds, of each step the server takes for one ``dataframe_split`` row."""
    from nbops.serving import app, payload
    from nbops.serving.config import VersionRef
    from nbops.serving.loading import load_version
    from nbops.serving.service import _scorer
    from nbops.store import open_store

    store = open_store()
    served = load_version(store, VersionRef("churn", 1))
    score, respond = _scorer(served), app.Answer
    body = bodies(1)[0]
    columns = payload.parse(body, served.features).columns
    table = payload.frame([columns], served.features)
    predictions = [r[0] for r in score([columns], "predict")]
    steps = {
        "decode JSON": lambda: payload.json_object(body),
        "parse (decode, shape, validate)": lambda: payload.parse(body, served.features),
        "  of which validate": lambda: payload.validate(columns, served.features),
        "frame": lambda: payload.frame([columns], served.features),
        "model.predict": lambda: served.model.predict(table),
        "score (frame, predict, lists)": lambda: score([columns], "predict"),
        "encode the answer": lambda: respond({"predictions": predictions}).body,
    }
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(iterations):  # interleaved, so a burst of load hits every step alike
        for name, step in steps.items():
            start, start_cpu = time.perf_counter(), time.thread_time()
            step()
            cpu[name].append(time.thread_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    print(f"one-row path in process, {iterations} runs (µs)      wall p50  wall p99  CPU p50")
    for name in steps:
        w = sorted(wall[name])
        print(
            f"  {name:<34} {w[len(w) // 2] * 1e6:9.1f} {w[int(len(w) * 0.99)] * 1e6:9.1f} "
            f"{statistics.median(cpu[name]) * 1e6:9.1f}"
        )
    path = ("parse (decode, shape, validate)", "score (frame, predict, lists)", "encode the answer")
    print(
        f"  {'parse + score + encode':<34} {sum(statistics.median(wall[n]) for n in path) * 1e6:9.1f} {'':9} "
        f"{sum(statistics.median(cpu[n]) for n in path) * 1e6:9.1f}",
        flush=True,
    )
    monitor_cost(store, served, [payload.parse(b, served.features) for b in bodies(100)], score)


def monitor_cost(store, served, requests: list, score, n: int = 3000) -> None:
    """CPU time of the monitoring writer's thread for ``n`` one-row requests: their stats and
    request log, then their drift window (what the server does every 1 s and every 10 s)."""
    import uuid

    from nbops.serving import ledger
    from nbops.serving.monitor import Monitor, Observation

    session = uuid.uuid4().hex
    ledger.start_session(store, session, "churn", {})
    monitor = Monitor(store, session, interval=3600, drift_interval=3600)  # written here, by hand
    labels = [[r[1] for r in score([q.columns], "predict")] for q in requests]
    now = time.time()
    for i in range(n):
        q = requests[i % len(requests)]
        monitor.record(
            Observation(served, "primary", uuid.uuid4().hex, now, 0.002, True, q.columns, 1, labels[i % len(labels)])
        )
    monitor.flush(everything=False)  # stats and request log: the drift windows' beat has not come
    logged = monitor.cpu_seconds
    monitor.flush()  # and the drift window
    drift = monitor.cpu_seconds - logged
    print(
        f"monitoring writer, {n:,} one-row requests (CPU µs per request): stats + request log "
        f"{logged / n * 1e6:.1f}, drift window {drift / n * 1e6:.1f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="of each wrk run")
    parser.add_argument("--parts", type=int, default=2000, help="runs of each in-process step")
    parser.add_argument("--parts-only", action="store_true", help="time the parts here (NBOPS_HOME) and stop")
    args = parser.parse_args()
    if args.parts_only:
        parts(args.parts)
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark needs wrk: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="nbops-bench-serve-") as tmp:
        root = Path(tmp)
        home = root / ".nbops"
        # mlflow models serve runs `uvicorn` through bash: the venv's bin must be on PATH
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        env = dict(os.environ, NBOPS_HOME=str(home), MLFLOW_DISABLE_TELEMETRY="true", PATH=path)
        subprocess.run([sys.executable, str(HERE.parent / "serving" / "registry.py")], env=env, check=True, cwd=root)
        subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import pickle, mlflow.sklearn; from nbops.store import open_store; s = open_store(); "
                    "v = s.models.version('churn', 1); m = pickle.load(s.blobs.open(v['artifact_sha256'])); "
                    f"mlflow.sklearn.save_model(m, {str(root / 'mlflow-model')!r})"
                ),
            ],
            env=env,
            check=True,
            cwd=root,
        )
        subprocess.run(
            [sys.executable, __file__, "--parts-only", "--parts", str(args.parts)], env=env, check=True, cwd=root
        )
        script = root / "bodies.lua"
        script.write_text(WRK_SCRIPT % ", ".join(f"[==[{b.decode()}]==]" for b in bodies(100)))
        nbops = [sys.executable, "-m", "nbops.cli", "serve", "churn:1"]
        mlflow = [
            str(Path(sys.executable).parent / "mlflow"),
            "models",
            "serve",
            "-m",
            str(root / "mlflow-model"),
            "--env-manager",
            "local",
            "--host",
            "127.0.0.1",
        ]
        servers = {}
        keys = ("p50", "p99", "rps", "cpu", "monitor", "client")
        results: dict[str, dict[str, list[float]]] = {}
        try:
            for name, command in (("nbops", nbops), ("mlflow", mlflow), ("nbops-off", nbops + ["--no-monitoring"])):
                servers[name] = start(command, env, root / f"{name}.log")
                wrk(servers[name][1], script, 8, 2)  # warm-up: imports, caches, first windows
                results[name] = {k: [] for k in keys}
            for r in range(args.rounds):
                for name, (process, url) in servers.items():
                    single = wrk(url, script, 1, args.seconds)
                    monitor_before = written(name, url)  # what the single-client phase queued is written
                    before = cpu_seconds(process.pid)
                    loaded = wrk(url, script, 8, args.seconds)
                    monitor_after = written(name, url)  # ... and what this phase queued
                    cpu = (cpu_seconds(process.pid) - before) / loaded["requests"] * 1000
                    monitor = (
                        (monitor_after - monitor_before) / loaded["requests"] * 1000
                        if monitor_after is not None and monitor_before is not None
                        else float("nan")
                    )
                    values = (
                        single["p50_us"] / 1000,
                        single["p99_us"] / 1000,
                        loaded["requests"] / loaded["seconds"],
                        cpu,
                        monitor,
                        loaded["client_cpu"] / loaded["requests"] * 1000,
                    )
                    for key, value in zip(keys, values):
                        results[name][key].append(value)
                    print(f"round {r + 1} {_line(name, dict(zip(keys, values)))}", flush=True)
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(30)
        med = {n: {k: statistics.median(v) for k, v in m.items()} for n, m in results.items()}
        print(f"\nmedians of {args.rounds} rounds, 1 row per request, 1 worker each, wrk for {args.seconds:g} s")
        for name, m in med.items():
            print(f"        {_line(name, m)}")
        print(
            f"throughput nbops / mlflow: {med['nbops']['rps'] / med['mlflow']['rps']:.2f}x wall clock; "
            f"{med['mlflow']['cpu'] / med['nbops']['cpu']:.2f}x by server CPU per request"
        )
        print(
            f"monitoring cost: {1 - med['nbops']['rps'] / med['nbops-off']['rps']:.1%} of throughput (wall clock); "
            f"{med['nbops']['cpu'] / med['nbops-off']['cpu'] - 1:.1%} more server CPU per request; "
            f"the writer's own CPU is {med['nbops']['monitor'] / med['nbops-off']['cpu']:.1%} of the unmonitored "
            "server's CPU per request"
        )
        print(f"p99 of one row, 1 client, nbops / mlflow: {med['nbops']['p99']:.2f} / {med['mlflow']['p99']:.2f} ms")
    return 0


def written(name: str, url: str) -> float | None:
    """For an nbops server: GET /stats, which writes everything monitoring queued, and the
    monitoring writer's CPU seconds so far (None when monitoring is off, or for MLflow)."""
    if not name.startswith("nbops"):
        return None
    answer = httpx.get(url + "/stats", timeout=600)
    answer.raise_for_status()
    return answer.json()["monitor_cpu_seconds"]


def _line(name: str, m: dict) -> str:
    writer = f", of which the monitoring writer {m['monitor']:5.3f}" if m["monitor"] == m["monitor"] else ""
    return (
        f"{name:<9} 1 client: p50 {m['p50']:6.2f} ms  p99 {m['p99']:6.2f} ms | 8 clients: {m['rps']:7.0f} req/s, "
        f"server CPU {m['cpu']:5.2f} s per 1,000 requests{writer}, wrk CPU {m['client']:5.3f} s per 1,000"
    )


if __name__ == "__main__":
    raise SystemExit(main())
