"""How an nbops run reads in MLflow's terms, and back: pure functions, no network.

| nbops | MLflow |
|---|---|
| run id | tag ``nbops.run_id`` |
| status finished/failed/killed/running | FINISHED/FAILED/KILLED/RUNNING; crashed -> FAILED + tag ``nbops.status`` |
| user, notebook path, git commit/branch | ``mlflow.user``, ``mlflow.source.name``, ``mlflow.source.git.commit``/``branch`` |
| parent run | ``mlflow.parentRunId`` |
| name, note | ``mlflow.runName``, ``mlflow.note.content`` |
| param longer than MLflow allows | artifact ``nbops/params/KEY.txt`` + truncated param naming it |
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

RUN_ID_TAG = "nbops.run_id"
STATUS_TAG = "nbops.status"
HOST_TAG = "nbops.host"
DIRTY_TAG = "nbops.git_dirty"
FLAVOR_TAG = "nbops.flavor"
SHA_TAG = "nbops.sha256"
VERSION_TAG = "nbops.version"
NOTE_TAG = "mlflow.note.content"
PARAMS_DIR = "nbops/params"
MODELS_DIR = "nbops/models"
INTERNAL_DIR = "nbops"
PLOTLY_MEDIA_TYPE = "application/vnd.plotly.v1+json"

_TO_MLFLOW_STATUS = {
    "running": "RUNNING",
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "FAILED",
    "killed": "KILLED",
}
_FROM_MLFLOW_STATUS = {
    "RUNNING": "running",
    "SCHEDULED": "running",
    "FINISHED": "finished",
    "FAILED": "failed",
    "KILLED": "killed",
}
_TO_CONTEXT = {
    "train": "training",
    "validation": "validation",
    "test": "testing",
    "reference": "reference",
    "current": "current",
    "other": "other",
}
_FROM_CONTEXT = {v: k for k, v in _TO_CONTEXT.items()} | {"train": "train", "eval": "validation", "test": "test"}

# Tags nbops writes from its own run columns: they are not user tags when pulled back.
SYSTEM_TAGS = (
    "mlflow.user",
    "mlflow.source.name",
    "mlflow.source.type",
    "mlflow.source.git.commit",
    "mlflow.source.git.branch",
    "mlflow.parentRunId",
    "mlflow.runName",
    NOTE_TAG,
    RUN_ID_TAG,
    STATUS_TAG,
    HOST_TAG,
    DIRTY_TAG,
)


def param_limit() -> int:
    """MLflow's longest param value (6,000 characters in MLflow 3), without importing MLflow
    for a dry run."""
    try:
        from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH
    except ImportError:
        return 6000
    return MAX_PARAM_VAL_LENGTH


def mlflow_status(status: str) -> str:
    return _TO_MLFLOW_STATUS[status]


def nbops_status(status: str, tags: dict) -> str:
    if tags.get(STATUS_TAG) == "crashed":
        return "crashed"
    return _FROM_MLFLOW_STATUS.get(status, "failed")


def ms(seconds: float | None) -> int | None:
    return None if seconds is None else int(round(seconds * 1000))


def seconds(milliseconds: int | None) -> float | None:
    return None if milliseconds is None else milliseconds / 1000


def run_tags(run: dict, remote_parent: str | None) -> dict[str, str]:
    """The tags an MLflow run carries for an nbops run: its columns as ``mlflow.*``/``nbops.*``
    tags, then the user's tags."""
    tags = {RUN_ID_TAG: run["id"], "mlflow.source.type": "NOTEBOOK"}
    optional = {
        "mlflow.user": run.get("user"),
        "mlflow.source.name": run.get("notebook_path"),
        "mlflow.source.git.commit": run.get("git_commit"),
        "mlflow.source.git.branch": run.get("git_branch"),
        "mlflow.parentRunId": remote_parent,
        "mlflow.runName": run.get("name"),
        NOTE_TAG: run.get("note"),
        HOST_TAG: run.get("host"),
        STATUS_TAG: "crashed" if run["status"] == "crashed" else None,
        DIRTY_TAG: None if run.get("git_dirty") is None else str(bool(run["git_dirty"])).lower(),
    }
    tags.update({k: str(v) for k, v in optional.items() if v is not None})
    tags.update({k: "" if v is None else str(v) for k, v in (run.get("tags") or {}).items()})
    return tags


def split_param(key: str, value: str, limit: int) -> tuple[str, bytes | None]:
    """(the value MLflow stores, the full value as an artifact's bytes or None when it fits)."""
    if len(value) <= limit:
        return value, None
    pointer = f" … [truncated: full value in artifact {param_artifact(key)}]"
    return value[: limit - len(pointer)] + pointer, value.encode()


def param_artifact(key: str) -> str:
    return f"{PARAMS_DIR}/{_file_name(key)}.txt"


def model_artifact(name: str, version: int) -> str:
    return f"{MODELS_DIR}/{_file_name(name)}/v{version}/model.bin"


def _file_name(text: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)
    return safe if safe == text else f"{safe}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def digest(value: Any) -> str:
    """A short digest of a value sent, to tell later whether it changed."""
    return hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def dataset_fields(dataset: dict) -> dict:
    """Keyword arguments of an ``mlflow.entities.Dataset`` for an nbops dataset row. MLflow
    keeps at most 36 characters of a digest, so the full one travels in the profile."""
    schema = dataset.get("schema") or []
    colspec = [{"name": c.get("name"), "type": _mlflow_type(c.get("dtype", ""))} for c in schema]
    profile = {
        "num_rows": dataset.get("rows"),
        "num_elements": (dataset.get("rows") or 0) * (dataset.get("columns") or 0),
        "nbops": {"digest": dataset["digest"], "columns": dataset.get("columns"), "schema": schema},
    }
    return {
        "name": dataset["name"],
        "digest": dataset["digest"][:36],
        "source_type": "nbops",
        "source": json.dumps({"nbops_dataset_id": dataset["id"]}),
        "schema": json.dumps({"mlflow_colspec": colspec}),
        "profile": json.dumps(profile),
    }


def dataset_context(role: str) -> str:
    return _TO_CONTEXT.get(role, role)


def dataset_from_mlflow(dataset, context: str | None) -> dict:
    """nbops dataset fields (name, role, digest, rows, columns, schema) of an MLflow dataset."""
    profile = _json(dataset.profile) or {}
    mine = profile.get("nbops") or {}
    schema = mine.get("schema")
    if schema is None:
        colspec = (_json(dataset.schema) or {}).get("mlflow_colspec") or []
        schema = [{"name": c.get("name"), "dtype": c.get("type")} for c in colspec]
    return {
        "name": dataset.name,
        "role": _FROM_CONTEXT.get(context or "", "other"),
        "digest": mine.get("digest") or dataset.digest,
        "rows": profile.get("num_rows"),
        "columns": mine.get("columns", len(schema)),
        "schema": schema,
    }


def media_type(path: str) -> str:
    if path.endswith(".plotly.json"):
        return PLOTLY_MEDIA_TYPE
    import mimetypes

    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def _mlflow_type(dtype: str) -> str:
    text = str(dtype).lower()
    if text.startswith(("int", "uint")):
        return "long"
    if text.startswith("float"):
        return "double"
    if text.startswith("bool"):
        return "boolean"
    if text.startswith("datetime"):
        return "datetime"
    return "string"


def _json(text: str | None):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
