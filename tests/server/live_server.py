"""A real Jupyter server in a child process, for tests and benchmarks that call it over HTTP
from synchronous code (schemathesis, requests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple


class LiveServer(NamedTuple):
    api: str  # http://127.0.0.1:PORT/nbops/api
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(root: Path, timeout: float = 60.0) -> Iterator[LiveServer]:
    """``jupyter server`` rooted at ``root`` (its store is ``root/.nbops``), with nbops enabled."""
    port, token = _free_port(), os.urandom(12).hex()
    env = {**os.environ, "NBOPS_HOME": str(Path(root) / ".nbops")}
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
        "--ServerApp.jpserver_extensions={'nbops': True}",
        "--ServerApp.log_level=WARN",
    ]
    # the log goes to a file: an unread pipe fills up and blocks the server mid-request
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    server = LiveServer(f"http://127.0.0.1:{port}/nbops/api", token)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                request = urllib.request.Request(server.api + "/version", headers=server.headers)
                urllib.request.urlopen(request, timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"jupyter server did not start: {log.read().decode()[-2000:]}") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
