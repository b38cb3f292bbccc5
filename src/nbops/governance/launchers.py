"""Where a retrain runs: the package's own CLI here, its Airflow DAG, or its KFP pipeline.

Each launcher takes the action and the parameters to pass (the window's data file included)
and returns a ``Launch``: finished here (``local``) or handed to an orchestrator (``airflow``,
``kfp``: the run's id there). A launcher never raises for a failing pipeline or an unreachable
orchestrator: the failure is the ``Launch``'s ``error``, which the caller raises as an alert.

Airflow's address and credentials come from the environment, never from the store:
``NBOPS_AIRFLOW_URL`` (e.g. http://airflow:8080), and ``NBOPS_AIRFLOW_TOKEN`` or
``NBOPS_AIRFLOW_USERNAME``/``NBOPS_AIRFLOW_PASSWORD`` (exchanged at ``/auth/token``).
KFP's host comes from ``NBOPS_KFP_HOST`` (else kfp's own default).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nbops.drift.actions import RetrainAction

#: The environment variable a package's tracking.py copies into its run's tags (``nbops.retrain``).
RETRAIN_VARIABLE = "NBOPS_RETRAIN_ID"
TAIL = 1500  # characters of a failing pipeline's stderr kept in the reason


@dataclass(frozen=True)
class Launch:
    error: str | None = None
    remote_id: str | None = None  # the orchestrator's run id

    @property
    def ok(self) -> bool:
        return self.error is None


def launch(action: RetrainAction, params: dict[str, str], *, store_root: Path, retrain_id: int) -> Launch:
    if action.target == "airflow":
        return airflow(action, params)
    if action.target == "kfp":
        return kfp(action, params)
    return local(action, params, store_root=store_root, retrain_id=retrain_id)


def local(
    action: RetrainAction,
    params: dict[str, str],
    *,
    store_root: Path,
    retrain_id: int,
    on_start: Callable[[subprocess.Popen], None] | None = None,
) -> Launch:
    """``python -m PACKAGE run --param k=v ...`` in the package folder, logging into this store.
    ``on_start`` gets the child process, so a server that runs it can stop it when it stops."""
    folder = Path(action.package)
    package = action.package_name
    env = {**os.environ, "NBOPS_HOME": str(store_root), RETRAIN_VARIABLE: str(retrain_id)}
    env.pop("NBOPS_TRACKING", None)  # the retrain's run is the point: tracking stays on
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder / "src"), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", package, "run"] + [f"--param={k}={v}" for k, v in params.items()]
    try:
        child = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        return Launch(f"python -m {package} run could not start: {exc}")
    if on_start is not None:
        on_start(child)
    try:
        stdout, stderr = child.communicate(timeout=action.timeout_minutes * 60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return Launch(f"python -m {package} run took longer than {action.timeout_minutes:g} min and was stopped")
    if child.returncode != 0:
        tail = stderr.strip()[-TAIL:] or stdout.strip()[-TAIL:]
        return Launch(f"python -m {package} run exited with {child.returncode}: {tail}")
    return Launch()


def airflow(action: RetrainAction, params: dict[str, str]) -> Launch:
    """Trigger the DAG through Airflow 3's REST API (``POST /api/v2/dags/{dag_id}/dagRuns``)."""
    url = os.environ.get("NBOPS_AIRFLOW_URL", "").rstrip("/")
    if not url:
        return Launch(
            "retrain target airflow needs NBOPS_AIRFLOW_URL (e.g. http://airflow:8080) in the "
            "environment of the process that checks drift"
        )
    dag_id = action.dag_id or action.package_name
    try:
        token = os.environ.get("NBOPS_AIRFLOW_TOKEN") or _airflow_token(url)
        answer = _post_json(
            f"{url}/api/v2/dags/{dag_id}/dagRuns",
            {"logical_date": None, "conf": params},
            {"Authorization": f"Bearer {token}"},
        )
    except _Refused as exc:
        return Launch(f"Airflow at {url} refused the DAG run of {dag_id!r}: {exc}")
    return Launch(remote_id=str(answer.get("dag_run_id")))


def kfp(action: RetrainAction, params: dict[str, str]) -> Launch:
    """Submit the package's compiled KFP pipeline (``src/PKG/kfp_pipeline.yaml``) with ``kfp.Client``."""
    package = action.package_name
    pipeline = Path(action.package) / "src" / package / "kfp_pipeline.yaml"
    if not pipeline.is_file():
        return Launch(
            f"retrain target kfp needs the compiled {pipeline.name}: run "
            f"python -m {package}.kfp_pipeline compile in the package first"
        )
    try:
        import kfp
    except ImportError:
        return Launch("retrain target kfp needs the kfp package: pip install 'kfp>=2.17'")
    try:
        run = kfp.Client(host=os.environ.get("NBOPS_KFP_HOST") or None).create_run_from_pipeline_package(
            str(pipeline), arguments=params, run_name=f"{package} retrain"
        )
    except Exception as exc:  # the cluster's answer, whatever its type, is the retrain's failure
        return Launch(f"KFP refused the run of {pipeline.name}: {type(exc).__name__}: {exc}")
    return Launch(remote_id=str(getattr(run, "run_id", "")))


class _Refused(Exception):
    pass


def _airflow_token(url: str) -> str:
    user, password = os.environ.get("NBOPS_AIRFLOW_USERNAME"), os.environ.get("NBOPS_AIRFLOW_PASSWORD")
    if not user or not password:
        raise _Refused("set NBOPS_AIRFLOW_TOKEN, or NBOPS_AIRFLOW_USERNAME and NBOPS_AIRFLOW_PASSWORD")
    return str(_post_json(f"{url}/auth/token", {"username": user, "password": password}, {})["access_token"])


def _post_json(url: str, body: dict, headers: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise _Refused(f"HTTP {exc.code} {exc.read()[:300].decode(errors='replace')}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise _Refused(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
