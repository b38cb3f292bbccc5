"""Model endpoints started from JupyterLab: ``nbops serve`` child processes of the server extension.

Each endpoint is a real ``python -m nbops serve`` process bound to 127.0.0.1, on the server's
store. Only processes started here are ever listed or stopped; all of them end with the server.
Live numbers come from the process's own ``GET /stats``; a process that died is shown
``stopped`` with its exit code, never as an error.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import ConflictError, InvalidValueError, NotFoundError, ServeStartError
from ..serving.config import VersionRef, parse_model

__all__ = ["Endpoint", "Endpoints"]

HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # loading a large model can take a while; the client waits for /ping
STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
RATE_WINDOW = 60.0  # the request rate is over the last minute of samples
LOG_LINES = 15


@dataclass
class Endpoint:
    id: str
    model: str
    version: int  # the version number the reference resolved to when it started
    reference: str  # as served: NAME:3 or NAME@production
    port: int
    process: subprocess.Popen
    log: IO[bytes]
    canary: dict | None = None
    shadow: dict | None = None
    log_inputs: bool = False
    started_at: float = field(default_factory=time.time)
    # (monotonic seconds, total requests) from each /stats read, for the rate over the last minute
    samples: deque = field(default_factory=deque)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def record(self) -> dict[str, Any]:
        code = self.process.poll()
        return {
            "id": self.id,
            "model": self.model,
            "version": self.version,
            "reference": self.reference,
            "url": self.url,
            "pid": self.process.pid,
            "started_at": self.started_at,
            "canary": self.canary,
            "shadow": self.shadow,
            "log_inputs": self.log_inputs,
            "state": "running" if code is None else "stopped",
            "exit_code": code,
        }

    def log_tail(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").splitlines()
        return "\n".join(lines[-LOG_LINES:]) or "(the serve log is empty)"


class Endpoints:
    """Every endpoint this server started."""

    def __init__(self, store, store_dir: Path):
        self._store, self._store_dir = store, Path(store_dir)
        self._lock = threading.Lock()
        self._endpoints: dict[str, Endpoint] = {}

    def start(
        self,
        name: str,
        version,
        port: int | None = None,
        canary: dict | None = None,
        shadow: dict | None = None,
        log_inputs: bool = False,
    ) -> dict:
        """Start ``nbops serve`` for ``name`` at ``version`` and wait until it answers /ping."""
        if canary is not None and shadow is not None:
            raise InvalidValueError("give either canary or shadow, not both: one challenger per endpoint")
        row = self._servable(name, version)
        ref = _reference(name, row, version)
        command = [sys.executable, "-m", "nbops", "serve", ref.text, "--host", HOST]
        canary_record = shadow_record = None
        if canary is not None:
            other_row, other = self._challenger(name, row, canary["version"], "canary")
            percent = canary["percent"]
            command += ["--canary", f"{other.version}={percent}"]
            canary_record = {"version": other_row["version"], "reference": other.text, "percent": percent}
        if shadow is not None:
            other_row, other = self._challenger(name, row, shadow["version"], "shadow")
            command += ["--shadow", str(other.version)]
            shadow_record = {"version": other_row["version"], "reference": other.text}
        if log_inputs:
            command.append("--log-inputs")
        port = _free_port() if port is None else _check_port(port)
        command += ["--port", str(port)]
        log = tempfile.TemporaryFile(prefix="nbops-serve-")  # a file: an unread pipe would block the server
        env = {**os.environ, "NBOPS_HOME": str(self._store_dir)}
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        endpoint = Endpoint(
            uuid.uuid4().hex[:12], name, row["version"], ref.text, port, process, log, canary_record, shadow_record
        )
        endpoint.log_inputs = bool(log_inputs)
        endpoint.samples.append((time.monotonic(), 0))
        try:
            _wait_for_ping(endpoint)
        except ServeStartError:
            _stop(endpoint)
            raise
        with self._lock:
            self._endpoints[endpoint.id] = endpoint
        if log_inputs:  # it can be explained on live inputs: this server compiles SHAP's code now
            from ..governance.shap_warmup import warm_in_background

            warm_in_background()
        return endpoint.record()

    def list(self) -> list[dict[str, Any]]:
        """Every endpoint started here, newest first, with live stats while it runs."""
        with self._lock:
            endpoints = sorted(self._endpoints.values(), key=lambda e: e.started_at, reverse=True)
        return [endpoint.record() | {"stats": _live_stats(endpoint)} for endpoint in endpoints]

    def stop(self, endpoint_id: str) -> dict[str, Any]:
        with self._lock:
            endpoint = self._endpoints.pop(endpoint_id, None)
        if endpoint is None:
            raise NotFoundError(
                f"no model endpoint {endpoint_id[:40]!r} was started by this server; GET models/serving lists them"
            )
        _stop(endpoint)
        return endpoint.record()

    def stop_all(self) -> None:
        with self._lock:
            endpoints, self._endpoints = list(self._endpoints.values()), {}
        for endpoint in endpoints:
            _stop(endpoint)

    def _challenger(self, name: str, row: dict, version, role: str):
        other_row = self._servable(name, version)
        if other_row["version"] == row["version"]:
            raise ConflictError(
                f"{role} version {version!r} is version {row['version']}, the one served: choose another version or alias"
            )
        return other_row, _reference(name, other_row, version)

    def _servable(self, name: str, version) -> dict:
        """The registry row of ``version`` (a number or an alias): 404 when unknown, 409 when it
        holds a file rather than a model object."""
        label = int(version) if isinstance(version, str) and version.isdigit() else version
        row = self._store.models.version(name, label)
        if row["flavor"] in (None, "file"):
            raise ConflictError(
                f"model {name!r} version {row['version']} holds a file, not a model object: "
                "nbops serve needs a version registered with register_model(name, model_object)"
            )
        return row


def _reference(name: str, row: dict, version) -> VersionRef:
    """NAME:3 for a number, NAME@production for an alias, checked like the CLI's argument."""
    if isinstance(version, str) and not version.isdigit():
        return parse_model(f"{name}@{version}")
    return parse_model(f"{name}:{row['version']}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _check_port(port: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            raise ConflictError(
                f"port {port} is in use on {HOST}: choose another, or omit port for a free one"
            ) from None
    return port


