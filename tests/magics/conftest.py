"""A real IPython kernel (the test interpreter's) logging into the test's project."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel


class Kernel:
    def __init__(self, client):
        self.client = client

    def run(self, code: str, timeout: float = 60) -> dict:
        """Execute ``code``; return its outputs grouped by kind and the error, if any."""
        outputs: list[dict] = []

        def hook(msg):
            if msg["msg_type"] in ("stream", "display_data", "execute_result", "error", "comm_msg", "comm_open"):
                outputs.append({"type": msg["msg_type"], **msg["content"]})

        reply = self.client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=True)
        return {"status": reply["content"]["status"], "reply": reply["content"], "outputs": outputs}


def started_kernel(folder):
    """A kernel in ``folder`` logging into ``folder/.nbops``; stopped when the generator closes."""
    import os

    env = dict(os.environ, NBOPS_HOME=str(folder / ".nbops"))
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(folder), startup_timeout=60)
    try:
        yield Kernel(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(project):
    """A fresh kernel per test, for tests that read the runs it logs or its execution count."""
    yield from started_kernel(project)


@pytest.fixture(scope="module")
def magics_kernel(tmp_path_factory):
    """One kernel with the magics loaded, shared by a module's tests that only read answers."""
    for kernel in started_kernel(tmp_path_factory.mktemp("magics")):
        assert kernel.run("%load_ext nbops")["status"] == "ok"
        yield kernel
