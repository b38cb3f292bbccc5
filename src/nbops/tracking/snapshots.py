"""Data versioning: parquet snapshots of logged frames, DVC-tracked files by reference.

A snapshot is a blob (content-addressed) named in the dataset row; logging the same content
again reuses the blob found by the dataset digest, so nothing is written twice. A file DVC
tracks (``data.csv`` with ``data.csv.dvc`` beside it) is recorded by its DVC md5 and remote
and restored with ``dvc pull``: nbops never copies it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError, NotFoundError
from ..store import Store

if TYPE_CHECKING:
    import pandas as pd


def snapshot_frame(store: Store, frame: Any, digest: str) -> str:
    """The blob holding a parquet snapshot of ``frame`` (written only if its digest is new)."""
    if type(frame).__module__.split(".")[0] != "pandas" or not hasattr(frame, "to_parquet"):
        raise InvalidValueError(
            f"log_dataset(snapshot=True) got {type(frame).__name__}: snapshots are of pandas DataFrames; "
            "convert it with pandas.DataFrame(...) or log it without snapshot=True"
        )
    existing = store.datasets.snapshot_of_digest(digest)
    if existing is not None and store.blobs.path(existing).is_file():
        return existing
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, engine="pyarrow", index=True)
    except ImportError:
        raise InvalidValueError("log_dataset(snapshot=True) needs pyarrow: pip install pyarrow") from None
    except Exception as exc:  # e.g. a column of mixed Python objects parquet cannot type
        raise InvalidValueError(f"dataset cannot be snapshotted as parquet: {exc}") from None
    sha, _ = store.blobs.put_bytes(buffer.getvalue())
    return sha


def is_dvc_tracked(data: Any) -> bool:
    return isinstance(data, (str, Path)) and _dvc_file(Path(data)).is_file()


def describe_dvc_file(path: str | Path) -> dict[str, Any]:
    """``Datasets.add`` fields of a DVC-tracked file: digest from its ``.dvc`` file, no rows."""
    import yaml  # PyYAML comes with jupyter_server (through jupyter_events)

    path = Path(path)
    dvc_file = _dvc_file(path)
    try:
        spec = yaml.safe_load(dvc_file.read_text()) or {}
        out = next(o for o in spec.get("outs", []) if Path(o.get("path", "")).name == path.name)
        md5 = str(out["md5"])
    except (yaml.YAMLError, StopIteration, KeyError, TypeError, AttributeError) as exc:
        raise InvalidValueError(
            f"{dvc_file.name} does not describe {path.name} with an md5 (outs: - md5: ..., path: {path.name}): {exc}"
        ) from None
    remote = out.get("remote") or _default_remote(path.resolve().parent)
    source = {"kind": "dvc", "md5": md5, "remote": remote, "path": path.name, "dvc_file": dvc_file.name}
    if out.get("size") is not None:
        source["size"] = out["size"]
    return {"digest": f"md5:{md5}", "rows": None, "columns": None, "schema": None, "source": source}


def load_dataset(store: Store, name: str, version: int | str | None = None) -> pd.DataFrame:
    """The DataFrame snapshotted as dataset ``name`` (its latest snapshot, or ``version``:
    a dataset id or a digest prefix). Inside ``nbops reproduce`` the latest is the version the
    reproduced run logged (``NBOPS_DATASET_VERSIONS``)."""
    if version is None:
        version = _pinned(name)
    versions = store.datasets.versions(name)
    if not versions:
        raise NotFoundError(f"no dataset named {name!r} has been logged")
    chosen = _choose(name, versions, version)
    if chosen is None:
        source = next((v["source"] for v in versions if v.get("source")), None)
        if source and source.get("kind") == "dvc":
            raise NotFoundError(
                f"dataset {name!r} is tracked by DVC (md5 {source['md5']}, remote {source['remote']!r}), not copied "
                f"into nbops: restore it with `dvc pull {source['dvc_file']}`"
            )
        raise NotFoundError(
            f"dataset {name!r} has no snapshot: log it with nbops.log_dataset(df, {name!r}, snapshot=True)"
        )
    import pandas as pd

    with store.blobs.open(chosen["snapshot_sha256"]) as handle:
        return pd.read_parquet(handle, engine="pyarrow")


def _pinned(name: str) -> int | None:
    """The dataset id a reproduction pins for ``name``: a JSON object ``{name: id}`` in the environment."""
    import json
    import os

    text = os.environ.get("NBOPS_DATASET_VERSIONS")
    if not text:
        return None
    try:
        pinned = json.loads(text).get(name)
    except (ValueError, AttributeError):
        raise InvalidValueError(
            f"NBOPS_DATASET_VERSIONS={text!r} is not valid: use a JSON object of "
            'dataset name to dataset id, e.g. {"train": 3}'
        ) from None
    return pinned if isinstance(pinned, int) and not isinstance(pinned, bool) else None


def _choose(name: str, versions: list[dict[str, Any]], version: int | str | None) -> dict[str, Any] | None:
    with_snapshot = [v for v in versions if v["snapshot_sha256"]]
    if version is None:
        return with_snapshot[0] if with_snapshot else None
    if isinstance(version, int) and not isinstance(version, bool):
        match = [v for v in versions if v["id"] == version]
    elif isinstance(version, str) and len(version) >= 6:
        match = [v for v in versions if v["digest"].startswith(version)]
    else:
        raise InvalidValueError(
            f"dataset version {version!r} is not valid: use a dataset id (int) or a digest prefix of 6+ characters"
        )
    if not match:
        ids = ", ".join(str(v["id"]) for v in versions[:10])
        raise NotFoundError(f"dataset {name!r} has no version {version!r}; its versions (ids) are {ids}")
    return next((v for v in match if v["snapshot_sha256"]), None)


def _dvc_file(path: Path) -> Path:
    return path.with_name(path.name + ".dvc")


def _default_remote(folder: Path) -> str | None:
    """``core.remote`` of the nearest ``.dvc/config`` (DVC's default remote)."""
    import configparser

    for parent in (folder, *folder.parents):
        config = parent / ".dvc" / "config"
        if config.is_file():
            parser = configparser.ConfigParser()
            try:
                parser.read_string(config.read_text())
            except configparser.Error:
                return None
            return parser.get("core", "remote", fallback=None)
    return None
