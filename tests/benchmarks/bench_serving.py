"""Benchmark: ``nbops serve`` against ``mlflow models serve`` on the same sklearn model, and
nbops with live monitoring on against off.

Run: python tests/benchmarks/bench_serving.py [--rounds 3] [--requests 500] [--seconds 5]

The serving tests' registry (tests/serving/registry.py) is written to a temporary store; its
``churn`` v1 (a one-hot + logistic-regression pipeline) is also saved with
``mlflow.sklearn.save_model``. Three fresh server processes, one worker each, all defaults:
``nbops serve churn:1`` (monitoring on), ``nbops serve churn:1 --no-monitoring`` and
``mlflow models serve -m DIR --env-manager local``. Each round measures every server in turn
(interleaved: nbops, mlflow, nbops-off, nbops, ...): single-row latency (``--requests``
sequential ``dataframe_split`` requests on one keep-alive connection, measured by the client)
and throughput (8 concurrent clients, asyncio + httpx, for ``--seconds``), plus the server's
CPU time per request in that phase (its process tree, from psutil): on a shared, loaded host
wall-clock throughput mostly measures the neighbours, CPU per request does not. Prints
medians over rounds and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
    deadline = time.monotonic() + 180
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


def latency(url: str, payloads: list[bytes]) -> tuple[float, float]:
    times = []
    with httpx.Client(base_url=url, headers={"Content-Type": "application/json"}) as client:
        for body in payloads[:20]:  # warm-up
            client.post("/invocations", content=body).raise_for_status()
        for body in payloads:
            start = time.perf_counter()
            client.post("/invocations", content=body).raise_for_status()
            times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1000, times[int(len(times) * 0.99) - 1] * 1000


def cpu_seconds(pid: int) -> float:
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def throughput(url: str, payloads: list[bytes], seconds: float, clients: int = 8) -> tuple[float, int]:
    async def run() -> int:
        done = 0
        stop = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=url, limits=limits, headers={"Content-Type": "application/json"}
        ) as client:

            async def worker(k: int) -> None:
                nonlocal done
                i = k
                while time.perf_counter() < stop:
                    (await client.post("/invocations", content=payloads[i % len(payloads)])).raise_for_status()
                    done += 1
                    i += clients

            await asyncio.gather(*(worker(k) for k in range(clients)))
        return done

    start = time.perf_counter()
    count = asyncio.run(run())
    return count / (time.perf_counter() - start), count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
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
        try:
            for name, command in (("nbops", nbops), ("mlflow", mlflow), ("nbops-off", nbops + ["--no-monitoring"])):
                servers[name] = start(command, env, root / f"{name}.log")
            payloads = bodies(args.requests)
            results: dict[str, dict[str, list[float]]] = {
                n: {"p50": [], "p99": [], "rps": [], "cpu": []} for n in servers
            }
            for r in range(args.rounds):
                for name, (process, url) in servers.items():
                    p50, p99 = latency(url, payloads)
                    before = cpu_seconds(process.pid)
                    rps, count = throughput(url, payloads, args.seconds)
                    cpu = (cpu_seconds(process.pid) - before) / count * 1000
                    for key, value in (("p50", p50), ("p99", p99), ("rps", rps), ("cpu", cpu)):
                        results[name][key].append(value)
                    print(
                        f"round {r + 1} {name:<9} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {rps:7.0f} req/s  "
                        f"CPU {cpu:5.2f} ms/request",
                        flush=True,
                    )
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(30)
        med = {n: {k: statistics.median(v) for k, v in m.items()} for n, m in results.items()}
        print(f"\nmedians of {args.rounds} rounds, 1 row per request, 1 worker each")
        for name, m in med.items():
            print(
                f"{name:<9} p50 {m['p50']:6.2f} ms  p99 {m['p99']:6.2f} ms  {m['rps']:7.0f} req/s (8 clients)  "
                f"CPU {m['cpu']:5.2f} ms/request"
            )
        print(
            f"throughput nbops / mlflow: {med['nbops']['rps'] / med['mlflow']['rps']:.2f}x wall clock; "
            f"{med['mlflow']['cpu'] / med['nbops']['cpu']:.2f}x by server CPU per request"
        )
        print(
            f"monitoring cost: {1 - med['nbops']['rps'] / med['nbops-off']['rps']:.1%} of throughput (wall clock); "
            f"{med['nbops']['cpu'] / med['nbops-off']['cpu'] - 1:.1%} more CPU per request"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
