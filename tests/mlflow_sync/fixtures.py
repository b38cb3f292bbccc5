"""One real MLflow tracking server (PostgreSQL backend, proxied artifacts) for the whole test
session, shared by the sync tests and the browser test (a pytest plugin: see tests/conftest.py)."""

from __future__ import annotations

import importlib.util
import os
import uuid

import pytest

from mlflow_sync.mlflow_peer import MlflowServer, Postgres, postgres_bin


def _missing() -> str | None:
    if importlib.util.find_spec("mlflow") is None or importlib.util.find_spec("psycopg2") is None:
        return "mlflow and psycopg2 are not installed: pip install -e '.[mlflow]'"
    if postgres_bin() is None:
        return "PostgreSQL is not installed: bash .ci/install-postgres"
    return None


def require_mlflow_client() -> None:
    """Skip the calling module without MLflow, except under CI, where that is a failure."""
    if importlib.util.find_spec("mlflow") is None:
        if os.environ.get("CI") == "true":
            raise ImportError("mlflow is not installed: pip install -e '.[mlflow]'")
        pytest.skip("mlflow is not installed", allow_module_level=True)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("mlflow")
    postgres = Postgres().start()
    server = None
    try:
        # a loaded host has taken over 90 s to start it (the default in mlflow_peer)
        server = MlflowServer(postgres.create_database("mlflow"), folder / "artifacts", folder / "mlflow.log").start(
            timeout=300
        )
        yield server
    finally:
        if server is not None:
            server.stop()
        postgres.stop()


@pytest.fixture
def client(mlflow_server):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=mlflow_server.uri, registry_uri=mlflow_server.uri)


@pytest.fixture
def experiment_name() -> str:
    """A name no other test uses: every test shares the one server."""
    return f"exp-{uuid.uuid4().hex[:8]}"