def _wait_for_ping(endpoint: Endpoint) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        code = endpoint.process.poll()
        if code is not None:
            raise ServeStartError(
                f"nbops serve {endpoint.reference} ended with exit code {code} before answering; "
                f"its log ends:\n{endpoint.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{endpoint.url}/ping", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet
            time.sleep(0.1)
    raise ServeStartError(
        f"nbops serve {endpoint.reference} did not answer /ping within {START_TIMEOUT:.0f} s; "
        f"its log ends:\n{endpoint.log_tail()}",
        timed_out=True,
    )


def _live_stats(endpoint: Endpoint) -> dict[str, Any] | None:
    """Totals over the endpoint's versions from its /stats; None once it stopped or if it did not answer."""
    if endpoint.process.poll() is not None:
        return None
    try:
        # polled every 2 s while the Models view is open: the drift windows keep their own beat
        with urllib.request.urlopen(f"{endpoint.url}/stats?flush=requests", timeout=3) as response:
            stats = json.load(response)
    except (OSError, ValueError):  # busy or just ended: no numbers this time, never an error
        return None
    versions = [
        {
            "version": item["version"],
            "role": item["role"],
            "requests": item["requests"],
            "errors": item["errors"],
            "latency_ms": {"p50": item["latency_ms"]["p50"], "p99": item["latency_ms"]["p99"]},
        }
        for item in stats.get("stats", [])
    ]
    requests = sum(v["requests"] for v in versions)
    return {
        "requests": requests,
        "errors": sum(v["errors"] for v in versions),
        "requests_per_second": _rate(endpoint, requests),
        "uptime_seconds": stats.get("uptime_seconds"),
        "latency_ms": next((v["latency_ms"] for v in versions if v["role"] == "primary"), None),
        "versions": versions,
        # the primary version's input columns (training schema), for a ready-to-send example
        "features": stats.get("versions", {}).get("primary", {}).get("features", []),
    }


def _rate(endpoint: Endpoint, requests: int) -> float:
    """Requests per second over the last minute of samples (from the start while younger)."""
    now, samples = time.monotonic(), endpoint.samples
    samples.append((now, requests))
    while len(samples) > 2 and now - samples[1][0] >= RATE_WINDOW:
        samples.popleft()
    then, before = samples[0]
    return round((requests - before) / (now - then), 3) if now > then else 0.0


def _stop(endpoint: Endpoint) -> None:
    """SIGTERM, then SIGKILL after ``STOP_GRACE`` seconds."""
    process = endpoint.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    endpoint.log.close()
