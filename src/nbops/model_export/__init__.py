"""Export a registered model version to the formats serving engines read.

    nbops models export churn@production --format mlserver -o serving/churn

``mlflow``   an MLflow model directory (``MLmodel`` with the sklearn and python_function
             flavours, a signature, pinned requirements): ``mlflow models serve -m DIR``.
``mlserver`` ``model-settings.json`` for MLServer's MLflow runtime, and the MLflow directory in
             ``model/``: ``mlserver start DIR``.
``kserve``   ``inference-service.yaml`` (an InferenceService, ``modelFormat: mlflow``, V2
             protocol) and the MLflow directory in ``model/`` to upload to its ``storageUri``.

The folder is written whole or not at all, and carries nbops's manifest: ``force`` replaces
only a folder nbops wrote (the rule of :mod:`nbops.productionize.output_folder`).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidValueError
from ..productionize.output_folder import (
    MANIFEST,
    check_target,
    check_writable,
    manifest,
    protected_stores,
    replace_folder,
)
from ..store import Store
from .manifests import kserve_manifest, mlserver_settings
from .reference import VersionRef, load_model, training_schema, version_row

__all__ = ["FORMATS", "Export", "export_model"]

FORMATS = ("mlflow", "mlserver", "kserve")
MODEL_DIR = "model"  # where the mlserver and kserve layouts keep the MLflow directory


@dataclass
class Export:
    name: str
    version: int
    format: str
    path: str
    files: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "format": self.format,
            "path": self.path,
            "files": self.files,
            "notes": self.notes,
        }


def export_model(
    model: str,
    output: str | Path,
    format: str = "mlflow",
    force: bool = False,
    storage_uri: str | None = None,
    store: Store | None = None,
) -> Export:
    """Write version ``model`` (``NAME``, ``NAME@ALIAS`` or ``NAME:VERSION``) to folder ``output``."""
    if format not in FORMATS:
        raise InvalidValueError(f"export format {format!r} is not valid: use one of {', '.join(FORMATS)}")
    if storage_uri is not None and format != "kserve":
        raise InvalidValueError(f"a storage URI is for the kserve format only, not {format!r}")
    if store is None:
        from ..tracking import store as default_store

        store = default_store()
    out_dir = Path(output).expanduser().absolute()
    stores = protected_stores(Path.cwd().resolve(), out_dir.parent.resolve())
    check_target(out_dir, force, stores=stores, shown=str(output))
    check_writable(out_dir, shown=str(output))
    row = version_row(store, VersionRef.parse(model))
    name, number = row["name"], row["version"]
    estimator = load_model(store, row)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.export-", dir=_parent(out_dir)))
    try:
        notes = _write(format, staging, estimator, training_schema(store, row), name, number, storage_uri)
        files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        (staging / MANIFEST).write_text(manifest(files, package=f"{name}:v{number}", notebook=""))
        replace_folder(staging, out_dir, force, stores=stores)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Export(name, number, format, str(out_dir), sorted([*files, MANIFEST]), notes)


def _write(format: str, folder: Path, estimator, schema, name: str, number: int, storage_uri: str | None) -> list[str]:
    from .mlflow_model import save_mlflow_model

    if format == "mlflow":
        folder.rmdir()  # mlflow writes a folder that does not exist yet
        return save_mlflow_model(estimator, folder, schema)
    notes = save_mlflow_model(estimator, folder / MODEL_DIR, schema)
    if format == "mlserver":
        (folder / "model-settings.json").write_text(mlserver_settings(name, number, MODEL_DIR))
    else:
        (folder / "inference-service.yaml").write_text(kserve_manifest(name, number, storage_uri))
        if storage_uri is None:
            notes.append("storageUri is a placeholder: pass storage_uri (--storage-uri) once model/ is uploaded")
    return notes


def _parent(out_dir: Path) -> Path:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return out_dir.parent
