"""A real MLflow tracking server for tests and benchmarks: a throw-away PostgreSQL cluster
(Debian's postgresql, run as the unprivileged ``postgres`` user) as its backend store and
``--serve-artifacts`` to a local folder. Each started on a free port and stopped by its pid."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, text=True, **kwargs
    )


class Postgres:
    """A PostgreSQL cluster in a fresh folder owned by ``postgres``."""

    def __init__(self):
        self.bin = postgres_bin()
        # not under pytest's tmp folder: its parents are private to root, and postgres must enter
        self.dir = Path(tempfile.mkdtemp(prefix="nbops-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)

    def start(self) -> Postgres:
        data = self.dir / "data"
        _as_postgres(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        _as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "start",
        )
        return self

    def create_database(self, name: str) -> str:
        _as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class MlflowServer:
    """``mlflow server`` on a PostgreSQL database, serving artifacts from ``artifacts``."""

    def __init__(
        self, backend_uri: str, artifacts: Path, log: Path, workers: int | None = 1, uvicorn_opts: str | None = None
    ):
        """``workers`` web server processes; None keeps MLflow's default (4). ``uvicorn_opts``
        go to MLflow's web server as they are."""
        self.backend_uri, self.artifacts, self.log, self.workers = backend_uri, artifacts, log, workers
        self.uvicorn_opts = uvicorn_opts
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> MlflowServer:
        # No job execution: its queue consumers (ten processes) run MLflow's GenAI jobs, which
        # nbops never calls, and cost about 40 s of CPU at every start on two cores.
        env = dict(
            os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false"
        )
        mlflow = Path(sys.executable).with_name("mlflow")
        command = [
            str(mlflow),
            "server",
            "--backend-store-uri",
            self.backend_uri,
            "--serve-artifacts",
            "--artifacts-destination",
            str(self.artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        if self.uvicorn_opts:
            command += ["--uvicorn-opts", self.uvicorn_opts]
        self._out = open(self.log, "ab")
        # its own session, so stopping it stops the web server's worker processes too
        self.process = subprocess.Popen(
            command, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.uri + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer /health within {timeout:.0f} s; see {self.log}")

    def requests_seen(self) -> int:
        """HTTP requests the server has answered so far, from its access log (health checks excluded)."""
        self._out.flush()
        text = self.log.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if ' HTTP/1.1" ' in line and "/health" not in line)

    def kill(self) -> None:
        """Stop at once (SIGKILL to its process group), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
        if getattr(self, "_out", None):
            self._out.close()
