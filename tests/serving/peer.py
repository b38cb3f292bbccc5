"""A real ``nbops serve`` process on a free port (for the tests and the benchmark)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    def __init__(self, home: Path, model: str, *args: str, log: Path | None = None, token: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        command = [sys.executable, "-m", "nbops.cli", "serve", model, "--port", str(self.port), *args]
        if token:
            command += ["--token", token]
        self.log = log or home.parent / f"serve-{self.port}.log"
        env = dict(os.environ, NBOPS_HOME=str(home))
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))

    def wait(self, timeout: float = 120.0) -> ServeProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nbops serve exited {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/ping", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"nbops serve did not answer /ping in {timeout} s:\n{self.log.read_text()}")

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self) -> str:
        """SIGTERM (uvicorn shuts down gracefully: the monitor flushes); returns the log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()
