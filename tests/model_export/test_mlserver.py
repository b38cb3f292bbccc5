"""MLServer (in its own cached venv, .ci/install-mlserver) serves an nbops export: its V2
inference answers equal the model's own predictions on the same rows."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from .mlserver_venv import ensure_venv

READY_TIMEOUT = 90


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.fixture
def mlserver(registered, project):
    """``mlserver start`` on the mlserver export of ``churn``; yields (base URL, model, rows)."""
    from nbops.model_export import export_model

    executable = ensure_venv()
    export_model("churn@production", project / "serving", format="mlserver")
    http, grpc, metrics = free_ports(3)
    env = {
        **os.environ,
        "MLSERVER_HOST": "127.0.0.1",
        "MLSERVER_HTTP_PORT": str(http),
        "MLSERVER_GRPC_PORT": str(grpc),
        "MLSERVER_METRICS_PORT": str(metrics),
        "MLSERVER_PARALLEL_WORKERS": "0",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    env.pop("PYTHONPATH", None)
    log = open(project / "mlserver.log", "w")
    process = subprocess.Popen(
        [str(executable), "start", str(project / "serving")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=project / "serving",
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{http}"
    try:
        _wait_ready(base, process, project / "mlserver.log")
        yield base, *registered
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_ready(base: str, process, log_path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlserver exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/v2/models/churn/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"mlserver was not ready in {READY_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{url} answered {exc.code}: {exc.read()[:2000]!r}") from None


def test_mlserver_serves_the_export_with_the_models_own_predictions(mlserver):
    base, model, rows = mlserver
    expected = model.predict(rows)
    # V2 inference protocol: one tensor per column, decoded to a DataFrame by the pandas codec
    inputs = [
        {
            "name": name,
            "shape": [len(rows)],
            "datatype": "INT64" if rows[name].dtype.kind == "i" else "FP64",
            "data": rows[name].tolist(),
        }
        for name in rows.columns
    ]
    answer = post(f"{base}/v2/models/churn/infer", {"parameters": {"content_type": "pd"}, "inputs": inputs})
    assert answer["model_name"] == "churn" and answer["model_version"] == "v1"
    predictions = np.asarray(answer["outputs"][0]["data"])
    assert predictions.shape == (len(rows),)
    np.testing.assert_array_equal(predictions, expected)
    # MLflow's scoring protocol, which MLServer's MLflow runtime also answers
    answer = post(f"{base}/invocations", {"dataframe_split": rows.to_dict(orient="split", index=False)})
    assert answer["predictions"] == expected.tolist()
