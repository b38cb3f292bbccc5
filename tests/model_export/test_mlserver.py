"""MLServer (in its own cached venv, .ci/install-mlserver) serves an nbops export: its V2
inference answers equal the model's own predictions on the same rows, and ``nbops serve`` of
the same version answers the same payloads as MLServer does.

One MLServer and one ``nbops serve`` are started for the module, side by side."""

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

from .conftest import register_churn
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


@pytest.fixture(scope="module")
def mlserver(tmp_path_factory):
    """``mlserver start`` on the mlserver export of ``churn``, and ``nbops serve churn@production``
    on the same store; yields (MLServer's base URL, model, rows, the nbops serve process)."""
    from serving.peer import ServeProcess

    from nbops.model_export import export_model
    from nbops.tracking import session

    project = tmp_path_factory.mktemp("mlserver")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NBOPS_HOME", str(project / ".nbops"))
        patch.chdir(project)
        registered = register_churn()
        session._end_open_runs("finished")
        executable = ensure_venv()
        export_model("churn@production", project / "serving", format="mlserver")
        nbops_serve = ServeProcess(project / ".nbops", "churn@production")  # boots while MLServer does
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
            nbops_serve.wait()
            yield base, *registered, nbops_serve
        finally:
            nbops_serve.stop()
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
    base, model, rows, _ = mlserver
    expected = model.predict(rows)
    answer = post(f"{base}/v2/models/churn/infer", v2_body(rows))
    assert answer["model_name"] == "churn" and answer["model_version"] == "v1"
    predictions = np.asarray(answer["outputs"][0]["data"])
    assert predictions.shape == (len(rows),)
    np.testing.assert_array_equal(predictions, expected)
    # MLflow's scoring protocol, which MLServer's MLflow runtime also answers
    answer = post(f"{base}/invocations", {"dataframe_split": rows.to_dict(orient="split", index=False)})
    assert answer["predictions"] == expected.tolist()


def v2_body(rows) -> dict:
    """V2 inference protocol: one tensor per column, decoded to a DataFrame by the pandas codec."""
    inputs = [
        {
            "name": name,
            "shape": [len(rows)],
            "datatype": "INT64" if rows[name].dtype.kind == "i" else "FP64",
            "data": rows[name].tolist(),
        }
        for name in rows.columns
    ]
    return {"parameters": {"content_type": "pd"}, "inputs": inputs}


def test_nbops_serve_and_mlserver_give_the_same_answers_to_the_same_payloads(mlserver):
    base, _, rows, nbops_serve = mlserver
    payloads = {
        "dataframe_split": {"dataframe_split": rows.to_dict(orient="split", index=False)},
        "dataframe_records": {"dataframe_records": rows.to_dict(orient="records")},
        "one row": {"dataframe_records": rows.iloc[:1].to_dict(orient="records")},
        "inputs as columns": {"inputs": rows.to_dict(orient="list")},
    }
    with nbops_serve.client() as client:
        for name, body in payloads.items():
            theirs = post(f"{base}/invocations", body)["predictions"]
            ours = client.post("/invocations", json=body)
            assert ours.status_code == 200, (name, ours.text)
            assert ours.json()["predictions"] == theirs, name
        # MLServer's own protocol against nbops serve's MLflow one, on the same rows
        v2 = post(f"{base}/v2/models/churn/infer", v2_body(rows))["outputs"][0]["data"]
        assert client.post("/invocations", json=payloads["dataframe_split"]).json()["predictions"] == v2
